/* nft_kmod.c - whether this kernel has a netfilter module (nft_xfrm,
 * xt_policy: the matches on IPsec SAs), from the files that say so under
 * a root directory ("/" on a node, a fake tree in the unit tests).
 *
 * Three answers and a fourth for not knowing: loaded (/sys/module),
 * module (built in, a module depmod lists in modules.dep: kernel/, or a
 * DKMS build's updates/ or extra/; or y/m in the kernel's config),
 * missing (the module tree or the config was read and names it nowhere)
 * and unknown (neither could be read: a container without
 * /lib/modules/REL, a kernel without /boot/config-REL or
 * /proc/config.gz).  Unknown is never reported as missing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/spawn.h"
#include "lib/util.h"
#include "nft/nft.h"

/* The kernel's configuration: ROOT/boot/config-REL, else
 * ROOT/proc/config.gz through gzip; NULL when neither can be read. */
static char *config_text(const char *root, const char *rel)
{
	char path[512], gz[512], *txt = NULL;
	char *const argv[] = { (char *)"gzip", (char *)"-dc", gz, NULL };
	struct tsn_buf b = { 0 };
	size_t len;

	snprintf(path, sizeof(path), "%s/boot/config-%s", root, rel);
	if (tsn_read_file(path, 1u << 22, &txt, &len) == 0)
		return txt;
	snprintf(gz, sizeof(gz), "%s/proc/config.gz", root);
	if (access(gz, R_OK) == 0 &&
	    tsn_spawn_capture(argv, &b, 1u << 22, 2000) == 0 &&
	    tsn_buf_puts(&b, "") == 0 && b.len)
		return b.p;
	tsn_buf_free(&b);	/* what a failed gzip wrote */
	return NULL;
}

/* 1 CONFIG is y or m, 0 not, -1 no config could be read. */
static int config_has(const char *root, const char *rel, const char *config)
{
	char want[96], *txt = config_text(root, rel);
	int yes = 0;

	if (!txt)
		return -1;
	for (const char *v = "ym"; *v && !yes; v++) {
		snprintf(want, sizeof(want), "\n%s=%c\n", config, *v);
		yes = strstr(txt, want) != NULL;
	}
	free(txt);
	return yes;
}

/* Whether depmod's list (modules.dep: "PATH: DEPS" a line) names
 * NAME.ko (or NAME.ko.xz, .zst, .gz) anywhere in the tree: kernel/,
 * and a DKMS build's updates/ or extra/. */
static bool dep_names(const char *txt, const char *name)
{
	size_t n = strlen(name);

	for (const char *l = txt; *l;) {
		const char *eol = strchrnul(l, '\n'), *base = l, *c;

		for (c = l; c < eol && *c != ':'; c++)
			if (*c == '/')
				base = c + 1;
		/* NAME.ko then ':' or a compression's suffix */
		if (c < eol && (size_t)(c - base) >= n + 3 &&
		    !strncmp(base, name, n) && !strncmp(base + n, ".ko", 3) &&
		    (base[n + 3] == ':' || base[n + 3] == '.'))
			return true;
		l = *eol ? eol + 1 : eol;
	}
	return false;
}

/* 1 built in (modules.builtin) or a module depmod lists (modules.dep);
 * 0 neither; -1 either list could not be read. */
static int module_file(const char *root, const char *rel, const char *name)
{
	char path[512], want[96], *txt = NULL;
	size_t len;
	int yes;

	snprintf(path, sizeof(path), "%s/lib/modules/%s/modules.builtin",
		 root, rel);
	if (tsn_read_file(path, 1u << 20, &txt, &len) < 0)
		return -1;
	snprintf(want, sizeof(want), "/%s.ko\n", name);
	yes = strstr(txt, want) != NULL;
	free(txt);
	if (yes)
		return 1;
	snprintf(path, sizeof(path), "%s/lib/modules/%s/modules.dep", root,
		 rel);
	if (tsn_read_file(path, 1u << 24, &txt, &len) < 0)
		return -1;
	yes = dep_names(txt, name);
	free(txt);
	return yes;
}

enum tsn_nft_kmod tsn_nft_kmod(const char *root, const char *rel,
			       const char *name, const char *config,
			       char *why, size_t len)
{
	char path[512];
	int mod, cfg;

	if (why && len)
		why[0] = '\0';
	snprintf(path, sizeof(path), "%s/sys/module/%s", root, name);
	if (access(path, F_OK) == 0)
		return TSN_KMOD_LOADED;
	mod = module_file(root, rel, name);
	if (mod == 1)
		return TSN_KMOD_MODULE;
	cfg = config_has(root, rel, config);
	if (cfg == 1)
		return TSN_KMOD_MODULE;
	if (mod == 0 || cfg == 0)
		return TSN_KMOD_MISSING;
	if (why && len)
		snprintf(why, len, "no %s/lib/modules/%s/modules.builtin or "
			 "modules.dep, no "
			 "kernel config (/boot/config-%s, /proc/config.gz)",
			 strcmp(root, "/") ? root : "", rel, rel);
	return TSN_KMOD_UNKNOWN;
}

const char *tsn_nft_kmod_name(enum tsn_nft_kmod k)
{
	switch (k) {
	case TSN_KMOD_LOADED: return "loaded";
	case TSN_KMOD_MODULE: return "module";
	case TSN_KMOD_MISSING: return "missing";
	default: return "unknown";
	}
}
