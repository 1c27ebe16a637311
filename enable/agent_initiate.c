/* agent_initiate.c - initiating a node's pairs: the last step of
 * `tsnet agent ipsec-apply`, and `tsnet agent ipsec-initiate`, which the
 * coordinator runs once every node has loaded its connections.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enable/conf.h"
#include "enable/ipsec.h"
#include "lib/json.h"
#include "lib/util.h"

#define REQ_MAX (16u << 20)
#define INIT_TIMEOUT_MS 20000

/* Is connection name loaded in charon: 1, 0, or -errno when charon
 * could not say?  (A dual-stack pair's IPv6 connection is there only
 * when both nodes have address6, which this request does not carry:
 * the loaded set, written from the inventory by ipsec-apply, says.) */
static int loaded(struct tsn_vici *v, const char *name)
{
	struct tsn_buf names = { 0 };
	int ret = tsn_list_tsnet_conns(v, &names);

	for (size_t off = 0; ret == 0 && off < names.len;
	     off += strlen(names.p + off) + 1)
		if (!strcmp(names.p + off, name))
			ret = 1;
	tsn_buf_free(&names);
	return ret;
}

/* Bring up one connection; err says "ok" or why not. */
static void up_one(struct tsn_vici *v, const char *name, unsigned ms,
		   bool replace, char *err, size_t len)
{
	if (replace && tsn_terminate(v, name) < 0)
		snprintf(err, len, "cannot terminate the old SAs");
	else if (tsn_initiate(v, name, ms, err, len) == 0)
		snprintf(err, len, "ok");
}

/* Both of a pair's connections: IPv4 (or the single address), then the
 * IPv6 one when loaded; the pair is "ok" only when both came up.  The
 * two run one after the other, so each gets half the time: together
 * they stay within what the coordinator waits for. */
static void up_pair(const char *peer, unsigned ms, bool replace, char *err,
		    size_t len)
{
	char name[96], name6[96], e6[256] = "ok";
	struct tsn_vici v;
	int dual;

	if (tsn_conf_conn_name(peer, false, name, sizeof(name)) < 0 ||
	    tsn_conf_conn_name(peer, true, name6, sizeof(name6)) < 0) {
		snprintf(err, len, "peer name too long");
		return;
	}
	if (tsn_vici_connect(&v, NULL) < 0) {
		snprintf(err, len, "cannot connect to charon");
		return;
	}
	if ((dual = loaded(&v, name6)) < 0) {
		snprintf(err, len, "cannot list charon's connections: %s",
			 strerror(-dual));
		goto out;
	}
	up_one(&v, name, dual ? ms / 2 : ms, replace, err, len);
	if (!strcmp(err, "ok") && dual) {
		up_one(&v, name6, ms / 2, replace, e6, sizeof(e6));
		if (strcmp(e6, "ok"))
			snprintf(err, len, "IPv6 connection: %s", e6);
	}
out:
	tsn_vici_close(&v);
}

/* One child per pair, each with its own VICI connection: charon works
 * on them in parallel, as a script backgrounding `swanctl --initiate`
 * would.  The child writes "ok" or why not into its pipe. */
static pid_t initiate_child(const char *peer, unsigned ms, bool replace,
			    int *rfd)
{
	char err[300] = "ok";
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) != 0) {
		close(p[1]);
		if (pid < 0)
			close(p[0]);
		*rfd = p[0];
		return pid;
	}
	close(p[0]);
	up_pair(peer, ms, replace, err, sizeof(err));
	if (write(p[1], err, strlen(err)) < 0)
		_exit(1);
	_exit(0);
}

void tsn_ipsec_initiate_all(const struct tsn_jv *req, struct tsn_json *j,
			    bool *ok)
{
	const struct tsn_jv *init = tsn_jv_get(req, "initiate");
	size_t n = init && init->type == TSN_JARR ? init->n : 0;
	pid_t *pid = calloc(n + 1, sizeof(*pid));
	int *fd = calloc(n + 1, sizeof(*fd));
	unsigned ms = INIT_TIMEOUT_MS;
	char msg[300];
	double t = 0;
	bool replace = false;

	if (tsn_jv_getnum(req, "timeout_ms", &t) && t >= 1000 &&
	    t <= 600000)
		ms = (unsigned)t;
	/* re-keying a pair that is up (--node, or enabling again): charon
	 * refuses a duplicate CHILD_SA, so the old SAs go first */
	tsn_jv_getbool(req, "replace", &replace);
	for (size_t i = 0; pid && fd && i < n; i++)
		pid[i] = init->items[i].type == TSN_JSTR ?
			 initiate_child(init->items[i].str, ms, replace,
					&fd[i]) : -1;
	tsn_json_key(j, "initiated");
	tsn_json_obj_begin(j);
	for (size_t i = 0; pid && fd && i < n; i++) {
		ssize_t got = 0, r;

		if (pid[i] < 0) {
			*ok = false;
			continue;
		}
		while ((r = read(fd[i], msg + got, sizeof(msg) - 1 - got)) > 0)
			got += r;
		msg[got] = '\0';
		close(fd[i]);
		waitpid(pid[i], NULL, 0);
		tsn_json_kstr(j, init->items[i].str, got ? msg : "no answer");
		if (strcmp(msg, "ok"))
			*ok = false;
	}
	tsn_json_obj_end(j);
	if (!pid || !fd)
		*ok = false;
	free(pid);
	free(fd);
}

/* ipsec-initiate: {"initiate":[PEER...],"timeout_ms":N} once every node
 * has loaded its connections. */
int tsn_ipsec_initiate_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct tsn_jv req = { 0 };
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	char *txt = NULL, err[128] = "";
	size_t len;
	bool ok = true;
	int ret;

	(void)argc;
	(void)argv;
	(void)ctx;
	if ((ret = tsn_read_fd(STDIN_FILENO, REQ_MAX, &txt, &len)) < 0)
		snprintf(err, sizeof(err), "reading the request: %s",
			 strerror(-ret));
	else
		ret = tsn_json_parse(txt, len, &req, err, sizeof(err));
	free(txt);
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	if (ret == 0)
		tsn_ipsec_initiate_all(&req, &j, &ok);
	tsn_json_kbool(&j, "ok", ret == 0 && ok);
	tsn_json_kstr(&j, "error", ret < 0 ? err : NULL);
	tsn_json_obj_end(&j);
	tsn_jv_free(&req);
	if (tsn_json_finish(&j) == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	return ret < 0 ? TSN_EXIT_RUNTIME : ok ? TSN_EXIT_OK : TSN_EXIT_PROBLEM;
}
