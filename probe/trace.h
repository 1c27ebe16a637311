/* trace.h - let the kernel say which nftables rule dropped a probe.
 *
 * For the probe window, a table of our own ("inet tsnet-probe") holds two
 * chains that run before every other (prerouting and output at priority
 * -350: before raw, conntrack and filter) and set `meta nftrace` on probe
 * packets only: ESP whose SPI is in the probe range, and IKE whose
 * initiator SPI starts with the run's 32-bit tag (behind the non-ESP
 * marker on 4500).  The kernel then reports every rule such a packet meets
 * and the verdict over NFNLGRP_NFTRACE; we read those events with
 * libnftnl's nftnl_trace and keep, per packet, the last verdict.  The
 * table is removed when the window closes.
 */
#ifndef TSN_TRACE_H
#define TSN_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#define TSN_TRACE_TABLE "tsnet-probe"
#define TSN_TRACE_PRIORITY (-350)

struct tsn_trace_match {
	uint32_t esp_spi;	/* ESP: (spi & esp_mask) == esp_spi */
	uint32_t esp_mask;
	uint32_t ike_tag;	/* IKE: first 4 bytes of the initiator SPI */
};

enum tsn_trace_hook { TSN_TRACE_IN, TSN_TRACE_OUT };

/* What became of one traced packet. */
struct tsn_trace_verdict {
	uint32_t id;		/* the kernel's trace id for the packet */
	enum tsn_trace_hook hook;
	int family;		/* AF_INET / AF_INET6 of the packet */
	uint8_t src[16], dst[16];
	uint8_t l4proto;
	uint16_t dport;
	uint32_t spi;		/* ESP */
	bool dropped;
	/* where: "inet filter input" + handle, or policy */
	char table[80];		/* "inet filter" */
	char chain[64];
	uint64_t handle;	/* 0 for a chain policy */
	bool policy;
};

struct tsn_trace;

/* Install the tracing table in this network namespace and subscribe to
 * trace events.  -EEXIST when a table of that name is already there (an
 * earlier run that died: tsn_trace_cleanup() removes it). */
int tsn_trace_start(struct tsn_trace **t, const struct tsn_trace_match *m);
/* The socket to poll for events. */
int tsn_trace_fd(const struct tsn_trace *t);
/* Read what is queued (non-blocking); each packet whose fate is decided
 * (a drop, or an accept at a base chain's end) is passed to cb. */
int tsn_trace_read(struct tsn_trace *t,
		   void (*cb)(void *arg, const struct tsn_trace_verdict *v),
		   void *arg);
/* Remove the table and close. */
int tsn_trace_stop(struct tsn_trace *t);
/* Remove a table left behind by a run that died; 0 if there was none. */
int tsn_trace_cleanup(void);

#endif
