/* store.c - a measurement as JSON, and the two kept on the coordinator:
 * the baseline (before IPsec: --baseline, enable-ipsec --measure) and the
 * last run, under /var/lib/tsnet ($TSNET_STATE_DIR overrides it), each
 * written atomically.  A stored file is read back as untrusted: a record
 * that does not parse is left out, never half-believed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/cmd.h"
#include "lib/json.h"
#include "lib/util.h"
#include "throughput/throughput.h"

#define STORE_MAX (16u << 20)

int tsn_tput_path(const char *file, char *buf, size_t len)
{
	const char *dir = getenv("TSNET_STATE_DIR");
	int n;

	if (!dir || !*dir)
		dir = TSN_STATE_DIR;
	n = snprintf(buf, len, "%s/%s", dir, file);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void cpu_member(struct tsn_json *j, const char *k,
		       const struct tsn_tput_end *e)
{
	if (e->cpu_ok)
		/* one decimal: a tick is 1% of a CPU for 1 s */
		tsn_json_kdouble(j, k, (double)(long long)(e->cpu.busy * 10 + 0.5) / 10);
	else {
		tsn_json_key(j, k);
		tsn_json_null(j);
	}
}

/* A stored CPU figure: null when it was not known. */
static void rec_cpu(struct tsn_json *j, const char *k, bool ok, double v)
{
	tsn_json_key(j, k);
	if (ok)
		tsn_json_double(j, v);
	else
		tsn_json_null(j);
}

static void before_json(struct tsn_json *j, const struct tsn_tput_rec *b)
{
	tsn_json_key(j, "baseline");
	tsn_json_obj_begin(j);
	tsn_json_kdouble(j, "gbps_ab", b->gbps_ab);
	tsn_json_kdouble(j, "gbps_ba", b->gbps_ba);
	tsn_json_kdouble(j, "rtt_ms_p50", b->rtt_p50);
	rec_cpu(j, "cpu_a", b->cpu_a_ok, b->cpu_a);
	rec_cpu(j, "cpu_b", b->cpu_b_ok, b->cpu_b);
	tsn_json_kbool(j, "encrypted", b->encrypted);
	tsn_json_obj_end(j);
}

static void end_json(struct tsn_json *j, const char *k,
		     const struct tsn_tput_end *e)
{
	tsn_json_key(j, k);
	tsn_json_obj_begin(j);
	tsn_json_kdouble(j, "start", e->start);
	tsn_json_kdouble(j, "end", e->end);
	if (e->cpu_ok) {
		tsn_json_kdouble(j, "core_max", e->cpu.core_max);
		tsn_json_kdouble(j, "softirq_max", e->cpu.softirq_max);
		tsn_json_kuint(j, "ncpu", e->cpu.ncpu);
	}
	tsn_json_kuint(j, "frag_creates", e->frag_creates);
	tsn_json_kuint(j, "retrans", e->retrans);
	tsn_json_kstr(j, "gcm", tsn_aead_kind_name(e->aead.kind));
	tsn_json_kstr(j, "gcm_driver", e->aead.driver);
	if (e->flags.known)
		tsn_json_kbool(j, "cpu_aes", e->flags.aes);
	if (!e->ok)
		tsn_json_kstr(j, "error", e->why);
	tsn_json_obj_end(j);
}

static void esp_json(struct tsn_json *j, const struct tsn_tput_result *r)
{
	tsn_json_key(j, "esp");
	tsn_json_obj_begin(j);
	tsn_json_kbool(j, "out_sa", r->out_sa);
	tsn_json_kbool(j, "in_sa", r->in_sa);
	tsn_json_kdouble(j, "out_bytes", r->out_bytes);
	tsn_json_kdouble(j, "in_bytes", r->in_bytes);
	if (r->aead[0])
		tsn_json_kstr(j, "aead", r->aead);
	if (r->sa_error[0])
		tsn_json_kstr(j, "sa_error", r->sa_error);
	tsn_json_obj_end(j);
}

static void pair_json(struct tsn_json *j, const struct tsn_tput_result *r,
		      const struct tsn_tput_store *base)
{
	const struct tsn_tput_rec *b = base ? tsn_tput_find(base, r->a->name,
							    r->b->name) : NULL;

	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "a", r->a->name);
	tsn_json_kstr(j, "b", r->b->name);
	tsn_json_kuint(j, "round", r->round);
	tsn_json_kbool(j, "ok", r->ok);
	if (r->ok) {
		tsn_json_kdouble(j, "gbps_ab", r->gbps_ab);
		tsn_json_kdouble(j, "gbps_ba", r->gbps_ba);
		tsn_json_kdouble(j, "rtt_ms_p50", r->rtt_p50);
		tsn_json_kdouble(j, "rtt_ms_p99", r->rtt_p99);
		cpu_member(j, "cpu_a", &r->ea);
		cpu_member(j, "cpu_b", &r->eb);
		tsn_json_kbool(j, "encrypted", r->encrypted);
		tsn_json_kbool(j, "encap", r->encap);
		tsn_json_kuint(j, "streams", r->streams);
		tsn_json_kuint(j, "mss", r->mss);
		esp_json(j, r);
	}
	end_json(j, "end_a", &r->ea);
	end_json(j, "end_b", &r->eb);
	if (b)
		before_json(j, b);
	tsn_json_obj_end(j);
}

void tsn_tput_json(struct tsn_json *j, const struct tsn_tput_run *run,
		   const struct tsn_tput_store *base)
{
	tsn_json_kdouble(j, "when", run->when);
	tsn_json_kuint(j, "rounds", run->rounds);
	if (base)
		tsn_json_kdouble(j, "baseline_when", base->when);
	tsn_json_key(j, "pairs");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < run->n; i++)
		pair_json(j, &run->res[i], base);
	tsn_json_arr_end(j);
}

int tsn_tput_save(const char *file, const struct tsn_tput_run *run)
{
	char path[4096], dir[4096];
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int ret = tsn_tput_path(file, path, sizeof(path));

	if (ret < 0)
		return ret;
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_tput_json(&j, run, NULL);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (!ret)
		ret = tsn_buf_puts(&b, "\n");
	if (!ret)
		ret = tsn_mkdir_p(dir, 0700);
	if (!ret)
		ret = tsn_write_file_atomic(path, b.p, b.len, 0600);
	tsn_buf_free(&b);
	return ret;
}

static bool rec_num(const struct tsn_jv *v, const char *k, double hi,
		    double *out)
{
	return tsn_jv_getnum(v, k, out) && isfinite(*out) && *out >= 0 &&
	       *out <= hi;
}

/* One stored pair; false when it is not a measured one we can read. */
static bool rec_parse(const struct tsn_jv *v, struct tsn_tput_rec *r)
{
	const char *a = tsn_jv_getstr(v, "a"), *b = tsn_jv_getstr(v, "b");
	bool ok;

	memset(r, 0, sizeof(*r));
	if (!a || !b || !tsn_name_valid(a) || !tsn_name_valid(b) ||
	    strlen(a) > TSN_NAME_MAX || strlen(b) > TSN_NAME_MAX ||
	    !tsn_jv_getbool(v, "ok", &ok) || !ok)
		return false;
	strcpy(r->a, a);
	strcpy(r->b, b);
	/* a missing CPU figure (null) is unknown: not shown, not compared */
	r->cpu_a_ok = rec_num(v, "cpu_a", 100, &r->cpu_a);
	r->cpu_b_ok = rec_num(v, "cpu_b", 100, &r->cpu_b);
	return rec_num(v, "gbps_ab", 10000, &r->gbps_ab) &&
	       rec_num(v, "gbps_ba", 10000, &r->gbps_ba) &&
	       rec_num(v, "rtt_ms_p50", 600000, &r->rtt_p50) &&
	       tsn_jv_getbool(v, "encrypted", &r->encrypted);
}

static int store_parse(const struct tsn_jv *v, struct tsn_tput_store *st)
{
	const struct tsn_jv *pairs = tsn_jv_get(v, "pairs");

	if (!tsn_jv_getnum(v, "when", &st->when) || !isfinite(st->when) ||
	    !pairs || pairs->type != TSN_JARR)
		return -EINVAL;
	st->rec = calloc(pairs->n ? pairs->n : 1, sizeof(*st->rec));
	if (!st->rec)
		return -ENOMEM;
	for (size_t i = 0; i < pairs->n; i++)
		if (rec_parse(&pairs->items[i], &st->rec[st->n]))
			st->n++;
	return 0;
}

int tsn_tput_load(const char *file, struct tsn_tput_store *st, char *why,
		  size_t len)
{
	char path[4096], err[128], *text = NULL;
	struct tsn_jv v = { 0 };
	size_t n;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = tsn_tput_path(file, path, sizeof(path));
	if (!ret)
		ret = tsn_read_file(path, STORE_MAX, &text, &n);
	if (ret < 0) {
		snprintf(why, len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = tsn_json_parse(text, n, &v, err, sizeof(err));
	if (ret < 0)
		snprintf(why, len, "%s: %s", path, err);
	else if ((ret = store_parse(&v, st)) < 0)
		snprintf(why, len, "%s: not a throughput record", path);
	if (ret < 0)
		tsn_tput_store_free(st);
	tsn_jv_free(&v);
	free(text);
	return ret;
}

void tsn_tput_store_free(struct tsn_tput_store *st)
{
	free(st->rec);
	memset(st, 0, sizeof(*st));
}

const struct tsn_tput_rec *tsn_tput_find(const struct tsn_tput_store *st,
					 const char *a, const char *b)
{
	for (size_t i = 0; i < st->n; i++)
		if ((!strcmp(st->rec[i].a, a) && !strcmp(st->rec[i].b, b)))
			return &st->rec[i];
	return NULL;
}

void tsn_tput_date(double when, char *buf, size_t len)
{
	time_t t = (time_t)when;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M UTC",
					    &tm))
		snprintf(buf, len, "?");
}

void tsn_tput_last_date(char *buf, size_t len)
{
	struct tsn_tput_store st;
	char why[256];

	buf[0] = '\0';
	if (tsn_tput_load(TSN_TPUT_LAST, &st, why, sizeof(why)) < 0)
		return;
	tsn_tput_date(st.when, buf, len);
	tsn_tput_store_free(&st);
}
