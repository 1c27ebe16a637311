/* verify_live_pairs.c - `tsnet verify` live: each pair from its two
 * ends, once every node's capture and SAs are in (verify_live.c gathers
 * them).
 *
 * A pair's count of a class is the larger of its two ends' counts, its
 * flows and SPIs merged by their keys; every SPI on the wire is checked
 * against the receiver's charon SAs (or the sender's) and its kernel's
 * states; then the totals and the exit status the run earns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/inventory.h"
#include "lib/output.h"
#include "verify/verify.h"

/* ---- one pair from its two ends -------------------------------------- */

static bool ends(const struct tsn_ip_addr *s, const struct tsn_ip_addr *d,
		 const struct tsn_vpair *p)
{
	return (tsn_vip_eq(s, &p->a) && tsn_vip_eq(d, &p->b)) ||
	       (tsn_vip_eq(s, &p->b) && tsn_vip_eq(d, &p->a));
}

static void merge_row(struct tsn_vpair *p, const struct tsn_vpair *r)
{
	struct tsn_vleak f = r->first;
	bool had = p->n[TSN_V_CLEARTEXT] != 0;

	for (int c = 0; c < TSN_V_PAIR_N; c++)
		if (r->n[c] > p->n[c])
			p->n[c] = r->n[c];
	if (!r->n[TSN_V_CLEARTEXT])
		return;
	if (!tsn_vip_eq(&r->a, &p->a))
		f.a_to_b = !f.a_to_b;
	if (!had || f.sec < p->first.sec ||
	    (f.sec == p->first.sec && f.usec < p->first.usec))
		p->first = f;
}

static void merge_flows(struct tsn_vlpair *lp, const struct tsn_vlnode *n)
{
	for (size_t i = 0; i < n->n_flows; i++) {
		const struct tsn_vflow *f = &n->flows[i];
		size_t k;

		if (!ends(&f->src, &f->dst, &lp->p))
			continue;
		for (k = 0; k < lp->n_flows; k++) {
			struct tsn_vflow *g = &lp->flows[k];

			if (g->proto == f->proto && g->sport == f->sport &&
			    g->dport == f->dport &&
			    g->has_ports == f->has_ports &&
			    tsn_vip_eq(&g->src, &f->src) &&
			    tsn_vip_eq(&g->dst, &f->dst)) {
				if (f->n > g->n)
					g->n = f->n;
				break;
			}
		}
		if (k == lp->n_flows && k < TSN_VL_PAIR_FLOWS)
			lp->flows[lp->n_flows++] = *f;
		else if (k == lp->n_flows)
			lp->flows_over += f->n;
	}
}

static void merge_spis(struct tsn_vlpair *lp, const struct tsn_vlnode *n)
{
	for (size_t i = 0; i < n->n_spis; i++) {
		const struct tsn_vspi *s = &n->spis[i];
		size_t k;

		if (!ends(&s->src, &s->dst, &lp->p))
			continue;
		for (k = 0; k < lp->n_spis; k++) {
			struct tsn_vspi *t = &lp->spis[k];

			if (t->spi == s->spi && tsn_vip_eq(&t->src, &s->src)) {
				if (s->n > t->n)
					t->n = s->n;
				break;
			}
		}
		if (k == lp->n_spis && k < TSN_VL_PAIR_SPIS)
			lp->spis[lp->n_spis++] = *s;
		else if (k == lp->n_spis)
			lp->spis_over += s->n;
	}
}

static bool spi_is(const char *hex, uint32_t spi)
{
	char *end;
	unsigned long v;

	if (!hex || !*hex)
		return false;
	v = strtoul(hex, &end, 16);
	return !*end && v == spi;
}

/* Does node n's charon hold an SA with peer for spi in key "spi_in" or
 * "spi_out", over the row's addresses (a dual-stack pair's address6 row
 * is its second connection's: "over", as enable/'s tsn_sa_v6 reads it,
 * which verify/ may not include, tests/check-layers)? */
static bool charon_has(const struct tsn_vlnode *n, const char *peer,
		       bool over6, const char *key, uint32_t spi)
{
	const struct tsn_jv *sas = tsn_jv_get(&n->sas, "sas");

	for (size_t i = 0; sas && sas->type == TSN_JARR && i < sas->n; i++) {
		const struct tsn_jv *sa = &sas->items[i];

		if (tsn_streq(tsn_jv_getstr(sa, "peer"), peer) &&
		    tsn_streq(tsn_jv_getstr(sa, "over"), "address6") ==
		    over6 && spi_is(tsn_jv_getstr(sa, key), spi))
			return true;
	}
	return false;
}

/* Does n's kernel hold a state to dst with spi?  Yes too when its list
 * was cut short (then nothing is claimed). */
static bool kernel_has(const struct tsn_vlnode *n,
		       const struct tsn_ip_addr *dst, uint32_t spi)
{
	const struct tsn_jv *x = tsn_jv_get(&n->rep, "xfrm");
	const struct tsn_jv *st = x ? tsn_jv_get(x, "states") : NULL;
	struct tsn_ip_addr ip;
	bool complete = false;

	if (!x || !tsn_jv_getbool(x, "complete", &complete) || !complete)
		return true;
	for (size_t i = 0; st && st->type == TSN_JARR && i < st->n; i++)
		if (spi_is(tsn_jv_getstr(&st->items[i], "spi"), spi) &&
		    tsn_ip_addr_parse(tsn_jv_getstr(&st->items[i], "dst") ?
				      tsn_jv_getstr(&st->items[i], "dst") : "",
				      &ip) == 0 && tsn_vip_eq(&ip, dst))
			return true;
	return false;
}

/* The receiver decrypts: its SA for the sender must hold the SPI as
 * spi_in (or the sender's as spi_out), and its kernel must have it. */
static void check_spi(const struct tsn_vlive *L, struct tsn_vlpair *lp,
		      struct tsn_vspi *s)
{
	bool a_sends = tsn_vip_eq(&s->src, &lp->p.a);
	const struct tsn_vlnode *snd = &L->nodes[a_sends ? lp->p.na : lp->p.nb];
	const struct tsn_vlnode *rcv = &L->nodes[a_sends ? lp->p.nb : lp->p.na];

	if (!charon_has(rcv, snd->node->name, lp->over6, "spi_in", s->spi) &&
	    !charon_has(snd, rcv->node->name, lp->over6, "spi_out", s->spi))
		s->st = rcv->sas_ok && snd->sas_ok ? TSN_VSPI_NO_SA :
			TSN_VSPI_UNCHECKED;	/* not against an empty list */
	else if (rcv->v_read && !kernel_has(rcv, &s->dst, s->spi))
		s->st = TSN_VSPI_NO_STATE;
	else
		s->st = TSN_VSPI_MATCHED;
	if (s->st == TSN_VSPI_UNCHECKED)
		lp->unchecked_spis++;
	else if (s->st != TSN_VSPI_MATCHED)
		lp->bad_spis++;
}

static void build_pair(struct tsn_vlive *L, struct tsn_vlpair *lp, int i,
		       int j, const struct tsn_addr *x,
		       const struct tsn_addr *y)
{
	const int end[2] = { i, j };

	lp->p.na = i;
	lp->p.nb = j;
	tsn_addr_to_ip(x, &lp->p.a);
	tsn_addr_to_ip(y, &lp->p.b);
	for (int e = 0; e < 2; e++) {
		const struct tsn_vlnode *n = &L->nodes[end[e]];
		const struct tsn_vpair *r;

		if (!n->v_read)
			continue;
		lp->seen = true;
		if ((r = tsn_vpairs_find(&n->v.pairs, &lp->p.a, &lp->p.b)))
			merge_row(&lp->p, r);
		merge_flows(lp, n);
		merge_spis(lp, n);
	}
	for (size_t k = 0; k < lp->n_spis; k++)
		check_spi(L, lp, &lp->spis[k]);
}

/* Every pair of members, a row per family both nodes have. */
static int build_pairs(struct tsn_vlive *L)
{
	const struct tsn_node *nd = L->inv->nodes;
	int n = (int)L->inv->n_nodes;

	L->pairs = calloc((size_t)n * n + 1, sizeof(*L->pairs));
	if (!L->pairs)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		for (int j = i + 1; j < n; j++) {
			if (nd[i].addr.family && nd[j].addr.family)
				build_pair(L, &L->pairs[L->n_pairs++], i, j,
					   &nd[i].addr, &nd[j].addr);
			if (nd[i].addr6.family && nd[j].addr6.family) {
				L->pairs[L->n_pairs].over6 = true;
				build_pair(L, &L->pairs[L->n_pairs++], i, j,
					   &nd[i].addr6, &nd[j].addr6);
			}
		}
	}
	return 0;
}

/* 1 for any leak or SPI without an SA, or a drop counter that rose;
 * else 3 when a node could not capture or its SAs could not be read;
 * else 1 when a pair carried nothing or an SPI was past a cap (nothing
 * is proven for it). */
int tsn_vlive_judge(const struct tsn_vlive *L)
{
	bool quiet = false;

	if (L->xstat.len)
		return TSN_EXIT_PROBLEM;

	for (size_t k = 0; k < L->n_pairs; k++) {
		const struct tsn_vlpair *lp = &L->pairs[k];

		if (lp->p.n[TSN_V_CLEARTEXT] || lp->bad_spis)
			return TSN_EXIT_PROBLEM;
		if (tsn_vpair_verdict(&lp->p) == TSN_VV_NO_TRAFFIC)
			quiet = true;
	}
	if (L->failed || L->sas_failed)
		return TSN_EXIT_RUNTIME;
	/* an SPI past a cap was never checked: not all clear */
	return quiet || !L->n_pairs || L->spis_over ? TSN_EXIT_PROBLEM :
						    TSN_EXIT_OK;
}

/* Nodes that failed, and SPIs no check reached (a node's cap or a
 * pair's). */
static void tally(struct tsn_vlive *L)
{
	for (size_t i = 0; i < L->inv->n_nodes; i++) {
		const struct tsn_vlnode *n = &L->nodes[i];

		L->failed += n->error != NULL;
		L->sas_failed += n->sas_error != NULL;
		L->spis_over += n->spis_over;
	}
	for (size_t k = 0; k < L->n_pairs; k++)
		L->spis_over += L->pairs[k].spis_over;
}

/* The pairs from the nodes' captures and SAs, and the totals judge
 * reads. */
int tsn_vlive_assess(struct tsn_vlive *L)
{
	int ret = build_pairs(L);

	if (ret == 0)
		tally(L);
	return ret;
}
