/* probe.h - one node's side of `tsnet probe`: the listener (listen.c),
 * the sender (send.c) and the agent action that runs both for one probe
 * window (agent_probe.c).  The coordinators (probe_cmd.c, and
 * enable-ipsec's encap_probe.c, both through probe_mesh.c) only read the
 * JSON the action prints.
 *
 * Who sent a probe is read from the probe itself, never from the source
 * address (a NAT rewrites that): the ESP probe carries the sender's index
 * (and its SPI's low 16 bits repeat it, for the trace), and the IKE
 * initiator SPI is  tag(4) | sender index(2) | receiver index(2).
 */
#ifndef TSN_PROBE_H
#define TSN_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "lib/cmd.h"
#include "lib/inventory.h"
#include "probe/packet.h"
#include "probe/trace.h"

struct tsn_ct;

enum tsn_probe_proto { TSN_PP_500, TSN_PP_4500, TSN_PP_ESP, TSN_PP_N };

/* What one node learned about one protocol with one peer: the incoming
 * half (the peer's probes to us) and the outgoing half (ours to it). */
struct tsn_probe_seen {
	/* incoming */
	bool wire;			/* libpcap saw it on the interface */
	bool socket;			/* a socket got it: passed input */
	struct tsn_ip_addr src;		/* the source address we saw */
	bool in_drop;			/* our input firewall dropped it */
	struct tsn_trace_verdict in_v;
	/* outgoing */
	unsigned sent;
	int send_err;			/* first -errno of sendto */
	bool out_drop;			/* our output firewall dropped it */
	struct tsn_trace_verdict out_v;
	bool answer;			/* an IKE daemon answered */
	/* A conntrack entry this window did not create (a real IKE or ESP
	 * flow, an earlier run that died) was there when it started: our
	 * probes pass it as an established flow, whatever a new one meets. */
	bool established;
	char summary[128];		/* tsn_ike_summary() of the answer */
	char notify[64];		/* first notify's name, if any */
};

/* Sizes and fragments, per peer (sent by send.c, judged by
 * probe_size.c): IKE_AUTH with certificates is 2-3 KB, so it travels as
 * IP fragments, and a path that drops them lets PSK work while
 * certificates time out; and ESP adds up to 45 bytes (AES-GCM-16 with
 * UDP encapsulation) to a packet that may already fill the MTU.  So to
 * each peer: a UDP datagram of TSN_SIZE_FRAG_LEN bytes without DF to 500
 * and to 4500 (it must arrive reassembled), and one with DF to 4500 whose
 * IP packet is the interface MTU: the largest packet ESP makes there (the
 * kernel fits ESP's packet to the route's MTU, so an inner packet of the
 * MTU less ESP's overhead becomes one of the full MTU).  A path MTU below
 * the interface's loses those, whatever the inner packet's size.  The DF
 * probe is at most TSN_SIZE_DF_MAX bytes, the largest IPv4 packet (an MTU
 * above it is probed at that and said so).  Each is an IKE INFORMATIONAL
 * header with a Message ID that marks it (TSN_SIZE_MSGID_*). */
enum tsn_probe_size_kind { TSN_SZ_FRAG500, TSN_SZ_FRAG4500, TSN_SZ_DF,
			   TSN_SZ_N };

#define TSN_SIZE_FRAG_LEN 2600		/* UDP payload, no DF */
#define TSN_SIZE_ESP_OVERHEAD 45	/* 8 SPI+seq, 8 IV, 5 pad+trailer,
					 * 16 ICV, 8 UDP encapsulation */
#define TSN_SIZE_DF_MAX 65535		/* IP length of the largest DF probe */
#define TSN_SIZE_MSGID_FRAG 0x74730001u
#define TSN_SIZE_MSGID_DF 0x74730002u
#define TSN_SIZE_MIN_SENT 3		/* copies sent before a loss counts */

struct tsn_probe_size {
	unsigned sent;			/* ours to the peer */
	int send_err;			/* first -errno of sendto */
	bool arrived;			/* the peer's reached our socket whole */
};

/* The window's order with one peer (phase.c).  Of each pair the node of
 * lower index ("first") probes first; the other sends its own probes
 * only once it has seen all three of the first's, told it so (ACK) and
 * heard back that the first removed its conntrack entries (GO).  So no
 * probe meets an entry the other direction left, and each node knows
 * when its part is done. */
struct tsn_probe_phase {
	bool first;			/* our index is the lower */
	bool sending;			/* our probes to it are due */
	bool acked;			/* it has seen all three of ours */
	bool go;			/* first: GO sent; else: our turn came */
	bool arrived;			/* all three of its probes arrived */
	double small_at;		/* when the three did: the size probes
					 * get TSN_SIZE_WAIT more */
	unsigned tries;			/* sends since sending began */
	double base;			/* when sending began */
	uint16_t in_sport[2];		/* its UDP probes' source ports */
};

struct tsn_probe_peer {
	char name[64];
	uint32_t index;
	struct tsn_ip_addr addr;
	struct tsn_ike_init ike[2];	/* the IKE_SA_INIT sent on 500, 4500 */
	struct tsn_probe_seen p[TSN_PP_N];
	struct tsn_probe_size sz[TSN_SZ_N];
	unsigned df_len;		/* IP length of our DF probe to it */
	struct tsn_probe_phase ph;
};

/* Above the sender's 16-bit index, an ESP probe's node field says what
 * a control packet of the handshake means; a control packet's SPI names
 * no node (TSN_PROBE_CTL_INDEX), so the trace passes over it. */
#define TSN_PROBE_INDEX_MASK 0xffffu
#define TSN_PROBE_CTL_INDEX 0xffffu
#define TSN_PROBE_ACK 0x80000000u	/* I have seen all three of yours */
#define TSN_PROBE_GO 0x40000000u	/* my entries are gone: send yours */

/* One port of ours: the socket we listen and send on, or who holds it. */
struct tsn_probe_port {
	uint16_t port;
	int fd;				/* bound to port, or -1 */
	int eph_fd;			/* ephemeral, when port is held */
	uint16_t eph_port;
	char holder[64];		/* "charon (pid 42)" when held */
};

struct tsn_probe_node {
	/* the request */
	char self[64];
	uint32_t index;
	struct tsn_ip_addr addr;
	char ifname[64];
	struct tsn_esp_run run;
	uint32_t tag;
	double start, window;
	struct tsn_probe_peer *peers;
	size_t n_peers;
	/* what we opened */
	void *pcap;			/* pcap_t */
	int pcap_fd;
	int pcap_dlt;
	struct tsn_probe_port ports[2];	/* 500, 4500 */
	int raw4, raw6;			/* IPPROTO_ESP */
	struct tsn_trace *trace;
	struct tsn_ct *ct;		/* ctnetlink, NULL when unavailable */
	char ct_err[128];		/* why it is, or why a cleanup failed */
	double done_at;			/* every peer done: close after grace */
	char pcap_err[256];
	unsigned foreign;		/* packets that were not our probes */
	unsigned nonmember;		/* of them: answers in our names
					 * from an address not the peer's */
	unsigned mtu;			/* ifname's, for the DF probe */
};

void tsn_probe_node_init(struct tsn_probe_node *pn);
/* Open libpcap, the UDP sockets (or ephemeral ones where the port is
 * held) and the raw ESP sockets.  0 or -errno; why says which and why. */
int tsn_probe_listen_open(struct tsn_probe_node *pn, char *why, size_t len);
void tsn_probe_listen_close(struct tsn_probe_node *pn);
/* Drain what is queued on fd (one of pn's); never blocks. */
void tsn_probe_listen_read(struct tsn_probe_node *pn, int fd);
/* Fill fds with every fd to poll; returns how many (at most 8). */
int tsn_probe_listen_fds(const struct tsn_probe_node *pn, int *fds);
/* The interface that routes to addr ("eth0"), for a node without one. */
int tsn_probe_route_ifname(const struct tsn_ip_addr *addr, char *ifname,
			   size_t len);
/* Who holds UDP port on this host, e.g. "charon (pid 42)". */
void tsn_probe_port_holder(uint16_t port, char *buf, size_t len);

struct tsn_probe_peer *tsn_probe_peer_by_index(struct tsn_probe_node *pn,
					       uint32_t index);
struct tsn_probe_peer *tsn_probe_peer_by_addr(struct tsn_probe_node *pn,
					      int family, const uint8_t *a);

/* Sender: build every probe (once); send one peer our three probes, or
 * a control packet (flags TSN_PROBE_ACK, TSN_PROBE_GO). */
int tsn_probe_send_prepare(struct tsn_probe_node *pn);
void tsn_probe_send_peer(struct tsn_probe_node *pn, struct tsn_probe_peer *p);
void tsn_probe_send_ctl(struct tsn_probe_node *pn, struct tsn_probe_peer *p,
			uint32_t flags);

/* The window's order (phase.c).  Seconds after the start: the first of
 * each pair stops at half the window; its peer, without a GO, then
 * starts. */
double tsn_probe_first_end(const struct tsn_probe_node *pn);
/* Look up, before anything is sent, which conntrack entries exist that
 * are not ours; 0 or -errno (ct_err says why: the probe runs on). */
int tsn_probe_phase_start(struct tsn_probe_node *pn);
/* Send what is due at now; returns when next to call. */
double tsn_probe_phase_tick(struct tsn_probe_node *pn, double now);
/* One of peer's probes (pp), or a control packet, arrived. */
void tsn_probe_phase_probe(struct tsn_probe_node *pn,
			   struct tsn_probe_peer *p);
void tsn_probe_phase_ctl(struct tsn_probe_node *pn, struct tsn_probe_peer *p,
			 uint32_t flags);
/* Remove every conntrack entry this window's packets made. */
void tsn_probe_phase_end(struct tsn_probe_node *pn);
/* A parsed IKE answer received on the 500 or 4500 socket from src.
 * Only the peer the answer names, from its own address, counts. */
void tsn_probe_answer(struct tsn_probe_node *pn, enum tsn_probe_proto pp,
		      const struct tsn_ike_info *info,
		      const struct tsn_ip_addr *src);

/* `tsnet agent probe-window`: request on stdin, one JSON object out. */
int tsn_probe_window_action(int argc, char **argv, struct tsn_ctx *ctx);

const char *tsn_probe_proto_name(enum tsn_probe_proto pp);
const char *tsn_probe_size_name(enum tsn_probe_size_kind k);

/* ---- the coordinator (probe_cmd.c, probe_mesh.c, probe_merge.c) ---- */

struct tsn_report;
struct tsn_jv;

/* One node of the run and what its probe-window action printed. */
struct tsn_probe_result {
	const char *name;
	struct tsn_ip_addr addr;	/* the address probed */
	const struct tsn_jv *reply;	/* NULL when the node failed */
	const char *why;		/* why it failed */
};

struct tsn_inventory;
struct tsn_node;
struct tsn_job;
struct tsn_buf;

/* One probe window on n nodes at once (probe_mesh.c), for `tsnet probe`
 * and enable-ipsec's probe before enabling.  After tsn_probe_mesh_alloc
 * the caller sets nodes[i] and res[i].addr (where node i is probed) and
 * the options; tsn_probe_mesh_run fills res[i] (jobs[i] says how a node
 * failed).  tsn_probe_mesh_free also after a failed alloc. */
/* The probe window's default in seconds, for `tsnet probe` (--timeout)
 * and enable-ipsec's probe alike: how long a node waits for probes that
 * do not arrive (a healthy mesh closes its windows early). */
#define TSN_PROBE_WINDOW 3

struct tsn_probe_mesh {
	const struct tsn_inventory *inv;
	size_t n;
	const struct tsn_node **nodes;
	struct tsn_probe_result *res;
	struct tsn_job *jobs;
	/* options */
	unsigned window;		/* seconds; 0: TSN_PROBE_WINDOW */
	const char *what;		/* progress "WHAT: 1 of 3 nodes, ..." */
	/* Whether inventory nodes a and b probe each other; NULL: all. */
	bool (*peer)(const void *arg, size_t a, size_t b);
	const void *peer_arg;
	bool log_replies;		/* with -vv, each reply (tsn_dbg) */
	double start;			/* the window's (wall clock), by run */
	/* the requests (the run's key: wiped), replies, failures */
	struct tsn_buf *req;
	struct tsn_jv *replies;
	char **why;
};

int tsn_probe_mesh_alloc(struct tsn_probe_mesh *m,
			 const struct tsn_inventory *inv, size_t n);
/* 0 when every node's job was run (each res[i] has a reply or a why), or
 * -errno; progress on stderr when err_tty. */
int tsn_probe_mesh_run(struct tsn_probe_mesh *m, bool err_tty);
void tsn_probe_mesh_free(struct tsn_probe_mesh *m);

/* The verdicts of a mesh that ran, into r->pairs as `tsnet probe`
 * reports them: tsn_probe_merge, then what a new flow would meet where
 * a verdict rode on conntrack (tsn_probe_new_flows).  probe and
 * preflight both use it (probe_est.c); each adds the cloud's warning
 * (tsn_probe_cloud_problem) once it knows the cloud. */
int tsn_probe_pairs(struct tsn_report *r, const struct tsn_probe_mesh *m,
		    const char *from, const char *to);
/* Each drop of set whose rule is named by handle gets the rule's text
 * as `nft -a list ruleset` prints it, from `tsnet agent nft-eval` on its
 * node where the evaluator names the same rule for that flow (a
 * rule it reads otherwise keeps table, chain and handle).  0 or -errno. */
struct tsn_diag_set;
int tsn_probe_rule_texts(const struct tsn_probe_mesh *m,
			 struct tsn_diag_set *set);
/* The checks node res's window adds to its row (probe_notes.c):
 * xfrm.stat, probe.trace and probe.conntrack; nothing without a reply.
 * probe and preflight both use it. */
int tsn_probe_node_notes(struct tsn_report *r,
			 const struct tsn_probe_result *res);
/* One verdict per directed pair (all pairs, or only from -> to when both
 * are set) and protocol, into r->pairs. */
int tsn_probe_merge(struct tsn_report *r, const struct tsn_probe_result *res,
		    size_t n, const char *from, const char *to);
/* The problems the verdicts in r show, each cause once with its scope
 * and what to do (probe_problems.c); net places the nodes (lib/diag.h),
 * cloud_advice is the `tsnet cloud` command for this cluster.  With set,
 * the firewall drops go there instead (preflight adds its own evaluator's
 * and makes the problems); the caller sorts the problems. */
struct tsn_diag_net;
struct tsn_diag_set;
int tsn_probe_problems(struct tsn_report *r, const struct tsn_diag_net *net,
		       const char *cloud_advice, struct tsn_diag_set *set);
#define TSN_PROBE_DROP_FIX "tsnet preflight --fix (it inserts tagged " \
	"accepts for the cluster members into that chain)"
/* What node reply says of peer's proto ("udp500", ...), or NULL. */
const struct tsn_jv *tsn_probe_seen_of(const struct tsn_jv *reply,
				       const char *peer, const char *proto);
/* For each "established" verdict in r, what a new flow would meet there
 * (`tsnet agent nft-eval` on the node that holds the entry). */
int tsn_probe_new_flows(struct tsn_report *r, const struct tsn_probe_mesh *m);
/* In cloud c (the inventory's, or the detected one with cloud = auto),
 * a warning "probe.cloud-state" whose pairs are the passes that may have
 * ridden on the cloud firewall's state: each pair's second direction,
 * and every pass where this cluster was probed within the time that
 * cloud tracks flows before this window's start (wall clock seconds; 0:
 * now): the end of each run is kept per cluster under $TSNET_STATE_DIR
 * or /var/lib/tsnet, written atomically.  probe_cloud.c. */
int tsn_probe_cloud_problem(struct tsn_report *r,
			    const struct tsn_inventory *inv, enum tsn_cloud c,
			    double start);
/* The size probes' problems (probe_size.c): fragments lost on a pair
 * (path.fragments), a DF packet of ESP's size lost (path.mtu). */
int tsn_probe_size_problems(struct tsn_report *r,
			    const struct tsn_probe_result *res, size_t n);
/* Where the probe found NAT (probe_nat.c): RFC 3948's transport-mode
 * limits (nat.transport), UDP encapsulation turned off in the inventory
 * (nat.encap), several nodes behind one public address (nat.shared);
 * net's routes (may be NULL) take the pairs they explain out. */
int tsn_probe_nat_problems(struct tsn_report *r,
			   const struct tsn_inventory *inv,
			   const struct tsn_diag_net *net);
/* Whether some ESP is not-arrived where UDP arrives (cloud filtering). */
bool tsn_probe_esp_filtered(const struct tsn_report *r);

/* A short capture while this node sends (capture.c): enable/prove.c and
 * verify's live capture.  err is PCAP_ERRBUF_SIZE bytes; filter may be
 * NULL.  run calls kick once after a third of ms; 0, -EIO, -ENOTSUP. */
struct tsn_capture {
	pcap_t *p;
	int dlt;
	int snaplen;
};
int tsn_capture_open(struct tsn_capture *c, const char *ifname,
		     int snaplen, const char *filter, char *err);
int tsn_capture_run(struct tsn_capture *c, unsigned ms, pcap_handler fn,
		    u_char *arg, void (*kick)(void *), void *kick_arg);
void tsn_capture_close(struct tsn_capture *c);

#endif
