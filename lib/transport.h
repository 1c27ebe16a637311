/* transport.h - run tsnet's node-local actions on many nodes at once.
 *
 * The coordinator fills one tsn_job per node: the agent arguments (what
 * follows `tsnet` on the node, normally "agent ACTION ..."), and the bytes
 * for the node's stdin (secrets travel here, never in argv).  tsn_run()
 * runs them in parallel, at most `concurrency` at a time, each with its
 * own timeout, in one poll() loop without threads, and fills in the
 * results.  A node that cannot be reached or hangs gets a result saying
 * so; the others complete.
 *
 *   ssh    ssh -o BatchMode=yes -o ConnectTimeout=N -o ControlMaster=auto
 *          -o ControlPath=... -o ControlPersist=60 [-p] [-i] [-l] HOST
 *          REMOTE_TSNET ARGS...   (each argument shell-quoted)
 *   netns  a lab node: setns() into /run/netns/NS and, for a node that
 *          looks like a host, the mount and UTS namespaces kept at
 *          /run/tsnet-lab/NS/{mnt,uts}; else `ip netns exec NS`
 *   local  this host: fork and exec tsnet itself
 */
#ifndef TSN_TRANSPORT_H
#define TSN_TRANSPORT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "inventory.h"

struct tsn_progress;	/* output.h */

#define TSN_LAB_RUN "/run/tsnet-lab"	/* host-like lab nodes' namespaces */
#define TSN_OUTPUT_MAX (16u << 20)	/* cap on a node's stdout/stderr */
#define TSN_RUN_TIMEOUT_DEFAULT 60	/* seconds, when nothing says */
#define TSN_RUN_CONCURRENCY_DEFAULT 32

/* The agent protocol: what a coordinator's request and an agent's reply
 * mean.  The transport adds `--proto N` after "agent" on every call, and
 * an agent that speaks another number refuses (agent.c, man/tsnet.8).
 * Raise it whenever an action's arguments, request or reply change in a
 * way the other side would misread.  Overridable only so a test can
 * build a tsnet that speaks another number. */
#ifndef TSN_AGENT_PROTO
#define TSN_AGENT_PROTO 3	/* 2: --holder LINE --wait N (lib/lock.h),
				 * 3: --needs LIST (lib/priv.h) */
#endif

enum tsn_job_state {
	TSN_JOB_PENDING,
	TSN_JOB_DONE,		/* ran; exit_status is valid */
	TSN_JOB_UNREACHABLE,	/* ssh exit 255 / netns missing */
	TSN_JOB_TIMEOUT,	/* killed after the timeout */
	TSN_JOB_ERROR,		/* could not start: error holds -errno */
	/* Decided by tsn_run() from how the node's command ended, so every
	 * command words these the same way (tsn_job_reason): */
	TSN_JOB_NO_TSNET,	/* remote_tsnet not found: exit 127 from the
				 * remote shell, or exec found no file */
	TSN_JOB_OLD_TSNET,	/* rejected --proto: a tsnet older than the
				 * agent protocol */
};

struct tsn_job {
	/* in */
	const struct tsn_node *node;
	const char *const *argv;	/* NULL-terminated, after "tsnet" */
	const void *input;		/* stdin bytes, may be NULL */
	size_t input_len;
	/* out */
	enum tsn_job_state state;
	const char *tsnet;		/* the remote_tsnet that ran (or not) */
	int exit_status;		/* valid when TSN_JOB_DONE */
	int error;			/* -errno when TSN_JOB_ERROR */
	struct tsn_buf out;		/* stdout: the action's JSON */
	struct tsn_buf err;		/* stderr */
	double elapsed;			/* seconds */
	bool truncated;			/* output passed TSN_OUTPUT_MAX */
};

struct tsn_run_opts {
	unsigned concurrency;		/* 0: the inventory's */
	unsigned timeout;		/* seconds, 0: the inventory's */
	/* Called (may be NULL) whenever a job finishes. */
	void (*done)(void *arg, const struct tsn_job *job, size_t ndone,
		     size_t total);
	void *done_arg;
	/* The progress line (may be NULL): "WHAT: 2 of 3 nodes, waiting on
	 * db3" (tsn_jobs_progress), redrawn as jobs finish and a few times
	 * a second while they run, so a node that keeps us waiting is
	 * named while we wait. */
	struct tsn_progress *progress;
	const char *what;
	/* Under tsn_run_guard(): a signal does not keep this run's pending
	 * jobs from starting (a rollback must reach every node). */
	bool finish;
};

/* For a command that changes nodes, before its first change: SIGINT,
 * SIGTERM and SIGHUP no longer end the process.  The first is kept in
 * tsn_interrupted; tsn_run lets the jobs in flight finish (no SIGTERM
 * to them) and starts no more (unless opts->finish), and the command
 * looks at tsn_interrupted between its steps, to roll back or stop. */
void tsn_run_guard(void);
extern volatile sig_atomic_t tsn_interrupted;
/* For a command that finishes whatever signal comes: one line saying
 * which came, and that it finished first. */
void tsn_run_guard_note(const char *cmd);

/* Run every job; returns 0 when all were started and collected (each
 * job's own state says how it went) or a negative errno on a local
 * failure (out of memory, pipe). */
int tsn_run(const struct tsn_inventory *inv, struct tsn_job *jobs,
	    size_t n, const struct tsn_run_opts *opts);
void tsn_job_free(struct tsn_job *job);

/* A one-line reason for a job that did not succeed, e.g. "unreachable:
 * ssh: connect to host 198.18.1.9 port 22: No route to host". */
const char *tsn_job_reason(const struct tsn_job *job, char *buf, size_t len);

/* Progress of a round of jobs (transport_progress.c): "WHAT: 2 of 3
 * nodes, waiting on db3; failed: db2".  A node answered when its job
 * ran with exit status 0 or 1; unreachable, timed out, not started or
 * exit 2+ is failed, never answered.  Several jobs of one node count as
 * one node.  The line goes to b (appended): 0 or -ENOMEM. */
int tsn_jobs_progress_line(struct tsn_buf *b, const char *what,
			   const struct tsn_job *jobs, size_t n);
/* The same as a progress line on p (output.h), when it would show. */
void tsn_jobs_progress(struct tsn_progress *p, const char *what,
		       const struct tsn_job *jobs, size_t n);

/* Build the argv the transport would exec for a node (for -v and tests).
 * Free with tsn_argv_free(). */
int tsn_transport_argv(const struct tsn_inventory *inv,
		       const struct tsn_node *node,
		       const char *const *args, char ***out);
void tsn_argv_free(char **argv);

/* The engine behind tsn_run() without the transports: runs argvs[i]
 * (argv[0] a path or a name found in PATH) for jobs[i], same rules.  A
 * seam for tests; `timeout` 0 means the default (60 s). */
int tsn_run_argv(struct tsn_job *jobs, char **const *argvs, size_t n,
		 unsigned concurrency, unsigned timeout,
		 const struct tsn_run_opts *opts);

/* What the engine (transport_engine.c) starts for one job; tsn_run()
 * builds these from the nodes. */
struct tsn_spawn {
	char **argv;		/* argv[0]: a path, or a name found in PATH */
	char *host_ns;		/* setns() into this host-like lab node first */
	bool ssh;		/* exit 255 means "unreachable" */
};

/* Run sp[i] for jobs[i]; a job whose state is not TSN_JOB_PENDING was
 * decided already and is only counted.  `timeout` in seconds (> 0). */
int tsn_run_spawn(struct tsn_job *jobs, const struct tsn_spawn *sp, size_t n,
		  unsigned concurrency, unsigned timeout,
		  const struct tsn_run_opts *opts);
/* Back to TSN_JOB_PENDING with empty output, keeping the inputs. */
void tsn_job_reset(struct tsn_job *job);

/* Append s single-quoted for a POSIX shell ('it'\''s'): how every
 * remote argument of the ssh transport is passed. */
int tsn_shell_quote(struct tsn_buf *b, const char *s);

/* True when the netns lab node NS looks like a host (TSN_LAB_RUN/NS/mnt
 * exists): the transport enters its mount and UTS namespaces too. */
bool tsn_lab_host_like(const char *ns);

#endif
