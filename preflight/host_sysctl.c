/* host_sysctl.c - the sysctls that break or degrade IPsec, checked the
 * way Libreswan's `ipsec verify` checks them, but on the values the
 * kernel actually applies to the cluster interface:
 *
 *   rp_filter          max(all, IF)                  (1 = strict)
 *   send_redirects     all || IF
 *   accept_redirects   IPv4: all && IF when IF forwards, else all || IF
 *                      IPv6: IF, ignored when IF forwards
 *   xfrm_larval_drop   net.core, 1 wanted
 *
 * All of them live under /proc/sys/net and are per network namespace, so
 * the agent reads the namespace it runs in.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "preflight/host.h"

/* net.ipv4.conf.DEV.KEY, or -1 when unreadable */
static long conf4(const struct tsn_host_opts *o, const char *dev,
		  const char *key)
{
	char path[256];
	long v;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", dev,
		 key);
	return tsn_host_read_int(o, path, &v) == 0 ? v : -1;
}

static long conf6(const struct tsn_host_opts *o, const char *dev,
		  const char *key)
{
	char path[256];
	long v;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", dev,
		 key);
	return tsn_host_read_int(o, path, &v) == 0 ? v : -1;
}

static bool iface_known(const struct tsn_host_opts *o)
{
	char path[256];

	if (!o->ifname)
		return false;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s", o->ifname);
	return tsn_host_exists(o, path);
}

/* dev as a sysctl key's part: sysctl reads '.' as its separator, so a
 * VLAN's eth0.100 is eth0/100 there (the /proc path keeps the dot). */
static const char *key_dev(const char *dev, char *buf, size_t len)
{
	size_t k = 0;

	for (; dev[k] && k + 1 < len; k++)
		buf[k] = dev[k] == '.' ? '/' : dev[k];
	buf[k] = '\0';
	return buf;
}

/* A route to a peer that leaves by another interface than the cluster
 * one, where strict rp_filter (1) applies (the maximum of all and the
 * interface): the first such route, or NULL. */
static const struct tsn_route *strict_route(const struct tsn_host_opts *o,
					    long all)
{
	for (size_t i = 0; i < o->n_routes; i++) {
		const struct tsn_route *r = &o->routes[i];
		long dev;

		if (r->err || r->family != AF_INET || !r->ifname[0] ||
		    (o->ifname && !strcmp(r->ifname, o->ifname)))
			continue;
		dev = conf4(o, r->ifname, "rp_filter");
		if ((dev > all ? dev : all) == 1)
			return r;
	}
	return NULL;
}

/* The cluster interface passes; each other interface a route to a peer
 * leaves by is checked too (a node with two links). */
static int rp_routes(const struct tsn_host_opts *o, struct tsn_node_report *n,
		     long all, const char *ok)
{
	const struct tsn_route *r = strict_route(o, all);
	char fix[128], key[IFNAMSIZ];

	if (!r)
		return tsn_node_check(n, "sysctl.rp_filter", TSN_ST_OK, NULL,
				      "%s", ok);
	snprintf(fix, sizeof(fix), "sysctl -w net.ipv4.conf.%s.rp_filter=2",
		 key_dev(r->ifname, key, sizeof(key)));
	return tsn_node_check(n, "sysctl.rp_filter", TSN_ST_WARN, fix,
			      "strict rp_filter (1) on %s, by which the route "
			      "to %s leaves: decrypted packets whose reverse "
			      "route is not via %s are dropped", r->ifname,
			      r->peer, r->ifname);
}

static int check_rp_filter(const struct tsn_host_opts *o,
			   struct tsn_node_report *n)
{
	const char *id = "sysctl.rp_filter";
	long all = conf4(o, "all", "rp_filter"), dev = -1, eff;
	const char *where;
	char fix[256], ok[128], key[IFNAMSIZ];

	if (all < 0)
		return tsn_node_check(n, id, TSN_ST_SKIP, NULL,
				      "cannot read net.ipv4.conf.all.rp_filter");
	if (iface_known(o))
		dev = conf4(o, o->ifname, "rp_filter");
	eff = dev > all ? dev : all;	/* the kernel applies the maximum */
	where = dev > all ? o->ifname : "all";
	if (eff != 1 && dev >= 0)
		snprintf(ok, sizeof(ok), "rp_filter %ld on %s (all %ld, %s %ld)",
			 eff, o->ifname, all, o->ifname, dev);
	else if (eff != 1)
		snprintf(ok, sizeof(ok), "rp_filter %ld on every interface "
			 "(all)", eff);
	if (eff != 1)
		return rp_routes(o, n, all, ok);
	/* Strict mode drops packets whose reverse route leaves by another
	 * interface; harmless for transport mode on one subnet, fatal with
	 * asymmetric or policy routing.  A warning, with the fix. */
	if (all == 1 && o->ifname && dev == 1)
		snprintf(fix, sizeof(fix), "sysctl -w net.ipv4.conf.all."
			 "rp_filter=2 net.ipv4.conf.%s.rp_filter=2",
			 key_dev(o->ifname, key, sizeof(key)));
	else
		snprintf(fix, sizeof(fix), "sysctl -w net.ipv4.conf.%s."
			 "rp_filter=2", key_dev(where, key, sizeof(key)));
	return tsn_node_check(n, id, TSN_ST_WARN, fix,
			      "strict rp_filter (1) %s: decrypted packets whose "
			      "reverse route is not via %s are dropped",
			      dev == 1 && o->ifname ? "on the cluster interface"
			      : "in net.ipv4.conf.all",
			      o->ifname ? o->ifname : "the same interface");
}

/* Append "net.ipv4.conf.X.KEY=0" for each of X in {all, IF} set to 1. */
static void add_off(struct tsn_buf *fix, struct tsn_buf *what,
		    const char *fam, const char *dev, const char *key, long v)
{
	char k[IFNAMSIZ];

	if (v != 1)
		return;
	key_dev(dev, k, sizeof(k));
	tsn_buf_printf(fix, " net.%s.conf.%s.%s=0", fam, k, key);
	tsn_buf_printf(what, "%snet.%s.conf.%s.%s=1", what->len ? ", " : "",
		       fam, k, key);
}

static int check_redirects(const struct tsn_host_opts *o,
			   struct tsn_node_report *n)
{
	const char *id = "sysctl.redirects", *dev;
	struct tsn_buf fix = { 0 }, what = { 0 };
	long send_a, send_d = 0, acc_a, acc_d = 0, acc6 = 0, fwd, fwd6;
	bool send_on, acc_on, acc6_on;
	int ret;

	tsn_buf_puts(&fix, "sysctl -w");

	send_a = conf4(o, "all", "send_redirects");
	acc_a = conf4(o, "all", "accept_redirects");
	if (send_a < 0 || acc_a < 0) {
		tsn_buf_free(&fix);
		return tsn_node_check(n, id, TSN_ST_SKIP, NULL, "cannot read "
				      "net.ipv4.conf.all.*_redirects");
	}
	dev = iface_known(o) ? o->ifname : NULL;
	if (dev) {
		send_d = conf4(o, dev, "send_redirects");
		acc_d = conf4(o, dev, "accept_redirects");
		acc6 = conf6(o, dev, "accept_redirects");
	}
	/* the kernel asks the interface's own forwarding flag */
	fwd = conf4(o, dev ? dev : "all", "forwarding");
	fwd6 = conf6(o, dev ? dev : "all", "forwarding");
	send_on = send_a == 1 || send_d == 1;
	acc_on = fwd == 1 ? acc_a == 1 && acc_d == 1 : acc_a == 1 || acc_d == 1;
	acc6_on = fwd6 != 1 && acc6 == 1;
	if (send_on) {
		add_off(&fix, &what, "ipv4", "all", "send_redirects", send_a);
		if (dev)
			add_off(&fix, &what, "ipv4", dev, "send_redirects",
				send_d);
	}
	if (acc_on) {
		add_off(&fix, &what, "ipv4", "all", "accept_redirects", acc_a);
		if (dev)
			add_off(&fix, &what, "ipv4", dev, "accept_redirects",
				acc_d);
	}
	if (acc6_on)
		add_off(&fix, &what, "ipv6", dev, "accept_redirects", acc6);
	if (!what.len)
		ret = tsn_node_check(n, id, TSN_ST_OK, NULL, "ICMP redirects "
				     "neither sent nor accepted%s%s",
				     dev ? " on " : "", dev ? dev : "");
	else if (!fix.p)
		ret = -ENOMEM;
	else
		ret = tsn_node_check(n, id, TSN_ST_WARN, fix.p, "%s: with "
				     "IPsec the kernel may send or act on "
				     "bogus ICMP redirects", what.p);
	tsn_buf_free(&fix);
	tsn_buf_free(&what);
	return ret;
}

static int check_larval(const struct tsn_host_opts *o,
			struct tsn_node_report *n)
{
	const char *id = "sysctl.larval_drop";
	long v;

	if (tsn_host_read_int(o, "/proc/sys/net/core/xfrm_larval_drop",
			      &v) < 0)
		return tsn_node_check(n, id, TSN_ST_FAIL, NULL,
				      "no net.core.xfrm_larval_drop: kernel "
				      "without XFRM");
	if (v == 1)
		return tsn_node_check(n, id, TSN_ST_OK, NULL,
				      "xfrm_larval_drop 1: packets wait for no "
				      "SA, they are dropped until IKE is done");
	/* ipsec verify calls this "NOT ENABLED"; it delays, it does not
	 * stop IPsec working, so a warning */
	return tsn_node_check(n, id, TSN_ST_WARN,
			      "sysctl -w net.core.xfrm_larval_drop=1",
			      "xfrm_larval_drop %ld: sockets block while IKE "
			      "negotiates (long, non-POSIX time-outs)", v);
}

int tsn_host_sysctl_checks(const struct tsn_host_opts *o,
			   struct tsn_node_report *n)
{
	int ret;

	ret = check_rp_filter(o, n);
	if (ret == 0)
		ret = check_redirects(o, n);
	if (ret == 0)
		ret = check_larval(o, n);
	return ret;
}
