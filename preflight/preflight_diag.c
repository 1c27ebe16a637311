/* preflight_diag.c - the problems of a preflight report, each cause
 * once: host checks folded across the nodes, each firewall rule with
 * every flow and peer it drops (what the node's evaluator named and what
 * the probe's packets met, together), each flow lost on the path in the
 * smallest scope that explains it; then ordered by what to fix first.
 */
#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "cloud/cloud.h"
#include "lib/diag.h"
#include "preflight/preflight.h"
#include "probe/probe.h"

/* 1: the probe saw from -> to fail, 0: pass, -1: not probed. */
static int pair_failed(const struct tsn_report *r, const char *from,
		       const char *to)
{
	for (size_t i = 0; i < r->n_pairs; i++) {
		const struct tsn_pair_report *p = &r->pairs[i];

		if (strcmp(p->from, from) || strcmp(p->to, to))
			continue;
		for (size_t v = 0; v < p->n; v++)
			if (!p->v[v].good)
				return 1;
		return 0;
	}
	return -1;
}

/* The pairs of the routes that are wrong join the route problem, those
 * whose path MTU is too small the mtu one; those
 * another setup's IPsec policy covers, the xfrm.foreign one, each way
 * that the probe saw fail (node -> peer when it did not run). */
static int route_pairs(struct tsn_report *r, const struct tsn_pf_diag *pd)
{
	int ret = 0;

	for (size_t i = 0; i < r->n_problems; i++)
		for (size_t k = 0; k < pd->n_faults && !ret; k++) {
			const struct tsn_pf_route_fault *f = &pd->faults[k];
			bool xfrm = !strcmp(f->id, "xfrm.foreign");

			if (strcmp(r->problems[i].id, f->id))
				continue;
			if (!xfrm || pair_failed(r, f->node, f->peer) != 0)
				ret = tsn_problem_pair(&r->problems[i],
						       f->node, f->peer);
			if (!ret && xfrm && pair_failed(r, f->peer, f->node) > 0)
				ret = tsn_problem_pair(&r->problems[i],
						       f->peer, f->node);
		}
	return ret;
}

static enum tsn_status check_of(const struct tsn_report *r, const char *node,
				const char *id)
{
	for (size_t i = 0; i < r->n_nodes; i++) {
		if (strcmp(r->nodes[i].node, node))
			continue;
		for (size_t c = 0; c < r->nodes[i].n_checks; c++)
			if (!strcmp(r->nodes[i].checks[c].id, id))
				return r->nodes[i].checks[c].status;
	}
	return TSN_ST_SKIP;
}

static struct tsn_problem *problem_of(struct tsn_report *r, const char *id)
{
	for (size_t i = 0; i < r->n_problems; i++)
		if (!strcmp(r->problems[i].id, id))
			return &r->problems[i];
	return NULL;
}

/* A drop the probe saw on a node and no nftables rule explains ("seen on
 * the interface, not by the socket") is iptables-legacy's where that
 * node's legacy rules drop the flow: its pairs join that problem. */
static int legacy_drops(struct tsn_report *r, struct tsn_diag_set *set)
{
	struct tsn_problem *p = problem_of(r, "iptables-legacy");
	size_t k = 0;
	int ret = 0;

	for (size_t i = 0; i < set->n_drops && !ret; i++) {
		const struct tsn_diag_drop *d = &set->drops[i];

		if (p && !d->table && !d->undecided &&
		    check_of(r, d->node, "iptables-legacy") == TSN_ST_FAIL) {
			ret = d->out ? tsn_problem_pair(p, d->node, d->peer) :
				       tsn_problem_pair(p, d->peer, d->node);
			continue;
		}
		set->drops[k++] = *d;
	}
	set->n_drops = k;
	return ret;
}

/* The probe's verdict for proto on from -> to, NULL: not probed, or
 * not in v6's family: the probe sends between the inventory addresses,
 * so an IPv6 flow's drop is not told an IPv4 probe's pass. */
static const struct tsn_verdict *verdict_of(const struct tsn_report *r,
					    const struct tsn_inventory *inv,
					    const char *from, const char *to,
					    const char *proto, bool v6)
{
	const struct tsn_node *n = tsn_inventory_find(inv, from);

	if (!n || (n->addr.family == AF_INET6) != v6)
		return NULL;
	for (size_t i = 0; i < r->n_pairs; i++) {
		const struct tsn_pair_report *p = &r->pairs[i];

		if (strcmp(p->from, from) || strcmp(p->to, to))
			continue;
		for (size_t v = 0; v < p->n; v++)
			if (!strcmp(p->v[v].proto, proto))
				return &p->v[v];
	}
	return NULL;
}

/* The evaluator had a verdict other than accept for d's flow. */
static bool eval_refused(const struct tsn_diag_set *set,
			 const struct tsn_diag_drop *d)
{
	for (size_t i = 0; i < set->n_drops; i++) {
		const struct tsn_diag_drop *e = &set->drops[i];

		if (!e->seen && e->out == d->out && !strcmp(e->node, d->node) &&
		    !strcmp(e->peer, d->peer) && !strcmp(e->proto, d->proto))
			return true;
	}
	return false;
}

/* Where the evaluator and the probe disagree about a flow, its drop says
 * both: the evaluator drops a new flow the probe's packets passed as new
 * ("ok": no conntrack entry let them), or the probe's packet met a rule
 * of a chain where the evaluator accepts a new flow.  A pass through an
 * entry the probe did not make is said on the rule's line too (the
 * probe's own problem leaves such flows out: one cause, one line). */
static void views(const struct tsn_report *r, const struct tsn_inventory *inv,
		  struct tsn_diag_set *set)
{
	for (size_t i = 0; i < set->n_drops; i++) {
		struct tsn_diag_drop *d = &set->drops[i];
		const char *from = d->out ? d->node : d->peer;
		const char *to = d->out ? d->peer : d->node;
		const struct tsn_verdict *v = verdict_of(r, inv, from, to,
							 d->proto, d->v6);
		char id[32];

		snprintf(id, sizeof(id), "nft.%s.%s", d->out ? "out" : "in",
			 d->proto);
		if (!d->seen && !d->undecided && v && v->good &&
		    !strcmp(v->verdict, "ok"))
			d->view = TSN_VIEW_PASSED;
		else if (!d->seen && !d->undecided && v &&
			 !strcmp(v->verdict, "established-only"))
			d->view = TSN_VIEW_ESTABLISHED;
		else if (d->seen && d->table && !eval_refused(set, d) &&
			 check_of(r, d->node, id) != TSN_ST_SKIP)
			d->view = TSN_VIEW_ACCEPTS;
	}
}

int tsn_pf_problems(struct tsn_report *r, const struct tsn_inventory *inv,
		    struct tsn_pf_diag *pd)
{
	/* the firewall checks become drops of named rules instead */
	static const char *const skip[] = { "nft.in.", "nft.out.", NULL };
	enum tsn_cloud c = inv->cluster.cloud;
	int ret;

	if (c == TSN_CLOUD_AUTO)
		c = pd->cloud;
	ret = tsn_diag_checks(r, skip);
	if (!ret && r->n_pairs)
		ret = tsn_probe_cloud_problem(r, inv, c, pd->probe_start);
	if (!ret)
		ret = route_pairs(r, pd);
	if (!ret)
		ret = tsn_probe_problems(r, &pd->net, tsn_cloud_advice(c),
					 &pd->drops);
	if (!ret)
		ret = tsn_probe_nat_problems(r, inv, &pd->net);
	if (!ret)
		ret = tsn_pf_connmark_said(r, pd);
	if (!ret)
		ret = legacy_drops(r, &pd->drops);
	if (!ret)
		views(r, inv, &pd->drops);
	if (!ret)
		ret = tsn_diag_drops(r, pd->drops.drops, pd->drops.n_drops,
				     inv->n_nodes ? inv->n_nodes - 1 : 0,
				     TSN_PROBE_DROP_FIX);
	if (!ret)
		tsn_report_sort_problems(r);
	return ret;
}
