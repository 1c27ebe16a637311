/* fuzz_classify.c - libFuzzer target for the frame classifier.  The
 * first input byte picks the link type; the rest is the captured frame,
 * copied to a buffer of its exact size (caplen) so ASan sees any read
 * past it.  Also checks that reported offsets stay inside the frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {
	TSN_DLT_EN10MB, TSN_DLT_LINUX_SLL, TSN_DLT_LINUX_SLL2, TSN_DLT_RAW,
	TSN_LINKTYPE_RAW, TSN_DLT_IPV4, TSN_DLT_IPV6, TSN_DLT_NULL, TSN_DLT_LOOP,
	147,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsn_pkt pkt;
	char line[256];
	uint8_t *p;
	int dlt;

	if (size < 1)
		return 0;
	dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	size--;
	p = malloc(size ? size : 1);
	if (!p)
		return 0;
	if (size)
		memcpy(p, data + 1, size);
	tsn_classify_frame(dlt, p, size, &pkt);
	tsn_pkt_str(&pkt, line, sizeof(line));
	if (pkt.l4_off > size || pkt.ip_off > size)
		abort();
	if ((pkt.cls == TSN_PKT_ESP || pkt.cls == TSN_PKT_ESP_IN_UDP ||
	     pkt.cls == TSN_PKT_IKE) && !pkt.l4_off)
		abort();	/* a verdict that needed L4 says where it is */
	tsn_classify_ip(p, size, &pkt);
	tsn_pkt_str(&pkt, line, sizeof(line));
	free(p);
	return 0;
}
