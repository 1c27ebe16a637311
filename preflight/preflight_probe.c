/* preflight_probe.c - the probe matrix inside the preflight report: the
 * packets themselves, beside what the rulesets say.
 *
 * The same mesh runner `tsnet probe` and enable-ipsec use (probe/'s
 * tsn_probe_mesh_run: `agent probe-window` on every node at once), and
 * the same pair verdicts (tsn_probe_pairs), written straight into the
 * report; the problems come from the pairs, with preflight's own, from
 * the size probes (path.fragments, path.mtu: tsn_probe_size_problems),
 * and from what each node's window says of itself: the kernel's drop
 * counters around it (xfrm.stat), a trace or conntrack that failed
 * (probe.trace, probe.conntrack), as `tsnet probe` says them.
 */
#include <errno.h>
#include <string.h>

#include "lib/inventory.h"
#include "lib/output.h"
#include "lib/util.h"
#include "lib/xfrm.h"
#include "preflight/preflight.h"
#include "probe/probe.h"

#define NO_PROBE "run 'tsnet probe' to see why"

/* Node i is probed at its inventory address; every address of one
 * family, as `tsnet probe` asks (without --ipv6). */
static int addresses(struct tsn_report *r, struct tsn_probe_mesh *m,
		     bool *ran)
{
	for (size_t i = 0; i < m->n; i++) {
		char a[64];
		int ret;

		m->nodes[i] = &m->inv->nodes[i];
		ret = tsn_ip_addr_parse(tsn_addr_str(&m->nodes[i]->addr, a,
						     sizeof(a)),
					&m->res[i].addr);
		if (ret < 0)
			return ret;
		if (m->res[i].addr.family != m->res[0].addr.family) {
			*ran = false;
			return tsn_report_problem(r, NO_PROBE, "the probe matrix "
						  "could not run: nodes %s and "
						  "%s have addresses of "
						  "different families",
						  m->nodes[0]->name,
						  m->nodes[i]->name);
		}
	}
	return 0;
}

/* A node the probe could not run on: when preflight's own checks could
 * not reach it either, its problem says so already; else the probe's
 * reason is a problem of its own, said once (its checks stand: it was
 * checked, only not probed). */
static int failed_nodes(struct tsn_report *r, const struct tsn_probe_mesh *m)
{
	int ret = 0;

	for (size_t i = 0; i < m->n && !ret; i++) {
		if (!m->res[i].why || tsn_report_node_failed(r, m->res[i].name))
			continue;
		ret = tsn_report_problem(r, NULL, "%s could not run the probe: "
					 "%s", m->res[i].name, m->res[i].why);
	}
	return ret;
}

int tsn_pf_probe(struct tsn_report *r, const struct tsn_inventory *inv,
		 bool err_tty, double *start)
{
	struct tsn_probe_mesh m = { .what = "preflight: probing",
				    .log_replies = true };
	bool ran = true;
	int ret;

	ret = tsn_probe_mesh_alloc(&m, inv, inv->n_nodes);
	if (!ret)
		ret = addresses(r, &m, &ran);
	if (!ret && ran) {
		ret = tsn_probe_mesh_run(&m, err_tty && !tsn_quiet);
		*start = m.start;
		if (ret < 0 && ret != -ENOMEM)
			ret = tsn_report_problem(r, NO_PROBE, "the probe matrix "
						 "could not run: %s",
						 strerror(-ret));
		else if (!ret)
			ret = tsn_probe_pairs(r, &m, NULL, NULL);
		if (!ret)
			ret = failed_nodes(r, &m);
		for (size_t i = 0; !ret && i < m.n; i++)
			ret = tsn_probe_node_notes(r, &m.res[i]);
		/* the size probes' evidence is in the replies, not the
		 * pairs: their problems here, as tsnet probe says them */
		if (!ret)
			ret = tsn_probe_size_problems(r, m.res, m.n);
	}
	tsn_probe_mesh_free(&m);
	return ret;
}
