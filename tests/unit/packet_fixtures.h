/* packet_fixtures.h - what the packet-layer unit tests share: hex
 * printing, the golden-file check, a big-endian writer, and the fixed
 * IKE and ESP probe inputs that the goldens and the captures in
 * tests/data/packets/ were made from.  Used by test_sha.c, test_ike.c,
 * test_esp.c and test_classify.c.
 *
 * Goldens live in tests/data/packets/.  After an intended change to a
 * builder, TSN_UPDATE_GOLDEN=1 rewrites them and fails every test that
 * wrote one (an update is not a test); review the diff, run again without
 * it, and run tests/integration/test_packets.sh, which dissects them with
 * tshark.
 */
#ifndef TSN_TEST_PACKET_FIXTURES_H
#define TSN_TEST_PACKET_FIXTURES_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/util.h"
#include "probe/packet.h"
#include "probe/sha.h"

#define DATA "tests/data/packets/"

/* p[0..n) as lowercase hex into out (2n + 1 bytes). */
static inline void hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

/* Under TSN_UPDATE_GOLDEN, write PATH and fail: a run that rewrote the
 * goldens compared nothing, so it must never read as a pass.  The line on
 * stderr (not Criterion's, which run-unit hides) says what was written. */
static inline void update_golden(const char *path, const void *p, size_t n)
{
	int ret;

	if (!getenv("TSN_UPDATE_GOLDEN"))
		return;
	ret = tsn_write_file_atomic(path, p, n, 0644);
	cr_assert_eq(ret, 0, "writing %s: %s", path, strerror(-ret));
	fprintf(stderr, "FAIL (not a test): TSN_UPDATE_GOLDEN wrote %s\n",
		path);
	cr_expect_fail("TSN_UPDATE_GOLDEN wrote %s: this run is not a test",
		       path);
}

/* Compare built bytes with tests/data/packets/NAME (rewritten first under
 * TSN_UPDATE_GOLDEN, and then failed). */
static inline void check_golden(const char *name, const uint8_t *p, size_t n)
{
	char path[256], *old = NULL;
	size_t len = 0;
	int ret;

	snprintf(path, sizeof(path), DATA "%s", name);
	update_golden(path, p, n);
	ret = tsn_read_file(path, 1 << 16, &old, &len);
	cr_assert_eq(ret, 0, "reading golden %s: %s", path, strerror(-ret));
	cr_expect_eq(len, n, "%s: %zu bytes built, golden has %zu", name, n,
		     len);
	if (len == n)
		cr_expect_eq(memcmp(old, p, n), 0, "%s: bytes differ", name);
	free(old);
}

/* The IKE_SA_INIT inputs the goldens and own-packet captures hold. */
static inline void fixed_ike(struct tsn_ike_init *ini, int family)
{
	unsigned i;

	memset(ini, 0, sizeof(*ini));
	for (i = 0; i < sizeof(ini->spi_i); i++)
		ini->spi_i[i] = (uint8_t)(i + 1);
	for (i = 0; i < sizeof(ini->nonce); i++)
		ini->nonce[i] = (uint8_t)(0x10 + i);
	for (i = 0; i < sizeof(ini->ke); i++)
		ini->ke[i] = (uint8_t)(0x40 + i);
	if (family == AF_INET) {
		tsn_ip_addr_parse("198.18.0.1", &ini->src);
		tsn_ip_addr_parse("198.18.0.2", &ini->dst);
	} else {
		tsn_ip_addr_parse("fd00:7473::1", &ini->src);
		tsn_ip_addr_parse("fd00:7473::2", &ini->dst);
	}
	ini->sport = ini->dport = 500;
}

/* v as n big-endian bytes at p. */
static inline void put_be(uint8_t *p, uint32_t v, int n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* The ESP probe and run the golden and the captured probes hold. */
static inline void fixed_esp(struct tsn_esp_probe *pr,
			     struct tsn_esp_run *run)
{
	unsigned i;

	memset(pr, 0, sizeof(*pr));
	for (i = 0; i < sizeof(run->key); i++)
		run->key[i] = (uint8_t)(0xa0 + i);
	run->run_id = 0x0123456789abcdefULL;
	pr->spi = 0x74730042;
	pr->seq = 1;
	for (i = 0; i < sizeof(pr->iv); i++)
		pr->iv[i] = (uint8_t)(0xe0 + i);
	pr->node = 3;
	pr->sent_ns = 1764292800000000000ULL;
}

#endif
