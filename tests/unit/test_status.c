/* test_status.c - the pure parts behind `tsnet status` and `tsnet state`:
 * which paths a record (or a backup) may name, mode strings, the SHA-256
 * hex drift is computed with, and reading a record. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enable/status.h"

static const struct {
	const char *path;
	bool ok;
} paths[] = {
	{ "/etc/swanctl/conf.d/tsnet.conf", true },
	{ "/etc/strongswan/swanctl/conf.d/tsnet-secrets.conf", true },
	{ "/etc/ipsec.secrets", true },
	{ "/etc/", false },			/* names no file */
	{ "/etc/swanctl/", false },
	{ "/etc/../root/.ssh/authorized_keys", false },
	{ "/etc/swanctl/../../root/x", false },
	{ "/etc/./shadow", false },
	{ "/etc//passwd", false },		/* empty component */
	{ "/root/x", false },
	{ "etc/swanctl/x", false },		/* relative */
	{ "/etcx/y", false },
	{ "", false },
	{ NULL, false },
};

Test(status, path_rule)
{
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		cr_expect_eq(tsn_state_path_ok(paths[i].path), paths[i].ok,
			     "%s", paths[i].path ? paths[i].path : "(null)");
}

Test(status, path_too_long)
{
	char p[5000];

	memset(p, 'a', sizeof(p));
	memcpy(p, "/etc/", 5);
	p[sizeof(p) - 1] = '\0';
	cr_expect(!tsn_state_path_ok(p));
}

Test(status, modes)
{
	mode_t m = 0;

	cr_expect_eq(tsn_state_mode_parse("0600", &m), 0);
	cr_expect_eq(m, 0600);
	cr_expect_eq(tsn_state_mode_parse("644", &m), 0);
	cr_expect_eq(m, 0644);
	cr_expect_eq(tsn_state_mode_parse("0777", &m), 0);
	cr_expect_eq(m, 0777);
	cr_expect_eq(tsn_state_mode_parse("4755", &m), -EINVAL);	/* setuid */
	cr_expect_eq(tsn_state_mode_parse("0800", &m), -EINVAL);
	cr_expect_eq(tsn_state_mode_parse("06000", &m), -EINVAL);
	cr_expect_eq(tsn_state_mode_parse("60", &m), -EINVAL);
	cr_expect_eq(tsn_state_mode_parse("-600", &m), -EINVAL);
	cr_expect_eq(tsn_state_mode_parse("", &m), -EINVAL);
	cr_expect_eq(tsn_state_mode_parse(NULL, &m), -EINVAL);
}

Test(status, sha256_hex)
{
	char h[65];

	/* FIPS 180-2 appendix B.1 */
	tsn_sha256_hex("abc", 3, h);
	cr_expect_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
			    "b00361a396177a9cb410ff61f20015ad");
	tsn_sha256_hex("", 0, h);
	cr_expect_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb924"
			    "27ae41e4649b934ca495991b7852b855");
}

static void load_text(const char *text, int want, const char *why)
{
	char path[] = "/tmp/test_status.XXXXXX", err[256] = "";
	struct tsn_jv rec;
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_expect_eq(tsn_state_load(path, &rec, err, sizeof(err)), want,
		     "%s: %s", text, err);
	if (want == 0) {
		cr_expect_str_eq(tsn_jv_getstr(&rec, "plan_hash"), "ab");
		tsn_jv_wipe_free(&rec);
	} else {
		cr_expect(strstr(err, why), "'%s' lacks '%s'", err, why);
	}
	unlink(path);
}

Test(status, load_record)
{
	load_text("{\"version\":1,\"plan_hash\":\"ab\",\"files\":[]}", 0, "");
	load_text("{\"version\":1}", -EINVAL, "no plan_hash");
	load_text("[1,2]", -EINVAL, "not a JSON object");
	load_text("{\"plan_hash\":", -EINVAL, "offset");
}

Test(status, load_missing)
{
	struct tsn_jv rec;
	char err[256];

	cr_expect_eq(tsn_state_load("/nonexistent/ipsec.json", &rec, err,
				    sizeof(err)), -ENOENT);
	cr_expect(strstr(err, "/nonexistent/ipsec.json"));
}

/* ---- the kernel's side (status_xfrm.c), from agents' xfrm-state ---- */

#include "lib/inventory.h"

static const char two_nodes[] = "[cluster]\nname = c\ntransport = netns\n"
	"[node n1]\naddress = 198.18.1.1\n[node n2]\naddress = 198.18.1.2\n";

#define SA(s, d, spi, bad) "{\"src\":\"198.18.1." #s "\",\"dst\":\"198.18.1." \
	#d "\",\"proto\":50,\"spi\":" #spi ",\"integrity_failed\":" #bad "}"
#define CHARON "{\"port\":500,\"family\":4,\"pid\":7,\"comm\":\"charon\"}," \
	"{\"port\":4500,\"family\":4,\"pid\":7,\"comm\":\"charon\"}"
#define XF(states, pols, socks, offload) "{\"enabled\":true,\"xfrm\":{" \
	"\"error\":null,\"states\":[" states "],\"policies\":[" pols "]}," \
	"\"sockets\":[" socks "],\"sockets_error\":null,\"offload\":[" \
	offload "]}"

struct kcase {
	const char *name;
	const char *xf1, *xf2;
	const char *problem;	/* a line that must be there, NULL: none */
	const char *note;
};

static const struct kcase kcases[] = {
	{ "healthy: one state each way, SPIs agree, charon on both ports",
	  XF(SA(1, 2, 161, 0) "," SA(2, 1, 177, 0), "", CHARON, ""),
	  XF(SA(2, 1, 177, 0) "," SA(1, 2, 161, 0), "", CHARON, ""),
	  NULL, NULL },
	{ "n2 lost its SA from n1",
	  XF(SA(1, 2, 161, 0) "," SA(2, 1, 177, 0), "", CHARON, ""),
	  XF(SA(2, 1, 177, 0), "", CHARON, ""),
	  "n2: 1 ESP state with n1 (0 in, 1 out): a pair needs exactly one "
	  "each way", NULL },
	{ "the SPIs disagree",
	  XF(SA(1, 2, 161, 0) "," SA(2, 1, 177, 0), "", CHARON, ""),
	  XF(SA(2, 1, 177, 0) "," SA(1, 2, 162, 0), "", CHARON, ""),
	  "pair n1-n2: n1 sends to n2 with SPI 0x000000a1, which n2 has no SA "
	  "for: its packets are dropped (XfrmInNoStates)", NULL },
	{ "n2's SA from n1 fails to authenticate",
	  XF(SA(1, 2, 161, 0) "," SA(2, 1, 177, 0), "", CHARON, ""),
	  XF(SA(2, 1, 177, 0) "," SA(1, 2, 161, 5), "", CHARON, ""),
	  "pair n1 -> n2: n2's SA from n1 (SPI 0x000000a1) failed to "
	  "authenticate 5 packets", NULL },
	{ "a foreign block policy on n1 is drift",
	  XF(SA(1, 2, 161, 0) "," SA(2, 1, 177, 0), "{\"src\":\"198.18.1.1\","
	     "\"dst\":\"198.18.1.2\",\"proto\":0,\"src_len\":32,\"dst_len\":32,"
	     "\"dir\":1,\"action\":1,\"priority\":5,\"index\":9}", CHARON, ""),
	  XF(SA(2, 1, 177, 0) "," SA(1, 2, 161, 0), "", CHARON, ""),
	  "n1: drift: xfrm.foreign: policy out 198.18.1.1/32 -> 198.18.1.2/32 "
	  "action block priority 5 index 9, not tsnet's, covers the members' "
	  "traffic (fix: ip xfrm policy delete dir out src 198.18.1.1/32 dst "
	  "198.18.1.2/32)", NULL },
	{ "pluto on UDP 500, no charon on 4500",
	  XF(SA(1, 2, 161, 0) "," SA(2, 1, 177, 0), "",
	     "{\"port\":500,\"family\":4,\"pid\":42,\"comm\":\"pluto\"}", ""),
	  XF(SA(2, 1, 177, 0) "," SA(1, 2, 161, 0), "", CHARON, ""),
	  "n1: UDP 500 is held by pluto (pid 42), not charon", NULL },
	{ "esp4_offload is a note, not a problem",
	  XF(SA(1, 2, 161, 0) "," SA(2, 1, 177, 0), "", CHARON,
	     "\"esp4_offload\""),
	  XF(SA(2, 1, 177, 0) "," SA(1, 2, 161, 0), "", CHARON, ""),
	  NULL, "n1: esp4_offload is loaded: the kernel may decrypt ESP in "
	  "GRO" },
};

static bool has_line(char **lines, size_t n, const char *want)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(lines[i], want))
			return true;
	return false;
}

Test(status, kernel_side_table)
{
	for (size_t c = 0; c < sizeof(kcases) / sizeof(kcases[0]); c++) {
		const struct kcase *k = &kcases[c];
		struct tsn_inv_diag diag = { .warn = NULL };
		struct tsn_inventory inv;
		struct tsn_st_node nodes[2] = { 0 };
		struct tsn_st_pair pair = { .a = 0, .b = 1,
					    .state = TSN_PAIR_OK };
		struct tsn_st s = { .inv = &inv, .nodes = nodes,
				    .pairs = &pair, .n_pairs = 1 };
		struct tsn_jv rec = { .type = TSN_JOBJ };
		char err[96];

		cr_assert_eq(tsn_inventory_parse("t.conf", two_nodes,
						 sizeof(two_nodes) - 1, &inv,
						 &diag), 0);
		for (int i = 0; i < 2; i++) {
			const char *x = i ? k->xf2 : k->xf1;

			nodes[i].node = &inv.nodes[i];
			nodes[i].rec = &rec;
			cr_assert_eq(tsn_json_parse("{\"running\":true}", 16,
						    &nodes[i].st, err,
						    sizeof(err)), 0);
			cr_assert_eq(tsn_json_parse(x, strlen(x), &nodes[i].xf,
						    err, sizeof(err)), 0,
				     "%s: %s", k->name, err);
		}
		cr_assert_eq(tsn_status_xfrm(&s), 0, "%s", k->name);
		if (k->problem)
			cr_expect(has_line(s.problems, s.n_problems, k->problem),
				  "%s: '%s' not in %zu problems (first: %s)",
				  k->name, k->problem, s.n_problems,
				  s.n_problems ? s.problems[0] : "-");
		else
			cr_expect_eq(s.n_problems, 0, "%s: %s", k->name,
				     s.n_problems ? s.problems[0] : "");
		if (k->note)
			cr_expect(has_line(s.notes, s.n_notes, k->note), "%s",
				  k->name);
		else
			cr_expect_eq(s.n_notes, 0, "%s", k->name);
		for (int i = 0; i < 2; i++) {
			tsn_jv_free(&nodes[i].st);
			tsn_jv_free(&nodes[i].xf);
		}
		for (size_t i = 0; i < s.n_problems; i++)
			free(s.problems[i]);
		for (size_t i = 0; i < s.n_notes; i++)
			free(s.notes[i]);
		free(s.problems);
		free(s.notes);
		tsn_inventory_free(&inv);
	}
}

/* ---- one node's replies (tsn_st_take), and the exit they earn ---- */

#include "lib/transport.h"

static void job_done(struct tsn_job *j, const char *out)
{
	j->state = TSN_JOB_DONE;
	j->out.p = (char *)out;
	j->out.len = strlen(out);
}

static void node_free(struct tsn_st_node *n)
{
	tsn_jv_free(&n->st);
	tsn_jv_free(&n->sas);
	tsn_jv_free(&n->xf);
	free(n->error);
	free(n->sas_error);
	free(n->xf_error);
}

/* Judged as a one-node cluster: what tsnet status would say and exit. */
static int judged(struct tsn_st_node *n, char **problem)
{
	struct tsn_inv_diag diag = { .warn = NULL };
	struct tsn_inventory inv;
	struct tsn_st s = { .inv = &inv, .nodes = n };
	int rc;

	cr_assert_eq(tsn_inventory_parse("t.conf", two_nodes,
					 sizeof(two_nodes) - 1, &inv, &diag), 0);
	inv.n_nodes = 1;
	n->node = &inv.nodes[0];
	cr_assert_eq(tsn_status_xfrm(&s), 0);
	rc = tsn_st_exit(&s);
	*problem = s.n_problems ? tsn_strdup(s.problems[0]) : NULL;
	for (size_t i = 0; i < s.n_problems; i++)
		free(s.problems[i]);
	for (size_t i = 0; i < s.n_notes; i++)
		free(s.notes[i]);
	free(s.problems);
	free(s.notes);
	n->node = NULL;
	inv.n_nodes = 2;
	tsn_inventory_free(&inv);
	return rc;
}

/* The bug: only xfrm-state timed out, and status called the node
 * unreachable (and, its row fine, exited 1 on "cannot list"). */
Test(status, xfrm_state_late_is_not_unreachable)
{
	struct tsn_job job[3] = { 0 };
	struct tsn_st_node n = { 0 };
	char *problem;

	job_done(&job[0], "{\"running\":true,\"state\":{\"plan_hash\":\"ab\"}}");
	job_done(&job[1], "{\"sas\":[]}");
	job[2].state = TSN_JOB_TIMEOUT;
	job[2].elapsed = 10;
	cr_assert_eq(tsn_st_take(&n, job), 0);
	cr_expect(n.reachable, "a node that answered two of three is reachable");
	cr_expect_null(n.error);
	cr_expect_null(n.sas_error);
	cr_expect(n.rec);
	cr_expect(n.xf_late);
	cr_expect_eq(judged(&n, &problem), 3, "could not read: exit 3");
	cr_assert(problem);
	cr_expect(strstr(problem, "n1: answered, but its kernel's XFRM states "
			 "and policies could not be read in time (agent "
			 "xfrm-state timed out after 10 s"), "%s", problem);
	free(problem);
	node_free(&n);
}

Test(status, ipsec_state_lost_is_unreachable)
{
	struct tsn_job job[3] = { 0 };
	struct tsn_st_node n = { 0 };

	job[0].state = TSN_JOB_TIMEOUT;
	job[1].state = TSN_JOB_TIMEOUT;
	job[2].state = TSN_JOB_TIMEOUT;
	cr_assert_eq(tsn_st_take(&n, job), 0);
	cr_expect(!n.reachable);
	cr_expect(n.error);
	cr_expect_null(n.xf_error, "nothing more is asked of a lost node");
	node_free(&n);

	memset(job, 0, sizeof(job));
	memset(&n, 0, sizeof(n));
	job[0].state = TSN_JOB_UNREACHABLE;
	cr_assert_eq(tsn_st_take(&n, job), 0);
	cr_expect(!n.reachable);
	node_free(&n);
}

/* ipsec-sas late: the node answered; its SAs are what is unknown */
Test(status, ipsec_sas_late_is_not_unreachable)
{
	struct tsn_job job[3] = { 0 };
	struct tsn_st_node n = { 0 };

	job_done(&job[0], "{\"running\":true,\"state\":{\"plan_hash\":\"ab\"}}");
	job[1].state = TSN_JOB_TIMEOUT;
	job_done(&job[2], XF("", "", CHARON, ""));
	cr_assert_eq(tsn_st_take(&n, job), 0);
	cr_expect(n.reachable);
	cr_expect(n.sas_error);
	cr_expect_null(n.xf_error, "xfrm-state answered: it is read");
	cr_expect_eq(n.xf.type, TSN_JOBJ);
	node_free(&n);
}

/* charon's loaded connections counted against the record by name: a
 * stale tsnet-X does not make up for a missing tsnet-Y_v6. */
Test(status, loaded_counted_by_name)
{
	static const char rec_text[] =
		"{\"peers\":[{\"name\":\"n2\",\"address6\":\"fd00:7473::2\"},"
		"{\"name\":\"n3\"}]}";
	static const struct { const char *loaded; size_t want; } cases[] = {
		{ "[\"tsnet-n2\",\"tsnet-n2_v6\",\"tsnet-n3\"]", 3 },
		{ "[\"tsnet-n2\",\"tsnet-n3\",\"tsnet-n9\"]", 2 },
		{ "[\"tsnet-n2_v6\",\"tsnet-n3_v6\",\"other\"]", 1 },
		{ "[]", 0 },
	};
	struct tsn_jv rec = { 0 }, loaded;
	char err[100];

	cr_assert_eq(tsn_json_parse(rec_text, strlen(rec_text), &rec, err,
				    sizeof(err)), 0, "%s", err);
	cr_assert_eq(tsn_st_planned(&rec), 3);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&loaded, 0, sizeof(loaded));
		cr_assert_eq(tsn_json_parse(cases[i].loaded,
					    strlen(cases[i].loaded), &loaded,
					    err, sizeof(err)), 0);
		cr_assert_eq(tsn_st_loaded(&rec, &loaded), cases[i].want,
			     "%s", cases[i].loaded);
		tsn_jv_free(&loaded);
	}
	tsn_jv_free(&rec);
}
