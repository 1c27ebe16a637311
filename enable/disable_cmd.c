/* disable_cmd.c - `tsnet disable-ipsec`: undo enable-ipsec on every node.
 *
 * Each node's agent (ipsec-remove) terminates tsnet's SAs, unloads its
 * connections and keys, deletes the files /var/lib/tsnet/ipsec.json
 * records and stops strongSwan only if tsnet started it.  Traffic keeps
 * flowing, in clear.  Running it twice is harmless: a node with nothing
 * of tsnet's says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "enable/rollout.h"
#include "lib/inventory.h"
#include "lib/output.h"
#include "lib/lock.h"
#include "lib/priv.h"

static const char synopsis[] = "[--timeout SECONDS]";

static int report_node(struct tsn_report *r, const struct tsn_node *node,
		       const struct tsn_jv *rep, const char *why)
{
	struct tsn_node_report *n = tsn_report_node(r, node->name);
	const struct tsn_jv *un = tsn_jv_get(rep, "unloaded");
	const char *stopped = tsn_jv_getstr(rep, "stopped");
	bool ok = false;

	if (!n)
		return -ENOMEM;
	if (rep->type != TSN_JOBJ)
		return tsn_node_error(n, true, "%s", why);
	tsn_jv_getbool(rep, "ok", &ok);
	if (!ok)
		return tsn_node_check(n, "ipsec.remove", TSN_ST_FAIL, NULL,
				      "%s", tsn_jv_getstr(rep, "error"));
	return tsn_node_check(n, "ipsec.remove", TSN_ST_OK, NULL,
			      "%zu connections unloaded%s%s%s",
			      un && un->type == TSN_JARR ? un->n : 0,
			      stopped ? ", " : "", stopped ? stopped : "",
			      stopped ? " stopped" : "");
}

static int run_disable(struct tsn_ctx *ctx, struct tsn_inventory *inv,
		       unsigned timeout)
{
	struct tsn_rollout ro = { .ctx = ctx, .inv = inv, .only = -1,
				  .timeout = timeout };
	size_t n = inv->n_nodes;
	struct tsn_jv *rep = calloc(n + 1, sizeof(*rep));
	char (*why)[300] = calloc(n + 1, sizeof(*why));
	struct tsn_report r;
	int ret, rc = TSN_EXIT_RUNTIME;

	tsn_report_init(&r, "disable-ipsec");
	ro.in = calloc(n + 1, sizeof(*ro.in));
	ro.jobs = calloc(n + 1, sizeof(*ro.jobs));
	if (!rep || !why || !ro.in || !ro.jobs) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		ro.in[i] = true;
	tsn_progress_begin(&ro.progress, ctx->err_tty && !tsn_quiet);
	ret = tsn_rollout_run(&ro, "ipsec-remove", NULL, rep, why);
	tsn_progress_end(&ro.progress);
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = report_node(&r, &inv->nodes[i], &rep[i], why[i]);
	if (ret < 0)
		goto out;
	if (ctx->json)
		tsn_report_print_json(&r, stdout);
	else
		tsn_report_print_table(&r, stdout, ctx->tty);
	rc = tsn_report_exit_code(&r);
out:
	if (ret < 0)
		tsn_err(ctx->cmd, "%s", strerror(-ret));
	for (size_t i = 0; rep && i < n; i++)
		tsn_jv_free(&rep[i]);
	free(rep);
	free(why);
	free(ro.in);
	free(ro.jobs);
	tsn_report_free(&r);
	return rc;
}

int disable_ipsec_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	enum { O_TIMEOUT = 0x2000 };
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	struct tsn_inventory inv;
	unsigned timeout = 30;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (opt == 'h')
			return tsn_usage(ctx, synopsis);
		if (opt == O_TIMEOUT) {
			if (tsn_parse_uint(optarg, 1, 3600, &timeout) < 0) {
				tsn_err(ctx->cmd, "--timeout '%s': a number of "
					"seconds from 1 to 3600", optarg);
				return TSN_EXIT_USAGE;
			}
		} else if (tsn_global_opt(ctx, opt, optarg) < 0) {
			return tsn_opt_error(ctx->cmd, argv, opt);
		}
	}
	if (optind < argc)
		return tsn_usage_error(ctx->cmd, "unexpected argument '%s'",
				       argv[optind]);
	if ((rc = tsn_ctx_lock(ctx, NULL, TSN_NEED_NET_ADMIN |
			       TSN_NEED_SWAN_DIRS)))
		return rc;
	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	/* a node left with half its pairs is worse than finishing */
	tsn_run_guard();
	rc = run_disable(ctx, &inv, timeout);
	tsn_run_guard_note(ctx->cmd);
	tsn_inventory_free(&inv);
	return rc;
}
