/* probe_est.c - where a probe passed only through a conntrack entry it
 * did not create (a real IKE or ESP flow), the packets prove nothing
 * about a new flow.  The node's own ruleset does: `tsnet agent nft-eval`
 * (preflight's evaluator, run as an agent action, so probe/ still uses
 * nothing but lib/) says what a new one would meet, and the verdict says
 * both: "passes as an established flow ...; a new one would be dropped
 * by inet filter input policy drop".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/transport.h"
#include "lib/util.h"
#include "probe/probe.h"

#define ARGS_FIXED 2		/* "agent", "nft-eval" */

/* Where pair from -> to's entry is: the node (index into the mesh), the
 * hook's direction there, and the other end. */
struct at {
	size_t node, other;
	const char *dir;
};

static size_t res_index(const struct tsn_probe_mesh *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (tsn_streq(m->res[i].name, name))
			return i;
	return m->n;
}

static bool locate(const struct tsn_probe_mesh *m,
		   const struct tsn_pair_report *p, const char *proto,
		   struct at *at)
{
	size_t a = res_index(m, p->from), b = res_index(m, p->to);
	bool est = false;

	if (a == m->n || b == m->n)
		return false;
	tsn_jv_getbool(tsn_probe_seen_of(m->res[b].reply, p->from, proto),
		       "established", &est);
	*at = est ? (struct at){ b, a, "in" } : (struct at){ a, b, "out" };
	return true;
}

/* One job per node that holds an entry: argv "agent nft-eval ADDR...". */
struct evals {
	struct tsn_job *jobs;
	char ***argv;		/* per node, NULL when not needed */
	char (*addr)[64];	/* per mesh node, its address as text */
	struct tsn_jv *replies;
	const char *opt;	/* an option before the peers, or NULL */
};

static int want(struct evals *e, size_t n, const struct at *at)
{
	char **v = e->argv[at->node];
	size_t k = ARGS_FIXED + (e->opt != NULL);

	if (!v) {
		v = calloc(n + ARGS_FIXED + 2, sizeof(*v));
		if (!v)
			return -ENOMEM;
		v[0] = (char *)"agent";
		v[1] = (char *)"nft-eval";
		v[2] = (char *)e->opt;	/* NULL: none */
		e->argv[at->node] = v;
	}
	while (v[k] && strcmp(v[k], e->addr[at->other]))
		k++;
	v[k] = e->addr[at->other];
	return 0;
}

static const struct tsn_jv *new_flow(const struct tsn_jv *reply,
				     const char *peer, const char *dir,
				     const char *proto)
{
	const struct tsn_jv *fl = tsn_jv_get(reply, "flows");

	for (size_t i = 0; fl && fl->type == TSN_JARR && i < fl->n; i++) {
		const struct tsn_jv *f = &fl->items[i];

		if (tsn_streq(tsn_jv_getstr(f, "peer"), peer) &&
		    tsn_streq(tsn_jv_getstr(f, "dir"), dir) &&
		    tsn_streq(tsn_jv_getstr(f, "proto"), proto))
			return tsn_jv_get(f, "new");
	}
	return NULL;
}

static int rewrite(struct tsn_pair_report *p, struct tsn_verdict *v,
		   const struct evals *e, const struct at *at)
{
	const struct tsn_jv *nf = new_flow(&e->replies[at->node],
					   e->addr[at->other], at->dir,
					   v->proto);
	const char *verdict = tsn_jv_getstr(nf, "verdict");
	const char *detail = tsn_jv_getstr(nf, "detail");
	char d[600], proto[16];
	bool accept = tsn_streq(verdict, "accept");

	snprintf(proto, sizeof(proto), "%s", v->proto);
	if (!verdict || !detail)
		snprintf(d, sizeof(d), "%s; what a new one would meet is "
			 "unknown (the ruleset could not be read there)",
			 v->detail);
	else if (accept || tsn_streq(verdict, "drop"))
		snprintf(d, sizeof(d), "%s; a new one would be %s", v->detail,
			 accept ? "accepted too" : detail);
	else
		snprintf(d, sizeof(d), "%s; a new one: %s", v->detail, detail);
	return tsn_pair_verdict(p, proto, accept ? "ok" :
				tsn_streq(verdict, "drop") ?
				"established-only" : "established", accept, d);
}

static void evals_free(struct evals *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (e->argv)
			free(e->argv[i]);
		if (e->jobs)
			tsn_job_free(&e->jobs[i]);
		if (e->replies)
			tsn_jv_free(&e->replies[i]);
	}
	free(e->argv);
	free(e->jobs);
	free(e->addr);
	free(e->replies);
}

/* One job, argv, address and reply a node (evals_free frees them, also
 * after a failure here). */
static int evals_init(struct evals *e, const struct tsn_probe_mesh *m)
{
	e->jobs = calloc(m->n + 1, sizeof(*e->jobs));
	e->argv = calloc(m->n + 1, sizeof(*e->argv));
	e->addr = calloc(m->n + 1, sizeof(*e->addr));
	e->replies = calloc(m->n + 1, sizeof(*e->replies));
	if (!e->jobs || !e->argv || !e->addr || !e->replies)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		tsn_ip_addr_str(&m->res[i].addr, e->addr[i],
				sizeof(e->addr[i]));
	return 0;
}

static int run_evals(const struct tsn_probe_mesh *m, struct evals *e)
{
	struct tsn_run_opts ro = { 0 };
	size_t k = 0;
	char err[128];
	int ret;

	for (size_t i = 0; i < m->n; i++) {
		if (!e->argv[i])
			continue;
		e->jobs[k].node = m->nodes[i];
		e->jobs[k].argv = (const char *const *)e->argv[i];
		k++;
	}
	if (!k)
		return 0;
	ret = tsn_run(m->inv, e->jobs, k, &ro);
	for (size_t i = 0, j = 0; !ret && i < m->n; i++) {
		if (!e->argv[i])
			continue;
		if (e->jobs[j].state == TSN_JOB_DONE &&
		    e->jobs[j].exit_status == 0 && e->jobs[j].out.p)
			tsn_json_parse(e->jobs[j].out.p, e->jobs[j].out.len,
				       &e->replies[i], err, sizeof(err));
		j++;
	}
	return ret;
}

int tsn_probe_new_flows(struct tsn_report *r, const struct tsn_probe_mesh *m)
{
	struct evals e = { 0 };
	struct at at;
	int ret = -ENOMEM;

	if (evals_init(&e, m) < 0)
		goto out;
	ret = 0;
	for (size_t i = 0; i < r->n_pairs && !ret; i++)
		for (size_t k = 0; k < r->pairs[i].n && !ret; k++)
			if (!strcmp(r->pairs[i].v[k].verdict, "established") &&
			    locate(m, &r->pairs[i], r->pairs[i].v[k].proto, &at))
				ret = want(&e, m->n, &at);
	if (!ret)
		ret = run_evals(m, &e);
	for (size_t i = 0; i < r->n_pairs && !ret; i++)
		for (size_t k = 0; k < r->pairs[i].n && !ret; k++)
			if (!strcmp(r->pairs[i].v[k].verdict, "established") &&
			    locate(m, &r->pairs[i], r->pairs[i].v[k].proto, &at))
				ret = rewrite(&r->pairs[i], &r->pairs[i].v[k],
					      &e, &at);
out:
	evals_free(&e, m->n);
	return ret;
}

/* The evaluator's flow at node i for d, where its new-flow verdict is
 * the drop by d's rule: its text as `nft -a list ruleset` prints it. */
static const char *eval_text(const struct evals *e, size_t i,
			     const struct tsn_diag_drop *d, const char *addr)
{
	const struct tsn_jv *f = tsn_jv_get(&e->replies[i], "flows");

	for (size_t k = 0; f && f->type == TSN_JARR && k < f->n; k++) {
		const struct tsn_jv *x = &f->items[k];
		const struct tsn_jv *nv = tsn_jv_get(x, "new");
		double h = -1;	/* per flow: one without a handle has none */

		if (!tsn_streq(tsn_jv_getstr(x, "peer"), addr) ||
		    !tsn_streq(tsn_jv_getstr(x, "dir"), d->out ? "out" : "in") ||
		    !tsn_streq(tsn_jv_getstr(x, "proto"), d->proto))
			continue;
		tsn_jv_getnum(nv, "handle", &h);
		if (tsn_streq(tsn_jv_getstr(nv, "table"), d->table) &&
		    tsn_streq(tsn_jv_getstr(nv, "chain"), d->chain) &&
		    h == (double)d->handle)
			return tsn_jv_getstr(x, "rule");
	}
	return NULL;
}

/* The node and peer of a drop as mesh indexes; false: not in the mesh,
 * or no rule to name (unknown, or a chain's policy). */
static bool drop_at(const struct tsn_probe_mesh *m,
		    const struct tsn_diag_drop *d, struct at *at)
{
	*at = (struct at){ res_index(m, d->node), res_index(m, d->peer),
			   d->out ? "out" : "in" };
	return d->table && !d->policy && !d->text && at->node < m->n &&
	       at->other < m->n;
}

int tsn_probe_rule_texts(const struct tsn_probe_mesh *m,
			 struct tsn_diag_set *set)
{
	struct tsn_diag_set out = { 0 };
	struct evals e = { .opt = "--rule-text" };
	struct at at;
	int ret = -ENOMEM;

	if (evals_init(&e, m) < 0)
		goto done;
	ret = 0;
	for (size_t i = 0; i < set->n_drops && !ret; i++)
		if (drop_at(m, &set->drops[i], &at))
			ret = want(&e, m->n, &at);
	if (!ret)
		ret = run_evals(m, &e);
	for (size_t i = 0; i < set->n_drops && !ret; i++) {
		struct tsn_diag_drop d = set->drops[i];

		if (drop_at(m, &d, &at))
			d.text = eval_text(&e, at.node, &d, e.addr[at.other]);
		ret = tsn_diag_set_drop(&out, &d);
	}
	if (!ret) {
		tsn_diag_set_free(set);
		*set = out;
		out = (struct tsn_diag_set){ 0 };
	}
done:
	tsn_diag_set_free(&out);
	evals_free(&e, m->n);
	return ret;
}

int tsn_probe_pairs(struct tsn_report *r, const struct tsn_probe_mesh *m,
		    const char *from, const char *to)
{
	int ret = tsn_probe_merge(r, m->res, m->n, from, to);

	if (!ret)
		ret = tsn_probe_new_flows(r, m);
	return ret;
}
