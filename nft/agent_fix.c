/* agent_fix.c - `tsnet agent nft-fix` and `tsnet agent nft-unfix`: the
 * node-local half of `preflight --fix` / `--unfix`.
 *
 *   stdin:  {"members":["198.18.1.1","fd00:7473:1::1",...],
 *            "interface":"eth0","update_only":false,"no_persist":false}
 *   stdout: {"changed","refused","rules_added","table_rules",
 *            "inserted":[{"family","table","chain","handles":[..]}],
 *            "flows","still_bad","bad","persist","error"}
 *
 * The reply is printed whenever the action got as far as reading the
 * ruleset, failures included, so the coordinator can say what happened.
 * Exit: 0 done, 1 refused (a foreign table) or flows still not accepted,
 * 2 bad request, 3 runtime failure (netlink, privilege).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/json.h"
#include "nft/fix.h"
#include "nft/nft.h"

#define REQ_MAX (8u << 20)

/* Order of member indexes: by address, then by index. */
static int by_addr(const void *x, const void *y, void *arg)
{
	const struct tsn_addr *m = arg;
	size_t i = *(const size_t *)x, k = *(const size_t *)y;
	int d = m[i].family - m[k].family;

	if (!d)
		d = memcmp(&m[i].v6, &m[k].v6, m[i].family == AF_INET6 ?
			   sizeof(m[i].v6) : sizeof(m[i].v4));
	return d ? d : (i > k) - (i < k);
}

/* The first member (in request order) equal to an earlier one, found by
 * sorting: a thousand members checked pairwise was a million compares. */
static int first_twice(const struct tsn_addr *a, const struct tsn_jv *m,
		       char *err, size_t len)
{
	size_t *ix = calloc(m->n, sizeof(*ix)), dup = SIZE_MAX;

	if (!ix)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		ix[i] = i;
	qsort_r(ix, m->n, sizeof(*ix), by_addr, (void *)a);
	for (size_t i = 1; i < m->n; i++)
		if (tsn_addr_equal(&a[ix[i - 1]], &a[ix[i]]) && ix[i] < dup)
			dup = ix[i];
	free(ix);
	if (dup == SIZE_MAX)
		return 0;
	snprintf(err, len, "\"members\"[%zu]: %s listed twice", dup,
		 m->items[dup].str);
	return -EINVAL;
}

static int parse_members(const struct tsn_jv *m, struct tsn_addr **out,
			 size_t *n, char *err, size_t len)
{
	size_t per[2] = { 0, 0 };

	if (!m || m->type != TSN_JARR || m->n == 0) {
		snprintf(err, len, "\"members\": a non-empty array of "
			 "addresses is required");
		return -EINVAL;
	}
	*out = calloc(m->n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		struct tsn_addr *a = &(*out)[i];

		if (m->items[i].type != TSN_JSTR ||
		    tsn_addr_parse(m->items[i].str, a) < 0) {
			snprintf(err, len, "\"members\"[%zu]: not an IPv4 or "
				 "IPv6 address", i);
			return -EINVAL;
		}
		if (++per[a->family == AF_INET6] > TSN_FIX_ELEMS_MAX) {
			snprintf(err, len, "\"members\": more than %u "
				 "addresses of one family", TSN_FIX_ELEMS_MAX);
			return -E2BIG;
		}
	}
	*n = m->n;
	return first_twice(*out, m, err, len);
}

static int read_request(struct tsn_fix_req *req, struct tsn_addr **members,
			char *ifname, char *err, size_t len)
{
	struct tsn_jv v = { 0 };
	char *text = NULL, perr[128];
	const char *ifn;
	size_t tlen;
	bool b;
	int ret;

	ret = tsn_read_fd(STDIN_FILENO, REQ_MAX, &text, &tlen);
	if (ret < 0) {
		snprintf(err, len, "reading the request on stdin: %s",
			 strerror(-ret));
		return ret;
	}
	ret = tsn_json_parse(text, tlen, &v, perr, sizeof(perr));
	if (ret) {
		snprintf(err, len, "request on stdin: %s", perr);
		goto out;
	}
	ret = parse_members(tsn_jv_get(&v, "members"), members,
			    &req->n_members, err, len);
	req->members = *members;
	ifn = tsn_jv_getstr(&v, "interface");
	if (!ret && ifn && (!*ifn || strlen(ifn) >= 16 || strchr(ifn, '/'))) {
		snprintf(err, len, "\"interface\": '%s' is not an interface "
			 "name", ifn);
		ret = -EINVAL;
	} else if (ifn) {
		snprintf(ifname, 16, "%s", ifn);
		req->ifname = ifname;
	}
	if (tsn_jv_getbool(&v, "update_only", &b))
		req->update_only = b;
	if (tsn_jv_getbool(&v, "no_persist", &b))
		req->no_persist = b;
out:
	tsn_jv_free(&v);
	free(text);
	return ret;
}

static int print_result(const struct tsn_fix_result *res, int err)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int ret;

	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kbool(&j, "changed", res->changed);
	tsn_json_kbool(&j, "refused", res->refused);
	tsn_json_kuint(&j, "rules_added", res->rules_added);
	tsn_json_kuint(&j, "table_rules", res->table_rules);
	tsn_json_kuint(&j, "rules_removed", res->rules_removed);
	tsn_json_kuint(&j, "flows_ended", res->flows_ended);
	tsn_json_key(&j, "inserted");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < res->n_ins; i++) {
		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "family",
			      tsn_nft_family_name(res->ins[i].family));
		tsn_json_kstr(&j, "table", res->ins[i].table);
		tsn_json_kstr(&j, "chain", res->ins[i].chain);
		tsn_json_key(&j, "handles");
		tsn_json_arr_begin(&j);
		for (size_t k = 0; k < res->ins[i].n_handles; k++)
			tsn_json_uint(&j, res->ins[i].handles[k]);
		tsn_json_arr_end(&j);
		tsn_json_obj_end(&j);
	}
	tsn_json_arr_end(&j);
	tsn_json_kuint(&j, "flows", res->flows);
	tsn_json_kuint(&j, "still_bad", res->still_bad);
	tsn_json_kstr(&j, "bad", res->bad[0] ? res->bad : NULL);
	tsn_json_kstr(&j, "persist", res->persist[0] ? res->persist : NULL);
	tsn_json_kstr(&j, "error", err ? res->err : NULL);
	tsn_json_kint(&j, "errno", -err);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (!ret)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	return ret;
}

static int finish(const char *action, struct tsn_fix_result *res, int ret)
{
	int rc;

	if (ret && ret != -EEXIST)
		tsn_err(action, "%s", res->err);
	if (print_result(res, ret) < 0)
		ret = ret ? ret : -ENOMEM;
	rc = ret == -EEXIST || (!ret && res->still_bad) ? TSN_EXIT_PROBLEM :
	     ret ? TSN_EXIT_RUNTIME : TSN_EXIT_OK;
	tsn_fix_result_free(res);
	return rc;
}

static int no_args(const char *action, int argc, char **argv)
{
	if (argc > 1) {
		tsn_err(action, "unexpected argument '%s' (the request "
			"comes on stdin)", argv[1]);
		return -EINVAL;
	}
	return 0;
}

int tsn_nft_fix_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const char action[] = "agent nft-fix";
	struct tsn_fix_req req = { 0 };
	struct tsn_fix_result res = { 0 };
	struct tsn_addr *members = NULL;
	struct tsn_nft_reader *rd;
	char ifname[16], err[256];
	int ret;

	(void)ctx;
	if (no_args(action, argc, argv))
		return TSN_EXIT_USAGE;
	/* The kernel dumps the ruleset (most of the time on a large one)
	 * while the request is read. */
	rd = tsn_nft_read_start();
	ret = read_request(&req, &members, ifname, err, sizeof(err));
	if (ret) {
		tsn_nft_read_end(rd, NULL, NULL, 0);
		tsn_err(action, "%s", err);
		free(members);
		return ret == -ENOMEM ? TSN_EXIT_RUNTIME : TSN_EXIT_USAGE;
	}
	ret = tsn_fix_apply(&req, rd, &res);
	free(members);
	return finish(action, &res, ret);
}

int tsn_nft_unfix_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const char action[] = "agent nft-unfix";
	struct tsn_fix_result res = { 0 };

	(void)ctx;
	if (no_args(action, argc, argv))
		return TSN_EXIT_USAGE;
	return finish(action, &res, tsn_fix_unfix(&res));
}
