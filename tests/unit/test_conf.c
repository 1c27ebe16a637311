/* test_conf.c - the strongSwan configuration conf.c renders, as golden
 * text: a single-stack pair exactly as before dual-stack support (the
 * golden was rendered by the previous conf.c), a dual-stack pair with its
 * second, IPv6 connection and secret entry; the names' parser; --legacy
 * refusing a dual-stack pair. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "enable/conf.h"
#include "lib/inventory.h"

/* n1 and n2 dual-stack, n3 IPv4 only */
static const char inv_text[] =
	"[cluster]\nname = c1\n"
	"[node n1]\naddress = 198.18.0.1\naddress6 = fd00:7473::1\n"
	"[node n2]\naddress = 198.18.0.2\naddress6 = fd00:7473::2\n"
	"[node n3]\naddress = 198.18.0.3\n";

/* n1 with n3: one connection, one secret (the pair is not dual-stack) */
static const char golden_single[] =
	"# Written by tsnet: do not edit; `tsnet status` reports any change as drift.\n"
	"# cluster c1, node n1\n"
	"connections {\n"
	"\ttsnet-n3 {\n"
	"\t\tversion = 2\n"
	"\t\tlocal_addrs = 198.18.0.1\n"
	"\t\tremote_addrs = 198.18.0.3\n"
	"\t\tproposals = aes256gcm16-prfsha384-x25519,aes128gcm16-prfsha256-ecp256\n"
	"\t\tencap = no\n"
	"\t\tmobike = no\n"
	"\t\tfragmentation = yes\n"
	"\t\tdpd_delay = 30s\n"
	"\t\trekey_time = 14400s\n"
	"\t\tlocal {\n"
	"\t\t\tauth = psk\n"
	"\t\t\tid = 198.18.0.1\n"
	"\t\t}\n"
	"\t\tremote {\n"
	"\t\t\tauth = psk\n"
	"\t\t\tid = 198.18.0.3\n"
	"\t\t}\n"
	"\t\tchildren {\n"
	"\t\t\ttsnet-n3 {\n"
	"\t\t\t\tmode = transport\n"
	"\t\t\t\tesp_proposals = aes256gcm16-x25519,aes128gcm16-x25519\n"
	"\t\t\t\tstart_action = trap\n"
	"\t\t\t\tdpd_action = trap\n"
	"\t\t\t\tclose_action = trap\n"
	"\t\t\t\trekey_time = 14400s\n"
	"\t\t\t}\n"
	"\t\t}\n"
	"\t}\n"
	"}\n"
	"# Written by tsnet: do not edit; `tsnet status` reports any change as drift.\n"
	"secrets {\n"
	"\tike-tsnet-n3 {\n"
	"\t\tid-local = 198.18.0.1\n"
	"\t\tid-remote = 198.18.0.3\n"
	"\t\tsecret = 0xabababababababababababababababababababababababababababababababab\n"
	"\t}\n"
	"}\n";

/* n1 with n2: both have address6, so a second connection */
static const char golden_dual[] =
	"# Written by tsnet: do not edit; `tsnet status` reports any change as drift.\n"
	"# cluster c1, node n1\n"
	"connections {\n"
	"\ttsnet-n2 {\n"
	"\t\tversion = 2\n"
	"\t\tlocal_addrs = 198.18.0.1\n"
	"\t\tremote_addrs = 198.18.0.2\n"
	"\t\tproposals = aes256gcm16-prfsha384-x25519,aes128gcm16-prfsha256-ecp256\n"
	"\t\tencap = no\n"
	"\t\tmobike = no\n"
	"\t\tfragmentation = yes\n"
	"\t\tdpd_delay = 30s\n"
	"\t\trekey_time = 14400s\n"
	"\t\tlocal {\n"
	"\t\t\tauth = psk\n"
	"\t\t\tid = 198.18.0.1\n"
	"\t\t}\n"
	"\t\tremote {\n"
	"\t\t\tauth = psk\n"
	"\t\t\tid = 198.18.0.2\n"
	"\t\t}\n"
	"\t\tchildren {\n"
	"\t\t\ttsnet-n2 {\n"
	"\t\t\t\tmode = transport\n"
	"\t\t\t\tesp_proposals = aes256gcm16-x25519,aes128gcm16-x25519\n"
	"\t\t\t\tstart_action = trap\n"
	"\t\t\t\tdpd_action = trap\n"
	"\t\t\t\tclose_action = trap\n"
	"\t\t\t\trekey_time = 14400s\n"
	"\t\t\t}\n"
	"\t\t}\n"
	"\t}\n"
	"\ttsnet-n2_v6 {\n"
	"\t\tversion = 2\n"
	"\t\tlocal_addrs = fd00:7473::1\n"
	"\t\tremote_addrs = fd00:7473::2\n"
	"\t\tproposals = aes256gcm16-prfsha384-x25519,aes128gcm16-prfsha256-ecp256\n"
	"\t\tencap = no\n"
	"\t\tmobike = no\n"
	"\t\tfragmentation = yes\n"
	"\t\tdpd_delay = 30s\n"
	"\t\trekey_time = 14400s\n"
	"\t\tlocal {\n"
	"\t\t\tauth = psk\n"
	"\t\t\tid = fd00:7473::1\n"
	"\t\t}\n"
	"\t\tremote {\n"
	"\t\t\tauth = psk\n"
	"\t\t\tid = fd00:7473::2\n"
	"\t\t}\n"
	"\t\tchildren {\n"
	"\t\t\ttsnet-n2_v6 {\n"
	"\t\t\t\tmode = transport\n"
	"\t\t\t\tesp_proposals = aes256gcm16-x25519,aes128gcm16-x25519\n"
	"\t\t\t\tstart_action = trap\n"
	"\t\t\t\tdpd_action = trap\n"
	"\t\t\t\tclose_action = trap\n"
	"\t\t\t\trekey_time = 14400s\n"
	"\t\t\t}\n"
	"\t\t}\n"
	"\t}\n"
	"}\n"
	"# Written by tsnet: do not edit; `tsnet status` reports any change as drift.\n"
	"secrets {\n"
	"\tike-tsnet-n2 {\n"
	"\t\tid-local = 198.18.0.1\n"
	"\t\tid-remote = 198.18.0.2\n"
	"\t\tsecret = 0xabababababababababababababababababababababababababababababababab\n"
	"\t}\n"
	"\tike-tsnet-n2_v6 {\n"
	"\t\tid-local = fd00:7473::1\n"
	"\t\tid-remote = fd00:7473::2\n"
	"\t\tsecret = 0xabababababababababababababababababababababababababababababababab\n"
	"\t}\n"
	"}\n";

static struct tsn_inventory inv;
static struct tsn_peer_conf peer;
static struct tsn_node_conf nc;

static void setup(void)
{
	struct tsn_inv_diag d = { 0 };

	cr_assert_eq(tsn_inventory_parse("t", inv_text, strlen(inv_text),
					 &inv, &d), 0, "%s", d.error);
	nc.inv = &inv;
	nc.peers = &peer;
	nc.n_peers = 1;
	nc.trap = true;
	memset(peer.psk, 0xab, TSN_PSK_LEN);
}

static void teardown(void)
{
	tsn_inventory_free(&inv);
}

/* Both files of self's connection with peer, concatenated. */
static void render(const char *self, const char *with, struct tsn_buf *b)
{
	nc.self = tsn_inventory_find(&inv, self);
	peer.peer = tsn_inventory_find(&inv, with);
	cr_assert_eq(tsn_conf_swanctl(&nc, b), 0);
	cr_assert_eq(tsn_conf_swanctl_secrets(&nc, b), 0);
}

TestSuite(conf, .init = setup, .fini = teardown);

Test(conf, single_stack_pair_unchanged_byte_for_byte)
{
	struct tsn_buf b = { 0 };

	render("n1", "n3", &b);
	cr_assert_str_eq(b.p, golden_single);
	tsn_buf_free(&b);
}

Test(conf, dual_stack_pair_has_its_ipv6_connection)
{
	struct tsn_buf b = { 0 };

	render("n1", "n2", &b);
	cr_assert_str_eq(b.p, golden_dual);
	tsn_buf_free(&b);
}

/* x509: the IPv6 connection authenticates with the same certificate,
 * its id the address6 (x509.c puts it in the certificate's SANs). */
Test(conf, dual_stack_x509_ids_are_the_ipv6_addresses)
{
	struct tsn_buf b = { 0 };

	nc.x509 = true;
	render("n2", "n1", &b);
	cr_assert(strstr(b.p, "\ttsnet-n1_v6 {\n\t\tversion = 2\n"
			 "\t\tlocal_addrs = fd00:7473::2\n"
			 "\t\tremote_addrs = fd00:7473::1\n"), "%s", b.p);
	cr_assert(strstr(b.p, "\t\t\tcerts = tsnet-n2.pem\n"
			 "\t\t\tid = fd00:7473::2\n"), "%s", b.p);
	cr_assert_null(strstr(b.p, "secret ="));
	tsn_buf_free(&b);
}

Test(conf, connection_names_parse_back)
{
	char p[TSN_NAME_MAX + 1];
	bool v6 = true;

	cr_assert_str_eq(tsn_conf_conn_peer("tsnet-n2", p, sizeof(p), &v6),
			 "n2");
	cr_assert_not(v6);
	cr_assert_str_eq(tsn_conf_conn_peer("tsnet-n2_v6", p, sizeof(p),
					    &v6), "n2");
	cr_assert(v6);
	/* a node may be called "v6" or "n2-v6": no '_' in a node name */
	cr_assert_str_eq(tsn_conf_conn_peer("tsnet-n2-v6", p, sizeof(p),
					    &v6), "n2-v6");
	cr_assert_not(v6);
	cr_assert_null(tsn_conf_conn_peer("tsnet-", p, sizeof(p), &v6));
	cr_assert_null(tsn_conf_conn_peer("tsnet-_v6", p, sizeof(p), &v6));
	cr_assert_null(tsn_conf_conn_peer("other-n2", p, sizeof(p), &v6));
	cr_assert_null(tsn_conf_conn_peer("tsnet-n2", p, 2, &v6));
}

Test(conf, dual_stack_pairs_found_in_the_inventory)
{
	cr_assert_str_eq(tsn_inv_dual(&inv), "n1");
	cr_assert(tsn_conf_dual(tsn_inventory_find(&inv, "n1"),
				tsn_inventory_find(&inv, "n2")));
	cr_assert_not(tsn_conf_dual(tsn_inventory_find(&inv, "n1"),
				    tsn_inventory_find(&inv, "n3")));
}

/* --legacy writes one conn per peer: a dual-stack pair is refused, not
 * left with its IPv6 traffic in the clear; a single-stack one renders. */
Test(conf, legacy_refuses_a_dual_stack_pair)
{
	struct tsn_buf c = { 0 }, s = { 0 };

	nc.self = tsn_inventory_find(&inv, "n1");
	peer.peer = tsn_inventory_find(&inv, "n2");
	cr_assert_eq(tsn_conf_legacy(&nc, &c, &s), -EAFNOSUPPORT);
	tsn_buf_free(&c);
	tsn_buf_free(&s);
	peer.peer = tsn_inventory_find(&inv, "n3");
	cr_assert_eq(tsn_conf_legacy(&nc, &c, &s), 0);
	cr_assert(strstr(c.p, "conn tsnet-n3\n"), "%s", c.p);
	tsn_buf_wipe(&c);
	tsn_buf_wipe(&s);
}
