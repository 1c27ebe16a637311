/* pairs.c - the pair table of `tsnet verify`: one row of counts per pair
 * of addresses, found per packet without allocating.
 *
 * Open addressing over an index of twice the cap, so a probe sequence
 * stays short even when the table is full.  The rows are allocated once
 * at the cap (calloc: untouched pages cost no memory) and handed out in
 * order of first packet.  Past TSN_VERIFY_PAIRS_MAX pairs a new pair is
 * not tracked on its own: its packets are summed in one row, `over`,
 * whose cleartext still counts as a leak and is reported with its first
 * packet, so a capped table never hides one.
 *
 * The members' set maps an inventory address to its node, so that with
 * an inventory only packets between two members make a pair.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "verify/verify.h"

static uint32_t ip_hash(const struct tsn_ip_addr *ip)
{
	uint32_t w[4], h;

	if (ip->family == AF_INET) {
		memcpy(w, ip->a, 4);
		return w[0] * 0x9e3779b1u;
	}
	memcpy(w, ip->a, 16);
	h = (w[0] * 0x9e3779b1u) ^ w[1];
	h = (h * 0x85ebca77u) ^ w[2];
	h = (h * 0xc2b2ae3du) ^ w[3];
	return h * 0x9e3779b1u;
}

static bool ip_eq(const struct tsn_ip_addr *x, const struct tsn_ip_addr *y)
{
	if (x->family != y->family)
		return false;
	return !memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

/* The same for both orders of a pair: the sum commutes. */
static size_t pair_hash(const struct tsn_ip_addr *x,
			const struct tsn_ip_addr *y)
{
	uint32_t h = ip_hash(x) + ip_hash(y);

	return (h ^ (h >> 15)) * 0x2c1b3c6du;
}

static bool pair_is(const struct tsn_vpair *p, const struct tsn_ip_addr *x,
		    const struct tsn_ip_addr *y)
{
	return (ip_eq(&p->a, x) && ip_eq(&p->b, y)) ||
	       (ip_eq(&p->a, y) && ip_eq(&p->b, x));
}

int tsn_vpairs_init(struct tsn_vpairs *t)
{
	memset(t, 0, sizeof(*t));
	t->pair = calloc(TSN_VERIFY_PAIRS_MAX, sizeof(*t->pair));
	t->slot = calloc(2 * TSN_VERIFY_PAIRS_MAX, sizeof(*t->slot));
	if (!t->pair || !t->slot) {
		tsn_vpairs_free(t);
		return -ENOMEM;
	}
	t->mask = 2 * TSN_VERIFY_PAIRS_MAX - 1;
	t->over.na = t->over.nb = -1;
	return 0;
}

void tsn_vpairs_free(struct tsn_vpairs *t)
{
	free(t->pair);
	free(t->slot);
	t->pair = NULL;
	t->slot = NULL;
}

/* The slot that holds the pair, or the empty slot where it would go. */
static uint32_t *find_slot(const struct tsn_vpairs *t,
			   const struct tsn_ip_addr *x,
			   const struct tsn_ip_addr *y)
{
	size_t i = pair_hash(x, y) & t->mask;

	/* the index is never more than half full: this ends */
	while (t->slot[i] && !pair_is(&t->pair[t->slot[i] - 1], x, y))
		i = (i + 1) & t->mask;
	return &t->slot[i];
}

const struct tsn_vpair *tsn_vpairs_find(const struct tsn_vpairs *t,
					const struct tsn_ip_addr *a,
					const struct tsn_ip_addr *b)
{
	uint32_t *s = find_slot(t, a, b);

	return *s ? &t->pair[*s - 1] : NULL;
}

/* Addresses in a fixed order, so pairs without nodes print sorted. */
static int ip_cmp(const struct tsn_ip_addr *x, const struct tsn_ip_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

/* Which packets make a pair: with an inventory (and no --all-pairs) only
 * those between two different members.  Fills the row's order. */
static bool pair_allowed(const struct tsn_verify *v, struct tsn_vpair *p,
			 const struct tsn_ip_addr *src,
			 const struct tsn_ip_addr *dst)
{
	int ns = tsn_vmembers_node(&v->members, src);
	int nd = tsn_vmembers_node(&v->members, dst);
	bool swap;

	if (v->inv && !v->all_pairs && (ns < 0 || nd < 0 || ns == nd))
		return false;
	if (ns >= 0 && nd >= 0 && !v->all_pairs)
		swap = nd < ns;		/* node order, as the inventory */
	else
		swap = ip_cmp(dst, src) < 0;
	p->a = swap ? *dst : *src;
	p->b = swap ? *src : *dst;
	p->na = swap ? nd : ns;
	p->nb = swap ? ns : nd;
	return true;
}

struct tsn_vpair *tsn_vpairs_get(struct tsn_verify *v,
				 const struct tsn_ip_addr *src,
				 const struct tsn_ip_addr *dst)
{
	struct tsn_vpairs *t = &v->pairs;
	uint32_t *s = find_slot(t, src, dst);
	struct tsn_vpair row;

	if (*s)
		return &t->pair[*s - 1];
	memset(&row, 0, sizeof(row));
	if (!pair_allowed(v, &row, src, dst))
		return NULL;
	if (t->n == TSN_VERIFY_PAIRS_MAX) {
		t->over_pairs_packets++;
		return &t->over;
	}
	t->pair[t->n] = row;
	*s = (uint32_t)++t->n;
	return &t->pair[t->n - 1];
}

void tsn_addr_to_ip(const struct tsn_addr *a, struct tsn_ip_addr *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = a->family;
	if (a->family == AF_INET)
		memcpy(ip->a, &a->v4, 4);
	else if (a->family == AF_INET6)
		memcpy(ip->a, &a->v6, 16);
}

static void member_add(struct tsn_vmembers *m, const struct tsn_addr *a,
		       int node)
{
	struct tsn_ip_addr ip;
	size_t i;

	if (!a->family)
		return;
	tsn_addr_to_ip(a, &ip);
	i = ip_hash(&ip) & m->mask;
	while (m->addr[i].family && !ip_eq(&m->addr[i], &ip))
		i = (i + 1) & m->mask;
	m->addr[i] = ip;	/* addresses are unique in an inventory */
	m->node[i] = node;
}

int tsn_vmembers_init(struct tsn_vmembers *m, const struct tsn_inventory *inv)
{
	size_t n = 8;

	memset(m, 0, sizeof(*m));
	if (!inv)
		return 0;
	while (n < 4 * inv->n_nodes)	/* two addresses a node, half full */
		n *= 2;
	m->addr = calloc(n, sizeof(*m->addr));
	m->node = calloc(n, sizeof(*m->node));
	if (!m->addr || !m->node) {
		tsn_vmembers_free(m);
		return -ENOMEM;
	}
	m->mask = n - 1;
	for (size_t i = 0; i < inv->n_nodes; i++) {
		member_add(m, &inv->nodes[i].addr, (int)i);
		member_add(m, &inv->nodes[i].addr6, (int)i);
	}
	return 0;
}

void tsn_vmembers_free(struct tsn_vmembers *m)
{
	free(m->addr);
	free(m->node);
	memset(m, 0, sizeof(*m));
}

int tsn_vmembers_node(const struct tsn_vmembers *m,
		      const struct tsn_ip_addr *ip)
{
	size_t i;

	if (!m->addr)
		return -1;
	for (i = ip_hash(ip) & m->mask; m->addr[i].family;
	     i = (i + 1) & m->mask)
		if (ip_eq(&m->addr[i], ip))
			return m->node[i];
	return -1;
}
