/* x509.c - the cluster CA and per-node certificates, made with `pki`.
 *
 * pki runs through posix_spawn without a shell.  No key is ever on its
 * argv: the CA key is read from its 0600 file (--cakey FILE, a path),
 * and each node's fresh key goes in on stdin (pki --issue --type priv
 * derives the public key from it), so node keys never touch the
 * coordinator's disk.  ECDSA P-256: the lab's and Debian's charon load
 * it with the openssl plugin.  node add issues one more node from the
 * CA that is there, never a new one (the nodes trust the one they hold).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nettle/base64.h>

#include "enable/conf.h"
#include "enable/status.h"
#include "enable/x509.h"

extern char **environ;

#define PKI_OUT_MAX (64 * 1024)

static void close2(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

/* Feed in (may be NULL) to the child's stdin and collect its stdout. */
static int pump(int wfd, int rfd, const struct tsn_buf *in,
		struct tsn_buf *out)
{
	size_t off = 0;
	char buf[4096];
	ssize_t n;

	while (in && off < in->len) {
		n = write(wfd, in->p + off, in->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;		/* pki stopped reading: its status says */
		off += (size_t)n;
	}
	close(wfd);
	while ((n = read(rfd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (out->len + (size_t)n > PKI_OUT_MAX ||
		    tsn_buf_add(out, buf, (size_t)n) < 0)
			return -ENOMEM;
	}
	tsn_memzero(buf, sizeof(buf));
	return 0;
}

/* Run pki with argv; 0 when it exited 0 and wrote something. */
static int pki(const char *const argv[], const struct tsn_buf *in,
	       struct tsn_buf *out)
{
	int ip[2] = { -1, -1 }, op[2] = { -1, -1 }, st, ret;
	posix_spawn_file_actions_t fa;
	pid_t pid;

	if (pipe2(ip, O_CLOEXEC) < 0 || pipe2(op, O_CLOEXEC) < 0) {
		ret = -errno;
		close2(ip);
		close2(op);
		return ret;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ip[0], 0);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	ret = -posix_spawnp(&pid, "pki", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(ip[0]);
	close(op[1]);
	if (ret < 0) {
		close(ip[1]);
		close(op[0]);
		return ret;
	}
	ret = pump(ip[1], op[0], in, out);
	close(op[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (ret == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) || !out->len))
		ret = -EIO;
	if (ret == 0)
		ret = tsn_buf_add(out, "", 1) < 0 ? -ENOMEM : 0;
	if (ret == 0)
		out->len--;	/* NUL-terminated text */
	return ret;
}

static int gen_key(struct tsn_buf *key)
{
	const char *argv[] = { "pki", "--gen", "--type", "ecdsa", "--size", "256",
			 "--outform", "pem", NULL };

	return pki(argv, NULL, key);
}

/* Reuse the CA in dir, or make one: key 0600 first, then the cert. */
static int make_ca(const struct tsn_inventory *inv, const char *dir,
		   struct tsn_buf *ca, char *err, size_t errlen)
{
	char kpath[300], cpath[300], dn[160], *txt = NULL;
	const char *argv[] = { "pki", "--self", "--ca", "--in", kpath, "--type",
			 "ecdsa", "--lifetime", "3650", "--dn", dn,
			 "--outform", "pem", NULL };
	struct tsn_buf key = { 0 };
	size_t len;
	int ret;

	snprintf(kpath, sizeof(kpath), "%s/ca.key", dir);
	snprintf(cpath, sizeof(cpath), "%s/ca.pem", dir);
	if (tsn_read_file(cpath, PKI_OUT_MAX, &txt, &len) == 0 &&
	    access(kpath, R_OK) == 0) {
		ret = tsn_buf_add(ca, txt, len + 1) < 0 ? -ENOMEM : 0;
		ca->len = len;
		free(txt);
		return ret;
	}
	free(txt);
	if ((ret = tsn_mkdir_p(dir, 0700)) < 0 || chmod(dir, 0700) < 0) {
		ret = ret < 0 ? ret : -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-ret));
		return ret;
	}
	snprintf(dn, sizeof(dn), "O=tsnet, CN=tsnet CA %s", inv->cluster.name);
	if ((ret = gen_key(&key)) < 0 ||
	    (ret = tsn_write_file_atomic(kpath, key.p, key.len, 0600)) < 0 ||
	    (ret = pki(argv, NULL, ca)) < 0 ||
	    (ret = tsn_write_file_atomic(cpath, ca->p, ca->len, 0644)) < 0)
		snprintf(err, errlen, "making the cluster CA in %s: %s", dir,
			 ret == -EIO ? "pki failed" : strerror(-ret));
	tsn_buf_wipe(&key);
	return ret;
}

/* The certificate names every address the node's connections use as
 * their IKE id: its address, and its address6 for the IPv6 connection
 * (charon matches the id against the SANs). */
static int issue_one(const struct tsn_node *n, const char *dir,
		     struct tsn_x509_cred *c)
{
	char kpath[300], cpath[300], dn[160], san[64], san6[64];
	const char *argv[] = { "pki", "--issue", "--type", "priv", "--cacert", cpath,
			 "--cakey", kpath, "--lifetime", "1825", "--dn", dn,
			 "--outform", "pem", "--san", san, NULL, NULL, NULL };
	int ret;

	snprintf(kpath, sizeof(kpath), "%s/ca.key", dir);
	snprintf(cpath, sizeof(cpath), "%s/ca.pem", dir);
	snprintf(dn, sizeof(dn), "O=tsnet, CN=%s", n->name);
	tsn_addr_str(&n->addr, san, sizeof(san));
	if (n->addr6.family) {
		tsn_addr_str(&n->addr6, san6, sizeof(san6));
		argv[16] = "--san";
		argv[17] = san6;
	}
	if ((ret = gen_key(&c->key)) < 0)
		return ret;
	return pki(argv, &c->key, &c->cert);
}

const char *tsn_x509_ca_dir(void)
{
	const char *dir = getenv("TSNET_CA_DIR");

	return dir && *dir ? dir : TSN_X509_CA_DIR;
}

/* The existing CA certificate into ca (never a new CA: the nodes trust
 * the one they hold). */
static int read_ca(const char *dir, struct tsn_buf *ca, char *err,
		   size_t errlen)
{
	char kpath[300], cpath[300], *txt = NULL;
	size_t len;
	int ret;

	snprintf(kpath, sizeof(kpath), "%s/ca.key", dir);
	snprintf(cpath, sizeof(cpath), "%s/ca.pem", dir);
	if ((ret = tsn_read_file(cpath, PKI_OUT_MAX, &txt, &len)) < 0 ||
	    (access(kpath, R_OK) < 0 && (ret = -errno))) {
		snprintf(err, errlen, "the cluster's x509 CA is not on this "
			 "host (looked for %s and %s: %s): run this on the "
			 "coordinator that ran enable-ipsec --auth x509, or "
			 "set TSNET_CA_DIR to a copy of its CA directory",
			 kpath, cpath, strerror(-ret));
		free(txt);
		return ret;
	}
	ret = tsn_buf_add(ca, txt, len + 1) < 0 ? -ENOMEM : 0;
	ca->len = len;
	free(txt);
	return ret;
}

bool tsn_x509_cert_names(const char *pem, const struct tsn_addr *a)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	const char *b = pem ? strstr(pem, begin) : NULL, *e;
	struct base64_decode_ctx ctx;
	uint8_t *der, needle[2 + 16];
	size_t n = 0, nl = a->family == AF_INET ? 4 : 16;
	bool found = false;

	if (!b || !(e = strstr(b, "-----END CERTIFICATE-----")))
		return false;
	b += sizeof(begin) - 1;
	if (!(der = malloc(BASE64_DECODE_LENGTH((size_t)(e - b)) + 1)))
		return false;
	/* an iPAddress GeneralName: context tag [7], its length, the
	 * address; 6 or 18 exact bytes found elsewhere in a certificate
	 * by chance are not a worry */
	needle[0] = 0x87;
	needle[1] = (uint8_t)nl;
	memcpy(needle + 2, a->family == AF_INET ? (const void *)&a->v4 :
	       (const void *)&a->v6, nl);
	base64_decode_init(&ctx);
	if (base64_decode_update(&ctx, &n, der, (size_t)(e - b), b) &&
	    base64_decode_final(&ctx))
		found = memmem(der, n, needle, 2 + nl) != NULL;
	free(der);
	return found;
}

bool tsn_x509_record(const struct tsn_jv *rec)
{
	const struct tsn_jv *files = tsn_jv_get(rec, "files");
	const char *auth = tsn_jv_getstr(rec, "auth");

	if (auth)
		return !strcmp(auth, "x509");
	/* a record older than "auth": it lists the CA certificate */
	for (size_t i = 0; files && files->type == TSN_JARR && i < files->n;
	     i++) {
		const char *p = tsn_jv_getstr(&files->items[i], "path");

		if (p && strstr(p, "/x509ca/" TSN_CA_CERT))
			return true;
	}
	return false;
}

int tsn_x509_ca_check(const struct tsn_jv *rec, const char *node, char *err,
		      size_t errlen)
{
	const struct tsn_jv *files = tsn_jv_get(rec, "files");
	const char *dir = tsn_x509_ca_dir(), *want = NULL;
	struct tsn_buf ca = { 0 };
	char have[65];
	int ret;

	if ((ret = read_ca(dir, &ca, err, errlen)) < 0)
		goto out;
	for (size_t i = 0; files && files->type == TSN_JARR && i < files->n;
	     i++) {
		const struct tsn_jv *f = &files->items[i];
		const char *p = tsn_jv_getstr(f, "path");

		if (p && strstr(p, "/x509ca/" TSN_CA_CERT))
			want = tsn_jv_getstr(f, "sha256");
	}
	tsn_sha256_hex(ca.p, ca.len, have);
	if (want && strcmp(want, have)) {
		snprintf(err, errlen, "%s/ca.pem is not the CA the cluster "
			 "trusts (%s holds another): set TSNET_CA_DIR to the "
			 "directory of the CA enable-ipsec --auth x509 made",
			 dir, node);
		ret = -EKEYREJECTED;
	}
out:
	tsn_buf_free(&ca);
	return ret;
}

int tsn_x509_issue_node(const struct tsn_node *n, struct tsn_buf *ca,
			struct tsn_x509_cred *cred, char *err, size_t errlen)
{
	const char *dir = tsn_x509_ca_dir();
	int ret;

	if ((ret = read_ca(dir, ca, err, errlen)) < 0)
		return ret;
	if ((ret = issue_one(n, dir, cred)) < 0)
		snprintf(err, errlen, "issuing %s's certificate with pki: %s",
			 n->name, ret == -EIO ? "pki failed" : strerror(-ret));
	return ret;
}

int tsn_x509_issue(const struct tsn_inventory *inv, const bool *want,
		   struct tsn_buf *ca, struct tsn_x509_cred *creds,
		   char *err, size_t errlen)
{
	const char *dir = tsn_x509_ca_dir();
	int ret;

	if ((ret = make_ca(inv, dir, ca, err, errlen)) < 0)
		return ret;
	for (size_t i = 0; i < inv->n_nodes; i++) {
		if (!want[i])
			continue;
		if ((ret = issue_one(&inv->nodes[i], dir, &creds[i])) < 0) {
			snprintf(err, errlen, "issuing %s's certificate with "
				 "pki: %s", inv->nodes[i].name,
				 ret == -EIO ? "pki failed" : strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void tsn_x509_free(struct tsn_x509_cred *creds, size_t n)
{
	for (size_t i = 0; creds && i < n; i++) {
		tsn_buf_wipe(&creds[i].key);
		tsn_buf_free(&creds[i].cert);
	}
}

int tsn_x509_paths(const char *node, char key[256], char cert[256],
		   char ca[256])
{
	char dir[200], *slash;
	int n1, n2, n3;

	tsn_conf_swanctl_dir("", dir, sizeof(dir));
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';		/* conf.d's parent */
	n1 = snprintf(key, 256, "%s/private/" TSN_CONN_PREFIX "%s.pem", dir,
		      node);
	n2 = snprintf(cert, 256, "%s/x509/" TSN_CONN_PREFIX "%s.pem", dir,
		      node);
	n3 = snprintf(ca, 256, "%s/x509ca/" TSN_CA_CERT, dir);
	return n1 >= 256 || n2 >= 256 || n3 >= 256 ? -ENAMETOOLONG : 0;
}
