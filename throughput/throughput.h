/* throughput.h - `tsnet throughput`: the price of encryption, measured.
 *
 * Pair by pair, TCP throughput both ways, the round trip of small
 * exchanges and the CPU both ends spent, with tsnet's own agents (no
 * iperf on the nodes):
 *
 *   proc.c      /proc/stat, /proc/crypto, /proc/cpuinfo, /proc/net/snmp
 *               parsers (pure: text in, numbers out; hostile input fails)
 *   wire.c      the TCP exchange: hello, data, pings (both agents)
 *   xfrm.c      this node's ESP SAs to a peer: bytes, encapsulation
 *   listen.c    `tsnet agent tput-listen`: the serving end
 *   send.c      `tsnet agent tput-send`: the measuring end
 *   schedule.c  round-robin rounds: no node in two measurements at once
 *   run.c       the rounds through the transport, replies parsed
 *   limits.c    what limits a pair, as problems with fixes
 *   store.c     the baseline and the last run under /var/lib/tsnet
 *   tput_cmd.c  the command: options, matrix, JSON, before/after
 *
 * Uses lib/ only; enable/ calls tsn_tput_baseline() for --measure and
 * status reads tsn_tput_last_date().
 */
#ifndef TSN_THROUGHPUT_H
#define TSN_THROUGHPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/output.h"

#define TSN_TPUT_PORT 7473		/* TCP port of the listener */
#define TSN_TPUT_STREAMS_MAX 16
#define TSN_TPUT_CPUS_MAX 4096
#define TSN_TPUT_PINGS 400		/* small exchanges per pair */
#define TSN_TPUT_BASELINE "throughput-baseline.json"
#define TSN_TPUT_LAST "throughput-last.json"

/* ---- proc.c ---- */

/* One /proc/stat snapshot: the sum and each CPU, in clock ticks. */
struct tsn_cpu_tick {
	uint64_t busy;		/* user nice system irq softirq steal */
	uint64_t softirq;
	uint64_t total;		/* busy + idle + iowait */
};

struct tsn_cpu_snap {
	struct tsn_cpu_tick all;
	struct tsn_cpu_tick *cpu;	/* n entries, by cpuN number */
	size_t n;
};

/* What a node's CPUs did between two snapshots, in percent. */
struct tsn_cpu_use {
	double busy;		/* of all CPUs together */
	double core_max;	/* the busiest CPU */
	double softirq_max;	/* the CPU with most softirq time */
	unsigned ncpu;
};

int tsn_proc_stat_parse(const char *text, size_t len,
			struct tsn_cpu_snap *out);
void tsn_cpu_snap_free(struct tsn_cpu_snap *s);
/* b minus a; -EINVAL when the CPUs differ or a counter went back. */
int tsn_cpu_use(const struct tsn_cpu_snap *a, const struct tsn_cpu_snap *b,
		struct tsn_cpu_use *out);

enum tsn_aead_kind {
	TSN_AEAD_UNKNOWN,	/* nothing for GCM or AES in /proc/crypto */
	TSN_AEAD_ACCEL,		/* one accelerated driver (AES-NI, ARM CE) */
	TSN_AEAD_COMPOSED,	/* built from accelerated parts (gcm_base) */
	TSN_AEAD_GENERIC,	/* generic C code somewhere in it */
};

/* The implementation of rfc4106(gcm(aes)) the kernel would pick: the
 * highest priority, self-tested entry; without one (no SA asked for it
 * yet) the gcm(aes), then the aes, it would be built from. */
struct tsn_aead {
	enum tsn_aead_kind kind;
	char name[64];		/* the algorithm the driver is for */
	char driver[128];
};

int tsn_proc_crypto_parse(const char *text, size_t len, struct tsn_aead *out);
const char *tsn_aead_kind_name(enum tsn_aead_kind k);
int tsn_aead_kind_parse(const char *s, enum tsn_aead_kind *out);

/* AES instructions from /proc/cpuinfo's first flags (x86) or Features
 * (ARM) line: aes, and pclmulqdq (x86) or pmull (ARM) for GHASH. */
struct tsn_cpu_flags {
	bool known;		/* a flags line was found */
	bool aes;
	bool clmul;
};
int tsn_proc_cpuinfo_parse(const char *text, size_t len,
			   struct tsn_cpu_flags *out);

/* The counters of /proc/net/snmp that say a path fragments or loses. */
struct tsn_snmp {
	uint64_t frag_creates;	/* Ip: FragCreates */
	uint64_t reasm_reqds;	/* Ip: ReasmReqds */
	uint64_t retrans;	/* Tcp: RetransSegs */
};
int tsn_proc_snmp_parse(const char *text, size_t len, struct tsn_snmp *out);

/* ---- wire.c: what the two agents say to each other over TCP ---- */

/* Every connection opens with a hello from the sender: "TSNT", version,
 * kind, two zero bytes, the phase's length in ms, the pair's token. */
#define TSN_TPUT_HELLO_LEN 20
#define TSN_TPUT_PING_LEN 64
enum tsn_tput_kind {
	TSN_TPUT_TO_LISTENER = 'R',	/* sender writes, listener counts */
	TSN_TPUT_TO_SENDER = 'S',	/* listener writes for the ms */
	TSN_TPUT_PING = 'P',		/* 64-byte messages echoed */
	TSN_TPUT_QUIT = 'Q',		/* the pair is done */
};

struct tsn_tput_hello {
	uint8_t kind;
	uint32_t ms;
	uint8_t token[8];
};

void tsn_tput_hello_build(uint8_t *buf, const struct tsn_tput_hello *h);
/* 0, or -EINVAL for anything but a hello of ours. */
int tsn_tput_hello_parse(const uint8_t *buf, size_t len,
			 struct tsn_tput_hello *h);

/* The request both agents read on stdin. */
struct tsn_tput_req {
	char self[TSN_NAME_MAX + 1], peer[TSN_NAME_MAX + 1];
	struct tsn_addr addr, peer_addr;
	unsigned port, duration, streams, wait;
	uint8_t token[8];
};
/* Read and check it: 0, or -EINVAL / -errno with why filled. */
int tsn_tput_req_read(struct tsn_tput_req *rq, char *why, size_t len);
/* The sockaddr of an address and port; its length. */
#include <sys/socket.h>
socklen_t tsn_tput_sockaddr(const struct tsn_addr *a, unsigned port,
			    struct sockaddr_storage *ss);
double tsn_tput_wall(void);

/* ---- what an agent samples (send.c, listen.c) ---- */

struct tsn_tput_sample {
	struct tsn_cpu_snap cpu;
	struct tsn_snmp snmp;
	bool cpu_ok, snmp_ok;
};
void tsn_tput_sample(struct tsn_tput_sample *s);
void tsn_tput_sample_free(struct tsn_tput_sample *s);
/* "cpu":{..}, "frag_creates", "reasm_reqds", "retrans", "crypto",
 * "cpu_flags" members for the window between a and b. */
void tsn_tput_host_json(struct tsn_json *j, const struct tsn_tput_sample *a,
			const struct tsn_tput_sample *b);

/* ---- xfrm.c ---- */

struct tsn_tput_sa {
	bool found;		/* an ESP SA from src to dst */
	bool encap;		/* UDP-encapsulated */
	uint64_t bytes;		/* its byte counter */
	char aead[64];		/* its AEAD, e.g. rfc4106(gcm(aes)) */
	uint32_t spi;		/* the newest's, which names encap, aead */
	uint64_t add_time;	/* the newest's install time */
};
/* Whether the SA counters read before (0) and after (1) the data prove
 * it was encrypted: each direction's counter grew by at least the bytes
 * measured, with the same newest SA at both reads.  A counter that went
 * backwards or a newest SA that changed (a rekey in between) proves
 * nothing: TSN_SA_CHANGED. */
enum tsn_sa_proof { TSN_SA_PROVEN, TSN_SA_SHORT, TSN_SA_CHANGED };
enum tsn_sa_proof tsn_tput_sa_proof(const struct tsn_tput_sa *out0,
				    const struct tsn_tput_sa *out1,
				    const struct tsn_tput_sa *in0,
				    const struct tsn_tput_sa *in1,
				    uint64_t bytes_out, uint64_t bytes_in);
/* The ESP SA(s) from src to dst (addresses of family af): 0 (found or
 * not) or a negative errno when the dump failed. */
int tsn_tput_sa_read(int af, const void *src, const void *dst,
		     struct tsn_tput_sa *out);

/* ---- schedule.c ---- */

struct tsn_tput_pair {
	unsigned a, b;		/* node indexes; a sends first */
	unsigned round;
};

/* Rounds for the pairs in *pairs (n of them): the circle method's order
 * of the n_nodes, first fit; sets each pair's round and reorders the
 * array by round.  Returns the number of rounds. */
unsigned tsn_tput_schedule(struct tsn_tput_pair *pairs, size_t n,
			   unsigned n_nodes);
/* Every pair of n_nodes (a < b), or the --pairs list "a:b,c:d" by the
 * inventory's names.  -EINVAL with why filled. */
int tsn_tput_pairs(const struct tsn_inventory *inv, const char *spec,
		   struct tsn_tput_pair **out, size_t *n, char *why,
		   size_t len);

/* ---- run.c ---- */

struct tsn_tput_end {
	bool ok;
	char why[256];		/* when not */
	double start, end;	/* wall clock of its part */
	struct tsn_cpu_use cpu;
	bool cpu_ok;
	uint64_t frag_creates, reasm_reqds, retrans;
	struct tsn_aead aead;
	struct tsn_cpu_flags flags;
};

struct tsn_tput_result {
	const struct tsn_node *a, *b;
	unsigned round;
	bool ok;		/* both ends measured */
	double gbps_ab, gbps_ba, rtt_p50, rtt_p99;	/* ms */
	unsigned streams, mss;
	bool encrypted, encap;
	char aead[64];
	/* the sender's ESP SAs: found, and how much their counters grew */
	bool out_sa, in_sa;
	double out_bytes, in_bytes;
	char sa_error[64];
	struct tsn_tput_end ea, eb;
};

struct tsn_tput_opts {
	unsigned duration;	/* seconds per direction */
	unsigned streams;
	unsigned port;
	const char *pairs;	/* --pairs, or NULL for all */
	bool progress;		/* stderr is a tty */
};

struct tsn_tput_run {
	const struct tsn_inventory *inv;
	struct tsn_tput_result *res;
	size_t n;
	unsigned rounds;
	double when;		/* wall clock of the start */
};

int tsn_tput_measure(const struct tsn_inventory *inv,
		     const struct tsn_tput_opts *o, struct tsn_tput_run *run,
		     char *why, size_t len);
void tsn_tput_run_free(struct tsn_tput_run *run);
/* Read one agent's reply (untrusted) into e: 0 or -EINVAL with e->why. */
int tsn_tput_end_parse(const struct tsn_jv *v, struct tsn_tput_end *e);

/* ---- limits.c ---- */

int tsn_tput_limits(struct tsn_report *r, const struct tsn_tput_run *run,
		    unsigned streams);

/* ---- store.c ---- */

/* One stored pair (a baseline or the last run). */
struct tsn_tput_rec {
	char a[TSN_NAME_MAX + 1], b[TSN_NAME_MAX + 1];
	double gbps_ab, gbps_ba, rtt_p50, cpu_a, cpu_b;
	bool cpu_a_ok, cpu_b_ok;	/* false: unknown (null when stored) */
	bool encrypted;
};

struct tsn_tput_store {
	double when;
	struct tsn_tput_rec *rec;
	size_t n;
};

/* $TSNET_STATE_DIR or /var/lib/tsnet, then the file name. */
int tsn_tput_path(const char *file, char *buf, size_t len);
/* The run's members ("when", "rounds", "pairs") inside an object the
 * caller opened; each pair with its baseline when base has it. */
void tsn_tput_json(struct tsn_json *j, const struct tsn_tput_run *run,
		   const struct tsn_tput_store *base);
int tsn_tput_save(const char *file, const struct tsn_tput_run *run);
/* -ENOENT when there is none. */
int tsn_tput_load(const char *file, struct tsn_tput_store *st, char *why,
		  size_t len);
void tsn_tput_store_free(struct tsn_tput_store *st);
const struct tsn_tput_rec *tsn_tput_find(const struct tsn_tput_store *st,
					 const char *a, const char *b);
/* "2026-12-07 23:10 UTC" */
void tsn_tput_date(double when, char *buf, size_t len);
/* The date of the last measurement, or "" when none. */
void tsn_tput_last_date(char *buf, size_t len);

/* enable-ipsec --measure: measure every pair and keep it as the baseline,
 * messages as `cmd`.  An exit code (0 when stored). */
int tsn_tput_baseline(const struct tsn_inventory *inv, const char *cmd,
		      bool progress);

/* All of len bytes read (wr false) or written on fd by until (tsn_now
 * time), polling before each: 0, -ETIMEDOUT, -ECONNRESET at EOF, or a
 * negative errno.  send.c's every read and write. */
int tsn_tput_io_until(int fd, bool wr, void *buf, size_t len, double until);

/* agent actions */
int tsn_tput_listen_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_tput_send_action(int argc, char **argv, struct tsn_ctx *ctx);

#endif
