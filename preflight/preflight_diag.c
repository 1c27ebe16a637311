/* preflight_diag.c - the problems of a preflight report, each cause
 * once: host checks folded across the nodes, each firewall rule with
 * every flow and peer it drops (what the node's evaluator named and what
 * the probe's packets met, together), each flow lost on the path in the
 * smallest scope that explains it; then ordered by what to fix first.
 */
#include <errno.h>

#include "cloud/cloud.h"
#include "lib/diag.h"
#include "preflight/preflight.h"
#include "probe/probe.h"

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
	if (!ret)
		ret = tsn_probe_problems(r, &pd->net, tsn_cloud_advice(c),
					 &pd->drops);
	if (!ret)
		ret = tsn_diag_drops(r, pd->drops.drops, pd->drops.n_drops,
				     inv->n_nodes ? inv->n_nodes - 1 : 0,
				     TSN_PROBE_DROP_FIX);
	if (!ret)
		tsn_report_sort_problems(r);
	return ret;
}
