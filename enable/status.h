/* status.h - what tsnet recorded on a node, and how it compares.
 *
 * The node-local side of `tsnet status` and `tsnet state export|import`:
 * /var/lib/tsnet/ipsec.json (written by ipsec-apply) names every file
 * tsnet wrote with its SHA-256 and mode, so drift is a recomputation, and
 * a backup is those files plus the record.  The agent actions:
 *
 *   ipsec-state   {"state":REC|null,"drift":[{"path","reason"}],
 *                  "loaded":[CONN...],"version":V,"running":bool}
 *   ipsec-export  {"state":REC|null,"files":[{"path","mode","content"}]}
 *                 (holds keys: only the coordinator's pipe reads it)
 *   ipsec-import  stdin as ipsec-export printed it; writes the files and
 *                 the record back, loads them over VICI;
 *                 {"files":[...],"loaded","ok","error"}
 */
#ifndef TSN_STATUS_H
#define TSN_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/json.h"

#ifndef TSN_IPSEC_STATE	/* also in ipsec.h: the same record */
#define TSN_IPSEC_STATE TSN_STATE_DIR "/ipsec.json"
#endif
#define TSN_STATE_FILE_MAX (4u << 20)	/* a record or a recorded file */

/* Read and parse the record: 0, -ENOENT when there is none, -EINVAL with
 * a reason in err for a record that is not one. */
int tsn_state_load(const char *path, struct tsn_jv *rec, char *err,
		   size_t errlen);
/* "0600" -> 0600; -EINVAL unless four octal digits at most 0777. */
int tsn_state_mode_parse(const char *s, mode_t *mode);
/* A path a record may name: absolute, under /etc/, no "." or ".."
 * component, no doubled slash. */
bool tsn_state_path_ok(const char *path);
/* Zero every string in a parsed value, then free it (values that held
 * keys: tsn_jv_free does not wipe). */
void tsn_jv_wipe_free(struct tsn_jv *v);
/* Lower-case hex SHA-256 of data. */
void tsn_sha256_hex(const void *data, size_t len, char out[65]);

/* The coordinator's view (status_cmd.c gathers, status_print.c shows). */
struct tsn_st_node {
	const struct tsn_node *node;
	bool reachable;		/* both actions answered */
	char *error;		/* ipsec-state failed: why */
	char *sas_error;	/* ipsec-sas failed: why (SAs unknown) */
	struct tsn_jv st;	/* ipsec-state's reply */
	struct tsn_jv sas;	/* ipsec-sas's reply */
	const struct tsn_jv *rec;	/* st.state when enabled, else NULL */
	struct tsn_jv xf;	/* xfrm-state's reply (TSN_JNULL: none) */
	char *xf_error;		/* xfrm-state failed: why */
	bool xf_late;		/* it timed out: the node answered the
				 * others */
};

enum tsn_st_pair_state {
	TSN_PAIR_OK,		/* INSTALLED, TRANSPORT, AES-GCM both sides */
	TSN_PAIR_MISSING,	/* neither side has it */
	TSN_PAIR_ONE_SIDED,	/* one side only */
	TSN_PAIR_WRONG,		/* installed, but not transport / AES-GCM */
	TSN_PAIR_DISABLED,	/* a node is not enabled */
	TSN_PAIR_UNKNOWN,	/* a node did not answer */
};

struct tsn_st_pair {
	size_t a, b;		/* node indexes, a < b */
	enum tsn_st_pair_state state;
	char detail[160];
};

struct tsn_st {
	const struct tsn_inventory *inv;
	struct tsn_st_node *nodes;
	struct tsn_st_pair *pairs;
	size_t n_pairs;
	bool plan_consistent;	/* every enabled node, one plan hash */
	size_t n_enabled;
	char **problems;	/* one line each */
	size_t n_problems;
	char **notes;		/* what to know, not a problem: one line each */
	size_t n_notes;
	int exit;
};

/* Add a line to s->problems (or, with note, s->notes): 0 or -ENOMEM. */
int tsn_st_line(struct tsn_st *s, bool note, const char *fmt, ...)
	TSN_PRINTF(3, 4);
/* The kernel's side (status_xfrm.c): IPsec that is not tsnet's over the
 * members' traffic (drift), tsnet's ESP states per pair (two, four while
 * rekeying, none twice, SPIs matching the peer's, none failing to
 * authenticate), charon holding UDP 500 and 4500, ESP offload. */
int tsn_status_xfrm(struct tsn_st *s);
/* One node's three replies (ipsec-state, ipsec-sas, xfrm-state, in that
 * order) into sn: 0, or -ENOMEM.  What failed is in sn's *error. */
struct tsn_job;
int tsn_st_take(struct tsn_st_node *sn, const struct tsn_job *job);
/* The exit status the judged cluster earns: 3 when something could not
 * be read, else 1 on a problem, else 0. */
int tsn_st_exit(const struct tsn_st *s);
/* The SA a holds with peer over its IPv4 (or only) connection, or with
 * v6 over a dual-stack pair's IPv6 one: an INSTALLED one first. */
const struct tsn_jv *tsn_st_sa(const struct tsn_st_node *a, const char *peer,
			       bool v6);
/* The tsnet connections a node's record plans: one per peer, two per
 * dual-stack peer. */
size_t tsn_st_planned(const struct tsn_jv *rec);
/* How many of those charon's loaded list holds, each by its name (a
 * stale tsnet-X does not make up for a missing tsnet-Y_v6). */
size_t tsn_st_loaded(const struct tsn_jv *rec, const struct tsn_jv *loaded);
/* Is an ipsec-sas entry from a dual-stack pair's second connection
 * ("over": "address6")? */
bool tsn_sa_v6(const struct tsn_jv *sa);
const char *tsn_st_pair_name(enum tsn_st_pair_state s);
void tsn_status_table(const struct tsn_st *s, FILE *f, bool colour);
int tsn_status_json(const struct tsn_st *s, FILE *f);

int tsn_ipsec_state_action(int argc, char **argv, struct tsn_ctx *ctx);
/* One line per entry of node i's xfrm-state reply that is not tsnet's
 * and covers the traffic between i and another member ("NODE:
 * xfrm.foreign: DESCRIPTION, not tsnet's, covers the members' traffic
 * (fix: COMMAND)\n"), policies only or states too: how many, -EINVAL
 * for a reply without "xfrm", -ENOMEM (xfrm_check.c). */
int tsn_xfrm_foreign_lines(const struct tsn_inventory *inv, size_t i,
			   const struct tsn_jv *rep, bool policies_only,
			   struct tsn_buf *lines);
/* `agent xfrm-state`: the kernel's IPsec states, policies, who holds
 * UDP 500/4500, ESP offload (agent_xfrm.c). */
int tsn_xfrm_state_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_ipsec_export_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_ipsec_import_action(int argc, char **argv, struct tsn_ctx *ctx);

#endif
