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

#include <stdbool.h>
#include <stddef.h>

#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/json.h"
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

/* $TSNET_CA_DIR, else TSN_X509_CA_DIR. */
const char *tsn_x509_ca_dir(void);
/* Does a node's record (ipsec.json) say it authenticates with x509? */
bool tsn_x509_record(const struct tsn_jv *rec);
/* Does the PEM certificate name address a as a subjectAltName?  (One
 * from an older tsnet lacks the node's address6.) */
bool tsn_x509_cert_names(const char *pem, const struct tsn_addr *a);
/* node add on an x509 cluster: the CA must be in the CA dir (never made
 * anew: the nodes trust the one they hold) and be the one node's record
 * lists (its x509ca/ file's SHA-256).  0, or -errno with err set to one
 * line saying where it looked and what to do. */
int tsn_x509_ca_check(const struct tsn_jv *rec, const char *node, char *err,
		      size_t errlen);
/* A fresh key and certificate for one node from the existing CA, whose
 * certificate goes to ca.  0, or -errno with err set. */
int tsn_x509_issue_node(const struct tsn_node *n, struct tsn_buf *ca,
			struct tsn_x509_cred *cred, char *err, size_t errlen);

/* Paths a node keeps them at, under swanctl's directory (the parent of
 * conf.d): private/tsnet-NODE.pem, x509/tsnet-NODE.pem,
 * x509ca/tsnet-ca.pem. */
int tsn_x509_paths(const char *node, char key[256], char cert[256],
		   char ca[256]);

#endif
