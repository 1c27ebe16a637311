/* run.c - the rounds of a throughput measurement through the transport.
 *
 * Per round, every pair's listener (on b) and sender (on a) start
 * together, all pairs of the round in parallel; the sender retries its
 * connection until the listener is up.  The pair's token (random) and
 * everything else go on stdin.  The replies come from other machines:
 * every number is range-checked before it is believed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lib/json.h"
#include "lib/output.h"
#include "lib/transport.h"
#include "lib/util.h"
#include "throughput/throughput.h"

#define WAIT 20		/* s a sender waits for its listener */

static const char *const listen_argv[] = { "agent", "tput-listen", NULL };
static const char *const send_argv[] = { "agent", "tput-send", NULL };

static bool num(const struct tsn_jv *v, const char *k, double lo, double hi,
		double *out)
{
	double d;

	if (!tsn_jv_getnum(v, k, &d) || !isfinite(d) || d < lo || d > hi)
		return false;
	*out = d;
	return true;
}

static void parse_cpu(const struct tsn_jv *c, struct tsn_tput_end *e)
{
	double n;

	e->cpu_ok = c && num(c, "busy", 0, 100, &e->cpu.busy) &&
		    num(c, "core_max", 0, 100, &e->cpu.core_max) &&
		    num(c, "softirq_max", 0, 100, &e->cpu.softirq_max) &&
		    num(c, "ncpu", 1, TSN_TPUT_CPUS_MAX, &n);
	e->cpu.ncpu = e->cpu_ok ? (unsigned)n : 0;
}

static void parse_crypto(const struct tsn_jv *v, struct tsn_tput_end *e)
{
	const struct tsn_jv *c = tsn_jv_get(v, "crypto");
	const struct tsn_jv *f = tsn_jv_get(v, "cpu_flags");
	const char *name = tsn_jv_getstr(c, "name");
	const char *drv = tsn_jv_getstr(c, "driver");

	if (c && tsn_aead_kind_parse(tsn_jv_getstr(c, "kind"),
				     &e->aead.kind) == 0 && name && drv &&
	    strlen(name) < sizeof(e->aead.name) &&
	    strlen(drv) < sizeof(e->aead.driver)) {
		strcpy(e->aead.name, name);
		strcpy(e->aead.driver, drv);
	} else {
		e->aead.kind = TSN_AEAD_UNKNOWN;
	}
	e->flags.known = f && tsn_jv_getbool(f, "aes", &e->flags.aes) &&
			 tsn_jv_getbool(f, "clmul", &e->flags.clmul);
}

int tsn_tput_end_parse(const struct tsn_jv *v, struct tsn_tput_end *e)
{
	double x[3] = { 0, 0, 0 };
	const char *keys[] = { "frag_creates", "reasm_reqds", "retrans" };

	memset(e, 0, sizeof(*e));
	if (!v || v->type != TSN_JOBJ ||
	    !num(v, "start", 1e9, 1e11, &e->start) ||
	    !num(v, "end", e->start, 1e11, &e->end)) {
		snprintf(e->why, sizeof(e->why), "reply: no start and end");
		return -EINVAL;
	}
	parse_cpu(tsn_jv_get(v, "cpu"), e);
	for (int i = 0; i < 3; i++)
		num(v, keys[i], 0, 1e15, &x[i]);
	e->frag_creates = (uint64_t)x[0];
	e->reasm_reqds = (uint64_t)x[1];
	e->retrans = (uint64_t)x[2];
	parse_crypto(v, e);
	e->ok = true;
	return 0;
}

/* Why a pair is what it is on the wire: its SAs and their counters. */
static void parse_esp(const struct tsn_jv *v, struct tsn_tput_result *r)
{
	const struct tsn_jv *e = tsn_jv_get(v, "esp");
	const char *err = tsn_jv_getstr(v, "sa_error");

	if (e) {
		tsn_jv_getbool(e, "out_sa", &r->out_sa);
		tsn_jv_getbool(e, "in_sa", &r->in_sa);
		num(e, "out_bytes", 0, 1e18, &r->out_bytes);
		num(e, "in_bytes", 0, 1e18, &r->in_bytes);
	}
	if (err && strlen(err) < sizeof(r->sa_error))
		strcpy(r->sa_error, err);
}

/* The sender's own figures, on top of its end. */
static int parse_sender(const struct tsn_jv *v, struct tsn_tput_result *r)
{
	const char *aead = tsn_jv_getstr(v, "aead");
	double mss = 0, streams;

	if (!num(v, "gbps_out", 0, 10000, &r->gbps_ab) ||
	    !num(v, "gbps_in", 0, 10000, &r->gbps_ba) ||
	    !num(v, "rtt_ms_p50", 0, 600000, &r->rtt_p50) ||
	    !num(v, "rtt_ms_p99", r->rtt_p50, 600000, &r->rtt_p99) ||
	    !num(v, "streams", 1, TSN_TPUT_STREAMS_MAX, &streams) ||
	    !tsn_jv_getbool(v, "encrypted", &r->encrypted) ||
	    !tsn_jv_getbool(v, "encap", &r->encap)) {
		snprintf(r->ea.why, sizeof(r->ea.why), "reply: rates, round "
			 "trip, streams or encrypted missing or out of range");
		r->ea.ok = false;
		return -EINVAL;
	}
	parse_esp(v, r);
	num(v, "mss", 0, 65535, &mss);
	r->mss = (unsigned)mss;
	r->streams = (unsigned)streams;
	if (aead && strlen(aead) < sizeof(r->aead))
		strcpy(r->aead, aead);
	return 0;
}

static void job_end(struct tsn_job *job, struct tsn_tput_end *e,
		    struct tsn_tput_result *r, bool sender)
{
	struct tsn_jv v = { 0 };
	char err[128], reason[256];

	if (job->state != TSN_JOB_DONE || job->exit_status != 0) {
		/* the agent's own error line says why, else the transport */
		if (job->state == TSN_JOB_DONE && job->err.len)
			snprintf(e->why, sizeof(e->why), "%s", job->err.p);
		else
			snprintf(e->why, sizeof(e->why), "%s",
				 tsn_job_reason(job, reason, sizeof(reason)));
		e->why[strcspn(e->why, "\n")] = '\0';
		return;
	}
	if (tsn_json_parse(job->out.p ? job->out.p : "", job->out.len, &v,
			   err, sizeof(err)) < 0) {
		snprintf(e->why, sizeof(e->why), "reply: %s", err);
		return;
	}
	if (tsn_tput_end_parse(&v, e) == 0 && sender)
		parse_sender(&v, r);
	tsn_jv_free(&v);
}

static int request(const struct tsn_node *self, const struct tsn_node *peer,
		   const struct tsn_tput_opts *o, const char *token,
		   struct tsn_buf *b)
{
	struct tsn_json j;
	char a[64], p[64];

	tsn_json_init(&j, b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "self", self->name);
	tsn_json_kstr(&j, "peer", peer->name);
	tsn_json_kstr(&j, "address", tsn_addr_str(&self->addr, a, sizeof(a)));
	tsn_json_kstr(&j, "peer_address",
		      tsn_addr_str(&peer->addr, p, sizeof(p)));
	tsn_json_kuint(&j, "port", o->port);
	tsn_json_kuint(&j, "duration", o->duration);
	tsn_json_kuint(&j, "streams", o->streams);
	tsn_json_kuint(&j, "wait", WAIT);
	tsn_json_kstr(&j, "token", token);
	tsn_json_obj_end(&j);
	return tsn_json_finish(&j);
}

static int make_token(char *hex)
{
	uint8_t t[8];

	if (getrandom(t, sizeof(t), 0) != sizeof(t))
		return -EIO;
	tsn_hex(hex, t, sizeof(t));
	hex[16] = '\0';
	return 0;
}

/* Jobs 2k (listener on b) and 2k+1 (sender on a) for result k. */
static int round_jobs(struct tsn_tput_run *run, size_t first, size_t n,
		      const struct tsn_tput_opts *o, struct tsn_job *jobs,
		      struct tsn_buf *in)
{
	char token[17];
	int ret = 0;

	for (size_t k = 0; k < n && !ret; k++) {
		struct tsn_tput_result *r = &run->res[first + k];

		ret = make_token(token);
		if (!ret)
			ret = request(r->b, r->a, o, token, &in[2 * k]);
		if (!ret)
			ret = request(r->a, r->b, o, token, &in[2 * k + 1]);
		jobs[2 * k] = (struct tsn_job){ .node = r->b,
						.argv = listen_argv };
		jobs[2 * k + 1] = (struct tsn_job){ .node = r->a,
						    .argv = send_argv };
		for (int i = 0; i < 2 && !ret; i++) {
			jobs[2 * k + i].input = in[2 * k + i].p;
			jobs[2 * k + i].input_len = in[2 * k + i].len;
		}
	}
	return ret;
}

static int run_round(struct tsn_tput_run *run, size_t first, size_t n,
		     const struct tsn_tput_opts *o, struct tsn_progress *pg)
{
	struct tsn_job *jobs = calloc(2 * n, sizeof(*jobs));
	struct tsn_buf *in = calloc(2 * n, sizeof(*in));
	struct tsn_run_opts ro = {
		.concurrency = (unsigned)(2 * n),
		.timeout = WAIT + 2 * o->duration + 60,
		.progress = pg, .what = "throughput",
	};
	int ret = jobs && in ? 0 : -ENOMEM;

	if (!ret)
		ret = round_jobs(run, first, n, o, jobs, in);
	if (!ret)
		ret = tsn_run(run->inv, jobs, 2 * n, &ro);
	for (size_t k = 0; !ret && k < n; k++) {
		struct tsn_tput_result *r = &run->res[first + k];

		job_end(&jobs[2 * k], &r->eb, r, false);
		job_end(&jobs[2 * k + 1], &r->ea, r, true);
		r->ok = r->ea.ok && r->eb.ok;
	}
	for (size_t i = 0; jobs && i < 2 * n; i++)
		tsn_job_free(&jobs[i]);
	for (size_t i = 0; in && i < 2 * n; i++)
		tsn_buf_free(&in[i]);
	free(jobs);
	free(in);
	return ret;
}

int tsn_tput_measure(const struct tsn_inventory *inv,
		     const struct tsn_tput_opts *o, struct tsn_tput_run *run,
		     char *why, size_t len)
{
	struct tsn_tput_pair *p = NULL;
	struct tsn_progress pg;
	size_t n = 0, first;
	int ret;

	memset(run, 0, sizeof(*run));
	run->inv = inv;
	run->when = tsn_tput_wall();
	ret = tsn_tput_pairs(inv, o->pairs, &p, &n, why, len);
	if (ret < 0)
		return ret;
	run->rounds = tsn_tput_schedule(p, n, (unsigned)inv->n_nodes);
	run->res = calloc(n ? n : 1, sizeof(*run->res));
	if (!run->res || (n && !run->rounds)) {
		free(p);
		return -ENOMEM;
	}
	run->n = n;
	for (size_t i = 0; i < n; i++)
		run->res[i] = (struct tsn_tput_result){
			.a = &inv->nodes[p[i].a], .b = &inv->nodes[p[i].b],
			.round = p[i].round };
	free(p);
	tsn_progress_begin(&pg, o->progress);
	for (first = 0; first < n && !ret;) {
		size_t k = first;

		while (k < n && run->res[k].round == run->res[first].round)
			k++;
		tsn_progress(&pg, "throughput: round %u of %u",
			     run->res[first].round + 1, run->rounds);
		ret = run_round(run, first, k - first, o, &pg);
		first = k;
	}
	tsn_progress_end(&pg);
	return ret;
}

void tsn_tput_run_free(struct tsn_tput_run *run)
{
	free(run->res);
	memset(run, 0, sizeof(*run));
}
