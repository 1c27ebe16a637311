/* agent_state.c - `tsnet agent ipsec-state`: what tsnet left on this node.
 *
 * Reads the record ipsec-apply wrote (/var/lib/tsnet/ipsec.json),
 * recomputes every recorded file's SHA-256 and mode, and asks charon over
 * VICI which connections it holds and which version it is.  The
 * coordinator (`tsnet status`) compares these across nodes; nothing here
 * judges, so one node's answer is the same whoever asks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "enable/status.h"
#include "enable/vici.h"
#include "lib/json.h"
#include "lib/util.h"
#include "probe/sha.h"

void tsn_sha256_hex(const void *data, size_t len, char out[65])
{
	uint8_t h[TSN_SHA256_LEN];

	tsn_sha256(data, len, h);
	for (size_t i = 0; i < sizeof(h); i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void jv_wipe(struct tsn_jv *v)
{
	if (v->str)
		tsn_memzero(v->str, strlen(v->str));
	for (size_t i = 0; v->items && i < v->n; i++)
		jv_wipe(&v->items[i]);
}

void tsn_jv_wipe_free(struct tsn_jv *v)
{
	jv_wipe(v);
	tsn_jv_free(v);
}

int tsn_state_mode_parse(const char *s, mode_t *mode)
{
	unsigned v = 0;
	size_t n = s ? strlen(s) : 0;

	if (n < 3 || n > 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7')
			return -EINVAL;
		v = v * 8 + (unsigned)(s[i] - '0');
	}
	if (v > 0777)
		return -EINVAL;
	*mode = v;
	return 0;
}

bool tsn_state_path_ok(const char *path)
{
	const char *p;

	if (!path || strncmp(path, "/etc/", 5) || strlen(path) > 4095)
		return false;
	/* Every component: not empty, not "." or "..", so a record (or a
	 * backup file) can never name a path outside /etc. */
	for (p = path + 1; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/' && !*++p)
			return false;	/* a trailing slash names no file */
	}
	return true;
}

int tsn_state_load(const char *path, struct tsn_jv *rec, char *err,
		   size_t errlen)
{
	char *text = NULL;
	size_t len;
	int ret;

	memset(rec, 0, sizeof(*rec));
	ret = tsn_read_file(path, TSN_STATE_FILE_MAX, &text, &len);
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = tsn_json_parse(text, len, rec, err, errlen);
	if (ret == 0 && rec->type != TSN_JOBJ) {
		snprintf(err, errlen, "%s: not a JSON object", path);
		ret = -EINVAL;
	}
	if (ret == 0 && !tsn_jv_getstr(rec, "plan_hash")) {
		snprintf(err, errlen, "%s: no plan_hash", path);
		ret = -EINVAL;
	}
	if (ret < 0)
		tsn_jv_free(rec);
	free(text);
	return ret;
}

/* One recorded file against the disk: NULL when it matches, else the
 * contract's reason word. */
static const char *file_drift(const struct tsn_jv *f)
{
	const char *path = tsn_jv_getstr(f, "path");
	const char *want = tsn_jv_getstr(f, "sha256");
	const char *mode_s = tsn_jv_getstr(f, "mode");
	char have[65], *text = NULL;
	struct stat st;
	mode_t mode;
	size_t len;
	const char *why = NULL;

	if (!path || !want)
		return "unrecorded";
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return "missing";
	if (tsn_read_file(path, TSN_STATE_FILE_MAX, &text, &len) < 0)
		return "unreadable";
	tsn_sha256_hex(text, len, have);
	if (strcmp(have, want))
		why = "modified";
	else if (mode_s && (tsn_state_mode_parse(mode_s, &mode) < 0 ||
			    (st.st_mode & 07777) != mode))
		why = "mode";
	tsn_memzero(text, len);	/* the secrets file passes here */
	free(text);
	return why;
}

static void write_drift(struct tsn_json *j, const struct tsn_jv *rec)
{
	const struct tsn_jv *files = tsn_jv_get(rec, "files");

	tsn_json_key(j, "drift");
	tsn_json_arr_begin(j);
	for (size_t i = 0; files && files->type == TSN_JARR &&
			   i < files->n; i++) {
		const char *why = file_drift(&files->items[i]);

		if (!why)
			continue;
		tsn_json_obj_begin(j);
		tsn_json_kstr(j, "path", tsn_jv_getstr(&files->items[i],
						       "path"));
		tsn_json_kstr(j, "reason", why);
		tsn_json_obj_end(j);
	}
	tsn_json_arr_end(j);
}

struct conn_list {
	struct tsn_json *j;
};

/* A list-conn event holds one section per connection, named after it. */
static int on_conn(void *arg, const char *event, const struct tsn_vici_el *msg)
{
	struct conn_list *cl = arg;

	(void)event;
	for (size_t i = 0; i < msg->n_children; i++)
		if (msg->children[i].kind == TSN_VICI_SECTION)
			tsn_json_str(cl->j, msg->children[i].name);
	return 0;
}

/* "loaded", "version" and "running" from charon; a charon that is not
 * there is an answer (running false), not an error. */
static void write_charon(struct tsn_json *j)
{
	struct tsn_vici v = { .timeout_ms = 10000 };
	struct tsn_vici_el resp = { 0 };
	struct conn_list cl = { .j = j };
	bool running = tsn_vici_connect(&v, NULL) == 0;

	tsn_json_key(j, "loaded");
	tsn_json_arr_begin(j);
	if (running && tsn_vici_call(&v, "list-conns", NULL, "list-conn",
				     on_conn, &cl, &resp) < 0)
		running = false;
	tsn_vici_el_free(&resp);
	memset(&resp, 0, sizeof(resp));
	tsn_json_arr_end(j);
	if (running && tsn_vici_call(&v, "version", NULL, NULL, NULL, NULL,
				     &resp) == 0)
		tsn_json_kstr(j, "version", tsn_vici_str(&resp, "version"));
	else
		tsn_json_kstr(j, "version", NULL);
	tsn_vici_el_free(&resp);
	tsn_json_kbool(j, "running", running);
	tsn_vici_close(&v);
}

int tsn_ipsec_state_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const char cmd[] = "agent ipsec-state";
	struct tsn_buf b = { 0 };
	struct tsn_jv rec = { 0 };
	struct tsn_json j;
	char err[256];
	int ret;

	(void)ctx;
	if (argc > 1) {
		tsn_err(cmd, "unexpected argument '%s'", argv[1]);
		return TSN_EXIT_USAGE;
	}
	ret = tsn_state_load(TSN_IPSEC_STATE, &rec, err, sizeof(err));
	if (ret < 0 && ret != -ENOENT) {
		tsn_err(cmd, "%s", err);
		return TSN_EXIT_RUNTIME;
	}
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_key(&j, "state");
	if (ret == 0)
		tsn_json_jv(&j, &rec);
	else
		tsn_json_null(&j);
	write_drift(&j, ret == 0 ? &rec : NULL);
	write_charon(&j);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (ret == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	tsn_jv_free(&rec);
	if (ret < 0) {
		tsn_err(cmd, "%s", strerror(-ret));
		return TSN_EXIT_RUNTIME;
	}
	return TSN_EXIT_OK;
}
