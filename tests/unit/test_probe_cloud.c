/* test_probe_cloud.c - the cloud's stateful-firewall warning
 * (probe/probe_cloud.c): which clouds get it, which pairs it names, the
 * time of the last run it reads and keeps. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/inventory.h"
#include "lib/output.h"
#include "probe/probe.h"

static char dir[] = "/tmp/tsn-cloud-XXXXXX";
static struct tsn_node nodes[2] = { { .name = "n1" }, { .name = "n2" } };
static struct tsn_inventory inv = { .nodes = nodes, .n_nodes = 2 };

static void setup(void)
{
	strcpy(dir, "/tmp/tsn-cloud-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	setenv("TSNET_STATE_DIR", dir, 1);
}

static void teardown(void)
{
	char rm[64];

	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	cr_assert_eq(system(rm), 0);
	unsetenv("TSNET_STATE_DIR");
}

/* Both directions of n1 <-> n2 passed (ESP). */
static void both_passed(struct tsn_report *r)
{
	tsn_report_init(r, "probe");
	cr_assert_eq(tsn_pair_verdict(tsn_report_pair(r, "n1", "n2"), "esp",
				      "ok", true, NULL), 0);
	cr_assert_eq(tsn_pair_verdict(tsn_report_pair(r, "n2", "n1"), "esp",
				      "ok", true, NULL), 0);
}

/* cloud = auto where detection failed: a cloud may be there, so the
 * second direction's pass is still read as a possible reply. */
Test(probe_cloud, undetected_cloud_warns, .init = setup, .fini = teardown)
{
	struct tsn_report r;

	both_passed(&r);
	cr_assert_eq(tsn_probe_cloud_problem(&r, &inv, TSN_CLOUD_AUTO, 0), 0);
	cr_assert_eq(r.n_problems, 1);
	cr_assert_str_eq(r.problems[0].id, "probe.cloud-state");
	cr_assert(strstr(r.problems[0].what, "could not be detected"), "%s",
		  r.problems[0].what);
	cr_assert_eq(r.problems[0].n_pairs, 1, "the second direction only");
	cr_assert_str_eq(r.problems[0].pairs[0].from, "n2");
	tsn_report_free(&r);
	both_passed(&r);
	cr_assert_eq(tsn_probe_cloud_problem(&r, &inv, TSN_CLOUD_NONE, 0), 0);
	cr_assert_eq(r.n_problems, 0, "no cloud: nothing to say");
	tsn_report_free(&r);
}

/* The gap is from the last run's end (kept) to this window's start, not
 * to when the report is built: a last run 620 s before now and a window
 * that started 30 s ago are 590 s apart, within AWS's 600 s; and this
 * run's end is kept for the next. */
Test(probe_cloud, gap_from_window_start, .init = setup, .fini = teardown)
{
	long long now = (long long)time(NULL), kept = 0;
	struct tsn_report r;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/probe-last.default", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "%lld\n", now - 620);
	fclose(f);
	both_passed(&r);
	cr_assert_eq(tsn_probe_cloud_problem(&r, &inv, TSN_CLOUD_AWS,
					     (double)(now - 30)), 0);
	cr_assert_eq(r.n_problems, 1);
	cr_assert_eq(r.problems[0].n_pairs, 2, "the first direction too");
	cr_assert(strstr(r.problems[0].what, "590 s ago"), "%s",
		  r.problems[0].what);
	tsn_report_free(&r);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%lld", &kept), 1);
	fclose(f);
	cr_assert_geq(kept, now, "this run's end is kept");
}

/* A state directory too long for the path is said (-ENAMETOOLONG in the
 * warning's tail), never a truncated path written to. */
Test(probe_cloud, long_state_dir_is_said, .init = setup, .fini = teardown)
{
	char longdir[600];
	struct tsn_report r;
	size_t k;

	/* short components: each one a name mkdir would take */
	k = (size_t)snprintf(longdir, sizeof(longdir), "%s", dir);
	while (k + 5 < sizeof(longdir))
		k += (size_t)snprintf(longdir + k, sizeof(longdir) - k, "/abc");
	setenv("TSNET_STATE_DIR", longdir, 1);
	both_passed(&r);
	cr_assert_eq(tsn_probe_cloud_problem(&r, &inv, TSN_CLOUD_AWS, 0), 0);
	cr_assert_eq(r.n_problems, 1);
	cr_assert(strstr(r.problems[0].what, strerror(ENAMETOOLONG)), "%s",
		  r.problems[0].what);
	tsn_report_free(&r);
}

/* Nothing passed: no warning, even where this run's time could not be
 * kept (a WARN naming no pair says nothing). */
Test(probe_cloud, nothing_passed_no_warning, .init = setup,
     .fini = teardown)
{
	char file[128], sub[160];
	struct tsn_report r;
	FILE *f;

	snprintf(file, sizeof(file), "%s/file", dir);
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fclose(f);
	snprintf(sub, sizeof(sub), "%s/state", file);
	setenv("TSNET_STATE_DIR", sub, 1);	/* under a file: ENOTDIR */
	tsn_report_init(&r, "probe");
	cr_assert_eq(tsn_pair_verdict(tsn_report_pair(&r, "n2", "n1"), "esp",
				      "not-arrived", false, NULL), 0);
	cr_assert_eq(tsn_probe_cloud_problem(&r, &inv, TSN_CLOUD_AWS, 0), 0);
	cr_assert_eq(r.n_problems, 0);
	tsn_report_free(&r);
}
