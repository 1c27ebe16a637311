/* test_inventory_addr.c - the inventory's name, address and prefix
 * parsers: what each accepts, the normalised form it prints back, and
 * which addresses a prefix contains.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>

#include "lib/inventory.h"
#include "lib/util.h"
#include "tests/unit/params.h"

struct name_case {
	char s[80];
	bool ok;
};

ParameterizedTestParameters(inventory, name_valid)
{
	static struct name_case cases[] = {
		{ "a", true }, { "db-1", true }, { "0", true },
		{ "123456789012345678901234567890123456789012345678901234567890"
		  "123", true },
		{ "123456789012345678901234567890123456789012345678901234567890"
		  "1234", false },
		{ "", false }, { "-a", false }, { "A", false }, { "a_b", false },
		{ "a b", false }, { "a.b", false }, { "\xc3\xa9", false },
	};
	return tsn_param_array(struct name_case, cases);
}

ParameterizedTest(struct name_case *c, inventory, name_valid)
{
	cr_assert_eq(tsn_name_valid(c->s), c->ok, "'%s'", c->s);
}

TSN_PARAM_ALL(struct name_case, inventory, name_valid)

struct addr_case {
	char in[64];
	int ret;
	int family;
	char out[64];		/* normalised */
};

ParameterizedTestParameters(inventory, addr_parse)
{
	static struct addr_case cases[] = {
		{ "198.18.0.1", 0, AF_INET, "198.18.0.1" },
		{ "0.0.0.0", 0, AF_INET, "0.0.0.0" },
		{ "255.255.255.255", 0, AF_INET, "255.255.255.255" },
		{ "FD00:7473:0:0::01", 0, AF_INET6, "fd00:7473::1" },
		{ "::", 0, AF_INET6, "::" },
		{ "::ffff:198.18.0.1", 0, AF_INET6, "::ffff:198.18.0.1" },
		{ "1:2:3:4:5:6:7:8", 0, AF_INET6, "1:2:3:4:5:6:7:8" },
		{ "198.18.0.256", -EINVAL, 0, "" },
		{ "198.18.0", -EINVAL, 0, "" },
		{ "198.18.0.1.2", -EINVAL, 0, "" },
		{ "0x7f.0.0.1", -EINVAL, 0, "" },
		{ "1", -EINVAL, 0, "" },
		{ "198.18.0.01", -EINVAL, 0, "" },
		{ " 198.18.0.1", -EINVAL, 0, "" },
		{ "198.18.0.1 ", -EINVAL, 0, "" },
		{ "", -EINVAL, 0, "" },
		{ "fd00::7473::1", -EINVAL, 0, "" },
		{ "1:2:3:4:5:6:7:8:9", -EINVAL, 0, "" },
		{ "fe80::1%eth0", -EINVAL, 0, "" },
		{ "[fd00::1]", -EINVAL, 0, "" },
		{ "12345::1", -EINVAL, 0, "" },
		{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb",
		  -EINVAL, 0, "" },
	};
	return tsn_param_array(struct addr_case, cases);
}

ParameterizedTest(struct addr_case *c, inventory, addr_parse)
{
	struct tsn_addr a, b;
	char buf[INET6_ADDRSTRLEN];

	cr_assert_eq(tsn_addr_parse(c->in, &a), c->ret, "'%s'", c->in);
	cr_assert_eq(a.family, c->family);
	if (c->ret)
		return;
	cr_assert_str_eq(tsn_addr_str(&a, buf, sizeof(buf)), c->out);
	cr_assert_eq(tsn_addr_parse(buf, &b), 0);
	cr_assert(tsn_addr_equal(&a, &b));
}

TSN_PARAM_ALL(struct addr_case, inventory, addr_parse)

Test(inventory, addr_misc)
{
	struct tsn_addr a, b, unset = { 0 };
	char small[4], buf[64];

	cr_assert_eq(tsn_addr_parse(NULL, &a), -EINVAL);
	tsn_addr_parse("198.18.0.1", &a);
	tsn_addr_parse("::ffff:198.18.0.1", &b);
	cr_assert_not(tsn_addr_equal(&a, &b), "families differ");
	cr_assert(tsn_addr_equal(&unset, &unset));
	cr_assert_null(tsn_addr_str(&a, small, sizeof(small)));
	cr_assert_str_eq(tsn_addr_str(&unset, buf, sizeof(buf)), "");
}

struct prefix_case {
	char in[64];
	int ret;
	unsigned len;
	bool network;
	char inside[48];	/* an address it contains, or "" */
	char outside[48];	/* one it does not */
};

ParameterizedTestParameters(inventory, prefix_parse)
{
	static struct prefix_case cases[] = {
		{ "198.18.0.0/15", 0, 15, true, "198.19.255.255", "198.20.0.0" },
		{ "198.18.0.1/15", 0, 15, false, "198.18.0.9", "198.17.0.1" },
		{ "10.0.0.0/8", 0, 8, true, "10.255.0.1", "11.0.0.0" },
		{ "0.0.0.0/0", 0, 0, true, "255.255.255.255", "::1" },
		{ "198.18.0.1/32", 0, 32, true, "198.18.0.1", "198.18.0.2" },
		{ "198.18.0.1/31", 0, 31, false, "198.18.0.0", "198.18.0.2" },
		{ "fd00:7473::/32", 0, 32, true, "fd00:7473:ffff::1",
		  "fd00:7474::" },
		{ "fd00:7473::/33", 0, 33, true, "fd00:7473:7fff::",
		  "fd00:7473:8000::" },
		{ "fd00:7473::1/128", 0, 128, true, "fd00:7473::1",
		  "fd00:7473::2" },
		{ "fd00:7473::1/127", 0, 127, false, "fd00:7473::", "" },
		{ "::/0", 0, 0, true, "fd00::1", "198.18.0.1" },
		{ "198.18.0.0/33", -EINVAL, 0, false, "", "" },
		{ "fd00::/129", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/-1", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/+8", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/8 ", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0 /8", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0", -EINVAL, 0, false, "", "" },
		{ "/8", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/8/8", -EINVAL, 0, false, "", "" },
		{ "198.18.0.0/4294967304", -EINVAL, 0, false, "", "" },
	};
	return tsn_param_array(struct prefix_case, cases);
}

ParameterizedTest(struct prefix_case *c, inventory, prefix_parse)
{
	struct tsn_prefix p;
	struct tsn_addr a;

	cr_assert_eq(tsn_prefix_parse(c->in, &p), c->ret, "'%s'", c->in);
	if (c->ret) {
		cr_assert_eq(p.addr.family, 0);
		return;
	}
	cr_assert_eq(p.len, c->len);
	cr_assert_eq(tsn_prefix_is_network(&p), c->network, "'%s'", c->in);
	if (c->inside[0]) {
		cr_assert_eq(tsn_addr_parse(c->inside, &a), 0);
		cr_assert(tsn_prefix_contains(&p, &a), "%s in %s", c->inside,
			  c->in);
	}
	if (c->outside[0]) {
		cr_assert_eq(tsn_addr_parse(c->outside, &a), 0);
		cr_assert_not(tsn_prefix_contains(&p, &a), "%s not in %s",
			      c->outside, c->in);
	}
}

TSN_PARAM_ALL(struct prefix_case, inventory, prefix_parse)
