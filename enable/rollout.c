/* rollout.c - enable-ipsec's phases, run from the coordinator.
 *
 *   apply (no trap, initiate)  every node loads its connections with
 *                              start_action none, so nothing is dropped
 *                              yet; the lower-named node of each pair
 *                              initiates it once
 *   wait                       ipsec-sas until every CHILD_SA is
 *                              INSTALLED, TRANSPORT, ESP with AES_GCM
 *                              on both nodes (strongSwan falls back to
 *                              tunnel mode silently: that fails the pair)
 *   apply (trap)               the same connections with trap policies,
 *                              so traffic fails closed from now on
 *   prove                      ipsec-prove on every node at once
 *
 * A failure in the first three rolls every node back (the caller does,
 * with tsn_rollout_rollback) and names the first failed pair and why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enable/rollout.h"

#define POLL_NS (500 * 1000 * 1000)

bool tsn_rollout_pair_in(const struct tsn_rollout *ro, size_t k)
{
	const struct tsn_plan_pair *p = &ro->plan.pairs[k];

	return ro->only < 0 || p->a == (size_t)ro->only ||
	       p->b == (size_t)ro->only;
}

/* The phase a progress line names, unless the caller set ro->phase. */
static const char *default_phase(const char *action)
{
	static const char *const names[][2] = {
		{ "ipsec-apply", "loading" },
		{ "ipsec-initiate", "initiating" },
		{ "ipsec-sas", "asking charon" },
		{ "ipsec-prove", "proving" },
		{ "ipsec-rollback", "rolling back" },
		{ "ipsec-remove", "removing" },
		{ "preflight-host", "checking kernels" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(names[i][0], action))
			return names[i][1];
	return action;
}

int tsn_rollout_run(struct tsn_rollout *ro, const char *action,
		    struct tsn_buf *inputs, struct tsn_jv *replies,
		    char (*why)[300])
{
	const char *argv[] = { "agent", action, NULL };

	return tsn_rollout_run_argv(ro, argv, inputs, replies, why);
}

int tsn_rollout_run_argv(struct tsn_rollout *ro, const char *const *argv,
			 struct tsn_buf *inputs, struct tsn_jv *replies,
			 char (*why)[300])
{
	/* a rollback or removal reaches every node, signal or not */
	struct tsn_run_opts opts = {
		.progress = &ro->progress,
		.finish = !strcmp(argv[1], "ipsec-rollback") ||
			  !strcmp(argv[1], "ipsec-remove"),
	};
	char what[96];
	size_t n = 0, *idx = calloc(ro->inv->n_nodes + 1, sizeof(*idx));
	char err[128];
	int ret;

	if (!idx)
		return -ENOMEM;
	/* a phase set for this run only, so it never names the next */
	snprintf(what, sizeof(what), "%s: %s", ro->ctx->cmd, ro->phase ?
		 ro->phase : default_phase(argv[1]));
	opts.what = what;
	ro->phase = NULL;
	opts.timeout = ro->inv->cluster.timeout + ro->timeout;
	for (size_t i = 0; i < ro->inv->n_nodes; i++) {
		struct tsn_job *j = &ro->jobs[n];

		replies[i].type = TSN_JNULL;
		why[i][0] = '\0';
		if (!ro->in[i])
			continue;
		memset(j, 0, sizeof(*j));
		j->node = &ro->inv->nodes[i];
		j->argv = argv;
		j->input = inputs ? inputs[i].p : NULL;
		j->input_len = inputs ? inputs[i].len : 0;
		idx[n++] = i;
	}
	ret = tsn_run(ro->inv, ro->jobs, n, &opts);
	for (size_t k = 0; ret == 0 && k < n; k++) {
		struct tsn_job *j = &ro->jobs[k];
		size_t i = idx[k];

		if (j->state != TSN_JOB_DONE ||
		    tsn_json_parse(j->out.p ? j->out.p : "", j->out.len,
				   &replies[i], err, sizeof(err)) < 0 ||
		    replies[i].type != TSN_JOBJ) {
			tsn_jv_free(&replies[i]);
			replies[i].type = TSN_JNULL;
			tsn_job_reason(j, why[i], sizeof(why[i]));
		}
	}
	for (size_t k = 0; k < n; k++)
		tsn_job_free(&ro->jobs[k]);
	free(idx);
	return ret;
}

static int apply_request(struct tsn_rollout *ro, size_t i, bool trap,
			 bool initiate, struct tsn_buf *b)
{
	const struct tsn_inventory *inv = ro->inv;
	struct tsn_json j;
	char hex[2 * TSN_PSK_LEN + 1];

	tsn_json_init(&j, b, false);
	tsn_json_obj_begin(&j);
	if (initiate) {
		/* ipsec-initiate needs only the list and the timeout */
		tsn_json_kuint(&j, "timeout_ms", ro->timeout * 1000u);
		tsn_json_kbool(&j, "replace", true);
		goto list;
	}
	tsn_json_kstr(&j, "inventory", ro->inv_text.p);
	tsn_json_kstr(&j, "node", inv->nodes[i].name);
	tsn_json_kstr(&j, "plan_hash", ro->plan.hash);
	tsn_json_kbool(&j, "trap", trap);
	tsn_json_kbool(&j, "snapshot", !trap);
	tsn_json_kbool(&j, "legacy", ro->legacy);
	tsn_json_kuint(&j, "timeout_ms", ro->timeout * 1000u);
	if (ro->x509) {
		/* the node's own key, never another's, and never the CA's */
		tsn_json_kstr(&j, "auth", "x509");
		tsn_json_kstr(&j, "cacert", ro->ca.p);
		tsn_json_kstr(&j, "cert", ro->creds[i].cert.p);
		tsn_json_kstr(&j, "key", ro->creds[i].key.p);
	}
	tsn_json_key(&j, "keys");
	tsn_json_obj_begin(&j);
	for (size_t k = 0; !ro->x509 && k < ro->plan.n_pairs; k++) {
		const struct tsn_plan_pair *p = &ro->plan.pairs[k];

		if (!tsn_rollout_pair_in(ro, k) || (p->a != i && p->b != i))
			continue;
		tsn_psk_hex(p->psk, hex);
		tsn_json_kstr(&j, inv->nodes[p->a == i ? p->b : p->a].name,
			      hex);
	}
	tsn_memzero(hex, sizeof(hex));
	tsn_json_obj_end(&j);
list:
	for (int pass = 0; pass < 2; pass++) {
		/* initiation waits for ipsec-initiate, when every node has
		 * loaded: a peer without its config yet would fail the pair */
		tsn_json_key(&j, pass ? "initiate" : "encap");
		tsn_json_arr_begin(&j);
		for (size_t k = 0; k < ro->plan.n_pairs; k++) {
			const struct tsn_plan_pair *p = &ro->plan.pairs[k];

			if (p->a != i && p->b != i)
				continue;
			if (!pass && p->encap)
				tsn_json_str(&j, inv->nodes[p->a == i ? p->b :
						 p->a].name);
			/* the lower name opens the pair, once */
			if (pass && initiate && p->a == i &&
			    tsn_rollout_pair_in(ro, k))
				tsn_json_str(&j, inv->nodes[p->b].name);
		}
		tsn_json_arr_end(&j);
	}
	tsn_json_obj_end(&j);
	return tsn_json_finish(&j);
}

static long pair_of(const struct tsn_rollout *ro, size_t i, const char *peer)
{
	const struct tsn_node *n = tsn_inventory_find(ro->inv, peer ? peer : "");

	for (size_t k = 0; n && k < ro->plan.n_pairs; k++) {
		const struct tsn_plan_pair *p = &ro->plan.pairs[k];
		size_t o = (size_t)(n - ro->inv->nodes);

		if ((p->a == i && p->b == o) || (p->b == i && p->a == o))
			return (long)k;
	}
	return -1;
}

void tsn_rollout_fail_pair(struct tsn_rollout *ro, size_t k, const char *fmt,
			   const char *detail)
{
	const struct tsn_plan_pair *p = &ro->plan.pairs[k];

	if (!ro->error[0])
		snprintf(ro->error, sizeof(ro->error), "%s <-> %s: %s%s",
			 ro->inv->nodes[p->a].name, ro->inv->nodes[p->b].name,
			 fmt, detail);
	snprintf(ro->res[k].why, sizeof(ro->res[k].why), "%s%s", fmt, detail);
}

/* Node i's charon answered: remember it on each of its pairs. */
static void mark_up(struct tsn_rollout *ro, size_t i, const struct tsn_jv *r)
{
	bool up = false;

	tsn_jv_getbool(r, "charon_up", &up);
	for (size_t k = 0; up && k < ro->plan.n_pairs; k++) {
		const struct tsn_plan_pair *p = &ro->plan.pairs[k];

		if (p->a == i || p->b == i)
			ro->res[k].up[p->a == i ? 0 : 1] = true;
	}
}

bool tsn_rollout_charon_down(const struct tsn_jv *rep)
{
	bool running = true;

	return rep->type == TSN_JOBJ && tsn_jv_getbool(rep, "running",
						       &running) && !running;
}

void tsn_rollout_fail_charon(struct tsn_rollout *ro, size_t k, size_t i)
{
	char w[160];

	snprintf(w, sizeof(w), "%s: charon is not running (it stopped "
		 "during the rollout)", ro->inv->nodes[i].name);
	tsn_rollout_fail_pair(ro, k, "", w);
}

static void judge_apply(struct tsn_rollout *ro, size_t i,
			const struct tsn_jv *r, const char *why, int pass)
{
	const struct tsn_jv *init = tsn_jv_get(r, "initiated");
	const char *err = tsn_jv_getstr(r, "error");
	const char *name = ro->inv->nodes[i].name;

	if (pass == 0 && r->type == TSN_JOBJ)
		mark_up(ro, i, r);
	if (r->type != TSN_JOBJ || err) {
		if (pass == 1)
			return;
		ro->unreachable |= r->type != TSN_JOBJ;
		if (!ro->error[0])
			snprintf(ro->error, sizeof(ro->error), "%s: %s", name,
				 r->type != TSN_JOBJ ? why : err);
		return;
	}
	for (size_t k = 0; pass == 1 && init && init->type == TSN_JOBJ &&
	     k < init->n; k++) {
		long pk = pair_of(ro, i, init->keys[k]);

		if (pk >= 0 && init->items[k].type == TSN_JSTR &&
		    strcmp(init->items[k].str, "ok"))
			tsn_rollout_fail_pair(ro, (size_t)pk,
					      "CHILD_SA not established: ",
					      init->items[k].str);
	}
}

static int phase(struct tsn_rollout *ro, bool trap, bool initiate)
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
	for (size_t i = 0; i < n && ret == 0; i++)
		if (ro->in[i])
			ret = apply_request(ro, i, trap, initiate, &in[i]);
	if (ret == 0 && trap)
		ro->phase = "trapping";
	if (ret == 0)
		ret = tsn_rollout_run(ro, initiate ? "ipsec-initiate" :
				      "ipsec-apply", in, rep, why);
	/* a node's own failure explains its pairs' failures: name it first */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; ret == 0 && i < n; i++)
			if (ro->in[i])
				judge_apply(ro, i, &rep[i], why[i], pass);
	if (ret == 0 && ro->error[0])
		ret = -EPROTO;
out:
	for (size_t i = 0; in && i < n; i++) {
		tsn_buf_wipe(&in[i]);	/* it held keys */
		if (rep)
			tsn_jv_free(&rep[i]);
	}
	free(in);
	free(rep);
	free(why);
	return ret;
}

int tsn_rollout_apply(struct tsn_rollout *ro, bool trap)
{
	return phase(ro, trap, false);
}

int tsn_rollout_initiate(struct tsn_rollout *ro)
{
	return phase(ro, false, true);
}

/* The pair to blame for node i: the first failed one with i, else
 * i's first pair in this run; -1 when none. */
static long blame_pair(const struct tsn_rollout *ro, size_t i)
{
	long first = -1;

	for (size_t k = 0; k < ro->plan.n_pairs; k++) {
		const struct tsn_plan_pair *p = &ro->plan.pairs[k];

		if (!tsn_rollout_pair_in(ro, k) || (p->a != i && p->b != i) ||
		    !ro->res[k].up[p->a == i ? 0 : 1])
			continue;
		if (ro->res[k].why[0])
			return (long)k;
		if (first < 0)
			first = (long)k;
	}
	return first;
}

/* Before rolling back (which stops the charons tsnet started): is a
 * charon that was up gone?  Asked through the agent on each node. */
static void diagnose(struct tsn_rollout *ro)
{
	size_t n = ro->inv->n_nodes;
	struct tsn_jv *rep = calloc(n, sizeof(*rep));
	char (*why)[300] = calloc(n, sizeof(*why));
	long k;

	if (!rep || !why || tsn_rollout_run(ro, "ipsec-sas", NULL, rep,
					    why) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!ro->in[i] || !tsn_rollout_charon_down(&rep[i]) ||
		    (k = blame_pair(ro, i)) < 0)
			continue;
		ro->error[0] = '\0';	/* the cause, not its symptoms */
		tsn_rollout_fail_charon(ro, (size_t)k, i);
		break;
	}
out:
	for (size_t i = 0; rep && i < n; i++)
		tsn_jv_free(&rep[i]);
	free(rep);
	free(why);
}

void tsn_rollout_rollback(struct tsn_rollout *ro)
{
	size_t n = ro->inv->n_nodes, len;
	struct tsn_jv *rep = calloc(n, sizeof(*rep));
	char (*why)[300] = calloc(n, sizeof(*why));
	bool all = true;

	if (!tsn_interrupted)	/* a signal is the cause, not a charon */
		diagnose(ro);
	if (!rep || !why || tsn_rollout_run(ro, "ipsec-rollback", NULL, rep,
					    why) < 0) {
		len = strlen(ro->error);
		snprintf(ro->error + len, sizeof(ro->error) - len,
			 " (rollback could not run)");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *w = rep[i].type == TSN_JOBJ ?
				tsn_jv_getstr(&rep[i], "error") : why[i];
		bool ok = false;

		if (!ro->in[i])
			continue;
		tsn_jv_getbool(&rep[i], "ok", &ok);
		if (ok)
			continue;
		/* A node the error already named, for the same reason (it
		 * is unreachable), is named again without it. */
		len = strlen(ro->error);
		snprintf(ro->error + len, sizeof(ro->error) - len,
			 "%s %s%s%s", all ? " (rolled back except on" : ";",
			 ro->inv->nodes[i].name, w && !strstr(ro->error, w) ?
			 ": " : "", w && !strstr(ro->error, w) ? w : "");
		all = false;
	}
	len = strlen(ro->error);
	snprintf(ro->error + len, sizeof(ro->error) - len, "%s",
		 all ? " (rolled back on all nodes)" : ")");
out:
	for (size_t i = 0; rep && i < n; i++)
		tsn_jv_free(&rep[i]);
	free(rep);
	free(why);
}
