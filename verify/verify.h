/* verify.h - `tsnet verify`: prove from the packets that every pair is
 * encrypted, and name every cleartext leak.
 *
 * One pass over packets, from a capture file (verify_read.c) or a live
 * capture: each frame is classified by probe/'s classifier, a
 * non-first fragment takes its first fragment's class (probe/frag.c),
 * and the packet is counted in the file's totals and in its pair's row
 * (pairs.c).  verify_print.c turns the result into the verdict, the
 * table and the JSON; verify_cmd.c is the command.
 *
 *	struct tsn_verify v;
 *	tsn_verify_init(&v, inv_or_NULL, all_pairs);
 *	tsn_verify_read(&v, "capture.pcapng", err, sizeof(err));
 *	tsn_verify_print(&v, &src, json, tty);	// or _json()
 *	rc = tsn_verify_exit(&v);
 *	tsn_verify_free(&v);
 *
 * Live (verify_live.c): `agent verify-capture` (agent_capture.c) captures
 * on every node at once and sends its frames back as pcapng (pcapng.c);
 * each node's is read as a file is, with on_packet collecting each
 * leak's flow and the SPIs, which are checked against charon's SAs
 * (agent ipsec-sas) and the receiving kernel's states;
 * verify_live_print.c says it.
 *
 * Memory is flat in the size of a capture: no allocation per packet, a
 * pair table with a cap (TSN_VERIFY_PAIRS_MAX; the packets of pairs past
 * it are counted together, see pairs.c) and a fixed fragment table.
 */
#ifndef TSN_VERIFY_H
#define TSN_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/output.h"
#include "probe/packet.h"

/* What verify counts: the classes of packet.h, folded (malformed counts
 * as truncated). */
enum tsn_vcls {
	TSN_V_ESP,
	TSN_V_ESP_IN_UDP,
	TSN_V_IKE,
	TSN_V_NAT_KEEPALIVE,
	TSN_V_AH,
	TSN_V_CLEARTEXT,
	TSN_V_TRUNCATED,
	TSN_V_PAIR_N,			/* a pair counts the ones above */
	TSN_V_NON_IP = TSN_V_PAIR_N,
	TSN_V_N,
};

/* "esp", "esp_in_udp", ... as the JSON keys them. */
const char *tsn_vcls_key(enum tsn_vcls c);

/* When and what the first cleartext packet of a pair was. */
struct tsn_vleak {
	uint64_t packet;	/* 1-based number in the capture */
	int64_t sec;		/* capture time */
	uint32_t usec;
	uint8_t proto;		/* IP protocol after extension headers */
	bool has_ports;
	bool a_to_b;		/* direction within the pair */
	bool fragment;		/* a non-first fragment ... */
	bool orphan;		/* ... whose first one was not seen */
	uint16_t sport, dport;
};

struct tsn_vpair {
	struct tsn_ip_addr a, b;	/* a sorts first (node order, or
					 * address order without one) */
	int na, nb;			/* node indexes, -1 if not members */
	uint64_t n[TSN_V_PAIR_N];	/* complete after
					 * tsn_verify_settle() */
	struct tsn_vleak first;		/* valid when n[TSN_V_CLEARTEXT] */
};

/* One slot of the pair index: the key and the running counts of a pair
 * in one cache line (pairs.c says why).  A count that wraps carries
 * 2^32 into the row; tsn_verify_settle() adds the rest. */
struct tsn_vslot {
	uint64_t key[4];		/* both addresses, smaller first */
	uint32_t n[TSN_V_PAIR_N];
	uint32_t row;			/* row index + 1 (| IPv6); 0: empty */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct tsn_vslot) == 64, "one cache line");

/* 65536 pairs of 152 bytes and 2 slots of 64 bytes each: 18 MB when
 * full. */
#define TSN_VERIFY_PAIRS_MAX 65536

struct tsn_vpairs {
	struct tsn_vpair *pair;		/* in order of first packet */
	size_t n, cap;			/* rows used, rows allocated */
	struct tsn_vslot *slot;		/* open addressing, 2 * cap slots */
	size_t mask;			/* slots - 1: 2 * cap - 1 */
	struct tsn_vpair over;		/* every pair past the cap, summed */
	struct tsn_vslot over_slot;
	uint64_t over_pairs_packets;	/* how many packets went there */
};

/* Members' addresses, to decide which packets are between two members:
 * a small open-addressed set of inventory addresses -> node index. */
struct tsn_vmembers {
	struct tsn_ip_addr *addr;
	int *node;
	size_t mask;			/* slots - 1; 0 when no inventory */
};

/* Where tsn_vpairs_prefetch looked for a pair (mask 0: nowhere). */
struct tsn_vhint {
	uint64_t key;
	size_t slot, mask;
};

/* A packet classified, waiting to be counted in its pair. */
struct tsn_vpend {
	struct tsn_pkt pkt;
	struct tsn_vhint hint;
	enum tsn_vcls c;
	bool has_pair;
	uint64_t number;		/* in the capture, from 1 */
	int64_t sec;
	uint32_t usec;
};

struct tsn_verify {
	const struct tsn_inventory *inv;	/* may be NULL */
	bool all_pairs;			/* every IP pair, members or not */
	int dlt;			/* link type of what is read */
	uint64_t packets;
	uint64_t totals[TSN_V_N];	/* every packet of the capture */
	struct tsn_vpairs pairs;
	struct tsn_vmembers members;
	struct tsn_frags *frags;
	struct tsn_vpend pend[2];
	struct tsn_vpend *now, *before;	/* pend[], taking turns */
	struct tsn_progress *progress;	/* may be NULL */
	/* Called (when set) after each packet is counted, with it: the
	 * live mode collects each leak's flow and the SPIs here. */
	void (*on_packet)(void *arg, const struct tsn_vpend *q);
	void *on_packet_arg;
	/* what was read, for the report */
	const char *source;		/* the file name */
	char read_error[300];		/* set when reading stopped early */
};

/* 0 or -ENOMEM.  inv may be NULL (then every pair is reported). */
int tsn_verify_init(struct tsn_verify *v, const struct tsn_inventory *inv,
		    bool all_pairs);
void tsn_verify_free(struct tsn_verify *v);

/* Count one captured frame of link type v->dlt (the shared step of the
 * file reader and a live capture).  The totals are counted at once, the
 * pairs one packet late: tsn_verify_settle() before reading them. */
void tsn_verify_frame(struct tsn_verify *v, const uint8_t *frame,
		      size_t caplen, int64_t sec, uint32_t usec);

/* Make the rows' counts complete; the readers do it when they end. */
void tsn_verify_settle(struct tsn_verify *v);

/* Read a pcap or pcapng file ("-": standard input) through libpcap.
 *   0		read to the end
 *   -EIO	opened, but libpcap stopped on a damaged record: what came
 *		before is counted, v->read_error says where and why
 *   -ENOENT	cannot open or not a capture: err has libpcap's reason */
int tsn_verify_read(struct tsn_verify *v, const char *path, char *err,
		    size_t errlen);
/* The same over a FILE the caller opened (the fuzz target: fmemopen). */
int tsn_verify_read_fp(struct tsn_verify *v, FILE *fp, char *err,
		       size_t errlen);

/* pairs.c */
int tsn_vpairs_init(struct tsn_vpairs *t);
void tsn_vpairs_free(struct tsn_vpairs *t);
/* Per packet: prefetch the slot of now's pair (now may be NULL) and
 * count the packet before in its pair, made when new and allowed (past
 * the cap, in the summed row). */
void tsn_vpairs_step(struct tsn_verify *v, struct tsn_vpend *now,
		     struct tsn_vpend *before);
/* A reported pair's row, or NULL when no packet of it was seen. */
const struct tsn_vpair *tsn_vpairs_find(const struct tsn_vpairs *t,
					const struct tsn_ip_addr *a,
					const struct tsn_ip_addr *b);
/* Add the running counts into the rows (before reading p->n). */
void tsn_vpairs_settle(struct tsn_vpairs *t);
int tsn_vmembers_init(struct tsn_vmembers *m, const struct tsn_inventory *inv);
void tsn_vmembers_free(struct tsn_vmembers *m);
/* The node index of an inventory address, or -1. */
int tsn_vmembers_node(const struct tsn_vmembers *m,
		      const struct tsn_ip_addr *ip);
void tsn_addr_to_ip(const struct tsn_addr *a, struct tsn_ip_addr *ip);

/* verify_print.c */
enum tsn_vverdict { TSN_VV_NO_TRAFFIC, TSN_VV_ENCRYPTED, TSN_VV_LEAK };
enum tsn_vverdict tsn_vpair_verdict(const struct tsn_vpair *p);
const char *tsn_vverdict_name(enum tsn_vverdict v);
/* 0 every reported pair with traffic is encrypted (and one had some),
 * 1 a leak, or nothing proven (no reported pair had traffic). */
int tsn_verify_exit(const struct tsn_verify *v);
void tsn_verify_json(const struct tsn_verify *v, struct tsn_json *j);
/* The report on stdout: JSON, or the verdict line and the table.  0 or
 * -errno (a full disk or a closed pipe). */
int tsn_verify_print(const struct tsn_verify *v, bool json, bool colour);

/* The fields of one pair's JSON object (a, b, a_node, b_node, verdict,
 * the counts, first_cleartext), shared by the live mode's pairs. */
void tsn_vpair_json(const struct tsn_verify *v, const struct tsn_vpair *p,
		    struct tsn_json *j);
/* "n1 - n2 (198.18.0.1 - 198.18.0.2)" */
void tsn_vpair_label(const struct tsn_verify *v, const struct tsn_vpair *p,
		     char *buf, size_t size);
/* "esp 1200, ike 8" over the classes of an encrypted pair. */
void tsn_vcounts_str(const uint64_t *n, char *buf, size_t size);
/* "tcp", "udp", ... or "proto N" */
const char *tsn_vproto_name(uint8_t proto, char *buf, size_t size);

/* pcapng.c: a capture written into memory, host byte order. */
int tsn_pcapng_begin(struct tsn_buf *b, int dlt, unsigned snaplen);
int tsn_pcapng_packet(struct tsn_buf *b, int64_t sec, uint32_t usec,
		      const uint8_t *data, uint32_t caplen, uint32_t len);

/* agent_capture.c: `tsnet agent verify-capture` */
struct tsn_ctx;
int tsn_verify_capture_action(int argc, char **argv, struct tsn_ctx *ctx);

/* verify_live.c: capture on every node while making traffic.  What a
 * node's capture held beyond the counts: each cleartext flow, and each
 * SPI of ESP (or ESP in UDP) between two members. */
#define TSN_VL_FLOWS_MAX 256
#define TSN_VL_SPIS_MAX 256
#define TSN_VL_PAIR_FLOWS 32
#define TSN_VL_PAIR_SPIS 16
#define TSN_VL_PATH_MAX 4096		/* DIR/NODE.pcapng for --write */

struct tsn_vflow {
	struct tsn_ip_addr src, dst;
	uint8_t proto;
	bool has_ports;
	uint16_t sport, dport;
	uint64_t n;
};

enum tsn_vspi_state {
	TSN_VSPI_MATCHED,	/* the receiver's charon and kernel have it */
	TSN_VSPI_NO_SA,		/* no SA of tsnet's has it (charon) */
	TSN_VSPI_NO_STATE,	/* charon lists it, the kernel has none */
	TSN_VSPI_UNCHECKED,	/* an end's SAs could not be read */
};

struct tsn_vspi {
	struct tsn_ip_addr src, dst;
	uint32_t spi;
	uint64_t n;
	enum tsn_vspi_state st;
};

struct tsn_vlnode {
	const struct tsn_node *node;
	struct tsn_verify v;
	bool v_read;			/* its capture was read */
	struct tsn_jv rep;		/* verify-capture's reply */
	struct tsn_jv sas;		/* ipsec-sas's reply */
	bool sas_ok;
	char *sas_error;		/* the SAs could not be read: why */
	const char *ifname;		/* in rep */
	uint64_t packets, kept;
	char *error;			/* the capture failed: why */
	char path[TSN_VL_PATH_MAX];		/* --write: where it was kept */
	struct tsn_vflow flows[TSN_VL_FLOWS_MAX];
	size_t n_flows;
	uint64_t flows_over;
	struct tsn_vspi spis[TSN_VL_SPIS_MAX];
	size_t n_spis;
	uint64_t spis_over;		/* ESP packets whose SPI was not kept */
};

struct tsn_vlpair {
	struct tsn_vpair p;		/* counts: the larger end's */
	bool seen;			/* an end's capture was read */
	bool over6;			/* the nodes' address6 row, whose SAs
					 * are the pair's second connection's
					 * (ipsec-sas "over": "address6") */
	struct tsn_vflow flows[TSN_VL_PAIR_FLOWS];
	size_t n_flows;
	struct tsn_vspi spis[TSN_VL_PAIR_SPIS];
	size_t n_spis, bad_spis, unchecked_spis;
	uint64_t flows_over, spis_over;	/* not kept: the caps above */
};

struct tsn_vlive {
	const struct tsn_inventory *inv;
	const struct tsn_vlive_opts *o;
	struct tsn_vlnode *nodes;
	struct tsn_vlpair *pairs;
	size_t n_pairs, failed, sas_failed;
	uint64_t spis_over;		/* nodes' and pairs': not all checked */
	int exit;
	/* the kernel's drop counters that rose during the capture, a line
	 * each ("NODE: xfrm.stat.NAME: DETAIL\n"); kernels without them */
	struct tsn_buf xstat, xstat_note;
};

bool tsn_vip_eq(const struct tsn_ip_addr *a, const struct tsn_ip_addr *b);
/* verify_live.c: the pairs from L's nodes (0 or -ENOMEM), then the exit
 * code for what L holds */
int tsn_vlive_assess(struct tsn_vlive *L);
int tsn_vlive_judge(const struct tsn_vlive *L);
/* verify_live_print.c: 0 or -errno. */
int tsn_vlive_print(const struct tsn_vlive *L, bool json, bool colour);

/* verify_live.c */
struct tsn_vlive_opts {
	unsigned ms;			/* capture window */
	const char *ifname;		/* NULL: each node's own */
	const char *write_dir;		/* NULL: keep no capture */
};
/* hex to bytes, hex digits only: 0, -EINVAL or -ENOMEM */
int tsn_vl_unhex(const char *s, uint8_t **out, size_t *len);
int tsn_verify_live(struct tsn_ctx *ctx, const struct tsn_inventory *inv,
		    const struct tsn_vlive_opts *o);

#endif
