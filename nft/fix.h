/* fix.h - inside nft/: the changer's parts, shared by fix*.c (its entry
 * points, tsn_fix_apply and tsn_fix_unfix, are in nft.h).  It opens
 * UDP 500, UDP 4500 and ESP between cluster members in nftables, and
 * takes it back exactly.
 *
 *   fix.c        plan (which base chains would drop, by the evaluator),
 *                apply in one netlink batch, verify, unfix
 *   fix_rules.c  the netlink messages (libnftnl): table inet tsnet with
 *                the member sets, its chains and rules, the tagged
 *                accepts inserted at the head of other base chains
 *   fix_state.c  /var/lib/tsnet/nftables.json, the snapshot of the
 *                ruleset before, and the files that survive a reboot
 *   agent_fix.c  `tsnet agent nft-fix` and `nft-unfix`
 *
 * The rule count does not depend on the cluster's size: addresses live
 * in the named sets of our table, and inline (anonymous sets) in the few
 * accepts inserted elsewhere, since a rule cannot reference another
 * table's set.
 */
#ifndef TSN_NFT_FIX_H
#define TSN_NFT_FIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/util.h"
#include "nft/nft.h"

/* What /var/lib/tsnet/nftables.json records. */
struct tsn_fix_state {
	bool present;
	struct tsn_addr *members;
	size_t n_members;
	struct tsn_fix_insert *ins;
	size_t n_ins;
	char persist[32];	/* "systemd" or "files" */
};

void tsn_fix_state_free(struct tsn_fix_state *st);

/* fix_ct.c: delete the conntrack entries of IKE (UDP 500 and 4500, port
 * to same port) and ESP between every two of the n members; *ended says
 * how many there were.  0 or -errno. */
int tsn_fix_end_flows(const struct tsn_addr *m, size_t n, unsigned *ended);

/* fix_state.c */
struct tsn_nft_ruleset;
int tsn_fix_state_load(struct tsn_fix_state *st, char *err, size_t errlen);
/* The state file, written atomically. */
int tsn_fix_state_write(const struct tsn_fix_state *st);
int tsn_fix_state_remove(void);
/* The ruleset as readable text, for nftables-before.txt. */
struct tsn_atomic;
int tsn_fix_ruleset_text(const struct tsn_nft_ruleset *rs, struct tsn_buf *b,
			 struct tsn_atomic *out);
/* /etc/tsnet/nftables.nft and the unit; persist says which was done. */
int tsn_fix_persist(const struct tsn_fix_req *req,
		    const struct tsn_fix_insert *ins, size_t n_ins,
		    char *persist, size_t len, char *kind, size_t kind_len);
int tsn_fix_unpersist(char *persist, size_t len);
bool tsn_fix_addr_list_equal(const struct tsn_addr *a, size_t na,
			     const struct tsn_addr *b, size_t nb);

/* fix_rules.c */
struct tsn_nfnl;
/* Does table inet tsnet exist, and does it carry our comment? */
int tsn_fix_table_owner(struct tsn_nfnl *nl, bool *exists, bool *ours);
int tsn_fix_put_table(struct tsn_nfnl *nl, const struct tsn_addr *m,
		      size_t n, uint32_t *set_id);
int tsn_fix_put_accepts(struct tsn_nfnl *nl, int family, const char *table,
			const char *chain, bool input,
			const struct tsn_addr *m, size_t n, uint32_t *set_id,
			size_t *n_rules);
int tsn_fix_del_table(struct tsn_nfnl *nl);
int tsn_fix_del_rule(struct tsn_nfnl *nl, int family, const char *table,
		     const char *chain, uint64_t handle);
/* The same change as nft syntax (the reboot file and the bench). */
int tsn_fix_nft_text(const struct tsn_addr *m, size_t n,
		     const struct tsn_fix_insert *ins, size_t n_ins,
		     struct tsn_buf *b);

/* fix_equiv.c: tsn_nft_eval() of every flow, evaluating once for peers
 * the ruleset cannot tell apart.  tsn_fix_classes() puts flow i in
 * class cls[i] (cls holds n), numbered in the order of the flows that
 * first had them, and returns how many; flows of one class take one path
 * through rs, as long as only what-if marks (accept_all, skip) change;
 * it also sets the what-if marks that let an evaluation pass over rules
 * that cannot match (tsn_nft_rule.dead, tsn_nft_flow.skip_dead).
 * tsn_fix_eval_classes() writes class k's verdict to v[k] (a verdict is
 * half a kilobyte: a copy per flow was megabytes of memory touched for a
 * thousand peers).  tsn_fix_eval_flows() is both, with at as cls. */
struct tsn_nft_flow;
struct tsn_nft_verdict;
long tsn_fix_classes(struct tsn_nft_ruleset *rs, struct tsn_nft_flow *f,
		     size_t n, uint32_t *cls);
/* The same in steps, for a ruleset still being read: tsn_fix_scan_new
 * for the flows, tsn_fix_scan_rules after each chunk of rules parsed
 * (what it cannot look at before tsn_nft_finish waits), then
 * tsn_fix_scan_classes once rs is finished (with the flows given to
 * tsn_fix_scan_new).  A read tried again, with a new ruleset, starts
 * the scan over. */
struct tsn_fix_scan;
struct tsn_fix_scan *tsn_fix_scan_new(const struct tsn_nft_flow *f, size_t n);
void tsn_fix_scan_rules(struct tsn_fix_scan *s, struct tsn_nft_ruleset *rs);
long tsn_fix_scan_classes(struct tsn_fix_scan *s, struct tsn_nft_ruleset *rs,
			  struct tsn_nft_flow *f, size_t n, uint32_t *cls);
void tsn_fix_scan_free(struct tsn_fix_scan *s);
int tsn_fix_eval_classes(const struct tsn_nft_ruleset *rs,
			 const struct tsn_nft_flow *f, size_t n,
			 const uint32_t *cls, struct tsn_nft_verdict *v);
int tsn_fix_eval_flows(struct tsn_nft_ruleset *rs, struct tsn_nft_flow *f,
		       size_t n, struct tsn_nft_verdict *v, uint32_t *at);

#endif
