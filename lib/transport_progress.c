/* transport_progress.c - the progress line of a round of jobs: the
 * phase, how many nodes answered, and who is still awaited:
 *
 *   enable-ipsec: loading: 2 of 3 nodes, waiting on db3
 *   preflight: 1 of 3 nodes, waiting on n3; failed: n2
 *
 * A node answered when its job ran to the end with a reply (exit status
 * 0 or 1: 1 is a check that found a problem); one that could not be
 * reached, timed out, could not start or failed on the node (exit 2 or
 * more) is named as failed, never counted as answered.  A node with
 * several jobs in the round (preflight runs three) counts once: it is
 * awaited while any of its jobs is, failed when any failed.
 */
#include <string.h>

#include "output.h"
#include "transport.h"

#define NAMES_SHOWN 3	/* then "and N more" */

enum node_st { ND_ANSWERED, ND_FAILED, ND_WAITING };

static enum node_st job_st(const struct tsn_job *job)
{
	if (job->state == TSN_JOB_PENDING)
		return ND_WAITING;
	if (job->state == TSN_JOB_DONE && job->exit_status <= 1)
		return ND_ANSWERED;
	return ND_FAILED;
}

/* Node of job i, judged over all its jobs; false when an earlier job
 * has the same node (it was judged there). */
static bool node_st(const struct tsn_job *jobs, size_t n, size_t i,
		    enum node_st *st)
{
	for (size_t k = 0; k < i; k++)
		if (jobs[k].node == jobs[i].node)
			return false;
	*st = ND_ANSWERED;
	for (size_t k = i; k < n; k++) {
		enum node_st s = jobs[k].node == jobs[i].node ?
				 job_st(&jobs[k]) : ND_ANSWERED;

		/* waiting outranks failed: the line is about the wait */
		if (s > *st)
			*st = s;
	}
	return true;
}

/* ", waiting on a, b, c and 4 more" or "; failed: x". */
static int list_names(struct tsn_buf *b, const struct tsn_job *jobs,
		      size_t n, enum node_st want, const char *lead)
{
	size_t shown = 0, total = 0;
	enum node_st st;
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		if (!node_st(jobs, n, i, &st) || st != want)
			continue;
		if (total++ < NAMES_SHOWN)
			ret = tsn_buf_printf(b, "%s%s", shown++ ? ", " : lead,
					     jobs[i].node ?
					     jobs[i].node->name : "?");
	}
	if (!ret && total > shown)
		ret = tsn_buf_printf(b, " and %zu more", total - shown);
	return ret;
}

int tsn_jobs_progress_line(struct tsn_buf *b, const char *what,
			   const struct tsn_job *jobs, size_t n)
{
	size_t nodes = 0, answered = 0;
	enum node_st st;
	int ret;

	for (size_t i = 0; i < n; i++) {
		if (!node_st(jobs, n, i, &st))
			continue;
		nodes++;
		answered += st == ND_ANSWERED;
	}
	ret = tsn_buf_printf(b, "%s: %zu of %zu node%s", what, answered,
			     nodes, nodes == 1 ? "" : "s");
	if (!ret)
		ret = list_names(b, jobs, n, ND_WAITING, ", waiting on ");
	if (!ret)
		ret = list_names(b, jobs, n, ND_FAILED, "; failed: ");
	return ret;
}

void tsn_jobs_progress(struct tsn_progress *p, const char *what,
		       const struct tsn_job *jobs, size_t n)
{
	struct tsn_buf b = { 0 };

	/* tsn_progress() is silent off a tty or in the first second:
	 * format only when it will show */
	if (!p->enabled || tsn_quiet || tsn_now() - p->start <= 1.0)
		return;
	if (tsn_jobs_progress_line(&b, what, jobs, n) == 0)
		tsn_progress(p, "%s", b.p);
	tsn_buf_free(&b);
}
