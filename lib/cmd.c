/* cmd.c - global options shared by every command, and usage printing. */
#include <stdio.h>

#include "cmd.h"
#include "inventory.h"
#include "util.h"

int tsn_global_opt(struct tsn_ctx *ctx, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		ctx->config = arg;
		return 0;
	case TSN_OPT_JSON:
		ctx->json = true;
		return 0;
	case TSN_OPT_WAIT:
		if (tsn_parse_uint(arg, 0, 86400, &ctx->wait) == 0)
			return 0;
		tsn_err(ctx->cmd, "--wait '%s': a number of seconds from 0 "
			"to 86400", arg);
		return -1;
	case 'q':
		tsn_quiet = true;
		return 0;
	case 'v':
		tsn_verbose++;
		return 0;
	default:
		return -1;
	}
}

int tsn_usage(const struct tsn_ctx *ctx, const char *synopsis, bool error)
{
	FILE *f = error ? stderr : stdout;

	fprintf(f, "usage: tsnet %s %s\n", ctx->cmd ? ctx->cmd : "", synopsis);
	fprintf(f, "global options: -c FILE, --json, -q, -v, --wait SECONDS "
		"(see 'man tsnet-%s')\n", ctx->cmd ? ctx->cmd : "");
	return error ? TSN_EXIT_USAGE : TSN_EXIT_OK;
}

int tsn_ctx_inventory(const struct tsn_ctx *ctx, struct tsn_inventory *inv)
{
	struct tsn_inv_diag diag = { .warn = tsn_inventory_warn_stderr,
				     .warn_arg = (void *)ctx->cmd };

	if (tsn_inventory_load(ctx->config, inv, &diag) < 0) {
		tsn_err(ctx->cmd, "%s", diag.error);
		return -1;
	}
	return 0;
}
