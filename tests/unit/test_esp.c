/* test_esp.c - the ESP probes of tsnet probe: the built probe against its
 * golden and an independently computed tag, any flipped byte rejected,
 * probes of another run or key, short input, and random probes.
 */
#include "tests/unit/packet_fixtures.h"

Test(tq_esp, golden_and_check)
{
	struct tsn_esp_probe pr, seen;
	struct tsn_esp_run run;
	uint8_t buf[128];
	char h[65];
	int n;

	fixed_esp(&pr, &run);
	n = tsn_esp_probe_build(buf, sizeof(buf), &pr, &run);
	cr_assert_eq(n, TSN_ESP_PROBE_LEN);
	check_golden("esp_probe.bin", buf, (size_t)n);
	cr_expect_eq(memcmp(buf, "\x74\x73\x00\x42\x00\x00\x00\x01", 8), 0);
	cr_expect_eq(memcmp(buf + 16, "TSNET-PROBE\x01", 12), 0);
	/* the tag, recomputed with Python's hmac over bytes 0..47 */
	hex(buf + 48, 32, h);
	cr_expect_str_eq(h, "7be6e9beb8aca1f0d975447a75b429765776a7c9cf4be3a32fbf9868a3ef493d");
	memset(&seen, 0, sizeof(seen));
	cr_assert_eq(tsn_esp_probe_check(buf, (size_t)n, &run, &seen),
		     TSN_ESP_PROBE_OK);
	cr_expect_eq(seen.node, 3);
	cr_expect_eq(seen.sent_ns, pr.sent_ns);
	cr_expect_eq(seen.run_id, run.run_id);
	cr_expect_eq(seen.spi, pr.spi);
	cr_expect_eq(seen.seq, 1);
}

/* Any single changed byte makes the probe forged or not ours, never ok. */
Test(tq_esp, every_byte_flip_rejected)
{
	struct tsn_esp_probe pr;
	struct tsn_esp_run run;
	enum tsn_esp_verdict v;
	uint8_t buf[TSN_ESP_PROBE_LEN];
	size_t i;

	fixed_esp(&pr, &run);
	tsn_esp_probe_build(buf, sizeof(buf), &pr, &run);
	for (i = 0; i < sizeof(buf); i++) {
		buf[i] ^= 0x01;
		v = tsn_esp_probe_check(buf, sizeof(buf), &run, NULL);
		cr_assert_neq(v, TSN_ESP_PROBE_OK, "byte %zu flipped", i);
		/* header fields a listener pre-filters on: not ours; the
		 * rest (seq, IV, node, time, tag): forged */
		if (i < 2 || (i >= 16 && i < 36))
			cr_assert_eq(v, TSN_ESP_PROBE_NOT_OURS, "byte %zu", i);
		else
			cr_assert_eq(v, TSN_ESP_PROBE_FORGED, "byte %zu", i);
		buf[i] ^= 0x01;
	}
	cr_assert_eq(tsn_esp_probe_check(buf, sizeof(buf), &run, NULL),
		     TSN_ESP_PROBE_OK);
}

Test(tq_esp, stray_and_short)
{
	struct tsn_esp_probe pr;
	struct tsn_esp_run run, other;
	uint8_t buf[TSN_ESP_PROBE_LEN + 8], *c;
	size_t n;

	fixed_esp(&pr, &run);
	tsn_esp_probe_build(buf, sizeof(buf), &pr, &run);
	other = run;
	other.run_id++;
	cr_expect_eq(tsn_esp_probe_check(buf, TSN_ESP_PROBE_LEN, &other, NULL),
		     TSN_ESP_PROBE_NOT_OURS, "a probe of another run");
	other = run;
	other.key[0] ^= 1;
	cr_expect_eq(tsn_esp_probe_check(buf, TSN_ESP_PROBE_LEN, &other, NULL),
		     TSN_ESP_PROBE_FORGED, "right run id, wrong key");
	cr_expect_eq(tsn_esp_probe_check(buf, TSN_ESP_PROBE_LEN + 8, &run,
					 NULL), TSN_ESP_PROBE_NOT_OURS);
	for (n = 0; n < TSN_ESP_PROBE_LEN; n++) {
		c = malloc(n ? n : 1);
		if (n)
			memcpy(c, buf, n);
		cr_assert_eq(tsn_esp_probe_check(c, n, &run, NULL),
			     TSN_ESP_PROBE_NOT_OURS, "prefix %zu", n);
		free(c);
	}
	cr_expect_eq(tsn_esp_probe_build(buf, TSN_ESP_PROBE_LEN - 1, &pr, &run),
		     -ENOSPC);
	pr.spi = 0x100;
	cr_expect_eq(tsn_esp_probe_build(buf, sizeof(buf), &pr, &run), -EINVAL,
		     "SPI outside the probe range");
	cr_expect_str_eq(tsn_esp_verdict_name(TSN_ESP_PROBE_FORGED), "forged");
}

Test(tq_esp, random_in_range)
{
	struct tsn_esp_probe pr;
	struct tsn_esp_run run;
	uint8_t buf[TSN_ESP_PROBE_LEN];
	unsigned i;

	cr_assert_eq(tsn_esp_run_new(&run), 0);
	for (i = 0; i < 64; i++) {
		memset(&pr, 0, sizeof(pr));
		cr_assert_eq(tsn_esp_probe_random(&pr), 0);
		cr_assert_eq(pr.spi & 0xffff0000u, 0x74730000u);
		cr_assert_neq(pr.seq, 0);
		cr_assert_eq(tsn_esp_probe_build(buf, sizeof(buf), &pr, &run),
			     TSN_ESP_PROBE_LEN);
		cr_assert_eq(tsn_esp_probe_check(buf, sizeof(buf), &run, NULL),
			     TSN_ESP_PROBE_OK);
	}
}
