/* test_plan.c - enable-ipsec's plan: one distinct key per pair, only
 * for --node's pairs when asked, the plan hash over its documented text
 * (order of nodes and of encap pairs does not matter), key hex. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "enable/plan.h"
#include "lib/inventory.h"
#include "probe/sha.h"

static const char inv3[] =
	"[cluster]\nname = c1\n"
	"[node n2]\naddress = 198.18.0.2\n"
	"[node n1]\naddress = 198.18.0.1\n"
	"[node n3]\naddress = 198.18.0.3\n";
static const char inv3_reordered[] =
	"[cluster]\nname = c1\n"
	"[node n3]\naddress = 198.18.0.3\n"
	"[node n1]\naddress = 198.18.0.1\n"
	"[node n2]\naddress = 198.18.0.2\n";

static void load(struct tsn_inventory *inv, const char *text)
{
	struct tsn_inv_diag d = { 0 };

	cr_assert_eq(tsn_inventory_parse("t", text, strlen(text), inv, &d), 0,
		     "%s", d.error);
}

Test(plan, one_key_per_pair_lower_name_first)
{
	struct tsn_inventory inv;
	struct tsn_plan p;
	static const uint8_t zero[TSN_PSK_LEN];

	load(&inv, inv3);
	cr_assert_eq(tsn_plan_build(&p, &inv, false, -1), 0);
	cr_assert_eq(p.n_pairs, 3);
	for (size_t k = 0; k < 3; k++) {
		cr_assert_lt(strcmp(inv.nodes[p.pairs[k].a].name,
				    inv.nodes[p.pairs[k].b].name), 0);
		cr_assert_neq(memcmp(p.pairs[k].psk, zero, TSN_PSK_LEN), 0);
		cr_assert_not(p.pairs[k].encap);
		for (size_t l = 0; l < k; l++)
			cr_assert_neq(memcmp(p.pairs[k].psk, p.pairs[l].psk,
					     TSN_PSK_LEN), 0);
	}
	cr_assert_not_null(tsn_plan_find(&p, 2, 0));
	tsn_plan_free(&p);
	tsn_inventory_free(&inv);
}

Test(plan, node_only_keys_its_pairs)
{
	struct tsn_inventory inv;
	struct tsn_plan p;
	static const uint8_t zero[TSN_PSK_LEN];

	load(&inv, inv3);	/* index 1 is n1 */
	cr_assert_eq(tsn_plan_build(&p, &inv, true, 1), 0);
	for (size_t k = 0; k < p.n_pairs; k++) {
		bool mine = p.pairs[k].a == 1 || p.pairs[k].b == 1;

		cr_assert_eq(memcmp(p.pairs[k].psk, zero, TSN_PSK_LEN) != 0,
			     mine);
		cr_assert(p.pairs[k].encap);
	}
	tsn_plan_free(&p);
	tsn_inventory_free(&inv);
}

Test(plan, hash_is_the_documented_text)
{
	struct tsn_inventory inv;
	char text[1024], want[65], got[65];
	uint8_t d[TSN_SHA256_LEN];
	const char *encap[] = { "n3 n1" };

	load(&inv, inv3);
	snprintf(text, sizeof(text), "tsnet-plan 1\ncluster c1\n"
		 "node n1 198.18.0.1\nnode n2 198.18.0.2\nnode n3 198.18.0.3\n"
		 "ike %s\nesp %s\nrekey %u\nauth psk\nencap n1 n3\n",
		 inv.cluster.ike_proposals, inv.cluster.esp_proposals,
		 inv.cluster.rekey_time);
	tsn_sha256(text, strlen(text), d);
	tsn_psk_hex(d, want);
	cr_assert_eq(tsn_plan_hash(&inv, encap, 1, got), 0);
	cr_assert_str_eq(got, want);
	tsn_inventory_free(&inv);
}

Test(plan, hash_ignores_order)
{
	struct tsn_inventory a, b;
	char ha[65], hb[65], hc[65];
	const char *e1[] = { "n1 n2", "n2 n3" }, *e2[] = { "n3 n2", "n2 n1" };

	load(&a, inv3);
	load(&b, inv3_reordered);
	cr_assert_eq(tsn_plan_hash(&a, e1, 2, ha), 0);
	cr_assert_eq(tsn_plan_hash(&b, e2, 2, hb), 0);
	cr_assert_str_eq(ha, hb);
	cr_assert_eq(tsn_plan_hash(&a, e1, 1, hc), 0);
	cr_assert_str_neq(ha, hc);
	tsn_inventory_free(&a);
	tsn_inventory_free(&b);
}

Test(plan, hash_rejects_malformed_pairs)
{
	struct tsn_inventory inv;
	char h[65];
	const char *bad[][1] = { { "n1" }, { " n1" }, { "n1 N2" },
				 { "n1  n2" } };

	load(&inv, inv3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(tsn_plan_hash(&inv, bad[i], 1, h), -EINVAL,
			     "'%s'", bad[i][0]);
	tsn_inventory_free(&inv);
}

Test(plan, psk_hex_round_trip)
{
	uint8_t k[TSN_PSK_LEN], back[TSN_PSK_LEN];
	char hex[2 * TSN_PSK_LEN + 1];

	for (size_t i = 0; i < TSN_PSK_LEN; i++)
		k[i] = (uint8_t)(i * 37 + 1);
	tsn_psk_hex(k, hex);
	cr_assert_eq(strlen(hex), 64);
	cr_assert_eq(tsn_psk_unhex(hex, back), 0);
	cr_assert_eq(memcmp(k, back, TSN_PSK_LEN), 0);
	hex[5] = 'g';
	cr_assert_eq(tsn_psk_unhex(hex, back), -EINVAL);
	cr_assert_eq(tsn_psk_unhex("abcd", back), -EINVAL);
	cr_assert_eq(tsn_psk_unhex(NULL, back), -EINVAL);
}

/* auth x509: pubkey both ways with the node's certificate and the
 * cluster CA, and a secrets file without any key. */
Test(plan, x509_conf_pubkey_no_secrets)
{
	struct tsn_inventory inv;
	struct tsn_peer_conf peers[2] = { 0 };
	struct tsn_node_conf c = { 0 };
	struct tsn_buf conf = { 0 }, sec = { 0 };

	load(&inv, inv3);
	c.inv = &inv;
	c.self = tsn_inventory_find(&inv, "n1");
	peers[0].peer = tsn_inventory_find(&inv, "n2");
	peers[1].peer = tsn_inventory_find(&inv, "n3");
	memset(peers[0].psk, 0xab, TSN_PSK_LEN);
	c.peers = peers;
	c.n_peers = 2;
	c.x509 = true;
	cr_assert_eq(tsn_conf_swanctl(&c, &conf), 0);
	cr_assert_eq(tsn_conf_swanctl_secrets(&c, &sec), 0);
	cr_assert(strstr(conf.p, "\t\tlocal {\n\t\t\tauth = pubkey\n"
			 "\t\t\tcerts = tsnet-n1.pem\n"
			 "\t\t\tid = 198.18.0.1\n"), "%s", conf.p);
	cr_assert(strstr(conf.p, "\t\tremote {\n\t\t\tauth = pubkey\n"
			 "\t\t\tid = 198.18.0.3\n"
			 "\t\t\tcacerts = tsnet-ca.pem\n"), "%s", conf.p);
	cr_assert_null(strstr(conf.p, "psk"));
	cr_assert_null(strstr(sec.p, "secret ="), "%s", sec.p);
	cr_assert_null(strstr(sec.p, "abab"));
	tsn_buf_free(&conf);
	tsn_buf_free(&sec);
	tsn_inventory_free(&inv);
}

/* IKEv2 fragmentation is on in every connection, PSK or x509: where a
 * path drops IP fragments, IKE_AUTH with certificates (2-3 KB) still
 * gets through (the probe's path.fragments says where). */
Test(plan, conf_fragmentation_on_every_connection)
{
	struct tsn_inventory inv;
	struct tsn_peer_conf peers[2] = { 0 };
	struct tsn_node_conf c = { 0 };

	load(&inv, inv3);
	c.inv = &inv;
	c.self = tsn_inventory_find(&inv, "n1");
	peers[0].peer = tsn_inventory_find(&inv, "n2");
	peers[1].peer = tsn_inventory_find(&inv, "n3");
	c.peers = peers;
	c.n_peers = 2;
	for (int x509 = 0; x509 < 2; x509++) {
		struct tsn_buf conf = { 0 };
		size_t n = 0;

		c.x509 = x509;
		cr_assert_eq(tsn_conf_swanctl(&c, &conf), 0);
		for (const char *p = conf.p;
		     (p = strstr(p, "\n\t\tfragmentation = yes\n")); p++)
			n++;
		cr_assert_eq(n, 2, "x509 %d: %zu of 2 connections:\n%s", x509,
			     n, conf.p);
		cr_assert_null(strstr(conf.p, "fragmentation = no"));
		tsn_buf_free(&conf);
	}
	tsn_inventory_free(&inv);
}
