/* plan.c - pairs, keys, encapsulation and the plan hash.
 *
 * Keys are 32 bytes from getrandom(), one per pair, so a node's secrets
 * hold only its own pairs and one stolen node cannot impersonate another
 * to a third.  The hash is computed over text (not structs) so another
 * implementation, or an operator with sha256sum, can reproduce it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/plan.h"
#include "probe/sha.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int tsn_plan_build(struct tsn_plan *p, const struct tsn_inventory *inv,
		   bool encap_all, long only)
{
	size_t n = inv->n_nodes, k = 0;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	p->inv = inv;
	p->pairs = calloc(n * (n - (n > 0)) / 2 + 1, sizeof(*p->pairs));
	if (!p->pairs)
		return -ENOMEM;
	encap_all = encap_all || inv->cluster.encap == TSN_ENCAP_YES;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			struct tsn_plan_pair *pp = &p->pairs[k++];
			bool swap = strcmp(inv->nodes[i].name,
					   inv->nodes[j].name) > 0;

			pp->a = swap ? j : i;
			pp->b = swap ? i : j;
			pp->encap = encap_all;
			if ((only < 0 || (size_t)only == i ||
			     (size_t)only == j) &&
			    (ret = tsn_psk_random(pp->psk)) < 0)
				goto out;
		}
	}
	p->n_pairs = k;
	ret = tsn_plan_rehash(p);
out:
	if (ret < 0)
		tsn_plan_free(p);
	return ret;
}

int tsn_plan_rehash(struct tsn_plan *p)
{
	const struct tsn_inventory *inv = p->inv;
	char **encap = calloc(p->n_pairs + 1, sizeof(*encap));
	size_t n_encap = 0;
	int ret = encap ? 0 : -ENOMEM;

	for (size_t k = 0; ret == 0 && k < p->n_pairs; k++) {
		const struct tsn_plan_pair *pp = &p->pairs[k];

		if (!pp->encap)
			continue;
		if (asprintf(&encap[n_encap], "%s %s", inv->nodes[pp->a].name,
			     inv->nodes[pp->b].name) < 0) {
			encap[n_encap] = NULL;
			ret = -ENOMEM;
			break;
		}
		n_encap++;
	}
	if (ret == 0)
		ret = tsn_plan_hash(inv, (const char *const *)encap, n_encap,
				    p->hash);
	for (size_t i = 0; encap && i < n_encap; i++)
		free(encap[i]);
	free(encap);
	return ret;
}

void tsn_plan_free(struct tsn_plan *p)
{
	if (p->pairs)
		tsn_memzero(p->pairs, p->n_pairs * sizeof(*p->pairs));
	free(p->pairs);
	p->pairs = NULL;
	p->n_pairs = 0;
}

struct tsn_plan_pair *tsn_plan_find(const struct tsn_plan *p, size_t i,
				    size_t j)
{
	for (size_t k = 0; k < p->n_pairs; k++)
		if ((p->pairs[k].a == i && p->pairs[k].b == j) ||
		    (p->pairs[k].a == j && p->pairs[k].b == i))
			return &p->pairs[k];
	return NULL;
}

/* "A B" in either order -> "encap A B\n" with A < B. */
static int encap_line(const char *pair, char **out)
{
	const char *sp = strchr(pair, ' ');
	char a[TSN_NAME_MAX + 1], b[TSN_NAME_MAX + 1];
	size_t la;

	if (!sp || sp == pair || (la = (size_t)(sp - pair)) > TSN_NAME_MAX ||
	    strlen(sp + 1) > TSN_NAME_MAX)
		return -EINVAL;
	memcpy(a, pair, la);
	a[la] = '\0';
	strcpy(b, sp + 1);
	if (!tsn_name_valid(a) || !tsn_name_valid(b))
		return -EINVAL;
	if (strcmp(a, b) > 0)
		return asprintf(out, "encap %s %s\n", b, a) < 0 ? -ENOMEM : 0;
	return asprintf(out, "encap %s %s\n", a, b) < 0 ? -ENOMEM : 0;
}

static int hash_text(const struct tsn_inventory *inv,
		     const char *const *encap_pairs, size_t n,
		     struct tsn_buf *t)
{
	const struct tsn_cluster *cl = &inv->cluster;
	size_t nn = inv->n_nodes;
	char **lines = calloc((nn > n ? nn : n) + 1, sizeof(*lines));
	char addr[64];
	int ret = 0;

	if (!lines)
		return -ENOMEM;
	tsn_buf_printf(t, "tsnet-plan 1\ncluster %s\n", cl->name);
	for (size_t i = 0; i < nn; i++)
		if (asprintf(&lines[i], "node %s %s\n", inv->nodes[i].name,
			     tsn_addr_str(&inv->nodes[i].addr, addr,
					  sizeof(addr))) < 0) {
			lines[i] = NULL;
			ret = -ENOMEM;
			goto out;
		}
	qsort(lines, nn, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < nn; i++) {
		tsn_buf_puts(t, lines[i]);
		free(lines[i]);
		lines[i] = NULL;
	}
	tsn_buf_printf(t, "ike %s\nesp %s\nrekey %u\nauth %s\n",
		       cl->ike_proposals, cl->esp_proposals, cl->rekey_time,
		       tsn_auth_name(cl->auth));
	for (size_t i = 0; i < n; i++)
		if ((ret = encap_line(encap_pairs[i], &lines[i])) < 0)
			goto out;
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(lines[i], lines[i - 1]))
			tsn_buf_puts(t, lines[i]);
	if (!t->p)
		ret = -ENOMEM;
out:
	for (size_t i = 0; i < (nn > n ? nn : n); i++)
		free(lines[i]);
	free(lines);
	return ret;
}

int tsn_plan_hash(const struct tsn_inventory *inv,
		  const char *const *encap_pairs, size_t n, char out[65])
{
	uint8_t d[TSN_SHA256_LEN];
	struct tsn_buf t = { 0 };
	int ret = hash_text(inv, encap_pairs, n, &t);

	if (ret == 0) {
		tsn_sha256(t.p, t.len, d);
		tsn_hex(out, d, TSN_SHA256_LEN);
		out[64] = '\0';
	}
	tsn_buf_free(&t);
	return ret;
}

void tsn_psk_hex(const uint8_t psk[TSN_PSK_LEN],
		 char out[2 * TSN_PSK_LEN + 1])
{
	tsn_hex(out, psk, TSN_PSK_LEN);
	out[2 * TSN_PSK_LEN] = '\0';
}

int tsn_psk_unhex(const char *s, uint8_t psk[TSN_PSK_LEN])
{
	return tsn_hex_decode(s, psk, TSN_PSK_LEN) == TSN_PSK_LEN ? 0 : -EINVAL;
}
