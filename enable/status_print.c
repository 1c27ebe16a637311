/* status_print.c - `tsnet status` as tables for people and as --json.
 *
 * Three tables: one row per node (service, version, plan hash, what
 * charon holds, drift), one per node and peer (the SA as charon reports
 * it), one per inventory pair (the verdict); then the problems, each
 * with what to do.  The JSON carries the same, and every SA field the
 * agent reported, under stable keys (man/tsnet-status.8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/conf.h"
#include "enable/status.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/util.h"
#include "throughput/throughput.h"

static size_t jarr_len(const struct tsn_jv *v)
{
	return v && v->type == TSN_JARR ? v->n : 0;
}

static void node_row(struct tsn_table *t, const struct tsn_st_node *n)
{
	const char *version = tsn_jv_getstr(&n->st, "version");
	const char *hash = tsn_jv_getstr(n->rec, "plan_hash");
	char plan[16], loaded[32], drift[32];
	bool running = false;
	const char *svc;

	if (n->error) {
		const char *cells[] = { n->node->name, n->reachable ? "error" :
					"unreachable", "", "", "", "",
					n->error };

		tsn_table_row(t, cells);
		return;
	}
	tsn_jv_getbool(&n->st, "running", &running);
	svc = running ? "running" : "stopped";
	snprintf(plan, sizeof(plan), "%.12s", hash ? hash : "");
	snprintf(loaded, sizeof(loaded), "%zu/%zu",
		 tsn_st_loaded(n->rec, tsn_jv_get(&n->st, "loaded")),
		 tsn_st_planned(n->rec));
	snprintf(drift, sizeof(drift), "%zu file%s",
		 jarr_len(tsn_jv_get(&n->st, "drift")),
		 jarr_len(tsn_jv_get(&n->st, "drift")) == 1 ? "" : "s");
	{
		const char *cells[] = {
			n->node->name, svc, version ? version : "-",
			n->rec ? plan : "not enabled",
			n->rec ? loaded : "-",
			!n->rec ? "-" : jarr_len(tsn_jv_get(&n->st, "drift")) ?
			drift : "none",
			n->rec && n->sas_error ? n->sas_error : "",
		};

		tsn_table_row(t, cells);
	}
}

static void num(char *buf, size_t len, const struct tsn_jv *sa,
		const char *key)
{
	double v;

	if (tsn_jv_getnum(sa, key, &v) && v >= 0)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "-");
}

static void sa_row(struct tsn_table *t, const struct tsn_st_node *n,
		   const char *peer, bool v6)
{
	const struct tsn_jv *sa = tsn_st_sa(n, peer, v6);
	char cipher[48], bi[24], bo[24], pi[24], po[24], rk[24];
	char who[TSN_NAME_MAX + 8];
	const char *alg = tsn_jv_getstr(sa, "encr_alg");
	const char *ike = tsn_jv_getstr(sa, "ike_state");
	const char *child = tsn_jv_getstr(sa, "child_state");
	const char *mode = tsn_jv_getstr(sa, "mode");
	double ks = 0;

	tsn_jv_getnum(sa, "encr_keysize", &ks);
	if (alg && ks > 0)
		snprintf(cipher, sizeof(cipher), "%s-%.0f", alg, ks);
	else
		snprintf(cipher, sizeof(cipher), "%s", alg ? alg : "-");
	num(bi, sizeof(bi), sa, "bytes_in");
	num(bo, sizeof(bo), sa, "bytes_out");
	num(pi, sizeof(pi), sa, "packets_in");
	num(po, sizeof(po), sa, "packets_out");
	num(rk, sizeof(rk), sa, "rekey_time");
	snprintf(who, sizeof(who), "%s%s", peer, v6 ? " IPv6" : "");
	{
		const char *cells[] = {
			n->node->name, who, ike ? ike : "-",
			child ? child : sa ? "-" : "none", mode ? mode : "-",
			cipher, bi, bo, pi, po, rk,
		};

		tsn_table_row(t, cells);
	}
}

static void print_sas(const struct tsn_st *s, FILE *f, bool colour)
{
	static const char *const head[] = {
		"NODE", "PEER", "IKE", "CHILD", "MODE", "CIPHER", "BYTES-IN",
		"BYTES-OUT", "PKTS-IN", "PKTS-OUT", "REKEY-S",
	};
	struct tsn_table t;

	tsn_table_init(&t, ARRAY_SIZE(head));
	tsn_table_row(&t, head);
	for (size_t i = 0; i < s->inv->n_nodes; i++) {
		const struct tsn_st_node *n = &s->nodes[i];

		for (size_t k = 0; !n->error && !n->sas_error && n->rec &&
				   k < s->inv->n_nodes; k++)
			if (k != i) {
				sa_row(&t, n, s->inv->nodes[k].name, false);
				if (tsn_conf_dual(n->node, &s->inv->nodes[k]))
					sa_row(&t, n, s->inv->nodes[k].name,
					       true);
			}
	}
	if (t.nrows > 1) {
		fputc('\n', f);
		tsn_table_print(&t, f, colour);
	}
	tsn_table_free(&t);
}

static void print_pairs(const struct tsn_st *s, FILE *f, bool colour)
{
	static const char *const head[] = { "PAIR", "STATE", "DETAIL" };
	struct tsn_table t;
	char pair[2 * TSN_NAME_MAX + 2];

	tsn_table_init(&t, ARRAY_SIZE(head));
	tsn_table_row(&t, head);
	for (size_t i = 0; i < s->n_pairs; i++) {
		const struct tsn_st_pair *p = &s->pairs[i];
		const char *cells[] = { pair, tsn_st_pair_name(p->state),
					p->detail };

		snprintf(pair, sizeof(pair), "%s-%s", s->inv->nodes[p->a].name,
			 s->inv->nodes[p->b].name);
		tsn_table_row(&t, cells);
	}
	fputc('\n', f);
	tsn_table_print(&t, f, colour);
	tsn_table_free(&t);
}

void tsn_status_table(const struct tsn_st *s, FILE *f, bool colour)
{
	static const char *const head[] = {
		"NODE", "SERVICE", "VERSION", "PLAN", "LOADED", "DRIFT", "ERROR",
	};
	struct tsn_table t;
	char when[64];

	tsn_table_init(&t, ARRAY_SIZE(head));
	tsn_table_row(&t, head);
	for (size_t i = 0; i < s->inv->n_nodes; i++)
		node_row(&t, &s->nodes[i]);
	tsn_table_print(&t, f, colour);
	tsn_table_free(&t);
	print_sas(s, f, colour);
	if (s->n_pairs)
		print_pairs(s, f, colour);
	fprintf(f, "\nplan: %s\n", !s->n_enabled ? "no node is enabled" :
		s->plan_consistent ? "every enabled node holds the same plan" :
		"DIFFERENT plans on the nodes");
	tsn_tput_last_date(when, sizeof(when));
	if (when[0])
		fprintf(f, "throughput: last measured %s (tsnet throughput)\n",
			when);
	if (s->n_problems)
		fprintf(f, "\nproblems:\n");
	for (size_t i = 0; i < s->n_problems; i++)
		fprintf(f, "  %s\n", s->problems[i]);
	if (s->n_notes)
		fprintf(f, "\nnotes:\n");
	for (size_t i = 0; i < s->n_notes; i++)
		fprintf(f, "  %s\n", s->notes[i]);
}

static void json_node(struct tsn_json *j, const struct tsn_st_node *n)
{
	const struct tsn_jv *v;
	bool b = false;

	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "node", n->node->name);
	tsn_json_kbool(j, "reachable", n->reachable);
	tsn_json_kstr(j, "error", n->error);
	tsn_json_kstr(j, "sas_error", n->sas_error);
	tsn_json_kbool(j, "enabled", n->rec != NULL);
	tsn_json_kbool(j, "running", tsn_jv_getbool(&n->st, "running", &b) &&
		       b);
	tsn_json_kstr(j, "version", tsn_jv_getstr(&n->st, "version"));
	tsn_json_kstr(j, "service", tsn_jv_getstr(n->rec, "service"));
	tsn_json_kstr(j, "plan_hash", tsn_jv_getstr(n->rec, "plan_hash"));
	tsn_json_key(j, "loaded");
	if ((v = tsn_jv_get(&n->st, "loaded")) && v->type == TSN_JARR)
		tsn_json_jv(j, v);
	else
		tsn_json_null(j);
	tsn_json_key(j, "drift");
	if ((v = tsn_jv_get(&n->st, "drift")) && v->type == TSN_JARR)
		tsn_json_jv(j, v);
	else
		tsn_json_null(j);
	tsn_json_key(j, "sas");
	if ((v = tsn_jv_get(&n->sas, "sas")) && v->type == TSN_JARR)
		tsn_json_jv(j, v);
	else
		tsn_json_null(j);
	tsn_json_obj_end(j);
}

int tsn_status_json(const struct tsn_st *s, FILE *f)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	char when[64];
	int ret;

	tsn_json_init(&j, &b, true);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "command", "status");
	tsn_json_kstr(&j, "cluster", s->inv->cluster.name);
	tsn_json_key(&j, "nodes");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < s->inv->n_nodes; i++)
		json_node(&j, &s->nodes[i]);
	tsn_json_arr_end(&j);
	tsn_json_kbool(&j, "plan_consistent", s->plan_consistent);
	tsn_json_key(&j, "pairs");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < s->n_pairs; i++) {
		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "a", s->inv->nodes[s->pairs[i].a].name);
		tsn_json_kstr(&j, "b", s->inv->nodes[s->pairs[i].b].name);
		tsn_json_kstr(&j, "state", tsn_st_pair_name(s->pairs[i].state));
		tsn_json_kstr(&j, "detail", s->pairs[i].detail[0] ?
			      s->pairs[i].detail : NULL);
		tsn_json_obj_end(&j);
	}
	tsn_json_arr_end(&j);
	tsn_json_key(&j, "problems");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < s->n_problems; i++)
		tsn_json_str(&j, s->problems[i]);
	tsn_json_arr_end(&j);
	tsn_tput_last_date(when, sizeof(when));
	tsn_json_kstr(&j, "throughput_last", when[0] ? when : NULL);
	tsn_json_key(&j, "notes");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < s->n_notes; i++)
		tsn_json_str(&j, s->notes[i]);
	tsn_json_arr_end(&j);
	tsn_json_kint(&j, "exit", s->exit);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (ret == 0)
		fprintf(f, "%s\n", b.p);
	tsn_buf_free(&b);
	return ret;
}
