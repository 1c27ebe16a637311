/* fuzz_inventory.c - libFuzzer target for the inventory parser.
 *
 * Whatever the bytes: no crash, no leak (ASan), a rejection is one
 * "NAME:LINE: reason" message and leaves the inventory empty, and an
 * accepted inventory formats to text that parses back to an equal
 * inventory and formats to the same text again.  Seeds:
 * tests/data/inventory/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const struct tsn_inv_diag *diag,
			const struct tsn_inventory *inv)
{
	const char *p = diag->error;

	if (strncmp(p, "f:", 2))
		abort();
	p += 2;
	if (*p < '1' || *p > '9')
		abort();
	p += strspn(p, "0123456789");
	if (strncmp(p, ": ", 2) || !p[2] || strchr(p, '\n'))
		abort();
	if (inv->nodes || inv->n_nodes || inv->cluster.name || inv->path)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsn_inv_diag diag;
	struct tsn_inventory a, b;
	struct tsn_buf t1 = { 0 }, t2 = { 0 };

	if (tsn_inventory_parse("f", (const char *)data, size, &a, &diag)) {
		check_error(&diag, &a);
		return 0;
	}
	if (tsn_inventory_format(&a, &t1))
		abort();
	if (tsn_inventory_parse("f", t1.p, t1.len, &b, &diag)) {
		fprintf(stderr, "formatted text rejected: %s\n%s", diag.error,
			t1.p);
		abort();
	}
	if (!tsn_inventory_equal(&a, &b) || !tsn_inventory_equal(&b, &a))
		abort();
	if (tsn_inventory_format(&b, &t2) || strcmp(t1.p, t2.p))
		abort();
	tsn_inventory_free(&a);
	tsn_inventory_free(&b);
	tsn_buf_free(&t1);
	tsn_buf_free(&t2);
	return 0;
}
