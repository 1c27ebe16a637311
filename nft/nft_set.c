/* nft_set.c - sets as sorted ranges, and resolving references.
 *
 * The kernel stores a non-concatenated interval set (rbtree) as start
 * elements and end elements flagged NFT_SET_ELEM_INTERVAL_END whose key
 * is one past the range; pipapo sets carry KEY_END instead.  Both become
 * inclusive [lo, hi] ranges sorted by memcmp order (the order the kernel
 * compares keys in), hash sets become [k, k]; a lookup is then one binary
 * search, which keeps a 100,000-element set well under a millisecond.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "lib/util.h"
#include "nft/nft.h"

static int elem_cmp(const void *a, const void *b, void *arg)
{
	const struct tsn_nft_elem *x = a, *y = b;
	size_t klen = *(const size_t *)arg;
	int d = memcmp(x->lo, y->lo, klen);

	if (d)
		return d;
	/* At an equal key an end (of the range before) sorts first. */
	return (int)(y->flags & NFT_SET_ELEM_INTERVAL_END) -
	       (int)(x->flags & NFT_SET_ELEM_INTERVAL_END);
}

/* Big-endian decrement: the rbtree end key is exclusive. */
static void key_dec(uint8_t *k, size_t len)
{
	for (size_t i = len; i-- > 0;) {
		if (k[i]--)
			break;
	}
}

static void elem_release(struct tsn_nft_elem *el)
{
	free(el->lo);
	free(el->chain_name);
	free(el->data);
	memset(el, 0, sizeof(*el));
}

/* Pair rbtree start/end elements into ranges, in place (sorted input). */
static void pair_intervals(struct tsn_nft_set *s)
{
	size_t klen = s->key_len, out = 0;

	for (size_t i = 0; i < s->n_elems; i++) {
		struct tsn_nft_elem *el = &s->elems[i];

		if (el->flags & NFT_SET_ELEM_INTERVAL_END) {
			/* An end with no start opens nothing. */
			elem_release(el);
			continue;
		}
		if (i + 1 < s->n_elems &&
		    (s->elems[i + 1].flags & NFT_SET_ELEM_INTERVAL_END)) {
			memcpy(el->hi, s->elems[i + 1].lo, klen);
			key_dec(el->hi, klen);
			elem_release(&s->elems[i + 1]);
			i++;
		} else {
			/* The last range may run to the top of the key space. */
			memset(el->hi, 0xff, klen);
		}
		el->flags = 0;
		s->elems[out++] = *el;
	}
	s->n_elems = out;
}

static void take_catchall(struct tsn_nft_set *s)
{
	size_t out = 0;

	for (size_t i = 0; i < s->n_elems; i++) {
		if (s->elems[i].flags & NFT_SET_ELEM_CATCHALL) {
			if (s->has_catchall)
				elem_release(&s->catchall);
			s->catchall = s->elems[i];
			s->has_catchall = true;
			continue;
		}
		s->elems[out++] = s->elems[i];
	}
	s->n_elems = out;
}

static void set_prepare(struct tsn_nft_set *s)
{
	bool rbtree = false;
	size_t klen = s->key_len;

	if (s->ready)
		return;
	take_catchall(s);
	for (size_t i = 0; i < s->n_elems; i++)
		if (s->elems[i].flags & NFT_SET_ELEM_INTERVAL_END)
			rbtree = true;
	if (s->n_elems)
		qsort_r(s->elems, s->n_elems, sizeof(*s->elems), elem_cmp,
			&klen);
	if (rbtree || ((s->flags & NFT_SET_INTERVAL) &&
		       !(s->flags & NFT_SET_CONCAT)))
		pair_intervals(s);
	/* A range over a concatenation is per field, not one memcmp range:
	 * comparing it as bytes would be wrong, so say so instead. */
	if ((s->flags & NFT_SET_INTERVAL) && (s->flags & NFT_SET_CONCAT))
		s->undecidable = "interval set on a concatenation";
	s->ready = true;
}

const struct tsn_nft_elem *tsn_nft_set_lookup(const struct tsn_nft_set *s,
					      const uint8_t *key)
{
	size_t lo = 0, hi = s->n_elems, klen = s->key_len;

	/* Find the last range starting at or below key. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(s->elems[mid].lo, key, klen) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && memcmp(key, s->elems[lo - 1].hi, klen) <= 0)
		return &s->elems[lo - 1];
	return s->has_catchall ? &s->catchall : NULL;
}

static void resolve_expr(struct tsn_nft_ruleset *rs, struct tsn_nft_chain *c,
			 struct tsn_nft_expr *e)
{
	if (e->op == TSN_NFT_IMMEDIATE && e->target) {
		e->chain = tsn_nft_chain_find(rs, c->family, c->table,
					      e->target);
		if (!e->chain || e->chain->base) {
			e->label = tsn_nft_label(rs, "jump to a missing chain",
						 "jump to %s %.24s",
						 e->chain ? "base chain" :
							    "missing chain",
						 e->target);
			e->op = TSN_NFT_TERM_UNKNOWN;
		}
	}
	if (e->op == TSN_NFT_DYNSET && e->set_name) {
		e->set = tsn_nft_set_find(rs, c->family, c->table,
					  e->set_name);
		if (!e->set || e->sreg + e->set->key_len > TSN_NFT_REGS_LEN) {
			e->label = tsn_nft_label(rs, "dynset of a missing set",
						 "dynset %.24s", e->set_name);
			e->op = TSN_NFT_MATCH_UNKNOWN;
			e->set = NULL;
		}
	}
	if (e->op == TSN_NFT_LOOKUP && e->set_name) {
		bool map = e->flags & TSN_NFT_LOOKUP_MAP;

		e->set = tsn_nft_set_find(rs, c->family, c->table,
					  e->set_name);
		if (!e->set || e->sreg + e->set->key_len > TSN_NFT_REGS_LEN ||
		    (map && e->dreg + e->set->data_len > TSN_NFT_REGS_LEN)) {
			e->label = tsn_nft_label(rs, "lookup in a missing set",
						 "lookup in %s%.24s",
						 e->set ? "" : "missing set ",
						 e->set_name);
			e->op = map || e->set ? TSN_NFT_TERM_UNKNOWN :
						    TSN_NFT_MATCH_UNKNOWN;
			e->set = NULL;
		}
	}
}

int tsn_nft_finish(struct tsn_nft_ruleset *rs)
{
	tsn_nft_sort(rs);	/* before walking the arrays, not during */
	for (size_t i = 0; i < rs->n_sets; i++) {
		struct tsn_nft_set *s = rs->sets[i];

		set_prepare(s);
		for (size_t k = 0; k < s->n_elems; k++) {
			struct tsn_nft_elem *el = &s->elems[k];

			if (el->chain_name)
				el->chain = tsn_nft_chain_find(rs, s->family,
							s->table,
							el->chain_name);
		}
		if (s->has_catchall && s->catchall.chain_name)
			s->catchall.chain = tsn_nft_chain_find(rs, s->family,
					s->table, s->catchall.chain_name);
	}
	rs->n_rules = 0;
	for (size_t i = 0; i < rs->n_chains; i++) {
		struct tsn_nft_chain *c = rs->chains[i];

		rs->n_rules += c->n_rules;
		for (size_t r = 0; r < c->n_rules; r++)
			for (size_t x = 0; x < c->rules[r].n_exprs; x++)
				resolve_expr(rs, c, c->rules[r].exprs[x]);
	}
	return 0;
}

int tsn_nft_set_maybe(const struct tsn_nft_set *s, const uint8_t *key,
		      const uint8_t *known)
{
	size_t klen = s->key_len;

	/* Bounded like the sets we accept; beyond, do not scan. */
	if (s->n_elems > TSN_NFT_SCAN_MAX)
		return -1;
	for (size_t i = 0; i < s->n_elems; i++) {
		const struct tsn_nft_elem *el = &s->elems[i];
		bool may = true;

		if (memcmp(el->lo, el->hi, klen))
			return -1;	/* a range: not worth the bit games */
		for (size_t b = 0; b < klen && may; b++)
			may = !((el->lo[b] ^ key[b]) & known[b]);
		if (may)
			return 1;
	}
	return 0;
}
