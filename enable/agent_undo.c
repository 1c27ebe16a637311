/* agent_undo.c - `tsnet agent ipsec-rollback` and `ipsec-remove`: undo
 * exactly what ipsec-apply did on this node, and nothing else.
 *
 * ipsec-apply keeps the files it is about to replace under
 * /var/lib/tsnet/rollback/ with a manifest of which existed; rollback
 * puts them back (or removes ours where nothing was), reloads charon
 * (--legacy's ipsec.conf/ipsec.secrets too, read back into the swanctl
 * form apply loaded) and stops it if this rollout started it.  remove deletes only the
 * files /var/lib/tsnet/ipsec.json records, tsnet-* connections and their
 * keys, and stops the service only when tsnet started it.  With x509,
 * both unload the private key apply loaded (by the id ipsec.json
 * records): a charon tsnet did not start would keep it in memory after
 * its file is gone.  Both are idempotent.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enable/conf.h"
#include "enable/ipsec.h"
#include "lib/inventory.h"
#include "lib/json.h"

#define MANIFEST TSN_IPSEC_ROLLBACK "/manifest"
#define LEGACY_SECRETS "/tsnet.secrets"

static void rmdir_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(dir);
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char *txt = NULL;
	size_t len;
	int ret;

	if ((ret = tsn_read_file(from, 16u << 20, &txt, &len)) < 0)
		return ret;
	ret = tsn_write_file_atomic(to, txt, len, mode);
	tsn_memzero(txt, len);
	free(txt);
	return ret;
}

/* Manifest lines: "MODE EXISTED PATH"; copies are named by index. */
int tsn_ipsec_snapshot(const char *const *paths, size_t n)
{
	struct tsn_buf m = { 0 };
	struct stat st;
	char copy[300];
	int ret = 0;

	rmdir_files(TSN_IPSEC_ROLLBACK);
	if ((ret = tsn_mkdir_p(TSN_IPSEC_ROLLBACK, 0700)) < 0)
		return ret;
	for (size_t i = 0; i < n && ret == 0; i++) {
		bool have = stat(paths[i], &st) == 0 && S_ISREG(st.st_mode);

		snprintf(copy, sizeof(copy), TSN_IPSEC_ROLLBACK "/%zu", i);
		if (have)
			ret = copy_file(paths[i], copy, 0600);
		if (ret == 0)
			ret = tsn_buf_printf(&m, "%04o %d %s\n",
					     have ? st.st_mode & 07777 : 0,
					     have, paths[i]);
	}
	if (ret == 0)
		ret = tsn_write_file_atomic(MANIFEST, m.p, m.len, 0600);
	tsn_buf_free(&m);
	return ret;
}

void tsn_ipsec_snapshot_drop(void)
{
	rmdir_files(TSN_IPSEC_ROLLBACK);
}

int tsn_ipsec_read_state(struct tsn_jv *out)
{
	char *txt = NULL, e[128];
	size_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = tsn_read_file(TSN_IPSEC_STATE, 1 << 20, &txt, &len)) < 0)
		return ret == -ENOENT ? 0 : ret;
	ret = tsn_json_parse(txt, len, out, e, sizeof(e));
	free(txt);
	return ret;
}

/* Terminate and unload every tsnet-* connection charon holds. */
/* charon died (killed, crashed) and left its SAs and policies in the
 * kernel: with nobody to rekey or remove them, traffic to those peers
 * would stay black-holed.  Remove what concerns the peers tsnet
 * configured, and only those. */
static void flush_dead(const struct tsn_jv *state)
{
	const struct tsn_jv *peers = tsn_jv_get(state, "peers");
	static char ip[] = "ip", xfrm[] = "xfrm", pol[] = "policy",
		    sta[] = "state", del[] = "deleteall", src[] = "src",
		    dst[] = "dst";

	for (size_t i = 0; peers && peers->type == TSN_JARR &&
			   i < 2 * peers->n; i++) {
		/* each peer's address, then its address6 (dual-stack) */
		char *a = (char *)tsn_jv_getstr(&peers->items[i / 2], i % 2 ?
						"address6" : "address");
		struct tsn_addr chk;

		if (!a || tsn_addr_parse(a, &chk) < 0)
			continue;	/* only ever an address to `ip` */
		for (int k = 0; k < 4; k++) {
			char *argv[] = { ip, xfrm, k < 2 ? pol : sta, del,
					 k % 2 ? src : dst, a, NULL };

			tsn_svc_run(argv);
		}
	}
}

/* Terminate and unload the tsnet-* connections charon holds, but those
 * in keep (may be NULL); their names go to names. */
static int unload_except(struct tsn_buf *names, const struct tsn_buf *keep,
			 const struct tsn_jv *state)
{
	struct tsn_buf have = { 0 };
	struct tsn_vici v;
	int ret;

	if (tsn_vici_connect(&v, NULL) < 0) {
		flush_dead(state);
		return 0;	/* charon is not running: nothing loaded */
	}
	ret = tsn_list_tsnet_conns(&v, &have);
	for (size_t off = 0; ret == 0 && have.p && off < have.len;
	     off += strlen(have.p + off) + 1) {
		const char *n = have.p + off;

		if (keep && tsn_names_has(keep, n))
			continue;
		if ((ret = tsn_unload_conn(&v, n)) == 0)
			ret = tsn_buf_add(names, n, strlen(n) + 1);
	}
	tsn_vici_close(&v);
	tsn_buf_free(&have);
	return ret;
}

static int unload_all(struct tsn_buf *names, const struct tsn_jv *state)
{
	return unload_except(names, NULL, state);
}

/* --legacy's secrets file (ipsec.secrets syntax), beside tsnet.conf in
 * ipsec.conf syntax. */
static bool is_legacy(const char *secrets)
{
	size_t n = strlen(secrets), k = strlen(LEGACY_SECRETS);

	return n >= k && !strcmp(secrets + n - k, LEGACY_SECRETS);
}

/* Put the manifest's files back; returns which swanctl files exist now
 * in conf/secrets (empty when none). */
static int restore_files(char *conf, char *secrets, size_t len)
{
	char *m = NULL, *line, *save, copy[300];
	size_t mlen, i = 0;
	int ret;

	conf[0] = secrets[0] = '\0';
	if ((ret = tsn_read_file(MANIFEST, 1 << 16, &m, &mlen)) < 0)
		return ret;
	for (line = strtok_r(m, "\n", &save); line && ret == 0;
	     line = strtok_r(NULL, "\n", &save), i++) {
		unsigned mode;
		int have;
		char path[256];

		if (sscanf(line, "%o %d %255s", &mode, &have, path) != 3) {
			ret = -EBADMSG;
			break;
		}
		snprintf(copy, sizeof(copy), TSN_IPSEC_ROLLBACK "/%zu", i);
		if (have)
			ret = copy_file(copy, path, (mode_t)mode);
		else if (unlink(path) < 0 && errno != ENOENT)
			ret = -errno;
		if (have && strstr(path, "/" TSN_CONF_FILE))
			snprintf(conf, len, "%s", path);
		if (have && (strstr(path, "/" TSN_SECRETS_FILE) ||
			     is_legacy(path)))
			snprintf(secrets, len, "%s", path);
	}
	free(m);
	return ret;
}

/* Load the restored files (replacing what charon holds, so SAs of
 * unchanged pairs stay up); the names loaded go to kept.  ipsec-apply
 * loads --legacy's files through VICI too (as the swanctl form of the
 * same plan), so their restored versions are loaded the same way: the
 * starter reads them only when it starts, and an `ipsec reload` would
 * give charon a second, stroke-backed copy that VICI cannot unload. */
static int reload(const char *conf, const char *secrets, struct tsn_buf *kept,
		  char *err, size_t errlen)
{
	struct tsn_buf lc = { 0 }, ls = { 0 };
	struct tsn_vici v;
	char *c = NULL, *s = NULL;
	size_t cl = 0, sl = 0;
	int ret;

	if (!conf[0] || !secrets[0] || tsn_vici_connect(&v, NULL) < 0)
		return 0;
	if ((ret = tsn_read_file(conf, 1 << 20, &c, &cl)) == 0 &&
	    (ret = tsn_read_file(secrets, 1 << 20, &s, &sl)) == 0 &&
	    is_legacy(secrets) &&
	    (ret = tsn_legacy_to_swanctl(c, s, &lc, &ls, err, errlen)) == 0) {
		tsn_memzero(s, sl);
		free(s);
		free(c);
		s = ls.p;	/* the buffers now own the texts */
		sl = ls.len;
		c = lc.p;
		memset(&ls, 0, sizeof(ls));
		memset(&lc, 0, sizeof(lc));
	}
	if (ret == 0 && (ret = tsn_load_secrets(&v, s, err, errlen)) == 0)
		ret = tsn_load_conns(&v, c, kept, err, errlen);
	if (s)
		tsn_memzero(s, sl);
	free(s);
	free(c);
	tsn_buf_wipe(&ls);
	tsn_buf_free(&lc);
	tsn_vici_close(&v);
	return ret;
}

static const char *key_id(const struct tsn_jv *st)
{
	const char *id = tsn_jv_getstr(st, "key_id");

	return id && tsn_key_id_ok(id) ? id : NULL;
}

/* The private key ipsec-apply loaded (ipsec.json's key_id; older
 * records have none) out of charon: removing the file does not unload
 * it from a charon tsnet did not start, and does not stop. */
static int unload_key(const struct tsn_jv *st, char *err, size_t errlen)
{
	const char *id = key_id(st);
	struct tsn_vici v;
	int ret;

	if (!id || tsn_vici_connect(&v, NULL) < 0)
		return 0;	/* charon is not running: nothing loaded */
	if ((ret = tsn_unload_key(&v, id)) < 0)
		snprintf(err, errlen, "unload-key %s: %s", id, strerror(-ret));
	tsn_vici_close(&v);
	return ret;
}

/* The restored record's file whose path holds dir, read into *txt. */
static int read_cred(const struct tsn_jv *st, const char *dir, char **txt,
		     size_t *len)
{
	const struct tsn_jv *files = tsn_jv_get(st, "files");

	for (size_t i = 0; files && files->type == TSN_JARR && i < files->n;
	     i++) {
		const char *p = tsn_jv_getstr(&files->items[i], "path");

		if (p && strstr(p, dir))
			return tsn_read_file(p, 1 << 20, txt, len);
	}
	return -ENOENT;
}

/* The re-apply rolled back loaded another key than the restored record
 * says (new certificates): the restored key, certificate and CA go back
 * into charon, the newer key out.  Before the connections load: one
 * loaded before its credentials cannot start. */
static int swap_key(const struct tsn_jv *now, const struct tsn_jv *before,
		    char *err, size_t errlen)
{
	const char *nid = key_id(now), *bid = key_id(before);
	char *t[3] = { NULL, NULL, NULL }, id[TSN_KEY_ID_MAX];
	size_t l[3] = { 0, 0, 0 };
	struct tsn_vici v;
	int ret = 0;

	if ((nid && bid && !strcmp(nid, bid)) ||
	    tsn_vici_connect(&v, NULL) < 0)
		return 0;
	if (bid && read_cred(before, "/private/", &t[0], &l[0]) == 0 &&
	    read_cred(before, "/x509/", &t[1], &l[1]) == 0 &&
	    read_cred(before, "/x509ca/", &t[2], &l[2]) == 0)
		ret = tsn_load_x509_id(&v, t[0], t[1], t[2], id, sizeof(id),
				       err, errlen);
	if (ret == 0 && nid && (ret = tsn_unload_key(&v, nid)) < 0)
		snprintf(err, errlen, "unload-key %s: %s", nid,
			 strerror(-ret));
	tsn_vici_close(&v);
	for (int i = 0; i < 3; i++) {
		if (t[i])
			tsn_memzero(t[i], l[i]);
		free(t[i]);
	}
	return ret;
}

static int print_reply(bool ok, const char *err, const struct tsn_buf *names,
		       const char *stopped)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int ret;

	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kbool(&j, "ok", ok);
	tsn_json_kstr(&j, "error", ok ? NULL : err);
	tsn_json_key(&j, "unloaded");
	tsn_json_arr_begin(&j);
	for (size_t off = 0; names->p && off < names->len;
	     off += strlen(names->p + off) + 1)
		tsn_json_str(&j, names->p + off);
	tsn_json_arr_end(&j);
	tsn_json_kstr(&j, "stopped", stopped);
	tsn_json_obj_end(&j);
	if ((ret = tsn_json_finish(&j)) == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	return ok ? TSN_EXIT_OK : TSN_EXIT_RUNTIME;
}

int tsn_ipsec_rollback_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct tsn_jv now = { 0 }, before = { 0 };
	struct tsn_buf names = { 0 }, kept = { 0 };
	char conf[256], secrets[256], err[512] = "";
	const char *stopped = NULL;
	enum tsn_svc svc;
	bool legacy = false, none;
	int ret, rc;

	(void)argc;
	(void)argv;
	(void)ctx;
	tsn_ipsec_read_state(&now);
	svc = tsn_svc_parse(tsn_jv_getstr(&now, "service"));
	tsn_jv_getbool(&now, "legacy", &legacy);
	/* no snapshot: this rollout changed nothing here (ipsec-apply
	 * failed before writing, or never ran), so nothing is undone */
	ret = restore_files(conf, secrets, sizeof(conf));
	if ((none = ret == -ENOENT))
		ret = 0;
	if (ret < 0)
		snprintf(err, sizeof(err), "restoring files: %s",
			 strerror(-ret));
	tsn_ipsec_read_state(&before);
	if (none) {
		/* nothing to do */
	} else if (ret == 0 && svc != TSN_SVC_NONE &&
		   before.type != TSN_JOBJ) {
		/* this rollout started charon: leave it as it was, stopped */
		ret = unload_all(&names, &now);
		if (ret == 0)
			ret = unload_key(&now, err, sizeof(err));
		tsn_svc_stop(svc, legacy);
		stopped = tsn_svc_name(svc);
	} else if (ret == 0 &&
		   (ret = swap_key(&now, &before, err, sizeof(err))) == 0 &&
		   (ret = reload(conf, secrets, &kept, err, sizeof(err))) == 0) {
		ret = unload_except(&names, &kept, &now);
	}
	if (ret == 0)
		rmdir_files(TSN_IPSEC_ROLLBACK);
	rc = print_reply(ret == 0, err, &names, stopped);
	tsn_jv_free(&now);
	tsn_jv_free(&before);
	tsn_buf_free(&names);
	tsn_buf_free(&kept);
	return rc;
}

int tsn_ipsec_remove_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct tsn_jv st = { 0 };
	struct tsn_buf names = { 0 };
	const struct tsn_jv *files;
	const char *stopped = NULL;
	char err[512] = "";
	bool legacy = false;
	enum tsn_svc svc;
	int ret;

	(void)argc;
	(void)argv;
	(void)ctx;
	if ((ret = tsn_ipsec_read_state(&st)) < 0)
		snprintf(err, sizeof(err), TSN_IPSEC_STATE ": %s",
			 strerror(-ret));
	if (ret == 0 && (ret = unload_all(&names, &st)) < 0)
		snprintf(err, sizeof(err), "unloading: %s", strerror(-ret));
	if (ret == 0)
		ret = unload_key(&st, err, sizeof(err));
	files = tsn_jv_get(&st, "files");
	for (size_t i = 0; ret == 0 && files && files->type == TSN_JARR &&
	     i < files->n; i++) {
		const char *p = tsn_jv_getstr(&files->items[i], "path");

		if (p && unlink(p) < 0 && errno != ENOENT) {
			ret = -errno;
			snprintf(err, sizeof(err), "%s: %s", p, strerror(errno));
		}
	}
	svc = tsn_svc_parse(tsn_jv_getstr(&st, "service"));
	tsn_jv_getbool(&st, "legacy", &legacy);
	if (ret == 0 && svc != TSN_SVC_NONE) {
		tsn_svc_stop(svc, legacy);
		stopped = tsn_svc_name(svc);
	}
	if (ret == 0) {
		unlink(TSN_IPSEC_STATE);
		rmdir_files(TSN_IPSEC_ROLLBACK);
	}
	ret = print_reply(ret == 0, err, &names, stopped);
	tsn_jv_free(&st);
	tsn_buf_free(&names);
	return ret;
}
