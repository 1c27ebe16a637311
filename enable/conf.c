/* conf.c - render a node's strongSwan configuration.
 *
 * Everything that reaches the files comes from the inventory, whose
 * parser already held every value to a strict character set (names
 * [a-z0-9-], proposals [a-z0-9,-], addresses parsed); nothing here needs
 * quoting, and the keys are written as hex, never as text.  The
 * proposals, when the inventory names none, are TSN_ESP_PROPOSALS_DEFAULT
 * and TSN_IKE_PROPOSALS_DEFAULT (lib/inventory.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

#define HEADER "# Written by tsnet: do not edit; `tsnet status` reports " \
	"any change as drift.\n"

int tsn_conf_conn_name(const char *peer, bool v6, char *buf, size_t len)
{
	int n = snprintf(buf, len, TSN_CONN_PREFIX "%s%s", peer,
			 v6 ? TSN_CONN6_SUFFIX : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool tsn_conf_dual(const struct tsn_node *a, const struct tsn_node *b)
{
	return a->addr6.family && b->addr6.family;
}

const char *tsn_inv_dual(const struct tsn_inventory *inv)
{
	for (size_t i = 0; i < inv->n_nodes; i++)
		for (size_t j = i + 1; j < inv->n_nodes; j++)
			if (tsn_conf_dual(&inv->nodes[i], &inv->nodes[j]))
				return inv->nodes[i].name;
	return NULL;
}

const char *tsn_conf_conn_peer(const char *conn, char *peer, size_t len,
			       bool *v6)
{
	size_t plen = strlen(TSN_CONN_PREFIX), slen = strlen(TSN_CONN6_SUFFIX);
	size_t n;

	if (!conn || strncmp(conn, TSN_CONN_PREFIX, plen))
		return NULL;
	conn += plen;
	n = strlen(conn);
	*v6 = n >= slen && !strcmp(conn + n - slen, TSN_CONN6_SUFFIX);
	if (*v6)
		n -= slen;
	if (!n || n >= len)
		return NULL;
	memcpy(peer, conn, n);
	peer[n] = '\0';
	return peer;
}

/* The pair's connection name and the two ends for one family. */
static int conn_ends(const struct tsn_node_conf *c,
		     const struct tsn_peer_conf *p, bool v6, char *name,
		     size_t nlen, char *local, char *remote)
{
	if (tsn_conf_conn_name(p->peer->name, v6, name, nlen) < 0)
		return -ENAMETOOLONG;
	tsn_addr_str(v6 ? &c->self->addr6 : &c->self->addr, local, 64);
	tsn_addr_str(v6 ? &p->peer->addr6 : &p->peer->addr, remote, 64);
	return 0;
}

static const char *encap_for(const struct tsn_node_conf *c,
			     const struct tsn_peer_conf *p)
{
	switch (c->inv->cluster.encap) {
	case TSN_ENCAP_YES:
		return "yes";
	case TSN_ENCAP_NO:
		return "no";
	default:
		return p->encap ? "yes" : "no";
	}
}

static int conn_section(const struct tsn_node_conf *c,
			const struct tsn_peer_conf *p, bool v6,
			struct tsn_buf *b)
{
	const struct tsn_cluster *cl = &c->inv->cluster;
	char name[TSN_NAME_MAX + 16], local[64], remote[64];

	const char *auth = c->x509 ? "pubkey" : "psk";
	const char *cacerts = c->x509 ? "\t\t\tcacerts = " TSN_CA_CERT "\n" : "";
	char certs[TSN_NAME_MAX + 40] = "";

	if (conn_ends(c, p, v6, name, sizeof(name), local, remote) < 0)
		return -ENAMETOOLONG;
	if (c->x509)
		snprintf(certs, sizeof(certs), "\t\t\tcerts = "
			 TSN_CONN_PREFIX "%s.pem\n", c->self->name);
	return tsn_buf_printf(b,
		"\t%s {\n"
		"\t\tversion = 2\n"
		"\t\tlocal_addrs = %s\n"
		"\t\tremote_addrs = %s\n"
		"\t\tproposals = %s\n"
		"\t\tencap = %s\n"
		"\t\tmobike = no\n"
		/* IKE_AUTH with certificates is 2-3 KB: IKEv2 fragmentation
		 * (RFC 7383) keeps it below the MTU where a path drops IP
		 * fragments (the probe's path.fragments) */
		"\t\tfragmentation = yes\n"
		"\t\tdpd_delay = 30s\n"
		"\t\trekey_time = %us\n"
		"\t\tlocal {\n"
		"\t\t\tauth = %s\n"
		"%s"
		"\t\t\tid = %s\n"
		"\t\t}\n"
		"\t\tremote {\n"
		"\t\t\tauth = %s\n"
		"\t\t\tid = %s\n"
		"%s"
		"\t\t}\n"
		"\t\tchildren {\n"
		"\t\t\t%s {\n"
		"\t\t\t\tmode = transport\n"
		"\t\t\t\tesp_proposals = %s\n"
		"\t\t\t\tstart_action = %s\n"
		"\t\t\t\tdpd_action = %s\n"
		"\t\t\t\tclose_action = %s\n"
		"\t\t\t\trekey_time = %us\n"
		"\t\t\t}\n"
		"\t\t}\n"
		"\t}\n",
		name, local, remote, cl->ike_proposals, encap_for(c, p),
		cl->rekey_time, auth, certs, local, auth, remote, cacerts,
		name, cl->esp_proposals,
		c->trap ? "trap" : "none", c->trap ? "trap" : "clear",
		c->trap ? "trap" : "none", cl->rekey_time);
}

int tsn_conf_swanctl(const struct tsn_node_conf *c, struct tsn_buf *out)
{
	int ret;

	if ((ret = tsn_buf_printf(out, HEADER "# cluster %s, node %s\n"
				  "connections {\n", c->inv->cluster.name,
				  c->self->name)) < 0)
		return ret;
	for (size_t i = 0; i < c->n_peers; i++)
		if ((ret = conn_section(c, &c->peers[i], false, out)) < 0 ||
		    (tsn_conf_dual(c->self, c->peers[i].peer) &&
		     (ret = conn_section(c, &c->peers[i], true, out)) < 0))
			return ret;
	return tsn_buf_puts(out, "}\n");
}

/* The key in hex; the stack copy is wiped. */
static int put_psk(struct tsn_buf *b, const uint8_t *psk)
{
	char h[2 * TSN_PSK_LEN];
	int ret;

	tsn_hex(h, psk, TSN_PSK_LEN);
	ret = tsn_buf_add(b, h, sizeof(h));
	tsn_memzero(h, sizeof(h));
	return ret;
}

/* One secrets entry: the IKE ids are the two addresses of the family.
 * The IPv6 connection uses the pair's one key: it authenticates the
 * same two hosts, no third node ever holds it, and a pair keeps one key
 * to rotate, keep (--node) and record. */
static int secret_entry(const struct tsn_node_conf *c,
			const struct tsn_peer_conf *p, bool v6,
			struct tsn_buf *out)
{
	char name[TSN_NAME_MAX + 16], local[64], remote[64];
	int ret;

	if (conn_ends(c, p, v6, name, sizeof(name), local, remote) < 0)
		return -ENAMETOOLONG;
	if ((ret = tsn_buf_printf(out, "\tike-%s {\n"
				  "\t\tid-local = %s\n"
				  "\t\tid-remote = %s\n"
				  "\t\tsecret = 0x", name, local, remote)) < 0 ||
	    (ret = put_psk(out, p->psk)) < 0)
		return ret;
	return tsn_buf_puts(out, "\n\t}\n");
}

int tsn_conf_swanctl_secrets(const struct tsn_node_conf *c,
			     struct tsn_buf *out)
{
	int ret;

	if ((ret = tsn_buf_puts(out, HEADER "secrets {\n")) < 0)
		return ret;
	for (size_t i = 0; !c->x509 && i < c->n_peers; i++) {
		const struct tsn_peer_conf *p = &c->peers[i];

		if ((ret = secret_entry(c, p, false, out)) < 0 ||
		    (tsn_conf_dual(c->self, p->peer) &&
		     (ret = secret_entry(c, p, true, out)) < 0))
			return ret;
	}
	return tsn_buf_puts(out, "}\n");
}

int tsn_conf_legacy(const struct tsn_node_conf *c, struct tsn_buf *conf,
		    struct tsn_buf *secrets)
{
	const struct tsn_cluster *cl = &c->inv->cluster;
	char local[64], remote[64];
	int ret;

	/* enable-ipsec refuses first, with why (tsn_inv_dual); this keeps
	 * a stack that would leave IPv6 in the clear from being written */
	for (size_t i = 0; i < c->n_peers; i++)
		if (tsn_conf_dual(c->self, c->peers[i].peer))
			return -EAFNOSUPPORT;
	tsn_addr_str(&c->self->addr, local, sizeof(local));
	if ((ret = tsn_buf_puts(conf, HEADER)) < 0 ||
	    (ret = tsn_buf_puts(secrets, HEADER)) < 0)
		return ret;
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct tsn_peer_conf *p = &c->peers[i];

		tsn_addr_str(&p->peer->addr, remote, sizeof(remote));
		/* stroke wants '!' to end a proposal list strictly */
		if ((ret = tsn_buf_printf(conf,
			"conn " TSN_CONN_PREFIX "%s\n"
			"\tkeyexchange=ikev2\n"
			"\ttype=transport\n"
			"\tleft=%s\n"
			"\tright=%s\n"
			"\tauthby=psk\n"
			"\tike=%s!\n"
			"\tesp=%s!\n"
			"\tforceencaps=%s\n"
			"\tmobike=no\n"
			"\tikelifetime=%us\n"
			"\tlifetime=%us\n"
			"\tauto=%s\n\n",
			p->peer->name, local, remote, cl->ike_proposals,
			cl->esp_proposals, encap_for(c, p),
			cl->rekey_time, cl->rekey_time,
			c->trap ? "route" : "add")) < 0)
			return ret;
		if ((ret = tsn_buf_printf(secrets, "%s %s : PSK 0x", local,
					  remote)) < 0 ||
		    (ret = put_psk(secrets, p->psk)) < 0 ||
		    (ret = tsn_buf_puts(secrets, "\n")) < 0)
			return ret;
	}
	return 0;
}

const char *tsn_conf_swanctl_dir(const char *root, char *buf, size_t len)
{
	static const char *const dirs[] = {
		"/etc/swanctl/conf.d",
		"/etc/strongswan/swanctl/conf.d",
	};
	struct stat st;

	if (!root)
		root = "";
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(buf, len, "%s%s", root, dirs[i]);
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return buf;
	}
	snprintf(buf, len, "%s%s", root, dirs[0]);
	return buf;
}

int tsn_psk_random(uint8_t psk[TSN_PSK_LEN])
{
	size_t off = 0;

	while (off < TSN_PSK_LEN) {
		ssize_t n = getrandom(psk + off, TSN_PSK_LEN - off, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)n;
	}
	return 0;
}
