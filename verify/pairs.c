/* pairs.c - the pair table of `tsnet verify`: one row of counts per pair
 * of addresses, found per packet without allocating.
 *
 * What a packet touches is one 64-byte slot: the pair's key (both
 * addresses, smaller first, so both directions meet) and its running
 * counts, in an open-addressed index at most half full.  The rows
 * (addresses in report order, node names, the first leak) are apart and
 * read only when a pair is new or leaks for the first time.  Measured on
 * 10 million packets among 2016 pairs: with the key in the index and the
 * counts in the rows a packet cost two cache misses, which was as much
 * as classifying it; one line per packet halves that.
 *
 * The table starts small and doubles (a few times per capture, never per
 * packet), so a capture with few pairs keeps its slots in the nearest
 * cache.  Past TSN_VERIFY_PAIRS_MAX pairs (or when memory runs out) a new
 * pair is not tracked on its own: its packets are summed in one row,
 * `over`, whose cleartext still counts as a leak and is reported with
 * its first packet, so a capped table never hides one.
 *
 * The members' set maps an inventory address to its node, so that with
 * an inventory only packets between two members make a pair.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "verify/verify.h"

#define ROWS_START 256
#define SLOT_V6 0x80000000u	/* in slot->row: an IPv6 pair */

/* murmur3's 64-bit finalizer: every input bit moves every output bit,
 * so addresses that differ in one byte spread over the whole index. */
static uint64_t fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

static uint64_t ip6_hash(const uint8_t *a)
{
	uint64_t w[2];

	memcpy(w, a, 16);
	return fmix64(w[0] ^ fmix64(w[1]));
}

/* A pair's key: the two addresses, the smaller first, in key[] (IPv4 in
 * its first 8 bytes, the rest zero); returns the slot to start at and
 * sets *v6.  The compares are branch-free for IPv4: the direction of a
 * packet is random, a branch on it would miss half the time. */
static size_t pair_key(const struct tsn_ip_addr *x,
		       const struct tsn_ip_addr *y, uint64_t key[4],
		       uint32_t *v6, size_t mask)
{
	uint32_t a, b, lo;

	if (x->family == AF_INET) {
		memcpy(&a, x->a, 4);
		memcpy(&b, y->a, 4);
		lo = a < b ? a : b;
		key[0] = (uint64_t)lo << 32 | (a ^ b ^ lo);
		key[1] = key[2] = key[3] = 0;
		*v6 = 0;
		return fmix64(key[0]) & mask;
	}
	if (memcmp(x->a, y->a, 16) > 0) {
		const struct tsn_ip_addr *t = x;

		x = y;
		y = t;
	}
	memcpy(key, x->a, 16);
	memcpy(key + 2, y->a, 16);
	*v6 = SLOT_V6;
	return (ip6_hash(x->a) + 3 * ip6_hash(y->a)) & mask;
}

static bool ip_eq(const struct tsn_ip_addr *x, const struct tsn_ip_addr *y)
{
	return x->family == y->family &&
	       !memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

static bool key_eq(const struct tsn_vslot *s, const uint64_t key[4],
		   uint32_t v6)
{
	if ((s->row & SLOT_V6) != v6 || s->key[0] != key[0])
		return false;
	return !v6 || (s->key[1] == key[1] && s->key[2] == key[2] &&
		       s->key[3] == key[3]);
}

/* The slot that holds the pair, or the empty slot where it would go. */
static struct tsn_vslot *find_slot(const struct tsn_vslot *slot, size_t mask,
				   const uint64_t key[4], uint32_t v6,
				   size_t i)
{
	/* the index is never more than half full: this ends */
	while (slot[i].row && !key_eq(&slot[i], key, v6))
		i = (i + 1) & mask;
	return (struct tsn_vslot *)&slot[i];
}

static struct tsn_vslot *slots_new(size_t n)
{
	struct tsn_vslot *s = aligned_alloc(64, n * sizeof(*s));

	if (s)
		memset(s, 0, n * sizeof(*s));
	return s;
}

int tsn_vpairs_init(struct tsn_vpairs *t)
{
	memset(t, 0, sizeof(*t));
	t->pair = calloc(ROWS_START, sizeof(*t->pair));
	t->slot = slots_new(2 * ROWS_START);
	if (!t->pair || !t->slot) {
		tsn_vpairs_free(t);
		return -ENOMEM;
	}
	t->cap = ROWS_START;
	t->mask = 2 * ROWS_START - 1;
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

static size_t row_of(const struct tsn_vslot *s)
{
	return (s->row & ~SLOT_V6) - 1;
}

const struct tsn_vpair *tsn_vpairs_find(const struct tsn_vpairs *t,
					const struct tsn_ip_addr *a,
					const struct tsn_ip_addr *b)
{
	const struct tsn_vslot *s;
	uint64_t key[4];
	uint32_t v6;
	size_t i;

	i = pair_key(a, b, key, &v6, t->mask);
	s = find_slot(t->slot, t->mask, key, v6, i);
	return s->row ? &t->pair[row_of(s)] : NULL;
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

/* Twice the rows and a new index for them: 0, or -ENOMEM with the table
 * as it was. */
static int grow(struct tsn_vpairs *t)
{
	size_t cap = 2 * t->cap, mask = 2 * cap - 1, i, k;
	struct tsn_vslot *slot;
	struct tsn_vpair *rows;
	uint64_t key[4];
	uint32_t v6;

	slot = slots_new(2 * cap);
	rows = slot ? realloc(t->pair, cap * sizeof(*rows)) : NULL;
	if (!rows) {
		free(slot);
		return -ENOMEM;
	}
	t->pair = rows;
	for (k = 0; k <= t->mask; k++) {
		const struct tsn_vslot *o = &t->slot[k];

		if (!o->row)
			continue;
		i = pair_key(&rows[row_of(o)].a, &rows[row_of(o)].b, key,
			     &v6, mask);
		*find_slot(slot, mask, key, v6, i) = *o;
	}
	free(t->slot);
	t->slot = slot;
	t->mask = mask;
	t->cap = cap;
	return 0;
}

/* A new pair's row and slot, or the summed row past the cap. */
static struct tsn_vpair *add(struct tsn_verify *v,
			     const struct tsn_ip_addr *src,
			     const struct tsn_ip_addr *dst,
			     struct tsn_vslot **cnt)
{
	struct tsn_vpairs *t = &v->pairs;
	struct tsn_vslot *s;
	struct tsn_vpair row;
	uint64_t key[4];
	uint32_t v6;
	size_t i;

	memset(&row, 0, sizeof(row));
	if (!pair_allowed(v, &row, src, dst))
		return NULL;
	if (t->n == TSN_VERIFY_PAIRS_MAX ||
	    (t->n == t->cap && grow(t) < 0)) {
		t->over_pairs_packets++;
		*cnt = &t->over_slot;
		return &t->over;
	}
	i = pair_key(src, dst, key, &v6, t->mask);
	s = find_slot(t->slot, t->mask, key, v6, i);
	memcpy(s->key, key, sizeof(s->key));
	t->pair[t->n] = row;
	s->row = (uint32_t)++t->n | v6;
	*cnt = s;
	return &t->pair[t->n - 1];
}

/* The general path: IPv6, and every pair's first packet. */
static __attribute__((noinline)) struct tsn_vpair *
get_slow(struct tsn_verify *v, const struct tsn_ip_addr *src,
	 const struct tsn_ip_addr *dst, struct tsn_vslot **cnt)
{
	struct tsn_vpairs *t = &v->pairs;
	struct tsn_vslot *s;
	uint64_t key[4];
	uint32_t v6;
	size_t i;

	i = pair_key(src, dst, key, &v6, t->mask);
	s = find_slot(t->slot, t->mask, key, v6, i);
	if (!s->row)
		return add(v, src, dst, cnt);
	*cnt = s;
	return &t->pair[row_of(s)];
}

/* Where a known IPv4 pair's slot is, asked of memory now. */
static void prefetch(const struct tsn_vpairs *t, struct tsn_vpend *q)
{
	const struct tsn_ip_addr *src = &q->pkt.src, *dst = &q->pkt.dst;
	struct tsn_vhint *h = &q->hint;
	uint32_t a, b, lo;

	h->mask = 0;		/* IPv6 takes the general path */
	if (src->family != AF_INET)
		return;
	memcpy(&a, src->a, 4);
	memcpy(&b, dst->a, 4);
	lo = a < b ? a : b;
	h->key = (uint64_t)lo << 32 | (a ^ b ^ lo);
	h->mask = t->mask;
	h->slot = fmix64(h->key) & t->mask;
	__builtin_prefetch(&t->slot[h->slot]);
}

/* A known IPv4 pair's slot, from where the prefetch looked (unless the
 * table grew since), or the general path. */
static struct tsn_vpair *lookup(struct tsn_verify *v,
				const struct tsn_vpend *q,
				struct tsn_vslot **cnt)
{
	struct tsn_vpairs *t = &v->pairs;
	const struct tsn_vhint *h = &q->hint;
	size_t i;

	if (h->mask == t->mask) {
		for (i = h->slot; t->slot[i].row; i = (i + 1) & t->mask) {
			struct tsn_vslot *s = &t->slot[i];

			if (s->key[0] == h->key && !(s->row & SLOT_V6)) {
				*cnt = s;
				return &t->pair[row_of(s)];
			}
		}
	}
	return get_slow(v, &q->pkt.src, &q->pkt.dst, cnt);
}

static __attribute__((noinline)) void
first_leak(struct tsn_verify *v, struct tsn_vpair *p, const struct tsn_vpend *q)
{
	const struct tsn_pkt *pkt = &q->pkt;
	struct tsn_vleak *l = &p->first;

	if (p == &v->pairs.over) {	/* no addresses of its own */
		p->a = pkt->src;
		p->b = pkt->dst;
	}
	l->packet = q->number;
	l->sec = q->sec;
	l->usec = q->usec;
	l->proto = pkt->l4proto;
	l->has_ports = pkt->has_ports;
	l->sport = pkt->sport;
	l->dport = pkt->dport;
	l->fragment = pkt->fragment;
	l->orphan = pkt->orphan;
	l->a_to_b = ip_eq(&p->a, &pkt->src);
}

/* Per packet, one call: the slot of this packet's pair is prefetched,
 * the packet before is counted (its slot was prefetched one record
 * ago).  Measured: the slot's cache miss was as long as classifying;
 * this hides most of it, and one call with everything inlined cost a
 * third of the instructions of three. */
void tsn_vpairs_step(struct tsn_verify *v, struct tsn_vpend *now,
		     struct tsn_vpend *before)
{
	struct tsn_vslot *cnt;
	struct tsn_vpair *p;
	enum tsn_vcls c;

	if (now && now->has_pair)
		prefetch(&v->pairs, now);
	if (!before->has_pair)
		return;
	before->has_pair = false;
	c = before->c;
	p = lookup(v, before, &cnt);
	if (!p)
		return;
	if (c == TSN_V_CLEARTEXT && !cnt->n[c] && !p->n[c])
		first_leak(v, p, before);
	if (!++cnt->n[c])	/* wrapped: carry into the row */
		p->n[c] += 1ull << 32;
}

static void settle(struct tsn_vpair *p, struct tsn_vslot *s)
{
	for (int k = 0; k < TSN_V_PAIR_N; k++) {
		p->n[k] += s->n[k];
		s->n[k] = 0;
	}
}

void tsn_vpairs_settle(struct tsn_vpairs *t)
{
	for (size_t k = 0; k <= t->mask; k++)
		if (t->slot[k].row)
			settle(&t->pair[row_of(&t->slot[k])], &t->slot[k]);
	settle(&t->over, &t->over_slot);
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

static size_t member_slot(const struct tsn_ip_addr *ip, size_t mask)
{
	uint32_t a;

	if (ip->family != AF_INET)
		return ip6_hash(ip->a) & mask;
	memcpy(&a, ip->a, 4);
	return fmix64(a) & mask;
}

static void member_add(struct tsn_vmembers *m, const struct tsn_addr *a,
		       int node)
{
	struct tsn_ip_addr ip;
	size_t i;

	if (!a->family)
		return;
	tsn_addr_to_ip(a, &ip);
	i = member_slot(&ip, m->mask);
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
	for (i = member_slot(ip, m->mask); m->addr[i].family;
	     i = (i + 1) & m->mask)
		if (ip_eq(&m->addr[i], ip))
			return m->node[i];
	return -1;
}
