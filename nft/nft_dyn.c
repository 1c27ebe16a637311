/* nft_dyn.c - what a packet carries along its path: its mark, its
 * connection tracking, and the elements dynsets (add, update or delete
 * @set from the packet) made or removed, which a later lookup on the
 * same path sees as the kernel's does.  Paths that fork and meet again
 * merge what they carry: a mark they disagree on becomes unknown, an
 * element unsure, and a lookup of an unsure element may or may not
 * match.
 */
#include <string.h>

#include <linux/netfilter/nf_tables.h>

#include "nft/nft_vm.h"

void tsn_nft_carry_copy(struct tsn_nft_carry *to,
			const struct tsn_nft_carry *from)
{
	to->mark = from->mark;
	to->mark_known = from->mark_known;
	to->ct = from->ct;
	to->dyn_lost = from->dyn_lost;
	to->n_dyn = from->n_dyn;
	memcpy(to->dyn, from->dyn, from->n_dyn * sizeof(from->dyn[0]));
}

/* The entry of c for this set and key (wild: the wild one), or NULL. */
static struct tsn_nft_dyn *dyn_find(const struct tsn_nft_carry *c,
				    const struct tsn_nft_set *s,
				    const uint8_t *key, bool wild)
{
	for (unsigned i = 0; i < c->n_dyn; i++) {
		const struct tsn_nft_dyn *d = &c->dyn[i];

		if (d->set == s && d->wild == wild &&
		    (wild || !memcmp(d->key, key, s->key_len)))
			return (struct tsn_nft_dyn *)d;
	}
	return NULL;
}

void tsn_nft_carry_merge(struct tsn_nft_carry *a,
			 const struct tsn_nft_carry *b)
{
	unsigned n = a->n_dyn;

	if (a->mark_known != b->mark_known || a->mark != b->mark)
		a->mark_known = false;	/* paths disagree */
	if (a->ct != b->ct)
		a->ct = TSN_NFT_CT_UNSURE;
	a->dyn_lost |= b->dyn_lost;
	for (unsigned i = 0; i < n; i++) {
		struct tsn_nft_dyn *d = &a->dyn[i];
		const struct tsn_nft_dyn *o = dyn_find(b, d->set, d->key,
						       d->wild);

		if (!o || o->unsure || o->present != d->present)
			d->unsure = true;
	}
	for (unsigned i = 0; i < b->n_dyn; i++) {
		const struct tsn_nft_dyn *o = &b->dyn[i];

		if (dyn_find(a, o->set, o->key, o->wild))
			continue;
		if (a->n_dyn == TSN_NFT_DYN_MAX) {
			a->dyn_lost = true;
			continue;
		}
		a->dyn[a->n_dyn] = *o;
		a->dyn[a->n_dyn++].unsure = true;
	}
}

enum tsn_nft_dyn_state tsn_nft_dyn_state(const struct tsn_nft_regs *r,
					 const struct tsn_nft_set *s,
					 uint8_t sreg)
{
	const struct tsn_nft_carry *c = &r->c;
	const struct tsn_nft_dyn *d;
	/* Past the cap, which set a dynset wrote is not known: any. */
	bool mine = c->dyn_lost;

	for (unsigned i = 0; i < c->n_dyn && !mine; i++)
		mine = c->dyn[i].set == s;
	if (!mine)
		return TSN_NFT_DYN_NONE;
	if (c->dyn_lost || dyn_find(c, s, NULL, true) ||
	    tsn_nft_unknown_src(r, sreg, s->key_len))
		return TSN_NFT_DYN_UNSURE;
	d = dyn_find(c, s, r->v + sreg, false);
	if (!d)
		return TSN_NFT_DYN_NONE;
	if (d->unsure)
		return TSN_NFT_DYN_UNSURE;
	return d->present ? TSN_NFT_DYN_PRESENT : TSN_NFT_DYN_ABSENT;
}

enum tsn_nft_step tsn_nft_exec_dynset(struct tsn_nft_regs *r,
				      const struct tsn_nft_expr *e,
				      const struct tsn_nft_expr **why)
{
	const struct tsn_nft_set *s = e->set;
	struct tsn_nft_carry *c = &r->c;
	bool del = e->key == NFT_DYNSET_OP_DELETE, wild;
	struct tsn_nft_dyn *d;
	size_t added = 0;

	if (!s || !tsn_nft_in_regs(e->sreg, s->key_len)) {
		*why = e;
		return TSN_NFT_STEP_UNKNOWN;
	}
	wild = tsn_nft_unknown_src(r, e->sreg, s->key_len) != NULL;
	if (!del && s->size) {
		for (unsigned i = 0; i < c->n_dyn; i++)
			added += c->dyn[i].set == s && c->dyn[i].present;
		/* near full: whether this key is new decides */
		if (s->n_elems + added + 1 >= s->size) {
			*why = e;
			return TSN_NFT_STEP_FORK;
		}
	}
	d = dyn_find(c, s, r->v + e->sreg, wild);
	if (!d) {
		if (c->n_dyn == TSN_NFT_DYN_MAX) {
			c->dyn_lost = true;
			return TSN_NFT_STEP_CONT;
		}
		d = &c->dyn[c->n_dyn++];
		memset(d, 0, sizeof(*d));
		d->set = s;
		d->wild = wild;
		if (!wild)
			memcpy(d->key, r->v + e->sreg, s->key_len);
	}
	d->present = !del;
	/* A map's new data, or a range, is not modelled. */
	d->unsure = wild || (e->flags & TSN_NFT_DYNSET_DATA) ||
		    (s->flags & NFT_SET_INTERVAL);
	return TSN_NFT_STEP_CONT;
}
