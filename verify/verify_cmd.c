/* verify_cmd.c - `tsnet verify`: is every pair encrypted, and if not,
 * which packet leaked?
 *
 * Live (no --read): capture on every node of the inventory at once while
 * each makes a little traffic to every peer (verify_live.c).  Offline
 * (--read FILE): with an inventory (-c, TSNET_CONFIG, or the default file
 * when it exists) the members' pairs are reported; without one, or with
 * --all-pairs, every pair of IP addresses in the capture.  Both count
 * through verify_count.c and name pairs as verify_print.c does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "commands.h"
#include "lib/output.h"
#include "verify/verify.h"

static const char synopsis[] = "[--duration S] [--interface IF] "
	"[--write DIR]\n"
	"       tsnet verify --read FILE [--all-pairs]";

enum { OPT_READ = 0x100, OPT_ALL_PAIRS, OPT_DURATION, OPT_IFACE, OPT_WRITE };

#define DURATION_DEFAULT 5

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
	if ((ret = tsn_verify_print(&v, ctx->json, ctx->tty)) == 0)
		tsn_result_printed();
	else {
		tsn_err(ctx->cmd, "writing the report: %s", strerror(-ret));
		rc = TSN_EXIT_RUNTIME;
	}
out:
	tsn_verify_free(&v);
	return rc;
}

static int live_option(const struct tsn_ctx *ctx, int opt, const char *arg,
		       struct tsn_vlive_opts *lo)
{
	unsigned s;

	if (opt == OPT_DURATION) {
		if (tsn_parse_uint(arg, 1, 600, &s) < 0) {
			tsn_usage_error(ctx->cmd, "--duration '%s': a number "
					"of seconds from 1 to 600", arg);
			return -EINVAL;
		}
		lo->ms = s * 1000;
	} else if (opt == OPT_IFACE) {
		if (!*arg || strlen(arg) >= IFNAMSIZ || strchr(arg, '/') ||
		    strpbrk(arg, " \t\n")) {
			tsn_usage_error(ctx->cmd, "--interface '%s': not an "
					"interface name", arg);
			return -EINVAL;
		}
		lo->ifname = arg;
	} else {
		lo->write_dir = arg;
	}
	return 0;
}

/* Made when missing, as tcpdump -w makes its file; only once the
 * inventory has loaded (a command that fails makes nothing).  A name too
 * long for DIR/NODE.pcapng, or through a file, is a usage error (2); a
 * directory that cannot be made (EACCES, EROFS) is a runtime failure
 * (3). */
static int write_dir(const struct tsn_ctx *ctx, const struct tsn_inventory *inv,
		     const char *dir)
{
	struct stat st;
	int ret;

	for (size_t i = 0; i < inv->n_nodes; i++)
		if (strlen(dir) + strlen(inv->nodes[i].name) +
		    sizeof("/.pcapng") > TSN_VL_PATH_MAX) {
			tsn_err(ctx->cmd, "--write: a directory name of %zu "
				"bytes leaves no room for %s.pcapng in it (the "
				"path: %d bytes at most)", strlen(dir),
				inv->nodes[i].name, TSN_VL_PATH_MAX - 1);
			return TSN_EXIT_USAGE;
		}
	if ((ret = tsn_mkdir_p(dir, 0750)) < 0 ||
	    (ret = stat(dir, &st) < 0 ? -errno : 0) < 0) {
		tsn_err(ctx->cmd, "--write '%s': %s", dir, strerror(-ret));
		return ret == -ENAMETOOLONG || ret == -ENOTDIR ?
		       TSN_EXIT_USAGE : TSN_EXIT_RUNTIME;
	}
	if (!S_ISDIR(st.st_mode)) {
		tsn_err(ctx->cmd, "--write '%s': not a directory", dir);
		return TSN_EXIT_USAGE;
	}
	return 0;
}

static int live(struct tsn_ctx *ctx, const struct tsn_vlive_opts *lo,
		bool all_pairs)
{
	struct tsn_inventory inv;
	char why[300];
	int rc;

	if (all_pairs)
		return tsn_usage_error(ctx->cmd, "--all-pairs is for --read: a "
				       "live capture covers the members' pairs");
	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	if (tsn_inventory_mixed(&inv, why, sizeof(why))) {
		/* a pair's row is between two addresses of one family */
		tsn_err(ctx->cmd, "%s: %s", inv.path, why);
		tsn_inventory_free(&inv);
		return TSN_EXIT_USAGE;
	}
	rc = lo->write_dir ? write_dir(ctx, &inv, lo->write_dir) : 0;
	if (rc == 0)
		rc = tsn_verify_live(ctx, &inv, lo);
	tsn_inventory_free(&inv);
	return rc;
}

int verify_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "read", required_argument, NULL, OPT_READ },
		{ "all-pairs", no_argument, NULL, OPT_ALL_PAIRS },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "interface", required_argument, NULL, OPT_IFACE },
		{ "write", required_argument, NULL, OPT_WRITE },
		{ NULL, 0, NULL, 0 },
	};
	struct tsn_inventory inv;
	struct tsn_vlive_opts lo = { .ms = DURATION_DEFAULT * 1000 };
	const char *path = NULL;
	bool all_pairs = false, have_inv, live_opt = false;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "r:" TSN_GLOBAL_SHORTOPTS,
				  longopts, NULL)) != -1) {
		if (opt == 'h')
			return tsn_usage(ctx, synopsis);
		if (opt == OPT_READ || opt == 'r')
			path = optarg;
		else if (opt == OPT_ALL_PAIRS)
			all_pairs = true;
		else if (opt == OPT_DURATION || opt == OPT_IFACE ||
			 opt == OPT_WRITE) {
			if (live_option(ctx, opt, optarg, &lo) < 0)
				return TSN_EXIT_USAGE;
			live_opt = true;
		} else if (tsn_global_opt(ctx, opt, optarg) < 0)
			return tsn_opt_error(ctx->cmd, argv, opt);
	}
	if (optind < argc)
		return tsn_usage_error(ctx->cmd, "unexpected argument '%s'",
				       argv[optind]);
	if (path && live_opt)
		return tsn_usage_error(ctx->cmd, "--read takes no --duration, "
				       "--interface or --write: those are for "
				       "a live capture");
	if (!path)
		return live(ctx, &lo, all_pairs);
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
