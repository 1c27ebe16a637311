/* x509.h - enable-ipsec --auth x509: a cluster CA and one certificate per
 * node, made on the coordinator with strongSwan's `pki`.
 *
 * The CA's private key lives only on the coordinator, in
 * /var/lib/tsnet/ca/ (0700; $TSNET_CA_DIR overrides it), and is never
 * shipped: a node receives its own private key, its certificate and the
 * CA certificate on the transport's stdin, never on argv.
 */
#ifndef TSN_X509_H
#define TSN_X509_H

#include <stddef.h>

#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/util.h"

#define TSN_X509_CA_DIR TSN_STATE_DIR "/ca"


/* One node's credentials, PEM text; key is wiped by tsn_x509_free. */
struct tsn_x509_cred {
	struct tsn_buf key, cert;
};

/* Make the CA (or reuse the one in the CA dir) into ca, then a fresh
 * key and certificate (CN = node name, subjectAltName = its address)
 * for each node i with want[i].  0, or -errno with err set. */
int tsn_x509_issue(const struct tsn_inventory *inv, const bool *want,
		   struct tsn_buf *ca, struct tsn_x509_cred *creds,
		   char *err, size_t errlen);
void tsn_x509_free(struct tsn_x509_cred *creds, size_t n);

/* Paths a node keeps them at, under swanctl's directory (the parent of
 * conf.d): private/tsnet-NODE.pem, x509/tsnet-NODE.pem,
 * x509ca/tsnet-ca.pem. */
int tsn_x509_paths(const char *node, char key[256], char cert[256],
		   char ca[256]);

#endif
