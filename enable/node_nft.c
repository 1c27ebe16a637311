/* node_nft.c - the nftables side of `tsnet node add|remove`.
 *
 * preflight --fix keeps the cluster's members in the sets of its own
 * table (inet tsnet) on every node.  After a membership change every node
 * of the new inventory runs `agent nft-fix` with "update_only" (new sets
 * where a fix is in place, nothing elsewhere), and a leaving node runs
 * `agent nft-unfix`, which removes exactly what its state file records.
 * Failures here are warnings: IPsec does not depend on them, and
 * `tsnet preflight --fix` repairs them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/node.h"
#include "lib/json.h"
#include "lib/transport.h"
#include "lib/util.h"

static int members_req(const struct tsn_inventory *inv,
		       const struct tsn_node *to, struct tsn_buf *b)
{
	const char *ifname = tsn_node_interface(inv, to);
	char addr[64];
	struct tsn_json j;

	tsn_json_init(&j, b, false);
	tsn_json_obj_begin(&j);
	tsn_json_key(&j, "members");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < inv->n_nodes; i++) {
		tsn_json_str(&j, tsn_addr_str(&inv->nodes[i].addr, addr,
					      sizeof(addr)));
		if (inv->nodes[i].addr6.family)
			tsn_json_str(&j, tsn_addr_str(&inv->nodes[i].addr6,
						      addr, sizeof(addr)));
	}
	tsn_json_arr_end(&j);
	if (ifname)
		tsn_json_kstr(&j, "interface", ifname);
	tsn_json_kbool(&j, "update_only", true);
	tsn_json_obj_end(&j);
	return tsn_json_finish(&j);
}

/* named_later: node_apply.c asks this node next and names it, with the
 * reason and both repairs, when it is not reached: once is enough. */
static void report(const struct tsn_job *job, const char *what,
		   bool named_later, int *rc)
{
	struct tsn_jv v = { 0 };
	char why[512], err[64];
	bool changed = false;

	if (named_later && (job->state == TSN_JOB_UNREACHABLE ||
			    job->state == TSN_JOB_TIMEOUT)) {
		*rc = -EIO;
		return;
	}
	if (job->state != TSN_JOB_DONE || job->exit_status != 0) {
		tsn_warn("node", "%s: nftables member set not %s: %s (run "
			 "tsnet preflight --fix)", job->node->name, what,
			 tsn_job_reason(job, why, sizeof(why)));
		*rc = -EIO;
		return;
	}
	if (job->out.len && tsn_json_parse(job->out.p, job->out.len, &v, err,
					   sizeof(err)) == 0 &&
	    tsn_jv_getbool(&v, "changed", &changed) && changed)
		tsn_node_say(job->node->name, NULL, "nft", "%s: nftables "
			     "member set %s", job->node->name, what);
	tsn_jv_free(&v);
}

int tsn_node_member_set(const struct tsn_inventory *inv,
			const struct tsn_inventory *old, const char *name,
			bool add)
{
	static const char *const fix[] = { "agent", "nft-fix", NULL };
	static const char *const unfix[] = { "agent", "nft-unfix", NULL };
	size_t n = inv->n_nodes + 1, k = 0;
	struct tsn_job *jobs = calloc(n, sizeof(*jobs));
	struct tsn_buf *in = calloc(n, sizeof(*in));
	struct tsn_run_opts opts = { 0 };
	int ret = jobs && in ? 0 : -ENOMEM, rc = 0;

	for (size_t i = 0; ret == 0 && i < inv->n_nodes; i++) {
		jobs[k].node = &inv->nodes[i];
		jobs[k].argv = fix;
		ret = members_req(inv, &inv->nodes[i], &in[k]);
		jobs[k].input = in[k].p;
		jobs[k].input_len = in[k].len;
		k++;
	}
	if (ret == 0)
		ret = tsn_run(inv, jobs, k, &opts);
	/* every node but an added one is asked again by node_apply.c; a
	 * leaving one is cleaned there */
	for (size_t i = 0; ret == 0 && i < k; i++)
		report(&jobs[i], "updated", !add ||
		       strcmp(jobs[i].node->name, name), &rc);
	if (ret == 0 && !add) {
		struct tsn_job gone = {
			.node = tsn_inventory_find(old, name),
			.argv = unfix,
		};

		ret = tsn_run(old, &gone, 1, &opts);
		if (ret == 0)
			report(&gone, "removed", true, &rc);
		tsn_job_free(&gone);
	}
	for (size_t i = 0; i < k; i++) {
		tsn_buf_free(&in[i]);
		tsn_job_free(&jobs[i]);
	}
	free(in);
	free(jobs);
	return ret < 0 ? ret : rc;
}
