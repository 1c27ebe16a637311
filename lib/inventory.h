/* inventory.h - the cluster inventory (cluster.conf).
 *
 *   [cluster]
 *   name = prod
 *   transport = ssh
 *   [node db1]
 *   address = 198.18.1.1
 *
 * Parsed with getline(); every error says "file:line: reason".  The
 * normalised form printed by tsn_inventory_format() parses back to the
 * same inventory (tests/unit/test_inventory.c checks the round trip).
 */
#ifndef TSN_INVENTORY_H
#define TSN_INVENTORY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define TSN_NAME_MAX 63		/* node and cluster names: [a-z0-9-]{1,63} */
#define TSN_LINE_MAX 4096	/* longer lines are an error */
#define TSN_NODES_MAX 4096

enum tsn_transport_kind {
	TSN_TRANSPORT_SSH,
	TSN_TRANSPORT_NETNS,
	TSN_TRANSPORT_LOCAL,
};

enum tsn_cloud {
	TSN_CLOUD_NONE,		/* on-premises */
	TSN_CLOUD_AUTO,		/* detect from DMI */
	TSN_CLOUD_AZURE,
	TSN_CLOUD_AWS,
	TSN_CLOUD_GCP,
};

enum tsn_auth { TSN_AUTH_PSK, TSN_AUTH_X509 };
enum tsn_encap { TSN_ENCAP_AUTO, TSN_ENCAP_YES, TSN_ENCAP_NO };

struct tsn_addr {
	int family;		/* AF_INET, AF_INET6, or 0 when unset */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct tsn_prefix {
	struct tsn_addr addr;
	unsigned len;
};

struct tsn_node {
	char name[TSN_NAME_MAX + 1];
	struct tsn_addr addr;	/* required; the pair address */
	struct tsn_addr addr6;	/* optional second (IPv6) address */
	/* Per-node overrides; NULL / 0 means "use the cluster's". */
	char *netns;		/* netns transport: namespace, default name */
	char *ssh_host;		/* ssh: host to connect to, default addr */
	char *ssh_user;
	unsigned ssh_port;
	char *interface;
	char *remote_tsnet;
	unsigned line;		/* where its section starts, for messages */
};

/* The proposals enable/conf.c writes into swanctl.conf (esp_proposals
 * and proposals) when the inventory names none: AES-GCM only, an AEAD,
 * so no separate integrity transform, with X25519 first.  Here rather
 * than beside conf.c because the inventory's reader (lib/, which may not
 * include enable/) fills them in and checks them like any value. */
#define TSN_ESP_PROPOSALS_DEFAULT "aes256gcm16-x25519,aes128gcm16-x25519"
#define TSN_IKE_PROPOSALS_DEFAULT \
	"aes256gcm16-prfsha384-x25519,aes128gcm16-prfsha256-ecp256"

struct tsn_cluster {
	char *name;
	enum tsn_transport_kind transport;
	char *interface;	/* cluster interface; NULL: the route's */
	/* ssh transport */
	char *ssh_user;		/* default root */
	unsigned ssh_port;	/* default 22 */
	char *ssh_identity;
	char **ssh_options;	/* NULL-terminated "Key=Value" list */
	char *remote_tsnet;	/* tsnet on the nodes, default "tsnet" */
	unsigned concurrency;	/* parallel nodes, default 32 */
	unsigned timeout;	/* seconds per node action, default 60 */
	unsigned payload_mtu;	/* MTU the cluster needs inside ESP, 0 */
	/* IPsec */
	enum tsn_auth auth;
	enum tsn_encap encap;
	char *esp_proposals;	/* strongSwan syntax, comma separated, */
	char *ike_proposals;	/* default TSN_*_PROPOSALS_DEFAULT */
	unsigned rekey_time;	/* seconds */
	/* cloud */
	enum tsn_cloud cloud;
	struct tsn_prefix *subnets;	/* the cluster's subnets, optional */
	size_t n_subnets;
	char *azure_resource_group;
	char *azure_nsg;
	unsigned azure_priority;	/* base priority, default 3000 */
	char *aws_region;
	char *aws_security_group;
	char *aws_vpc;
	char *gcp_project;
	char *gcp_network;
	char *gcp_target_tags;	/* comma separated */
};

struct tsn_inventory {
	char *path;
	struct tsn_cluster cluster;
	struct tsn_node *nodes;
	size_t n_nodes;
};

/* Diagnostics from the parser: the first error in "file:line: reason"
 * form, and warnings (world-writable file) in the same form. */
struct tsn_inv_diag {
	char error[512];
	void (*warn)(void *arg, const char *msg);	/* may be NULL */
	void *warn_arg;
};

/* 0, or a negative errno with diag->error set:
 * -ENOENT/-EACCES (cannot read), -EINVAL (syntax or validation). */
int tsn_inventory_load(const char *path, struct tsn_inventory *inv,
		       struct tsn_inv_diag *diag);
/* The same from memory; name is used in messages in place of a path. */
int tsn_inventory_parse(const char *name, const char *text, size_t len,
			struct tsn_inventory *inv, struct tsn_inv_diag *diag);
void tsn_inventory_free(struct tsn_inventory *inv);

/* Normalised text: fixed key order, defaults written out, one blank line
 * between sections.  Parses back to an equal inventory. */
int tsn_inventory_format(const struct tsn_inventory *inv, struct tsn_buf *out);
bool tsn_inventory_equal(const struct tsn_inventory *a,
			 const struct tsn_inventory *b);

const struct tsn_node *tsn_inventory_find(const struct tsn_inventory *inv,
					  const char *name);
/* Is a node's address of another family than the first node's?  Pairs
 * are between addresses, so a cluster's are all IPv4 or all IPv6 (IPv6
 * beside IPv4 goes in address6).  Then why says which, for an error
 * line: "nodes n1 and n3 have addresses of different families (...)". */
bool tsn_inventory_mixed(const struct tsn_inventory *inv, char *why,
			 size_t len);
/* The node whose address is one of this host's (for "which one am I"),
 * or NULL. */
const struct tsn_node *tsn_inventory_self(const struct tsn_inventory *inv);
/* A struct tsn_inv_diag warn callback: prints msg on stderr as
 * "tsnet: ARG: warning: msg" unless -q; arg is the command name (a
 * const char *). */
void tsn_inventory_warn_stderr(void *arg, const char *msg);

/* Effective per-node values (override, else cluster's, else default). */
const char *tsn_node_netns(const struct tsn_node *n);
const char *tsn_node_ssh_host(const struct tsn_node *n, char *buf, size_t len);
const char *tsn_node_ssh_user(const struct tsn_inventory *inv,
			      const struct tsn_node *n);
unsigned tsn_node_ssh_port(const struct tsn_inventory *inv,
			   const struct tsn_node *n);
const char *tsn_node_interface(const struct tsn_inventory *inv,
			       const struct tsn_node *n);
const char *tsn_node_remote_tsnet(const struct tsn_inventory *inv,
				  const struct tsn_node *n);

/* Addresses */
int tsn_addr_parse(const char *s, struct tsn_addr *a);
const char *tsn_addr_str(const struct tsn_addr *a, char *buf, size_t len);
bool tsn_addr_equal(const struct tsn_addr *a, const struct tsn_addr *b);
int tsn_prefix_parse(const char *s, struct tsn_prefix *p);
/* No bits set past the prefix length (198.18.0.0/15, not 198.18.0.1/15). */
bool tsn_prefix_is_network(const struct tsn_prefix *p);
bool tsn_prefix_contains(const struct tsn_prefix *p, const struct tsn_addr *a);
/* [a-z0-9-]{1,63}, not starting with '-' (it would read as an option) */
bool tsn_name_valid(const char *s);

const char *tsn_transport_name(enum tsn_transport_kind k);
const char *tsn_cloud_name(enum tsn_cloud c);
const char *tsn_auth_name(enum tsn_auth a);
const char *tsn_encap_name(enum tsn_encap e);

#endif
