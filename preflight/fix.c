/* fix.c - open IKE, NAT-T and ESP between cluster members, and take it
 * back exactly.
 *
 * The plan comes from the evaluator, on the ruleset as it is: every flow
 * between this node and a peer (UDP 500, UDP 4500, ESP; in and out; the
 * first packet) that some base chain drops names that chain.  An accept
 * in our own table cannot overrule a drop in another base chain on the
 * same hook, so each such chain gets tagged accepts at its head; the
 * model gets the same accepts and is evaluated again, until nothing
 * drops (a later chain on the hook may drop what the first dropped
 * earlier).  Everything goes in one netlink batch, the rules with
 * NLM_F_ECHO: the kernel sends each back with its handle, so the ruleset
 * is read once, not again after the commit (the read is most of the
 * time on 10,000 rules).  The flows are checked on the model with the
 * accepts in place.
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
#include "preflight/fix.h"
#include "preflight/nft.h"

#define PLAN_ROUNDS 8

struct plan {
	struct tsn_nft_flow *flows;
	size_t n_flows;
	struct tsn_fix_insert *t;	/* chains that need accepts */
	size_t n_t;
	char bad[512];			/* drops or unknowns left */
	size_t n_bad;
	bool settled;	/* the last round saw the model as it is now */
};

void tsn_fix_result_free(struct tsn_fix_result *res)
{
	free(res->ins);
	res->ins = NULL;
	res->n_ins = 0;
}

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
static int build_flows(const struct tsn_fix_req *req, struct plan *p)
{
	static const char *const protos[] = { "udp500", "udp4500", "esp" };
	struct tsn_addr self[2] = { { 0 }, { 0 } };
	struct ifaddrs *ifa = NULL;
	const char *ifname = req->ifname;
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
	p->flows = calloc(req->n_members * 6 + 1, sizeof(*p->flows));
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

				f->family = m->family;
				f->dir = d ? TSN_NFT_OUT : TSN_NFT_IN;
				tsn_nft_flow_proto(f, protos[k]);
				addr_bytes(m, f->peer);
				if (s->family)
					addr_bytes(s, f->local);
				snprintf(f->ifname, sizeof(f->ifname), "%s",
					 ifname ? ifname : "");
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

static void note_bad(struct plan *p, const struct tsn_nft_verdict *v)
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
 * them matches, so an unconditional accept at the head stands in. */
static int model_insert(struct tsn_nft_ruleset *rs,
			const struct tsn_fix_insert *t)
{
	struct tsn_nft_chain *c = tsn_nft_chain_find(rs, t->family, t->table,
						     t->chain);
	struct tsn_nft_rule *r, tmp;
	struct tsn_nft_expr *e;

	if (!c)
		return -ENOENT;
	r = tsn_nft_rule_add(c, 0, TSN_FIX_TAG);
	if (!r)
		return -ENOMEM;
	e = tsn_nft_expr_add(r, TSN_NFT_IMMEDIATE, "immediate accept");
	if (!e)
		return -ENOMEM;
	e->verdict = NF_ACCEPT;
	tmp = *r;
	memmove(&c->rules[1], &c->rules[0], (c->n_rules - 1) * sizeof(tmp));
	c->rules[0] = tmp;
	return 0;
}

/* Evaluate every flow; note the chains that drop. */
static int plan_round(struct plan *p, struct tsn_nft_ruleset *rs,
		      bool *added)
{
	struct tsn_nft_verdict *v = calloc(p->n_flows + 1, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	p->n_bad = 0;
	p->bad[0] = '\0';
	ret = tsn_fix_eval_flows(rs, p->flows, p->n_flows, v);
	for (size_t i = 0; i < p->n_flows && !ret; i++) {
		if (v[i].result == TSN_NFT_ACCEPT)
			continue;
		if (v[i].result == TSN_NFT_DROP) {
			bool mine = false;

			ret = targets_of(p, rs, &v[i], &mine);
			*added |= mine;
			if (ret < 0)
				break;
			if (ret == 0 && mine)
				continue;
			ret = 0;
		}
		note_bad(p, &v[i]);
	}
	free(v);
	return ret;
}

/* Our previous accepts are planned afresh: in the model they become
 * rules that match nothing. */
static void model_forget_ours(struct tsn_nft_ruleset *rs)
{
	for (size_t i = 0; i < rs->n_chains; i++) {
		struct tsn_nft_chain *c = rs->chains[i];

		for (size_t k = 0; k < c->n_rules; k++)
			if (tsn_streq(c->rules[k].comment, TSN_FIX_TAG))
				for (size_t x = 0; x < c->rules[k].n_exprs; x++)
					c->rules[k].exprs[x].op = TSN_NFT_BREAK;
	}
}

static int plan_make(struct plan *p, struct tsn_nft_ruleset *rs)
{
	size_t done = 0;
	int ret = 0;

	model_forget_ours(rs);
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

/* Tagged rules per target chain, when the fix is already in place (the
 * stand-ins the planner added have no handle). */
static int collect_inserted(struct tsn_nft_ruleset *rs, struct plan *p,
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

static int read_rs(struct tsn_nft_ruleset **rs, struct tsn_fix_result *res)
{
	char err[128];
	int ret = tsn_nft_read(rs, err, sizeof(err));

	if (ret)
		snprintf(res->err, sizeof(res->err), "%s: %s%s", err,
			 strerror(-ret), ret == -EPERM ? " (run as root or "
			 "with CAP_NET_ADMIN)" : "");
	return ret;
}

static size_t tagged(const struct tsn_nft_chain *c)
{
	size_t n = 0;

	for (size_t k = 0; k < c->n_rules; k++)
		n += c->rules[k].handle &&
		     tsn_streq(c->rules[k].comment, TSN_FIX_TAG);
	return n;
}

static bool is_ours(const struct tsn_nft_chain *c)
{
	return c->family == NFPROTO_INET && !strcmp(c->table, TSN_FIX_TABLE);
}

/* Whether what the state file records is exactly what the plan wants:
 * then --fix changes nothing. */
static bool in_place(const struct tsn_fix_req *req,
		     const struct tsn_fix_state *st,
		     struct tsn_nft_ruleset *rs, const struct plan *p)
{
	size_t in_ruleset = 0, want = 0;
	const struct tsn_nft_set *s4, *s6;

	if (!st->present || st->n_ins != p->n_t ||
	    !tsn_fix_addr_list_equal(st->members, st->n_members,
				     req->members, req->n_members))
		return false;
	s4 = tsn_nft_set_find(rs, NFPROTO_INET, TSN_FIX_TABLE, "members4");
	s6 = tsn_nft_set_find(rs, NFPROTO_INET, TSN_FIX_TABLE, "members6");
	if (!s4 || !s6 || s4->n_elems + s6->n_elems != req->n_members)
		return false;
	for (size_t i = 0; i < st->n_ins; i++) {
		const struct tsn_fix_insert *in = &st->ins[i];
		const struct tsn_nft_chain *c;
		size_t k;

		for (k = 0; k < p->n_t; k++)
			if (p->t[k].family == in->family &&
			    !strcmp(p->t[k].table, in->table) &&
			    !strcmp(p->t[k].chain, in->chain))
				break;
		c = tsn_nft_chain_find(rs, in->family, in->table, in->chain);
		if (k == p->n_t || !c || tagged(c) != in->n_handles)
			return false;
		want += in->n_handles;
	}
	for (size_t i = 0; i < rs->n_chains; i++)
		if (!is_ours(rs->chains[i]))
			in_ruleset += tagged(rs->chains[i]);
	return in_ruleset == want;
}

static int commit(struct tsn_nfnl *nl, struct tsn_nft_ruleset *rs,
		  const struct tsn_fix_req *req, struct plan *p,
		  bool table_exists)
{
	uint32_t set_id = 0;
	size_t n_rules = 0;
	int ret = tsn_nfnl_begin(nl);

	if (!ret && table_exists)
		ret = tsn_fix_del_table(nl);
	for (size_t i = 0; i < rs->n_chains && !ret; i++) {
		const struct tsn_nft_chain *c = rs->chains[i];

		for (size_t k = 0; !is_ours(c) && k < c->n_rules && !ret; k++)
			if (c->rules[k].handle &&
			    tsn_streq(c->rules[k].comment, TSN_FIX_TAG))
				ret = tsn_fix_del_rule(nl, c->family, c->table,
						       c->name,
						       c->rules[k].handle);
	}
	if (!ret)
		ret = tsn_fix_put_table(nl, req->members, req->n_members,
					&set_id);
	for (size_t i = 0; i < p->n_t && !ret; i++) {
		size_t before = n_rules;

		ret = tsn_fix_put_accepts(nl, p->t[i].family, p->t[i].table,
					  p->t[i].chain, p->t[i].input,
					  req->members, req->n_members,
					  &set_id, &n_rules);
		p->t[i].n_handles = n_rules - before;	/* expected */
	}
	return ret ? ret : tsn_nfnl_commit(nl);
}

struct tg_echo {
	struct tsn_fix_result *res;
	size_t table_rules;
};

/* A rule the commit created, echoed back with its handle: one of the
 * accepts inserted at a chain's head (each lands ahead of the one
 * before, so prepend to keep chain order), or one of our table's. */
static int tg_echo_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tg_echo *e = data;
	struct nftnl_rule *r;
	const char *table, *chain;
	uint32_t family;
	int ret = 0;

	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_NEWRULE)
		return 0;
	r = nftnl_rule_alloc();
	if (!r)
		return -ENOMEM;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		ret = -EPROTO;
		goto out;
	}
	family = nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY);
	table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	ret = -EPROTO;
	if (!table || !chain || !nftnl_rule_is_set(r, NFTNL_RULE_HANDLE))
		goto out;
	if (family == NFPROTO_INET && !strcmp(table, TSN_FIX_TABLE)) {
		e->table_rules++;
		ret = 0;
		goto out;
	}
	for (size_t i = 0; i < e->res->n_ins; i++) {
		struct tsn_fix_insert *in = &e->res->ins[i];

		if (in->family != (int)family || strcmp(in->table, table) ||
		    strcmp(in->chain, chain))
			continue;
		if (in->n_handles >= ARRAY_SIZE(in->handles))
			break;
		memmove(&in->handles[1], &in->handles[0],
			in->n_handles * sizeof(in->handles[0]));
		in->handles[0] = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
		in->n_handles++;
		ret = 0;
		break;
	}
out:
	nftnl_rule_free(r);
	return ret;
}

/* Commit with the inserted rules echoed: their handles come back with
 * the acknowledgements, so the ruleset need not be read again. */
static int commit_echo(struct tsn_nfnl *nl, struct tsn_nft_ruleset *rs,
		       const struct tsn_fix_req *req, struct plan *p,
		       bool exists, struct tsn_fix_result *res)
{
	struct tg_echo e = { .res = res };
	int ret;

	res->ins = calloc(p->n_t + 1, sizeof(*res->ins));
	if (!res->ins)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_t; i++) {
		res->ins[res->n_ins] = p->t[i];
		res->ins[res->n_ins++].n_handles = 0;
	}
	nl->echo_cb = tg_echo_cb;
	nl->echo_data = &e;
	ret = commit(nl, rs, req, p, exists);
	nl->echo_cb = NULL;
	nl->echo_data = NULL;
	if (ret)
		return ret;
	res->table_rules = e.table_rules;
	res->rules_added = e.table_rules;
	for (size_t i = 0; i < res->n_ins; i++) {
		if (res->ins[i].n_handles != p->t[i].n_handles) {
			snprintf(res->err, sizeof(res->err), "the kernel "
				 "echoed %zu of the %zu rules inserted into "
				 "%s %s %s", res->ins[i].n_handles,
				 p->t[i].n_handles,
				 tsn_nft_family_name(p->t[i].family),
				 p->t[i].table, p->t[i].chain);
			return -EPROTO;
		}
		res->rules_added += res->ins[i].n_handles;
	}
	return 0;
}

static int verify(struct plan *p, struct tsn_nft_ruleset *rs,
		  struct tsn_fix_result *res)
{
	struct tsn_nft_verdict *v;
	int ret = 0;

	/* The planner's last round evaluated every flow on this very model
	 * (nothing was inserted after it): its count is the answer. */
	if (p->settled)
		goto out;
	v = calloc(p->n_flows + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->n_bad = 0;
	p->bad[0] = '\0';
	ret = tsn_fix_eval_flows(rs, p->flows, p->n_flows, v);
	for (size_t i = 0; i < p->n_flows && !ret; i++)
		if (v[i].result != TSN_NFT_ACCEPT)
			note_bad(p, &v[i]);
	free(v);
out:
	res->flows = p->n_flows;
	res->still_bad = p->n_bad;
	snprintf(res->bad, sizeof(res->bad), "%s", p->bad);
	return ret;
}

static int snapshot(const struct tsn_nft_ruleset *rs)
{
	struct tsn_buf b = { 0 };
	int ret = tsn_fix_ruleset_text(rs, &b);

	if (!ret)
		ret = tsn_mkdir_p(TSN_FIX_DIR, 0700);
	if (!ret)
		ret = tsn_write_file_atomic(TSN_FIX_BEFORE, b.p, b.len, 0600);
	tsn_buf_free(&b);
	return ret;
}

static int record(const struct tsn_fix_req *req, struct tsn_fix_result *res)
{
	struct tsn_fix_state st = {
		.members = (struct tsn_addr *)req->members,
		.n_members = req->n_members,
		.ins = res->ins,
		.n_ins = res->n_ins,
	};
	int ret = 0;

	if (req->no_persist)
		snprintf(res->persist, sizeof(res->persist),
			 "not persistent: not asked to");
	else
		ret = tsn_fix_persist(req, res->ins, res->n_ins, res->persist,
				      sizeof(res->persist), st.persist,
				      sizeof(st.persist));
	if (!ret)
		ret = tsn_fix_state_save(&st);
	if (ret && !res->err[0])
		snprintf(res->err, sizeof(res->err), "cannot record the "
			 "change in %s: %s", TSN_FIX_STATE, strerror(-ret));
	return ret;
}

/* After the read and the ownership check: plan, commit, read back. */
static int apply_planned(const struct tsn_fix_req *req,
			 struct tsn_fix_result *res, struct tsn_nfnl *nl,
			 struct tsn_nft_ruleset **rsp, bool exists)
{
	struct tsn_nft_ruleset *rs = *rsp;
	struct tsn_fix_state st;
	struct plan p = { 0 };
	int ret;

	ret = tsn_fix_state_load(&st, res->err, sizeof(res->err));
	if (ret)
		return ret;
	if (req->update_only && !st.present && !exists) {
		snprintf(res->persist, sizeof(res->persist),
			 "no fix in place: nothing to update");
		goto out;
	}
	if (!st.present && (ret = snapshot(rs))) {
		snprintf(res->err, sizeof(res->err), "cannot write %s: %s",
			 TSN_FIX_BEFORE, strerror(-ret));
		goto out;
	}
	ret = build_flows(req, &p);
	if (!ret)
		ret = plan_make(&p, rs);
	if (!ret && !in_place(req, &st, rs, &p)) {
		ret = commit_echo(nl, rs, req, &p, exists, res);
		if (ret && !res->err[0])
			snprintf(res->err, sizeof(res->err), "the kernel "
				 "refused the batch (message %d): %s",
				 nl->failed_at, strerror(-ret));
		res->changed = !ret;
	} else if (!ret) {
		ret = collect_inserted(rs, &p, res);
	}
	/* The model already holds the planned accepts (stand-ins that
	 * every flow matches, as the rules just inserted do for member
	 * flows), and the commit replaced nothing else that can drop: the
	 * flows are checked on it instead of on a second full read. */
	if (!ret)
		ret = verify(&p, rs, res);
	if (!ret)
		ret = record(req, res);
out:
	tsn_fix_state_free(&st);
	free(p.flows);
	free(p.t);
	return ret;
}

int tsn_fix_apply(const struct tsn_fix_req *req, struct tsn_fix_result *res)
{
	struct tsn_nft_ruleset *rs = NULL;
	struct tsn_nfnl nl;
	bool exists = false, ours = false;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = read_rs(&rs, res);
	if (ret)
		return ret;
	ret = tsn_nfnl_open(&nl);
	if (!ret)
		ret = tsn_fix_table_owner(&nl, &exists, &ours);
	if (ret) {
		snprintf(res->err, sizeof(res->err), "netlink: %s",
			 strerror(-ret));
	} else if (exists && !ours) {
		res->refused = true;
		ret = -EEXIST;
		snprintf(res->err, sizeof(res->err), "table inet %s exists "
			 "and tsnet did not create it (it lacks comment \"%s\")"
			 ": not touching it; rename or remove it, then run "
			 "--fix again", TSN_FIX_TABLE, TSN_FIX_TABLE_TAG);
	} else {
		ret = apply_planned(req, res, &nl, &rs, exists);
	}
	tsn_nfnl_close(&nl);
	tsn_nft_ruleset_free(rs);
	return ret;
}

int tsn_fix_update_members(const struct tsn_addr *members, size_t n,
			   const char *ifname, struct tsn_fix_result *res)
{
	struct tsn_fix_req req = {
		.members = members,
		.n_members = n,
		.ifname = ifname,
		.update_only = true,
	};

	return tsn_fix_apply(&req, res);
}
