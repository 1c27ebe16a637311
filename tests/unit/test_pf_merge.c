/* test_pf_merge.c - a node's preflight replies into its row and into
 * what the problems are made of: the clock judged against certificates
 * (a table of offsets, with and without auth = x509), and the routes a
 * node reports joining the route problem.  The replies are the JSON the
 * agents print, in jobs as the transport leaves them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/inventory.h"
#include "lib/output.h"
#include "lib/transport.h"
#include "preflight/preflight.h"

static void inventory(struct tsn_inventory *inv, bool x509)
{
	char text[512];
	struct tsn_inv_diag d = { 0 };

	snprintf(text, sizeof(text), "[cluster]\nname = t\ntransport = local\n"
		 "%s[node n1]\naddress = 198.18.1.1\n[node n2]\n"
		 "address = 198.18.1.2\n", x509 ? "auth = x509\n" : "");
	cr_assert_eq(tsn_inventory_parse("t.conf", text, strlen(text), inv,
					 &d), 0, "%s", d.error);
}

/* n1's preflight-host reply, its clock off by offset seconds; the other
 * jobs were not run. */
static const struct tsn_check *merged(struct tsn_report *r, bool x509,
				      double offset, const char *extra,
				      struct tsn_pf_diag *pd)
{
	struct tsn_inventory inv;
	struct tsn_job job = { .state = TSN_JOB_DONE, .elapsed = 0.02 };
	struct tsn_pf_done done[TSN_PF_JOBS] = { { 0 } };
	double now = 1764300000.0;
	const struct tsn_node_report *n;

	inventory(&inv, x509);
	tsn_buf_printf(&job.out, "{\"checks\":[],\"time\":%.3f%s}",
		       now + offset, extra ? extra : "");
	done[TSN_PF_HOST] = (struct tsn_pf_done){ &job, now };
	cr_assert_eq(tsn_diag_net_init(&pd->net, &inv, false), 0);
	cr_assert_eq(tsn_pf_merge_node(r, &inv, &inv.nodes[0], done, pd), 0);
	tsn_buf_free(&job.out);
	tsn_inventory_free(&inv);
	n = &r->nodes[0];
	for (size_t i = 0; i < n->n_checks; i++)
		if (!strcmp(n->checks[i].id, "clock"))
			return &n->checks[i];
	return NULL;
}

struct clock_case {
	bool x509;
	double offset;		/* seconds, the node's clock minus ours */
	enum tsn_status st;
	const char *text;
};

static const struct clock_case clock_cases[] = {
	{ false, 0.3, TSN_ST_OK, "offset +300 ms" },
	{ false, -3, TSN_ST_WARN, "offset -3000 ms" },
	{ false, -45, TSN_ST_FAIL, "offset -45000 ms" },
	{ true, -3, TSN_ST_WARN, "offset -3000 ms" },
	{ true, -12, TSN_ST_FAIL, "with auth = x509, a certificate issued now "
	  "is not valid on n1 for another 12 s" },
	{ true, 12, TSN_ST_WARN, "offset +12000 ms" },
};

Test(pf_merge, clock_and_certificates)
{
	for (size_t i = 0; i < sizeof(clock_cases) / sizeof(clock_cases[0]);
	     i++) {
		const struct clock_case *c = &clock_cases[i];
		struct tsn_pf_diag pd = { 0 };
		struct tsn_report r;
		const struct tsn_check *k;

		tsn_report_init(&r, "preflight");
		k = merged(&r, c->x509, c->offset, NULL, &pd);
		cr_assert_not_null(k, "case %zu: no clock check", i);
		cr_expect_eq(k->status, c->st, "case %zu: %s", i, k->detail);
		cr_expect(strstr(k->detail, c->text), "case %zu: '%s'", i,
			  k->detail);
		tsn_report_free(&r);
		tsn_diag_net_free(&pd.net);
	}
}

Test(pf_merge, routes_and_prefix)
{
	struct tsn_pf_diag pd = { 0 };
	struct tsn_report r;

	tsn_report_init(&r, "preflight");
	merged(&r, false, 0, ",\"prefix\":\"198.18.1.0/24\",\"routes\":["
	       "{\"peer\":\"n2\",\"fault\":\"src\"},"
	       "{\"peer\":\"n2\",\"fault\":null}]", &pd);
	cr_assert_eq(pd.n_faults, 1);
	cr_assert_str_eq(pd.faults[0].node, "n1");
	cr_assert_str_eq(pd.faults[0].peer, "n2");
	cr_assert_not_null(pd.net.route);
	cr_assert_eq(pd.net.route[0 * 2 + 1], TSN_NET_SOURCE);
	cr_assert_eq(pd.net.subnet[0], 0);
	cr_assert_str_eq(pd.net.subnets[0], "198.18.1.0/24");
	cr_assert_eq(pd.net.subnet[1], -1, "n2 did not say");
	free(pd.faults);
	tsn_diag_net_free(&pd.net);
	tsn_report_free(&r);
}
