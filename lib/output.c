/* output.c - the result model every command reports through: nodes and
 * their checks, verdicts per directed pair, problems; the exit code they
 * add up to; the report as --json; and a node's checks to and from the
 * JSON an agent prints.  The text rendering is in table.c.
 *
 * The JSON writer escapes whatever text agents on other nodes sent, so
 * nothing here cleans it; table.c cleans it for the terminal instead.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "output_int.h"

static const char *const status_names[] = {
	[TSN_ST_OK] = "ok",
	[TSN_ST_WARN] = "warn",
	[TSN_ST_FAIL] = "fail",
	[TSN_ST_SKIP] = "skip",
};

const char *tsn_status_name(enum tsn_status s)
{
	if ((unsigned)s >= ARRAY_SIZE(status_names))
		return "?";
	return status_names[s];
}

int tsn_status_parse(const char *s, enum tsn_status *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(status_names); i++) {
		if (tsn_streq(s, status_names[i])) {
			*out = (enum tsn_status)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Shared with table.c through output_int.h. */
char *tsn_out_vfmt(const char *fmt, va_list ap)
{
	struct tsn_buf b = { 0 };

	if (!fmt)
		return strdup("");
	if (tsn_buf_vprintf(&b, fmt, ap) < 0 ||
	    (!b.p && tsn_buf_add(&b, "", 0) < 0)) {
		tsn_buf_free(&b);
		return NULL;
	}
	return b.p;
}

/* Room for one more zeroed element at the end of arr. */
void *tsn_out_append(void *arr, size_t n, size_t size)
{
	char *p;

	if (n >= SIZE_MAX / size - 1)
		return NULL;
	p = realloc(arr, (n + 1) * size);
	if (p)
		memset(p + n * size, 0, size);
	return p;
}

void tsn_report_init(struct tsn_report *r, const char *command)
{
	memset(r, 0, sizeof(*r));
	r->command = tsn_strdup(command);
}

static void check_free(struct tsn_check *c)
{
	free(c->id);
	free(c->detail);
	free(c->fix);
}

static void verdict_free(struct tsn_verdict *v)
{
	free(v->proto);
	free(v->verdict);
	free(v->detail);
}

void tsn_report_free(struct tsn_report *r)
{
	for (size_t i = 0; i < r->n_nodes; i++) {
		struct tsn_node_report *n = &r->nodes[i];

		for (size_t c = 0; c < n->n_checks; c++)
			check_free(&n->checks[c]);
		free(n->checks);
		free(n->node);
		free(n->error);
	}
	for (size_t i = 0; i < r->n_pairs; i++) {
		for (size_t v = 0; v < r->pairs[i].n; v++)
			verdict_free(&r->pairs[i].v[v]);
		free(r->pairs[i].from);
		free(r->pairs[i].to);
	}
	for (size_t i = 0; i < r->n_problems; i++)
		tsn_problem_free(&r->problems[i]);
	free(r->nodes);
	free(r->pairs);
	free(r->problems);
	free(r->command);
	memset(r, 0, sizeof(*r));
}

/* The node's entry, added when new, so several steps can add checks to
 * the same node. */
struct tsn_node_report *tsn_report_node(struct tsn_report *r,
					const char *node)
{
	struct tsn_node_report *p;
	char *name;

	if (!node)
		return NULL;
	for (size_t i = 0; i < r->n_nodes; i++)
		if (!strcmp(r->nodes[i].node, node))
			return &r->nodes[i];
	name = strdup(node);
	p = name ? tsn_out_append(r->nodes, r->n_nodes, sizeof(*p)) : NULL;
	if (!p) {
		free(name);
		return NULL;
	}
	r->nodes = p;
	p = &r->nodes[r->n_nodes++];
	p->node = name;
	return p;
}

int tsn_node_check(struct tsn_node_report *n, const char *id,
		   enum tsn_status st, const char *fix,
		   const char *detail_fmt, ...)
{
	struct tsn_check c = { .status = st }, *p;
	va_list ap;

	if (!n || !id || (unsigned)st >= ARRAY_SIZE(status_names))
		return -EINVAL;
	va_start(ap, detail_fmt);
	c.detail = tsn_out_vfmt(detail_fmt, ap);
	va_end(ap);
	c.id = strdup(id);
	c.fix = tsn_strdup(fix);
	p = tsn_out_append(n->checks, n->n_checks, sizeof(*p));
	if (!c.detail || !c.id || (fix && !c.fix) || !p) {
		check_free(&c);
		if (p)
			n->checks = p;
		return -ENOMEM;
	}
	n->checks = p;
	n->checks[n->n_checks++] = c;
	return 0;
}

int tsn_node_error(struct tsn_node_report *n, bool unreachable,
		   const char *fmt, ...)
{
	va_list ap;
	char *e;

	if (!n)
		return -EINVAL;
	va_start(ap, fmt);
	e = tsn_out_vfmt(fmt, ap);
	va_end(ap);
	if (!e)
		return -ENOMEM;
	free(n->error);
	n->error = e;
	n->unreachable = n->unreachable || unreachable;
	return 0;
}

struct tsn_pair_report *tsn_report_pair(struct tsn_report *r,
					const char *from, const char *to)
{
	struct tsn_pair_report *p;
	char *f, *t;

	if (!from || !to)
		return NULL;
	for (size_t i = 0; i < r->n_pairs; i++)
		if (!strcmp(r->pairs[i].from, from) &&
		    !strcmp(r->pairs[i].to, to))
			return &r->pairs[i];
	f = strdup(from);
	t = strdup(to);
	p = f && t ? tsn_out_append(r->pairs, r->n_pairs, sizeof(*p)) : NULL;
	if (!p) {
		free(f);
		free(t);
		return NULL;
	}
	r->pairs = p;
	p = &r->pairs[r->n_pairs++];
	p->from = f;
	p->to = t;
	return p;
}

/* A second verdict for the same protocol replaces the first.  The
 * protocol becomes a JSON key next to "from" and "to", so those two
 * names are refused. */
int tsn_pair_verdict(struct tsn_pair_report *p, const char *proto,
		     const char *verdict, bool good, const char *detail)
{
	struct tsn_verdict v = { .good = good };
	size_t i;

	if (!p || !proto || !*proto || !verdict || !strcmp(proto, "from") ||
	    !strcmp(proto, "to"))
		return -EINVAL;
	for (i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].proto, proto))
			break;
	if (i == TSN_VERDICTS_MAX)
		return -ENOSPC;
	v.proto = strdup(proto);
	v.verdict = strdup(verdict);
	v.detail = tsn_strdup(detail);
	if (!v.proto || !v.verdict || (detail && !v.detail)) {
		verdict_free(&v);
		return -ENOMEM;
	}
	if (i < p->n)
		verdict_free(&p->v[i]);
	else
		p->n++;
	p->v[i] = v;
	return 0;
}

bool tsn_report_node_failed(const struct tsn_report *r, const char *node)
{
	for (size_t i = 0; node && i < r->n_nodes; i++)
		if (!strcmp(r->nodes[i].node, node))
			return r->nodes[i].error || r->nodes[i].unreachable;
	return false;
}

int tsn_report_exit_code(const struct tsn_report *r)
{
	bool problem = false;

	for (size_t i = 0; i < r->n_nodes; i++) {
		const struct tsn_node_report *n = &r->nodes[i];

		if (n->error || n->unreachable)
			return TSN_EXIT_RUNTIME;
		for (size_t c = 0; c < n->n_checks; c++)
			if (n->checks[c].status == TSN_ST_FAIL)
				problem = true;
	}
	for (size_t i = 0; i < r->n_pairs; i++)
		for (size_t v = 0; v < r->pairs[i].n; v++)
			if (!r->pairs[i].v[v].good)
				problem = true;
	/* a problem alone does not fail, unless it says so: a cause found
	 * from verdicts that pass (fragments lost where small packets get
	 * through, several nodes behind one NAT address) */
	for (size_t i = 0; i < r->n_problems; i++)
		if (r->problems[i].fails)
			problem = true;
	return problem ? TSN_EXIT_PROBLEM : TSN_EXIT_OK;
}

/* ---- JSON ---- */

static void check_json(const struct tsn_check *c, struct tsn_json *j)
{
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "id", c->id);
	tsn_json_kstr(j, "status", tsn_status_name(c->status));
	tsn_json_kstr(j, "detail", c->detail);
	tsn_json_kstr(j, "fix", c->fix);
	tsn_json_obj_end(j);
}

static void node_json(const struct tsn_node_report *n, struct tsn_json *j)
{
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "node", n->node);
	tsn_json_kstr(j, "error", n->error);
	tsn_json_kbool(j, "unreachable", n->unreachable);
	tsn_checks_json_member(n, j);
	tsn_json_obj_end(j);
}

static void pair_json(const struct tsn_pair_report *p, struct tsn_json *j)
{
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "from", p->from);
	tsn_json_kstr(j, "to", p->to);
	for (size_t v = 0; v < p->n; v++) {
		tsn_json_key(j, p->v[v].proto);
		tsn_json_obj_begin(j);
		tsn_json_kstr(j, "verdict", p->v[v].verdict);
		tsn_json_kstr(j, "detail", p->v[v].detail);
		tsn_json_obj_end(j);
	}
	tsn_json_obj_end(j);
}

void tsn_report_json(const struct tsn_report *r, struct tsn_json *j)
{
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "command", r->command);
	tsn_json_key(j, "nodes");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < r->n_nodes; i++)
		node_json(&r->nodes[i], j);
	tsn_json_arr_end(j);
	tsn_json_key(j, "pairs");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < r->n_pairs; i++)
		pair_json(&r->pairs[i], j);
	tsn_json_arr_end(j);
	tsn_problems_json_member(r, j);
	tsn_json_kint(j, "exit", tsn_report_exit_code(r));
	tsn_json_obj_end(j);
}

int tsn_report_print_json(const struct tsn_report *r, FILE *f)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int ret;

	tsn_json_init(&j, &b, true);
	tsn_report_json(r, &j);
	ret = tsn_json_finish(&j);
	if (ret < 0)
		goto out;
	if (fputs(b.p, f) == EOF || fputc('\n', f) == EOF || fflush(f))
		ret = -EIO;
	else if (f == stdout)
		tsn_result_printed();
out:
	tsn_buf_free(&b);
	return ret;
}

void tsn_checks_json_member(const struct tsn_node_report *n,
			    struct tsn_json *j)
{
	tsn_json_key(j, "checks");
	tsn_json_arr_begin(j);
	for (size_t c = 0; c < n->n_checks; c++)
		check_json(&n->checks[c], j);
	tsn_json_arr_end(j);
}

void tsn_checks_json(const struct tsn_node_report *n, struct tsn_json *j)
{
	tsn_json_obj_begin(j);
	tsn_checks_json_member(n, j);
	tsn_json_obj_end(j);
}

/* Check ids are stable names like "kernel.esp"; anything else from a
 * remote agent is refused rather than printed. */
static bool valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/-") == n;
}

/* A string member that may be missing or null: *out stays NULL then. */
static int opt_str(const struct tsn_jv *o, const char *key, const char **out)
{
	const struct tsn_jv *v = tsn_jv_get(o, key);

	*out = NULL;
	if (!v || v->type == TSN_JNULL)
		return 0;
	if (v->type != TSN_JSTR)
		return -EINVAL;
	*out = v->str;
	return 0;
}

static int parse_check(const struct tsn_jv *c, const char **id,
		       enum tsn_status *st, const char **detail,
		       const char **fix)
{
	if (!c || c->type != TSN_JOBJ)
		return -EINVAL;
	*id = tsn_jv_getstr(c, "id");
	if (!*id || !valid_id(*id))
		return -EINVAL;
	if (tsn_status_parse(tsn_jv_getstr(c, "status"), st) < 0)
		return -EINVAL;
	if (opt_str(c, "detail", detail) < 0 || opt_str(c, "fix", fix) < 0)
		return -EINVAL;
	return 0;
}

/* All checks are validated before any is added, so a bad reply adds
 * nothing. */
int tsn_checks_from_json(struct tsn_node_report *n, const struct tsn_jv *v)
{
	const struct tsn_jv *a = tsn_jv_get(v, "checks");
	const char *id, *detail, *fix;
	enum tsn_status st;
	int ret;

	if (!n || !a || a->type != TSN_JARR)
		return -EINVAL;
	for (size_t i = 0; i < a->n; i++)
		if (parse_check(&a->items[i], &id, &st, &detail, &fix) < 0)
			return -EINVAL;
	for (size_t i = 0; i < a->n; i++) {
		parse_check(&a->items[i], &id, &st, &detail, &fix);
		ret = tsn_node_check(n, id, st, fix, "%s",
				     detail ? detail : "");
		if (ret < 0)
			return ret;
	}
	return 0;
}

int tsn_report_print(const struct tsn_report *r, bool json, bool tty)
{
	int ret = 0;

	if (json)
		ret = tsn_report_print_json(r, stdout);
	else
		tsn_report_print_table(r, stdout, tty);
	if (ret == 0 && fflush(stdout) == EOF)
		ret = -errno;
	return ret;
}
