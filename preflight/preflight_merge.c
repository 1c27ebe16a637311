/* preflight_merge.c - the agents' replies on one node into its row of the
 * preflight report: host checks as they come, the firewall verdicts
 * grouped per direction and protocol ("nft.in.esp": "dropped by inet
 * filter input policy drop (input hook) (from n2, n3)"), the cloud, and
 * the clock offset judged as `tsnet nodes` judges it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cloud.h"
#include "lib/json.h"
#include "lib/util.h"
#include "preflight/preflight.h"

#define GROUPS_MAX 8

struct group {
	const char *detail;
	const char *verdict;
	struct tsn_buf names;
	unsigned fams;		/* 1: an IPv4 peer address, 2: IPv6 */
};

/* name is already in the comma-separated list (whole names only). */
static bool listed(const struct tsn_buf *b, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = b->p; p && (p = strstr(p, name)); p += n)
		if ((p == b->p || p[-1] == ' ') && (!p[n] || p[n] == ','))
			return true;
	return false;
}

static const char *peer_name(const struct tsn_inventory *inv, const char *a)
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

static int add_to_group(struct group *g, size_t *n, const char *verdict,
			const char *detail, const char *name, bool v6)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(g[i].detail, detail))
			break;
	if (i == *n) {
		if (*n == GROUPS_MAX)
			i = *n - 1;	/* the rest share the last line */
		else
			g[(*n)++] = (struct group){ detail, verdict, { 0 }, 0 };
	}
	g[i].fams |= v6 ? 2 : 1;
	if (listed(&g[i].names, name))
		return 0;	/* IPv4 and IPv6 of one peer */
	return tsn_buf_printf(&g[i].names, "%s%s", g[i].names.len ? ", " : "",
			      name);
}

/* A drop (or an undecidable flow) of the evaluator, for the problems. */
static int keep_drop(struct tsn_pf_diag *pd, const char *node,
		     const char *peer, const struct tsn_jv *f,
		     const struct tsn_jv *v, bool undecided)
{
	struct tsn_diag_drop d = {
		.node = node, .out = tsn_streq(tsn_jv_getstr(f, "dir"), "out"),
		.peer = peer, .proto = tsn_jv_getstr(f, "proto"),
		.v6 = strchr(tsn_jv_getstr(f, "peer"), ':') != NULL,
		.text = tsn_jv_getstr(f, "rule"), .undecided = undecided,
	};
	double h = 0;
	bool policy = false;

	if (undecided) {
		d.unknown = tsn_jv_getstr(v, "detail");
	} else {
		d.family = tsn_jv_getstr(v, "family");
		d.table = tsn_jv_getstr(v, "table");
		d.chain = tsn_jv_getstr(v, "chain");
		tsn_jv_getbool(v, "policy", &policy);
		tsn_jv_getnum(v, "handle", &h);
		d.policy = policy;
		d.handle = (uint64_t)h;
		if (!d.table)
			d.unknown = tsn_jv_getstr(v, "detail");
	}
	if (!d.proto)
		return 0;
	return tsn_diag_set_drop(&pd->drops, &d);
}

/* One check per direction and protocol, from the first-packet verdicts. */
static int nft_check(struct tsn_node_report *nr,
		     const struct tsn_inventory *inv, const struct tsn_jv *fl,
		     const char *dir, const char *proto, struct tsn_pf_diag *pd)
{
	struct group g[GROUPS_MAX];
	struct tsn_buf d = { 0 };
	enum tsn_status st = TSN_ST_OK;
	size_t n = 0;
	char id[32];
	int ret = 0;

	for (size_t i = 0; i < fl->n && !ret; i++) {
		const struct tsn_jv *f = &fl->items[i];
		const struct tsn_jv *v = tsn_jv_get(f, "new");
		const char *verdict = tsn_jv_getstr(v, "verdict");
		const char *detail = tsn_jv_getstr(v, "detail");

		if (!tsn_streq(tsn_jv_getstr(f, "dir"), dir) ||
		    !tsn_streq(tsn_jv_getstr(f, "proto"), proto) ||
		    !verdict || !detail)
			continue;
		if (!strcmp(verdict, "drop"))
			st = TSN_ST_FAIL;
		else if (strcmp(verdict, "accept") && st == TSN_ST_OK)
			st = TSN_ST_WARN;
		if (strcmp(verdict, "accept") && tsn_jv_getstr(f, "peer"))
			ret = keep_drop(pd, nr->node, peer_name(inv,
					tsn_jv_getstr(f, "peer")), f, v,
					strcmp(verdict, "drop"));
		if (!ret)
			ret = add_to_group(g, &n, verdict, detail,
				   peer_name(inv, tsn_jv_getstr(f, "peer")),
				   strchr(tsn_jv_getstr(f, "peer") ?
					  tsn_jv_getstr(f, "peer") : "", ':'));
	}
	for (size_t i = 0; i < n && !ret; i++)
		ret = tsn_buf_printf(&d, "%s%s (%s %s%s)", i ? "; " : "",
				     g[i].detail, strcmp(dir, "in") ? "to" :
				     "from", g[i].names.p, n < 2 ||
				     g[i].fams == 3 ? "" : g[i].fams == 1 ?
				     " over IPv4" : " over IPv6");
	snprintf(id, sizeof(id), "nft.%s.%s", dir, proto);
	if (!ret)
		ret = tsn_node_check(nr, id, n ? st : TSN_ST_SKIP,
			st == TSN_ST_FAIL ? "tsnet preflight --fix inserts "
			"tagged accepts for the cluster members (or allow UDP "
			"500, 4500 and ESP from them in that chain)" :
			st == TSN_ST_WARN ? "check the rule named by hand: "
			"tsnet cannot tell what it does" : NULL,
			"%s", n ? d.p : "no peers");
	for (size_t i = 0; i < n; i++)
		tsn_buf_free(&g[i].names);
	tsn_buf_free(&d);
	return ret;
}

static int merge_nft(struct tsn_node_report *nr,
		     const struct tsn_inventory *inv, const struct tsn_jv *v,
		     struct tsn_pf_diag *pd)
{
	static const char *const protos[] = { "udp500", "udp4500", "esp" };
	const struct tsn_jv *fl = tsn_jv_get(v, "flows");
	int ret = 0;

	if (!fl || fl->type != TSN_JARR)
		return tsn_node_error(nr, false, "nft-eval: reply without "
				      "flows");
	for (int d = 0; d < 2 && !ret; d++)
		for (size_t p = 0; p < ARRAY_SIZE(protos) && !ret; p++)
			ret = nft_check(nr, inv, fl, d ? "out" : "in",
					protos[p], pd);
	return ret ? ret : tsn_pf_nft_ipsec(nr, inv, v);
}

/* As cluster/nodes.c: the node read its clock during the job, so the
 * offset lies between node_time - end and that plus the job's length;
 * judge the smallest the window allows. */
static int merge_clock(struct tsn_node_report *nr, double t, double end,
		       double elapsed, bool x509)
{
	double lo = t - end, hi = lo + elapsed;
	double least = lo > 0 ? lo : hi < 0 ? -hi : 0;
	enum tsn_status st = least > TSN_PF_CLOCK_FAIL ? TSN_ST_FAIL :
			     least > TSN_PF_CLOCK_WARN ? TSN_ST_WARN :
							 TSN_ST_OK;

	/* pki issues certificates valid from the coordinator's now: a node
	 * whose clock is behind rejects them as not yet valid until it
	 * catches up, and IKE fails to authenticate meanwhile */
	if (x509 && hi < -TSN_PF_CLOCK_CERT)
		return tsn_node_check(nr, "clock", TSN_ST_FAIL, "synchronise "
				      "the node's clock (chrony or "
				      "systemd-timesyncd) before enable-ipsec",
				      "offset %+.0f ms from the coordinator "
				      "(measured to within %.0f ms): with auth "
				      "= x509, a certificate issued now is not "
				      "valid on %s for another %.0f s, and IKE "
				      "cannot authenticate until then",
				      lo * 1000, elapsed * 1000, nr->node, -hi);
	return tsn_node_check(nr, "clock", st, st == TSN_ST_OK ? NULL :
			      "synchronise the node's clock (chrony or "
			      "systemd-timesyncd): IKE and certificates need "
			      "clocks that agree",
			      "offset %+.0f ms from the coordinator (measured "
			      "to within %.0f ms)", lo * 1000, elapsed * 1000);
}

static int merge_cloud(struct tsn_node_report *nr, const struct tsn_jv *v,
		       struct tsn_pf_diag *pd)
{
	static const enum tsn_cloud known[] = {
		TSN_CLOUD_AZURE, TSN_CLOUD_AWS, TSN_CLOUD_GCP,
	};
	const char *c = tsn_jv_getstr(v, "cloud");
	const char *why = tsn_jv_getstr(v, "evidence");
	bool none = !c || !strcmp(c, "none");
	char fix[96];

	for (size_t i = 0; i < ARRAY_SIZE(known) && !none; i++)
		if (pd->cloud == TSN_CLOUD_NONE &&
		    !strcmp(c, tsn_cloud_id(known[i])))
			pd->cloud = known[i];

	snprintf(fix, sizeof(fix), "tsnet cloud %s prints what to allow in "
		 "the cloud's firewall", c ? c : "");
	return tsn_node_check(nr, "cloud", TSN_ST_OK, none ? NULL : fix,
			      "%s%s%s%s", none ? "none (on-premises)" : c,
			      why ? " (" : "", why ? why : "", why ? ")" : "");
}

static int add_fault(struct tsn_pf_diag *pd, const char *node,
		     const char *peer, const char *id)
{
	struct tsn_pf_route_fault *f;

	f = realloc(pd->faults, (pd->n_faults + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	pd->faults = f;
	f = &pd->faults[pd->n_faults++];
	snprintf(f->node, sizeof(f->node), "%s", node);
	snprintf(f->peer, sizeof(f->peer), "%s", peer);
	snprintf(f->id, sizeof(f->id), "%s", id);
	return 0;
}

/* The node's routes that are wrong: their pairs, for the route problem;
 * what the probe saw of those pairs is the route's doing (from another
 * address: no NAT; lost: no path's fault). */
static int merge_routes(struct tsn_pf_diag *pd, const char *node,
			const struct tsn_jv *routes)
{
	int ret = 0;

	for (size_t i = 0; routes && routes->type == TSN_JARR &&
	     i < routes->n && !ret; i++) {
		const struct tsn_jv *r = &routes->items[i];
		const char *fault = tsn_jv_getstr(r, "fault");
		const char *peer = tsn_jv_getstr(r, "peer");
		bool xfrm = false, mtu = false;

		/* another IPsec setup's policy takes the pair's traffic, both
		 * ways: what the probe lost there is its doing */
		tsn_jv_getbool(r, "xfrm", &xfrm);
		/* a path MTU too small for ESP: the pair of the mtu check */
		tsn_jv_getbool(r, "mtu_short", &mtu);
		if (mtu && peer)
			ret = add_fault(pd, node, peer, "mtu");
		if (!ret && xfrm && peer)
			ret = add_fault(pd, node, peer, "xfrm.foreign");
		if (!ret && xfrm && peer)
			ret = tsn_diag_net_route(&pd->net, node, peer,
						 TSN_NET_LOST);
		if (!ret && xfrm && peer)
			ret = tsn_diag_net_route(&pd->net, peer, node,
						 TSN_NET_LOST);
		if (ret || !fault || !peer)
			continue;
		ret = tsn_diag_net_route(&pd->net, node, peer,
					 strcmp(fault, "src") ? TSN_NET_LOST :
					 TSN_NET_SOURCE);
		if (!ret)
			ret = add_fault(pd, node, peer, "route");
	}
	return ret;
}

/* A prefix as a node may report it: "198.18.1.0/24", "fd00::/64". */
static bool prefix_ok(const char *s)
{
	struct tsn_prefix p;

	return s && tsn_prefix_parse(s, &p) == 0;
}

/* The first line of a failed job's stderr, or the transport's reason. */
static const char *job_why(const struct tsn_job *job, char *buf, size_t len)
{
	if (job->state == TSN_JOB_DONE && job->err.len) {
		const char *s = job->err.p, *pre = "tsnet: ";
		size_t n = strcspn(s, "\n");

		if (!strncmp(s, pre, strlen(pre)))
			s += strlen(pre), n -= strlen(pre);
		snprintf(buf, len, "%.*s", (int)n, s);
		return buf;
	}
	return tsn_job_reason(job, buf, len);
}

static int merge_reply(struct tsn_node_report *nr,
		       const struct tsn_inventory *inv, int kind,
		       const struct tsn_pf_done *d, const struct tsn_jv *v,
		       struct tsn_pf_diag *pd)
{
	double t;
	int ret;

	switch (kind) {
	case TSN_PF_HOST:
		ret = tsn_checks_from_json(nr, v);
		if (!ret && tsn_jv_getnum(v, "time", &t))
			ret = merge_clock(nr, t, d->end, d->job->elapsed,
					  inv->cluster.auth == TSN_AUTH_X509);
		/* the node's subnet, where the inventory lists none */
		if (!ret && prefix_ok(tsn_jv_getstr(v, "prefix")))
			ret = tsn_diag_net_subnet(&pd->net, (size_t)
				tsn_diag_net_index(&pd->net, nr->node),
				tsn_jv_getstr(v, "prefix"));
		if (!ret)
			ret = merge_routes(pd, nr->node, tsn_jv_get(v, "routes"));
		if (!ret)
			ret = tsn_pf_merge_connmark(pd, nr->node, v);
		return ret;
	case TSN_PF_NFT:
		return merge_nft(nr, inv, v, pd);
	default:
		return merge_cloud(nr, v, pd);
	}
}

int tsn_pf_merge_node(struct tsn_report *r, const struct tsn_inventory *inv,
		      const struct tsn_node *node,
		      const struct tsn_pf_done *done, struct tsn_pf_diag *pd)
{
	struct tsn_node_report *nr = tsn_report_node(r, node->name);
	char why[512], err[128];
	int ret = 0;

	if (!nr)
		return -ENOMEM;
	for (int k = 0; k < TSN_PF_JOBS && !ret; k++) {
		const struct tsn_job *job = done[k].job;
		struct tsn_jv v = { 0 };

		if (!job) {	/* not run: a cluster of one node */
			ret = tsn_pf_merge_alone(r, node, false);
			continue;
		}
		if (job->state == TSN_JOB_UNREACHABLE ||
		    job->state == TSN_JOB_TIMEOUT)
			return tsn_node_error(nr, true, "%s",
					      job_why(job, why, sizeof(why)));
		/* preflight-host exits 1 when a check fails: still a reply */
		if (job->state != TSN_JOB_DONE || job->exit_status > 1 ||
		    tsn_json_parse(job->out.p ? job->out.p : "", job->out.len,
				   &v, err, sizeof(err)) < 0) {
			ret = tsn_node_error(nr, false, "%s",
					     job_why(job, why, sizeof(why)));
			tsn_jv_free(&v);
			continue;
		}
		ret = merge_reply(nr, inv, k, &done[k], &v, pd);
		tsn_jv_free(&v);
	}
	return ret;
}

int tsn_pf_merge_alone(struct tsn_report *r, const struct tsn_node *node,
		       bool fix)
{
	struct tsn_node_report *nr = tsn_report_node(r, node->name);

	if (!nr)
		return -ENOMEM;
	if (fix)
		return tsn_node_check(nr, "nft.fix", TSN_ST_SKIP, NULL,
				      "nothing to open: %s is the cluster's "
				      "only node (--fix opens IPsec between "
				      "members)", node->name);
	return tsn_node_check(nr, "pairs", TSN_ST_SKIP, NULL, "no peer to "
			      "check: %s is the cluster's only node (the "
			      "firewall and probe checks are per pair; tsnet "
			      "node add adds one)", node->name);
}

static int fix_detail(struct tsn_buf *b, const struct tsn_jv *v, bool unfix)
{
	const struct tsn_jv *ins = tsn_jv_get(v, "inserted");
	bool changed = false;
	double added = 0, removed = 0;
	int ret;

	tsn_jv_getbool(v, "changed", &changed);
	tsn_jv_getnum(v, "rules_added", &added);
	tsn_jv_getnum(v, "rules_removed", &removed);
	if (unfix)
		return tsn_buf_printf(b, "%s", changed ? "removed" :
				      "nothing to remove");
	ret = tsn_buf_printf(b, "%s: table inet tsnet, %.0f rules",
			     changed ? "applied" : "already in place, nothing "
			     "changed", added);
	for (size_t i = 0; ins && ins->type == TSN_JARR && i < ins->n && !ret;
	     i++)
		ret = tsn_buf_printf(b, "%s%s %s %s", i ? ", " :
				     "; accepts inserted in ",
				     tsn_jv_getstr(&ins->items[i], "family"),
				     tsn_jv_getstr(&ins->items[i], "table"),
				     tsn_jv_getstr(&ins->items[i], "chain"));
	return ret;
}

int tsn_pf_merge_fix(struct tsn_report *r, const struct tsn_node *node,
		     const struct tsn_job *job, bool unfix)
{
	struct tsn_node_report *nr = tsn_report_node(r, node->name);
	const char *id = unfix ? "nft.unfix" : "nft.fix";
	const char *e, *bad, *persist;
	struct tsn_jv v = { 0 };
	struct tsn_buf b = { 0 };
	char why[512], err[128];
	double still = 0, removed = 0;
	int ret;

	if (!nr)
		return -ENOMEM;
	if (job->state != TSN_JOB_DONE)
		return tsn_node_error(nr, job->state == TSN_JOB_UNREACHABLE ||
				      job->state == TSN_JOB_TIMEOUT, "%s",
				      job_why(job, why, sizeof(why)));
	if (tsn_json_parse(job->out.p ? job->out.p : "", job->out.len, &v,
			   err, sizeof(err)) < 0)
		return tsn_node_error(nr, false, "%s",
				      job_why(job, why, sizeof(why)));
	e = tsn_jv_getstr(&v, "error");
	bad = tsn_jv_getstr(&v, "bad");
	persist = tsn_jv_getstr(&v, "persist");
	tsn_jv_getnum(&v, "still_bad", &still);
	tsn_jv_getnum(&v, "rules_removed", &removed);
	if (e && job->exit_status == TSN_EXIT_PROBLEM)
		ret = tsn_node_check(nr, id, TSN_ST_FAIL, "rename or remove "
				     "that table, then run --fix again", "%s",
				     e);
	else if (e)
		ret = tsn_node_error(nr, false, "%s", e);
	else if ((ret = fix_detail(&b, &v, unfix)) == 0 && unfix)
		ret = tsn_node_check(nr, id, TSN_ST_OK, NULL, "%s (%.0f rules)",
				     b.p, removed);
	else if (!ret && still)
		ret = tsn_node_check(nr, id, TSN_ST_FAIL, "see the rule named: "
				     "tsnet could not open it", "%s; %.0f flows "
				     "still not accepted: %s", b.p, still,
				     bad ? bad : "?");
	else if (!ret)
		ret = tsn_node_check(nr, id, TSN_ST_OK, NULL, "%s; verified: "
				     "every flow accepted", b.p);
	if (!ret && persist && !e)
		ret = tsn_node_check(nr, unfix ? "nft.unpersist" :
				     "nft.persist", TSN_ST_OK, NULL, "%s",
				     persist);
	if (!ret && bad && unfix)
		ret = tsn_node_check(nr, "nft.table", TSN_ST_WARN, NULL, "%s",
				     bad);
	tsn_buf_free(&b);
	tsn_jv_free(&v);
	return ret;
}
