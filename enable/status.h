/* status.h - what tsnet recorded on a node, and how it compares.
 *
 * The node-local side of `tsnet status` and `tsnet state export|import`:
 * /var/lib/tsnet/ipsec.json (written by ipsec-apply) names every file
 * tsnet wrote with its SHA-256 and mode, so drift is a recomputation, and
 * a backup is those files plus the record.  The agent actions:
 *
 *   ipsec-state   {"state":REC|null,"drift":[{"path","reason"}],
 *                  "loaded":[CONN...],"version":V,"running":bool}
 *   ipsec-export  {"state":REC|null,"files":[{"path","mode","content"}]}
 *                 (holds keys: only the coordinator's pipe reads it)
 *   ipsec-import  stdin as ipsec-export printed it; writes the files and
 *                 the record back, reloads charon; {"ok","files","loaded"}
 */
#ifndef TSN_STATUS_H
#define TSN_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/cmd.h"
#include "lib/json.h"

#define TSN_IPSEC_STATE TSN_STATE_DIR "/ipsec.json"
#define TSN_STATE_FILE_MAX (4u << 20)	/* a record or a recorded file */

/* Read and parse the record: 0, -ENOENT when there is none, -EINVAL with
 * a reason in err for a record that is not one. */
int tsn_state_load(const char *path, struct tsn_jv *rec, char *err,
		   size_t errlen);
/* "0600" -> 0600; -EINVAL unless four octal digits at most 0777. */
int tsn_state_mode_parse(const char *s, mode_t *mode);
/* A path a record may name: absolute, under /etc/, no "." or ".."
 * component, no doubled slash. */
bool tsn_state_path_ok(const char *path);
/* Zero every string in a parsed value, then free it (values that held
 * keys: tsn_jv_free does not wipe). */
void tsn_jv_wipe_free(struct tsn_jv *v);
/* Lower-case hex SHA-256 of data. */
void tsn_sha256_hex(const void *data, size_t len, char out[65]);

int tsn_ipsec_state_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_ipsec_export_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_ipsec_import_action(int argc, char **argv, struct tsn_ctx *ctx);

#endif
