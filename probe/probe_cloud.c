/* probe_cloud.c - in a cloud, what the probe cannot clean: a security
 * group (AWS) or NSG (Azure) tracks flows the way conntrack does, ESP by
 * address and protocol, and passes "replies" for as long as it tracks
 * them.  The second direction of each pair follows the first's probes,
 * so a pass there may be a reply; and where this cluster was probed
 * within that time, the first direction may ride on the last run's
 * state.  One warning with those pairs, so the matrix is read as what
 * it is.  The time each run ended is kept per cluster on this machine,
 * under $TSNET_STATE_DIR or /var/lib/tsnet (probe-last.CLUSTER), and
 * the next run's window start is measured from it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/diag.h"
#include "lib/inventory.h"
#include "lib/output.h"
#include "lib/util.h"
#include "probe/probe.h"

#define STATE_DIR "/var/lib/tsnet"

/* How long each cloud's firewall keeps a flow: AWS documents 600 s for
 * ESP and UDP it tracks; Azure and GCP publish no figure this precise,
 * so AWS's bounds them here.  cloud = auto where detection failed: a
 * cloud may be there, so its passes are read as any cloud's. */
static const struct {
	enum tsn_cloud c;
	const char *what;
	long track;
} clouds[] = {
	{ TSN_CLOUD_AWS, "AWS security groups", 600 },
	{ TSN_CLOUD_AZURE, "Azure NSGs", 600 },
	{ TSN_CLOUD_GCP, "GCP firewall rules", 600 },
	{ TSN_CLOUD_AUTO, "Cloud firewalls (cloud = auto, and the cloud "
	  "could not be detected)", 600 },
};

static size_t node_index(const struct tsn_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->n_nodes; i++)
		if (!strcmp(inv->nodes[i].name, name))
			return i;
	return inv->n_nodes;
}

/* $TSNET_STATE_DIR/probe-last.NAME, the name kept to [A-Za-z0-9_.-];
 * -ENAMETOOLONG where it does not fit (never a truncated path). */
static int state_path(const struct tsn_inventory *inv, char *buf,
		       size_t len, char *dir, size_t dlen)
{
	const char *d = getenv("TSNET_STATE_DIR");
	const char *n = inv->cluster.name ? inv->cluster.name : "default";
	const char *base = d && *d ? d : STATE_DIR;
	char name[64];
	size_t k = 0;

	for (; *n && k + 1 < sizeof(name); n++)
		name[k++] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
				   "NOPQRSTUVWXYZ0123456789_.-", *n) ? *n : '_';
	name[k] = 0;
	if ((size_t)snprintf(dir, dlen, "%s", base) >= dlen ||
	    (size_t)snprintf(buf, len, "%s/probe-last.%s", dir, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The last run's time (0: none), and now's kept for the next. */
static long long swap_last(const struct tsn_inventory *inv, long long now,
			   int *werr)
{
	char path[512], dir[400], text[32];
	long long last = 0;
	FILE *f;
	int n;

	*werr = state_path(inv, path, sizeof(path), dir, sizeof(dir));
	if (*werr)
		return 0;
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%lld", &last) != 1)
			last = 0;
		fclose(f);
	}
	n = snprintf(text, sizeof(text), "%lld\n", now);
	*werr = tsn_mkdir_p(dir, 0755);
	if (!*werr)
		*werr = tsn_write_file_atomic(path, text, (size_t)n, 0644);
	return last;
}

/* Pair from -> to is the second of its two directions: the probe sends
 * in inventory order, so the later node's probes follow the earlier's. */
static bool second(const struct tsn_inventory *inv,
		   const struct tsn_pair_report *p)
{
	size_t a = node_index(inv, p->from), b = node_index(inv, p->to);

	return a < inv->n_nodes && b < inv->n_nodes && a > b;
}

static bool passed(const struct tsn_pair_report *p)
{
	for (size_t k = 0; k < p->n; k++)
		if (p->v[k].good)
			return true;
	return false;
}

static size_t count(const struct tsn_report *r,
		    const struct tsn_inventory *inv, bool all)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_pairs; i++)
		n += passed(&r->pairs[i]) && (all || second(inv, &r->pairs[i]));
	return n;
}

static int scope(struct tsn_problem *pb, const struct tsn_report *r,
		 const struct tsn_inventory *inv, bool all, size_t *n)
{
	int ret = 0;

	*n = 0;
	for (size_t i = 0; i < r->n_pairs && !ret; i++) {
		const struct tsn_pair_report *p = &r->pairs[i];

		if (!passed(p) || (!all && !second(inv, p)))
			continue;
		ret = tsn_problem_pair(pb, p->from, p->to);
		if (!ret)
			ret = tsn_problem_node(pb, p->from);
		if (!ret)
			ret = tsn_problem_node(pb, p->to);
		(*n)++;
	}
	return ret;
}

/* "; the first direction too ...", and whether this run's time could
 * not be kept (the next run cannot tell then). */
static int tail(struct tsn_buf *b, bool recent, long long ago, long track,
		int werr)
{
	int ret = 0;

	if (recent)
		ret = tsn_buf_printf(b, "; the first direction too may ride on "
				     "the state of this cluster's last probe, "
				     "%lld s ago (within the %ld s)", ago,
				     track);
	if (!ret && werr)
		ret = tsn_buf_printf(b, "; this run's time could not be kept "
				     "(%s), so the next cannot tell",
				     strerror(-werr));
	return ret;
}

int tsn_probe_cloud_problem(struct tsn_report *r,
			    const struct tsn_inventory *inv, enum tsn_cloud c,
			    double start)
{
	/* kept: now, about the window's end (its flows' last packets);
	 * judged: the gap from the last run's end to this window's start */
	long long now = (long long)time(NULL), last, ago;
	struct tsn_buf more = { 0 };
	struct tsn_problem *pb;
	size_t i, n;
	int werr = 0, ret;
	bool recent;

	for (i = 0; i < ARRAY_SIZE(clouds) && clouds[i].c != c; i++)
		;
	if (i == ARRAY_SIZE(clouds))
		return 0;
	last = swap_last(inv, now, &werr);
	ago = (start > 0 ? (long long)start : now) - last;
	recent = last && ago >= 0 && ago < clouds[i].track;
	if (!count(r, inv, recent))
		return 0;	/* nothing passed: nothing rode on state */
	pb = tsn_report_problem_new(r, "probe.cloud-state", TSN_ST_WARN,
				    TSN_RANK_OTHER);
	if (!pb)
		return -ENOMEM;
	ret = scope(pb, r, inv, recent, &n);
	if (!ret)
		ret = tail(&more, recent, ago, clouds[i].track, werr);
	if (!ret)
		ret = tsn_problem_text(pb, NULL, "for a verdict on new flows, "
			"probe again after the nodes have exchanged nothing "
			"for that long", "%s are stateful: each pair's second "
			"direction may have passed as a reply to the first's "
			"probes (they track ESP and UDP for %ld s), %zu pair%s"
			"%s", clouds[i].what, clouds[i].track, n, n == 1 ?
			"" : "s", more.len ? more.p : "");
	tsn_buf_free(&more);
	return ret;
}
