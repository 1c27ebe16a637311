/* priv.h - what a command or an agent action needs of the process that
 * runs it, checked up front: CAP_NET_ADMIN (firewall, XFRM, charon),
 * CAP_NET_RAW (crafted packets, capture) and write access to the
 * directories strongSwan's files and tsnet's record go to.  Checked from
 * the effective capability set (capget), never from the uid: root
 * without a capability lacks it, and a non-root process may hold it.
 */
#ifndef TSN_PRIV_H
#define TSN_PRIV_H

#include <stdbool.h>
#include <stddef.h>

enum {
	TSN_NEED_NET_ADMIN = 1u << 0,
	TSN_NEED_NET_RAW = 1u << 1,
	TSN_NEED_SWAN_DIRS = 1u << 2,	/* swanctl's conf.d, TSN_STATE_DIR */
	/* with TSN_NEED_SWAN_DIRS, the run's other directories: --legacy's
	 * /etc/ipsec.d (ipsec.conf and ipsec.secrets includes), x509's
	 * swanctl x509/, x509ca/ and private/ */
	TSN_NEED_SWAN_LEGACY = 1u << 3,
	TSN_NEED_SWAN_X509 = 1u << 4,
};

/* What every agent call of this run checks before anything else, set
 * by a changing command's coordinator (tsn_ctx_lock); the transport
 * passes it as `--needs LIST`, so a node that lacks one refuses on the
 * run's first call, before any node changes. */
extern unsigned tsn_priv_needs;

/* cap (CAP_*) is in this process's effective set. */
bool tsn_has_cap(unsigned cap);

/* The first of needs this process lacks: 0 when none, else that need,
 * with what is missing in words in buf ("CAP_NET_RAW (...)").  dirs
 * (NULL-terminated) are the directories TSN_NEED_SWAN_DIRS means: the
 * caller knows where strongSwan keeps them. */
unsigned tsn_priv_missing(unsigned needs, const char *const *dirs, char *buf,
			  size_t len);

/* needs as the `--needs` list ("net-admin,net-raw,swan-dirs,swan-legacy,
 * swan-x509"), and back:
 * 0, or -EINVAL for a name that is not one, or an empty list or item. */
void tsn_priv_format(unsigned needs, char *buf, size_t len);
int tsn_priv_parse(const char *s, unsigned *needs);

#endif
