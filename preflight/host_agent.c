/* host_agent.c - `tsnet agent preflight-host`: every host check on this
 * node (with --kernel only kernel.*, what enable-ipsec asks of every
 * node before it changes anything), as one JSON object for the
 * coordinator:
 *
 *   {"checks":[{"id","status","detail","fix"}...],
 *    "hostname":"n1","time":1764300000.123,"prefix":"198.18.1.0/24",
 *    "routes":[{"peer":"n2","dst":..,"iface":"eth0","src":..,"fault":null}],
 *    "connmark":"loaded"|"not loaded"|null,"connmark_why":..}
 *
 * "time" is the wall clock when the checks finished; the coordinator
 * compares it across nodes for the clock-offset check (certificates).
 * With the peers (NAME=ADDR) and --address (this node's address in the
 * inventory), the routes to them are checked ("route"), and where no
 * --interface is given the routes' interface is the one checked (mtu,
 * rp_filter): nothing is skipped for want of a name.  "prefix" is the
 * network of the source address the routes use, the node's subnet.
 */
#include <arpa/inet.h>
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
#define SYNOPSIS "agent preflight-host [--interface IF] [--payload-mtu N] " \
	"[--kernel] [--address ADDR] [NAME=ADDR...]"
#define PEERS_MAX 8192

/* A name that is safe inside /proc/sys/net/ipv4/conf/NAME. */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < IFNAMSIZ && !strchr(s, '/') && strcmp(s, ".") &&
	       strcmp(s, "..") && strspn(s, "abcdefghijklmnopqrstuvwxyz"
					 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789._-@:") == n;
}

/* "198.18.1.0/24": the network of the first route's source address. */
static void prefix_text(const struct tsn_host_opts *o, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < o->n_routes; i++) {
		const struct tsn_route *r = &o->routes[i];
		uint8_t net[16] = { 0 };
		char a[64];

		if (r->err || !r->has_src || !r->prefixlen)
			continue;
		for (unsigned k = 0; k < r->prefixlen / 8; k++)
			net[k] = r->src[k];
		if (r->prefixlen % 8)
			net[r->prefixlen / 8] = r->src[r->prefixlen / 8] &
				(uint8_t)(0xff << (8 - r->prefixlen % 8));
		if (inet_ntop(r->family, net, a, sizeof(a)))
			snprintf(buf, len, "%s/%u", a, r->prefixlen);
		return;
	}
}

/* "routes":[{"peer","dst","iface","src","fault","mtu_short"}]: where the coordinator
 * learns which pairs a route explains (a source address that is not the
 * inventory's looks like a NAT to the probe). */
static void routes_json(const struct tsn_host_opts *o,
			const struct tsn_xfrm_list *xl, struct tsn_json *j)
{
	static const char *const faults[] = {
		[TSN_ROUTE_OK] = NULL, [TSN_ROUTE_NONE] = "none",
		[TSN_ROUTE_IFACE] = "iface", [TSN_ROUTE_SRC] = "src",
	};
	char a[64];

	tsn_json_key(j, "routes");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < o->n_routes; i++) {
		const struct tsn_route *r = &o->routes[i];

		tsn_json_obj_begin(j);
		tsn_json_kstr(j, "peer", r->peer);
		tsn_json_kstr(j, "dst", inet_ntop(r->family, r->dst, a,
						  sizeof(a)));
		tsn_json_kstr(j, "iface", r->err ? NULL : r->ifname);
		tsn_json_kstr(j, "src", r->err || !r->has_src ? NULL :
			      inet_ntop(r->family, r->src, a, sizeof(a)));
		tsn_json_kstr(j, "fault", faults[tsn_route_fault(o, r)]);
		/* the pair the mtu check names */
		tsn_json_kbool(j, "mtu_short", tsn_route_mtu_short(o, r));
		/* another setup's IPsec policy takes this peer's traffic */
		tsn_json_kbool(j, "xfrm", !xl->err &&
			       tsn_xfrm_foreign_covers(o, xl, r));
		tsn_json_obj_end(j);
	}
	tsn_json_arr_end(j);
}

/* "connmark": whether the charon that answered VICI has the connmark
 * plugin loaded ("loaded", "not loaded"; null with "connmark_why" where
 * it cannot tell): nat.shared needs it on a node that several others
 * reach from one public address. */
static void connmark_json(const struct tsn_host_opts *o,
			  const struct tsn_node_report *nr, struct tsn_json *j)
{
	const struct tsn_check *c = NULL;
	const char *has = NULL;
	char why[128] = "charon does not answer VICI";

	for (size_t i = 0; i < nr->n_checks; i++)
		if (!strcmp(nr->checks[i].id, "strongswan.vici"))
			c = &nr->checks[i];
	if (!c)
		return;		/* --kernel: no charon checks */
	if (c->status == TSN_ST_OK && !strncmp(c->detail, "charon not ", 11))
		snprintf(why, sizeof(why), "charon not running");
	else if (c->status == TSN_ST_OK)
		has = tsn_host_charon_plugin(o, "connmark", why, sizeof(why));
	tsn_json_kstr(j, "connmark", has);
	if (!has)
		tsn_json_kstr(j, "connmark_why", why);
}

static int print_result(const struct tsn_host_opts *o,
			const struct tsn_node_report *nr)
{
	struct tsn_buf b = { 0 };
	struct tsn_xfrm_list xl;
	struct tsn_json j;
	struct timespec ts;
	struct utsname u;
	char prefix[80];
	int ret;

	if (o->n_routes)
		tsn_xfrm_list_run(&xl);
	else
		xl.err = -ENOENT;	/* no peer to cover */
	uname(&u);
	clock_gettime(CLOCK_REALTIME, &ts);
	prefix_text(o, prefix, sizeof(prefix));
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_checks_json_member(nr, &j);
	tsn_json_kstr(&j, "hostname", u.nodename);
	tsn_json_kdouble(&j, "time", (double)ts.tv_sec + ts.tv_nsec / 1e9);
	tsn_json_kstr(&j, "prefix", prefix[0] ? prefix : NULL);
	routes_json(o, &xl, &j);
	connmark_json(o, nr, &j);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (ret == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	return ret;
}

static int parse_addr(const char *s, int *family, uint8_t *a)
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET, s, a) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, s, a) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

/* NAME=ADDR: a node name (the inventory's characters) and an address. */
static int parse_peer(const char *arg, struct tsn_route *r)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : 0;

	memset(r, 0, sizeof(*r));
	if (!n || n >= sizeof(r->peer) ||
	    strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return -EINVAL;
	memcpy(r->peer, arg, n);
	return parse_addr(eq + 1, &r->family, r->dst);
}

/* The interface most routes leave by, where the inventory names none. */
static const char *routes_ifname(const struct tsn_route *r, size_t n)
{
	size_t best = n, best_k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		for (size_t j = 0; j < n && !r[i].err; j++)
			k += !r[j].err && !strcmp(r[i].ifname, r[j].ifname);
		if (k > best_k) {
			best = i;
			best_k = k;
		}
	}
	return best < n ? r[best].ifname : NULL;
}

/* The peers on the command line: their routes, asked of the kernel. */
static int peers(int argc, char **argv, struct tsn_host_opts *o,
		 struct tsn_route **out)
{
	size_t n = (size_t)(argc - optind);
	struct tsn_route *r;
	int ret;

	*out = NULL;
	if (!n)
		return 0;
	if (n > PEERS_MAX)
		return -E2BIG;
	r = calloc(n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	*out = r;
	for (size_t i = 0; i < n; i++)
		if (parse_peer(argv[optind + (int)i], &r[i]) < 0) {
			tsn_err(ACTION, "'%s': not NAME=ADDRESS",
				argv[optind + (int)i]);
			return -EINVAL;
		}
	ret = tsn_route_get(r, n);
	if (ret < 0) {
		tsn_err(ACTION, "cannot ask the routes (RTM_GETROUTE): %s",
			strerror(-ret));
		return ret;
	}
	o->routes = r;
	o->n_routes = n;
	if (!o->ifname && (o->ifname = routes_ifname(r, n)))
		o->ifname_derived = true;
	return 0;
}

int tsn_preflight_host_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "payload-mtu", required_argument, NULL, 'm' },
		{ "kernel", no_argument, NULL, 'k' },
		{ "address", required_argument, NULL, 'a' },
		TSN_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct tsn_host_opts o = { 0 };
	struct tsn_route *routes = NULL;
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
		} else if (opt == 'a') {
			if (parse_addr(optarg, &o.self_family, o.self) < 0) {
				tsn_err(ACTION, "--address '%s': not an IPv4 "
					"or IPv6 address", optarg);
				return TSN_EXIT_USAGE;
			}
		} else if (opt == 'h') {
			return tsn_usage(ctx, SYNOPSIS);
		} else if (tsn_global_opt(ctx, opt, optarg) < 0) {
			return tsn_opt_error(ACTION, argv, opt);
		}
	}
	ret = kernel_only ? 0 : peers(argc, argv, &o, &routes);
	if (ret < 0) {
		free(routes);
		return ret == -EINVAL || ret == -E2BIG ? TSN_EXIT_USAGE :
		       TSN_EXIT_RUNTIME;
	}
	/* charon reads STRONGSWAN_CONF too; so do we */
	if (conf && *conf == '/')
		o.swan_conf = conf;
	tsn_report_init(&r, "preflight-host");
	nr = tsn_report_node(&r, "localhost");
	ret = !nr ? -ENOMEM : kernel_only ? tsn_host_kernel_checks(&o, nr) :
					    tsn_host_checks(&o, nr);
	if (ret == 0)
		ret = print_result(&o, nr);
	if (ret < 0) {
		tsn_err(ACTION, "%s", strerror(-ret));
		ret = TSN_EXIT_RUNTIME;
	} else {
		ret = tsn_report_exit_code(&r);
	}
	tsn_report_free(&r);
	free(routes);
	return ret;
}
