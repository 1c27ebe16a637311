/* inventory_int.h - what the pieces of the inventory reader share: the
 * key table, the parser's state and its helpers.  Not for callers outside
 * lib/inventory*.c; they use inventory.h.
 */
#ifndef TSN_INVENTORY_INT_H
#define TSN_INVENTORY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inventory.h"

#define LIST_MAX 64		/* ssh options, subnets, target tags */
#define KEYS_MAX 32

enum vtype { V_STR, V_UINT, V_ENUM, V_ADDR, V_OPTS, V_SUBNETS };

#define F_OPTIONAL 1		/* an empty value leaves the key unset */
#define F_V6ONLY 2

struct parser;

struct key {
	const char *name;
	enum vtype type;
	size_t off;		/* in struct tsn_cluster or struct tsn_node */
	unsigned flags;
	const char *dflt;	/* [cluster]: applied when the key is absent */
	unsigned min, max;	/* V_UINT */
	const char *const *names;	/* V_ENUM, indexed by value */
	int (*check)(struct parser *ps, const struct key *k, const char *v);
};

enum section { SECT_NONE, SECT_CLUSTER, SECT_NODE };

struct parser {
	const char *name;	/* file name in messages */
	struct tsn_inventory *inv;
	struct tsn_inv_diag *diag;
	unsigned line;
	enum section sect;
	unsigned cluster_line;	/* 0 until [cluster] is seen */
	unsigned cseen[KEYS_MAX];	/* line each [cluster] key was set on */
	unsigned nseen[KEYS_MAX];	/* the same for the current node */
	size_t cap;		/* nodes allocated */
	uint32_t *slots;	/* index of names and addresses, see below */
	size_t mask;
	char buf[TSN_LINE_MAX + 1];
};

/* Character sets: classes plus a string of punctuation. */
#define C_LOWER 1
#define C_UPPER 2
#define C_DIGIT 4
#define C_ALNUM (C_LOWER | C_UPPER | C_DIGIT)

#define FIELD(base, k, type) ((type *)(void *)((char *)(base) + (k)->off))
#define CFIELD(base, k, type) \
	((const type *)(const void *)((const char *)(base) + (k)->off))

/* inventory_check.c: the key tables, in the order
 * tsn_inventory_format() writes, and the value checks. */
extern const struct key inv_cluster_keys[];
extern const size_t inv_n_cluster_keys;
extern const struct key inv_node_keys[];
extern const size_t inv_n_node_keys;

/* "file:line: reason" into ps->diag->error; returns -EINVAL. */
int inv_perr(struct parser *ps, const char *fmt, ...) TSN_PRINTF(2, 3);
/* User text quoted for a message: one readable line. */
const char *inv_q(char *buf, size_t len, const char *s);
const char *inv_comment_hint(const char *v);
/* For "...%s%s%s": " (HINT)" after a value that holds a comment, else "". */
#define INV_NOTE(hint) (hint) ? " (" : "", (hint) ? (hint) : "", \
	(hint) ? ")" : ""
int inv_check_name_str(struct parser *ps, const char *what, const char *v);
int inv_check_ssh_option(struct parser *ps, const char *item);

/* inventory_addr.c */
size_t inv_addr_len(const struct tsn_addr *a);
const char *inv_addr_unusable(const struct tsn_addr *a);

/* inventory_value.c: the index of names and addresses, and setting
 * values by the key table. */
uint32_t inv_slot_value(size_t node, unsigned what);
uint32_t *inv_find_slot(struct parser *ps, const char *name,
			const struct tsn_addr *a);
int inv_index_rebuild(struct parser *ps, size_t cap);
int inv_nomem(struct parser *ps);
int inv_set_value(struct parser *ps, const struct key *k, void *base,
		  const char *v);

#endif
