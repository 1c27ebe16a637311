/* summary.c - a report for people, verdict first (terraform plan's
 * shape): the verdict line, then the causes, each once with its fix,
 * then what agrees across the nodes folded into one line per check
 * (cilium status), and the probe's matrices only where a cell is not
 * ok.  `-v` prints every row instead (table.c).  A healthy cluster of
 * any size takes the same few lines.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "output.h"
#include "output_int.h"

#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_GREEN "\033[32m"
#define C_RESET "\033[0m"

static void verdict_line(const struct tsn_report *r, FILE *f, bool colour)
{
	size_t fails = 0, warns = 0;
	bool ok = tsn_report_exit_code(r) == TSN_EXIT_OK;

	for (size_t i = 0; i < r->n_problems; i++) {
		fails += r->problems[i].severity == TSN_ST_FAIL;
		warns += r->problems[i].severity == TSN_ST_WARN;
	}
	if (ok && !fails)
		fprintf(f, "%sready%s", colour ? C_GREEN : "",
			colour ? C_RESET : "");
	else
		fprintf(f, "%snot ready%s", colour ? C_RED : "",
			colour ? C_RESET : "");
	if (fails)
		fprintf(f, ": %zu problem%s", fails, fails == 1 ? "" : "s");
	if (warns)
		fprintf(f, "%s %zu warning%s", fails ? "," : ":", warns,
			warns == 1 ? "" : "s");
	fputc('\n', f);
}

static void problems(const struct tsn_report *r, FILE *f, bool colour)
{
	for (size_t i = 0; i < r->n_problems; i++) {
		const struct tsn_problem *p = &r->problems[i];
		bool fail = p->severity == TSN_ST_FAIL;
		char *what = tsn_out_clean(p->what);
		char *fix = p->fix ? tsn_out_clean(p->fix) : NULL;

		if (i == 0)
			fputc('\n', f);
		fprintf(f, "%s%s%s  %s\n", colour ? fail ? C_RED : C_YELLOW :
			"", fail ? "fail" : "warn", colour ? C_RESET : "",
			what ? what : "");
		if (fix)
			fprintf(f, "      fix: %s\n", fix);
		free(what);
		free(fix);
	}
}

/* Check ids in the order first seen. */
static bool seen_before(const struct tsn_report *r, size_t n, size_t c)
{
	const char *id = r->nodes[n].checks[c].id;

	for (size_t i = 0; i <= n; i++)
		for (size_t k = 0; k < (i < n ? r->nodes[i].n_checks : c); k++)
			if (!strcmp(r->nodes[i].checks[k].id, id))
				return true;
	return false;
}

static int fold_checks(const struct tsn_report *r, struct tsn_table *t)
{
	struct tsn_buf b = { 0 };
	int ret = 0;

	for (size_t n = 0; n < r->n_nodes && !ret; n++)
		for (size_t c = 0; c < r->nodes[n].n_checks && !ret; c++) {
			const char *id = r->nodes[n].checks[c].id;
			const char *row[2];

			if (seen_before(r, n, c))
				continue;
			tsn_buf_reset(&b);
			ret = tsn_diag_fold_check(r, id, &b);
			row[0] = id;
			row[1] = b.p ? b.p : "";
			if (!ret)
				ret = tsn_table_row(t, row);
		}
	tsn_buf_free(&b);
	return ret;
}

static int fold_protos(const struct tsn_report *r, struct tsn_table *t)
{
	struct tsn_buf b = { 0 };
	int ret = 0;

	for (size_t i = 0; i < r->n_pairs && !ret; i++)
		for (size_t v = 0; v < r->pairs[i].n && !ret; v++) {
			const char *proto = r->pairs[i].v[v].proto, *row[2];
			bool bad, dup = false;

			for (size_t k = 0; k < t->nrows && !dup; k++)
				dup = !strcmp(t->cells[k * 2], proto);
			if (dup)
				continue;
			tsn_buf_reset(&b);
			ret = tsn_diag_fold_proto(r, proto, &b, &bad);
			row[0] = proto;
			row[1] = b.p ? b.p : "";
			if (!ret)
				ret = tsn_table_row(t, row);
		}
	tsn_buf_free(&b);
	return ret;
}

/* "checks:" or "probe:" and the folded rows, indented. */
static void section(FILE *f, const char *title, struct tsn_table *t)
{
	if (!t->nrows)
		return;
	fprintf(f, "\n%s:\n", title);
	for (size_t i = 0; i < t->nrows; i++) {
		char *tmp = t->cells[i * 2];

		/* the indent goes into the first cell, so columns align */
		if (asprintf(&t->cells[i * 2], "  %s", tmp) < 0) {
			t->cells[i * 2] = tmp;
			continue;
		}
		free(tmp);
	}
	tsn_table_print(t, f, false);
}

void tsn_report_print_summary(const struct tsn_report *r, FILE *f,
			      bool colour)
{
	struct tsn_table checks, pairs;

	tsn_table_init(&checks, 2);
	tsn_table_init(&pairs, 2);
	verdict_line(r, f, colour);
	problems(r, f, colour);
	if (fold_checks(r, &checks) == 0)
		section(f, "checks", &checks);
	if (fold_protos(r, &pairs) == 0)
		section(f, "probe", &pairs);
	for (size_t i = 0; i < r->n_pairs; i++) {
		bool bad = false;

		for (size_t v = 0; v < r->pairs[i].n && !bad; v++)
			bad = !r->pairs[i].v[v].good;
		if (bad) {
			fputc('\n', f);
			tsn_out_print_pairs(r, f, colour, true);
			break;
		}
	}
	tsn_table_free(&checks);
	tsn_table_free(&pairs);
}
