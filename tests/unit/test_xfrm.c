/* test_xfrm.c - lib/xfrm_stat.c (the drop counters, read as untrusted
 * text), lib/xfrm_judge.c (naming an entry and its removal, tsnet's SAs
 * per pair) and lib/xfrm.c's JSON both ways. */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xfrm.h"

/* ---- /proc/net/xfrm_stat ---- */

static const char real[] =
	"XfrmInError             \t0\n"
	"XfrmInNoStates          \t12\n"
	"XfrmInStateProtoError   \t5\n"
	"XfrmOutStateModeError   \t0\n"
	"XfrmOutNoQueueSpace     \t18446744073709551615\n";

Test(xstat, parses_the_kernels_format)
{
	struct tsn_xstat s;
	char err[96] = "";

	cr_assert_eq(tsn_xstat_parse(real, strlen(real), &s, err,
				     sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.n, 5);
	cr_expect_str_eq(s.c[1].name, "XfrmInNoStates");
	cr_expect_eq(s.c[1].v, 12);
	cr_expect_eq(s.c[4].v, UINT64_MAX);
}

struct bad {
	const char *name;
	const char *text;
	size_t len;		/* 0: strlen */
	const char *err;
};

static const char nul_inside[] = "XfrmInError 0\nXfrm\0InNoStates 1\n";

static const struct bad bads[] = {
	{ "empty", "", 0, "no counters" },
	{ "blank lines only", "\n\n\n", 0, "no counters" },
	{ "no value", "XfrmInError\n", 0, "line 1: no value after the name" },
	{ "blanks, no value", "XfrmInError \t\n", 0, "line 1: not a decimal" },
	{ "negative", "XfrmInError -1\n", 0, "line 1: not a decimal count" },
	{ "hex", "XfrmInError 0x10\n", 0, "line 1: text after the count" },
	{ "two values", "XfrmInError 1 2\n", 0, "line 1: text after" },
	{ "past u64", "XfrmInError 18446744073709551616\n", 0,
	  "line 1: count out of range" },
	{ "21 digits", "XfrmInError 000000000000000000001\n", 0,
	  "line 1: not a decimal count" },
	{ "a name too long for the array",
	  "XfrmInErrorXfrmInErrorXfrmInErrorXfrmInErr 1\n", 0,
	  "line 1: name too long" },
	{ "no name", " 1\n", 0, "line 1: no counter name" },
	{ "a name with a slash", "Xfrm/In 1\n", 0, "line 1: no value" },
	{ "listed twice", "XfrmInError 1\nXfrmInNoStates 2\nXfrmInError 3\n",
	  0, "line 3: counter listed twice" },
	{ "a NUL inside a name", nul_inside, sizeof(nul_inside) - 1,
	  "line 2: no value after the name" },
	{ "a 'count' of letters", "XfrmInError lots\n", 0,
	  "line 1: not a decimal count" },
};

Test(xstat, hostile_inputs_rejected_with_the_line)
{
	for (size_t i = 0; i < ARRAY_SIZE(bads); i++) {
		const struct bad *b = &bads[i];
		struct tsn_xstat s;
		char err[96] = "";

		cr_expect_eq(tsn_xstat_parse(b->text, b->len ? b->len :
					     strlen(b->text), &s, err,
					     sizeof(err)), -EINVAL, "%s",
			     b->name);
		cr_expect(strstr(err, b->err), "%s: '%s'", b->name, err);
	}
}

Test(xstat, too_many_lines_and_too_big)
{
	size_t cap = 70 * 32 + 1;
	char *t = malloc(cap), *big;
	size_t len = 0;
	struct tsn_xstat s;
	char err[96] = "";

	for (int i = 0; i < 70; i++)
		len += (size_t)snprintf(t + len, cap - len, "Counter%d %d\n",
					i, i);
	cr_expect_eq(tsn_xstat_parse(t, len, &s, err, sizeof(err)), -EINVAL);
	cr_expect(strstr(err, "line 65: too many counters"), "%s", err);
	big = calloc(1, 70000);
	memset(big, '\n', 69999);
	cr_expect_eq(tsn_xstat_parse(big, 69999, &s, err, sizeof(err)),
		     -EINVAL);
	cr_expect(strstr(err, "larger than"), "%s", err);
	free(big);
	free(t);
}

Test(xstat, crlf_trailing_blanks_and_no_final_newline)
{
	static const char t[] = "XfrmInError 1\r\nXfrmInNoStates\t2  \nX 3";
	struct tsn_xstat s;
	char err[96] = "";

	cr_assert_eq(tsn_xstat_parse(t, strlen(t), &s, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect_eq(s.n, 3);
	cr_expect_eq(s.c[2].v, 3);
}

Test(xstat, read_missing_file_is_enoent)
{
	struct tsn_xstat s;
	char err[96] = "";

	cr_expect_eq(tsn_xstat_read("/nonexistent/xfrm_stat", &s, err,
				    sizeof(err)), -ENOENT);
}

Test(xstat, every_counter_of_the_file_has_a_meaning)
{
	static const char *const names[] = {
		"XfrmInError", "XfrmInBufferError", "XfrmInHdrError",
		"XfrmInNoStates", "XfrmInStateProtoError",
		"XfrmInStateModeError", "XfrmInStateSeqError",
		"XfrmInStateExpired", "XfrmInStateMismatch",
		"XfrmInStateInvalid", "XfrmInTmplMismatch", "XfrmInNoPols",
		"XfrmInPolBlock", "XfrmInPolError", "XfrmOutError",
		"XfrmOutBundleGenError", "XfrmOutBundleCheckError",
		"XfrmOutNoStates", "XfrmOutStateProtoError",
		"XfrmOutStateModeError", "XfrmOutStateSeqError",
		"XfrmOutStateExpired", "XfrmOutPolBlock", "XfrmOutPolDead",
		"XfrmOutPolError", "XfrmFwdHdrError", "XfrmOutStateInvalid",
		"XfrmAcquireError", "XfrmOutStateDirError",
		"XfrmInStateDirError", "XfrmInIptfsError",
		"XfrmOutNoQueueSpace",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		cr_expect(tsn_xstat_meaning(names[i]), "%s", names[i]);
	cr_expect(strstr(tsn_xstat_meaning("XfrmInStateProtoError"),
			 "keys or algorithms do not match"));
	cr_expect(strstr(tsn_xstat_meaning("XfrmOutStateModeError"),
			 "too big"));
	cr_expect_null(tsn_xstat_meaning("XfrmSomethingNew"));
}

/* What rose, as the agent writes it and the coordinator says it. */
Test(xstat, rose_json_and_text)
{
	static const char before[] = "XfrmInNoStates 10\nXfrmInStateProtoError "
		"0\nXfrmOutNoStates 4\n";
	static const char after[] = "XfrmInNoStates 13\nXfrmInStateProtoError "
		"5\nXfrmOutNoStates 4\nXfrmBrandNew 2\n";
	struct tsn_xstat b, a;
	struct tsn_buf out = { 0 }, text = { 0 };
	struct tsn_json j;
	struct tsn_jv v;
	char err[96];
	bool missing = true;

	cr_assert_eq(tsn_xstat_parse(before, strlen(before), &b, err,
				     sizeof(err)), 0);
	cr_assert_eq(tsn_xstat_parse(after, strlen(after), &a, err,
				     sizeof(err)), 0);
	tsn_json_init(&j, &out, false);
	tsn_xstat_json(&j, 0, NULL, &b, &a);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_expect_str_eq(out.p, "{\"rose\":{\"XfrmInNoStates\":3,"
			 "\"XfrmInStateProtoError\":5,\"XfrmBrandNew\":2}}");
	cr_assert_eq(tsn_json_parse(out.p, out.len, &v, err, sizeof(err)), 0);
	cr_expect_eq(tsn_xstat_rose_text(&v, (const char *const[]){
		"XfrmInNoStates", NULL }, &text, &missing), 2);
	cr_expect_not(missing);
	cr_expect(strstr(text.p, "XfrmInStateProtoError +5 (ESP that its SA "
			 "failed to authenticate or decrypt (the two ends' "
			 "keys or algorithms do not match))"), "%s", text.p);
	cr_expect(strstr(text.p, "XfrmBrandNew +2 (a counter this tsnet does "
			 "not know)"), "%s", text.p);
	cr_expect_null(strstr(text.p, "XfrmInNoStates"), "%s", text.p);
	tsn_jv_free(&v);
	tsn_buf_free(&out);
	tsn_buf_free(&text);
}

Test(xstat, missing_file_and_hostile_keys)
{
	static const char in[] = "{\"rose\":{\"Xfrm\\nInjected\":4,"
		"\"XfrmInNoPols\":\"7\",\"XfrmInPolBlock\":-3,"
		"\"XfrmInNoStates\":1}}";
	struct tsn_buf out = { 0 }, text = { 0 };
	struct tsn_json j;
	struct tsn_jv v;
	char err[96];
	bool missing = false;

	tsn_json_init(&j, &out, false);
	tsn_xstat_json(&j, -ENOENT, NULL, NULL, NULL);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_expect_str_eq(out.p, "{\"missing\":true}");
	cr_assert_eq(tsn_json_parse(out.p, out.len, &v, err, sizeof(err)), 0);
	cr_expect_eq(tsn_xstat_rose_text(&v, NULL, &text, &missing), 0);
	cr_expect(missing);
	tsn_jv_free(&v);
	/* a name with a newline, a string count, a negative one: dropped */
	cr_assert_eq(tsn_json_parse(in, strlen(in), &v, err, sizeof(err)), 0);
	cr_expect_eq(tsn_xstat_rose_text(&v, NULL, &text, &missing), 1);
	cr_expect(strstr(text.p, "XfrmInNoStates +1"), "%s", text.p);
	cr_expect_null(strchr(text.p, '\n'));
	tsn_jv_free(&v);
	tsn_buf_free(&out);
	tsn_buf_free(&text);
}

/* ---- naming an entry, and removing exactly it ---- */

Test(xfrm, describe_and_fix_a_block_policy)
{
	struct tsn_xfrm_seen s = {
		.policy = true, .family = AF_INET, .src = { 198, 18, 1, 1 },
		.src_len = 32, .dst = { 198, 18, 1, 2 }, .dst_len = 32,
		.dir = XFRM_POLICY_OUT, .action = XFRM_POLICY_BLOCK,
		.proto = IPPROTO_UDP, .dport = 4500, .priority = 100,
		.index = 17,
	};
	char d[200], f[200];

	tsn_xfrm_describe(&s, d, sizeof(d));
	tsn_xfrm_fix(&s, f, sizeof(f));
	cr_expect_str_eq(d, "policy out 198.18.1.1/32 -> 198.18.1.2/32 proto "
			 "udp dport 4500 action block priority 100 index 17");
	cr_expect_str_eq(f, "ip xfrm policy delete dir out src 198.18.1.1/32 "
			 "dst 198.18.1.2/32 proto udp dport 4500");
}

Test(xfrm, describe_and_fix_a_state)
{
	struct tsn_xfrm_seen s = {
		.family = AF_INET6, .src = { 0xfd, 0, 0x74, 0x73, [15] = 1 },
		.dst = { 0xfd, 0, 0x74, 0x73, [15] = 2 }, .src_len = 128,
		.dst_len = 128, .proto = IPPROTO_ESP, .spi = 0xc0ffee01,
	};
	char d[200], f[200];

	tsn_xfrm_describe(&s, d, sizeof(d));
	tsn_xfrm_fix(&s, f, sizeof(f));
	cr_expect_str_eq(d, "state esp fd00:7473::1 -> fd00:7473::2 spi "
			 "0xc0ffee01");
	cr_expect_str_eq(f, "ip xfrm state delete src fd00:7473::1 dst "
			 "fd00:7473::2 proto esp spi 0xc0ffee01");
}

/* ---- tsnet's SAs per pair ---- */

#define ST(s4, d4, sp) { .family = AF_INET, .src = { 198, 18, 1, s4 }, \
	.dst = { 198, 18, 1, d4 }, .src_len = 32, .dst_len = 32, \
	.proto = IPPROTO_ESP, .spi = sp }

static const uint8_t n1[16] = { 198, 18, 1, 1 }, n2[16] = { 198, 18, 1, 2 };

struct sa_case {
	const char *name;
	struct tsn_xfrm_list a, b;	/* n1's, n2's */
	unsigned a_in, a_out, a_dup;
	bool match;
	const char *why;
};

static const struct sa_case sa_cases[] = {
	{ "one each way, agreeing",
	  { .s = { ST(1, 2, 0xa1), ST(2, 1, 0xb1) }, .n = 2 },
	  { .s = { ST(2, 1, 0xb1), ST(1, 2, 0xa1) }, .n = 2 },
	  1, 1, 0, true, NULL },
	{ "rekeying: two each way",
	  { .s = { ST(1, 2, 0xa1), ST(2, 1, 0xb1), ST(1, 2, 0xa2),
		   ST(2, 1, 0xb2) }, .n = 4 },
	  { .s = { ST(2, 1, 0xb1), ST(1, 2, 0xa1), ST(2, 1, 0xb2),
		   ST(1, 2, 0xa2) }, .n = 4 },
	  2, 2, 0, true, NULL },
	{ "n2 lost its inbound SA",
	  { .s = { ST(1, 2, 0xa1), ST(2, 1, 0xb1) }, .n = 2 },
	  { .s = { ST(2, 1, 0xb1) }, .n = 1 },
	  1, 1, 0, false,
	  "n1 sends to n2 with SPI 0x000000a1, which n2 has no SA for" },
	{ "a state listed twice, another peer's ignored",
	  { .s = { ST(1, 2, 0xa1), ST(2, 1, 0xb1), ST(1, 2, 0xa1),
		   ST(1, 3, 0xc1) }, .n = 4 },
	  { .s = { ST(2, 1, 0xb1), ST(1, 2, 0xa1) }, .n = 2 },
	  1, 1, 1, true, NULL },
};

Test(xfrm, peer_sas_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(sa_cases); i++) {
		const struct sa_case *c = &sa_cases[i];
		struct tsn_xfrm_peer_sas a, b;
		char why[200] = "";

		tsn_xfrm_peer_sas(&c->a, AF_INET, n1, n2, &a);
		tsn_xfrm_peer_sas(&c->b, AF_INET, n2, n1, &b);
		cr_expect_eq(a.in, c->a_in, "%s: in %u", c->name, a.in);
		cr_expect_eq(a.out, c->a_out, "%s: out %u", c->name, a.out);
		cr_expect_eq(a.dup, c->a_dup, "%s: dup %u", c->name, a.dup);
		cr_expect_eq(tsn_xfrm_spis_match(&a, &b, "n1", "n2", why,
						 sizeof(why)), c->match, "%s",
			     c->name);
		if (c->why)
			cr_expect_str_eq(why, c->why, "%s", c->name);
	}
}

/* ---- the agent's JSON, both ways ---- */

Test(xfrm, list_json_round_trip_and_bad_entries_dropped)
{
	static const char hostile[] = "{\"states\":[{\"src\":\"198.18.1.1\","
		"\"dst\":\"fd00::1\",\"proto\":50,\"spi\":1},"
		"{\"src\":\"198.18.1.1\",\"dst\":\"198.18.1.2\",\"proto\":50,"
		"\"spi\":-1},{\"src\":\"x\",\"dst\":\"198.18.1.2\",\"proto\":50,"
		"\"spi\":1}],\"policies\":[{\"src\":\"198.18.1.0\",\"dst\":"
		"\"198.18.1.0\",\"proto\":0,\"src_len\":33,\"dst_len\":24,"
		"\"dir\":1,\"action\":1},{\"src\":\"198.18.1.0\",\"dst\":"
		"\"198.18.1.0\",\"proto\":0,\"src_len\":24,\"dst_len\":24,"
		"\"dir\":7,\"action\":1}]}";
	struct tsn_xfrm_list *l = calloc(1, sizeof(*l)), *m = calloc(1,
								     sizeof(*m));
	struct tsn_buf out = { 0 };
	struct tsn_json j;
	struct tsn_jv v;
	char err[96];

	l->s[0] = (struct tsn_xfrm_seen)ST(1, 2, 0xa1);
	l->s[0].integrity_failed = 9;
	l->s[1] = (struct tsn_xfrm_seen){ .policy = true, .family = AF_INET,
		.src = { 198, 18, 1, 1 }, .src_len = 32,
		.dst = { 198, 18, 1, 2 }, .dst_len = 32, .dir = 1,
		.action = 1, .priority = 5, .index = 3, .dport = 500,
		.proto = IPPROTO_UDP };
	l->n = 2;
	l->total_sa = l->total_pol = 1;
	tsn_json_init(&j, &out, false);
	tsn_xfrm_list_json(&j, l);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_assert_eq(tsn_json_parse(out.p, out.len, &v, err, sizeof(err)), 0);
	cr_assert_eq(tsn_xfrm_list_from_json(&v, m), 0);
	cr_expect_eq(m->n, 2);
	cr_expect_eq(memcmp(&m->s[0], &l->s[0], sizeof(l->s[0])), 0);
	cr_expect_eq(memcmp(&m->s[1], &l->s[1], sizeof(l->s[1])), 0);
	tsn_jv_free(&v);
	/* mixed families, a negative SPI, a bad address, a prefix past 32,
	 * a direction past fwd: each entry dropped, the list kept */
	cr_assert_eq(tsn_json_parse(hostile, strlen(hostile), &v, err,
				    sizeof(err)), 0);
	cr_expect_eq(tsn_xfrm_list_from_json(&v, m), 0);
	cr_expect_eq(m->n, 0);
	tsn_jv_free(&v);
	cr_expect_eq(tsn_xfrm_list_from_json(NULL, m), -EINVAL);
	tsn_buf_free(&out);
	free(l);
	free(m);
}

/* ---- the coordinator's checks from an agent's window ---- */

#include "lib/output.h"

Test(xstat, checks_name_the_counter_and_the_pair)
{
	static const char in[] = "{\"rose\":{\"XfrmInNoStates\":9,"
		"\"XfrmInStateProtoError\":5},\"auth_failed\":{\"n1\":5,"
		"\"bad name\":3}}";
	struct tsn_report r;
	struct tsn_node_report *nr;
	struct tsn_jv v;
	char err[96];

	cr_assert_eq(tsn_json_parse(in, strlen(in), &v, err, sizeof(err)), 0);
	tsn_report_init(&r, "t");
	nr = tsn_report_node(&r, "n2");
	cr_assert_eq(tsn_xstat_checks(nr, "n2", &v, "during the probe",
				      (const char *const[]){ "XfrmInNoStates",
				      NULL }), 0);
	cr_assert_eq(nr->n_checks, 1);
	cr_expect_str_eq(nr->checks[0].id, "xfrm.stat.XfrmInStateProtoError");
	cr_expect_eq(nr->checks[0].status, TSN_ST_FAIL);
	cr_expect_str_eq(nr->checks[0].detail, "XfrmInStateProtoError rose by "
			 "5 during the probe: ESP that its SA failed to "
			 "authenticate or decrypt (the two ends' keys or "
			 "algorithms do not match) (n1 -> n2: 5 packets)");
	tsn_report_free(&r);
	tsn_jv_free(&v);
}

Test(xstat, checks_missing_noted_not_failed_and_nothing_rose_ok)
{
	struct tsn_report r;
	struct tsn_node_report *nr;
	struct tsn_jv v;
	char err[96];

	cr_assert_eq(tsn_json_parse("{\"missing\":true}", 16, &v, err,
				    sizeof(err)), 0);
	tsn_report_init(&r, "t");
	nr = tsn_report_node(&r, "n1");
	cr_assert_eq(tsn_xstat_checks(nr, "n1", &v, "during the proof", NULL),
		     0);
	cr_expect_eq(nr->checks[0].status, TSN_ST_SKIP);
	cr_expect(strstr(nr->checks[0].detail, "CONFIG_XFRM_STATISTICS"));
	cr_expect_eq(tsn_report_exit_code(&r), 0);
	tsn_jv_free(&v);
	cr_assert_eq(tsn_json_parse("{\"rose\":{}}", 11, &v, err,
				    sizeof(err)), 0);
	cr_assert_eq(tsn_xstat_checks(nr, "n1", &v, "during the proof", NULL),
		     0);
	cr_expect_eq(nr->checks[1].status, TSN_ST_OK);
	cr_expect_str_eq(nr->checks[1].detail, "no IPsec drop counter rose "
			 "during the proof");
	/* an older tsnet's reply without the member: said, not passed */
	cr_assert_eq(tsn_xstat_checks(nr, "n1", NULL, "during the proof",
				      NULL), 0);
	cr_expect_eq(nr->checks[2].status, TSN_ST_WARN);
	tsn_report_free(&r);
	tsn_jv_free(&v);
}
