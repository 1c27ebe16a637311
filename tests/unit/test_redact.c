/* test_redact.c - what tsnet report keeps of strongSwan's files, the
 * kernel's SAs and charon's log: every secret goes, everything else stays.
 * The xfrm text is `ip xfrm state` as iproute2 6.1 prints it (the lab
 * host has no ESP, so the integration test cannot make keyed SAs). */
#include <criterion/criterion.h>
#include <string.h>

#include "report/report.h"

static char *run(int (*fn)(const char *, struct tsn_buf *), const char *in)
{
	static struct tsn_buf b;

	tsn_buf_free(&b);
	cr_assert_eq(fn(in, &b), 0);
	cr_assert_not_null(b.p);
	return b.p;
}

Test(redact, swanctl_secrets)
{
	const char *in =
		"secrets {\n"
		"\tike-n2 {\n"
		"\t\tid-1 = 198.18.1.1\n"
		"\t\tsecret = 0x00112233445566778899aabbccddeeff\n"
		"\t}\n"
		"\tike-b { secret=0sAAECAwQFBgc= }\n"
		"\tprivate-k {\n\t\tfile = k.pem\n\t\tsecret = \"pass\n"
		"word spans\"\n\t\tid = x\n\t}\n"
		"}\n";
	char *out = run(tsn_redact_conf, in);

	cr_assert_null(strstr(out, "00112233"));
	cr_assert_null(strstr(out, "AAECAwQFBgc"));
	cr_assert_null(strstr(out, "pass"));
	cr_assert_null(strstr(out, "spans"));
	cr_assert_not_null(strstr(out, "\t\tsecret = [redacted]\n"));
	cr_assert_not_null(strstr(out, "\tike-b { secret = [redacted]\n"));
	cr_assert_not_null(strstr(out, "id-1 = 198.18.1.1\n"));
	cr_assert_not_null(strstr(out, "file = k.pem\n"));
	cr_assert_not_null(strstr(out, "\t\tid = x\n"), "after the quote: %s", out);
	cr_assert_not_null(strstr(out, "secrets {\n"));
}

Test(redact, ipsec_secrets)
{
	char *out = run(tsn_redact_conf,
			": PSK \"abc def\"\n"
			"198.18.1.1 198.18.1.2 : PSK 0x0a0b0c0d\n"
			"@me : rsa key.pem \"phrase\"\n"
			"# : PSK comment stays\n");

	cr_assert_str_eq(out, ": PSK [redacted]\n"
			 "198.18.1.1 198.18.1.2 : PSK [redacted]\n"
			 "@me : rsa [redacted]\n"
			 "# : PSK [redacted]\n");
}

Test(redact, strongswan_conf_keys)
{
	char *out = run(tsn_redact_conf,
			"charon {\n  eap-radius { secret = s3cr3t }\n"
			"  my_psk = abc\n  port = 500\n}\n");

	cr_assert_null(strstr(out, "s3cr3t"));
	cr_assert_null(strstr(out, "abc"));
	cr_assert_not_null(strstr(out, "  port = 500\n"));
}

Test(redact, xfrm_state)
{
	const char *in =
		"src 198.18.1.1 dst 198.18.1.2\n"
		"\tproto esp spi 0xc1a2b3c4 reqid 1 mode transport\n"
		"\treplay-window 0 flag af-unspec\n"
		"\tmark 0x10/0xffffffff\n"
		"\taead rfc4106(gcm(aes)) 0x6a1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79deadbeef 128\n"
		"\tenc cbc(des) 0x0102030405060708\n"
		"\tauth-trunc hmac(sha256) 0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf 128\n"
		"\tanti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000\n"
		"\tsel src 198.18.1.1/32 dst 198.18.1.2/32\n";
	char *out = run(tsn_redact_xfrm, in);

	cr_assert_null(strstr(out, "6a1f2e3d"));
	cr_assert_null(strstr(out, "0102030405060708"));
	cr_assert_null(strstr(out, "a0a1a2a3"));
	cr_assert_not_null(strstr(out,
		"\taead rfc4106(gcm(aes)) [redacted] 128\n"));
	cr_assert_not_null(strstr(out, "\tenc cbc(des) [redacted]\n"));
	cr_assert_not_null(strstr(out, "proto esp spi 0xc1a2b3c4 reqid 1"));
	cr_assert_not_null(strstr(out, "\tmark 0x10/0xffffffff\n"));
	cr_assert_not_null(strstr(out, "bitmap 0x00000000\n"));
}

Test(redact, xfrm_wide_number_anywhere)
{
	char *out = run(tsn_redact_xfrm, "x 0x00112233445566778899 y\n");

	cr_assert_str_eq(out, "x [redacted] y\n");
}

Test(redact, log_hex_dump)
{
	char *out = run(tsn_redact_log,
			"12:00:01 02[IKE] initiating IKE_SA tsnet-n2[1]\n"
			"12:00:01 02[IKE]    0: 0A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 C6 D7 E8 F9  ................\n"
			"12:00:01 02[IKE] 7 bytes 01 02 03\n");

	cr_assert_str_eq(out,
		"12:00:01 02[IKE] initiating IKE_SA tsnet-n2[1]\n"
		"[hex dump redacted]\n"
		"12:00:01 02[IKE] 7 bytes 01 02 03\n");
}

Test(redact, empty_is_a_string)
{
	cr_assert_str_eq(run(tsn_redact_conf, ""), "");
}
