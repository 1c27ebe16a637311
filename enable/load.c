/* load.c - tsnet's configuration into charon through VICI.
 *
 * The text conf.c writes to conf.d is also what we load, translated to
 * VICI messages the way swanctl does it (comma-separated values of list
 * keys become lists, a 0x secret becomes raw bytes), so the files on
 * disk and what charon holds cannot differ.  The reader only needs to
 * understand what conf.c renders: "name {", "}", "key = value".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/ipsec.h"
#include "enable/conf.h"
#include "enable/plan.h"

static const char *const list_keys[] = {
	"local_addrs", "remote_addrs", "proposals", "esp_proposals",
	"ah_proposals", "local_ts", "remote_ts", "vips", "pools",
};

bool tsn_names_has(const struct tsn_buf *names, const char *s)
{
	for (size_t off = 0; names->p && off < names->len;
	     off += strlen(names->p + off) + 1)
		if (!strcmp(names->p + off, s))
			return true;
	return false;
}

static bool is_list_key(const char *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(list_keys); i++)
		if (!strcmp(k, list_keys[i]))
			return true;
	return false;
}

const char *tsn_next_line(const char **pos, char *buf, size_t len)
{
	const char *p = *pos, *e;
	size_t n;

	if (!*p)
		return NULL;
	e = strchr(p, '\n');
	n = e ? (size_t)(e - p) : strlen(p);
	*pos = e ? e + 1 : p + n;
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

/* certs = F and cacerts = F name files under swanctl's x509/ and
 * x509ca/; like swanctl, send the certificate itself (PEM). */
static void add_cert(struct tsn_vici_req *r, const char *key,
		     const char *file)
{
	char dir[200], path[300], *slash, *txt = NULL;
	size_t len;

	tsn_conf_swanctl_dir("", dir, sizeof(dir));
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/%s/%s", dir,
		 strcmp(key, "certs") ? "x509ca" : "x509", file);
	if (strchr(file, '/') || tsn_read_file(path, 1 << 16, &txt, &len) < 0) {
		r->error = -ENOENT;
		return;
	}
	tsn_vici_list(r, key);
	tsn_vici_item(r, txt);
	tsn_vici_list_end(r);
	free(txt);
}

static void add_kv(struct tsn_vici_req *r, char *line)
{
	char *eq = strstr(line, " = ");
	const char *key = line, *val;

	if (!eq) {
		r->error = -EINVAL;
		return;
	}
	*eq = '\0';
	val = eq + 3;
	if (!strcmp(key, "certs") || !strcmp(key, "cacerts")) {
		add_cert(r, key, val);
		return;
	}
	if (!is_list_key(key)) {
		tsn_vici_kvs(r, key, val);
		return;
	}
	tsn_vici_list(r, key);
	for (char *s = (char *)val, *save, *t; (t = strtok_r(s, ",", &save));
	     s = NULL)
		tsn_vici_item(r, t);
	tsn_vici_list_end(r);
}

static int call_ok(struct tsn_vici *v, const char *cmd,
		   const struct tsn_vici_req *r, const char *what, char *err,
		   size_t errlen)
{
	struct tsn_vici_el resp;
	const char *msg;
	int ret;

	if ((ret = tsn_vici_req_error(r)) < 0 ||
	    (ret = tsn_vici_call(v, cmd, r, NULL, NULL, NULL, &resp)) < 0) {
		snprintf(err, errlen, "%s %s: %s", cmd, what, strerror(-ret));
		return ret;
	}
	if (!tsn_vici_success(&resp, &msg)) {
		snprintf(err, errlen, "%s %s: %s", cmd, what, msg);
		ret = -EINVAL;
	}
	tsn_vici_el_free(&resp);
	return ret;
}

int tsn_load_conns(struct tsn_vici *v, const char *text, struct tsn_buf *names,
		   char *err, size_t errlen)
{
	struct tsn_vici_req r;
	char line[TSN_CONF_LINE_MAX], conn[128] = "";
	const char *pos = text;
	int depth = 0, ret = 0;

	tsn_vici_req_init(&r);
	while (ret == 0 && tsn_next_line(&pos, line, sizeof(line))) {
		size_t n = strlen(line);

		if (!n || line[0] == '#')
			continue;
		if (n > 2 && !strcmp(line + n - 2, " {")) {
			line[n - 2] = '\0';
			if (depth == 1 && strlen(line) >= sizeof(conn)) {
				snprintf(err, errlen, "connection name too long");
				ret = -ENAMETOOLONG;
			} else if (depth == 1) {
				memcpy(conn, line, strlen(line) + 1);
				tsn_vici_req_free(&r);
				tsn_vici_req_init(&r);
			}
			if (depth++ >= 1)
				tsn_vici_section(&r, line);
		} else if (!strcmp(line, "}")) {
			if (--depth >= 1)
				tsn_vici_end(&r);
			if (depth == 1) {
				ret = call_ok(v, "load-conn", &r, conn, err,
					      errlen);
				if (!ret && names)
					ret = tsn_buf_add(names, conn,
							  strlen(conn) + 1);
			}
		} else if (depth >= 2) {
			add_kv(&r, line);
		}
	}
	tsn_vici_req_free(&r);
	return ret;
}

static int unhex_bytes(const char *s, uint8_t *out, size_t max, size_t *n)
{
	ssize_t len;

	if (strncmp(s, "0x", 2))
		return -EINVAL;
	len = tsn_hex_decode(s + 2, out, max);
	if (len < 0)
		return -EINVAL;
	*n = (size_t)len;
	return 0;
}

struct secret {
	char id[128];
	char local[64], remote[64];
	uint8_t data[256];
	size_t len;
};

static int load_one_secret(struct tsn_vici *v, const struct secret *s,
			   char *err, size_t errlen)
{
	struct tsn_vici_req r;
	int ret;

	tsn_vici_req_init(&r);
	tsn_vici_kvs(&r, "id", s->id);
	tsn_vici_kvs(&r, "type", "IKE");
	tsn_vici_kv(&r, "data", s->data, s->len);
	tsn_vici_list(&r, "owners");
	tsn_vici_item(&r, s->local);
	tsn_vici_item(&r, s->remote);
	tsn_vici_list_end(&r);
	ret = call_ok(v, "load-shared", &r, s->id, err, errlen);
	tsn_vici_req_free(&r);
	return ret;
}

int tsn_load_secrets(struct tsn_vici *v, const char *text, char *err,
		     size_t errlen)
{
	struct secret s = { 0 };
	char line[TSN_CONF_LINE_MAX];
	const char *pos = text;
	int depth = 0, ret = 0;

	while (ret == 0 && tsn_next_line(&pos, line, sizeof(line))) {
		size_t n = strlen(line);
		char *eq;

		if (!n || line[0] == '#')
			continue;
		if (n > 2 && !strcmp(line + n - 2, " {")) {
			line[n - 2] = '\0';
			if (depth++ == 1) {
				memset(&s, 0, sizeof(s));
				snprintf(s.id, sizeof(s.id), "%.*s",
					 (int)sizeof(s.id) - 1, line);
			}
		} else if (!strcmp(line, "}")) {
			if (--depth == 1)
				ret = load_one_secret(v, &s, err, errlen);
		} else if (depth == 2 && (eq = strstr(line, " = "))) {
			*eq = '\0';
			if (!strcmp(line, "id-local"))
				snprintf(s.local, sizeof(s.local), "%s", eq + 3);
			else if (!strcmp(line, "id-remote"))
				snprintf(s.remote, sizeof(s.remote), "%s",
					 eq + 3);
			else if (!strcmp(line, "secret") &&
				 unhex_bytes(eq + 3, s.data, sizeof(s.data),
					     &s.len) < 0) {
				snprintf(err, errlen, "secret %s: not 0x hex",
					 s.id);
				ret = -EINVAL;
			}
		}
		tsn_memzero(line, sizeof(line));
	}
	tsn_memzero(&s, sizeof(s));
	return ret;
}

static int conn_event(void *arg, const char *event,
		      const struct tsn_vici_el *msg)
{
	struct tsn_buf *names = arg;

	(void)event;
	for (size_t i = 0; i < msg->n_children; i++) {
		const char *n = msg->children[i].name;

		if (msg->children[i].kind == TSN_VICI_SECTION && n &&
		    !strncmp(n, TSN_CONN_PREFIX, strlen(TSN_CONN_PREFIX)) &&
		    tsn_buf_add(names, n, strlen(n) + 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

int tsn_list_tsnet_conns(struct tsn_vici *v, struct tsn_buf *names)
{
	struct tsn_vici_el resp;
	int ret;

	ret = tsn_vici_call(v, "list-conns", NULL, "list-conn", conn_event,
			    names, &resp);
	if (ret == 0)
		tsn_vici_el_free(&resp);
	return ret;
}

static int simple(struct tsn_vici *v, const char *cmd, const char *k1,
		  const char *v1, const char *k2, const char *v2)
{
	struct tsn_vici_req r;
	struct tsn_vici_el resp;
	int ret;

	tsn_vici_req_init(&r);
	tsn_vici_kvs(&r, k1, v1);
	if (k2)
		tsn_vici_kvs(&r, k2, v2);
	ret = tsn_vici_req_error(&r);
	if (ret == 0)
		ret = tsn_vici_call(v, cmd, &r, NULL, NULL, NULL, &resp);
	if (ret == 0) {
		if (!tsn_vici_success(&resp, NULL))
			ret = -ENOENT;
		tsn_vici_el_free(&resp);
	}
	tsn_vici_req_free(&r);
	return ret;
}

int tsn_flush_certs(struct tsn_vici *v)
{
	struct tsn_vici_el resp;
	int ret;

	/* no argument: every type; only the cache, never loaded creds */
	ret = tsn_vici_call(v, "flush-certs", NULL, NULL, NULL, NULL, &resp);
	if (ret == 0) {
		if (!tsn_vici_success(&resp, NULL))
			ret = -EIO;
		tsn_vici_el_free(&resp);
	}
	return ret;
}

int tsn_terminate(struct tsn_vici *v, const char *name)
{
	int ret = simple(v, "terminate", "ike", name, "force", "yes");

	return ret == -ENOENT ? 0 : ret;
}

int tsn_unload_conn(struct tsn_vici *v, const char *name)
{
	char id[160];
	int ret;

	/* Errors that mean "nothing of that name" are what we want. */
	simple(v, "terminate", "ike", name, "force", "yes");
	ret = simple(v, "unload-conn", "name", name, NULL, NULL);
	snprintf(id, sizeof(id), "ike-%s", name);
	simple(v, "unload-shared", "id", id, NULL, NULL);
	return ret == -ENOENT ? 0 : ret;
}

struct init_log {
	char last[256];
};

static int log_event(void *arg, const char *event,
		     const struct tsn_vici_el *msg)
{
	struct init_log *l = arg;
	const char *m = tsn_vici_str(msg, "msg");
	const char *lvl = tsn_vici_str(msg, "level");

	(void)event;
	/* level 0/1 lines are the ones that say what went wrong */
	if (m && lvl && (lvl[0] == '0' || lvl[0] == '1' || lvl[0] == '-'))
		snprintf(l->last, sizeof(l->last), "%s", m);
	return 0;
}

int tsn_initiate(struct tsn_vici *v, const char *name, unsigned timeout_ms,
		 char *err, size_t errlen)
{
	struct tsn_vici_req r;
	struct tsn_vici_el resp;
	struct init_log l = { "" };
	char t[16];
	const char *msg;
	unsigned saved = v->timeout_ms;
	int ret;

	snprintf(t, sizeof(t), "%u", timeout_ms);
	tsn_vici_req_init(&r);
	tsn_vici_kvs(&r, "child", name);
	tsn_vici_kvs(&r, "ike", name);
	tsn_vici_kvs(&r, "timeout", t);
	tsn_vici_kvs(&r, "loglevel", "1");
	v->timeout_ms = timeout_ms + 5000;
	ret = tsn_vici_call(v, "initiate", &r, "control-log", log_event, &l,
			    &resp);
	v->timeout_ms = saved;
	tsn_vici_req_free(&r);
	if (ret < 0) {
		snprintf(err, errlen, "initiate: %s", strerror(-ret));
		return ret;
	}
	if (!tsn_vici_success(&resp, &msg)) {
		snprintf(err, errlen, "%s%s%s", msg, l.last[0] ? ": " : "",
			 l.last);
		ret = -EIO;
	}
	tsn_vici_el_free(&resp);
	return ret;
}

/* load-cert / load-key of one PEM text. */
static int load_pem(struct tsn_vici *v, const char *cmd, const char *type,
		    const char *flag, const char *pem, char *err,
		    size_t errlen)
{
	struct tsn_vici_req r;
	int ret;

	tsn_vici_req_init(&r);
	tsn_vici_kvs(&r, "type", type);
	if (flag)
		tsn_vici_kvs(&r, "flag", flag);
	tsn_vici_kv(&r, "data", pem, strlen(pem));
	ret = call_ok(v, cmd, &r, type, err, errlen);
	tsn_vici_req_free(&r);	/* wipes: the key's PEM */
	return ret;
}

/* load-key answers the key's id (hex SHA-1 of its public key): kept so
 * that exactly this key can be unloaded later. */
static int load_key(struct tsn_vici *v, const char *pem, char *id,
		    size_t idlen, char *err, size_t errlen)
{
	struct tsn_vici_req r;
	struct tsn_vici_el resp;
	const char *msg, *kid;
	int ret;

	tsn_vici_req_init(&r);
	tsn_vici_kvs(&r, "type", "ecdsa");
	tsn_vici_kv(&r, "data", pem, strlen(pem));
	if ((ret = tsn_vici_req_error(&r)) < 0 ||
	    (ret = tsn_vici_call(v, "load-key", &r, NULL, NULL, NULL,
				 &resp)) < 0) {
		tsn_vici_req_free(&r);	/* wipes: the key's PEM */
		snprintf(err, errlen, "load-key ecdsa: %s", strerror(-ret));
		return ret;
	}
	tsn_vici_req_free(&r);
	if (!tsn_vici_success(&resp, &msg)) {
		snprintf(err, errlen, "load-key ecdsa: %s", msg);
		ret = -EINVAL;
	} else if (id && idlen) {
		kid = tsn_vici_str(&resp, "id");
		snprintf(id, idlen, "%s", kid && tsn_key_id_ok(kid) ? kid : "");
	}
	tsn_vici_el_free(&resp);
	return ret;
}

int tsn_load_x509_id(struct tsn_vici *v, const char *key, const char *cert,
		     const char *ca, char *id, size_t idlen, char *err,
		     size_t errlen)
{
	int ret;

	if (id && idlen)
		id[0] = '\0';
	if ((ret = load_pem(v, "load-cert", "X509", "CA", ca, err,
			    errlen)) < 0 ||
	    (ret = load_pem(v, "load-cert", "X509", "NONE", cert, err,
			    errlen)) < 0)
		return ret;
	return load_key(v, key, id, idlen, err, errlen);
}

int tsn_load_x509(struct tsn_vici *v, const char *key, const char *cert,
		  const char *ca, char *err, size_t errlen)
{
	return tsn_load_x509_id(v, key, cert, ca, NULL, 0, err, errlen);
}

bool tsn_key_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > TSN_KEY_ID_MAX - 1 || n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", id[i]))
			return false;
	return true;
}

/* unload-key until charon has no copy left (loading the same key twice
 * keeps two); "not found" on the first try means charon restarted since
 * or someone unloaded it: nothing to do.  At most a few rounds. */
int tsn_unload_key(struct tsn_vici *v, const char *id)
{
	struct tsn_vici_req r;
	struct tsn_vici_el resp;
	int ret = 0;

	if (!id || !tsn_key_id_ok(id))
		return -EINVAL;
	for (int i = 0; i < 8 && ret == 0; i++) {
		bool ok;

		tsn_vici_req_init(&r);
		tsn_vici_kvs(&r, "id", id);
		if ((ret = tsn_vici_req_error(&r)) == 0)
			ret = tsn_vici_call(v, "unload-key", &r, NULL, NULL,
					    NULL, &resp);
		tsn_vici_req_free(&r);
		if (ret < 0)
			break;
		ok = tsn_vici_success(&resp, NULL);
		tsn_vici_el_free(&resp);
		if (!ok)
			break;	/* no (more) copy of it */
	}
	/* a charon older than unload-key (5.5.2) cannot do it */
	return ret == -ENOENT ? 0 : ret;
}
