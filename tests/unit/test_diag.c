/* test_diag.c - findings to causes (lib/diag.h): where on the path a
 * flow is lost (a table of grids, each with the scopes it must give, in
 * words), host checks folded across nodes, firewall drops grouped by
 * rule, and the summary's folded lines. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/output.h"

/* ---- locate ---- */

struct locate_case {
	const char *name;
	size_t n;
	const int *subnet;	/* NULL: none known */
	const char *grid;	/* rows of n: F fail, p pass, . none/self */
	const char *want;	/* each scope's words, " | " between */
};

static const int s0011[] = { 0, 0, 1, 1 };
static const int s011[] = { 0, 1, 1 };
static const int s00111[] = { 0, 0, 1, 1, 1 };
static const int s01[] = { 0, 1 };

static const struct locate_case locate_cases[] = {
	{ "subnet pair, both ways", 4, s0011,
	  ".pFF" "p.FF" "FF.p" "FFp.",
	  "the path between 198.18.1.0/24 and 198.18.2.0/24: 4 of 6 pairs; "
	  "pairs inside each subnet pass" },
	{ "subnet pair, one way", 4, s0011,
	  ".pFF" "p.FF" "pp.p" "ppp.",
	  "the path from 198.18.1.0/24 to 198.18.2.0/24 (that way only): "
	  "4 of 6 pairs" },
	{ "one node's way in", 4, NULL,
	  ".pFp" "p.Fp" "pp.p" "ppF.",
	  "every path to n3: from 3 of 3 peers" },
	{ "one node's way out", 4, NULL,
	  ".FFF" "p.pp" "pp.p" "ppp.",
	  "every path from n1: to 3 of 3 peers" },
	{ "one node, both ways", 4, NULL,
	  ".pFp" "p.Fp" "FF.F" "ppF.",
	  "every path to and from n3: 3 of 6 pairs" },
	{ "everything", 3, NULL,
	  ".FF" "F.F" "FF.",
	  "every path between the nodes: 3 of 3 pairs" },
	{ "one pair, one way", 4, NULL,
	  ".Fpp" "p.pp" "pp.p" "ppp.",
	  "the path from n1 to n2: 1 of 6 pairs" },
	{ "two nodes, one way: the evidence cannot choose a side", 2, NULL,
	  ".F" "p.",
	  "the path from n1 to n2: 1 of 1 pairs" },
	{ "two nodes, both ways", 2, NULL,
	  ".F" "F.",
	  "every path between the nodes: 1 of 1 pairs" },
	{ "two nodes' ways in: two causes", 4, NULL,
	  ".FpF" "p.pF" "pF.F" "pFp.",
	  "every path to n2: from 3 of 3 peers | "
	  "every path to n4: from 3 of 3 peers" },
	{ "a node that gave no verdicts does not spoil the subnet", 5, s00111,
	  ".pFF." "p.FF." "FF.p." "FFp.." ".....",
	  "the path between 198.18.1.0/24 and 198.18.2.0/24: 4 of 6 pairs; "
	  "pairs inside each subnet pass" },
	{ "the only node heard from in its subnet: the node", 4, s0011,
	  ".pF." "p.F." "FF.." "....",
	  "every path to and from n3: 2 of 3 pairs" },
	{ "a subnet of one node: the subnet pair, not the node", 3, s011,
	  ".FF" "F.p" "Fp.",
	  "the path between 198.18.1.0/24 and 198.18.2.0/24: 2 of 3 pairs; "
	  "pairs inside each subnet pass" },
	{ "scattered pairs are named", 4, NULL,
	  ".Fpp" "p.pp" "pp.F" "ppp.",
	  "the path from n1 to n2, from n3 to n4: 2 of 6 pairs" },
	{ "a pair both ways is named once", 3, NULL,
	  ".Fp" "F.p" "pp.",
	  "the path between n1 and n2: 1 of 3 pairs" },
	{ "subnets, both nodes alone: everything", 2, s01,
	  ".F" "F.",
	  "every path between the nodes: 1 of 1 pairs" },
	{ "nothing fails", 3, NULL,
	  ".pp" "p.p" "pp.",
	  "" },
};

static const char *const names[] = { "n1", "n2", "n3", "n4", "n5" };
static const char *const subnets[] = { "198.18.1.0/24", "198.18.2.0/24" };

static char *locate_words(const struct locate_case *c)
{
	uint8_t st[64];
	int who[64];
	struct tsn_scope sc[16];
	struct tsn_grid g = { c->n, names, c->subnet, subnets, st };
	struct tsn_buf b = { 0 };
	int k;

	cr_assert_leq(c->n * c->n, ARRAY_SIZE(st));
	cr_assert_eq(strlen(c->grid), c->n * c->n, "%s", c->name);
	for (size_t i = 0; i < c->n * c->n; i++)
		st[i] = c->grid[i] == 'F' ? TSN_PS_FAIL : c->grid[i] == 'p' ?
			TSN_PS_PASS : TSN_PS_NONE;
	k = tsn_locate(&g, sc, ARRAY_SIZE(sc), who);
	cr_assert_geq(k, 0, "%s", c->name);
	for (int i = 0; i < k; i++) {
		if (i)
			tsn_buf_puts(&b, " | ");
		cr_assert_eq(tsn_scope_words(&g, &sc[i], who, i, &b), 0);
	}
	/* every failing pair is explained by exactly one scope */
	for (size_t i = 0; i < c->n * c->n; i++)
		cr_assert_eq(who[i] >= 0, st[i] == TSN_PS_FAIL, "%s: pair %zu",
			     c->name, i);
	return b.p ? b.p : strdup("");
}

Test(diag, locate_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(locate_cases); i++) {
		char *w = locate_words(&locate_cases[i]);

		cr_expect_str_eq(w, locate_cases[i].want, "%s: got '%s'",
				 locate_cases[i].name, w);
		free(w);
	}
}

Test(diag, scope_where)
{
	static const uint8_t st[] = {
		TSN_PS_NONE, TSN_PS_PASS, TSN_PS_FAIL, TSN_PS_FAIL,
		TSN_PS_PASS, TSN_PS_NONE, TSN_PS_FAIL, TSN_PS_FAIL,
		TSN_PS_FAIL, TSN_PS_FAIL, TSN_PS_NONE, TSN_PS_PASS,
		TSN_PS_FAIL, TSN_PS_FAIL, TSN_PS_PASS, TSN_PS_NONE,
	};
	struct tsn_grid g = { 4, names, s0011, subnets, st };
	struct tsn_scope sc[4];
	struct tsn_buf b = { 0 };
	int who[16];

	cr_assert_eq(tsn_locate(&g, sc, 4, who), 1);
	cr_assert_eq(sc[0].kind, TSN_SCOPE_SUBNETS);
	cr_assert(tsn_scope_has(&g, &sc[0], 0, 3));
	cr_assert(!tsn_scope_has(&g, &sc[0], 0, 1));
	cr_assert_eq(tsn_scope_where(&g, &sc[0], who, 0, &b), 0);
	cr_assert_str_eq(b.p, "between 198.18.1.0/24 and 198.18.2.0/24");
	tsn_buf_free(&b);
}

/* ---- host checks ---- */

struct row {
	const char *node;
	const char *id;
	enum tsn_status st;
	const char *detail;
	const char *fix;
};

static void build(struct tsn_report *r, const struct row *rows, size_t n)
{
	tsn_report_init(r, "preflight");
	for (size_t i = 0; i < n; i++) {
		struct tsn_node_report *nr = tsn_report_node(r, rows[i].node);

		if (!rows[i].id) {	/* an unreachable node */
			cr_assert_eq(tsn_node_error(nr, true, "%s",
						    rows[i].detail), 0);
			continue;
		}
		cr_assert_eq(tsn_node_check(nr, rows[i].id, rows[i].st,
					    rows[i].fix, "%s", rows[i].detail),
			     0);
	}
}

struct check_case {
	const char *name;
	struct row rows[8];
	const char *const *skip;
	const char *want;	/* the problems' what, " | " between */
	const char *fix;	/* the first problem's fix */
	enum tsn_status sev;
};

static const char *const skip_nft[] = { "nft.", NULL };

static const struct check_case check_cases[] = {
	{ "the same failure on every node is one problem", {
	  { "n1", "kernel.esp", TSN_ST_FAIL, "no esp4", "boot it" },
	  { "n2", "kernel.esp", TSN_ST_FAIL, "no esp4", "boot it" },
	  { "n3", "kernel.esp", TSN_ST_FAIL, "no esp4", "boot it" } }, NULL,
	  "kernel.esp: fails on 3 of 3 nodes: no esp4", "boot it",
	  TSN_ST_FAIL },
	{ "one node of three names the node", {
	  { "n1", "mtu", TSN_ST_OK, "eth0 1500", NULL },
	  { "n2", "mtu", TSN_ST_OK, "eth0 1500", NULL },
	  { "n3", "mtu", TSN_ST_FAIL, "eth0 1400", "raise it" } }, NULL,
	  "mtu: fails on 1 of 3 nodes (n3): eth0 1400", "raise it",
	  TSN_ST_FAIL },
	{ "differing details are said per node", {
	  { "n1", "clock", TSN_ST_FAIL, "+40 s", "sync" },
	  { "n2", "clock", TSN_ST_OK, "+0 s", NULL },
	  { "n3", "clock", TSN_ST_FAIL, "-50 s", "sync" } }, NULL,
	  "clock: fails on 2 of 3 nodes: n1: +40 s; n3: -50 s", "sync",
	  TSN_ST_FAIL },
	{ "a failure and a warning of one check: one problem, a fail", {
	  { "n1", "x", TSN_ST_FAIL, "bad", "a" },
	  { "n2", "x", TSN_ST_WARN, "odd", "b" },
	  { "n3", "x", TSN_ST_OK, "fine", NULL } }, NULL,
	  "x: fails on 1 of 3 nodes (n1): bad; warns on 1 of 3 nodes (n2): odd",
	  "a; b", TSN_ST_FAIL },
	{ "a warning alone is a warning", {
	  { "n1", "sysctl.redirects", TSN_ST_WARN, "on", "off" },
	  { "n2", "sysctl.redirects", TSN_ST_WARN, "on", "off" } }, NULL,
	  "sysctl.redirects: warns on 2 of 2 nodes: on", "off", TSN_ST_WARN },
	{ "ok and skip are no problem; skipped prefixes are left", {
	  { "n1", "a", TSN_ST_OK, "x", NULL },
	  { "n1", "b", TSN_ST_SKIP, "y", NULL },
	  { "n1", "nft.in.esp", TSN_ST_FAIL, "dropped", "fix" } }, skip_nft,
	  "", NULL, TSN_ST_OK },
	{ "nodes that cannot be reached for one reason: one problem", {
	  { "n1", "a", TSN_ST_OK, "x", NULL },
	  { "n4", NULL, TSN_ST_OK, "ssh: n4: timed out", NULL },
	  { "n5", NULL, TSN_ST_OK, "ssh: n5: timed out", NULL } }, NULL,
	  "2 nodes could not be reached (n4, n5): n4: ssh: n4: timed out",
	  NULL, TSN_ST_FAIL },
	{ "a node in error with a check's row counts among the checked", {
	  { "n1", "kernel.esp", TSN_ST_FAIL, "no esp4", "boot it" },
	  { "n2", "kernel.esp", TSN_ST_FAIL, "no esp4", "boot it" },
	  { "n3", NULL, TSN_ST_OK, "agent: n3: refused", NULL },
	  { "n3", "kernel.esp", TSN_ST_FAIL, "no esp4", "boot it" } }, NULL,
	  "n3 could not be reached: agent: n3: refused | "
	  "kernel.esp: fails on 3 of 3 nodes: no esp4", NULL, TSN_ST_FAIL },
};

Test(diag, checks_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(check_cases); i++) {
		const struct check_case *c = &check_cases[i];
		struct tsn_buf b = { 0 };
		struct tsn_report r;
		size_t n = 0;

		while (n < ARRAY_SIZE(c->rows) && c->rows[n].node)
			n++;
		build(&r, c->rows, n);
		cr_assert_eq(tsn_diag_checks(&r, c->skip), 0);
		for (size_t k = 0; k < r.n_problems; k++)
			tsn_buf_printf(&b, "%s%s", k ? " | " : "",
				       r.problems[k].what);
		cr_expect_str_eq(b.p ? b.p : "", c->want, "%s: got '%s'",
				 c->name, b.p ? b.p : "");
		if (r.n_problems) {
			cr_expect_eq(r.problems[0].severity, c->sev, "%s",
				     c->name);
			if (c->fix)
				cr_expect_str_eq(r.problems[0].fix, c->fix,
						 "%s", c->name);
			else
				cr_expect_null(r.problems[0].fix, "%s", c->name);
		}
		tsn_buf_free(&b);
		tsn_report_free(&r);
	}
}

Test(diag, check_scope_and_rank)
{
	static const struct row rows[] = {
		{ "n1", "sysctl.rp_filter", TSN_ST_WARN, "strict", "loose" },
		{ "n2", "kernel.esp", TSN_ST_FAIL, "no", "boot" },
		{ "n3", "kernel.esp", TSN_ST_FAIL, "no", "boot" },
		{ "n3", "sysctl.rp_filter", TSN_ST_OK, "0", NULL },
	};
	struct tsn_report r;

	build(&r, rows, ARRAY_SIZE(rows));
	cr_assert_eq(tsn_diag_checks(&r, NULL), 0);
	tsn_report_sort_problems(&r);
	cr_assert_eq(r.n_problems, 2);
	cr_assert_str_eq(r.problems[0].id, "kernel.esp", "a fail first");
	cr_assert_eq(r.problems[0].n_nodes, 2);
	cr_assert_str_eq(r.problems[0].nodes[0], "n2");
	cr_assert_str_eq(r.problems[0].nodes[1], "n3");
	cr_assert_eq(r.problems[0].n_pairs, 0);
	cr_assert_str_eq(r.problems[0].where, "n2, n3");
	cr_assert_eq(r.problems[0].rank, TSN_RANK_KERNEL);
	cr_assert_str_eq(r.problems[1].id, "sysctl.rp_filter");
	cr_assert_eq(r.problems[1].severity, TSN_ST_WARN);
	tsn_report_free(&r);
}

/* ---- firewall drops ---- */

#define POLICY(n, p, pr) { .node = n, .peer = p, \
	.proto = pr, .family = "inet", .table = "filter", \
	.chain = "input", .policy = true }
#define RULE(n, p, pr, t) { .node = n, .peer = p, \
	.proto = pr, .family = "inet", .table = "filter", \
	.chain = "input", .handle = 7, .text = t }

/* A warning that explains failures (firewalld's rules shadowing
 * nftables, a route by another interface) is read before them; a
 * warning that explains nothing stays after the fails, and a kernel
 * fail (a lower rank) before every cause. */
Test(diag, causes_first_whatever_their_severity)
{
	static const struct row rows[] = {
		{ "n1", "sysctl.rp_filter", TSN_ST_WARN, "strict", "loose" },
		{ "n2", "firewalld", TSN_ST_WARN, "running", "stop it" },
		{ "n3", "route", TSN_ST_WARN, "via eth1", "fix it" },
		{ "n4", "kernel.esp", TSN_ST_FAIL, "no", "boot" },
	};
	const struct tsn_diag_drop d[] = { POLICY("n2", "n1", "esp") };
	struct tsn_report r;

	build(&r, rows, ARRAY_SIZE(rows));
	cr_assert_eq(tsn_diag_checks(&r, NULL), 0);
	cr_assert_eq(tsn_diag_drops(&r, d, ARRAY_SIZE(d), 3, "fix"), 0);
	tsn_report_sort_problems(&r);
	cr_assert_eq(r.n_problems, 5);
	cr_assert_str_eq(r.problems[0].id, "kernel.esp");
	cr_assert_str_eq(r.problems[1].id, "firewalld", "the cause first");
	cr_assert_eq(r.problems[1].severity, TSN_ST_WARN);
	cr_assert_str_eq(r.problems[2].id, "route");
	cr_assert_str_eq(r.problems[3].id, "firewall.in", "what it explains");
	cr_assert_str_eq(r.problems[4].id, "sysctl.rp_filter");
	tsn_report_free(&r);
}

Test(diag, drops_one_problem_per_rule)
{
	const struct tsn_diag_drop d[] = {
		POLICY("n2", "n1", "esp"), POLICY("n2", "n3", "esp"),
		POLICY("n2", "n1", "udp4500"), POLICY("n2", "n4", "esp"),
		/* the probe's, without the text: the evaluator's has it */
		RULE("n3", "n1", "esp", NULL),
		RULE("n3", "n2", "esp", "meta l4proto esp drop comment \"x\""),
		/* the probe saw it, no trace; the evaluator named it */
		{ .node = "n3", .peer = "n2", .proto = "esp",
		  .unknown = "seen on the interface, not by the socket" },
		{ .node = "n1", .out = true, .peer = "n2", .proto = "udp4500",
		  .family = "ip", .table = "f", .chain = "output", .handle = 4 },
	};
	struct tsn_report r;

	tsn_report_init(&r, "preflight");
	cr_assert_eq(tsn_diag_drops(&r, d, ARRAY_SIZE(d), 3, "fix it"), 0);
	cr_assert_eq(r.n_problems, 3);
	cr_assert_str_eq(r.problems[0].what, "n2's firewall drops incoming "
			 "UDP 4500 and ESP from every peer (n1, n3, n4): table "
			 "inet filter chain input: policy drop (no rule before "
			 "it accepts them)");
	cr_assert_str_eq(r.problems[0].id, "firewall.in");
	cr_assert_eq(r.problems[0].n_pairs, 3);
	cr_assert_str_eq(r.problems[0].pairs[0].from, "n1");
	cr_assert_str_eq(r.problems[0].pairs[0].to, "n2");
	cr_assert_eq(r.problems[0].n_nodes, 1);
	cr_assert_str_eq(r.problems[0].fix, "fix it");
	cr_assert_str_eq(r.problems[1].what, "n3's firewall drops incoming "
			 "ESP from n1, n2 (2 of 3 peers): table inet filter "
			 "chain input: meta l4proto esp drop comment \"x\" # "
			 "handle 7");
	cr_assert_str_eq(r.problems[1].where, "n3 input: table inet filter "
			 "chain input: meta l4proto esp drop comment \"x\" # "
			 "handle 7");
	cr_assert_str_eq(r.problems[2].what, "n1's firewall drops outgoing "
			 "UDP 4500 to n2 (1 of 3 peers): table ip f chain "
			 "output handle 4");
	cr_assert_str_eq(r.problems[2].id, "firewall.out");
	cr_assert_str_eq(r.problems[2].pairs[0].from, "n1");
	tsn_report_free(&r);
}

Test(diag, drops_unknown_undecided_ipv6)
{
	const struct tsn_diag_drop d[] = {
		{ .node = "n2", .peer = "n1", .proto = "esp",
		  .unknown = "seen on the interface, not by the socket" },
		{ .node = "n3", .peer = "n1", .proto = "esp", .undecided = true,
		  .unknown = "undecidable: xt match conntrack" },
		{ .node = "n4", .peer = "n1", .proto = "udp500", .v6 = true,
		  .family = "ip6", .table = "t", .chain = "c", .handle = 3 },
	};
	struct tsn_report r;

	tsn_report_init(&r, "preflight");
	cr_assert_eq(tsn_diag_drops(&r, d, ARRAY_SIZE(d), 3, "fix it"), 0);
	cr_assert_eq(r.n_problems, 3);
	cr_assert_str_eq(r.problems[0].what, "n2's firewall drops incoming "
			 "ESP from n1 (1 of 3 peers): seen on the interface, "
			 "not by the socket");
	cr_assert_str_eq(r.problems[1].what, "n3's firewall may drop incoming "
			 "ESP from n1 (1 of 3 peers): undecidable: xt match "
			 "conntrack");
	cr_assert_eq(r.problems[1].severity, TSN_ST_WARN);
	cr_assert_str_eq(r.problems[1].id, "firewall.in.undecided");
	cr_assert(strstr(r.problems[1].fix, "by hand"));
	cr_assert_str_eq(r.problems[2].what, "n4's firewall drops incoming "
			 "UDP 500 from n1 (1 of 3 peers) over IPv6: table ip6 "
			 "t chain c handle 3");
	tsn_report_free(&r);
}

/* Where the evaluator and the probe disagree, the line says both, with
 * the peers of each view; a drop where they agree says nothing more. */
Test(diag, drops_views_disagree)
{
	struct tsn_diag_drop d[] = {
		RULE("n3", "n1", "esp", "meta l4proto esp drop"),
		RULE("n3", "n2", "esp", "meta l4proto esp drop"),
		RULE("n3", "n4", "esp", "meta l4proto esp drop"),
		RULE("n2", "n1", "udp4500", "udp dport 4500 drop"),
	};
	struct tsn_report r;

	d[0].view = TSN_VIEW_PASSED;
	d[1].view = TSN_VIEW_ESTABLISHED;
	d[2].view = TSN_VIEW_PASSED;
	d[3].view = TSN_VIEW_ACCEPTS;
	d[3].seen = true;
	tsn_report_init(&r, "preflight");
	cr_assert_eq(tsn_diag_drops(&r, d, ARRAY_SIZE(d), 3, "fix it"), 0);
	cr_assert_eq(r.n_problems, 2);
	cr_assert_str_eq(r.problems[0].what, "n3's firewall drops incoming "
			 "ESP from every peer (n1, n2, n4): table inet filter "
			 "chain input: meta l4proto esp drop # handle 7; the "
			 "nftables evaluator says a new flow is dropped, but "
			 "the probe's packets passed (from n1, n4); the "
			 "probe's packets passed only as an established flow, "
			 "through a conntrack entry they did not make (from "
			 "n2)");
	/* where names the rule only */
	cr_assert_str_eq(r.problems[0].where, "n3 input: table inet filter "
			 "chain input: meta l4proto esp drop # handle 7");
	cr_assert_str_eq(r.problems[1].what, "n2's firewall drops incoming "
			 "UDP 4500 from n1 (1 of 3 peers): table inet filter "
			 "chain input: udp dport 4500 drop # handle 7; the "
			 "nftables evaluator says a new flow is accepted, but "
			 "the probe's packets were dropped (from n1)");
	tsn_report_free(&r);
}

/* ---- folded lines ---- */

Test(diag, fold_lines)
{
	struct tsn_report r;
	struct tsn_buf b = { 0 };
	char name[16];
	bool bad;

	tsn_report_init(&r, "preflight");
	for (int i = 1; i <= 30; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		tsn_node_check(tsn_report_node(&r, name), "sysctl.rp_filter",
			       i == 3 || i == 7 ? TSN_ST_FAIL : TSN_ST_OK,
			       NULL, "x");
		tsn_node_check(tsn_report_node(&r, name), "mtu", i > 20 ?
			       TSN_ST_WARN : TSN_ST_OK, NULL, "x");
		tsn_node_check(tsn_report_node(&r, name), "clock", TSN_ST_OK,
			       NULL, "x");
	}
	cr_assert_eq(tsn_diag_fold_check(&r, "clock", &b), 0);
	cr_assert_str_eq(b.p, "ok on 30 nodes");
	tsn_buf_reset(&b);
	tsn_diag_fold_check(&r, "sysctl.rp_filter", &b);
	cr_assert_str_eq(b.p, "ok on 28 nodes; fail on n3, n7");
	tsn_buf_reset(&b);
	tsn_diag_fold_check(&r, "mtu", &b);
	cr_assert_str_eq(b.p, "ok on 20 nodes; warn on n21, n22, n23, n24, "
			 "n25, n26 and 4 more");
	tsn_pair_verdict(tsn_report_pair(&r, "n1", "n2"), "esp", "ok", true,
			 NULL);
	tsn_pair_verdict(tsn_report_pair(&r, "n2", "n1"), "esp", "ok", true,
			 NULL);
	tsn_buf_reset(&b);
	cr_assert_eq(tsn_diag_fold_proto(&r, "esp", &b, &bad), 0);
	cr_assert_str_eq(b.p, "ok on 2 pairs");
	cr_assert(!bad);
	tsn_pair_verdict(tsn_report_pair(&r, "n1", "n3"), "esp",
			 "not-arrived", false, NULL);
	tsn_buf_reset(&b);
	tsn_diag_fold_proto(&r, "esp", &b, &bad);
	cr_assert_str_eq(b.p, "ok on 2 of 3 pairs; not-arrived on 1");
	cr_assert(bad);
	tsn_buf_free(&b);
	tsn_report_free(&r);
}

Test(diag, proto_names_and_ranks)
{
	cr_assert_str_eq(tsn_diag_proto_name("udp500"), "UDP 500");
	cr_assert_str_eq(tsn_diag_proto_name("udp4500"), "UDP 4500");
	cr_assert_str_eq(tsn_diag_proto_name("esp"), "ESP");
	cr_assert_str_eq(tsn_diag_proto_name("gre"), "gre");
	cr_assert_lt(tsn_diag_check_rank("kernel.esp"),
		     tsn_diag_check_rank("sysctl.rp_filter"));
	cr_assert_lt(tsn_diag_check_rank("iptables-legacy"),
		     tsn_diag_check_rank("clock"));
	cr_assert_eq(tsn_diag_check_rank("whatever"), TSN_RANK_OTHER);
}
