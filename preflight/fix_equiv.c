/* fix_equiv.c - evaluate a thousand peers' flows without a thousand
 * evaluations.
 *
 * The flows of one family, direction and protocol differ only in the
 * peer's address.  When every rule that looks at that address does so in
 * the shape nft generates for "ip saddr 10.0.0.1" or "ip saddr @set"
 * (an exact load of the address, then at once an equality compare or a
 * set lookup), two peers that equal the same constants and find the same
 * set elements take the same path through the ruleset: one evaluation
 * serves them all.  Any other use of the address (a prefix, a range, ct
 * or fib on addresses, a register read again) turns the shortcut off for
 * that family and direction, and every flow is evaluated on its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "preflight/fix.h"
#include "preflight/nft.h"

#define SETS_MAX 8

struct deps {
	bool done, complex;
	uint8_t (*consts)[16];		/* sorted, zero-padded */
	size_t n_consts, cap;
	const struct tsn_nft_set *sets[SETS_MAX];
	size_t n_sets;
};

struct sig {
	int fam, dir, proto;
	uint16_t dport;
	long cidx;			/* matching constant, or -1 */
	const void *elems[SETS_MAX];	/* the element each set found */
	size_t at;			/* the flow that was evaluated */
};

static int add_const(struct deps *d, const uint8_t *c, size_t len)
{
	if (d->n_consts == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 64;
		void *p = realloc(d->consts, ncap * sizeof(*d->consts));

		if (!p)
			return -ENOMEM;
		d->consts = p;
		d->cap = ncap;
	}
	memset(d->consts[d->n_consts], 0, 16);
	memcpy(d->consts[d->n_consts++], c, len);
	return 0;
}

static int add_set(struct deps *d, const struct tsn_nft_set *s)
{
	for (size_t i = 0; i < d->n_sets; i++)
		if (d->sets[i] == s)
			return 0;
	if (d->n_sets == SETS_MAX)
		return 1;
	d->sets[d->n_sets++] = s;
	return 0;
}

/* Bytes of the register file e reads, or 0. */
static size_t read_len(const struct tsn_nft_expr *e)
{
	switch (e->op) {
	case TSN_NFT_CMP:
	case TSN_NFT_RANGE:
	case TSN_NFT_BITWISE:
	case TSN_NFT_BYTEORDER:
		return e->len ? e->len : 16;
	case TSN_NFT_LOOKUP:
		return e->set ? e->set->key_len : 16;
	case TSN_NFT_META_SET:
		return 4;
	default:
		return 0;
	}
}

/* Bytes e surely writes (fewer is the safe side), or 0. */
static size_t write_len(const struct tsn_nft_expr *e)
{
	switch (e->op) {
	case TSN_NFT_PAYLOAD:
	case TSN_NFT_META:
	case TSN_NFT_CT:
	case TSN_NFT_LOAD_UNKNOWN:
	case TSN_NFT_BITWISE:
	case TSN_NFT_BYTEORDER:
		return e->len ? e->len : 1;
	case TSN_NFT_IMMEDIATE:
		return e->dreg ? (e->len ? e->len : 1) : 0;
	default:
		return 0;
	}
}

static bool tainted(const uint8_t *t, size_t at, size_t len)
{
	for (size_t i = at; i < at + len && i < TSN_NFT_REGS_LEN; i++)
		if (t[i])
			return true;
	return false;
}

static bool addr_key(uint32_t k)
{
	return k == NFT_CT_SRC || k == NFT_CT_DST || k == NFT_CT_SRC_IP ||
	       k == NFT_CT_DST_IP || k == NFT_CT_SRC_IP6 ||
	       k == NFT_CT_DST_IP6;
}

/* The test right after an exact load of the address: note it; 1 when
 * it is not one we can group peers by. */
static int note_test(struct deps *d, const struct tsn_nft_expr *n,
		     uint32_t len)
{
	if (n->op == TSN_NFT_CMP && n->len == len &&
	    (n->key == NFT_CMP_EQ || n->key == NFT_CMP_NEQ))
		return add_const(d, n->data, len);
	if (n->op == TSN_NFT_LOOKUP && n->set && n->set->key_len == len &&
	    !(n->set->flags & NFT_SET_CONCAT))
		return add_set(d, n->set);
	return 1;
}

/* One rule: 0 fine (constants and sets noted), 1 complex, -ENOMEM. */
static int scan_rule(struct deps *d, const struct tsn_nft_rule *r, int nfp,
		     uint32_t off, uint32_t len)
{
	uint8_t t[TSN_NFT_REGS_LEN] = { 0 };	/* bytes holding the address */
	int ret;

	for (size_t i = 0; i < r->n_exprs; i++) {
		const struct tsn_nft_expr *e = r->exprs[i];
		const struct tsn_nft_expr *n = i + 1 < r->n_exprs ?
						       r->exprs[i + 1] : NULL;
		size_t w = write_len(e);

		if (tainted(t, e->sreg, read_len(e)))
			return 1;	/* the address read a second time */
		/* meta nfproto of another family: the rule is dead here */
		if (e->op == TSN_NFT_META && e->key == NFT_META_NFPROTO && n &&
		    n->op == TSN_NFT_CMP && n->sreg == e->dreg &&
		    n->key == NFT_CMP_EQ && n->len == 1 && n->data[0] != nfp)
			return 0;
		if ((e->op == TSN_NFT_CT && addr_key(e->key)) ||
		    e->op == TSN_NFT_FIB)
			return 1;
		if (w)
			memset(t + e->dreg, 0, e->dreg + w > TSN_NFT_REGS_LEN ?
			       (size_t)(TSN_NFT_REGS_LEN - e->dreg) : w);
		if (e->op != TSN_NFT_PAYLOAD ||
		    e->base != NFT_PAYLOAD_NETWORK_HEADER ||
		    e->offset >= off + len || e->offset + e->len <= off)
			continue;
		if (e->offset != off || e->len != len || !n ||
		    n->sreg != e->dreg || e->dreg + len > TSN_NFT_REGS_LEN)
			return 1;
		if ((ret = note_test(d, n, len)))
			return ret;
		memset(t + e->dreg, 1, len);
		i++;		/* the test is consumed */
	}
	return 0;
}

static int const_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static int scan(struct deps *d, const struct tsn_nft_ruleset *rs, int af,
		int dir)
{
	bool v4 = af == AF_INET;
	uint32_t off = v4 ? (dir == TSN_NFT_IN ? 12 : 16) :
			    (dir == TSN_NFT_IN ? 8 : 24);
	int nfp = v4 ? NFPROTO_IPV4 : NFPROTO_IPV6, ret = 0;

	d->done = true;
	for (size_t c = 0; c < rs->n_chains && !ret; c++)
		for (size_t k = 0; k < rs->chains[c]->n_rules && !ret; k++)
			ret = scan_rule(d, &rs->chains[c]->rules[k], nfp, off,
					v4 ? 4 : 16);

	if (ret < 0)
		return ret;
	d->complex = ret > 0;
	if (d->n_consts)
		qsort(d->consts, d->n_consts, 16, const_cmp);
	return 0;
}

static void signature(const struct deps *d, const struct tsn_nft_flow *f,
		      struct sig *s)
{
	uint8_t key[16] = { 0 };
	const uint8_t *hit;

	memset(s, 0, sizeof(*s));
	s->fam = f->family;
	s->dir = f->dir;
	s->proto = f->proto;
	s->dport = f->dport;
	memcpy(key, f->peer, f->family == AF_INET ? 4 : 16);
	hit = d->n_consts ? bsearch(key, d->consts, d->n_consts, 16,
				    const_cmp) : NULL;
	s->cidx = hit ? (long)((hit - d->consts[0]) / 16) : -1;
	/* A plain set only says in or out; a map's element is its data. */
	for (size_t i = 0; i < d->n_sets; i++) {
		const void *el = tsn_nft_set_lookup(d->sets[i], f->peer);

		s->elems[i] = d->sets[i]->flags & NFT_SET_MAP ? el :
			      el ? (const void *)d->sets[i] : NULL;
	}
}

static bool same(const struct sig *a, const struct sig *b)
{
	return a->fam == b->fam && a->dir == b->dir && a->proto == b->proto &&
	       a->dport == b->dport && a->cidx < 0 && b->cidx < 0 &&
	       !memcmp(a->elems, b->elems, sizeof(a->elems));
}

int tsn_fix_eval_flows(const struct tsn_nft_ruleset *rs,
		       const struct tsn_nft_flow *f, size_t n,
		       struct tsn_nft_verdict *v, uint32_t *at)
{
	struct deps d[4];	/* [v6][dir] */
	struct sig *reps = calloc(n + 1, sizeof(*reps)), s;
	size_t n_reps = 0;
	int ret = 0;

	memset(d, 0, sizeof(d));
	if (!reps)
		return -ENOMEM;
	for (size_t i = 0; i < n && !ret; i++) {
		struct deps *dd = &d[(f[i].family == AF_INET6) * 2 + f[i].dir];
		size_t k = n_reps;

		if (!dd->done && (ret = scan(dd, rs, f[i].family, f[i].dir)))
			break;
		if (!dd->complex) {
			signature(dd, &f[i], &s);
			for (k = 0; k < n_reps && !same(&reps[k], &s); k++)
				;
		}
		at[i] = (uint32_t)k;
		if (k < n_reps)
			continue;
		ret = tsn_nft_eval(rs, &f[i], &v[k]);
		/* A complex family's flows each get their own, never shared
		 * (cidx marks the signature unmatchable). */
		reps[n_reps] = dd->complex ? (struct sig){ .cidx = 0 } : s;
		reps[n_reps++].at = i;
	}
	for (int i = 0; i < 4; i++)
		free(d[i].consts);
	free(reps);
	return ret;
}
