/* encap.c - from the probe's verdicts to UDP encapsulation, per pair.
 *
 * Plain ESP is the default because it costs nothing; UDP 4500 is the way
 * around a path that drops ESP (a router, a cloud filter, a host
 * firewall) or rewrites addresses (a NAT, which ESP without ports cannot
 * pass for more than one host).  IKE itself needs UDP 500 whatever the
 * encapsulation, so a pair without it is refused before anything is
 * changed.  Nothing here runs anything: encap_probe.c gathers the
 * verdicts, tests/unit/test_encap.c feeds them in directly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "enable/encap.h"
#include "lib/util.h"

#define FIX_FIREWALL "a node's firewall: tsnet preflight --fix; details: " \
	"tsnet probe"
#define FIX_NETWORK "a network or cloud filter: tsnet cloud PROVIDER; " \
	"details: tsnet probe"

int tsn_encap_want_of(bool opt_encap, enum tsn_encap inv,
		      enum tsn_encap_want *want, const char **label)
{
	if (opt_encap && inv == TSN_ENCAP_NO)
		return -EINVAL;
	if (opt_encap || inv == TSN_ENCAP_YES) {
		*want = TSN_EW_ALL;
		*label = opt_encap ? "--encap" : "inventory: encap = yes";
	} else if (inv == TSN_ENCAP_NO) {
		*want = TSN_EW_NEVER;
		*label = "inventory: encap = no";
	} else {
		*want = TSN_EW_AUTO;
		*label = "encap = auto";
	}
	return 0;
}

static const struct tsn_verdict *verdict(const struct tsn_pair_report *p,
					 const char *proto)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (tsn_streq(p->v[i].proto, proto))
			return &p->v[i];
	return NULL;
}

static bool passes(const struct tsn_verdict *v)
{
	return v && v->good;
}

static bool is_nat(const struct tsn_verdict *v)
{
	return passes(v) && tsn_streq(v->verdict, "nat");
}

/* The probe said nothing about it: a node could not run the probe, or
 * started too late to count. */
static bool unknown(const struct tsn_verdict *v)
{
	return !v || !v->verdict || tsn_streq(v->verdict, "error");
}

static bool by_firewall(const struct tsn_verdict *v)
{
	return v && v->verdict && !strncmp(v->verdict, "dropped-by-", 11);
}

/* "ESP dropped n1 -> n3 by n3's firewall (inet filter input handle 4)";
 * the detail only when asked (refusals; the table keeps it short). */
static void blocked(char *buf, size_t len, const char *what,
		    const struct tsn_pair_report *p,
		    const struct tsn_verdict *v, bool detail)
{
	bool peer = tsn_streq(v->verdict, "dropped-by-peer-firewall");
	bool own = tsn_streq(v->verdict, "dropped-by-sender-firewall");

	snprintf(buf, len, "%s dropped %s -> %s%s%s%s%s%s%s", what, p->from,
		 p->to, peer || own ? " by " : "", peer ? p->to : own ?
		 p->from : "", peer ? "'s firewall" : own ?
		 "'s own firewall" : "", detail && v->detail ? " (" : "",
		 detail && v->detail ? v->detail : "",
		 detail && v->detail ? ")" : "");
}

/* The first direction in which proto does not pass, or NULL. */
static const struct tsn_pair_report *
failing(const struct tsn_pair_report *const d[2], const char *proto,
	const struct tsn_verdict **v)
{
	for (int i = 0; i < 2; i++) {
		*v = verdict(d[i], proto);
		if (!passes(*v))
			return d[i];
	}
	*v = NULL;
	return NULL;
}

static void refuse(struct tsn_encap_choice *c, const char *what,
		   const struct tsn_pair_report *p,
		   const struct tsn_verdict *v, const char *tail)
{
	blocked(c->why, sizeof(c->why), what, p, v, true);
	if (tail)
		snprintf(c->why + strlen(c->why), sizeof(c->why) -
			 strlen(c->why), "%s", tail);
	c->refuse = true;
	c->encap = false;
	c->fix = by_firewall(v) ? FIX_FIREWALL : FIX_NETWORK;
}

/* A NAT seen by any probe, either way: where, for the reason. */
static const struct tsn_verdict *
nat_seen(const struct tsn_pair_report *const d[2])
{
	static const char *const protos[] = { "udp500", "udp4500", "esp" };

	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < ARRAY_SIZE(protos); k++)
			if (is_nat(verdict(d[i], protos[k])))
				return verdict(d[i], protos[k]);
	return NULL;
}

static void decide_auto(const struct tsn_pair_report *const d[2],
			struct tsn_encap_choice *c)
{
	const struct tsn_verdict *nat = nat_seen(d), *ve, *vu;
	const struct tsn_pair_report *esp = failing(d, "esp", &ve);
	const struct tsn_pair_report *u4500 = failing(d, "udp4500", &vu);

	if (!esp && !nat) {
		c->encap = false;
		snprintf(c->why, sizeof(c->why), "probe: ESP passes both ways");
	} else if (!u4500 && nat) {
		c->encap = true;
		snprintf(c->why, sizeof(c->why), "probe: NAT between %s and "
			 "%s (%s)", d[0]->from, d[0]->to,
			 nat->detail ? nat->detail : "source rewritten");
	} else if (!u4500) {
		c->encap = true;
		snprintf(c->why, sizeof(c->why), "probe: ");
		blocked(c->why + 7, sizeof(c->why) - 7, "ESP", esp, ve, false);
		/* a node's own firewall: plain ESP is one command away */
		if (by_firewall(ve))
			snprintf(c->why + strlen(c->why), sizeof(c->why) -
				 strlen(c->why), "; tsnet preflight --fix "
				 "opens it");
	} else if (!esp) {
		refuse(c, "UDP 4500", u4500, vu, ", and the NAT between them "
		       "needs it");
	} else {
		char e[200];

		blocked(e, sizeof(e), "ESP", esp, ve, false);
		refuse(c, "UDP 4500", u4500, vu, "");
		snprintf(c->why + strlen(c->why), sizeof(c->why) -
			 strlen(c->why), " and %s: neither ESP nor ESP in "
			 "UDP can pass", e);
	}
}

void tsn_encap_decide(const struct tsn_pair_report *ab,
		      const struct tsn_pair_report *ba,
		      enum tsn_encap_want want, const char *label,
		      struct tsn_encap_choice *c)
{
	static const char *const protos[] = { "udp500", "udp4500", "esp" };
	const struct tsn_pair_report *const d[2] = { ab, ba };
	const struct tsn_pair_report *p;
	const struct tsn_verdict *v;

	memset(c, 0, sizeof(*c));
	c->encap = want == TSN_EW_ALL;
	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < ARRAY_SIZE(protos); k++) {
			v = verdict(d[i], protos[k]);
			if (!d[i] || unknown(v)) {
				snprintf(c->why, sizeof(c->why), "%s; not "
					 "probed: %s", label, v && v->detail ?
					 v->detail : "no verdict");
				return;
			}
		}
	c->probed = true;
	if ((p = failing(d, "udp500", &v))) {
		refuse(c, "UDP 500 (IKE)", p, v, "");
		return;
	}
	switch (want) {
	case TSN_EW_ALL:
		if ((p = failing(d, "udp4500", &v)))
			refuse(c, "UDP 4500", p, v, ", and ESP in UDP needs "
			       "it");
		else
			snprintf(c->why, sizeof(c->why), "%s", label);
		return;
	case TSN_EW_NEVER:
		if (nat_seen(d) && (p = failing(d, "udp4500", &v)))
			refuse(c, "UDP 4500", p, v, ", and the NAT between "
			       "them needs it");
		else if (!nat_seen(d) && (p = failing(d, "esp", &v)))
			refuse(c, "ESP", p, v, ", and the inventory says "
			       "encap = no (encap = auto would use UDP 4500)");
		else
			snprintf(c->why, sizeof(c->why), "%s%s", label,
				 nat_seen(d) ? "; a NAT between them: "
				 "strongSwan's NAT traversal encapsulates "
				 "anyway" : "");
		return;
	case TSN_EW_AUTO:
		decide_auto(d, c);
		return;
	}
}

static const struct tsn_jv *record_peer(const struct tsn_jv *rec,
					const char *name)
{
	const struct tsn_jv *peers = tsn_jv_get(rec, "peers");

	for (size_t k = 0; peers && peers->type == TSN_JARR && k < peers->n;
	     k++)
		if (tsn_streq(tsn_jv_getstr(&peers->items[k], "name"), name))
			return &peers->items[k];
	return NULL;
}

int tsn_encap_recorded(const struct tsn_inventory *inv,
		       const struct tsn_jv *const *recs, size_t i, size_t j)
{
	const struct tsn_jv *pi, *pj;
	bool ei = false, ej = false;

	if (!recs)
		return -1;
	pi = recs[i] ? record_peer(recs[i], inv->nodes[j].name) : NULL;
	pj = recs[j] ? record_peer(recs[j], inv->nodes[i].name) : NULL;
	if (!pi && !pj)
		return -1;
	tsn_jv_getbool(pi, "encap", &ei);
	tsn_jv_getbool(pj, "encap", &ej);
	return ei || ej;
}

void tsn_encap_refusal(const struct tsn_plan *plan,
		       const struct tsn_encap_choice *ch, char *buf,
		       size_t len)
{
	size_t first = plan->n_pairs, more = 0;
	char others[48] = "";

	for (size_t k = 0; k < plan->n_pairs; k++)
		if (ch[k].refuse && first == plan->n_pairs)
			first = k;
		else if (ch[k].refuse)
			more++;
	if (first == plan->n_pairs) {
		snprintf(buf, len, "no pair refused");
		return;
	}
	if (more)
		snprintf(others, sizeof(others), " (and %zu more pair(s))",
			 more);
	snprintf(buf, len, "%s <-> %s: %s%s; no node was changed (%s)",
		 plan->inv->nodes[plan->pairs[first].a].name,
		 plan->inv->nodes[plan->pairs[first].b].name, ch[first].why,
		 others, ch[first].fix);
}
