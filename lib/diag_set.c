/* diag_set.c - what the grouping in diag.c works on: drops gathered from
 * several sources (copied, so the replies they came from may go), and
 * the inventory's nodes with their subnets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/inventory.h"

/* A copy of s kept by the set; *out NULL for NULL. */
static int keep(struct tsn_diag_set *set, const char *s, const char **out)
{
	char **n, *c;

	*out = NULL;
	if (!s)
		return 0;
	c = strdup(s);
	n = c ? realloc(set->strs, (set->n_strs + 1) * sizeof(*n)) : NULL;
	if (!n) {
		free(c);
		return -ENOMEM;
	}
	set->strs = n;
	set->strs[set->n_strs++] = c;
	*out = c;
	return 0;
}

int tsn_diag_set_drop(struct tsn_diag_set *s, const struct tsn_diag_drop *d)
{
	struct tsn_diag_drop c = *d, *n;

	if (keep(s, d->node, &c.node) || keep(s, d->peer, &c.peer) ||
	    keep(s, d->proto, &c.proto) || keep(s, d->family, &c.family) ||
	    keep(s, d->table, &c.table) || keep(s, d->chain, &c.chain) ||
	    keep(s, d->text, &c.text) || keep(s, d->unknown, &c.unknown))
		return -ENOMEM;
	n = realloc(s->drops, (s->n_drops + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->drops = n;
	s->drops[s->n_drops++] = c;
	return 0;
}

void tsn_diag_set_free(struct tsn_diag_set *s)
{
	for (size_t i = 0; i < s->n_strs; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->drops);
	memset(s, 0, sizeof(*s));
}

static int subnet_index(struct tsn_diag_net *net, const char *text)
{
	char **n;

	for (size_t i = 0; i < net->n_subnets; i++)
		if (!strcmp(net->subnets[i], text))
			return (int)i;
	n = realloc(net->subnets, (net->n_subnets + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	net->subnets = n;
	if (!(n[net->n_subnets] = strdup(text)))
		return -ENOMEM;
	return (int)net->n_subnets++;
}

/* The longest of the inventory's prefixes that holds a, or NULL. */
static const struct tsn_prefix *best_prefix(const struct tsn_inventory *inv,
					    const struct tsn_addr *a)
{
	const struct tsn_prefix *best = NULL;

	for (size_t i = 0; a->family && i < inv->cluster.n_subnets; i++) {
		const struct tsn_prefix *p = &inv->cluster.subnets[i];

		if (tsn_prefix_contains(p, a) && (!best || p->len > best->len))
			best = p;
	}
	return best;
}

int tsn_diag_net_init(struct tsn_diag_net *net,
		      const struct tsn_inventory *inv, bool v6)
{
	char a[64], text[80];

	memset(net, 0, sizeof(*net));
	net->names = calloc(inv->n_nodes + 1, sizeof(*net->names));
	net->subnet = calloc(inv->n_nodes + 1, sizeof(*net->subnet));
	if (!net->names || !net->subnet)
		return -ENOMEM;
	net->n = inv->n_nodes;
	for (size_t i = 0; i < inv->n_nodes; i++) {
		const struct tsn_node *nd = &inv->nodes[i];
		const struct tsn_addr *ad = v6 && nd->addr.family != AF_INET6 ?
					    &nd->addr6 : &nd->addr;
		const struct tsn_prefix *p = best_prefix(inv, ad);

		net->names[i] = nd->name;
		net->subnet[i] = -1;
		if (!p)
			continue;
		snprintf(text, sizeof(text), "%s/%u",
			 tsn_addr_str(&p->addr, a, sizeof(a)), p->len);
		net->subnet[i] = subnet_index(net, text);
		if (net->subnet[i] < 0)
			return -ENOMEM;
	}
	return 0;
}

int tsn_diag_net_subnet(struct tsn_diag_net *net, size_t i,
			const char *prefix)
{
	int k;

	if (i >= net->n || net->subnet[i] >= 0)
		return 0;	/* the inventory's subnets win */
	k = subnet_index(net, prefix);
	if (k < 0)
		return k;
	net->subnet[i] = k;
	return 0;
}

int tsn_diag_net_index(const struct tsn_diag_net *net, const char *name)
{
	for (size_t i = 0; i < net->n; i++)
		if (!strcmp(net->names[i], name))
			return (int)i;
	return -1;
}

int tsn_diag_net_route(struct tsn_diag_net *net, const char *a,
		       const char *b, int what)
{
	int i = tsn_diag_net_index(net, a), k = tsn_diag_net_index(net, b);

	if (i < 0 || k < 0)
		return 0;
	if (!net->route && !(net->route = calloc(net->n * net->n, 1)))
		return -ENOMEM;
	net->route[(size_t)i * net->n + (size_t)k] = (uint8_t)what;
	return 0;
}

void tsn_diag_net_free(struct tsn_diag_net *net)
{
	free(net->route);
	for (size_t i = 0; i < net->n_subnets; i++)
		free(net->subnets[i]);
	free(net->subnets);
	free(net->names);
	free(net->subnet);
	memset(net, 0, sizeof(*net));
}
