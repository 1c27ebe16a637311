/* main.c - tsnet: make host-to-host IPsec between cluster nodes safe to
 * turn on and easy to prove.
 *
 * One static table both dispatches and prints the help.  Command names
 * match exactly; there is no prefix matching.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cmd.h"
#include "lib/util.h"
#include "commands.h"

static int help_main(int argc, char **argv, struct tsn_ctx *ctx);
static int version_main(int argc, char **argv, struct tsn_ctx *ctx);

static const struct tsn_cmd commands[] = {
	{ "inventory", inventory_main, "check and print the cluster inventory" },
	{ "nodes", nodes_main, "reach every node and show who answers" },
	{ "cloud", cloud_main, "print the cloud CLI script that allows IPsec" },
	{ "preflight", preflight_main, "is the cluster ready for IPsec, and what stops it" },
	{ "probe", probe_main, "send IKE, NAT-T and ESP probes between every pair" },
	{ "enable-ipsec", enable_ipsec_main, "turn on IPsec between every pair, and prove it" },
	{ "disable-ipsec", disable_ipsec_main, "turn tsnet's IPsec off again, exactly" },
	{ "status", status_main, "IPsec SAs, plan consistency and drift, per node" },
	{ "state", state_main, "export or import the cluster's IPsec settings" },
	{ "node", node_main, "add a node to the cluster or remove one" },
	{ "report", report_main, "write a support bundle, secrets redacted" },
	{ "verify", verify_main, "prove from a capture that every pair is encrypted" },
	{ "throughput", throughput_main, "measure each pair's throughput, latency and CPU" },
	{ "help", help_main, "show this help, or a command's" },
	{ "version", version_main, "print the version" },
	/* internal: run by the transports on each node */
	{ "agent", agent_main, NULL },
};

static void print_help(FILE *f)
{
	fprintf(f,
		"usage: tsnet [-c FILE] [--json] [-q] [-v] COMMAND [ARGS]\n"
		"\n"
		"tsnet makes host-to-host IPsec between the nodes of a cluster\n"
		"safe to turn on and easy to prove.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].help)
			fprintf(f, "  %-14s %s\n", commands[i].name,
				commands[i].help);
	fprintf(f,
		"\n"
		"Options:\n"
		"  -c, --config FILE  inventory (default $TSNET_CONFIG or "
		TSN_DEFAULT_CONFIG ")\n"
		"      --json         machine-readable output\n"
		"  -q, --quiet        no warnings or progress\n"
		"  -v, --verbose      more detail (repeat for more)\n"
		"      --wait SECONDS a command that changes nodes waits this "
		"long for\n"
		"                     another such run to end (default 0)\n"
		"\n"
		"Exit status: 0 ok, 1 a check found a problem, 2 usage or "
		"inventory error,\n3 runtime failure.  'tsnet COMMAND --help' "
		"for a command; man tsnet.\n");
}

static const struct tsn_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int help_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	const struct tsn_cmd *cmd;
	static char help_opt[] = "--help";
	char *sub[] = { NULL, help_opt, NULL };

	if (argc < 2) {
		print_help(stdout);
		return TSN_EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("usage: tsnet help [COMMAND]\n");
		return TSN_EXIT_OK;
	}
	if (argv[1][0] == '-')
		return tsn_usage_error("help", "unknown option '%s'", argv[1]);
	if (argc > 2)
		return tsn_usage_error("help", "unexpected argument '%s'",
				       argv[2]);
	cmd = find_cmd(argv[1]);
	if (!cmd || !cmd->help) {
		tsn_err("help", "unknown command '%s'; see 'tsnet --help'",
			argv[1]);
		return TSN_EXIT_USAGE;
	}
	sub[0] = argv[1];
	ctx->cmd = cmd->name;
	optind = 0;
	return cmd->fn(2, sub, ctx);
}

static int version_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	(void)ctx;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: tsnet version\n");
		return TSN_EXIT_OK;
	}
	if (argc > 1)
		return tsn_usage_error("version", "%s '%s'", argv[1][0] == '-' ?
				       "unknown option" : "unexpected argument",
				       argv[1]);
	printf("tsnet %s\n", TSN_VERSION);
	return TSN_EXIT_OK;
}

/* The one way out once options are read: with --json, a failure the
 * command did not report itself still leaves one JSON object. */
static int finish(const struct tsn_ctx *ctx, int rc)
{
	if (rc != TSN_EXIT_OK && ctx->json && !tsn_result_was_printed())
		tsn_json_error(ctx, rc);
	return rc;
}

/* getopt stops at a usage error, before a --json further on: a script
 * that asked for JSON gets it all the same. */
static void json_anywhere(struct tsn_ctx *ctx, int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			ctx->json = true;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct tsn_ctx ctx = { 0 };
	const struct tsn_cmd *cmd;
	int opt, rc;

	ctx.config = getenv("TSNET_CONFIG");
	if (!ctx.config || !*ctx.config)
		ctx.config = TSN_DEFAULT_CONFIG;
	ctx.tty = isatty(STDOUT_FILENO);
	ctx.err_tty = isatty(STDERR_FILENO);
	opterr = 0;	/* tsn_opt_error() says it, in tsnet's format */

	/* '+': stop at the command; its own options are its business. */
	while ((opt = getopt_long(argc, argv, "+" TSN_GLOBAL_SHORTOPTS,
				  longopts, NULL)) != -1) {
		if (opt == 'h') {
			print_help(stdout);
			return TSN_EXIT_OK;
		}
		if (opt == 'V')
			return version_main(1, argv, &ctx);
		if (tsn_global_opt(&ctx, opt, optarg) < 0) {
			json_anywhere(&ctx, argc, argv);
			return finish(&ctx, tsn_opt_error(NULL, argv, opt));
		}
	}
	if (optind >= argc)
		return finish(&ctx, tsn_usage_error(NULL, "no command"));
	cmd = find_cmd(argv[optind]);
	if (!cmd)
		return finish(&ctx, tsn_usage_error(NULL, "unknown command "
						    "'%s'", argv[optind]));
	ctx.cmd = cmd->name;
	/* the commands that make or carry keys (PSKs, x509 private keys) */
	if (!strcmp(cmd->name, "enable-ipsec") || !strcmp(cmd->name, "node") ||
	    !strcmp(cmd->name, "state"))
		tsn_no_core_dumps();
	argc -= optind;
	argv += optind;
	optind = 0;	/* reset getopt for the command */
	rc = cmd->fn(argc, argv, &ctx);
	if (rc == TSN_EXIT_USAGE)
		json_anywhere(&ctx, argc, argv);
	return finish(&ctx, rc);
}
