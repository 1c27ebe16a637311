/* inventory_value.c - setting a key's value by its row of the key table,
 * and the index that finds duplicate node names and addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory_int.h"

/* An open-addressing index of node names and addresses, so duplicates
 * are found without pairwise scans (those took 2.7 s for 4096 nodes under
 * ASan).  A slot holds 1 + (node << 2 | what), what being 0 for the name,
 * 1 for address and 2 for address6; 0 is empty.  It has 8 slots per
 * allocated node, so it is at most 3/8 full, and is rebuilt when the
 * nodes array grows. */
static uint32_t fnv(const void *p, size_t n, uint32_t h)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

uint32_t inv_slot_value(size_t node, unsigned what)
{
	return (uint32_t)(1 + (node << 2 | what));
}

/* The slot holding name (or, when name is NULL, address a), or the empty
 * slot where it would go. */
uint32_t *inv_find_slot(struct parser *ps, const char *name,
			const struct tsn_addr *a)
{
	uint32_t h = name ? fnv(name, strlen(name), 2166136261u) :
		fnv(&a->v4, inv_addr_len(a), 2166136261u ^ (uint32_t)a->family);

	for (size_t i = h & ps->mask;; i = (i + 1) & ps->mask) {
		uint32_t v = ps->slots[i];
		const struct tsn_node *n;

		if (!v)
			return &ps->slots[i];
		n = &ps->inv->nodes[(v - 1) >> 2];
		switch ((v - 1) & 3) {
		case 0:
			if (name && !strcmp(n->name, name))
				return &ps->slots[i];
			break;
		case 1:
			if (!name && tsn_addr_equal(&n->addr, a))
				return &ps->slots[i];
			break;
		default:
			if (!name && tsn_addr_equal(&n->addr6, a))
				return &ps->slots[i];
		}
	}
}

int inv_index_rebuild(struct parser *ps, size_t cap)
{
	const struct tsn_inventory *inv = ps->inv;
	uint32_t *slots = calloc(cap * 8, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	free(ps->slots);
	ps->slots = slots;
	ps->mask = cap * 8 - 1;
	for (size_t i = 0; i < inv->n_nodes; i++) {
		const struct tsn_node *n = &inv->nodes[i];

		*inv_find_slot(ps, n->name, NULL) = inv_slot_value(i, 0);
		if (n->addr.family)
			*inv_find_slot(ps, NULL, &n->addr) =
				inv_slot_value(i, 1);
		if (n->addr6.family)
			*inv_find_slot(ps, NULL, &n->addr6) =
				inv_slot_value(i, 2);
	}
	return 0;
}

/* Setting values */

int inv_nomem(struct parser *ps)
{
	inv_perr(ps, "out of memory");
	return -ENOMEM;
}

static int set_str(struct parser *ps, const struct key *k, void *base,
		   const char *v)
{
	char **field = FIELD(base, k, char *);

	if (k->check && k->check(ps, k, v))
		return -EINVAL;
	free(*field);
	*field = strdup(v);
	return *field ? 0 : inv_nomem(ps);
}

static int set_uint(struct parser *ps, const struct key *k, void *base,
		    const char *v)
{
	char b[96];
	unsigned u;
	int ret = tsn_parse_uint(v, k->min, k->max, &u);

	if (ret == -ERANGE)
		return inv_perr(ps, "%s %s is out of range (%u to %u)", k->name,
				inv_q(b, sizeof(b), v), k->min, k->max);
	if (ret < 0)
		return inv_perr(ps,
				"%s must be a number from %u to %u, not "
				"'%s'%s%s%s", k->name, k->min, k->max,
				inv_q(b, sizeof(b), v),
				INV_NOTE(inv_comment_hint(v)));
	if (k->check && k->check(ps, k, v))
		return -EINVAL;
	*FIELD(base, k, unsigned) = u;
	return 0;
}

static int set_enum(struct parser *ps, const struct key *k, void *base,
		    const char *v)
{
	char b[96], list[96] = "";
	unsigned i;

	for (i = 0; k->names[i]; i++) {
		if (!strcmp(v, k->names[i])) {
			*FIELD(base, k, unsigned) = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? (k->names[i + 1] ? ", " : " or ") : "",
			 k->names[i]);
	}
	return inv_perr(ps, "%s must be %s, not '%s'%s%s%s", k->name, list,
			inv_q(b, sizeof(b), v),
			INV_NOTE(inv_comment_hint(v)));
}

static int set_addr(struct parser *ps, const struct key *k, void *base,
		    const char *v)
{
	const struct tsn_inventory *inv = ps->inv;
	char b[96], s[INET6_ADDRSTRLEN];
	struct tsn_addr a;
	const char *why;
	uint32_t *slot;

	if (tsn_addr_parse(v, &a) < 0) {
		why = inv_comment_hint(v);
		if (!why && strchr(v, '/'))
			why = "give the node's own address, no prefix length";
		return inv_perr(ps,
				"%s '%s' is not an IPv4 or IPv6 address%s%s%s",
				k->name, inv_q(b, sizeof(b), v), INV_NOTE(why));
	}
	if ((k->flags & F_V6ONLY) && a.family != AF_INET6)
		return inv_perr(ps, "%s must be an IPv6 address", k->name);
	tsn_addr_str(&a, s, sizeof(s));
	why = inv_addr_unusable(&a);
	if (why)
		return inv_perr(ps, "%s %s is %s", k->name, s, why);
	slot = inv_find_slot(ps, NULL, &a);
	if (*slot) {
		const struct tsn_node *n = &inv->nodes[(*slot - 1) >> 2];

		return inv_perr(ps,
				"duplicate address %s (node '%s' at line %u "
				"has it)", s, n->name, n->line);
	}
	*FIELD(base, k, struct tsn_addr) = a;
	*slot = inv_slot_value(inv->n_nodes - 1,
			       k->off == offsetof(struct tsn_node, addr) ?
			       1 : 2);
	return 0;
}

/* One allocation: the pointer array, then the strings. */
static int set_opts(struct parser *ps, const struct key *k, void *base,
		    const char *v)
{
	char item[TSN_LINE_MAX + 1], **list, *s;
	size_t n = 0, len;
	const char *p;

	for (p = v; *(p += strspn(p, " \t")); p += len, n++) {
		len = strcspn(p, " \t");
		if (n >= LIST_MAX)
			return inv_perr(ps, "more than %d ssh_options",
					LIST_MAX);
		memcpy(item, p, len);
		item[len] = '\0';
		if (inv_check_ssh_option(ps, item))
			return -EINVAL;
	}
	list = malloc((n + 1) * sizeof(*list) + strlen(v) + 1);
	if (!list)
		return inv_nomem(ps);
	s = (char *)(list + n + 1);
	n = 0;
	for (p = v; *(p += strspn(p, " \t")); p += len) {
		len = strcspn(p, " \t");
		list[n++] = memcpy(s, p, len);
		s[len] = '\0';
		s += len + 1;
	}
	list[n] = NULL;
	free(*FIELD(base, k, char **));
	*FIELD(base, k, char **) = list;
	return 0;
}

static int add_subnet(struct parser *ps, struct tsn_cluster *c,
		      const char *item)
{
	char b[96], s[INET6_ADDRSTRLEN];
	struct tsn_prefix p, net;
	void *grown;

	if (tsn_prefix_parse(item, &p) < 0)
		return inv_perr(ps, "subnet '%s' is not a prefix like "
				"198.18.0.0/15 or fd00:7473::/64%s%s%s",
				inv_q(b, sizeof(b), item),
				INV_NOTE(inv_comment_hint(item)));
	tsn_addr_str(&p.addr, s, sizeof(s));
	if (p.len == 0)
		return inv_perr(ps, "subnet %s/0 is every address", s);
	if (!tsn_prefix_is_network(&p)) {
		net = p;
		for (unsigned i = p.len; i < inv_addr_len(&p.addr) * 8; i++)
			((uint8_t *)&net.addr.v4)[i / 8] &=
				(uint8_t)~(0x80 >> (i % 8));
		return inv_perr(ps,
				"subnet %s/%u has host bits set (did you mean "
				"%s/%u?)", s, p.len,
				tsn_addr_str(&net.addr, b, sizeof(b)), p.len);
	}
	for (size_t i = 0; i < c->n_subnets; i++)
		if (c->subnets[i].len == p.len &&
		    tsn_addr_equal(&c->subnets[i].addr, &p.addr))
			return inv_perr(ps, "subnet %s/%u is listed twice", s,
					p.len);
	if (c->n_subnets >= LIST_MAX)
		return inv_perr(ps, "more than %d subnets", LIST_MAX);
	grown = realloc(c->subnets, (c->n_subnets + 1) * sizeof(p));
	if (!grown)
		return inv_nomem(ps);
	c->subnets = grown;
	c->subnets[c->n_subnets++] = p;
	return 0;
}

static int set_subnets(struct parser *ps, struct tsn_cluster *c,
		       const char *v)
{
	char item[TSN_LINE_MAX + 1], *t, *e;
	int ret;

	for (const char *p = v;; p++) {
		size_t len = strcspn(p, ",");

		memcpy(item, p, len);
		item[len] = '\0';
		for (t = item; *t == ' ' || *t == '\t'; t++)
			;
		for (e = t + strlen(t); e > t && (e[-1] == ' ' ||
						  e[-1] == '\t'); e--)
			;
		*e = '\0';
		if (!*t)
			return inv_perr(ps, "subnet has an empty item");
		ret = add_subnet(ps, c, t);
		if (ret)
			return ret;
		p += len;
		if (!*p)
			return 0;
	}
}

int inv_set_value(struct parser *ps, const struct key *k, void *base,
		  const char *v)
{
	switch (k->type) {
	case V_STR:
		return set_str(ps, k, base, v);
	case V_UINT:
		return set_uint(ps, k, base, v);
	case V_ENUM:
		return set_enum(ps, k, base, v);
	case V_ADDR:
		return set_addr(ps, k, base, v);
	case V_OPTS:
		return set_opts(ps, k, base, v);
	case V_SUBNETS:
		return set_subnets(ps, base, v);
	}
	return -EINVAL;
}
