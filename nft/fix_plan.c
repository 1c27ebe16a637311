/* fix_plan.c - the planner of --fix: the flows between this node and
 * its peers, the base chains that drop them, and the what-if accepts in
 * the model that show which chains need ours (see fix.c).
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/rule.h>
#include "lib/nfnl.h"
#include "nft/fix.h"
#include "nft/nft.h"

#include "nft/fix_plan.h"

/* The interface holding address a, or NULL. */
static const char *local_if(const struct ifaddrs *ifa,
			    const struct tsn_addr *a)
{
	for (; ifa; ifa = ifa->ifa_next) {
		const struct sockaddr *sa = ifa->ifa_addr;

		if (!sa || sa->sa_family != a->family)
			continue;
		if (a->family == AF_INET &&
		    !memcmp(&((const struct sockaddr_in *)(const void *)sa)
				     ->sin_addr, &a->v4, 4))
			return ifa->ifa_name;
		if (a->family == AF_INET6 &&
		    !memcmp(&((const struct sockaddr_in6 *)(const void *)sa)
				     ->sin6_addr, &a->v6, 16))
			return ifa->ifa_name;
	}
	return NULL;
}

static bool is_local(const struct ifaddrs *ifa, const struct tsn_addr *a)
{
	return local_if(ifa, a) != NULL;
}

static void addr_bytes(const struct tsn_addr *a, uint8_t *out)
{
	memset(out, 0, 16);
	memcpy(out, a->family == AF_INET ? (const void *)&a->v4 :
		    (const void *)&a->v6, a->family == AF_INET ? 4 : 16);
}

/* Six flows (in/out x three protocols) per peer, from the member
 * address of this node of the peer's family. */
int fix_build_flows(const struct tsn_fix_req *req, struct plan *p)
{
	static const char *const protos[] = { "udp500", "udp4500", "esp" };
	struct tsn_addr self[2] = { { 0 }, { 0 } };
	struct ifaddrs *ifa = NULL;
	const char *ifname = req->ifname;
	char name[sizeof(p->flows->ifname)] = "";
	unsigned idx;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (size_t i = 0; i < req->n_members; i++) {
		const char *at = local_if(ifa, &req->members[i]);

		if (!at)
			continue;
		self[req->members[i].family == AF_INET6] = req->members[i];
		if (!ifname)	/* the cluster interface: where we are */
			ifname = at;
	}
	idx = ifname ? if_nametoindex(ifname) : 0;
	snprintf(name, sizeof(name), "%s", ifname ? ifname : "");
	p->flows = req->n_members < SIZE_MAX / 6 / sizeof(*p->flows) ?
		   malloc((req->n_members * 6 + 1) * sizeof(*p->flows)) :
		   NULL;
	if (!p->flows) {
		freeifaddrs(ifa);
		return -ENOMEM;
	}
	for (size_t i = 0; i < req->n_members; i++) {
		const struct tsn_addr *m = &req->members[i];
		const struct tsn_addr *s = &self[m->family == AF_INET6];

		if (is_local(ifa, m))
			continue;
		for (int d = 0; d < 2; d++) {
			for (int k = 0; k < 3; k++) {
				struct tsn_nft_flow *f = &p->flows[p->n_flows++];

				/* malloc'd: what is not set here is zero
				 * (established, iftype, local without one) */
				memset(f, 0, sizeof(*f));
				f->family = m->family;
				f->dir = d ? TSN_NFT_OUT : TSN_NFT_IN;
				tsn_nft_flow_proto(f, protos[k]);
				addr_bytes(m, f->peer);
				if (s->family)
					addr_bytes(s, f->local);
				memcpy(f->ifname, name, sizeof(f->ifname));
				f->ifindex = idx;
			}
		}
	}
	freeifaddrs(ifa);
	return 0;
}

static bool hook_is_input(const char *hook)
{
	return !strcmp(hook, "input") || !strcmp(hook, "prerouting") ||
	       !strcmp(hook, "ingress");
}

static uint32_t hook_num(const char *hook)
{
	static const char *const names[] = { "prerouting", "input", "forward",
					     "output", "postrouting" };

	for (uint32_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(hook, names[i]))
			return i;
	return 99;
}

static int add_target(struct plan *p, const struct tsn_nft_chain *c,
		      bool input, bool *added)
{
	struct tsn_fix_insert *t;

	for (size_t i = 0; i < p->n_t; i++)
		if (p->t[i].family == c->family &&
		    !strcmp(p->t[i].table, c->table) &&
		    !strcmp(p->t[i].chain, c->name))
			return 0;
	if (strlen(c->table) >= 64 || strlen(c->name) >= 64)
		return -ENAMETOOLONG;
	t = realloc(p->t, (p->n_t + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	p->t = t;
	t = &p->t[p->n_t++];
	memset(t, 0, sizeof(*t));
	t->family = c->family;
	t->input = input;
	snprintf(t->table, sizeof(t->table), "%s", c->table);
	snprintf(t->chain, sizeof(t->chain), "%s", c->name);
	*added = true;
	return 0;
}

void fix_note_bad(struct plan *p, const struct tsn_nft_verdict *v)
{
	char text[400];
	size_t used = strlen(p->bad);

	if (p->n_bad++ || used)
		return;		/* the first says enough; count the rest */
	tsn_nft_verdict_text(v, text, sizeof(text));
	snprintf(p->bad, sizeof(p->bad), "%s", text);
}

/* The base chains that produced a drop: the chain itself, or every
 * base chain of its table on that hook when the drop came from a
 * chain jumped to. */
static int targets_of(struct plan *p, struct tsn_nft_ruleset *rs,
		      const struct tsn_nft_verdict *v, bool *added)
{
	const struct tsn_nft_where *w = &v->where;
	uint32_t hook = hook_num(w->hook);
	int ret = 0;
	bool any = false;

	const struct tsn_nft_chain *at;

	if (w->family == NFPROTO_NETDEV || hook == 99)
		return 1;	/* not a family our rules can go into */
	at = tsn_nft_chain_find(rs, w->family, w->table, w->chain);
	tsn_nft_sort(rs);
	for (size_t i = 0; i < rs->n_chains && !ret; i++) {
		const struct tsn_nft_chain *c = rs->chains[i];

		if (c->family != w->family || strcmp(c->table, w->table) ||
		    !c->base || c->hook != hook)
			continue;
		if (strcmp(c->name, w->chain) && at && at->base)
			continue;
		any = true;
		ret = add_target(p, c, hook_is_input(w->hook), added);
	}
	return ret ? ret : !any;
}

/* The same effect as our accepts, for the flows we evaluate: every one of
 * them matches, so the chain is evaluated as if an accept stood at its
 * head (the model itself stays the ruleset as read). */
static int model_insert(struct tsn_nft_ruleset *rs,
			const struct tsn_fix_insert *t)
{
	struct tsn_nft_chain *c = tsn_nft_chain_find(rs, t->family, t->table,
						     t->chain);

	if (!c)
		return -ENOENT;
	c->accept_all = true;
	return 0;
}

/* Evaluate every flow; note the chains that drop (once per distinct
 * verdict: a thousand peers dropped by one rule are one target). */
static int plan_round(struct plan *p, struct tsn_nft_ruleset *rs,
		      bool *added)
{
	struct tsn_nft_verdict *v = calloc(p->n_cls + 1, sizeof(*v));
	bool *ok = calloc(p->n_cls + 1, sizeof(*ok));
	size_t seen = 0;
	int ret = -ENOMEM;

	if (!v || !ok)
		goto out;
	p->n_bad = 0;
	p->bad[0] = '\0';
	ret = tsn_fix_eval_classes(rs, p->flows, p->n_flows, p->cls, v);
	for (size_t i = 0; i < p->n_flows && !ret; i++) {
		uint32_t k = p->cls[i];
		const struct tsn_nft_verdict *vk = &v[k];

		if (k == seen) {	/* the first flow of its class */
			seen++;
			ok[k] = vk->result == TSN_NFT_ACCEPT;
			if (vk->result == TSN_NFT_DROP) {
				bool mine = false;

				ret = targets_of(p, rs, vk, &mine);
				*added |= mine;
				if (ret < 0)
					break;
				ok[k] = ret == 0 && mine;
				ret = 0;
			}
		}
		if (!ok[k])
			fix_note_bad(p, vk);
	}
out:
	free(v);
	free(ok);
	return ret;
}

/* Our previous accepts are planned afresh: the model is evaluated as if
 * they were not there. */
static void model_forget_ours(struct tsn_nft_ruleset *rs)
{
	for (size_t i = 0; i < rs->n_chains; i++) {
		struct tsn_nft_chain *c = rs->chains[i];

		for (size_t k = 0; k < c->n_rules; k++)
			if (tsn_streq(c->rules[k].comment, TSN_FIX_TAG))
				c->rules[k].skip = true;
	}
}

int fix_plan_make(struct plan *p, struct tsn_nft_ruleset *rs)
{
	long n_cls;
	size_t done = 0;
	int ret = 0;

	model_forget_ours(rs);
	/* The what-if accepts take every flow alike: the classes hold. */
	p->cls = calloc(p->n_flows + 1, sizeof(*p->cls));
	if (!p->cls)
		return -ENOMEM;
	n_cls = p->scan ? tsn_fix_scan_classes(p->scan, rs, p->flows,
					       p->n_flows, p->cls) :
			  tsn_fix_classes(rs, p->flows, p->n_flows, p->cls);
	if (n_cls < 0)
		return (int)n_cls;
	p->n_cls = (size_t)n_cls;
	for (int round = 0; round < PLAN_ROUNDS; round++) {
		bool added = false;

		ret = plan_round(p, rs, &added);
		for (; !ret && done < p->n_t; done++)
			ret = model_insert(rs, &p->t[done]);
		p->settled = !ret && !added;
		if (ret || !added)
			break;
	}
	return ret;
}

/* Tagged rules per target chain, when the fix is already in place. */
int fix_collect_inserted(struct tsn_nft_ruleset *rs, struct plan *p,
			    struct tsn_fix_result *res)
{
	res->ins = calloc(p->n_t + 1, sizeof(*res->ins));
	if (!res->ins)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_t; i++) {
		struct tsn_fix_insert *in = &res->ins[res->n_ins++];
		struct tsn_nft_chain *c;

		*in = p->t[i];
		in->n_handles = 0;
		c = tsn_nft_chain_find(rs, in->family, in->table, in->chain);
		for (size_t k = 0; c && k < c->n_rules; k++)
			if (c->rules[k].handle &&
			    tsn_streq(c->rules[k].comment, TSN_FIX_TAG) &&
			    in->n_handles < ARRAY_SIZE(in->handles))
				in->handles[in->n_handles++] =
					c->rules[k].handle;
		res->rules_added += in->n_handles;
	}
	for (size_t i = 0; i < rs->n_chains; i++)
		if (rs->chains[i]->family == NFPROTO_INET &&
		    !strcmp(rs->chains[i]->table, TSN_FIX_TABLE))
			res->table_rules += rs->chains[i]->n_rules;
	res->rules_added += res->table_rules;
	return 0;
}

