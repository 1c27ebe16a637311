/* test_status.c - the pure parts behind `tsnet status` and `tsnet state`:
 * which paths a record (or a backup) may name, mode strings, the SHA-256
 * hex drift is computed with, and reading a record. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enable/status.h"

static const struct {
	const char *path;
	bool ok;
} paths[] = {
	{ "/etc/swanctl/conf.d/tsnet.conf", true },
	{ "/etc/strongswan/swanctl/conf.d/tsnet-secrets.conf", true },
	{ "/etc/ipsec.secrets", true },
	{ "/etc/", false },			/* names no file */
	{ "/etc/swanctl/", false },
	{ "/etc/../root/.ssh/authorized_keys", false },
	{ "/etc/swanctl/../../root/x", false },
	{ "/etc/./shadow", false },
	{ "/etc//passwd", false },		/* empty component */
	{ "/root/x", false },
	{ "etc/swanctl/x", false },		/* relative */
	{ "/etcx/y", false },
	{ "", false },
	{ NULL, false },
};

Test(status, path_rule)
{
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		cr_expect_eq(tsn_state_path_ok(paths[i].path), paths[i].ok,
			     "%s", paths[i].path ? paths[i].path : "(null)");
}

Test(status, path_too_long)
{
	char p[5000];

	memset(p, 'a', sizeof(p));
	memcpy(p, "/etc/", 5);
	p[sizeof(p) - 1] = '\0';
	cr_expect(!tsn_state_path_ok(p));
}

Test(status, modes)
{
	mode_t m = 0;

	cr_expect_eq(tsn_state_mode_parse("0600", &m), 0);
	cr_expect_eq(m, 0600);
	cr_expect_eq(tsn_state_mode_parse("644", &m), 0);
	cr_expect_eq(m, 0644);
	cr_expect_eq(tsn_state_mode_parse("0777", &m), 0);
	cr_expect_eq(m, 0777);
	cr_expect_eq(tsn_state_mode_parse("4755", &m), -EINVAL);	/* setuid */
	cr_expect_eq(tsn_state_mode_parse("0800", &m), -EINVAL);
	cr_expect_eq(tsn_state_mode_parse("06000", &m), -EINVAL);
	cr_expect_eq(tsn_state_mode_parse("60", &m), -EINVAL);
	cr_expect_eq(tsn_state_mode_parse("-600", &m), -EINVAL);
	cr_expect_eq(tsn_state_mode_parse("", &m), -EINVAL);
	cr_expect_eq(tsn_state_mode_parse(NULL, &m), -EINVAL);
}

Test(status, sha256_hex)
{
	char h[65];

	/* FIPS 180-2 appendix B.1 */
	tsn_sha256_hex("abc", 3, h);
	cr_expect_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
			    "b00361a396177a9cb410ff61f20015ad");
	tsn_sha256_hex("", 0, h);
	cr_expect_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb924"
			    "27ae41e4649b934ca495991b7852b855");
}

static void load_text(const char *text, int want, const char *why)
{
	char path[] = "/tmp/test_status.XXXXXX", err[256] = "";
	struct tsn_jv rec;
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_expect_eq(tsn_state_load(path, &rec, err, sizeof(err)), want,
		     "%s: %s", text, err);
	if (want == 0) {
		cr_expect_str_eq(tsn_jv_getstr(&rec, "plan_hash"), "ab");
		tsn_jv_wipe_free(&rec);
	} else {
		cr_expect(strstr(err, why), "'%s' lacks '%s'", err, why);
	}
	unlink(path);
}

Test(status, load_record)
{
	load_text("{\"version\":1,\"plan_hash\":\"ab\",\"files\":[]}", 0, "");
	load_text("{\"version\":1}", -EINVAL, "no plan_hash");
	load_text("[1,2]", -EINVAL, "not a JSON object");
	load_text("{\"plan_hash\":", -EINVAL, "offset");
}

Test(status, load_missing)
{
	struct tsn_jv rec;
	char err[256];

	cr_expect_eq(tsn_state_load("/nonexistent/ipsec.json", &rec, err,
				    sizeof(err)), -ENOENT);
	cr_expect(strstr(err, "/nonexistent/ipsec.json"));
}
