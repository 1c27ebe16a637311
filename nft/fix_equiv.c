/* fix_equiv.c - evaluate a thousand peers' flows without a thousand
 * evaluations.
 *
 * The flows of one family, direction and protocol differ only in the
 * peer's address.  When every rule that looks at that address does so in
 * the shape nft generates for "ip saddr 10.0.0.1" or "ip saddr @set"
 * (an exact load of the address, then at once an equality compare or a
 * set lookup), two peers that no constant names and that find the same
 * set elements take the same path through the ruleset: one evaluation
 * serves them all.  Any other use of the address (a prefix, a range, ct
 * or fib on addresses, a register read again) turns the shortcut off for
 * that family and direction, and every flow is evaluated on its own.
 *
 * The constants are looked up among the peers as the rules are scanned
 * (a thousand peers in a small table), not gathered and sorted: a ruleset
 * of 10,000 "ip saddr" rules holds 10,000 of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "lib/util.h"
#include "nft/fix.h"
#include "nft/nft.h"
#include "nft/nft_vm.h"

#define SETS_MAX 8

/* The flows' distinct peers, by family and address. */
struct peers {
	const struct tsn_nft_flow *f;
	uint32_t *slot;		/* open addressing: peer + 1, 0 empty */
	size_t mask;
	uint32_t *first;	/* peer -> its first flow */
	uint8_t *named;		/* peer -> 1 << dir: a constant names it */
	size_t n;
};

struct deps {			/* of one family and direction */
	bool want, complex;	/* the flows have it; no shortcut */
	const struct tsn_nft_set *sets[SETS_MAX];
	size_t n_sets;
};

struct sig {
	int fam, dir, proto;
	uint16_t dport;
	bool named;			/* never shared */
	const void *elems[SETS_MAX];	/* the element each set found */
};

static size_t addr_hash(int family, const uint8_t *a)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	x ^= (y + (uint64_t)family) * 0x9e3779b97f4a7c15ull;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return (size_t)(x ^ (x >> 32));
}

/* The slot of (family, a): the peer's, or the empty one it would take. */
static uint32_t *peer_slot(const struct peers *P, int family,
			   const uint8_t *a)
{
	for (size_t h = addr_hash(family, a);; h++) {
		uint32_t *s = &P->slot[h & P->mask];
		const struct tsn_nft_flow *g;

		if (!*s)
			return s;
		g = &P->f[P->first[*s - 1]];
		if (g->family == family && !memcmp(g->peer, a, 16))
			return s;
	}
}

/* peer[i]: flow i's peer. */
static int peers_init(struct peers *P, const struct tsn_nft_flow *f,
		      size_t n, uint32_t *peer)
{
	size_t size = 16;

	while (size < 2 * n)
		size *= 2;
	P->f = f;
	P->mask = size - 1;
	P->n = 0;
	P->slot = calloc(size, sizeof(*P->slot));
	P->first = calloc(n + 1, sizeof(*P->first));
	P->named = calloc(n + 1, sizeof(*P->named));
	if (!P->slot || !P->first || !P->named)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint32_t *s = peer_slot(P, f[i].family, f[i].peer);

		if (!*s) {
			P->first[P->n] = (uint32_t)i;
			*s = (uint32_t)++P->n;
		}
		peer[i] = *s - 1;
	}
	return 0;
}

static void peers_free(struct peers *P)
{
	free(P->slot);
	free(P->first);
	free(P->named);
}

/* A constant the rules compare the address with: the peer it names. */
static void name_peer(struct peers *P, int family, int dir, const uint8_t *c,
		      size_t len)
{
	uint8_t key[16] = { 0 };
	uint32_t *s;

	memcpy(key, c, len);
	s = peer_slot(P, family, key);
	if (*s)
		P->named[*s - 1] |= (uint8_t)(1u << dir);
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
	case TSN_NFT_DYNSET:
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

/* Register bytes [at, at + len) as bits (the file is 80 bytes). */
typedef unsigned __int128 regmask;

static regmask bytes(size_t at, size_t len)
{
	regmask m;

	if (at >= TSN_NFT_REGS_LEN || !len)
		return 0;
	if (len > TSN_NFT_REGS_LEN - at)
		len = TSN_NFT_REGS_LEN - at;
	m = len >= 128 ? ~(regmask)0 : ((regmask)1 << len) - 1;
	return m << at;
}

static bool addr_key(uint32_t k)
{
	return k == NFT_CT_SRC || k == NFT_CT_DST || k == NFT_CT_SRC_IP ||
	       k == NFT_CT_DST_IP || k == NFT_CT_SRC_IP6 ||
	       k == NFT_CT_DST_IP6;
}

/* The test right after an exact load of the address: note it; 1 when
 * it is not one we can group peers by. */
static int note_test(struct deps *d, struct peers *P, int af, int dir,
		     const struct tsn_nft_expr *n, uint32_t len)
{
	if (n->op == TSN_NFT_CMP && n->len == len &&
	    (n->key == NFT_CMP_EQ || n->key == NFT_CMP_NEQ)) {
		name_peer(P, af, dir, n->data, len);
		return 0;
	}
	if (n->op == TSN_NFT_LOOKUP && n->set && n->set->key_len == len &&
	    !(n->set->flags & NFT_SET_CONCAT))
		return add_set(d, n->set);
	return 1;
}

/* Whether e, run before a rule's address test, does nothing the rest
 * of the evaluation can see but its registers, and never ends the
 * evaluation as undecidable (a fork is fine: both its paths meet the
 * test).  What is not sure is not pure. */
static bool pure(const struct tsn_nft_expr *e)
{
	switch (e->op) {
	case TSN_NFT_NOP:
		return true;
	case TSN_NFT_PAYLOAD:
		return e->len && e->len <= TSN_NFT_DATA_MAX &&
		       tsn_nft_in_regs(e->dreg, (e->len + 3u) & ~3u);
	case TSN_NFT_META:
		return (e->key == NFT_META_NFPROTO ||
			e->key == NFT_META_L4PROTO ||
			e->key == NFT_META_PROTOCOL) &&
		       tsn_nft_in_regs(e->dreg, 4);
	case TSN_NFT_CMP:
		return e->key <= NFT_CMP_GTE && e->len &&
		       tsn_nft_in_regs(e->sreg, e->len);
	default:
		return false;
	}
}

/* One rule: 0 fine (constants and sets noted), 1 complex.  *dead: the
 * rule cannot match a packet whose address no constant names (it is of
 * another family, or its address test is "== a constant"), with only
 * pure expressions before that. */
static int scan_rule(struct deps *d, struct peers *P, int af, int dir,
		     const struct tsn_nft_rule *r, uint32_t off, uint32_t len,
		     bool *dead)
{
	int nfp = af == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6, ret;
	regmask t = 0;		/* bytes holding the address */
	bool clean = true;	/* every expression so far pure */

	*dead = false;
	for (size_t i = 0; i < r->n_exprs; i++) {
		const struct tsn_nft_expr *e = r->exprs[i];
		const struct tsn_nft_expr *n = i + 1 < r->n_exprs ?
						       r->exprs[i + 1] : NULL;

		/* (t is empty until the address is loaded: most rules
		 * never need the masks) */
		if (t && (t & bytes(e->sreg, read_len(e))))
			return 1;	/* the address read a second time */
		/* meta nfproto of another family: the rule is dead here */
		if (e->op == TSN_NFT_META && e->key == NFT_META_NFPROTO && n &&
		    n->op == TSN_NFT_CMP && n->sreg == e->dreg &&
		    n->key == NFT_CMP_EQ && n->len == 1 && n->data[0] != nfp) {
			*dead = clean && pure(e);
			return 0;
		}
		if ((e->op == TSN_NFT_CT && addr_key(e->key)) ||
		    e->op == TSN_NFT_FIB)
			return 1;
		if (t)
			t &= ~bytes(e->dreg, write_len(e));
		if (e->op != TSN_NFT_PAYLOAD ||
		    e->base != NFT_PAYLOAD_NETWORK_HEADER ||
		    e->offset >= off + len || e->offset + e->len <= off) {
			clean = clean && pure(e);
			continue;
		}
		if (e->offset != off || e->len != len || !n ||
		    n->sreg != e->dreg || e->dreg + len > TSN_NFT_REGS_LEN)
			return 1;
		if ((ret = note_test(d, P, af, dir, n, len)))
			return ret;
		/* The first test of the address, "==": for any other
		 * address the rule ends here, on every path. */
		if (clean && !t && pure(e) && n->op == TSN_NFT_CMP &&
		    n->key == NFT_CMP_EQ)
			*dead = true;
		clean = false;
		t |= bytes(e->dreg, len);
		i++;		/* the test is consumed */
	}
	return 0;
}

/* What the scan keeps between its calls: the flows' peers, what the
 * rules do with their addresses, and the rules left for after
 * tsn_nft_finish.  tsn_fix_scan_rules() runs after each chunk of the
 * rule dump (fix.c), so a big ruleset is scanned while the kernel is
 * still dumping it. */
struct later {
	struct tsn_nft_chain *c;
	size_t k;
};

struct tsn_fix_scan {
	struct peers P;
	uint32_t *peer;		/* flow -> its peer */
	struct deps d[4];	/* [v6][dir] */
	const struct tsn_nft_ruleset *rs;	/* the one scanned so far */
	struct later *later;
	size_t n_later, cap_later;
	int err;
};

/* A rule to scan only once the ruleset is finished: its set references
 * are resolved then (or the lookup made unknown), and our own tagged
 * accepts are marked skip by then. */
static bool scan_later(const struct tsn_nft_rule *r)
{
	if (tsn_streq(r->comment, TSN_FIX_TAG))
		return true;
	for (size_t i = 0; i < r->n_exprs; i++)
		if (r->exprs[i]->op == TSN_NFT_LOOKUP ||
		    r->exprs[i]->op == TSN_NFT_DYNSET)
			return true;
	return false;
}

/* Rule r for every family and direction the flows have: the second look
 * at a rule finds it in the cache. */
static void scan_one(struct tsn_fix_scan *s, struct tsn_nft_rule *r)
{
	for (unsigned k = 0; k < 4 && !r->skip; k++) {
		int af = k >= 2 ? AF_INET6 : AF_INET;
		int dir = (int)(k & 1);
		uint32_t off = af == AF_INET ? (dir == TSN_NFT_IN ? 12 : 16) :
					       (dir == TSN_NFT_IN ? 8 : 24);
		uint8_t bit;
		bool dead;

		if (!s->d[k].want || s->d[k].complex)
			continue;
		if (scan_rule(&s->d[k], &s->P, af, dir, r, off,
			      af == AF_INET ? 4 : 16, &dead)) {
			s->d[k].complex = true;
			continue;
		}
		bit = TSN_NFT_DEAD(af, dir);
		r->dead = dead ? r->dead | bit : r->dead & (uint8_t)~bit;
	}
}

/* A new ruleset (the first, or a read tried again): start over. */
static void scan_reset(struct tsn_fix_scan *s, struct tsn_nft_ruleset *rs)
{
	for (unsigned k = 0; k < 4; k++) {
		bool want = s->d[k].want;

		memset(&s->d[k], 0, sizeof(s->d[k]));
		s->d[k].want = want;
	}
	memset(s->P.named, 0, s->P.n + 1);
	s->n_later = 0;
	s->rs = rs;
	for (size_t c = 0; c < rs->n_chains; c++)
		rs->chains[c]->scanned = 0;
}

/* The rules not looked at yet; before the ruleset is finished (!final),
 * those that need it to be wait in s->later. */
static void scan_rules(struct tsn_fix_scan *s, struct tsn_nft_ruleset *rs,
		       bool final)
{
	if (s->rs != rs)
		scan_reset(s, rs);
	for (size_t i = 0; final && i < s->n_later; i++)
		scan_one(s, &s->later[i].c->rules[s->later[i].k]);
	if (final)
		s->n_later = 0;
	for (size_t c = 0; c < rs->n_chains; c++) {
		struct tsn_nft_chain *ch = rs->chains[c];

		for (; ch->scanned < ch->n_rules; ch->scanned++) {
			struct tsn_nft_rule *r = &ch->rules[ch->scanned];

			if (final || !scan_later(r)) {
				scan_one(s, r);
				continue;
			}
			if (s->n_later == s->cap_later) {
				size_t cap = s->cap_later ? 2 * s->cap_later :
							    64;
				struct later *l = realloc(s->later,
							  cap * sizeof(*l));

				if (!l) {
					s->err = -ENOMEM;
					return;
				}
				s->later = l;
				s->cap_later = cap;
			}
			s->later[s->n_later++] = (struct later){ ch,
								 ch->scanned };
		}
	}
}

struct tsn_fix_scan *tsn_fix_scan_new(const struct tsn_nft_flow *f, size_t n)
{
	struct tsn_fix_scan *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->peer = calloc(n + 1, sizeof(*s->peer));
	if (!s->peer || peers_init(&s->P, f, n, s->peer) < 0) {
		tsn_fix_scan_free(s);
		return NULL;
	}
	/* Every family and direction is scanned before the first
	 * signature: a constant names its peer for all of that peer's
	 * flows, not only the later ones. */
	for (size_t i = 0; i < n; i++)
		s->d[(f[i].family == AF_INET6) * 2 + f[i].dir].want = true;
	return s;
}

void tsn_fix_scan_rules(struct tsn_fix_scan *s, struct tsn_nft_ruleset *rs)
{
	if (s && !s->err)
		scan_rules(s, rs, false);
}

void tsn_fix_scan_free(struct tsn_fix_scan *s)
{
	if (!s)
		return;
	peers_free(&s->P);
	free(s->peer);
	free(s->later);
	free(s);
}

static void signature(const struct deps *d, const struct peers *P,
		      const struct tsn_nft_flow *f, uint32_t peer,
		      struct sig *s)
{
	memset(s, 0, sizeof(*s));
	s->fam = f->family;
	s->dir = f->dir;
	s->proto = f->proto;
	s->dport = f->dport;
	s->named = P->named[peer] & (1u << f->dir);
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
	       a->dport == b->dport && !a->named && !b->named &&
	       !memcmp(a->elems, b->elems, sizeof(a->elems));
}

long tsn_fix_scan_classes(struct tsn_fix_scan *sc, struct tsn_nft_ruleset *rs,
			  struct tsn_nft_flow *f, size_t n, uint32_t *cls)
{
	struct sig *reps = NULL, s;
	size_t n_reps = 0, cap = 0;
	long ret = -ENOMEM;

	if (sc->err)
		return sc->err;
	scan_rules(sc, rs, true);
	if (sc->err)
		return sc->err;
	for (size_t i = 0; i < n; i++) {
		struct deps *dd = &sc->d[(f[i].family == AF_INET6) * 2 +
					 f[i].dir];
		size_t k = n_reps;

		f[i].skip_dead = 0;
		if (!dd->complex) {
			signature(dd, &sc->P, &f[i], sc->peer[i], &s);
			if (!s.named)
				f[i].skip_dead = TSN_NFT_DEAD(f[i].family,
							      f[i].dir);
			for (k = 0; k < n_reps && !same(&reps[k], &s); k++)
				;
		}
		cls[i] = (uint32_t)k;
		if (k < n_reps)
			continue;
		/* A few classes, usually: grown as found, not one per flow
		 * at once (6,000 flows' worth is half a MB). */
		if (n_reps == cap) {
			struct sig *g;

			cap = cap ? cap * 2 : 16;
			g = realloc(reps, cap * sizeof(*reps));
			if (!g)
				goto out;
			reps = g;
		}
		/* A complex family's flows each get their own class. */
		reps[n_reps++] = dd->complex ? (struct sig){ .named = true } :
					       s;
	}
	ret = (long)n_reps;
out:
	free(reps);
	return ret;
}

long tsn_fix_classes(struct tsn_nft_ruleset *rs, struct tsn_nft_flow *f,
		     size_t n, uint32_t *cls)
{
	struct tsn_fix_scan *sc = tsn_fix_scan_new(f, n);
	long ret = sc ? tsn_fix_scan_classes(sc, rs, f, n, cls) : -ENOMEM;

	tsn_fix_scan_free(sc);
	return ret;
}

int tsn_fix_eval_classes(const struct tsn_nft_ruleset *rs,
			 const struct tsn_nft_flow *f, size_t n,
			 const uint32_t *cls, struct tsn_nft_verdict *v)
{
	uint32_t next = 0;
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++)
		if (cls[i] == next)	/* the first flow of a new class */
			ret = tsn_nft_eval(rs, &f[i], &v[next++]);
	return ret;
}

int tsn_fix_eval_flows(struct tsn_nft_ruleset *rs, struct tsn_nft_flow *f,
		       size_t n, struct tsn_nft_verdict *v, uint32_t *at)
{
	long k = tsn_fix_classes(rs, f, n, at);

	return k < 0 ? (int)k : tsn_fix_eval_classes(rs, f, n, at, v);
}
