/* fix_undo.c - `preflight --unfix`: remove what --fix added, in one batch.
 *
 * What goes: table inet tsnet when it carries our comment, and the rules
 * in other chains that carry our tag (the handles the state file records
 * are among them; a rule re-created at boot from /etc/tsnet/nftables.nft
 * has a new handle but the same tag).  Nothing else is touched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <linux/netfilter.h>

#include "lib/nfnl.h"
#include "nft/fix.h"
#include "nft/nft.h"

static int batch(struct tsn_nfnl *nl, const struct tsn_nft_ruleset *rs,
		 bool table, size_t *n)
{
	int ret = tsn_nfnl_begin(nl);

	*n = 0;
	if (!ret && table)
		ret = tsn_fix_del_table(nl);
	for (size_t i = 0; i < rs->n_chains && !ret; i++) {
		const struct tsn_nft_chain *c = rs->chains[i];

		if (c->family == NFPROTO_INET &&
		    !strcmp(c->table, TSN_FIX_TABLE))
			continue;	/* ours or foreign: never by rule */
		for (size_t k = 0; k < c->n_rules && !ret; k++) {
			if (!tsn_streq(c->rules[k].comment, TSN_FIX_TAG))
				continue;
			ret = tsn_fix_del_rule(nl, c->family, c->table,
					       c->name, c->rules[k].handle);
			++*n;
		}
	}
	return ret;
}

static size_t table_rules(const struct tsn_nft_ruleset *rs)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n_chains; i++)
		if (rs->chains[i]->family == NFPROTO_INET &&
		    !strcmp(rs->chains[i]->table, TSN_FIX_TABLE))
			n += rs->chains[i]->n_rules;
	return n;
}

int tsn_fix_unfix(struct tsn_fix_result *res)
{
	struct tsn_nft_ruleset *rs = NULL;
	struct tsn_fix_state st = { 0 };
	struct tsn_nfnl nl = { 0 };
	bool exists = false, ours = false;
	char err[128];
	size_t n = 0;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = tsn_nft_read(&rs, err, sizeof(err));
	if (ret) {
		snprintf(res->err, sizeof(res->err), "%s: %s%s", err,
			 strerror(-ret), ret == -EPERM ? " (run as root or "
			 "with CAP_NET_ADMIN)" : "");
		return ret;
	}
	ret = tsn_fix_state_load(&st, res->err, sizeof(res->err));
	if (!ret && (ret = tsn_nfnl_open(&nl)) == 0)
		ret = tsn_fix_table_owner(&nl, &exists, &ours);
	if (ret) {
		if (!res->err[0])
			snprintf(res->err, sizeof(res->err), "netlink: %s",
				 strerror(-ret));
		goto out;
	}
	if (exists && !ours)
		snprintf(res->bad, sizeof(res->bad), "table inet %s was not "
			 "created by tsnet: left alone", TSN_FIX_TABLE);
	ret = batch(&nl, rs, exists && ours, &n);
	if (!ret && (n || (exists && ours))) {
		ret = tsn_nfnl_commit(&nl);
		res->changed = !ret;
	}
	if (ret) {
		snprintf(res->err, sizeof(res->err), "the kernel refused the "
			 "batch (message %d): %s", nl.failed_at,
			 strerror(-ret));
		goto out;
	}
	res->rules_removed = n + (exists && ours ? table_rules(rs) : 0);
	/* with the rules gone, the flows they let in must go too */
	ret = tsn_fix_end_flows(st.members, st.n_members, &res->flows_ended);
	if (ret) {
		snprintf(res->err, sizeof(res->err), "rules removed, but "
			 "ending the IPsec flows between members in conntrack "
			 "failed: %s", strerror(-ret));
		goto out;
	}
	ret = tsn_fix_unpersist(res->persist, sizeof(res->persist));
	if (!ret)
		ret = tsn_fix_state_remove();
	if (ret && !res->err[0])
		snprintf(res->err, sizeof(res->err), "cannot remove %s: %s",
			 TSN_FIX_STATE, strerror(-ret));
out:
	if (nl.nl)
		tsn_nfnl_close(&nl);
	tsn_fix_state_free(&st);
	tsn_nft_ruleset_free(rs);
	return ret;
}
