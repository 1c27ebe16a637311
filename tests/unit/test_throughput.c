/* test_throughput.c - the throughput command's pure parts: the /proc
 * parsers on recorded and hostile text, the hello on the wire, the
 * round-robin schedule, an agent's reply read as untrusted, and the
 * limits named from recorded /proc/crypto files (tests/data/crypto/).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/json.h"
#include "lib/output.h"
#include "lib/util.h"
#include "throughput/throughput.h"

#define CRYPTO "tests/data/crypto/"

static int stat_of(const char *s, struct tsn_cpu_snap *out)
{
	return tsn_proc_stat_parse(s, strlen(s), out);
}

Test(proc_stat, two_cpus_and_use)
{
	const char *a = "cpu  100 0 100 800 0 0 0 0 0 0\n"
			"cpu0 50 0 50 400 0 0 0 0 0 0\n"
			"cpu1 50 0 50 400 0 0 0 0 0 0\n"
			"intr 1 2 3\nctxt 99\n";
	const char *b = "cpu  200 0 300 900 0 0 100 0 0 0\n"
			"cpu0 50 0 60 490 0 0 0 0 0 0\n"
			"cpu1 150 0 240 410 0 0 100 0 0 0\n";
	struct tsn_cpu_snap sa, sb;
	struct tsn_cpu_use u;

	cr_assert_eq(stat_of(a, &sa), 0);
	cr_assert_eq(stat_of(b, &sb), 0);
	cr_assert_eq(sa.n, 2);
	cr_assert_eq(tsn_cpu_use(&sa, &sb, &u), 0);
	/* all: busy +400 (user 100, system 200, softirq 100), total +500 */
	cr_assert_float_eq(u.busy, 80.0, 1e-9);
	/* cpu1: busy 390 of 400, softirq 100 of 400 */
	cr_assert_float_eq(u.core_max, 97.5, 1e-9);
	cr_assert_float_eq(u.softirq_max, 25.0, 1e-9);
	cr_assert_eq(u.ncpu, 2);
	/* backwards is another host, or a reset: refused */
	cr_assert_eq(tsn_cpu_use(&sb, &sa, &u), -EINVAL);
	tsn_cpu_snap_free(&sa);
	tsn_cpu_snap_free(&sb);
}

Test(proc_stat, hostile)
{
	static const char *const bad[] = {
		"",					/* nothing */
		"cpu0 1 2 3 4 5 6 7 8\n",		/* no sum line */
		"cpu  1 2 3 4 5 6 7 8\n",		/* no CPU line */
		"cpu  1 2 3 4 5 6\ncpu0 1 2 3 4 5 6 7\n",	/* short */
		"cpu  1 2 x 4 5 6 7 8\ncpu0 1 2 3 4 5 6 7 8\n",
		"cpu  1 2 3 4 5 6 7 8\ncpu99999 1 2 3 4 5 6 7 8\n",
		"cpu  1 2 3 4 5 6 7 8\ncpu-1 1 2 3 4 5 6 7 8\n",
		"cpu  -1 2 3 4 5 6 7 8\ncpu0 1 2 3 4 5 6 7 8\n",
		"cpu  18446744073709551615 2 3 4 5 6 7 8\n"
		"cpu0 1 2 3 4 5 6 7 8\n",		/* sums would wrap */
		"cpu  99999999999999999999999 2 3 4 5 6 7 8\n",
		"cpux 1 2 3 4 5 6 7 8\ncpu  1 2 3 4 5 6 7 8\n",
	};
	struct tsn_cpu_snap s;
	char *huge;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_expect_eq(stat_of(bad[i], &s), -EINVAL, "case %zu", i);
	/* an embedded NUL and a line past any real one */
	cr_assert_eq(tsn_proc_stat_parse("cpu  1 2 3\0 4 5 6 7\n", 20, &s),
		     -EINVAL);
	huge = malloc(20000);
	memset(huge, '1', 20000);
	memcpy(huge, "cpu  ", 5);
	cr_assert_eq(tsn_proc_stat_parse(huge, 20000, &s), -EINVAL);
	free(huge);
}

Test(proc_stat, this_host)
{
	struct tsn_tput_sample a, b;

	tsn_tput_sample(&a);
	tsn_tput_sample(&b);
	cr_assert(a.cpu_ok && b.cpu_ok, "this host's /proc/stat parses");
	cr_assert(a.snmp_ok, "this host's /proc/net/snmp parses");
	tsn_tput_sample_free(&a);
	tsn_tput_sample_free(&b);
}

static struct tsn_aead crypto_file(const char *name)
{
	struct tsn_aead ae;
	char *t = NULL;
	size_t n;

	cr_assert_eq(tsn_read_file(name, 1 << 20, &t, &n), 0, "%s", name);
	cr_assert_eq(tsn_proc_crypto_parse(t, n, &ae), 0, "%s", name);
	free(t);
	return ae;
}

Test(proc_crypto, recorded)
{
	struct tsn_aead ae = crypto_file(CRYPTO "aesni.txt");

	/* the highest priority, not the first; not the internal one */
	cr_assert_eq(ae.kind, TSN_AEAD_ACCEL);
	cr_assert_str_eq(ae.driver, "rfc4106-gcm-aesni");
	ae = crypto_file(CRYPTO "generic.txt");
	cr_assert_eq(ae.kind, TSN_AEAD_GENERIC);
	cr_assert_str_eq(ae.name, "rfc4106(gcm(aes))");
	/* a driver whose self-test did not pass is never picked */
	ae = crypto_file(CRYPTO "failed-accel.txt");
	cr_assert_eq(ae.kind, TSN_AEAD_COMPOSED);
	cr_assert_str_eq(ae.driver,
			 "rfc4106(gcm_base(ctr(aes-aesni),ghash-clmulni))");
	/* no ESP yet: what GCM would be built on (priority 101 wins) */
	ae = crypto_file(CRYPTO "host-no-esp.txt");
	cr_assert_eq(ae.kind, TSN_AEAD_GENERIC);
	cr_assert_str_eq(ae.name, "aes");
	cr_assert_str_eq(ae.driver, "aes-fixed-time");
}

Test(proc_crypto, hostile)
{
	static const char *const bad[] = {
		"name : rfc4106(gcm(aes))\npriority : high\n",
		"name : rfc4106(gcm(aes))\npriority : -4\n",
		"name : rfc4106(gcm(aes))\npriority : 99999999999999\n",
		"name : AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		"AAAAAAAAAAAAAAAAAAAA\n",
	};
	struct tsn_aead ae;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_expect_eq(tsn_proc_crypto_parse(bad[i], strlen(bad[i]), &ae),
			     -EINVAL, "case %zu", i);
	/* nothing we know: unknown, not an error and not a guess */
	cr_assert_eq(tsn_proc_crypto_parse("garbage\n\n\n::\n", 13, &ae), 0);
	cr_assert_eq(ae.kind, TSN_AEAD_UNKNOWN);
	/* a record without a driver names nothing */
	cr_assert_eq(tsn_proc_crypto_parse("name : aes\npriority : 1\n", 24,
					   &ae), 0);
	cr_assert_eq(ae.kind, TSN_AEAD_UNKNOWN);
}

Test(proc_cpuinfo, flags)
{
	const char *x86 = "processor\t: 0\nflags\t\t: fpu sse2 aes avx "
			  "pclmulqdq\n\nprocessor\t: 1\nflags\t\t: fpu\n";
	const char *arm = "processor\t: 0\nFeatures\t: fp asimd aes pmull\n";
	const char *none = "processor\t: 0\nflags\t\t: fpu sse2 aesx\n";
	struct tsn_cpu_flags f;

	cr_assert_eq(tsn_proc_cpuinfo_parse(x86, strlen(x86), &f), 0);
	cr_assert(f.known && f.aes && f.clmul);
	cr_assert_eq(tsn_proc_cpuinfo_parse(arm, strlen(arm), &f), 0);
	cr_assert(f.known && f.aes && f.clmul);
	cr_assert_eq(tsn_proc_cpuinfo_parse(none, strlen(none), &f), 0);
	cr_assert(f.known && !f.aes && !f.clmul, "aesx is not aes");
	cr_assert_eq(tsn_proc_cpuinfo_parse("model : x\n", 10, &f), 0);
	cr_assert(!f.known);
}

Test(proc_snmp, counters)
{
	const char *ok = "Ip: Forwarding DefaultTTL FragCreates ReasmReqds\n"
			 "Ip: 1 64 7 3\n"
			 "Icmp: InMsgs\nIcmp: 0\n"
			 "Tcp: RtoAlgorithm RetransSegs\nTcp: 1 42\n";
	const char *skew = "Ip: Forwarding FragCreates\nIp: 1\n"
			   "Tcp: RetransSegs\nTcp: 42\n";
	const char *notcp = "Ip: FragCreates\nIp: 1\n";
	const char *neg = "Ip: FragCreates\nIp: -1\nTcp: RetransSegs\nTcp: 1\n";
	struct tsn_snmp s;

	cr_assert_eq(tsn_proc_snmp_parse(ok, strlen(ok), &s), 0);
	cr_assert_eq(s.frag_creates, 7);
	cr_assert_eq(s.reasm_reqds, 3);
	cr_assert_eq(s.retrans, 42);
	cr_assert_eq(tsn_proc_snmp_parse(skew, strlen(skew), &s), -EINVAL);
	cr_assert_eq(tsn_proc_snmp_parse(notcp, strlen(notcp), &s), -EINVAL);
	cr_assert_eq(tsn_proc_snmp_parse(neg, strlen(neg), &s), -EINVAL);
}

Test(wire, hello)
{
	struct tsn_tput_hello h = { .kind = TSN_TPUT_TO_SENDER, .ms = 10000,
				    .token = { 1, 2, 3, 4, 5, 6, 7, 8 } }, g;
	uint8_t b[TSN_TPUT_HELLO_LEN], c[TSN_TPUT_HELLO_LEN];

	tsn_tput_hello_build(b, &h);
	cr_assert_eq(memcmp(b, "TSNT\001S\0\0\0\0\x27\x10\1\2\3\4\5\6\7\10",
			    sizeof(b)), 0, "golden bytes");
	cr_assert_eq(tsn_tput_hello_parse(b, sizeof(b), &g), 0);
	cr_assert_eq(g.kind, 'S');
	cr_assert_eq(g.ms, 10000);
	cr_assert_eq(memcmp(g.token, h.token, 8), 0);
	for (size_t n = 0; n < sizeof(b); n++)	/* every short read fails */
		cr_expect_eq(tsn_tput_hello_parse(b, n, &g), -EINVAL);
	/* magic, version, kind, the zero bytes: any changed is refused */
	for (size_t i = 0; i < 8; i++) {
		memcpy(c, b, sizeof(c));
		c[i] ^= 0x80;
		cr_expect_eq(tsn_tput_hello_parse(c, sizeof(c), &g), -EINVAL,
			     "byte %zu", i);
	}
	h.ms = 600001;	/* past ten minutes: no phase of ours */
	tsn_tput_hello_build(c, &h);
	cr_assert_eq(tsn_tput_hello_parse(c, sizeof(c), &g), -EINVAL);
}

/* Every pair once, no node twice in a round, the circle's round count. */
static void check_schedule(unsigned n)
{
	size_t np = n * (n - 1) / 2;
	struct tsn_tput_pair *p = calloc(np, sizeof(*p));
	unsigned rounds, seen[64][64] = { { 0 } }, in_round[64];
	size_t k = 0;

	for (unsigned a = 0; a < n; a++)
		for (unsigned b = a + 1; b < n; b++)
			p[k++] = (struct tsn_tput_pair){ a, b, 0 };
	rounds = tsn_tput_schedule(p, np, n);
	cr_assert_eq(rounds, n % 2 ? n : n - 1, "%u nodes", n);
	for (unsigned r = 0; r < rounds; r++) {
		memset(in_round, 0, sizeof(in_round));
		for (size_t i = 0; i < np; i++) {
			if (p[i].round != r)
				continue;
			cr_assert_eq(in_round[p[i].a]++, 0, "n=%u round %u", n, r);
			cr_assert_eq(in_round[p[i].b]++, 0, "n=%u round %u", n, r);
		}
	}
	for (size_t i = 0; i < np; i++) {
		cr_assert(i == 0 || p[i].round >= p[i - 1].round, "by round");
		cr_assert_eq(seen[p[i].a][p[i].b]++, 0);
	}
	free(p);
}

Test(schedule, round_robin)
{
	for (unsigned n = 2; n <= 17; n++)
		check_schedule(n);
}

Test(schedule, subset)
{
	/* a star: every pair shares n0, so one per round */
	struct tsn_tput_pair p[] = { { 0, 1, 0 }, { 0, 2, 0 }, { 0, 3, 0 },
				     { 2, 3, 0 } };

	cr_assert_eq(tsn_tput_schedule(p, 4, 4), 3);
	for (int i = 0; i < 4; i++)
		for (int k = i + 1; k < 4; k++)
			if (p[i].round == p[k].round)
				cr_assert(p[i].a != p[k].a && p[i].a != p[k].b &&
					  p[i].b != p[k].a && p[i].b != p[k].b);
}

static int parse_end(const char *json, struct tsn_tput_end *e)
{
	struct tsn_jv v;
	char err[128];
	int ret;

	cr_assert_eq(tsn_json_parse(json, strlen(json), &v, err, sizeof(err)),
		     0, "%s", err);
	ret = tsn_tput_end_parse(&v, e);
	tsn_jv_free(&v);
	return ret;
}

Test(reply, untrusted)
{
	struct tsn_tput_end e;

	cr_assert_eq(parse_end("{\"start\":1796685331.2,\"end\":1796685333,"
			       "\"cpu\":{\"busy\":40,\"core_max\":90,"
			       "\"softirq_max\":10,\"ncpu\":4},"
			       "\"crypto\":{\"kind\":\"generic\",\"name\":\"aes\","
			       "\"driver\":\"aes-generic\"}}", &e), 0);
	cr_assert(e.ok && e.cpu_ok);
	cr_assert_eq(e.cpu.ncpu, 4);
	cr_assert_eq(e.aead.kind, TSN_AEAD_GENERIC);
	/* a CPU figure past 100% is not believed, the rest stays */
	cr_assert_eq(parse_end("{\"start\":1796685331,\"end\":1796685333,"
			       "\"cpu\":{\"busy\":150,\"core_max\":90,"
			       "\"softirq_max\":10,\"ncpu\":4}}", &e), 0);
	cr_assert(e.ok && !e.cpu_ok);
	/* an unknown kind is unknown, never generic or accelerated */
	cr_assert_eq(parse_end("{\"start\":1796685331,\"end\":1796685333,"
			       "\"crypto\":{\"kind\":\"fast\",\"name\":\"a\","
			       "\"driver\":\"b\"}}", &e), 0);
	cr_assert_eq(e.aead.kind, TSN_AEAD_UNKNOWN);
	/* no times, times backwards, not an object */
	cr_assert_eq(parse_end("{\"end\":1796685333}", &e), -EINVAL);
	cr_assert_eq(parse_end("{\"start\":1796685333,\"end\":1796685331}",
			       &e), -EINVAL);
	cr_assert_eq(parse_end("[1,2]", &e), -EINVAL);
}

static const struct tsn_problem *find_problem(const struct tsn_report *r,
					      const char *id)
{
	for (size_t i = 0; i < r->n_problems; i++)
		if (!strcmp(r->problems[i].id, id))
			return &r->problems[i];
	return NULL;
}

static void end_from(struct tsn_tput_end *e, const char *file, bool aes)
{
	memset(e, 0, sizeof(*e));
	e->ok = true;
	e->aead = crypto_file(file);
	e->flags = (struct tsn_cpu_flags){ true, aes, aes };
}

Test(limits, generic_gcm_named)
{
	struct tsn_node n[3] = { { .name = "db1" }, { .name = "db2" },
				 { .name = "db3" } };
	struct tsn_tput_result res[2] = {
		{ .a = &n[0], .b = &n[1], .ok = true, .streams = 1 },
		{ .a = &n[0], .b = &n[2], .ok = true, .streams = 1 },
	};
	struct tsn_tput_run run = { .res = res, .n = 2 };
	const struct tsn_problem *p;
	struct tsn_report r;

	end_from(&res[0].ea, CRYPTO "aesni.txt", true);
	end_from(&res[0].eb, CRYPTO "generic.txt", true);
	res[1].ea = res[0].ea;
	end_from(&res[1].eb, CRYPTO "generic.txt", false);
	tsn_report_init(&r, "throughput");
	cr_assert_eq(tsn_tput_limits(&r, &run, 1), 0);
	p = find_problem(&r, "throughput.gcm");
	cr_assert_not_null(p);
	/* db2 and db3 differ in AES flags: their fixes differ too */
	cr_assert_eq(p->n_nodes, 1);
	cr_assert(strstr(p->what, "generic C code"), "%s", p->what);
	p = find_problem(&r, "throughput.cpu-aes");
	cr_assert_not_null(p);
	cr_assert_eq(p->n_nodes, 1);
	cr_assert_str_eq(p->nodes[0], "db3");
	for (size_t i = 0; i < r.n_problems; i++)
		for (size_t k = 0; k < r.problems[i].n_nodes; k++)
			cr_assert_str_neq(r.problems[i].nodes[k], "db1",
					  "AES-NI is no limit");
	tsn_report_free(&r);
}

Test(limits, path_and_cpu)
{
	struct tsn_node n[2] = { { .name = "db1" }, { .name = "db2" } };
	struct tsn_tput_result res = { .a = &n[0], .b = &n[1], .ok = true,
				       .streams = 1, .mss = 536, .encap = true };
	struct tsn_tput_run run = { .res = &res, .n = 1 };
	struct tsn_report r;

	res.ea.ok = res.eb.ok = true;
	res.ea.frag_creates = 12;
	res.eb.cpu_ok = true;
	res.eb.cpu = (struct tsn_cpu_use){ 52, 99, 20, 2 };
	tsn_report_init(&r, "throughput");
	cr_assert_eq(tsn_tput_limits(&r, &run, 1), 0);
	cr_assert_not_null(find_problem(&r, "throughput.fragments"));
	cr_assert_not_null(find_problem(&r, "throughput.mss"));
	cr_assert_not_null(find_problem(&r, "throughput.encap"));
	cr_assert_not_null(find_problem(&r, "throughput.one-core"));
	cr_assert_null(find_problem(&r, "throughput.softirq"));
	tsn_report_free(&r);
	/* the whole machine busy is not one core's limit; softirq is */
	res.eb.cpu = (struct tsn_cpu_use){ 99, 100, 85, 2 };
	res.mss = 1448;
	res.encap = false;
	res.ea.frag_creates = 0;
	tsn_report_init(&r, "throughput");
	cr_assert_eq(tsn_tput_limits(&r, &run, 1), 0);
	cr_assert_null(find_problem(&r, "throughput.one-core"));
	cr_assert_not_null(find_problem(&r, "throughput.softirq"));
	cr_assert_eq(r.n_problems, 1);
	tsn_report_free(&r);
}

/* A peer that goes quiet mid-run: every read and write the sender makes
 * ends at its deadline (review: a blocking read hung the agent), even on
 * a blocking socket; partial data is not a whole answer. */
Test(send, io_until_deadline, .timeout = 10)
{
	static uint8_t big[4u << 20];
	uint8_t b[8];
	int sv[2];
	double t0;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	t0 = tsn_now();
	cr_assert_eq(tsn_tput_io_until(sv[0], false, b, 8, t0 + 0.2),
		     -ETIMEDOUT);
	cr_assert_lt(tsn_now() - t0, 2.0);
	cr_assert_eq(write(sv[1], "abc", 3), 3);
	cr_assert_eq(tsn_tput_io_until(sv[0], false, b, 8, tsn_now() + 0.2),
		     -ETIMEDOUT);
	cr_assert_eq(write(sv[1], "abcdefgh", 8), 8);
	cr_assert_eq(tsn_tput_io_until(sv[0], false, b, 8, tsn_now() + 1), 0);
	cr_assert_eq(memcmp(b, "abcdefgh", 8), 0);
	/* nobody reads: the write stops at the deadline, not in send() */
	t0 = tsn_now();
	cr_assert_eq(tsn_tput_io_until(sv[0], true, big, sizeof(big),
				       t0 + 0.2), -ETIMEDOUT);
	cr_assert_lt(tsn_now() - t0, 2.0);
	close(sv[1]);
	cr_assert_eq(tsn_tput_io_until(sv[0], false, b, 8, tsn_now() + 1),
		     -ECONNRESET);
	close(sv[0]);
}

/* The SA counters as proof: a rekey between the reads (a counter that
 * went backwards, or another newest SA) proves nothing (review: the
 * unguarded subtraction wrapped to "encrypted"). */
Test(send, sa_proof)
{
	struct tsn_tput_sa o0 = { .found = true, .bytes = 5000, .spi = 7 },
			   o1 = { .found = true, .bytes = 9000, .spi = 7 },
			   i0 = { .found = true, .bytes = 100, .spi = 8 },
			   i1 = { .found = true, .bytes = 2100, .spi = 8 };

	cr_assert_eq(tsn_tput_sa_proof(&o0, &o1, &i0, &i1, 4000, 2000),
		     TSN_SA_PROVEN);
	cr_assert_eq(tsn_tput_sa_proof(&o0, &o1, &i0, &i1, 4001, 2000),
		     TSN_SA_SHORT);
	o1.bytes = 10;		/* the old SA went away: wraps if unguarded */
	cr_assert_eq(tsn_tput_sa_proof(&o0, &o1, &i0, &i1, 4000, 2000),
		     TSN_SA_CHANGED);
	o1.bytes = 9000;
	i1.spi = 9;		/* another SA in, counters still growing */
	cr_assert_eq(tsn_tput_sa_proof(&o0, &o1, &i0, &i1, 4000, 2000),
		     TSN_SA_CHANGED);
	i1.spi = 8;
	i1.found = false;	/* no SA after: clear */
	i1.bytes = 2100;
	cr_assert_eq(tsn_tput_sa_proof(&o0, &o1, &i0, &i1, 4000, 2000),
		     TSN_SA_SHORT);
}

/* A baseline CPU figure stored as null stays unknown: read back as not
 * known, written back as null, never as 0 (review: "0% -> 58%"). */
Test(store, baseline_cpu_unknown)
{
	char dir[] = "/tmp/tput_store_XXXXXX", path[4096], why[256];
	static const char text[] = "{\"when\":1700000000,\"pairs\":[{\"a\":"
		"\"db1\",\"b\":\"db2\",\"ok\":true,\"gbps_ab\":9.4,\"gbps_ba\":"
		"9.3,\"rtt_ms_p50\":0.2,\"cpu_a\":null,\"cpu_b\":31,"
		"\"encrypted\":false}]}";
	struct tsn_node n[2] = { { .name = "db1" }, { .name = "db2" } };
	struct tsn_tput_result res = { .a = &n[0], .b = &n[1], .ok = true };
	struct tsn_tput_run run = { .res = &res, .n = 1 };
	struct tsn_tput_store st;
	struct tsn_buf buf = { 0 };
	struct tsn_json j;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, TSN_TPUT_BASELINE);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	setenv("TSNET_STATE_DIR", dir, 1);
	cr_assert_eq(tsn_tput_load(TSN_TPUT_BASELINE, &st, why, sizeof(why)),
		     0, "%s", why);
	cr_assert_eq(st.n, 1);
	cr_assert_not(st.rec[0].cpu_a_ok);
	cr_assert(st.rec[0].cpu_b_ok);
	tsn_json_init(&j, &buf, false);
	tsn_json_obj_begin(&j);
	tsn_tput_json(&j, &run, &st);
	tsn_json_obj_end(&j);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_assert_not_null(strstr(buf.p, "\"cpu_a\":null,\"cpu_b\":31"),
			   "%s", buf.p);
	tsn_buf_free(&buf);
	tsn_tput_store_free(&st);
	/* none there: -ENOENT, which keep() relies on */
	unlink(path);
	cr_assert_eq(tsn_tput_load(TSN_TPUT_BASELINE, &st, why, sizeof(why)),
		     -ENOENT);
	rmdir(dir);
	unsetenv("TSNET_STATE_DIR");
}
