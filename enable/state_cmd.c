/* state_cmd.c - `tsnet state export FILE` and `tsnet state import FILE`:
 * carry the cluster's IPsec settings through a backup and restore.
 *
 * The export gathers, with `agent ipsec-export` on every node, tsnet's
 * record and every file it names (the secrets too) into one JSON file
 * with the normalised inventory and the plan hash.  That file holds keys:
 * it is written 0600 atomically and never printed; import refuses one
 * that group or others may read.  Import checks the whole file first,
 * then hands each node its own part (`agent ipsec-import`, on stdin),
 * which writes the files back and reloads charon.
 *
 *   {"tsnet_state":1,"cluster":C,"time":T,"plan_hash":H|null,
 *    "inventory":TEXT,"nodes":[{"node":N,"state":REC,"files":[...]}]}
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "enable/status.h"
#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/transport.h"
#include "lib/util.h"
#include "lib/lock.h"
#include "lib/priv.h"

static const char synopsis[] =
	"export [--force] FILE\n"
	"       tsnet state import FILE";

/* A failed job as an exit code: 3 unreachable or broken, 1 when the
 * agent found a problem (a file changed since tsnet wrote it). */
static int job_failed(const struct tsn_ctx *ctx, const struct tsn_job *job)
{
	char why[512];

	if (job->state == TSN_JOB_DONE && job->exit_status == 0)
		return 0;
	tsn_err(ctx->cmd, "%s: %s", job->node->name,
		tsn_job_reason(job, why, sizeof(why)));
	return job->state == TSN_JOB_DONE && job->exit_status == 1 ?
	       TSN_EXIT_PROBLEM : TSN_EXIT_RUNTIME;
}

/* Every node's reply into the export; the plan hash when all agree. */
static int export_body(const struct tsn_inventory *inv, struct tsn_job *jobs,
		       struct tsn_json *j, size_t *n_enabled)
{
	struct tsn_buf text = { 0 };
	const char *plan = NULL;
	bool same = true;
	int ret;

	if ((ret = tsn_inventory_format(inv, &text)) < 0)
		return ret;
	tsn_json_key(j, "nodes");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < inv->n_nodes && ret == 0; i++) {
		struct tsn_jv v = { 0 };
		char err[160];
		const char *h;

		ret = tsn_json_parse(jobs[i].out.p ? jobs[i].out.p : "",
				     jobs[i].out.len, &v, err, sizeof(err));
		if (ret < 0)
			break;
		h = tsn_jv_getstr(tsn_jv_get(&v, "state"), "plan_hash");
		if (h) {
			(*n_enabled)++;
			same = same && (!plan || !strcmp(plan, h));
			plan = plan ? plan : tsn_strdup(h);
		}
		tsn_json_obj_begin(j);
		tsn_json_kstr(j, "node", inv->nodes[i].name);
		tsn_json_key(j, "state");
		tsn_json_jv(j, tsn_jv_get(&v, "state"));
		tsn_json_key(j, "files");
		tsn_json_jv(j, tsn_jv_get(&v, "files"));
		tsn_json_obj_end(j);
		tsn_jv_wipe_free(&v);
	}
	tsn_json_arr_end(j);
	tsn_json_kstr(j, "plan_hash", same ? plan : NULL);
	tsn_json_kstr(j, "inventory", text.p);
	tsn_buf_free(&text);
	free((char *)plan);
	return ret;
}

static int do_export(struct tsn_ctx *ctx, const struct tsn_inventory *inv,
		     const char *file)
{
	static const char *const argv[] = { "agent", "ipsec-export", NULL };
	struct tsn_run_opts opts = { 0 };
	struct tsn_buf b = { 0 };
	struct tsn_job *jobs;
	struct tsn_json j;
	size_t n_enabled = 0;
	int ret, rc = TSN_EXIT_OK;

	jobs = calloc(inv->n_nodes + 1, sizeof(*jobs));
	if (!jobs)
		return -ENOMEM;
	for (size_t i = 0; i < inv->n_nodes; i++) {
		jobs[i].node = &inv->nodes[i];
		jobs[i].argv = argv;
	}
	ret = tsn_run(inv, jobs, inv->n_nodes, &opts);
	for (size_t i = 0; ret == 0 && i < inv->n_nodes; i++) {
		int r = job_failed(ctx, &jobs[i]);

		rc = r > rc ? r : rc;
	}
	if (ret < 0 || rc)
		goto out;
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kint(&j, "tsnet_state", 1);
	tsn_json_kstr(&j, "cluster", inv->cluster.name);
	tsn_json_kint(&j, "time", (long long)time(NULL));
	ret = export_body(inv, jobs, &j, &n_enabled);
	tsn_json_obj_end(&j);
	if (ret == 0)
		ret = tsn_json_finish(&j);
	if (ret == 0 && n_enabled == 0) {
		tsn_err(ctx->cmd, "nothing to export: tsnet has not enabled "
			"IPsec on any node");
		rc = TSN_EXIT_PROBLEM;
	} else if (ret == 0 && tsn_buf_add(&b, "\n", 1) == 0) {
		ret = tsn_write_file_atomic(file, b.p, b.len, 0600);
		if (ret < 0)
			tsn_err(ctx->cmd, "%s: %s", file, strerror(-ret));
		else if (ctx->json)
			printf("{\"command\":\"state\",\"action\":\"export\","
			       "\"exported\":%zu,\"nodes\":%zu,\"exit\":0}\n",
			       n_enabled, inv->n_nodes);
		else
			printf("exported %zu of %zu nodes to %s (mode 0600: "
			       "it holds the pair keys)\n", n_enabled,
			       inv->n_nodes, file);
		rc = ret < 0 ? TSN_EXIT_RUNTIME : TSN_EXIT_OK;
		ret = 0;
	}
	tsn_buf_wipe(&b);
out:
	for (size_t i = 0; i < inv->n_nodes; i++) {
		tsn_buf_wipe(&jobs[i].out);
		tsn_job_free(&jobs[i]);
	}
	free(jobs);
	return ret < 0 ? ret : rc;
}

/* The whole file is checked before any node is touched. */
static int check_backup(const struct tsn_inventory *inv,
			const struct tsn_jv *v, char *err, size_t len)
{
	const struct tsn_jv *nodes = tsn_jv_get(v, "nodes");
	double version = 0;

	if (v->type != TSN_JOBJ || !tsn_jv_getnum(v, "tsnet_state", &version)
	    || version != 1 || !nodes || nodes->type != TSN_JARR) {
		snprintf(err, len, "not a tsnet state export (version 1)");
		return -EINVAL;
	}
	if (!tsn_streq(tsn_jv_getstr(v, "cluster"), inv->cluster.name)) {
		snprintf(err, len, "it is of cluster '%s', the inventory's is "
			 "'%s'", tsn_jv_getstr(v, "cluster") ?
			 tsn_jv_getstr(v, "cluster") : "?", inv->cluster.name);
		return -EINVAL;
	}
	for (size_t i = 0; i < nodes->n; i++) {
		const struct tsn_jv *n = &nodes->items[i];
		const char *name = tsn_jv_getstr(n, "node");
		const struct tsn_jv *st = tsn_jv_get(n, "state");

		if (!name || !tsn_inventory_find(inv, name)) {
			snprintf(err, len, "node %zu ('%s') is not in the "
				 "inventory", i + 1, name ? name : "?");
			return -EINVAL;
		}
		if (st && st->type == TSN_JOBJ &&
		    !tsn_streq(tsn_jv_getstr(st, "node"), name)) {
			snprintf(err, len, "node '%s': its record names "
				 "another node", name);
			return -EINVAL;
		}
	}
	return 0;
}

static int read_backup(struct tsn_ctx *ctx, const char *file,
		       struct tsn_jv *v)
{
	struct stat st;
	char *text = NULL, err[256];
	size_t len = 0;
	int ret;

	if (stat(file, &st) < 0) {
		tsn_err(ctx->cmd, "%s: %s", file, strerror(errno));
		return TSN_EXIT_USAGE;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		tsn_err(ctx->cmd, "%s: mode %04o: group or others may read "
			"it, and it holds keys (chmod 600 %s, and think about "
			"who read it)", file, (unsigned)(st.st_mode & 07777),
			file);
		return TSN_EXIT_USAGE;
	}
	ret = tsn_read_file(file, 64u << 20, &text, &len);
	if (ret < 0) {
		tsn_err(ctx->cmd, "%s: %s", file, strerror(-ret));
		return TSN_EXIT_USAGE;
	}
	ret = tsn_json_parse(text, len, v, err, sizeof(err));
	tsn_memzero(text, len);
	free(text);
	if (ret < 0) {
		tsn_err(ctx->cmd, "%s: %s", file, err);
		return TSN_EXIT_USAGE;
	}
	return 0;
}

/* One node's request for ipsec-import: its record and files. */
static int import_request(const struct tsn_jv *n, struct tsn_buf *b)
{
	struct tsn_json j;

	tsn_json_init(&j, b, false);
	tsn_json_obj_begin(&j);
	tsn_json_key(&j, "state");
	tsn_json_jv(&j, tsn_jv_get(n, "state"));
	tsn_json_key(&j, "files");
	tsn_json_jv(&j, tsn_jv_get(n, "files"));
	tsn_json_obj_end(&j);
	return tsn_json_finish(&j);
}

static int import_report(struct tsn_ctx *ctx, struct tsn_job *jobs, size_t n)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int rc = TSN_EXIT_OK;

	tsn_json_init(&j, &b, true);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "command", "state");
	tsn_json_kstr(&j, "action", "import");
	tsn_json_key(&j, "nodes");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < n; i++) {
		struct tsn_jv v = { 0 };
		const struct tsn_jv *files;
		char err[64];
		bool loaded = false;
		int r = job_failed(ctx, &jobs[i]);

		rc = r > rc ? r : rc;
		if (!r && tsn_json_parse(jobs[i].out.p ? jobs[i].out.p : "",
					 jobs[i].out.len, &v, err,
					 sizeof(err)) == 0)
			tsn_jv_getbool(&v, "loaded", &loaded);
		files = tsn_jv_get(&v, "files");
		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "node", jobs[i].node->name);
		tsn_json_kuint(&j, "restored", files && files->type == TSN_JARR ?
			       files->n : 0);
		tsn_json_kbool(&j, "loaded", loaded);
		tsn_json_obj_end(&j);
		if (!r && !ctx->json)
			printf("%s: restored %zu files; %s\n",
			       jobs[i].node->name, files &&
			       files->type == TSN_JARR ? files->n : 0,
			       loaded ? "loaded into charon" : "not loaded "
			       "into charon (repair: tsnet enable-ipsec "
			       "--node)");
		if (!r && !loaded && rc == TSN_EXIT_OK)
			rc = TSN_EXIT_PROBLEM;
		tsn_jv_free(&v);
	}
	tsn_json_arr_end(&j);
	tsn_json_kint(&j, "exit", rc);
	tsn_json_obj_end(&j);
	if (ctx->json && tsn_json_finish(&j) == 0) {
		printf("%s\n", b.p);
		tsn_result_printed();
	}
	tsn_buf_free(&b);
	return rc;
}

/* The export carries the inventory it was made with; restoring that
 * file is the operator's call, but a difference is worth a word. */
static void warn_inventory(struct tsn_ctx *ctx, const struct tsn_inventory *inv,
			   const struct tsn_jv *v)
{
	const char *then = tsn_jv_getstr(v, "inventory");
	struct tsn_buf now = { 0 };

	if (then && tsn_inventory_format(inv, &now) == 0 &&
	    strcmp(then, now.p))
		tsn_warn(ctx->cmd, "the export was made with another "
			 "inventory than %s (its copy is in the export's "
			 "\"inventory\"); restoring the nodes as exported",
			 ctx->config);
	tsn_buf_free(&now);
}

static int do_import(struct tsn_ctx *ctx, const struct tsn_inventory *inv,
		     const char *file)
{
	static const char *const argv[] = { "agent", "ipsec-import", NULL };
	struct tsn_run_opts opts = { 0 };
	struct tsn_job *jobs = NULL;
	struct tsn_buf *in = NULL;
	const struct tsn_jv *nodes;
	struct tsn_jv v = { 0 };
	char err[256];
	size_t n = 0;
	int ret, rc;

	if ((rc = read_backup(ctx, file, &v)))
		return rc;
	if (check_backup(inv, &v, err, sizeof(err)) < 0) {
		tsn_err(ctx->cmd, "%s: %s", file, err);
		rc = TSN_EXIT_USAGE;
		goto out;
	}
	warn_inventory(ctx, inv, &v);
	nodes = tsn_jv_get(&v, "nodes");
	jobs = calloc(nodes->n + 1, sizeof(*jobs));
	in = calloc(nodes->n + 1, sizeof(*in));
	ret = jobs && in ? 0 : -ENOMEM;
	for (size_t i = 0; ret == 0 && i < nodes->n; i++) {
		const struct tsn_jv *st = tsn_jv_get(&nodes->items[i], "state");

		if (!st || st->type != TSN_JOBJ)
			continue;	/* not enabled when exported */
		jobs[n].node = tsn_inventory_find(inv, tsn_jv_getstr(
						  &nodes->items[i], "node"));
		jobs[n].argv = argv;
		ret = import_request(&nodes->items[i], &in[n]);
		jobs[n].input = in[n].p;
		jobs[n].input_len = in[n].len;
		n++;
	}
	if (ret == 0)
		ret = tsn_run(inv, jobs, n, &opts);
	rc = ret < 0 ? TSN_EXIT_RUNTIME : import_report(ctx, jobs, n);
	if (ret < 0)
		tsn_err(ctx->cmd, "%s", strerror(-ret));
out:
	for (size_t i = 0; i < n; i++) {
		tsn_buf_wipe(&in[i]);
		tsn_job_free(&jobs[i]);
	}
	free(in);
	free(jobs);
	tsn_jv_wipe_free(&v);
	return rc;
}

int state_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	enum { OPT_FORCE = 0x2000 };
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "force", no_argument, NULL, OPT_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	struct tsn_inventory inv;
	bool force = false, export;
	struct stat st;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (opt == 'h')
			return tsn_usage(ctx, synopsis);
		if (opt == OPT_FORCE)
			force = true;
		else if (tsn_global_opt(ctx, opt, optarg) < 0)
			return tsn_opt_error(ctx->cmd, argv, opt);
	}
	if (optind >= argc)
		return tsn_usage_error(ctx->cmd, "missing subcommand (export or "
				       "import)");
	if (strcmp(argv[optind], "export") && strcmp(argv[optind], "import"))
		return tsn_usage_error(ctx->cmd, "unknown subcommand '%s'",
				       argv[optind]);
	if (argc - optind < 2)
		return tsn_usage_error(ctx->cmd, "%s needs a FILE",
				       argv[optind]);
	if (argc - optind > 2)
		return tsn_usage_error(ctx->cmd, "unexpected argument '%s'",
				       argv[optind + 2]);
	export = !strcmp(argv[optind], "export");
	if (export && !force && lstat(argv[optind + 1], &st) == 0) {
		tsn_err(ctx->cmd, "%s exists (--force to overwrite it)",
			argv[optind + 1]);
		return TSN_EXIT_USAGE;
	}
	if (!export && (rc = tsn_ctx_lock(ctx, "state import",
					  TSN_NEED_NET_ADMIN |
					  TSN_NEED_SWAN_DIRS)))
		return rc;
	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	if (export) {
		rc = do_export(ctx, &inv, argv[optind + 1]);
		if (rc < 0) {
			tsn_err(ctx->cmd, "%s", strerror(-rc));
			rc = TSN_EXIT_RUNTIME;
		}
	} else {
		rc = do_import(ctx, &inv, argv[optind + 1]);
	}
	tsn_inventory_free(&inv);
	return rc;
}
