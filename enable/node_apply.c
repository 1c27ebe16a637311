/* node_apply.c - IPsec for `tsnet node add|remove`, on the nodes the
 * change concerns and nowhere else.
 *
 * Where tsnet enabled IPsec (ipsec-state finds a record), the change goes
 * through A's ipsec-apply with the new inventory and plan hash.  A key
 * the request does not carry is kept from the node's own secrets file, so
 * on add the peers receive only the key of their pair with the new node
 * and keep every other pair as it is; on remove they receive none and
 * drop the leaving node's connection and key.  The new node gets a fresh
 * key per pair and initiates them; the leaving node is cleaned with
 * ipsec-remove.  A node that does not answer is reported with the repair
 * (enable-ipsec --node); the others complete.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/encap.h"
#include "enable/node.h"
#include "enable/plan.h"
#include "enable/status.h"
#include "enable/x509.h"
#include "lib/json.h"
#include "lib/transport.h"
#include "lib/util.h"

struct peer {
	const struct tsn_node *node;
	struct tsn_jv st;		/* ipsec-state reply */
	const struct tsn_jv *rec;	/* its record, when enabled */
	char why[512];			/* set when it did not answer */
};

struct napply {
	struct tsn_ctx *ctx;
	const struct tsn_node_change *c;
	struct peer *peers;		/* the new inventory's nodes */
	size_t n;
	size_t self;			/* add: the new node's index */
	bool encap_all, trap, legacy, any;
	struct tsn_plan plan;
	/* auth x509 (a record says so): the inventory and its text with
	 * auth = x509, as enable-ipsec --auth x509 sent it; the new node's
	 * key and certificate from the coordinator's CA */
	bool x509;
	struct tsn_inventory xinv;
	struct tsn_buf xtext, ca;
	struct tsn_x509_cred cred;
	int rc;
};

static void bump(struct napply *na, int rc)
{
	if (rc > na->rc)
		na->rc = rc;
}

static bool job_ok(const struct tsn_job *job, char *why, size_t len)
{
	if (job->state == TSN_JOB_DONE && job->exit_status == 0)
		return true;
	tsn_job_reason(job, why, len);
	return false;
}

/* What one node's ipsec-state says: its record, trap, legacy. */
static void take_state(struct napply *na, struct peer *p,
		       const struct tsn_job *job)
{
	char err[128];

	if (!job_ok(job, p->why, sizeof(p->why)))
		return;
	if (tsn_json_parse(job->out.p ? job->out.p : "", job->out.len,
			   &p->st, err, sizeof(err)) < 0) {
		snprintf(p->why, sizeof(p->why), "bad reply: %s", err);
		return;
	}
	p->rec = tsn_jv_get(&p->st, "state");
	if (!p->rec || p->rec->type != TSN_JOBJ) {
		p->rec = NULL;
		return;
	}
	if (!na->any) {
		tsn_jv_getbool(p->rec, "trap", &na->trap);
		tsn_jv_getbool(p->rec, "legacy", &na->legacy);
	}
	na->any = true;
	na->x509 = na->x509 || tsn_x509_record(p->rec);
}

/* ipsec-state on every node of the new inventory (add: but the new). */
static int survey(struct napply *na)
{
	static const char *const argv[] = { "agent", "ipsec-state", NULL };
	struct tsn_run_opts opts = { .timeout = na->c->timeout };
	struct tsn_job *jobs = calloc(na->n + 1, sizeof(*jobs));
	size_t *idx = calloc(na->n + 1, sizeof(*idx));
	size_t k = 0;
	int ret = jobs && idx ? 0 : -ENOMEM;

	for (size_t i = 0; ret == 0 && i < na->n; i++) {
		if (na->c->add && i == na->self)
			continue;	/* nothing of ours there yet */
		jobs[k].node = na->peers[i].node;
		jobs[k].argv = argv;
		idx[k++] = i;
	}
	if (ret == 0)
		ret = tsn_run(na->c->inv, jobs, k, &opts);
	for (size_t i = 0; ret == 0 && i < k; i++)
		take_state(na, &na->peers[idx[i]], &jobs[i]);
	for (size_t i = 0; i < k; i++)
		tsn_job_free(&jobs[i]);
	free(jobs);
	free(idx);
	return ret;
}

/* A third of the node's time for the pairs to come up, within what
 * ipsec-apply accepts: the rest is for starting charon and loading. */
static unsigned initiate_ms(const struct napply *na)
{
	unsigned t = na->c->timeout ? na->c->timeout :
		     na->c->inv->cluster.timeout ? na->c->inv->cluster.timeout :
		     TSN_RUN_TIMEOUT_DEFAULT;
	unsigned ms = t * 1000 / 3;

	return ms < 1000 ? 1000 : ms > 20000 ? 20000 : ms;
}

/* keys: the new node's pair keys (for node `to`, or all for the new
 * node itself); none on remove. */
static int request(struct napply *na, size_t to, struct tsn_buf *b)
{
	const struct tsn_inventory *inv = na->c->inv;
	bool is_new = na->c->add && to == na->self;
	char hex[2 * TSN_PSK_LEN + 1];
	struct tsn_json j;

	tsn_json_init(&j, b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "inventory", na->x509 ? na->xtext.p : na->c->text);
	tsn_json_kstr(&j, "node", inv->nodes[to].name);
	tsn_json_kstr(&j, "plan_hash", na->plan.hash);
	tsn_json_key(&j, "keys");
	tsn_json_obj_begin(&j);
	for (size_t i = 0; na->c->add && !na->x509 && i < inv->n_nodes; i++) {
		struct tsn_plan_pair *pp;

		if (i == to || (!is_new && i != na->self))
			continue;
		pp = tsn_plan_find(&na->plan, to, i);
		if (!pp)
			continue;
		tsn_psk_hex(pp->psk, hex);
		tsn_json_kstr(&j, inv->nodes[i].name, hex);
	}
	tsn_memzero(hex, sizeof(hex));
	tsn_json_obj_end(&j);
	if (na->x509 && is_new) {	/* peers keep their own */
		tsn_json_kstr(&j, "cacert", na->ca.p);
		tsn_json_kstr(&j, "cert", na->cred.cert.p);
		tsn_json_kstr(&j, "key", na->cred.key.p);
	}
	tsn_json_key(&j, "encap");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < inv->n_nodes; i++) {
		const struct tsn_plan_pair *ep = tsn_plan_find(&na->plan, to,
							       i);

		if (i != to && ep && ep->encap)
			tsn_json_str(&j, inv->nodes[i].name);
	}
	tsn_json_arr_end(&j);
	tsn_json_kbool(&j, "trap", na->trap);
	tsn_json_kbool(&j, "legacy", na->legacy);
	tsn_json_kuint(&j, "timeout_ms", initiate_ms(na));
	tsn_json_key(&j, "initiate");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; is_new && i < inv->n_nodes; i++)
		if (i != to && na->peers[i].rec)
			tsn_json_str(&j, inv->nodes[i].name);
	tsn_json_arr_end(&j);
	tsn_json_obj_end(&j);
	return tsn_json_finish(&j);
}

/* ipsec-apply exits 1 when it configured the node but a pair it
 * initiated did not come up: the pairs say which and why. */
static void report_apply(struct napply *na, const struct tsn_job *job)
{
	const char *name = job->node->name, *error;
	const struct tsn_jv *init;
	struct tsn_jv v = { 0 };
	char why[512], err[128];
	bool parsed;

	parsed = job->state == TSN_JOB_DONE && job->out.len &&
		 tsn_json_parse(job->out.p, job->out.len, &v, err,
				sizeof(err)) == 0;
	error = tsn_jv_getstr(&v, "error");
	if (!parsed || error || (job->exit_status != 0 &&
				 job->exit_status != TSN_EXIT_PROBLEM)) {
		if (!error)
			tsn_job_reason(job, why, sizeof(why));
		tsn_node_say(name, NULL, "not-configured", "%s: not "
			     "configured: %s (repair: tsnet enable-ipsec "
			     "--node %s)", name, error ? error : why, name);
		bump(na, TSN_EXIT_RUNTIME);
		tsn_jv_free(&v);
		return;
	}
	tsn_node_say(name, NULL, "configured", "%s: configured", name);
	init = tsn_jv_get(&v, "initiated");
	for (size_t i = 0; init && init->type == TSN_JOBJ && i < init->n; i++) {
		const char *r = init->items[i].str;

		tsn_node_say(name, init->keys[i], tsn_streq(r, "ok") ? "up" :
			     "down", "  pair %s-%s: %s", name, init->keys[i],
			     tsn_streq(r, "ok") ? "up" : r ? r : "?");
		if (!tsn_streq(r, "ok"))
			bump(na, TSN_EXIT_PROBLEM);
	}
	if (job->exit_status == TSN_EXIT_PROBLEM)
		bump(na, TSN_EXIT_PROBLEM);
	tsn_jv_free(&v);
}

/* Apply to the nodes in want[], in parallel. */
static int apply(struct napply *na, const bool *want)
{
	static const char *const argv[] = { "agent", "ipsec-apply", NULL };
	/* a signal (tsn_run_guard) leaves no node of the change out */
	struct tsn_run_opts opts = { .timeout = na->c->timeout,
				     .finish = true };
	struct tsn_job *jobs = calloc(na->n + 1, sizeof(*jobs));
	struct tsn_buf *in = calloc(na->n + 1, sizeof(*in));
	size_t k = 0;
	int ret = jobs && in ? 0 : -ENOMEM;

	for (size_t i = 0; ret == 0 && i < na->n; i++) {
		if (!want[i])
			continue;
		jobs[k].node = na->peers[i].node;
		jobs[k].argv = argv;
		ret = request(na, i, &in[k]);
		jobs[k].input = in[k].p;
		jobs[k].input_len = in[k].len;
		k++;
	}
	if (ret == 0)
		ret = tsn_run(na->c->inv, jobs, k, &opts);
	for (size_t i = 0; ret == 0 && i < k; i++)
		report_apply(na, &jobs[i]);
	for (size_t i = 0; i < k; i++) {
		tsn_buf_wipe(&in[i]);
		tsn_job_free(&jobs[i]);
	}
	free(in);
	free(jobs);
	return ret;
}

static int remove_leaving(struct napply *na)
{
	static const char *const argv[] = { "agent", "ipsec-remove", NULL };
	struct tsn_run_opts opts = { .timeout = na->c->timeout,
				     .finish = true };
	struct tsn_job job = {
		.node = tsn_inventory_find(na->c->old, na->c->name),
		.argv = argv,
	};
	char why[512];
	int ret;

	ret = tsn_run(na->c->old, &job, 1, &opts);
	if (ret == 0 && job_ok(&job, why, sizeof(why))) {
		tsn_node_say(na->c->name, NULL, "removed", "%s: tsnet's IPsec "
			     "files, connections and keys removed",
			     na->c->name);
	} else if (ret == 0) {
		tsn_node_say(na->c->name, NULL, "not-cleaned", "%s: not "
			     "cleaned: %s (when it is back, run 'tsnet agent "
			     "ipsec-remove' on it)", na->c->name, why);
		bump(na, TSN_EXIT_RUNTIME);
	}
	tsn_job_free(&job);
	return ret;
}

/* auth x509: the text the nodes get says so; the new node's key and
 * certificate.  1 when the CA is missing (said, nothing applied). */
static int x509_prepare(struct napply *na)
{
	char err[600];
	int ret;

	na->xinv = *na->c->inv;		/* shallow: the strings stay theirs */
	na->xinv.cluster.auth = TSN_AUTH_X509;
	if ((ret = tsn_inventory_format(&na->xinv, &na->xtext)) < 0 ||
	    !na->c->add)
		return ret;
	if (tsn_x509_issue_node(&na->c->inv->nodes[na->self], &na->ca,
				&na->cred, err, sizeof(err)) == 0)
		return 0;
	tsn_node_say(na->c->name, NULL, "not-configured", "%s: not "
		     "configured: %s", na->c->name, err);
	bump(na, TSN_EXIT_RUNTIME);
	return 1;
}

/* Which pairs UDP-encapsulate (encap.c): the existing pairs as their
 * records say, the new node's as the probe finds.  1 when a new pair is
 * refused (said; nothing applied). */
static int choose_encap(struct napply *na)
{
	const struct tsn_jv **recs = calloc(na->n + 1, sizeof(*recs));
	char why[800];
	int ret;

	if (!recs)
		return -ENOMEM;
	for (size_t i = 0; i < na->n; i++)
		recs[i] = na->peers[i].rec;
	ret = tsn_encap_node_change(na->ctx, &na->plan, recs, na->c->add ?
				    (long)na->self : -1, why, sizeof(why));
	free(recs);
	if (ret != -EPROTO)
		return ret;
	tsn_node_say(na->c->name, NULL, "not-configured", "%s: not "
		     "configured: %s (then: tsnet enable-ipsec --node %s)",
		     na->c->name, why, na->c->name);
	bump(na, TSN_EXIT_PROBLEM);
	return 1;
}

static int run(struct napply *na)
{
	bool *want = calloc(na->n + 1, sizeof(*want));
	int ret = want ? survey(na) : -ENOMEM;

	for (size_t i = 0; ret == 0 && i < na->n; i++) {
		struct peer *p = &na->peers[i];

		if (p->why[0]) {
			tsn_node_say(p->node->name, NULL, "unreachable",
				     "%s did not answer: %s (repair later: "
				     "tsnet enable-ipsec --node %s, and "
				     "tsnet preflight --fix where it is in "
				     "use)", p->node->name, p->why,
				     p->node->name);
			bump(na, TSN_EXIT_RUNTIME);
		}
		want[i] = p->rec != NULL;
	}
	if (ret < 0)
		goto out;
	if (!na->c->add && (ret = remove_leaving(na)) < 0)
		goto out;
	if (!na->any) {
		tsn_node_say(NULL, NULL, "not-enabled", "IPsec is not enabled "
			     "by tsnet on the %s nodes: nothing to configure",
			     na->c->add ? "other" : "remaining");
		goto out;
	}
	if (na->x509 && (ret = x509_prepare(na)) != 0)
		goto out;
	/* add: every pair of the new node gets a key; remove: none. */
	ret = tsn_plan_build(&na->plan, na->x509 ? &na->xinv : na->c->inv,
			     na->encap_all,
			     na->c->add ? (long)na->self :
			     (long)na->c->inv->n_nodes);
	if (ret == 0)
		ret = choose_encap(na);
	if (ret == 0)
		ret = apply(na, want);
	if (ret == 0 && na->c->add) {
		memset(want, 0, na->n * sizeof(*want));
		want[na->self] = true;
		ret = apply(na, want);
	}
	tsn_plan_free(&na->plan);
out:
	free(want);
	return ret;
}

int tsn_node_apply(struct tsn_ctx *ctx, const struct tsn_node_change *c)
{
	struct napply na = { .ctx = ctx, .c = c, .n = c->inv->n_nodes };
	int ret;

	na.peers = calloc(na.n + 1, sizeof(*na.peers));
	if (!na.peers) {
		tsn_err(ctx->cmd, "%s", strerror(ENOMEM));
		return TSN_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < na.n; i++) {
		na.peers[i].node = &c->inv->nodes[i];
		if (c->add && !strcmp(c->inv->nodes[i].name, c->name))
			na.self = i;
	}
	ret = run(&na);
	if (ret < 0) {
		tsn_err(ctx->cmd, "%s", strerror(-ret));
		bump(&na, TSN_EXIT_RUNTIME);
	}
	for (size_t i = 0; i < na.n; i++)
		tsn_jv_free(&na.peers[i].st);
	free(na.peers);
	tsn_buf_free(&na.xtext);
	tsn_buf_free(&na.ca);
	tsn_x509_free(&na.cred, 1);
	return na.rc;
}
