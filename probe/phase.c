/* phase.c - the order of one probe window, and what it leaves behind.
 *
 * Conntrack makes a probe's verdict depend on what came before it: a
 * ruleset that accepts `ct state established` lets a probe through as a
 * reply to a packet that went the other way, whatever it says for a new
 * flow.  So of each pair the node of lower index ("first") sends its
 * three probes alone; its peer, once it has seen all three, says so
 * (ACK); the first then removes the conntrack entries its packets made
 * and answers GO; only then does the peer remove its own and send its
 * probes, which the first acknowledges in turn.  Each direction's first
 * packet is thus unsolicited on both hosts.  A control packet is an ESP
 * probe with a flag, read from the wire (libpcap), so a firewall that
 * drops ESP does not stop it, only a path that loses it; then the first
 * stops at half the window and its peer starts all the same.
 *
 * Every node knows what it expects, so it closes its window as soon as
 * every peer has seen all of its probes and it has seen all of every
 * peer's (after a short grace for late trace events); only a missing
 * packet keeps it open to the end.  When it closes, it removes every
 * conntrack entry its packets made, by exact tuple (lib/conntrack.c),
 * and none that was there before it started: those belong to real
 * flows, and the probes that passed through them say so.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/conntrack.h"
#include "lib/util.h"
#include "probe/probe.h"

#define GRACE 0.1		/* s: late trace events, a lost ACK's resend */
#define TURN_DELAY 0.1		/* s after the first's end, without a GO */
/* s the size probes may take after the three small ones were decided:
 * tries 0 to 3 at least (try_at), two copies each, so that one lost
 * fragment in a lossy path does not read as a path that drops them */
#define TSN_SIZE_WAIT 0.6

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double tsn_probe_first_end(const struct tsn_probe_node *pn)
{
	return pn->window / 2;
}

/* Seconds after sending began that try k goes out: quick at first (a
 * peer that started listening a moment late), then every quarter of a
 * second; a path that loses 20% of packets loses four in a row with
 * probability 0.0016. */
static double try_at(unsigned k)
{
	static const double at[] = { 0, 0.1, 0.25, 0.5 };

	if (k < ARRAY_SIZE(at))
		return at[k];
	return 0.5 + 0.25 * (k - 3);
}

static void set_tuple(struct tsn_ct_tuple *t, const struct tsn_ip_addr *src,
		      const struct tsn_ip_addr *dst, uint8_t proto,
		      uint16_t sport, uint16_t dport)
{
	memset(t, 0, sizeof(*t));
	t->family = src->family;
	memcpy(t->src, src->a, sizeof(t->src));
	memcpy(t->dst, dst->a, sizeof(t->dst));
	t->proto = proto;
	t->sport = sport;
	t->dport = dport;
}

/* The tuples of what our packets and the peer's made here: ESP (no
 * ports), and per UDP port ours to it and its to us, as far as known.
 * An entry that was there before we started is not ours: left out. */
static size_t peer_tuples(const struct tsn_probe_node *pn,
			  const struct tsn_probe_peer *p,
			  struct tsn_ct_tuple *t)
{
	size_t n = 0;

	if (!p->p[TSN_PP_ESP].established)
		set_tuple(&t[n++], &pn->addr, &p->addr, IPPROTO_ESP, 0, 0);
	for (int k = 0; k < 2; k++) {
		const struct tsn_probe_port *pt = &pn->ports[k];
		uint16_t sport = pt->fd >= 0 ? pt->port : pt->eph_port;
		uint16_t in = p->ph.in_sport[k];
		bool pre = p->p[k].established;

		if (!(pre && sport == pt->port))
			set_tuple(&t[n++], &pn->addr, &p->addr, IPPROTO_UDP,
				  sport, pt->port);
		if (in && !(in == pt->port && (pre || sport == pt->port)))
			set_tuple(&t[n++], &p->addr, &pn->addr, IPPROTO_UDP,
				  in, pt->port);
	}
	return n;
}

#define PEER_TUPLES 5

static void note_ct_err(struct tsn_probe_node *pn, const char *what, int err)
{
	if (!pn->ct_err[0])
		snprintf(pn->ct_err, sizeof(pn->ct_err), "conntrack %s: %s",
			 what, strerror(-err));
}

static void delete_tuples(struct tsn_probe_node *pn,
			  const struct tsn_ct_tuple *t, size_t n)
{
	int res[PEER_TUPLES * 8];
	int ret;

	for (size_t i = 0; i < n; i += ARRAY_SIZE(res)) {
		size_t m = n - i < ARRAY_SIZE(res) ? n - i : ARRAY_SIZE(res);

		ret = tsn_ct_batch(pn->ct, TSN_CT_DELETE, t + i, m, res, NULL);
		for (size_t k = 0; !ret && k < m; k++)
			if (res[k] < 0 && res[k] != -ENOENT)
				ret = res[k];
		if (ret < 0)
			note_ct_err(pn, "delete", ret);
	}
}

static void clean_peer(struct tsn_probe_node *pn, struct tsn_probe_peer *p)
{
	struct tsn_ct_tuple t[PEER_TUPLES];

	if (pn->ct)
		delete_tuples(pn, t, peer_tuples(pn, p, t));
}

/* Which of the pair's own tuples (ESP, and UDP 500 and 4500 between the
 * IKE ports) already have an entry: a real flow, not ours. */
static int look_up(struct tsn_probe_node *pn, struct tsn_probe_peer *p)
{
	struct tsn_ct_tuple t[TSN_PP_N];
	int res[TSN_PP_N], ret;

	set_tuple(&t[TSN_PP_500], &pn->addr, &p->addr, IPPROTO_UDP,
		  TSN_IKE_PORT, TSN_IKE_PORT);
	set_tuple(&t[TSN_PP_4500], &pn->addr, &p->addr, IPPROTO_UDP,
		  TSN_IKE_NATT_PORT, TSN_IKE_NATT_PORT);
	set_tuple(&t[TSN_PP_ESP], &pn->addr, &p->addr, IPPROTO_ESP, 0, 0);
	ret = tsn_ct_batch(pn->ct, TSN_CT_GET, t, TSN_PP_N, res, NULL);
	for (int k = 0; !ret && k < TSN_PP_N; k++) {
		if (res[k] == 0)
			p->p[k].established = true;
		else if (res[k] != -ENOENT)
			ret = res[k];
	}
	return ret;
}

int tsn_probe_phase_start(struct tsn_probe_node *pn)
{
	int ret = tsn_ct_open(&pn->ct);

	if (ret < 0) {
		pn->ct = NULL;
		note_ct_err(pn, "netlink", ret);
	}
	for (size_t i = 0; i < pn->n_peers; i++) {
		struct tsn_probe_peer *p = &pn->peers[i];

		p->ph.first = pn->index < p->index;
		p->ph.sending = p->ph.first;
		p->ph.base = pn->start;
		if (pn->ct && ret == 0) {
			ret = look_up(pn, p);
			if (ret < 0)
				note_ct_err(pn, "lookup", ret);
		}
	}
	return ret;
}

static void turn(struct tsn_probe_node *pn, struct tsn_probe_peer *p,
		 double now)
{
	p->ph.go = true;
	clean_peer(pn, p);
	p->ph.sending = true;
	p->ph.base = now;
	p->ph.tries = 0;
}

static bool peer_done(const struct tsn_probe_peer *p)
{
	return p->ph.arrived && p->ph.acked;
}

double tsn_probe_phase_tick(struct tsn_probe_node *pn, double now)
{
	double first_end = pn->start + tsn_probe_first_end(pn);
	double next = pn->start + pn->window;
	bool all = true;

	for (size_t i = 0; i < pn->n_peers; i++) {
		struct tsn_probe_peer *p = &pn->peers[i];
		struct tsn_probe_phase *ph = &p->ph;

		if (ph->first && ph->sending && now >= first_end) {
			ph->sending = false;
			clean_peer(pn, p);
		} else if (!ph->first && !ph->go) {
			if (now >= first_end + TURN_DELAY)
				turn(pn, p, now);
			else if (first_end + TURN_DELAY < next)
				next = first_end + TURN_DELAY;
		}
		if (ph->sending && now >= ph->base + try_at(ph->tries)) {
			tsn_probe_send_peer(pn, p);
			ph->tries++;
		}
		if (ph->sending && ph->base + try_at(ph->tries) < next)
			next = ph->base + try_at(ph->tries);
		if (ph->first && ph->sending && first_end < next)
			next = first_end;
		if (ph->small_at && !ph->arrived) {
			if (now >= ph->small_at + TSN_SIZE_WAIT)
				tsn_probe_phase_probe(pn, p);
			else if (ph->small_at + TSN_SIZE_WAIT < next)
				next = ph->small_at + TSN_SIZE_WAIT;
		}
		all = all && peer_done(p);
	}
	if (all && !pn->done_at)
		pn->done_at = now;
	if (pn->done_at && pn->done_at + GRACE < next)
		next = pn->done_at + GRACE;
	return next;
}

/* Whether we know what became of the peer's probe pp here: a socket of
 * ours got it, or the trace named what dropped it, or it went to a
 * daemon that holds the port.  Seen on the wire only is not enough: a
 * loss between the interface and the input hook looks the same, and the
 * next copy may pass. */
static bool decided(const struct tsn_probe_node *pn,
		    const struct tsn_probe_peer *p, enum tsn_probe_proto pp)
{
	const struct tsn_probe_seen *s = &p->p[pp];

	return s->socket || s->in_drop ||
	       (pp != TSN_PP_ESP && pn->ports[pp].fd < 0 && s->wire);
}

/* Whether every size probe that can reach a socket of ours has: to a
 * port a daemon holds, none can. */
static bool sizes_arrived(const struct tsn_probe_node *pn,
			  const struct tsn_probe_peer *p)
{
	for (int k = 0; k < TSN_SZ_N; k++)
		if (pn->ports[k == TSN_SZ_FRAG500 ? 0 : 1].fd >= 0 &&
		    !p->sz[k].arrived)
			return false;
	return true;
}

void tsn_probe_phase_probe(struct tsn_probe_node *pn, struct tsn_probe_peer *p)
{
	bool small = decided(pn, p, TSN_PP_500) &&
		     decided(pn, p, TSN_PP_4500) && decided(pn, p, TSN_PP_ESP);
	double now = wall();

	if (small && !p->ph.small_at)
		p->ph.small_at = now;
	p->ph.arrived = small && (sizes_arrived(pn, p) ||
				  now >= p->ph.small_at + TSN_SIZE_WAIT);
	/* Again for each probe that comes after: our ACK was lost. */
	if (p->ph.arrived)
		tsn_probe_send_ctl(pn, p, TSN_PROBE_ACK);
}

void tsn_probe_phase_ctl(struct tsn_probe_node *pn, struct tsn_probe_peer *p,
			 uint32_t flags)
{
	struct tsn_probe_phase *ph = &p->ph;

	if ((flags & TSN_PROBE_ACK) && ph->first && !ph->acked) {
		/* Its turn: nothing of ours may be left for its probes to
		 * pass as replies, the GO's own entry included. */
		ph->acked = true;
		ph->sending = false;
		clean_peer(pn, p);
	}
	if ((flags & TSN_PROBE_ACK) && ph->first && !ph->arrived) {
		ph->go = true;
		tsn_probe_send_ctl(pn, p, TSN_PROBE_GO);
		clean_peer(pn, p);
	} else if (flags & TSN_PROBE_ACK) {
		ph->acked = true;
		if (!ph->first)
			ph->sending = false;
	}
	if ((flags & TSN_PROBE_GO) && !ph->first && !ph->go)
		turn(pn, p, wall());
}

void tsn_probe_phase_end(struct tsn_probe_node *pn)
{
	for (size_t i = 0; pn->ct && i < pn->n_peers; i++)
		clean_peer(pn, &pn->peers[i]);
	tsn_ct_close(pn->ct);
	pn->ct = NULL;
}
