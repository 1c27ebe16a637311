/* conf.h - what one node must hold for IPsec with its peers.
 *
 * One strongSwan connection per peer: IKEv2, transport mode, AES-GCM, a
 * different pre-shared key for every pair.  When both nodes of a pair
 * also have an address6, a second connection carries their IPv6 traffic
 * (transport mode's selectors are the IKE endpoints, so one IKE_SA
 * cannot cover both families): "tsnet-PEER_v6".  '_' is outside a node
 * name's [a-z0-9-], so it never collides with a node's connection, and
 * it keeps the "tsnet-" prefix every "is this tsnet's" filter matches.
 * Rendered as a swanctl.conf fragment (connections in one file, secrets
 * 0600 in another) or, with --legacy, as ipsec.conf and ipsec.secrets
 * for the starter/stroke stack.
 * Sections are named after node names, never addresses: strongSwan's
 * config syntax nests sections at dots.
 */
#ifndef TSN_CONF_H
#define TSN_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/inventory.h"
#include "lib/util.h"

#define TSN_PSK_LEN 32
#define TSN_CONN_PREFIX "tsnet-"
#define TSN_CONN6_SUFFIX "_v6"
#define TSN_CONF_FILE "tsnet.conf"		/* connections */
#define TSN_SECRETS_FILE "tsnet-secrets.conf"	/* secrets, 0600 */
#define TSN_CA_CERT "tsnet-ca.pem"		/* in swanctl/x509ca */

struct tsn_peer_conf {
	const struct tsn_node *peer;
	bool encap;			/* UDP-encapsulate this pair's ESP */
	uint8_t psk[TSN_PSK_LEN];
};

struct tsn_node_conf {
	const struct tsn_inventory *inv;
	const struct tsn_node *self;
	struct tsn_peer_conf *peers;
	size_t n_peers;
	/* During rollout connections load without trap policies (start
	 * action none) so nothing is dropped before every SA is up; the
	 * final configuration traps, so traffic fails closed. */
	bool trap;
	/* auth = x509: pubkey authentication with the node's certificate
	 * (x509/tsnet-SELF.pem) and peers checked against the cluster CA
	 * (x509ca/tsnet-ca.pem); the secrets file then holds no keys. */
	bool x509;
};

/* The connections file: no secrets in it. */
int tsn_conf_swanctl(const struct tsn_node_conf *c, struct tsn_buf *out);
/* The secrets file (to be written 0600). */
int tsn_conf_swanctl_secrets(const struct tsn_node_conf *c,
			     struct tsn_buf *out);
/* --legacy: ipsec.conf conn sections and ipsec.secrets lines;
 * -EAFNOSUPPORT for a dual-stack pair (see tsn_inv_dual). */
int tsn_conf_legacy(const struct tsn_node_conf *c, struct tsn_buf *conf,
		    struct tsn_buf *secrets);

/* The connection (and child) name for a peer: "tsnet-PEER", or with v6
 * "tsnet-PEER_v6".  0, or -ENAMETOOLONG. */
int tsn_conf_conn_name(const char *peer, bool v6, char *buf, size_t len);
/* Do a and b have a second, IPv6 connection (both have address6)? */
bool tsn_conf_dual(const struct tsn_node *a, const struct tsn_node *b);
/* The first node of a dual-stack pair, or NULL: --legacy writes one
 * connection per peer and refuses such a cluster. */
const char *tsn_inv_dual(const struct tsn_inventory *inv);
/* The peer a connection name is for, without "tsnet-" and "_v6"; NULL
 * when it is not tsnet's.  *v6 says which of the pair's connections. */
const char *tsn_conf_conn_peer(const char *conn, char *peer, size_t len,
			       bool *v6);

/* Where swanctl reads conf.d fragments on this host: /etc/swanctl/conf.d
 * (Debian) or /etc/strongswan/swanctl/conf.d (RHEL-like); root may be
 * "" or a test tree. */
const char *tsn_conf_swanctl_dir(const char *root, char *buf, size_t len);

/* Fresh pair keys from getrandom(). */
int tsn_psk_random(uint8_t psk[TSN_PSK_LEN]);

#endif
