/* fuzz_verify.c - libFuzzer target for `tsnet verify --read`: the input
 * is a capture file, read through libpcap from memory (fmemopen) exactly
 * as a file would be, then the report is built as JSON.  Input libpcap
 * refuses is also fed to the counting step directly, as frames: the
 * first byte picks the link type, then each frame is a 2-byte length and
 * that many bytes (each copied to a buffer of its exact size, so ASan
 * sees any read past caplen).  Odd-sized inputs are read with a small
 * inventory, so the members' paths run too.
 *
 * Seeds (tests/fuzz/corpus/verify): tests/helpers/gen_capture -n 12 -H 4
 * -L 1 on each link type (-l eth|vlan|qinq|sll|sll2|raw|null|loop), IPv4
 * and IPv6 (-6); with fragments and AH (-f -a); two turned into pcapng
 * by editcap -F pcapng; eth.pcap cut at 300 bytes (cut.pcap); and six
 * real captures of tests/data/packets (a truncated ESP, ARP, ike-scan's
 * NAT-T, IPv6 options, a tun device's raw IP, cooked v1). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/inventory.h"
#include "lib/json.h"
#include "verify/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {
	TSN_DLT_EN10MB, TSN_DLT_LINUX_SLL, TSN_DLT_LINUX_SLL2, TSN_DLT_RAW,
	TSN_LINKTYPE_RAW, TSN_DLT_IPV4, TSN_DLT_IPV6, TSN_DLT_NULL,
	TSN_DLT_LOOP, 147,
};

static const char inv_text[] =
	"[cluster]\nname = f\ntransport = local\n"
	"[node n1]\naddress = 198.18.0.1\n"
	"[node n2]\naddress = 198.18.0.2\naddress6 = fd00:7473::2\n"
	"[node n3]\naddress = fd00:7473::3\n";

static const struct tsn_inventory *inventory(void)
{
	static struct tsn_inventory inv;
	static int state;	/* 0 not yet, 1 parsed, -1 failed */
	struct tsn_inv_diag diag = { .error = "" };

	if (!state)
		state = tsn_inventory_parse("fuzz", inv_text, strlen(inv_text),
					    &inv, &diag) ? -1 : 1;
	if (state < 0)
		abort();
	return &inv;
}

/* The input as length-prefixed frames of one link type. */
static void as_frames(struct tsn_verify *v, const uint8_t *data, size_t size)
{
	size_t off = 1, n;
	uint8_t *f;

	v->dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	while (off + 2 <= size) {
		n = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (n > size - off)
			n = size - off;
		f = malloc(n ? n : 1);
		if (!f)
			return;
		memcpy(f, data + off, n);
		tsn_verify_frame(v, f, n, (int64_t)(off * 7), 0);
		free(f);
		off += n;
	}
	tsn_verify_settle(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct tsn_inventory *inv = size % 2 ? inventory() : NULL;
	struct tsn_buf b = { 0 };
	struct tsn_verify v;
	struct tsn_json j;
	uint64_t sum = 0;
	char err[512];
	FILE *fp;
	int ret;

	if (size < 1 || tsn_verify_init(&v, inv, size % 4 == 3) < 0)
		return 0;
	v.source = "fuzz";
	fp = fmemopen((void *)data, size, "rb");
	ret = fp ? tsn_verify_read_fp(&v, fp, err, sizeof(err)) : -1;
	if (ret == -ENOENT || ret == -1)
		as_frames(&v, data, size);
	/* every packet is counted once, in one class */
	for (int c = 0; c < TSN_V_N; c++)
		sum += v.totals[c];
	if (sum != v.packets)
		abort();
	tsn_json_init(&j, &b, false);
	tsn_verify_json(&v, &j);
	if (tsn_json_finish(&j) < 0 && j.error != -ENOMEM)
		abort();
	tsn_buf_free(&b);
	tsn_verify_free(&v);
	return 0;
}
