/* preflight_cmd.c - `tsnet preflight`: is the cluster ready for IPsec, and
 * what stops it.
 *
 * Every node runs three agent actions at once through the transport:
 * preflight-host (host checks and its clock), nft-eval (its firewall's
 * verdict on UDP 500, UDP 4500 and ESP from and to every peer) and
 * cloud-detect.  With --fix every node first runs nft-fix (the member
 * addresses on its stdin), so the checks that follow show the result;
 * --unfix runs only nft-unfix.  Then the probe matrix (unless
 * --no-probe).  One report; a node that cannot be reached gets a row
 * saying so and the others complete.
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
#include "lib/lock.h"
#include "lib/priv.h"
#include "preflight/preflight.h"

static const char synopsis[] = "[--fix | --unfix] [--no-probe] [--node NAME]";

struct pf_opts {
	bool fix, unfix, no_probe;
	const char *node;
};

/* What one round of agent jobs needs kept alive while it runs. */
struct pf_round {
	struct tsn_job *jobs;
	char ***argv;		/* per job, NULL-terminated, owned strings */
	struct tsn_buf req;	/* the fix request, shared by every job */
	double *end;
	size_t n;
	const char *what;	/* the progress line's phase */
	struct tsn_progress progress;
};

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void job_done(void *arg, const struct tsn_job *job, size_t ndone,
		     size_t total)
{
	struct pf_round *pr = arg;

	(void)ndone;
	(void)total;
	pr->end[job - pr->jobs] = wall();
}

static void round_free(struct pf_round *pr)
{
	for (size_t i = 0; pr->argv && i < pr->n; i++) {
		for (char **p = pr->argv[i]; p && *p; p++)
			free(*p);
		free(pr->argv[i]);
		tsn_job_free(&pr->jobs[i]);
	}
	free(pr->argv);
	free(pr->jobs);
	free(pr->end);
	tsn_buf_free(&pr->req);
	memset(pr, 0, sizeof(*pr));
}

static int round_alloc(struct pf_round *pr, size_t n)
{
	pr->n = n;
	pr->jobs = calloc(n + 1, sizeof(*pr->jobs));
	pr->argv = calloc(n + 1, sizeof(*pr->argv));
	pr->end = calloc(n + 1, sizeof(*pr->end));
	return pr->jobs && pr->argv && pr->end ? 0 : -ENOMEM;
}

/* argv from a NULL-terminated list plus extra strings (copied). */
static char **make_argv(const char *const *fixed, const char *const *extra,
			size_t n_extra)
{
	size_t n = 0, k = 0;
	char **v;

	while (fixed[n])
		n++;
	v = calloc(n + n_extra + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (fixed[i][0] && !(v[k++] = strdup(fixed[i])))
			goto fail;
	for (size_t i = 0; i < n_extra; i++)
		if (!(v[k++] = strdup(extra[i])))
			goto fail;
	return v;
fail:
	for (size_t i = 0; i < k; i++)
		free(v[i]);
	free(v);
	return NULL;
}

#define PEER_ARG 128	/* "NAME=ADDRESS" */

/* One peer address as an argument: "ADDRESS", or named "NAME=ADDRESS". */
static const char *peer_arg(const struct tsn_node *p, const struct tsn_addr *a,
			    bool named, char *buf)
{
	char s[46];

	snprintf(buf, PEER_ARG, "%s%s%s", named ? p->name : "", named ? "=" :
		 "", tsn_addr_str(a, s, sizeof(s)));
	return buf;
}

/* The addresses of every node but self, as nft-eval's PEER list (named,
 * preflight-host's NAME=ADDR list). */
static int peer_list(const struct tsn_inventory *inv,
		     const struct tsn_node *self, char (*buf)[PEER_ARG],
		     const char **out, size_t *n, bool named)
{
	*n = 0;
	for (size_t i = 0; i < inv->n_nodes; i++) {
		const struct tsn_node *p = &inv->nodes[i];

		if (p == self)
			continue;
		out[*n] = peer_arg(p, &p->addr, named, buf[*n]);
		(*n)++;
		if (p->addr6.family) {
			out[*n] = peer_arg(p, &p->addr6, named, buf[*n]);
			(*n)++;
		}
	}
	return 0;
}

static char **check_argv(const struct tsn_inventory *inv,
			 const struct tsn_node *node, int kind)
{
	const char *ifn = tsn_node_interface(inv, node);
	char mtu[16], self[46], (*buf)[PEER_ARG] = NULL;
	const char **peers = NULL;
	char **v = NULL;
	size_t n;

	snprintf(mtu, sizeof(mtu), "%u", inv->cluster.payload_mtu);
	tsn_addr_str(&node->addr, self, sizeof(self));
	if (kind == TSN_PF_CLOUD) {
		const char *a[] = { "agent", "cloud-detect", NULL };
		return make_argv(a, NULL, 0);
	}
	buf = calloc(inv->n_nodes * 2 + 1, sizeof(*buf));
	peers = calloc(inv->n_nodes * 2 + 1, sizeof(*peers));
	if (!buf || !peers || peer_list(inv, node, buf, peers, &n,
					kind == TSN_PF_HOST) < 0) {
		v = NULL;
	} else if (kind == TSN_PF_HOST) {
		/* the routes to the peers find the interface and source
		 * address where the inventory names no interface */
		const char *a[] = { "agent", "preflight-host", ifn ?
				    "--interface" : "", ifn ? ifn : "",
				    "--payload-mtu", mtu, "--address", self,
				    "--", NULL };
		v = make_argv(a, peers, n);
	} else {
		const char *a[] = { "agent", "nft-eval", "--rule-text",
				    "--extra",
				    ifn ? "--iface" : "", ifn ? ifn : "", "--",
				    NULL };
		v = make_argv(a, peers, n);
	}
	free(buf);
	free(peers);
	return v;
}

static int fix_request(const struct tsn_inventory *inv, struct tsn_buf *b)
{
	struct tsn_json j;
	char a[46];

	tsn_json_init(&j, b, false);
	tsn_json_obj_begin(&j);
	tsn_json_key(&j, "members");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < inv->n_nodes; i++) {
		tsn_json_str(&j, tsn_addr_str(&inv->nodes[i].addr, a,
					      sizeof(a)));
		if (inv->nodes[i].addr6.family)
			tsn_json_str(&j, tsn_addr_str(&inv->nodes[i].addr6, a,
						      sizeof(a)));
	}
	tsn_json_arr_end(&j);
	tsn_json_obj_end(&j);
	return tsn_json_finish(&j);
}

static int run_round(const struct tsn_inventory *inv, struct pf_round *pr,
		     bool err_tty)
{
	struct tsn_run_opts ro = { .done = job_done, .done_arg = pr,
				   .progress = &pr->progress,
				   .what = pr->what };
	int ret;

	tsn_progress_begin(&pr->progress, err_tty);
	ret = tsn_run(inv, pr->jobs, pr->n, &ro);
	tsn_progress_end(&pr->progress);
	return ret;
}

/* nft-fix or nft-unfix on each selected node; rows into r. */
static int fix_round(const struct tsn_inventory *inv,
		     const struct tsn_node **nodes, size_t n, bool unfix,
		     struct tsn_report *r, bool err_tty)
{
	const char *a[] = { "agent", unfix ? "nft-unfix" : "nft-fix", NULL };
	struct pf_round pr = { 0 };
	int ret = round_alloc(&pr, n);

	pr.what = unfix ? "preflight: unfixing" : "preflight: fixing";
	if (!ret && !unfix)
		ret = fix_request(inv, &pr.req);
	for (size_t i = 0; i < n && !ret; i++) {
		pr.argv[i] = make_argv(a, NULL, 0);
		if (!pr.argv[i])
			ret = -ENOMEM;
		pr.jobs[i].node = nodes[i];
		pr.jobs[i].argv = (const char *const *)pr.argv[i];
		pr.jobs[i].input = pr.req.p;
		pr.jobs[i].input_len = pr.req.len;
	}
	if (!ret)
		ret = run_round(inv, &pr, err_tty);
	for (size_t i = 0; i < n && !ret; i++)
		ret = tsn_pf_merge_fix(r, nodes[i], &pr.jobs[i], unfix);
	round_free(&pr);
	return ret;
}

/* The agent jobs of each node.  A cluster of one node has no peer for
 * nft-eval to judge flows with: its row says so instead. */
static const int kinds_all[] = { TSN_PF_HOST, TSN_PF_NFT, TSN_PF_CLOUD };
static const int kinds_alone[] = { TSN_PF_HOST, TSN_PF_CLOUD };

static int check_round(const struct tsn_inventory *inv,
		       const struct tsn_node **nodes, size_t n,
		       struct tsn_report *r, struct tsn_pf_diag *pd,
		       bool err_tty)
{
	bool alone = inv->n_nodes < 2;
	const int *kinds = alone ? kinds_alone : kinds_all;
	size_t nk = alone ? ARRAY_SIZE(kinds_alone) : ARRAY_SIZE(kinds_all);
	struct pf_round pr = { 0 };
	int ret = round_alloc(&pr, n * nk);

	pr.what = "preflight";
	for (size_t i = 0; i < n * nk && !ret; i++) {
		const struct tsn_node *node = nodes[i / nk];

		pr.argv[i] = check_argv(inv, node, kinds[i % nk]);
		if (!pr.argv[i])
			ret = -ENOMEM;
		pr.jobs[i].node = node;
		pr.jobs[i].argv = (const char *const *)pr.argv[i];
	}
	if (!ret)
		ret = run_round(inv, &pr, err_tty);
	for (size_t i = 0; i < n && !ret; i++) {
		struct tsn_pf_done d[TSN_PF_JOBS] = { { 0 } };

		for (size_t k = 0; k < nk; k++) {
			d[kinds[k]].job = &pr.jobs[i * nk + k];
			d[kinds[k]].end = pr.end[i * nk + k];
		}
		ret = tsn_pf_merge_node(r, inv, nodes[i], d, pd);
	}
	round_free(&pr);
	return ret;
}

static int print_report(struct tsn_ctx *ctx, struct tsn_report *r)
{
	int rc = tsn_report_exit_code(r);

	if (ctx->json) {
		if (tsn_report_print_json(r, stdout) < 0)
			return TSN_EXIT_RUNTIME;
	} else if (tsn_verbose) {
		tsn_report_print_table(r, stdout, ctx->tty);
	} else {
		tsn_report_print_summary(r, stdout, ctx->tty);
	}
	/* the privilege message goes to stderr too, in the one format */
	for (size_t i = 0; i < r->n_nodes; i++)
		if (r->nodes[i].error && strstr(r->nodes[i].error,
						"CAP_NET_ADMIN"))
			tsn_err(ctx->cmd, "%s: %s", r->nodes[i].node,
				r->nodes[i].error);
	return rc;
}

static int run_preflight(struct tsn_ctx *ctx, const struct tsn_inventory *inv,
			 const struct pf_opts *o)
{
	const struct tsn_node **nodes = calloc(inv->n_nodes + 1,
					       sizeof(*nodes));
	struct tsn_pf_diag pd = { .cloud = TSN_CLOUD_NONE };
	struct tsn_report r;
	size_t n = 0;
	int ret = -ENOMEM, rc = TSN_EXIT_RUNTIME;

	tsn_report_init(&r, "preflight");
	if (!nodes || tsn_diag_net_init(&pd.net, inv, false) < 0)
		goto out;
	for (size_t i = 0; i < inv->n_nodes; i++)
		if (!o->node || !strcmp(o->node, inv->nodes[i].name))
			nodes[n++] = &inv->nodes[i];
	ret = 0;
	/* one node: no member to open IPsec to (--unfix still removes
	 * what an earlier --fix left) */
	for (size_t i = 0; o->fix && inv->n_nodes < 2 && i < n && !ret; i++)
		ret = tsn_pf_merge_alone(&r, nodes[i], true);
	if ((o->fix && inv->n_nodes > 1) || o->unfix)
		ret = fix_round(inv, nodes, n, o->unfix, &r, ctx->err_tty);
	if (!ret && !o->unfix)
		ret = check_round(inv, nodes, n, &r, &pd, ctx->err_tty);
	/* The packets themselves: every pair, so not with --node. */
	if (!ret && !o->unfix && !o->no_probe && !o->node && n > 1)
		ret = tsn_pf_probe(&r, inv, ctx->err_tty, &pd.probe_start);
	if (!ret)
		ret = tsn_pf_problems(&r, inv, &pd);
	if (!ret)
		rc = print_report(ctx, &r);
out:
	if (ret < 0)
		tsn_err(ctx->cmd, "%s", strerror(-ret));
	tsn_diag_set_free(&pd.drops);
	tsn_diag_net_free(&pd.net);
	free(pd.faults);
	free(pd.connmark);
	tsn_report_free(&r);
	free(nodes);
	return rc;
}

static int parse_opts(int argc, char **argv, struct tsn_ctx *ctx,
		      struct pf_opts *o)
{
	enum { OPT_FIX = 0x2000, OPT_UNFIX, OPT_NO_PROBE, OPT_NODE };
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "fix", no_argument, NULL, OPT_FIX },
		{ "unfix", no_argument, NULL, OPT_UNFIX },
		{ "no-probe", no_argument, NULL, OPT_NO_PROBE },
		{ "node", required_argument, NULL, OPT_NODE },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'h': return tsn_usage(ctx, synopsis) + 100;
		case OPT_FIX: o->fix = true; break;
		case OPT_UNFIX: o->unfix = true; break;
		case OPT_NO_PROBE: o->no_probe = true; break;
		case OPT_NODE: o->node = optarg; break;
		default:
			if (tsn_global_opt(ctx, opt, optarg) < 0)
				return tsn_opt_error(ctx->cmd, argv, opt) + 100;
		}
	}
	if (optind < argc)
		return tsn_usage_error(ctx->cmd, "unexpected argument '%s'",
				       argv[optind]) + 100;
	if (o->fix && o->unfix)
		return tsn_usage_error(ctx->cmd, "--fix and --unfix cannot go "
				       "together") + 100;
	return 0;
}

int preflight_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct pf_opts o = { 0 };
	struct tsn_inventory inv;
	int rc;

	rc = parse_opts(argc, argv, ctx, &o);
	if (rc)
		return rc - 100;
	if ((o.fix || o.unfix) &&
	    (rc = tsn_ctx_lock(ctx, o.fix ? "preflight --fix" :
			       "preflight --unfix", TSN_NEED_NET_ADMIN |
			       (o.fix && !o.no_probe ? TSN_NEED_NET_RAW : 0))))
		return rc;
	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	if (o.node && !tsn_inventory_find(&inv, o.node)) {
		tsn_err(ctx->cmd, "%s: --node: no node '%s' in the inventory",
			inv.path, o.node);
		rc = TSN_EXIT_USAGE;
	} else {
		rc = run_preflight(ctx, &inv, &o);
	}
	tsn_inventory_free(&inv);
	return rc;
}
