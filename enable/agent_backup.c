/* agent_backup.c - `tsnet agent ipsec-export|ipsec-import`: a node's
 * IPsec settings out of it and back, for `tsnet state export|import`.
 *
 * Export prints the record and the contents of every file it names (the
 * secrets file too: the reply travels only through the transport's pipe
 * to the coordinator, which writes it into a 0600 backup and never prints
 * it).  Import takes the same object on stdin, checks every file against
 * the record's SHA-256 and a path rule (absolute, under /etc, no ".."),
 * writes them atomically with their recorded modes, then the record, and
 * loads them into charon over VICI (starting it if it does not run).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enable/conf.h"
#include "enable/ipsec.h"
#include "enable/status.h"
#include "enable/vici.h"
#include "lib/json.h"
#include "lib/util.h"

static void wipe_free(char *s, size_t len)
{
	if (s)
		tsn_memzero(s, len);
	free(s);
}

/* One file into the reply; -EILSEQ for content a JSON string cannot
 * carry (NUL), -EIO when it no longer matches the record. */
static int export_file(struct tsn_json *j, const struct tsn_jv *f)
{
	const char *path = tsn_jv_getstr(f, "path");
	const char *sha = tsn_jv_getstr(f, "sha256");
	const char *mode = tsn_jv_getstr(f, "mode");
	char *text = NULL, have[65];
	size_t len = 0;
	int ret;

	if (!path || !sha || !mode || !tsn_state_path_ok(path))
		return -EINVAL;
	ret = tsn_read_file(path, TSN_STATE_FILE_MAX, &text, &len);
	if (ret < 0)
		return ret;
	tsn_sha256_hex(text, len, have);
	if (strlen(text) != len)
		ret = -EILSEQ;
	else if (strcmp(have, sha))
		ret = -EIO;
	if (ret == 0) {
		tsn_json_obj_begin(j);
		tsn_json_kstr(j, "path", path);
		tsn_json_kstr(j, "mode", mode);
		tsn_json_kstr(j, "content", text);
		tsn_json_obj_end(j);
	}
	wipe_free(text, len);
	return ret;
}

static int export_files(struct tsn_json *j, const struct tsn_jv *rec,
			char *err, size_t errlen)
{
	const struct tsn_jv *files = tsn_jv_get(rec, "files");
	int ret = 0;

	tsn_json_key(j, "files");
	tsn_json_arr_begin(j);
	for (size_t i = 0; files && files->type == TSN_JARR &&
			   i < files->n && ret == 0; i++) {
		const char *path = tsn_jv_getstr(&files->items[i], "path");

		ret = export_file(j, &files->items[i]);
		if (ret == -EIO)
			snprintf(err, errlen, "%s changed since tsnet wrote it "
				 "(repair with tsnet enable-ipsec --node)",
				 path);
		else if (ret < 0)
			snprintf(err, errlen, "%s: %s", path ? path :
				 "a record entry without a valid path",
				 ret == -EILSEQ ? "holds a NUL byte" :
				 strerror(-ret));
	}
	tsn_json_arr_end(j);
	return ret;
}

int tsn_ipsec_export_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const char cmd[] = "agent ipsec-export";
	struct tsn_buf b = { 0 };
	struct tsn_jv rec = { 0 };
	struct tsn_json j;
	char err[512] = "";
	int ret, have;

	(void)ctx;
	if (argc > 1) {
		tsn_err(cmd, "unexpected argument '%s'", argv[1]);
		return TSN_EXIT_USAGE;
	}
	have = tsn_state_load(TSN_IPSEC_STATE, &rec, err, sizeof(err));
	if (have < 0 && have != -ENOENT) {
		tsn_err(cmd, "%s", err);
		return TSN_EXIT_RUNTIME;
	}
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_key(&j, "state");
	if (have == 0)
		tsn_json_jv(&j, &rec);
	else
		tsn_json_null(&j);
	ret = export_files(&j, have == 0 ? &rec : NULL, err, sizeof(err));
	tsn_json_obj_end(&j);
	if (ret == 0)
		ret = tsn_json_finish(&j);
	else
		tsn_json_finish(&j);
	if (ret == 0 && (fwrite(b.p, 1, b.len, stdout) != b.len ||
			 putchar('\n') == EOF || fflush(stdout) == EOF))
		ret = -EIO;
	tsn_buf_wipe(&b);
	tsn_jv_free(&rec);
	if (ret < 0) {
		tsn_err(cmd, "%s", err[0] ? err : strerror(-ret));
		return ret == -EIO && err[0] ? TSN_EXIT_PROBLEM :
		       TSN_EXIT_RUNTIME;
	}
	return TSN_EXIT_OK;
}

/* The recorded entry for path, or NULL. */
static const struct tsn_jv *record_file(const struct tsn_jv *rec,
					const char *path)
{
	const struct tsn_jv *files = tsn_jv_get(rec, "files");

	for (size_t i = 0; files && files->type == TSN_JARR &&
			   i < files->n; i++)
		if (tsn_streq(tsn_jv_getstr(&files->items[i], "path"), path))
			return &files->items[i];
	return NULL;
}

/* Everything is checked before anything is written: a bad backup leaves
 * the node as it was. */
static int import_check(const struct tsn_jv *req, char *err, size_t errlen)
{
	const struct tsn_jv *rec = tsn_jv_get(req, "state");
	const struct tsn_jv *files = tsn_jv_get(req, "files");
	const struct tsn_jv *recorded = tsn_jv_get(rec, "files");
	mode_t mode;
	char have[65];

	if (!rec || rec->type != TSN_JOBJ || !tsn_jv_getstr(rec, "plan_hash") ||
	    !files || files->type != TSN_JARR || !recorded ||
	    recorded->type != TSN_JARR || recorded->n != files->n) {
		snprintf(err, errlen, "the request needs a record with "
			 "plan_hash and files, and one file per entry");
		return -EINVAL;
	}
	for (size_t i = 0; i < files->n; i++) {
		const struct tsn_jv *f = &files->items[i], *r;
		const char *path = tsn_jv_getstr(f, "path");
		const char *content = tsn_jv_getstr(f, "content");

		r = record_file(rec, path);
		if (!path || !content || !tsn_state_path_ok(path) || !r) {
			snprintf(err, errlen, "file %zu: no path under /etc "
				 "that the record names, or no content", i);
			return -EINVAL;
		}
		if (tsn_state_mode_parse(tsn_jv_getstr(r, "mode"), &mode) < 0 ||
		    (mode & 0133)) {
			snprintf(err, errlen, "%s: mode must be 0600 or 0644",
				 path);
			return -EINVAL;
		}
		tsn_sha256_hex(content, strlen(content), have);
		if (!tsn_streq(have, tsn_jv_getstr(r, "sha256"))) {
			snprintf(err, errlen, "%s: content does not match the "
				 "record's sha256", path);
			return -EINVAL;
		}
	}
	return 0;
}

static int write_one(const char *path, const char *content, mode_t mode)
{
	char dir[4096];
	char *slash;
	int ret;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if ((ret = tsn_mkdir_p(dir, 0755)) < 0)
			return ret;
	}
	return tsn_write_file_atomic(path, content, strlen(content), mode);
}

static int import_write(const struct tsn_jv *req, struct tsn_json *j,
			char *err, size_t errlen)
{
	const struct tsn_jv *rec = tsn_jv_get(req, "state");
	const struct tsn_jv *files = tsn_jv_get(req, "files");
	mode_t mode;
	int ret = 0;

	tsn_json_key(j, "files");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < files->n && ret == 0; i++) {
		const char *path = tsn_jv_getstr(&files->items[i], "path");

		tsn_state_mode_parse(tsn_jv_getstr(record_file(rec, path),
						   "mode"), &mode);
		ret = write_one(path, tsn_jv_getstr(&files->items[i],
						    "content"), mode);
		if (ret < 0)
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		else
			tsn_json_str(j, path);
	}
	tsn_json_arr_end(j);
	return ret;
}

/* The record names the key id charon answered now (what disable-ipsec
 * unloads), not one an exported record carried: a record older than
 * key_id has none, and nothing loaded means no id.  */
static int set_key_id(struct tsn_jv *rec, const char *id)
{
	struct tsn_jv *items;
	char **keys;
	size_t i;

	for (i = 0; i < rec->n && strcmp(rec->keys[i], "key_id"); i++)
		;
	if (i == rec->n && !id[0])
		return 0;
	if (i == rec->n) {
		if (!(items = realloc(rec->items, (i + 1) * sizeof(*items))))
			return -ENOMEM;
		rec->items = items;
		if (!(keys = realloc(rec->keys, (i + 1) * sizeof(*keys))))
			return -ENOMEM;
		rec->keys = keys;
		if (!(keys[i] = tsn_strdup("key_id")))
			return -ENOMEM;
		memset(&items[i], 0, sizeof(items[i]));
		rec->n++;
	}
	tsn_jv_free(&rec->items[i]);
	rec->items[i].type = TSN_JNULL;
	if (id[0] && !(rec->items[i].str = tsn_strdup(id)))
		return -ENOMEM;
	if (id[0])
		rec->items[i].type = TSN_JSTR;
	return 0;
}

/* The record goes last, naming how charon runs now: when the import
 * had to start it, disable-ipsec must know that tsnet did. */
static int write_record(struct tsn_jv *rec, enum tsn_svc how, char *err,
			size_t errlen)
{
	struct tsn_buf b = { 0 };
	struct tsn_json rj;
	int ret;

	for (size_t i = 0; how != TSN_SVC_NONE && i < rec->n; i++) {
		if (strcmp(rec->keys[i], "service") ||
		    rec->items[i].type != TSN_JSTR)
			continue;
		free(rec->items[i].str);
		rec->items[i].str = tsn_strdup(tsn_svc_name(how));
		if (!rec->items[i].str) {
			rec->items[i].type = TSN_JNULL;
			return -ENOMEM;
		}
	}
	tsn_json_init(&rj, &b, false);
	tsn_json_jv(&rj, rec);
	ret = tsn_json_finish(&rj);
	if (ret == 0)
		ret = tsn_mkdir_p(TSN_STATE_DIR, 0700);
	if (ret == 0)
		ret = tsn_write_file_atomic(TSN_IPSEC_STATE, b.p, b.len, 0600);
	if (ret < 0)
		snprintf(err, errlen, "%s: %s", TSN_IPSEC_STATE,
			 strerror(-ret));
	tsn_buf_free(&b);
	return ret;
}

/* The content of the request's file whose path holds part, or NULL. */
static const char *file_text(const struct tsn_jv *files, const char *part)
{
	for (size_t i = 0; i < files->n; i++) {
		const char *p = tsn_jv_getstr(&files->items[i], "path");

		if (p && strstr(p, part))
			return tsn_jv_getstr(&files->items[i], "content");
	}
	return NULL;
}

/* Load what was written into charon over VICI with ipsec-apply's own
 * loaders (only tsnet's connections, keys and certificates, never the
 * host's other configuration), starting charon the way ipsec-apply
 * would when it does not run.  --legacy's files are loaded the way
 * ipsec-apply loads them too: read back into the swanctl form, through
 * VICI (the starter reads them only when it starts; `ipsec reload`
 * fails where charon runs without it). */
static int reload(const struct tsn_jv *req, bool legacy, enum tsn_svc *how,
		  char *key_id, size_t idlen, char *err, size_t errlen)
{
	const struct tsn_jv *files = tsn_jv_get(req, "files");
	const char *conf = file_text(files, "/" TSN_CONF_FILE);
	const char *secrets = file_text(files, legacy ? "/tsnet.secrets" :
					"/" TSN_SECRETS_FILE);
	const char *key = file_text(files, "/private/" TSN_CONN_PREFIX);
	const char *cert = file_text(files, "/x509/" TSN_CONN_PREFIX);
	const char *ca = file_text(files, "/x509ca/" TSN_CA_CERT);
	struct tsn_buf names = { 0 }, lc = { 0 }, ls = { 0 };
	struct tsn_vici v = { .fd = -1 };
	int ret;

	if (legacy && conf && secrets &&
	    (ret = tsn_legacy_to_swanctl(conf, secrets, &lc, &ls, err,
					 errlen)) < 0)
		return ret;
	if (legacy) {
		conf = lc.p;
		secrets = ls.p;
	}
	if ((ret = tsn_svc_start(legacy, how, err, errlen)) < 0)
		goto out;
	if ((ret = tsn_vici_connect(&v, NULL)) < 0) {
		snprintf(err, errlen, "%s: %s", TSN_VICI_SOCKET,
			 strerror(-ret));
		goto out;
	}
	/* The node's key and certificates first, then the keys: a
	 * connection loaded before its credentials cannot start. */
	if (key && cert && ca)
		ret = tsn_load_x509_id(&v, key, cert, ca, key_id, idlen, err,
				       errlen);
	if (ret == 0 && secrets)
		ret = tsn_load_secrets(&v, secrets, err, errlen);
	if (ret == 0 && conf)
		ret = tsn_load_conns(&v, conf, &names, err, errlen);
out:
	if (v.fd >= 0)
		tsn_vici_close(&v);
	tsn_buf_free(&names);
	tsn_buf_free(&lc);
	tsn_buf_wipe(&ls);
	return ret;
}

int tsn_ipsec_import_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const char cmd[] = "agent ipsec-import";
	struct tsn_buf b = { 0 };
	struct tsn_jv req = { 0 };
	struct tsn_json j;
	char err[512] = "", rerr[512] = "", *text = NULL;
	char key_id[TSN_KEY_ID_MAX] = "";
	enum tsn_svc how = TSN_SVC_NONE;
	bool legacy = false, written;
	int r;
	size_t len = 0;
	int ret;

	(void)ctx;
	if (argc > 1) {
		tsn_err(cmd, "unexpected argument '%s'", argv[1]);
		return TSN_EXIT_USAGE;
	}
	ret = tsn_read_fd(STDIN_FILENO, TSN_STATE_FILE_MAX * 4, &text, &len);
	if (ret < 0) {
		tsn_err(cmd, "stdin: %s", strerror(-ret));
		return TSN_EXIT_RUNTIME;
	}
	ret = tsn_json_parse(text, len, &req, err, sizeof(err));
	wipe_free(text, len);
	if (ret == 0)
		ret = import_check(&req, err, sizeof(err));
	if (ret < 0) {
		tsn_err(cmd, "bad request: %s", err);
		tsn_jv_wipe_free(&req);
		return TSN_EXIT_USAGE;
	}
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	ret = import_write(&req, &j, err, sizeof(err));
	tsn_jv_getbool(tsn_jv_get(&req, "state"), "legacy", &legacy);
	written = ret == 0;
	if (ret == 0)
		ret = reload(&req, legacy, &how, key_id, sizeof(key_id), err,
			     sizeof(err));
	/* Written even when loading failed: the files are tsnet's. */
	if (written && (r = set_key_id((struct tsn_jv *)tsn_jv_get(&req,
				       "state"), key_id)) < 0 && ret == 0) {
		ret = r;
		snprintf(err, sizeof(err), "%s", strerror(-r));
	}
	if (written && (r = write_record((struct tsn_jv *)tsn_jv_get(&req,
					 "state"), how, rerr,
					 sizeof(rerr))) < 0 && ret == 0) {
		ret = r;
		snprintf(err, sizeof(err), "%s", rerr);
	}
	tsn_json_kbool(&j, "loaded", ret == 0);
	tsn_json_kbool(&j, "ok", ret == 0);
	tsn_json_kstr(&j, "error", ret < 0 ? err : NULL);
	tsn_json_obj_end(&j);
	if (tsn_json_finish(&j) == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	tsn_jv_wipe_free(&req);
	if (ret < 0) {
		tsn_err(cmd, "%s", err);
		return TSN_EXIT_RUNTIME;
	}
	return TSN_EXIT_OK;
}
