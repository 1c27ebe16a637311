/* host.h - node-local host checks for `tsnet preflight`.
 *
 * Every check appends one tsn_check to a node report: a stable id, ok /
 * warn / fail / skip, a detail that says what was seen, and a fix hint.
 *
 *   kernel.xfrm  kernel.esp  kernel.gcm  cpu.aesni          host_kernel.c
 *   sysctl.rp_filter  sysctl.redirects  sysctl.larval_drop  host_sysctl.c
 *   strongswan.installed  .plugins  .running  .vici  ports.ike
 *                                                     host_ike.c, host_vici.c
 *   route  mtu  firewalld  iptables-legacy  xfrm.foreign
 *                                 host_route.c, host_misc.c, host_xfrm_seen.c
 *
 * with host_xfrm.c (the XFRM netlink trial), host_swconf.c (reading
 * strongswan.conf), host_proc.c (files, processes, socket owners) and
 * host_agent.c (`tsnet agent preflight-host`, JSON for the coordinator).
 *
 * The checks read the host through o->root ("" or NULL is the real one),
 * so unit tests point them at a fake /proc, /sys, /etc, /usr, /run tree
 * (tests/data/host/).  The three things a file cannot show - XFRM netlink
 * answering, the kernel accepting an ESP state, the interface MTU - are
 * asked of the running kernel unless the caller supplies them.
 */
#ifndef TSN_PREFLIGHT_HOST_H
#define TSN_PREFLIGHT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/cmd.h"
#include "lib/output.h"
#include "lib/sockdiag.h"
#include "lib/util.h"
#include "lib/xfrm.h"

/* One XFRM_MSG_NEWSA attempt: 0 or -errno, and the kernel's extended ACK
 * message ("Requested type not found"), "" when it gave none. */
struct tsn_xfrm_try {
	bool tried;
	int err;
	char ext[128];
};

/* What the kernel said.  The ESP states are added in a scratch network
 * namespace (unshare(CLONE_NEWNET) in a forked child), so nothing on the
 * host changes and the states vanish with the child. */
struct tsn_xfrm_trial {
	int dump_err;		/* XFRM_MSG_GETSA dump in our namespace */
	unsigned n_sa;		/* SAs that dump listed */
	int netns_err;		/* fork/unshare/pipe failed: no trial */
	struct tsn_xfrm_try gcm4;	/* ESP transport, rfc4106(gcm(aes)) */
	struct tsn_xfrm_try cbc4;	/* cbc(aes)+hmac(sha256), only when
					 * gcm4 failed on the algorithm */
	struct tsn_xfrm_try esp6;	/* IPv6, with an algorithm that worked */
};

/* Where packets to one peer leave, as RTM_GETROUTE answers (what `ip
 * route get` shows): host_route.c. */
struct tsn_route {
	char peer[64];			/* the peer's name */
	int family;
	uint8_t dst[16];
	int err;			/* -errno: no route */
	char ifname[16];
	int ifindex;
	uint8_t src[16], gw[16];	/* the source the kernel picks */
	bool has_src, has_gw;
	unsigned mtu;			/* the route's (or PMTU's), 0: none */
	unsigned dev_mtu;		/* the interface's */
	unsigned prefixlen;		/* of src on its interface, 0: unknown */
};

struct tsn_host_opts {
	const char *root;		/* NULL or "": the real host */
	const char *ifname;		/* cluster interface; NULL: skip mtu
					 * and per-interface sysctls */
	bool ifname_derived;		/* ifname is the routes', the inventory
					 * names none */
	unsigned payload_mtu;		/* inventory's payload_mtu, 0: none */
	/* The routes to the peers (NULL: no peer given), and this node's
	 * address in the inventory (self_family 0: not given). */
	const struct tsn_route *routes;
	size_t n_routes;
	int self_family;
	uint8_t self[16];
	const char *swan_conf;		/* NULL: /etc/strongswan.conf */
	/* Supplied results of live probes; NULL / 0: ask the kernel (or
	 * charon: its VICI version, or the -errno asking it gave). */
	const struct tsn_xfrm_trial *trial;
	unsigned mtu;
	const char *vici_version;
	int vici_err;
	int vici_timeout_ms;		/* 0: 2 s */
	const struct tsn_xfrm_list *xfrm_list;
	/* iptables-legacy-save's text (IPv4, IPv6); NULL: run it (on the
	 * real host only) */
	const char *legacy_save4, *legacy_save6;
	/* The UDP 500 and 4500 sockets as sock_diag lists them (port,
	 * family, inode); NULL: ask the kernel.  Their holders are looked
	 * up under root's /proc either way. */
	const struct tsn_sock_owner *ike_socks;
	size_t n_ike_socks;
};

/* All checks, in the order of the table above: one row each, ids as
 * tsn_host_check_ids lists them (NULL-terminated; a new check goes in
 * both, and the tests count from the list).  0, or -ENOMEM. */
int tsn_host_checks(const struct tsn_host_opts *o, struct tsn_node_report *n);
extern const char *const tsn_host_check_ids[];
int tsn_host_kernel_checks(const struct tsn_host_opts *o,
			   struct tsn_node_report *n);
int tsn_host_sysctl_checks(const struct tsn_host_opts *o,
			   struct tsn_node_report *n);
int tsn_host_ike_checks(const struct tsn_host_opts *o,
			struct tsn_node_report *n);
int tsn_host_misc_checks(const struct tsn_host_opts *o,
			 struct tsn_node_report *n);

/* Fill each route from its family and dst (and peer, for messages):
 * 0, or -errno when netlink cannot be asked; a peer without a route has
 * its own err (host_route.c). */
int tsn_route_get(struct tsn_route *r, size_t n);
/* What is wrong with one route: nothing, no route, another interface
 * than the inventory's, another source address than the inventory's. */
enum tsn_route_fault {
	TSN_ROUTE_OK, TSN_ROUTE_NONE, TSN_ROUTE_IFACE, TSN_ROUTE_SRC,
};
enum tsn_route_fault tsn_route_fault(const struct tsn_host_opts *o,
				     const struct tsn_route *r);
/* The route's path MTU (the route's own, or its interface's) is below
 * the cluster interface's and leaves less in ESP with UDP encapsulation
 * than the path must carry: the "mtu" check names that peer, and the
 * pair joins its problem (host_misc.c). */
bool tsn_route_mtu_short(const struct tsn_host_opts *o,
			 const struct tsn_route *r);
/* "route": every peer leaves by the cluster interface and from the
 * node's inventory address. */
int tsn_host_route_check(const struct tsn_host_opts *o,
			 struct tsn_node_report *n);

/* "iptables-legacy" where such tables exist (tables: their names, for
 * the detail): what their filter rules do to the IPsec flows
 * (host_legacy.c). */
int tsn_host_legacy_check(const struct tsn_host_opts *o,
			  struct tsn_node_report *n, const char *tables);
/* Whether a policy in l that is not tsnet's covers the traffic between
 * this node and the peer of r. */
bool tsn_xfrm_foreign_covers(const struct tsn_host_opts *o,
			     const struct tsn_xfrm_list *l,
			     const struct tsn_route *r);
/* "xfrm.foreign": states and policies tsnet did not make. */
int tsn_host_xfrm_foreign_check(const struct tsn_host_opts *o,
				struct tsn_node_report *n);

/* "version" asked of charon over VICI at path (host_vici.c): 0 and
 * ver ("5.9.8"), or -errno (-ETIMEDOUT: it did not answer in time). */
int tsn_vici_version(const char *path, int timeout_ms, char *ver,
		     size_t len);
/* Command cmd (no arguments) asked of charon over VICI at path: 0 and
 * its response segment (type byte first, malloc'd) in *body, or -errno
 * (-EPROTO: longer than max, or empty). */
int tsn_vici_ask(const char *path, int timeout_ms, const char *cmd,
		 size_t max, uint8_t **body, size_t *len);
/* The path of charon's VICI socket on this host (under o's root). */
int tsn_host_vici_path(const struct tsn_host_opts *o, char *full,
		       size_t len);
/* Whether a VICI "stats" response (the segment tsn_vici_ask returns)
 * lists plugin among charon's loaded plugins (host_connmark.c): 1 yes,
 * 0 no, -ENOENT no plugin list, -EPROTO malformed. */
int tsn_vici_stats_plugin(const uint8_t *p, size_t len, const char *plugin);
/* "loaded", "not loaded" or NULL (cannot tell: why says so) for
 * plugin in the charon that answers VICI here. */
const char *tsn_host_charon_plugin(const struct tsn_host_opts *o,
				   const char *plugin, char *why, size_t len);
/* "strongswan.vici": charon (its pid; 0: not running) answers VICI. */
int tsn_host_vici_check(const struct tsn_host_opts *o,
			struct tsn_node_report *n, pid_t charon);

/* Live XFRM probes (host_xfrm.c): the dump here, then the ESP trial in
 * a scratch namespace.  Needs CAP_NET_ADMIN and CAP_SYS_ADMIN; without
 * them the errors say so.  Always fills t; returns 0. */
int tsn_xfrm_trial_run(struct tsn_xfrm_trial *t);

/* Largest IP packet left for payload when an interface of this MTU
 * carries it in ESP transport mode with AES-GCM-16, worst case padding,
 * with or without UDP encapsulation (host_misc.c shows the arithmetic).
 * 0 when the MTU is too small for any payload. */
unsigned tsn_esp_payload_mtu(unsigned mtu, bool udp_encap);

/* "5.9.8" out of "Linux strongSwan 5.9.8", "strongSwan swanctl 5.9.8" or
 * "strongSwan 5.9.8 swanctl": 0 or -EINVAL.  ver is major<<16|minor<<8|
 * patch, so versions compare as integers. */
int tsn_swan_version_parse(const char *s, unsigned *ver);
#define TSN_SWAN_VER(a, b, c) ((unsigned)(a) << 16 | (b) << 8 | (c))

/* strongswan.conf, flattened (host_swconf.c): "charon.plugins.vici.load"
 * -> "yes", sections joined with dots, includes followed (globs relative
 * to the including file), the last assignment winning as in charon. */
struct tsn_swconf_kv {
	char *key;
	char *value;
};
struct tsn_swconf {
	struct tsn_swconf_kv *kv;
	size_t n;
	size_t cap;
};
/* path is on the host (ROOT is prepended).  0, or -errno (-ENOENT when
 * the file is missing, -ELOOP for includes nested too deep). */
int tsn_swconf_load(const struct tsn_host_opts *o, const char *path,
		    struct tsn_swconf *c);
/* The same for text already in memory, read as if it were at path. */
int tsn_swconf_parse(const struct tsn_host_opts *o, const char *path,
		     const char *text, struct tsn_swconf *c);
/* Only the exact key; NULL when unset. */
const char *tsn_swconf_get(const struct tsn_swconf *c, const char *key);
void tsn_swconf_free(struct tsn_swconf *c);
/* Whether charon, reading section ns (with charon-systemd falling back to
 * charon, as charon-systemd does), asks for plugin name: the modular
 * per-plugin "load" options when load_modular is set, else the ns.load
 * list, else every installed plugin (the compiled-in default list);
 * "load = no" drops a plugin from the latter two.  *how names the rule. */
bool tsn_swconf_plugin_wanted(const struct tsn_swconf *c, const char *ns,
			      const char *name, const char **how);

/* Shared by the host_*.c files (host_proc.c). */
int tsn_host_path(const struct tsn_host_opts *o, char *buf, size_t len,
		  const char *fmt, ...) TSN_PRINTF(4, 5);
/* Read ROOT/path (at most 4 MiB) into a NUL-terminated string. */
int tsn_host_read(const struct tsn_host_opts *o, const char *path,
		  char **out);
/* The first line of ROOT/path as a strict integer. */
int tsn_host_read_int(const struct tsn_host_opts *o, const char *path,
		      long *v);
bool tsn_host_exists(const struct tsn_host_opts *o, const char *path);
/* /proc/PID/comm, without its newline. */
int tsn_host_comm(const struct tsn_host_opts *o, pid_t pid, char *buf,
		  size_t len);
/* First process whose comm is one of names (NULL-terminated): 0 and
 * *pid / *which set, or -ENOENT. */
int tsn_host_find_process(const struct tsn_host_opts *o,
			  const char *const *names, pid_t *pid,
			  const char **which);
/* "EPROTONOSUPPORT (Protocol not supported)" for -EPROTONOSUPPORT. */
const char *tsn_errno_str(int err, char *buf, size_t len);

/* `tsnet agent preflight-host --interface IF [--payload-mtu N]`. */
int tsn_preflight_host_action(int argc, char **argv, struct tsn_ctx *ctx);

#endif
