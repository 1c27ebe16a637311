/* encap_probe.c - the verdicts encap.c decides from: one probe mesh
 * (probe/'s `agent probe-window` on every node at once, merged by
 * tsn_probe_merge) over the pairs this run configures for the first
 * time.
 *
 * A pair that is already enabled is not probed: its policies would carry
 * the probes (the raw ESP probe inside the pair's own SA, the UDP ones
 * too), so the probe would report the SA, not the path; such a pair keeps
 * the encapsulation its nodes' records hold.  Where charon holds UDP 500
 * and 4500 but the pair is new, the probe sends from ephemeral ports and
 * sees arrivals with libpcap and charon's answers (probe/listen.c), so
 * its verdicts still hold.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/encap.h"
#include "enable/node.h"
#include "lib/transport.h"
#include "lib/util.h"
#include "probe/probe.h"

/* The pairs to probe: probe[k] for plan pair k. */
struct wanted_pairs {
	const struct tsn_plan *plan;
	const bool *probe;
};

/* Is the pair of inventory nodes i and j one to probe? */
static bool wanted(const void *arg, size_t i, size_t j)
{
	const struct wanted_pairs *w = arg;

	for (size_t k = 0; k < w->plan->n_pairs; k++)
		if (w->probe[k] && ((w->plan->pairs[k].a == i &&
				     w->plan->pairs[k].b == j) ||
				    (w->plan->pairs[k].a == j &&
				     w->plan->pairs[k].b == i)))
			return true;
	return false;
}

/* The members: every node of a pair to probe, at its pair address. */
static int mesh_init(struct tsn_probe_mesh *m,
		     const struct tsn_inventory *inv,
		     const struct wanted_pairs *w)
{
	size_t nn = inv->n_nodes, n = 0;
	bool *member = calloc(nn + 1, sizeof(*member));
	int ret;

	if (!member)
		return -ENOMEM;
	for (size_t k = 0; k < w->plan->n_pairs; k++)
		if (w->probe[k])
			member[w->plan->pairs[k].a] =
				member[w->plan->pairs[k].b] = true;
	for (size_t i = 0; i < nn; i++)
		n += member[i];
	ret = tsn_probe_mesh_alloc(m, inv, n);
	for (size_t i = 0, k = 0; i < nn && ret == 0; i++) {
		char a[64];

		if (!member[i])
			continue;
		m->nodes[k] = &inv->nodes[i];
		ret = tsn_ip_addr_parse(tsn_addr_str(&inv->nodes[i].addr, a,
						     sizeof(a)),
					&m->res[k].addr);
		k++;
	}
	free(member);
	return ret;
}

/* The verdicts of every pair to probe, both ways, into r. */
static int probe_pairs(const struct tsn_encap_run *er, const bool *probe,
		       struct tsn_report *r)
{
	const struct tsn_inventory *inv = er->plan->inv;
	struct wanted_pairs w = { .plan = er->plan, .probe = probe };
	struct tsn_probe_mesh m = {
		.window = er->window,
		.what = "enable-ipsec: probing", .peer = wanted, .peer_arg = &w,
	};
	int ret = mesh_init(&m, inv, &w);

	if (ret == 0 && m.n >= 2)
		ret = tsn_probe_mesh_run(&m, er->ctx && er->ctx->err_tty &&
					 !tsn_quiet);
	for (size_t k = 0; ret == 0 && m.n >= 2 && k < er->plan->n_pairs;
	     k++) {
		const char *a = inv->nodes[er->plan->pairs[k].a].name;
		const char *b = inv->nodes[er->plan->pairs[k].b].name;

		if (!probe[k])
			continue;
		ret = tsn_probe_merge(r, m.res, m.n, a, b);
		if (ret == 0)
			ret = tsn_probe_merge(r, m.res, m.n, b, a);
	}
	tsn_probe_mesh_free(&m);
	return ret;
}

static const struct tsn_pair_report *pair_of(const struct tsn_report *r,
					      const char *from, const char *to)
{
	for (size_t i = 0; i < r->n_pairs; i++)
		if (tsn_streq(r->pairs[i].from, from) &&
		    tsn_streq(r->pairs[i].to, to))
			return &r->pairs[i];
	return NULL;
}

/* Pair k without a probe: kept from the records, or what the want says. */
static void unprobed(const struct tsn_encap_run *er, size_t k, int rec)
{
	struct tsn_encap_choice *c = &er->ch[k];

	memset(c, 0, sizeof(*c));
	if (er->want != TSN_EW_AUTO || rec < 0) {
		c->encap = er->want == TSN_EW_ALL;
		snprintf(c->why, sizeof(c->why), "%s%s", er->label,
			 er->want != TSN_EW_AUTO ? "" : er->probe ?
			 "; not probed" : "; not probed (--no-probe)");
		return;
	}
	c->encap = rec > 0;
	snprintf(c->why, sizeof(c->why), "kept: the pair was enabled before "
		 "(its SAs would carry the probe)");
}

int tsn_encap_choose(struct tsn_encap_run *er)
{
	const struct tsn_plan *plan = er->plan;
	bool *probe = calloc(plan->n_pairs + 1, sizeof(*probe));
	struct tsn_report r;
	size_t n_probe = 0;
	int ret = probe ? 0 : -ENOMEM;
	bool refused = false;

	tsn_report_init(&r, "probe");
	for (size_t k = 0; ret == 0 && k < plan->n_pairs; k++) {
		int rec = tsn_encap_recorded(plan->inv, er->recs,
					     plan->pairs[k].a,
					     plan->pairs[k].b);

		probe[k] = er->probe && rec < 0 && (!er->in || er->in[k]);
		n_probe += probe[k];
		unprobed(er, k, rec);
	}
	if (ret == 0 && n_probe)
		ret = probe_pairs(er, probe, &r);
	for (size_t k = 0; ret == 0 && k < plan->n_pairs; k++) {
		const char *a = plan->inv->nodes[plan->pairs[k].a].name;
		const char *b = plan->inv->nodes[plan->pairs[k].b].name;

		if (probe[k])
			tsn_encap_decide(pair_of(&r, a, b), pair_of(&r, b, a),
					 er->want, er->label, &er->ch[k]);
		refused = refused || er->ch[k].refuse;
		er->plan->pairs[k].encap = er->ch[k].encap;
	}
	if (ret == 0)
		ret = tsn_plan_rehash(er->plan);
	tsn_report_free(&r);
	free(probe);
	return ret < 0 ? ret : refused ? -EPROTO : 0;
}

static void take_state(struct tsn_jv *st, const struct tsn_jv **rec,
		       const struct tsn_job *job)
{
	char err[128];

	*rec = NULL;
	if (job->state != TSN_JOB_DONE || job->exit_status != 0 ||
	    tsn_json_parse(job->out.p ? job->out.p : "", job->out.len, st,
			   err, sizeof(err)) < 0)
		return;
	*rec = tsn_jv_get(st, "state");
	if (*rec && (*rec)->type != TSN_JOBJ)
		*rec = NULL;
}

int tsn_encap_survey(const struct tsn_inventory *inv, struct tsn_jv *states,
		     const struct tsn_jv **recs)
{
	static const char *const argv[] = { "agent", "ipsec-state", NULL };
	struct tsn_run_opts opts = { 0 };
	struct tsn_job *jobs = calloc(inv->n_nodes + 1, sizeof(*jobs));
	int ret = jobs ? 0 : -ENOMEM;

	for (size_t i = 0; ret == 0 && i < inv->n_nodes; i++) {
		jobs[i].node = &inv->nodes[i];
		jobs[i].argv = argv;
	}
	if (ret == 0)
		ret = tsn_run(inv, jobs, inv->n_nodes, &opts);
	for (size_t i = 0; jobs && i < inv->n_nodes; i++) {
		if (ret == 0)
			take_state(&states[i], &recs[i], &jobs[i]);
		tsn_job_free(&jobs[i]);
	}
	free(jobs);
	return ret;
}

int tsn_encap_node_change(struct tsn_ctx *ctx, struct tsn_plan *plan,
			  const struct tsn_jv *const *recs, long self,
			  char *refusal, size_t len)
{
	const struct tsn_inventory *inv = plan->inv;
	bool *in = calloc(plan->n_pairs + 1, sizeof(*in));
	struct tsn_encap_run er = {
		.ctx = ctx, .plan = plan, .probe = self >= 0, .recs = recs,
		.in = in, .ch = calloc(plan->n_pairs + 1, sizeof(*er.ch)),
	};
	int ret = in && er.ch ? 0 : -ENOMEM;

	if (ret == 0)	/* node add has no --encap: the inventory's only */
		tsn_encap_want_of(false, inv->cluster.encap, &er.want,
				  &er.label);
	for (size_t k = 0; ret == 0 && k < plan->n_pairs; k++)
		in[k] = self >= 0 && (plan->pairs[k].a == (size_t)self ||
				      plan->pairs[k].b == (size_t)self);
	if (ret == 0)
		ret = tsn_encap_choose(&er);
	for (size_t k = 0; (ret == 0 || ret == -EPROTO) && k < plan->n_pairs;
	     k++) {
		const struct tsn_plan_pair *p = &plan->pairs[k];
		const char *peer = inv->nodes[p->a == (size_t)self ? p->b :
					      p->a].name;

		if (!in[k] || er.ch[k].refuse)
			continue;
		tsn_node_say(inv->nodes[self].name, peer, "encap", "  pair "
			     "%s-%s: encap %s (%s)", inv->nodes[self].name,
			     peer, er.ch[k].encap ? "yes" : "no",
			     er.ch[k].why);
	}
	if (ret == -EPROTO)
		tsn_encap_refusal(plan, er.ch, refusal, len);
	free(in);
	free(er.ch);
	return ret;
}
