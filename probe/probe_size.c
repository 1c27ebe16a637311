/* probe_size.c - what the size probes (send.c) say of each pair.
 *
 * A size probe proves something only beside the small probe of the same
 * port: where the small one did not reach the peer's socket, the cause
 * is that (probe_problems.c names it), not the size.  Where it did and
 * the size probe, sent TSN_SIZE_MIN_SENT times at least, never arrived
 * whole, the path loses what the size makes of it: IP fragments (frag500,
 * frag4500), or a DF packet of the route's MTU, the largest packet ESP
 * makes (df; probe.h says why that size).  A DF probe that could not be
 * sent at all (EMSGSIZE: larger than the kernel lets out that way) is
 * said too, never a silent pass.  A
 * port a daemon holds on the peer gets no verdict: the probe cannot read
 * what reached it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/util.h"
#include "probe/probe.h"

/* A number macro as a string literal, for the fixed texts below. */
#define STR_(x) #x
#define STR(x) STR_(x)

static bool jbool(const struct tsn_jv *v, const char *key)
{
	bool b = false;

	return tsn_jv_getbool(v, key, &b) && b;
}

static const struct tsn_jv *size_of(const struct tsn_jv *reply,
				    const char *peer, enum tsn_probe_size_kind k)
{
	const struct tsn_jv *peers = tsn_jv_get(reply, "peers");

	for (size_t i = 0; peers && peers->type == TSN_JARR && i < peers->n;
	     i++)
		if (tsn_streq(tsn_jv_getstr(&peers->items[i], "name"), peer))
			return tsn_jv_get(tsn_jv_get(&peers->items[i], "sizes"),
					  tsn_probe_size_name(k));
	return NULL;
}

static bool port_bound(const struct tsn_jv *reply, unsigned port)
{
	const struct tsn_jv *ports = tsn_jv_get(reply, "ports");
	double p;

	for (size_t i = 0; ports && ports->type == TSN_JARR && i < ports->n;
	     i++)
		if (tsn_jv_getnum(&ports->items[i], "port", &p) && p == port)
			return jbool(&ports->items[i], "bound");
	return false;
}

/* Whether a's size probe k to b was lost where its small one passed. */
static bool lost(const struct tsn_probe_result *a,
		 const struct tsn_probe_result *b, enum tsn_probe_size_kind k)
{
	enum tsn_probe_proto pp = k == TSN_SZ_FRAG500 ? TSN_PP_500 :
				  TSN_PP_4500;
	const struct tsn_jv *out = size_of(a->reply, b->name, k);
	const struct tsn_jv *in = size_of(b->reply, a->name, k);
	const struct tsn_jv *small = tsn_probe_seen_of(b->reply, a->name,
						       tsn_probe_proto_name(pp));
	double sent = 0;

	if (!out || !in || jbool(a->reply, "missed") ||
	    jbool(b->reply, "missed") ||
	    !port_bound(b->reply, pp == TSN_PP_500 ? 500 : 4500))
		return false;
	tsn_jv_getnum(out, "sent", &sent);
	return jbool(small, "socket") && !jbool(in, "arrived") &&
	       sent >= TSN_SIZE_MIN_SENT;
}

/* One problem for the pairs where any of kinds (a bit each) was lost;
 * which kinds, per pair, in its text. */
struct size_problem {
	const char *id;
	unsigned kinds;
	const char *fix;
	const char *pre, *post;	/* the text before and after the pairs */
};

static int pair_words(const struct tsn_probe_result *a,
		      const struct tsn_probe_result *b, unsigned m,
		      struct tsn_buf *w)
{
	const struct tsn_jv *df = size_of(a->reply, b->name, TSN_SZ_DF);
	double len = 0, mtu = 0;
	int ret;

	ret = tsn_buf_printf(w, "%s%s -> %s (", w->len ? ", " : "",
			     a->name, b->name);
	if (!ret && (m & 1u << TSN_SZ_FRAG500))
		ret = tsn_buf_puts(w, "UDP 500");
	if (!ret && (m & 1u << TSN_SZ_FRAG4500))
		ret = tsn_buf_printf(w, "%sUDP 4500", m & 1u << TSN_SZ_FRAG500 ?
				     " and " : "");
	if (!ret && (m & 1u << TSN_SZ_DF)) {
		tsn_jv_getnum(df, "length", &len);
		tsn_jv_getnum(a->reply, "mtu", &mtu);
		/* an MTU above the largest IP packet is probed at that */
		ret = tsn_buf_printf(w, "%.0f bytes%s", len,
				     mtu > len && len >= TSN_SIZE_DF_MAX ?
				     ", not probed above it" : "");
	}
	return ret ? ret : tsn_buf_puts(w, ")");
}

/* a's DF probe to b could not leave a at all (sendto failed every time)
 * where its small one to 4500 did: the error, else NULL.  Never silent:
 * lost() needs copies sent, so without this the pair would pass. */
static const char *df_unsent(const struct tsn_probe_result *a,
			     const struct tsn_probe_result *b)
{
	const struct tsn_jv *out = size_of(a->reply, b->name, TSN_SZ_DF);
	const struct tsn_jv *small = tsn_probe_seen_of(a->reply, b->name,
						       "udp4500");
	const char *err = tsn_jv_getstr(out, "send_error");
	double sent = 0, small_sent = 0;

	if (!out || !err || jbool(a->reply, "missed"))
		return NULL;
	tsn_jv_getnum(out, "sent", &sent);
	tsn_jv_getnum(small, "sent", &small_sent);
	return sent == 0 && small_sent > 0 ? err : NULL;
}

static int unsent_words(const struct tsn_probe_result *a,
			const struct tsn_probe_result *b, const char *err,
			struct tsn_buf *u)
{
	double len = 0;

	tsn_jv_getnum(size_of(a->reply, b->name, TSN_SZ_DF), "length", &len);
	return tsn_buf_printf(u, "%s%s: the DF probe of %.0f bytes could not "
			      "be sent to %s: %s%s", u->len ? "; " : "",
			      a->name, len, b->name, err,
			      !strcmp(err, strerror(EMSGSIZE)) ? "; the kernel "
			      "holds a smaller MTU for the path to it (its "
			      "route's interface, or one it learned: ip route "
			      "get shows it)" : "");
}

/* The pair a -> b in p (made on first use): which kinds of sp were lost
 * into w, a DF probe that could not be sent into u. */
static int one_pair(struct tsn_report *r, const struct size_problem *sp,
		    const struct tsn_probe_result *a,
		    const struct tsn_probe_result *b, struct tsn_problem **p,
		    struct tsn_buf *w, struct tsn_buf *u)
{
	const char *err = NULL;
	unsigned m = 0;
	int ret = 0;

	for (int k = 0; k < TSN_SZ_N; k++)
		if ((sp->kinds & 1u << k) && lost(a, b, k))
			m |= 1u << k;
	if (sp->kinds & 1u << TSN_SZ_DF)
		err = df_unsent(a, b);
	if (!m && !err)
		return 0;
	if (!*p && (*p = tsn_report_problem_new(r, sp->id, TSN_ST_FAIL,
						TSN_RANK_MTU)))
		(*p)->fails = true;	/* the verdicts pass */
	if (!*p)
		return -ENOMEM;
	if (m)
		ret = pair_words(a, b, m, w);
	if (!ret && err)
		ret = unsent_words(a, b, err, u);
	if (!ret)
		ret = tsn_problem_pair(*p, a->name, b->name);
	if (!ret)
		ret = tsn_problem_node(*p, a->name);
	return ret ? ret : tsn_problem_node(*p, b->name);
}

static int one_problem(struct tsn_report *r, const struct size_problem *sp,
		       const struct tsn_probe_result *res, size_t n)
{
	struct tsn_problem *p = NULL;
	struct tsn_buf w = { 0 }, u = { 0 };
	int ret = 0;

	for (size_t a = 0; a < n && !ret; a++)
		for (size_t b = 0; b < n && !ret; b++)
			if (a != b && res[a].reply && res[b].reply)
				ret = one_pair(r, sp, &res[a], &res[b], &p, &w,
					       &u);
	if (!ret && p && w.len)
		ret = tsn_problem_text(p, w.p, sp->fix, "%s%s%s%s%s", sp->pre,
				       w.p, sp->post, u.len ? "; " : "",
				       u.len ? u.p : "");
	else if (!ret && p)
		ret = tsn_problem_text(p, u.p, sp->fix, "%s", u.p);
	tsn_buf_free(&w);
	tsn_buf_free(&u);
	return ret;
}

int tsn_probe_size_problems(struct tsn_report *r,
			    const struct tsn_probe_result *res, size_t n)
{
	static const struct size_problem sps[] = {
		{ "path.fragments",
		  1u << TSN_SZ_FRAG500 | 1u << TSN_SZ_FRAG4500,
		  "let IP fragments through on that path (router, firewall "
		  "or security group); IKEv2 fragmentation (swanctl "
		  "fragmentation = yes, which enable-ipsec writes) needs "
		  "both ends to support it",
		  "IP fragments are lost on ", ": a 2600-byte UDP datagram "
		  "without DF never arrived whole where small ones did; "
		  "IKE_AUTH with certificates is that large, so PSK would "
		  "work and certificates time out" },
		{ "path.mtu", 1u << TSN_SZ_DF,
		  "lower the cluster interface's MTU on the nodes to what "
		  "the path carries (ip link set dev IF mtu N), and let ICMP "
		  "fragmentation-needed and packet-too-big reach them",
		  "a packet with DF set as large as the largest ESP packet "
		  "(the route's MTU, the interface's unless the route sets "
		  "one: ESP fits its packets to it, so a "
		  "full-size inner packet less "
		  STR(TSN_SIZE_ESP_OVERHEAD) " bytes of ESP and UDP "
		  "encapsulation fills it) never arrived on ", " where small "
		  "ones did: the path's MTU is below the interface's, and "
		  "full-size ESP packets are lost there" },
	};
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(sps) && !ret; i++)
		ret = one_problem(r, &sps[i], res, n);
	return ret;
}
