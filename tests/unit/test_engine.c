/* test_engine.c - the transports' engine, driven through tsn_run_argv()
 * with real /bin/sh children: stdin delivery, separate stdout/stderr,
 * exit codes, timeouts, interrupts, the concurrency bound, the output
 * cap, exec failures, and that no descriptor or zombie is left behind;
 * and the one-line reasons a job's outcome is reported with.
 */
#include <dirent.h>
#include <signal.h>

#include "tests/unit/transport_fixtures.h"

#define N_MAX 16

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Running, not a zombie waiting for a reaper that (in a container
 * whose pid 1 is no init) may never come. */
static bool alive(pid_t pid)
{
	char path[64], *stat = NULL, *p;
	bool ret;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (tsn_read_file(path, 4096, &stat, NULL) < 0)
		return false;
	p = strrchr(stat, ')');
	ret = p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	free(stat);
	return ret;
}

/* Run shell scripts, one job each. */
static double run_sh(struct tsn_job *jobs, const char *const *scripts,
		     size_t n, unsigned conc, unsigned timeout)
{
	char *argvs[N_MAX][4];
	char **pv[N_MAX];
	double t0 = tsn_now();

	cr_assert(n <= N_MAX);
	for (size_t i = 0; i < n; i++) {
		argvs[i][0] = (char *)"/bin/sh";
		argvs[i][1] = (char *)"-c";
		argvs[i][2] = (char *)scripts[i];
		argvs[i][3] = NULL;
		pv[i] = argvs[i];
	}
	cr_assert_eq(tsn_run_argv(jobs, pv, n, conc, timeout, NULL), 0);
	return tsn_now() - t0;
}

Test(engine, stdout_stderr_exit_codes)
{
	const char *s[] = {
		"echo out; echo err >&2; exit 7",
		"printf 'a\\0b'",
		"kill -9 $$",
	};
	struct tsn_job jobs[3] = { 0 };
	char why[256];

	run_sh(jobs, s, 3, 0, 10);
	cr_assert_eq(jobs[0].state, TSN_JOB_DONE);
	cr_assert_eq(jobs[0].exit_status, 7);
	cr_assert_str_eq(jobs[0].out.p, "out\n");
	cr_assert_str_eq(jobs[0].err.p, "err\n");
	cr_assert_str_eq(tsn_job_reason(&jobs[0], why, sizeof(why)),
			 "exited 7: err");
	cr_assert_eq(jobs[1].state, TSN_JOB_DONE);
	cr_assert_eq(jobs[1].exit_status, 0);
	cr_assert_eq(jobs[1].out.len, 3, "binary output kept whole");
	cr_assert_eq(memcmp(jobs[1].out.p, "a\0b", 3), 0);
	cr_assert_eq(jobs[1].err.len, 0);
	cr_assert_eq(jobs[2].state, TSN_JOB_DONE);
	cr_assert_eq(jobs[2].exit_status, 128 + SIGKILL);
	/* Exit 255 means "unreachable" only for ssh. */
	free_jobs(jobs, 3);
	assert_no_children();
}

Test(engine, big_stdin_no_deadlock)
{
	/* The child writes 2 MiB before it reads a byte of its 1 MiB of
	 * input: both pipes fill up unless the engine serves both. */
	const char *s[] = {
		"head -c 2097152 /dev/zero; wc -c",
		"cat",
	};
	struct tsn_job jobs[2] = { 0 };
	size_t len = 1 << 20;
	char *in = malloc(len);

	cr_assert_not_null(in);
	for (size_t i = 0; i < len; i++)
		in[i] = (char)(i * 7 + i / 251);
	jobs[0].input = in;
	jobs[0].input_len = len;
	jobs[1].input = in;
	jobs[1].input_len = len;
	run_sh(jobs, s, 2, 2, 20);
	cr_assert_eq(jobs[0].state, TSN_JOB_DONE);
	cr_assert_eq(jobs[0].exit_status, 0);
	cr_assert_eq(jobs[0].out.len, 2097152 + strlen("1048576\n"));
	cr_assert_str_eq(jobs[0].out.p + 2097152, "1048576\n");
	cr_assert_eq(jobs[1].state, TSN_JOB_DONE);
	cr_assert_eq(jobs[1].out.len, len);
	cr_assert_eq(memcmp(jobs[1].out.p, in, len), 0, "stdin came back");
	free(in);
	free_jobs(jobs, 2);
}

Test(engine, no_input_means_eof_and_closed_stdin_is_fine)
{
	const char *s[] = {
		"cat; echo end",
		"exec 0<&-; echo early",
	};
	struct tsn_job jobs[2] = { 0 };
	static char big[4 << 20];

	/* The second child never reads: writing to it gets EPIPE, which
	 * must neither kill us (SIGPIPE) nor fail the job. */
	jobs[1].input = big;
	jobs[1].input_len = sizeof(big);
	run_sh(jobs, s, 2, 0, 10);
	cr_assert_eq(jobs[0].state, TSN_JOB_DONE);
	cr_assert_str_eq(jobs[0].out.p, "end\n");
	cr_assert_eq(jobs[1].state, TSN_JOB_DONE);
	cr_assert_eq(jobs[1].exit_status, 0);
	cr_assert_str_eq(jobs[1].out.p, "early\n");
	free_jobs(jobs, 2);
}

Test(engine, the_child_sees_default_signals)
{
	/* We ignore SIGPIPE and block SIGINT/SIGTERM while we run; the
	 * child must inherit neither, or pipelines on the node would never
	 * end and the timeout's SIGTERM would not land. */
	const char *s[] = { "grep -E '^Sig(Ign|Blk)' /proc/self/status" };
	struct tsn_job jobs[1] = { 0 };
	unsigned long blk, ign;

	run_sh(jobs, s, 1, 0, 10);
	cr_assert_eq(jobs[0].state, TSN_JOB_DONE);
	cr_assert_eq(sscanf(jobs[0].out.p, "SigBlk: %lx SigIgn: %lx", &blk,
			    &ign), 2, "%s", jobs[0].out.p);
	cr_assert_eq(ign & (1ul << (SIGPIPE - 1)), 0, "SIGPIPE ignored");
	cr_assert_eq(blk, 0, "signals blocked: %lx", blk);
	free_jobs(jobs, 1);
}

Test(engine, timeout_kills_the_hanging_one_only)
{
	const char *s[] = {
		"sleep 30 & echo $!; wait",
		"echo fast",
		"sleep 0.2; echo slower",
	};
	struct tsn_job jobs[3] = { 0 };
	char why[256];
	double took;
	pid_t grandchild;

	took = run_sh(jobs, s, 3, 0, 1);
	cr_assert_eq(jobs[0].state, TSN_JOB_TIMEOUT);
	cr_assert_str_eq(tsn_job_reason(&jobs[0], why, sizeof(why)),
			 "timed out after 1 s");
	cr_assert(took >= 1.0 && took < 2.5, "took %.2f s", took);
	cr_assert_eq(jobs[1].state, TSN_JOB_DONE);
	cr_assert_str_eq(jobs[1].out.p, "fast\n");
	cr_assert_eq(jobs[2].state, TSN_JOB_DONE);
	cr_assert_str_eq(jobs[2].out.p, "slower\n");
	cr_assert(jobs[2].elapsed < 1.0);
	/* The whole process group went, not only the shell. */
	grandchild = (pid_t)atoi(jobs[0].out.p);
	cr_assert_gt(grandchild, 1);
	for (int i = 0; i < 100 && alive(grandchild); i++)
		usleep(10000);
	cr_assert_not(alive(grandchild), "grandchild still alive");
	free_jobs(jobs, 3);
	assert_no_children();
}

/* An ssh master writes the session's last bytes into the pipes it was
 * passed after the client exited: output that follows the exit is
 * still collected, and a daemon that keeps the pipes open delays the
 * result by the grace only. */
Test(engine, output_after_exit)
{
	const char *s[] = {
		"(sleep 0.3; echo late) & echo early",
		"sleep 30 & echo $!",
	};
	struct tsn_job jobs[2] = { 0 };
	double took = run_sh(jobs, s, 2, 0, 20);
	pid_t daemon;

	cr_assert_eq(jobs[0].state, TSN_JOB_DONE);
	cr_assert_str_eq(jobs[0].out.p, "early\nlate\n");
	cr_assert_eq(jobs[1].state, TSN_JOB_DONE);
	cr_assert_eq(jobs[1].exit_status, 0);
	cr_assert(took > 1.9 && took < 3.5, "took %.2f s", took);
	daemon = (pid_t)atoi(jobs[1].out.p);
	cr_assert_gt(daemon, 1);
	kill(daemon, SIGKILL);
	free_jobs(jobs, 2);
}

/* Ctrl-C reaches only our process group: the engine must end its
 * children (each in a group of its own), start no more, and then die
 * of the same signal. */
Test(engine, interrupt_ends_children_then_us)
{
	char dir[] = "/tmp/tt-int-XXXXXX", script[512], path[300];
	const char *s[3];
	struct tsn_job jobs[3] = { 0 };
	int status, n = 0;
	pid_t pid, kids[2];
	char *text = NULL;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(script, sizeof(script), "echo $$ >> %s/pids; sleep 30", dir);
	s[0] = s[1] = s[2] = script;
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* as from a terminal: a job started in the background by a
		 * shell without job control inherits SIGINT ignored */
		signal(SIGINT, SIG_DFL);
		run_sh(jobs, s, 3, 2, 60);
		_exit(0);
	}
	snprintf(path, sizeof(path), "%s/pids", dir);
	for (int i = 0; i < 500 && n < 2; i++) {
		usleep(10000);
		n = 0;
		if ((f = fopen(path, "r"))) {
			while (n < 2 && fscanf(f, "%d", &kids[n]) == 1)
				n++;
			fclose(f);
		}
	}
	cr_assert_eq(n, 2, "the children did not start");
	kill(pid, SIGINT);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT,
		  "status %#x", status);
	for (int i = 0; i < 2; i++) {
		for (int k = 0; k < 100 && alive(kids[i]); k++)
			usleep(10000);
		cr_assert_not(alive(kids[i]), "child %d survived", kids[i]);
	}
	/* The third job was never started. */
	cr_assert_eq(tsn_read_file(path, 4096, &text, NULL), 0);
	n = 0;
	for (char *c = text; *c; c++)
		n += *c == '\n';
	cr_assert_eq(n, 2, "started after the interrupt: %s", text);
	free(text);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	cr_assert_eq(system(path), 0);
}

Test(engine, sigterm_ignored_gets_sigkill)
{
	const char *s[] = { "trap '' TERM; while :; do sleep 0.1; done" };
	struct tsn_job jobs[1] = { 0 };
	double took = run_sh(jobs, s, 1, 0, 1);

	cr_assert_eq(jobs[0].state, TSN_JOB_TIMEOUT);
	cr_assert(took >= 3.0 && took < 4.5, "took %.2f s", took);
	cr_assert(jobs[0].elapsed < 1.5, "elapsed is the time to the timeout");
	free_jobs(jobs, 1);
	assert_no_children();
}

Test(engine, concurrency_bound)
{
	/* Each child counts the children running at once in a file under
	 * flock(1) and records the highest count it saw. */
	char dir[] = "/tmp/tt-conc-XXXXXX", script[1024], path[300];
	const char *s[8];
	struct tsn_job jobs[8] = { 0 };
	char *max = NULL;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(script, sizeof(script),
		 "cd %s && flock l sh -c 'n=$(($(cat n 2>/dev/null || echo 0)"
		 " + 1)); echo $n > n; echo $n >> seen' && sleep 0.3 && "
		 "flock l sh -c 'echo $(($(cat n) - 1)) > n'", dir);
	for (size_t i = 0; i < 8; i++)
		s[i] = script;
	run_sh(jobs, s, 8, 3, 20);
	for (size_t i = 0; i < 8; i++)
		cr_assert_eq(jobs[i].state, TSN_JOB_DONE, "job %zu: %s", i,
			     jobs[i].err.p);
	snprintf(path, sizeof(path), "%s/seen", dir);
	cr_assert_eq(tsn_read_file(path, 4096, &max, NULL), 0);
	cr_assert_not_null(strchr(max, '3'), "never 3 at once: %s", max);
	for (char *p = max; *p; p++)
		cr_assert(*p == '\n' || (*p >= '1' && *p <= '3'),
			  "more than 3 at once: %s", max);
	free(max);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	cr_assert_eq(system(path), 0);
	free_jobs(jobs, 8);
}

Test(engine, output_cap)
{
	const char *s[] = { "exec yes", "exec yes >&2", "echo fine" };
	struct tsn_job jobs[3] = { 0 };
	char why[256];

	run_sh(jobs, s, 3, 0, 20);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(jobs[i].state, TSN_JOB_ERROR);
		cr_assert_eq(jobs[i].error, -EFBIG);
		cr_assert(jobs[i].truncated);
	}
	cr_assert_eq(jobs[0].out.len, TSN_OUTPUT_MAX);
	cr_assert_eq(jobs[1].err.len, TSN_OUTPUT_MAX);
	cr_assert_str_eq(tsn_job_reason(&jobs[0], why, sizeof(why)),
			 "output over 16 MiB, killed");
	cr_assert_eq(jobs[2].state, TSN_JOB_DONE);
	cr_assert_not(jobs[2].truncated);
	free_jobs(jobs, 3);
	assert_no_children();
}

Test(engine, exec_failure_is_an_error_with_errno)
{
	char *a0[] = { (char *)"/nonexistent/tt-prog", NULL };
	char plain[] = "/tmp/tt-plain-XXXXXX";
	char *a1[] = { plain, NULL };
	char *a2[] = { (char *)"tt-no-such-program-in-path", NULL };
	char **argvs[] = { a0, a1, a2 };
	struct tsn_job jobs[3] = { 0 };
	char why[256];
	int fd = mkstemp(plain);	/* mode 0600: not executable */

	cr_assert_geq(fd, 0);
	close(fd);

	cr_assert_eq(tsn_run_argv(jobs, argvs, 3, 0, 5, NULL), 0);
	cr_assert_eq(jobs[0].state, TSN_JOB_ERROR);
	cr_assert_eq(jobs[0].error, -ENOENT);
	cr_assert_str_eq(tsn_job_reason(&jobs[0], why, sizeof(why)),
			 "cannot run /nonexistent/tt-prog: No such file or "
			 "directory", "names what could not run");
	cr_assert_eq(jobs[1].state, TSN_JOB_ERROR);
	cr_assert_eq(jobs[1].error, -EACCES);
	unlink(plain);
	cr_assert_eq(jobs[2].state, TSN_JOB_ERROR);
	cr_assert_eq(jobs[2].error, -ENOENT);
	free_jobs(jobs, 3);
	assert_no_children();
}

Test(engine, no_fd_leaks_no_zombies)
{
	const char *s[] = {
		"cat >/dev/null; echo a",
		"sleep 10",
		"exit 3",
		"echo x >&2",
	};
	struct tsn_job jobs[4] = { 0 };
	char *bad[] = { (char *)"/nonexistent", NULL };
	char **argvs[] = { bad };
	int before = count_fds();

	jobs[0].input = "secret";
	jobs[0].input_len = 6;
	run_sh(jobs, s, 4, 2, 1);
	cr_assert_eq(jobs[1].state, TSN_JOB_TIMEOUT);
	cr_assert_eq(tsn_run_argv(jobs, argvs, 1, 0, 1, NULL), 0);
	cr_assert_eq(count_fds(), before, "descriptors leaked");
	assert_no_children();
	free_jobs(jobs, 4);
}

Test(engine, children_inherit_no_descriptors)
{
	/* Only 0, 1 and 2 (and the fd ls itself opens) in the child: no
	 * other job's pipe, or EOF would never come. */
	const char *s[] = { "ls /proc/self/fd", "sleep 0.2", "sleep 0.2" };
	struct tsn_job jobs[3] = { 0 };

	run_sh(jobs, s, 3, 3, 10);
	cr_assert_eq(jobs[0].state, TSN_JOB_DONE);
	cr_assert_str_eq(jobs[0].out.p, "0\n1\n2\n3\n", "%s", jobs[0].out.p);
	free_jobs(jobs, 3);
}

static void count_done(void *arg, const struct tsn_job *job, size_t ndone,
		       size_t total)
{
	size_t *seen = arg;

	cr_assert_eq(ndone, *seen + 1);
	cr_assert_eq(total, 3);
	cr_assert_neq(job->state, TSN_JOB_PENDING);
	(*seen)++;
}

Test(engine, done_callback_per_job)
{
	char *a[] = { (char *)"/bin/true", NULL };
	char *b[] = { (char *)"/nonexistent", NULL };
	char **argvs[] = { a, b, a };
	struct tsn_job jobs[3] = { 0 };
	size_t seen = 0;
	struct tsn_run_opts o = { .done = count_done, .done_arg = &seen };

	cr_assert_eq(tsn_run_argv(jobs, argvs, 3, 1, 5, &o), 0);
	cr_assert_eq(seen, 3);
	cr_assert_eq(tsn_run_argv(jobs, argvs, 0, 1, 5, &o), 0, "no jobs");
	free_jobs(jobs, 3);
}

Test(engine, exit_255_is_not_unreachable_without_ssh)
{
	const char *s[] = { "exit 255" };
	struct tsn_job jobs[1] = { 0 };

	run_sh(jobs, s, 1, 0, 5);
	cr_assert_eq(jobs[0].state, TSN_JOB_DONE);
	cr_assert_eq(jobs[0].exit_status, 255);
	free_jobs(jobs, 1);
}

Test(reason, formats)
{
	struct tsn_job j = { 0 };
	char why[256];

	j.state = TSN_JOB_UNREACHABLE;
	tsn_buf_puts(&j.err, "Warning: added key\r\n"
		     "ssh: connect to host 198.18.0.9 port 22: "
		     "Connection refused\r\n\n");
	cr_assert_str_eq(tsn_job_reason(&j, why, sizeof(why)),
			 "unreachable: ssh: connect to host 198.18.0.9 port 22:"
			 " Connection refused");
	tsn_buf_reset(&j.err);
	tsn_buf_puts(&j.err, "evil \x1b[31mred\x07");
	j.state = TSN_JOB_DONE;
	j.exit_status = 3;
	cr_assert_str_eq(tsn_job_reason(&j, why, sizeof(why)),
			 "exited 3: evil ?[31mred?", "control bytes escaped");
	tsn_buf_reset(&j.err);
	cr_assert_str_eq(tsn_job_reason(&j, why, sizeof(why)), "exited 3");
	j.state = TSN_JOB_ERROR;
	j.error = -EACCES;
	cr_assert_str_eq(tsn_job_reason(&j, why, sizeof(why)),
			 "cannot run: Permission denied");
	j.state = TSN_JOB_TIMEOUT;
	j.elapsed = 5.02;
	cr_assert_str_eq(tsn_job_reason(&j, why, sizeof(why)),
			 "timed out after 5 s");
	cr_assert_str_eq(tsn_job_reason(&j, why, 8), "timed o", "truncates");
	tsn_job_free(&j);
}
