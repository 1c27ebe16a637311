/* nft_eval.c - run one flow through every base chain on its path.
 *
 * Semantics, as the kernel has them: base chains on the same hook run in
 * priority order and an accept in one does not stop the next, so any
 * drop wins; jump pushes (return comes back), goto replaces, the end of
 * a base chain is its policy.  Where an expression cannot be decided the
 * rule forks: the rest of the rule runs as if it matched, and the chain
 * goes on as if it did not.  Each fork only explores the rest of one
 * rule, so the work stays linear in the rules; what comes out of a chain
 * is the set of verdicts it can reach.  Accept everywhere is accept; a
 * chain that can only drop is a drop; anything else is undecidable and
 * names the expression that made it so.
 *
 * Caps: TSN_NFT_JUMP_MAX nested jumps (the kernel's own limit), and an
 * expression budget so a hostile ruleset cannot make preflight slow.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "lib/util.h"
#include "nft/nft_vm.h"

#define STEPS_MAX 5000000UL

enum {
	O_ACCEPT = 1,
	O_DROP = 2,
	O_RETURN = 4,	/* back to the calling chain (or the policy) */
	O_NEXT = 8,	/* the rule ended without a verdict */
	O_UNKNOWN = 16,
};

struct site {
	const struct tsn_nft_chain *chain;
	const struct tsn_nft_rule *rule;	/* NULL: the policy */
};

struct outcome {
	unsigned mask;
	struct site drop;
	char why[200];
	struct tsn_nft_carry c;	/* on the paths that go on */
};

#define O_GOES_ON (O_ACCEPT | O_RETURN | O_NEXT)

struct ev {
	const struct tsn_nft_pkt *p;
	uint8_t dead;		/* rules with this bit cannot match */
	unsigned long steps;
	struct tsn_nft_carry c;	/* from one base chain to the next */
};

static struct outcome *eval_chain(struct ev *ev, const struct tsn_nft_chain *c,
				  struct tsn_nft_regs *r, unsigned depth,
				  struct outcome *o);

static void say_why(struct outcome *o, const struct tsn_nft_chain *c,
		    const struct tsn_nft_rule *rule, const char *what)
{
	if (o->why[0])
		return;
	snprintf(o->why, sizeof(o->why), "%s (%s %s %s handle %llu)", what,
		 tsn_nft_family_name(c->family), c->table, c->name,
		 rule ? (unsigned long long)rule->handle : 0ULL);
}

/* An empty outcome; cheaper than a memset of it, which runs per rule
 * and per fork. */
static void outcome_init(struct outcome *o)
{
	o->mask = 0;
	o->drop.chain = NULL;
	o->drop.rule = NULL;
	o->why[0] = '\0';
	o->c.mark = 0;
	o->c.mark_known = false;
	o->c.ct = TSN_NFT_CT_TRACKED;
	o->c.dyn_lost = false;
	o->c.n_dyn = 0;
}

/* Fold into a the paths of b in bits: the verdicts either can reach. */
static void merge(struct outcome *a, const struct outcome *b, unsigned bits)
{
	unsigned m = b->mask & bits;

	if ((m & O_DROP) && !(a->mask & O_DROP))
		a->drop = b->drop;
	if (!a->why[0] && b->why[0])
		memcpy(a->why, b->why, sizeof(a->why));
	if (m & O_GOES_ON) {
		if (!(a->mask & O_GOES_ON))
			tsn_nft_carry_copy(&a->c, &b->c);
		else
			tsn_nft_carry_merge(&a->c, &b->c);
	}
	a->mask |= m;
}

static void verdict_outcome(struct ev *ev, const struct tsn_nft_chain *c,
			    const struct tsn_nft_rule *rule,
			    struct tsn_nft_regs *r, unsigned depth,
			    struct outcome *o)
{
	struct outcome sub;
	int v = r->verdict;

	tsn_nft_carry_copy(&o->c, &r->c);
	switch (v) {
	case NF_ACCEPT:
		o->mask = O_ACCEPT;
		return;
	case NF_DROP:
		o->mask = O_DROP;
		o->drop.chain = c;
		o->drop.rule = rule;
		return;
	case NFT_RETURN:
		o->mask = O_RETURN;
		return;
	case NFT_JUMP:
	case NFT_GOTO:
		if (!r->chain) {	/* unresolved: never trust it */
			o->mask = O_UNKNOWN;
			say_why(o, c, rule, "jump to an unknown chain");
			return;
		}
		if (depth + 1 >= TSN_NFT_JUMP_MAX) {
			o->mask = O_UNKNOWN;
			say_why(o, c, rule, "jumps nested deeper than 16");
			return;
		}
		outcome_init(&sub);
		eval_chain(ev, r->chain, r, depth + 1, &sub);
		*o = sub;
		/* After a jump returns, the next rule runs. */
		if (v == NFT_JUMP && (o->mask & O_RETURN))
			o->mask = (o->mask & ~O_RETURN) | O_NEXT;
		return;
	default:
		o->mask = O_UNKNOWN;
		say_why(o, c, rule, (v & NF_VERDICT_MASK) == NF_QUEUE ?
				    "queue to userspace" : "verdict");
		return;
	}
}

/* say_why naming the expression that could not be decided. */
static void say_why_expr(struct outcome *o, const struct tsn_nft_chain *c,
			 const struct tsn_nft_rule *rule,
			 const struct tsn_nft_expr *e)
{
	char name[TSN_NFT_NAME_MAX];

	if (!o->why[0])
		say_why(o, c, rule, e ? tsn_nft_expr_name(e, name,
							  sizeof(name)) :
					"an unset register");
}

/* The rest of one rule from expression i on. */
static void eval_rule(struct ev *ev, const struct tsn_nft_chain *c,
		      const struct tsn_nft_rule *rule, size_t i,
		      struct tsn_nft_regs *r, unsigned depth,
		      struct outcome *o)
{
	const struct tsn_nft_expr *why;
	struct tsn_nft_regs fork;
	struct outcome a;

	for (; i < rule->n_exprs; i++) {
		if (++ev->steps > STEPS_MAX) {
			o->mask = O_UNKNOWN;
			say_why(o, c, rule, "evaluation budget exceeded");
			return;
		}
		switch (tsn_nft_exec(ev->p, r, rule->exprs[i], &why)) {
		case TSN_NFT_STEP_CONT:
			continue;
		case TSN_NFT_STEP_BREAK:
			goto next;
		case TSN_NFT_STEP_VERDICT:
			verdict_outcome(ev, c, rule, r, depth, o);
			return;
		case TSN_NFT_STEP_UNKNOWN:
			o->mask = O_UNKNOWN;
			say_why_expr(o, c, rule, why);
			return;
		case TSN_NFT_STEP_FORK:
			fork = *r;
			outcome_init(&a);
			eval_rule(ev, c, rule, i + 1, &fork, depth, &a);
			o->mask = O_NEXT;	/* the "no match" path */
			tsn_nft_carry_copy(&o->c, &r->c);
			if (a.mask != O_NEXT)
				say_why_expr(o, c, rule, why);
			merge(o, &a, ~0u);
			return;
		}
	}
next:
	o->mask = O_NEXT;
	tsn_nft_carry_copy(&o->c, &r->c);
}

static struct outcome *eval_chain(struct ev *ev, const struct tsn_nft_chain *c,
				  struct tsn_nft_regs *r, unsigned depth,
				  struct outcome *o)
{
	struct outcome ro, exits;

	o->mask = 0;
	if (c->accept_all) {
		o->mask = O_ACCEPT;
		tsn_nft_carry_copy(&o->c, &r->c);
		return o;
	}
	for (size_t i = 0; i < c->n_rules; i++) {
		if (c->rules[i].skip || (c->rules[i].dead & ev->dead))
			continue;
		outcome_init(&ro);
		eval_rule(ev, c, &c->rules[i], 0, r, depth, &ro);
		/* Paths that go on to the next rule are not alternatives
		 * to the chain's exits: keep their mark out of the merge. */
		merge(o, &ro, ~(unsigned)O_NEXT);
		if (!(ro.mask & O_NEXT))
			return o;
		tsn_nft_carry_copy(&r->c, &ro.c);
	}
	outcome_init(&exits);
	exits.mask = O_RETURN;
	tsn_nft_carry_copy(&exits.c, &r->c);
	merge(o, &exits, ~0u);
	return o;
}

/* Stages of the path, in the order the kernel runs them. */
struct stage {
	int family;	/* 0: ip/ip6/inet by the flow's family */
	uint32_t hook;
	bool dev;	/* bound to the flow's interface */
	const char *name;
};

static const struct stage in_path[] = {
	{ NFPROTO_NETDEV, NF_NETDEV_INGRESS, true, "ingress" },
	{ NFPROTO_INET, NF_INET_INGRESS, true, "ingress" },
	{ 0, NF_INET_PRE_ROUTING, false, "prerouting" },
	{ 0, NF_INET_LOCAL_IN, false, "input" },
};

static const struct stage out_path[] = {
	{ 0, NF_INET_LOCAL_OUT, false, "output" },
	{ 0, NF_INET_POST_ROUTING, false, "postrouting" },
	{ NFPROTO_NETDEV, NF_NETDEV_EGRESS, true, "egress" },
};

static bool on_stage(const struct tsn_nft_chain *c, const struct stage *s,
		     const struct tsn_nft_flow *f)
{
	int fam = f->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	if (!c->base || c->hook != s->hook)
		return false;
	if (s->family && c->family != s->family)
		return false;
	if (!s->family && c->family != fam && c->family != NFPROTO_INET)
		return false;
	if (s->dev && (!c->dev || strcmp(c->dev, f->ifname)))
		return false;
	/* NAT chains see only the first packet of a connection. */
	if (f->established && c->type && !strcmp(c->type, "nat"))
		return false;
	return true;
}

static int prio_cmp(const void *a, const void *b)
{
	const struct tsn_nft_chain *x = *(struct tsn_nft_chain *const *)a;
	const struct tsn_nft_chain *y = *(struct tsn_nft_chain *const *)b;

	return (x->prio > y->prio) - (x->prio < y->prio);
}

static void set_where(struct tsn_nft_where *w, const struct site *s,
		      const char *hook)
{
	const struct tsn_nft_chain *c = s->chain;

	memset(w, 0, sizeof(*w));
	w->family = c->family;
	snprintf(w->table, sizeof(w->table), "%s", c->table);
	snprintf(w->chain, sizeof(w->chain), "%s", c->name);
	snprintf(w->hook, sizeof(w->hook), "%s", hook);
	w->policy = !s->rule;
	if (s->rule) {
		w->handle = s->rule->handle;
		if (s->rule->comment)
			snprintf(w->comment, sizeof(w->comment), "%s",
				 s->rule->comment);
	}
}

/* Whether base chain c runs before conntrack (1), after (0), or at its
 * very priority, -200 for both families (-1: either). */
static int8_t before_conntrack(const struct tsn_nft_chain *c)
{
	if (c->family == NFPROTO_NETDEV)
		return c->hook == NF_NETDEV_INGRESS;
	if (c->family == NFPROTO_INET && c->hook == NF_INET_INGRESS)
		return 1;
	if (c->hook != NF_INET_PRE_ROUTING && c->hook != NF_INET_LOCAL_OUT)
		return 0;
	return c->prio < -200 ? 1 : c->prio == -200 ? -1 : 0;
}

/* One base chain: 1 definite drop (v filled), 0 accept, -1 either. */
static int eval_base(struct ev *ev, const struct tsn_nft_chain *c,
		     const char *hook, struct tsn_nft_verdict *v)
{
	struct tsn_nft_regs r;
	struct outcome o;

	outcome_init(&o);
	tsn_nft_regs_init(&r, ev->p);
	tsn_nft_carry_copy(&r.c, &ev->c);
	r.before_ct = before_conntrack(c);
	eval_chain(ev, c, &r, 0, &o);
	tsn_nft_carry_copy(&ev->c, &o.c);
	if (o.mask & O_RETURN) {
		o.mask &= ~O_RETURN;
		if (c->policy == NF_DROP) {
			if (!(o.mask & O_DROP)) {
				o.drop.chain = c;
				o.drop.rule = NULL;
			}
			o.mask |= O_DROP;
		} else {
			o.mask |= O_ACCEPT;
		}
	}
	if (o.mask == O_DROP) {
		set_where(&v->where, &o.drop, hook);
		return 1;
	}
	if (o.mask == O_ACCEPT)
		return 0;
	if (!v->why[0]) {
		if (o.why[0])
			snprintf(v->why, sizeof(v->why), "%s", o.why);
		else
			snprintf(v->why, sizeof(v->why), "%s %s %s",
				 tsn_nft_family_name(c->family), c->table,
				 c->name);
	}
	return -1;
}

int tsn_nft_eval(const struct tsn_nft_ruleset *rs,
		 const struct tsn_nft_flow *f, struct tsn_nft_verdict *v)
{
	const struct stage *path = f->dir == TSN_NFT_IN ? in_path : out_path;
	size_t n_path = f->dir == TSN_NFT_IN ? ARRAY_SIZE(in_path) :
					       ARRAY_SIZE(out_path);
	struct tsn_nft_chain **cand = NULL;
	struct tsn_nft_pkt p;
	struct ev ev = { .p = &p, .dead = f->skip_dead,
			 .c.mark_known = true };
	bool unsure = false;
	int ret = 0;

	memset(v, 0, sizeof(*v));
	if (f->family != AF_INET && f->family != AF_INET6)
		return -EAFNOSUPPORT;
	tsn_nft_pkt_build(&p, f, rs->writes_ct_mark);
	cand = calloc(rs->n_chains + 1, sizeof(*cand));
	if (!cand)
		return -ENOMEM;
	v->result = TSN_NFT_ACCEPT;
	for (size_t s = 0; s < n_path; s++) {
		size_t n = 0;

		for (size_t i = 0; i < rs->n_chains; i++)
			if (on_stage(rs->chains[i], &path[s], f))
				cand[n++] = rs->chains[i];
		qsort(cand, n, sizeof(*cand), prio_cmp);
		for (size_t i = 0; i < n; i++) {
			int d = eval_base(&ev, cand[i], path[s].name, v);

			if (d > 0) {
				v->result = TSN_NFT_DROP;
				goto out;
			}
			unsure |= d < 0;
		}
	}
	if (unsure)
		v->result = TSN_NFT_UNDECIDABLE;
out:
	if (v->result != TSN_NFT_UNDECIDABLE)
		v->why[0] = '\0';
	v->steps = ev.steps;
	free(cand);
	return ret;
}
