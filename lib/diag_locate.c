/* diag_locate.c - where on the network a flow is lost: the smallest
 * scope (one node's way in or out, a node, a subnet pair, everything)
 * that holds every failing pair and no passing one.
 *
 * The candidates are few (three per node, three per pair of subnets,
 * one for all), so each is simply counted over the n * n grid.  When
 * one candidate explains every failing pair it is the answer; when
 * equally small candidates of the same kind compete (two nodes, each
 * the other's only peer) the evidence cannot choose, and the pairs are
 * named instead of guessing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"

/* Kinds that compete at one size: the wider explanation wins; a node's
 * way in and its way out are equally wide. */
static int kind_rank(enum tsn_scope_kind k)
{
	return k == TSN_SCOPE_FROM ? TSN_SCOPE_INTO : (int)k;
}

static int sub(const struct tsn_grid *g, size_t a)
{
	return g->subnet ? g->subnet[a] : -1;
}

bool tsn_scope_has(const struct tsn_grid *g, const struct tsn_scope *s,
		   size_t a, size_t b)
{
	int sa = sub(g, a), sb = sub(g, b);

	if (a == b)
		return false;
	switch (s->kind) {
	case TSN_SCOPE_INTO:
		return (int)b == s->node;
	case TSN_SCOPE_FROM:
		return (int)a == s->node;
	case TSN_SCOPE_NODE:
		return (int)a == s->node || (int)b == s->node;
	case TSN_SCOPE_SUBNET_TO:
		return sa >= 0 && sa == s->sa && sb == s->sb;
	case TSN_SCOPE_SUBNETS:
		return sa >= 0 && sb >= 0 && ((sa == s->sa && sb == s->sb) ||
					      (sa == s->sb && sb == s->sa));
	case TSN_SCOPE_ALL:
		return true;
	default:
		return false;
	}
}

struct cand {
	struct tsn_scope s;
	size_t size;		/* directed pairs in it */
	size_t fail;		/* failing pairs still to explain */
	size_t pass;
};

static void count(const struct tsn_grid *g, const uint8_t *rem,
		  struct cand *c)
{
	c->size = c->fail = c->pass = 0;
	for (size_t a = 0; a < g->n; a++)
		for (size_t b = 0; b < g->n; b++) {
			if (!tsn_scope_has(g, &c->s, a, b))
				continue;
			c->size++;
			c->pass += g->st[a * g->n + b] == TSN_PS_PASS;
			c->fail += rem[a * g->n + b];
		}
}

static size_t candidates(const struct tsn_grid *g, struct cand *c)
{
	int n_sub = 0;
	size_t k = 0;

	c[k++].s = (struct tsn_scope){ TSN_SCOPE_ALL, -1, -1, -1 };
	for (size_t i = 0; i < g->n; i++) {
		c[k++].s = (struct tsn_scope){ TSN_SCOPE_INTO, (int)i, -1, -1 };
		c[k++].s = (struct tsn_scope){ TSN_SCOPE_FROM, (int)i, -1, -1 };
		c[k++].s = (struct tsn_scope){ TSN_SCOPE_NODE, (int)i, -1, -1 };
		if (sub(g, i) >= n_sub)
			n_sub = sub(g, i) + 1;
	}
	for (int a = 0; a < n_sub; a++)
		for (int b = 0; b < n_sub; b++) {
			if (a == b)
				continue;
			c[k++].s = (struct tsn_scope){ TSN_SCOPE_SUBNET_TO, -1,
						       a, b };
			if (a < b)
				c[k++].s = (struct tsn_scope){
					TSN_SCOPE_SUBNETS, -1, a, b };
		}
	return k;
}

static void claim(const struct tsn_grid *g, const struct tsn_scope *s,
		  uint8_t *rem, int *who, int k)
{
	for (size_t a = 0; a < g->n; a++)
		for (size_t b = 0; b < g->n; b++)
			if (rem[a * g->n + b] && (!s || tsn_scope_has(g, s, a, b))) {
				rem[a * g->n + b] = 0;
				who[a * g->n + b] = k;
			}
}

/* The one candidate that explains every failing pair, or NULL; *tie
 * when equally small ones of the same kind compete. */
static const struct cand *one_cover(const struct cand *c, size_t nc,
				    size_t nfail, bool *tie)
{
	const struct cand *best = NULL;

	*tie = false;
	for (size_t i = 0; i < nc; i++) {
		if (c[i].pass || c[i].fail != nfail)
			continue;
		if (!best || c[i].size < best->size ||
		    (c[i].size == best->size &&
		     kind_rank(c[i].s.kind) > kind_rank(best->s.kind))) {
			best = &c[i];
			*tie = false;
		} else if (c[i].size == best->size &&
			   kind_rank(c[i].s.kind) == kind_rank(best->s.kind)) {
			*tie = true;
		}
	}
	return best;
}

/* The candidate that explains the most of what is left (at least two
 * pairs: one pair alone says nothing about a node or a subnet). */
static const struct cand *most(const struct cand *c, size_t nc)
{
	const struct cand *best = NULL;

	for (size_t i = 0; i < nc; i++)
		if (!c[i].pass && c[i].fail >= 2 &&
		    (!best || c[i].fail > best->fail ||
		     (c[i].fail == best->fail && c[i].size < best->size)))
			best = &c[i];
	return best;
}

int tsn_locate(const struct tsn_grid *g, struct tsn_scope *out, size_t max,
	       int *who)
{
	size_t n = g->n, nc, nfail = 0;
	struct cand *c = calloc(3 * n + 1 + 2 * n * n + 1, sizeof(*c));
	uint8_t *rem = calloc(n * n + 1, 1);
	const struct cand *best;
	int k = 0, ret = -ENOMEM;
	bool tie;

	if (!c || !rem || !max)
		goto out;
	for (size_t i = 0; i < n * n; i++) {
		who[i] = -1;
		rem[i] = g->st[i] == TSN_PS_FAIL && i / n != i % n;
		nfail += rem[i];
	}
	nc = candidates(g, c);
	for (size_t i = 0; i < nc; i++)
		count(g, rem, &c[i]);
	best = nfail >= 2 ? one_cover(c, nc, nfail, &tie) : NULL;
	if (best && !tie) {
		out[k] = best->s;
		claim(g, &best->s, rem, who, k++);
	} else if (!best && nfail) {
		while ((size_t)k + 1 < max && (best = most(c, nc))) {
			out[k] = best->s;
			claim(g, &best->s, rem, who, k++);
			for (size_t i = 0; i < nc; i++)
				count(g, rem, &c[i]);
		}
	}
	if (memchr(rem, 1, n * n)) {
		out[k] = (struct tsn_scope){ TSN_SCOPE_PAIRS, -1, -1, -1 };
		claim(g, NULL, rem, who, k++);
	}
	ret = k;
out:
	free(c);
	free(rem);
	return ret;
}

/* ---- the scope in words ---- */

static bool tested(const struct tsn_grid *g, size_t a, size_t b)
{
	return a != b && g->st[a * g->n + b] != TSN_PS_NONE;
}

static bool mine(const struct tsn_grid *g, const int *who, int k, size_t a,
		 size_t b)
{
	return a != b && who[a * g->n + b] == k;
}

/* Node pairs {a, b} with a verdict either way, and those of scope k. */
static void pair_counts(const struct tsn_grid *g, const int *who, int k,
			size_t *all, size_t *bad)
{
	*all = *bad = 0;
	for (size_t a = 0; a < g->n; a++)
		for (size_t b = a + 1; b < g->n; b++) {
			*all += tested(g, a, b) || tested(g, b, a);
			*bad += mine(g, who, k, a, b) || mine(g, who, k, b, a);
		}
}

/* Every tested pair inside the two subnets passes (there is one). */
static bool inside_pass(const struct tsn_grid *g, const struct tsn_scope *s)
{
	size_t seen = 0;

	for (size_t a = 0; a < g->n; a++)
		for (size_t b = 0; b < g->n; b++) {
			if (!tested(g, a, b) || sub(g, a) != sub(g, b) ||
			    (sub(g, a) != s->sa && sub(g, a) != s->sb))
				continue;
			if (g->st[a * g->n + b] != TSN_PS_PASS)
				return false;
			seen++;
		}
	return seen > 0;
}

/* "between n1 and n3, from n2 to n4" (at most 8, then "and N more"). */
static int pair_list(const struct tsn_grid *g, const int *who, int k,
		     struct tsn_buf *out)
{
	size_t shown = 0, more = 0;
	int ret = 0;

	for (size_t a = 0; a < g->n && !ret; a++)
		for (size_t b = 0; b < g->n && !ret; b++) {
			bool ab = mine(g, who, k, a, b), ba = mine(g, who, k, b, a);

			if (!ab || (ba && b < a))
				continue;	/* a pair both ways: once */
			if (shown++ == 8) {
				more++;
				shown--;
				continue;
			}
			ret = tsn_buf_printf(out, "%s%s %s %s %s",
					     shown > 1 ? ", " : "",
					     ba ? "between" : "from",
					     g->names[a], ba ? "and" : "to",
					     g->names[b]);
		}
	if (!ret && more)
		ret = tsn_buf_printf(out, " and %zu more", more);
	return ret;
}

int tsn_scope_where(const struct tsn_grid *g, const struct tsn_scope *s,
		    const int *who, int k, struct tsn_buf *out)
{
	const char *sa = s->sa >= 0 ? g->subnets[s->sa] : "";
	const char *sb = s->sb >= 0 ? g->subnets[s->sb] : "";
	const char *node = s->node >= 0 ? g->names[s->node] : "";

	switch (s->kind) {
	case TSN_SCOPE_ALL:
		return tsn_buf_puts(out, "every path");
	case TSN_SCOPE_SUBNETS:
		return tsn_buf_printf(out, "between %s and %s", sa, sb);
	case TSN_SCOPE_SUBNET_TO:
		return tsn_buf_printf(out, "from %s to %s", sa, sb);
	case TSN_SCOPE_NODE:
		return tsn_buf_printf(out, "to and from %s", node);
	case TSN_SCOPE_INTO:
		return tsn_buf_printf(out, "to %s", node);
	case TSN_SCOPE_FROM:
		return tsn_buf_printf(out, "from %s", node);
	default:
		return pair_list(g, who, k, out);
	}
}

/* Directed pairs into (into) or out of a node: tested, and of scope k. */
static void node_counts(const struct tsn_grid *g, const int *who, int k,
			size_t node, bool into, size_t *all, size_t *bad)
{
	*all = *bad = 0;
	for (size_t p = 0; p < g->n; p++) {
		size_t a = into ? p : node, b = into ? node : p;

		*all += tested(g, a, b);
		*bad += mine(g, who, k, a, b);
	}
}

int tsn_scope_words(const struct tsn_grid *g, const struct tsn_scope *s,
		    const int *who, int k, struct tsn_buf *out)
{
	size_t all, bad;
	int ret;

	pair_counts(g, who, k, &all, &bad);
	switch (s->kind) {
	case TSN_SCOPE_ALL:
		return tsn_buf_printf(out, "every path between the nodes: "
				      "%zu of %zu pairs", bad, all);
	case TSN_SCOPE_SUBNETS:
		ret = tsn_buf_printf(out, "the path between %s and %s: %zu of "
				     "%zu pairs", g->subnets[s->sa],
				     g->subnets[s->sb], bad, all);
		if (!ret && inside_pass(g, s))
			ret = tsn_buf_puts(out, "; pairs inside each subnet "
					   "pass");
		return ret;
	case TSN_SCOPE_SUBNET_TO:
		return tsn_buf_printf(out, "the path from %s to %s (that way "
				      "only): %zu of %zu pairs",
				      g->subnets[s->sa], g->subnets[s->sb],
				      bad, all);
	case TSN_SCOPE_NODE:
		return tsn_buf_printf(out, "every path to and from %s: %zu of "
				      "%zu pairs", g->names[s->node], bad, all);
	case TSN_SCOPE_INTO:
	case TSN_SCOPE_FROM:
		node_counts(g, who, k, (size_t)s->node,
			    s->kind == TSN_SCOPE_INTO, &all, &bad);
		return tsn_buf_printf(out, "every path %s %s: %s %zu of %zu "
				      "peers", s->kind == TSN_SCOPE_INTO ?
				      "to" : "from", g->names[s->node],
				      s->kind == TSN_SCOPE_INTO ? "from" : "to",
				      bad, all);
	default:
		ret = tsn_buf_puts(out, "the path ");
		if (!ret)
			ret = pair_list(g, who, k, out);
		if (!ret)
			ret = tsn_buf_printf(out, ": %zu of %zu pairs", bad,
					     all);
		return ret;
	}
}
