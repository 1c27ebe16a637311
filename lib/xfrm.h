/* xfrm.h - the kernel's IPsec states and policies, and its drop counters,
 * as every command needs them (lib/xfrm.c, lib/xfrm_judge.c,
 * lib/xfrm_stat.c).
 *
 * preflight names the entries another IPsec setup left (xfrm.foreign),
 * enable-ipsec refuses to roll out over them, and status shows them as
 * drift and counts tsnet's own SAs per peer; the probes, enable-ipsec's
 * proof and verify read /proc/net/xfrm_stat before and after their
 * traffic and name every counter that rose.  The dump and the reading
 * are node-local; the judging is pure, over plain structs, so unit tests
 * drive it with tables.
 */
#ifndef TSN_XFRM_H
#define TSN_XFRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/json.h"
#include "lib/util.h"

/* ---- the dump (xfrm.c) ---- */

/* The first TSN_XFRM_SEEN_MAX entries are kept; total_* say how many
 * there are. */
#define TSN_XFRM_SEEN_MAX 1024
struct tsn_xfrm_seen {
	bool policy;			/* else a state (SA) */
	int family;
	uint8_t src[16], dst[16];	/* a policy's selector, a state's ends */
	uint8_t src_len, dst_len;
	uint8_t dir;			/* policy: XFRM_POLICY_IN, OUT, FWD */
	uint8_t action;			/* policy: XFRM_POLICY_ALLOW, BLOCK */
	uint8_t proto;			/* state: IPPROTO_ESP, ...; policy:
					 * the selector's, 0 any */
	uint16_t sport, dport;		/* policy selector, 0 any */
	uint32_t priority;		/* policy */
	uint32_t index;			/* policy */
	uint32_t spi;			/* state, host order */
	uint32_t reqid;			/* state */
	uint8_t mode;			/* state: XFRM_MODE_TRANSPORT, ... */
	uint32_t integrity_failed;	/* state: packets that failed its
					 * ICV or decryption */
	uint32_t replay;		/* state: replayed packets */
};
struct tsn_xfrm_list {
	struct tsn_xfrm_seen s[TSN_XFRM_SEEN_MAX];
	unsigned n;
	unsigned total_sa, total_pol;
	int err;
};

/* Dump the kernel's IPsec states and policies (XFRM_MSG_GETSA and
 * GETPOLICY through libmnl): 0 or -errno (also in l->err). */
int tsn_xfrm_list_run(struct tsn_xfrm_list *l);
/* As an agent writes it: {"error","total_sa","total_pol","states":[..],
 * "policies":[..]} (man/tsnet.8 has the keys), and back.  The reader
 * takes another machine's words: a field missing or out of range drops
 * its entry, never the list.  0 or -EINVAL (not such an object). */
void tsn_xfrm_list_json(struct tsn_json *j, const struct tsn_xfrm_list *l);
int tsn_xfrm_list_from_json(const struct tsn_jv *v, struct tsn_xfrm_list *l);

/* ---- whose is it (xfrm_judge.c) ---- */

/* Whether address a lies in net/len. */
bool tsn_xfrm_in_prefix(const uint8_t *net, unsigned len, const uint8_t *a,
			int family);
/* Whether s is about the traffic between self and peer (either way). */
bool tsn_xfrm_between(const struct tsn_xfrm_seen *s, int family,
		      const uint8_t *self, const uint8_t *peer);
/* tsnet's own: tsnet enabled IPsec on this node, and s is a host-to-host
 * state, or an allow policy, between self and one of the peers (what
 * charon installs for enable-ipsec's connections).  A block policy is
 * never tsnet's. */
bool tsn_xfrm_ours(const struct tsn_xfrm_seen *s, bool enabled, int family,
		   const uint8_t *self, const uint8_t (*peers)[16],
		   size_t n_peers);
/* "policy out 198.18.1.1/32 -> 198.18.1.2/32 action block priority 0
 * index 8" or "state esp 198.18.1.1 -> 198.18.1.2 spi 0xc0ffee01": what
 * `ip xfrm` would show of it, in one line. */
void tsn_xfrm_describe(const struct tsn_xfrm_seen *s, char *buf,
		       size_t len);
/* The `ip xfrm` command that removes exactly s. */
void tsn_xfrm_fix(const struct tsn_xfrm_seen *s, char *buf, size_t len);

/* ---- tsnet's SAs per peer (xfrm_judge.c) ---- */

struct tsn_xfrm_peer_sas {
	unsigned in, out;		/* ESP states peer -> self, self -> peer */
	unsigned dup;			/* states listed twice (same ends, SPI) */
	uint32_t spi_in[4], spi_out[4];	/* the first four of each */
};
/* Count the ESP states between self and peer in l. */
void tsn_xfrm_peer_sas(const struct tsn_xfrm_list *l, int family,
		       const uint8_t *self, const uint8_t *peer,
		       struct tsn_xfrm_peer_sas *out);
/* Whether a's and b's states agree: every SPI a sends with is one b
 * receives with, and the other way.  On false, why says which SPI. */
bool tsn_xfrm_spis_match(const struct tsn_xfrm_peer_sas *a,
			 const struct tsn_xfrm_peer_sas *b, const char *a_name,
			 const char *b_name, char *why, size_t len);

/* ---- the drop counters (xfrm_stat.c) ---- */

#define TSN_XSTAT_PATH "/proc/net/xfrm_stat"
#define TSN_XSTAT_MAX 64		/* counters; Linux 6.18 has 32 */
#define TSN_XSTAT_NAME 40
struct tsn_xstat {
	struct {
		char name[TSN_XSTAT_NAME];
		uint64_t v;
	} c[TSN_XSTAT_MAX];
	unsigned n;
};
/* Parse the file's text ("XfrmInNoStates<ws>12\n" per line): untrusted,
 * so a line that is not exactly a name and a decimal number, a name seen
 * twice or more than TSN_XSTAT_MAX lines is an error with its line in
 * err.  0 or -EINVAL. */
int tsn_xstat_parse(const char *text, size_t len, struct tsn_xstat *s,
		    char *err, size_t errlen);
/* Read and parse path: 0, -ENOENT (no such file: the kernel keeps no
 * counters, CONFIG_XFRM_STATISTICS off), or -errno / -EINVAL with err. */
int tsn_xstat_read(const char *path, struct tsn_xstat *s, char *err,
		   size_t errlen);
/* What a counter rising means, and what to look at; NULL for a name this
 * tsnet does not know. */
const char *tsn_xstat_meaning(const char *name);
/* The agent's words for a window: "xfrm_stat":{"rose":{NAME:N,...}} with
 * every counter that rose from before to after, or {"missing":true}
 * (kernel without the file), or {"error":".."}.  before_err is what
 * reading before returned. */
void tsn_xstat_json(struct tsn_json *j, int before_err, const char *err,
		    const struct tsn_xstat *before,
		    const struct tsn_xstat *after);
/* One line per counter in such an object that rose, except those in
 * expected (NULL-terminated, may be NULL):
 * "XfrmInStateProtoError +5 (MEANING)", joined by "; " into out.
 * Returns how many, or -ENOMEM; *missing says the node has no file. */
int tsn_xstat_rose_text(const struct tsn_jv *xs, const char *const *expected,
			struct tsn_buf *out, bool *missing);

/* An agent's window: the counters, and per peer the packets its SAs
 * into this node failed to authenticate (what names the pair behind
 * XfrmInStateProtoError). */
#define TSN_XSTAT_PEERS_MAX 64
struct tsn_xstat_peer {
	const char *name;
	int family;
	uint8_t addr[16];
	uint64_t auth_before, auth_after;
};
struct tsn_xstat_window {
	struct tsn_xstat before, after;
	int err;			/* reading before: -ENOENT missing */
	char why[160];
	uint8_t self[16];
	struct tsn_xstat_peer *peers;	/* the caller's, may be NULL */
	size_t n_peers;
};
/* Read before (and the SAs' counters); then after. */
void tsn_xstat_begin(struct tsn_xstat_window *w);
void tsn_xstat_end(struct tsn_xstat_window *w);
/* The window as tsn_xstat_json writes it, with "auth_failed":{PEER:N}
 * for each peer whose SAs into this node failed to authenticate. */
void tsn_xstat_window_json(struct tsn_json *j,
			   const struct tsn_xstat_window *w);
/* The coordinator's side: node checks from a window's object, as the
 * report model keeps them (lib/diag.c makes the problems): "xfrm.stat"
 * skip (the kernel keeps no counters: said once per node, not failed),
 * warn (could not read) or ok (nothing rose), and a failed
 * "xfrm.stat.NAME" per counter that rose, with its meaning and, for
 * XfrmInStateProtoError, the pairs ("n1 -> n2: 5 packets").  during
 * says when ("during the probe"); expected counters are the caller's
 * own doing (the probe's ESP with SPIs no SA has).  node names the
 * receiving end in pairs.  0 or -ENOMEM. */
struct tsn_node_report;
int tsn_xstat_checks(struct tsn_node_report *nr, const char *node,
		     const struct tsn_jv *xs, const char *during,
		     const char *const *expected);

#endif
