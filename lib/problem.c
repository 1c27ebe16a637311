/* problem.c - the problems of a report: a cause said once, with its
 * scope (the nodes and directed pairs it is on), where it is and what to
 * do, in the order to fix them.  lib/diag.c decides which findings share
 * a cause; this file only keeps and writes what it decided.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "output_int.h"

void tsn_problem_free(struct tsn_problem *p)
{
	for (size_t i = 0; i < p->n_nodes; i++)
		free(p->nodes[i]);
	for (size_t i = 0; i < p->n_pairs; i++) {
		free(p->pairs[i].from);
		free(p->pairs[i].to);
	}
	free(p->nodes);
	free(p->pairs);
	free(p->id);
	free(p->what);
	free(p->where);
	free(p->fix);
	memset(p, 0, sizeof(*p));
}

struct tsn_problem *tsn_report_problem_new(struct tsn_report *r,
					   const char *id,
					   enum tsn_status severity, int rank)
{
	struct tsn_problem *p;
	char *s = strdup(id ? id : "problem");

	p = s ? tsn_out_append(r->problems, r->n_problems, sizeof(*p)) : NULL;
	if (!p) {
		free(s);
		return NULL;
	}
	r->problems = p;
	p = &r->problems[r->n_problems++];
	p->id = s;
	p->severity = severity;
	p->rank = rank;
	return p;
}

int tsn_problem_text(struct tsn_problem *p, const char *where,
		     const char *fix, const char *what_fmt, ...)
{
	char *what, *w = tsn_strdup(where), *f = tsn_strdup(fix);
	va_list ap;

	va_start(ap, what_fmt);
	what = tsn_out_vfmt(what_fmt, ap);
	va_end(ap);
	if (!what || (where && !w) || (fix && !f)) {
		free(what);
		free(w);
		free(f);
		return -ENOMEM;
	}
	free(p->what);
	free(p->where);
	free(p->fix);
	p->what = what;
	p->where = w;
	p->fix = f;
	return 0;
}

int tsn_problem_node(struct tsn_problem *p, const char *node)
{
	char **n, *s;

	for (size_t i = 0; i < p->n_nodes; i++)
		if (!strcmp(p->nodes[i], node))
			return 0;
	s = strdup(node);
	n = s ? tsn_out_append(p->nodes, p->n_nodes, sizeof(*n)) : NULL;
	if (!n) {
		free(s);
		return -ENOMEM;
	}
	p->nodes = n;
	p->nodes[p->n_nodes++] = s;
	return 0;
}

int tsn_problem_pair(struct tsn_problem *p, const char *from, const char *to)
{
	struct tsn_problem_pair *n;
	char *f, *t;

	for (size_t i = 0; i < p->n_pairs; i++)
		if (!strcmp(p->pairs[i].from, from) &&
		    !strcmp(p->pairs[i].to, to))
			return 0;
	f = strdup(from);
	t = strdup(to);
	n = f && t ? tsn_out_append(p->pairs, p->n_pairs, sizeof(*n)) : NULL;
	if (!n) {
		free(f);
		free(t);
		return -ENOMEM;
	}
	p->pairs = n;
	p->pairs[p->n_pairs++] = (struct tsn_problem_pair){ f, t };
	return 0;
}

int tsn_report_problem(struct tsn_report *r, const char *fix,
		       const char *what_fmt, ...)
{
	struct tsn_problem *p = tsn_report_problem_new(r, NULL, TSN_ST_FAIL,
						       0);
	char *what;
	va_list ap;
	int ret;

	if (!p)
		return -ENOMEM;
	va_start(ap, what_fmt);
	what = tsn_out_vfmt(what_fmt, ap);
	va_end(ap);
	ret = what ? tsn_problem_text(p, NULL, fix, "%s", what) : -ENOMEM;
	free(what);
	return ret;
}

/* A cause that explains other problems (firewalld or iptables-legacy
 * rules shadowing nftables, a route by another interface, another
 * setup's IPsec policy): what it explains goes away with its fix, so it
 * is read first even when it is only a warning. */
static bool explains_others(const char *id)
{
	static const char *const causes[] = {
		"firewalld", "iptables-legacy", "route", "xfrm.foreign",
	};

	for (size_t i = 0; id && i < ARRAY_SIZE(causes); i++)
		if (!strcmp(id, causes[i]))
			return true;
	return false;
}

/* A fail (or a cause that explains others) before a warning; then the
 * rank, where causes come before what they explain; then the wider
 * scope, which usually explains the narrower ones. */
static int cmp(const struct tsn_problem *a, const struct tsn_problem *b)
{
	int sa = a->severity == TSN_ST_FAIL || explains_others(a->id) ? 0 : 1;
	int sb = b->severity == TSN_ST_FAIL || explains_others(b->id) ? 0 : 1;
	size_t wa = a->n_pairs + a->n_nodes, wb = b->n_pairs + b->n_nodes;

	if (sa != sb)
		return sa - sb;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return wa == wb ? 0 : wa > wb ? -1 : 1;
}

/* Insertion sort: stable, and a report holds tens of problems. */
void tsn_report_sort_problems(struct tsn_report *r)
{
	for (size_t i = 1; i < r->n_problems; i++) {
		struct tsn_problem x = r->problems[i];
		size_t k = i;

		for (; k > 0 && cmp(&r->problems[k - 1], &x) > 0; k--)
			r->problems[k] = r->problems[k - 1];
		r->problems[k] = x;
	}
}

static void problem_json(const struct tsn_problem *p, struct tsn_json *j)
{
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "id", p->id);
	tsn_json_kstr(j, "severity", tsn_status_name(p->severity));
	tsn_json_key(j, "scope");
	tsn_json_obj_begin(j);
	tsn_json_key(j, "nodes");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < p->n_nodes; i++)
		tsn_json_str(j, p->nodes[i]);
	tsn_json_arr_end(j);
	tsn_json_key(j, "pairs");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < p->n_pairs; i++) {
		tsn_json_obj_begin(j);
		tsn_json_kstr(j, "from", p->pairs[i].from);
		tsn_json_kstr(j, "to", p->pairs[i].to);
		tsn_json_obj_end(j);
	}
	tsn_json_arr_end(j);
	tsn_json_obj_end(j);
	tsn_json_kstr(j, "what", p->what);
	tsn_json_kstr(j, "where", p->where);
	tsn_json_kstr(j, "fix", p->fix);
	tsn_json_obj_end(j);
}

void tsn_problems_json_member(const struct tsn_report *r, struct tsn_json *j)
{
	tsn_json_key(j, "problems");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < r->n_problems; i++)
		problem_json(&r->problems[i], j);
	tsn_json_arr_end(j);
}
