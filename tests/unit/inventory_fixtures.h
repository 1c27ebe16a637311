/* inventory_fixtures.h - what the inventory unit tests share: the T()
 * literal-and-length macro, parse_ok() for text that must parse, and
 * many_nodes() for inventories near the node limit.  Used by
 * test_inventory.c and test_inventory_reject.c.
 */
#ifndef TSN_TEST_INVENTORY_FIXTURES_H
#define TSN_TEST_INVENTORY_FIXTURES_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/inventory.h"
#include "lib/util.h"
#include "tests/unit/params.h"

/* A string literal as the (text, len) pair the parser takes; the length
 * counts embedded NULs. */
#define T(s) s, sizeof(s) - 1

/* Parse text that must be accepted (as "t.conf"). */
static inline void parse_ok(const char *text, size_t len,
			    struct tsn_inventory *inv)
{
	struct tsn_inv_diag diag = { .warn = NULL };
	int ret = tsn_inventory_parse("t.conf", text, len, inv, &diag);

	cr_assert_eq(ret, 0, "rejected: %s\n%s", diag.error, text);
}

/* An inventory of n nodes, 198.18.0.0/15 addresses (and ULA ones with v6);
 * the caller frees it. */
static inline char *many_nodes(size_t n, bool v6)
{
	struct tsn_buf b = { 0 };

	tsn_buf_puts(&b, "[cluster]\nname = big\ntransport = netns\n");
	for (size_t i = 0; i < n; i++) {
		tsn_buf_printf(&b, "[node n%zu]\naddress = 198.18.%zu.%zu\n", i,
			       i / 250, i % 250 + 1);
		if (v6)
			tsn_buf_printf(&b, "address6 = fd00:7473::%zx\n", i + 1);
	}
	return b.p;
}

#endif
