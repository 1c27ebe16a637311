/* transport_engine.c - the engine behind tsn_run(): one poll() loop, no
 * threads, that forks up to `concurrency` children, feeds each its
 * stdin, collects its stdout and stderr, enforces the timeout and reaps
 * without blocking.
 *
 * Every child runs in its own process group so a timeout takes down the
 * whole tree (ssh, ip, tsnet and their children), and so the terminal's
 * Ctrl-C reaches only us: we then end the children ourselves.  Every
 * descriptor is close-on-exec; a child gets exactly 0, 1 and 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "transport.h"

#define KILL_GRACE 2.0		/* seconds between SIGTERM and SIGKILL */
#define EOF_GRACE 2.0		/* seconds for output after the exit */
#define CHUNK 65536
#define PROGRESS_MS 250		/* the progress line's redraw, at most */

enum { IN, OUT, ERR, PID, NFD };

struct proc {
	struct tsn_job *job;
	const struct tsn_spawn *sp;
	pid_t pid;		/* 0: slot free */
	int fd[NFD];		/* our ends of stdin/stdout/stderr, pidfd */
	size_t in_off;
	double start, deadline, kill_at, eof_by;
	bool killed, exited;
	int status;		/* from waitpid, once exited */
	int why;		/* 0, TSN_JOB_TIMEOUT or -EFBIG: we ended it */
	int start_error;	/* -errno the child reported before exec */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Between fork and exec: only async-signal-safe calls.  Failures go
 * back as errno through the close-on-exec pipe. */
static void __attribute__((noreturn))
child(const struct tsn_spawn *sp, int fds[3], int errfd, char nspath[3][PATH_MAX],
      const sigset_t *mask)
{
	static const int nstype[3] = { CLONE_NEWNET, CLONE_NEWUTS, CLONE_NEWNS };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int nsfd[3], e;

	setpgid(0, 0);
	/* An ignored signal stays ignored across exec, a blocked one
	 * blocked. */
	sigaction(SIGPIPE, &dfl, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* Move the pipes above 2 first: one of them may itself be 0-2 when
	 * our caller runs with a standard descriptor closed. */
	for (int i = 0; i < 3; i++)
		if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) < 0)
			goto fail;
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			goto fail;
	/* Whatever our caller left open without O_CLOEXEC stays here. */
	syscall(SYS_close_range, 3, ~0u, CLOSE_RANGE_CLOEXEC);
	if (sp->host_ns) {
		/* Open all three before entering any: after the mount
		 * namespace the paths may no longer be there. */
		for (int i = 0; i < 3; i++)
			if ((nsfd[i] = open(nspath[i], O_RDONLY | O_CLOEXEC)) < 0)
				goto fail;
		for (int i = 0; i < 3; i++)
			if (setns(nsfd[i], nstype[i]) < 0)
				goto fail;
		if (chdir("/") < 0)
			goto fail;
	}
	execvp(sp->argv[0], sp->argv);
	/* What could not run, on the job's stderr as a shell would say
	 * it: tsn_job_reason() names it (write and strlen are safe after
	 * fork). */
	e = errno;
	if (write(2, sp->argv[0], strlen(sp->argv[0])) < 0)
		_exit(127);
	errno = e;
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static int proc_start(struct proc *p, struct tsn_job *job,
		      const struct tsn_spawn *sp, unsigned timeout,
		      const sigset_t *mask)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int ep[2] = { -1, -1 }, fds[3], e = 0;
	char nspath[3][PATH_MAX];
	ssize_t r;
	int ret = 0;

	if (sp->host_ns) {
		snprintf(nspath[0], PATH_MAX, "/run/netns/%s", sp->host_ns);
		snprintf(nspath[1], PATH_MAX, "%s/%s/uts", TSN_LAB_RUN,
			 sp->host_ns);
		snprintf(nspath[2], PATH_MAX, "%s/%s/mnt", TSN_LAB_RUN,
			 sp->host_ns);
	}
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < NFD; i++)
		p->fd[i] = -1;
	p->job = job;
	p->sp = sp;
	p->start = tsn_now();
	p->deadline = p->start + timeout;
	p->pid = fork();
	if (p->pid < 0) {
		ret = -errno;
		p->pid = 0;
		goto out;
	}
	if (p->pid == 0) {
		fds[0] = in[0];
		fds[1] = out[1];
		fds[2] = err[1];
		child(sp, fds, ep[1], nspath, mask);
	}
	/* Both sides set the group, so a kill() right after fork works. */
	setpgid(p->pid, p->pid);
	close_fd(&ep[1]);
	do
		r = read(ep[0], &e, sizeof(e));
	while (r < 0 && errno == EINTR);
	if (r == sizeof(e))
		p->start_error = -e;
	p->fd[IN] = in[1];
	p->fd[OUT] = out[0];
	p->fd[ERR] = err[0];
	in[1] = out[0] = err[0] = -1;
	p->fd[PID] = (int)syscall(SYS_pidfd_open, p->pid, 0);
	for (int i = IN; i <= ERR; i++)
		fcntl(p->fd[i], F_SETFL, O_NONBLOCK);
	if (p->start_error || !job->input_len)
		close_fd(&p->fd[IN]);
out:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	return ret;
}

static void terminate(struct proc *p, int why, double now)
{
	if (p->kill_at)
		return;
	p->why = why;
	p->kill_at = now + KILL_GRACE;
	if (!p->exited)		/* once reaped, the pid may be another's */
		kill(-p->pid, SIGTERM);
}

static void feed(struct proc *p)
{
	const char *in = p->job->input;
	size_t left = p->job->input_len - p->in_off;
	ssize_t r;

	r = write(p->fd[IN], in + p->in_off, left < CHUNK ? left : CHUNK);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r > 0)
		p->in_off += (size_t)r;
	/* Done, or the child closed its stdin (EPIPE): either way, stop. */
	if (r < 0 || p->in_off == p->job->input_len)
		close_fd(&p->fd[IN]);
}

/* Read what is there: 1 got some, 0 none yet, -1 none will come. */
static int collect(struct proc *p, int which, double now)
{
	struct tsn_buf *b = which == OUT ? &p->job->out : &p->job->err;
	char chunk[CHUNK];
	size_t room = TSN_OUTPUT_MAX - b->len;
	ssize_t r;

	r = read(p->fd[which], chunk, sizeof(chunk));
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r > 0 && (size_t)r > room) {
		/* Past the cap: keep what fits, stop reading, end it.  A
		 * node cannot make the coordinator eat its memory. */
		tsn_buf_add(b, chunk, room);
		p->job->truncated = true;
		terminate(p, -EFBIG, now);
		r = 0;
	} else if (r > 0 && tsn_buf_add(b, chunk, (size_t)r) < 0) {
		terminate(p, -ENOMEM, now);
		r = 0;
	}
	if (r <= 0)
		close_fd(&p->fd[which]);
	return r > 0 ? 1 : -1;
}

static void finish(struct proc *p, double now)
{
	struct tsn_job *job = p->job;
	int status = p->status;

	while (p->fd[OUT] >= 0 && collect(p, OUT, now) > 0)
		;
	while (p->fd[ERR] >= 0 && collect(p, ERR, now) > 0)
		;
	for (int i = 0; i < NFD; i++)
		close_fd(&p->fd[i]);
	if (p->why != TSN_JOB_TIMEOUT)
		job->elapsed = now - p->start;
	if (p->why == TSN_JOB_TIMEOUT) {
		job->state = TSN_JOB_TIMEOUT;
	} else if (p->why < 0 || p->start_error) {
		job->state = TSN_JOB_ERROR;
		job->error = p->why < 0 ? p->why : p->start_error;
	} else if (WIFEXITED(status) && p->sp->ssh &&
		   WEXITSTATUS(status) == 255) {
		job->state = TSN_JOB_UNREACHABLE;
	} else {
		job->state = TSN_JOB_DONE;
		job->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
	}
	p->pid = 0;
}

static void reap(struct proc *p, double now)
{
	pid_t r;

	do
		r = waitpid(p->pid, &p->status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return;
	if (r < 0) {	/* reaped elsewhere (SIGCHLD ignored?) */
		p->status = 0;
		p->start_error = p->start_error ? p->start_error : -errno;
	}
	p->exited = true;
	p->eof_by = now + EOF_GRACE;
	close_fd(&p->fd[PID]);
	close_fd(&p->fd[IN]);
}

/* Timers, then a non-blocking reap.  True when the job is finished. */
static bool tick(struct proc *p, double now)
{
	if (!p->exited) {
		if (!p->kill_at && now >= p->deadline) {
			p->job->elapsed = now - p->start;
			terminate(p, TSN_JOB_TIMEOUT, now);
		}
		if (p->kill_at && !p->killed && now >= p->kill_at) {
			kill(-p->pid, SIGKILL);
			p->killed = true;
		}
		reap(p, now);
		if (!p->exited)
			return false;
	}
	/* The exit does not mean the output is all there: an ssh master
	 * holds the pipes it was passed and writes the session's last
	 * bytes after the client exited.  Wait for EOF, but only a little:
	 * a daemon the action started may hold them forever.  When we
	 * ended the job there is nothing more to wait for. */
	if (p->why || (p->fd[OUT] < 0 && p->fd[ERR] < 0) || now >= p->eof_by) {
		finish(p, now);
		return true;
	}
	return false;
}

static int wait_ms(const struct proc *procs, size_t nslots, double now)
{
	double next = -1;
	bool poll_pid = false;

	for (size_t i = 0; i < nslots; i++) {
		const struct proc *p = &procs[i];
		double t;

		if (!p->pid)
			continue;
		t = p->exited ? p->eof_by : p->killed ? -1 :
		    p->kill_at ? p->kill_at : p->deadline;
		if (t >= 0 && (next < 0 || t < next))
			next = t;
		if (!p->exited && p->fd[PID] < 0)
			poll_pid = true;
	}
	if (poll_pid && (next < 0 || next - now > 0.02))
		return 20;	/* no pidfd to wake us: look again soon */
	if (next < 0)
		return -1;
	return next <= now ? 0 : (int)((next - now) * 1000) + 1;
}

static void set_polls(const struct proc *p, struct pollfd *pfd)
{
	static const short ev[NFD] = { POLLOUT, POLLIN, POLLIN, POLLIN };

	for (int i = 0; i < NFD; i++) {
		pfd[i].fd = p->pid ? p->fd[i] : -1;
		pfd[i].events = ev[i];
		pfd[i].revents = 0;
	}
}

/* Each running child holds four of our descriptors. */
static unsigned fd_bound(unsigned conc)
{
	struct rlimit rl;
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return conc;
	room = rl.rlim_cur > 64 ? (rl.rlim_cur - 64) / (NFD + 2) : 1;
	return room < conc ? (room ? (unsigned)room : 1) : conc;
}

struct run {
	struct tsn_job *jobs;
	const struct tsn_spawn *sp;
	size_t n, next, ndone, running, nslots;
	unsigned timeout;
	const struct tsn_run_opts *opts;
	struct proc *procs;
	struct pollfd *pfd;
	int error;		/* the first local failure */
	int sigfd;		/* SIGINT, SIGTERM, SIGHUP arrive here */
	sigset_t mask;		/* the caller's signal mask, for children */
	int stop;		/* the signal that stops the run, or 0 */
	double drawn;		/* when the progress line was last drawn */
};

/* Redrawn when a job finishes (now), else at most every PROGRESS_MS. */
static void show_progress(struct run *run, bool now)
{
	double t = tsn_now();

	if (!run->opts || !run->opts->progress ||
	    (!now && t - run->drawn < PROGRESS_MS / 1000.0))
		return;
	run->drawn = t;
	tsn_jobs_progress(run->opts->progress, run->opts->what ?
			  run->opts->what : "", run->jobs, run->n);
}

static void job_done(struct run *run, const struct tsn_job *job)
{
	run->ndone++;
	if (run->opts && run->opts->done)
		run->opts->done(run->opts->done_arg, job, run->ndone, run->n);
	show_progress(run, true);
}

/* With a progress line, wake at least every PROGRESS_MS to redraw it. */
static int poll_ms(const struct run *run, int ms)
{
	if (!run->opts || !run->opts->progress)
		return ms;
	return ms < 0 || ms > PROGRESS_MS ? PROGRESS_MS : ms;
}

static void start_more(struct run *run)
{
	while (run->next < run->n && run->running < run->nslots) {
		struct tsn_job *job = &run->jobs[run->next];
		const struct tsn_spawn *sp = &run->sp[run->next++];
		struct proc *p = run->procs;
		int r;

		if (run->stop && job->state == TSN_JOB_PENDING) {
			job->state = TSN_JOB_ERROR;
			job->error = -EINTR;
		}
		if (job->state != TSN_JOB_PENDING) {	/* decided already */
			job_done(run, job);
			continue;
		}
		while (p->pid)
			p++;
		r = proc_start(p, job, sp, run->timeout, &run->mask);
		if (r < 0) {
			job->state = TSN_JOB_ERROR;
			job->error = r;
			run->error = run->error ? run->error : r;
			job_done(run, job);
			continue;
		}
		run->running++;
	}
}

volatile sig_atomic_t tsn_interrupted;
static bool guarded;

static void note_signal(int sig)
{
	if (!tsn_interrupted)
		tsn_interrupted = sig;
}

void tsn_run_guard(void)
{
	struct sigaction sa = { .sa_handler = note_signal };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	guarded = true;
}

void tsn_run_guard_note(const char *cmd)
{
	const char *name = sigabbrev_np(tsn_interrupted);

	if (tsn_interrupted)
		tsn_warn(cmd, "SIG%s came while this ran: it finished first, "
			 "so no node was left half changed", name ? name : "?");
}

/* Interrupted: children run in their own process groups, so the
 * terminal's SIGINT never reached them.  End them all before we go;
 * under tsn_run_guard() let them finish instead (a node's action half
 * done is what the guard is there to prevent) and start no more. */
static void interrupted(struct run *run, double now)
{
	struct signalfd_siginfo si;

	if (run->sigfd < 0 || run->pfd[run->nslots * NFD].revents == 0 ||
	    read(run->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (guarded) {
		note_signal((int)si.ssi_signo);
		if (!run->opts || !run->opts->finish)
			run->stop = (int)si.ssi_signo;
		return;
	}
	run->stop = (int)si.ssi_signo;
	for (size_t s = 0; s < run->nslots; s++)
		if (run->procs[s].pid)
			terminate(&run->procs[s], -EINTR, now);
}

static void service(struct run *run)
{
	double now = tsn_now();

	interrupted(run, now);
	for (size_t s = 0; s < run->nslots; s++) {
		struct proc *p = &run->procs[s];
		struct pollfd *f = &run->pfd[s * NFD];

		if (!p->pid)
			continue;
		if (f[IN].revents && p->fd[IN] >= 0)
			feed(p);
		if (f[OUT].revents && p->fd[OUT] >= 0)
			collect(p, OUT, now);
		if (f[ERR].revents && p->fd[ERR] >= 0)
			collect(p, ERR, now);
		if (tick(p, now)) {
			run->running--;
			job_done(run, p->job);
		}
	}
}

/* SIGINT and friends arrive on a descriptor while we run, and are
 * raised again once every child is gone. */
static void signals_begin(struct run *run)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, &run->mask);
	run->sigfd = signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK);
	if (run->sigfd < 0)
		sigprocmask(SIG_SETMASK, &run->mask, NULL);
}

static void signals_end(struct run *run)
{
	if (run->sigfd < 0)
		return;
	close(run->sigfd);
	sigprocmask(SIG_SETMASK, &run->mask, NULL);
	if (run->stop && !guarded) {
		raise(run->stop);
		run->error = -EINTR;	/* the caller handles the signal */
	}
}

int tsn_run_spawn(struct tsn_job *jobs, const struct tsn_spawn *sp, size_t n,
		  unsigned conc, unsigned timeout,
		  const struct tsn_run_opts *opts)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct run run = {
		.jobs = jobs, .sp = sp, .n = n, .timeout = timeout,
		.opts = opts, .sigfd = -1,
	};
	struct pollfd *sig;

	conc = fd_bound(conc ? conc : TSN_RUN_CONCURRENCY_DEFAULT);
	run.nslots = n < conc ? n : conc;
	run.procs = calloc(run.nslots + 1, sizeof(*run.procs));
	run.pfd = calloc((run.nslots + 1) * NFD, sizeof(*run.pfd));
	if (!run.procs || !run.pfd) {
		run.error = -ENOMEM;
		goto out;
	}
	sig = &run.pfd[run.nslots * NFD];
	/* A child that exits before reading its stdin must not kill us. */
	sigaction(SIGPIPE, &ign, &old);
	signals_begin(&run);
	while (run.ndone < n) {
		start_more(&run);
		if (!run.running)
			continue;
		for (size_t s = 0; s < run.nslots; s++)
			set_polls(&run.procs[s], &run.pfd[s * NFD]);
		*sig = (struct pollfd){ .fd = run.sigfd, .events = POLLIN };
		if (poll(run.pfd, run.nslots * NFD + 1, poll_ms(&run,
			 wait_ms(run.procs, run.nslots, tsn_now()))) < 0 &&
		    errno != EINTR) {
			run.error = run.error ? run.error : -errno;
			usleep(10000);	/* never spin, never abandon children */
		}
		service(&run);
		show_progress(&run, false);
	}
	signals_end(&run);
	sigaction(SIGPIPE, &old, NULL);
out:
	free(run.procs);
	free(run.pfd);
	return run.error;
}

void tsn_job_reset(struct tsn_job *job)
{
	job->state = TSN_JOB_PENDING;
	job->exit_status = 0;
	job->error = 0;
	job->elapsed = 0;
	job->truncated = false;
	tsn_buf_reset(&job->out);
	tsn_buf_reset(&job->err);
}

int tsn_run_argv(struct tsn_job *jobs, char **const *argvs, size_t n,
		 unsigned concurrency, unsigned timeout,
		 const struct tsn_run_opts *opts)
{
	struct tsn_spawn *sp = calloc(n ? n : 1, sizeof(*sp));
	int ret;

	if (!sp)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		tsn_job_reset(&jobs[i]);
		sp[i].argv = argvs[i];
	}
	ret = tsn_run_spawn(jobs, sp, n, concurrency,
			    timeout ? timeout : TSN_RUN_TIMEOUT_DEFAULT, opts);
	free(sp);
	return ret;
}

