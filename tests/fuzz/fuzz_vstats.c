/* fuzz_vstats.c - libFuzzer target for the walk over a VICI "stats"
 * answer that finds charon's loaded plugins (preflight/host_connmark.c);
 * seeds: the answers recorded from a real charon (tests/data/vici). */
#include <stddef.h>
#include <stdint.h>

#include "preflight/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)tsn_vici_stats_plugin(data, size, "connmark");
	return 0;
}
