/* fix.c - open IKE, NAT-T and ESP between cluster members, and take it
 * back exactly.
 *
 * The plan comes from the evaluator, on the ruleset as it is: every flow
 * between this node and a peer (UDP 500, UDP 4500, ESP; in and out; the
 * first packet) that some base chain drops names that chain.  An accept
 * in our own table cannot overrule a drop in another base chain on the
 * same hook, so each such chain gets tagged accepts at its head; the
 * model is evaluated again as if those accepts were there, until nothing
 * drops (a later chain on the hook may drop what the first dropped
 * earlier).  Everything goes in one netlink batch, the rules with
 * NLM_F_ECHO: the kernel sends each back with its handle, so the ruleset
 * is read once, not again after the commit (the read is most of the
 * time on 10,000 rules).  The flows are checked on the model with the
 * accepts in place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/rule.h>

#include "lib/nfnl.h"
#include "nft/fix.h"
#include "nft/fix_plan.h"
#include "nft/nft.h"

void tsn_fix_result_free(struct tsn_fix_result *res)
{
	free(res->ins);
	res->ins = NULL;
	res->n_ins = 0;
}

static int read_rs(struct tsn_nft_reader *rd, struct tsn_nft_ruleset **rs,
		   struct tsn_fix_result *res)
{
	char err[128];
	int ret = tsn_nft_read_end(rd, rs, err, sizeof(err));

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
	 * (nothing was marked after it): its count is the answer. */
	if (p->settled)
		goto out;
	v = calloc(p->n_cls + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->n_bad = 0;
	p->bad[0] = '\0';
	ret = tsn_fix_eval_classes(rs, p->flows, p->n_flows, p->cls, v);
	for (size_t i = 0; i < p->n_flows && !ret; i++)
		if (v[p->cls[i]].result != TSN_NFT_ACCEPT)
			fix_note_bad(p, &v[p->cls[i]]);
	free(v);
out:
	res->flows = p->n_flows;
	res->still_bad = p->n_bad;
	snprintf(res->bad, sizeof(res->bad), "%s", p->bad);
	return ret;
}

/* The snapshot of the ruleset as read, for the support bundle: written
 * (fsync, rename) before the change, so that a directory we cannot
 * write, or a full disk, stops --fix with the ruleset untouched. */
static int snapshot(const struct tsn_nft_ruleset *rs,
		    struct tsn_fix_result *res)
{
	struct tsn_buf b = { 0 };
	struct tsn_atomic f;
	int ret = tsn_mkdir_p(TSN_FIX_DIR, 0700);

	if (!ret)
		ret = tsn_atomic_open(&f, TSN_FIX_BEFORE, 0600);
	if (!ret) {
		ret = tsn_fix_ruleset_text(rs, &b, &f);
		if (ret)
			tsn_atomic_abort(&f);
		else
			ret = tsn_atomic_commit(&f);
	}
	tsn_buf_free(&b);
	if (ret)
		snprintf(res->err, sizeof(res->err), "cannot write %s: %s",
			 TSN_FIX_BEFORE, strerror(-ret));
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
		ret = tsn_fix_state_write(&st);
	if (ret && !res->err[0])
		snprintf(res->err, sizeof(res->err), "cannot record the "
			 "change in %s: %s", TSN_FIX_STATE, strerror(-ret));
	return ret;
}

/* What --fix needs besides the ruleset, made while it is read: the
 * netlink socket, whether table inet tsnet is there and ours, the state
 * file and the flows to every peer. */
static int prepare(const struct tsn_fix_req *req, struct tsn_nfnl *nl,
		   bool *exists, struct tsn_fix_state *st,
		   struct plan *p, struct tsn_fix_result *res)
{
	bool ours = false;
	int ret = tsn_nfnl_open(nl);

	if (!ret)
		ret = tsn_fix_table_owner(nl, exists, &ours);
	if (ret) {
		snprintf(res->err, sizeof(res->err), "netlink: %s",
			 strerror(-ret));
		return ret;
	}
	if (*exists && !ours) {
		res->refused = true;
		snprintf(res->err, sizeof(res->err), "table inet %s exists "
			 "and tsnet did not create it (it lacks comment \"%s\")"
			 ": not touching it; rename or remove it, then run "
			 "--fix again", TSN_FIX_TABLE, TSN_FIX_TABLE_TAG);
		return -EEXIST;
	}
	ret = tsn_fix_state_load(st, res->err, sizeof(res->err));
	if (!ret && (ret = fix_build_flows(req, p)))
		snprintf(res->err, sizeof(res->err), "cannot list this "
			 "node's addresses: %s", strerror(-ret));
	return ret;
}

/* After the read and the preparation: plan, snapshot (on a first fix),
 * commit, verify, record. */
static int apply_planned(const struct tsn_fix_req *req,
			 struct tsn_fix_result *res, struct tsn_nfnl *nl,
			 struct tsn_nft_ruleset *rs, struct tsn_fix_state *st,
			 struct plan *p, bool exists)
{
	int ret = fix_plan_make(p, rs);

	if (!ret && !in_place(req, st, rs, p)) {
		if (!st->present)
			ret = snapshot(rs, res);
		if (!ret)
			ret = commit_echo(nl, rs, req, p, exists, res);
		if (ret && !res->err[0])
			snprintf(res->err, sizeof(res->err), "the kernel "
				 "refused the batch (message %d): %s",
				 nl->failed_at, strerror(-ret));
		res->changed = !ret;
	} else if (!ret) {
		ret = fix_collect_inserted(rs, p, res);
	}
	/* The model is evaluated with the planned accepts (as if each
	 * target chain accepted every flow at its head, as the rules just
	 * inserted do for member flows), and the commit replaced nothing
	 * else that can drop: the flows are checked on it instead of on a
	 * second full read. */
	if (!ret)
		ret = verify(p, rs, res);
	if (!ret)
		ret = record(req, res);
	return ret;
}

static void scan_hook(struct tsn_nft_ruleset *rs, void *arg)
{
	tsn_fix_scan_rules(arg, rs);
}

int tsn_fix_apply(const struct tsn_fix_req *req, struct tsn_nft_reader *rd,
		  struct tsn_fix_result *res)
{
	struct tsn_nft_ruleset *rs = NULL;
	struct tsn_fix_state st = { 0 };
	struct plan p = { 0 };
	struct tsn_nfnl nl = { 0 };
	bool exists = false;
	int ret = 0, pret;

	memset(res, 0, sizeof(*res));
	/* While the kernel dumps the ruleset.  A failed read's error is the
	 * one to give (it names what is missing: CAP_NET_ADMIN), then the
	 * preparation's. */
	pret = prepare(req, &nl, &exists, &st, &p, res);
	if (!pret && req->update_only && !st.present && !exists) {
		/* node add/remove on a node without a fix: no ruleset
		 * needed */
		tsn_nft_read_end(rd, NULL, NULL, 0);
		snprintf(res->persist, sizeof(res->persist),
			 "no fix in place: nothing to update");
		goto out;
	}
	/* And the plan's scan of the rules, as they come (without it, the
	 * plan scans them all after the read). */
	if (!pret && (p.scan = tsn_fix_scan_new(p.flows, p.n_flows)))
		tsn_nft_read_hook(rd, scan_hook, p.scan);
	ret = read_rs(rd, &rs, res);
	if (ret)
		res->refused = false;
	else
		ret = pret;
	if (!ret)
		ret = apply_planned(req, res, &nl, rs, &st, &p, exists);
out:
	tsn_fix_state_free(&st);
	tsn_fix_scan_free(p.scan);
	free(p.flows);
	free(p.cls);
	free(p.t);
	tsn_nfnl_close(&nl);
	tsn_nft_ruleset_free(rs);
	return ret;
}
