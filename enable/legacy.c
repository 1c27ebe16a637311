/* legacy.c - --legacy: tsnet's ipsec.conf and ipsec.secrets read back.
 *
 * A rollback on a node run by the starter/stroke stack restores the
 * files tsn_conf_legacy wrote; charon is then loaded from them through
 * the same VICI loaders as any apply, by turning them back into the
 * swanctl text ipsec-apply loads (test_legacy.c checks the round trip).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/conf.h"
#include "enable/ipsec.h"
#include "enable/plan.h"

/* --legacy: tsnet's ipsec.conf and ipsec.secrets (exactly what
 * tsn_conf_legacy renders, nothing more) read back into a node
 * configuration and rendered as the swanctl text ipsec-apply loads, so
 * a rollback puts charon back to what the restored files say through
 * the same loaders.  The inputs charon's configuration depends on are
 * all in the legacy files: addresses, proposals, encapsulation, rekey
 * time, trap or not, and the keys. */
struct legacy {
	struct tsn_inventory inv;
	struct tsn_node self, *nodes;
	struct tsn_peer_conf *pc;
	size_t n;
	bool have_self, trap;
	char ike[256], esp[256];
};

static int legacy_conn(struct legacy *l, const char *name)
{
	struct tsn_node *nodes;
	struct tsn_peer_conf *pc;

	if (!tsn_name_valid(name) || strlen(name) >= sizeof(l->self.name))
		return -EINVAL;
	nodes = realloc(l->nodes, (l->n + 1) * sizeof(*nodes));
	if (nodes)
		l->nodes = nodes;
	pc = realloc(l->pc, (l->n + 1) * sizeof(*pc));
	if (pc)
		l->pc = pc;
	if (!nodes || !pc)
		return -ENOMEM;
	memset(&l->nodes[l->n], 0, sizeof(*nodes));
	memset(&l->pc[l->n], 0, sizeof(*pc));
	memcpy(l->nodes[l->n].name, name, strlen(name) + 1);
	l->n++;
	return 0;
}

/* A proposal list ends with '!' in ipsec.conf; every conn has the
 * cluster's. */
static int legacy_proposals(char *dst, size_t len, const char *v)
{
	size_t n = strlen(v);

	if (!n || v[n - 1] != '!' || n >= len || (dst[0] &&
	    strncmp(dst, v, n - 1)))
		return -EINVAL;
	snprintf(dst, len, "%.*s", (int)(n - 1), v);
	return 0;
}

static int legacy_kv(struct legacy *l, const char *k, const char *v)
{
	struct tsn_node *peer = &l->nodes[l->n - 1];
	struct tsn_addr a;
	unsigned t;

	if (!strcmp(k, "left")) {
		if (tsn_addr_parse(v, &a) < 0 || (l->have_self &&
		    memcmp(&a, &l->self.addr, sizeof(a))))
			return -EINVAL;
		l->self.addr = a;
		l->have_self = true;
	} else if (!strcmp(k, "right")) {
		return tsn_addr_parse(v, &peer->addr);
	} else if (!strcmp(k, "ike")) {
		return legacy_proposals(l->ike, sizeof(l->ike), v);
	} else if (!strcmp(k, "esp")) {
		return legacy_proposals(l->esp, sizeof(l->esp), v);
	} else if (!strcmp(k, "forceencaps")) {
		l->pc[l->n - 1].encap = !strcmp(v, "yes");
	} else if (!strcmp(k, "lifetime")) {
		if (sscanf(v, "%us", &t) != 1 || !t)
			return -EINVAL;
		l->inv.cluster.rekey_time = t;
	} else if (!strcmp(k, "auto")) {
		l->trap = l->trap || !strcmp(v, "route");
	}
	return 0;
}

static int legacy_conf(struct legacy *l, const char *text, char *err,
		       size_t errlen)
{
	char line[TSN_CONF_LINE_MAX], *eq;
	const char *pos = text;
	unsigned no = 0;
	int ret = 0;

	while (ret == 0 && tsn_next_line(&pos, line, sizeof(line))) {
		no++;
		if (!line[0] || line[0] == '#')
			continue;
		if (!strncmp(line, "conn " TSN_CONN_PREFIX, 5 +
			     strlen(TSN_CONN_PREFIX)))
			ret = legacy_conn(l, line + 5 + strlen(TSN_CONN_PREFIX));
		else if (!l->n || !(eq = strchr(line, '=')))
			ret = -EINVAL;
		else if ((*eq = '\0'), (ret = legacy_kv(l, line, eq + 1)) == 0)
			continue;
		if (ret < 0)
			snprintf(err, errlen, "tsnet.conf line %u: not what "
				 "tsnet writes", no);
	}
	if (ret == 0 && (!l->have_self || !l->ike[0] || !l->esp[0])) {
		snprintf(err, errlen, "tsnet.conf: no conn with left, ike "
			 "and esp");
		ret = -EINVAL;
	}
	return ret;
}

/* "LOCAL REMOTE : PSK 0xHEX" lines: each peer's key, by address. */
static int legacy_secrets(struct legacy *l, const char *text, char *err,
			  size_t errlen)
{
	char line[TSN_CONF_LINE_MAX], local[64], remote[64], hex[80];
	const char *pos = text;
	size_t got = 0;
	int ret = 0;

	while (ret == 0 && tsn_next_line(&pos, line, sizeof(line))) {
		struct tsn_addr a;

		if (!line[0] || line[0] == '#')
			continue;
		if (sscanf(line, "%63s %63s : PSK 0x%79s", local, remote,
			   hex) != 3 || tsn_addr_parse(remote, &a) < 0)
			ret = -EINVAL;
		for (size_t i = 0; ret == 0 && i < l->n; i++) {
			if (memcmp(&a, &l->nodes[i].addr, sizeof(a)))
				continue;
			ret = tsn_psk_unhex(hex, l->pc[i].psk);
			got++;
		}
		tsn_memzero(line, sizeof(line));
		tsn_memzero(hex, sizeof(hex));
	}
	if (ret == 0 && got != l->n)
		ret = -ENOENT;
	if (ret < 0)
		snprintf(err, errlen, "tsnet.secrets: %s", ret == -ENOENT ?
			 "a conn without its key" : "not what tsnet writes");
	return ret;
}

int tsn_legacy_to_swanctl(const char *conf, const char *secrets,
			  struct tsn_buf *sconf, struct tsn_buf *ssecrets,
			  char *err, size_t errlen)
{
	struct legacy l = { 0 };
	struct tsn_node_conf nc = { 0 };
	char cluster[] = "(legacy files)";
	int ret;

	snprintf(l.self.name, sizeof(l.self.name), "self");
	if ((ret = legacy_conf(&l, conf, err, errlen)) < 0 ||
	    (ret = legacy_secrets(&l, secrets, err, errlen)) < 0)
		goto out;
	l.inv.cluster.name = cluster;
	l.inv.cluster.ike_proposals = l.ike;
	l.inv.cluster.esp_proposals = l.esp;
	for (size_t i = 0; i < l.n; i++)
		l.pc[i].peer = &l.nodes[i];
	nc.inv = &l.inv;
	nc.self = &l.self;
	nc.peers = l.pc;
	nc.n_peers = l.n;
	nc.trap = l.trap;		/* auto=route */
	if ((ret = tsn_conf_swanctl(&nc, sconf)) < 0 ||
	    (ret = tsn_conf_swanctl_secrets(&nc, ssecrets)) < 0)
		snprintf(err, errlen, "rendering: %s", strerror(-ret));
out:
	if (l.pc)
		tsn_memzero(l.pc, l.n * sizeof(*l.pc));
	free(l.pc);
	free(l.nodes);
	return ret;
}
