/* verify_live.c - `tsnet verify` without --read: capture on every node at
 * once while each makes a little traffic to every peer, then prove from
 * those packets that every pair is encrypted.
 *
 * Each node's capture comes back as pcapng (agent_capture.c) and is read
 * through the same reader as --read (verify_read.c over fmemopen), so
 * the classifier and the counting are the ones a customer's capture
 * meets.  A packet between two members is seen at both ends: a pair's
 * count of a class is the larger of the two ends' counts (the end that
 * lost fewer), never their sum.  Each leak is named by its flow
 * (protocol, addresses, ports, direction, packets), and every SPI on the
 * wire is checked against the SAs that `tsnet status` reads from charon
 * (agent ipsec-sas) and against the receiving kernel's states: ESP under
 * an SPI no live SA has is named.  This file gathers and counts;
 * verify_live_pairs.c builds the pairs, checks the SPIs and judges;
 * verify_live_print.c says it.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>		/* isfinite */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "lib/cmd.h"

#include "lib/output.h"
#include "lib/transport.h"
#include "lib/xfrm.h"
#include "verify/verify.h"

static int flow_eq(const struct tsn_vflow *f, const struct tsn_pkt *k)
{
	return f->proto == k->l4proto && f->has_ports == k->has_ports &&
	       (!f->has_ports || (f->sport == k->sport &&
				  f->dport == k->dport)) &&
	       tsn_vip_eq(&f->src, &k->src) && tsn_vip_eq(&f->dst, &k->dst);
}

bool tsn_vip_eq(const struct tsn_ip_addr *a, const struct tsn_ip_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->a, b->a, a->family == AF_INET ? 4 : 16);
}

static void add_flow(struct tsn_vlnode *n, const struct tsn_pkt *k)
{
	for (size_t i = 0; i < n->n_flows; i++) {
		if (flow_eq(&n->flows[i], k)) {
			n->flows[i].n++;
			return;
		}
	}
	if (n->n_flows == TSN_VL_FLOWS_MAX) {
		n->flows_over++;
		return;
	}
	n->flows[n->n_flows++] = (struct tsn_vflow){
		.src = k->src, .dst = k->dst, .proto = k->l4proto,
		.has_ports = k->has_ports && !k->fragment,
		.sport = k->sport, .dport = k->dport, .n = 1 };
}

static void add_spi(struct tsn_vlnode *n, const struct tsn_pkt *k)
{
	for (size_t i = 0; i < n->n_spis; i++) {
		struct tsn_vspi *s = &n->spis[i];

		if (s->spi == k->spi && tsn_vip_eq(&s->src, &k->src) &&
		    tsn_vip_eq(&s->dst, &k->dst)) {
			s->n++;
			return;
		}
	}
	if (n->n_spis == TSN_VL_SPIS_MAX) {
		n->spis_over++;
		return;
	}
	n->spis[n->n_spis++] = (struct tsn_vspi){
		.src = k->src, .dst = k->dst, .spi = k->spi, .n = 1 };
}

/* Between two members only: the filter on the node said so, but a
 * capture is untrusted input like any other. */
static void on_packet(void *arg, const struct tsn_vpend *q)
{
	struct tsn_vlnode *n = arg;
	const struct tsn_pkt *k = &q->pkt;

	if (!q->has_pair ||
	    tsn_vmembers_node(&n->v.members, &k->src) < 0 ||
	    tsn_vmembers_node(&n->v.members, &k->dst) < 0)
		return;
	if (q->c == TSN_V_CLEARTEXT)
		add_flow(n, k);
	else if ((q->c == TSN_V_ESP || q->c == TSN_V_ESP_IN_UDP) && k->spi)
		add_spi(n, k);
}

/* Hex digits only, two a byte: strtoul would take " f", "+f", "-1". */
int tsn_vl_unhex(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *b;
	ssize_t got;

	if (n % 2)
		return -EINVAL;
	if (!(b = malloc(n / 2 + 1)))
		return -ENOMEM;
	got = tsn_hex_decode(s, b, n / 2);
	if (got < 0) {
		free(b);
		return -EINVAL;
	}
	*out = b;
	*len = (size_t)got;
	return 0;
}

/* DIR/NODE.pcapng, atomically; node names are checked by the inventory
 * (no slash, no dot-dot). */
static int keep_capture(struct tsn_vlnode *n, const char *dir,
			const uint8_t *png, size_t len)
{
	int ret;

	if ((size_t)snprintf(n->path, sizeof(n->path), "%s/%s.pcapng", dir,
			     n->node->name) >= sizeof(n->path))
		ret = -ENAMETOOLONG;	/* verify_cmd.c refused it already */
	else
		ret = tsn_write_file_atomic(n->path, png, len, 0640);
	if (ret < 0)
		n->path[0] = 0;
	return ret;
}

static int set_error(struct tsn_vlnode *n, const char *what, const char *s)
{
	char buf[600];

	snprintf(buf, sizeof(buf), "%s%s", what, s);
	free(n->error);
	n->error = tsn_strdup(buf);
	return n->error ? 0 : -ENOMEM;
}

/* A count from the agent: a whole number a double holds exactly, so the
 * cast to uint64_t is defined. */
static bool count(const struct tsn_jv *v, const char *k, double *out)
{
	double d;

	if (!tsn_jv_getnum(v, k, &d) || !isfinite(d) || d < 0 ||
	    d > 9007199254740992.0 || d != (double)(uint64_t)d)
		return false;
	*out = d;
	return true;
}

/* One node's capture, read as --read reads a file. */
static int read_capture(struct tsn_vlnode *n, const struct tsn_job *job,
			const struct tsn_vlive_opts *o)
{
	char why[512], err[PCAP_ERRBUF_SIZE + 100] = "";
	const char *hex, *e;
	uint8_t *png = NULL;
	size_t len = 0;
	double d;
	FILE *fp;
	int ret;

	if (job->state != TSN_JOB_DONE || job->exit_status != 0) {
		if (tsn_json_parse(job->out.p ? job->out.p : "", job->out.len,
				   &n->rep, err, sizeof(err)) == 0 &&
		    (e = tsn_jv_getstr(&n->rep, "error")))
			return set_error(n, "", e);
		return set_error(n, "", tsn_job_reason(job, why,
							 sizeof(why)));
	}
	if (tsn_json_parse(job->out.p ? job->out.p : "", job->out.len,
			   &n->rep, err, sizeof(err)) < 0)
		return set_error(n, "bad reply from agent verify-capture: ",
				 err);
	n->ifname = tsn_jv_getstr(&n->rep, "interface");
	if (count(&n->rep, "packets", &d))
		n->packets = (uint64_t)d;
	if (count(&n->rep, "kept", &d))
		n->kept = (uint64_t)d;
	hex = tsn_jv_getstr(&n->rep, "pcapng");
	if (!hex || tsn_vl_unhex(hex, &png, &len) < 0)
		return set_error(n, "", "agent verify-capture sent no "
				 "capture");
	if (o->write_dir && (ret = keep_capture(n, o->write_dir, png,
						len)) < 0)
		tsn_warn("verify", "%s/%s.pcapng: %s", o->write_dir,
			 n->node->name, strerror(-ret));
	n->v.on_packet = on_packet;
	n->v.on_packet_arg = n;
	if (!(fp = fmemopen(png, len, "r"))) {
		free(png);
		return -errno;
	}
	ret = tsn_verify_read_fp(&n->v, fp, err, sizeof(err));
	n->v.source = n->node->name;
	free(png);
	if (ret < 0)
		return set_error(n, "its capture does not read: ",
				 err[0] ? err : n->v.read_error);
	n->v_read = true;
	return 0;
}

/* One node's SAs as charon has them (agent ipsec-sas); when they cannot
 * be read, why, so no SPI is judged against an empty list. */
static int read_sas(struct tsn_vlnode *n, const struct tsn_job *job)
{
	char why[512], err[160] = "";
	const struct tsn_jv *a;
	const char *e;
	int ok;

	ok = tsn_json_parse(job->out.p ? job->out.p : "", job->out.len,
			    &n->sas, err, sizeof(err)) == 0;
	a = ok ? tsn_jv_get(&n->sas, "sas") : NULL;
	n->sas_ok = job->state == TSN_JOB_DONE && job->exit_status == 0 &&
		    a && a->type == TSN_JARR;
	if (n->sas_ok)
		return 0;
	if (ok && (e = tsn_jv_getstr(&n->sas, "error")))
		snprintf(why, sizeof(why), "%s", e);
	else if (job->state != TSN_JOB_DONE || job->exit_status != 0)
		tsn_job_reason(job, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "bad reply: %s", err[0] ? err :
			 "no \"sas\" list");
	n->sas_error = tsn_strdup(why);
	return n->sas_error ? 0 : -ENOMEM;
}

static int request(const struct tsn_inventory *inv, const char *inv_text,
		   size_t i, const struct tsn_vlive_opts *o,
		   struct tsn_buf *b)
{
	struct tsn_json j;

	tsn_json_init(&j, b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "inventory", inv_text);
	tsn_json_kstr(&j, "node", inv->nodes[i].name);
	tsn_json_kuint(&j, "ms", o->ms);
	tsn_json_kstr(&j, "interface", o->ifname);
	tsn_json_obj_end(&j);
	return tsn_json_finish(&j);
}

/* Round one: every node captures at once.  Round two: every node's SAs
 * as charon has them, read after the capture (an SA the capture saw is
 * still there unless it was just rekeyed away). */
static int gather(struct tsn_vlive *L, const struct tsn_vlive_opts *o,
		  struct tsn_progress *prog)
{
	static const char *const cap[] = { "agent", "verify-capture", NULL };
	static const char *const sas[] = { "agent", "ipsec-sas", NULL };
	const struct tsn_inventory *inv = L->inv;
	struct tsn_run_opts ro = { .timeout = o->ms / 1000 + 60,
				   .progress = prog,
				   .what = "verify: capturing",
				   /* all at once, as one window */
				   .concurrency = (unsigned)inv->n_nodes };
	struct tsn_buf text = { 0 }, *in = NULL;
	struct tsn_job *jobs = NULL;
	size_t n = inv->n_nodes;
	int ret;

	in = calloc(n, sizeof(*in));
	jobs = calloc(2 * n, sizeof(*jobs));
	if (!in || !jobs || (ret = tsn_inventory_format(inv, &text)) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((ret = request(inv, text.p, i, o, &in[i])) < 0)
			goto out;
		jobs[i].node = jobs[n + i].node = &inv->nodes[i];
		jobs[i].argv = cap;
		jobs[i].input = in[i].p;
		jobs[i].input_len = in[i].len;
		jobs[n + i].argv = sas;
	}
	if ((ret = tsn_run(inv, jobs, n, &ro)) < 0)
		goto out;
	ro.what = "verify: reading SAs";
	if ((ret = tsn_run(inv, jobs + n, n, &ro)) < 0)
		goto out;
	for (size_t i = 0; i < n && ret == 0; i++) {
		if ((ret = read_capture(&L->nodes[i], &jobs[i], o)) == 0)
			ret = read_sas(&L->nodes[i], &jobs[n + i]);
	}
out:
	for (size_t i = 0; jobs && i < 2 * n; i++)
		tsn_job_free(&jobs[i]);
	for (size_t i = 0; in && i < n; i++)
		tsn_buf_free(&in[i]);
	free(jobs);
	free(in);
	tsn_buf_free(&text);
	return ret;
}

/* Every counter that rose on a node during its capture, a line each in
 * L->xstat; a kernel without counters, once, in L->xstat_note. */
static int counters(struct tsn_vlive *L)
{
	int ret = 0;

	for (size_t i = 0; i < L->inv->n_nodes && !ret; i++) {
		const struct tsn_vlnode *n = &L->nodes[i];
		struct tsn_node_report *nr;
		struct tsn_report r;

		if (n->error || n->rep.type != TSN_JOBJ)
			continue;	/* the capture's failure says it */
		tsn_report_init(&r, "verify");
		nr = tsn_report_node(&r, n->node->name);
		ret = nr ? tsn_xstat_checks(nr, n->node->name,
					    tsn_jv_get(&n->rep, "xfrm_stat"),
					    "during the capture", NULL) :
			   -ENOMEM;
		for (size_t k = 0; !ret && nr && k < nr->n_checks; k++) {
			const struct tsn_check *c = &nr->checks[k];

			if (c->status == TSN_ST_FAIL || c->status == TSN_ST_WARN)
				ret = tsn_buf_printf(&L->xstat, "%s: %s: %s\n",
						     n->node->name, c->id,
						     c->detail);
			else if (c->status == TSN_ST_SKIP)
				ret = tsn_buf_printf(&L->xstat_note, "%s: %s: "
						     "%s\n", n->node->name,
						     c->id, c->detail);
		}
		tsn_report_free(&r);
	}
	return ret;
}

static void live_free(struct tsn_vlive *L)
{
	for (size_t i = 0; L->nodes && i < L->inv->n_nodes; i++) {
		tsn_verify_free(&L->nodes[i].v);
		tsn_jv_free(&L->nodes[i].rep);
		tsn_jv_free(&L->nodes[i].sas);
		free(L->nodes[i].error);
		free(L->nodes[i].sas_error);
	}
	free(L->nodes);
	free(L->pairs);
	tsn_buf_free(&L->xstat);
	tsn_buf_free(&L->xstat_note);
}

int tsn_verify_live(struct tsn_ctx *ctx, const struct tsn_inventory *inv,
		    const struct tsn_vlive_opts *o)
{
	struct tsn_vlive L = { .inv = inv, .o = o };
	struct tsn_progress prog;
	int ret = 0, rc = TSN_EXIT_RUNTIME;

	L.nodes = calloc(inv->n_nodes + 1, sizeof(*L.nodes));
	if (!L.nodes) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < inv->n_nodes && !ret; i++) {
		L.nodes[i].node = &inv->nodes[i];
		ret = tsn_verify_init(&L.nodes[i].v, inv, false);
	}
	tsn_progress_begin(&prog, ctx->err_tty && !tsn_quiet);
	if (ret == 0 && (ret = gather(&L, o, &prog)) == 0)
		ret = tsn_vlive_assess(&L);
	if (ret == 0)
		ret = counters(&L);
	tsn_progress_end(&prog);
	if (ret < 0)
		goto out;
	L.exit = rc = tsn_vlive_judge(&L);
	if ((ret = tsn_vlive_print(&L, ctx->json, ctx->tty)) < 0)
		rc = TSN_EXIT_RUNTIME;
	else
		tsn_result_printed();	/* no JSON error object after it */
out:
	if (ret < 0)
		tsn_err(ctx->cmd, "%s", strerror(-ret));
	live_free(&L);
	return rc;
}
