/* test_verify_live.c - tsnet verify (live)'s judgement and first line from
 * nodes' results built here (the capture itself is the integration
 * tests'): SAs that could not be read are a runtime failure naming the
 * node, not "unknown SPI"; a drop counter that rose is in the first
 * line; a leak whose flows were past the cap still has its row; SPIs past
 * a cap are "not all SPIs checked", never all clear; a dual-stack pair's
 * IPv6 row is matched against its IPv6 connection's SAs only.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/inventory.h"
#include "verify/verify.h"

static const char inv_text[] =
	"[cluster]\nname = t\ntransport = local\n"
	"[node n1]\naddress = 198.18.0.1\n"
	"[node n2]\naddress = 198.18.0.2\n";

static struct tsn_inventory inv;
static const struct tsn_vlive_opts opts = { .ms = 5000 };

static const char inv_dual[] =
	"[cluster]\nname = t\ntransport = local\n"
	"[node n1]\naddress = 198.18.0.1\naddress6 = fd00:7473::1\n"
	"[node n2]\naddress = 198.18.0.2\naddress6 = fd00:7473::2\n";

static void setup_with(struct tsn_vlive *L, const char *text)
{
	struct tsn_inv_diag diag = { .error = "" };

	cr_assert_eq(tsn_inventory_parse("t.conf", text, strlen(text),
					 &inv, &diag), 0, "%s", diag.error);
	*L = (struct tsn_vlive){ .inv = &inv, .o = &opts };
	L->nodes = calloc(inv.n_nodes, sizeof(*L->nodes));
	cr_assert(L->nodes);
	for (size_t i = 0; i < inv.n_nodes; i++) {
		L->nodes[i].node = &inv.nodes[i];
		cr_assert_eq(tsn_verify_init(&L->nodes[i].v, &inv, false), 0);
		L->nodes[i].v_read = true;
	}
}

static void setup(struct tsn_vlive *L)
{
	setup_with(L, inv_text);
}

static void teardown(struct tsn_vlive *L)
{
	for (size_t i = 0; i < inv.n_nodes; i++) {
		tsn_verify_free(&L->nodes[i].v);
		tsn_jv_free(&L->nodes[i].sas);
		free(L->nodes[i].sas_error);
	}
	free(L->nodes);
	free(L->pairs);
	tsn_buf_free(&L->xstat);
	tsn_inventory_free(&inv);
}

static void sas(struct tsn_vlnode *n, const char *json)
{
	char err[160];

	cr_assert_eq(tsn_json_parse(json, strlen(json), &n->sas, err,
				    sizeof(err)), 0, "%s", err);
	n->sas_ok = true;
}

/* n1 saw ESP n1 > n2 under an SPI. */
static void esp_seen(struct tsn_vlive *L)
{
	struct tsn_vspi *s = &L->nodes[0].spis[L->nodes[0].n_spis++];

	cr_assert_eq(tsn_ip_addr_parse("198.18.0.1", &s->src), 0);
	cr_assert_eq(tsn_ip_addr_parse("198.18.0.2", &s->dst), 0);
	s->spi = 0xc1a2b3c4;
	s->n = 5;
}

/* The text tsn_vlive_print writes, from stdout. */
static char *printed(const struct tsn_vlive *L)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	static char buf[8192];
	size_t n;

	cr_assert(tmp && saved >= 0);
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	cr_assert_eq(tsn_vlive_print(L, false, false), 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = 0;
	fclose(tmp);
	return buf;
}

static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

Test(verify_live, unreadable_sas_are_a_runtime_failure_not_unknown_spi)
{
	struct tsn_vlive L;
	char *out;

	setup(&L);
	esp_seen(&L);
	sas(&L.nodes[0], "{\"sas\":[]}");
	L.nodes[1].sas_error = strdup("vici: Connection refused");
	cr_assert_eq(tsn_vlive_assess(&L), 0);
	cr_assert_eq(L.n_pairs, 1);
	cr_expect_eq(L.pairs[0].spis[0].st, TSN_VSPI_UNCHECKED);
	cr_expect_eq(L.pairs[0].bad_spis, 0);
	cr_expect_eq(L.sas_failed, 1);
	L.pairs[0].p.n[TSN_V_ESP] = 10;
	cr_expect_eq(L.exit = tsn_vlive_judge(&L), TSN_EXIT_RUNTIME);
	out = printed(&L);
	cr_expect(starts(out, "incomplete: the SAs of 1 of 2 nodes could "
			 "not be read"), "%s", out);
	cr_expect(strstr(out, "\nn2: SAs not read: vici: Connection "
			 "refused\n"), "%s", out);
	cr_expect(!strstr(out, "unknown SPI"), "%s", out);
	teardown(&L);
}

Test(verify_live, readable_sas_without_the_spi_are_unknown_spi)
{
	struct tsn_vlive L;

	setup(&L);
	esp_seen(&L);
	sas(&L.nodes[0], "{\"sas\":[]}");
	sas(&L.nodes[1], "{\"sas\":[]}");
	cr_assert_eq(tsn_vlive_assess(&L), 0);
	cr_expect_eq(L.pairs[0].spis[0].st, TSN_VSPI_NO_SA);
	cr_expect_eq(L.pairs[0].bad_spis, 1);
	L.pairs[0].p.n[TSN_V_ESP] = 10;
	cr_expect_eq(tsn_vlive_judge(&L), TSN_EXIT_PROBLEM);
	cr_expect(starts(printed(&L), "unknown SPI: 1 of 1 pair"));
	teardown(&L);
}

Test(verify_live, a_drop_counter_that_rose_is_in_the_first_line)
{
	struct tsn_vlive L;
	char *out;

	setup(&L);
	sas(&L.nodes[0], "{\"sas\":[]}");
	sas(&L.nodes[1], "{\"sas\":[]}");
	cr_assert_eq(tsn_vlive_assess(&L), 0);
	L.pairs[0].p.n[TSN_V_ESP] = 10;
	cr_expect_eq(tsn_vlive_judge(&L), TSN_EXIT_OK);
	cr_expect(starts(printed(&L), "encrypted: every pair is encrypted"));
	cr_assert_eq(tsn_buf_printf(&L.xstat, "n2: xfrm.stat.XfrmInNoStates: "
				    "rose by 3\n"), 0);
	cr_expect_eq(L.exit = tsn_vlive_judge(&L), TSN_EXIT_PROBLEM);
	out = printed(&L);
	cr_expect(starts(out, "encrypted, but the kernel dropped IPsec "
			 "packets during the capture (below)"), "%s", out);
	teardown(&L);
}

Test(verify_live, a_leak_whose_flows_were_not_kept_has_its_row)
{
	struct tsn_vlive L;
	char *out;

	setup(&L);
	sas(&L.nodes[0], "{\"sas\":[]}");
	sas(&L.nodes[1], "{\"sas\":[]}");
	L.nodes[0].flows_over = 4;
	cr_assert_eq(tsn_vlive_assess(&L), 0);
	L.pairs[0].p.n[TSN_V_CLEARTEXT] = 4;
	cr_expect_eq(L.pairs[0].n_flows, 0);
	cr_expect_eq(tsn_vlive_judge(&L), TSN_EXIT_PROBLEM);
	out = printed(&L);
	cr_expect(starts(out, "LEAK: 1 of 1 pair"), "%s", out);
	cr_expect(strstr(out, "LEAK") && strstr(out, "cleartext in flows not "
			 "kept (cap"), "%s", out);
	cr_expect(strstr(out, "\nn1: 4 cleartext packets in flows not kept"),
		  "%s", out);
	teardown(&L);
}

Test(verify_live, spis_past_the_cap_are_not_all_clear)
{
	struct tsn_vlive L;
	char *out;

	setup(&L);
	sas(&L.nodes[0], "{\"sas\":[]}");
	sas(&L.nodes[1], "{\"sas\":[]}");
	L.nodes[1].spis_over = 7;
	cr_assert_eq(tsn_vlive_assess(&L), 0);
	cr_expect_eq(L.spis_over, 7);
	L.pairs[0].p.n[TSN_V_ESP] = 10;
	cr_expect_eq(tsn_vlive_judge(&L), TSN_EXIT_PROBLEM);
	out = printed(&L);
	cr_expect(starts(out, "not all SPIs checked: 7 ESP packets"), "%s",
		  out);
	cr_expect(strstr(out, "\nn2: 7 ESP packets under SPIs not checked"),
		  "%s", out);
	teardown(&L);
}

/* ESP n1 > n2 over the nodes' address6 under SPI c1a2b3c4, judged
 * against n2's SA with n1 holding it as spi_in over "over". */
static enum tsn_vspi_state dual_row(const char *over)
{
	struct tsn_vlive L;
	struct tsn_vspi *s;
	char json[200];
	enum tsn_vspi_state st;

	setup_with(&L, inv_dual);
	s = &L.nodes[0].spis[L.nodes[0].n_spis++];
	cr_assert_eq(tsn_ip_addr_parse("fd00:7473::1", &s->src), 0);
	cr_assert_eq(tsn_ip_addr_parse("fd00:7473::2", &s->dst), 0);
	s->spi = 0xc1a2b3c4;
	s->n = 5;
	snprintf(json, sizeof(json), "{\"sas\":[{\"peer\":\"n1\",\"over\":"
		 "\"%s\",\"spi_in\":\"c1a2b3c4\"}]}", over);
	sas(&L.nodes[0], "{\"sas\":[]}");
	sas(&L.nodes[1], json);
	cr_assert_eq(tsn_vlive_assess(&L), 0);
	cr_assert_eq(L.n_pairs, 2, "a row per family");
	cr_assert(L.pairs[1].over6);
	cr_assert_eq(L.pairs[1].n_spis, 1);
	st = L.pairs[1].spis[0].st;
	teardown(&L);
	return st;
}

Test(verify_live, a_dual_stack_ipv6_row_needs_its_ipv6_connections_sa)
{
	cr_expect_eq(dual_row("address6"), TSN_VSPI_MATCHED);
	/* the SPI on the IPv6 wire is not the IPv4 connection's */
	cr_expect_eq(dual_row("address"), TSN_VSPI_NO_SA);
}
