/* probe_merge.c - from what each node saw to one verdict per directed
 * pair and protocol (probe_problems.c turns the verdicts into problems).
 *
 * A verdict for a -> b needs both ends: b knows whether a's probe reached
 * its interface, its socket and which of its rules dropped it; a knows
 * whether its own output chain dropped it and what an IKE daemon on b
 * answered.  The order of the tests below is the order of the evidence's
 * strength: an answer proves reachability, a traced drop names the rule.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/output.h"
#include "lib/util.h"
#include "probe/probe.h"

const struct tsn_jv *tsn_probe_seen_of(const struct tsn_jv *reply,
				       const char *peer, const char *proto)
{
	const struct tsn_jv *peers = tsn_jv_get(reply, "peers");

	if (!peers || peers->type != TSN_JARR)
		return NULL;
	for (size_t i = 0; i < peers->n; i++)
		if (tsn_streq(tsn_jv_getstr(&peers->items[i], "name"), peer))
			return tsn_jv_get(&peers->items[i], proto);
	return NULL;
}

static bool jbool(const struct tsn_jv *v, const char *key)
{
	bool b = false;

	return tsn_jv_getbool(v, key, &b) && b;
}

/* "inet filter input handle 7" or "inet filter input policy" */
static bool where(const struct tsn_jv *v, const char *key, char *buf,
		  size_t len)
{
	const struct tsn_jv *d = tsn_jv_get(v, key);
	const char *table = tsn_jv_getstr(d, "table");
	const char *chain = tsn_jv_getstr(d, "chain");
	double handle = 0;

	if (!d || !table || !chain)
		return false;
	tsn_jv_getnum(d, "handle", &handle);
	if (jbool(d, "policy"))
		snprintf(buf, len, "%s %s policy", table, chain);
	else
		snprintf(buf, len, "%s %s handle %.0f", table, chain, handle);
	return true;
}

/* Who holds the port the probe went to on the receiver, or NULL. */
static const char *port_holder(const struct tsn_jv *reply,
			       enum tsn_probe_proto pp)
{
	const struct tsn_jv *ports = tsn_jv_get(reply, "ports");
	double port;

	if (pp == TSN_PP_ESP || !ports || ports->type != TSN_JARR)
		return NULL;
	for (size_t i = 0; i < ports->n; i++)
		if (tsn_jv_getnum(&ports->items[i], "port", &port) &&
		    port == (pp == TSN_PP_500 ? 500 : 4500) &&
		    !jbool(&ports->items[i], "bound"))
			return tsn_jv_getstr(&ports->items[i], "holder");
	return NULL;
}

struct judged {
	const char *verdict;
	char detail[256];
	bool good;
};

static void judge_in(const struct tsn_jv *in, const struct tsn_jv *to_reply,
		     const struct tsn_ip_addr *from, enum tsn_probe_proto pp,
		     struct judged *j)
{
	const char *src = tsn_jv_getstr(in, "src"), *holder;
	struct tsn_ip_addr seen;
	char a[64];

	if (where(in, "in_drop", j->detail, sizeof(j->detail))) {
		j->verdict = "dropped-by-peer-firewall";
		return;
	}
	if (src && tsn_ip_addr_parse(src, &seen) == 0 &&
	    (seen.family != from->family ||
	     memcmp(seen.a, from->a, from->family == AF_INET ? 4 : 16))) {
		j->verdict = "nat";
		j->good = true;
		snprintf(j->detail, sizeof(j->detail), "seen from %s, sent "
			 "from %s", src, tsn_ip_addr_str(from, a, sizeof(a)));
		return;
	}
	if (jbool(in, "socket")) {
		j->verdict = "ok";
		j->good = true;
		return;
	}
	holder = port_holder(to_reply, pp);
	if (holder) {
		/* No drop was traced: the input hook let it through to a
		 * daemon that did not answer. */
		j->verdict = "ok";
		j->good = true;
		snprintf(j->detail, sizeof(j->detail), "arrived; the port "
			 "is held by %s, which did not answer", holder);
		return;
	}
	j->verdict = "dropped-by-peer-firewall";
	snprintf(j->detail, sizeof(j->detail), "seen on the interface, not "
		 "by the socket%s", tsn_jv_getstr(to_reply, "trace_error") ?
		 " (no trace: the rule is unknown)" : "");
}

/* One protocol of a -> b, from a's record of b (out) and b's of a (in). */
static void judge(const struct tsn_jv *out, const struct tsn_jv *in,
		  const struct tsn_jv *to_reply, const struct tsn_ip_addr *from,
		  enum tsn_probe_proto pp, struct judged *j)
{
	const char *answer = tsn_jv_getstr(out, "answer");
	const char *err = tsn_jv_getstr(out, "send_error");
	double sent = 0;

	memset(j, 0, sizeof(*j));
	tsn_jv_getnum(out, "sent", &sent);
	if (answer) {
		const char *holder = port_holder(to_reply, pp);

		j->verdict = "ike-responder";
		j->good = true;
		snprintf(j->detail, sizeof(j->detail), "%s%s%s%s", answer,
			 holder ? " (from " : "", holder ? holder : "",
			 holder ? ")" : "");
	} else if (jbool(in, "wire") || jbool(in, "socket") ||
		   tsn_jv_get(in, "in_drop")) {
		judge_in(in, to_reply, from, pp, j);
	} else if (where(out, "out_drop", j->detail, sizeof(j->detail))) {
		j->verdict = "dropped-by-sender-firewall";
	} else if (err && sent == 0 && !strcmp(err, strerror(EPERM))) {
		j->verdict = "dropped-by-sender-firewall";
		snprintf(j->detail, sizeof(j->detail), "sendto: %s (no trace: "
			 "the rule is unknown)", err);
	} else if (err && sent == 0) {
		j->verdict = "error";
		snprintf(j->detail, sizeof(j->detail), "sendto: %s", err);
	} else {
		j->verdict = "not-arrived";
		snprintf(j->detail, sizeof(j->detail), "sent %.0f times, never "
			 "seen on the peer's interface", sent);
	}
}

/* A conntrack entry our probes did not make (a real flow) let them
 * through: that proves nothing about a new flow; tsn_probe_new_flows()
 * asks the node's ruleset what one would meet. */
static void established(const struct tsn_jv *out, const struct tsn_jv *in,
			const char *from, const char *to, struct judged *j)
{
	bool at_to = jbool(in, "established");

	if (!at_to && !jbool(out, "established"))
		return;
	j->verdict = "established";
	j->good = false;
	snprintf(j->detail, sizeof(j->detail), "passes as an established "
		 "flow (a conntrack entry on %s that the probe did not "
		 "create)", at_to ? to : from);
}

/* A node that started its window too late (a loaded host) may have
 * missed the probe, so its absence is no evidence. */
static void late_node(const struct tsn_probe_result *a,
		      const struct tsn_probe_result *b, struct judged *j)
{
	const struct tsn_probe_result *n = jbool(a->reply, "missed") ? a :
					   jbool(b->reply, "missed") ? b : NULL;
	double late = 0;

	if (!n)
		return;
	tsn_jv_getnum(n->reply, "late", &late);
	j->verdict = "error";
	snprintf(j->detail, sizeof(j->detail), "%s started its probe window "
		 "%.1f s late (a loaded host?): run again, or with a longer "
		 "--timeout", n->name, late);
}

static int merge_pair(struct tsn_report *r, const struct tsn_probe_result *a,
		      const struct tsn_probe_result *b)
{
	struct tsn_pair_report *p = tsn_report_pair(r, a->name, b->name);
	struct judged j;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	for (int k = 0; k < TSN_PP_N && !ret; k++) {
		const char *proto = tsn_probe_proto_name(k);

		if (!a->reply || !b->reply) {
			const struct tsn_probe_result *bad = a->reply ? b : a;

			/* why is the node's error, said once in its row */
			snprintf(j.detail, sizeof(j.detail), "%s could not run "
				 "the probe", bad->name);
			ret = tsn_pair_verdict(p, proto, "error", false,
					       j.detail);
			continue;
		}
		judge(tsn_probe_seen_of(a->reply, b->name, proto),
		      tsn_probe_seen_of(b->reply, a->name, proto), b->reply,
		      &a->addr, k, &j);
		if (!strcmp(j.verdict, "not-arrived"))
			late_node(a, b, &j);
		if (j.good)
			established(tsn_probe_seen_of(a->reply, b->name, proto),
				    tsn_probe_seen_of(b->reply, a->name, proto),
				    a->name, b->name, &j);
		ret = tsn_pair_verdict(p, proto, j.verdict, j.good,
				       j.detail[0] ? j.detail : NULL);
	}
	return ret;
}

int tsn_probe_merge(struct tsn_report *r, const struct tsn_probe_result *res,
		    size_t n, const char *from, const char *to)
{
	int ret = 0;

	for (size_t a = 0; a < n && !ret; a++)
		for (size_t b = 0; b < n && !ret; b++) {
			if (a == b || (from && !tsn_streq(res[a].name, from)) ||
			    (to && !tsn_streq(res[b].name, to)))
				continue;
			ret = merge_pair(r, &res[a], &res[b]);
		}
	return ret;
}
