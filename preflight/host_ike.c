/* host_ike.c - is strongSwan here, complete, running, and are UDP 500 and
 * 4500 free for it (or already its own)?
 *
 * The plugin check answers the question charon answers at start: which
 * libstrongswan-*.so files exist, and which of them strongswan.conf makes
 * it load (host_swconf.c).  Ports come from sock_diag and the owning
 * process from the socket inode in /proc/PID/fd (lib/sockdiag.c), so
 * another IKE daemon (Libreswan's pluto, racoon, OpenIKED's iked) is
 * named.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/spawn.h"
#include "preflight/host.h"

static const char *const swanctl_paths[] = {
	"/usr/sbin/swanctl", "/usr/bin/swanctl", "/usr/local/sbin/swanctl",
	NULL,
};
static const char *const charon_paths[] = {
	"/usr/lib/ipsec/charon", "/usr/libexec/strongswan/charon",
	"/usr/lib/strongswan/charon", "/usr/libexec/ipsec/charon",
	"/usr/local/libexec/ipsec/charon", "/usr/sbin/charon-systemd", NULL,
};
static const char *const plugin_dirs[] = {
	"/usr/lib/ipsec/plugins", "/usr/lib64/ipsec/plugins",
	"/usr/lib/strongswan/plugins", "/usr/lib64/strongswan/plugins",
	"/usr/local/lib/ipsec/plugins", NULL,
};
static const char *const our_daemons[] = { "charon", "charon-systemd", NULL };

#define PLUGINS_MAX 256

struct swan {
	const char *swanctl;	/* host paths, NULL when missing */
	const char *charon;
	unsigned ver;		/* TSN_SWAN_VER(), 0 unknown */
	char ver_str[32];
};

static const char *find_exe(const struct tsn_host_opts *o,
			    const char *const *paths)
{
	char p[4096];

	for (size_t i = 0; paths[i]; i++)
		if (tsn_host_path(o, p, sizeof(p), "%s", paths[i]) == 0 &&
		    access(p, X_OK) == 0)
			return paths[i];
	return NULL;
}

int tsn_swan_version_parse(const char *s, unsigned *ver)
{
	const char *p = strstr(s, "strongSwan");
	unsigned a, b, c = 0;

	if (!p)
		return -EINVAL;
	/* the version is the first word starting with a digit after it */
	for (p += 10; *p && *p != '\n'; p++) {
		if (p[-1] != ' ' && p[-1] != 'U')
			continue;	/* "U5.9.8/K6.1" in charon's log line */
		if (sscanf(p, "%u.%u.%u", &a, &b, &c) >= 2 && a < 256 &&
		    b < 256 && c < 256) {
			*ver = TSN_SWAN_VER(a, b, c);
			return 0;
		}
	}
	return -EINVAL;
}

/* The strongSwan version a binary under the host root prints for arg.
 * swanctl --version prints it in its usage text and may exit non-zero,
 * so the output counts whatever the exit status. */
static void swan_version(const struct tsn_host_opts *o, const char *path,
			 const char *arg, unsigned *ver)
{
	char exe[4096], *argv[] = { exe, (char *)arg, NULL };
	struct tsn_buf out = { 0 };
	int ret;

	if (tsn_host_path(o, exe, sizeof(exe), "%s", path) < 0)
		return;
	ret = tsn_spawn_capture(argv, &out, 4096, 5000);
	if ((ret == 0 || ret == -EIO) && out.p)
		tsn_swan_version_parse(out.p, ver);
	tsn_buf_free(&out);
}

static void swan_find(const struct tsn_host_opts *o, struct swan *s)
{
	memset(s, 0, sizeof(*s));
	s->swanctl = find_exe(o, swanctl_paths);
	s->charon = find_exe(o, charon_paths);
	/* charon --version needs no daemon; swanctl --version may try to
	 * reach one and only prints the version in its usage text */
	if (s->charon)
		swan_version(o, s->charon, "--version", &s->ver);
	if (!s->ver && s->swanctl)
		swan_version(o, s->swanctl, "--version", &s->ver);
	if (s->ver)
		snprintf(s->ver_str, sizeof(s->ver_str), "%u.%u.%u",
			 s->ver >> 16, s->ver >> 8 & 0xff, s->ver & 0xff);
}

/* The install command for this distribution, from /etc/os-release. */
static const char *install_hint(const struct tsn_host_opts *o)
{
	char *rel = NULL;
	const char *hint = "install strongSwan's swanctl and charon from the "
			   "distribution";

	if (tsn_host_read(o, "/etc/os-release", &rel) < 0)
		return hint;
	if (strstr(rel, "debian") || strstr(rel, "ubuntu"))
		hint = "apt-get install strongswan-swanctl strongswan-charon "
		       "libstrongswan-standard-plugins";
	else if (strstr(rel, "rhel") || strstr(rel, "fedora") ||
		 strstr(rel, "centos"))
		hint = "dnf install strongswan";
	else if (strstr(rel, "suse"))
		hint = "zypper install strongswan";
	free(rel);
	return hint;
}

static int check_installed(const struct tsn_host_opts *o,
			   const struct swan *s, struct tsn_node_report *n)
{
	const char *id = "strongswan.installed";

	if (!s->swanctl || !s->charon)
		return tsn_node_check(n, id, TSN_ST_FAIL, install_hint(o),
				      "strongSwan %s: %s%s%s",
				      !s->swanctl && !s->charon ? "not installed"
				      : "incomplete",
				      s->swanctl ? "" : "no swanctl",
				      !s->swanctl && !s->charon ? ", " : "",
				      s->charon ? "" : "no charon");
	if (!s->ver)
		return tsn_node_check(n, id, TSN_ST_WARN, NULL,
				      "swanctl %s and charon %s, version "
				      "unknown (charon --version said nothing "
				      "we understand)", s->swanctl, s->charon);
	return tsn_node_check(n, id, TSN_ST_OK, NULL,
			      "strongSwan %s (swanctl %s, charon %s)",
			      s->ver_str, s->swanctl, s->charon);
}

/* The plugin names in the first directory holding libstrongswan-*.so. */
static int plugins_installed(const struct tsn_host_opts *o,
			     const struct swan *s, char *dir, size_t dlen,
			     char **names, size_t *n)
{
	char path[4096], cand[512];
	const char *const *d = plugin_dirs;
	struct dirent *de;
	DIR *dh;

	*n = 0;
	/* charon's own PLUGINDIR is next to it on Debian and Fedora */
	snprintf(cand, sizeof(cand), "%.*s/plugins",
		 (int)(strrchr(s->charon, '/') - s->charon), s->charon);
	for (const char *c = cand; c; c = *d ? *d++ : NULL) {
		if (tsn_host_path(o, path, sizeof(path), "%s", c) < 0)
			continue;
		dh = opendir(path);
		if (!dh)
			continue;
		while ((de = readdir(dh)) && *n < PLUGINS_MAX) {
			size_t len = strlen(de->d_name);

			if (strncmp(de->d_name, "libstrongswan-", 14) ||
			    len < 18 || strcmp(de->d_name + len - 3, ".so"))
				continue;
			names[*n] = strndup(de->d_name + 14, len - 17);
			if (!names[*n])
				break;
			(*n)++;
		}
		closedir(dh);
		if (*n) {
			snprintf(dir, dlen, "%s", c);
			return 0;
		}
	}
	return -ENOENT;
}

struct need {
	const char *what;		/* for the message */
	const char *alts[4];		/* any one of these */
	unsigned min_ver;		/* needed from this version on */
};

static const struct need needs[] = {
	{ "kernel-netlink", { "kernel-netlink" }, 0 },
	{ "socket-default", { "socket-default", "socket-dynamic" }, 0 },
	{ "vici", { "vici" }, 0 },
	{ "nonce", { "nonce" }, 0 },
	{ "an AES-GCM provider (openssl, or gcm with aes or aesni)",
	  { "openssl", "aesni", "gcm+aes" }, 0 },
	/* 5.9.6 moved PRF+ / KDF out of the core: without kdf IKE fails
	 * with "KDF_PRF with PRF_HMAC_SHA2_384 not supported" */
	{ "kdf", { "kdf" }, TSN_SWAN_VER(5, 9, 6) },
};

/* What charon would load: the installed plugins and its settings. */
struct plugset {
	const struct tsn_swconf *c;
	char **names;		/* installed */
	size_t n;
	const char *ns;		/* "charon" or "charon-systemd" */
	const char *how;	/* the rule that decided */
};

static bool plugin_loads(struct plugset *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->names[i], name))
			return tsn_swconf_plugin_wanted(p->c, p->ns, name,
							&p->how);
	return false;
}

static bool need_met(struct plugset *p, const struct need *nd)
{
	for (size_t a = 0; a < ARRAY_SIZE(nd->alts) && nd->alts[a]; a++) {
		const char *alt = nd->alts[a], *plus = strchr(alt, '+');
		char first[32];

		if (!plus) {
			if (plugin_loads(p, alt))
				return true;
			continue;
		}
		/* "gcm+aes": gcm with aes or aesni */
		snprintf(first, sizeof(first), "%.*s", (int)(plus - alt), alt);
		if (plugin_loads(p, first) &&
		    (plugin_loads(p, plus + 1) || plugin_loads(p, "aesni")))
			return true;
	}
	return false;
}

static int check_plugins(const struct tsn_host_opts *o, const struct swan *s,
			 struct tsn_node_report *n)
{
	const char *id = "strongswan.plugins";
	const char *conf = o->swan_conf ? o->swan_conf : "/etc/strongswan.conf";
	char *names[PLUGINS_MAX], dir[512];
	struct tsn_buf miss = { 0 };
	struct tsn_swconf c = { 0 };
	struct plugset p = { .c = &c, .names = names, .how = "" };
	size_t nn = 0;
	int ret;

	if (!s->charon)
		return tsn_node_check(n, id, TSN_ST_SKIP, NULL,
				      "no charon installed");
	if (plugins_installed(o, s, dir, sizeof(dir), names, &nn) < 0)
		return tsn_node_check(n, id, TSN_ST_FAIL, install_hint(o),
				      "no libstrongswan-*.so plugins next to "
				      "%s", s->charon);
	ret = tsn_swconf_load(o, conf, &c);
	if (ret < 0 && ret != -ENOENT) {
		char e[96];

		ret = tsn_node_check(n, id, TSN_ST_WARN, NULL, "cannot read %s:"
				     " %s", conf, tsn_errno_str(ret, e,
								sizeof(e)));
		goto out;
	}
	p.n = nn;
	/* charon-systemd reads its own section (falling back to charon's) */
	p.ns = strstr(s->charon, "charon-systemd") ? "charon-systemd" : "charon";
	for (size_t i = 0; i < ARRAY_SIZE(needs); i++) {
		if (needs[i].min_ver && s->ver && s->ver < needs[i].min_ver)
			continue;
		if (!need_met(&p, &needs[i]))
			tsn_buf_printf(&miss, "%s%s", miss.len ? ", " : "",
				       needs[i].what);
	}
	/* how names the rule charon follows; ask it once more for vici */
	tsn_swconf_plugin_wanted(&c, p.ns, "vici", &p.how);
	if (!miss.len)
		ret = tsn_node_check(n, id, TSN_ST_OK, NULL, "charon loads "
				     "what transport mode AES-GCM needs (%s; "
				     "%zu plugins in %s)", p.how, nn, dir);
	else
		ret = tsn_node_check(n, id, TSN_ST_FAIL, "install the missing "
				     "plugins and have charon load them (its "
				     "load list, or plugins.NAME.load = yes "
				     "with load_modular)", "charon will not "
				     "load %s (strongSwan %s, %s in %s; plugins"
				     " in %s)", miss.p ? miss.p : "?",
				     s->ver ? s->ver_str : "of unknown version",
				     p.how, conf, dir);
out:
	tsn_swconf_free(&c);
	tsn_buf_free(&miss);
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	return ret;
}

static bool is_ours(const char *comm)
{
	for (size_t i = 0; our_daemons[i]; i++)
		if (!strcmp(comm, our_daemons[i]))
			return true;
	return false;
}

/* 1 same network namespace as us, 0 another, or -errno: -ENOENT when
 * the process exited while we looked (its /proc entry is gone), -EACCES
 * when we may not look (not root: /proc/PID/ns of others is closed). */
static int same_netns(const struct tsn_host_opts *o, pid_t pid)
{
	char a[4096], b[4096], la[64], lb[64];
	ssize_t na, nb;

	if (tsn_host_path(o, a, sizeof(a), "/proc/self/ns/net") < 0 ||
	    tsn_host_path(o, b, sizeof(b), "/proc/%d/ns/net", (int)pid) < 0)
		return -ENAMETOOLONG;
	if ((na = readlink(a, la, sizeof(la))) <= 0)
		return na < 0 ? -errno : -EINVAL;
	if ((nb = readlink(b, lb, sizeof(lb))) <= 0)
		return nb < 0 && errno == ESRCH ? -ENOENT :
		       nb < 0 ? -errno : -EINVAL;
	return na == nb && !memcmp(la, lb, (size_t)na);
}

/* A running charon found without a pid file: where it runs. */
static int running_no_pidfile(struct tsn_node_report *n, const char *id,
			      const char *which, pid_t pid, int same,
			      pid_t *running)
{
	char e[96];

	if (same == 1)
		*running = pid;
	if (same == 1)
		return tsn_node_check(n, id, TSN_ST_OK, NULL, "%s running "
				      "(pid %d, no /run/charon.pid)", which,
				      (int)pid);
	if (same == 0)	/* another namespace's (a lab node, a container) */
		return tsn_node_check(n, id, TSN_ST_OK, NULL, "charon not "
				      "running (tsnet enable-ipsec starts it)");
	/* root may look at every process: only others lack the right */
	if ((same == -EACCES || same == -EPERM) && geteuid() != 0)
		return tsn_node_check(n, id, TSN_ST_OK, NULL, "no /run/charon."
				      "pid; a %s runs (pid %d), in this "
				      "network namespace or not (run as root "
				      "to tell)", which, (int)pid);
	return tsn_node_check(n, id, TSN_ST_WARN, NULL, "no /run/charon.pid;"
			      " a %s runs (pid %d), in this network "
			      "namespace or not: its namespace cannot be "
			      "read: %s", which, (int)pid,
			      tsn_errno_str(same, e, sizeof(e)));
}

/* A charon that exits between finding it and reading its namespace is
 * gone, not unknown: look again (a few times, if charons keep going). */
static int check_running_scan(const struct tsn_host_opts *o,
			      struct tsn_node_report *n, const char *id,
			      pid_t *running)
{
	const char *which = NULL;
	pid_t pid;
	int same = -ENOENT;

	for (int tries = 0; tries < 3 && same == -ENOENT; tries++) {
		if (tsn_host_find_process(o, our_daemons, &pid, &which) < 0)
			break;
		same = same_netns(o, pid);
	}
	if (same == -ENOENT)
		return tsn_node_check(n, id, TSN_ST_OK, NULL, "charon not "
				      "running (tsnet enable-ipsec starts it)");
	return running_no_pidfile(n, id, which, pid, same, running);
}

/* *running: the pid of our charon in this network namespace, or 0. */
static int check_running(const struct tsn_host_opts *o,
			 struct tsn_node_report *n, pid_t *running)
{
	const char *id = "strongswan.running";
	char comm[64];
	long v;
	pid_t pid;
	int same;

	if (tsn_host_read_int(o, "/run/charon.pid", &v) == 0 && v > 0 &&
	    v < 0x7fffffff) {
		pid = (pid_t)v;
		same = tsn_host_comm(o, pid, comm, sizeof(comm)) < 0 ?
		       -ENOENT : is_ours(comm) ? same_netns(o, pid) : 1;
		if (same == -ENOENT)
			return tsn_node_check(n, id, TSN_ST_OK, NULL,
					      "charon not running (stale "
					      "/run/charon.pid %d)", (int)pid);
		/* a /run shared with other network namespaces: their
		 * charon's pid file stops ours from starting */
		if (same == 0)
			return tsn_node_check(n, id, TSN_ST_WARN, "give each "
					      "network namespace its own /run",
					      "/run/charon.pid names %s (pid %d)"
					      " of another network namespace: a "
					      "charon started here would refuse "
					      "to run", comm, (int)pid);
		if (is_ours(comm)) {
			*running = pid;
			return tsn_node_check(n, id, TSN_ST_OK, NULL,
					      "%s running (pid %d)", comm,
					      (int)pid);
		}
		/* charon refuses to start while that pid is alive */
		return tsn_node_check(n, id, TSN_ST_WARN,
				      "rm /run/charon.pid",
				      "/run/charon.pid names pid %d, which is "
				      "'%s', not charon: charon will refuse to "
				      "start", (int)pid, comm);
	}
	return check_running_scan(o, n, id, running);
}

/* IKE daemons that are not ours, and how to stop them. */
static const struct {
	const char *comm;
	const char *who;
	const char *fix;
} foreign[] = {
	{ "pluto", "Libreswan's IKE daemon", "systemctl disable --now ipsec" },
	{ "racoon", "ipsec-tools' IKE daemon",
	  "systemctl disable --now racoon" },
	{ "iked", "OpenIKED", "systemctl disable --now iked" },
	{ "isakmpd", "OpenBSD's isakmpd", "stop isakmpd" },
};

#define HOLDERS_MAX 32

/* The sockets on UDP 500 and 4500, and who holds each under the host
 * root's /proc: how many, or -errno when the kernel cannot list them. */
static int ike_holders(const struct tsn_host_opts *o,
		       struct tsn_sock_owner *h)
{
	static const uint16_t ports[] = { 500, 4500 };
	char proc[4096];
	size_t n = 0;
	int got;

	if (o->ike_socks) {
		n = o->n_ike_socks < HOLDERS_MAX ? o->n_ike_socks : HOLDERS_MAX;
		memcpy(h, o->ike_socks, n * sizeof(*h));
	}
	for (size_t i = 0; !o->ike_socks && i < ARRAY_SIZE(ports); i++) {
		got = tsn_udp_socks(ports[i], h + n, HOLDERS_MAX - n);
		if (got < 0)
			return got;
		n += (size_t)got < HOLDERS_MAX - n ? (size_t)got :
						      HOLDERS_MAX - n;
	}
	got = tsn_host_path(o, proc, sizeof(proc), "/proc");
	for (size_t i = 0; got == 0 && i < n; i++)
		tsn_sock_owner_find(proc, &h[i]);
	return got < 0 ? got : (int)n;
}

static int foreign_idx(const char *comm)
{
	for (size_t i = 0; i < ARRAY_SIZE(foreign); i++)
		if (!strcmp(comm, foreign[i].comm))
			return (int)i;
	return -1;
}

static int check_ports(const struct tsn_host_opts *o,
		       struct tsn_node_report *n)
{
	struct tsn_sock_owner h[HOLDERS_MAX];
	struct tsn_buf d = { 0 }, fix = { 0 };
	enum tsn_status st = TSN_ST_OK;
	char why[96];
	int nh = ike_holders(o, h), ret;

	if (nh < 0)	/* nothing seen is not "free" */
		return tsn_node_check(n, "ports.ike", TSN_ST_WARN, "run tsnet "
				      "as root, or look with: ss -uapn 'sport "
				      "= :500 or sport = :4500'", "cannot "
				      "list the UDP sockets (sock_diag): %s",
				      tsn_errno_str(nh, why, sizeof(why)));
	for (int i = 0; i < nh; i++) {
		int f;

		if (!h[i].pid) {
			tsn_buf_printf(&d, "%sUDP %u: a process tsnet cannot "
				       "see (socket inode %lu)", d.len ? "; " :
				       "", h[i].port, h[i].inode);
			if (st == TSN_ST_OK) {
				st = TSN_ST_WARN;
				tsn_buf_printf(&fix, "run tsnet as root in the "
					       "host's PID namespace, or look "
					       "with: ss -uapn 'sport = :%u'",
					       h[i].port);
			}
			continue;
		}
		tsn_buf_printf(&d, "%sUDP %u: %s (pid %d)", d.len ? "; " : "",
			       h[i].port, h[i].comm, (int)h[i].pid);
		if (is_ours(h[i].comm))
			continue;
		f = foreign_idx(h[i].comm);
		if (f >= 0)
			tsn_buf_printf(&d, ", %s", foreign[f].who);
		if (st != TSN_ST_FAIL) {	/* the first culprit's fix */
			tsn_buf_reset(&fix);
			tsn_buf_printf(&fix, "%s", f >= 0 ? foreign[f].fix :
				       "stop it, or move it off UDP 500/4500");
		}
		st = TSN_ST_FAIL;
	}
	if (!nh)
		ret = tsn_node_check(n, "ports.ike", TSN_ST_OK, NULL,
				     "UDP 500 and 4500 are free");
	else if (!d.p)
		ret = -ENOMEM;
	else
		ret = tsn_node_check(n, "ports.ike", st, fix.p, "%s%s", d.p,
				     st == TSN_ST_FAIL ? ": charon cannot "
				     "bind them" : "");
	tsn_buf_free(&d);
	tsn_buf_free(&fix);
	return ret;
}

int tsn_host_ike_checks(const struct tsn_host_opts *o,
			struct tsn_node_report *n)
{
	struct swan s;
	pid_t charon = 0;
	int ret;

	swan_find(o, &s);
	ret = check_installed(o, &s, n);
	if (ret == 0)
		ret = check_plugins(o, &s, n);
	if (ret == 0)
		ret = check_running(o, n, &charon);
	if (ret == 0)
		ret = tsn_host_vici_check(o, n, charon);
	if (ret == 0)
		ret = check_ports(o, n);
	return ret;
}
