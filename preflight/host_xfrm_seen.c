/* host_xfrm_seen.c - "xfrm.foreign": IPsec states and policies already in
 * the kernel that tsnet did not make (Libreswan, an older setup).  A
 * policy of someone else's that covers the traffic between this node and
 * a peer takes that traffic over: IKE may still work while the packets
 * go to another SA or are dropped.
 *
 * The dump (lib/xfrm.c) and what is whose (lib/xfrm_judge.c) are
 * shared with enable-ipsec, which refuses to roll out over such a
 * policy, and status, which shows one as drift.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "preflight/host.h"

/* ---- the check ---- */

/* Whether s is about this node and peer r (either way round). */
static bool between(const struct tsn_xfrm_seen *s, const struct tsn_host_opts *o,
		    const struct tsn_route *r)
{
	return o->self_family == r->family &&
	       tsn_xfrm_between(s, r->family, o->self, r->dst);
}

/* tsnet's own: IPsec enabled here by tsnet, and exactly this node and a
 * peer (a host-to-host SA or allow policy, what enable-ipsec makes). */
static bool ours(const struct tsn_xfrm_seen *s, const struct tsn_host_opts *o,
		 bool enabled)
{
	for (size_t i = 0; i < o->n_routes; i++)
		if (o->self_family == o->routes[i].family &&
		    tsn_xfrm_ours(s, enabled, o->self_family, o->self,
				  &o->routes[i].dst, 1))
			return true;
	return false;
}

/* A policy over the traffic between this node and a peer. */
static bool takes_over(const struct tsn_xfrm_seen *s,
		       const struct tsn_host_opts *o)
{
	for (size_t i = 0; s->policy && i < o->n_routes; i++)
		if (between(s, o, &o->routes[i]))
			return true;
	return false;
}

static int describe(const struct tsn_xfrm_seen *s, const struct tsn_host_opts *o,
		    struct tsn_buf *d, bool *covers)
{
	char line[200];
	size_t k = 0;
	int ret;

	tsn_xfrm_describe(s, line, sizeof(line));
	ret = tsn_buf_printf(d, "%s%s", d->len ? "; " : "", line);
	if (!s->policy)
		return ret;
	for (size_t i = 0; i < o->n_routes && !ret; i++) {
		if (!between(s, o, &o->routes[i]))
			continue;
		*covers = true;
		ret = tsn_buf_printf(d, "%s%s", k++ ? ", " : " (covers the "
				     "traffic with ", o->routes[i].peer);
	}
	return ret ? ret : k ? tsn_buf_puts(d, ")") : 0;
}

bool tsn_xfrm_foreign_covers(const struct tsn_host_opts *o,
			     const struct tsn_xfrm_list *l,
			     const struct tsn_route *r)
{
	bool enabled = tsn_host_exists(o, "/var/lib/tsnet/ipsec.json");

	for (unsigned i = 0; i < l->n; i++)
		if (l->s[i].policy && !ours(&l->s[i], o, enabled) &&
		    between(&l->s[i], o, r))
			return true;
	return false;
}

int tsn_host_xfrm_foreign_check(const struct tsn_host_opts *o,
				struct tsn_node_report *n)
{
	const char *id = "xfrm.foreign";
	struct tsn_xfrm_list live;
	const struct tsn_xfrm_list *l = o->xfrm_list;
	bool enabled = tsn_host_exists(o, "/var/lib/tsnet/ipsec.json");
	bool covers = false;
	struct tsn_buf d = { 0 };
	unsigned foreign = 0;
	char e[96];
	int ret = 0;

	if (!l) {
		tsn_xfrm_list_run(&live);
		l = &live;
	}
	if (l->err)
		return tsn_node_check(n, id, TSN_ST_SKIP, "run as root "
				      "(CAP_NET_ADMIN)", "cannot list the "
				      "kernel's IPsec states and policies: %s",
				      tsn_errno_str(l->err, e, sizeof(e)));
	/* what takes the nodes' traffic over first, the rest after */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < l->n && !ret; i++)
			if (!ours(&l->s[i], o, enabled) &&
			    takes_over(&l->s[i], o) == !pass &&
			    foreign++ < 4)
				ret = describe(&l->s[i], o, &d, &covers);
	if (!ret && !foreign)
		ret = tsn_node_check(n, id, TSN_ST_OK, NULL, "no IPsec state or "
				     "policy but tsnet's (%u SAs, %u policies)",
				     l->total_sa, l->total_pol);
	else if (!ret)
		ret = tsn_node_check(n, id, covers ? TSN_ST_FAIL : TSN_ST_WARN,
				     "they are another IPsec setup's (Libreswan's "
				     "ipsec.service, an older tunnel): stop it, "
				     "then ip xfrm policy flush; ip xfrm state "
				     "flush", "%u of the kernel's IPsec states "
				     "and policies %s not tsnet's%s: %s%s",
				     foreign, foreign == 1 ? "is" : "are",
				     covers ? ", taking over the traffic "
				     "between the nodes" : "", d.p,
				     foreign > 4 ? "; ..." : "");
	tsn_buf_free(&d);
	return ret;
}
