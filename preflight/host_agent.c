/* host_agent.c - `tsnet agent preflight-host`: every host check on this
 * node (with --kernel only kernel.*, what enable-ipsec asks of every
 * node before it changes anything), as one JSON object for the
 * coordinator:
 *
 *   {"checks":[{"id","status","detail","fix"}...],
 *    "hostname":"n1","time":1764300000.123}
 *
 * "time" is the wall clock when the checks finished; the coordinator
 * compares it across nodes for the clock-offset check (certificates).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "lib/json.h"
#include "lib/output.h"
#include "preflight/host.h"

#define ACTION "agent preflight-host"
#define SYNOPSIS "agent preflight-host [--interface IF] [--payload-mtu N] [--kernel]"

/* A name that is safe inside /proc/sys/net/ipv4/conf/NAME. */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < IFNAMSIZ && !strchr(s, '/') && strcmp(s, ".") &&
	       strcmp(s, "..") && strspn(s, "abcdefghijklmnopqrstuvwxyz"
					 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789._-@:") == n;
}

/* {"checks":[...]} from output.c, then ,"hostname":..,"time":..} after
 * it: both halves come from the JSON writer, so the seam is valid. */
static int print_result(const struct tsn_node_report *nr)
{
	struct tsn_buf a = { 0 }, b = { 0 };
	struct tsn_json j;
	struct timespec ts;
	struct utsname u;
	int ret;

	uname(&u);
	clock_gettime(CLOCK_REALTIME, &ts);
	tsn_json_init(&j, &a, false);
	tsn_checks_json(nr, &j);
	ret = tsn_json_finish(&j);
	if (ret < 0)
		goto out;
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "hostname", u.nodename);
	tsn_json_kdouble(&j, "time", (double)ts.tv_sec + ts.tv_nsec / 1e9);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (ret < 0)
		goto out;
	if (a.len < 2 || a.p[a.len - 1] != '}' || b.p[0] != '{') {
		ret = -EINVAL;
		goto out;
	}
	printf("%.*s,%s\n", (int)a.len - 1, a.p, b.p + 1);
out:
	tsn_buf_free(&a);
	tsn_buf_free(&b);
	return ret;
}

int tsn_preflight_host_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "payload-mtu", required_argument, NULL, 'm' },
		{ "kernel", no_argument, NULL, 'k' },
		TSN_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct tsn_host_opts o = { 0 };
	struct tsn_report r;
	struct tsn_node_report *nr;
	const char *conf = getenv("STRONGSWAN_CONF");
	bool kernel_only = false;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "i:m:" TSN_GLOBAL_SHORTOPTS,
				  longopts, NULL)) != -1) {
		if (opt == 'i') {
			if (!ifname_ok(optarg)) {
				tsn_err(ACTION, "--interface '%s': not an "
					"interface name", optarg);
				return TSN_EXIT_USAGE;
			}
			o.ifname = optarg;
		} else if (opt == 'm') {
			/* 0 is the inventory's "no requirement" */
			if (tsn_parse_uint(optarg, 0, 65535,
					   &o.payload_mtu) < 0 ||
			    (o.payload_mtu && o.payload_mtu < 68)) {
				tsn_err(ACTION, "--payload-mtu '%s': not 0 or "
					"a number from 68 to 65535", optarg);
				return TSN_EXIT_USAGE;
			}
		} else if (opt == 'k') {
			kernel_only = true;
		} else if (opt == 'h') {
			return tsn_usage(ctx, SYNOPSIS, false);
		} else if (tsn_global_opt(ctx, opt, optarg) < 0) {
			return tsn_usage(ctx, SYNOPSIS, true);
		}
	}
	if (optind < argc) {
		tsn_err(ACTION, "unexpected argument '%s'", argv[optind]);
		return TSN_EXIT_USAGE;
	}
	/* charon reads STRONGSWAN_CONF too; so do we */
	if (conf && *conf == '/')
		o.swan_conf = conf;
	tsn_report_init(&r, "preflight-host");
	nr = tsn_report_node(&r, "localhost");
	ret = !nr ? -ENOMEM : kernel_only ? tsn_host_kernel_checks(&o, nr) :
					    tsn_host_checks(&o, nr);
	if (ret == 0)
		ret = print_result(nr);
	if (ret < 0) {
		tsn_err(ACTION, "%s", strerror(-ret));
		tsn_report_free(&r);
		return TSN_EXIT_RUNTIME;
	}
	ret = tsn_report_exit_code(&r);
	tsn_report_free(&r);
	return ret;
}
