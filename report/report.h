/* report.h - tsnet report: the support bundle.
 *
 * The coordinator (report_cmd.c) runs the cluster-wide commands as
 * `tsnet --json CMD`, asks every node for its local state with `tsnet
 * agent report-collect` (agent_collect.c), and writes one tarball with an
 * index.html (report_html.c).  Secrets never leave a node: the agent
 * redacts (redact.c) before it prints a byte.
 */
#ifndef TSN_REPORT_H
#define TSN_REPORT_H

#include "lib/cmd.h"
#include "lib/json.h"
#include "lib/util.h"

/* Copy text to out with every secret value in strongSwan's syntaxes
 * replaced by "[redacted]": `secret = ...` (and any key naming a secret,
 * a PSK, a passphrase or a PIN) in swanctl.conf and strongswan.conf, and
 * everything after the type in ipsec.secrets lines (`: PSK ...`). */
int tsn_redact_conf(const char *text, struct tsn_buf *out);
/* `ip xfrm state|policy` output without key material: the key of every
 * aead/enc/auth/auth-trunc/comp line, and any 0x number wider than 64
 * bits anywhere (SPIs, marks and reqids are 32 bits; keys are wider). */
int tsn_redact_xfrm(const char *text, struct tsn_buf *out);
/* charon's log without hex dumps (at high log levels charon dumps
 * packets and derived keys as "XX XX XX ..." rows). */
int tsn_redact_log(const char *text, struct tsn_buf *out);

/* The bundle as report_html.c sees it: parsed command outputs (type
 * TSN_JNULL when the part is missing) and each node's collect reply. */
struct tsn_bundle {
	const char *cluster;
	const char *created;		/* UTC, ISO 8601 */
	size_t nnodes;
	const char *const *nodes;	/* inventory order */
	const struct tsn_jv *collect;	/* nnodes replies, TSN_JNULL if none */
	struct tsn_jv preflight, probe, status, verify;
	const char *verify_note;	/* why verify is absent, or NULL */
	const char *const *missing;	/* parts that could not be collected */
	size_t nmissing;
};

int tsn_report_html(const struct tsn_bundle *b, struct tsn_buf *out);

int tsn_report_collect_action(int argc, char **argv, struct tsn_ctx *ctx);

#endif
