/* ipsec.h - the node-local side of enable-ipsec and disable-ipsec:
 * starting strongSwan (service.c), loading tsnet's configuration into
 * charon through VICI (load.c), and the agent actions ipsec-apply,
 * ipsec-sas, ipsec-rollback, ipsec-remove and ipsec-prove.
 */
#ifndef TSN_IPSEC_H
#define TSN_IPSEC_H

#include <stdbool.h>
#include <stddef.h>

#include "enable/vici.h"
#include "lib/cmd.h"
#include "lib/json.h"

#define TSN_IPSEC_STATE TSN_STATE_DIR "/ipsec.json"
#define TSN_IPSEC_ROLLBACK TSN_STATE_DIR "/rollback"

/* How charon came to run: "none" when it already ran (not ours to stop). */
enum tsn_svc { TSN_SVC_NONE, TSN_SVC_SYSTEMD, TSN_SVC_CHARON };

const char *tsn_svc_name(enum tsn_svc s);
enum tsn_svc tsn_svc_parse(const char *s);
/* PID 1 is systemd and /run/systemd/system exists. */
bool tsn_svc_systemd(void);
/* Connect to charon's VICI socket and ask its version; 0 or -errno.
 * version may be NULL. */
int tsn_svc_version(char *version, size_t len);
/* Make sure charon runs and answers on VICI: nothing when it does
 * already (*how = NONE), else `systemctl enable --now` (systemd) or
 * charon started directly as a daemon.  0, or -errno with err set. */
int tsn_svc_start(bool legacy, enum tsn_svc *how, char *err, size_t errlen);
/* Stop (and disable) what tsn_svc_start started, the same way. */
int tsn_svc_stop(enum tsn_svc how, bool legacy);

/* Run argv (found in PATH, no shell) with stdio on /dev/null: its exit
 * status, or -errno when it could not start. */
int tsn_svc_run(char *const argv[]);

/* Load every connection of a swanctl-format connections text (what
 * conf.c renders) through VICI load-conn, exactly as swanctl would; the
 * names loaded are appended to names as "a\0b\0...".  0 or -errno with
 * err set. */
int tsn_load_conns(struct tsn_vici *v, const char *text, struct tsn_buf *names,
		   char *err, size_t errlen);
/* The same for a secrets text: one load-shared per ike-* section, with
 * the section name as the key's id. */
int tsn_load_secrets(struct tsn_vici *v, const char *text, char *err,
		     size_t errlen);
/* --auth x509: the CA certificate, the node's certificate and its
 * private key (ECDSA), all PEM, through load-cert and load-key. */
int tsn_load_x509(struct tsn_vici *v, const char *key, const char *cert,
		  const char *ca, char *err, size_t errlen);
/* The same, and the id load-key answered (the hex SHA-1 of the key's
 * public key, what unload-key takes) into id ("" if charon sent none). */
#define TSN_KEY_ID_MAX 129
int tsn_load_x509_id(struct tsn_vici *v, const char *key, const char *cert,
		     const char *ca, char *id, size_t idlen, char *err,
		     size_t errlen);
/* A key id as charon writes it: hex digits, even count, < 129. */
bool tsn_key_id_ok(const char *id);
/* Unload the private key with this id from charon (every copy): 0 also
 * when charon holds none (it restarted since), -EINVAL for a malformed
 * id, another -errno when VICI failed. */
int tsn_unload_key(struct tsn_vici *v, const char *id);
/* The tsnet-* connections charon holds, as "a\0b\0...". */
int tsn_list_tsnet_conns(struct tsn_vici *v, struct tsn_buf *names);
/* Terminate the SAs of connection name (without waiting for the peer),
 * unload it and its shared key. */
int tsn_unload_conn(struct tsn_vici *v, const char *name);
/* Empty charon's cache of certificates peers sent (VICI flush-certs);
 * certificates loaded with load-cert stay. */
int tsn_flush_certs(struct tsn_vici *v);
/* Terminate connection name's SAs without waiting for the peer. */
int tsn_terminate(struct tsn_vici *v, const char *name);
/* Initiate child and IKE SA `name`, waiting at most timeout_ms; on
 * failure err says why (charon's last log line). */
int tsn_initiate(struct tsn_vici *v, const char *name, unsigned timeout_ms,
		 char *err, size_t errlen);
/* --legacy: tsnet's ipsec.conf/ipsec.secrets texts (tsn_conf_legacy's
 * form) as the swanctl texts ipsec-apply would have loaded for them.
 * 0, or -errno with err set (no key in it). */
int tsn_legacy_to_swanctl(const char *conf, const char *secrets,
			  struct tsn_buf *sconf, struct tsn_buf *ssecrets,
			  char *err, size_t errlen);
/* agent_initiate.c: initiate the pairs req's "initiate" names (each in
 * its own child, in parallel; "timeout_ms", "replace"), their outcomes
 * under "initiated" in j; *ok false when one failed. */
struct tsn_json;
void tsn_ipsec_initiate_all(const struct tsn_jv *req, struct tsn_json *j,
			    bool *ok);
/* Does the NUL-separated list hold s? */
bool tsn_names_has(const struct tsn_buf *names, const char *s);
/* The next line of text at *pos, trimmed, into buf (cut at len - 1);
 * NULL at the end.  For the texts conf.c renders (load.c, legacy.c). */
#define TSN_CONF_LINE_MAX 1024
const char *tsn_next_line(const char **pos, char *buf, size_t len);

/* Copy the files at paths (those that exist) under TSN_IPSEC_ROLLBACK,
 * with a manifest saying which existed, replacing any older snapshot. */
int tsn_ipsec_snapshot(const char *const *paths, size_t n);
/* Discard the snapshot of an earlier rollout (a new one starts). */
void tsn_ipsec_snapshot_drop(void);
/* Read the JSON file at path (NULL state when absent): 0 or -errno. */
int tsn_ipsec_read_state(struct tsn_jv *out);

/* Agent actions. */
int tsn_ipsec_apply_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_ipsec_initiate_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_ipsec_sas_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_ipsec_rollback_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_ipsec_remove_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_ipsec_prove_action(int argc, char **argv, struct tsn_ctx *ctx);

#endif
