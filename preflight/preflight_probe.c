/* preflight_probe.c - the probe matrix inside the preflight report.
 *
 * probe_cmd.c exports no function that runs the mesh into a report, so
 * preflight runs `tsnet --json probe` itself (this binary, through the
 * transport engine, with the same inventory) and merges its pairs and
 * problems: the packets themselves, beside what the rulesets say.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/transport.h"
#include "lib/util.h"
#include "preflight/preflight.h"

#define PROBE_TIMEOUT 180	/* seconds: a window plus the start margin */

/* The verdicts probe_merge.c counts as a pass. */
static bool good(const char *v)
{
	return !strcmp(v, "ok") || !strcmp(v, "nat") ||
	       !strcmp(v, "ike-responder");
}

static int merge_pair(struct tsn_report *r, const struct tsn_jv *p)
{
	const char *from = tsn_jv_getstr(p, "from");
	const char *to = tsn_jv_getstr(p, "to");
	struct tsn_pair_report *pr;
	int ret = 0;

	if (!from || !to || p->type != TSN_JOBJ)
		return 0;
	pr = tsn_report_pair(r, from, to);
	if (!pr)
		return -ENOMEM;
	for (size_t k = 0; k < p->n && !ret; k++) {
		const char *v = tsn_jv_getstr(&p->items[k], "verdict");

		if (p->items[k].type != TSN_JOBJ || !v)
			continue;
		ret = tsn_pair_verdict(pr, p->keys[k], v, good(v),
				       tsn_jv_getstr(&p->items[k], "detail"));
	}
	return ret;
}

static int merge(struct tsn_report *r, const struct tsn_jv *v)
{
	const struct tsn_jv *pairs = tsn_jv_get(v, "pairs");
	int ret = 0;

	for (size_t i = 0; pairs && pairs->type == TSN_JARR && i < pairs->n &&
	     !ret; i++)
		ret = merge_pair(r, &pairs->items[i]);
	return ret;
}

int tsn_pf_probe(struct tsn_report *r, const char *config)
{
	char *argv[] = { (char *)tsn_self_exe(), (char *)"-q", (char *)"-c",
			 (char *)config, (char *)"--json", (char *)"probe",
			 NULL };
	char **argvs[] = { argv };
	struct tsn_job job = { 0 };
	struct tsn_jv v = { 0 };
	char err[128];
	int ret;

	ret = tsn_run_argv(&job, argvs, 1, 1, PROBE_TIMEOUT, NULL);
	if (ret)
		goto out;
	if (job.state != TSN_JOB_DONE || job.exit_status > 1 ||
	    tsn_json_parse(job.out.p ? job.out.p : "", job.out.len, &v, err,
			   sizeof(err)) < 0) {
		size_t n = job.err.p ? strcspn(job.err.p, "\n") : 0;

		ret = tsn_report_problem(r, "run 'tsnet probe' to see why",
					 "the probe matrix could not run: %.*s",
					 (int)n, n ? job.err.p :
					 tsn_job_reason(&job, err, sizeof(err)));
		goto out;
	}
	ret = merge(r, &v);
out:
	tsn_jv_free(&v);
	tsn_job_free(&job);
	return ret;
}
