/* transport.c - run tsnet's node-local actions on many nodes at once.
 *
 * This half turns a node into what to exec: an ssh command line whose
 * remote part is shell-quoted word by word (the remote shell is the
 * security boundary), `ip netns exec`, setns() into a host-like lab
 * node, or tsnet itself; decides before forking what needs no child (a
 * missing namespace); and words the results.  transport_engine.c runs
 * the children.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock.h"
#include "priv.h"
#include "transport.h"

#define SSH_CONNECT_MAX 10	/* ConnectTimeout's ceiling, seconds */

/* ---- command lines ---------------------------------------------------- */

struct argv_b {
	char **v;
	size_t n, cap;
	int error;
};

static void push_own(struct argv_b *a, char *s)
{
	char **v;

	if (!s && !a->error)
		a->error = -ENOMEM;
	if (a->error) {
		free(s);
		return;
	}
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		v = realloc(a->v, a->cap * sizeof(*v));
		if (!v) {
			a->error = -ENOMEM;
			free(s);
			return;
		}
		a->v = v;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void push(struct argv_b *a, const char *s)
{
	push_own(a, strdup(s));
}

static void pushf(struct argv_b *a, const char *fmt, ...) TSN_PRINTF(2, 3);
static void pushf(struct argv_b *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	push_own(a, s);
}

void tsn_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

/* 'it'\''s': inside single quotes a POSIX shell interprets nothing, so
 * only the quote itself needs care. */
int tsn_shell_quote(struct tsn_buf *b, const char *s)
{
	int ret = tsn_buf_puts(b, "'");

	for (; *s && ret == 0; s++)
		ret = *s == '\'' ? tsn_buf_puts(b, "'\\''") :
				   tsn_buf_add(b, s, 1);
	return ret ? ret : tsn_buf_puts(b, "'");
}

static void push_quoted(struct argv_b *a, const char *s)
{
	struct tsn_buf b = { 0 };

	if (tsn_shell_quote(&b, s) < 0) {
		tsn_buf_free(&b);
		push_own(a, NULL);
		return;
	}
	push_own(a, b.p);
}

/* What follows tsnet on the node.  Every agent call carries the agent
 * protocol right after "agent", so an agent of another tsnet refuses
 * rather than misreads the request.  A number is no secret: argv is
 * fine for it. */
static void push_args(struct argv_b *a, const char *const *args, bool quote)
{
	bool agent = args[0] && !strcmp(args[0], "agent");
	void (*put)(struct argv_b *, const char *) = quote ? push_quoted : push;
	char proto[16], wait[16], needs[64];

	snprintf(proto, sizeof(proto), "%u", TSN_AGENT_PROTO);
	snprintf(wait, sizeof(wait), "%u", tsn_lock_wait);
	tsn_priv_format(tsn_priv_needs, needs, sizeof(needs));
	for (; *args; args++) {
		put(a, *args);
		if (!agent)
			continue;
		put(a, "--proto");
		put(a, proto);
		/* a changing run: the node lock names it (lock.h) */
		if (tsn_lock_coordinator[0]) {
			put(a, "--holder");
			put(a, tsn_lock_coordinator);
			put(a, "--wait");
			put(a, wait);
		}
		/* what the run needs of every node, checked first there */
		if (needs[0]) {
			put(a, "--needs");
			put(a, needs);
		}
		agent = false;
	}
}

/* Where ssh keeps its multiplexing sockets: private to this user. */
static const char *control_dir(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");

	return x && *x == '/' ? x : "/run/tsnet/ssh";
}

/* Anyone who can write to the directory could plant a socket there and
 * receive our sessions: multiplex only in a directory that is ours
 * alone (a missing one tsn_run() creates with mode 0700). */
static bool control_dir_safe(void)
{
	struct stat st;

	if (stat(control_dir(), &st) < 0)
		return errno == ENOENT;
	return S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & 0022);
}

static void build_ssh(struct argv_b *a, const struct tsn_inventory *inv,
		      const struct tsn_node *node, const char *const *args,
		      unsigned timeout)
{
	const struct tsn_cluster *c = &inv->cluster;
	char host[256];
	unsigned port = tsn_node_ssh_port(inv, node);
	const char *user = tsn_node_ssh_user(inv, node);

	push(a, "ssh");
	push(a, "-o");
	push(a, "BatchMode=yes");
	push(a, "-o");
	pushf(a, "ConnectTimeout=%u",
	      timeout < SSH_CONNECT_MAX ? timeout : SSH_CONNECT_MAX);
	if (control_dir_safe()) {
		push(a, "-o");
		push(a, "ControlMaster=auto");
		push(a, "-o");
		pushf(a, "ControlPath=%s/tsnet-ssh-%%C", control_dir());
		push(a, "-o");
		push(a, "ControlPersist=60");
	} else {
		push(a, "-o");
		push(a, "ControlMaster=no");
		push(a, "-o");
		push(a, "ControlPath=none");
	}
	push(a, "-o");
	push(a, "ServerAliveInterval=5");
	if (port && port != 22) {
		push(a, "-p");
		pushf(a, "%u", port);
	}
	if (c->ssh_identity) {
		push(a, "-i");
		push(a, c->ssh_identity);
	}
	if (user) {
		push(a, "-l");
		push(a, user);
	}
	/* After ours: ssh keeps the first value it sees, so the inventory
	 * can add options but not turn BatchMode or multiplexing off. */
	for (char **o = c->ssh_options; o && *o; o++) {
		push(a, "-o");
		push(a, *o);
	}
	push(a, "--");
	push(a, tsn_node_ssh_host(node, host, sizeof(host)));
	push_quoted(a, tsn_node_remote_tsnet(inv, node));
	push_args(a, args, true);
}

/* A namespace name goes into a path under /run/netns: no traversal. */
static bool ns_name_ok(const char *ns)
{
	return ns && *ns && strlen(ns) < NAME_MAX && !strchr(ns, '/') &&
	       strcmp(ns, ".") && strcmp(ns, "..");
}

bool tsn_lab_host_like(const char *ns)
{
	char path[PATH_MAX];

	if (!ns_name_ok(ns))
		return false;
	snprintf(path, sizeof(path), "%s/%s/mnt", TSN_LAB_RUN, ns);
	return access(path, F_OK) == 0;
}

/* A lab node runs the same tree as this host: the inventory's
 * remote_tsnet when it is an absolute path, else this very binary. */
static const char *lab_tsnet(const struct tsn_inventory *inv,
			     const struct tsn_node *node)
{
	const char *r = tsn_node_remote_tsnet(inv, node);

	return r && r[0] == '/' ? r : tsn_self_exe();
}

static int build(const struct tsn_inventory *inv, const struct tsn_node *node,
		 const char *const *args, unsigned timeout, struct tsn_spawn *sp)
{
	struct argv_b a = { 0 };
	const char *ns;

	memset(sp, 0, sizeof(*sp));
	switch (inv->cluster.transport) {
	case TSN_TRANSPORT_SSH:
		sp->ssh = true;
		build_ssh(&a, inv, node, args, timeout);
		break;
	case TSN_TRANSPORT_NETNS:
		ns = tsn_node_netns(node);
		if (!ns_name_ok(ns))
			return -EINVAL;
		if (tsn_lab_host_like(ns)) {
			sp->host_ns = strdup(ns);
			if (!sp->host_ns)
				return -ENOMEM;
		} else {
			push(&a, "ip");
			push(&a, "netns");
			push(&a, "exec");
			push(&a, ns);
		}
		push(&a, lab_tsnet(inv, node));
		push_args(&a, args, false);
		break;
	case TSN_TRANSPORT_LOCAL:
		push(&a, tsn_self_exe());
		push_args(&a, args, false);
		break;
	default:
		return -EINVAL;
	}
	if (a.error) {
		tsn_argv_free(a.v);
		free(sp->host_ns);
		sp->host_ns = NULL;
		return a.error;
	}
	sp->argv = a.v;
	return 0;
}

int tsn_transport_argv(const struct tsn_inventory *inv,
		       const struct tsn_node *node,
		       const char *const *args, char ***out)
{
	struct tsn_spawn sp;
	unsigned t = inv->cluster.timeout ? inv->cluster.timeout :
					    TSN_RUN_TIMEOUT_DEFAULT;
	int ret = build(inv, node, args, t, &sp);

	if (ret < 0)
		return ret;
	free(sp.host_ns);
	*out = sp.argv;
	return 0;
}

/* The tsnet a node's command runs, as the reasons name it. */
static const char *which_tsnet(const struct tsn_inventory *inv,
			       const struct tsn_node *node)
{
	switch (inv->cluster.transport) {
	case TSN_TRANSPORT_SSH:
		return tsn_node_remote_tsnet(inv, node);
	case TSN_TRANSPORT_NETNS:
		return lab_tsnet(inv, node);
	default:
		return tsn_self_exe();
	}
}

/* Decide before forking what needs no child: a missing namespace. */
static int prepare(const struct tsn_inventory *inv, struct tsn_job *job,
		   unsigned timeout, struct tsn_spawn *sp)
{
	char path[PATH_MAX];
	const char *ns;
	int ret;

	tsn_job_reset(job);
	job->tsnet = which_tsnet(inv, job->node);
	ret = build(inv, job->node, job->argv, timeout, sp);
	if (ret < 0) {
		job->state = TSN_JOB_ERROR;
		job->error = ret;
		return ret == -ENOMEM ? ret : 0;
	}
	if (inv->cluster.transport != TSN_TRANSPORT_NETNS)
		return 0;
	ns = tsn_node_netns(job->node);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if (access(path, F_OK) < 0) {
		job->state = TSN_JOB_UNREACHABLE;
		tsn_buf_printf(&job->err, "network namespace '%s' does not "
			       "exist (no %s)\n", ns, path);
	}
	return 0;
}

static bool buf_has(const struct tsn_buf *b, const char *needle)
{
	return b->p && memmem(b->p, b->len, needle, strlen(needle));
}

/* The one place that tells a node without tsnet, or with a tsnet older
 * than the agent protocol, from any other failure, so every command
 * says it the same way.  A missing remote_tsnet ends as exit 127 from
 * the remote shell (ssh), an exec that found no file (a host-like lab
 * node, local), or `ip netns exec` saying its exec failed; a tsnet from
 * before the protocol takes "--proto" for an action and rejects it. */
static void classify(struct tsn_job *job, const struct tsn_spawn *sp)
{
	bool done = job->state == TSN_JOB_DONE;

	if ((done && sp->ssh && job->exit_status == 127) ||
	    (job->state == TSN_JOB_ERROR &&
	     (job->error == -ENOENT || job->error == -EACCES)) ||
	    (done && !sp->ssh && !sp->host_ns && job->exit_status == 255 &&
	     buf_has(&job->err, "exec of \"")))
		job->state = TSN_JOB_NO_TSNET;
	else if (done && job->exit_status == TSN_EXIT_USAGE &&
		 buf_has(&job->err, "unknown action '--proto'"))
		job->state = TSN_JOB_OLD_TSNET;
}

int tsn_run(const struct tsn_inventory *inv, struct tsn_job *jobs,
	    size_t n, const struct tsn_run_opts *opts)
{
	unsigned timeout = opts && opts->timeout ? opts->timeout :
			   inv->cluster.timeout ? inv->cluster.timeout :
			   TSN_RUN_TIMEOUT_DEFAULT;
	unsigned conc = opts && opts->concurrency ? opts->concurrency :
			inv->cluster.concurrency;
	struct tsn_spawn *sp = calloc(n ? n : 1, sizeof(*sp));
	int ret = 0, r;

	if (!sp)
		return -ENOMEM;
	if (inv->cluster.transport == TSN_TRANSPORT_SSH &&
	    !getenv("XDG_RUNTIME_DIR"))
		tsn_mkdir_p(control_dir(), 0700);	/* else ssh says why */
	for (size_t i = 0; i < n; i++) {
		r = prepare(inv, &jobs[i], timeout, &sp[i]);
		if (r < 0)
			ret = r;
	}
	if (ret == 0)
		ret = tsn_run_spawn(jobs, sp, n, conc, timeout, opts);
	for (size_t i = 0; ret == 0 && i < n; i++)
		classify(&jobs[i], &sp[i]);
	for (size_t i = 0; i < n; i++) {
		tsn_argv_free(sp[i].argv);
		free(sp[i].host_ns);
	}
	free(sp);
	return ret;
}

void tsn_job_free(struct tsn_job *job)
{
	tsn_buf_wipe(&job->out);
	tsn_buf_wipe(&job->err);
}

/* The last non-empty line of stderr, with control characters replaced:
 * it comes from another machine and ends up on our terminal. */
static void last_line(const struct tsn_buf *b, char *out, size_t len)
{
	const char *s = b->p ? b->p : "", *e = s + b->len, *start;
	size_t k = 0;

	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
		e--;
	start = e;
	while (start > s && start[-1] != '\n')
		start--;
	for (; start < e && k + 1 < len; start++)
		out[k++] = (unsigned char)*start < 0x20 || *start == 0x7f ?
			   '?' : *start;
	if (len)
		out[k] = '\0';
}

const char *tsn_job_reason(const struct tsn_job *job, char *buf, size_t len)
{
	const char *tsnet = job->tsnet ? job->tsnet : "tsnet";
	char line[256];
	const char *sep;

	last_line(&job->err, line, sizeof(line));
	sep = line[0] ? ": " : "";
	switch (job->state) {
	case TSN_JOB_PENDING:
		snprintf(buf, len, "not run");
		break;
	case TSN_JOB_DONE:
		if (job->exit_status == 0)
			snprintf(buf, len, "ok");
		else
			snprintf(buf, len, "exited %d%s%s", job->exit_status,
				 sep, line);
		break;
	case TSN_JOB_UNREACHABLE:
		snprintf(buf, len, "unreachable%s%s", sep, line);
		break;
	case TSN_JOB_TIMEOUT:
		snprintf(buf, len, "timed out after %.0f s", job->elapsed);
		break;
	case TSN_JOB_NO_TSNET:
		if (job->error)
			snprintf(buf, len, "tsnet is not installed "
				 "(remote_tsnet = %s: %s)", tsnet,
				 strerror(-job->error));
		else
			snprintf(buf, len, "tsnet is not installed "
				 "(remote_tsnet = %s, exit %d)", tsnet,
				 job->exit_status);
		break;
	case TSN_JOB_OLD_TSNET:
		snprintf(buf, len, "an older tsnet without a protocol number "
			 "(remote_tsnet = %s; this tsnet %s speaks %u): "
			 "install the same tsnet on every node", tsnet,
			 TSN_VERSION, TSN_AGENT_PROTO);
		break;
	case TSN_JOB_ERROR:
		if (job->error == -EFBIG)
			snprintf(buf, len, "output over %u MiB, killed",
				 TSN_OUTPUT_MAX >> 20);
		else if (job->error == -EINTR)
			snprintf(buf, len, "interrupted");
		else	/* line: the program, when exec failed */
			snprintf(buf, len, "cannot run%s%s: %s",
				 line[0] ? " " : "", line,
				 strerror(-job->error));
		break;
	}
	return buf;
}
