/* test_pf_ipsec.c - preflight's nft.decrypted and nft.icmp.ptb from the
 * evaluator's real verdicts: a ruleset is built in memory, the flows a
 * node's nft-eval --extra judges are evaluated on it, written as the
 * agent's JSON and read back by tsn_pf_nft_ipsec, whose check is what
 * is asserted.  An undecidable verdict is never read as accepted. */
#include "nft_build.h"

#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/output.h"
#include "preflight/preflight.h"

TestSuite(pf_ipsec, .init = setup, .fini = teardown);

/* One flow object as nft-eval --extra writes it (peer n2 inbound). */
static void flow(struct tsn_json *j, const char *proto)
{
	run(proto);
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "peer", "198.18.20.2");
	tsn_json_kstr(j, "dir", "in");
	tsn_json_kstr(j, "proto", proto);
	tsn_json_key(j, "new");
	tsn_nft_verdict_json(j, &v);
	tsn_json_obj_end(j);
}

/* The check id of the node's row after tsn_pf_nft_ipsec on rs. */
static struct tsn_check judged(struct tsn_report *r, const char *id,
			       const char *xfrm)
{
	static const char conf[] = "[cluster]\nname = t\ntransport = local\n"
		"[node n1]\naddress = 198.18.20.1\n"
		"[node n2]\naddress = 198.18.20.2\n";
	struct tsn_inventory inv;
	struct tsn_inv_diag d = { 0 };
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	struct tsn_jv jv;
	struct tsn_node_report *nr;
	struct tsn_check c = { 0 };

	cr_assert_eq(tsn_inventory_parse("t.conf", conf, strlen(conf), &inv,
					 &d), 0, "%s", d.error);
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_key(&j, "flows");
	tsn_json_arr_begin(&j);
	flow(&j, "icmp-ptb");
	flow(&j, "decrypted");
	flow(&j, "cleartext");
	tsn_json_arr_end(&j);
	tsn_json_kstr(&j, "nft_xfrm", xfrm);
	tsn_json_kstr(&j, "xt_policy", xfrm);
	if (!strcmp(xfrm, "unknown")) {
		tsn_json_kstr(&j, "nft_xfrm_why", "no /lib/modules/R");
		tsn_json_kstr(&j, "xt_policy_why", "no /lib/modules/R");
	}
	tsn_json_obj_end(&j);
	cr_assert_eq(tsn_json_finish(&j), 0);
	cr_assert_eq(tsn_json_parse(b.p, b.len, &jv, NULL, 0), 0, "%s", b.p);
	nr = tsn_report_node(r, "n1");
	cr_assert(nr);
	cr_assert_eq(tsn_pf_nft_ipsec(nr, &inv, &jv), 0);
	for (size_t i = 0; i < nr->n_checks; i++)
		if (!strcmp(nr->checks[i].id, id))
			c = nr->checks[i];
	cr_assert(c.id, "no check %s", id);
	tsn_jv_free(&jv);
	tsn_buf_free(&b);
	tsn_inventory_free(&inv);
	return c;
}

/* `ipsec in reqid 7 drop`: the SA's reqid is charon's, unknown before
 * the rollout, so the evaluator cannot decide the decrypted flow; the
 * check warns and names the rule (was: ok, read as accepted). */
Test(pf_ipsec, undecidable_decrypted_warns_naming_the_rule)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 9, NULL);
	struct tsn_nft_expr *e = ex(r, TSN_NFT_LOAD_UNKNOWN, "xfrm");
	struct tsn_report rep;
	struct tsn_check k;

	e->dreg = R1;
	e->len = 4;
	e->key = NFT_XFRM_KEY_REQID;
	e->flags = TSN_NFT_XFRM_DIR(0);
	cmp(r, R1, NFT_CMP_EQ, &(uint32_t){ 7 }, 4);
	verdict(r, NF_DROP, NULL);
	tsn_report_init(&rep, "preflight");
	k = judged(&rep, "nft.decrypted", "module");
	cr_assert_eq(k.status, TSN_ST_WARN, "%s", k.detail);
	cr_assert(strstr(k.detail, "cannot tell"), "%s", k.detail);
	cr_assert(strstr(k.detail, "from n2: undecidable"), "%s", k.detail);
	cr_assert(strstr(k.detail, "inet filter input handle 9"), "%s",
		  k.detail);
	/* the ICMP error has no secpath: the rule ends there, accepted */
	k = judged(&rep, "nft.icmp.ptb", "module");
	cr_assert_eq(k.status, TSN_ST_OK, "%s", k.detail);
	tsn_report_free(&rep);
}

/* A decided drop of the decrypted flow still fails, naming the rule. */
Test(pf_ipsec, decrypted_drop_fails)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 3, "no ipsec");
	struct tsn_report rep;
	struct tsn_check k;

	meta(r, NFT_META_SECPATH, R1);
	cmp8(r, R1, 1);
	verdict(r, NF_DROP, NULL);
	tsn_report_init(&rep, "preflight");
	k = judged(&rep, "nft.decrypted", "module");
	cr_assert_eq(k.status, TSN_ST_FAIL, "%s", k.detail);
	cr_assert(strstr(k.detail, "handle 3 \"no ipsec\""), "%s", k.detail);
	tsn_report_free(&rep);
}

/* An xt match (not modelled) that decides every flow: both checks warn
 * through the same reading, naming the rule. */
Test(pf_ipsec, undecidable_ptb_warns)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 5, NULL);
	struct tsn_report rep;
	struct tsn_check k;

	ex(r, TSN_NFT_MATCH_UNKNOWN, "xt match conntrack");
	verdict(r, NF_DROP, NULL);
	tsn_report_init(&rep, "preflight");
	k = judged(&rep, "nft.icmp.ptb", "module");
	cr_assert_eq(k.status, TSN_ST_WARN, "%s", k.detail);
	cr_assert(strstr(k.detail, "handle 5"), "%s", k.detail);
	k = judged(&rep, "nft.decrypted", "module");
	cr_assert_eq(k.status, TSN_ST_WARN, "%s", k.detail);
	cr_assert(strstr(k.detail, "xt match conntrack (inet filter input "
			 "handle 5)"), "%s", k.detail);
	tsn_report_free(&rep);
}

/* The fix of a decrypted drop names what the kernel lacks, and says so
 * where the node could not tell (no module tree, no config), never
 * "missing" there. */
Test(pf_ipsec, xfrm_modules_missing_or_unknown)
{
	struct tsn_nft_chain *c = input(NF_ACCEPT);
	struct tsn_nft_rule *r = rule(c, 3, NULL);
	struct tsn_report rep;
	struct tsn_check k;

	meta(r, NFT_META_SECPATH, R1);
	cmp8(r, R1, 1);
	verdict(r, NF_DROP, NULL);
	tsn_report_init(&rep, "preflight");
	k = judged(&rep, "nft.decrypted", "missing");
	cr_assert(strstr(k.fix, "neither nft_xfrm nor xt_policy"), "%s", k.fix);
	tsn_report_free(&rep);
	tsn_report_init(&rep, "preflight");
	k = judged(&rep, "nft.decrypted", "unknown");
	cr_assert_eq(k.status, TSN_ST_FAIL);
	cr_assert(strstr(k.fix, "cannot tell whether this kernel has nft_xfrm "
			 "(no /lib/modules/R)"), "%s", k.fix);
	cr_assert(strstr(k.fix, "cannot tell whether this kernel has "
			 "xt_policy"), "%s", k.fix);
	cr_assert(!strstr(k.fix, "has no"), "%s", k.fix);
	cr_assert(!strstr(k.fix, "neither"), "%s", k.fix);
	tsn_report_free(&rep);
	tsn_report_init(&rep, "preflight");
	k = judged(&rep, "nft.decrypted", "module");
	cr_assert(!strstr(k.fix, "nft_xfrm"), "%s", k.fix);
	tsn_report_free(&rep);
}
