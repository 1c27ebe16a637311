/* host_kernel.c - can this kernel do IPsec: XFRM netlink, ESP, AES-GCM,
 * AES-NI.  The kernel's own answers come from host_xfrm.c (an SA dump and
 * a trial ESP state in a scratch namespace); module files and /proc/crypto
 * only decide when that trial could not run (no privilege).
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preflight/host.h"

/* What the files say about a kernel module. */
struct kmod {
	const char *name;
	bool loaded;		/* /proc/modules or /sys/module/NAME */
	bool builtin;		/* listed in modules.builtin */
	bool builtin_known;	/* modules.builtin was readable */
	bool file;		/* a .ko* to load under /lib/modules/REL */
	bool no_modules;	/* no /proc/modules: no module support */
	bool no_dir;		/* no /lib/modules/REL */
	char rel[128];
};

static bool list_has_line(const char *text, const char *prefix,
			  const char *suffix)
{
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		size_t pl = prefix ? strlen(prefix) : 0;
		size_t sl = suffix ? strlen(suffix) : 0;

		if (prefix && len >= pl && !strncmp(line, prefix, pl))
			return true;
		if (suffix && len >= sl && !strncmp(line + len - sl, suffix, sl))
			return true;
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

static void kmod_facts(const struct tsn_host_opts *o, const char *name,
		       const char *subdir, struct kmod *m)
{
	char path[4096], want[80], *text = NULL;
	glob_t g;

	memset(m, 0, sizeof(*m));
	m->name = name;
	if (tsn_host_read(o, "/proc/sys/kernel/osrelease", &text) == 0) {
		snprintf(m->rel, sizeof(m->rel), "%.*s",
			 (int)strcspn(text, "\n"), text);
		free(text);
		text = NULL;
	}
	if (tsn_host_read(o, "/proc/modules", &text) == 0) {
		snprintf(want, sizeof(want), "%s ", name);
		m->loaded = list_has_line(text, want, NULL);
		free(text);
		text = NULL;
	} else {
		m->no_modules = true;
	}
	snprintf(path, sizeof(path), "/sys/module/%s", name);
	m->loaded = m->loaded || tsn_host_exists(o, path);
	snprintf(path, sizeof(path), "/lib/modules/%s", m->rel);
	m->no_dir = !*m->rel || !tsn_host_exists(o, path);
	if (m->no_dir)
		return;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin",
		 m->rel);
	if (tsn_host_read(o, path, &text) == 0) {
		snprintf(want, sizeof(want), "/%s.ko", name);
		m->builtin = list_has_line(text, NULL, want);
		m->builtin_known = true;
		free(text);
	}
	if (tsn_host_path(o, path, sizeof(path), "/lib/modules/%s/%s/%s.ko*",
			  m->rel, subdir, name) < 0)
		return;
	if (glob(path, 0, NULL, &g) == 0) {
		m->file = g.gl_pathc > 0;
		globfree(&g);
	}
}

static const char *kmod_str(const struct kmod *m, char *buf, size_t len)
{
	if (m->loaded)
		snprintf(buf, len, "%s loaded", m->name);
	else if (m->builtin)
		snprintf(buf, len, "%s built in", m->name);
	else if (m->file)
		snprintf(buf, len, "%s not loaded but loadable", m->name);
	else
		snprintf(buf, len, "%s not loaded%s, not built in, no module "
			 "under /lib/modules/%s", m->name,
			 m->no_modules ? " (no /proc/modules: kernel without "
			 "module support)" : "", m->rel);
	return buf;
}

static const char *try_str(const struct tsn_xfrm_try *t, char *buf,
			   size_t len)
{
	char e[96];

	if (*t->ext)
		snprintf(buf, len, "%s, kernel says \"%s\"",
			 tsn_errno_str(t->err, e, sizeof(e)), t->ext);
	else
		snprintf(buf, len, "%s", tsn_errno_str(t->err, e, sizeof(e)));
	return buf;
}

static int check_xfrm(const struct tsn_xfrm_trial *t,
		      struct tsn_node_report *n)
{
	char e[96];

	if (t->dump_err == 0)
		return tsn_node_check(n, "kernel.xfrm", TSN_ST_OK, NULL,
				      "XFRM netlink answers an SA dump (%u SAs)",
				      t->n_sa);
	tsn_errno_str(t->dump_err, e, sizeof(e));
	if (t->dump_err == -EPERM || t->dump_err == -EACCES)
		return tsn_node_check(n, "kernel.xfrm", TSN_ST_SKIP,
				      "run as root (CAP_NET_ADMIN)",
				      "XFRM SA dump not permitted: %s", e);
	if (t->dump_err == -EPROTONOSUPPORT)
		return tsn_node_check(n, "kernel.xfrm", TSN_ST_FAIL,
				      "modprobe xfrm_user, or use a kernel "
				      "with CONFIG_XFRM_USER",
				      "no XFRM netlink: socket(NETLINK_XFRM): "
				      "%s", e);
	return tsn_node_check(n, "kernel.xfrm", TSN_ST_FAIL, NULL,
			      "XFRM_MSG_GETSA dump failed: %s", e);
}

/* The ESP answer of the trial: the gcm state unless the kernel stopped
 * at the algorithm, then the cbc one; NULL when neither says. */
static const struct tsn_xfrm_try *esp_answer(const struct tsn_xfrm_trial *t)
{
	if (t->netns_err || !t->gcm4.tried)
		return NULL;
	if (t->gcm4.err != -ENOSYS)
		return &t->gcm4;
	if (t->cbc4.tried && t->cbc4.err != -ENOSYS)
		return &t->cbc4;
	return NULL;
}

/* Without a trial only a modular kernel can prove ESP absent: not loaded,
 * not in modules.builtin, no file to load.  Anything less is a guess. */
static int esp_by_files(const struct kmod *m4, const char *why,
			struct tsn_node_report *n)
{
	char k[256];

	kmod_str(m4, k, sizeof(k));
	if (m4->loaded || m4->builtin || m4->file)
		return tsn_node_check(n, "kernel.esp", TSN_ST_OK, NULL,
				      "%s (%s)", k, why);
	if (m4->no_modules || m4->no_dir || !m4->builtin_known)
		return tsn_node_check(n, "kernel.esp", TSN_ST_WARN,
				      "run tsnet as root so it can try an ESP "
				      "state", "cannot tell: %s (%s)", k, why);
	return tsn_node_check(n, "kernel.esp", TSN_ST_FAIL,
			      "install the distribution's kernel modules "
			      "(esp4.ko), or boot a kernel with "
			      "CONFIG_INET_ESP", "no ESP: %s (%s)", k, why);
}

static int check_esp(const struct tsn_host_opts *o,
		     const struct tsn_xfrm_trial *t, struct tsn_node_report *n)
{
	const struct tsn_xfrm_try *a = esp_answer(t);
	struct kmod m4, m6;
	char k[256], why[256], e[96];

	kmod_facts(o, "esp4", "kernel/net/ipv4", &m4);
	kmod_facts(o, "esp6", "kernel/net/ipv6", &m6);
	if (!a) {
		if (t->netns_err)
			snprintf(why, sizeof(why), "no ESP trial: %s",
				 tsn_errno_str(t->netns_err, e, sizeof(e)));
		else
			snprintf(why, sizeof(why), "the kernel knows neither "
				 "rfc4106(gcm(aes)) nor cbc(aes), so the trial "
				 "could not reach ESP");
		return esp_by_files(&m4, why, n);
	}
	if (a->err) {
		try_str(a, why, sizeof(why));
		kmod_str(&m4, k, sizeof(k));
		return tsn_node_check(n, "kernel.esp", TSN_ST_FAIL,
				      m4.file ? "modprobe esp4 esp6, and list "
				      "them in /etc/modules-load.d/" :
				      "boot a kernel with CONFIG_INET_ESP and "
				      "CONFIG_INET6_ESP (the distribution's "
				      "kernel has them)",
				      "the kernel refused an ESP transport "
				      "state in a scratch namespace: "
				      "XFRM_MSG_NEWSA: %s; %s", why, k);
	}
	if (t->esp6.tried && t->esp6.err) {
		try_str(&t->esp6, why, sizeof(why));
		kmod_str(&m6, k, sizeof(k));
		return tsn_node_check(n, "kernel.esp", TSN_ST_WARN,
				      m6.file ? "modprobe esp6" : "use a "
				      "kernel with CONFIG_INET6_ESP",
				      "ESP over IPv4 works, over IPv6 the "
				      "kernel refused it: %s; %s", why, k);
	}
	return tsn_node_check(n, "kernel.esp", TSN_ST_OK, NULL,
			      "the kernel accepted an ESP transport state in a "
			      "scratch namespace (IPv4%s)",
			      t->esp6.tried ? " and IPv6" : "");
}

static int check_gcm(const struct tsn_host_opts *o,
		     const struct tsn_xfrm_trial *t, struct tsn_node_report *n)
{
	const char *id = "kernel.gcm";
	char *crypto = NULL, why[256];
	bool listed = false;
	struct kmod g;
	int ret;

	kmod_facts(o, "gcm", "kernel/crypto", &g);
	if (!t->netns_err && t->gcm4.tried && t->gcm4.err != -ENOSYS)
		return tsn_node_check(n, id, TSN_ST_OK, NULL,
				      "XFRM accepted rfc4106(gcm(aes))%s",
				      t->gcm4.err ? " (the state itself failed "
				      "later: see kernel.esp)" : "");
	if (!t->netns_err && t->gcm4.tried) {
		try_str(&t->gcm4, why, sizeof(why));
		return tsn_node_check(n, id, TSN_ST_FAIL,
				      g.file ? "modprobe gcm" : "use a kernel "
				      "with CONFIG_CRYPTO_GCM",
				      "rfc4106(gcm(aes)) not available: "
				      "XFRM_MSG_NEWSA: %s", why);
	}
	/* /proc/crypto lists a template only once something used it */
	if (tsn_host_read(o, "/proc/crypto", &crypto) == 0)
		listed = strstr(crypto, ": rfc4106(gcm(aes))") != NULL;
	free(crypto);
	if (listed)
		ret = tsn_node_check(n, id, TSN_ST_OK, NULL,
				     "rfc4106(gcm(aes)) in /proc/crypto");
	else if (g.loaded || g.builtin || g.file)
		ret = tsn_node_check(n, id, TSN_ST_OK, NULL,
				     "gcm %s", g.loaded ? "loaded" :
				     g.builtin ? "built in" : "loadable");
	else
		ret = tsn_node_check(n, id, TSN_ST_WARN,
				     "run tsnet as root so it can try an ESP "
				     "state", "cannot tell: rfc4106(gcm(aes)) "
				     "not in /proc/crypto and no gcm module");
	return ret;
}

static int check_aesni(const struct tsn_host_opts *o,
		       struct tsn_node_report *n)
{
	char *info = NULL, *line, *save = NULL;
	bool aes = false;

	if (tsn_host_read(o, "/proc/cpuinfo", &info) < 0)
		return tsn_node_check(n, "cpu.aesni", TSN_ST_SKIP, NULL,
				      "cannot read /proc/cpuinfo");
	/* x86 says "flags", arm64 "Features"; the word is "aes" in both */
	for (line = strtok_r(info, "\n", &save); line && !aes;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *w, *s2 = NULL;

		if (!colon || (strncmp(line, "flags", 5) &&
			       strncmp(line, "Features", 8)))
			continue;
		for (w = strtok_r(colon + 1, " \t", &s2); w && !aes;
		     w = strtok_r(NULL, " \t", &s2))
			aes = !strcmp(w, "aes");
	}
	free(info);
	if (aes)
		return tsn_node_check(n, "cpu.aesni", TSN_ST_OK, NULL,
				      "CPU has AES instructions (aes flag)");
	return tsn_node_check(n, "cpu.aesni", TSN_ST_WARN, NULL,
			      "no aes CPU flag: AES-GCM runs in software, "
			      "expect several times less ESP throughput");
}

int tsn_host_kernel_checks(const struct tsn_host_opts *o,
			   struct tsn_node_report *n)
{
	struct tsn_xfrm_trial live;
	const struct tsn_xfrm_trial *t = o->trial;
	int ret;

	if (!t) {
		tsn_xfrm_trial_run(&live);
		t = &live;
	}
	ret = check_xfrm(t, n);
	if (ret == 0)
		ret = check_esp(o, t, n);
	if (ret == 0)
		ret = check_gcm(o, t, n);
	if (ret == 0)
		ret = check_aesni(o, n);
	return ret;
}
