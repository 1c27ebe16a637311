/* kernel_check.c - before enable-ipsec changes anything: can the kernel
 * of every node taking part do IPsec?
 *
 * Each runs `tsnet agent preflight-host --kernel`: preflight's kernel.*
 * checks (XFRM netlink answers; an ESP transport state with
 * rfc4106(gcm(aes)) is accepted in a scratch network namespace).  A
 * failed one stops the rollout with preflight's own words and fix, the
 * nodes that share a cause named once, instead of a CHILD_SA that cannot
 * install and a rollback.  A node that does not answer stops it too:
 * nothing has been changed anywhere yet, so nothing needs rolling back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/rollout.h"

/* One failed check and the nodes that share it, word for word. */
struct cause {
	const struct tsn_check *c;
	struct tsn_buf nodes;
};

static bool same_check(const struct tsn_check *a, const struct tsn_check *b)
{
	return !strcmp(a->id, b->id) && tsn_streq(a->detail, b->detail) &&
	       tsn_streq(a->fix, b->fix);
}

static int add_cause(struct cause *cs, size_t *n, const struct tsn_check *c,
		     const char *node)
{
	size_t i;

	for (i = 0; i < *n && !same_check(cs[i].c, c); i++)
		;
	if (i == *n)
		cs[(*n)++].c = c;
	return tsn_buf_printf(&cs[i].nodes, "%s%s", cs[i].nodes.len ? ", " :
			      "", node);
}

/* "NODES: ID: DETAIL (fix: FIX)" per cause, one line each. */
static int cause_lines(struct cause *cs, size_t n, struct tsn_buf *lines)
{
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++)
		ret = tsn_buf_printf(lines, "%s: %s: %s%s%s%s\n",
				     cs[i].nodes.p, cs[i].c->id,
				     cs[i].c->detail ? cs[i].c->detail : "",
				     cs[i].c->fix ? " (fix: " : "",
				     cs[i].c->fix ? cs[i].c->fix : "",
				     cs[i].c->fix ? ")" : "");
	return ret;
}

/* Node i's reply: its failed kernel.* checks into cs, or why it has no
 * usable reply into lines (then ro->unreachable). */
static int judge(struct tsn_rollout *ro, struct tsn_report *r, size_t i,
		 const struct tsn_jv *rep, const char *why, struct cause *cs,
		 size_t *nc, struct tsn_buf *lines)
{
	const char *name = ro->inv->nodes[i].name;
	struct tsn_node_report *nr;
	int ret;

	if (rep->type != TSN_JOBJ) {
		ro->unreachable = true;
		return tsn_buf_printf(lines, "%s: %s\n", name, why);
	}
	if (!(nr = tsn_report_node(r, name)))
		return -ENOMEM;
	if ((ret = tsn_checks_from_json(nr, rep)) == -EINVAL) {
		ro->unreachable = true;
		return tsn_buf_printf(lines, "%s: the kernel checks gave no "
				      "usable reply\n", name);
	}
	for (size_t k = 0; !ret && k < nr->n_checks; k++)
		if (!strncmp(nr->checks[k].id, "kernel.", 7) &&
		    nr->checks[k].status == TSN_ST_FAIL)
			ret = add_cause(cs, nc, &nr->checks[k], name);
	return ret;
}

int tsn_rollout_kernel_check(struct tsn_rollout *ro, struct tsn_buf *lines)
{
	static const char *const argv[] = { "agent", "preflight-host",
					    "--kernel", NULL };
	size_t n = ro->inv->n_nodes, nc = 0;
	struct tsn_jv *rep = calloc(n + 1, sizeof(*rep));
	char (*why)[300] = calloc(n + 1, sizeof(*why));
	/* a node has three kernel checks: room for every one failing */
	struct cause *cs = calloc(3 * n + 1, sizeof(*cs));
	struct tsn_report r;
	int ret = rep && why && cs ? 0 : -ENOMEM;

	tsn_report_init(&r, "enable-ipsec");
	ro->phase = "checking kernels";
	if (!ret)
		ret = tsn_rollout_run_argv(ro, argv, NULL, rep, why);
	/* r holds the checks cs points to: no node added after judging */
	for (size_t i = 0; !ret && i < n; i++)
		if (ro->in[i] && !tsn_report_node(&r, ro->inv->nodes[i].name))
			ret = -ENOMEM;
	for (size_t i = 0; !ret && i < n; i++)
		if (ro->in[i])
			ret = judge(ro, &r, i, &rep[i], why[i], cs, &nc, lines);
	if (!ret && !ro->unreachable)
		ret = cause_lines(cs, nc, lines);
	if (!ret && lines->len) {
		snprintf(ro->error, sizeof(ro->error), "%.*s; no node was "
			 "changed", (int)strcspn(lines->p, "\n"), lines->p);
		ret = -EPROTO;
	}
	for (size_t i = 0; cs && i < nc; i++)
		tsn_buf_free(&cs[i].nodes);
	for (size_t i = 0; rep && i < n; i++)
		tsn_jv_free(&rep[i]);
	tsn_report_free(&r);
	free(cs);
	free(rep);
	free(why);
	return ret;
}
