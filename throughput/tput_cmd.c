/* tput_cmd.c - `tsnet throughput`: options, the table (slowest pair
 * first), each pair against its baseline, what limits it; or --json.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/util.h"
#include "throughput/throughput.h"

static const char synopsis[] =
	"[--duration S] [--streams N] [--pairs A:B,...] [--port P] "
	"[--baseline]";

struct tput_cli {
	struct tsn_tput_opts o;
	bool baseline;
};

static double slower(const struct tsn_tput_result *r)
{
	if (!r->ok)
		return -1;
	return r->gbps_ab < r->gbps_ba ? r->gbps_ab : r->gbps_ba;
}

static int cmp_slow(const void *x, const void *y)
{
	double a = slower(*(const struct tsn_tput_result *const *)x);
	double b = slower(*(const struct tsn_tput_result *const *)y);

	return a < b ? -1 : a > b;
}

static void cpu_cell(char *buf, size_t len, const struct tsn_tput_end *e)
{
	if (e->cpu_ok)
		snprintf(buf, len, "%.0f%%", e->cpu.busy);
	else
		snprintf(buf, len, "?");
}

static int table_row(struct tsn_table *t, const struct tsn_tput_result *r)
{
	char pair[2 * TSN_NAME_MAX + 8], ab[16], ba[16], p50[16], p99[16];
	char ca[16], cb[16];

	snprintf(pair, sizeof(pair), "%s <-> %s", r->a->name, r->b->name);
	if (!r->ok)
		return tsn_table_row(t, (const char *[]){ pair, "-", "-", "-",
				     "-", "-", "-", "not measured" });
	snprintf(ab, sizeof(ab), "%.2f", r->gbps_ab);
	snprintf(ba, sizeof(ba), "%.2f", r->gbps_ba);
	snprintf(p50, sizeof(p50), "%.3f", r->rtt_p50);
	snprintf(p99, sizeof(p99), "%.3f", r->rtt_p99);
	cpu_cell(ca, sizeof(ca), &r->ea);
	cpu_cell(cb, sizeof(cb), &r->eb);
	return tsn_table_row(t, (const char *[]){ pair, ab, ba, p50, p99, ca,
			     cb, r->encrypted ? (r->encap ? "esp-in-udp" :
						 "esp") : "clear" });
}

/* "db1 <-> db2: 9.41 -> 7.12 Gb/s (-24%), RTT +0.04 ms, CPU on db2 31%
 * -> 58%": the mean of both directions, the end whose CPU grew most. */
static void before_after(FILE *f, const struct tsn_tput_result *r,
			 const struct tsn_tput_rec *b)
{
	double was = (b->gbps_ab + b->gbps_ba) / 2;
	double now = (r->gbps_ab + r->gbps_ba) / 2;
	/* an end whose CPU is unknown, now or in the baseline, is left out */
	bool ka = r->ea.cpu_ok && b->cpu_a_ok, kb = r->eb.cpu_ok && b->cpu_b_ok;
	double da = ka ? r->ea.cpu.busy - b->cpu_a : 0;
	double db = kb ? r->eb.cpu.busy - b->cpu_b : 0;
	bool on_b = kb && (!ka || db >= da);

	fprintf(f, "%s <-> %s: %.2f -> %.2f Gb/s", r->a->name, r->b->name,
		was, now);
	if (was > 0)
		fprintf(f, " (%+.0f%%)", (now - was) / was * 100);
	fprintf(f, ", RTT %+.2f ms", r->rtt_p50 - b->rtt_p50);
	if (ka || kb)
		fprintf(f, ", CPU on %s %.0f%% -> %.0f%%",
			on_b ? r->b->name : r->a->name,
			on_b ? b->cpu_b : b->cpu_a,
			on_b ? r->eb.cpu.busy : r->ea.cpu.busy);
	fprintf(f, "%s\n", b->encrypted == r->encrypted ? "" :
		r->encrypted ? " (clear -> ESP)" : " (ESP -> clear)");
}

static void problems_text(FILE *f, const struct tsn_report *rep)
{
	for (size_t i = 0; i < rep->n_problems; i++) {
		const struct tsn_problem *p = &rep->problems[i];

		fprintf(f, "%s: %s\n", p->severity == TSN_ST_FAIL ? "error" :
			"limit", p->what);
		if (p->fix)
			fprintf(f, "  fix: %s\n", p->fix);
	}
}

static int print_text(const struct tsn_tput_run *run,
		      const struct tsn_tput_store *base,
		      const struct tsn_report *rep, bool tty)
{
	const struct tsn_tput_result **v = calloc(run->n ? run->n : 1,
						  sizeof(*v));
	struct tsn_table t;
	char date[64] = "";
	int ret = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < run->n; i++)
		v[i] = &run->res[i];
	qsort(v, run->n, sizeof(*v), cmp_slow);
	tsn_table_init(&t, 8);
	ret = tsn_table_row(&t, (const char *[]){ "PAIR", "A->B Gb/s",
			    "B->A Gb/s", "RTT p50 ms", "RTT p99 ms", "CPU A",
			    "CPU B", "ON THE WIRE" });
	for (size_t i = 0; i < run->n && !ret; i++)
		ret = table_row(&t, v[i]);
	if (!ret) {
		printf("throughput: %zu pairs in %u rounds, slowest first\n",
		       run->n, run->rounds);
		tsn_table_print(&t, stdout, tty);
	}
	for (size_t i = 0; base && !ret && i < run->n; i++) {
		const struct tsn_tput_rec *b = tsn_tput_find(base,
							     v[i]->a->name,
							     v[i]->b->name);

		if (!i)
			printf("\nagainst the baseline of %s:\n",
			       (tsn_tput_date(base->when, date, sizeof(date)),
				date));
		if (b && v[i]->ok)
			before_after(stdout, v[i], b);
	}
	if (!ret && rep->n_problems) {
		printf("\n");
		problems_text(stdout, rep);
	}
	tsn_table_free(&t);
	free(v);
	return ret ? ret : fflush(stdout) == EOF ? -errno : 0;
}

static int print_json(const struct tsn_tput_run *run,
		      const struct tsn_tput_store *base,
		      const struct tsn_report *rep, int rc)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int ret;

	tsn_json_init(&j, &b, true);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "command", "throughput");
	tsn_tput_json(&j, run, base);
	tsn_problems_json_member(rep, &j);
	tsn_json_kint(&j, "exit", rc);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (!ret && (printf("%s\n", b.p) < 0 || fflush(stdout) == EOF))
		ret = -EIO;
	tsn_buf_free(&b);
	return ret;
}

static int exit_code(const struct tsn_tput_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		if (!run->res[i].ok)
			return TSN_EXIT_RUNTIME;
	return TSN_EXIT_OK;
}

static bool any_measured(const struct tsn_tput_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		if (run->res[i].ok)
			return true;
	return false;
}

/* Save the run (and as the baseline when asked); a baseline that is
 * there and readable is compared against.  A run that measured no pair
 * is not saved as the last: status would say "last measured" for it. */
static int keep(const struct tsn_tput_run *run, const struct tput_cli *c,
		struct tsn_tput_store *base, const char *cmd)
{
	const char *file = TSN_TPUT_LAST;
	char why[512];
	int ret;

	if (!c->baseline) {
		ret = tsn_tput_load(TSN_TPUT_BASELINE, base, why, sizeof(why));
		if (ret < 0 && ret != -ENOENT)	/* none yet is not news */
			tsn_warn(cmd, "%s (not compared)", why);
	}
	ret = any_measured(run) ? tsn_tput_save(file, run) : 0;
	if (!ret && c->baseline && exit_code(run) == TSN_EXIT_OK) {
		file = TSN_TPUT_BASELINE;
		ret = tsn_tput_save(file, run);
	}
	if (ret < 0) {
		tsn_tput_path(file, why, sizeof(why));
		tsn_err(cmd, "%s: %s", why, strerror(-ret));
	}
	return ret;
}

static int run_cmd(struct tsn_ctx *ctx, const struct tsn_inventory *inv,
		   const struct tput_cli *c)
{
	struct tsn_tput_run run;
	struct tsn_tput_store base = { 0 };
	struct tsn_report rep;
	char why[512] = "";
	int ret, rc = TSN_EXIT_RUNTIME;

	tsn_report_init(&rep, "throughput");
	ret = tsn_tput_measure(inv, &c->o, &run, why, sizeof(why));
	if (ret == -EINVAL) {
		tsn_err(ctx->cmd, "%s", why);
		rc = TSN_EXIT_USAGE;
		goto out;
	}
	if (!ret)
		ret = tsn_tput_limits(&rep, &run, c->o.streams);
	if (ret < 0)
		goto out;
	if (keep(&run, c, &base, ctx->cmd) < 0)
		goto out;
	rc = exit_code(&run);
	if (c->baseline && rc)
		tsn_err(ctx->cmd, "not every pair was measured: the baseline "
			"is not replaced");
	ret = ctx->json ? print_json(&run, base.rec ? &base : NULL, &rep, rc) :
	      print_text(&run, base.rec ? &base : NULL, &rep, ctx->tty);
	if (ret < 0)
		rc = TSN_EXIT_RUNTIME;
	else
		tsn_result_printed();	/* no JSON error object after it */
out:
	if (ret < 0 && ret != -EINVAL)
		tsn_err(ctx->cmd, "%s", strerror(-ret));
	tsn_tput_store_free(&base);
	tsn_tput_run_free(&run);
	tsn_report_free(&rep);
	return rc;
}

static int parse_opts(int argc, char **argv, struct tsn_ctx *ctx,
		      struct tput_cli *c)
{
	enum { O_DUR = 0x2000, O_STREAMS, O_PAIRS, O_PORT, O_BASE };
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "duration", required_argument, NULL, O_DUR },
		{ "streams", required_argument, NULL, O_STREAMS },
		{ "pairs", required_argument, NULL, O_PAIRS },
		{ "port", required_argument, NULL, O_PORT },
		{ "baseline", no_argument, NULL, O_BASE },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (opt == 'h')
			return tsn_usage(ctx, synopsis) + 100;
		if (opt == O_PAIRS) {
			c->o.pairs = optarg;
		} else if (opt == O_BASE) {
			c->baseline = true;
		} else if (opt == O_DUR || opt == O_STREAMS || opt == O_PORT) {
			unsigned *dst = opt == O_DUR ? &c->o.duration :
					opt == O_STREAMS ? &c->o.streams :
					&c->o.port;
			unsigned hi = opt == O_DUR ? 300 : opt == O_STREAMS ?
				      TSN_TPUT_STREAMS_MAX : 65535;

			if (tsn_parse_uint(optarg, 1, hi, dst) < 0) {
				return tsn_usage_error(ctx->cmd, "--%s '%s': a "
						       "number from 1 to %u",
						       opt == O_DUR ? "duration" :
						       opt == O_STREAMS ?
						       "streams" : "port",
						       optarg, hi);
			}
		} else if (tsn_global_opt(ctx, opt, optarg) < 0) {
			return tsn_opt_error(ctx->cmd, argv, opt);
		}
	}
	if (optind < argc)
		return tsn_usage_error(ctx->cmd, "unexpected argument '%s'",
				       argv[optind]);
	return -1;
}

int throughput_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct tput_cli c = { .o = { .duration = 10, .streams = 1,
				     .port = TSN_TPUT_PORT } };
	struct tsn_inventory inv;
	int rc = parse_opts(argc, argv, ctx, &c);

	if (rc >= 100)
		return rc - 100;
	if (rc >= 0)
		return rc;
	c.o.progress = ctx->err_tty && !tsn_quiet;
	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	if (inv.n_nodes < 2) {
		tsn_err(ctx->cmd, "%s: one node: there is no pair to measure",
			inv.path);
		rc = TSN_EXIT_USAGE;
	} else {
		rc = run_cmd(ctx, &inv, &c);
	}
	tsn_inventory_free(&inv);
	return rc;
}

int tsn_tput_baseline(const struct tsn_inventory *inv, const char *cmd,
		      bool progress)
{
	struct tput_cli c = { .o = { .duration = 10, .streams = 1,
				     .port = TSN_TPUT_PORT,
				     .progress = progress }, .baseline = true };
	struct tsn_tput_store base = { 0 };
	struct tsn_tput_run run;
	char why[512] = "";
	int ret, rc = TSN_EXIT_RUNTIME;

	ret = tsn_tput_measure(inv, &c.o, &run, why, sizeof(why));
	if (ret < 0)
		tsn_err(cmd, "measuring the baseline: %s",
			why[0] ? why : strerror(-ret));
	else if (keep(&run, &c, &base, cmd) == 0)
		rc = exit_code(&run);
	for (size_t i = 0; ret == 0 && i < run.n; i++)
		if (!run.res[i].ok)
			tsn_err(cmd, "baseline: %s <-> %s not measured: %s",
				run.res[i].a->name, run.res[i].b->name,
				run.res[i].ea.ok ? run.res[i].eb.why :
				run.res[i].ea.why);
	tsn_tput_store_free(&base);
	tsn_tput_run_free(&run);
	return rc;
}
