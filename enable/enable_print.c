/* enable_print.c - what `tsnet enable-ipsec` prints: a row per pair
 * (state, mode, cipher, encapsulation and why, what the wire showed),
 * the same as one JSON object, and the kernel's drop counters that rose
 * during the proof.  enable_cmd.c decides; this only says it.
 */
#include <stdio.h>
#include <string.h>

#include "enable/encap.h"
#include "enable/rollout.h"
#include "lib/output.h"

/* "yes (probe: ESP dropped n1 -> n3)": what the SA does, and why the
 * plan chose it. */
static void encap_cell(char *buf, size_t len, bool encap,
		       const struct tsn_encap_choice *c)
{
	snprintf(buf, len, "%s%s%s%s", encap ? "yes" : "no",
		 c && c->why[0] ? " (" : "", c ? c->why : "",
		 c && c->why[0] ? ")" : "");
}

void tsn_enable_print_pairs(const struct tsn_rollout *ro,
			    const struct tsn_encap_choice *ch, bool verify,
			    FILE *f, bool colour)
{
	struct tsn_table t;
	char pair[2 * TSN_NAME_MAX + 8], wire[700], encap[360];

	tsn_table_init(&t, 6);
	tsn_table_row(&t, (const char *const[]){ "PAIR", "STATE", "MODE",
		      "CIPHER", "ENCAP", "WIRE" });
	for (size_t k = 0; k < ro->plan.n_pairs; k++) {
		const struct tsn_plan_pair *p = &ro->plan.pairs[k];
		const struct tsn_pair_result *r = &ro->res[k];

		if (!tsn_rollout_pair_in(ro, k))
			continue;
		snprintf(pair, sizeof(pair), "%s <-> %s",
			 ro->inv->nodes[p->a].name, ro->inv->nodes[p->b].name);
		if (!verify)
			snprintf(wire, sizeof(wire), "not checked (--no-verify)");
		else if (r->leaks[0])
			snprintf(wire, sizeof(wire), "CLEARTEXT: %s", r->leaks);
		else if (!r->esp)
			snprintf(wire, sizeof(wire), "no ESP seen");
		else if (r->dual && !r->esp6)
			snprintf(wire, sizeof(wire), "no ESP seen over IPv6 "
				 "(%u packets over IPv4)", r->esp);
		else
			snprintf(wire, sizeof(wire), "esp on the wire (%u "
				 "packets), no cleartext", r->esp + r->esp6);
		encap_cell(encap, sizeof(encap), r->encap || p->encap,
			   ch ? &ch[k] : NULL);
		tsn_table_row(&t, (const char *const[]){ pair, r->state,
			      r->mode, r->cipher, encap, wire });
	}
	tsn_table_print(&t, f, colour);
	tsn_table_free(&t);
}

int tsn_enable_print_json(const struct tsn_rollout *ro,
			  const struct tsn_encap_choice *ch, bool verify,
			  int rc)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int ret;

	tsn_json_init(&j, &b, true);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "command", "enable-ipsec");
	tsn_json_kstr(&j, "plan_hash", ro->plan.hash);
	tsn_json_kstr(&j, "error", ro->error[0] ? ro->error : NULL);
	tsn_json_lines(&j, "xfrm_stat", ro->xstat.p);
	tsn_json_lines(&j, "notes", ro->xstat_note.p);
	tsn_json_lines(&j, "causes", ro->causes);
	tsn_json_key(&j, "pairs");
	tsn_json_arr_begin(&j);
	for (size_t k = 0; k < ro->plan.n_pairs; k++) {
		const struct tsn_pair_result *r = &ro->res[k];

		if (!tsn_rollout_pair_in(ro, k))
			continue;
		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "a", ro->inv->nodes[ro->plan.pairs[k].a].name);
		tsn_json_kstr(&j, "b", ro->inv->nodes[ro->plan.pairs[k].b].name);
		tsn_json_kstr(&j, "state", r->state[0] ? r->state : NULL);
		tsn_json_kstr(&j, "mode", r->mode[0] ? r->mode : NULL);
		tsn_json_kstr(&j, "cipher", r->cipher[0] ? r->cipher : NULL);
		tsn_json_kbool(&j, "encap", r->encap ||
			       ro->plan.pairs[k].encap);
		tsn_json_kstr(&j, "encap_reason", ch ? ch[k].why : NULL);
		tsn_json_kbool(&j, "ok", r->ok);
		tsn_json_kstr(&j, "why", r->why[0] ? r->why : NULL);
		tsn_json_key(&j, "wire");
		if (!verify || !r->proved) {
			tsn_json_null(&j);
		} else {
			tsn_json_obj_begin(&j);
			tsn_json_kuint(&j, "esp", r->esp + r->esp6);
			if (r->dual)
				tsn_json_kuint(&j, "esp_ipv6", r->esp6);
			tsn_json_kuint(&j, "cleartext", r->cleartext);
			tsn_json_kstr(&j, "leaks", r->leaks[0] ? r->leaks : NULL);
			tsn_json_kbool(&j, "ok", tsn_rollout_wire_ok(r));
			tsn_json_obj_end(&j);
		}
		tsn_json_obj_end(&j);
	}
	tsn_json_arr_end(&j);
	tsn_json_kint(&j, "exit", rc);
	tsn_json_obj_end(&j);
	if ((ret = tsn_json_finish(&j)) == 0) {
		printf("%s\n", b.p);
		tsn_result_printed();
	}
	tsn_buf_free(&b);
	return ret;
}

/* The kernel's drop counters that rose during the proof, and the nodes
 * whose kernel keeps none. */
void tsn_enable_print_counters(const struct tsn_rollout *ro, FILE *f)
{
	if (ro->xstat.len)
		fprintf(f, "\nthe kernel dropped IPsec packets during the "
			"proof:\n");
	for (const char *l = ro->xstat.p, *e; l && (e = strchr(l, '\n'));
	     l = e + 1)
		fprintf(f, "  %.*s\n", (int)(e - l), l);
	for (const char *l = ro->xstat_note.p, *e;
	     l && (e = strchr(l, '\n')); l = e + 1)
		fprintf(f, "note: %.*s\n", (int)(e - l), l);
}
