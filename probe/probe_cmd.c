/* probe_cmd.c - `tsnet probe`: send IKE, NAT-T and ESP probes between
 * every pair of nodes and say, per directed pair and protocol, whether
 * they arrive and if not where they were stopped.
 *
 * Every node runs one probe window (`tsnet agent probe-window`) at the
 * same time, so the whole matrix costs about one window, not one per
 * pair (probe_mesh.c runs it).  The run's ESP key is handed out on each
 * node's stdin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cloud.h"
#include "commands.h"
#include "lib/cmd.h"
#include "lib/diag.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/transport.h"
#include "lib/util.h"
#include "lib/xfrm.h"
#include "probe/probe.h"

static const char synopsis[] =
	"[--from NODE --to NODE] [--timeout SECONDS] [--ipv6]";

struct probe_opts {
	const char *from, *to;
	unsigned window;
	bool ipv6;
};

/* The address a node is probed at: its address, or with --ipv6 its IPv6
 * one (address when that is IPv6, else address6). */
static int probe_addr(const struct tsn_node *n, bool ipv6,
		      struct tsn_ip_addr *ip, const char *cmd)
{
	const struct tsn_addr *a = &n->addr;
	char buf[64];

	if (ipv6 && a->family != AF_INET6)
		a = &n->addr6;
	if (!a->family) {
		tsn_err(cmd, "node %s has no IPv6 address (set address6 in "
			"the inventory)", n->name);
		return -EINVAL;
	}
	return tsn_ip_addr_parse(tsn_addr_str(a, buf, sizeof(buf)), ip);
}

/* Per node: its window's own checks (tsn_probe_node_notes), or why it
 * did not answer. */
static int node_notes(struct tsn_report *r, const struct tsn_probe_mesh *pr)
{
	int ret = 0;

	for (size_t i = 0; i < pr->n && !ret; i++) {
		struct tsn_node_report *nr;

		if (pr->res[i].reply) {
			ret = tsn_probe_node_notes(r, &pr->res[i]);
			continue;
		}
		nr = tsn_report_node(r, pr->res[i].name);
		ret = nr ? tsn_node_error(nr, pr->jobs[i].state !=
					  TSN_JOB_DONE, "%s",
					  pr->res[i].why) : -ENOMEM;
	}
	return ret;
}

/* The cloud for the advice: the inventory's, or with cloud = auto what
 * the nodes' DMI says (`tsnet agent cloud-detect` on each). */
static enum tsn_cloud which_cloud(const struct tsn_probe_mesh *pr)
{
	static const char *const args[] = { "agent", "cloud-detect", NULL };
	static const enum tsn_cloud known[] = {
		TSN_CLOUD_AZURE, TSN_CLOUD_AWS, TSN_CLOUD_GCP,
	};
	enum tsn_cloud c = pr->inv->cluster.cloud, found = TSN_CLOUD_NONE;
	struct tsn_job *jobs;
	struct tsn_jv v;
	char err[128];

	if (c != TSN_CLOUD_AUTO)
		return c;
	jobs = calloc(pr->n, sizeof(*jobs));
	if (!jobs)
		return c;
	for (size_t i = 0; i < pr->n; i++) {
		jobs[i].node = pr->nodes[i];
		jobs[i].argv = args;
	}
	if (tsn_run(pr->inv, jobs, pr->n, &(struct tsn_run_opts){ 0 }) < 0)
		found = TSN_CLOUD_AUTO;
	for (size_t i = 0; i < pr->n; i++) {
		memset(&v, 0, sizeof(v));
		if (found == TSN_CLOUD_NONE && jobs[i].state == TSN_JOB_DONE &&
		    tsn_json_parse(jobs[i].out.p ? jobs[i].out.p : "",
				   jobs[i].out.len, &v, err, sizeof(err)) == 0)
			for (size_t k = 0; k < ARRAY_SIZE(known); k++)
				if (tsn_streq(tsn_jv_getstr(&v, "cloud"),
					      tsn_cloud_id(known[k])))
					found = known[k];
		tsn_jv_free(&v);
		tsn_job_free(&jobs[i]);
	}
	free(jobs);
	return found;
}

static int report(struct tsn_ctx *ctx, struct tsn_probe_mesh *pr,
		  const struct probe_opts *o)
{
	struct tsn_diag_set set = { 0 };
	enum tsn_cloud cloud;
	struct tsn_diag_net net;
	struct tsn_report r;
	int ret, rc = TSN_EXIT_RUNTIME;

	tsn_report_init(&r, "probe");
	ret = tsn_diag_net_init(&net, pr->inv, o->ipv6);
	if (!ret)
		ret = node_notes(&r, pr);
	if (!ret)
		ret = tsn_probe_pairs(&r, pr, o->from, o->to);
	/* the cloud, detected with cloud = auto (none: nothing asked; not
	 * after an error: the report is not made, no agent round for it) */
	cloud = ret || pr->inv->cluster.cloud == TSN_CLOUD_NONE ?
		TSN_CLOUD_NONE : which_cloud(pr);
	if (!ret)
		ret = tsn_probe_cloud_problem(&r, pr->inv, cloud, pr->start);
	if (!ret)
		ret = tsn_probe_problems(&r, &net, tsn_probe_esp_filtered(&r) ?
					 tsn_cloud_advice(cloud) :
					 tsn_cloud_advice(pr->inv->cluster.cloud),
					 &set);
	/* the dropping rules named as nft prints them, as preflight does */
	if (!ret)
		ret = tsn_probe_rule_texts(pr, &set);
	if (!ret)
		ret = tsn_diag_drops(&r, set.drops, set.n_drops,
				     net.n ? net.n - 1 : 0, TSN_PROBE_DROP_FIX);
	if (!ret)
		ret = tsn_probe_size_problems(&r, pr->res, pr->n);
	if (!ret)
		ret = tsn_probe_nat_problems(&r, pr->inv, &net);
	if (!ret)
		ret = tsn_diag_checks(&r, NULL);
	if (ret < 0)
		goto out;
	tsn_report_sort_problems(&r);
	if (ctx->json || tsn_verbose)
		ret = tsn_report_print(&r, ctx->json, ctx->tty);
	else if ((tsn_report_print_summary(&r, stdout, ctx->tty),
		  fflush(stdout) == EOF))
		ret = -errno;
	if (ret == 0)
		rc = tsn_report_exit_code(&r);
out:
	if (ret < 0)
		tsn_err(ctx->cmd, "%s", strerror(-ret));
	tsn_diag_set_free(&set);
	tsn_diag_net_free(&net);
	tsn_report_free(&r);
	return rc;
}

static int run_probe(struct tsn_ctx *ctx, const struct tsn_inventory *inv,
		     const struct probe_opts *o)
{
	struct tsn_probe_mesh pr = { .window = o->window, .what = "probe",
				     .log_replies = true };
	size_t n = o->from ? 2 : inv->n_nodes;
	int ret, rc = TSN_EXIT_RUNTIME;

	ret = tsn_probe_mesh_alloc(&pr, inv, n);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		pr.nodes[i] = o->from ? tsn_inventory_find(inv, i ? o->to :
							   o->from) :
			      &inv->nodes[i];
		if (probe_addr(pr.nodes[i], o->ipv6, &pr.res[i].addr,
			       ctx->cmd) < 0) {
			rc = TSN_EXIT_USAGE;
			goto out;
		}
		if (pr.res[i].addr.family != pr.res[0].addr.family) {
			tsn_err(ctx->cmd, "%s: nodes %s and %s have addresses "
				"of different families (use --ipv6 with "
				"address6)", inv->path, pr.nodes[0]->name,
				pr.nodes[i]->name);
			rc = TSN_EXIT_USAGE;
			goto out;
		}
	}
	ret = tsn_probe_mesh_run(&pr, ctx->err_tty);
	if (ret == 0)
		rc = report(ctx, &pr, o);
out:
	if (ret < 0)
		tsn_err(ctx->cmd, "%s", strerror(-ret));
	tsn_probe_mesh_free(&pr);
	return rc;
}

static int check_node(const struct tsn_inventory *inv, const char *name,
		      const char *opt, const char *cmd)
{
	if (tsn_inventory_find(inv, name))
		return 0;
	tsn_err(cmd, "%s: %s: no node '%s' in the inventory", inv->path, opt,
		name);
	return -ENOENT;
}

int probe_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	enum { OPT_FROM = 0x2000, OPT_TO, OPT_TIMEOUT, OPT_IPV6 };
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "ipv6", no_argument, NULL, OPT_IPV6 },
		{ NULL, 0, NULL, 0 },
	};
	struct probe_opts o = { .window = TSN_PROBE_WINDOW };
	struct tsn_inventory inv;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'h':
			return tsn_usage(ctx, synopsis);
		case OPT_FROM:
			o.from = optarg;
			break;
		case OPT_TO:
			o.to = optarg;
			break;
		case OPT_IPV6:
			o.ipv6 = true;
			break;
		case OPT_TIMEOUT:
			if (tsn_parse_uint(optarg, 2, 600, &o.window) == 0)
				break;
			tsn_err(ctx->cmd, "--timeout '%s': the probe window "
				"in seconds, from 2 to 600", optarg);
			return TSN_EXIT_USAGE;
		default:
			if (tsn_global_opt(ctx, opt, optarg) < 0)
				return tsn_opt_error(ctx->cmd, argv, opt);
		}
	}
	if (optind < argc)
		return tsn_usage_error(ctx->cmd, "unexpected argument '%s'",
				       argv[optind]);
	if (!o.from != !o.to || (o.from && !strcmp(o.from, o.to)))
		return tsn_usage_error(ctx->cmd, "--from and --to go together "
				       "and name two different nodes");
	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	if (inv.n_nodes < 2) {
		tsn_err(ctx->cmd, "%s: %s is the cluster's only node: there "
			"is no pair to probe (tsnet node add adds a node)",
			inv.path, inv.nodes[0].name);
		rc = TSN_EXIT_USAGE;
	} else if (o.from && (check_node(&inv, o.from, "--from", ctx->cmd) ||
			      check_node(&inv, o.to, "--to", ctx->cmd))) {
		rc = TSN_EXIT_USAGE;
	} else {
		rc = run_probe(ctx, &inv, &o);
	}
	tsn_inventory_free(&inv);
	return rc;
}
