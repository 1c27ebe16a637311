/* test_connmark.c - whether charon has the connmark plugin, from VICI
 * "stats" responses recorded from a real charon 5.9.8 in the netns lab
 * (tests/data/vici/: stats-lab.bin with the lab's plugin list,
 * stats-connmark.bin with connmark added to charon.load), every
 * truncation and some hostile bytes; and what nat.shared then says of
 * each node it names, from the host agents' replies. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/output.h"
#include "lib/util.h"
#include "preflight/host.h"
#include "preflight/preflight.h"

#define DATA "tests/data/vici/"

static uint8_t *recorded(const char *name, size_t *len)
{
	char *p = NULL;

	cr_assert_eq(tsn_read_file(name, 1u << 16, &p, len), 0, "%s", name);
	return (uint8_t *)p;
}

Test(connmark, recorded_stats)
{
	size_t n;
	uint8_t *lab = recorded(DATA "stats-lab.bin", &n);

	cr_assert_eq(tsn_vici_stats_plugin(lab, n, "connmark"), 0);
	cr_assert_eq(tsn_vici_stats_plugin(lab, n, "vici"), 1);
	cr_assert_eq(tsn_vici_stats_plugin(lab, n, "gcm"), 1, "the last item");
	cr_assert_eq(tsn_vici_stats_plugin(lab, n, "uptime"), 0,
		     "a section's name is no plugin");
	cr_assert_eq(tsn_vici_stats_plugin(lab, n, "connmar"), 0);
	free(lab);
	lab = recorded(DATA "stats-connmark.bin", &n);
	cr_assert_eq(tsn_vici_stats_plugin(lab, n, "connmark"), 1);
	free(lab);
}

/* Every prefix of a real answer is malformed, or says there is no
 * plugin list, or (once the connmark item is whole) that it is listed:
 * never a crash. */
Test(connmark, every_truncation)
{
	size_t n, end;
	uint8_t *b = recorded(DATA "stats-connmark.bin", &n);
	const uint8_t *item = memmem(b, n, "connmark", 8);

	cr_assert(item);
	end = (size_t)(item - b) + 8;	/* where the item is whole */
	for (size_t k = 0; k < n; k++) {
		int ret = tsn_vici_stats_plugin(b, k, "connmark");
		uint8_t *copy = malloc(k ? k : 1);

		/* on its own allocation, so ASan sees a read past it */
		memcpy(copy, b, k);
		cr_assert_eq(tsn_vici_stats_plugin(copy, k, "connmark"), ret);
		cr_assert(ret == -EPROTO || ret == -ENOENT || ret == 1,
			  "prefix %zu: %d", k, ret);
		cr_assert_eq(ret == 1, k >= end, "prefix %zu: %d", k, ret);
		free(copy);
	}
	free(b);
}

/* CMD_UNKNOWN (2), alone: a charon without `stats`, said as that, not
 * as a malformed answer; with bytes after it, it is malformed. */
Test(connmark, cmd_unknown)
{
	static const uint8_t unknown[] = { 2 };
	static const uint8_t unknown_more[] = { 2, 1 };

	cr_assert_eq(tsn_vici_stats_plugin(unknown, sizeof(unknown),
					   "connmark"), -EOPNOTSUPP);
	cr_assert_eq(tsn_vici_stats_plugin(unknown_more, sizeof(unknown_more),
					   "connmark"), -EPROTO);
}

Test(connmark, hostile)
{
	/* a version answer: no plugin list */
	static const uint8_t version[] = { 1, 3, 7, 'v', 'e', 'r', 's', 'i',
					   'o', 'n', 0, 1, '5' };
	static const uint8_t not_response[] = { 0, 4, 7, 'p', 'l', 'u', 'g',
						'i', 'n', 's', 6 };
	static const uint8_t nested_list[] = { 1, 4, 1, 'a', 4, 1, 'b', 6, 6 };
	static const uint8_t item_outside[] = { 1, 5, 0, 1, 'x' };
	static const uint8_t long_item[] = { 1, 4, 7, 'p', 'l', 'u', 'g', 'i',
					     'n', 's', 5, 0xff, 0xff, 'c' };
	uint8_t deep[1 + 3 * 20];

	cr_assert_eq(tsn_vici_stats_plugin(version, sizeof(version), "x"),
		     -ENOENT);
	cr_assert_eq(tsn_vici_stats_plugin(not_response, sizeof(not_response),
					   "x"), -EPROTO);
	cr_assert_eq(tsn_vici_stats_plugin(nested_list, sizeof(nested_list),
					   "x"), -EPROTO);
	cr_assert_eq(tsn_vici_stats_plugin(item_outside, sizeof(item_outside),
					   "x"), -EPROTO);
	cr_assert_eq(tsn_vici_stats_plugin(long_item, sizeof(long_item), "c"),
		     -EPROTO);
	deep[0] = 1;
	for (size_t i = 0; i < 20; i++)
		memcpy(deep + 1 + 3 * i, (uint8_t[]){ 1, 1, 's' }, 3);
	cr_assert_eq(tsn_vici_stats_plugin(deep, sizeof(deep), "x"), -EPROTO,
		     "nesting capped");
}

static void merge(struct tsn_pf_diag *pd, const char *node, const char *json)
{
	struct tsn_jv v;

	cr_assert_eq(tsn_json_parse(json, strlen(json), &v, NULL, 0), 0);
	cr_assert_eq(tsn_pf_merge_connmark(pd, node, &v), 0);
	tsn_jv_free(&v);
}

/* n3 and n4 are reached from one address each; n3's charon has
 * connmark, n4's has not, n1's could not be asked; nat.shared names each
 * of the nodes it is on, and no other problem changes. */
Test(connmark, nat_shared_says_each_node)
{
	struct tsn_pf_diag pd = { 0 };
	struct tsn_report r;
	struct tsn_problem *p, *q;

	merge(&pd, "n3", "{\"connmark\":\"loaded\"}");
	merge(&pd, "n4", "{\"connmark\":\"not loaded\"}");
	merge(&pd, "n1", "{\"connmark\":null,\"connmark_why\":"
	      "\"charon not running\"}");
	merge(&pd, "n2", "{\"checks\":[]}");
	cr_assert_eq(pd.n_connmark, 3, "--kernel replies add nothing");
	tsn_report_init(&r, "preflight");
	q = tsn_report_problem_new(&r, "nat.transport", TSN_ST_WARN, 1);
	cr_assert_eq(tsn_problem_text(q, NULL, NULL, "transport"), 0);
	p = tsn_report_problem_new(&r, "nat.shared", TSN_ST_FAIL, 1);
	cr_assert_eq(tsn_problem_text(p, "n1 reaches n3 from X", "fix",
				      "several nodes share"), 0);
	for (const char *const *n = (const char *const[]){ "n3", "n4", "n1",
							 "n5", NULL }; *n; n++)
		cr_assert_eq(tsn_problem_node(p, *n), 0);
	cr_assert_eq(tsn_pf_connmark_said(&r, &pd), 0);
	p = &r.problems[1];
	cr_assert_str_eq(p->what, "several nodes share; charon on n3 has the "
			 "connmark plugin loaded; charon on n4 has no connmark "
			 "plugin loaded; cannot tell whether charon on n1 has "
			 "the connmark plugin (charon not running); cannot "
			 "tell whether charon on n5 has the connmark plugin "
			 "(its host checks did not answer)");
	cr_assert_str_eq(p->where, "n1 reaches n3 from X");
	cr_assert_str_eq(p->fix, "fix");
	cr_assert_str_eq(r.problems[0].what, "transport");
	tsn_report_free(&r);
	free(pd.connmark);
}
