/* preflight_ipsec.c - what a node's nftables does to the packets IPsec
 * brings besides IKE and ESP, from nft-eval --extra's flows:
 *
 *   nft.icmp.ptb   ICMP fragmentation-needed (type 3 code 4) and ICMPv6
 *                  packet-too-big from the members: ESP makes packets
 *                  larger, and without these path MTU discovery breaks
 *                  (large transfers hang while small ones pass);
 *   nft.decrypted  the members' traffic after decryption, which passes
 *                  netfilter again as cleartext with a secpath: a rule
 *                  that drops it (meta ipsec exists, ipsec in, ...)
 *                  where the same traffic without IPsec passes is "the
 *                  tunnel is up and nothing works"; where nft_xfrm and
 *                  xt_policy are missing, a fix cannot match on the SA.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "lib/util.h"
#include "preflight/preflight.h"

static const char *name_of(const struct tsn_inventory *inv, const char *a)
{
	struct tsn_addr x;

	if (!a || tsn_addr_parse(a, &x) < 0)
		return a ? a : "?";
	for (size_t i = 0; i < inv->n_nodes; i++)
		if (tsn_addr_equal(&inv->nodes[i].addr, &x) ||
		    tsn_addr_equal(&inv->nodes[i].addr6, &x))
			return inv->nodes[i].name;
	return a;
}

/* The flow of proto from peer, or NULL. */
static const struct tsn_jv *flow_of(const struct tsn_jv *fl, const char *peer,
				    const char *proto)
{
	for (size_t i = 0; i < fl->n; i++) {
		const struct tsn_jv *f = &fl->items[i];

		if (tsn_streq(tsn_jv_getstr(f, "proto"), proto) &&
		    tsn_streq(tsn_jv_getstr(f, "peer"), peer) &&
		    tsn_streq(tsn_jv_getstr(f, "dir"), "in"))
			return f;
	}
	return NULL;
}

static const char *verdict_of(const struct tsn_jv *f, const char **detail)
{
	const struct tsn_jv *v = tsn_jv_get(f, "new");

	*detail = tsn_jv_getstr(v, "detail");
	if (!*detail)
		*detail = "?";
	return tsn_jv_getstr(v, "verdict");
}

/* "from n2: dropped by ...; from n3: ..." for the peers where bad(). */
static int said(struct tsn_buf *d, const struct tsn_inventory *inv,
		const struct tsn_jv *f, const char *detail, const char *rule)
{
	return tsn_buf_printf(d, "%sfrom %s: %s%s%s", d->len ? "; " : "",
			      name_of(inv, tsn_jv_getstr(f, "peer")), detail,
			      rule ? ": " : "", rule ? rule : "");
}

/* A flow's verdict as a check's status: a drop fails; anything but
 * accept or drop (the evaluator could not decide for some rule: an
 * expression it does not model, a set it cannot scan) warns, naming that
 * rule, and is never read as accepted. */
static enum tsn_status flow_status(const char *verdict)
{
	if (tsn_streq(verdict, "accept"))
		return TSN_ST_OK;
	return tsn_streq(verdict, "drop") ? TSN_ST_FAIL : TSN_ST_WARN;
}

static enum tsn_status worse(enum tsn_status a, enum tsn_status b)
{
	return a == TSN_ST_FAIL || b == TSN_ST_FAIL ? TSN_ST_FAIL :
	       a == TSN_ST_WARN || b == TSN_ST_WARN ? TSN_ST_WARN : a;
}

static int check_ptb(struct tsn_node_report *nr,
		     const struct tsn_inventory *inv, const struct tsn_jv *fl)
{
	enum tsn_status st = TSN_ST_OK, fs;
	struct tsn_buf d = { 0 };
	size_t n = 0;
	int ret = 0;

	for (size_t i = 0; i < fl->n && !ret; i++) {
		const struct tsn_jv *f = &fl->items[i];
		const char *detail;

		if (!tsn_streq(tsn_jv_getstr(f, "proto"), "icmp-ptb"))
			continue;
		n++;
		fs = flow_status(verdict_of(f, &detail));
		if (fs == TSN_ST_OK)
			continue;
		st = worse(st, fs);
		ret = said(&d, inv, f, detail, tsn_jv_getstr(f, "rule"));
	}
	if (ret)
		goto out;
	if (!n)
		ret = tsn_node_check(nr, "nft.icmp.ptb", TSN_ST_FAIL, NULL,
				     "nft-eval judged no ICMP flow");
	else if (st == TSN_ST_OK)
		ret = tsn_node_check(nr, "nft.icmp.ptb", st, NULL, "ICMP "
				     "fragmentation-needed and packet-too-big "
				     "from the %zu peer address(es) accepted",
				     n);
	else
		ret = tsn_node_check(nr, "nft.icmp.ptb", st, "accept them "
			"from the members before that rule (ct state related "
			"accept, or icmp type destination-unreachable and "
			"icmpv6 type packet-too-big accept)", "ICMP "
			"fragmentation-needed (ICMPv6 packet-too-big) %s: "
			"path MTU discovery breaks under ESP, which makes "
			"packets larger (%s)", st == TSN_ST_FAIL ? "is dropped" :
			"may be dropped", d.p);
out:
	tsn_buf_free(&d);
	return ret;
}

/* nft_xfrm and xt_policy, where a fix would match on the SA: what the
 * node could not tell is said so, with why, never as missing. */
static int xfrm_note(struct tsn_buf *b, const struct tsn_jv *v)
{
	static const char *const mods[] = { "nft_xfrm", "xt_policy" };
	const char *has[2], *why;
	char key[32];
	int ret = 0;

	for (size_t i = 0; i < 2; i++)
		has[i] = tsn_jv_getstr(v, mods[i]);
	if (tsn_streq(has[0], "missing") && tsn_streq(has[1], "missing"))
		return tsn_buf_printf(b, "; this kernel has neither nft_xfrm "
				      "nor xt_policy: match with meta ipsec "
				      "exists, not ipsec in or -m policy");
	for (size_t i = 0; i < 2 && !ret; i++) {
		snprintf(key, sizeof(key), "%s_why", mods[i]);
		why = tsn_jv_getstr(v, key);
		if (tsn_streq(has[i], "missing"))
			ret = tsn_buf_printf(b, i ? "; this kernel has no "
				"xt_policy: iptables' -m policy cannot load, "
				"use nftables' meta ipsec exists" : "; this "
				"kernel has no nft_xfrm: match with meta ipsec "
				"exists, not ipsec in");
		else if (tsn_streq(has[i], "unknown"))
			ret = tsn_buf_printf(b, "; cannot tell whether this "
				"kernel has %s (%s): meta ipsec exists needs "
				"no module", mods[i], why ? why : "?");
	}
	return ret;
}

/* What IPsec changes for one peer: its decrypted flow's status where
 * the same traffic as cleartext is not dropped anyway (then IPsec
 * changes nothing), else OK. */
static enum tsn_status decrypted_status(const struct tsn_jv *fl,
					const struct tsn_jv *f,
					const char **detail)
{
	const struct tsn_jv *c = flow_of(fl, tsn_jv_getstr(f, "peer"),
					 "cleartext");
	const char *cd;
	enum tsn_status st = flow_status(verdict_of(f, detail));

	if (st != TSN_ST_OK && c && tsn_streq(verdict_of(c, &cd), "drop"))
		return TSN_ST_OK;
	return st;
}

static int decrypted_check(struct tsn_node_report *nr, enum tsn_status st,
			   size_t n, const char *fix, const char *d)
{
	if (!n)
		return tsn_node_check(nr, "nft.decrypted", TSN_ST_FAIL, NULL,
				      "nft-eval judged no decrypted flow");
	if (st == TSN_ST_OK)
		return tsn_node_check(nr, "nft.decrypted", TSN_ST_OK, NULL,
				      "the members' traffic after decryption "
				      "meets what it meets as cleartext (%zu "
				      "peer address(es))", n);
	if (st == TSN_ST_WARN)
		return tsn_node_check(nr, "nft.decrypted", TSN_ST_WARN, "check "
				      "that rule by hand with the members' "
				      "decrypted traffic (a secpath, ipsec "
				      "in from the peer)", "cannot tell "
				      "whether the members' traffic passes "
				      "after decryption: the evaluator could "
				      "not decide a rule (%s)", d);
	return tsn_node_check(nr, "nft.decrypted", TSN_ST_FAIL, fix,
			      "the members' traffic is dropped after "
			      "decryption, where as cleartext it is not: once "
			      "IPsec is on, the tunnel is up and nothing "
			      "passes (%s)", d);
}

static int check_decrypted(struct tsn_node_report *nr,
			   const struct tsn_inventory *inv,
			   const struct tsn_jv *v, const struct tsn_jv *fl)
{
	struct tsn_buf d[2] = { { 0 } }, fix = { 0 };
	enum tsn_status st = TSN_ST_OK, fs;
	size_t n = 0;
	int ret = 0;

	/* d[0] the drops, d[1] the undecidable: a drop is named alone */
	for (size_t i = 0; i < fl->n && !ret; i++) {
		const struct tsn_jv *f = &fl->items[i];
		const char *detail;

		if (!tsn_streq(tsn_jv_getstr(f, "proto"), "decrypted"))
			continue;
		n++;
		fs = decrypted_status(fl, f, &detail);
		if (fs == TSN_ST_OK)
			continue;
		st = worse(st, fs);
		ret = said(&d[fs == TSN_ST_WARN], inv, f, detail,
			   tsn_jv_getstr(f, "rule"));
	}
	if (!ret)
		ret = tsn_buf_printf(&fix, "accept the members' decrypted "
				     "traffic before that rule (meta ipsec "
				     "exists ip saddr { MEMBERS } accept), or "
				     "remove the rule");
	if (!ret)
		ret = xfrm_note(&fix, v);
	if (!ret)
		ret = decrypted_check(nr, st, n, fix.p,
				      st == TSN_ST_FAIL ? d[0].p : d[1].p);
	tsn_buf_free(&d[0]);
	tsn_buf_free(&d[1]);
	tsn_buf_free(&fix);
	return ret;
}

int tsn_pf_nft_ipsec(struct tsn_node_report *nr,
		     const struct tsn_inventory *inv, const struct tsn_jv *v)
{
	const struct tsn_jv *fl = tsn_jv_get(v, "flows");
	int ret;

	if (!fl || fl->type != TSN_JARR)
		return 0;
	ret = check_ptb(nr, inv, fl);
	return ret ? ret : check_decrypted(nr, inv, v, fl);
}
