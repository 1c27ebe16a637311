/* xfrm_check.c - before enable-ipsec changes anything: does another IPsec
 * setup already hold the members' traffic?
 *
 * Each node taking part runs `tsnet agent xfrm-state`; every XFRM policy
 * that is not tsnet's (lib/xfrm_judge.c decides, as preflight's
 * xfrm.foreign does) and covers the traffic between the node and another
 * member stops the rollout: a `block` policy drops that traffic whatever
 * charon installs, and an allow policy of Libreswan's or an older
 * strongSwan's sends it to SAs tsnet's peers do not have.  One line per
 * entry, with its selector, direction, action and priority and the
 * `ip xfrm` command that removes exactly it.  The same judging makes
 * drift of such an entry in `tsnet status` (status_xfrm.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/rollout.h"
#include "enable/status.h"
#include "lib/xfrm.h"

/* The family's bytes of a, or false when a is of another family. */
static bool addr_bytes(const struct tsn_addr *a, int family, uint8_t *out)
{
	memset(out, 0, 16);
	if (a->family != family)
		return false;
	memcpy(out, family == AF_INET ? (const void *)&a->v4 :
	       (const void *)&a->v6, family == AF_INET ? 4 : 16);
	return true;
}

int tsn_xfrm_foreign_lines(const struct tsn_inventory *inv, size_t i,
			   const struct tsn_jv *rep, bool policies_only,
			   struct tsn_buf *lines)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	const struct tsn_node *me = &inv->nodes[i];
	struct tsn_xfrm_list *l = malloc(sizeof(*l));
	uint8_t (*peers)[16] = calloc(inv->n_nodes + 1, sizeof(*peers));
	char line[240], fix[200];
	bool enabled = false;
	int ret = l && peers ? 0 : -ENOMEM, n = 0;

	if (!ret && tsn_xfrm_list_from_json(tsn_jv_get(rep, "xfrm"), l) < 0)
		ret = -EINVAL;
	tsn_jv_getbool(rep, "enabled", &enabled);
	for (size_t f = 0; !ret && f < ARRAY_SIZE(fams); f++) {
		uint8_t self[16];
		size_t np = 0;

		if (!addr_bytes(&me->addr, fams[f], self) &&
		    !addr_bytes(&me->addr6, fams[f], self))
			continue;
		for (size_t k = 0; k < inv->n_nodes; k++)
			if (k != i && (addr_bytes(&inv->nodes[k].addr, fams[f],
						  peers[np]) ||
				       addr_bytes(&inv->nodes[k].addr6,
						  fams[f], peers[np])))
				np++;
		for (unsigned e = 0; !ret && e < l->n; e++) {
			const struct tsn_xfrm_seen *s = &l->s[e];
			size_t covers = np;

			if ((policies_only && !s->policy) ||
			    tsn_xfrm_ours(s, enabled, fams[f], self, peers, np))
				continue;
			for (size_t k = 0; k < np && covers == np; k++)
				if (tsn_xfrm_between(s, fams[f], self, peers[k]))
					covers = k;
			if (covers == np)
				continue;
			tsn_xfrm_describe(s, line, sizeof(line));
			tsn_xfrm_fix(s, fix, sizeof(fix));
			ret = tsn_buf_printf(lines, "%s: xfrm.foreign: %s, not "
					     "tsnet's, covers the members' "
					     "traffic (fix: %s)\n", me->name,
					     line, fix);
			n++;
		}
	}
	free(l);
	free(peers);
	return ret < 0 ? ret : n;
}

int tsn_rollout_xfrm_check(struct tsn_rollout *ro, struct tsn_buf *lines)
{
	static const char *const argv[] = { "agent", "xfrm-state", NULL };
	size_t n = ro->inv->n_nodes;
	struct tsn_jv *rep = calloc(n + 1, sizeof(*rep));
	char (*why)[300] = calloc(n + 1, sizeof(*why));
	struct tsn_buf own = { 0 };
	int ret = rep && why ? 0 : -ENOMEM;

	ro->phase = "looking for other IPsec setups";
	if (!ret)
		ret = tsn_rollout_run_argv(ro, argv, NULL, rep, why);
	for (size_t i = 0; !ret && i < n; i++) {
		const char *err;

		if (!ro->in[i])
			continue;
		if (rep[i].type != TSN_JOBJ) {
			ro->unreachable = true;
			ret = tsn_buf_printf(&own, "%s: %s\n",
					     ro->inv->nodes[i].name, why[i]);
			continue;
		}
		err = tsn_jv_getstr(tsn_jv_get(&rep[i], "xfrm"), "error");
		if (err) {
			/* not a foreign policy: a node tsnet cannot check,
			 * a runtime failure (exit 3) as an unreachable one */
			ro->unreachable = true;
			ret = tsn_buf_printf(&own, "%s: xfrm.foreign: cannot "
					     "list the kernel's IPsec policies: "
					     "%s (run tsnet as root)\n",
					     ro->inv->nodes[i].name, err);
			continue;
		}
		ret = tsn_xfrm_foreign_lines(ro->inv, i, &rep[i], true, &own);
		if (ret == -EINVAL) {
			ro->unreachable = true;
			ret = tsn_buf_printf(&own, "%s: agent xfrm-state: no "
					     "usable reply\n",
					     ro->inv->nodes[i].name);
		}
		ret = ret > 0 ? 0 : ret;
	}
	if (!ret && own.len) {
		snprintf(ro->error, sizeof(ro->error), "%.*s; no node was "
			 "changed", (int)strcspn(own.p, "\n"), own.p);
		ret = tsn_buf_puts(lines, own.p);
		ret = ret ? ret : -EPROTO;
	}
	tsn_buf_free(&own);
	for (size_t i = 0; rep && i < n; i++)
		tsn_jv_free(&rep[i]);
	free(rep);
	free(why);
	return ret;
}
