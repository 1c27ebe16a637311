/* verify_cmd.c - `tsnet verify --read FILE`: is every pair in this capture
 * encrypted, and if not, which packet leaked?
 *
 * With an inventory (-c, TSNET_CONFIG, or the default file when it
 * exists) the members' pairs are reported; without one, or with
 * --all-pairs, every pair of IP addresses in the capture.  The live mode
 * (capture on every node while making traffic) will share the counting
 * (verify_count.c) and the report (verify_print.c) with this one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "commands.h"
#include "lib/output.h"
#include "verify/verify.h"

static const char synopsis[] = "--read FILE [--all-pairs]";

enum { OPT_READ = 0x100, OPT_ALL_PAIRS };

/* Whether to use an inventory: one named by -c or TSNET_CONFIG must load;
 * the default one is used only when it is there. */
static int load_inventory(const struct tsn_ctx *ctx,
			  struct tsn_inventory *inv, bool *have)
{
	*have = false;
	if (!strcmp(ctx->config, TSN_DEFAULT_CONFIG) &&
	    access(ctx->config, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (tsn_ctx_inventory(ctx, inv) < 0)
		return -1;
	*have = true;
	return 0;
}

static void warn_link_type(const struct tsn_verify *v)
{
	static const uint8_t none[1];
	struct tsn_pkt pkt;
	const char *name;

	/* a frame of nothing tells whether the classifier knows the type */
	tsn_classify_frame(v->dlt, none, 0, &pkt);
	if (pkt.cls != TSN_PKT_NOT_IP)
		return;
	name = pcap_datalink_val_to_name(v->dlt);
	tsn_warn("verify", "%s: link type %d (%s) is not one verify reads: "
		 "every packet counts as non_ip", v->source, v->dlt,
		 name ? name : "unknown");
}

static int run(const struct tsn_ctx *ctx, const char *path,
	       const struct tsn_inventory *inv, bool all_pairs)
{
	struct tsn_progress prog;
	struct tsn_verify v;
	char err[PCAP_ERRBUF_SIZE + 100] = "";
	int ret, rc;

	if (tsn_verify_init(&v, inv, all_pairs) < 0) {
		tsn_err(ctx->cmd, "out of memory");
		return TSN_EXIT_RUNTIME;
	}
	tsn_progress_begin(&prog, ctx->err_tty && !tsn_quiet);
	v.progress = &prog;
	ret = tsn_verify_read(&v, path, err, sizeof(err));
	tsn_progress_end(&prog);
	if (ret == -ENOENT) {
		tsn_err(ctx->cmd, "%s: %s", path, err);
		rc = TSN_EXIT_RUNTIME;
		goto out;
	}
	if (v.packets)
		warn_link_type(&v);
	if (ret == -EIO)
		tsn_warn(ctx->cmd, "%s: damaged: reading stopped %s; the "
			 "report covers the packets before", path,
			 v.read_error);
	rc = tsn_verify_exit(&v);
	/* a damaged file proves nothing about its unread part */
	if (ret == -EIO && rc == TSN_EXIT_OK)
		rc = TSN_EXIT_RUNTIME;
	if ((ret = tsn_verify_print(&v, ctx->json, ctx->tty)) < 0) {
		tsn_err(ctx->cmd, "writing the report: %s", strerror(-ret));
		rc = TSN_EXIT_RUNTIME;
	}
out:
	tsn_verify_free(&v);
	return rc;
}

int verify_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "read", required_argument, NULL, OPT_READ },
		{ "all-pairs", no_argument, NULL, OPT_ALL_PAIRS },
		{ NULL, 0, NULL, 0 },
	};
	struct tsn_inventory inv;
	const char *path = NULL;
	bool all_pairs = false, have_inv;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "r:" TSN_GLOBAL_SHORTOPTS,
				  longopts, NULL)) != -1) {
		if (opt == 'h')
			return tsn_usage(ctx, synopsis, false);
		if (opt == OPT_READ || opt == 'r')
			path = optarg;
		else if (opt == OPT_ALL_PAIRS)
			all_pairs = true;
		else if (tsn_global_opt(ctx, opt, optarg) < 0)
			return tsn_usage(ctx, synopsis, true);
	}
	if (optind < argc) {
		tsn_err(ctx->cmd, "unexpected argument '%s'", argv[optind]);
		return TSN_EXIT_USAGE;
	}
	if (!path) {
		tsn_err(ctx->cmd, "no capture to read: give --read FILE (a "
			"live capture on the nodes is not there yet)");
		return TSN_EXIT_USAGE;
	}
	if (!*path) {
		tsn_err(ctx->cmd, "--read: an empty file name");
		return TSN_EXIT_USAGE;
	}
	if (load_inventory(ctx, &inv, &have_inv) < 0)
		return TSN_EXIT_USAGE;
	rc = run(ctx, path, have_inv ? &inv : NULL, all_pairs);
	if (have_inv)
		tsn_inventory_free(&inv);
	return rc;
}
