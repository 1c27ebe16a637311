/* listen.c - the listener of one probe window.
 *
 * Two vantage points per protocol, because where a packet is seen decides
 * what it proves (DESIGN.md): libpcap on the cluster interface sees a
 * probe as it arrives, before nftables' input hook; a bound UDP socket or
 * a raw IPPROTO_ESP socket gets it only after the input hook accepted it.
 * Every packet is checked to be one of this run's probes (IKE initiator
 * SPI tag, ESP HMAC) before it counts, so strays and forgeries never do.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "lib/util.h"
#include "probe/probe.h"

#define SNAPLEN 1024
#define FILTER "esp or (udp and (dst port 500 or dst port 4500))"

void tsn_probe_node_init(struct tsn_probe_node *pn)
{
	memset(pn, 0, sizeof(*pn));
	pn->pcap_fd = pn->raw4 = pn->raw6 = -1;
	for (int i = 0; i < 2; i++) {
		pn->ports[i].fd = pn->ports[i].eph_fd = -1;
		pn->ports[i].port = i ? TSN_IKE_NATT_PORT : TSN_IKE_PORT;
	}
}

struct tsn_probe_peer *tsn_probe_peer_by_index(struct tsn_probe_node *pn,
					       uint32_t index)
{
	for (size_t i = 0; i < pn->n_peers; i++)
		if (pn->peers[i].index == index)
			return &pn->peers[i];
	return NULL;
}

struct tsn_probe_peer *tsn_probe_peer_by_addr(struct tsn_probe_node *pn,
					      int family, const uint8_t *a)
{
	size_t n = family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < pn->n_peers; i++)
		if (pn->peers[i].addr.family == family &&
		    !memcmp(pn->peers[i].addr.a, a, n))
			return &pn->peers[i];
	return NULL;
}

static bool is_size_probe(const struct tsn_ike_info *in)
{
	return in->exchange == TSN_IKE_INFORMATIONAL &&
	       (in->msg_id == TSN_SIZE_MSGID_FRAG ||
		in->msg_id == TSN_SIZE_MSGID_DF);
}

/* The peer an IKE request of this run came from, when it was meant for
 * us; NULL for anything else (answers, strays, other runs). */
static struct tsn_probe_peer *ike_request_peer(struct tsn_probe_node *pn,
					       const struct tsn_ike_info *in)
{
	const uint8_t *s = in->spi_i;

	if (in->response || (in->exchange != TSN_IKE_SA_INIT &&
			     !is_size_probe(in)))
		return NULL;
	if (((uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 |
	     s[3]) != pn->tag)
		return NULL;
	if ((uint32_t)(s[6] << 8 | s[7]) != (pn->index & 0xffff))
		return NULL;
	return tsn_probe_peer_by_index(pn, (uint32_t)(s[4] << 8 | s[5]));
}

static void note_src(struct tsn_probe_seen *s, const struct tsn_ip_addr *src)
{
	if (!s->src.family)
		s->src = *src;
}

static int parse_ike(enum tsn_probe_proto pp, const uint8_t *p, size_t len,
		     struct tsn_ike_info *info)
{
	if (pp == TSN_PP_4500)
		return tsn_ike_parse_natt(p, len, info);
	return tsn_ike_parse(p, len, info);
}

/* A size probe of ours that the snapshot length (or fragmentation) cut:
 * too short to parse, but its header carries our tag. */
static bool ours_cut(const struct tsn_probe_node *pn, enum tsn_probe_proto pp,
		     const uint8_t *p, size_t len)
{
	size_t off = pp == TSN_PP_4500 ? TSN_NON_ESP_MARKER_LEN : 0;

	/* the tag is the first 4 bytes of the initiator SPI */
	if (len < off + TSN_IKE_HDR_LEN)
		return false;
	p += off;
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3]) == pn->tag;
}

static void on_frame(u_char *arg, const struct pcap_pkthdr *h,
		     const u_char *frame)
{
	struct tsn_probe_node *pn = (struct tsn_probe_node *)arg;
	struct tsn_probe_peer *peer = NULL;
	struct tsn_ike_info info;
	struct tsn_esp_probe pr;
	struct tsn_pkt pkt;
	enum tsn_probe_proto pp = TSN_PP_ESP;
	size_t l4;

	if (tsn_classify_frame(pn->pcap_dlt, frame, h->caplen, &pkt) < 0)
		return;
	l4 = tsn_pkt_l4_len(&pkt, h->caplen);
	if (pkt.cls == TSN_PKT_ESP &&
	    tsn_esp_probe_check(frame + pkt.l4_off, l4, &pn->run, &pr) ==
	    TSN_ESP_PROBE_OK) {
		peer = tsn_probe_peer_by_index(pn, pr.node &
					       TSN_PROBE_INDEX_MASK);
		/* The handshake's packets are seen here, on the wire, so a
		 * firewall that drops ESP cannot stop them being read. */
		if (peer && (pr.node & ~TSN_PROBE_INDEX_MASK)) {
			tsn_probe_phase_ctl(pn, peer,
					    pr.node & ~TSN_PROBE_INDEX_MASK);
			return;
		}
	}
	if (pkt.cls == TSN_PKT_IKE && l4 > 8) {
		pp = pkt.dport == TSN_IKE_NATT_PORT ? TSN_PP_4500 : TSN_PP_500;
		if (parse_ike(pp, frame + pkt.l4_off + 8, l4 - 8, &info) == 0)
			peer = ike_request_peer(pn, &info);
		else if (ours_cut(pn, pp, frame + pkt.l4_off + 8, l4 - 8))
			return;	/* a size probe: its socket counts it */
	}
	if (!peer) {
		pn->foreign++;
		return;
	}
	peer->p[pp].wire = true;
	note_src(&peer->p[pp], &pkt.src);
	if (pp != TSN_PP_ESP)
		peer->ph.in_sport[pp] = pkt.sport;
	tsn_probe_phase_probe(pn, peer);
}

static void sa_to_ip(const struct sockaddr_storage *ss, struct tsn_ip_addr *ip,
		     uint16_t *port)
{
	memset(ip, 0, sizeof(*ip));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		ip->family = AF_INET;
		memcpy(ip->a, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		ip->family = AF_INET6;
		memcpy(ip->a, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
	}
}

/* A size probe reached the socket, reassembled where it was fragmented. */
static void size_arrived(struct tsn_probe_peer *peer, enum tsn_probe_proto pp,
			 uint32_t msg_id)
{
	if (msg_id == TSN_SIZE_MSGID_DF && pp == TSN_PP_4500)
		peer->sz[TSN_SZ_DF].arrived = true;
	else if (msg_id == TSN_SIZE_MSGID_FRAG)
		peer->sz[pp == TSN_PP_500 ? TSN_SZ_FRAG500 :
			 TSN_SZ_FRAG4500].arrived = true;
}

static void udp_batch(struct tsn_probe_node *pn, int fd,
		      enum tsn_probe_proto pp, uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct tsn_ike_info info;
	struct tsn_probe_peer *peer;
	struct tsn_ip_addr src;
	uint16_t port = 0;
	ssize_t n;

	/* Bounded: a flood cannot keep us here past the window. */
	for (int i = 0; i < 256; i++, sl = sizeof(ss)) {
		n = recvfrom(fd, buf, len, MSG_DONTWAIT,
			     (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return;
		sa_to_ip(&ss, &src, &port);
		if (parse_ike(pp, buf, (size_t)n, &info) < 0) {
			pn->foreign++;
			continue;
		}
		if (info.response) {
			tsn_probe_answer(pn, pp, &info, &src);
			continue;
		}
		peer = ike_request_peer(pn, &info);
		if (!peer) {
			pn->foreign++;
			continue;
		}
		if (is_size_probe(&info))
			size_arrived(peer, pp, info.msg_id);
		else
			peer->p[pp].socket = true;
		note_src(&peer->p[pp], &src);
		tsn_probe_phase_probe(pn, peer);
	}
}

/* The buffer holds the largest UDP datagram: a DF size probe is as large
 * as the sender's MTU, jumbo frames included (a 9216-byte one cut them
 * short, and they read as lost).  Without memory the datagrams stay
 * queued for the next poll. */
static void on_udp(struct tsn_probe_node *pn, int fd, enum tsn_probe_proto pp)
{
	enum { BUF_LEN = 65536 };
	uint8_t *buf = malloc(BUF_LEN);

	if (buf)
		udp_batch(pn, fd, pp, buf, BUF_LEN);
	free(buf);
}

static void on_esp(struct tsn_probe_node *pn, int fd)
{
	uint8_t buf[2048];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct tsn_esp_probe pr;
	struct tsn_probe_peer *peer;
	struct tsn_ip_addr src;
	uint16_t port;
	size_t off;
	ssize_t n;

	for (int i = 0; i < 256; i++, sl = sizeof(ss)) {
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&ss, &sl);
		if (n <= 0)
			return;
		off = 0;
		/* An IPv4 raw socket hands over the IP header too; its
		 * length comes from the packet, so check it fits. */
		if (fd == pn->raw4) {
			off = (size_t)(buf[0] & 0x0f) * 4;
			if (off < 20 || off >= (size_t)n)
				continue;
		}
		sa_to_ip(&ss, &src, &port);
		pr.node = 0;
		if (tsn_esp_probe_check(buf + off, (size_t)n - off, &pn->run,
					&pr) != TSN_ESP_PROBE_OK ||
		    !(peer = tsn_probe_peer_by_index(pn, pr.node))) {
			/* a control packet's node field has flags: no peer */
			if (!(pr.node & ~TSN_PROBE_INDEX_MASK))
				pn->foreign++;
			continue;
		}
		peer->p[TSN_PP_ESP].socket = true;
		note_src(&peer->p[TSN_PP_ESP], &src);
		tsn_probe_phase_probe(pn, peer);
	}
}

static void on_trace(void *arg, const struct tsn_trace_verdict *v)
{
	struct tsn_probe_node *pn = arg;
	struct tsn_probe_peer *peer;
	enum tsn_probe_proto pp;
	struct tsn_probe_seen *s;

	if (!v->dropped)
		return;
	if (v->l4proto == IPPROTO_ESP)
		pp = TSN_PP_ESP;
	else if (v->dport == TSN_IKE_PORT)
		pp = TSN_PP_500;
	else if (v->dport == TSN_IKE_NATT_PORT)
		pp = TSN_PP_4500;
	else
		return;
	if (v->hook == TSN_TRACE_OUT) {
		peer = tsn_probe_peer_by_addr(pn, v->family, v->dst);
		if (peer && !peer->p[pp].out_drop) {
			peer->p[pp].out_drop = true;
			peer->p[pp].out_v = *v;
		}
		return;
	}
	/* The ESP probe's SPI names its sender; for IKE the trace has no
	 * SPI, so the source address has to do. */
	if (pp == TSN_PP_ESP)
		peer = tsn_probe_peer_by_index(pn, v->spi & 0xffff);
	else
		peer = tsn_probe_peer_by_addr(pn, v->family, v->src);
	if (!peer)
		return;
	s = &peer->p[pp];
	if (!s->in_drop) {
		s->in_drop = true;
		s->in_v = *v;
		tsn_probe_phase_probe(pn, peer);
	}
}

void tsn_probe_listen_read(struct tsn_probe_node *pn, int fd)
{
	if (fd < 0)
		return;
	if (fd == pn->pcap_fd) {
		/* Bounded, like the sockets: at most 16 batches a call. */
		for (int i = 0; i < 16; i++)
			if (pcap_dispatch(pn->pcap, 256, on_frame,
					  (u_char *)pn) <= 0)
				break;
	} else if (fd == pn->raw4 || fd == pn->raw6) {
		on_esp(pn, fd);
	} else if (pn->trace && fd == tsn_trace_fd(pn->trace)) {
		tsn_trace_read(pn->trace, on_trace, pn);
	} else {
		for (int i = 0; i < 2; i++)
			if (fd == pn->ports[i].fd || fd == pn->ports[i].eph_fd)
				on_udp(pn, fd, i ? TSN_PP_4500 : TSN_PP_500);
	}
}

int tsn_probe_listen_fds(const struct tsn_probe_node *pn, int *fds)
{
	int n = 0;

	if (pn->pcap_fd >= 0)
		fds[n++] = pn->pcap_fd;
	for (int i = 0; i < 2; i++) {
		if (pn->ports[i].fd >= 0)
			fds[n++] = pn->ports[i].fd;
		if (pn->ports[i].eph_fd >= 0)
			fds[n++] = pn->ports[i].eph_fd;
	}
	if (pn->raw4 >= 0)
		fds[n++] = pn->raw4;
	if (pn->raw6 >= 0)
		fds[n++] = pn->raw6;
	if (pn->trace)
		fds[n++] = tsn_trace_fd(pn->trace);
	return n;
}

static int open_pcap(struct tsn_probe_node *pn, char *why, size_t len)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	pcap_t *p;

	p = pcap_create(pn->ifname, err);
	if (!p)
		goto fail;
	if (pcap_set_snaplen(p, SNAPLEN) ||
	    pcap_set_immediate_mode(p, 1) ||
	    pcap_set_timeout(p, 10) || pcap_activate(p) < 0)
		goto fail_p;
	pn->pcap = p;
	/* Only what arrives: our own probes leave through the same link. */
	if (pcap_setdirection(p, PCAP_D_IN) < 0 ||
	    pcap_compile(p, &prog, FILTER, 1, PCAP_NETMASK_UNKNOWN) < 0)
		goto fail_p;
	if (pcap_setfilter(p, &prog) < 0) {
		pcap_freecode(&prog);
		goto fail_p;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(p, 1, err) < 0)
		goto fail;
	pn->pcap_dlt = pcap_datalink(p);
	pn->pcap_fd = pcap_get_selectable_fd(p);
	return pn->pcap_fd < 0 ? -ENOTSUP : 0;
fail_p:
	snprintf(err, sizeof(err), "%s", pcap_geterr(p));
fail:
	snprintf(why, len, "capture on %s: %s", pn->ifname, err);
	if (!pn->pcap && p)
		pcap_close(p);
	return -EIO;
}

/* The interface's MTU, not the route's cached path MTU: an ICMP an
 * earlier run drew must not shrink this run's DF probe. */
static int iface_mtu(const char *ifname, unsigned *mtu)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	if (strlen(ifname) >= sizeof(ifr.ifr_name)) {
		close(fd);
		return -ENODEV;
	}
	memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		ret = -errno;
	else
		*mtu = ifr.ifr_mtu > 0 ? (unsigned)ifr.ifr_mtu : 0;
	close(fd);
	return ret;
}

/* A UDP socket on port (0: ephemeral) of our address family. */
static int udp_socket(int family, uint16_t port, uint16_t *bound)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, one = 1, ret;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	ss.ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	sl = family == AF_INET ? sizeof(struct sockaddr_in) :
				 sizeof(struct sockaddr_in6);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*bound = ntohs(family == AF_INET ?
		       ((struct sockaddr_in *)&ss)->sin_port :
		       ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static int open_ports(struct tsn_probe_node *pn, char *why, size_t len)
{
	int family = pn->addr.family;
	uint16_t b;

	for (int i = 0; i < 2; i++) {
		struct tsn_probe_port *pt = &pn->ports[i];

		pt->fd = udp_socket(family, pt->port, &b);
		if (pt->fd >= 0)
			continue;
		if (pt->fd != -EADDRINUSE) {
			snprintf(why, len, "udp port %u: %s", pt->port,
				 strerror(-pt->fd));
			return pt->fd;
		}
		/* Held (a running charon): send from an ephemeral port and
		 * take the daemon's answer there. */
		tsn_probe_port_holder(pt->port, pt->holder,
				      sizeof(pt->holder));
		pt->eph_fd = udp_socket(family, 0, &pt->eph_port);
		if (pt->eph_fd < 0) {
			snprintf(why, len, "udp ephemeral port: %s",
				 strerror(-pt->eph_fd));
			return pt->eph_fd;
		}
	}
	return 0;
}

int tsn_probe_listen_open(struct tsn_probe_node *pn, char *why, size_t len)
{
	int ret;

	ret = open_ports(pn, why, len);
	if (ret < 0)
		return ret;
	pn->raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			  IPPROTO_ESP);
	pn->raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			  IPPROTO_ESP);
	if (pn->raw4 < 0 || pn->raw6 < 0) {
		ret = -errno;
		snprintf(why, len, "raw ESP socket: %s%s", strerror(-ret),
			 ret == -EPERM ? " (run as root or with CAP_NET_RAW)" :
			 "");
		return ret;
	}
	if (!pn->ifname[0] && pn->n_peers &&
	    tsn_probe_route_ifname(&pn->peers[0].addr, pn->ifname,
				   sizeof(pn->ifname)) < 0) {
		snprintf(why, len, "no interface routes to the first peer");
		return -ENETUNREACH;
	}
	ret = iface_mtu(pn->ifname, &pn->mtu);
	if (ret < 0) {
		snprintf(why, len, "MTU of %s: %s", pn->ifname, strerror(-ret));
		return ret;
	}
	return open_pcap(pn, why, len);
}

void tsn_probe_listen_close(struct tsn_probe_node *pn)
{
	for (int i = 0; i < 2; i++) {
		if (pn->ports[i].fd >= 0)
			close(pn->ports[i].fd);
		if (pn->ports[i].eph_fd >= 0)
			close(pn->ports[i].eph_fd);
		pn->ports[i].fd = pn->ports[i].eph_fd = -1;
	}
	if (pn->raw4 >= 0)
		close(pn->raw4);
	if (pn->raw6 >= 0)
		close(pn->raw6);
	pn->raw4 = pn->raw6 = -1;
	if (pn->pcap)
		pcap_close(pn->pcap);
	pn->pcap = NULL;
	pn->pcap_fd = -1;
}
