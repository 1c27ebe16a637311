/* test_host.c - preflight's host checks against fake /proc, /sys, /etc,
 * /usr and /run trees (tests/data/host/).
 *
 * Each case is the clean tree, minus the paths its overlay's .remove
 * lists, plus the overlay's files, copied to a temporary root.  The live
 * kernel answers (XFRM trial, MTU) are injected.  Every case states the
 * exact status of all fourteen checks: the ones it lists, ok for the rest.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/output.h"
#include "preflight/host.h"

#define DATA "tests/data/host/"

/* Every check, in order: the code's own list (host_misc.c), so a new
 * check needs no edit here; each case below still says what it expects
 * of each check by id. */
static size_t n_ids(void)
{
	size_t n = 0;

	while (tsn_host_check_ids[n])
		n++;
	return n;
}

/* Routes as RTM_GETROUTE would fill them: to n2 (198.18.1.2) via eth0
 * from 198.18.1.1, this node's inventory address. */
#define R(p_, d_, i_, s_, m_, dm_) { .peer = p_, .family = AF_INET, \
	.dst = { 198, 18, 1, d_ }, .ifname = i_, .src = { 198, 18, 1, s_ }, \
	.has_src = true, .mtu = m_, .dev_mtu = dm_ }
static const struct tsn_route routes_ok[] = { R("n2", 2, "eth0", 1, 0, 1500) };
static const struct tsn_xfrm_list xfrm_none = { .n = 0 };
static const struct tsn_route routes_eth1[] = {
	R("n2", 2, "eth0", 1, 0, 1500), R("n3", 3, "eth1", 1, 0, 1500),
};
static const struct tsn_route routes_vlan[] = {
	R("n2", 2, "eth0", 1, 0, 1500), R("n3", 3, "eth0.100", 1, 0, 1500),
};
static const struct tsn_route routes_src[] = { R("n2", 2, "eth0", 9, 0, 1500) };
static const struct tsn_route routes_none[] = {
	{ .peer = "n2", .family = AF_INET, .dst = { 198, 18, 1, 2 },
	  .err = -ENETUNREACH },
};
static const struct tsn_route routes_pmtu[] = {
	R("n2", 2, "eth0", 1, 0, 1500), R("n3", 3, "eth0", 1, 1300, 1500),
};
static const struct tsn_route routes_pmtu_ok[] = {
	R("n3", 3, "eth0", 1, 1450, 1500),
};
static const struct tsn_route routes_pmtu6[] = {
	{ .peer = "n3", .family = AF_INET6, .dst = { 0xfd }, .ifname = "eth0",
	  .src = { 0xfd, 1 }, .has_src = true, .mtu = 1300, .dev_mtu = 1500 },
};

/* What the kernel said, as tsn_xfrm_trial_run() would report it. */
static const struct tsn_xfrm_trial trial_ok = {
	.n_sa = 2,
	.gcm4 = { .tried = true },
	.esp6 = { .tried = true },
};
static const struct tsn_xfrm_trial trial_no_esp = {	/* this dev box */
	.gcm4 = { true, -ENOSYS, "Requested AEAD algorithm not found" },
	.cbc4 = { true, -EPROTONOSUPPORT, "Requested type not found" },
};
static const struct tsn_xfrm_trial trial_gcm_no_esp = {
	.gcm4 = { true, -EPROTONOSUPPORT, "Requested type not found" },
};
static const struct tsn_xfrm_trial trial_no_esp6 = {
	.gcm4 = { .tried = true },
	.esp6 = { true, -EPROTONOSUPPORT, "Requested type not found" },
};
static const struct tsn_xfrm_trial trial_no_priv = {
	.dump_err = -EPERM,
	.netns_err = -EPERM,
};
static const struct tsn_xfrm_trial trial_no_xfrm = {
	.dump_err = -EPROTONOSUPPORT,
	.netns_err = -EPROTONOSUPPORT,
};

struct want {
	const char *id;
	const char *text;	/* in the detail or the fix */
};

struct host_case {
	const char *name;
	const char *overlay;	/* NULL: the clean tree */
	const struct tsn_xfrm_trial *trial;	/* NULL: trial_ok */
	const char *ifname;	/* NULL: eth0; "-": none */
	unsigned mtu, payload_mtu;	/* mtu 0: 1500 */
	const char *statuses;	/* "id=status ...", the rest must be ok */
	struct want want[3];
};

/* A case with its own routes (the others have routes_ok). */
struct route_case {
	struct host_case c;
	const struct tsn_route *routes;	/* NULL: no peer */
	size_t n_routes;
	bool derived;		/* the interface is the routes' */
};
#define ROUTES(r) r, ARRAY_SIZE(r)

static struct host_case cases[] = {
	{ "clean", NULL, NULL, NULL, 0, 1400, "", {
		{ "strongswan.installed", "strongSwan 5.9.8" },
		{ "ports.ike", "UDP 500: charon (pid 1234)" },
		{ "mtu", "1463 bytes left for payload in ESP" } } },
	{ "strict rp_filter", "strict-rpfilter", NULL, NULL, 0, 0,
	  "sysctl.rp_filter=warn", {
		{ "sysctl.rp_filter", "sysctl -w net.ipv4.conf.eth0.rp_filter=2" },
		{ "sysctl.rp_filter", "on the cluster interface" } } },
	{ "all=1 beats eth0=0", "rpfilter-all-strict", NULL, NULL, 0, 0,
	  "sysctl.rp_filter=warn", {
		{ "sysctl.rp_filter", "sysctl -w net.ipv4.conf.all.rp_filter=2" } } },
	{ "eth0=2 beats all=1", "rpfilter-loose-wins", NULL, NULL, 0, 0, "", {
		{ "sysctl.rp_filter", "rp_filter 2 on eth0" } } },
	{ "all=2 beats eth0=1", "rpfilter-all-loose", NULL, NULL, 0, 0, "", {
		{ "sysctl.rp_filter", "rp_filter 2 on eth0 (all 2, eth0 1)" } } },
	{ "pluto holds 500", "pluto-500", NULL, NULL, 0, 0, "ports.ike=fail", {
		{ "ports.ike", "UDP 500: pluto (pid 4242), Libreswan's IKE daemon" },
		{ "ports.ike", "systemctl disable --now ipsec" },
		{ "strongswan.running", "charon not running" } } },
	{ "nc holds 4500", "nc-4500", NULL, NULL, 0, 0, "ports.ike=fail", {
		{ "ports.ike", "UDP 4500: nc (pid 999)" },
		{ "ports.ike", "UDP 500: charon (pid 1234)" } } },
	{ "owner not visible", "hidden-owner", NULL, NULL, 0, 0,
	  "ports.ike=warn", {
		{ "ports.ike", "cannot see (socket inode 77777)" } } },
	{ "no strongswan", "no-strongswan", NULL, NULL, 0, 0,
	  "strongswan.installed=fail strongswan.plugins=skip", {
		{ "strongswan.installed", "not installed: no swanctl, no charon" },
		{ "strongswan.installed", "apt-get install strongswan-swanctl" },
		{ "ports.ike", "are free" } } },
	{ "missing kdf plugin", "missing-kdf", NULL, NULL, 0, 0,
	  "strongswan.plugins=fail", {
		{ "strongswan.plugins", "will not load kdf (strongSwan 5.9.8" } } },
	{ "5.9.5 needs no kdf", "old-no-kdf", NULL, NULL, 0, 0, "", {
		{ "strongswan.installed", "strongSwan 5.9.5" } } },
	{ "kdf not in load list", "kdf-not-loaded", NULL, NULL, 0, 0,
	  "strongswan.plugins=fail", {
		{ "strongswan.plugins", "kdf" },
		{ "strongswan.plugins", "the explicit load list" } } },
	{ "load_modular, kdf load = no", "modular", NULL, NULL, 0, 0,
	  "strongswan.plugins=fail", {
		{ "strongswan.plugins", "will not load kdf" },
		{ "strongswan.plugins", "load_modular" } } },
	{ "load_modular, kdf load = 2", "modular-ok", NULL, NULL, 0, 0, "", {
		{ "strongswan.plugins", "load_modular" } } },
	{ "no AES-GCM provider", "no-gcm-provider", NULL, NULL, 0, 0,
	  "strongswan.plugins=fail", {
		{ "strongswan.plugins", "an AES-GCM provider" } } },
	{ "tiny MTU", NULL, NULL, NULL, 576, 1400, "mtu=warn", {
		{ "mtu", "MTU 576 leaves 539 bytes" },
		{ "mtu", "ip link set dev eth0 mtu 1445" } } },
	{ "MTU enough only without NAT-T", NULL, NULL, NULL, 1440, 1400,
	  "mtu=warn", { { "mtu", "only 1395 with UDP encapsulation" } } },
	{ "MTU exactly enough", NULL, NULL, NULL, 1445, 1400, "", { { 0 } } },
	{ "firewalld", "firewalld", NULL, NULL, 0, 0, "firewalld=warn", {
		{ "firewalld", "firewall-cmd --permanent --add-service=ipsec && "
			       "firewall-cmd --reload" } } },
	{ "iptables-legacy", "iptables-legacy", NULL, NULL, 0, 0,
	  "iptables-legacy=warn", {
		{ "iptables-legacy", "tables filter nat (IPv4); filter (IPv6)" } } },
	{ "redirects", "redirects", NULL, NULL, 0, 0, "sysctl.redirects=warn", {
		{ "sysctl.redirects", "sysctl -w net.ipv4.conf.all.send_redirects=0 "
		  "net.ipv4.conf.eth0.send_redirects=0 "
		  "net.ipv6.conf.eth0.accept_redirects=0" } } },
	{ "a host accepts redirects if all says so", "host-accept", NULL,
	  NULL, 0, 0, "sysctl.redirects=warn", {
		{ "sysctl.redirects", "sysctl -w net.ipv4.conf.all.accept_redirects=0" } } },
	{ "a router needs all and eth0 to accept", "router", NULL, NULL, 0, 0,
	  "", { { "sysctl.redirects", "neither sent nor accepted on eth0" } } },
	{ "larval drop off", "larval-off", NULL, NULL, 0, 0,
	  "sysctl.larval_drop=warn", {
		{ "sysctl.larval_drop", "net.core.xfrm_larval_drop=1" } } },
	{ "no XFRM", "no-xfrm", &trial_no_xfrm, NULL, 0, 0,
	  "kernel.xfrm=fail kernel.esp=warn kernel.gcm=warn "
	  "sysctl.larval_drop=fail", {
		{ "kernel.xfrm", "EPROTONOSUPPORT" },
		{ "kernel.esp", "cannot tell" },
		{ "kernel.esp", "no ESP trial: EPROTONOSUPPORT" } } },
	{ "stale pid file", "stale-pid", NULL, NULL, 0, 0,
	  "strongswan.running=warn", {
		{ "strongswan.running", "pid 1, which is 'systemd'" } } },
	{ "charon, no pid file", "charon-no-pidfile", NULL, NULL, 0, 0, "", {
		{ "strongswan.running", "charon running (pid 1234, no" } } },
	{ "charon of another netns", "charon-other-netns", NULL, NULL, 0, 0,
	  "", { { "strongswan.running", "charon not running" } } },
	{ "a charon that exits while we look is gone, not unknown",
	  "charon-gone", NULL, NULL, 0, 0, "", {
		{ "strongswan.running", "charon not running (tsnet" } } },
	{ "the pid file's charon exits while we look", "pidfile-charon-gone",
	  NULL, NULL, 0, 0, "", {
		{ "strongswan.running", "charon not running (stale "
		  "/run/charon.pid 1234)" } } },
	{ "pid file of another netns's charon", "pidfile-other-netns", NULL,
	  NULL, 0, 0, "strongswan.running=warn", {
		{ "strongswan.running", "charon (pid 1234) of another network "
		  "namespace" } } },
	{ "no AES-NI", "no-aesni", NULL, NULL, 0, 0, "cpu.aesni=warn", {
		{ "cpu.aesni", "no aes CPU flag" } } },
	{ "no ESP, like the dev box", "no-esp", &trial_no_esp, NULL, 0, 0,
	  "kernel.esp=fail kernel.gcm=fail", {
		{ "kernel.esp", "EPROTONOSUPPORT (Protocol not supported), "
		  "kernel says \"Requested type not found\"" },
		{ "kernel.esp", "no module under /lib/modules/6.18.44-fc-v782" },
		{ "kernel.gcm", "ENOSYS" } } },
	{ "ESP loadable, trial failed", "esp-loadable", &trial_gcm_no_esp,
	  NULL, 0, 0, "kernel.esp=fail", {
		{ "kernel.esp", "modprobe esp4 esp6" },
		{ "kernel.gcm", "see kernel.esp" } } },
	{ "no esp6", NULL, &trial_no_esp6, NULL, 0, 0, "kernel.esp=warn", {
		{ "kernel.esp", "over IPv6 the kernel refused it" } } },
	{ "not root, modular kernel without esp4", "esp-absent",
	  &trial_no_priv, NULL, 0, 0, "kernel.xfrm=skip kernel.esp=fail", {
		{ "kernel.esp", "esp4 not loaded, not built in, no module "
		  "under /lib/modules/6.1.0-56-amd64 (no ESP trial: EPERM" } } },
	{ "not root, no module support: cannot tell", "no-esp",
	  &trial_no_priv, NULL, 0, 0, "kernel.xfrm=skip kernel.esp=warn", {
		{ "kernel.esp", "cannot tell: esp4 not loaded (no /proc/modules" } } },
	{ "not root: files decide", "esp-loadable", &trial_no_priv, NULL, 0,
	  0, "kernel.xfrm=skip", {
		{ "kernel.esp", "esp4 not loaded but loadable" },
		{ "kernel.gcm", "rfc4106(gcm(aes)) in /proc/crypto" } } },
};

/* ---- temporary roots ---- */

static int rm_cb(const char *p, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void copy_tree(const char *src, const char *dst)
{
	struct dirent *de;
	DIR *d = opendir(src);

	cr_assert(d, "opendir %s: %s", src, strerror(errno));
	mkdir(dst, 0755);
	while ((de = readdir(d))) {
		char s[4096], t[4096], link[256];
		struct stat st;
		ssize_t n;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".remove"))
			continue;
		snprintf(s, sizeof(s), "%s/%s", src, de->d_name);
		snprintf(t, sizeof(t), "%s/%s", dst, de->d_name);
		cr_assert(lstat(s, &st) == 0);
		if (S_ISDIR(st.st_mode)) {
			copy_tree(s, t);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlink(s, link, sizeof(link) - 1);
			cr_assert(n > 0);
			link[n] = '\0';
			unlink(t);
			cr_assert(symlink(link, t) == 0, "symlink %s", t);
		} else {
			char *text = NULL;
			size_t len = 0;
			int fd;

			cr_assert(tsn_read_file(s, 1 << 20, &text, &len) == 0);
			unlink(t);
			fd = open(t, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode);
			cr_assert(fd >= 0);
			cr_assert(write(fd, text, len) == (ssize_t)len);
			close(fd);
			free(text);
		}
	}
	closedir(d);
}

static void make_root(const char *overlay, char *root, size_t len)
{
	char path[4096], *list = NULL, *line, *save = NULL;

	snprintf(root, len, "/tmp/th-host-XXXXXX");
	cr_assert(mkdtemp(root));
	copy_tree(DATA "clean", root);
	if (!overlay)
		return;
	snprintf(path, sizeof(path), DATA "%s/.remove", overlay);
	if (tsn_read_file(path, 1 << 16, &list, NULL) == 0) {
		for (line = strtok_r(list, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			snprintf(path, sizeof(path), "%s/%s", root, line);
			rm_tree(path);
		}
		free(list);
	}
	snprintf(path, sizeof(path), DATA "%s", overlay);
	copy_tree(path, root);
}

/* ---- the table ---- */

static enum tsn_status expected(const char *statuses, const char *id)
{
	char key[64];
	const char *p;
	enum tsn_status st = TSN_ST_OK;

	snprintf(key, sizeof(key), "%s=", id);
	for (p = strstr(statuses, key); p; p = strstr(p + 1, key)) {
		char word[16];

		if (p != statuses && p[-1] != ' ')
			continue;	/* "ports.ike=" inside another id */
		sscanf(p + strlen(key), "%15s", word);
		cr_assert(tsn_status_parse(word, &st) == 0, "bad %s", word);
		break;
	}
	return st;
}

static const struct route_case route_cases[] = {
	{ { "no interface, no peer", NULL, NULL, "-", 0, 0, "route=skip mtu=skip", {
		{ "sysctl.rp_filter", "rp_filter 2 on every interface" },
		{ "mtu", "no peer whose route names one" } } }, routes_none, 0, false },
	{ { "no interface in the inventory: the routes' is checked",
	  "strict-rpfilter", NULL, NULL, 0, 0, "sysctl.rp_filter=warn", {
		{ "mtu", "eth0 MTU 1500: 1463 bytes left for payload in ESP" },
		{ "mtu", "(the routes' interface: the inventory names none)" },
		{ "sysctl.rp_filter", "on the cluster interface" } } }, ROUTES(routes_ok), true },
	{ { "a peer reached by another interface", NULL, NULL, NULL, 0, 0,
	  "route=fail", {
		{ "route", "n3 (198.18.1.3) is reached by eth1, not eth0 (the "
			   "inventory's interface)" },
		{ "route", "route 198.18.1.3 by eth0 (ip route get 198.18.1.3" } } }, ROUTES(routes_eth1), false },
	/* sysctl's key takes a VLAN's eth0.100 as eth0/100 */
	{ { "strict rp_filter on a VLAN a route leaves by", "vlan-rpfilter",
	  NULL, NULL, 0, 0, "route=fail sysctl.rp_filter=warn", {
		{ "sysctl.rp_filter", "sysctl -w net.ipv4.conf.eth0/100."
				      "rp_filter=2" },
		{ "sysctl.rp_filter", "strict rp_filter (1) on eth0.100" } } },
	  ROUTES(routes_vlan), false },
	{ { "the route's source is not the inventory's address", NULL, NULL,
	  NULL, 0, 0, "route=fail", {
		{ "route", "to n2 (198.18.1.2) the kernel sends from 198.18.1.9, "
			   "not 198.18.1.1 (the inventory's address)" },
		{ "route", "ip route change ... src 198.18.1.1" } } }, ROUTES(routes_src), false },
	{ { "no route to a peer", NULL, NULL, NULL, 0, 0, "route=fail", {
		{ "route", "no route to n2 (198.18.1.2): ENETUNREACH" } } }, ROUTES(routes_none), false },
	{ { "a path MTU below payload_mtu: the pair, interface, number", NULL,
	  NULL, NULL, 0, 1400, "mtu=warn", {
		{ "mtu", "to n3 via eth0 the path MTU is 1300: 1255 bytes left "
			 "in ESP with UDP encapsulation, below the inventory's "
			 "payload_mtu 1400" },
		{ "mtu", "raise the path MTU to n3 to 1445" } } }, ROUTES(routes_pmtu), false },
	{ { "a lower path MTU that is still enough", NULL, NULL, NULL, 0, 0, "", {
		{ "mtu", "to n3 via eth0 the path MTU is 1450 (1405 left in ESP "
			 "with UDP encapsulation)" } } }, ROUTES(routes_pmtu_ok), false },
	{ { "a path MTU below IPv6's minimum", NULL, NULL, NULL, 0, 0, "mtu=fail",
	  { { "mtu", "below IPv6's minimum 1280" } } }, ROUTES(routes_pmtu6), false },
};

static const struct tsn_check *find(const struct tsn_node_report *n,
				    const char *id)
{
	for (size_t i = 0; i < n->n_checks; i++)
		if (!strcmp(n->checks[i].id, id))
			return &n->checks[i];
	return NULL;
}

/* The parameter is an index: a test may run in a fresh exec of this
 * binary, where pointers inside a copied struct would be stale. */
static int case_idx[ARRAY_SIZE(cases)];

ParameterizedTestParameters(host, table)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		case_idx[i] = (int)i;
	return cr_make_param_array(int, case_idx, ARRAY_SIZE(case_idx));
}

/* The UDP 500/4500 sockets sock_diag would list on an overlay's host, in
 * its order (port 500 then 4500, IPv4 then IPv6); the fake /proc says
 * who holds each.  Port 0 ends a list. */
static const struct {
	const char *overlay;	/* NULL: the clean tree's, and the default */
	struct tsn_sock_owner s[4];
} ike_socks[] = {
	{ NULL, { { .port = 500, .family = AF_INET, .inode = 41500 },
		  { .port = 500, .family = AF_INET6, .inode = 46500 },
		  { .port = 4500, .family = AF_INET, .inode = 44500 } } },
	{ "hidden-owner", { { .port = 500, .family = AF_INET, .inode = 77777 },
			    { .port = 4500, .family = AF_INET,
			      .inode = 44500 } } },
	{ "pluto-500", { { .port = 500, .family = AF_INET, .inode = 51500 },
			 { .port = 4500, .family = AF_INET, .inode = 54500 } } },
	{ "no-strongswan", { { .port = 0 } } },
};

static void set_ike_socks(struct tsn_host_opts *o, const char *overlay)
{
	size_t k = 0;

	for (size_t i = 1; overlay && i < ARRAY_SIZE(ike_socks); i++)
		if (!strcmp(ike_socks[i].overlay, overlay))
			k = i;
	o->ike_socks = ike_socks[k].s;
	for (o->n_ike_socks = 0; o->n_ike_socks < 4 &&
	     ike_socks[k].s[o->n_ike_socks].port; o->n_ike_socks++)
		;
}

/* One case: its root, its routes (rc NULL: routes_ok), the checks. */
static void run_case(const struct host_case *c, const struct route_case *rc)
{
	struct tsn_report r;
	struct tsn_node_report *n;
	struct tsn_host_opts o = { 0 };
	char root[64];

	make_root(c->overlay, root, sizeof(root));
	o.root = root;
	o.ifname = !c->ifname ? "eth0" : strcmp(c->ifname, "-") ?
		   c->ifname : NULL;
	o.ifname_derived = rc ? rc->derived : false;
	o.routes = rc ? rc->n_routes ? rc->routes : NULL : routes_ok;
	o.n_routes = rc ? rc->n_routes : ARRAY_SIZE(routes_ok);
	o.self_family = AF_INET;
	o.vici_version = "5.9.8";	/* what charon would answer */
	o.xfrm_list = &xfrm_none;	/* the kernel holds no IPsec */
	memcpy(o.self, (uint8_t[]){ 198, 18, 1, 1 }, 4);
	o.mtu = c->mtu ? c->mtu : 1500;
	o.payload_mtu = c->payload_mtu;
	o.trial = c->trial ? c->trial : &trial_ok;
	set_ike_socks(&o, c->overlay);
	tsn_report_init(&r, "test");
	n = tsn_report_node(&r, "n1");
	cr_assert(tsn_host_checks(&o, n) == 0, "%s", c->name);
	cr_assert_eq(n->n_checks, n_ids(), "%s: %zu checks",
		     c->name, n->n_checks);
	for (size_t i = 0; tsn_host_check_ids[i]; i++) {
		const struct tsn_check *k = &n->checks[i];
		enum tsn_status want = expected(c->statuses, tsn_host_check_ids[i]);

		cr_expect_str_eq(k->id, tsn_host_check_ids[i], "%s: check %zu", c->name,
				 i);
		cr_expect_eq(k->status, want, "%s: %s is %s, want %s: %s",
			     c->name, k->id, tsn_status_name(k->status),
			     tsn_status_name(want), k->detail);
		/* anything not ok says what to do, unless it cannot know */
		if (k->status == TSN_ST_FAIL || k->status == TSN_ST_WARN)
			cr_expect(k->fix || !strcmp(k->id, "kernel.xfrm") ||
				  !strcmp(k->id, "sysctl.larval_drop") ||
				  !strcmp(k->id, "cpu.aesni"),
				  "%s: %s has no fix", c->name, k->id);
	}
	for (size_t w = 0; w < ARRAY_SIZE(c->want) && c->want[w].id; w++) {
		const struct tsn_check *k = find(n, c->want[w].id);

		cr_assert(k, "%s: no %s", c->name, c->want[w].id);
		cr_expect(strstr(k->detail, c->want[w].text) ||
			  (k->fix && strstr(k->fix, c->want[w].text)),
			  "%s: %s: '%s' not in '%s' / '%s'", c->name, k->id,
			  c->want[w].text, k->detail, k->fix ? k->fix : "");
	}
	tsn_report_free(&r);
	rm_tree(root);
}

ParameterizedTest(int *idx, host, table)
{
	run_case(&cases[*idx], NULL);
}

static int route_idx[ARRAY_SIZE(route_cases)];

ParameterizedTestParameters(host, routes)
{
	for (size_t i = 0; i < ARRAY_SIZE(route_cases); i++)
		route_idx[i] = (int)i;
	return cr_make_param_array(int, route_idx, ARRAY_SIZE(route_idx));
}

ParameterizedTest(int *idx, host, routes)
{
	run_case(&route_cases[*idx].c, &route_cases[*idx]);
}

/* ---- pieces ---- */

Test(host, esp_payload_mtu)
{
	/* 1500 - (8 ESP + 8 IV + 3 pad + 2 trailer + 16 ICV) [- 8 UDP] */
	cr_expect_eq(tsn_esp_payload_mtu(1500, false), 1463);
	cr_expect_eq(tsn_esp_payload_mtu(1500, true), 1455);
	cr_expect_eq(tsn_esp_payload_mtu(9000, false), 8963);
	cr_expect_eq(tsn_esp_payload_mtu(45, true), 0);
	cr_expect_eq(tsn_esp_payload_mtu(37, false), 0);
	cr_expect_eq(tsn_esp_payload_mtu(38, false), 1);
}

Test(host, swan_version)
{
	static const struct {
		const char *s;
		unsigned v;
	} ok[] = {
		{ "Linux strongSwan 5.9.8\n", TSN_SWAN_VER(5, 9, 8) },
		{ "strongSwan swanctl 5.9.14", TSN_SWAN_VER(5, 9, 14) },
		{ "strongSwan 6.0.1 swanctl\nusage:", TSN_SWAN_VER(6, 0, 1) },
		{ "Linux strongSwan U5.9.5/K6.1.0", TSN_SWAN_VER(5, 9, 5) },
		{ "strongSwan 5.9", TSN_SWAN_VER(5, 9, 0) },
	};
	static const char *const bad[] = {
		"", "Linux strongSwan", "libreswan 4.12", "strongSwan x.y",
		"strongSwan\n5.9.8", "strongSwan 300.1.1",
	};
	unsigned v;

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		cr_expect(tsn_swan_version_parse(ok[i].s, &v) == 0, "%s",
			  ok[i].s);
		cr_expect_eq(v, ok[i].v, "%s: %x", ok[i].s, v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_expect(tsn_swan_version_parse(bad[i], &v) == -EINVAL, "%s",
			  bad[i]);
	cr_expect(TSN_SWAN_VER(5, 9, 6) > TSN_SWAN_VER(5, 9, 5));
	cr_expect(TSN_SWAN_VER(5, 10, 0) > TSN_SWAN_VER(5, 9, 14));
}

static void write_file(const char *root, const char *name, const char *text)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, name);
	f = fopen(p, "w");
	cr_assert(f, "%s", p);
	fputs(text, f);
	fclose(f);
}

Test(host, swconf_syntax)
{
	char root[] = "/tmp/th-swconf-XXXXXX", d[128];
	struct tsn_host_opts o = { 0 };
	struct tsn_swconf c;

	cr_assert(mkdtemp(root));
	snprintf(d, sizeof(d), "%s/etc", root);
	mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/etc/sw.d", root);
	mkdir(d, 0755);
	write_file(root, "etc/sw.conf",
		   "# comment\n"
		   "charon { # trailing comment\n"
		   "  load = a b  # after value\n"
		   "  quoted = \"x # not a comment\"\n"
		   "  plugins {\n"
		   "    include sw.d/*.conf\n"
		   "    vici : base {\n"
		   "      socket = unix:///run/x.vici\n"
		   "    }\n"
		   "  }\n"
		   "  load = c d\n"
		   "}\n"
		   "charon\n{\n  empty =\n}\n"
		   "include /etc/sw.d/top.inc\n"
		   "}\n"
		   "other { deep { deeper { k = v } } }\n");
	write_file(root, "etc/sw.d/kdf.conf", "kdf {\n  load = no\n}\n");
	write_file(root, "etc/sw.d/top.inc", "top = 1\n");
	o.root = root;
	cr_assert(tsn_swconf_load(&o, "/etc/sw.conf", &c) == 0);
	cr_expect_str_eq(tsn_swconf_get(&c, "charon.load"), "c d");
	cr_expect_str_eq(tsn_swconf_get(&c, "charon.quoted"),
			 "x # not a comment");
	cr_expect_str_eq(tsn_swconf_get(&c, "charon.plugins.kdf.load"), "no");
	cr_expect_str_eq(tsn_swconf_get(&c, "charon.plugins.vici.socket"),
			 "unix:///run/x.vici");
	cr_expect_str_eq(tsn_swconf_get(&c, "charon.empty"), "");
	/* an include at file level lands at the top */
	cr_expect_str_eq(tsn_swconf_get(&c, "top"), "1");
	cr_expect_null(tsn_swconf_get(&c, "charon.plugins.kdf"));
	cr_expect_null(tsn_swconf_get(&c, "nope"));
	tsn_swconf_free(&c);
	cr_expect(tsn_swconf_load(&o, "/etc/missing.conf", &c) == -ENOENT);
	/* a file that includes itself ends, with an error */
	write_file(root, "etc/loop.conf", "a = 1\ninclude loop.conf\n");
	cr_expect(tsn_swconf_load(&o, "/etc/loop.conf", &c) == -ELOOP);
	rm_tree(root);
}

/* Load text as a strongswan.conf under a fresh temporary root. */
static void swconf_text(const char *text, struct tsn_swconf *c)
{
	char root[] = "/tmp/th-swconf-XXXXXX";
	struct tsn_host_opts o = { .root = root };

	cr_assert(mkdtemp(root));
	write_file(root, "s.conf", text);
	cr_assert(tsn_swconf_load(&o, "/s.conf", c) == 0);
	rm_tree(root);
}

Test(host, swconf_plugin_rules)
{
	struct tsn_swconf c = { 0 };
	const char *how;

	/* no file at all: every installed plugin */
	cr_expect(tsn_swconf_plugin_wanted(&c, "charon", "vici", &how));
	cr_expect(strstr(how, "every installed"));
	swconf_text("charon {\n load = kernel-netlink! vici kdf\n"
		    " plugins { kdf { load = no } }\n}\n", &c);
	cr_expect(tsn_swconf_plugin_wanted(&c, "charon", "kernel-netlink",
					   &how), "critical '!' suffix");
	cr_expect(tsn_swconf_plugin_wanted(&c, "charon", "vici", &how));
	cr_expect(!tsn_swconf_plugin_wanted(&c, "charon", "kdf", &how),
		  "load = no drops it from the list");
	cr_expect(!tsn_swconf_plugin_wanted(&c, "charon", "kernel", &how));
	cr_expect(!tsn_swconf_plugin_wanted(&c, "charon", "openssl", &how));
	tsn_swconf_free(&c);
	swconf_text("charon {\n load_modular = yes\n plugins {\n"
		    "  vici { load = yes }\n  kdf { load = 5 }\n"
		    "  gcm { load = 0 }\n }\n}\n"
		    "charon-systemd.plugins.aes.load = true\n", &c);
	cr_expect(tsn_swconf_plugin_wanted(&c, "charon", "vici", &how));
	cr_expect(tsn_swconf_plugin_wanted(&c, "charon", "kdf", &how));
	cr_expect(!tsn_swconf_plugin_wanted(&c, "charon", "gcm", &how));
	cr_expect(!tsn_swconf_plugin_wanted(&c, "charon", "openssl", &how),
		  "modular: no load option, not loaded");
	cr_expect(!tsn_swconf_plugin_wanted(&c, "charon", "aes", &how));
	/* charon-systemd reads its own section, falling back to charon */
	cr_expect(tsn_swconf_plugin_wanted(&c, "charon-systemd", "aes", &how));
	cr_expect(tsn_swconf_plugin_wanted(&c, "charon-systemd", "kdf", &how));
	tsn_swconf_free(&c);
}

Test(host, errno_names)
{
	char b[96];

	cr_expect_str_eq(tsn_errno_str(-EPROTONOSUPPORT, b, sizeof(b)),
			 "EPROTONOSUPPORT (Protocol not supported)");
	cr_expect_str_eq(tsn_errno_str(ENOSYS, b, sizeof(b)),
			 "ENOSYS (Function not implemented)");
}

/* ---- VICI, over a real unix socket ---- */

struct vici_srv {
	int lfd;
	const uint8_t *answer;	/* NULL: accept, read, never answer */
	size_t len;
};

static void *serve(void *arg)
{
	struct vici_srv *v = arg;
	uint8_t buf[64];
	int fd = accept(v->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (read(fd, buf, sizeof(buf)) > 0 && v->answer)
		cr_assert_eq(write(fd, v->answer, v->len), (ssize_t)v->len);
	if (!v->answer)
		sleep(1);	/* a hung charon: holds the connection */
	close(fd);
	return NULL;
}

static int vici_ask(const uint8_t *answer, size_t len, char *ver)
{
	char dir[] = "/tmp/tsn-vici.XXXXXX", path[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vici_srv v = { -1, answer, len };
	pthread_t t;
	int ret;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/charon.vici", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	v.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_eq(bind(v.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(v.lfd, 1), 0);
	cr_assert_eq(pthread_create(&t, NULL, serve, &v), 0);
	ret = tsn_vici_version(path, 300, ver, 64);
	pthread_join(t, NULL);
	close(v.lfd);
	unlink(path);
	rmdir(dir);
	return ret;
}

Test(host, vici_version_over_a_socket)
{
	/* response: daemon = charon, version = 5.9.8 */
	static const uint8_t ok[] = {
		0, 0, 0, 33, 1,
		3, 6, 'd', 'a', 'e', 'm', 'o', 'n', 0, 6,
		'c', 'h', 'a', 'r', 'o', 'n',
		3, 7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0, 5,
		'5', '.', '9', '.', '8',
	};
	/* a value length past the segment's end */
	static const uint8_t bad[] = {
		0, 0, 0, 12, 1, 3, 7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0xff,
		0xff,
	};
	char ver[64] = "";

	cr_assert_eq(vici_ask(ok, sizeof(ok), ver), 0);
	cr_assert_str_eq(ver, "5.9.8");
	cr_assert_eq(vici_ask(bad, sizeof(bad), ver), -EPROTO);
	cr_assert_eq(vici_ask(NULL, 0, ver), -ETIMEDOUT, "a charon that hangs");
	cr_assert_eq(tsn_vici_version("/nonexistent/charon.vici", 300, ver,
				      sizeof(ver)), -ENOENT);
}

Test(host, vici_check_words)
{
	struct tsn_host_opts o = { .root = DATA "clean",
				   .vici_err = -ETIMEDOUT };
	struct tsn_report r;
	struct tsn_node_report *n;

	tsn_report_init(&r, "t");
	n = tsn_report_node(&r, "n1");
	cr_assert_eq(tsn_host_vici_check(&o, n, 1234), 0);
	cr_assert_eq(n->checks[0].status, TSN_ST_FAIL);
	cr_assert(strstr(n->checks[0].detail, "charon (pid 1234) runs but does "
			 "not answer VICI at "), "%s", n->checks[0].detail);
	cr_assert(strstr(n->checks[0].detail, "it hangs"));
	cr_assert(strstr(n->checks[0].fix, "restart charon"));
	o.vici_err = -ENOENT;
	cr_assert_eq(tsn_host_vici_check(&o, n, 1234), 0);
	cr_assert(strstr(n->checks[1].detail, "nothing listens for VICI"),
		  "%s", n->checks[1].detail);
	cr_assert_eq(tsn_host_vici_check(&o, n, 0), 0);
	cr_assert_eq(n->checks[2].status, TSN_ST_OK);
	tsn_report_free(&r);
}

/* ---- IPsec that is not tsnet's ---- */

#define POL(s0, sl, d0, dl, dr) { .policy = true, .family = AF_INET, \
	.src = { 198, 18, s0 }, .src_len = sl, .dst = { 198, 18, d0 }, \
	.dst_len = dl, .dir = dr }
#define HOSTPOL(dr) { .policy = true, .family = AF_INET, \
	.src = { 198, 18, 1, 1 }, .src_len = 32, .dst = { 198, 18, 1, 2 }, \
	.dst_len = 32, .dir = dr }

#define BLOCKPOL(dr) { .policy = true, .family = AF_INET, \
	.src = { 198, 18, 1, 1 }, .src_len = 32, .dst = { 198, 18, 1, 2 }, \
	.dst_len = 32, .dir = dr, .action = 1, .priority = 7, .index = 9 }

struct xfrm_case {
	const char *name;
	const char *overlay;		/* tsnet-enabled: ipsec.json exists */
	struct tsn_xfrm_list l;
	enum tsn_status st;
	const char *detail;
};

static const struct xfrm_case xfrm_cases[] = {
	{ "none", NULL, { .n = 0, .total_sa = 0 }, TSN_ST_OK,
	  "no IPsec state or policy but tsnet's (0 SAs, 0 policies)" },
	{ "a subnet policy over the cluster's traffic", NULL,
	  { .s = { POL(1, 24, 1, 24, 1) }, .n = 1, .total_pol = 1 },
	  TSN_ST_FAIL, "1 of the kernel's IPsec states and policies is not "
	  "tsnet's, taking over the traffic between the nodes: policy out "
	  "198.18.1.0/24 -> 198.18.1.0/24 action allow priority 0 index 0 "
	  "(covers the traffic with n2)" },
	{ "a policy elsewhere", NULL,
	  { .s = { POL(5, 24, 6, 24, 0) }, .n = 1, .total_pol = 1 },
	  TSN_ST_WARN, "1 of the kernel's IPsec states and policies is not "
	  "tsnet's: policy in 198.18.5.0/24 -> 198.18.6.0/24" },
	{ "a host-to-host policy before tsnet enabled IPsec here", NULL,
	  { .s = { HOSTPOL(1) }, .n = 1, .total_pol = 1 }, TSN_ST_FAIL,
	  "policy out 198.18.1.1/32 -> 198.18.1.2/32 action allow priority 0 "
	  "index 0 (covers the traffic with n2)" },
	{ "the same once tsnet enabled it: tsnet's", "tsnet-enabled",
	  { .s = { HOSTPOL(1), HOSTPOL(0) }, .n = 2, .total_pol = 2 },
	  TSN_ST_OK, "(0 SAs, 2 policies)" },
	{ "a block policy once tsnet enabled it: never tsnet's",
	  "tsnet-enabled", { .s = { HOSTPOL(0), BLOCKPOL(1) }, .n = 2,
	  .total_pol = 2 }, TSN_ST_FAIL, "1 of the kernel's IPsec states and "
	  "policies is not tsnet's, taking over the traffic between the "
	  "nodes: policy out 198.18.1.1/32 -> 198.18.1.2/32 action block "
	  "priority 7 index 9 (covers the traffic with n2)" },
	{ "no dump: says why", NULL, { .err = -EPERM }, TSN_ST_SKIP,
	  "cannot list the kernel's IPsec states and policies: EPERM" },
};

Test(host, xfrm_foreign_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(xfrm_cases); i++) {
		const struct xfrm_case *c = &xfrm_cases[i];
		struct tsn_host_opts o = { .xfrm_list = &c->l,
					   .routes = routes_ok,
					   .n_routes = ARRAY_SIZE(routes_ok),
					   .self_family = AF_INET,
					   .self = { 198, 18, 1, 1 } };
		struct tsn_report r;
		struct tsn_node_report *n;
		char root[64];

		make_root(c->overlay, root, sizeof(root));
		o.root = root;
		tsn_report_init(&r, "t");
		n = tsn_report_node(&r, "n1");
		cr_assert_eq(tsn_host_xfrm_foreign_check(&o, n), 0);
		cr_expect_eq(n->checks[0].status, c->st, "%s: %s", c->name,
			     tsn_status_name(n->checks[0].status));
		cr_expect(strstr(n->checks[0].detail, c->detail), "%s: '%s'",
			  c->name, n->checks[0].detail);
		tsn_report_free(&r);
		rm_tree(root);
	}
}

/* ---- iptables-legacy: what the filter rules do to the IPsec flows ---- */

struct legacy_case {
	const char *name;
	const char *save4;
	enum tsn_status st;
	const char *detail;
};

#define SAVE(policy, rules) "# Generated by iptables-save\n*nat\n" \
	":PREROUTING ACCEPT [0:0]\n-A PREROUTING -p esp -j DROP\nCOMMIT\n" \
	"*filter\n:INPUT " policy " [0:0]\n:FORWARD ACCEPT [0:0]\n" \
	":OUTPUT ACCEPT [0:0]\n" rules "COMMIT\n"

static const struct legacy_case legacy_cases[] = {
	{ "nothing drops (the nat table's rule is not the filter's)",
	  SAVE("ACCEPT", ""), TSN_ST_OK,
	  "iptables-legacy tables filter nat (IPv4); filter (IPv6): UDP 500, "
	  "UDP 4500 and ESP pass them" },
	{ "a rule drops ESP, named with its comment",
	  SAVE("ACCEPT", "-A INPUT -p esp -m comment --comment \"no esp\" -j "
	       "DROP\n"), TSN_ST_FAIL,
	  "iptables-legacy (which nftables cannot see) drops incoming ESP: "
	  "-A INPUT -p esp -m comment --comment \"no esp\" -j DROP" },
	{ "policy drop after accepts for 500 and established",
	  SAVE("DROP", "-A INPUT -m state --state RELATED,ESTABLISHED -j "
	       "ACCEPT\n-A INPUT -p udp -m udp --dport 500 -j ACCEPT\n"),
	  TSN_ST_FAIL, "drops incoming UDP 4500: chain INPUT policy DROP; "
	  "incoming ESP: chain INPUT policy DROP" },
	{ "multiport accepts both, ESP by number",
	  SAVE("DROP", "-A INPUT -p udp -m multiport --dports 500,4500 -j "
	       "ACCEPT\n-A INPUT -p 50 -j ACCEPT\n"), TSN_ST_OK, "pass them" },
	{ "a source address: cannot tell, the rule is named",
	  SAVE("ACCEPT", "-A INPUT -s 10.0.0.0/8 -j DROP\n"), TSN_ST_WARN,
	  "cannot tell what they do to incoming UDP 500: -A INPUT -s "
	  "10.0.0.0/8 -j DROP" },
	{ "another protocol's drop does not count",
	  SAVE("ACCEPT", "-A OUTPUT -p tcp -m tcp --dport 22 -j REJECT\n"),
	  TSN_ST_OK, "pass them" },
	{ "an output drop", SAVE("ACCEPT", "-A OUTPUT -p udp --dport 4500 -j "
	  "REJECT\n"), TSN_ST_FAIL, "drops outgoing UDP 4500: -A OUTPUT -p "
	  "udp --dport 4500 -j REJECT" },
};

Test(host, legacy_rules)
{
	for (size_t i = 0; i < ARRAY_SIZE(legacy_cases); i++) {
		const struct legacy_case *c = &legacy_cases[i];
		struct tsn_host_opts o = { .legacy_save4 = c->save4,
			.legacy_save6 = "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n" };
		struct tsn_report r;
		struct tsn_node_report *n;
		char root[64];

		make_root("iptables-legacy", root, sizeof(root));
		o.root = root;
		tsn_report_init(&r, "t");
		n = tsn_report_node(&r, "n1");
		cr_assert_eq(tsn_host_legacy_check(&o, n, "filter nat (IPv4); "
						   "filter (IPv6)"), 0);
		cr_expect_eq(n->checks[0].status, c->st, "%s: %s", c->name,
			     n->checks[0].detail);
		cr_expect(strstr(n->checks[0].detail, c->detail), "%s: '%s'",
			  c->name, n->checks[0].detail);
		if (c->st == TSN_ST_FAIL)
			cr_expect(strstr(n->checks[0].fix, "iptables-legacy -I "),
				  "%s: %s", c->name, n->checks[0].fix);
		tsn_report_free(&r);
		rm_tree(root);
	}
}
