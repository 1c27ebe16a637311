/* preflight_connmark.c - nat.shared with what the nodes' charons have.
 *
 * Where several nodes reach one node from the same public address, their
 * transport-mode SAs there share an address pair, and only strongSwan's
 * connmark plugin on that node tells them apart.  Each node's host agent
 * asks its charon (VICI "stats" lists the loaded plugins); the problem
 * then says, per node it names, whether charon there has it loaded, has
 * not, or could not be asked (and why).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/util.h"
#include "preflight/preflight.h"

int tsn_pf_merge_connmark(struct tsn_pf_diag *pd, const char *node,
			  const struct tsn_jv *v)
{
	const struct tsn_jv *has = tsn_jv_get(v, "connmark");
	const char *why = tsn_jv_getstr(v, "connmark_why");
	struct tsn_pf_connmark *c;

	if (!has)
		return 0;
	c = realloc(pd->connmark, (pd->n_connmark + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	pd->connmark = c;
	c = &pd->connmark[pd->n_connmark++];
	snprintf(c->node, sizeof(c->node), "%s", node);
	/* only the two answers the agent gives count as an answer */
	snprintf(c->has, sizeof(c->has), "%s",
		 tsn_streq(tsn_jv_getstr(v, "connmark"), "loaded") ||
		 tsn_streq(tsn_jv_getstr(v, "connmark"), "not loaded") ?
		 tsn_jv_getstr(v, "connmark") : "");
	snprintf(c->why, sizeof(c->why), "%s", why ? why : "no answer");
	return 0;
}

static const struct tsn_pf_connmark *of(const struct tsn_pf_diag *pd,
					const char *node)
{
	for (size_t i = 0; i < pd->n_connmark; i++)
		if (!strcmp(pd->connmark[i].node, node))
			return &pd->connmark[i];
	return NULL;
}

/* "charon on n3 has the connmark plugin loaded" and the like. */
static int node_words(struct tsn_buf *w, const struct tsn_pf_diag *pd,
		      const char *node)
{
	const struct tsn_pf_connmark *c = of(pd, node);
	const char *sep = w->len ? "; " : "";

	if (c && !strcmp(c->has, "loaded"))
		return tsn_buf_printf(w, "%scharon on %s has the connmark "
				      "plugin loaded", sep, node);
	if (c && c->has[0])
		return tsn_buf_printf(w, "%scharon on %s has no connmark "
				      "plugin loaded", sep, node);
	return tsn_buf_printf(w, "%scannot tell whether charon on %s has the "
			      "connmark plugin (%s)", sep, node,
			      c ? c->why : "its host checks did not answer");
}

int tsn_pf_connmark_said(struct tsn_report *r, const struct tsn_pf_diag *pd)
{
	struct tsn_buf w = { 0 };
	int ret = 0;

	for (size_t i = 0; i < r->n_problems && !ret; i++) {
		struct tsn_problem *p = &r->problems[i];

		if (strcmp(p->id, "nat.shared"))
			continue;
		for (size_t k = 0; k < p->n_nodes && !ret; k++)
			ret = node_words(&w, pd, p->nodes[k]);
		if (!ret && w.len)
			ret = tsn_problem_text(p, p->where, p->fix, "%s; %s",
					       p->what, w.p);
		tsn_buf_reset(&w);
	}
	tsn_buf_free(&w);
	return ret;
}
