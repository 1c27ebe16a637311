/* packet.h - the packet layer of `tsnet probe`, `enable-ipsec` and `verify`:
 * the probe packets tsnet builds, the parser for what an IKE daemon
 * answers, and the classifier for captured frames.
 *
 * Building (probe/ike.c, probe/esp.c).  Every builder writes into a
 * caller's buffer of known size and returns the packet's length, or
 * -ENOSPC when it does not fit (nothing useful is left in the buffer
 * then), or -EINVAL for bad arguments.  Lengths are filled in last.
 * Every random field comes from a struct the caller fills, so tests can
 * compare built bytes with golden files; tsn_ike_init_random() and
 * tsn_esp_probe_random() fill those structs from getrandom().
 *
 *	struct tsn_ike_init ini = { .src = ..., .dst = ..., .sport = 500,
 *				    .dport = 500 };
 *	tsn_ike_init_random(&ini);
 *	n = tsn_ike_build_sa_init(buf, sizeof(buf), &ini);  // UDP 500 payload
 *	n = tsn_ike_build_sa_init_natt(buf, sizeof(buf), &ini); // UDP 4500
 *
 *	struct tsn_esp_run run;		// one per probe run, shared by nodes
 *	tsn_esp_run_new(&run);
 *	struct tsn_esp_probe pr = { .node = my_index };
 *	tsn_esp_probe_random(&pr);	// SPI in the probe range, seq, IV
 *	n = tsn_esp_probe_build(buf, sizeof(buf), &pr, &run); // IP proto 50
 *	tsn_esp_probe_check(rx, rxlen, &run, &seen) == TSN_ESP_PROBE_OK
 *
 * Parsing (probe/ike.c, probe/classify.c).  Parsers read untrusted bytes
 * through lib/cur.h cursors bounded by the captured length, cap every
 * loop, and never write outside the caller's result struct.
 *
 *	tsn_ike_parse(udp_payload, caplen, &info);	// port 500
 *	tsn_ike_parse_natt(udp_payload, caplen, &info); // port 4500, marker
 *	tsn_ike_summary(&info, line, sizeof(line));
 *	  -> "IKE_SA_INIT response: AES_GCM_16-256/PRF_HMAC_SHA2_384/CURVE_25519"
 *
 *	tsn_classify_frame(pcap_datalink(p), frame, hdr->caplen, &pkt);
 *	tsn_classify_ip(raw_socket_buf, n, &pkt);	// starts at the IP header
 *	pkt.cls == TSN_PKT_ESP, pkt.spi, pkt.src, pkt.dst, ...
 *	if (pkt.cls == TSN_PKT_ESP)	// a listener: is it our probe?
 *		tsn_esp_probe_check(frame + pkt.l4_off,
 *				    tsn_pkt_l4_len(&pkt, caplen), &run, &seen);
 *	if (pkt.cls == TSN_PKT_IKE)	// an IKE daemon's answer
 *		tsn_ike_parse(frame + pkt.l4_off + 8, ...)	// or _natt on 4500
 *
 * Errors: builders return -ENOSPC/-EINVAL; tsn_ike_parse returns a
 * negative errno and sets info->why (a phrase for "tsnet: probe: n2:
 * IKE answer: <why>") and info->err_off; the classifier never fails on
 * bytes, it says not-ip, truncated or malformed (with pkt->why).
 *
 * The golden bytes of every builder, the pcaps the classifier is tested
 * on and how they were captured are in tests/data/packets/ (TESTLIST).
 *
 * Nothing here opens a socket or a capture; the listener and the sender
 * do that and hand the bytes over.
 */
#ifndef TSN_PACKET_H
#define TSN_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 address as bytes in network order (IPv4 in a[0..3]). */
struct tsn_ip_addr {
	int family;		/* AF_INET, AF_INET6, or 0 when unknown */
	uint8_t a[16];
};

/* "198.18.0.1" or "fd00:7473::1" into buf (INET6_ADDRSTRLEN is enough);
 * "?" for an unknown family.  Returns buf. */
const char *tsn_ip_addr_str(const struct tsn_ip_addr *ip, char *buf,
			    size_t size);
/* Parse a numeric IPv4 or IPv6 address: 0 or -EINVAL. */
int tsn_ip_addr_parse(const char *s, struct tsn_ip_addr *ip);

/* Fill n bytes from getrandom(), retrying short reads: 0 or -errno. */
int tsn_random_bytes(void *p, size_t n);

/* ---- IKEv2 (RFC 7296) ---------------------------------------------- */

#define TSN_IKE_PORT 500
#define TSN_IKE_NATT_PORT 4500
#define TSN_IKE_SPI_LEN 8
#define TSN_IKE_NONCE_LEN 32
#define TSN_IKE_KE_LEN 32	/* group 31, curve25519 */
#define TSN_IKE_HDR_LEN 28
#define TSN_NON_ESP_MARKER_LEN 4
/* What a built IKE_SA_INIT request is sure to fit in, marker included. */
#define TSN_IKE_INIT_MAX 512

/* Exchange types, flags, payload types, transforms, notifies we name. */
enum {
	TSN_IKE_SA_INIT = 34,
	TSN_IKE_AUTH = 35,
	TSN_IKE_CREATE_CHILD_SA = 36,
	TSN_IKE_INFORMATIONAL = 37,
};

#define TSN_IKE_FLAG_INITIATOR 0x08
#define TSN_IKE_FLAG_VERSION 0x10
#define TSN_IKE_FLAG_RESPONSE 0x20

enum {
	TSN_IKE_TRANS_ENCR = 1,
	TSN_IKE_TRANS_PRF = 2,
	TSN_IKE_TRANS_INTEG = 3,
	TSN_IKE_TRANS_DH = 4,
	TSN_IKE_TRANS_ESN = 5,
};

enum {
	TSN_IKE_N_INVALID_SYNTAX = 7,
	TSN_IKE_N_NO_PROPOSAL_CHOSEN = 14,
	TSN_IKE_N_INVALID_KE_PAYLOAD = 17,
	TSN_IKE_N_NAT_DETECTION_SOURCE_IP = 16388,
	TSN_IKE_N_NAT_DETECTION_DESTINATION_IP = 16389,
	TSN_IKE_N_COOKIE = 16390,
};

/* The fields of one IKE_SA_INIT request.  spi_i, nonce and ke are random
 * (tsn_ike_init_random); the addresses and ports are those the packet is
 * sent from and to, hashed into the NAT detection notifies (RFC 7296
 * 2.23), so the responder can tell whether a NAT sits in between.  The
 * Message ID of an IKE_SA_INIT is always 0 (RFC 7296 2.2), so it is not a
 * field here. */
struct tsn_ike_init {
	uint8_t spi_i[TSN_IKE_SPI_LEN];
	uint8_t nonce[TSN_IKE_NONCE_LEN];
	uint8_t ke[TSN_IKE_KE_LEN];
	struct tsn_ip_addr src, dst;
	uint16_t sport, dport;
};

/* Fill spi_i, nonce and ke from getrandom(): 0 or -errno. */
int tsn_ike_init_random(struct tsn_ike_init *ini);
/* The IKE_SA_INIT request as a UDP payload for port 500. */
int tsn_ike_build_sa_init(uint8_t *buf, size_t size,
			  const struct tsn_ike_init *ini);
/* The same behind the 4-byte non-ESP marker, for port 4500 (RFC 3948). */
int tsn_ike_build_sa_init_natt(uint8_t *buf, size_t size,
			       const struct tsn_ike_init *ini);
/* A size probe (probe/probe.h TSN_SIZE_*) of exactly total bytes as a
 * UDP payload (with the non-ESP marker for 4500): an INFORMATIONAL
 * request header with our initiator SPI, responder SPI 0 and Message ID
 * msg_id (not 0), and a Vendor ID payload as filler. */
int tsn_ike_build_size(uint8_t *buf, size_t size,
		       const struct tsn_ike_init *ini, bool marker,
		       uint32_t msg_id, size_t total);

#define TSN_IKE_MAX_NOTIFY 16

/* What tsn_ike_parse() found in one IKE message. */
struct tsn_ike_info {
	uint8_t spi_i[TSN_IKE_SPI_LEN];
	uint8_t spi_r[TSN_IKE_SPI_LEN];
	uint8_t version;	/* 0x20 for IKEv2 */
	uint8_t exchange;	/* TSN_IKE_SA_INIT, ... */
	uint8_t flags;		/* TSN_IKE_FLAG_* */
	bool response;		/* flags & TSN_IKE_FLAG_RESPONSE */
	uint32_t msg_id;
	uint32_t length;	/* from the header */
	unsigned payloads;	/* how many payloads were walked */
	bool encrypted;		/* an SK payload (its content is opaque) */

	/* The first proposal of the SA payload: a response carries exactly
	 * the one the responder chose.  0 where a transform is absent. */
	bool has_sa;
	uint16_t encr, encr_keylen, prf, integ, dh;
	bool has_ke;
	uint16_t ke_group;
	bool has_nonce;

	uint16_t notify[TSN_IKE_MAX_NOTIFY];	/* types, in order */
	unsigned n_notify;	/* how many stored (extra ones are counted */
	unsigned notify_total;	/* in notify_total only) */
	uint16_t want_group;	/* from INVALID_KE_PAYLOAD, else 0 */

	/* On error: where (offset from the IKE header) and why. */
	size_t err_off;
	const char *why;
};

/* Parse one IKE message (the UDP payload of port 500) of caplen bytes.
 *   0		parsed; *info filled
 *   -EMSGSIZE	truncated: fewer bytes captured than the header says
 *   -EBADMSG	malformed: a length that cannot be, or a payload walk
 *		that does not end where the message does
 *   -EPROTO	not IKEv2 (major version is not 2)
 *   -ELOOP	more payloads (or proposals, transforms) than the cap
 * On every error info->why says what and info->err_off where. */
int tsn_ike_parse(const uint8_t *p, size_t caplen, struct tsn_ike_info *info);
/* The same for a UDP 4500 payload: the non-ESP marker, then IKE.
 * -ENOMSG when the marker is missing (ESP or a NAT keepalive). */
int tsn_ike_parse_natt(const uint8_t *p, size_t caplen,
		       struct tsn_ike_info *info);
/* One line for humans: "IKE_SA_INIT response: AES_GCM_16-256/
 * PRF_HMAC_SHA2_384/CURVE_25519", "INVALID_KE_PAYLOAD (wants ECP_256)",
 * "NO_PROPOSAL_CHOSEN", "COOKIE".  Returns buf. */
const char *tsn_ike_summary(const struct tsn_ike_info *info, char *buf,
			    size_t size);
/* Names from the IANA registries, or NULL for numbers we do not know. */
const char *tsn_ike_exchange_name(unsigned type);
const char *tsn_ike_notify_name(unsigned type);
const char *tsn_ike_transform_name(unsigned type, unsigned id);
bool tsn_ike_has_notify(const struct tsn_ike_info *info, uint16_t type);

/* ---- ESP probes ---------------------------------------------------- */

/* Probe SPIs are 0x7473xxxx ("ts"): far above the 1-255 IANA reserves,
 * and a range a listener can match on before it computes any HMAC.  The
 * kernel picks SPIs at random, so a real SA may collide with one; the
 * HMAC tag, not the SPI, is what makes a packet ours. */
#define TSN_ESP_PROBE_SPI_BASE 0x74730000u
#define TSN_ESP_PROBE_SPI_MASK 0xffff0000u
#define TSN_ESP_PROBE_KEY_LEN 32
#define TSN_ESP_PROBE_IV_LEN 8
#define TSN_ESP_PROBE_TAG_LEN 32
#define TSN_ESP_PROBE_MAGIC "TSNET-PROBE"
/* SPI 4 + seq 4 + IV 8 + magic 11 + version 1 + run 8 + node 4 + time 8
 * + tag 32 */
#define TSN_ESP_PROBE_LEN 80

/* One probe run: every node of the run holds the same key and run id
 * (the coordinator hands them out over the transport's stdin). */
struct tsn_esp_run {
	uint8_t key[TSN_ESP_PROBE_KEY_LEN];
	uint64_t run_id;
};

/* The fields of one ESP probe.  spi, seq and iv are random per packet;
 * node is the sender's index in the inventory and sent_ns the send time
 * (CLOCK_REALTIME, nanoseconds), so a listener can tell who sent it and
 * how late it arrived. */
struct tsn_esp_probe {
	uint32_t spi;
	uint32_t seq;
	uint8_t iv[TSN_ESP_PROBE_IV_LEN];
	uint32_t node;
	uint64_t sent_ns;
	uint64_t run_id;	/* filled by check; build takes run->run_id */
};

/* New run: random key and run id.  0 or -errno. */
int tsn_esp_run_new(struct tsn_esp_run *run);
/* spi (in the probe range), seq and iv from getrandom(); 0 or -errno. */
int tsn_esp_probe_random(struct tsn_esp_probe *pr);
/* The payload of a raw IP protocol 50 packet (starts with the SPI). */
int tsn_esp_probe_build(uint8_t *buf, size_t size,
			const struct tsn_esp_probe *pr,
			const struct tsn_esp_run *run);

enum tsn_esp_verdict {
	TSN_ESP_PROBE_OK,	/* ours, this run, tag verified */
	TSN_ESP_PROBE_NOT_OURS,	/* other ESP, or a probe of another run */
	TSN_ESP_PROBE_FORGED,	/* claims this run, tag does not verify */
};

/* Check len bytes that start at an ESP header.  On OK, *out (may be
 * NULL) gets the probe's fields.  Never reads past len. */
enum tsn_esp_verdict tsn_esp_probe_check(const uint8_t *p, size_t len,
					 const struct tsn_esp_run *run,
					 struct tsn_esp_probe *out);
const char *tsn_esp_verdict_name(enum tsn_esp_verdict v);

/* ---- Classifying captured packets ----------------------------------- */

enum tsn_pkt_class {
	TSN_PKT_NOT_IP,		/* ARP, LLDP, ... or an unknown link type */
	TSN_PKT_TRUNCATED,	/* IP, but cut before what we need */
	TSN_PKT_MALFORMED,	/* IP, but its headers contradict themselves */
	TSN_PKT_ESP,		/* IP protocol 50 */
	TSN_PKT_ESP_IN_UDP,	/* UDP 4500, non-zero SPI (RFC 3948) */
	TSN_PKT_IKE,		/* UDP 500, or UDP 4500 + non-ESP marker */
	TSN_PKT_NAT_KEEPALIVE,	/* UDP 4500, one 0xff byte */
	TSN_PKT_AH,		/* IP protocol 51: authenticated, in clear */
	TSN_PKT_CLEARTEXT,	/* any other IP packet (keep it last) */
};

struct tsn_pkt {
	enum tsn_pkt_class cls;
	struct tsn_ip_addr src, dst;	/* set for every IP packet */
	uint8_t l4proto;	/* after IPv6 extension headers */
	bool has_ports;		/* TCP, UDP, SCTP, first fragment */
	uint16_t sport, dport;
	bool fragment;		/* a non-first fragment: no L4 header (a
				 * fragment of ESP is esp with spi 0) */
	bool more_frags;	/* MF set: with !fragment, a first fragment */
	uint32_t frag_id;	/* IPv4 identification or IPv6 fragment id */
	bool orphan;		/* set by tsn_frag_attribute: a non-first
				 * fragment whose first one it did not see */
	uint32_t spi;		/* ESP, ESP-in-UDP and AH */
	size_t ip_off;		/* offset of the IP header in the frame */
	size_t l4_off;		/* offset of the L4 header in the frame */
	size_t ip_len;		/* IP total length from the header */
	const char *why;	/* for not-ip, truncated and malformed */
};

#define TSN_IPV6_MAX_EXT 8	/* extension headers walked before giving up */

/* Link types accepted by tsn_classify_frame (values of pcap_datalink). */
#define TSN_DLT_NULL 0		/* BSD loopback, family in host order */
#define TSN_DLT_EN10MB 1	/* 802.1Q/802.1ad tags walked, at most 4 */
#define TSN_DLT_RAW 12
#define TSN_DLT_LOOP 108	/* OpenBSD loopback, family in network order */
#define TSN_DLT_LINUX_SLL 113
#define TSN_LINKTYPE_RAW 101
#define TSN_DLT_IPV4 228
#define TSN_DLT_IPV6 229
#define TSN_DLT_LINUX_SLL2 276

/* Classify one captured frame of link type dlt and caplen bytes.  Returns
 * 0 (with pkt->cls set; NOT_IP for an unknown link type). */
int tsn_classify_frame(int dlt, const uint8_t *frame, size_t caplen,
		       struct tsn_pkt *pkt);
/* The same for bytes that start at an IPv4 or IPv6 header (raw sockets). */
int tsn_classify_ip(const uint8_t *ip, size_t caplen, struct tsn_pkt *pkt);
/* How many bytes from pkt->l4_off to the end of the IP packet were
 * captured: the length to hand tsn_esp_probe_check() (after adding 8 for
 * ESP-in-UDP), bounded by both caplen and the IP header's length, so
 * Ethernet padding never counts.  0 when there is no L4 header. */
size_t tsn_pkt_l4_len(const struct tsn_pkt *pkt, size_t caplen);
const char *tsn_pkt_class_name(enum tsn_pkt_class cls);
/* "tcp", "udp", "icmp", ... or NULL. */
const char *tsn_l4_name(uint8_t proto);
/* One line: "esp 198.18.0.1 > 198.18.0.2 spi 0x74730001",
 * "cleartext tcp 198.18.0.1:22 > 198.18.0.2:40000".  Returns buf. */
const char *tsn_pkt_str(const struct tsn_pkt *pkt, char *buf, size_t size);

/* ---- Fragments (probe/frag.c) --------------------------------------- */

/* A non-first fragment carries no ports: on its own, a fragment of an
 * ESP-in-UDP or IKE datagram would read as cleartext UDP.  The tracker
 * remembers what each first fragment was, keyed by (family, source,
 * destination, protocol, identification) as the receiver reassembles
 * (RFC 791, RFC 8200 4.5), and gives its followers the same class,
 * ports and SPI.
 *
 * Memory is fixed: TSN_FRAG_SLOTS slots, direct-mapped by a hash of the
 * key, a newer first fragment taking the slot of an older one.  A slot
 * older than TSN_FRAG_TTL seconds (capture time) no longer matches, as
 * a receiver drops a reassembly after that long.  A follower whose first
 * fragment was not seen (the capture began after it, it came later, or
 * its slot was taken) keeps the classifier's verdict - ESP and AH as
 * such, any other protocol cleartext - and is marked an orphan. */
#define TSN_FRAG_SLOTS 4096
#define TSN_FRAG_TTL 60

struct tsn_frag_slot {
	uint8_t src[16], dst[16];
	uint32_t id;
	uint32_t spi;
	int64_t seen;		/* capture time of the first fragment, s */
	uint16_t sport, dport;
	uint8_t family;		/* 4 or 6; 0 for an empty slot */
	uint8_t proto;
	uint8_t cls;		/* enum tsn_pkt_class */
	bool has_ports;
};

struct tsn_frags {
	struct tsn_frag_slot slot[TSN_FRAG_SLOTS];
};

/* For any fragment classified by tsn_classify_frame at capture time now
 * (seconds): a first fragment is remembered; a non-first one takes its
 * first fragment's class, ports and SPI when remembered (returns true),
 * else pkt->orphan is set (returns false).  Other packets: false. */
bool tsn_frag_attribute(struct tsn_frags *f, struct tsn_pkt *pkt, int64_t now);

#endif
