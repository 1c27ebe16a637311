/* fuzz_esp.c - libFuzzer target for the ESP probe check: arbitrary bytes
 * must never verify (they would need the tag), and a probe built from
 * fuzzed fields must always verify and round-trip its fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsn_esp_run run = { .run_id = 0x7473747374737473ULL };
	struct tsn_esp_probe pr, seen;
	uint8_t buf[TSN_ESP_PROBE_LEN], *p;

	memset(run.key, 0x5a, sizeof(run.key));
	p = malloc(size ? size : 1);
	if (!p)
		return 0;
	if (size)
		memcpy(p, data, size);
	if (tsn_esp_probe_check(p, size, &run, &seen) == TSN_ESP_PROBE_OK)
		abort();	/* a forged tag verified */
	free(p);

	if (size < sizeof(pr))
		return 0;
	memcpy(&pr, data, sizeof(pr));
	pr.spi = TSN_ESP_PROBE_SPI_BASE | (pr.spi & 0xffff);
	if (tsn_esp_probe_build(buf, sizeof(buf), &pr, &run) !=
	    TSN_ESP_PROBE_LEN)
		abort();
	if (tsn_esp_probe_check(buf, sizeof(buf), &run, &seen) !=
	    TSN_ESP_PROBE_OK || seen.node != pr.node ||
	    seen.sent_ns != pr.sent_ns || seen.seq != pr.seq)
		abort();
	return 0;
}
