/* probe_notes.c - what each node's window says about itself, as checks
 * on its row: the kernel's IPsec drop counters that rose during the
 * window (xfrm.stat), a trace that could not run (probe.trace: drops
 * cannot be named), conntrack that could not be read or cleaned
 * (probe.conntrack: a verdict may ride on an older entry).  One place,
 * so `tsnet probe` and preflight judge a window alike.
 */
#include <errno.h>

#include "lib/json.h"
#include "lib/output.h"
#include "lib/xfrm.h"
#include "probe/probe.h"

int tsn_probe_node_notes(struct tsn_report *r,
			 const struct tsn_probe_result *res)
{
	const struct tsn_jv *v = res->reply;
	struct tsn_node_report *nr;
	const char *te, *ce;
	int ret;

	if (!v)
		return 0;	/* the caller says why it did not answer */
	nr = tsn_report_node(r, res->name);
	if (!nr)
		return -ENOMEM;
	/* the probe's own ESP carries SPIs no SA has */
	ret = tsn_xstat_checks(nr, res->name, tsn_jv_get(v, "xfrm_stat"),
			       "during the probe", (const char *const[]){
			       "XfrmInNoStates", NULL });
	te = tsn_jv_getstr(v, "trace_error");
	ce = tsn_jv_getstr(v, "conntrack_error");
	if (!ret && te)
		ret = tsn_node_check(nr, "probe.trace", TSN_ST_WARN,
				     "run tsnet as root on the node",
				     "%s: drops cannot be named", te);
	if (!ret && ce)
		ret = tsn_node_check(nr, "probe.conntrack", TSN_ST_WARN,
				     "run tsnet as root on the node "
				     "(ctnetlink)", "%s: a verdict may ride on "
				     "what an earlier probe left, and this "
				     "one's entries may stay", ce);
	return ret;
}
