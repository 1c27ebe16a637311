/* nft_model.c - building the ruleset model, and set lookups.
 *
 * Chains and sets are kept as arrays of pointers sorted lazily by
 * (family, table, name), so the reader can append 10,000 chains in dump
 * order and every reference resolves by binary search.  Sets are turned
 * into sorted, inclusive [lo, hi] ranges once (tsn_nft_finish): a lookup
 * in a 100,000-element set is one binary search whatever the set type.
 * Rules, their expressions and data live in an arena freed at once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "lib/util.h"
#include "nft/nft.h"

struct tsn_nft_ruleset *tsn_nft_ruleset_new(void)
{
	return calloc(1, sizeof(struct tsn_nft_ruleset));
}

/* The arena: chunks from the heap, 256 KiB, then 512 KiB, zeroed as
 * they are handed out; a block bigger than 128 KiB (a big chain's rule
 * array) gets a chunk of its own, of its size, which can be given back
 * (tsn_nft_release) when the array outgrows it.  So little is left
 * unused, or dead, and a ruleset of any size is freed at once. */
struct tsn_nft_chunk {
	struct tsn_nft_chunk *next;
	size_t size, used;
	bool own;	/* one block's own: tsn_nft_release can free it */
	_Alignas(16) unsigned char mem[];	/* blocks are 8-aligned */
};

#define CHUNK_MIN ((size_t)256 << 10)
#define CHUNK_MAX ((size_t)512 << 10)
#define CHUNK_BIG ((size_t)128 << 10)

static struct tsn_nft_chunk *chunk_new(size_t size)
{
	struct tsn_nft_chunk *c = malloc(size);

	if (!c)
		return NULL;
	c->size = size - sizeof(*c);
	c->used = 0;
	c->own = false;
	return c;
}

void *tsn_nft_alloc(struct tsn_nft_ruleset *rs, size_t n)
{
	struct tsn_nft_chunk *c = rs->arena;
	void *p;

	if (n > SIZE_MAX / 4)
		return NULL;
	n = (n + 7) & ~(size_t)7;
	if (n > CHUNK_BIG) {
		/* Behind the head, which stays the one allocated from. */
		struct tsn_nft_chunk *b = chunk_new(sizeof(*b) + n);

		if (!b)
			return NULL;
		b->used = n;
		b->own = true;
		b->next = c ? c->next : NULL;
		if (c)
			c->next = b;
		else
			rs->arena = b;
		c = b;
	} else if (!c || c->size - c->used < n) {
		c = chunk_new(c ? CHUNK_MAX : CHUNK_MIN);
		if (!c)
			return NULL;
		c->next = rs->arena;
		rs->arena = c;
		c->used = n;
	} else {
		c->used += n;
	}
	p = c->mem + c->used - n;
	/* Zeroed here, not with the chunk: its tail may never be used,
	 * and untouched it costs nothing. */
	memset(p, 0, n);
	return p;
}

void tsn_nft_release(struct tsn_nft_ruleset *rs, void *p)
{
	for (struct tsn_nft_chunk **at = &rs->arena; p && *at;
	     at = &(*at)->next) {
		struct tsn_nft_chunk *c = *at;

		if (c->own && c->mem == p) {
			*at = c->next;
			free(c);
			return;
		}
	}
}

static void free_arena(struct tsn_nft_chunk *c)
{
	while (c) {
		struct tsn_nft_chunk *next = c->next;

		free(c);
		c = next;
	}
}

const char *tsn_nft_label(struct tsn_nft_ruleset *rs, const char *fallback,
			  const char *fmt, ...)
{
	char buf[TSN_NFT_NAME_MAX];
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return fallback;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	p = tsn_nft_alloc(rs, (size_t)n + 1);
	if (!p)
		return fallback;
	memcpy(p, buf, (size_t)n);
	return p;
}

int tsn_nft_expr_set_data(struct tsn_nft_ruleset *rs, struct tsn_nft_expr *e,
			  const void *d, const void *d2, uint8_t len)
{
	uint8_t *p;

	if (len > TSN_NFT_DATA_MAX)
		return -EINVAL;
	p = tsn_nft_alloc(rs, 2 * (size_t)len);
	if (!p)
		return -ENOMEM;
	memcpy(p, d, len);
	if (d2)
		memcpy(p + len, d2, len);
	e->data = p;
	return 0;
}

static void free_rule(struct tsn_nft_rule *r)
{
	/* Shared expressions own no name (nft_conv.c does not share those
	 * that do); the arena's are not freed one by one, and are walked
	 * only when one holds a name (10,000 rules' worth was 0.5 ms). */
	for (size_t i = 0; (r->cap_exprs || r->own_names) && i < r->n_exprs;
	     i++) {
		free(r->exprs[i]->target);	/* or set_name: a union */
		if (r->cap_exprs)
			free(r->exprs[i]);
	}
	if (r->cap_exprs)
		free(r->exprs);
	free(r->comment);
}

static void free_chain(struct tsn_nft_chain *c)
{
	for (size_t i = 0; i < c->n_rules; i++)
		free_rule(&c->rules[i]);	/* the array is the arena's */
	free(c->table);
	free(c->name);
	free(c->type);
	free(c->dev);
	free(c);
}

static void free_set(struct tsn_nft_set *s)
{
	for (size_t i = 0; i < s->n_elems; i++) {
		free(s->elems[i].lo);	/* hi shares lo's allocation */
		free(s->elems[i].chain_name);
		free(s->elems[i].data);
	}
	if (s->has_catchall) {
		free(s->catchall.lo);
		free(s->catchall.chain_name);
		free(s->catchall.data);
	}
	free(s->elems);
	free(s->table);
	free(s->name);
	free(s);
}

void tsn_nft_ruleset_free(struct tsn_nft_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_chains; i++)
		free_chain(rs->chains[i]);
	for (size_t i = 0; i < rs->n_sets; i++)
		free_set(rs->sets[i]);
	for (size_t i = 0; i < rs->n_dormant; i++)
		free(rs->dormant[i]);
	free(rs->dormant);
	free(rs->chains);
	free(rs->sets);
	free_arena(rs->arena);
	free(rs->conv_cache);
	free(rs);
}

/* Grow *arr (of elements of size sz) to hold one more. */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *cap * sz, 0, (ncap - *cap) * sz);
	*arr = p;
	*cap = ncap;
	return 0;
}

struct tsn_nft_chain *tsn_nft_chain_add(struct tsn_nft_ruleset *rs,
					int family, const char *table,
					const char *name)
{
	struct tsn_nft_chain *c;

	if (grow((void **)&rs->chains, &rs->cap_chains, rs->n_chains,
		 sizeof(*rs->chains)) < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->family = family;
	c->policy = NF_ACCEPT;
	c->table = tsn_strdup(table);
	c->name = tsn_strdup(name);
	if (!c->table || !c->name) {
		free_chain(c);
		return NULL;
	}
	rs->chains[rs->n_chains++] = c;
	rs->sorted = false;
	return c;
}

int tsn_nft_chain_set_base(struct tsn_nft_chain *c, uint32_t hook,
			   int32_t prio, int policy, const char *type,
			   const char *dev)
{
	c->base = true;
	c->hook = hook;
	c->prio = prio;
	c->policy = policy;
	free(c->type);
	free(c->dev);
	c->type = tsn_strdup(type ? type : "filter");
	c->dev = dev ? tsn_strdup(dev) : NULL;
	if (!c->type || (dev && !c->dev))
		return -ENOMEM;
	return 0;
}

struct tsn_nft_rule *tsn_nft_rule_add(struct tsn_nft_ruleset *rs,
				      struct tsn_nft_chain *c,
				      uint64_t handle, const char *comment)
{
	struct tsn_nft_rule *r;

	/* In the arena, doubling; an old array big enough to have had a
	 * chunk of its own is given back to the heap. */
	if (c->n_rules == c->cap_rules) {
		size_t ncap = c->cap_rules ? c->cap_rules * 2 : 8;

		if (ncap > SIZE_MAX / 4 / sizeof(*r))
			return NULL;
		r = tsn_nft_alloc(rs, ncap * sizeof(*r));
		if (!r)
			return NULL;
		if (c->n_rules)
			memcpy(r, c->rules, c->n_rules * sizeof(*r));
		tsn_nft_release(rs, c->rules);
		c->rules = r;
		c->cap_rules = ncap;
	}
	r = &c->rules[c->n_rules];
	memset(r, 0, sizeof(*r));
	r->handle = handle;
	if (comment) {
		r->comment = tsn_strdup(comment);
		if (!r->comment)
			return NULL;
	}
	c->n_rules++;
	return r;
}

struct tsn_nft_expr *tsn_nft_expr_add(struct tsn_nft_rule *r,
				      enum tsn_nft_op op, const char *label)
{
	struct tsn_nft_expr **p, *e;

	if (r->exprs && !r->cap_exprs)
		return NULL;	/* the reader's: sized once, in the arena */
	if (r->n_exprs == r->cap_exprs) {
		size_t ncap = r->cap_exprs < 4 ? 4 : r->cap_exprs * 2u;

		if (ncap > TSN_NFT_EXPRS_MAX)
			return NULL;

		p = realloc(r->exprs, ncap * sizeof(*p));
		if (!p)
			return NULL;
		r->exprs = p;
		r->cap_exprs = (uint16_t)ncap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->op = op;
	e->label = label;
	r->exprs[r->n_exprs++] = e;
	return e;
}

struct tsn_nft_expr **tsn_nft_rule_exprs(struct tsn_nft_ruleset *rs,
					 struct tsn_nft_rule *r, size_t n)
{
	if (r->exprs || !n || n > TSN_NFT_EXPRS_MAX)
		return NULL;
	r->exprs = tsn_nft_alloc(rs, n * sizeof(*r->exprs));
	return r->exprs;
}

int tsn_nft_expr_set_target(struct tsn_nft_expr *e, const char *chain)
{
	free(e->target);
	e->target = tsn_strdup(chain);
	return e->target ? 0 : -ENOMEM;
}

int tsn_nft_expr_set_set(struct tsn_nft_expr *e, const char *set)
{
	free(e->set_name);
	e->set_name = tsn_strdup(set);
	return e->set_name ? 0 : -ENOMEM;
}

struct tsn_nft_set *tsn_nft_set_add(struct tsn_nft_ruleset *rs, int family,
				    const char *table, const char *name,
				    uint32_t flags, uint32_t key_len,
				    uint32_t data_type, uint32_t data_len)
{
	struct tsn_nft_set *s;

	if (key_len == 0 || key_len > TSN_NFT_DATA_MAX ||
	    data_len > TSN_NFT_DATA_MAX)
		return NULL;
	if (grow((void **)&rs->sets, &rs->cap_sets, rs->n_sets,
		 sizeof(*rs->sets)) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->family = family;
	s->table = tsn_strdup(table);
	s->name = tsn_strdup(name);
	s->flags = flags;
	s->key_len = key_len;
	s->data_type = data_type;
	s->data_len = data_len;
	if (!s->table || !s->name) {
		free_set(s);
		return NULL;
	}
	rs->sets[rs->n_sets++] = s;
	rs->sorted = false;
	return s;
}

int tsn_nft_elem_add(struct tsn_nft_set *s, const uint8_t *key,
		     const uint8_t *key_end, uint32_t flags, int verdict,
		     const char *chain, const uint8_t *data, size_t data_len)
{
	struct tsn_nft_elem *el;

	if (data_len > TSN_NFT_DATA_MAX)
		return -EINVAL;
	if (grow((void **)&s->elems, &s->cap_elems, s->n_elems,
		 sizeof(*s->elems)) < 0)
		return -ENOMEM;
	el = &s->elems[s->n_elems];
	memset(el, 0, sizeof(*el));
	el->lo = malloc(2 * s->key_len);
	if (!el->lo)
		return -ENOMEM;
	el->hi = el->lo + s->key_len;
	memcpy(el->lo, key, s->key_len);
	memcpy(el->hi, key_end ? key_end : key, s->key_len);
	el->flags = flags;
	el->verdict = verdict;
	s->n_elems++;
	s->ready = false;
	if (chain) {
		el->chain_name = tsn_strdup(chain);
		if (!el->chain_name)
			return -ENOMEM;
	}
	if (data && data_len) {
		el->data = calloc(1, TSN_NFT_DATA_MAX);
		if (!el->data)
			return -ENOMEM;
		memcpy(el->data, data, data_len);
	}
	return 0;
}

static int cmp_names(int fa, const char *ta, const char *na, int fb,
		     const char *tb, const char *nb)
{
	int d;

	if (fa != fb)
		return fa < fb ? -1 : 1;
	d = strcmp(ta, tb);
	return d ? d : strcmp(na, nb);
}

static int chain_cmp(const void *a, const void *b)
{
	const struct tsn_nft_chain *x = *(struct tsn_nft_chain *const *)a;
	const struct tsn_nft_chain *y = *(struct tsn_nft_chain *const *)b;

	return cmp_names(x->family, x->table, x->name, y->family, y->table,
			 y->name);
}

static int set_cmp(const void *a, const void *b)
{
	const struct tsn_nft_set *x = *(struct tsn_nft_set *const *)a;
	const struct tsn_nft_set *y = *(struct tsn_nft_set *const *)b;

	return cmp_names(x->family, x->table, x->name, y->family, y->table,
			 y->name);
}

void tsn_nft_sort(struct tsn_nft_ruleset *rs)
{
	if (rs->sorted)
		return;
	/* Sorting pointers keeps every chain and set where it is. */
	if (rs->n_chains)
		qsort(rs->chains, rs->n_chains, sizeof(*rs->chains),
		      chain_cmp);
	if (rs->n_sets)
		qsort(rs->sets, rs->n_sets, sizeof(*rs->sets), set_cmp);
	rs->sorted = true;
}

struct tsn_nft_chain *tsn_nft_chain_find(struct tsn_nft_ruleset *rs,
					 int family, const char *table,
					 const char *name)
{
	size_t lo = 0, hi;

	tsn_nft_sort(rs);
	hi = rs->n_chains;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tsn_nft_chain *c = rs->chains[mid];
		int d = cmp_names(family, table, name, c->family, c->table,
				  c->name);

		if (!d)
			return rs->chains[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

struct tsn_nft_set *tsn_nft_set_find(struct tsn_nft_ruleset *rs, int family,
				     const char *table, const char *name)
{
	size_t lo = 0, hi;

	tsn_nft_sort(rs);
	hi = rs->n_sets;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct tsn_nft_set *s = rs->sets[mid];
		int d = cmp_names(family, table, name, s->family, s->table,
				  s->name);

		if (!d)
			return rs->sets[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int tsn_nft_reg_offset(uint32_t reg)
{
	if (reg == NFT_REG_VERDICT)
		return 0;
	if (reg >= NFT_REG_1 && reg <= NFT_REG_4)
		return (int)reg * 16;
	if (reg >= NFT_REG32_00 && reg <= NFT_REG32_15)
		return 16 + (int)(reg - NFT_REG32_00) * 4;
	return -1;
}
