/* agent_ipsec.c - `tsnet agent ipsec-apply`: a node's own part of
 * enable-ipsec (its initiating is agent_initiate.c).
 *
 * ipsec-apply reads its request (keys included) from stdin, writes the
 * connections (0644) and secrets (0600) atomically, keeps what it
 * replaces under /var/lib/tsnet/rollback/, makes sure charon runs,
 * records /var/lib/tsnet/ipsec.json, loads everything through VICI and
 * initiates the pairs this node opens.  Keys never reach argv, stdout
 * or a log; every buffer that held one is wiped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "enable/conf.h"
#include "enable/ipsec.h"
#include "enable/x509.h"
#include "enable/plan.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "probe/sha.h"

#define REQ_MAX (16u << 20)

struct apply {
	struct tsn_jv req;
	struct tsn_inventory inv;
	bool inv_ok;
	struct tsn_node_conf nc;
	bool legacy, snapshot;
	char conf_path[256], secrets_path[256];
	/* auth x509: private/, x509/, x509ca/ files and their PEM text */
	char key_path[256], cert_path[256], ca_path[256];
	const char *key, *cert, *ca;
	char *kept[3];		/* key, cert, CA kept from this node's disk */
	/* the id charon gave the key loaded now, and the previous apply's
	 * (recorded in ipsec.json: what disable-ipsec unloads) */
	char key_id[TSN_KEY_ID_MAX], old_key_id[TSN_KEY_ID_MAX];
	bool key_changed;
	struct tsn_buf conf, secrets, loaded;
	enum tsn_svc svc;
	bool charon_up;		/* charon answered on VICI */
	char err[512];
};

/* A key kept from this node's current secrets file (--node re-applies
 * one node: its peers keep their other pairs' keys). */
static int kept_key(const char *path, const char *peer, uint8_t *psk)
{
	char *txt = NULL, *p, hex[2 * TSN_PSK_LEN + 1], want[96];
	size_t len;
	int ret;

	if ((ret = tsn_read_file(path, 1 << 20, &txt, &len)) < 0)
		return ret;
	snprintf(want, sizeof(want), "ike-" TSN_CONN_PREFIX "%s {", peer);
	ret = -ENOENT;
	if ((p = strstr(txt, want)) && (p = strstr(p, "secret = 0x")) &&
	    strlen(p + 11) >= 2 * TSN_PSK_LEN) {
		memcpy(hex, p + 11, 2 * TSN_PSK_LEN);
		hex[2 * TSN_PSK_LEN] = '\0';
		ret = tsn_psk_unhex(hex, psk);
		tsn_memzero(hex, sizeof(hex));
	}
	tsn_memzero(txt, len);
	free(txt);
	return ret;
}

static bool in_array(const struct tsn_jv *arr, const char *s)
{
	for (size_t i = 0; arr && arr->type == TSN_JARR && i < arr->n; i++)
		if (arr->items[i].type == TSN_JSTR &&
		    !strcmp(arr->items[i].str, s))
			return true;
	return false;
}

/* This node's record says x509 (a PSK request cannot keep its keys). */
static bool was_x509(void)
{
	struct tsn_jv st = { 0 };
	bool yes = tsn_ipsec_read_state(&st) == 0 && tsn_x509_record(&st);

	tsn_jv_free(&st);
	return yes;
}

/* A request without credentials (node add|remove on an x509 cluster:
 * the coordinator never holds a node's key) keeps the node's own. */
static int keep_creds(struct apply *a)
{
	const char *path[] = { a->key_path, a->cert_path, a->ca_path };
	size_t len;

	for (int i = 0; i < 3; i++)
		if (tsn_read_file(path[i], 1 << 16, &a->kept[i], &len) < 0)
			return -ENOENT;
	a->key = a->kept[0];
	a->cert = a->kept[1];
	a->ca = a->kept[2];
	return 0;
}

/* A kept certificate from an older tsnet names the node's address only:
 * its IPv6 connections' identity (the address6) would match no SAN and
 * IKE fail.  Refuse before anything changes. */
static int kept_names_addr6(struct apply *a, const char *node)
{
	const struct tsn_node *self = tsn_inventory_find(&a->inv, node);
	char six[64];
	bool dual = false;

	for (size_t i = 0; self && i < a->inv.n_nodes; i++)
		dual = dual || (&a->inv.nodes[i] != self &&
				tsn_conf_dual(self, &a->inv.nodes[i]));
	if (!dual || tsn_x509_cert_names(a->cert, &self->addr6))
		return 0;
	snprintf(a->err, sizeof(a->err), "auth x509: %s does not name this "
		 "node's address6 %s, which its IPv6 connections use as their "
		 "identity (a certificate from an older tsnet): re-run tsnet "
		 "enable-ipsec --auth x509 on the coordinator", a->cert_path,
		 tsn_addr_str(&self->addr6, six, sizeof(six)));
	return -EINVAL;
}

static int x509_creds(struct apply *a, const char *node)
{
	a->key = tsn_jv_getstr(&a->req, "key");
	a->cert = tsn_jv_getstr(&a->req, "cert");
	a->ca = tsn_jv_getstr(&a->req, "cacert");
	if (a->legacy || tsn_x509_paths(node, a->key_path, a->cert_path,
					a->ca_path) < 0) {
		snprintf(a->err, sizeof(a->err), "auth x509: %s", a->legacy ?
			 "not with --legacy" : "path too long");
		return -EINVAL;
	}
	if (a->key || a->cert || a->ca) {
		if (a->key && a->cert && a->ca)
			return 0;
		snprintf(a->err, sizeof(a->err), "auth x509: the request "
			 "lacks the key or certificates");
		return -EINVAL;
	}
	if (keep_creds(a) < 0) {
		snprintf(a->err, sizeof(a->err), "auth x509: no key or "
			 "certificate in the request and none in %s (repair: "
			 "tsnet enable-ipsec --auth x509 --node %s on the "
			 "coordinator)", a->key_path, node);
		return -EINVAL;
	}
	return kept_names_addr6(a, node);
}

static int build_conf(struct apply *a)
{
	const struct tsn_jv *keys = tsn_jv_get(&a->req, "keys");
	const struct tsn_jv *encap = tsn_jv_get(&a->req, "encap");
	const char *node = tsn_jv_getstr(&a->req, "node");
	size_t n = 0;

	if (!(a->nc.self = tsn_inventory_find(&a->inv, node ? node : ""))) {
		snprintf(a->err, sizeof(a->err), "node '%s' is not in the "
			 "inventory", node ? node : "");
		return -EINVAL;
	}
	a->nc.inv = &a->inv;
	if ((a->nc.x509 = a->inv.cluster.auth == TSN_AUTH_X509) &&
	    x509_creds(a, node) < 0)
		return -EINVAL;
	a->nc.peers = calloc(a->inv.n_nodes, sizeof(*a->nc.peers));
	if (!a->nc.peers)
		return -ENOMEM;
	for (size_t i = 0; i < a->inv.n_nodes; i++) {
		const struct tsn_node *p = &a->inv.nodes[i];
		struct tsn_peer_conf *pc = &a->nc.peers[n];
		const char *hex = tsn_jv_getstr(keys, p->name);

		if (p == a->nc.self)
			continue;
		pc->peer = p;
		pc->encap = in_array(encap, p->name);
		if (a->nc.x509) {
			n++;
			continue;
		}
		if (hex ? tsn_psk_unhex(hex, pc->psk) < 0 :
		    kept_key(a->secrets_path, p->name, pc->psk) < 0) {
			snprintf(a->err, sizeof(a->err), "no key for the pair "
				 "%s <-> %s%s", a->nc.self->name, p->name,
				 hex ? " (malformed)" : was_x509() ? " (this "
				 "node uses x509 certificates: run enable-ipsec "
				 "with --auth x509)" : " (run enable-ipsec "
				 "for the whole cluster)");
			return -EINVAL;
		}
		n++;
	}
	a->nc.n_peers = n;
	return 0;
}

static int parse_request(struct apply *a)
{
	struct tsn_inv_diag diag = { 0 };
	char *txt = NULL, jerr[128];
	const char *inv;
	size_t len;
	int ret;

	if ((ret = tsn_read_fd(STDIN_FILENO, REQ_MAX, &txt, &len)) < 0) {
		snprintf(a->err, sizeof(a->err), "reading the request: %s",
			 strerror(-ret));
		return ret;
	}
	ret = tsn_json_parse(txt, len, &a->req, jerr, sizeof(jerr));
	tsn_memzero(txt, len);
	free(txt);
	if (ret < 0) {
		snprintf(a->err, sizeof(a->err), "request: %s", jerr);
		return ret;
	}
	if (!(inv = tsn_jv_getstr(&a->req, "inventory"))) {
		snprintf(a->err, sizeof(a->err), "request: no inventory");
		return -EINVAL;
	}
	if ((ret = tsn_inventory_parse("request", inv, strlen(inv), &a->inv,
				       &diag)) < 0) {
		snprintf(a->err, sizeof(a->err), "%s", diag.error);
		return ret;
	}
	a->inv_ok = true;
	tsn_jv_getbool(&a->req, "trap", &a->nc.trap);
	tsn_jv_getbool(&a->req, "legacy", &a->legacy);
	a->snapshot = true;
	tsn_jv_getbool(&a->req, "snapshot", &a->snapshot);
	return 0;
}

static void paths(struct apply *a)
{
	char dir[200];

	if (a->legacy) {
		snprintf(a->conf_path, sizeof(a->conf_path),
			 "/etc/ipsec.d/tsnet.conf");
		snprintf(a->secrets_path, sizeof(a->secrets_path),
			 "/etc/ipsec.d/tsnet.secrets");
	} else {
		tsn_conf_swanctl_dir("", dir, sizeof(dir));
		snprintf(a->conf_path, sizeof(a->conf_path), "%s/"
			 TSN_CONF_FILE, dir);
		snprintf(a->secrets_path, sizeof(a->secrets_path), "%s/"
			 TSN_SECRETS_FILE, dir);
	}
}

static void sha_hex(const char *p, size_t len, char out[65])
{
	uint8_t d[TSN_SHA256_LEN];

	tsn_sha256(p, len, d);
	tsn_psk_hex(d, out);	/* 32 bytes, same shape as a key */
}

static int write_state(struct apply *a, const struct tsn_buf *cf,
		       const struct tsn_buf *sf)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	char h[65], addr[64];
	int ret;

	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kint(&j, "version", 1);
	tsn_json_kstr(&j, "cluster", a->inv.cluster.name);
	tsn_json_kstr(&j, "node", a->nc.self->name);
	tsn_json_kstr(&j, "plan_hash", tsn_jv_getstr(&a->req, "plan_hash"));
	tsn_json_kstr(&j, "service", tsn_svc_name(a->svc));
	/* node add|remove learn the cluster's authentication here */
	tsn_json_kstr(&j, "auth", a->nc.x509 ? "x509" : "psk");
	/* what charon holds: the previous key until the new one loads (a
	 * public-key hash, not the key) */
	if (a->key_id[0] || a->old_key_id[0])
		tsn_json_kstr(&j, "key_id", a->key_id[0] ? a->key_id :
			      a->old_key_id);
	tsn_json_key(&j, "files");
	tsn_json_arr_begin(&j);
	for (int i = 0; i < 2; i++) {
		const struct tsn_buf *f = i ? sf : cf;

		sha_hex(f->p, f->len, h);
		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "path", i ? a->secrets_path : a->conf_path);
		tsn_json_kstr(&j, "sha256", h);
		tsn_json_kstr(&j, "mode", i ? "0600" : "0644");
		tsn_json_obj_end(&j);
	}
	for (int i = 0; a->nc.x509 && i < 3; i++) {
		const char *t = i == 0 ? a->key : i == 1 ? a->cert : a->ca;

		sha_hex(t, strlen(t), h);	/* a hash, not the key */
		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "path", i == 0 ? a->key_path : i == 1 ?
			      a->cert_path : a->ca_path);
		tsn_json_kstr(&j, "sha256", h);
		tsn_json_kstr(&j, "mode", i ? "0644" : "0600");
		tsn_json_obj_end(&j);
	}
	tsn_json_arr_end(&j);
	tsn_json_key(&j, "peers");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < a->nc.n_peers; i++) {
		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "name", a->nc.peers[i].peer->name);
		tsn_json_kstr(&j, "address",
			      tsn_addr_str(&a->nc.peers[i].peer->addr, addr,
					   sizeof(addr)));
		/* a dual-stack pair's second connection (conf.h) */
		if (tsn_conf_dual(a->nc.self, a->nc.peers[i].peer))
			tsn_json_kstr(&j, "address6", tsn_addr_str(
				&a->nc.peers[i].peer->addr6, addr,
				sizeof(addr)));
		tsn_json_kbool(&j, "encap", a->nc.peers[i].encap ||
			       a->inv.cluster.encap == TSN_ENCAP_YES);
		tsn_json_obj_end(&j);
	}
	tsn_json_arr_end(&j);
	tsn_json_kbool(&j, "legacy", a->legacy);
	tsn_json_kbool(&j, "trap", a->nc.trap);
	tsn_json_kint(&j, "time", (long long)time(NULL));
	tsn_json_obj_end(&j);
	if ((ret = tsn_json_finish(&j)) == 0 &&
	    (ret = tsn_mkdir_p(TSN_STATE_DIR, 0700)) == 0)
		ret = tsn_write_file_atomic(TSN_IPSEC_STATE, b.p, b.len, 0600);
	tsn_buf_free(&b);
	return ret;
}

/* The previous state's service: a re-apply must not forget that tsnet
 * started charon, or disable-ipsec would leave it running.  Its key id
 * too: a new key replacing that one unloads it. */
static enum tsn_svc previous_service(char *key_id, size_t len)
{
	struct tsn_jv st = { 0 };
	enum tsn_svc s = TSN_SVC_NONE;
	const char *id;

	key_id[0] = '\0';
	if (tsn_ipsec_read_state(&st) == 0 && st.type == TSN_JOBJ) {
		s = tsn_svc_parse(tsn_jv_getstr(&st, "service"));
		id = tsn_jv_getstr(&st, "key_id");
		if (id && tsn_key_id_ok(id))
			snprintf(key_id, len, "%s", id);
	}
	tsn_jv_free(&st);
	return s;
}

/* The node's key 0600, its certificate and the CA's 0644, each written
 * atomically (a reader never sees half a key). */
static int write_creds(struct apply *a)
{
	const char *path[] = { a->key_path, a->cert_path, a->ca_path };
	const char *text[] = { a->key, a->cert, a->ca };
	int ret = 0;

	for (int i = 0; ret == 0 && i < 3; i++) {
		char *dir = strdup(path[i]);

		if (!dir)
			return -ENOMEM;
		*strrchr(dir, '/') = '\0';
		tsn_mkdir_p(dir, i ? 0755 : 0700);
		free(dir);
		if ((ret = tsn_write_file_atomic(path[i], text[i],
						 strlen(text[i]),
						 i ? 0644 : 0600)) < 0)
			snprintf(a->err, sizeof(a->err), "writing %s: %s",
				 path[i], strerror(-ret));
	}
	return ret;
}

static int write_files(struct apply *a, struct tsn_buf *lc,
		       struct tsn_buf *ls)
{
	const char *paths[] = { a->conf_path, a->secrets_path,
				TSN_IPSEC_STATE, a->key_path, a->cert_path,
				a->ca_path };
	const struct tsn_buf *cf = a->legacy ? lc : &a->conf;
	const struct tsn_buf *sf = a->legacy ? ls : &a->secrets;
	char *dir;
	int ret;

	if ((ret = tsn_conf_swanctl(&a->nc, &a->conf)) < 0 ||
	    (ret = tsn_conf_swanctl_secrets(&a->nc, &a->secrets)) < 0)
		return ret;
	if (a->legacy && (ret = tsn_conf_legacy(&a->nc, lc, ls)) < 0) {
		if (ret == -EAFNOSUPPORT)
			snprintf(a->err, sizeof(a->err), "legacy: a peer and "
				 "this node have address6 (dual-stack): the "
				 "legacy files would leave IPv6 in the clear; "
				 "nothing was written");
		return ret;
	}
	if (a->snapshot && (ret = tsn_ipsec_snapshot(paths, a->nc.x509 ?
						     6 : 3)) < 0) {
		snprintf(a->err, sizeof(a->err), "saving the previous files "
			 "under " TSN_IPSEC_ROLLBACK ": %s", strerror(-ret));
		return ret;
	}
	dir = strdup(a->conf_path);
	if (dir) {
		*strrchr(dir, '/') = '\0';
		tsn_mkdir_p(dir, 0755);
		free(dir);
	}
	if (a->nc.x509 && (ret = write_creds(a)) < 0)
		return ret;
	if ((ret = tsn_write_file_atomic(a->secrets_path, sf->p, sf->len,
					 0600)) < 0 ||
	    (ret = tsn_write_file_atomic(a->conf_path, cf->p, cf->len,
					 0644)) < 0) {
		snprintf(a->err, sizeof(a->err), "writing %s: %s",
			 a->conf_path, strerror(-ret));
	}
	return ret;
}

/* Load ours, unload tsnet-* connections no longer planned. */
static int load_all(struct apply *a, struct tsn_vici *v)
{
	struct tsn_buf have = { 0 };
	int ret;

	if (a->nc.x509 && (ret = tsn_load_x509_id(v, a->key, a->cert, a->ca,
						  a->key_id, sizeof(a->key_id),
						  a->err, sizeof(a->err))) < 0)
		goto out;
	/* new certificates (repair): the old key must not stay loaded
	 * beside the new one; the same key again keeps its id */
	if (a->old_key_id[0] && strcmp(a->old_key_id, a->key_id) &&
	    (ret = tsn_unload_key(v, a->old_key_id)) < 0) {
		snprintf(a->err, sizeof(a->err), "unload-key %s: %s",
			 a->old_key_id, strerror(-ret));
		goto out;
	}
	if (strcmp(a->old_key_id, a->key_id)) {
		a->old_key_id[0] = '\0';
		a->key_changed = true;
	}
	if ((ret = tsn_load_secrets(v, a->secrets.p, a->err,
				    sizeof(a->err))) < 0 ||
	    (ret = tsn_load_conns(v, a->conf.p, &a->loaded, a->err,
				  sizeof(a->err))) < 0)
		goto out;
	if ((ret = tsn_list_tsnet_conns(v, &have)) < 0)
		goto out;
	for (size_t off = 0; have.p && off < have.len;
	     off += strlen(have.p + off) + 1) {
		if (tsn_names_has(&a->loaded, have.p + off))
			continue;
		tsn_unload_conn(v, have.p + off);
		/* a removed peer's certificate, cached when it
		 * authenticated, goes too */
		if (a->nc.x509)
			tsn_flush_certs(v);
	}
out:
	tsn_buf_free(&have);
	return ret;
}

static void names_json(struct tsn_json *j, const char *key,
		       const struct tsn_buf *names)
{
	tsn_json_key(j, key);
	tsn_json_arr_begin(j);
	for (size_t off = 0; names->p && off < names->len;
	     off += strlen(names->p + off) + 1)
		tsn_json_str(j, names->p + off);
	tsn_json_arr_end(j);
}

/* Did a rollout stop half-way here (its coordinator killed): the record
 * says loaded without trap, and its snapshot of what was before is still
 * here?  Then that snapshot, not the half-done files, is what a rollback
 * of the rollout that finishes it must restore. */
static bool unfinished_rollout(void)
{
	struct tsn_jv rec = { 0 };
	struct stat st;
	char *txt = NULL, err[64];
	size_t len = 0;
	bool trap = true;

	if (stat(TSN_IPSEC_ROLLBACK "/manifest", &st) < 0 ||
	    tsn_read_file(TSN_IPSEC_STATE, 1u << 20, &txt, &len) < 0)
		return false;
	if (tsn_json_parse(txt, len, &rec, err, sizeof(err)) == 0)
		tsn_jv_getbool(&rec, "trap", &trap);
	tsn_jv_free(&rec);
	free(txt);
	return !trap;
}

static int apply_run(struct apply *a, struct tsn_json *j, bool *ok)
{
	struct tsn_buf lc = { 0 }, ls = { 0 };
	struct tsn_vici v = { .fd = -1 };
	enum tsn_svc prev = previous_service(a->old_key_id,
					     sizeof(a->old_key_id));
	int ret, r;

	if ((ret = parse_request(a)) < 0)
		goto out;
	if (a->snapshot && unfinished_rollout())
		a->snapshot = false;	/* keep the state from before it */
	/* A new rollout: an earlier one's snapshot must not be what a
	 * rollback restores if this apply fails before taking its own. */
	if (a->snapshot)
		tsn_ipsec_snapshot_drop();
	paths(a);
	if ((ret = build_conf(a)) < 0 || (ret = write_files(a, &lc, &ls)) < 0)
		goto out;
	ret = tsn_svc_start(a->legacy, &a->svc, a->err, sizeof(a->err));
	if (a->svc == TSN_SVC_NONE)
		a->svc = prev;
	if (ret < 0)
		goto out;
	a->charon_up = true;
	if ((ret = write_state(a, a->legacy ? &lc : &a->conf,
			       a->legacy ? &ls : &a->secrets)) < 0) {
		snprintf(a->err, sizeof(a->err), "writing " TSN_IPSEC_STATE
			 ": %s", strerror(-ret));
		goto out;
	}
	if ((ret = tsn_vici_connect(&v, NULL)) < 0) {
		snprintf(a->err, sizeof(a->err), "connecting to "
			 TSN_VICI_SOCKET ": %s", strerror(-ret));
		goto out;
	}
	ret = load_all(a, &v);
	/* the key's id once charon loaded it, even if a later load failed:
	 * a rollback or disable-ipsec unloads it */
	if (a->key_changed && (r = write_state(a, a->legacy ? &lc : &a->conf,
					     a->legacy ? &ls : &a->secrets)) < 0
	    && ret == 0) {
		ret = r;
		snprintf(a->err, sizeof(a->err), "writing " TSN_IPSEC_STATE
			 ": %s", strerror(-ret));
	}
	if (ret < 0)
		goto out;
	tsn_ipsec_initiate_all(&a->req, j, ok);
out:
	if (v.fd >= 0)
		tsn_vici_close(&v);
	tsn_buf_free(&lc);
	tsn_buf_free(&ls);
	return ret;
}

static void apply_free(struct apply *a)
{
	/* the request holds keys in its "keys" strings */
	const struct tsn_jv *keys = tsn_jv_get(&a->req, "keys");

	for (size_t i = 0; keys && keys->type == TSN_JOBJ && i < keys->n; i++)
		if (keys->items[i].type == TSN_JSTR)
			tsn_memzero(keys->items[i].str,
				    strlen(keys->items[i].str));
	if (a->key)	/* the node's private key, from the request */
		tsn_memzero((char *)a->key, strlen(a->key));
	for (int i = 0; i < 3; i++)
		free(a->kept[i]);
	tsn_jv_free(&a->req);
	if (a->nc.peers)
		tsn_memzero(a->nc.peers, a->inv.n_nodes * sizeof(*a->nc.peers));
	free(a->nc.peers);
	if (a->inv_ok)
		tsn_inventory_free(&a->inv);
	tsn_buf_free(&a->conf);
	tsn_buf_free(&a->secrets);
	tsn_buf_free(&a->loaded);
}

int tsn_ipsec_apply_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct apply a = { 0 };
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	bool ok = true;
	int ret;

	(void)ctx;
	if (argc > 1) {
		tsn_err("agent ipsec-apply", "unexpected argument '%s'",
			argv[1]);
		return TSN_EXIT_USAGE;
	}
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	ret = apply_run(&a, &j, &ok);
	if (ret < 0)
		ok = false;
	tsn_json_kbool(&j, "ok", ok);
	tsn_json_kstr(&j, "error", ret < 0 ? a.err : NULL);
	tsn_json_key(&j, "files");
	tsn_json_arr_begin(&j);
	if (a.conf_path[0]) {
		tsn_json_str(&j, a.conf_path);
		tsn_json_str(&j, a.secrets_path);
	}
	tsn_json_arr_end(&j);
	names_json(&j, "loaded", &a.loaded);
	tsn_json_kstr(&j, "service", tsn_svc_name(a.svc));
	/* the coordinator tells a charon that stopped later from one that
	 * never started */
	tsn_json_kbool(&j, "charon_up", a.charon_up);
	tsn_json_obj_end(&j);
	apply_free(&a);
	if (tsn_json_finish(&j) == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	return ret < 0 ? TSN_EXIT_RUNTIME : ok ? TSN_EXIT_OK : TSN_EXIT_PROBLEM;
}
