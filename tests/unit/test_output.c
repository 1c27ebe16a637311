/* test_output.c - the result model: exit code rules, JSON with its stable
 * keys (golden), checks to JSON and back (also from hostile replies),
 * aligned tables with UTF-8 and colour, and the progress line. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/output.h"

/* Render into a string through a memory stream. */
static char *table_text(const struct tsn_report *r, bool colour)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	cr_assert_not_null(f);
	tsn_report_print_table(r, f, colour);
	fclose(f);
	return s;
}

static char *json_text(const struct tsn_report *r)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	tsn_json_init(&j, &b, false);
	tsn_report_json(r, &j);
	cr_assert_eq(tsn_json_finish(&j), 0);
	return b.p;
}

/* Remove ANSI CSI sequences (ESC [ ... final byte). */
static void strip_ansi(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\033' && s[1] == '[') {
			s += 2;
			while (*s && !(*s >= 0x40 && *s <= 0x7e))
				s++;
			if (*s)
				s++;
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
}

/* Code point column where the text `word` starts in `line`, or -1. */
static int col_of(const char *line, const char *word)
{
	const char *p = strstr(line, word);
	int c = 0;

	if (!p)
		return -1;
	for (const char *q = line; q < p; q++)
		if (((unsigned char)*q & 0xc0) != 0x80)
			c++;
	return c;
}

static void sample(struct tsn_report *r)
{
	struct tsn_node_report *n;
	struct tsn_pair_report *p;

	tsn_report_init(r, "preflight");
	n = tsn_report_node(r, "n1");
	cr_assert_eq(tsn_node_check(n, "kernel.esp", TSN_ST_OK, NULL,
				    "esp4 %s", "loaded"), 0);
	cr_assert_eq(tsn_node_check(n, "fw.input", TSN_ST_FAIL,
				    "nft insert rule inet filter input accept",
				    "input drops ESP"), 0);
	n = tsn_report_node(r, "n\xc5\x93ud-2");	/* "nœud-2" */
	cr_assert_eq(tsn_node_check(n, "kernel.esp", TSN_ST_WARN, NULL,
				    "\xc3\xa9t\xc3\xa9"), 0);
	cr_assert_eq(tsn_node_check(n, "x", TSN_ST_SKIP, NULL, "skipped"), 0);
	n = tsn_report_node(r, "n3");
	cr_assert_eq(tsn_node_error(n, true, "ssh: %s", "timed out"), 0);
	p = tsn_report_pair(r, "n1", "n\xc5\x93ud-2");
	cr_assert_eq(tsn_pair_verdict(p, "esp", "ok", true, NULL), 0);
	cr_assert_eq(tsn_pair_verdict(p, "udp500", "ok", true, NULL), 0);
	p = tsn_report_pair(r, "n\xc5\x93ud-2", "n1");
	cr_assert_eq(tsn_pair_verdict(p, "esp", "not-arrived", false,
				      "never seen"), 0);
	cr_assert_eq(tsn_report_problem(r, "open ESP", "ESP %s", "blocked"), 0);
}

static const char sample_table[] =
	"NODE    CHECK       STATUS       DETAIL\n"
	"n1      kernel.esp  ok           esp4 loaded\n"
	"n1      fw.input    fail         input drops ESP\n"
	"    fix: nft insert rule inet filter input accept\n"
	"n\xc5\x93ud-2  kernel.esp  warn         \xc3\xa9t\xc3\xa9\n"
	"n\xc5\x93ud-2  x           skip         skipped\n"
	"n3      -           unreachable  ssh: timed out\n"
	"\n"
	"esp     n1           n\xc5\x93ud-2\n"
	"n1      -            ok\n"
	"n\xc5\x93ud-2  not-arrived  -\n"
	"  n\xc5\x93ud-2 -> n1: never seen\n"
	"\n"
	"udp500  n1   n\xc5\x93ud-2\n"
	"n1      -    ok\n"
	"n\xc5\x93ud-2  n/a  -\n"
	"\n"
	"problems:\n"
	"- ESP blocked\n"
	"    fix: open ESP\n";

Test(output, table_golden)
{
	struct tsn_report r;
	char *s;

	sample(&r);
	s = table_text(&r, false);
	cr_assert_str_eq(s, sample_table);
	cr_assert_null(strchr(s, '\033'), "colour without a tty");
	free(s);
	tsn_report_free(&r);
}

/* With colour on, the text minus escape codes is the same table, so the
 * codes never shift a column; and the status words are coloured. */
/* A node that could not be checked is named once, in its row with the
 * reason: its pairs' details are not repeated under the matrices. */
Test(output, table_names_a_failed_node_once)
{
	struct tsn_report r;
	struct tsn_pair_report *p;
	char *s;

	tsn_report_init(&r, "probe");
	cr_assert_eq(tsn_node_error(tsn_report_node(&r, "n3"), true,
				    "unreachable: no such namespace"), 0);
	p = tsn_report_pair(&r, "n1", "n3");
	cr_assert_eq(tsn_pair_verdict(p, "esp", "error", false,
				      "n3 could not run the probe"), 0);
	p = tsn_report_pair(&r, "n3", "n1");
	cr_assert_eq(tsn_pair_verdict(p, "esp", "error", false,
				      "n3 could not run the probe"), 0);
	p = tsn_report_pair(&r, "n1", "n2");
	cr_assert_eq(tsn_pair_verdict(p, "esp", "not-arrived", false,
				      "never seen"), 0);
	s = table_text(&r, false);
	cr_assert_str_eq(s,
		"NODE  CHECK  STATUS       DETAIL\n"
		"n3    -      unreachable  unreachable: no such namespace\n"
		"\n"
		"esp  n1     n3     n2\n"
		"n1   -      error  not-arrived\n"
		"n3   error  -      n/a\n"
		"n2   n/a    n/a    -\n"
		"  n1 -> n2: never seen\n");
	free(s);
	tsn_report_free(&r);
}

Test(output, table_colour_keeps_alignment)
{
	struct tsn_report r;
	char *s;

	sample(&r);
	s = table_text(&r, true);
	cr_assert(strstr(s, "\033[32mok\033[0m"));
	cr_assert(strstr(s, "\033[31mfail\033[0m"));
	cr_assert(strstr(s, "\033[33mwarn\033[0m"));
	cr_assert(strstr(s, "\033[2mskip\033[0m"));
	cr_assert(strstr(s, "\033[31mnot-arrived\033[0m"));
	cr_assert(strstr(s, "\033[31munreachable\033[0m"));
	strip_ansi(s);
	cr_assert_str_eq(s, sample_table);
	free(s);
	tsn_report_free(&r);
}

/* Columns line up by code points whatever the byte lengths are. */
Test(output, generic_table_utf8_alignment)
{
	static const char *const rows[][3] = {
		{ "NAME", "VALUE", "NOTE" },
		{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "ok", "x" },
		{ "a", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "fail" },
		{ "abcdefgh", "warn", "" },
	};
	struct tsn_table t;
	char *s = NULL, *line, *save;
	size_t n = 0;
	FILE *f;
	int value_col = -1, note_col = -1, lines = 0;

	tsn_table_init(&t, 3);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		cr_assert_eq(tsn_table_row(&t, rows[i]), 0);
	f = open_memstream(&s, &n);
	tsn_table_print(&t, f, true);
	fclose(f);
	cr_assert(strstr(s, "\033[31mfail\033[0m"));
	cr_assert_null(strstr(s, "\033[32mVALUE"), "header not coloured");
	strip_ansi(s);
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		const char *v = lines == 0 ? "VALUE" : rows[lines][1];
		const char *nt = lines == 0 ? "NOTE" : rows[lines][2];

		cr_assert_eq(line[strlen(line) - 1] != ' ', true,
			     "trailing blank: '%s'", line);
		if (value_col < 0)
			value_col = col_of(line, v);
		cr_assert_eq(col_of(line, v), value_col, "'%s'", line);
		if (!*nt)
			continue;
		if (note_col < 0)
			note_col = col_of(line, nt);
		cr_assert_eq(col_of(line, nt), note_col, "'%s'", line);
	}
	cr_assert_eq(lines, 4);
	cr_assert_eq(value_col, 10);	/* widest first cell 8 + 2 */
	cr_assert_eq(note_col, 17);	/* widest second cell 5 + 2 */
	free(s);
	tsn_table_free(&t);
}

/* A remote detail cannot drive the terminal. */
Test(output, table_cleans_hostile_text)
{
	struct tsn_report r;
	struct tsn_node_report *n;
	char *s;

	tsn_report_init(&r, "status");
	n = tsn_report_node(&r, "n1");
	tsn_node_check(n, "a", TSN_ST_OK, "fix\033]0;title\a",
		       "x\033[2J\ny\rz\x7f\xc2\x9b" "1\xff");
	s = table_text(&r, false);
	cr_assert_null(strchr(s, '\033'));
	cr_assert_null(strchr(s, '\a'));
	cr_assert_null(strchr(s, '\r'));
	cr_assert(strstr(s, "x?[2J y z??1?\n"), "%s", s);
	cr_assert(strstr(s, "    fix: fix?]0;title?\n"), "%s", s);
	free(s);
	tsn_report_free(&r);
}

Test(output, exit_code_rules)
{
	struct tsn_report r;
	struct tsn_node_report *n;
	struct tsn_pair_report *p;

	tsn_report_init(&r, "x");
	cr_assert_eq(tsn_report_exit_code(&r), 0);
	n = tsn_report_node(&r, "n1");
	tsn_node_check(n, "a", TSN_ST_WARN, NULL, "w");
	tsn_node_check(n, "b", TSN_ST_SKIP, NULL, "s");
	tsn_node_check(n, "c", TSN_ST_OK, NULL, "o");
	p = tsn_report_pair(&r, "n1", "n2");
	tsn_pair_verdict(p, "esp", "ok", true, NULL);
	tsn_report_problem(&r, NULL, "a problem alone does not fail");
	cr_assert_eq(tsn_report_exit_code(&r), 0, "warn/skip do not fail");
	r.problems[0].fails = true;
	cr_assert_eq(tsn_report_exit_code(&r), 1, "unless it says it fails "
		     "(path.fragments: the verdicts it comes from pass)");
	r.problems[0].fails = false;
	tsn_pair_verdict(p, "udp500", "not-arrived", false, NULL);
	cr_assert_eq(tsn_report_exit_code(&r), 1, "bad verdict");
	tsn_pair_verdict(p, "udp500", "ok", true, NULL);	/* replaces */
	cr_assert_eq(p->n, 2);
	cr_assert_eq(tsn_report_exit_code(&r), 0);
	tsn_node_check(n, "d", TSN_ST_FAIL, NULL, "f");
	cr_assert_eq(tsn_report_exit_code(&r), 1, "failed check");
	n = tsn_report_node(&r, "n2");
	tsn_node_error(n, false, "cannot read ruleset");
	cr_assert_eq(tsn_report_exit_code(&r), 3, "node error wins");
	free(n->error);
	n->error = NULL;
	n->unreachable = true;
	cr_assert_eq(tsn_report_exit_code(&r), 3, "unreachable wins");
	tsn_report_free(&r);
}

Test(output, model_rules)
{
	struct tsn_report r;
	struct tsn_pair_report *p;
	char name[16];

	tsn_report_init(&r, "probe");
	cr_assert_eq(tsn_report_node(&r, "n1"), tsn_report_node(&r, "n1"));
	cr_assert_eq(r.n_nodes, 1);
	cr_assert_null(tsn_report_node(&r, NULL));
	cr_assert_eq(tsn_node_check(NULL, "a", TSN_ST_OK, NULL, "x"), -EINVAL);
	cr_assert_eq(tsn_node_check(&r.nodes[0], "a", (enum tsn_status)7,
				    NULL, "x"), -EINVAL);
	p = tsn_report_pair(&r, "a", "b");
	cr_assert_eq(p, tsn_report_pair(&r, "a", "b"));
	cr_assert_neq(p, tsn_report_pair(&r, "b", "a"));	/* directed */
	p = tsn_report_pair(&r, "a", "b");
	cr_assert_eq(tsn_pair_verdict(p, "from", "ok", true, NULL), -EINVAL);
	cr_assert_eq(tsn_pair_verdict(p, "to", "ok", true, NULL), -EINVAL);
	cr_assert_eq(tsn_pair_verdict(p, "", "ok", true, NULL), -EINVAL);
	for (int i = 0; i < TSN_VERDICTS_MAX; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		cr_assert_eq(tsn_pair_verdict(p, name, "ok", true, NULL), 0);
	}
	cr_assert_eq(tsn_pair_verdict(p, "one-more", "ok", true, NULL),
		     -ENOSPC);
	cr_assert_eq(tsn_pair_verdict(p, "p3", "bad", false, "d"), 0);
	cr_assert_str_eq(p->v[3].verdict, "bad");
	enum tsn_status st;
	cr_assert_eq(tsn_status_parse("warn", &st), 0);
	cr_assert_eq(st, TSN_ST_WARN);
	cr_assert_eq(tsn_status_parse("WARN", &st), -EINVAL);
	cr_assert_eq(tsn_status_parse(NULL, &st), -EINVAL);
	cr_assert_str_eq(tsn_status_name(TSN_ST_SKIP), "skip");
	tsn_report_free(&r);
}

Test(output, json_golden)
{
	struct tsn_report r;
	char *s;

	sample(&r);
	s = json_text(&r);
	cr_assert_str_eq(s,
		"{\"command\":\"preflight\",\"nodes\":["
		"{\"node\":\"n1\",\"error\":null,\"unreachable\":false,"
		"\"checks\":[{\"id\":\"kernel.esp\",\"status\":\"ok\","
		"\"detail\":\"esp4 loaded\",\"fix\":null},"
		"{\"id\":\"fw.input\",\"status\":\"fail\","
		"\"detail\":\"input drops ESP\","
		"\"fix\":\"nft insert rule inet filter input accept\"}]},"
		"{\"node\":\"n\xc5\x93ud-2\",\"error\":null,\"unreachable\":false,"
		"\"checks\":[{\"id\":\"kernel.esp\",\"status\":\"warn\","
		"\"detail\":\"\xc3\xa9t\xc3\xa9\",\"fix\":null},"
		"{\"id\":\"x\",\"status\":\"skip\",\"detail\":\"skipped\","
		"\"fix\":null}]},"
		"{\"node\":\"n3\",\"error\":\"ssh: timed out\","
		"\"unreachable\":true,\"checks\":[]}],"
		"\"pairs\":[{\"from\":\"n1\",\"to\":\"n\xc5\x93ud-2\","
		"\"esp\":{\"verdict\":\"ok\",\"detail\":null},"
		"\"udp500\":{\"verdict\":\"ok\",\"detail\":null}},"
		"{\"from\":\"n\xc5\x93ud-2\",\"to\":\"n1\","
		"\"esp\":{\"verdict\":\"not-arrived\",\"detail\":\"never seen\"}}],"
		"\"problems\":[{\"id\":\"problem\",\"severity\":\"fail\","
		"\"scope\":{\"nodes\":[],\"pairs\":[]},\"what\":\"ESP blocked\","
		"\"where\":null,\"fix\":\"open ESP\"}],"
		"\"exit\":3}");
	free(s);
	tsn_report_free(&r);
}

Test(output, print_json_parses_back)
{
	struct tsn_report r;
	struct tsn_jv v;
	char *s = NULL, err[128];
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	double code;

	tsn_report_init(&r, "empty");
	cr_assert_eq(tsn_report_print_json(&r, f), 0);
	fclose(f);
	cr_assert_eq(s[n - 1], '\n');
	cr_assert_eq(tsn_json_parse(s, n, &v, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(tsn_jv_getstr(&v, "command"), "empty");
	cr_assert_eq(tsn_jv_get(&v, "nodes")->type, TSN_JARR);
	cr_assert_eq(tsn_jv_get(&v, "pairs")->type, TSN_JARR);
	cr_assert_eq(tsn_jv_get(&v, "problems")->type, TSN_JARR);
	cr_assert(tsn_jv_getnum(&v, "exit", &code));
	cr_assert_eq(code, 0);
	tsn_jv_free(&v);
	free(s);
	tsn_report_free(&r);
}

/* The agent's side and the coordinator's side agree. */
Test(output, checks_round_trip)
{
	struct tsn_report a, b;
	struct tsn_buf buf = { 0 };
	struct tsn_json j;
	struct tsn_jv v;
	struct tsn_node_report *src, *dst;

	sample(&a);
	src = &a.nodes[0];
	tsn_json_init(&j, &buf, false);
	tsn_checks_json(src, &j);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_assert_eq(tsn_json_parse(buf.p, buf.len, &v, NULL, 0), 0);
	tsn_report_init(&b, "x");
	dst = tsn_report_node(&b, "n1");
	cr_assert_eq(tsn_checks_from_json(dst, &v), 0);
	cr_assert_eq(dst->n_checks, src->n_checks);
	for (size_t i = 0; i < src->n_checks; i++) {
		cr_assert_str_eq(dst->checks[i].id, src->checks[i].id);
		cr_assert_eq(dst->checks[i].status, src->checks[i].status);
		cr_assert_str_eq(dst->checks[i].detail, src->checks[i].detail);
		cr_assert(tsn_streq(dst->checks[i].fix, src->checks[i].fix));
	}
	tsn_jv_free(&v);
	tsn_buf_free(&buf);
	tsn_report_free(&a);
	tsn_report_free(&b);
}

static const struct {
	const char *json;
	int ret;
	size_t added;
} from_cases[] = {
	{ "[]", -EINVAL, 0 },
	{ "{}", -EINVAL, 0 },
	{ "{\"checks\":{}}", -EINVAL, 0 },
	{ "{\"checks\":null}", -EINVAL, 0 },
	{ "{\"checks\":[1]}", -EINVAL, 0 },
	{ "{\"checks\":[{\"status\":\"ok\"}]}", -EINVAL, 0 },
	{ "{\"checks\":[{\"id\":7,\"status\":\"ok\"}]}", -EINVAL, 0 },
	{ "{\"checks\":[{\"id\":\"\",\"status\":\"ok\"}]}", -EINVAL, 0 },
	{ "{\"checks\":[{\"id\":\"a b\",\"status\":\"ok\"}]}", -EINVAL, 0 },
	{ "{\"checks\":[{\"id\":\"\\u001b[2J\",\"status\":\"ok\"}]}",
	  -EINVAL, 0 },
	{ "{\"checks\":[{\"id\":\"a\"}]}", -EINVAL, 0 },
	{ "{\"checks\":[{\"id\":\"a\",\"status\":\"OK\"}]}", -EINVAL, 0 },
	{ "{\"checks\":[{\"id\":\"a\",\"status\":\"error\"}]}", -EINVAL, 0 },
	{ "{\"checks\":[{\"id\":\"a\",\"status\":0}]}", -EINVAL, 0 },
	{ "{\"checks\":[{\"id\":\"a\",\"status\":\"ok\",\"detail\":1}]}",
	  -EINVAL, 0 },
	{ "{\"checks\":[{\"id\":\"a\",\"status\":\"ok\",\"fix\":[]}]}",
	  -EINVAL, 0 },
	/* One bad check among good ones adds none of them. */
	{ "{\"checks\":[{\"id\":\"a\",\"status\":\"ok\"},"
	  "{\"id\":\"b\",\"status\":\"maybe\"}]}", -EINVAL, 0 },
	{ "{\"checks\":[]}", 0, 0 },
	{ "{\"checks\":[{\"id\":\"a\",\"status\":\"ok\",\"detail\":null,"
	  "\"fix\":null,\"extra\":{\"x\":[1]}}],\"version\":2}", 0, 1 },
	{ "{\"checks\":[{\"id\":\"kernel.esp\",\"status\":\"fail\","
	  "\"detail\":\"%s%n\",\"fix\":\"modprobe esp4\"},"
	  "{\"id\":\"b\",\"status\":\"skip\"}]}", 0, 2 },
};

Test(output, checks_from_hostile_json)
{
	for (size_t i = 0; i < ARRAY_SIZE(from_cases); i++) {
		struct tsn_report r;
		struct tsn_node_report *n;
		struct tsn_jv v;
		char err[128];

		cr_assert_eq(tsn_json_parse(from_cases[i].json,
					    strlen(from_cases[i].json), &v, err,
					    sizeof(err)), 0, "%zu: %s", i, err);
		tsn_report_init(&r, "x");
		n = tsn_report_node(&r, "n1");
		cr_expect_eq(tsn_checks_from_json(n, &v), from_cases[i].ret,
			     "case %zu: %s", i, from_cases[i].json);
		cr_expect_eq(n->n_checks, from_cases[i].added, "case %zu", i);
		if (i == ARRAY_SIZE(from_cases) - 1) {
			/* A format string in a detail stays text. */
			cr_expect_str_eq(n->checks[0].detail, "%s%n");
			cr_expect_str_eq(n->checks[0].fix, "modprobe esp4");
			cr_expect_eq(n->checks[1].status, TSN_ST_SKIP);
			cr_expect_str_eq(n->checks[1].detail, "");
			cr_expect_null(n->checks[1].fix);
		}
		tsn_jv_free(&v);
		tsn_report_free(&r);
	}
	cr_assert_eq(tsn_checks_from_json(NULL, NULL), -EINVAL);
}

/* ---- progress ---- */

Test(output, progress_after_one_second, .init = cr_redirect_stderr)
{
	struct tsn_progress p;

	tsn_progress_begin(&p, true);
	tsn_progress(&p, "early %d", 1);	/* under a second: nothing */
	p.start -= 2;
	tsn_progress(&p, "probing %d/%d", 3, 9);
	tsn_progress(&p, "probing\033[2J %d/%d", 9, 9);
	tsn_progress_end(&p);
	tsn_progress_end(&p);	/* once only */
	fflush(stderr);
	cr_assert_stderr_eq_str("\rprobing 3/9\033[K\rprobing?[2J 9/9\033[K"
				"\r\033[K");
}

Test(output, progress_never_without_tty_or_with_q,
     .init = cr_redirect_stderr)
{
	struct tsn_progress p;

	tsn_progress_begin(&p, false);
	p.start -= 2;
	tsn_progress(&p, "no tty");
	tsn_progress_end(&p);
	tsn_quiet = true;
	tsn_progress_begin(&p, true);
	p.start -= 2;
	tsn_progress(&p, "quiet");
	tsn_progress_end(&p);
	fflush(stderr);
	cr_assert_stderr_eq_str("");
}

/* Longer than the terminal (80 columns when stderr is not one): cut, so
 * \r always returns to the start of the same line. */
Test(output, progress_fits_the_line, .init = cr_redirect_stderr)
{
	struct tsn_progress p;
	char want[128];

	tsn_progress_begin(&p, true);
	p.start -= 2;
	tsn_progress(&p, "%0200d", 0);
	fflush(stderr);
	snprintf(want, sizeof(want), "\r%079d\033[K", 0);
	cr_assert_stderr_eq_str(want);
}

/* An agent reply with more than checks, written in one document. */
Test(output, checks_member_in_a_larger_reply)
{
	struct tsn_report a, b;
	struct tsn_buf buf = { 0 };
	struct tsn_json j;
	struct tsn_jv v;

	sample(&a);
	tsn_json_init(&j, &buf, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "hostname", "n1");
	tsn_checks_json_member(&a.nodes[1], &j);
	tsn_json_kdouble(&j, "time", 1764290000.25);
	tsn_json_obj_end(&j);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_assert_str_eq(buf.p, "{\"hostname\":\"n1\",\"checks\":["
			 "{\"id\":\"kernel.esp\",\"status\":\"warn\","
			 "\"detail\":\"\xc3\xa9t\xc3\xa9\",\"fix\":null},"
			 "{\"id\":\"x\",\"status\":\"skip\",\"detail\":"
			 "\"skipped\",\"fix\":null}],\"time\":1764290000.25}");
	cr_assert_eq(tsn_json_parse(buf.p, buf.len, &v, NULL, 0), 0);
	tsn_report_init(&b, "x");
	cr_assert_eq(tsn_checks_from_json(tsn_report_node(&b, "n1"), &v), 0);
	cr_assert_eq(b.nodes[0].n_checks, 2);
	cr_assert_eq(b.nodes[0].checks[1].status, TSN_ST_SKIP);
	tsn_jv_free(&v);
	tsn_buf_free(&buf);
	tsn_report_free(&a);
	tsn_report_free(&b);
}

/* A problem's scope, where and severity in the JSON; the order to fix
 * them: fails before warnings, then by rank, then the wider scope. */
Test(output, problems_scope_and_order)
{
	struct tsn_report r;
	struct tsn_problem *p;
	char *s;

	tsn_report_init(&r, "probe");
	p = tsn_report_problem_new(&r, "sysctl.x", TSN_ST_WARN, 70);
	cr_assert_eq(tsn_problem_text(p, NULL, NULL, "late %d", 1), 0);
	p = tsn_report_problem_new(&r, "path.esp", TSN_ST_FAIL, 50);
	cr_assert_eq(tsn_problem_node(p, "n1"), 0);
	cr_assert_eq(tsn_problem_node(p, "n1"), 0);	/* once */
	cr_assert_eq(tsn_problem_pair(p, "n1", "n2"), 0);
	cr_assert_eq(tsn_problem_pair(p, "n1", "n2"), 0);
	cr_assert_eq(tsn_problem_text(p, "between a and b", "allow it",
				      "ESP is dropped"), 0);
	p = tsn_report_problem_new(&r, "kernel.esp", TSN_ST_FAIL, 10);
	cr_assert_eq(tsn_problem_text(p, NULL, NULL, "no ESP"), 0);
	tsn_report_sort_problems(&r);
	cr_assert_str_eq(r.problems[0].id, "kernel.esp");
	cr_assert_str_eq(r.problems[1].id, "path.esp");
	cr_assert_str_eq(r.problems[2].id, "sysctl.x");
	s = json_text(&r);
	cr_assert(strstr(s, "{\"id\":\"path.esp\",\"severity\":\"fail\","
			 "\"scope\":{\"nodes\":[\"n1\"],\"pairs\":[{\"from\":"
			 "\"n1\",\"to\":\"n2\"}]},\"what\":\"ESP is dropped\","
			 "\"where\":\"between a and b\",\"fix\":\"allow it\"}"),
		  "%s", s);
	cr_assert(strstr(s, "\"severity\":\"warn\""), "%s", s);
	free(s);
	tsn_report_free(&r);
}

static char *summary_text(const struct tsn_report *r, bool colour)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	cr_assert_not_null(f);
	tsn_report_print_summary(r, f, colour);
	fclose(f);
	return s;
}

/* Verdict first, the causes with their fixes, the checks folded, and
 * a matrix only for a protocol with a verdict that is not good. */
Test(output, summary_golden)
{
	struct tsn_report r;
	struct tsn_problem *p;
	char *s;

	tsn_report_init(&r, "preflight");
	for (int i = 1; i <= 3; i++) {
		char name[16];
		struct tsn_node_report *n;

		snprintf(name, sizeof(name), "n%d", i);
		n = tsn_report_node(&r, name);
		tsn_node_check(n, "kernel.esp", TSN_ST_OK, NULL, "loaded");
		tsn_node_check(n, "mtu", i == 2 ? TSN_ST_WARN : TSN_ST_OK,
			       NULL, "1500");
	}
	tsn_pair_verdict(tsn_report_pair(&r, "n1", "n2"), "udp500", "ok",
			 true, NULL);
	tsn_pair_verdict(tsn_report_pair(&r, "n1", "n2"), "esp", "not-arrived",
			 false, "never seen");
	tsn_pair_verdict(tsn_report_pair(&r, "n2", "n1"), "udp500", "ok",
			 true, NULL);
	tsn_pair_verdict(tsn_report_pair(&r, "n2", "n1"), "esp", "ok", true,
			 NULL);
	p = tsn_report_problem_new(&r, "path.esp", TSN_ST_FAIL, 50);
	tsn_problem_text(p, NULL, "allow ESP", "ESP is dropped on the path "
			 "from n1 to n2: 1 of 1 pairs");
	p = tsn_report_problem_new(&r, "mtu", TSN_ST_WARN, 60);
	tsn_problem_text(p, NULL, NULL, "mtu: warns on 1 of 3 nodes (n2): 1500");
	s = summary_text(&r, false);
	cr_assert_str_eq(s,
		"not ready: 1 problem, 1 warning\n"
		"\n"
		"fail  ESP is dropped on the path from n1 to n2: 1 of 1 pairs\n"
		"      fix: allow ESP\n"
		"warn  mtu: warns on 1 of 3 nodes (n2): 1500\n"
		"\n"
		"checks:\n"
		"  kernel.esp  ok on 3 nodes\n"
		"  mtu         ok on 2 nodes; warn on n2\n"
		"\n"
		"probe:\n"
		"  udp500  ok on 2 pairs\n"
		"  esp     ok on 1 of 2 pairs; not-arrived on 1\n"
		"\n"
		"esp  n1  n2\n"
		"n1   -   not-arrived\n"
		"n2   ok  -\n");
	free(s);
	tsn_report_free(&r);
}

Test(output, summary_ready)
{
	struct tsn_report r;
	char *s;

	tsn_report_init(&r, "preflight");
	tsn_node_check(tsn_report_node(&r, "n1"), "a", TSN_ST_OK, NULL, "x");
	s = summary_text(&r, false);
	cr_assert_str_eq(s, "ready\n\nchecks:\n  a  ok on 1 node\n");
	free(s);
	tsn_report_free(&r);
}
