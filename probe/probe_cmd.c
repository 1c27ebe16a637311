/* probe_cmd.c - `tsnet probe`: send IKE, NAT-T and ESP probes between
 * every pair of nodes and say, per directed pair and protocol, whether
 * they arrive and if not where they were stopped.
 *
 * Every node runs one probe window (`tsnet agent probe-window`) at the
 * same time, so the whole matrix costs about one window, not one per
 * pair.  The run's ESP key is handed out on each node's stdin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/cloud.h"
#include "commands.h"
#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/transport.h"
#include "lib/util.h"
#include "probe/probe.h"

static const char synopsis[] =
	"[--from NODE --to NODE] [--timeout SECONDS] [--ipv6]";

#define WINDOW_DEFAULT 3

struct probe_opts {
	const char *from, *to;
	unsigned window;
	bool ipv6;
};

struct probe_run {
	const struct tsn_inventory *inv;
	size_t n;
	const struct tsn_node **nodes;
	struct tsn_probe_result *res;
	struct tsn_job *jobs;
	struct tsn_buf *req;
	struct tsn_jv *replies;
	char **why;
	struct tsn_progress progress;
};

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

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

static void hex(struct tsn_buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tsn_buf_printf(b, "%02x", p[i]);
}

/* Node i's request: everything the agent needs, the key included. */
static int build_request(struct probe_run *pr, size_t i,
			 const struct tsn_esp_run *run, uint32_t tag,
			 double start, unsigned window)
{
	const struct tsn_node *self = pr->nodes[i];
	const char *ifname = tsn_node_interface(pr->inv, self);
	struct tsn_buf *b = &pr->req[i];
	char a[64];

	tsn_buf_printf(b, "{\"run\":\"");
	for (int k = 7; k >= 0; k--)
		tsn_buf_printf(b, "%02x", (unsigned)(run->run_id >> (8 * k)) &
			       0xff);
	tsn_buf_printf(b, "\",\"key\":\"");
	hex(b, run->key, sizeof(run->key));
	tsn_buf_printf(b, "\",\"tag\":%u,\"start\":%.3f,\"window\":%u,"
		       "\"self\":\"%s\",\"index\":%zu,\"address\":\"%s\"",
		       tag, start, window, self->name,
		       (size_t)(self - pr->inv->nodes),
		       tsn_ip_addr_str(&pr->res[i].addr, a, sizeof(a)));
	if (ifname)
		tsn_buf_printf(b, ",\"interface\":\"%s\"", ifname);
	tsn_buf_printf(b, ",\"peers\":[");
	for (size_t k = 0, first = 1; k < pr->n; k++) {
		if (k == i)
			continue;
		tsn_buf_printf(b, "%s{\"name\":\"%s\",\"index\":%zu,"
			       "\"address\":\"%s\"}", first ? "" : ",",
			       pr->nodes[k]->name,
			       (size_t)(pr->nodes[k] - pr->inv->nodes),
			       tsn_ip_addr_str(&pr->res[k].addr, a, sizeof(a)));
		first = 0;
	}
	return tsn_buf_printf(b, "]}\n");
}

static void job_done(void *arg, const struct tsn_job *job, size_t ndone,
		     size_t total)
{
	struct probe_run *pr = arg;

	(void)job;
	tsn_progress(&pr->progress, "probe: %zu of %zu nodes done", ndone,
		     total);
}

/* Node i's reply into pr->replies[i], or why it has none. */
static void collect(struct probe_run *pr, size_t i)
{
	const struct tsn_job *job = &pr->jobs[i];
	char why[512], err[128];
	const char *w = why;

	pr->res[i].name = pr->nodes[i]->name;
	if (job->state != TSN_JOB_DONE || job->exit_status != 0) {
		tsn_job_reason(job, why, sizeof(why));
	} else if (tsn_json_parse(job->out.p ? job->out.p : "", job->out.len,
				  &pr->replies[i], err, sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "bad reply from the agent: %s", err);
	} else {
		pr->res[i].reply = &pr->replies[i];
		if (tsn_verbose > 1)
			tsn_dbg("%s: %s", pr->nodes[i]->name, job->out.p);
		return;
	}
	pr->why[i] = strdup(w);
	pr->res[i].why = pr->why[i] ? pr->why[i] : "out of memory";
}

/* Notes per node that explain a verdict: who holds a port, a node that
 * started late, a trace that could not run. */
static int node_notes(struct tsn_report *r, const struct probe_run *pr)
{
	int ret = 0;

	for (size_t i = 0; i < pr->n && !ret; i++) {
		const struct tsn_jv *v = pr->res[i].reply;
		struct tsn_node_report *nr;
		const char *te;

		if (v) {
			te = tsn_jv_getstr(v, "trace_error");
			if (!te)
				continue;
			nr = tsn_report_node(r, pr->res[i].name);
			ret = nr ? tsn_node_check(nr, "probe.trace", TSN_ST_WARN,
						  "run tsnet as root on the node",
						  "%s: drops cannot be named", te) :
				   -ENOMEM;
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
static enum tsn_cloud which_cloud(const struct probe_run *pr)
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

static int report(struct tsn_ctx *ctx, struct probe_run *pr,
		  const struct probe_opts *o)
{
	struct tsn_report r;
	int ret, rc = TSN_EXIT_RUNTIME;

	tsn_report_init(&r, "probe");
	ret = node_notes(&r, pr);
	if (!ret)
		ret = tsn_probe_merge(&r, pr->res, pr->n, o->from, o->to);
	if (!ret)
		ret = tsn_probe_problems(&r, tsn_probe_esp_filtered(&r) ?
					 tsn_cloud_advice(which_cloud(pr)) :
					 tsn_cloud_advice(pr->inv->cluster.cloud));
	if (ret < 0)
		goto out;
	ret = tsn_report_print(&r, ctx->json, ctx->tty);
	if (ret == 0)
		rc = tsn_report_exit_code(&r);
out:
	if (ret < 0)
		tsn_err(ctx->cmd, "%s", strerror(-ret));
	tsn_report_free(&r);
	return rc;
}

static int alloc_run(struct probe_run *pr, size_t n)
{
	pr->n = n;
	pr->nodes = calloc(n, sizeof(*pr->nodes));
	pr->res = calloc(n, sizeof(*pr->res));
	pr->jobs = calloc(n, sizeof(*pr->jobs));
	pr->req = calloc(n, sizeof(*pr->req));
	pr->replies = calloc(n, sizeof(*pr->replies));
	pr->why = calloc(n, sizeof(*pr->why));
	return pr->nodes && pr->res && pr->jobs && pr->req && pr->replies &&
	       pr->why ? 0 : -ENOMEM;
}

static void free_run(struct probe_run *pr)
{
	for (size_t i = 0; i < pr->n; i++) {
		if (pr->jobs)
			tsn_job_free(&pr->jobs[i]);
		if (pr->req) {
			tsn_buf_wipe(&pr->req[i]);
			tsn_buf_free(&pr->req[i]);
		}
		if (pr->replies)
			tsn_jv_free(&pr->replies[i]);
		if (pr->why)
			free(pr->why[i]);
	}
	free(pr->nodes);
	free(pr->res);
	free(pr->jobs);
	free(pr->req);
	free(pr->replies);
	free(pr->why);
}

/* Give every node the same start, far enough ahead that the slowest to
 * start (a transport spawning 32 processes on 2 cores) is ready. */
static int start_all(struct probe_run *pr, const struct probe_opts *o,
		     bool err_tty)
{
	static const char *const args[] = { "agent", "probe-window", NULL };
	struct tsn_run_opts ro = { .done = job_done, .done_arg = pr };
	struct tsn_esp_run run;
	double margin = 0.4 + 0.06 * (double)pr->n, start;
	uint32_t tag;
	int ret;

	ret = tsn_esp_run_new(&run);
	if (!ret)
		ret = tsn_random_bytes(&tag, sizeof(tag));
	if (ret < 0)
		return ret;
	if (pr->inv->cluster.transport == TSN_TRANSPORT_SSH)
		margin += 2.0;
	start = wall() + margin;
	for (size_t i = 0; i < pr->n && !ret; i++) {
		ret = build_request(pr, i, &run, tag, start, o->window);
		pr->jobs[i].node = pr->nodes[i];
		pr->jobs[i].argv = args;
		pr->jobs[i].input = pr->req[i].p;
		pr->jobs[i].input_len = pr->req[i].len;
	}
	tsn_memzero(&run, sizeof(run));
	if (ret < 0)
		return ret;
	ro.timeout = (unsigned)margin + o->window + 30;
	ro.concurrency = (unsigned)pr->n;	/* all at once, or no mesh */
	tsn_progress_begin(&pr->progress, err_tty);
	ret = tsn_run(pr->inv, pr->jobs, pr->n, &ro);
	tsn_progress_end(&pr->progress);
	for (size_t i = 0; ret == 0 && i < pr->n; i++)
		collect(pr, i);
	return ret;
}

static int run_probe(struct tsn_ctx *ctx, const struct tsn_inventory *inv,
		     const struct probe_opts *o)
{
	struct probe_run pr = { .inv = inv };
	size_t n = o->from ? 2 : inv->n_nodes;
	int ret, rc = TSN_EXIT_RUNTIME;

	ret = alloc_run(&pr, n);
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
	ret = start_all(&pr, o, ctx->err_tty);
	if (ret == 0)
		rc = report(ctx, &pr, o);
out:
	if (ret < 0)
		tsn_err(ctx->cmd, "%s", strerror(-ret));
	free_run(&pr);
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
	struct probe_opts o = { .window = WINDOW_DEFAULT };
	struct tsn_inventory inv;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'h':
			return tsn_usage(ctx, synopsis, false);
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
				return tsn_usage(ctx, synopsis, true);
		}
	}
	if (optind < argc) {
		tsn_err(ctx->cmd, "unexpected argument '%s'", argv[optind]);
		return TSN_EXIT_USAGE;
	}
	if (!o.from != !o.to || (o.from && !strcmp(o.from, o.to))) {
		tsn_err(ctx->cmd, "--from and --to go together and name two "
			"different nodes");
		return TSN_EXIT_USAGE;
	}
	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	if (inv.n_nodes < 2) {
		tsn_err(ctx->cmd, "%s: probing needs at least two nodes",
			inv.path);
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
