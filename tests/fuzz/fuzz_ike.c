/* fuzz_ike.c - libFuzzer target for the IKE answer parser: any bytes,
 * as a UDP 500 payload and as a UDP 4500 one (non-ESP marker), and the
 * summary of whatever parsed.  The input is copied to a buffer of its
 * exact size, so ASan reports any read past caplen. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsn_ike_info info;
	char line[256];
	uint8_t *p = malloc(size ? size : 1);

	if (!p)
		return 0;
	if (size)
		memcpy(p, data, size);
	if (tsn_ike_parse(p, size, &info) == 0)
		tsn_ike_summary(&info, line, sizeof(line));
	else if (!info.why || info.err_off > size)
		abort();	/* every error says where, within the input */
	if (tsn_ike_parse_natt(p, size, &info) == 0)
		tsn_ike_summary(&info, line, sizeof(line));
	free(p);
	return 0;
}
