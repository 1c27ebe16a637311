/* nodes.c - `tsnet nodes`: reach every node and show who answers.
 *
 * Runs `tsnet agent ping` on every node through the inventory's
 * transport, in parallel, and reports per node: reachable or why not
 * (tsnet not installed, or older than the agent protocol, among them),
 * its tsnet version against ours, the hostname and kernel it reports,
 * whether tsnet runs as root there, and how far its clock is from ours.  The first thing to run on a new
 * inventory: every other command needs the same reachability.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/transport.h"
#include "lib/util.h"

static const char synopsis[] =
	"[--timeout SECONDS] [--concurrency N] [NODE...]";

#define CLOCK_WARN 1.0		/* seconds: IKE and certificates shrug */
#define CLOCK_FAIL 30.0		/* seconds: certificate validity breaks */

struct nodes_run {
	struct tsn_job *jobs;
	double *end;		/* our wall clock when each job ended */
	struct tsn_progress progress;
};

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void job_done(void *arg, const struct tsn_job *job, size_t ndone,
		     size_t total)
{
	struct nodes_run *nr = arg;

	(void)ndone;
	(void)total;
	nr->end[job - nr->jobs] = wall_now();
}

/* The node read its clock at some moment of the job, late in it (after
 * the connection and exec): so node_time - end is the lowest the offset
 * can be, and the job's length bounds it from above.  Judge the smallest
 * offset the window allows, so a slow link never fakes a clock skew. */
static int check_clock(struct tsn_node_report *n, double node_time,
		       double end, double elapsed)
{
	static const char fix[] = "synchronise the node's clock (chrony or "
				  "systemd-timesyncd): IKE and certificates "
				  "need clocks that agree";
	double lo = node_time - end, hi = lo + elapsed;
	double least = lo > 0 ? lo : hi < 0 ? -hi : 0;
	enum tsn_status st = least > CLOCK_FAIL ? TSN_ST_FAIL :
			     least > CLOCK_WARN ? TSN_ST_WARN : TSN_ST_OK;

	return tsn_node_check(n, "clock", st, st == TSN_ST_OK ? NULL : fix,
			      "offset %+.0f ms (measured to within %.0f ms)",
			      lo * 1000, elapsed * 1000);
}

/* The agent refused any other protocol before replying, so only the
 * version can differ here: the same protocol means the two understand
 * each other, but one tsnet everywhere is what was tested together. */
static int check_version(struct tsn_node_report *n, const struct tsn_jv *v)
{
	const char *ver = tsn_jv_getstr(v, "version");
	double proto;

	if (!ver || !tsn_jv_getnum(v, "protocol", &proto))
		return tsn_node_error(n, false, "the agent's reply lacks "
				      "version or protocol");
	if (!strcmp(ver, TSN_VERSION))
		return tsn_node_check(n, "tsnet", TSN_ST_OK, NULL,
				      "%s (protocol %.0f)", ver, proto);
	return tsn_node_check(n, "tsnet", TSN_ST_WARN,
			      "install the same tsnet on every node",
			      "%s (protocol %.0f), this tsnet is %s", ver,
			      proto, TSN_VERSION);
}

static int check_reply(struct tsn_node_report *n, const struct tsn_jv *v,
		       const struct tsn_job *job, double end,
		       const char *transport)
{
	const char *host = tsn_jv_getstr(v, "hostname");
	const char *kernel = tsn_jv_getstr(v, "kernel");
	const char *machine = tsn_jv_getstr(v, "machine");
	double uid, t;
	int ret;

	if (!host || !kernel || !tsn_jv_getnum(v, "uid", &uid) ||
	    !tsn_jv_getnum(v, "time", &t) || uid < 0 || uid > 4294967295.0)
		return tsn_node_error(n, false, "the agent's reply lacks "
				      "hostname, kernel, uid or time");
	ret = tsn_node_check(n, "reachable", TSN_ST_OK, NULL,
			     "over %s in %.0f ms", transport,
			     job->elapsed * 1000);
	if (!ret)
		ret = check_version(n, v);
	if (!ret)
		ret = tsn_node_check(n, "hostname", TSN_ST_OK, NULL, "%s",
				     host);
	if (!ret)
		ret = tsn_node_check(n, "kernel", TSN_ST_OK, NULL, "%s%s%s",
				     kernel, machine ? " " : "",
				     machine ? machine : "");
	if (!ret && uid == 0)
		ret = tsn_node_check(n, "uid", TSN_ST_OK, NULL, "root");
	else if (!ret)
		ret = tsn_node_check(n, "uid", TSN_ST_WARN,
				     "use ssh_user = root (or run tsnet as "
				     "root): IPsec, nftables and capture "
				     "need it",
				     "uid %.0f, not root", uid);
	if (!ret)
		ret = check_clock(n, t, end, job->elapsed);
	return ret;
}

static int report_job(struct tsn_report *r, const struct tsn_job *job,
		      double end, const char *transport)
{
	struct tsn_node_report *n = tsn_report_node(r, job->node->name);
	struct tsn_jv v = { 0 };
	char why[512], err[128];
	int ret;

	if (!n)
		return -ENOMEM;
	if (job->state != TSN_JOB_DONE || job->exit_status != 0) {
		const char *reason = tsn_job_reason(job, why, sizeof(why));
		static const char pre[] = "unreachable: ";

		/* The status says "unreachable" already. */
		if (!strncmp(reason, pre, sizeof(pre) - 1))
			reason += sizeof(pre) - 1;
		return tsn_node_error(n, job->state == TSN_JOB_UNREACHABLE ||
					 job->state == TSN_JOB_TIMEOUT,
				      "%s", reason);
	}
	if (tsn_json_parse(job->out.p ? job->out.p : "", job->out.len, &v,
			   err, sizeof(err)) < 0)
		return tsn_node_error(n, false, "bad reply from the agent: %s",
				      err);
	ret = check_reply(n, &v, job, end, transport);
	tsn_jv_free(&v);
	return ret;
}

/* NODE... on the command line: every name must be in the inventory. */
static int select_nodes(const struct tsn_inventory *inv, int argc,
			char **argv, bool *want, const char *cmd)
{
	for (int i = 0; i < argc; i++) {
		const struct tsn_node *n = tsn_inventory_find(inv, argv[i]);
		const char *best = NULL;
		unsigned d, best_d = 3;

		if (n) {
			want[n - inv->nodes] = true;
			continue;
		}
		for (size_t k = 0; k < inv->n_nodes; k++) {
			d = tsn_edit_distance(argv[i], inv->nodes[k].name);
			if (d < best_d) {
				best_d = d;
				best = inv->nodes[k].name;
			}
		}
		tsn_err(cmd, "%s: no node '%s' in the inventory%s%s%s",
			inv->path, argv[i], best ? " (did you mean '" : "",
			best ? best : "", best ? "'?)" : "");
		return -ENOENT;
	}
	if (argc == 0)
		for (size_t k = 0; k < inv->n_nodes; k++)
			want[k] = true;
	return 0;
}

static void show_argv(const struct tsn_inventory *inv,
		      const struct tsn_node *node, const char *const *args)
{
	struct tsn_buf b = { 0 };
	char **argv;

	if (tsn_verbose < 1 ||
	    tsn_transport_argv(inv, node, args, &argv) < 0)
		return;
	for (char **p = argv; *p; p++)
		tsn_buf_printf(&b, " %s", *p);
	tsn_dbg("%s:%s%s", node->name,
		inv->cluster.transport == TSN_TRANSPORT_NETNS &&
		tsn_lab_host_like(tsn_node_netns(node)) ?
		" (in its namespaces)" : "", b.p ? b.p : "");
	tsn_buf_free(&b);
	tsn_argv_free(argv);
}

static int run_nodes(struct tsn_ctx *ctx, const struct tsn_inventory *inv,
		     const bool *want, struct tsn_run_opts *opts)
{
	static const char *const ping[] = { "agent", "ping", NULL };
	const char *transport = tsn_transport_name(inv->cluster.transport);
	struct nodes_run nr = { 0 };
	struct tsn_report r;
	size_t n = 0;
	int ret, rc = TSN_EXIT_RUNTIME;

	tsn_report_init(&r, "nodes");
	nr.jobs = calloc(inv->n_nodes, sizeof(*nr.jobs));
	nr.end = calloc(inv->n_nodes, sizeof(*nr.end));
	if (!nr.jobs || !nr.end) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < inv->n_nodes; i++) {
		if (!want[i])
			continue;
		nr.jobs[n].node = &inv->nodes[i];
		nr.jobs[n++].argv = ping;
		show_argv(inv, &inv->nodes[i], ping);
	}
	opts->done = job_done;
	opts->done_arg = &nr;
	opts->progress = &nr.progress;
	opts->what = "nodes";
	tsn_progress_begin(&nr.progress, ctx->err_tty);
	ret = tsn_run(inv, nr.jobs, n, opts);
	tsn_progress_end(&nr.progress);
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = report_job(&r, &nr.jobs[i], nr.end[i], transport);
	if (ret < 0)
		goto out;
	ret = tsn_report_print(&r, ctx->json, ctx->tty);
	if (ret == 0)
		rc = tsn_report_exit_code(&r);
out:
	if (ret < 0)
		tsn_err(ctx->cmd, "%s", strerror(-ret));
	for (size_t i = 0; nr.jobs && i < n; i++)
		tsn_job_free(&nr.jobs[i]);
	free(nr.jobs);
	free(nr.end);
	tsn_report_free(&r);
	return rc;
}

int nodes_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	enum { OPT_TIMEOUT = 0x2000, OPT_CONCURRENCY };
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
		{ NULL, 0, NULL, 0 },
	};
	struct tsn_run_opts opts = { 0 };
	struct tsn_inventory inv;
	bool *want = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (opt == 'h')
			return tsn_usage(ctx, synopsis);
		if (opt == OPT_TIMEOUT &&
		    tsn_parse_uint(optarg, 1, 86400, &opts.timeout) < 0) {
			tsn_err(ctx->cmd, "--timeout '%s': a number of seconds "
				"from 1 to 86400", optarg);
			return TSN_EXIT_USAGE;
		}
		if (opt == OPT_CONCURRENCY &&
		    tsn_parse_uint(optarg, 1, 1024, &opts.concurrency) < 0) {
			tsn_err(ctx->cmd, "--concurrency '%s': a number from 1 "
				"to 1024", optarg);
			return TSN_EXIT_USAGE;
		}
		if (opt != OPT_TIMEOUT && opt != OPT_CONCURRENCY &&
		    tsn_global_opt(ctx, opt, optarg) < 0)
			return tsn_opt_error(ctx->cmd, argv, opt);
	}
	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	want = calloc(inv.n_nodes ? inv.n_nodes : 1, sizeof(*want));
	if (!want) {
		tsn_err(ctx->cmd, "%s", strerror(ENOMEM));
		rc = TSN_EXIT_RUNTIME;
	} else if (select_nodes(&inv, argc - optind, argv + optind, want,
				ctx->cmd) < 0) {
		rc = TSN_EXIT_USAGE;
	} else {
		rc = run_nodes(ctx, &inv, want, &opts);
	}
	free(want);
	tsn_inventory_free(&inv);
	return rc;
}
