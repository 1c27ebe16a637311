/* status_xfrm.c - `tsnet status`, the kernel's side: what each node's
 * `agent xfrm-state` says, judged across the cluster.
 *
 *   - IPsec that is not tsnet's over the members' traffic is drift (the
 *     judging of preflight's xfrm.foreign and enable-ipsec's refusal);
 *   - tsnet's SAs, the way Cilium checks its own: per pair, each node
 *     holds exactly two ESP states with the other (one in, one out; four
 *     while rekeying), none twice, every SPI one node sends with is one
 *     the other receives with, and no inbound SA has failed to
 *     authenticate a packet (the two ends' keys differ);
 *   - charon holds UDP 500 and 4500, not another IKE daemon;
 *   - esp4_offload/esp6_offload loaded is a note: ESP decrypted in GRO
 *     can pass netfilter and captures as cleartext, which is what
 *     verify and enable-ipsec's proof look at.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/conf.h"
#include "enable/status.h"
#include "lib/xfrm.h"

static bool usable(const struct tsn_st_node *n)
{
	return !n->error && !n->xf_error && n->xf.type == TSN_JOBJ &&
	       !tsn_jv_getstr(tsn_jv_get(&n->xf, "xfrm"), "error");
}

static int foreign(struct tsn_st *s, size_t i)
{
	struct tsn_buf lines = { 0 };
	int ret = tsn_xfrm_foreign_lines(s->inv, i, &s->nodes[i].xf, false,
					 &lines);

	for (char *l = lines.p, *e; ret >= 0 && l && (e = strchr(l, '\n'));
	     l = e + 1) {
		/* "NODE: xfrm.foreign: ..." -> "NODE: drift: xfrm.foreign: ..." */
		size_t k = strlen(s->nodes[i].node->name) + 2;

		ret = tsn_st_line(s, false, "%.*sdrift: %.*s", (int)k, l,
				  (int)(e - l - (long)k), l + k);
	}
	tsn_buf_free(&lines);
	return ret < 0 ? ret : 0;
}

/* The node's address, or its address6 (a dual-stack pair's second
 * connection, conf.h). */
static bool addr_of(const struct tsn_node *n, bool v6, uint8_t *out)
{
	const struct tsn_addr *a = v6 ? &n->addr6 : &n->addr;

	memset(out, 0, 16);
	if (a->family == AF_INET)
		memcpy(out, &a->v4, 4);
	else if (a->family == AF_INET6)
		memcpy(out, &a->v6, 16);
	return a->family != 0;
}

/* Node a's count with b: a line when it is not 1 in + 1 out (2 + 2
 * while rekeying) or lists a state twice. */
static int count_line(struct tsn_st *s, const char *a, const char *b,
		      const struct tsn_xfrm_peer_sas *c)
{
	unsigned t = c->in + c->out;

	if (c->dup)
		return tsn_st_line(s, false, "%s: %u ESP state%s with %s "
				   "listed twice (the same SPI and ends: "
				   "another daemon installed it again; "
				   "repair: tsnet enable-ipsec --node %s)", a,
				   c->dup, c->dup == 1 ? "" : "s", b, a);
	if (c->in == c->out && (t == 2 || t == 4))
		return 0;
	return tsn_st_line(s, false, "%s: %u ESP state%s with %s (%u in, "
			   "%u out): a pair needs exactly one each way (two "
			   "each while rekeying); repair: tsnet enable-ipsec "
			   "--node %s", a, t, t == 1 ? "" : "s", b, c->in,
			   c->out, a);
}

/* Inbound SAs of node b from a that failed to authenticate packets. */
static int integrity(struct tsn_st *s, const struct tsn_xfrm_list *lb,
		     const char *a, const char *b, const uint8_t *ab,
		     const uint8_t *bb, int family)
{
	size_t n = family == AF_INET ? 4 : 16;
	int ret = 0;

	for (unsigned i = 0; i < lb->n && !ret; i++) {
		const struct tsn_xfrm_seen *x = &lb->s[i];

		if (x->policy || x->family != family || !x->integrity_failed ||
		    memcmp(x->src, ab, n) || memcmp(x->dst, bb, n))
			continue;
		ret = tsn_st_line(s, false, "pair %s -> %s: %s's SA from %s "
				  "(SPI 0x%08x) failed to authenticate %u "
				  "packet%s: the two ends' keys or algorithms "
				  "differ (XfrmInStateProtoError); repair: "
				  "tsnet enable-ipsec --node %s", a, b, b, a,
				  x->spi, x->integrity_failed,
				  x->integrity_failed == 1 ? "" : "s", b);
	}
	return ret;
}

/* One family's ESP states of pair p: exactly one each way per node,
 * per family, the SPIs matching across the pair. */
static int pair_sas(struct tsn_st *s, const struct tsn_st_pair *p,
		    const struct tsn_xfrm_list *la,
		    const struct tsn_xfrm_list *lb, bool v6)
{
	const struct tsn_node *na = s->nodes[p->a].node, *nb = s->nodes[p->b].node;
	struct tsn_xfrm_peer_sas ca, cb;
	uint8_t aa[16], bb[16];
	char why[200], an[TSN_NAME_MAX + 16], bn[TSN_NAME_MAX + 16];
	int fam = v6 ? AF_INET6 : na->addr.family, ret;

	if (!addr_of(na, v6, aa) || !addr_of(nb, v6, bb) ||
	    fam != (v6 ? nb->addr6.family : nb->addr.family))
		return 0;
	/* the peer as the lines name it: "n2", or "n2 over IPv6" */
	snprintf(an, sizeof(an), "%s%s", na->name, v6 ? " over IPv6" : "");
	snprintf(bn, sizeof(bn), "%s%s", nb->name, v6 ? " over IPv6" : "");
	tsn_xfrm_peer_sas(la, fam, aa, bb, &ca);
	tsn_xfrm_peer_sas(lb, fam, bb, aa, &cb);
	/* charon has none either: the pair's verdict said so already */
	if (p->state == TSN_PAIR_MISSING && !(ca.in + ca.out + cb.in + cb.out))
		return 0;
	ret = count_line(s, na->name, bn, &ca);
	if (!ret)
		ret = count_line(s, nb->name, an, &cb);
	if (!ret && !tsn_xfrm_spis_match(&ca, &cb, na->name, nb->name, why,
					 sizeof(why)))
		ret = tsn_st_line(s, false, "pair %s-%s%s: %s: its packets "
				  "are dropped (XfrmInNoStates); repair: tsnet "
				  "enable-ipsec --node %s", na->name, nb->name,
				  v6 ? " over IPv6" : "", why, na->name);
	if (!ret)
		ret = integrity(s, lb, na->name, nb->name, aa, bb, fam);
	if (!ret)
		ret = integrity(s, la, nb->name, na->name, bb, aa, fam);
	return ret;
}

static bool is_charon(const char *comm)
{
	return tsn_streq(comm, "charon") || tsn_streq(comm, "charon-systemd");
}

/* charon running and enabled: it must hold UDP 500 and 4500, alone. */
static int sockets(struct tsn_st *s, const struct tsn_st_node *n)
{
	const struct tsn_jv *socks = tsn_jv_get(&n->xf, "sockets");
	const char *err = tsn_jv_getstr(&n->xf, "sockets_error");
	static const unsigned ports[] = { 500, 4500 };
	int ret = 0;

	if (err)
		return tsn_st_line(s, false, "%s: cannot list its UDP sockets "
				   "(sock_diag): %s", n->node->name, err);
	for (size_t p = 0; p < ARRAY_SIZE(ports) && !ret; p++) {
		bool charon = false;

		for (size_t k = 0; socks && socks->type == TSN_JARR &&
				   k < socks->n && !ret; k++) {
			const struct tsn_jv *e = &socks->items[k];
			const char *comm = tsn_jv_getstr(e, "comm");
			double port = 0, pid = 0;

			tsn_jv_getnum(e, "port", &port);
			tsn_jv_getnum(e, "pid", &pid);
			if (port != ports[p])
				continue;
			if (is_charon(comm)) {
				charon = true;
				continue;
			}
			ret = tsn_st_line(s, false, "%s: UDP %u is held by %s%s"
					  "%.0f%s, not charon: IKE may reach "
					  "the wrong daemon (stop it: ss -uapn "
					  "'sport = :%u')", n->node->name,
					  ports[p], comm ? comm : "a process "
					  "tsnet cannot see", comm ? " (pid " :
					  "", comm ? pid : 0, comm ? ")" : "",
					  ports[p]);
		}
		if (!ret && !charon)
			ret = tsn_st_line(s, false, "%s: charon does not hold "
					  "UDP %u: IKE%s to it fails (restart "
					  "charon; see /run/charon.log or "
					  "journalctl -u strongswan)",
					  n->node->name, ports[p], ports[p] ==
					  4500 ? " behind NAT and NAT-T" : "");
	}
	return ret;
}

static int offload(struct tsn_st *s, const struct tsn_st_node *n)
{
	const struct tsn_jv *mods = tsn_jv_get(&n->xf, "offload");
	int ret = 0;

	for (size_t k = 0; mods && mods->type == TSN_JARR && k < mods->n &&
			   !ret; k++)
		if (mods->items[k].type == TSN_JSTR &&
		    (tsn_streq(mods->items[k].str, "esp4_offload") ||
		     tsn_streq(mods->items[k].str, "esp6_offload")))
			ret = tsn_st_line(s, true, "%s: %s is loaded: the kernel "
					  "may decrypt ESP in GRO, before "
					  "netfilter and captures see it, so a "
					  "capture (tsnet verify, enable-ipsec's "
					  "proof) can show cleartext or no ESP "
					  "while ESP flows (modprobe -r %s while "
					  "proving)", n->node->name,
					  mods->items[k].str,
					  mods->items[k].str);
	return ret;
}

static int node_checks(struct tsn_st *s, size_t i)
{
	const struct tsn_st_node *n = &s->nodes[i];
	bool running = false;
	int ret;

	if (n->error)
		return 0;	/* said by judge_nodes */
	if (n->xf_late)
		return tsn_st_line(s, false, "%s: answered, but its kernel's "
				   "XFRM states and policies could not be read "
				   "in time (agent xfrm-state %s; --timeout "
				   "SECONDS gives it longer)", n->node->name,
				   n->xf_error);
	if (!usable(n))
		return tsn_st_line(s, false, "%s: cannot list the kernel's "
				   "IPsec states and policies: %s",
				   n->node->name, n->xf_error ? n->xf_error :
				   tsn_jv_getstr(tsn_jv_get(&n->xf, "xfrm"),
						 "error") ? tsn_jv_getstr(
				   tsn_jv_get(&n->xf, "xfrm"), "error") :
				   "no reply");
	ret = foreign(s, i);
	tsn_jv_getbool(&n->st, "running", &running);
	if (!ret && n->rec && running)
		ret = sockets(s, n);
	if (!ret)
		ret = offload(s, n);
	return ret;
}

int tsn_status_xfrm(struct tsn_st *s)
{
	size_t n = s->inv->n_nodes;
	struct tsn_xfrm_list *l = calloc(n + 1, sizeof(*l));
	int ret = l ? 0 : -ENOMEM;

	for (size_t i = 0; !ret && i < n; i++) {
		ret = node_checks(s, i);
		if (!ret && usable(&s->nodes[i]))
			tsn_xfrm_list_from_json(tsn_jv_get(&s->nodes[i].xf,
							   "xfrm"), &l[i]);
	}
	for (size_t k = 0; !ret && k < s->n_pairs; k++) {
		const struct tsn_st_pair *p = &s->pairs[k];
		const struct tsn_st_node *a = &s->nodes[p->a];
		const struct tsn_st_node *b = &s->nodes[p->b];

		if (a->rec && b->rec && usable(a) && usable(b))
			ret = pair_sas(s, p, &l[p->a], &l[p->b], false);
		if (!ret && a->rec && b->rec && usable(a) && usable(b) &&
		    tsn_conf_dual(a->node, b->node))
			ret = pair_sas(s, p, &l[p->a], &l[p->b], true);
	}
	free(l);
	return ret;
}
