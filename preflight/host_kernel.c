/* host_kernel.c - can this kernel do IPsec: XFRM netlink, ESP, AES-GCM,
 * AES-NI.
 *
 * Module lists only say what might work; the decisive test is asking the
 * kernel.  So the ESP check adds a real ESP transport state with
 * rfc4106(gcm(aes)) through XFRM netlink, in a scratch network namespace
 * created by a forked child (nothing on the host changes, the state dies
 * with the child), and reports the kernel's own errno and extended ACK.
 * The kernel looks the AEAD up before the ESP type (attach_aead() comes
 * before xfrm_init_state() in xfrm_state_construct()), so ENOSYS there
 * says nothing about ESP: then a cbc(aes)+hmac(sha256) state asks about
 * ESP alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "preflight/host.h"

#define TRIAL_SPI 0x74736e00u	/* "tsn\0": only ever in a scratch netns */

static struct mnl_socket *xfrm_open(int *err)
{
	struct timeval tv = { .tv_sec = 3 };
	struct mnl_socket *nl;
	int one = 1;

	nl = mnl_socket_open(NETLINK_XFRM);
	if (!nl) {
		*err = -errno;
		return NULL;
	}
	/* Ask for the kernel's reason in words, and only the header of our
	 * request echoed back; older kernels ignore both. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	/* a kernel that never answers must not hang preflight */
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		*err = -errno;
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

static int count_sa(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == XFRM_MSG_NEWSA)
		(*(unsigned *)data)++;
	return MNL_CB_OK;
}

/* A real XFRM_MSG_GETSA dump: proves xfrm_user answers and that we may
 * ask (CAP_NET_ADMIN). */
static int xfrm_dump_sa(unsigned *n_sa)
{
	static char buf[32768];	/* libmnl's suggested dump size */
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned seq = (unsigned)time(NULL), portid;
	int ret = 0;
	ssize_t n;

	*n_sa = 0;
	nl = xfrm_open(&ret);
	if (!nl)
		return ret;
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_GETSA;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	/* A dump ends with NLMSG_DONE (MNL_CB_STOP); the cap only guards
	 * against a kernel that keeps talking. */
	for (int i = 0; i < 100000; i++) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, count_sa, n_sa);
		if (ret < 0) {
			ret = -errno;
			goto out;
		}
		if (ret == MNL_CB_STOP) {
			ret = 0;
			goto out;
		}
	}
	ret = -EOVERFLOW;
out:
	mnl_socket_close(nl);
	return ret;
}

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct tsn_xfrm_try *t = data;

	/* skip what we do not use; validate what we do */
	if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	snprintf(t->ext, sizeof(t->ext), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* Read the ACK for seq: t->err and t->ext.  0, or -errno of the read. */
static int read_ack(struct mnl_socket *nl, unsigned seq,
		    struct tsn_xfrm_try *t)
{
	char buf[8192];
	const struct nlmsghdr *nlh;
	ssize_t r;
	int n;

	r = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (r < 0)
		return -errno;
	n = (int)r;
	for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
	     nlh = mnl_nlmsg_next(nlh, &n)) {
		const struct nlmsgerr *e;
		size_t off = sizeof(*e);

		if (nlh->nlmsg_seq != seq || nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		/* too short to hold the error: not an answer we can read */
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
			return -EBADMSG;
		e = mnl_nlmsg_get_payload(nlh);
		t->err = e->error;
		if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
			return 0;
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			/* the whole request is echoed before the TLVs */
			if (e->msg.nlmsg_len < sizeof(struct nlmsghdr) ||
			    e->msg.nlmsg_len > nlh->nlmsg_len)
				return 0;
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		}
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, (unsigned)off, ext_ack_cb, t);
		return 0;
	}
	return -EBADMSG;
}

/* An algorithm attribute: its header struct, then the key bytes. */
static void put_alg(struct nlmsghdr *nlh, uint16_t type, const void *hdr,
		    size_t hlen, size_t keylen)
{
	unsigned char buf[sizeof(struct xfrm_algo_aead) + 64];

	/* Fixed keys are fine: the state lives and dies in a scratch
	 * namespace and never protects a packet. */
	memcpy(buf, hdr, hlen);
	memset(buf + hlen, 0x5a, keylen);
	mnl_attr_put(nlh, type, hlen + keylen, buf);
}

static void put_algs(struct nlmsghdr *nlh, bool aead)
{
	struct xfrm_algo_aead g;
	struct xfrm_algo c;
	struct xfrm_algo_auth h;

	if (aead) {
		memset(&g, 0, sizeof(g));
		snprintf(g.alg_name, sizeof(g.alg_name), "rfc4106(gcm(aes))");
		g.alg_key_len = 36 * 8;	/* AES-256 key + 4-byte salt */
		g.alg_icv_len = 128;
		put_alg(nlh, XFRMA_ALG_AEAD, &g, sizeof(g), 36);
		return;
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.alg_name, sizeof(c.alg_name), "cbc(aes)");
	c.alg_key_len = 16 * 8;
	put_alg(nlh, XFRMA_ALG_CRYPT, &c, sizeof(c), 16);
	memset(&h, 0, sizeof(h));
	snprintf(h.alg_name, sizeof(h.alg_name), "hmac(sha256)");
	h.alg_key_len = 32 * 8;
	h.alg_trunc_len = 128;
	put_alg(nlh, XFRMA_ALG_AUTH_TRUNC, &h, sizeof(h), 32);
}

/* XFRM_MSG_NEWSA: an ESP transport state between two test addresses. */
static void try_newsa(struct mnl_socket *nl, int family, bool aead,
		      unsigned seq, struct tsn_xfrm_try *t)
{
	char buf[1024];
	struct xfrm_usersa_info *sa;
	struct nlmsghdr *nlh;
	int ret;

	t->tried = true;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			   NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	sa = mnl_nlmsg_put_extra_header(nlh, sizeof(*sa));
	sa->family = (uint16_t)family;
	sa->sel.family = (uint16_t)family;
	sa->mode = XFRM_MODE_TRANSPORT;
	sa->id.proto = IPPROTO_ESP;
	sa->id.spi = htonl(TRIAL_SPI | seq);
	sa->reqid = 1;
	sa->lft.soft_byte_limit = XFRM_INF;
	sa->lft.hard_byte_limit = XFRM_INF;
	sa->lft.soft_packet_limit = XFRM_INF;
	sa->lft.hard_packet_limit = XFRM_INF;
	if (family == AF_INET) {
		inet_pton(AF_INET, "198.18.0.1", &sa->saddr.a4);
		inet_pton(AF_INET, "198.18.0.2", &sa->id.daddr.a4);
	} else {
		inet_pton(AF_INET6, "fd00:7473::1", &sa->saddr.a6);
		inet_pton(AF_INET6, "fd00:7473::2", &sa->id.daddr.a6);
	}
	put_algs(nlh, aead);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		t->err = -errno;
		return;
	}
	ret = read_ack(nl, seq, t);
	if (ret < 0)
		t->err = ret;
}

/* In the forked child, already in its own network namespace. */
static void trial_in_netns(struct tsn_xfrm_trial *r)
{
	struct mnl_socket *nl;
	bool aead;

	nl = xfrm_open(&r->netns_err);
	if (!nl)
		return;
	try_newsa(nl, AF_INET, true, 1, &r->gcm4);
	if (r->gcm4.err == -ENOSYS)
		try_newsa(nl, AF_INET, false, 2, &r->cbc4);
	/* IPv6 with whichever algorithm the kernel knows */
	aead = r->gcm4.err == 0;
	if (aead || (r->cbc4.tried && r->cbc4.err == 0))
		try_newsa(nl, AF_INET6, aead, 3, &r->esp6);
	mnl_socket_close(nl);
}

static void trial_scratch(struct tsn_xfrm_trial *t)
{
	struct tsn_xfrm_trial r;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		t->netns_err = -errno;
		return;
	}
	pid = fork();
	if (pid < 0) {
		t->netns_err = -errno;
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		/* A child, so that only it moves to the new namespace. */
		memset(&r, 0, sizeof(r));
		close(fds[0]);
		if (unshare(CLONE_NEWNET) < 0)
			r.netns_err = -errno;
		else
			trial_in_netns(&r);
		n = write(fds[1], &r, sizeof(r));
		_exit(n == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	do
		n = read(fds[0], &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(r)) {
		t->netns_err = -EPIPE;	/* the child died before answering */
		return;
	}
	t->netns_err = r.netns_err;
	t->gcm4 = r.gcm4;
	t->cbc4 = r.cbc4;
	t->esp6 = r.esp6;
}

int tsn_xfrm_trial_run(struct tsn_xfrm_trial *t)
{
	memset(t, 0, sizeof(*t));
	t->dump_err = xfrm_dump_sa(&t->n_sa);
	trial_scratch(t);
	return 0;
}

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
