/* status_cmd.c - `tsnet status`: where IPsec stands on every node.
 *
 * Runs `agent ipsec-state` (tsnet's record, drift, what charon holds) and
 * `agent ipsec-sas` (the SAs) on every node in parallel, then judges the
 * cluster: every node holds the same plan hash (the check operators do by
 * hand on ipsec.conf and ipsec.secrets), no file changed since tsnet
 * wrote it, and every inventory pair has an INSTALLED transport-mode
 * AES-GCM CHILD_SA on both sides.  A node that does not answer is
 * reported and the others complete.  status_print.c renders the result.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "enable/conf.h"
#include "enable/status.h"
#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/transport.h"
#include "lib/util.h"

static const char synopsis[] = "[--timeout SECONDS]";

int tsn_st_line(struct tsn_st *s, bool note, const char *fmt, ...)
{
	char ***lines = note ? &s->notes : &s->problems;
	size_t *n = note ? &s->n_notes : &s->n_problems;
	struct tsn_buf b = { 0 };
	char **p;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = tsn_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	p = realloc(*lines, (*n + 1) * sizeof(*p));
	if (ret < 0 || !p) {
		tsn_buf_free(&b);
		if (p)
			*lines = p;
		return -ENOMEM;
	}
	*lines = p;
	p[(*n)++] = b.p;
	return 0;
}

#define problem(s, ...) tsn_st_line(s, false, __VA_ARGS__)

bool tsn_sa_v6(const struct tsn_jv *sa)
{
	return tsn_streq(tsn_jv_getstr(sa, "over"), "address6");
}

const struct tsn_jv *tsn_st_sa(const struct tsn_st_node *a, const char *peer,
			       bool v6)
{
	const struct tsn_jv *sas = tsn_jv_get(&a->sas, "sas");
	const struct tsn_jv *best = NULL;

	/* Prefer an INSTALLED child: charon may list a rekeyed or
	 * half-open SA of the same connection next to it. */
	for (size_t i = 0; sas && sas->type == TSN_JARR && i < sas->n; i++) {
		const struct tsn_jv *sa = &sas->items[i];

		if (!tsn_streq(tsn_jv_getstr(sa, "peer"), peer) ||
		    tsn_sa_v6(sa) != v6)
			continue;
		if (tsn_streq(tsn_jv_getstr(sa, "child_state"), "INSTALLED"))
			return sa;
		if (!best)
			best = sa;
	}
	return best;
}

const char *tsn_st_pair_name(enum tsn_st_pair_state s)
{
	static const char *const names[] = {
		[TSN_PAIR_OK] = "ok",
		[TSN_PAIR_MISSING] = "missing",
		[TSN_PAIR_ONE_SIDED] = "one-sided",
		[TSN_PAIR_WRONG] = "wrong",
		[TSN_PAIR_DISABLED] = "not-enabled",
		[TSN_PAIR_UNKNOWN] = "unknown",
	};

	return names[s];
}

/* A job that never reached its node, or never came back from it. */
static bool lost(const struct tsn_job *job)
{
	return job->state == TSN_JOB_UNREACHABLE ||
	       job->state == TSN_JOB_TIMEOUT;
}

/* Parse one job's reply into v; on failure *error says why and the
 * return is 1. */
static int take_reply(const struct tsn_job *job, struct tsn_jv *v,
		      const char *action, char **error)
{
	char why[512], err[160] = "not an object";

	if (job->state != TSN_JOB_DONE || job->exit_status != 0) {
		tsn_job_reason(job, why, sizeof(why));
	} else if (tsn_json_parse(job->out.p ? job->out.p : "", job->out.len,
				  v, err, sizeof(err)) < 0 ||
		   v->type != TSN_JOBJ) {
		snprintf(why, sizeof(why), "bad reply from agent %s: %s",
			 action, err);
	} else {
		return 0;
	}
	*error = tsn_strdup(why);
	return *error ? 1 : -ENOMEM;
}

int tsn_st_take(struct tsn_st_node *sn, const struct tsn_job *job)
{
	int ret;

	/* Unreachable only when ipsec-state, the first question, was
	 * lost: a later one that times out had a node that answered, and
	 * only what that one reads is unknown. */
	sn->reachable = !lost(&job[0]);
	ret = take_reply(&job[0], &sn->st, "ipsec-state", &sn->error);
	if (ret == 0)
		ret = take_reply(&job[1], &sn->sas, "ipsec-sas",
				 &sn->sas_error);
	if (ret >= 0 && sn->reachable) {
		ret = take_reply(&job[2], &sn->xf, "xfrm-state",
				 &sn->xf_error);
		sn->xf_late = job[2].state == TSN_JOB_TIMEOUT;
	}
	if (ret > 0)
		ret = 0;
	if (ret == 0 && !sn->error) {
		sn->rec = tsn_jv_get(&sn->st, "state");
		if (sn->rec && sn->rec->type != TSN_JOBJ)
			sn->rec = NULL;
	}
	return ret;
}

static int gather(struct tsn_st *s, unsigned timeout)
{
	static const char *const state[] = { "agent", "ipsec-state", NULL };
	static const char *const sas[] = { "agent", "ipsec-sas", NULL };
	static const char *const xf[] = { "agent", "xfrm-state", NULL };
	const struct tsn_inventory *inv = s->inv;
	struct tsn_run_opts opts = { .timeout = timeout };
	struct tsn_job *jobs;
	size_t n = inv->n_nodes;
	int ret;

	jobs = calloc(3 * n + 1, sizeof(*jobs));
	if (!jobs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		jobs[3 * i].node = jobs[3 * i + 1].node = &inv->nodes[i];
		jobs[3 * i + 2].node = &inv->nodes[i];
		jobs[3 * i].argv = state;
		jobs[3 * i + 1].argv = sas;
		jobs[3 * i + 2].argv = xf;
	}
	ret = tsn_run(inv, jobs, 3 * n, &opts);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		s->nodes[i].node = &inv->nodes[i];
		ret = tsn_st_take(&s->nodes[i], &jobs[3 * i]);
	}
	for (size_t i = 0; i < 3 * n; i++)
		tsn_job_free(&jobs[i]);
	free(jobs);
	return ret;
}

/* Installed, transport mode, AES-GCM: what enable-ipsec promises. */
static bool sa_good(const struct tsn_jv *sa, char *why, size_t len)
{
	const char *mode = tsn_jv_getstr(sa, "mode");
	const char *alg = tsn_jv_getstr(sa, "encr_alg");

	if (!tsn_streq(mode, "TRANSPORT")) {
		snprintf(why, len, "mode %s, not TRANSPORT", mode ? mode : "?");
		return false;
	}
	if (!alg || strncmp(alg, "AES_GCM", 7)) {
		snprintf(why, len, "cipher %s, not AES_GCM", alg ? alg : "?");
		return false;
	}
	return true;
}

static bool installed(const struct tsn_jv *sa)
{
	return sa && tsn_streq(tsn_jv_getstr(sa, "child_state"), "INSTALLED");
}

/* One family's SAs of pair p: its state and detail. */
static void judge_family(const struct tsn_st *s, struct tsn_st_pair *p,
			 bool v6)
{
	const struct tsn_st_node *a = &s->nodes[p->a], *b = &s->nodes[p->b];
	const struct tsn_jv *sa_ab = tsn_st_sa(a, b->node->name, v6);
	const struct tsn_jv *sa_ba = tsn_st_sa(b, a->node->name, v6);
	const char *fam = v6 ? "IPv6: " : "";
	char why[96];

	if (!installed(sa_ab) && !installed(sa_ba)) {
		p->state = TSN_PAIR_MISSING;
		snprintf(p->detail, sizeof(p->detail), "%sno INSTALLED "
			 "CHILD_SA on either side", fam);
	} else if (!installed(sa_ab) || !installed(sa_ba)) {
		p->state = TSN_PAIR_ONE_SIDED;
		snprintf(p->detail, sizeof(p->detail), "%sINSTALLED only on "
			 "%s", fam, installed(sa_ab) ? a->node->name :
			 b->node->name);
	} else if (!sa_good(sa_ab, why, sizeof(why)) ||
		   !sa_good(sa_ba, why, sizeof(why))) {
		p->state = TSN_PAIR_WRONG;
		snprintf(p->detail, sizeof(p->detail), "%s%s", fam, why);
	} else {
		p->state = TSN_PAIR_OK;
	}
}

static void judge_pair(const struct tsn_st *s, struct tsn_st_pair *p)
{
	const struct tsn_st_node *a = &s->nodes[p->a], *b = &s->nodes[p->b];

	/* Unknown, and nothing more: the node's row says why, once. */
	if (a->error || b->error) {
		p->state = TSN_PAIR_UNKNOWN;
		return;
	}
	if (!a->rec || !b->rec) {
		p->state = TSN_PAIR_DISABLED;
		snprintf(p->detail, sizeof(p->detail), "%s is not enabled",
			 !a->rec ? a->node->name : b->node->name);
		return;
	}
	if (a->sas_error || b->sas_error) {
		p->state = TSN_PAIR_UNKNOWN;
		return;
	}
	/* a dual-stack pair is ok only when both connections are */
	judge_family(s, p, false);
	if (p->state == TSN_PAIR_OK && tsn_conf_dual(a->node, b->node))
		judge_family(s, p, true);
}

static const char *drift_words(const char *reason)
{
	if (tsn_streq(reason, "modified"))
		return "changed";
	if (tsn_streq(reason, "missing"))
		return "removed";
	if (tsn_streq(reason, "mode"))
		return "has another mode";
	return reason ? reason : "changed";
}

size_t tsn_st_planned(const struct tsn_jv *rec)
{
	const struct tsn_jv *peers = tsn_jv_get(rec, "peers");
	size_t n = 0;

	/* two for a dual-stack peer, whose record has its address6 */
	for (size_t i = 0; peers && peers->type == TSN_JARR && i < peers->n;
	     i++)
		n += tsn_jv_getstr(&peers->items[i], "address6") ? 2 : 1;
	return n;
}

static bool in_list(const struct tsn_jv *list, const char *s)
{
	for (size_t i = 0; list && list->type == TSN_JARR && i < list->n; i++)
		if (tsn_streq(list->items[i].str, s))
			return true;
	return false;
}

size_t tsn_st_loaded(const struct tsn_jv *rec, const struct tsn_jv *loaded)
{
	const struct tsn_jv *peers = tsn_jv_get(rec, "peers");
	char name[96];
	size_t n = 0;

	for (size_t i = 0; peers && peers->type == TSN_JARR && i < peers->n;
	     i++) {
		const char *peer = tsn_jv_getstr(&peers->items[i], "name");
		bool dual = tsn_jv_getstr(&peers->items[i], "address6");

		for (int v6 = 0; peer && v6 <= (int)dual; v6++)
			if (tsn_conf_conn_name(peer, v6, name,
					       sizeof(name)) == 0 &&
			    in_list(loaded, name))
				n++;
	}
	return n;
}

/* Enabled, so charon should run and hold one tsnet connection per
 * recorded peer and family. */
static int judge_charon(struct tsn_st *s, const struct tsn_st_node *n)
{
	size_t want = tsn_st_planned(n->rec);
	size_t have = tsn_st_loaded(n->rec, tsn_jv_get(&n->st, "loaded"));
	bool running = false;

	tsn_jv_getbool(&n->st, "running", &running);
	if (!running)
		return problem(s, "%s: charon is not running (repair: tsnet "
			       "enable-ipsec --node %s)", n->node->name,
			       n->node->name);
	if (have < want)
		return problem(s, "%s: charon holds %zu of its %zu tsnet "
			       "connections (repair: tsnet enable-ipsec "
			       "--node %s)", n->node->name, have, want,
			       n->node->name);
	return 0;
}

/* A record written by a rollout's first apply (loaded, no trap yet) and
 * never by its last: that rollout's coordinator died half-way. */
static int judge_unfinished(struct tsn_st *s, const struct tsn_st_node *n)
{
	bool trap = true;

	if (!tsn_jv_getbool(n->rec, "trap", &trap) || trap)
		return 0;
	return problem(s, "%s: a rollout stopped half-way here (connections "
		       "loaded, no trap policies: its tsnet was killed); "
		       "tsnet enable-ipsec finishes it", n->node->name);
}

static int judge_nodes(struct tsn_st *s)
{
	const char *first = NULL;
	int ret = 0;

	s->plan_consistent = true;
	for (size_t i = 0; i < s->inv->n_nodes && ret == 0; i++) {
		const struct tsn_st_node *n = &s->nodes[i];
		const struct tsn_jv *drift = tsn_jv_get(&n->st, "drift");
		const char *hash = tsn_jv_getstr(n->rec, "plan_hash");

		/* A node that did not answer, or whose SAs could not be
		 * read, is named once with why: in its row (exit 3). */
		if (n->error)
			continue;
		if (!n->rec && s->inv->n_nodes < 2)
			continue;	/* judge() says why there are no pairs */
		if (!n->rec) {
			ret = problem(s, "%s: IPsec not enabled by tsnet "
				      "(tsnet enable-ipsec)", n->node->name);
			continue;
		}
		if (!n->sas_error)
			ret = judge_charon(s, n);
		if (ret == 0)
			ret = judge_unfinished(s, n);
		s->n_enabled++;
		if (hash && first && strcmp(hash, first))
			s->plan_consistent = false;
		if (hash && !first)
			first = hash;
		for (size_t k = 0; drift && drift->type == TSN_JARR &&
				   k < drift->n && ret == 0; k++)
			ret = problem(s, "%s: drift: %s %s since tsnet wrote "
				      "it (repair: tsnet enable-ipsec --node "
				      "%s)", n->node->name,
				      tsn_jv_getstr(&drift->items[k], "path"),
				      drift_words(tsn_jv_getstr(
					      &drift->items[k], "reason")),
				      n->node->name);
	}
	if (ret == 0 && !s->plan_consistent)
		ret = problem(s, "the nodes hold different plans (plan hash "
			      "differs; re-run tsnet enable-ipsec)");
	return ret;
}

static int judge(struct tsn_st *s)
{
	size_t n = s->inv->n_nodes, k = 0;
	int ret;

	s->n_pairs = n * (n - 1) / 2;
	s->pairs = calloc(s->n_pairs + 1, sizeof(*s->pairs));
	if (!s->pairs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			s->pairs[k].a = i;
			s->pairs[k].b = j;
			judge_pair(s, &s->pairs[k++]);
		}
	ret = judge_nodes(s);
	if (ret == 0)
		ret = tsn_status_xfrm(s);
	/* nothing to check is not a pass: IPsec is between pairs */
	if (ret == 0 && n < 2)
		ret = problem(s, "%s: no pair to check: it is the cluster's "
			      "only node, and IPsec is between pairs (tsnet "
			      "node add adds a node)", s->inv->nodes[0].name);
	for (size_t i = 0; ret == 0 && i < s->n_pairs; i++) {
		const struct tsn_st_pair *p = &s->pairs[i];

		if (p->state == TSN_PAIR_MISSING ||
		    p->state == TSN_PAIR_ONE_SIDED ||
		    p->state == TSN_PAIR_WRONG)
			ret = problem(s, "pair %s-%s: %s: %s",
				      s->inv->nodes[p->a].name,
				      s->inv->nodes[p->b].name,
				      tsn_st_pair_name(p->state), p->detail);
	}
	s->exit = tsn_st_exit(s);
	return ret;
}

int tsn_st_exit(const struct tsn_st *s)
{
	/* what could not be read is a runtime failure, not a finding */
	for (size_t i = 0; i < s->inv->n_nodes; i++)
		if (s->nodes[i].error || s->nodes[i].xf_error ||
		    (s->nodes[i].rec && s->nodes[i].sas_error))
			return TSN_EXIT_RUNTIME;
	return s->n_problems ? TSN_EXIT_PROBLEM : TSN_EXIT_OK;
}

static void status_free(struct tsn_st *s)
{
	for (size_t i = 0; s->nodes && i < s->inv->n_nodes; i++) {
		tsn_jv_free(&s->nodes[i].st);
		tsn_jv_free(&s->nodes[i].sas);
		tsn_jv_free(&s->nodes[i].xf);
		free(s->nodes[i].error);
		free(s->nodes[i].sas_error);
		free(s->nodes[i].xf_error);
	}
	for (size_t i = 0; i < s->n_problems; i++)
		free(s->problems[i]);
	free(s->problems);
	for (size_t i = 0; i < s->n_notes; i++)
		free(s->notes[i]);
	free(s->notes);
	free(s->nodes);
	free(s->pairs);
}

static int run_status(struct tsn_ctx *ctx, const struct tsn_inventory *inv,
		      unsigned timeout)
{
	struct tsn_st s = { .inv = inv };
	int ret, rc = TSN_EXIT_RUNTIME;

	s.nodes = calloc(inv->n_nodes + 1, sizeof(*s.nodes));
	ret = s.nodes ? gather(&s, timeout) : -ENOMEM;
	if (ret == 0)
		ret = judge(&s);
	if (ret == 0 && ctx->json && (ret = tsn_status_json(&s, stdout)) == 0)
		tsn_result_printed();
	else if (ret == 0)
		tsn_status_table(&s, stdout, ctx->tty);
	if (ret == 0 && fflush(stdout) == EOF)
		ret = -errno;
	if (ret == 0)
		rc = s.exit;
	else
		tsn_err(ctx->cmd, "%s", strerror(-ret));
	status_free(&s);
	return rc;
}

int status_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	enum { OPT_TIMEOUT = 0x2000 };
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	struct tsn_inventory inv;
	unsigned timeout = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (opt == 'h')
			return tsn_usage(ctx, synopsis);
		if (opt == OPT_TIMEOUT) {
			if (tsn_parse_uint(optarg, 1, 86400, &timeout) < 0) {
				tsn_err(ctx->cmd, "--timeout '%s': a number of "
					"seconds from 1 to 86400", optarg);
				return TSN_EXIT_USAGE;
			}
		} else if (tsn_global_opt(ctx, opt, optarg) < 0) {
			return tsn_opt_error(ctx->cmd, argv, opt);
		}
	}
	if (optind < argc)
		return tsn_usage_error(ctx->cmd, "unexpected argument '%s'",
				       argv[optind]);
	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	rc = run_status(ctx, &inv, timeout);
	tsn_inventory_free(&inv);
	return rc;
}
