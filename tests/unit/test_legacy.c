/* test_legacy.c - --legacy's ipsec.conf/ipsec.secrets read back
 * (tsn_legacy_to_swanctl, used by ipsec-rollback): the round trip
 * legacy text -> swanctl text equals what ipsec-apply renders and loads
 * for the same node (comments aside), for trap or not, per-pair and
 * cluster-wide encapsulation, IPv6; text tsnet does not write and a conn
 * without its key are refused without the key in the error. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "enable/conf.h"
#include "enable/ipsec.h"
#include "lib/inventory.h"
#include "tests/unit/params.h"

struct rt_case {
	char inv[400];
	char self[8];
	bool trap;
	unsigned encap_mask;	/* bit i: peer i encapsulates */
};

static void load(struct tsn_inventory *inv, const char *text)
{
	struct tsn_inv_diag d = { 0 };

	cr_assert_eq(tsn_inventory_parse("t", text, strlen(text), inv, &d), 0,
		     "%s", d.error);
}

/* The text without its comment lines (the header names the cluster and
 * node, which the legacy files do not carry; neither is loaded). */
static void strip_comments(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (const char *p = in; *p; ) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p + 1) : strlen(p);

		if (*p != '#') {
			cr_assert_lt(o + n, len);
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	out[o] = '\0';
}

static struct rt_case cases[] = {
	{ "[cluster]\nname = c1\n[node n1]\naddress = 198.18.0.1\n"
	  "[node n2]\naddress = 198.18.0.2\n[node n3]\naddress = 198.18.0.3\n",
	  "n1", true, 0 },
	{ "[cluster]\nname = c1\nrekey_time = 600\n"
	  "esp_proposals = aes128gcm16-modp2048\n"
	  "[node n1]\naddress = 198.18.0.1\n[node n2]\naddress = 198.18.0.2\n"
	  "[node n3]\naddress = 198.18.0.3\n",
	  "n2", false, 2 },
	{ "[cluster]\nname = c1\nencap = yes\n"
	  "[node a]\naddress = fd00:7473::1\n[node b]\naddress = fd00:7473::2\n",
	  "b", true, 0 },
};

ParameterizedTestParameters(legacy, round_trip)
{
	return tsn_param_array(struct rt_case, cases);
}

ParameterizedTest(struct rt_case *c, legacy, round_trip)
{
	struct tsn_inventory inv;
	struct tsn_node_conf nc = { 0 };
	struct tsn_peer_conf pc[8] = { 0 };
	struct tsn_buf lc = { 0 }, ls = { 0 }, sc = { 0 }, ss = { 0 };
	struct tsn_buf rc = { 0 }, rs = { 0 };
	static char a[8192], b[8192];
	char err[256] = "";

	load(&inv, c->inv);
	nc.inv = &inv;
	nc.self = tsn_inventory_find(&inv, c->self);
	cr_assert_not_null(nc.self);
	nc.trap = c->trap;
	nc.peers = pc;
	for (size_t i = 0; i < inv.n_nodes; i++) {
		struct tsn_peer_conf *p = &pc[nc.n_peers];

		if (&inv.nodes[i] == nc.self)
			continue;
		p->peer = &inv.nodes[i];
		p->encap = c->encap_mask & (1u << nc.n_peers);
		memset(p->psk, 0x40 + (int)i, TSN_PSK_LEN);
		nc.n_peers++;
	}
	cr_assert_eq(tsn_conf_legacy(&nc, &lc, &ls), 0);
	cr_assert_eq(tsn_conf_swanctl(&nc, &sc), 0);
	cr_assert_eq(tsn_conf_swanctl_secrets(&nc, &ss), 0);
	cr_assert_eq(tsn_legacy_to_swanctl(lc.p, ls.p, &rc, &rs, err,
					   sizeof(err)), 0, "%s", err);
	strip_comments(sc.p, a, sizeof(a));
	strip_comments(rc.p, b, sizeof(b));
	cr_assert_str_eq(b, a);
	strip_comments(ss.p, a, sizeof(a));
	strip_comments(rs.p, b, sizeof(b));
	cr_assert_str_eq(b, a);
	tsn_buf_free(&lc);
	tsn_buf_free(&ls);
	tsn_buf_free(&sc);
	tsn_buf_free(&ss);
	tsn_buf_free(&rc);
	tsn_buf_free(&rs);
	tsn_inventory_free(&inv);
}

TSN_PARAM_ALL(struct rt_case, legacy, round_trip)

static const char conf1[] =
	"conn tsnet-n2\n\tleft=198.18.0.1\n\tright=198.18.0.2\n"
	"\tike=aes256gcm16-prfsha384-x25519!\n\tesp=aes256gcm16-x25519!\n"
	"\tforceencaps=no\n\tlifetime=3600s\n\tauto=route\n";
static const char key1[] = "198.18.0.1 198.18.0.2 : PSK 0x"
	"1111111111111111111111111111111111111111111111111111111111111111\n";

Test(legacy, refuses_what_tsnet_does_not_write)
{
	struct tsn_buf c = { 0 }, s = { 0 };
	char err[256] = "";

	cr_assert_eq(tsn_legacy_to_swanctl(conf1, key1, &c, &s, err,
					   sizeof(err)), 0, "%s", err);
	tsn_buf_free(&c);
	tsn_buf_wipe(&s);
	/* a line outside any conn */
	cr_assert_eq(tsn_legacy_to_swanctl("left=198.18.0.1\n", key1, &c, &s,
					   err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "line 1"), "%s", err);
	/* a proposal list not ended by '!' */
	cr_assert_eq(tsn_legacy_to_swanctl("conn tsnet-n2\n\tike=aes256gcm16\n",
					   key1, &c, &s, err, sizeof(err)),
		     -EINVAL);
	/* a conn without its key; the error holds no key */
	cr_assert_eq(tsn_legacy_to_swanctl(conf1, "198.18.0.1 198.18.0.9 : "
					   "PSK 0x2222222222222222222222222222"
					   "222222222222222222222222222222222"
					   "2\n", &c, &s, err, sizeof(err)),
		     -ENOENT);
	cr_assert(strstr(err, "without its key"), "%s", err);
	cr_assert_null(strstr(err, "2222"));
	tsn_buf_free(&c);
	tsn_buf_free(&s);
}
