/* fuzz_vici.c - libFuzzer target for the VICI message parser. */
#include <stddef.h>
#include <stdint.h>

#include "enable/vici.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsn_vici_el root;
	char err[128];

	if (tsn_vici_parse(data, size, &root, err, sizeof(err)) == 0) {
		(void)tsn_vici_get(&root, "success");
		tsn_vici_el_free(&root);
	}
	return 0;
}
