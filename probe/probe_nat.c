/* probe_nat.c - what a NAT between the nodes means for transport mode.
 *
 * probe_problems.c says where a NAT is ("nat"); this file says what
 * IPsec needs there.  RFC 3948 carries transport mode through a NAT
 * only with UDP encapsulation, and with limits: the peer sees the NAT's
 * address, the inner TCP and UDP checksums no longer match the outer
 * addresses (the kernel skips checking them), and two hosts behind one
 * NAT address reach a peer with the same address pair, so their
 * transport-mode SAs and policies collide there unless strongSwan's
 * connmark plugin tells them apart by connection mark.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/inventory.h"
#include "lib/output.h"
#include "lib/util.h"
#include "probe/probe.h"

/* The address a NAT verdict says the peer saw ("seen from A, sent from
 * B"), into a; false when v is no NAT verdict. */
static bool seen_from(const struct tsn_verdict *v, char *a, size_t len)
{
	const char *s;
	size_t n;

	if (strcmp(v->verdict, "nat") || !v->detail ||
	    strncmp(v->detail, "seen from ", 10))
		return false;
	s = v->detail + 10;
	n = strcspn(s, ", ");
	if (!n || n >= len)
		return false;
	snprintf(a, len, "%.*s", (int)n, s);
	return true;
}

/* A pair the probe saw translated, where the sender's own route does not
 * explain it (a source address the route chose is no NAT: lib/diag.h). */
static bool pair_nat(const struct tsn_diag_net *net,
		     const struct tsn_pair_report *p, char *a, size_t len)
{
	int x = net ? tsn_diag_net_index(net, p->from) : -1;
	int y = net ? tsn_diag_net_index(net, p->to) : -1;

	if (x >= 0 && y >= 0 && net->route &&
	    net->route[(size_t)x * net->n + (size_t)y] == TSN_NET_SOURCE)
		return false;
	for (size_t k = 0; k < p->n; k++)
		if (seen_from(&p->v[k], a, len))
			return true;
	return false;
}

static int scope_nat(struct tsn_report *r, const struct tsn_diag_net *net,
		     struct tsn_problem *p)
{
	char a[64];
	int ret = 0;

	for (size_t i = 0; i < r->n_pairs && !ret; i++) {
		const struct tsn_pair_report *pr = &r->pairs[i];

		if (!pair_nat(net, pr, a, sizeof(a)))
			continue;
		ret = tsn_problem_pair(p, pr->from, pr->to);
		if (!ret)
			ret = tsn_problem_node(p, pr->from);
		if (!ret)
			ret = tsn_problem_node(p, pr->to);
	}
	return ret;
}

static int transport_limits(struct tsn_report *r,
			    const struct tsn_inventory *inv,
			    const struct tsn_diag_net *net)
{
	bool off = inv && inv->cluster.encap == TSN_ENCAP_NO;
	struct tsn_problem *p;
	int ret;

	p = tsn_report_problem_new(r, "nat.transport", TSN_ST_WARN,
				   TSN_RANK_NAT);
	ret = p ? scope_nat(r, net, p) : -ENOMEM;
	if (!ret)
		ret = tsn_problem_text(p, NULL, "keep UDP encapsulation on "
			"(encap = auto or yes) and NAT keepalives; where you "
			"can, route the nodes to each other without the NAT",
			"transport mode through a NAT (RFC 3948) works only "
			"UDP-encapsulated, and the peer sees the NAT's address, "
			"not the node's: inner TCP and UDP checksums are not "
			"verified, policies and firewall rules must name the "
			"NAT's address, and the NAT's mapping must be kept alive");
	if (ret || !off)
		return ret;
	p = tsn_report_problem_new(r, "nat.encap", TSN_ST_FAIL, TSN_RANK_NAT);
	if (p)
		p->fails = true;	/* its pairs' UDP verdicts pass */
	ret = p ? scope_nat(r, net, p) : -ENOMEM;
	if (!ret)
		ret = tsn_problem_text(p, inv->path, "set encap = auto (or "
			"yes) in the inventory's [cluster] section",
			"the inventory sets encap = no, but a NAT sits between "
			"nodes: ESP has no ports and cannot pass it; IPsec "
			"there needs UDP encapsulation");
	return ret;
}

/* Whether an earlier pair to the same node came from address a. */
static bool said_before(const struct tsn_report *r,
			const struct tsn_diag_net *net, size_t i, const char *a)
{
	char b[64];

	for (size_t j = 0; j < i; j++)
		if (!strcmp(r->pairs[j].to, r->pairs[i].to) &&
		    pair_nat(net, &r->pairs[j], b, sizeof(b)) && !strcmp(a, b))
			return true;
	return false;
}

/* Senders that reach one receiver from the same public address. */
static int shared_at(struct tsn_report *r, const struct tsn_diag_net *net,
		     const char *to, struct tsn_problem **p, struct tsn_buf *w)
{
	char a[64], b[64];
	int ret = 0;

	for (size_t i = 0; i < r->n_pairs && !ret; i++) {
		const struct tsn_pair_report *x = &r->pairs[i];
		bool said = false;

		if (strcmp(x->to, to) || !pair_nat(net, x, a, sizeof(a)) ||
		    said_before(r, net, i, a))
			continue;
		for (size_t j = i + 1; j < r->n_pairs && !ret; j++) {
			const struct tsn_pair_report *y = &r->pairs[j];

			if (strcmp(y->to, to) || !strcmp(y->from, x->from) ||
			    !pair_nat(net, y, b, sizeof(b)) || strcmp(a, b))
				continue;
			if (!*p)
				*p = tsn_report_problem_new(r, "nat.shared",
							    TSN_ST_FAIL,
							    TSN_RANK_NAT);
			if (!*p)
				return -ENOMEM;
			(*p)->fails = true;
			if (!said)
				ret = tsn_buf_printf(w, "%s%s reaches %s from "
						     "%s", w->len ? "; " : "",
						     x->from, to, a);
			said = true;
			if (!ret)
				ret = tsn_buf_printf(w, ", as does %s",
						     y->from);
			if (!ret)
				ret = tsn_problem_pair(*p, x->from, to);
			if (!ret)
				ret = tsn_problem_pair(*p, y->from, to);
			if (!ret)
				ret = tsn_problem_node(*p, to);
		}
	}
	return ret;
}

static int shared_address(struct tsn_report *r,
			  const struct tsn_diag_net *net)
{
	struct tsn_problem *p = NULL;
	struct tsn_buf w = { 0 };
	int ret = 0;

	for (size_t i = 0; i < r->n_pairs && !ret; i++) {
		bool done = false;

		for (size_t j = 0; j < i && !done; j++)
			done = !strcmp(r->pairs[j].to, r->pairs[i].to);
		if (!done)
			ret = shared_at(r, net, r->pairs[i].to, &p, &w);
	}
	if (!ret && p)
		ret = tsn_problem_text(p, w.p, "give each node its own public "
			"address (or route without the NAT); otherwise the "
			"receiving node needs charon's connmark plugin "
			"(libstrongswan-standard-plugins, with iptables' "
			"xt_connmark and xt_policy) and CHILD_SAs with mark_in "
			"= mark_out = %unique, which enable-ipsec does not "
			"write", "several nodes share one public address: %s; "
			"their transport-mode SAs to that node have the same "
			"address pair and collide", w.p);
	tsn_buf_free(&w);
	return ret;
}

int tsn_probe_nat_problems(struct tsn_report *r,
			   const struct tsn_inventory *inv,
			   const struct tsn_diag_net *net)
{
	char a[64];
	bool any = false;
	int ret;

	for (size_t i = 0; i < r->n_pairs && !any; i++)
		any = pair_nat(net, &r->pairs[i], a, sizeof(a));
	if (!any)
		return 0;
	ret = transport_limits(r, inv, net);
	return ret ? ret : shared_address(r, net);
}
