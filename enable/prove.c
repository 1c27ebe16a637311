/* prove.c - `tsnet agent ipsec-prove`: what is on the wire between this
 * node and its peers once IPsec is on.
 *
 * A short libpcap capture on the cluster interface (probe/capture.c,
 * shared with `tsnet verify`) while this node sends a few UDP datagrams
 * to every peer (and the peers, running the same action at the same
 * time, send to it).  Every frame is classified by
 * probe/'s tsn_classify_frame: ESP, ESP in UDP, IKE, NAT keepalive or
 * cleartext.  Per peer the reply counts each class and names every
 * cleartext packet between the two (protocol, ports, direction): any
 * such packet is a leak.  Captures both directions, so traffic that
 * leaves this node in clear is seen even if the peer drops it.  The
 * kernel's IPsec drop counters are read before and after the capture,
 * and per peer what its SAs into this node failed to authenticate: the
 * coordinator names every counter that rose (lib/xfrm_stat.c).  A
 * dual-stack pair (both nodes have address6) is proved over each family:
 * a second entry for the peer, "over": "address6", with its own counts.
 * The datagrams leave from the family's own inventory address (bound):
 * a host with several IPv6 addresses (SLAAC, temporary) could pick
 * another source, which no policy covers.  Cleartext to a peer from
 * any other global address of this host is a leak of that pair too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "enable/conf.h"
#include "enable/ipsec.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/xfrm.h"
#include "probe/packet.h"
#include "probe/probe.h"

#define SNAPLEN 256
#define PROVE_PORT 7473		/* nothing listens: the datagrams only
				 * need to cross the wire */
#define DATAGRAMS 5
#define LEAKS_MAX 8
#define DEFAULT_MS 3000
#define LOCAL_MAX 64		/* this host's other addresses, enough */

struct peer_count {
	const struct tsn_node *node;
	struct tsn_ip_addr ip, self;	/* the two ends, one family */
	bool v6;			/* a dual-stack pair's IPv6 ends */
	unsigned cls[TSN_PKT_CLEARTEXT + 1];
	char leaks[LEAKS_MAX][192];
	unsigned n_leaks;
};

struct prove {
	const struct tsn_node *self;
	struct tsn_ip_addr self_ip;
	struct peer_count *peers;
	size_t n_peers;
	size_t n_nodes;			/* peers[] before the IPv6 entries */
	/* this host's global addresses but the inventory's */
	struct tsn_ip_addr local[LOCAL_MAX];
	size_t n_local;
	int dlt;
	unsigned total;
	/* the kernel's drop counters around the capture */
	struct tsn_xstat_window xw;
	bool xw_read;
};

static void to_ip(const struct tsn_addr *a, struct tsn_ip_addr *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = a->family;
	if (a->family == AF_INET)
		memcpy(ip->a, &a->v4, 4);
	else if (a->family == AF_INET6)
		memcpy(ip->a, &a->v6, 16);
}

static bool ip_eq(const struct tsn_ip_addr *a, const struct tsn_ip_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->a, b->a, a->family == AF_INET ? 4 : 16);
}

/* Is ip one of this host's addresses other than the inventory's? */
static bool other_local(const struct prove *pv, const struct tsn_ip_addr *ip)
{
	for (size_t i = 0; i < pv->n_local; i++)
		if (ip_eq(ip, &pv->local[i]))
			return true;
	return false;
}

static void on_frame(u_char *arg, const struct pcap_pkthdr *h,
		     const u_char *frame)
{
	struct prove *pv = (struct prove *)arg;
	struct tsn_pkt pkt;
	char line[140];

	if (tsn_classify_frame(pv->dlt, frame, h->caplen, &pkt) < 0 ||
	    pkt.cls < TSN_PKT_ESP)
		return;
	pv->total++;
	for (size_t i = 0; i < pv->n_peers; i++) {
		struct peer_count *pc = &pv->peers[i];
		bool out = ip_eq(&pkt.src, &pc->self) &&
			   ip_eq(&pkt.dst, &pc->ip);
		bool in = ip_eq(&pkt.dst, &pc->self) &&
			  ip_eq(&pkt.src, &pc->ip);
		/* to the peer from another of our addresses: no policy
		 * covers it, only cleartext from there counts */
		bool other = pkt.cls == TSN_PKT_CLEARTEXT &&
			     ip_eq(&pkt.dst, &pc->ip) &&
			     other_local(pv, &pkt.src);

		if (!out && !in && !other)
			continue;
		pc->cls[pkt.cls]++;
		if (pkt.cls == TSN_PKT_CLEARTEXT && pc->n_leaks < LEAKS_MAX) {
			tsn_pkt_str(&pkt, line, sizeof(line));
			snprintf(pc->leaks[pc->n_leaks++], sizeof(pc->leaks[0]),
				 "%s (%s)", line, out ? "out" : in ? "in" :
				 "out, from another address");
		}
	}
}

/* ip and port as a sockaddr into ss; its length. */
static socklen_t to_sockaddr(const struct tsn_ip_addr *ip, uint16_t port,
			     struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, ip->a, 4);
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, ip->a, 16);
	return sizeof(*s6);
}

/* From the pair's own address only: a datagram that cannot leave from
 * it is not sent (it would match no policy), and the proof sees less. */
static void send_datagrams(void *arg)
{
	const struct prove *pv = arg;
	static const char msg[] = "tsnet ipsec-prove";

	for (size_t i = 0; i < pv->n_peers; i++) {
		const struct peer_count *pc = &pv->peers[i];
		struct sockaddr_storage src, dst;
		socklen_t sl = to_sockaddr(&pc->self, 0, &src);
		socklen_t dl = to_sockaddr(&pc->ip, PROVE_PORT, &dst);
		int fd = socket(pc->ip.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			continue;
		if (bind(fd, (struct sockaddr *)&src, sl) == 0)
			for (int k = 0; k < DATAGRAMS; k++)
				sendto(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT,
				       (struct sockaddr *)&dst, dl);
		close(fd);
	}
}

/* This host's global addresses that are not its inventory ones: the
 * loopback and link-local ones never reach a peer's address routed. */
static void read_local(struct prove *pv)
{
	struct ifaddrs *ifa, *i;
	struct tsn_ip_addr ip, a6;

	to_ip(&pv->self->addr6, &a6);
	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i && pv->n_local < LOCAL_MAX; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (!sa || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		memset(&ip, 0, sizeof(ip));
		if (sa->sa_family == AF_INET) {
			ip.family = AF_INET;
			memcpy(ip.a, &((const struct sockaddr_in *)
				       (const void *)sa)->sin_addr, 4);
		} else if (sa->sa_family == AF_INET6) {
			ip.family = AF_INET6;
			memcpy(ip.a, &((const struct sockaddr_in6 *)
				       (const void *)sa)->sin6_addr, 16);
			if (ip.a[0] == 0xfe && (ip.a[1] & 0xc0) == 0x80)
				continue;	/* fe80::/10 */
		} else {
			continue;
		}
		if (!ip_eq(&ip, &pv->self_ip) && !ip_eq(&ip, &a6))
			pv->local[pv->n_local++] = ip;
	}
	freeifaddrs(ifa);
}

static void reply(const struct prove *pv, const char *ifname,
		  const char *err)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "node", pv->self ? pv->self->name : NULL);
	tsn_json_kstr(&j, "interface", ifname);
	tsn_json_kuint(&j, "packets", pv->total);
	tsn_json_key(&j, "peers");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < pv->n_peers; i++) {
		const struct peer_count *pc = &pv->peers[i];

		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "peer", pc->node->name);
		if (pc->v6)
			tsn_json_kstr(&j, "over", "address6");
		tsn_json_kuint(&j, "esp", pc->cls[TSN_PKT_ESP]);
		tsn_json_kuint(&j, "esp_in_udp", pc->cls[TSN_PKT_ESP_IN_UDP]);
		tsn_json_kuint(&j, "ike", pc->cls[TSN_PKT_IKE]);
		tsn_json_kuint(&j, "nat_keepalive",
			       pc->cls[TSN_PKT_NAT_KEEPALIVE]);
		tsn_json_kuint(&j, "cleartext", pc->cls[TSN_PKT_CLEARTEXT]);
		tsn_json_key(&j, "leaks");
		tsn_json_arr_begin(&j);
		for (unsigned k = 0; k < pc->n_leaks; k++)
			tsn_json_str(&j, pc->leaks[k]);
		tsn_json_arr_end(&j);
		tsn_json_obj_end(&j);
	}
	tsn_json_arr_end(&j);
	if (pv->xw_read) {
		tsn_json_key(&j, "xfrm_stat");
		tsn_xstat_window_json(&j, &pv->xw);
	}
	tsn_json_kstr(&j, "error", err);
	tsn_json_obj_end(&j);
	if (tsn_json_finish(&j) == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
}

static int setup(struct prove *pv, const struct tsn_inventory *inv,
		 const char *node, char *err, size_t errlen)
{
	if (!(pv->self = tsn_inventory_find(inv, node ? node : ""))) {
		snprintf(err, errlen, "node '%s' is not in the inventory",
			 node ? node : "");
		return -EINVAL;
	}
	to_ip(&pv->self->addr, &pv->self_ip);
	pv->peers = calloc(2 * inv->n_nodes, sizeof(*pv->peers));
	if (!pv->peers)
		return -ENOMEM;
	for (int v6 = 0; v6 < 2; v6++) {
		for (size_t i = 0; i < inv->n_nodes; i++) {
			const struct tsn_node *o = &inv->nodes[i];
			struct peer_count *pc = &pv->peers[pv->n_peers];

			if (o == pv->self || (v6 && !tsn_conf_dual(pv->self,
								   o)))
				continue;
			pc->node = o;
			pc->v6 = v6;
			to_ip(v6 ? &o->addr6 : &o->addr, &pc->ip);
			to_ip(v6 ? &pv->self->addr6 : &pv->self->addr,
			      &pc->self);
			pv->n_peers++;
		}
		if (!v6)
			pv->n_nodes = pv->n_peers;
	}
	/* the kernel's counters by the pair address, as before */
	pv->xw.peers = calloc(pv->n_nodes + 1, sizeof(*pv->xw.peers));
	if (!pv->xw.peers)
		return -ENOMEM;
	memcpy(pv->xw.self, pv->self_ip.a, 16);
	for (size_t i = 0; i < pv->n_nodes; i++) {
		pv->xw.peers[i].name = pv->peers[i].node->name;
		pv->xw.peers[i].family = pv->peers[i].ip.family;
		memcpy(pv->xw.peers[i].addr, pv->peers[i].ip.a, 16);
	}
	pv->xw.n_peers = pv->n_nodes;
	return 0;
}

int tsn_ipsec_prove_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct tsn_inv_diag diag = { 0 };
	struct tsn_inventory inv;
	struct tsn_jv req = { 0 };
	struct prove pv = { 0 };
	char *txt = NULL, err[600] = "";
	const char *ifname = NULL, *itext;
	bool inv_ok = false;
	double ms = DEFAULT_MS;
	struct tsn_capture cap = { 0 };
	size_t len;
	int ret;

	(void)argc;
	(void)argv;
	(void)ctx;
	if ((ret = tsn_read_fd(STDIN_FILENO, 16u << 20, &txt, &len)) < 0 ||
	    (ret = tsn_json_parse(txt, len, &req, err, sizeof(err))) < 0) {
		if (!err[0])
			snprintf(err, sizeof(err), "request: %s",
				 strerror(-ret));
		goto out;
	}
	itext = tsn_jv_getstr(&req, "inventory");
	if ((ret = tsn_inventory_parse("request", itext ? itext : "",
				       itext ? strlen(itext) : 0, &inv,
				       &diag)) < 0) {
		snprintf(err, sizeof(err), "%s", diag.error);
		goto out;
	}
	inv_ok = true;
	if ((ret = setup(&pv, &inv, tsn_jv_getstr(&req, "node"), err,
			 sizeof(err))) < 0)
		goto out;
	ifname = tsn_node_interface(&inv, pv.self);
	if (!ifname)
		ifname = "any";
	tsn_jv_getnum(&req, "ms", &ms);
	if (ms < 500 || ms > 60000)
		ms = DEFAULT_MS;
	if ((ret = tsn_capture_open(&cap, ifname, SNAPLEN, NULL, err)) < 0)
		goto out;
	pv.dlt = cap.dlt;
	read_local(&pv);
	tsn_xstat_begin(&pv.xw);
	if ((ret = tsn_capture_run(&cap, (unsigned)ms, on_frame, (u_char *)&pv,
				   send_datagrams, &pv)) < 0)
		snprintf(err, sizeof(err), "capture on %s: %s", ifname,
			 strerror(-ret));
	tsn_xstat_end(&pv.xw);
	pv.xw_read = true;
out:
	reply(&pv, ifname, ret < 0 ? err : NULL);
	tsn_capture_close(&cap);
	free(pv.peers);
	free(pv.xw.peers);
	if (inv_ok)
		tsn_inventory_free(&inv);
	tsn_jv_free(&req);
	free(txt);
	return ret < 0 ? TSN_EXIT_RUNTIME : TSN_EXIT_OK;
}
