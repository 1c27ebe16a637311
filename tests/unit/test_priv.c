/* test_priv.c - the `--needs` list a coordinator passes to its agents:
 * names to bits and back, and what is not a need refused. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/priv.h"

Test(priv, every_need_round_trips)
{
	unsigned all = TSN_NEED_NET_ADMIN | TSN_NEED_NET_RAW |
		       TSN_NEED_SWAN_DIRS | TSN_NEED_SWAN_LEGACY |
		       TSN_NEED_SWAN_X509;

	for (unsigned n = 1; n <= all; n++) {
		char buf[64];
		unsigned back = ~0u;

		tsn_priv_format(n, buf, sizeof(buf));
		cr_assert_eq(tsn_priv_parse(buf, &back), 0, "'%s'", buf);
		cr_assert_eq(back, n, "'%s': %u, not %u", buf, back, n);
	}
}

Test(priv, names_in_order)
{
	char buf[64];

	tsn_priv_format(TSN_NEED_SWAN_DIRS | TSN_NEED_NET_ADMIN, buf,
			sizeof(buf));
	cr_assert_str_eq(buf, "net-admin,swan-dirs");
	tsn_priv_format(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "");
}

Test(priv, not_a_need_refused)
{
	static const char *const bad[] = {
		"", "net_admin", "net-admin,", ",net-raw", "net-admin,,net-raw",
		"NET-RAW", "swan", "net-admin,nope",
	};
	unsigned n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(tsn_priv_parse(bad[i], &n), -EINVAL, "'%s'",
			     bad[i]);
}

/* A directory tsnet would create is judged by the parent it would be
 * created in: a writable one passes, a missing tree under it too. */
Test(priv, missing_dir_judged_by_its_parent)
{
	char tmpl[] = "/tmp/tsnet-priv.XXXXXX", dir[128], why[200];
	const char *dirs[] = { dir, NULL };

	cr_assert_not_null(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s/a/b/conf.d", tmpl);
	cr_assert_eq(tsn_priv_missing(TSN_NEED_SWAN_DIRS, dirs, why,
				      sizeof(why)), 0u, "%s", why);
	rmdir(tmpl);
}
