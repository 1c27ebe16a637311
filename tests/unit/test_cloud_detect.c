/* test_cloud_detect.c - which cloud a node runs in, from DMI trees
 * recorded under tests/data/cloud/dmi/ (hostile ones included), and the
 * advice that names the command to run.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cloud/cloud.h"
#include "lib/util.h"

#define DMI "tests/data/cloud/dmi/"

struct dmi_case {
	const char *dir;
	enum tsn_cloud want;
	const char *evidence;
};

static const struct dmi_case dmi_cases[] = {
	{ "azure", TSN_CLOUD_AZURE, "7783-7084-3265-9085-8269-3286-77" },
	{ "hyperv", TSN_CLOUD_NONE, "without Azure's chassis asset tag" },
	{ "aws-nitro", TSN_CLOUD_AWS, "Amazon EC2" },
	{ "aws-xen", TSN_CLOUD_AWS, "4.11.amazon" },
	{ "gcp", TSN_CLOUD_GCP, "Google Compute Engine" },
	{ "qemu", TSN_CLOUD_NONE, "QEMU" },
	{ "empty", TSN_CLOUD_NONE, "no DMI data" },
	{ "does-not-exist", TSN_CLOUD_NONE, "no DMI data" },
	{ "hostile", TSN_CLOUD_NONE, "Evil?[31mCorp\"\\" },
};

Test(detect, fake_dmi_trees)
{
	for (size_t i = 0; i < ARRAY_SIZE(dmi_cases); i++) {
		char root[256], why[512];
		enum tsn_cloud c = TSN_CLOUD_AUTO;

		snprintf(root, sizeof(root), DMI "%s", dmi_cases[i].dir);
		cr_assert_eq(tsn_cloud_detect(root, &c, why, sizeof(why)), 0);
		cr_expect_eq(c, dmi_cases[i].want, "%s: got %s (%s)",
			     dmi_cases[i].dir, tsn_cloud_id(c), why);
		cr_expect(strstr(why, dmi_cases[i].evidence), "%s: %s",
			  dmi_cases[i].dir, why);
		for (const char *p = why; *p; p++)
			cr_assert((unsigned char)*p >= 0x20 &&
				  (unsigned char)*p < 0x7f,
				  "evidence is printable");
	}
}

Test(detect, advice_names_the_command)
{
	cr_assert_str_eq(tsn_cloud_advice(TSN_CLOUD_AZURE),
			 "tsnet cloud azure > allow-ipsec.sh");
	cr_assert_str_eq(tsn_cloud_advice(TSN_CLOUD_AWS),
			 "tsnet cloud aws > allow-ipsec.sh");
	cr_assert_str_eq(tsn_cloud_advice(TSN_CLOUD_GCP),
			 "tsnet cloud gcp > allow-ipsec.sh");
	cr_assert_str_eq(tsn_cloud_advice(TSN_CLOUD_AUTO),
			 "tsnet cloud auto > allow-ipsec.sh");
	cr_assert(strstr(tsn_cloud_advice(TSN_CLOUD_NONE), "protocol 50"));
	cr_assert(strstr(tsn_cloud_encap_advice(), "encap = yes"));
	cr_assert(strstr(tsn_cloud_encap_advice(), "UDP 4500"));
}
