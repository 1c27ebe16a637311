/* test_probe_merge.c - from two nodes' probe-window replies to the verdict
 * of each directed pair and protocol (a table of cases, one per verdict
 * and per order of evidence), and from verdicts to grouped problems. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/json.h"
#include "lib/output.h"
#include "probe/probe.h"

/* b's reply about a (incoming) and a's reply about b (outgoing), for
 * udp500 only; the other protocols are plain ok. */
struct merge_case {
	const char *name;
	const char *a_out;	/* a's record of b, udp500 */
	const char *b_in;	/* b's record of a, udp500 */
	const char *b_ports;	/* b's "ports" array */
	const char *verdict;
	const char *detail;	/* NULL: none */
	bool good;
};

#define OKP "{\"wire\":true,\"socket\":true,\"src\":\"%s\",\"sent\":4}"
#define FREE "[{\"port\":500,\"bound\":true},{\"port\":4500,\"bound\":true}]"
#define HELD "[{\"port\":500,\"bound\":false,\"holder\":\"charon (pid 7)\"}]"

static const struct merge_case cases[] = {
	{ "ok", "{\"sent\":4}", "{\"wire\":true,\"socket\":true,\"src\":"
	  "\"198.18.1.1\"}", FREE, "ok", NULL, true },
	{ "answer wins", "{\"sent\":4,\"answer\":\"COOKIE\"}",
	  "{\"wire\":true}", HELD, "ike-responder",
	  "COOKIE (from charon (pid 7))", true },
	{ "traced drop", "{\"sent\":4}", "{\"wire\":true,\"in_drop\":{"
	  "\"table\":\"inet filter\",\"chain\":\"input\",\"handle\":7,"
	  "\"policy\":false}}", FREE, "dropped-by-peer-firewall",
	  "inet filter input handle 7", false },
	{ "policy drop", "{\"sent\":4}", "{\"wire\":true,\"in_drop\":{"
	  "\"table\":\"inet filter\",\"chain\":\"input\",\"handle\":0,"
	  "\"policy\":true}}", FREE, "dropped-by-peer-firewall",
	  "inet filter input policy", false },
	{ "nat", "{\"sent\":4}", "{\"wire\":true,\"socket\":true,\"src\":"
	  "\"198.18.2.254\"}", FREE, "nat",
	  "seen from 198.18.2.254, sent from 198.18.1.1", true },
	{ "held, no answer", "{\"sent\":4}", "{\"wire\":true}", HELD, "ok",
	  "arrived; the port is held by charon (pid 7), which did not "
	  "answer", true },
	{ "wire only", "{\"sent\":4}", "{\"wire\":true}", FREE,
	  "dropped-by-peer-firewall", "seen on the interface, not by the "
	  "socket", false },
	{ "sender drop", "{\"sent\":0,\"send_error\":\"Operation not "
	  "permitted\",\"out_drop\":{\"table\":\"inet filter\",\"chain\":"
	  "\"output\",\"handle\":4,\"policy\":false}}", "{\"wire\":false}",
	  FREE, "dropped-by-sender-firewall", "inet filter output handle 4",
	  false },
	{ "EPERM, no trace", "{\"sent\":0,\"send_error\":\"Operation not "
	  "permitted\"}", "{}", FREE, "dropped-by-sender-firewall",
	  "sendto: Operation not permitted (no trace: the rule is unknown)",
	  false },
	{ "send error", "{\"sent\":0,\"send_error\":\"Network is "
	  "unreachable\"}", "{}", FREE, "error",
	  "sendto: Network is unreachable", false },
	{ "through b's entry", "{\"sent\":4}", "{\"wire\":true,\"socket\":"
	  "true,\"src\":\"198.18.1.1\",\"established\":true}", FREE,
	  "established", "passes as an established flow (a conntrack entry "
	  "on b that the probe did not create)", false },
	{ "through a's entry", "{\"sent\":4,\"established\":true}",
	  "{\"wire\":true,\"socket\":true,\"src\":\"198.18.1.1\"}", FREE,
	  "established", "passes as an established flow (a conntrack entry "
	  "on a that the probe did not create)", false },
	{ "an entry, but dropped", "{\"sent\":4}", "{\"wire\":true,"
	  "\"established\":true,\"in_drop\":{\"table\":\"inet filter\","
	  "\"chain\":\"input\",\"handle\":7,\"policy\":false}}", FREE,
	  "dropped-by-peer-firewall", "inet filter input handle 7", false },
	{ "nothing", "{\"sent\":4}", "{\"wire\":false,\"socket\":false}",
	  FREE, "not-arrived", "sent 4 times, never seen on the peer's "
	  "interface", false },
};

static void parse(struct tsn_jv *v, const char *text)
{
	char err[128];

	cr_assert_eq(tsn_json_parse(text, strlen(text), v, err, sizeof(err)),
		     0, "%s: %s", err, text);
}

static char *reply(const char *peer, const char *peer_addr,
		   const char *udp500, const char *ports)
{
	char *s = NULL, ok[128];

	snprintf(ok, sizeof(ok), OKP, peer_addr);
	cr_assert(asprintf(&s, "{\"self\":\"x\",\"ports\":%s,\"peers\":[{"
			   "\"name\":\"%s\",\"udp500\":%s,\"udp4500\":%s,"
			   "\"esp\":%s}]}", ports, peer, udp500, ok, ok) > 0);
	return s;
}

static void setup_pair(struct tsn_probe_result *res, struct tsn_jv *va,
		       struct tsn_jv *vb, const struct merge_case *c)
{
	char *ta = reply("b", "198.18.1.2", c->a_out, FREE);
	char *tb = reply("a", "198.18.1.1", c->b_in, c->b_ports);

	parse(va, ta);
	parse(vb, tb);
	free(ta);
	free(tb);
	res[0] = (struct tsn_probe_result){ .name = "a", .reply = va };
	res[1] = (struct tsn_probe_result){ .name = "b", .reply = vb };
	cr_assert_eq(tsn_ip_addr_parse("198.18.1.1", &res[0].addr), 0);
	cr_assert_eq(tsn_ip_addr_parse("198.18.1.2", &res[1].addr), 0);
}

Test(probe_merge, every_verdict)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct merge_case *c = &cases[i];
		struct tsn_probe_result res[2];
		struct tsn_jv va = { 0 }, vb = { 0 };
		struct tsn_report r;
		const struct tsn_verdict *v;

		setup_pair(res, &va, &vb, c);
		tsn_report_init(&r, "probe");
		cr_assert_eq(tsn_probe_merge(&r, res, 2, "a", "b"), 0);
		cr_assert_eq(r.n_pairs, 1, "%s: only a -> b", c->name);
		cr_assert_eq(r.pairs[0].n, 3);
		v = &r.pairs[0].v[0];
		cr_assert_str_eq(v->proto, "udp500");
		cr_assert_str_eq(v->verdict, c->verdict, "%s", c->name);
		if (c->detail)
			cr_assert_str_eq(v->detail ? v->detail : "(null)",
					 c->detail, "%s", c->name);
		else
			cr_assert_null(v->detail, "%s: %s", c->name, v->detail);
		cr_assert_eq(v->good, c->good, "%s", c->name);
		cr_assert_str_eq(r.pairs[0].v[2].verdict, "ok");
		tsn_report_free(&r);
		tsn_jv_free(&va);
		tsn_jv_free(&vb);
	}
}

Test(probe_merge, failed_node_gives_error_both_ways)
{
	struct tsn_probe_result res[2];
	struct tsn_jv va = { 0 }, vb = { 0 };
	struct tsn_report r;

	setup_pair(res, &va, &vb, &cases[0]);
	res[1].reply = NULL;
	res[1].why = "unreachable: no such namespace";
	tsn_report_init(&r, "probe");
	cr_assert_eq(tsn_probe_merge(&r, res, 2, NULL, NULL), 0);
	cr_assert_eq(r.n_pairs, 2);
	for (size_t i = 0; i < 2; i++)
		for (size_t k = 0; k < 3; k++) {
			cr_assert_str_eq(r.pairs[i].v[k].verdict, "error");
			/* the reason is the node's error, said once */
			cr_assert_str_eq(r.pairs[i].v[k].detail, "b could not run "
					 "the probe");
		}
	tsn_report_free(&r);
	tsn_jv_free(&va);
	tsn_jv_free(&vb);
}

static void add(struct tsn_report *r, const char *from, const char *to,
		const char *u500, const char *u4500, const char *esp,
		const char *esp_detail)
{
	struct tsn_pair_report *p = tsn_report_pair(r, from, to);

	cr_assert_not_null(p);
	tsn_pair_verdict(p, "udp500", u500, !strcmp(u500, "ok") ||
			 !strcmp(u500, "nat"), NULL);
	tsn_pair_verdict(p, "udp4500", u4500, !strcmp(u4500, "ok") ||
			 !strcmp(u4500, "nat"), NULL);
	tsn_pair_verdict(p, "esp", esp, !strcmp(esp, "ok"), esp_detail);
}

static const char *const net_names[] = { "n1", "n2", "n3", "n4" };
static int net_subnet[] = { -1, -1, -1, -1 };
static const struct tsn_diag_net net = {
	4, (const char **)net_names, net_subnet, NULL, 0, NULL,
};

Test(probe_merge, problems_are_grouped_with_advice)
{
	struct tsn_report r;

	tsn_report_init(&r, "probe");
	add(&r, "n1", "n3", "ok", "ok", "not-arrived", NULL);
	add(&r, "n2", "n3", "ok", "ok", "not-arrived", NULL);
	add(&r, "n1", "n2", "ok", "ok", "dropped-by-peer-firewall",
	    "inet filter input handle 3");
	add(&r, "n3", "n2", "ok", "ok", "dropped-by-peer-firewall",
	    "inet filter input handle 3");
	add(&r, "n4", "n1", "nat", "nat", "not-arrived", NULL);
	cr_assert(tsn_probe_esp_filtered(&r));
	cr_assert_eq(tsn_probe_problems(&r, &net, "tsnet cloud aws > "
					"allow-ipsec.sh", NULL), 0);
	tsn_report_sort_problems(&r);
	cr_assert_eq(r.n_problems, 3);
	cr_assert_str_eq(r.problems[0].what, "n2's firewall drops incoming ESP "
			 "from n1, n3 (2 of 3 peers): table inet filter chain "
			 "input handle 3");
	cr_assert_str_eq(r.problems[0].fix, TSN_PROBE_DROP_FIX);
	/* n4 -> n3 was not probed: every path to n3 that was fails */
	cr_assert_str_eq(r.problems[1].what, "ESP is dropped on every path to "
			 "n3: from 2 of 2 peers");
	cr_assert_str_eq(r.problems[1].id, "path.esp");
	cr_assert_str_eq(r.problems[1].fix, "tsnet cloud aws > allow-ipsec.sh; "
			 "or enable-ipsec --encap (UDP encapsulation over "
			 "4500)");
	cr_assert_eq(r.problems[1].n_pairs, 2);
	cr_assert(strstr(r.problems[2].what, "a NAT rewrites") &&
		  strstr(r.problems[2].what, "the path from n4 to n1") &&
		  !strstr(r.problems[2].what, "n4 to n1, from n4 to n1"),
		  "%s", r.problems[2].what);
	tsn_report_free(&r);
}

Test(probe_merge, late_node_makes_not_arrived_an_error)
{
	struct tsn_probe_result res[2];
	struct tsn_jv va = { 0 }, vb = { 0 };
	struct tsn_report r;
	char *tb = reply("a", "198.18.1.1", "{\"wire\":false}", FREE), *late;

	setup_pair(res, &va, &vb, &cases[10]);	/* not-arrived */
	tsn_jv_free(&vb);
	cr_assert(asprintf(&late, "{\"missed\":true,\"late\":4.2,%s", tb + 1) > 0);
	parse(&vb, late);
	tsn_report_init(&r, "probe");
	cr_assert_eq(tsn_probe_merge(&r, res, 2, "a", "b"), 0);
	cr_assert_str_eq(r.pairs[0].v[0].verdict, "error");
	cr_assert_str_eq(r.pairs[0].v[0].detail, "b started its probe window "
			 "4.2 s late (a loaded host?): run again, or with a "
			 "longer --timeout");
	cr_assert_str_eq(r.pairs[0].v[2].verdict, "ok", "evidence still counts");
	free(tb);
	free(late);
	tsn_report_free(&r);
	tsn_jv_free(&va);
	tsn_jv_free(&vb);
}

/* Where the sender's own route explains what the probe saw (a source
 * address that is not the inventory's, or another interface), the pairs
 * are the route's problem: no NAT, no path problem of theirs. */
Test(probe_merge, a_route_explains_its_pairs)
{
	uint8_t route[16] = { 0 };
	struct tsn_diag_net rn = net;
	struct tsn_report r;

	rn.route = route;
	tsn_report_init(&r, "probe");
	add(&r, "n2", "n4", "nat", "nat", "not-arrived", NULL);
	add(&r, "n3", "n4", "not-arrived", "not-arrived", "not-arrived", NULL);
	add(&r, "n1", "n4", "ok", "ok", "ok", NULL);
	cr_assert_eq(tsn_probe_problems(&r, &rn, "advice", NULL), 0);
	cr_assert_eq(r.n_problems, 2, "without the routes: a NAT, a path");
	tsn_report_free(&r);

	route[1 * 4 + 3] = TSN_NET_SOURCE;	/* n2 -> n4 from another address */
	route[2 * 4 + 3] = TSN_NET_LOST;	/* n3 -> n4 by another interface */
	tsn_report_init(&r, "probe");
	add(&r, "n2", "n4", "nat", "nat", "not-arrived", NULL);
	add(&r, "n3", "n4", "not-arrived", "not-arrived", "not-arrived", NULL);
	add(&r, "n1", "n4", "ok", "ok", "ok", NULL);
	cr_assert_eq(tsn_probe_problems(&r, &rn, "advice", NULL), 0);
	/* ESP n2 -> n4 is still lost, and no NAT explains it now */
	cr_assert_eq(r.n_problems, 1, "%zu problems: %s", r.n_problems,
		     r.n_problems ? r.problems[0].what : "");
	cr_assert_str_eq(r.problems[0].what, "ESP is dropped on the path from "
			 "n2 to n4: 1 of 2 pairs");
	tsn_report_free(&r);
}

/* A node that could not run the probe is one problem (its row, through
 * tsn_diag_checks), not one more per pair and protocol. */
Test(probe_merge, a_failed_node_is_said_once)
{
	struct tsn_report r;

	tsn_report_init(&r, "probe");
	tsn_node_error(tsn_report_node(&r, "n2"), true, "ssh: timed out");
	add(&r, "n1", "n2", "error", "error", "error", "n2 could not run it");
	add(&r, "n2", "n1", "error", "error", "error", "n2 could not run it");
	add(&r, "n1", "n3", "ok", "ok", "ok", NULL);
	cr_assert_eq(tsn_probe_problems(&r, &net, "advice", NULL), 0);
	cr_assert_eq(r.n_problems, 0, "%s", r.n_problems ?
		     r.problems[0].what : "");
	cr_assert_eq(tsn_diag_checks(&r, NULL), 0);
	cr_assert_eq(r.n_problems, 1);
	cr_assert_str_eq(r.problems[0].id, "node.unreachable");
	cr_assert_str_eq(r.problems[0].what, "n2 could not be reached: ssh: "
			 "timed out");
	tsn_report_free(&r);
}

/* A DF size probe lost on a pair: path.mtu names it with the probe's
 * length, and where the sender's MTU is above the largest DF probe
 * (65535), says it was not probed above that. */
static char *df_lost_what(unsigned mtu, unsigned len)
{
	char a[512];
	static const char b[] = "{\"ports\":[{\"port\":4500,\"bound\":true}],"
		"\"peers\":[{\"name\":\"n1\",\"udp4500\":{\"socket\":true},"
		"\"sizes\":{\"df\":{\"sent\":4,\"arrived\":false}}}]}";
	struct tsn_jv ja, jb;
	struct tsn_probe_result res[2] = { { .name = "n1" }, { .name = "n2" } };
	struct tsn_report r;
	char *what = NULL;

	snprintf(a, sizeof(a), "{\"mtu\":%u,\"peers\":[{\"name\":\"n2\","
		 "\"sizes\":{\"df\":{\"sent\":4,\"arrived\":false,\"length\":"
		 "%u}}}]}", mtu, len);
	cr_assert_eq(tsn_json_parse(a, strlen(a), &ja, NULL, 0), 0);
	cr_assert_eq(tsn_json_parse(b, strlen(b), &jb, NULL, 0), 0);
	res[0].reply = &ja;
	res[1].reply = &jb;
	tsn_report_init(&r, "probe");
	cr_assert_eq(tsn_probe_size_problems(&r, res, 2), 0);
	cr_assert_eq(r.n_problems, 1);
	cr_assert_str_eq(r.problems[0].id, "path.mtu");
	what = strdup(r.problems[0].what);
	tsn_report_free(&r);
	tsn_jv_free(&ja);
	tsn_jv_free(&jb);
	return what;
}

Test(probe_size, df_lost_names_its_length)
{
	char *w = df_lost_what(1500, 1500);

	cr_assert(strstr(w, "never arrived on n1 -> n2 (1500 bytes) where"),
		  "%s", w);
	free(w);
	w = df_lost_what(70000, 65535);
	cr_assert(strstr(w, "n1 -> n2 (65535 bytes, not probed above it)"),
		  "%s", w);
	free(w);
}

/* A DF probe that could not leave at all (sendto: EMSGSIZE, a smaller
 * path MTU the kernel learned) where the small one to 4500 did: path.mtu
 * says so, never a silent pass for want of copies sent. */
Test(probe_size, df_unsent_is_said)
{
	static const char a[] = "{\"mtu\":1500,\"peers\":[{\"name\":\"n2\","
		"\"udp4500\":{\"sent\":3},\"sizes\":{\"df\":{\"sent\":0,"
		"\"send_error\":\"Message too long\",\"arrived\":false,"
		"\"length\":1500}}}]}";
	static const char b[] = "{\"ports\":[{\"port\":4500,\"bound\":true}],"
		"\"peers\":[{\"name\":\"n1\",\"udp4500\":{\"socket\":true},"
		"\"sizes\":{\"df\":{\"sent\":3,\"arrived\":true}}}]}";
	struct tsn_jv ja, jb;
	struct tsn_probe_result res[2] = { { .name = "n1" }, { .name = "n2" } };
	struct tsn_report r;

	cr_assert_eq(tsn_json_parse(a, strlen(a), &ja, NULL, 0), 0);
	cr_assert_eq(tsn_json_parse(b, strlen(b), &jb, NULL, 0), 0);
	res[0].reply = &ja;
	res[1].reply = &jb;
	tsn_report_init(&r, "probe");
	cr_assert_eq(tsn_probe_size_problems(&r, res, 2), 0);
	cr_assert_eq(r.n_problems, 1);
	cr_assert_str_eq(r.problems[0].id, "path.mtu");
	cr_assert_eq(r.problems[0].severity, TSN_ST_FAIL);
	cr_assert(r.problems[0].fails);
	cr_assert_str_eq(r.problems[0].what, "n1: the DF probe of 1500 bytes "
			 "could not be sent to n2: Message too long; the "
			 "kernel holds a smaller MTU for the path to it (its "
			 "route's interface, or one it learned: ip route get "
			 "shows it)");
	tsn_report_free(&r);
	tsn_jv_free(&ja);
	tsn_jv_free(&jb);
}

/* A window's own failures are checks on its node's row, the same for
 * probe and preflight (tsn_probe_node_notes): a trace that could not run
 * and conntrack that could not be cleaned are said, not dropped. */
static const struct tsn_check *check_of(const struct tsn_report *r,
					const char *id)
{
	for (size_t i = 0; i < r->n_nodes; i++)
		for (size_t c = 0; c < r->nodes[i].n_checks; c++)
			if (!strcmp(r->nodes[i].checks[c].id, id))
				return &r->nodes[i].checks[c];
	return NULL;
}

Test(probe_merge, window_failures_are_checks)
{
	struct tsn_jv v;
	struct tsn_probe_result res = { .name = "n1", .reply = &v };
	struct tsn_probe_result gone = { .name = "n2", .why = "no answer" };
	const struct tsn_check *c;
	struct tsn_report r;

	parse(&v, "{\"trace_error\":\"nftables trace: Operation not "
	      "permitted\",\"conntrack_error\":\"conntrack delete: "
	      "Operation not permitted\"}");
	tsn_report_init(&r, "probe");
	cr_assert_eq(tsn_probe_node_notes(&r, &res), 0);
	cr_assert_eq(tsn_probe_node_notes(&r, &gone), 0);
	cr_assert_eq(r.n_nodes, 1, "a node without a reply is its caller's");
	c = check_of(&r, "probe.trace");
	cr_assert(c);
	cr_assert_eq(c->status, TSN_ST_WARN);
	cr_assert_str_eq(c->detail, "nftables trace: Operation not permitted: "
			 "drops cannot be named");
	c = check_of(&r, "probe.conntrack");
	cr_assert(c);
	cr_assert_eq(c->status, TSN_ST_WARN);
	cr_assert_str_eq(c->detail, "conntrack delete: Operation not "
			 "permitted: a verdict may ride on what an earlier "
			 "probe left, and this one's entries may stay");
	cr_assert_str_eq(c->fix, "run tsnet as root on the node (ctnetlink)");
	cr_assert(check_of(&r, "xfrm.stat"), "the counters are judged too");
	tsn_report_free(&r);
	tsn_jv_free(&v);
}

/* An established pass on a flow whose new packets the evaluator says a
 * rule drops is that rule's line (preflight's set holds the evaluator's
 * drop), not a second line of its own; without the evaluator's drop it
 * stays a problem. */
Test(probe_merge, established_pass_is_the_rules_line)
{
	static const char est[] = "passes as an established flow; a new one "
		"would be dropped by inet filter input policy drop";
	const struct tsn_diag_drop ev = {
		.node = "n1", .peer = "n2", .proto = "esp", .family = "inet",
		.table = "filter", .chain = "input", .policy = true,
	};
	struct tsn_diag_set set = { 0 }, none = { 0 };
	struct tsn_report r, r2;

	cr_assert_eq(tsn_diag_set_drop(&set, &ev), 0);
	for (int pass = 0; pass < 2; pass++) {
		struct tsn_report *x = pass ? &r2 : &r;

		tsn_report_init(x, "preflight");
		add(x, "n2", "n1", "ok", "ok", "established-only", est);
		add(x, "n3", "n1", "ok", "ok", "established-only", est);
		cr_assert_eq(tsn_probe_problems(x, &net, NULL, pass ? &none :
						&set), 0);
	}
	/* n2 -> n1 is the rule's; n3 -> n1 has no evaluator drop here */
	cr_assert_eq(r.n_problems, 1);
	cr_assert_str_eq(r.problems[0].id, "probe.established");
	cr_assert_eq(r.problems[0].n_pairs, 1);
	cr_assert_str_eq(r.problems[0].pairs[0].from, "n3");
	cr_assert_eq(r2.n_problems, 1);
	cr_assert_eq(r2.problems[0].n_pairs, 2);
	tsn_report_free(&r);
	tsn_report_free(&r2);
	tsn_diag_set_free(&set);
	tsn_diag_set_free(&none);
}
