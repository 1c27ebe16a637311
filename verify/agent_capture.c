/* agent_capture.c - `tsnet agent verify-capture`: this node's part of a
 * live `tsnet verify`.
 *
 * Every node runs it at the same time: a capture on the cluster
 * interface, limited by a BPF filter to packets from a member to a
 * member, while this node pings every peer and opens a TCP connection to
 * a port nothing listens on (so each pair carries ICMP and TCP both
 * ways, which IPsec must cover).  The frames travel back as a pcapng
 * file in hex; the coordinator classifies them (verify_live.c), so the
 * classifier runs in one place.  With the capture go the SPIs of the
 * ESP states this kernel holds (XFRM netlink, SPIs and addresses only:
 * no key is read), against which the SPIs on the wire are checked.
 *
 * Request on stdin: {"inventory":TEXT,"node":NAME,"ms":N,
 * "interface":IF|null}.  Reply: {"node","interface","packets",
 * "kept","dlt","pcapng":HEX,"xfrm":{"complete","states":[{"dst","spi"}]},
 * "xfrm_stat":{...} (the kernel's drop counters that rose during the
 * capture, lib/xfrm_stat.c), "error"}.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/xfrm.h"
#include "probe/probe.h"
#include "verify/verify.h"

#define SNAPLEN 256		/* headers and an ESP header: enough */
#define KEEP_MAX (4u << 20)	/* pcapng bytes; hex doubles it, under
				 * the transport's 16 MB */
#define PINGS 3
#define CLOSED_PORT 7473	/* TCP: nothing listens, a RST answers */
#define MS_DEFAULT 5000

struct cap {
	struct tsn_inventory inv;
	const struct tsn_node *self;
	struct tsn_buf png;
	int fds[256];		/* TCP sockets kept open until the end */
	size_t n_fds;
	uint64_t packets, kept;
	int err;
	/* the kernel's drop counters around the capture */
	struct tsn_xstat_window xw;
	bool xw_read;
};

static void on_frame(u_char *arg, const struct pcap_pkthdr *h,
		     const u_char *frame)
{
	struct cap *c = (struct cap *)arg;

	c->packets++;
	if (c->err || c->png.len + h->caplen + 64 > KEEP_MAX)
		return;		/* counted, not kept: the reply says so */
	c->err = tsn_pcapng_packet(&c->png, h->ts.tv_sec,
				   (uint32_t)h->ts.tv_usec, frame, h->caplen,
				   h->len);
	if (!c->err)
		c->kept++;
}

/* "(src host A or ...) and (dst host A or ...)": packets between two
 * members, both addresses of every node. */
static int filter_text(const struct tsn_inventory *inv, struct tsn_buf *f)
{
	static const char *const dir[2] = { "src", "dst" };
	char a[INET6_ADDRSTRLEN];
	int ret = 0;

	for (int d = 0; d < 2 && !ret; d++) {
		const char *sep = "(";

		ret = tsn_buf_puts(f, d ? ") and " : "");
		for (size_t i = 0; i < inv->n_nodes && !ret; i++) {
			const struct tsn_addr *x[2] = { &inv->nodes[i].addr,
							&inv->nodes[i].addr6 };

			for (int k = 0; k < 2 && !ret; k++) {
				if (!x[k]->family)
					continue;
				ret = tsn_buf_printf(f, "%s%s host %s", sep,
						     dir[d], tsn_addr_str(x[k],
						     a, sizeof(a)));
				sep = " or ";
			}
		}
	}
	return ret ? ret : tsn_buf_puts(f, ")");
}

static uint16_t csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static void sockaddr_of(const struct tsn_addr *a, uint16_t port,
			struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr = a->v4;
		*len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = a->v6;
		*len = sizeof(*s6);
	}
}

/* Echo requests; the kernel fills ICMPv6's checksum itself. */
static void ping(const struct tsn_addr *to)
{
	bool v4 = to->family == AF_INET;
	int fd = socket(to->family, SOCK_RAW | SOCK_CLOEXEC,
			v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	struct sockaddr_storage ss;
	socklen_t sl;
	uint8_t m[16] = { v4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST };
	uint16_t id = htons((uint16_t)getpid()), seq, ck;

	if (fd < 0)
		return;
	sockaddr_of(to, 0, &ss, &sl);
	memcpy(m + 4, &id, 2);
	memcpy(m + 8, "tsnetvfy", 8);
	for (uint16_t k = 1; k <= PINGS; k++) {
		seq = htons(k);
		memcpy(m + 6, &seq, 2);
		memset(m + 2, 0, 2);
		if (v4) {
			ck = csum(m, sizeof(m));
			memcpy(m + 2, &ck, 2);
		}
		sendto(fd, m, sizeof(m), MSG_DONTWAIT, (struct sockaddr *)&ss,
		       sl);
	}
	close(fd);
}

/* A connect that is not waited for: the SYN (and its retries, while
 * IKE may still be setting the pair up) and the RST are what counts. */
static void tcp_knock(struct cap *c, const struct tsn_addr *to)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	if (c->n_fds >= sizeof(c->fds) / sizeof(c->fds[0]))
		return;
	fd = socket(to->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return;
	sockaddr_of(to, CLOSED_PORT, &ss, &sl);
	connect(fd, (struct sockaddr *)&ss, sl);
	c->fds[c->n_fds++] = fd;
}

static void make_traffic(void *arg)
{
	struct cap *c = arg;

	for (size_t i = 0; i < c->inv.n_nodes; i++) {
		const struct tsn_node *n = &c->inv.nodes[i];

		if (n == c->self)
			continue;
		if (n->addr.family && c->self->addr.family) {
			ping(&n->addr);
			tcp_knock(c, &n->addr);
		}
		if (n->addr6.family && c->self->addr6.family) {
			ping(&n->addr6);
			tcp_knock(c, &n->addr6);
		}
	}
}

/* The ESP states this kernel holds: destination and SPI only. */
static void xfrm_json(struct tsn_json *j)
{
	struct tsn_xfrm_list l;
	struct tsn_ip_addr ip = { 0 };
	char a[INET6_ADDRSTRLEN], spi[12];
	unsigned kept = 0;
	int ret = tsn_xfrm_list_run(&l);

	tsn_json_key(j, "xfrm");
	tsn_json_obj_begin(j);
	tsn_json_key(j, "states");
	tsn_json_arr_begin(j);
	for (unsigned i = 0; ret == 0 && i < l.n; i++) {
		const struct tsn_xfrm_seen *s = &l.s[i];

		if (s->policy)
			continue;
		kept++;
		if (s->proto != IPPROTO_ESP)
			continue;
		ip.family = s->family;
		memcpy(ip.a, s->dst, sizeof(ip.a));
		snprintf(spi, sizeof(spi), "%08x", s->spi);
		tsn_json_obj_begin(j);
		tsn_json_kstr(j, "dst", tsn_ip_addr_str(&ip, a, sizeof(a)));
		tsn_json_kstr(j, "spi", spi);
		tsn_json_obj_end(j);
	}
	tsn_json_arr_end(j);
	/* past the list's cap some states are not named: then no SPI is
	 * called unknown for want of its state */
	tsn_json_kbool(j, "complete", ret == 0 && kept == l.total_sa);
	tsn_json_kstr(j, "error", ret < 0 ? strerror(-ret) : NULL);
	tsn_json_obj_end(j);
}

static void reply(struct cap *c, const char *ifname, int dlt,
		  const char *err)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	char *hex = NULL;

	if (!err && c->png.len && !(hex = malloc(2 * c->png.len + 1)))
		err = "out of memory";
	if (hex) {
		tsn_hex(hex, (const uint8_t *)c->png.p, c->png.len);
		hex[2 * c->png.len] = 0;
	}
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "node", c->self ? c->self->name : NULL);
	tsn_json_kstr(&j, "interface", ifname);
	tsn_json_kint(&j, "dlt", dlt);
	tsn_json_kuint(&j, "packets", c->packets);
	tsn_json_kuint(&j, "kept", c->kept);
	tsn_json_kstr(&j, "pcapng", hex);
	if (!err)
		xfrm_json(&j);
	if (c->xw_read) {
		tsn_json_key(&j, "xfrm_stat");
		tsn_xstat_window_json(&j, &c->xw);
	}
	tsn_json_kstr(&j, "error", err);
	tsn_json_obj_end(&j);
	if (tsn_json_finish(&j) == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	free(hex);
}

static int read_request(struct cap *c, struct tsn_jv *req, char *err,
			size_t errlen)
{
	struct tsn_inv_diag diag = { 0 };
	const char *itext;
	char *txt = NULL;
	size_t len;
	int ret;

	if ((ret = tsn_read_fd(STDIN_FILENO, 16u << 20, &txt, &len)) < 0 ||
	    (ret = tsn_json_parse(txt, len, req, err, errlen)) < 0) {
		if (!err[0])
			snprintf(err, errlen, "request: %s", strerror(-ret));
		goto out;
	}
	itext = tsn_jv_getstr(req, "inventory");
	if ((ret = tsn_inventory_parse("request", itext ? itext : "",
				       itext ? strlen(itext) : 0, &c->inv,
				       &diag)) < 0) {
		snprintf(err, errlen, "%s", diag.error);
		goto out;
	}
	c->self = tsn_inventory_find(&c->inv, tsn_jv_getstr(req, "node") ?
				     tsn_jv_getstr(req, "node") : "");
	if (!c->self) {
		tsn_inventory_free(&c->inv);
		if (tsn_jv_getstr(req, "node"))
			snprintf(err, errlen, "node '%s' is not in the "
				 "inventory", tsn_jv_getstr(req, "node"));
		else
			snprintf(err, errlen, "request: no \"node\"");
		ret = -EINVAL;
	}
out:
	free(txt);
	return ret;
}

/* The peers whose SAs into this node the window watches (their
 * inventory addresses), for the counters' pair names. */
static void xstat_setup(struct cap *c)
{
	const struct tsn_inventory *inv = &c->inv;
	struct tsn_xstat_window *w = &c->xw;
	struct tsn_ip_addr ip;
	char a[64];

	if (tsn_ip_addr_parse(tsn_addr_str(&c->self->addr, a, sizeof(a)),
			      &ip) == 0)
		memcpy(w->self, ip.a, sizeof(w->self));
	w->peers = calloc(inv->n_nodes + 1, sizeof(*w->peers));
	for (size_t i = 0; w->peers && i < inv->n_nodes; i++) {
		const struct tsn_node *n = &inv->nodes[i];

		if (n == c->self || tsn_ip_addr_parse(tsn_addr_str(&n->addr, a,
							sizeof(a)), &ip) < 0)
			continue;
		w->peers[w->n_peers].name = n->name;
		w->peers[w->n_peers].family = ip.family;
		memcpy(w->peers[w->n_peers++].addr, ip.a, 16);
	}
}

static int capture(struct cap *c, const char *ifname, unsigned ms,
		   int *dlt, char *err)
{
	struct tsn_capture cap;
	struct tsn_buf filter = { 0 };
	int ret;

	if ((ret = filter_text(&c->inv, &filter)) < 0) {
		snprintf(err, PCAP_ERRBUF_SIZE, "its filter: %s",
			 strerror(-ret));
		goto out;
	}
	if ((ret = tsn_capture_open(&cap, ifname, SNAPLEN, filter.p,
				    err)) < 0)
		goto out;
	*dlt = cap.dlt;
	xstat_setup(c);
	tsn_xstat_begin(&c->xw);
	if ((ret = tsn_pcapng_begin(&c->png, cap.dlt, SNAPLEN)) == 0)
		ret = tsn_capture_run(&cap, ms, on_frame, (u_char *)c,
				      make_traffic, c);
	tsn_xstat_end(&c->xw);
	c->xw_read = true;
	if (ret == 0 && c->err)
		ret = c->err;
	if (ret < 0 && !err[0])
		snprintf(err, PCAP_ERRBUF_SIZE, "%s", strerror(-ret));
	tsn_capture_close(&cap);
out:
	tsn_buf_free(&filter);
	return ret;
}

int tsn_verify_capture_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct cap c = { 0 };
	struct tsn_jv req = { 0 };
	char err[PCAP_ERRBUF_SIZE + 300] = "", cerr[PCAP_ERRBUF_SIZE] = "";
	const char *ifname = NULL;
	double ms = MS_DEFAULT;
	int ret, dlt = -1;

	(void)argc;
	(void)argv;
	(void)ctx;
	if ((ret = read_request(&c, &req, err, sizeof(err))) < 0)
		goto out;
	ifname = tsn_jv_getstr(&req, "interface");
	if (!ifname)
		ifname = tsn_node_interface(&c.inv, c.self);
	if (!ifname)
		ifname = "any";
	tsn_jv_getnum(&req, "ms", &ms);
	if (ms < 500 || ms > 600000)
		ms = MS_DEFAULT;
	if ((ret = capture(&c, ifname, (unsigned)ms, &dlt, cerr)) < 0)
		snprintf(err, sizeof(err), "capture on %s: %s", ifname, cerr);
out:
	reply(&c, ifname, dlt, ret < 0 ? err : NULL);
	for (size_t i = 0; i < c.n_fds; i++)
		close(c.fds[i]);
	free(c.xw.peers);
	if (c.self)
		tsn_inventory_free(&c.inv);
	tsn_buf_free(&c.png);
	tsn_jv_free(&req);
	return ret < 0 ? TSN_EXIT_RUNTIME : TSN_EXIT_OK;
}
