/* send.c - the sender of one probe window: to every peer a genuine IKEv2
 * IKE_SA_INIT on UDP 500, the same behind the non-ESP marker on 4500, and
 * an authenticated ESP probe as IP protocol 50, repeated (phase.c says
 * when) until the peer says it has seen them, so that a lossy path does
 * not read as blocked; and the handshake's control packets.
 *
 * The IKE initiator SPI is tag | our index | the peer's index: the tag
 * lets the kernel trace only our probes, the indexes let the peer tell
 * who sent it through a NAT, and an answer tell us whom it came from.
 * We send from the bound 500/4500 socket when we hold the port, so a
 * responder answers to a socket we read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/route_mtu.h"
#include "lib/util.h"
#include "probe/probe.h"

const char *tsn_probe_proto_name(enum tsn_probe_proto pp)
{
	static const char *const names[] = { "udp500", "udp4500", "esp" };

	return pp < TSN_PP_N ? names[pp] : "?";
}

const char *tsn_probe_size_name(enum tsn_probe_size_kind k)
{
	static const char *const names[] = { "frag500", "frag4500", "df" };

	return k < TSN_SZ_N ? names[k] : "?";
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The DF probe's length to peer: the MTU of the route to it (its mtu
 * metric, else its interface's: what ESP fits its packets to), never a
 * path MTU the kernel learned from an ICMP: that would hide the very
 * loss the probe is for.  Without a route answer, the probe interface's.
 * (set_df's PROBE mode sends up to the interface's MTU whatever the
 * route says, so a route's lower mtu is ours to apply.) */
static unsigned df_len(const struct tsn_probe_node *pn,
		       const struct tsn_probe_peer *peer)
{
	unsigned mtu = 0;

	if (tsn_route_fib_mtu(peer->addr.family, peer->addr.a, &mtu) < 0 ||
	    !mtu)
		mtu = pn->mtu;
	return mtu < TSN_SIZE_DF_MAX ? mtu : TSN_SIZE_DF_MAX;
}

int tsn_probe_send_prepare(struct tsn_probe_node *pn)
{
	int ret;

	for (size_t i = 0; i < pn->n_peers; i++) {
		struct tsn_probe_peer *peer = &pn->peers[i];

		for (int k = 0; k < 2; k++) {
			struct tsn_ike_init *ini = &peer->ike[k];
			const struct tsn_probe_port *pt = &pn->ports[k];

			ret = tsn_ike_init_random(ini);
			if (ret < 0)
				return ret;
			ini->spi_i[0] = (uint8_t)(pn->tag >> 24);
			ini->spi_i[1] = (uint8_t)(pn->tag >> 16);
			ini->spi_i[2] = (uint8_t)(pn->tag >> 8);
			ini->spi_i[3] = (uint8_t)pn->tag;
			put16(ini->spi_i + 4, pn->index);
			put16(ini->spi_i + 6, peer->index);
			ini->src = pn->addr;
			ini->dst = peer->addr;
			ini->sport = pt->fd >= 0 ? pt->port : pt->eph_port;
			ini->dport = pt->port;
		}
		/* the largest packet ESP makes: the route's MTU (probe.h) */
		peer->df_len = df_len(pn, peer);
	}
	return 0;
}

static socklen_t peer_sa(const struct tsn_ip_addr *ip, uint16_t port,
			 struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = (sa_family_t)ip->family;
	if (ip->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		memcpy(&s4->sin_addr, ip->a, 4);
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memcpy(&s6->sin6_addr, ip->a, 16);
	s6->sin6_port = htons(port);
	return sizeof(*s6);
}

static void send_one(struct tsn_probe_seen *s, int fd, const uint8_t *buf,
		     int n, const struct tsn_ip_addr *dst, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = peer_sa(dst, port, &ss);

	if (n < 0) {
		if (!s->send_err)
			s->send_err = n;
		return;
	}
	if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&ss, sl) < 0) {
		/* EPERM: our own output chain dropped it (the trace says
		 * which rule); keep the first error. */
		if (!s->send_err)
			s->send_err = -errno;
		return;
	}
	s->sent++;
}

static int build_esp(struct tsn_probe_node *pn, uint8_t *buf, size_t size,
		     uint32_t flags)
{
	struct tsn_esp_probe pr = { .node = (pn->index & TSN_PROBE_INDEX_MASK) |
					    flags };
	struct timespec ts;
	int ret;

	ret = tsn_esp_probe_random(&pr);
	if (ret < 0)
		return ret;
	/* The SPI's low half names the sender, for the trace, which sees
	 * the SPI but not the authenticated payload; a control packet's
	 * names nobody, so the trace passes over it. */
	pr.spi = TSN_ESP_PROBE_SPI_BASE | (flags ? TSN_PROBE_CTL_INDEX :
					   pn->index & TSN_PROBE_INDEX_MASK);
	clock_gettime(CLOCK_REALTIME, &ts);
	pr.sent_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return tsn_esp_probe_build(buf, size, &pr, &pn->run);
}

/* DF or not for the next datagram on fd: PROBE sets DF and ignores
 * what the kernel learned of the path's MTU (an earlier run's ICMP must
 * not shrink this run's probe); DONT lets the kernel fragment. */
static int set_df(int fd, int family, bool df)
{
	int v4 = df ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT;
	int v6 = df ? IPV6_PMTUDISC_PROBE : IPV6_PMTUDISC_DONT;

	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v4,
				  sizeof(v4)) < 0 ? -errno : 0;
	return setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v6,
			  sizeof(v6)) < 0 ? -errno : 0;
}

static void restore_df(int fd, int family)
{
	int v4 = IP_PMTUDISC_WANT, v6 = IPV6_PMTUDISC_WANT;

	if (family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v4, sizeof(v4));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v6,
			   sizeof(v6));
}

/* The UDP payload of the DF probe: its IP packet is df_len bytes. */
static size_t df_payload(const struct tsn_probe_peer *peer)
{
	size_t ip = peer->addr.family == AF_INET ? 20 : 40;

	return peer->df_len > ip + 8 + 64 ? peer->df_len - ip - 8 : 0;
}

/* Two copies each: a size probe in IP fragments is lost whole when any
 * fragment is, and a lossy path must not read as one that drops them. */
static void send_size(struct tsn_probe_node *pn, struct tsn_probe_peer *peer,
		      enum tsn_probe_size_kind k, uint8_t *buf, size_t size)
{
	int port = k == TSN_SZ_FRAG500 ? 0 : 1;
	const struct tsn_probe_port *pt = &pn->ports[port];
	struct tsn_probe_size *sz = &peer->sz[k];
	struct tsn_probe_seen scratch = { 0 };
	int fd = pt->fd >= 0 ? pt->fd : pt->eph_fd, n, ret;
	size_t len = k == TSN_SZ_DF ? df_payload(peer) : TSN_SIZE_FRAG_LEN;

	if (!len)
		return;
	n = tsn_ike_build_size(buf, size, &peer->ike[port], port == 1,
			       k == TSN_SZ_DF ? TSN_SIZE_MSGID_DF :
			       TSN_SIZE_MSGID_FRAG, len);
	ret = n < 0 ? n : set_df(fd, peer->addr.family, k == TSN_SZ_DF);
	for (int c = 0; c < 2; c++) {
		send_one(&scratch, fd, buf, ret < 0 ? ret : n, &peer->addr,
			 pt->port);
		if (scratch.send_err && !sz->send_err)
			sz->send_err = scratch.send_err;
	}
	sz->sent += scratch.sent;
	restore_df(fd, peer->addr.family);
}

/* The buffer follows the DF probe's size (a jumbo-frame link's MTU, up
 * to TSN_SIZE_DF_MAX): a fixed one left links above it unprobed. */
static void send_sizes(struct tsn_probe_node *pn, struct tsn_probe_peer *peer)
{
	size_t size = df_payload(peer) > TSN_SIZE_FRAG_LEN ?
		      df_payload(peer) : TSN_SIZE_FRAG_LEN;
	uint8_t *buf = malloc(size);

	for (int k = 0; k < TSN_SZ_N; k++) {
		if (buf)
			send_size(pn, peer, k, buf, size);
		else if (!peer->sz[k].send_err)
			peer->sz[k].send_err = -ENOMEM;
	}
	free(buf);
}

void tsn_probe_send_peer(struct tsn_probe_node *pn, struct tsn_probe_peer *peer)
{
	uint8_t buf[TSN_IKE_INIT_MAX];
	int n, fd;

	for (int k = 0; k < 2; k++) {
		const struct tsn_probe_port *pt = &pn->ports[k];

		fd = pt->fd >= 0 ? pt->fd : pt->eph_fd;
		n = k ? tsn_ike_build_sa_init_natt(buf, sizeof(buf),
						   &peer->ike[k]) :
			tsn_ike_build_sa_init(buf, sizeof(buf), &peer->ike[k]);
		send_one(&peer->p[k], fd, buf, n, &peer->addr, pt->port);
	}
	fd = peer->addr.family == AF_INET ? pn->raw4 : pn->raw6;
	n = build_esp(pn, buf, sizeof(buf), 0);
	send_one(&peer->p[TSN_PP_ESP], fd, buf, n, &peer->addr, 0);
	send_sizes(pn, peer);
}

/* A control packet is no probe: what becomes of it is not counted. */
void tsn_probe_send_ctl(struct tsn_probe_node *pn, struct tsn_probe_peer *peer,
			uint32_t flags)
{
	struct tsn_probe_seen scratch = { 0 };
	uint8_t buf[TSN_ESP_PROBE_LEN];
	int fd = peer->addr.family == AF_INET ? pn->raw4 : pn->raw6;

	send_one(&scratch, fd, buf, build_esp(pn, buf, sizeof(buf), flags),
		 &peer->addr, 0);
}

/* An answer to one of our requests names us first and the peer second
 * in the initiator SPI it echoes. */
void tsn_probe_answer(struct tsn_probe_node *pn, enum tsn_probe_proto pp,
		      const struct tsn_ike_info *info,
		      const struct tsn_ip_addr *src)
{
	const uint8_t *s = info->spi_i;
	struct tsn_probe_peer *peer;
	struct tsn_probe_seen *seen;
	const char *name;

	/* each byte widened before its shift: s[0] << 24 as an int is
	 * undefined for a byte of 0x80 and up (half of all tags) */
	if (((uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 |
	     (uint32_t)s[2] << 8 | s[3]) != pn->tag ||
	    (uint32_t)(s[4] << 8 | s[5]) != (pn->index & 0xffff)) {
		pn->foreign++;
		return;
	}
	peer = tsn_probe_peer_by_index(pn, (uint32_t)(s[6] << 8 | s[7]));
	if (!peer) {
		pn->foreign++;
		return;
	}
	/* The SPI is on the wire for anyone to echo: an answer proves the
	 * path only when it comes from the peer it names. */
	if (tsn_probe_peer_by_addr(pn, src->family, src->a) != peer) {
		pn->foreign++;
		pn->nonmember++;
		return;
	}
	seen = &peer->p[pp];
	if (seen->answer)
		return;
	seen->answer = true;
	tsn_ike_summary(info, seen->summary, sizeof(seen->summary));
	if (info->n_notify &&
	    (name = tsn_ike_notify_name(info->notify[0])))
		snprintf(seen->notify, sizeof(seen->notify), "%s", name);
}
