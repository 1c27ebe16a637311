/* host_misc.c - the cluster interface's MTU after ESP (and each peer's
 * path MTU where a route lowers it), firewalld, and iptables-legacy rules
 * that nftables cannot see; and the list of all host checks.
 *
 * ESP transport mode with AES-GCM-16 (RFC 4106) adds, per packet:
 *
 *   ESP header   SPI 4 + sequence number 4              8
 *   IV           GCM's explicit IV                      8
 *   padding      payload + padding + 2 must be a
 *                multiple of 4 (GCM is a stream mode,
 *                ESP still aligns to 4 bytes)           0..3
 *   trailer      pad length 1 + next header 1           2
 *   ICV          16-byte GCM tag                       16
 *                                                     ----
 *                                     worst case       37
 *   UDP encapsulation (RFC 3948, NAT-T): + UDP header 8 = 45
 *
 * Transport mode keeps the packet's own IP header (20 or 40 bytes, the
 * same before and after), so the IP packet that still fits in one frame
 * is the MTU minus 37, or minus 45 with UDP encapsulation, for IPv4 and
 * IPv6 alike.  We report the worst case so the figure always holds.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "preflight/host.h"

#define ESP_GCM16_OVERHEAD (8 + 8 + 3 + 2 + 16)
#define UDP_ENCAP_OVERHEAD 8

_Static_assert(ESP_GCM16_OVERHEAD == 37, "ESP AES-GCM-16 worst case");

unsigned tsn_esp_payload_mtu(unsigned mtu, bool udp_encap)
{
	unsigned over = ESP_GCM16_OVERHEAD +
			(udp_encap ? UDP_ENCAP_OVERHEAD : 0);

	return mtu > over ? mtu - over : 0;
}

static int iface_mtu(const char *ifname, unsigned *mtu)
{
	struct ifreq ifr;
	int fd, ret = 0;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		ret = -errno;
	else
		*mtu = (unsigned)ifr.ifr_mtu;
	close(fd);
	return ret;
}

/* What a path must carry inside ESP: the inventory's payload_mtu, else
 * the least each IP version lets a link have (IPv6 1280, IPv4 576). */
static unsigned needed(const struct tsn_host_opts *o, int family)
{
	return o->payload_mtu ? o->payload_mtu : family == AF_INET6 ? 1280 :
	       576;
}

/* The path MTU to a peer: the route's, or its interface's where lower. */
static unsigned route_pmtu(const struct tsn_route *r)
{
	return r->mtu && (!r->dev_mtu || r->mtu < r->dev_mtu) ? r->mtu :
	       r->dev_mtu;
}

/* Whether r's path MTU is below the cluster interface's if_mtu (0 when
 * the route is unknown: no), and whether what it leaves in ESP is below
 * what the path must carry: the one test path_mtu and host_agent.c's
 * mtu_short share. */
static bool pmtu_below(const struct tsn_host_opts *o,
		       const struct tsn_route *r, unsigned if_mtu, bool *short_)
{
	unsigned pm = route_pmtu(r);

	if (r->err || !pm || pm >= if_mtu)
		return false;
	*short_ = tsn_esp_payload_mtu(pm, true) < needed(o, r->family);
	return true;
}

bool tsn_route_mtu_short(const struct tsn_host_opts *o,
			 const struct tsn_route *r)
{
	unsigned if_mtu = o->mtu;
	bool short_ = false;

	if (!o->ifname || (!if_mtu && iface_mtu(o->ifname, &if_mtu) < 0))
		return false;
	return pmtu_below(o, r, if_mtu, &short_) && short_;
}

/* A peer whose path MTU (a route's, or another interface's) is below
 * the cluster interface's: what is left in ESP there, and whether that
 * is below what it must carry.  The pair, the interface and the number
 * are named. */
static int path_mtu(const struct tsn_host_opts *o, const struct tsn_route *r,
		    unsigned if_mtu, struct tsn_buf *d, enum tsn_status *st,
		    struct tsn_buf *fix)
{
	unsigned pm = route_pmtu(r);
	unsigned left = tsn_esp_payload_mtu(pm, true), need = needed(o, r->family);
	bool short_ = false;

	if (!pmtu_below(o, r, if_mtu, &short_))
		return 0;
	if (!short_)
		return tsn_buf_printf(d, "; to %s via %s the path MTU is %u "
				      "(%u left in ESP with UDP "
				      "encapsulation)", r->peer, r->ifname, pm,
				      left);
	if (!fix->len)
		tsn_buf_printf(fix, "raise the path MTU to %s to %u (ip route "
			       "change ... mtu %u), or lower payload_mtu",
			       r->peer, need + ESP_GCM16_OVERHEAD +
			       UDP_ENCAP_OVERHEAD, need + ESP_GCM16_OVERHEAD +
			       UDP_ENCAP_OVERHEAD);
	if (*st != TSN_ST_FAIL)
		*st = o->payload_mtu ? TSN_ST_WARN : TSN_ST_FAIL;
	return tsn_buf_printf(d, "; to %s via %s the path MTU is %u: %u "
			      "bytes left in ESP with UDP encapsulation, below "
			      "%s %u", r->peer, r->ifname, pm, left,
			      o->payload_mtu ? "the inventory's payload_mtu" :
			      r->family == AF_INET6 ? "IPv6's minimum" :
			      "IPv4's minimum", need);
}

/* The interface's MTU against the inventory's payload_mtu. */
static enum tsn_status iface_verdict(const struct tsn_host_opts *o,
				     unsigned mtu, struct tsn_buf *d,
				     struct tsn_buf *fix)
{
	unsigned esp = tsn_esp_payload_mtu(mtu, false);
	unsigned udp = tsn_esp_payload_mtu(mtu, true), need = o->payload_mtu;
	unsigned want = need + ESP_GCM16_OVERHEAD + UDP_ENCAP_OVERHEAD;

	if (need && need > esp) {
		tsn_buf_printf(fix, "ip link set dev %s mtu %u, or lower "
			       "payload_mtu", o->ifname, want);
		tsn_buf_printf(d, "%s MTU %u leaves %u bytes for payload in "
			       "ESP, below the inventory's payload_mtu %u",
			       o->ifname, mtu, esp, need);
		return TSN_ST_WARN;
	}
	if (need && need > udp) {
		tsn_buf_printf(fix, "ip link set dev %s mtu %u, or avoid NAT "
			       "between the nodes", o->ifname, want);
		tsn_buf_printf(d, "%s MTU %u leaves %u bytes in ESP but only "
			       "%u with UDP encapsulation (NAT), below the "
			       "inventory's payload_mtu %u", o->ifname, mtu,
			       esp, udp, need);
		return TSN_ST_WARN;
	}
	tsn_buf_printf(d, "%s MTU %u: %u bytes left for payload in ESP "
		       "(AES-GCM-16), %u with UDP encapsulation%s%s", o->ifname,
		       mtu, esp, udp, need ? "" : " (no payload_mtu to compare)",
		       o->ifname_derived ? " (the routes' interface: the "
		       "inventory names none)" : "");
	return TSN_ST_OK;
}

static int check_mtu(const struct tsn_host_opts *o, struct tsn_node_report *n)
{
	struct tsn_buf d = { 0 }, fix = { 0 };
	enum tsn_status st;
	unsigned mtu = o->mtu;
	char e[96];
	int ret = 0;

	if (!o->ifname)
		return tsn_node_check(n, "mtu", TSN_ST_SKIP, NULL,
				      "no cluster interface given, and no peer "
				      "whose route names one");
	if (!mtu) {
		ret = iface_mtu(o->ifname, &mtu);
		if (ret < 0)
			return tsn_node_check(n, "mtu", TSN_ST_FAIL,
					      "set the cluster's interface in "
					      "the inventory", "cluster "
					      "interface %s: %s", o->ifname,
					      tsn_errno_str(ret, e, sizeof(e)));
	}
	st = iface_verdict(o, mtu, &d, &fix);
	for (size_t i = 0; i < o->n_routes && !ret; i++)
		ret = path_mtu(o, &o->routes[i], mtu, &d, &st, &fix);
	if (!ret)
		ret = d.p ? tsn_node_check(n, "mtu", st, fix.len ? fix.p : NULL,
					   "%s", d.p) : -ENOMEM;
	tsn_buf_free(&d);
	tsn_buf_free(&fix);
	return ret;
}

static int check_firewalld(const struct tsn_host_opts *o,
			   struct tsn_node_report *n)
{
	static const char *const names[] = { "firewalld", NULL };
	const char *fix = "firewall-cmd --permanent --add-service=ipsec && "
			  "firewall-cmd --reload";
	char comm[64];
	long v;
	pid_t pid;

	if (tsn_host_find_process(o, names, &pid, NULL) == 0)
		return tsn_node_check(n, "firewalld", TSN_ST_WARN, fix,
				      "firewalld running (pid %d): it owns "
				      "the firewall, so open IPsec with its "
				      "ipsec service", (int)pid);
	/* "python3 /usr/sbin/firewalld" has another comm: its pid file */
	if (tsn_host_read_int(o, "/run/firewalld.pid", &v) == 0 && v > 0 &&
	    v < 0x7fffffff && tsn_host_comm(o, (pid_t)v, comm,
					    sizeof(comm)) == 0)
		return tsn_node_check(n, "firewalld", TSN_ST_WARN, fix,
				      "firewalld running (pid %ld, '%s'): "
				      "open IPsec with its ipsec service", v,
				      comm);
	return tsn_node_check(n, "firewalld", TSN_ST_OK, NULL,
			      "firewalld not running%s",
			      tsn_host_exists(o, "/run/firewalld") ?
			      " (a leftover /run/firewalld)" : "");
}

/* "filter nat" out of ip_tables_names. */
static void table_names(const struct tsn_host_opts *o, const char *file,
			struct tsn_buf *out, const char *label)
{
	char *text = NULL, *w, *save = NULL;
	size_t start = out->len;

	if (tsn_host_read(o, file, &text) < 0)
		return;
	for (w = strtok_r(text, " \t\n", &save); w;
	     w = strtok_r(NULL, " \t\n", &save))
		tsn_buf_printf(out, "%s%s", out->len == start ?
			       (start ? "; " : "") : " ", w);
	if (out->len != start)
		tsn_buf_printf(out, " (%s)", label);
	free(text);
}

static int check_iptables_legacy(const struct tsn_host_opts *o,
				 struct tsn_node_report *n)
{
	struct tsn_buf t = { 0 };
	int ret;

	table_names(o, "/proc/net/ip_tables_names", &t, "IPv4");
	table_names(o, "/proc/net/ip6_tables_names", &t, "IPv6");
	if (!t.len)
		ret = tsn_node_check(n, "iptables-legacy", TSN_ST_OK, NULL,
				     "no iptables-legacy tables");
	else
		ret = tsn_host_legacy_check(o, n, t.p);
	tsn_buf_free(&t);
	return ret;
}

int tsn_host_misc_checks(const struct tsn_host_opts *o,
			 struct tsn_node_report *n)
{
	int ret;

	ret = tsn_host_route_check(o, n);
	if (ret == 0)
		ret = check_mtu(o, n);
	if (ret == 0)
		ret = check_firewalld(o, n);
	if (ret == 0)
		ret = check_iptables_legacy(o, n);
	if (ret == 0)
		ret = tsn_host_xfrm_foreign_check(o, n);
	return ret;
}

const char *const tsn_host_check_ids[] = {
	"kernel.xfrm", "kernel.esp", "kernel.gcm", "cpu.aesni",
	"sysctl.rp_filter", "sysctl.redirects", "sysctl.larval_drop",
	"strongswan.installed", "strongswan.plugins", "strongswan.running",
	"strongswan.vici", "ports.ike", "route", "mtu", "firewalld",
	"iptables-legacy", "xfrm.foreign", NULL,
};

int tsn_host_checks(const struct tsn_host_opts *o, struct tsn_node_report *n)
{
	int (*const groups[])(const struct tsn_host_opts *,
			      struct tsn_node_report *) = {
		tsn_host_kernel_checks, tsn_host_sysctl_checks,
		tsn_host_ike_checks, tsn_host_misc_checks,
	};
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(groups) && ret == 0; i++)
		ret = groups[i](o, n);
	return ret;
}
