/* cmd.c - what every command shares: the global options, --help, the
 * one-line usage errors, the inventory's loading and the JSON error
 * object a failed --json run ends with. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "inventory.h"
#include "json.h"
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
		/* said here: tsn_opt_error() knows only getopt's refusals */
		tsn_usage_error(ctx->cmd, "--wait '%s': a number of seconds "
				"from 0 to 86400", arg);
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

int tsn_usage(const struct tsn_ctx *ctx, const char *synopsis)
{
	printf("usage: tsnet %s %s\n", ctx->cmd ? ctx->cmd : "", synopsis);
	printf("global options: -c FILE, --json, -q, -v, --wait SECONDS "
	       "(see 'man tsnet-%s')\n", ctx->cmd ? ctx->cmd : "");
	return TSN_EXIT_OK;
}

int tsn_usage_error(const char *cmd, const char *fmt, ...)
{
	struct tsn_buf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	tsn_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	tsn_err(cmd, "%s; see 'tsnet %s%s--help'", b.p ? b.p : "",
		cmd ? cmd : "", cmd ? " " : "");
	tsn_buf_free(&b);
	return TSN_EXIT_USAGE;
}

/* "--name" of "--name=value", or "-x" for a short option. */
static void opt_name(char *buf, size_t len, const char *arg, int c)
{
	if (arg && !strncmp(arg, "--", 2))
		snprintf(buf, len, "%.*s", (int)strcspn(arg, "="), arg);
	else if (c > 0 && c < 0x100)
		snprintf(buf, len, "-%c", c);
	else
		snprintf(buf, len, "%s", arg ? arg : "?");
}

/* Is c a letter of the short-option cluster cur ("-xq") other than its
 * last? */
static bool mid_cluster(const char *cur, int c)
{
	size_t len = cur ? strlen(cur) : 0;

	if (len < 3 || cur[0] != '-' || cur[1] == '-' || c <= 0 || c >= 0x100)
		return false;
	return memchr(cur + 1, c, len - 2) != NULL;
}

/* Was the refused option the long one argv[optind - 1]?  Inside a
 * cluster of short options glibc leaves optind on the cluster until its
 * last letter, so for the unknown x of "--json -xq" argv[optind - 1] is
 * "--json", which getopt took: the refused one is in argv[optind]. */
static bool refused_long(char *const *argv, const char *arg)
{
	if (!arg || strncmp(arg, "--", 2))
		return false;
	if (!optopt || !mid_cluster(argv[optind], optopt))
		return true;	/* optopt 0: an unknown long option */
	/* "--quiet=1 -qx": q refused its value, and q is a known letter,
	 * so not the unknown one in the cluster */
	return strchr(arg, '=') && strchr(TSN_GLOBAL_SHORTOPTS, optopt);
}

int tsn_opt_error(const char *cmd, char *const *argv, int opt)
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	bool is_long = refused_long(argv, arg);
	const char *s;
	char name[128];

	/* glibc: optopt is 0 for an unknown long option, the option's
	 * value when a known one lacks or refuses an argument, the
	 * character for a short one. */
	if (opt == TSN_OPT_WAIT)	/* tsn_global_opt() said why */
		return TSN_EXIT_USAGE;
	opt_name(name, sizeof(name), is_long ? arg : NULL, optopt);
	if (opt == ':')
		return tsn_usage_error(cmd, "option '%s' needs an argument",
				       name);
	if (opt == '?' && is_long && optopt && strchr(arg, '='))
		return tsn_usage_error(cmd, "option '%s' takes no argument",
				       name);
	if (opt == '?' && is_long && optopt)
		return tsn_usage_error(cmd, "option '%s' needs an argument",
				       name);
	if (opt == '?' && !is_long && optopt > 0 && optopt < 0x100 &&
	    (s = strchr(TSN_GLOBAL_SHORTOPTS, optopt)) && s[1] == ':')
		return tsn_usage_error(cmd, "option '%s' needs an argument",
				       name);
	return tsn_usage_error(cmd, "unknown option '%s'", name);
}

void tsn_json_error(const struct tsn_ctx *ctx, int rc)
{
	const char *e = tsn_first_error();
	struct tsn_buf b = { 0 }, why = { 0 };
	struct tsn_json j;

	if (!e)		/* a path that forgot to say why: still valid JSON */
		tsn_buf_printf(&why, "failed with exit status %d", rc);
	tsn_json_init(&j, &b, ctx->tty);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "command", ctx->cmd);
	tsn_json_kstr(&j, "error", e ? e : why.p);
	tsn_json_kint(&j, "exit", rc);
	tsn_json_obj_end(&j);
	if (tsn_json_finish(&j) == 0) {
		printf("%s\n", b.p);
		fflush(stdout);
	}
	tsn_buf_free(&b);
	tsn_buf_free(&why);
}

int tsn_ctx_inventory(const struct tsn_ctx *ctx, struct tsn_inventory *inv)
{
	struct tsn_inv_diag diag = { .warn = tsn_inventory_warn_stderr,
				     .warn_arg = (void *)ctx->cmd };
	int ret = tsn_inventory_load(ctx->config, inv, &diag);

	if (ret == -ENOENT)
		tsn_err(ctx->cmd, "no inventory: %s does not exist; give one "
			"with -c FILE or $TSNET_CONFIG (an example is in man "
			"tsnet-inventory)", ctx->config);
	else if (ret < 0)
		tsn_err(ctx->cmd, "%s", diag.error);
	return ret < 0 ? -1 : 0;
}
