/* table.c - the text rendering of reports for people: aligned tables,
 * one matrix per protocol, colour on a tty, and the progress line on
 * stderr.
 *
 * Details, errors and fixes often come from agents on other nodes, so
 * everything printed to a terminal is cleaned first: control characters
 * and invalid UTF-8 become '?', and a remote node cannot move the cursor
 * or recolour the screen.  Widths count code points of that clean text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "output.h"
#include "output_int.h"

#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED "\033[31m"
#define C_DIM "\033[2m"
#define C_RESET "\033[0m"


/* A copy that is safe on a terminal: tabs and new lines become spaces,
 * other control characters (C0, DEL, C1) and invalid UTF-8 become '?'. */
static char *clean(const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)u), o = 0;
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; ) {
		unsigned char c = u[i];
		size_t n = 1;

		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else if (c == '\t' || c == '\n' || c == '\r') {
			out[o++] = ' ';
		} else if (c < 0x80 || (c == 0xc2 && i + 1 < len &&
					u[i + 1] >= 0x80 && u[i + 1] < 0xa0)) {
			out[o++] = '?';	/* C0, DEL, or a C1 control */
			n = c < 0x80 ? 1 : 2;
		} else {
			n = tsn_utf8_len(u + i, len - i);
			if (n) {
				memcpy(out + o, u + i, n);
				o += n;
			} else {
				out[o++] = '?';
				n = 1;
			}
		}
		i += n;
	}
	out[o] = '\0';
	return out;
}

char *tsn_out_clean(const char *s)
{
	return clean(s);
}

/* Columns on a terminal: one per code point (the text is clean UTF-8). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static const char *word_colour(const char *s)
{
	if (!strcmp(s, "ok") || !strcmp(s, "encrypted"))
		return C_GREEN;
	if (!strcmp(s, "warn"))
		return C_YELLOW;
	if (!strcmp(s, "fail") || !strcmp(s, "error") ||
	    !strcmp(s, "unreachable") || !strcmp(s, "LEAK"))
		return C_RED;
	if (!strcmp(s, "skip"))
		return C_DIM;
	return NULL;
}

void tsn_table_init(struct tsn_table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

int tsn_table_row(struct tsn_table *t, const char *const *cells)
{
	char **p;
	size_t base = t->nrows * t->ncols;

	if (!t->ncols)
		return -EINVAL;
	if (t->nrows >= SIZE_MAX / sizeof(*p) / t->ncols - 1)
		return -ENOMEM;
	p = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*p));
	if (!p)
		return -ENOMEM;
	t->cells = p;
	for (size_t c = 0; c < t->ncols; c++) {
		p[base + c] = clean(cells[c]);
		if (!p[base + c]) {
			while (c--)
				free(p[base + c]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

void tsn_table_free(struct tsn_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* Print with an optional colour per cell and an optional extra line
 * under each row.  Padding is computed on the visible text and written
 * after the colour is reset, so escape codes never shift a column; a
 * row ends at its last non-empty cell, without trailing blanks. */
static void print_rows(const struct tsn_table *t, FILE *f,
		       const char *const *colours, char *const *after)
{
	size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));

	if (!w)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		if (width(t->cells[i]) > w[i % t->ncols])
			w[i % t->ncols] = width(t->cells[i]);
	for (size_t r = 0; r < t->nrows; r++) {
		char *const *row = t->cells + r * t->ncols;
		size_t last = t->ncols;

		while (last > 1 && !*row[last - 1])
			last--;
		for (size_t c = 0; c < last; c++) {
			const char *col = colours ? colours[r * t->ncols + c]
						  : NULL;

			if (col && *row[c])
				fprintf(f, "%s%s%s", col, row[c], C_RESET);
			else
				fputs(row[c], f);
			if (c + 1 < last)
				fprintf(f, "%*s", (int)(w[c] - width(row[c]) + 2),
					"");
		}
		fputc('\n', f);
		if (after && after[r])
			fprintf(f, "%s\n", after[r]);
	}
	free(w);
}

void tsn_table_print(const struct tsn_table *t, FILE *f, bool colour)
{
	const char **cols = NULL;

	if (colour && t->nrows > 1) {
		cols = calloc(t->nrows * t->ncols, sizeof(*cols));
		/* No colours rather than no table when memory is short. */
		for (size_t i = t->ncols; cols && i < t->nrows * t->ncols; i++)
			cols[i] = word_colour(t->cells[i]);
	}
	print_rows(t, f, cols, NULL);
	free(cols);
}

static const char *const status_colours[] = {
	[TSN_ST_OK] = C_GREEN,
	[TSN_ST_WARN] = C_YELLOW,
	[TSN_ST_FAIL] = C_RED,
	[TSN_ST_SKIP] = C_DIM,
};

/* "    fix: ..." under a row, cleaned like the cells. */
static char *fix_line(const char *fix)
{
	struct tsn_buf b = { 0 };
	char *c = clean(fix);

	if (c && tsn_buf_printf(&b, "    fix: %s", c) < 0)
		tsn_buf_free(&b);
	free(c);
	return b.p;
}

/* One row of the node table, with its colour and the fix line under it. */
static int node_row(struct tsn_table *t, const char **cols, char **after,
		    const char *const cells[4], const char *colour,
		    const char *fix)
{
	size_t r = t->nrows;

	if (tsn_table_row(t, cells) < 0)
		return -ENOMEM;
	cols[r * 4 + 2] = colour;
	if (fix && !(after[r] = fix_line(fix)))
		return -ENOMEM;
	return 0;
}

static int print_nodes(const struct tsn_report *r, FILE *f, bool colour)
{
	static const char *const head[4] = { "NODE", "CHECK", "STATUS",
					     "DETAIL" };
	struct tsn_table t;
	const char **cols = NULL;
	char **after = NULL;
	size_t rows = 1;
	int ret = -ENOMEM;

	tsn_table_init(&t, 4);
	for (size_t i = 0; i < r->n_nodes; i++)
		rows += r->nodes[i].n_checks + 1;
	cols = calloc(rows * 4, sizeof(*cols));
	after = calloc(rows, sizeof(*after));
	if (!cols || !after || tsn_table_row(&t, head) < 0)
		goto out;
	for (size_t i = 0; i < r->n_nodes; i++) {
		const struct tsn_node_report *n = &r->nodes[i];
		const char *row[4] = { n->node, "-", "error", n->error };

		if (n->unreachable)
			row[2] = "unreachable";
		if ((n->error || n->unreachable) &&
		    node_row(&t, cols, after, row, C_RED, NULL) < 0)
			goto out;
		for (size_t c = 0; c < n->n_checks; c++) {
			const struct tsn_check *k = &n->checks[c];

			row[1] = k->id;
			row[2] = tsn_status_name(k->status);
			row[3] = k->detail;
			if (node_row(&t, cols, after, row,
				     status_colours[k->status], k->fix) < 0)
				goto out;
		}
	}
	print_rows(&t, f, colour ? cols : NULL, after);
	ret = 0;
out:
	for (size_t i = 0; after && i < rows; i++)
		free(after[i]);
	free(after);
	free(cols);
	tsn_table_free(&t);
	return ret;
}

/* Index of name in a list of unique names, added when new. */
static int name_index(const char ***names, size_t *n, const char *name)
{
	const char **p;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*names)[i], name))
			return (int)i;
	p = tsn_out_append(*names, *n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*names = p;
	p[*n] = name;
	return (int)(*n)++;
}

static const struct tsn_verdict *find_verdict(const struct tsn_pair_report *p,
					      const char *proto)
{
	for (size_t v = 0; p && v < p->n; v++)
		if (!strcmp(p->v[v].proto, proto))
			return &p->v[v];
	return NULL;
}

struct matrix {
	const char **nodes;	/* rows and columns, first-seen order */
	size_t n;
	const struct tsn_pair_report **grid;	/* n * n, from-major */
};

static int print_matrix(const struct matrix *m, const char *proto,
			FILE *f, bool colour)
{
	size_t nc = m->n + 1;
	struct tsn_table t;
	const char **cells = calloc(nc, sizeof(*cells));
	const char **cols = calloc(nc * nc, sizeof(*cols));
	int ret = -ENOMEM;

	tsn_table_init(&t, nc);
	if (!cells || !cols)
		goto out;
	cells[0] = proto;
	memcpy(cells + 1, m->nodes, m->n * sizeof(*cells));
	if (tsn_table_row(&t, cells) < 0)
		goto out;
	for (size_t a = 0; a < m->n; a++) {
		cells[0] = m->nodes[a];
		for (size_t b = 0; b < m->n; b++) {
			const struct tsn_verdict *v =
				find_verdict(m->grid[a * m->n + b], proto);

			cells[b + 1] = a == b ? "-" : v ? v->verdict : "n/a";
			if (v && a != b)
				cols[(a + 1) * nc + b + 1] =
					v->good ? C_GREEN : C_RED;
		}
		if (tsn_table_row(&t, cells) < 0)
			goto out;
	}
	print_rows(&t, f, colour ? cols : NULL, NULL);
	ret = 0;
out:
	tsn_table_free(&t);
	free(cells);
	free(cols);
	return ret;
}

/* Under a protocol's matrix, the details of its verdicts that are not
 * good: the matrix cell has room for the verdict word only.  A pair with
 * a node that failed is left to that node's row, which says why once. */
static void print_bad_details(const struct tsn_report *r, const char *proto,
			      FILE *f)
{
	for (size_t i = 0; i < r->n_pairs; i++) {
		const struct tsn_pair_report *p = &r->pairs[i];
		const struct tsn_verdict *v = find_verdict(p, proto);
		char *s[3];

		if (!v || v->good || !v->detail ||
		    tsn_report_node_failed(r, p->from) ||
		    tsn_report_node_failed(r, p->to))
			continue;
		s[0] = clean(p->from);
		s[1] = clean(p->to);
		s[2] = clean(v->detail);
		if (s[0] && s[1] && s[2])
			fprintf(f, "  %s -> %s: %s\n", s[0], s[1], s[2]);
		for (int k = 0; k < 3; k++)
			free(s[k]);
	}
}

/* Whether some verdict of proto is not good. */
static bool proto_bad(const struct tsn_report *r, const char *proto)
{
	for (size_t i = 0; i < r->n_pairs; i++) {
		const struct tsn_verdict *v = find_verdict(&r->pairs[i], proto);

		if (v && !v->good)
			return true;
	}
	return false;
}

int tsn_out_print_pairs(const struct tsn_report *r, FILE *f, bool colour,
			bool only_bad)
{
	struct matrix m = { 0 };
	const char **protos = NULL;
	size_t np = 0;
	int ret = -ENOMEM;

	for (size_t i = 0; i < r->n_pairs; i++) {
		if (name_index(&m.nodes, &m.n, r->pairs[i].from) < 0 ||
		    name_index(&m.nodes, &m.n, r->pairs[i].to) < 0)
			goto out;
		for (size_t v = 0; v < r->pairs[i].n; v++)
			if (name_index(&protos, &np, r->pairs[i].v[v].proto) < 0)
				goto out;
	}
	m.grid = calloc(m.n ? m.n * m.n : 1, sizeof(*m.grid));
	if (!m.grid)
		goto out;
	for (size_t i = 0; i < r->n_pairs; i++) {
		int a = name_index(&m.nodes, &m.n, r->pairs[i].from);
		int b = name_index(&m.nodes, &m.n, r->pairs[i].to);

		m.grid[(size_t)a * m.n + (size_t)b] = &r->pairs[i];
	}
	for (size_t p = 0, shown = 0; p < np; p++) {
		if (only_bad && !proto_bad(r, protos[p]))
			continue;
		if (shown++)
			fputc('\n', f);
		if (print_matrix(&m, protos[p], f, colour) < 0)
			goto out;
		if (!only_bad)
			print_bad_details(r, protos[p], f);
	}
	ret = 0;
out:
	free(m.nodes);
	free(m.grid);
	free(protos);
	return ret;
}

static void print_problems(const struct tsn_report *r, FILE *f)
{
	fputs("problems:\n", f);
	for (size_t i = 0; i < r->n_problems; i++) {
		char *what = clean(r->problems[i].what);
		char *fix = r->problems[i].fix ? fix_line(r->problems[i].fix)
					       : NULL;

		if (what)
			fprintf(f, "- %s\n", what);
		if (fix)
			fprintf(f, "%s\n", fix);
		free(what);
		free(fix);
	}
}

void tsn_report_print_table(const struct tsn_report *r, FILE *f, bool colour)
{
	bool gap = false;

	if (r->n_nodes) {
		print_nodes(r, f, colour);
		gap = true;
	}
	if (r->n_pairs) {
		if (gap)
			fputc('\n', f);
		tsn_out_print_pairs(r, f, colour, false);
		gap = true;
	}
	if (r->n_problems) {
		if (gap)
			fputc('\n', f);
		print_problems(r, f);
	}
}

/* ---- progress ---- */

void tsn_progress_begin(struct tsn_progress *p, bool tty)
{
	p->enabled = tty && !tsn_quiet;
	p->start = tsn_now();
	p->shown = false;
}

/* Cut to the terminal's width so \r always returns to the line start. */
static void cut_to_terminal(char *s)
{
	struct winsize ws;
	size_t cols = 80, w = 0;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		cols = ws.ws_col;
	for (; *s; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80 && ++w >= cols) {
			*s = '\0';
			return;
		}
	}
}

void tsn_progress(struct tsn_progress *p, const char *fmt, ...)
{
	va_list ap;
	char *raw, *line;

	if (!p->enabled || tsn_quiet || tsn_now() - p->start <= 1.0)
		return;
	va_start(ap, fmt);
	raw = tsn_out_vfmt(fmt, ap);
	va_end(ap);
	line = raw ? clean(raw) : NULL;
	if (line) {
		cut_to_terminal(line);
		fprintf(stderr, "\r%s\033[K", line);
		fflush(stderr);
		p->shown = true;
	}
	free(raw);
	free(line);
}

void tsn_progress_end(struct tsn_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = false;
}
