/* report_cmd.c - `tsnet report -o FILE.tar.gz`: one bundle for a support
 * escalation.
 *
 * The cluster-wide parts are the commands themselves, run as `tsnet -q
 * --json CMD` with the same inventory: their *_main functions print
 * rather than return a report, a child keeps a crash or a hang of one
 * part out of the others, and the bundle then holds exactly what a user
 * running the command would have seen.  They run one after another,
 * since preflight and probe both send probes.
 * The node-local parts come from `tsnet agent report-collect` on every
 * node at once, through the inventory's transport.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "lib/inventory.h"
#include "lib/output.h"
#include "lib/transport.h"
#include "report/report_int.h"

static const char synopsis[] = "-o FILE.tar.gz [--log-lines N]";

#define CMD_TIMEOUT 300		/* seconds per cluster-wide command */
#define VERIFY_SECONDS "5"	/* a short verify: a glance, not a study */

struct rep {
	struct tsn_ctx *ctx;
	struct tsn_inventory inv;
	struct rw w;
	struct tsn_bundle b;
	struct tsn_jv *collect;
	const char *missing[64];
	struct tsn_buf index;	/* index.txt: every part and its fate */
	struct tsn_progress progress;
	unsigned log_lines;
};

static void missing(struct rep *r, const char *what)
{
	r->b.missing = r->missing;	/* the HTML page lists them too */
	if (r->b.nmissing < ARRAY_SIZE(r->missing))
		r->missing[r->b.nmissing++] = what;
}

/* `tsnet CMD --help` exits 0 when this tsnet has CMD, and its usage
 * names OPTION: how the bundle picks up verify's live capture once it
 * exists (verify --read came first), without a build-time switch. */
static bool have_cmd(const char *cmd, const char *option)
{
	char *argv[] = { (char *)tsn_self_exe(), (char *)cmd,
			 (char *)"--help", NULL };
	char **argvs[] = { argv };
	struct tsn_job job = { 0 };
	bool ok;

	ok = !tsn_run_argv(&job, argvs, 1, 1, 10, NULL) &&
	     job.state == TSN_JOB_DONE && job.exit_status == 0 &&
	     job.out.p && strstr(job.out.p, option);
	tsn_job_free(&job);
	return ok;
}

/* Run `tsnet -q -c INV --json CMD [ARG...]`, keep its JSON (exit 0 or 1
 * means it reported) and its stderr; note it in the index. */
static int run_part(struct rep *r, const char *cmd, const char *const *args,
		    struct tsn_jv *v)
{
	char *argv[16] = { (char *)tsn_self_exe(), (char *)"-q", (char *)"-c",
			   (char *)r->ctx->config, (char *)"--json",
			   (char *)cmd };
	char **argvs[] = { argv };
	struct tsn_job job = { 0 };
	char err[160], rel[64];
	size_t k = 6;
	int ret;

	for (; args && *args && k < ARRAY_SIZE(argv) - 1; args++)
		argv[k++] = (char *)*args;
	tsn_progress(&r->progress, "report: running %s", cmd);
	ret = tsn_run_argv(&job, argvs, 1, 1, CMD_TIMEOUT, NULL);
	if (ret)
		goto out;
	if (job.state != TSN_JOB_DONE || job.exit_status > 1 ||
	    tsn_json_parse(job.out.p ? job.out.p : "", job.out.len, v, err,
			   sizeof(err)) < 0) {
		size_t n = job.err.p ? strcspn(job.err.p, "\n") : 0;

		tsn_jv_free(v);
		memset(v, 0, sizeof(*v));
		missing(r, cmd);
		/* without a line on stderr, the transport's reason (a
		 * precision of 0 would print nothing at all) */
		if (n)
			ret = tsn_buf_printf(&r->index, "%-24s MISSING: %.*s\n",
					     cmd, (int)n, job.err.p);
		else
			ret = tsn_buf_printf(&r->index, "%-24s MISSING: %s\n",
					     cmd, tsn_job_reason(&job, err,
								 sizeof(err)));
	} else {
		snprintf(rel, sizeof(rel), "%s.json", cmd);
		ret = rw_json(&r->w, rel, v);
		if (!ret)
			ret = tsn_buf_printf(&r->index, "%-24s tsnet --json %s "
					     "(exit %d)\n", rel, cmd,
					     job.exit_status);
	}
	if (!ret && job.err.p && job.err.len) {
		snprintf(rel, sizeof(rel), "%s.stderr.txt", cmd);
		ret = rw_file(&r->w, rel, job.err.p);
	}
out:
	tsn_job_free(&job);
	return ret;
}

static int run_parts(struct rep *r)
{
	char caps[4400];
	/* verify --write DIR keeps each node's capture as pcapng: the
	 * captures of the bundle, straight into it. */
	const char *verify_args[] = { "--duration", VERIFY_SECONDS,
				      "--write", caps, NULL };
	int ret;

	if ((ret = run_part(r, "preflight", NULL, &r->b.preflight)) ||
	    (ret = run_part(r, "probe", NULL, &r->b.probe)) ||
	    (ret = run_part(r, "status", NULL, &r->b.status)))
		return ret;
	snprintf(caps, sizeof(caps), "%s/%s/captures", r->w.stage, r->w.top);
	if (have_cmd("verify", "--duration"))
		return run_part(r, "verify", verify_args, &r->b.verify);
	r->b.verify_note = "this tsnet's verify reads capture files only "
			   "(no live capture yet): no capture was taken";
	return tsn_buf_printf(&r->index, "%-24s skipped: %s\n", "verify",
			      r->b.verify_note);
}

/* nodes/NAME/...: what the agent returned, one file per part. */
static int node_files(struct rep *r, const char *name, const struct tsn_jv *v)
{
	static const char *const parts[][2] = {
		{ "nft_ruleset", "nft-ruleset.txt" },
		{ "xfrm_state", "xfrm-state.txt" },
		{ "xfrm_policy", "xfrm-policy.txt" },
		{ "charon_log", "charon.log" },
	};
	const struct tsn_jv *conf = tsn_jv_get(v, "config");
	char rel[600];
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(parts) && !ret; i++) {
		const char *t = tsn_jv_getstr(v, parts[i][0]);

		snprintf(rel, sizeof(rel), "nodes/%s/%s", name, parts[i][1]);
		ret = rw_file(&r->w, rel, t ? t : "(not available on this "
			      "node)\n");
	}
	for (size_t i = 0; conf && conf->type == TSN_JARR && i < conf->n &&
	     !ret; i++) {
		const char *p = tsn_jv_getstr(&conf->items[i], "path");
		const char *t = tsn_jv_getstr(&conf->items[i], "text");

		/* a path from another machine: only /etc/..., no "..". */
		if (!p || !t || strncmp(p, "/etc/", 5) || strstr(p, ".."))
			continue;
		snprintf(rel, sizeof(rel), "nodes/%s/config%s", name, p);
		ret = rw_file(&r->w, rel, t);
	}
	snprintf(rel, sizeof(rel), "nodes/%s/node.json", name);
	return ret ? ret : rw_json(&r->w, rel, v);
}

static int collect_nodes(struct rep *r)
{
	char lines[16], err[160];
	const char *args[] = { "agent", "report-collect", "--log-lines",
			       lines, NULL };
	struct tsn_job *jobs;
	const char **names;
	int ret;

	snprintf(lines, sizeof(lines), "%u", r->log_lines);
	jobs = calloc(r->inv.n_nodes, sizeof(*jobs));
	names = calloc(r->inv.n_nodes, sizeof(*names));
	r->collect = calloc(r->inv.n_nodes, sizeof(*r->collect));
	r->b.nodes = names;
	if (!jobs || !names || !r->collect) {
		free(jobs);
		return -ENOMEM;
	}
	r->b.nnodes = r->inv.n_nodes;
	r->b.collect = r->collect;
	for (size_t i = 0; i < r->inv.n_nodes; i++) {
		jobs[i].node = &r->inv.nodes[i];
		jobs[i].argv = args;
		names[i] = r->inv.nodes[i].name;
	}
	tsn_progress(&r->progress, "report: collecting from %zu nodes",
		     r->inv.n_nodes);
	ret = tsn_run(&r->inv, jobs, r->inv.n_nodes, NULL);
	for (size_t i = 0; i < r->inv.n_nodes && !ret; i++) {
		struct tsn_job *jb = &jobs[i];

		if (jb->state == TSN_JOB_DONE && jb->exit_status == 0 &&
		    tsn_json_parse(jb->out.p ? jb->out.p : "", jb->out.len,
				   &r->collect[i], err, sizeof(err)) == 0) {
			ret = node_files(r, names[i], &r->collect[i]);
			if (!ret)
				ret = tsn_buf_printf(&r->index, "nodes/%-18s "
					"versions, configuration (redacted), "
					"nftables, xfrm (no keys), charon log\n",
					names[i]);
			continue;
		}
		tsn_jv_free(&r->collect[i]);
		memset(&r->collect[i], 0, sizeof(r->collect[i]));
		missing(r, names[i]);
		ret = tsn_buf_printf(&r->index, "nodes/%-18s MISSING: %s\n",
				     names[i], jb->state == TSN_JOB_DONE &&
				     jb->err.p ? jb->err.p :
				     tsn_job_reason(jb, err, sizeof(err)));
	}
	for (size_t i = 0; i < r->inv.n_nodes; i++)
		tsn_job_free(&jobs[i]);
	free(jobs);
	return ret;
}

static int bundle_name(struct rep *r, char *top, size_t len)
{
	static char created[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	r->b.created = created;
	r->b.cluster = r->inv.cluster.name ? r->inv.cluster.name : "cluster";
	strftime(top + snprintf(top, len, "tsnet-report-%s-", r->b.cluster),
		 32, "%Y%m%dT%H%M%SZ", &tm);
	return 0;
}

static int write_bundle(struct rep *r, char *err, size_t errlen)
{
	struct tsn_buf html = { 0 }, inv = { 0 };
	char *text = NULL;
	size_t len;
	int ret;

	ret = tsn_read_file(r->inv.path, 1u << 20, &text, &len);
	if (!ret)
		ret = tsn_redact_conf(text, &inv);
	if (!ret)
		ret = rw_file(&r->w, "inventory.conf", inv.p);
	if (!ret)
		ret = tsn_buf_printf(&r->index, "%-24s the inventory (%s)\n",
				     "inventory.conf", r->inv.path);
	if (!ret)
		ret = run_parts(r);
	if (!ret)
		ret = collect_nodes(r);
	if (!ret)
		ret = tsn_report_html(&r->b, &html);
	if (!ret)
		ret = rw_file(&r->w, "index.html", html.p);
	if (!ret)
		ret = rw_file(&r->w, "index.txt", r->index.p);
	tsn_progress(&r->progress, "report: writing %s", r->w.out);
	if (!ret)
		ret = rw_finish(&r->w, err, errlen);
	free(text);
	tsn_buf_free(&inv);
	tsn_buf_free(&html);
	return ret;
}

static int parse_args(struct rep *r, int argc, char **argv, const char **out)
{
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "log-lines", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "o:" TSN_GLOBAL_SHORTOPTS,
				  longopts, NULL)) != -1) {
		if (opt == 'h')
			return tsn_usage(r->ctx, synopsis) + 100;
		if (opt == 'o') {
			*out = optarg;
		} else if (opt == 'L') {
			if (tsn_parse_uint(optarg, 1, 100000, &r->log_lines)) {
				tsn_err("report", "--log-lines: '%s' is not "
					"1..100000", optarg);
				return TSN_EXIT_USAGE;
			}
		} else if (tsn_global_opt(r->ctx, opt, optarg) < 0) {
			return tsn_opt_error(r->ctx->cmd, argv, opt);
		}
	}
	if (optind < argc)
		return tsn_usage_error(r->ctx->cmd, "unexpected argument '%s'",
				       argv[optind]);
	if (!*out || !**out)
		return tsn_usage_error(r->ctx->cmd, "-o FILE.tar.gz is "
				       "required");
	return 0;
}

static int print_result(struct rep *r)
{
	if (r->ctx->json) {
		struct tsn_buf b = { 0 };
		struct tsn_json j;

		tsn_json_init(&j, &b, true);
		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "bundle", r->w.out);
		tsn_json_kuint(&j, "files", r->w.nfiles);
		tsn_json_key(&j, "missing");
		tsn_json_arr_begin(&j);
		for (size_t i = 0; i < r->b.nmissing; i++)
			tsn_json_str(&j, r->missing[i]);
		tsn_json_arr_end(&j);
		/* every --json object carries the exit status (tsnet(8)) */
		tsn_json_kint(&j, "exit", r->b.nmissing ? TSN_EXIT_PROBLEM :
			      TSN_EXIT_OK);
		tsn_json_obj_end(&j);
		if (!tsn_json_finish(&j)) {
			printf("%s\n", b.p);
			tsn_result_printed();
		}
		tsn_buf_free(&b);
	} else {
		printf("report: %s: %u files, %zu nodes%s\n", r->w.out,
		       r->w.nfiles, r->inv.n_nodes,
		       r->b.nmissing ? "; some parts missing:" : "");
		for (size_t i = 0; i < r->b.nmissing; i++)
			printf("  missing: %s\n", r->missing[i]);
	}
	return r->b.nmissing ? TSN_EXIT_PROBLEM : TSN_EXIT_OK;
}

int report_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct rep r = { .ctx = ctx, .log_lines = 200 };
	const char *out = NULL;
	char top[256], err[512] = "";
	int ret;

	ret = parse_args(&r, argc, argv, &out);
	if (ret)
		return ret >= 100 ? ret - 100 : ret;
	if (tsn_ctx_inventory(ctx, &r.inv) < 0)
		return TSN_EXIT_USAGE;
	bundle_name(&r, top, sizeof(top));
	ret = rw_begin(&r.w, out, top);
	if (ret) {
		tsn_err("report", "%s: cannot make a staging directory: %s",
			out, strerror(-ret));
		ret = TSN_EXIT_RUNTIME;
		goto out;
	}
	tsn_progress_begin(&r.progress, ctx->err_tty && !tsn_quiet);
	ret = write_bundle(&r, err, sizeof(err));
	tsn_progress_end(&r.progress);
	if (ret) {
		tsn_err("report", "%s", err[0] ? err : strerror(-ret));
		ret = TSN_EXIT_RUNTIME;
	} else {
		ret = print_result(&r);
	}
out:
	rw_cleanup(&r.w);
	tsn_jv_free(&r.b.preflight);
	tsn_jv_free(&r.b.probe);
	tsn_jv_free(&r.b.status);
	tsn_jv_free(&r.b.verify);
	for (size_t i = 0; r.collect && i < r.inv.n_nodes; i++)
		tsn_jv_free(&r.collect[i]);
	free(r.collect);
	free((void *)r.b.nodes);
	tsn_buf_free(&r.index);
	tsn_inventory_free(&r.inv);
	return ret;
}
