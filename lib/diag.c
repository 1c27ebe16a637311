/* diag.c - findings that share a cause become one problem: a host check
 * across the nodes, a firewall rule across the peers it drops; and the
 * summary's folded lines ("sysctl.rp_filter ok on 30 nodes").  Where on
 * the path a flow is lost is diag_locate.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"

#define SHOW_MAX 3		/* differing details named per problem */
#define NAMES_MAX 6		/* node names in a folded line */

static const struct {
	const char *prefix;
	int rank;
} ranks[] = {
	{ "kernel.", TSN_RANK_KERNEL },
	{ "ports.", TSN_RANK_DAEMON },
	{ "strongswan.", TSN_RANK_DAEMON },
	{ "xfrm.", TSN_RANK_DAEMON },
	{ "firewalld", TSN_RANK_SHADOW },
	{ "iptables", TSN_RANK_SHADOW },
	{ "nft.", TSN_RANK_FIREWALL },
	{ "mtu", TSN_RANK_MTU },
	{ "route", TSN_RANK_ROUTE },
	{ "sysctl.", TSN_RANK_SYSCTL },
	{ "clock", TSN_RANK_CLOCK },
};

int tsn_diag_check_rank(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(ranks); i++)
		if (!strncmp(id, ranks[i].prefix, strlen(ranks[i].prefix)))
			return ranks[i].rank;
	return TSN_RANK_OTHER;
}

const char *tsn_diag_proto_name(const char *proto)
{
	if (!strcmp(proto, "udp500"))
		return "UDP 500";
	if (!strcmp(proto, "udp4500"))
		return "UDP 4500";
	if (!strcmp(proto, "esp"))
		return "ESP";
	return proto;
}

/* ---- host checks ---- */

static const struct tsn_check *find_check(const struct tsn_node_report *n,
					  const char *id)
{
	for (size_t c = 0; c < n->n_checks; c++)
		if (!strcmp(n->checks[c].id, id))
			return &n->checks[c];
	return NULL;
}

static bool skipped(const char *id, const char *const *skip)
{
	for (size_t i = 0; skip && skip[i]; i++)
		if (!strncmp(id, skip[i], strlen(skip[i])))
			return true;
	return false;
}

/* Nodes that check id was judged on: every node with a row that can
 * be judged, and a node in error that still has a row for id (a check
 * run before the node failed), so "k of n" never has k > n. */
static size_t checked_nodes(const struct tsn_report *r, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_nodes; i++)
		n += (!r->nodes[i].error && !r->nodes[i].unreachable) ||
		     find_check(&r->nodes[i], id);
	return n;
}

/* Whether text (a detail or a fix) is the same on every node where
 * check id has status st. */
static bool same_text(const struct tsn_report *r, const char *id,
		      enum tsn_status st, bool fix)
{
	const char *first = NULL;

	for (size_t i = 0; i < r->n_nodes; i++) {
		const struct tsn_check *c = find_check(&r->nodes[i], id);
		const char *t;

		if (!c || c->status != st)
			continue;
		t = fix ? (c->fix ? c->fix : "") : c->detail;
		if (!first)
			first = t;
		else if (strcmp(first, t))
			return false;
	}
	return true;
}

/* "fails on 2 of 3 nodes (n1, n3): DETAIL" or, where the details
 * differ, "fails on 2 of 3 nodes: n1: D1; n3: D2". */
static int status_part(struct tsn_problem *p, const struct tsn_report *r,
		       const char *id, enum tsn_status st, bool sep,
		       struct tsn_buf *b)
{
	bool same = same_text(r, id, st, false);
	size_t k = 0, total = checked_nodes(r, id), shown = 0;
	const char *detail = "";
	int ret = 0;

	for (size_t i = 0; i < r->n_nodes && !ret; i++) {
		const struct tsn_check *c = find_check(&r->nodes[i], id);

		if (c && c->status == st) {
			k++;
			detail = c->detail;
			ret = tsn_problem_node(p, r->nodes[i].node);
		}
	}
	if (!k || ret)
		return ret;
	ret = tsn_buf_printf(b, "%s%s on %zu of %zu nodes", sep ? "; " : "",
			     st == TSN_ST_FAIL ? "fails" : "warns", k, total);
	if (!ret && same && k < total)
		ret = tsn_buf_puts(b, " (");
	for (size_t i = 0; !ret && same && k < total && i < r->n_nodes; i++) {
		const struct tsn_check *c = find_check(&r->nodes[i], id);

		if (c && c->status == st)
			ret = tsn_buf_printf(b, "%s%s", shown++ ? ", " : "",
					     r->nodes[i].node);
	}
	if (!ret && same)
		return tsn_buf_printf(b, "%s: %s", k < total ? ")" : "",
				      detail);
	for (size_t i = 0; i < r->n_nodes && !ret; i++) {
		const struct tsn_check *c = find_check(&r->nodes[i], id);

		if (!c || c->status != st || shown++ >= SHOW_MAX)
			continue;
		ret = tsn_buf_printf(b, "%s %s: %s", shown > 1 ? ";" : ":",
				     r->nodes[i].node, c->detail);
	}
	if (!ret && shown > SHOW_MAX)
		ret = tsn_buf_printf(b, "; and %zu more (tsnet -v shows "
				     "each)", shown - SHOW_MAX);
	return ret;
}

/* The fix once when it is the same everywhere, else per node. */
static int fix_text(const struct tsn_report *r, const char *id,
		    enum tsn_status st, struct tsn_buf *b)
{
	bool same = same_text(r, id, st, true);
	size_t shown = 0;
	int ret = 0;

	for (size_t i = 0; i < r->n_nodes && !ret; i++) {
		const struct tsn_check *c = find_check(&r->nodes[i], id);

		if (!c || c->status != st || !c->fix)
			continue;
		if (same)
			return tsn_buf_printf(b, "%s%s", b->len ? "; " : "",
					      c->fix);
		if (shown++ < SHOW_MAX)
			ret = tsn_buf_printf(b, "%son %s: %s", b->len ? "; " :
					     "", r->nodes[i].node, c->fix);
	}
	return ret;
}

static int check_problem(struct tsn_report *r, const char *id)
{
	static const enum tsn_status order[] = { TSN_ST_FAIL, TSN_ST_WARN };
	struct tsn_buf what = { 0 }, fix = { 0 }, where = { 0 };
	enum tsn_status worst = TSN_ST_OK;
	struct tsn_problem *p;
	int ret = 0;

	for (size_t i = 0; i < r->n_nodes && worst != TSN_ST_FAIL; i++) {
		const struct tsn_check *c = find_check(&r->nodes[i], id);

		if (c && (c->status == TSN_ST_FAIL || c->status == TSN_ST_WARN))
			worst = c->status;
	}
	if (worst == TSN_ST_OK)
		return 0;
	p = tsn_report_problem_new(r, id, worst, tsn_diag_check_rank(id));
	if (!p)
		return -ENOMEM;
	ret = tsn_buf_printf(&what, "%s: ", id);
	for (size_t s = 0; s < ARRAY_SIZE(order) && !ret; s++) {
		ret = status_part(p, r, id, order[s], p->n_nodes > 0, &what);
		if (!ret)
			ret = fix_text(r, id, order[s], &fix);
	}
	for (size_t i = 0; i < p->n_nodes && !ret; i++)
		ret = tsn_buf_printf(&where, "%s%s", i ? ", " : "",
				     p->nodes[i]);
	if (!ret)
		ret = tsn_problem_text(p, where.p, fix.p, "%s", what.p);
	tsn_buf_free(&what);
	tsn_buf_free(&fix);
	tsn_buf_free(&where);
	return ret;
}

/* A node's error with its own name taken out, so "ssh: n4: timed out"
 * and "ssh: n5: timed out" are one reason. */
static bool same_error(const struct tsn_node_report *a,
		       const struct tsn_node_report *b)
{
	const char *x = a->error ? a->error : "", *y = b->error ? b->error : "";
	size_t la = strlen(a->node), lb = strlen(b->node);

	if (a->unreachable != b->unreachable)
		return false;
	while (*x && *y) {
		if (!strncmp(x, a->node, la) && !strncmp(y, b->node, lb)) {
			x += la;
			y += lb;
		} else if (*x++ != *y++) {
			return false;
		}
	}
	return !*x && !*y;
}

static int error_problem(struct tsn_report *r, size_t first)
{
	const struct tsn_node_report *n = &r->nodes[first];
	struct tsn_problem *p = tsn_report_problem_new(r, n->unreachable ?
		"node.unreachable" : "node.error", TSN_ST_FAIL, TSN_RANK_NODE);
	size_t k = 0;
	int ret = 0;

	if (!p)
		return -ENOMEM;
	for (size_t i = first; i < r->n_nodes && !ret; i++)
		if ((r->nodes[i].error || r->nodes[i].unreachable) &&
		    same_error(n, &r->nodes[i])) {
			k++;
			ret = tsn_problem_node(p, r->nodes[i].node);
		}
	if (!ret)
		ret = tsn_problem_text(p, n->node, NULL, "%s%s could not be "
				       "%s: %s", n->node, k > 1 ? " and others"
				       : "", n->unreachable ? "reached" :
				       "checked", n->error ? n->error :
				       "unreachable");
	if (!ret && k > 1) {
		struct tsn_buf b = { 0 };

		for (size_t i = 0; i < p->n_nodes && !ret; i++)
			ret = tsn_buf_printf(&b, "%s%s", i ? ", " : "",
					     p->nodes[i]);
		if (!ret)
			ret = tsn_problem_text(p, b.p, NULL, "%zu nodes could "
					       "not be %s (%s): %s: %s", k,
					       n->unreachable ? "reached" :
					       "checked", b.p, n->node,
					       n->error ? n->error :
					       "unreachable");
		tsn_buf_free(&b);
	}
	return ret;
}

static int error_problems(struct tsn_report *r)
{
	int ret = 0;

	for (size_t i = 0; i < r->n_nodes && !ret; i++) {
		bool said = false;

		if (!r->nodes[i].error && !r->nodes[i].unreachable)
			continue;
		for (size_t k = 0; k < i && !said; k++)
			said = (r->nodes[k].error || r->nodes[k].unreachable) &&
			       same_error(&r->nodes[k], &r->nodes[i]);
		if (!said)
			ret = error_problem(r, i);
	}
	return ret;
}

/* Whether check id was already seen on an earlier node than n. */
static bool seen_before(const struct tsn_report *r, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (find_check(&r->nodes[i], id))
			return true;
	return false;
}

int tsn_diag_checks(struct tsn_report *r, const char *const *skip)
{
	int ret = error_problems(r);

	for (size_t i = 0; i < r->n_nodes && !ret; i++)
		for (size_t c = 0; c < r->nodes[i].n_checks && !ret; c++) {
			const char *id = r->nodes[i].checks[c].id;

			if (!skipped(id, skip) && !seen_before(r, i, id))
				ret = check_problem(r, id);
		}
	return ret;
}

/* ---- firewall drops ---- */

static bool same_rule(const struct tsn_diag_drop *a,
		      const struct tsn_diag_drop *b)
{
	if (strcmp(a->node, b->node) || a->out != b->out ||
	    !a->table != !b->table || a->undecided != b->undecided)
		return false;
	if (!a->table)
		return tsn_streq(a->unknown, b->unknown);
	return tsn_streq(a->family, b->family) &&
	       !strcmp(a->table, b->table) && tsn_streq(a->chain, b->chain) &&
	       a->policy == b->policy && (a->policy || a->handle == b->handle);
}

/* The same flow dropped by a rule that is named. */
static bool named_elsewhere(const struct tsn_diag_drop *d, size_t n,
			    const struct tsn_diag_drop *x)
{
	if (x->table || x->undecided)
		return false;
	for (size_t i = 0; i < n; i++)
		if (d[i].table && !d[i].undecided && d[i].out == x->out &&
		    !strcmp(d[i].node, x->node) && !strcmp(d[i].peer, x->peer) &&
		    !strcmp(d[i].proto, x->proto))
			return true;
	return false;
}

/* "table inet filter chain input: meta l4proto esp drop # handle 7" */
static int rule_words(const struct tsn_diag_drop *d, struct tsn_buf *b)
{
	if (!d->table)
		return tsn_buf_puts(b, d->unknown ? d->unknown : "the rule is "
				    "unknown");
	if (tsn_buf_printf(b, "table %s %s chain %s", d->family ? d->family :
			   "", d->table, d->chain ? d->chain : "?") < 0)
		return -ENOMEM;
	if (d->policy)
		return tsn_buf_puts(b, ": policy drop (no rule before it "
				    "accepts them)");
	if (d->text)
		return tsn_buf_printf(b, ": %s # handle %llu", d->text,
				      (unsigned long long)d->handle);
	return tsn_buf_printf(b, " handle %llu", (unsigned long long)d->handle);
}

/* "UDP 4500 and ESP" for the protocols the rule drops, in one order. */
static int proto_words(const struct tsn_diag_drop *d, size_t n, size_t i0,
		       struct tsn_buf *b)
{
	static const char *const protos[] = { "udp500", "udp4500", "esp" };
	const char *has[ARRAY_SIZE(protos)];
	size_t k = 0;
	int ret = 0;

	for (size_t p = 0; p < ARRAY_SIZE(protos); p++)
		for (size_t i = i0; i < n; i++)
			if (same_rule(&d[i0], &d[i]) &&
			    !named_elsewhere(d, n, &d[i]) &&
			    !strcmp(d[i].proto, protos[p])) {
				has[k++] = tsn_diag_proto_name(protos[p]);
				break;
			}
	for (size_t i = 0; i < k && !ret; i++)
		ret = tsn_buf_printf(b, "%s%s", i == 0 ? "" : i + 1 == k ?
				     " and " : ", ", has[i]);
	return ret;
}

/* The rule's text from whichever source had it (the evaluator's). */
static const char *group_text(const struct tsn_diag_drop *d, size_t n,
			      size_t i0)
{
	for (size_t i = i0; i < n; i++)
		if (same_rule(&d[i0], &d[i]) && d[i].text)
			return d[i].text;
	return NULL;
}

/* Peer i is not the first of the group with view w. */
static bool view_dup(const struct tsn_diag_drop *d, size_t i0, size_t i,
		     unsigned w)
{
	for (size_t j = i0; j < i; j++)
		if (same_rule(&d[i0], &d[j]) && d[j].view == w &&
		    !strcmp(d[j].peer, d[i].peer))
			return true;
	return false;
}

/* "; the nftables evaluator says a new flow is dropped, but the probe's
 * packets passed (from n1)" for the group's drops whose views differ. */
static int view_words(const struct tsn_diag_drop *d, size_t n, size_t i0,
		      struct tsn_buf *b)
{
	static const char *const says[] = {
		[TSN_VIEW_PASSED] = "the nftables evaluator says a new flow "
			"is dropped, but the probe's packets passed",
		[TSN_VIEW_ACCEPTS] = "the nftables evaluator says a new flow "
			"is accepted, but the probe's packets were dropped",
		[TSN_VIEW_ESTABLISHED] = "the probe's packets passed only as "
			"an established flow, through a conntrack entry they "
			"did not make",
	};
	int ret = 0;

	for (unsigned w = TSN_VIEW_PASSED; w <= TSN_VIEW_ESTABLISHED && !ret;
	     w++) {
		size_t k = 0;

		for (size_t i = i0; i < n && !ret; i++) {
			if (!same_rule(&d[i0], &d[i]) || d[i].view != w ||
			    view_dup(d, i0, i, w))
				continue;
			ret = tsn_buf_puts(b, k++ ? ", " : b->len ? "); " :
					   "; ");
			if (!ret && k == 1)
				ret = tsn_buf_printf(b, "%s (%s ", says[w],
						     d[i0].out ? "to" : "from");
			if (!ret)
				ret = tsn_buf_puts(b, d[i].peer);
		}
	}
	return !ret && b->len ? tsn_buf_puts(b, ")") : ret;
}

static int drop_problem(struct tsn_report *r, const struct tsn_diag_drop *d,
			size_t n, size_t i0, size_t peers, const char *fix)
{
	struct tsn_diag_drop xr = d[i0];
	const struct tsn_diag_drop *x = &xr;
	struct tsn_problem *p = tsn_report_problem_new(r, x->undecided ?
		(x->out ? "firewall.out.undecided" : "firewall.in.undecided") :
		x->out ? "firewall.out" : "firewall.in", x->undecided ?
		TSN_ST_WARN : TSN_ST_FAIL, x->undecided ? TSN_RANK_UNDECIDED :
		TSN_RANK_FIREWALL);
	const char *verb = x->undecided ? "may drop" : "drops";
	struct tsn_buf who = { 0 }, prot = { 0 }, rule = { 0 }, where = { 0 };
	struct tsn_buf views = { 0 };
	unsigned fams = 0;
	size_t k = 0;
	int ret;

	if (!p)
		return -ENOMEM;
	xr.text = group_text(d, n, i0);
	if (x->undecided)
		fix = "check that rule by hand (tsnet cannot tell what it "
		      "does), then allow UDP 500, UDP 4500 and ESP from the "
		      "members before it";
	ret = tsn_problem_node(p, x->node);
	for (size_t i = i0; i < n && !ret; i++) {
		if (!same_rule(x, &d[i]) || named_elsewhere(d, n, &d[i]))
			continue;
		fams |= d[i].v6 ? 2 : 1;
		ret = x->out ? tsn_problem_pair(p, x->node, d[i].peer) :
			       tsn_problem_pair(p, d[i].peer, x->node);
		for (size_t j = i0; j < i && !ret; j++)
			if (same_rule(x, &d[j]) && !strcmp(d[j].peer, d[i].peer) &&
			    !named_elsewhere(d, n, &d[j]))
				goto next;	/* named already */
		if (!ret)
			ret = tsn_buf_printf(&who, "%s%s", k++ ? ", " : "",
					     d[i].peer);
next:		;
	}
	if (!ret)
		ret = proto_words(d, n, i0, &prot);
	if (!ret)
		ret = rule_words(x, &rule);
	if (!ret)
		ret = tsn_buf_printf(&where, "%s %s: %s", x->node, x->out ?
				     "output" : "input", rule.p);
	if (!ret)
		ret = view_words(d, n, i0, &views);
	if (!ret && views.len)
		ret = tsn_buf_puts(&rule, views.p);
	if (!ret && k == peers)
		ret = tsn_problem_text(p, where.p, fix, "%s's firewall %s "
				       "%s %s %s every peer (%s)%s: %s",
				       x->node, verb, x->out ? "outgoing" :
				       "incoming",
				       prot.p, x->out ? "to" : "from", who.p,
				       fams == 2 ? " over IPv6" : "", rule.p);
	else if (!ret)
		ret = tsn_problem_text(p, where.p, fix, "%s's firewall %s "
				       "%s %s %s %s (%zu of %zu peers)%s: %s",
				       x->node, verb, x->out ? "outgoing" :
				       "incoming",
				       prot.p, x->out ? "to" : "from", who.p,
				       k, peers, fams == 2 ? " over IPv6" : "",
				       rule.p);
	tsn_buf_free(&who);
	tsn_buf_free(&prot);
	tsn_buf_free(&rule);
	tsn_buf_free(&where);
	tsn_buf_free(&views);
	return ret;
}

int tsn_diag_drops(struct tsn_report *r, const struct tsn_diag_drop *d,
		   size_t n, size_t peers, const char *fix)
{
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		bool said = named_elsewhere(d, n, &d[i]);

		for (size_t k = 0; k < i && !said; k++)
			said = same_rule(&d[k], &d[i]) &&
			       !named_elsewhere(d, n, &d[k]);
		if (!said)
			ret = drop_problem(r, d, n, i, peers, fix);
	}
	return ret;
}

/* ---- folded lines ---- */

struct tally {
	const char *word;
	size_t n;
};

/* Count word into t (at most max distinct words). */
static void tally_add(struct tally *t, size_t *nt, size_t max,
		      const char *word)
{
	for (size_t i = 0; i < *nt; i++)
		if (!strcmp(t[i].word, word)) {
			t[i].n++;
			return;
		}
	if (*nt < max)
		t[(*nt)++] = (struct tally){ word, 1 };
}

/* The most common word first (ok, on a tie); the others in the order
 * seen. */
static void tally_lead(struct tally *t, size_t nt)
{
	size_t best = 0;

	for (size_t i = 1; i < nt; i++)
		if (t[i].n > t[best].n ||
		    (t[i].n == t[best].n && !strcmp(t[i].word, "ok")))
			best = i;
	if (best) {
		struct tally x = t[best];

		memmove(t + 1, t, best * sizeof(*t));
		t[0] = x;
	}
}

int tsn_diag_fold_check(const struct tsn_report *r, const char *id,
			struct tsn_buf *out)
{
	struct tally t[4];
	size_t nt = 0;
	int ret;

	for (size_t i = 0; i < r->n_nodes; i++) {
		const struct tsn_check *c = find_check(&r->nodes[i], id);

		if (c)
			tally_add(t, &nt, ARRAY_SIZE(t),
				  tsn_status_name(c->status));
	}
	if (!nt)
		return 0;
	tally_lead(t, nt);
	ret = tsn_buf_printf(out, "%s on %zu node%s", t[0].word, t[0].n,
			     t[0].n == 1 ? "" : "s");
	for (size_t k = 1; k < nt && !ret; k++) {
		size_t shown = 0;

		ret = tsn_buf_printf(out, "; %s on ", t[k].word);
		for (size_t i = 0; i < r->n_nodes && !ret; i++) {
			const struct tsn_check *c = find_check(&r->nodes[i], id);

			if (!c || strcmp(tsn_status_name(c->status), t[k].word))
				continue;
			if (shown++ < NAMES_MAX)
				ret = tsn_buf_printf(out, "%s%s", shown > 1 ?
						     ", " : "", r->nodes[i].node);
		}
		if (!ret && shown > NAMES_MAX)
			ret = tsn_buf_printf(out, " and %zu more",
					     shown - NAMES_MAX);
	}
	return ret;
}

int tsn_diag_fold_proto(const struct tsn_report *r, const char *proto,
			struct tsn_buf *out, bool *bad)
{
	struct tally t[TSN_VERDICTS_MAX * 2];
	size_t nt = 0, total = 0;
	int ret;

	*bad = false;
	for (size_t i = 0; i < r->n_pairs; i++)
		for (size_t v = 0; v < r->pairs[i].n; v++) {
			const struct tsn_verdict *x = &r->pairs[i].v[v];

			if (strcmp(x->proto, proto))
				continue;
			total++;
			*bad = *bad || !x->good;
			tally_add(t, &nt, ARRAY_SIZE(t), x->verdict);
		}
	if (!nt)
		return 0;
	tally_lead(t, nt);
	if (nt == 1)
		return tsn_buf_printf(out, "%s on %zu pair%s", t[0].word,
				      t[0].n, t[0].n == 1 ? "" : "s");
	ret = tsn_buf_printf(out, "%s on %zu of %zu pairs", t[0].word, t[0].n,
			     total);
	for (size_t k = 1; k < nt && !ret; k++)
		ret = tsn_buf_printf(out, "; %s on %zu", t[k].word, t[k].n);
	return ret;
}
