/* test_pf_diag.c - preflight's problems (preflight/preflight_diag.c):
 * where the evaluator's drop and the probe's verdict are told side by
 * side, they are of one flow, in one address family. */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/inventory.h"
#include "lib/output.h"
#include "preflight/preflight.h"

/* The evaluator drops new ESP n2 -> n1 at n1's input, over IPv4 (d[0])
 * and IPv6 (d[1]); the probe, between the inventory's IPv4 addresses,
 * saw ESP pass as new.  Only the IPv4 drop is told the probe passed. */
Test(pf_diag, probe_pass_told_in_its_family)
{
	static const char text[] = "[cluster]\nname = c\ntransport = local\n"
		"[node n1]\naddress = 198.18.1.1\naddress6 = fd00:7473::1\n"
		"[node n2]\naddress = 198.18.1.2\naddress6 = fd00:7473::2\n";
	struct tsn_diag_drop d = { .node = "n1", .peer = "n2", .proto = "esp",
				   .family = "inet", .table = "filter",
				   .chain = "input", .handle = 7 };
	struct tsn_pf_diag pd = { .cloud = TSN_CLOUD_NONE };
	struct tsn_inv_diag id = { 0 };
	struct tsn_inventory inv;
	struct tsn_report r;

	cr_assert_eq(tsn_inventory_parse("t.conf", text, strlen(text), &inv,
					 &id), 0, "%s", id.error);
	cr_assert_eq(tsn_diag_net_init(&pd.net, &inv, false), 0);
	cr_assert_eq(tsn_diag_set_drop(&pd.drops, &d), 0);
	d.v6 = true;
	cr_assert_eq(tsn_diag_set_drop(&pd.drops, &d), 0);
	tsn_report_init(&r, "preflight");
	cr_assert_eq(tsn_pair_verdict(tsn_report_pair(&r, "n2", "n1"), "esp",
				      "ok", true, NULL), 0);
	cr_assert_eq(tsn_pf_problems(&r, &inv, &pd), 0);
	cr_assert_eq(pd.drops.n_drops, 2);
	for (size_t i = 0; i < 2; i++)
		cr_assert_eq(pd.drops.drops[i].view, pd.drops.drops[i].v6 ?
			     TSN_VIEW_SAME : TSN_VIEW_PASSED, "drop %zu (v6 %d)",
			     i, pd.drops.drops[i].v6);
	tsn_report_free(&r);
	tsn_diag_set_free(&pd.drops);
	tsn_diag_net_free(&pd.net);
	tsn_inventory_free(&inv);
}
