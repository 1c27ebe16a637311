/* test_nft_kmod.c - whether a kernel has nft_xfrm, from the files under
 * a fake root: loaded, built in, a .ko, y/m in /boot's config or in
 * /proc/config.gz (through the real gzip), missing where the module tree
 * or the config was read, and unknown (with why) where neither was: a
 * container without /lib/modules/REL is not a kernel without the module.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nft/nft.h"

#define REL "6.1.0-test"

static char root[64];

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/tsn-kmod-XXXXXX");
	cr_assert(mkdtemp(root));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(kmod, .init = setup, .fini = teardown);

/* Write ROOT/rel (its directories made), text as given. */
static void put(const char *rel, const char *text)
{
	char path[256], cmd[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s/%s')\"", root,
		 rel);
	cr_assert_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	cr_assert(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static enum tsn_nft_kmod has(char *why, size_t len)
{
	return tsn_nft_kmod(root, REL, "nft_xfrm", "CONFIG_NFT_XFRM", why,
			    len);
}

Test(kmod, nothing_to_read_is_unknown_with_why)
{
	char why[256];

	cr_assert_eq(has(why, sizeof(why)), TSN_KMOD_UNKNOWN);
	cr_assert(strstr(why, "/lib/modules/" REL "/modules.builtin"), "%s",
		  why);
	cr_assert(strstr(why, "/proc/config.gz"), "%s", why);
	cr_assert_str_eq(tsn_nft_kmod_name(TSN_KMOD_UNKNOWN), "unknown");
}

Test(kmod, loaded_in_sys_module)
{
	put("sys/module/nft_xfrm/refcnt", "0\n");
	cr_assert_eq(has(NULL, 0), TSN_KMOD_LOADED);
}

Test(kmod, module_tree_decides)
{
	put("lib/modules/" REL "/modules.builtin",
	    "kernel/net/netfilter/nf_tables.ko\n");
	put("lib/modules/" REL "/modules.dep",
	    "kernel/net/netfilter/nf_tables.ko.xz: kernel/lib/libcrc32c.ko\n"
	    "kernel/net/netfilter/nft_xfrm_extra.ko.xz:\n");
	cr_assert_eq(has(NULL, 0), TSN_KMOD_MISSING, "read, not named");
	put("lib/modules/" REL "/modules.dep",
	    "kernel/net/netfilter/nf_tables.ko.xz:\n"
	    "kernel/net/netfilter/nft_xfrm.ko.xz: kernel/net/netfilter/"
	    "nf_tables.ko.xz\n");
	cr_assert_eq(has(NULL, 0), TSN_KMOD_MODULE);
}

/* A module DKMS built lives in updates/ (or extra/), not under
 * kernel/net/netfilter: depmod's list names it all the same. */
Test(kmod, dkms_module_in_updates)
{
	put("lib/modules/" REL "/modules.builtin", "kernel/fs/ext4.ko\n");
	put("lib/modules/" REL "/modules.dep",
	    "kernel/net/netfilter/nf_tables.ko:\n"
	    "updates/dkms/nft_xfrm.ko: kernel/net/netfilter/nf_tables.ko\n");
	cr_assert_eq(has(NULL, 0), TSN_KMOD_MODULE);
	put("lib/modules/" REL "/modules.dep",
	    "kernel/net/netfilter/nf_tables.ko:\nextra/nft_xfrm.ko.zst:\n");
	cr_assert_eq(has(NULL, 0), TSN_KMOD_MODULE);
}

Test(kmod, builtin_listed)
{
	put("lib/modules/" REL "/modules.builtin",
	    "kernel/net/netfilter/nft_xfrm.ko\n");
	cr_assert_eq(has(NULL, 0), TSN_KMOD_MODULE);
}

Test(kmod, boot_config_decides)
{
	put("boot/config-" REL, "#\nCONFIG_NF_TABLES=m\n"
	    "# CONFIG_NFT_XFRM is not set\n");
	cr_assert_eq(has(NULL, 0), TSN_KMOD_MISSING);
	put("boot/config-" REL, "#\nCONFIG_NFT_XFRM=m\n");
	cr_assert_eq(has(NULL, 0), TSN_KMOD_MODULE);
}

Test(kmod, proc_config_gz_through_gzip)
{
	char cmd[256];

	put("proc/config", "#\nCONFIG_NFT_XFRM=y\n");
	snprintf(cmd, sizeof(cmd), "gzip '%s/proc/config'", root);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(has(NULL, 0), TSN_KMOD_MODULE);
	put("proc/config.gz", "not gzip");
	cr_assert_eq(has(NULL, 0), TSN_KMOD_UNKNOWN, "unreadable: unknown");
}
