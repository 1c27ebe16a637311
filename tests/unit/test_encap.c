/* test_encap.c - the per-pair encapsulation decision: probe verdicts both
 * ways -> encap yes/no or refused, for each want (auto, --encap, encap =
 * no); the options' want; what the records say; the plan hash after the
 * choice; the refusal line. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/encap.h"
#include "lib/json.h"
#include "lib/output.h"

/* One direction: "udp500=ok;udp4500=ok;esp=not-arrived"; a verdict may
 * carry a detail after a colon: "esp=dropped-by-peer-firewall:inet f". */
static void fill(struct tsn_pair_report *p, const char *from, const char *to,
		 const char *spec)
{
	char buf[256], *save = NULL, *tok;

	memset(p, 0, sizeof(*p));
	p->from = strdup(from);
	p->to = strdup(to);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ";", &save); tok;
	     tok = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(tok, '='), *colon;

		cr_assert(eq, "bad spec %s", spec);
		*eq++ = '\0';
		colon = strchr(eq, ':');
		if (colon)
			*colon++ = '\0';
		cr_assert_eq(tsn_pair_verdict(p, tok, eq, !strcmp(eq, "ok") ||
					      !strcmp(eq, "nat") ||
					      !strcmp(eq, "ike-responder"),
					      colon), 0);
	}
}

static void drop(struct tsn_pair_report *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].proto);
		free(p->v[i].verdict);
		free(p->v[i].detail);
	}
	free(p->from);
	free(p->to);
}

#define OK3 "udp500=ok;udp4500=ok;esp=ok"

struct decide_case {
	const char *name;
	enum tsn_encap_want want;
	const char *ab, *ba;		/* NULL: no report that way */
	bool encap, refuse, probed;
	const char *why;		/* a substring of why */
	const char *fix;		/* a substring of fix, on refuse */
};

static const struct decide_case cases[] = {
	{ "clean path", TSN_EW_AUTO, OK3, OK3, false, false, true,
	  "probe: ESP passes both ways", NULL },
	{ "charon answers on 500 and 4500", TSN_EW_AUTO,
	  "udp500=ike-responder;udp4500=ike-responder;esp=ok", OK3, false,
	  false, true, "ESP passes both ways", NULL },
	{ "router drops ESP", TSN_EW_AUTO,
	  "udp500=ok;udp4500=ok;esp=not-arrived", OK3, true, false, true,
	  "probe: ESP dropped n1 -> n3", NULL },
	{ "ESP dropped the other way only", TSN_EW_AUTO, OK3,
	  "udp500=ok;udp4500=ok;esp=not-arrived", true, false, true,
	  "probe: ESP dropped n3 -> n1", NULL },
	{ "peer firewall drops ESP", TSN_EW_AUTO, "udp500=ok;udp4500=ok;"
	  "esp=dropped-by-peer-firewall:inet filter input handle 4", OK3,
	  true, false, true, "probe: ESP dropped n1 -> n3 by n3's firewall; "
	  "tsnet preflight --fix opens it", NULL },
	{ "NAT", TSN_EW_AUTO, "udp500=nat:seen from 198.18.2.254;"
	  "udp4500=nat;esp=nat", OK3, true, false, true,
	  "probe: NAT between n1 and n3 (seen from 198.18.2.254", NULL },
	{ "UDP 500 dropped", TSN_EW_AUTO, "udp500=not-arrived:sent 6 times;"
	  "udp4500=ok;esp=ok", OK3, false, true, true,
	  "UDP 500 (IKE) dropped n1 -> n3 (sent 6 times)", "tsnet cloud" },
	{ "UDP 500 dropped by the sender", TSN_EW_AUTO, OK3,
	  "udp500=dropped-by-sender-firewall;udp4500=ok;esp=ok", false, true,
	  true, "UDP 500 (IKE) dropped n3 -> n1 by n3's own firewall",
	  "tsnet preflight --fix" },
	{ "neither ESP nor 4500", TSN_EW_AUTO,
	  "udp500=ok;udp4500=not-arrived;esp=not-arrived", OK3, false, true,
	  true, "neither ESP nor ESP in UDP can pass", "tsnet probe" },
	{ "NAT without 4500", TSN_EW_AUTO,
	  "udp500=nat;udp4500=not-arrived;esp=nat", OK3, false, true, true,
	  "the NAT between them needs it", NULL },
	{ "--encap, ESP dropped", TSN_EW_ALL,
	  "udp500=ok;udp4500=ok;esp=not-arrived", OK3, true, false, true,
	  "--encap", NULL },
	{ "--encap, clean path", TSN_EW_ALL, OK3, OK3, true, false, true,
	  "--encap", NULL },
	{ "--encap without 4500", TSN_EW_ALL, OK3,
	  "udp500=ok;udp4500=not-arrived;esp=ok", false, true, true,
	  "UDP 4500 dropped n3 -> n1", NULL },
	{ "--encap without 500", TSN_EW_ALL,
	  "udp500=not-arrived;udp4500=ok;esp=ok", OK3, false, true, true,
	  "UDP 500 (IKE) dropped", NULL },
	{ "encap = no, clean path", TSN_EW_NEVER, OK3, OK3, false, false,
	  true, "--encap", NULL },	/* the label, whatever it says */
	{ "encap = no, ESP dropped", TSN_EW_NEVER,
	  "udp500=ok;udp4500=ok;esp=not-arrived", OK3, false, true, true,
	  "the inventory says encap = no", NULL },
	{ "encap = no, NAT", TSN_EW_NEVER, "udp500=nat;udp4500=nat;esp=nat",
	  OK3, false, false, true, "NAT traversal encapsulates anyway",
	  NULL },
	{ "a node could not run the probe", TSN_EW_AUTO,
	  "udp500=error:n3 could not run the probe: unreachable;"
	  "udp4500=error;esp=error", OK3, false, false, false,
	  "not probed: n3 could not run the probe", NULL },
	{ "--encap, no verdicts", TSN_EW_ALL, NULL, NULL, true, false, false,
	  "not probed", NULL },
	{ "a verdict missing", TSN_EW_AUTO, "udp500=ok;esp=ok", OK3, false,
	  false, false, "no verdict", NULL },
};

Test(encap, decide)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct decide_case *c = &cases[i];
		struct tsn_pair_report ab, ba;
		struct tsn_encap_choice ch;

		fill(&ab, "n1", "n3", c->ab ? c->ab : "");
		fill(&ba, "n3", "n1", c->ba ? c->ba : "");
		tsn_encap_decide(c->ab ? &ab : NULL, c->ba ? &ba : NULL,
				 c->want, "--encap", &ch);
		cr_expect_eq(ch.encap, c->encap, "%s: encap %d", c->name,
			     ch.encap);
		cr_expect_eq(ch.refuse, c->refuse, "%s: refuse %d (%s)",
			     c->name, ch.refuse, ch.why);
		cr_expect_eq(ch.probed, c->probed, "%s: probed", c->name);
		cr_expect(strstr(ch.why, c->why), "%s: why '%s' lacks '%s'",
			  c->name, ch.why, c->why);
		cr_expect(!c->refuse || (ch.fix && (!c->fix ||
						    strstr(ch.fix, c->fix))),
			  "%s: fix '%s'", c->name, ch.fix ? ch.fix : "(null)");
		drop(&ab);
		drop(&ba);
	}
}

Test(encap, want_of)
{
	enum tsn_encap_want w;
	const char *label;

	cr_assert_eq(tsn_encap_want_of(false, TSN_ENCAP_AUTO, &w, &label), 0);
	cr_expect_eq(w, TSN_EW_AUTO);
	cr_assert_eq(tsn_encap_want_of(true, TSN_ENCAP_AUTO, &w, &label), 0);
	cr_expect_eq(w, TSN_EW_ALL);
	cr_expect_str_eq(label, "--encap");
	cr_assert_eq(tsn_encap_want_of(false, TSN_ENCAP_YES, &w, &label), 0);
	cr_expect_eq(w, TSN_EW_ALL);
	cr_expect_str_eq(label, "inventory: encap = yes");
	cr_assert_eq(tsn_encap_want_of(false, TSN_ENCAP_NO, &w, &label), 0);
	cr_expect_eq(w, TSN_EW_NEVER);
	cr_expect_eq(tsn_encap_want_of(true, TSN_ENCAP_NO, &w, &label),
		     -EINVAL);
}

static void inventory3(struct tsn_inventory *inv)
{
	static const char text[] =
		"[cluster]\nname = c\ntransport = local\n"
		"[node n1]\naddress = 198.18.1.1\n"
		"[node n2]\naddress = 198.18.1.2\n"
		"[node n3]\naddress = 198.18.2.3\n";
	struct tsn_inv_diag d = { 0 };

	cr_assert_eq(tsn_inventory_parse("t.conf", text, strlen(text), inv,
				     &d), 0, "%s", d.error);
}

Test(encap, recorded)
{
	struct tsn_inventory inv;
	struct tsn_jv r1, r3;
	const struct tsn_jv *recs[3];
	char err[128];
	const char *j1 = "{\"peers\":[{\"name\":\"n2\",\"encap\":false},"
			 "{\"name\":\"n3\",\"encap\":true}]}";
	const char *j3 = "{\"peers\":[{\"name\":\"n1\",\"encap\":false}]}";

	inventory3(&inv);
	cr_assert_eq(tsn_json_parse(j1, strlen(j1), &r1, err, sizeof(err)), 0);
	cr_assert_eq(tsn_json_parse(j3, strlen(j3), &r3, err, sizeof(err)), 0);
	recs[0] = &r1;
	recs[1] = NULL;
	recs[2] = &r3;
	cr_expect_eq(tsn_encap_recorded(&inv, recs, 0, 1), 0,
		     "n1 lists n2 without encap");
	cr_expect_eq(tsn_encap_recorded(&inv, recs, 0, 2), 1,
		     "either side's encap counts");
	cr_expect_eq(tsn_encap_recorded(&inv, recs, 1, 2), -1,
		     "neither lists the other");
	cr_expect_eq(tsn_encap_recorded(&inv, NULL, 0, 1), -1, "no survey");
	tsn_jv_free(&r1);
	tsn_jv_free(&r3);
	tsn_inventory_free(&inv);
}

Test(encap, plan_hash_follows_the_choice)
{
	static const char *const pairs[] = { "n3 n1", "n2 n3" };
	struct tsn_inventory inv;
	struct tsn_plan p;
	char want[65], none[65];

	inventory3(&inv);
	cr_assert_eq(tsn_plan_build(&p, &inv, false, -1), 0);
	cr_assert_eq(tsn_plan_hash(&inv, NULL, 0, none), 0);
	cr_expect_str_eq(p.hash, none);
	for (size_t k = 0; k < p.n_pairs; k++)
		p.pairs[k].encap = !strcmp(inv.nodes[p.pairs[k].b].name, "n3");
	cr_assert_eq(tsn_plan_rehash(&p), 0);
	cr_assert_eq(tsn_plan_hash(&inv, pairs, 2, want), 0);
	cr_expect_str_eq(p.hash, want, "the hash names the two encap pairs");
	cr_expect_str_neq(p.hash, none);
	tsn_plan_free(&p);
	tsn_inventory_free(&inv);
}

Test(encap, refusal_line)
{
	struct tsn_inventory inv;
	struct tsn_plan p;
	struct tsn_encap_choice ch[3] = { 0 };
	char line[700];

	inventory3(&inv);
	cr_assert_eq(tsn_plan_build(&p, &inv, false, -1), 0);
	cr_assert_eq(p.n_pairs, 3);
	tsn_encap_refusal(&p, ch, line, sizeof(line));
	cr_expect_str_eq(line, "no pair refused");
	for (size_t k = 1; k < 3; k++) {
		ch[k].refuse = true;
		ch[k].fix = "details: tsnet probe";
		snprintf(ch[k].why, sizeof(ch[k].why), "UDP 500 (IKE) "
			 "dropped n1 -> n3");
	}
	tsn_encap_refusal(&p, ch, line, sizeof(line));
	cr_expect_str_eq(line, "n1 <-> n3: UDP 500 (IKE) dropped n1 -> n3 "
			 "(and 1 more pair(s)); no node was changed (details: "
			 "tsnet probe)");
	tsn_plan_free(&p);
	tsn_inventory_free(&inv);
}
