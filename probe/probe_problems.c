/* probe_problems.c - from the verdicts of every pair to the causes, each
 * said once: a node's firewall rule with the peers it drops, a flow lost
 * on the path in the smallest scope that explains it (lib/diag.h), a NAT,
 * and what could not be probed.
 *
 * A verdict names either end when it was traced (dropped-by-peer-firewall
 * and dropped-by-sender-firewall carry "inet filter input handle 7"), so
 * those become drops of that rule; not-arrived says only that the packet
 * never reached the peer's interface, so where it was lost is read from
 * the pattern of the pairs that fail and the pairs that pass.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/output.h"
#include "lib/util.h"
#include "probe/probe.h"

static const char *const protos[] = { "udp500", "udp4500", "esp" };
#define ESP_BIT 4u

static const struct tsn_verdict *verdict_of(const struct tsn_pair_report *p,
					    const char *proto)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].proto, proto))
			return &p->v[i];
	return NULL;
}

static bool is(const struct tsn_verdict *v, const char *verdict)
{
	return v && !strcmp(v->verdict, verdict);
}

/* UDP arrives: as itself (nat: false) or through a NAT (nat: true). */
static bool udp_arrives(const struct tsn_pair_report *p, bool nat)
{
	for (int k = 0; k < 2; k++) {
		const struct tsn_verdict *v = verdict_of(p, protos[k]);

		if (v && v->good && is(v, "nat") == nat)
			return true;
	}
	return false;
}

static bool esp_filtered(const struct tsn_pair_report *p)
{
	return is(verdict_of(p, "esp"), "not-arrived") && udp_arrives(p, false);
}

bool tsn_probe_esp_filtered(const struct tsn_report *r)
{
	for (size_t i = 0; i < r->n_pairs; i++)
		if (esp_filtered(&r->pairs[i]))
			return true;
	return false;
}

/* What a's own route did to a -> b (lib/diag.h TSN_NET_*), 0: nothing. */
static int route_of(const struct tsn_diag_net *net, int a, int b)
{
	return net->route && a >= 0 && b >= 0 ?
	       net->route[(size_t)a * net->n + (size_t)b] : 0;
}

/* The protocols that never reached the peer, one bit each; ESP lost to a
 * NAT is the NAT's doing, not the path's (but a source address the
 * sender's route chose is no NAT); nothing, where the sender's route
 * explains the loss. */
static unsigned lost(const struct tsn_pair_report *p, int route)
{
	unsigned m = 0;

	if (route == TSN_NET_LOST)
		return 0;
	for (size_t k = 0; k < ARRAY_SIZE(protos); k++)
		if (is(verdict_of(p, protos[k]), "not-arrived"))
			m |= 1u << k;
	if ((m & ESP_BIT) && udp_arrives(p, true) && route != TSN_NET_SOURCE)
		m &= ~ESP_BIT;
	return m;
}

/* UDP arrived translated, and not because the sender chose the source. */
static bool translated(const struct tsn_pair_report *p, int route)
{
	return udp_arrives(p, true) && route != TSN_NET_SOURCE;
}

static bool all_good(const struct tsn_pair_report *p, unsigned m)
{
	for (size_t k = 0; k < ARRAY_SIZE(protos); k++) {
		const struct tsn_verdict *v = verdict_of(p, protos[k]);

		if ((m & 1u << k) && (!v || !v->good))
			return false;
	}
	return true;
}

/* A node that could not run the probe is its own problem (its row says
 * why, once): its pairs are left out of every other. */
static bool node_failed(const struct tsn_report *r, const char *node)
{
	for (size_t i = 0; i < r->n_nodes; i++)
		if (!strcmp(r->nodes[i].node, node))
			return r->nodes[i].error || r->nodes[i].unreachable;
	return false;
}

static bool pair_of_failed(const struct tsn_report *r,
			   const struct tsn_pair_report *p)
{
	return node_failed(r, p->from) || node_failed(r, p->to);
}

/* ---- firewall drops ---- */

/* "inet filter input handle 7" / "inet filter input policy" into d. */
static bool parse_where(const char *s, struct tsn_diag_drop *d, char *fam,
			char *table, char *chain)
{
	char last[16];
	uint64_t h = 0;
	int n;

	if (!s || sscanf(s, "%15s %63s %63s %15s%n", fam, table, chain, last,
			 &n) != 4)
		return false;
	if (!strcmp(last, "policy") && !s[n]) {
		d->policy = true;
	} else if (strcmp(last, "handle") ||
		   sscanf(s + n, " %" SCNu64 "%n", &h, &n) != 1) {
		return false;
	}
	d->family = fam;
	d->table = table;
	d->chain = chain;
	d->handle = h;
	return true;
}

static int add_drop(struct tsn_diag_set *set, const struct tsn_pair_report *p,
		    const struct tsn_verdict *v, bool out)
{
	struct tsn_diag_drop d = {
		.node = out ? p->from : p->to, .out = out,
		.peer = out ? p->to : p->from, .proto = v->proto,
		.seen = true,
	};
	char fam[16], table[64], chain[64];

	if (!parse_where(v->detail, &d, fam, table, chain))
		d.unknown = v->detail ? v->detail : "no trace: the rule is "
			    "unknown";
	return tsn_diag_set_drop(set, &d);
}

static int drops(const struct tsn_report *r, struct tsn_diag_set *set)
{
	int ret = 0;

	for (size_t i = 0; i < r->n_pairs && !ret; i++)
		for (size_t k = 0; k < r->pairs[i].n && !ret &&
		     !pair_of_failed(r, &r->pairs[i]); k++) {
			const struct tsn_verdict *v = &r->pairs[i].v[k];

			if (is(v, "dropped-by-peer-firewall"))
				ret = add_drop(set, &r->pairs[i], v, false);
			else if (is(v, "dropped-by-sender-firewall"))
				ret = add_drop(set, &r->pairs[i], v, true);
		}
	return ret;
}

/* ---- the path ---- */

struct path {
	struct tsn_report *r;
	const struct tsn_diag_net *net;
	const char *advice;
	uint8_t *st;
	int *who;
	struct tsn_scope *sc;
};

/* The grid of the pairs that lost exactly the protocols m (nat: that
 * arrived translated) and of those where they pass. */
static void fill(struct path *pa, unsigned m, bool nat)
{
	size_t n = pa->net->n;

	memset(pa->st, TSN_PS_NONE, n * n);
	for (size_t i = 0; i < pa->r->n_pairs; i++) {
		const struct tsn_pair_report *p = &pa->r->pairs[i];
		int a = tsn_diag_net_index(pa->net, p->from);
		int b = tsn_diag_net_index(pa->net, p->to);
		int rt = route_of(pa->net, a, b);

		if (a < 0 || b < 0 || pair_of_failed(pa->r, p))
			continue;
		if (nat ? translated(p, rt) : lost(p, rt) == m)
			pa->st[(size_t)a * n + (size_t)b] = TSN_PS_FAIL;
		else if (nat ? udp_arrives(p, false) : all_good(p, m))
			pa->st[(size_t)a * n + (size_t)b] = TSN_PS_PASS;
	}
}

/* The claimed pairs and their ends as the problem's scope. */
static int scope_of(struct path *pa, struct tsn_problem *p, int k)
{
	size_t n = pa->net->n;
	int ret = 0;

	for (size_t a = 0; a < n && !ret; a++)
		for (size_t b = 0; b < n && !ret; b++)
			if (pa->who[a * n + b] == k)
				ret = tsn_problem_pair(p, pa->net->names[a],
						       pa->net->names[b]);
	for (size_t i = 0; i < n && !ret; i++)
		for (size_t j = 0; j < n && !ret; j++)
			if (i != j && (pa->who[i * n + j] == k ||
				       pa->who[j * n + i] == k)) {
				ret = tsn_problem_node(p, pa->net->names[i]);
				break;
			}
	return ret;
}

/* "ESP is", "UDP 4500 and ESP are" */
static int subject(unsigned m, struct tsn_buf *b)
{
	size_t k = 0, total = (size_t)__builtin_popcount(m);
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(protos) && !ret; i++)
		if (m & 1u << i)
			ret = tsn_buf_printf(b, "%s%s", !k++ ? "" : k == total ?
					     " and " : ", ",
					     tsn_diag_proto_name(protos[i]));
	return ret ? ret : tsn_buf_puts(b, total > 1 ? " are" : " is");
}

static int id_of(unsigned m, struct tsn_buf *b)
{
	int ret = tsn_buf_puts(b, "path.");

	for (size_t i = 0, k = 0; i < ARRAY_SIZE(protos) && !ret; i++)
		if (m & 1u << i)
			ret = tsn_buf_printf(b, "%s%s", k++ ? "+" : "",
					     protos[i]);
	return ret;
}

/* A new problem for scope k of the located drops, with the scope in
 * words (w) and as a place (where) for its text. */
static int scope_problem(struct path *pa, const struct tsn_grid *g, int k,
			 const char *id, int rank, struct tsn_buf *w,
			 struct tsn_buf *where, struct tsn_problem **out)
{
	struct tsn_problem *p = tsn_report_problem_new(pa->r, id, TSN_ST_FAIL,
						       rank);
	int ret;

	tsn_buf_reset(w);
	tsn_buf_reset(where);
	ret = p ? scope_of(pa, p, k) : -ENOMEM;
	if (!ret)
		ret = tsn_scope_words(g, &pa->sc[k], pa->who, k, w);
	if (!ret)
		ret = tsn_scope_where(g, &pa->sc[k], pa->who, k, where);
	*out = p;
	return ret;
}

/* One problem per scope of one lost set of protocols. */
static int path_problems(struct path *pa, unsigned m, int nsc)
{
	struct tsn_grid g = { pa->net->n, pa->net->names, pa->net->subnet,
			      (const char *const *)pa->net->subnets, pa->st };
	struct tsn_buf id = { 0 }, subj = { 0 }, w = { 0 }, where = { 0 };
	char fix[600];
	int ret = id_of(m, &id);

	if (!ret)
		ret = subject(m, &subj);
	/* UDP passes where only ESP is lost: encapsulation is a way out */
	snprintf(fix, sizeof(fix), "%s%s", pa->advice, m == ESP_BIT ?
		 "; or enable-ipsec --encap (UDP encapsulation over 4500)" :
		 "");
	for (int k = 0; k < nsc && !ret; k++) {
		struct tsn_problem *p;

		ret = scope_problem(pa, &g, k, id.p, TSN_RANK_PATH, &w, &where,
				    &p);
		if (!ret)
			ret = tsn_problem_text(p, where.p, fix, "%s dropped on "
					       "%s", subj.p, w.p);
	}
	tsn_buf_free(&id);
	tsn_buf_free(&subj);
	tsn_buf_free(&w);
	tsn_buf_free(&where);
	return ret;
}

static int locate(struct path *pa)
{
	struct tsn_grid g = { pa->net->n, pa->net->names, pa->net->subnet,
			      (const char *const *)pa->net->subnets, pa->st };

	return tsn_locate(&g, pa->sc, pa->net->n * pa->net->n + 1, pa->who);
}

/* ESP has no ports: a NAT passes it for one host per destination at
 * most, so the others lose it. */
static int nat_problems(struct path *pa)
{
	struct tsn_grid g = { pa->net->n, pa->net->names, pa->net->subnet,
			      (const char *const *)pa->net->subnets, pa->st };
	struct tsn_buf w = { 0 }, where = { 0 };
	int nsc, ret = 0;

	fill(pa, 0, true);
	nsc = locate(pa);
	for (int k = 0; k < nsc && !ret; k++) {
		struct tsn_problem *p;

		ret = scope_problem(pa, &g, k, "nat", TSN_RANK_NAT, &w, &where,
				    &p);
		if (!ret)
			ret = tsn_problem_text(p, where.p, "IPsec needs UDP "
				"encapsulation there: keep encap = auto "
				"(strongSwan detects the NAT) or enable-ipsec "
				"--encap", "a NAT rewrites the source address on "
				"%s (and ESP, which has no ports, cannot pass it "
				"for more than one host)", w.p);
	}
	tsn_buf_free(&w);
	tsn_buf_free(&where);
	return nsc < 0 ? nsc : ret;
}

static int paths(struct tsn_report *r, const struct tsn_diag_net *net,
		 const char *advice)
{
	size_t n = net->n;
	struct path pa = { r, net, advice, calloc(n * n + 1, 1),
			   calloc(n * n + 1, sizeof(int)),
			   calloc(n * n + 2, sizeof(struct tsn_scope)) };
	bool seen[8] = { false }, nat = false;
	int ret = pa.st && pa.who && pa.sc ? 0 : -ENOMEM;

	for (size_t i = 0; i < r->n_pairs; i++) {
		int rt = route_of(net, tsn_diag_net_index(net, r->pairs[i].from),
				  tsn_diag_net_index(net, r->pairs[i].to));

		seen[lost(&r->pairs[i], rt)] = true;
		nat = nat || translated(&r->pairs[i], rt);
	}
	for (unsigned m = 1; m < ARRAY_SIZE(seen) && !ret; m++) {
		int nsc;

		if (!seen[m])
			continue;
		fill(&pa, m, false);
		nsc = locate(&pa);
		ret = nsc < 0 ? nsc : path_problems(&pa, m, nsc);
	}
	if (!ret && nat)
		ret = nat_problems(&pa);
	free(pa.st);
	free(pa.who);
	free(pa.sc);
	return ret;
}

/* ---- the rest: grouped by what was said ---- */

static bool handled(const struct tsn_verdict *v)
{
	return v->good || is(v, "not-arrived") ||
	       is(v, "dropped-by-peer-firewall") ||
	       is(v, "dropped-by-sender-firewall");
}

static bool same_kind(const struct tsn_verdict *a, const struct tsn_verdict *b)
{
	return !strcmp(a->verdict, b->verdict) &&
	       (is(a, "error") || !strcmp(a->proto, b->proto)) &&
	       tsn_streq(a->detail, b->detail);
}

/* A pass through a conntrack entry the probe did not make proves
 * nothing about a new flow (probe_est.c says what one would meet). */
static bool established(const struct tsn_verdict *v)
{
	return is(v, "established") || is(v, "established-only");
}

/* A pass through an entry the probe did not make, on a flow whose new
 * packets the evaluator says a rule drops (set: preflight's drops): that
 * rule's problem says it (preflight_diag.c), not a line of its own. */
static bool ruled(const struct tsn_diag_set *set,
		  const struct tsn_pair_report *p, const struct tsn_verdict *v)
{
	for (size_t i = 0; set && is(v, "established-only") &&
	     i < set->n_drops; i++) {
		const struct tsn_diag_drop *d = &set->drops[i];

		if (!d->seen && !d->undecided && !strcmp(d->proto, v->proto) &&
		    !strcmp(d->node, d->out ? p->from : p->to) &&
		    !strcmp(d->peer, d->out ? p->to : p->from))
			return true;
	}
	return false;
}

static int other_problem(struct tsn_report *r, size_t i0, size_t k0,
			 const struct tsn_diag_set *set)
{
	const struct tsn_verdict *v = &r->pairs[i0].v[k0];
	bool err = is(v, "error"), est = established(v);
	struct tsn_problem *p = tsn_report_problem_new(r, err ? "probe.error" :
		est ? "probe.established" : "probe.verdict", TSN_ST_FAIL,
		err ? TSN_RANK_NODE : est ? TSN_RANK_FIREWALL : TSN_RANK_OTHER);
	struct tsn_buf who = { 0 };
	size_t shown = 0;
	int ret = p ? 0 : -ENOMEM;

	for (size_t i = i0; i < r->n_pairs && !ret; i++)
		for (size_t k = 0; k < r->pairs[i].n && !ret; k++) {
			const struct tsn_pair_report *pr = &r->pairs[i];

			if (!same_kind(v, &pr->v[k]) || ruled(set, pr, &pr->v[k]) ||
			    (p->n_pairs &&
			    !strcmp(p->pairs[p->n_pairs - 1].from, pr->from) &&
			    !strcmp(p->pairs[p->n_pairs - 1].to, pr->to)))
				continue;
			ret = tsn_problem_pair(p, pr->from, pr->to);
			if (!ret)
				ret = tsn_problem_node(p, pr->from);
			if (!ret)
				ret = tsn_problem_node(p, pr->to);
			if (!ret && shown++ < 8)
				ret = tsn_buf_printf(&who, "%s%s -> %s",
						     shown > 1 ? ", " : "",
						     pr->from, pr->to);
		}
	if (!ret && shown > 8)
		ret = tsn_buf_printf(&who, " and %zu more", shown - 8);
	if (!ret && err)
		ret = tsn_problem_text(p, who.p, NULL, "the probe failed: %s: "
				       "%s", v->detail ? v->detail : "?", who.p);
	else if (!ret && est)
		ret = tsn_problem_text(p, who.p, "tsnet preflight --fix (the "
				       "flow that opened it may end at any "
				       "time)", "%s %s: %s",
				       tsn_diag_proto_name(v->proto),
				       v->detail ? v->detail : v->verdict,
				       who.p);
	else if (!ret)
		ret = tsn_problem_text(p, who.p, NULL, "%s %s%s%s: %s",
				       tsn_diag_proto_name(v->proto),
				       v->verdict, v->detail ? ": " : "",
				       v->detail ? v->detail : "", who.p);
	tsn_buf_free(&who);
	return ret;
}

static int others(struct tsn_report *r, const struct tsn_diag_set *set)
{
	int ret = 0;

	for (size_t i = 0; i < r->n_pairs && !ret; i++)
		for (size_t k = 0; k < r->pairs[i].n && !ret; k++) {
			const struct tsn_verdict *v = &r->pairs[i].v[k];
			bool said = handled(v) || pair_of_failed(r, &r->pairs[i]) ||
				    ruled(set, &r->pairs[i], v);

			for (size_t j = 0; j <= i && !said; j++)
				for (size_t q = 0; q < r->pairs[j].n && !said &&
				     (j < i || q < k); q++)
					said = same_kind(&r->pairs[j].v[q], v) &&
					       !ruled(set, &r->pairs[j],
						      &r->pairs[j].v[q]);
			if (!said)
				ret = other_problem(r, i, k, set);
		}
	return ret;
}

int tsn_probe_problems(struct tsn_report *r, const struct tsn_diag_net *net,
		       const char *cloud_advice, struct tsn_diag_set *set)
{
	struct tsn_diag_set own = { 0 };
	int ret;

	ret = drops(r, set ? set : &own);
	if (!ret && !set)
		ret = tsn_diag_drops(r, own.drops, own.n_drops,
				     net->n ? net->n - 1 : 0,
				     TSN_PROBE_DROP_FIX);
	if (!ret)
		ret = paths(r, net, cloud_advice);
	if (!ret)
		ret = others(r, set);
	tsn_diag_set_free(&own);
	return ret;
}
