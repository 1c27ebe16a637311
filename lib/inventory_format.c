/* inventory_format.c - freeing, writing and comparing inventories, all by
 * the key tables, so a new key needs no code here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inventory_int.h"

/* CFIELD would make the strings const, not the array pointer. */
static char *const *opts_of(const struct key *k, const void *base)
{
	char **list;

	memcpy(&list, (const char *)base + k->off, sizeof(list));
	return list;
}

static void free_fields(const struct key *keys, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		if (keys[i].type == V_STR)
			free(*FIELD(base, &keys[i], char *));
		else if (keys[i].type == V_OPTS)
			free(*FIELD(base, &keys[i], char **));
	}
}

void tsn_inventory_free(struct tsn_inventory *inv)
{
	if (!inv)
		return;
	free_fields(inv_cluster_keys, inv_n_cluster_keys, &inv->cluster);
	free(inv->cluster.subnets);
	for (size_t i = 0; i < inv->n_nodes; i++)
		free_fields(inv_node_keys, inv_n_node_keys, &inv->nodes[i]);
	free(inv->nodes);
	free(inv->path);
	memset(inv, 0, sizeof(*inv));
}

static bool is_set(const struct key *k, const void *base)
{
	switch (k->type) {
	case V_STR:
		return *CFIELD(base, k, char *);
	case V_UINT:
		return *CFIELD(base, k, unsigned) || !(k->flags & F_OPTIONAL);
	case V_ENUM:
		return true;
	case V_ADDR:
		return CFIELD(base, k, struct tsn_addr)->family;
	case V_OPTS:
		return opts_of(k, base) && *opts_of(k, base);
	case V_SUBNETS:
		return ((const struct tsn_cluster *)base)->n_subnets;
	}
	return false;
}

static const char *enum_name(const struct key *k, unsigned v)
{
	for (unsigned i = 0; k->names[i]; i++)
		if (i == v)
			return k->names[i];
	return "?";
}

static int fmt_value(struct tsn_buf *b, const struct key *k, const void *base)
{
	const struct tsn_cluster *c = base;
	char s[INET6_ADDRSTRLEN];
	char *const *opt;
	int ret = 0;

	switch (k->type) {
	case V_STR:
		return tsn_buf_puts(b, *CFIELD(base, k, char *));
	case V_UINT:
		return tsn_buf_printf(b, "%u", *CFIELD(base, k, unsigned));
	case V_ENUM:
		return tsn_buf_puts(b, enum_name(k, *CFIELD(base, k,
							    unsigned)));
	case V_ADDR:
		return tsn_buf_puts(b, tsn_addr_str(CFIELD(base, k,
							   struct tsn_addr),
						    s, sizeof(s)));
	case V_OPTS:
		for (opt = opts_of(k, base); !ret && *opt; opt++)
			ret = tsn_buf_printf(b, "%s%s", opt == opts_of(k, base)
					     ? "" : " ", *opt);
		return ret;
	case V_SUBNETS:
		for (size_t i = 0; !ret && i < c->n_subnets; i++)
			ret = tsn_buf_printf(b, "%s%s/%u", i ? "," : "",
					     tsn_addr_str(&c->subnets[i].addr,
							  s, sizeof(s)),
					     c->subnets[i].len);
		return ret;
	}
	return -EINVAL;
}

static int fmt_keys(struct tsn_buf *b, const struct key *keys, size_t n,
		    const void *base, bool all)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < n; i++) {
		bool set = is_set(&keys[i], base);

		if (!set && !all)
			continue;
		ret = tsn_buf_printf(b, "%s =%s", keys[i].name, set ? " " : "");
		if (!ret && set)
			ret = fmt_value(b, &keys[i], base);
		if (!ret)
			ret = tsn_buf_puts(b, "\n");
	}
	return ret;
}

int tsn_inventory_format(const struct tsn_inventory *inv, struct tsn_buf *out)
{
	int ret = tsn_buf_puts(out, "[cluster]\n");

	if (!ret)
		ret = fmt_keys(out, inv_cluster_keys, inv_n_cluster_keys,
			       &inv->cluster, true);
	for (size_t i = 0; !ret && i < inv->n_nodes; i++) {
		ret = tsn_buf_printf(out, "\n[node %s]\n", inv->nodes[i].name);
		if (!ret)
			ret = fmt_keys(out, inv_node_keys, inv_n_node_keys,
				       &inv->nodes[i], false);
	}
	return ret;
}

static bool opts_equal(char *const *a, char *const *b)
{
	for (; a && *a; a++, b++)
		if (!b || !*b || strcmp(*a, *b))
			return false;
	return !b || !*b;
}

static bool value_equal(const struct key *k, const void *a, const void *b)
{
	const struct tsn_cluster *ca = a, *cb = b;

	switch (k->type) {
	case V_STR:
		return tsn_streq(*CFIELD(a, k, char *), *CFIELD(b, k, char *));
	case V_UINT:
	case V_ENUM:
		return *CFIELD(a, k, unsigned) == *CFIELD(b, k, unsigned);
	case V_ADDR:
		return tsn_addr_equal(CFIELD(a, k, struct tsn_addr),
				      CFIELD(b, k, struct tsn_addr));
	case V_OPTS:
		return opts_equal(opts_of(k, a), opts_of(k, b));
	case V_SUBNETS:
		if (ca->n_subnets != cb->n_subnets)
			return false;
		for (size_t i = 0; i < ca->n_subnets; i++)
			if (ca->subnets[i].len != cb->subnets[i].len ||
			    !tsn_addr_equal(&ca->subnets[i].addr,
					    &cb->subnets[i].addr))
				return false;
		return true;
	}
	return false;
}

static bool keys_equal(const struct key *keys, size_t n, const void *a,
		       const void *b)
{
	for (size_t i = 0; i < n; i++)
		if (!value_equal(&keys[i], a, b))
			return false;
	return true;
}

/* Every field but the path and the line numbers, which say where an
 * inventory came from rather than what it is. */
bool tsn_inventory_equal(const struct tsn_inventory *a,
			 const struct tsn_inventory *b)
{
	if (!keys_equal(inv_cluster_keys, inv_n_cluster_keys, &a->cluster,
			&b->cluster) || a->n_nodes != b->n_nodes)
		return false;
	for (size_t i = 0; i < a->n_nodes; i++)
		if (strcmp(a->nodes[i].name, b->nodes[i].name) ||
		    !keys_equal(inv_node_keys, inv_n_node_keys,
				&a->nodes[i], &b->nodes[i]))
			return false;
	return true;
}
