/* rollout_check.c - judging the pairs: the SAs both nodes report
 * (ipsec-sas) and what the proof capture saw on the wire (ipsec-prove).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enable/rollout.h"
#include "enable/status.h"
#include "lib/xfrm.h"

/* The installed CHILD_SA node i holds with peer over one family's
 * connection, or the entry that says how far it got. */
static const struct tsn_jv *find_sa(const struct tsn_jv *rep, const char *peer,
				    bool v6, bool *installed)
{
	const struct tsn_jv *sas = tsn_jv_get(rep, "sas"), *best = NULL;

	*installed = false;
	for (size_t k = 0; sas && sas->type == TSN_JARR && k < sas->n; k++) {
		const struct tsn_jv *e = &sas->items[k];

		if (!tsn_streq(tsn_jv_getstr(e, "peer"), peer) ||
		    tsn_sa_v6(e) != v6)
			continue;
		if (tsn_streq(tsn_jv_getstr(e, "child_state"), "INSTALLED")) {
			*installed = true;
			return e;
		}
		best = e;
	}
	return best;
}

/* 1: pair k is up and right, 0: not yet, -1: wrong for good. */
static int judge_side(struct tsn_rollout *ro, size_t k, size_t i, size_t o,
		      bool v6, const struct tsn_jv *rep, char *why, size_t len)
{
	const char *peer = ro->inv->nodes[o].name, *s;
	struct tsn_pair_result *res = &ro->res[k];
	const struct tsn_jv *e;
	bool inst, enc = false;
	double ks = 0;

	e = find_sa(rep, peer, v6, &inst);
	if (!inst) {
		s = e ? tsn_jv_getstr(e, "child_state") : NULL;
		snprintf(why, len, "%s sees %s%s", ro->inv->nodes[i].name,
			 v6 ? "over IPv6 " : "",
			 !e ? "no SA" : s ? s : "an IKE_SA without CHILD_SA");
		snprintf(res->state, sizeof(res->state), "%s",
			 e && s ? s : e ? "NO-CHILD" : "NONE");
		return 0;
	}
	snprintf(res->state, sizeof(res->state), "INSTALLED");
	snprintf(res->mode, sizeof(res->mode), "%s",
		 (s = tsn_jv_getstr(e, "mode")) ? s : "?");
	tsn_jv_getnum(e, "encr_keysize", &ks);
	snprintf(res->cipher, sizeof(res->cipher), "%s-%.0f",
		 (s = tsn_jv_getstr(e, "encr_alg")) ? s : "?", ks);
	/* either family's SA encapsulated: the IPv6 one's must not
	 * overwrite the IPv4 one's */
	if (tsn_jv_getbool(e, "encap", &enc) && enc)
		res->encap = true;
	if (strcmp(res->mode, "TRANSPORT")) {
		snprintf(why, len, "%sCHILD_SA in %s mode on %s (transport "
			 "refused)", v6 ? "IPv6 " : "", res->mode,
			 ro->inv->nodes[i].name);
		return -1;
	}
	if (!tsn_streq(tsn_jv_getstr(e, "protocol"), "ESP") ||
	    strncmp(res->cipher, "AES_GCM", 7)) {
		snprintf(why, len, "%sCHILD_SA uses %s %s on %s, not ESP "
			 "AES_GCM", v6 ? "IPv6 " : "",
			 tsn_jv_getstr(e, "protocol"), res->cipher,
			 ro->inv->nodes[i].name);
		return -1;
	}
	return 1;
}

/* Both sides of pair k over one family: 1, 0 or -1 as judge_side. */
static int judge_family(struct tsn_rollout *ro, size_t k, bool v6,
			struct tsn_jv *rep, char *w, size_t len)
{
	const struct tsn_plan_pair *p = &ro->plan.pairs[k];
	int a = judge_side(ro, k, p->a, p->b, v6, &rep[p->a], w, len);

	return a == 1 ? judge_side(ro, k, p->b, p->a, v6, &rep[p->b], w,
				   len) : a;
}

/* 1 when every pair is done, 0 to poll again, -EPROTO on a bad pair. */
static int judge_sas(struct tsn_rollout *ro, struct tsn_jv *rep,
		     char (*why)[300], bool last)
{
	char w[300];
	bool all = true;

	for (size_t k = 0; k < ro->plan.n_pairs; k++) {
		const struct tsn_plan_pair *p = &ro->plan.pairs[k];
		int r;

		if (!tsn_rollout_pair_in(ro, k))
			continue;
		if (rep[p->a].type != TSN_JOBJ || rep[p->b].type != TSN_JOBJ) {
			size_t bad = rep[p->a].type != TSN_JOBJ ? p->a : p->b;

			snprintf(w, sizeof(w), "%s: %s",
				 ro->inv->nodes[bad].name, why[bad]);
			if (last)
				tsn_rollout_fail_pair(ro, k, "", w);
			all = false;
			continue;
		}
		if (tsn_rollout_charon_down(&rep[p->a]) ||
		    tsn_rollout_charon_down(&rep[p->b])) {
			/* no SA will come: say why now, not at the timeout */
			tsn_rollout_fail_charon(ro, k, tsn_rollout_charon_down(
						&rep[p->a]) ? p->a : p->b);
			return -EPROTO;
		}
		/* a dual-stack pair: its IPv6 connection too (conf.h) */
		r = judge_family(ro, k, false, rep, w, sizeof(w));
		if (r == 1 && tsn_conf_dual(&ro->inv->nodes[p->a],
					    &ro->inv->nodes[p->b]))
			r = judge_family(ro, k, true, rep, w, sizeof(w));
		if (r < 0) {
			tsn_rollout_fail_pair(ro, k, "", w);
			return -EPROTO;
		}
		ro->res[k].ok = r == 1;
		if (!ro->res[k].ok && last)
			tsn_rollout_fail_pair(ro, k, "CHILD_SA not installed: ",
					      w);
		all = all && ro->res[k].ok;
	}
	if (last && !all)
		return -EPROTO;
	return all;
}

int tsn_rollout_wait(struct tsn_rollout *ro)
{
	size_t n = ro->inv->n_nodes;
	struct tsn_jv *rep = calloc(n, sizeof(*rep));
	char (*why)[300] = calloc(n, sizeof(*why));
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	double end = tsn_now() + ro->timeout;
	int ret = 0;

	if (!rep || !why) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		bool last = tsn_now() >= end;

		ro->phase = "waiting for the SAs";
		if ((ret = tsn_rollout_run(ro, "ipsec-sas", NULL, rep,
					   why)) < 0)
			break;
		ret = judge_sas(ro, rep, why, last);
		for (size_t i = 0; i < n; i++)
			tsn_jv_free(&rep[i]);
		if (ret != 0)
			break;
		nanosleep(&ts, NULL);
	}
	ret = ret < 0 ? ret : 0;
out:
	free(rep);
	free(why);
	return ret;
}

/* One family's counts of node's capture with a peer into res. */
static void proof_entry(struct tsn_pair_result *res, const char *node,
			const struct tsn_jv *e)
{
	const struct tsn_jv *leaks = tsn_jv_get(e, "leaks");
	double esp = 0, udp = 0, clear = 0;
	size_t len;

	tsn_jv_getnum(e, "esp", &esp);
	tsn_jv_getnum(e, "esp_in_udp", &udp);
	tsn_jv_getnum(e, "cleartext", &clear);
	if (tsn_sa_v6(e))
		res->esp6 += (unsigned)(esp + udp);
	else
		res->esp += (unsigned)(esp + udp);
	res->cleartext += (unsigned)clear;
	for (size_t l = 0; leaks && leaks->type == TSN_JARR && l < leaks->n;
	     l++) {
		len = strlen(res->leaks);
		snprintf(res->leaks + len, sizeof(res->leaks) - len,
			 "%s%s: %s", len ? "; " : "", node,
			 leaks->items[l].type == TSN_JSTR ?
			 leaks->items[l].str : "?");
	}
}

void tsn_rollout_proof_take(struct tsn_pair_result *res, const char *node,
			    const char *peer, const struct tsn_jv *rep,
			    const char *why)
{
	const struct tsn_jv *peers = tsn_jv_get(rep, "peers"), *e;
	const char *err = tsn_jv_getstr(rep, "error");
	size_t len;

	if (rep->type != TSN_JOBJ || err) {
		len = strlen(res->leaks);
		snprintf(res->leaks + len, sizeof(res->leaks) - len,
			 "%sno capture on %s: %s", len ? "; " : "", node,
			 err ? err : why);
		return;
	}
	/* one entry per family of a dual-stack pair, counted apart */
	for (size_t p = 0; peers && peers->type == TSN_JARR && p < peers->n;
	     p++) {
		e = &peers->items[p];
		if (tsn_streq(tsn_jv_getstr(e, "peer"), peer))
			proof_entry(res, node, e);
	}
}

bool tsn_rollout_wire_ok(const struct tsn_pair_result *res)
{
	return !res->leaks[0] && res->esp && (!res->dual || res->esp6);
}

/* Every counter that rose on node i during the capture, a line each in
 * ro->xstat; a kernel without counters, once, in ro->xstat_note. */
static int judge_counters(struct tsn_rollout *ro, size_t i,
			  const struct tsn_jv *rep, const char *during)
{
	const char *name = ro->inv->nodes[i].name;
	struct tsn_report r;
	struct tsn_node_report *nr;
	int ret;

	if (rep->type != TSN_JOBJ)
		return 0;	/* no capture: judge_proof says why */
	tsn_report_init(&r, "enable-ipsec");
	nr = tsn_report_node(&r, name);
	ret = nr ? tsn_xstat_checks(nr, name, tsn_jv_get(rep, "xfrm_stat"),
				    during, NULL) : -ENOMEM;
	for (size_t k = 0; !ret && nr && k < nr->n_checks; k++) {
		const struct tsn_check *c = &nr->checks[k];

		/* a counter that rose fails the proof; a WARN only says the
		 * counters could not be read, which proves nothing either
		 * way: a note, as a kernel without them is */
		if (c->status == TSN_ST_FAIL)
			ret = tsn_buf_printf(&ro->xstat, "%s: %s: %s\n", name,
					     c->id, c->detail);
		else if (c->status == TSN_ST_SKIP || c->status == TSN_ST_WARN)
			ret = tsn_buf_printf(&ro->xstat_note, "%s: %s: %s\n",
					     name, c->id, c->detail);
	}
	tsn_report_free(&r);
	return ret;
}

static int prove_ms(struct tsn_rollout *ro, unsigned ms, bool judge)
{
	size_t n = ro->inv->n_nodes;
	struct tsn_buf *in = calloc(n, sizeof(*in));
	struct tsn_jv *rep = calloc(n, sizeof(*rep));
	char (*why)[300] = calloc(n, sizeof(*why));
	int ret = 0;

	if (!in || !rep || !why) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct tsn_json j;

		if (!ro->in[i])
			continue;
		tsn_json_init(&j, &in[i], false);
		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "inventory", ro->inv_text.p);
		tsn_json_kstr(&j, "node", ro->inv->nodes[i].name);
		tsn_json_kuint(&j, "ms", ms);
		tsn_json_obj_end(&j);
		ret = tsn_json_finish(&j);
	}
	if (ret == 0)
		ret = tsn_rollout_run(ro, "ipsec-prove", in, rep, why);
	tsn_buf_reset(&ro->xstat);
	tsn_buf_reset(&ro->xstat_note);
	for (size_t i = 0; ret == 0 && i < n; i++)
		if (ro->in[i])
			ret = judge_counters(ro, i, &rep[i], judge ?
					     "during the proof" :
					     "while testing traffic");
	for (size_t k = 0; judge && ret == 0 && k < ro->plan.n_pairs; k++) {
		const struct tsn_plan_pair *p = &ro->plan.pairs[k];

		if (!tsn_rollout_pair_in(ro, k))
			continue;
		ro->res[k].proved = true;
		ro->res[k].dual = tsn_conf_dual(&ro->inv->nodes[p->a],
						&ro->inv->nodes[p->b]);
		tsn_rollout_proof_take(&ro->res[k], ro->inv->nodes[p->a].name,
				       ro->inv->nodes[p->b].name, &rep[p->a],
				       why[p->a]);
		tsn_rollout_proof_take(&ro->res[k], ro->inv->nodes[p->b].name,
				       ro->inv->nodes[p->a].name, &rep[p->b],
				       why[p->b]);
	}
out:
	for (size_t i = 0; i < n; i++) {
		if (in)
			tsn_buf_free(&in[i]);
		if (rep)
			tsn_jv_free(&rep[i]);
	}
	free(in);
	free(rep);
	free(why);
	return ret;
}

int tsn_rollout_prove(struct tsn_rollout *ro)
{
	return prove_ms(ro, 3000, true);
}

/* Did node i decrypt anything from peer o? */
static bool flowed(const struct tsn_jv *rep, const char *peer)
{
	const struct tsn_jv *sas = tsn_jv_get(rep, "sas");
	double n;

	for (size_t k = 0; sas && sas->type == TSN_JARR && k < sas->n; k++)
		if (tsn_streq(tsn_jv_getstr(&sas->items[k], "peer"), peer) &&
		    tsn_jv_getnum(&sas->items[k], "packets_in", &n) && n > 0)
			return true;
	return false;
}

/* What node i's kernel said while the traffic ran: its counter lines,
 * "the kernel: xfrm.stat.X: ...; ...", or "". */
static void counters_of(const struct tsn_rollout *ro, size_t i, char *buf,
			size_t len)
{
	const char *name = ro->inv->nodes[i].name, *l = ro->xstat.p, *e;
	size_t nl = strlen(name), at = 0;

	buf[0] = '\0';
	for (; l && (e = strchr(l, '\n')) && at + 1 < len; l = e + 1) {
		if (strncmp(l, name, nl) || l[nl] != ':')
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%.*s", at ?
				       "; " : "its kernel: ",
				       (int)(e - l - (long)nl - 2), l + nl + 2);
	}
}

int tsn_rollout_flow(struct tsn_rollout *ro)
{
	size_t n = ro->inv->n_nodes;
	struct tsn_jv *rep = calloc(n, sizeof(*rep));
	char (*why)[300] = calloc(n, sizeof(*why)), w[1100], kern[520];
	int ret;

	if (!rep || !why) {
		ret = -ENOMEM;
		goto out;
	}
	ro->phase = "testing traffic";
	if ((ret = prove_ms(ro, 1500, false)) < 0)
		goto out;
	ro->phase = "testing traffic";
	if ((ret = tsn_rollout_run(ro, "ipsec-sas", NULL, rep, why)) < 0)
		goto out;
	for (size_t k = 0; k < ro->plan.n_pairs; k++) {
		const struct tsn_plan_pair *p = &ro->plan.pairs[k];
		size_t i = p->a, o = p->b;

		if (!tsn_rollout_pair_in(ro, k))
			continue;
		if (tsn_rollout_charon_down(&rep[i]) ||
		    tsn_rollout_charon_down(&rep[o])) {
			ro->res[k].ok = false;
			tsn_rollout_fail_charon(ro, k, tsn_rollout_charon_down(
						&rep[i]) ? i : o);
			continue;
		}
		if (flowed(&rep[i], ro->inv->nodes[o].name)) {
			i = p->b;
			o = p->a;
			if (flowed(&rep[i], ro->inv->nodes[o].name))
				continue;
		}
		counters_of(ro, i, kern, sizeof(kern));
		snprintf(w, sizeof(w), "%s decrypted no ESP from %s (%s)",
			 ro->inv->nodes[i].name, ro->inv->nodes[o].name,
			 kern[0] ? kern : "a firewall dropping ESP, IP "
			 "protocol 50?");
		ro->res[k].ok = false;
		tsn_rollout_fail_pair(ro, k, "ESP does not flow: ", w);
	}
	ret = ro->error[0] ? -EPROTO : 0;
out:
	for (size_t i = 0; rep && i < n; i++)
		tsn_jv_free(&rep[i]);
	free(rep);
	free(why);
	return ret;
}
