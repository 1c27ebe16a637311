/* test_transport.c - the transports' command lines and the engine.
 *
 * The engine is driven through tsn_run_argv() with real /bin/sh children:
 * stdin delivery, separate stdout/stderr, exit codes, timeouts, the
 * concurrency bound, the output cap, exec failures, and that no
 * descriptor or zombie is left behind.  The command lines are built from
 * real inventories and the ssh quoting is proven by a real shell.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/inventory.h"
#include "lib/transport.h"

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

static void assert_no_children(void)
{
	errno = 0;
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child is left");
	cr_assert_eq(errno, ECHILD, "a child is left: %s", strerror(errno));
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

static void free_jobs(struct tsn_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tsn_job_free(&jobs[i]);
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
			 "cannot run: No such file or directory");
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

/* ---- command lines ------------------------------------------------------- */

static void load(struct tsn_inventory *inv, const char *text)
{
	struct tsn_inv_diag diag = { 0 };

	cr_assert_eq(tsn_inventory_parse("tt.conf", text, strlen(text), inv,
					 &diag), 0, "%s", diag.error);
}

static char *joined(char **argv)
{
	struct tsn_buf b = { 0 };

	for (char **p = argv; *p; p++)
		tsn_buf_printf(&b, "%s%s", p == argv ? "" : " ", *p);
	return b.p;
}

static const char *const ping[] = { "agent", "ping", NULL };

Test(argv, ssh_defaults)
{
	struct tsn_inventory inv = { 0 };
	char dir[] = "/tmp/tt-xdg-XXXXXX", want[512], **argv, *s;

	cr_assert_not_null(mkdtemp(dir));	/* mode 0700 */
	setenv("XDG_RUNTIME_DIR", dir, 1);
	load(&inv, "[cluster]\nname = tt\ntransport = ssh\n"
		   "[node n1]\naddress = 198.18.7.1\n");
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[0], ping, &argv), 0);
	s = joined(argv);
	snprintf(want, sizeof(want),
		 "ssh -o BatchMode=yes -o ConnectTimeout=10 "
		 "-o ControlMaster=auto -o ControlPath=%s/tsnet-ssh-%%C "
		 "-o ControlPersist=60 -o ServerAliveInterval=5 "
		 "-l root -- 198.18.7.1 'tsnet' 'agent' 'ping'", dir);
	cr_assert_str_eq(s, want);
	free(s);
	tsn_argv_free(argv);
	/* A directory others can write to: no multiplexing at all. */
	cr_assert_eq(chmod(dir, 0777), 0);
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[0], ping, &argv), 0);
	s = joined(argv);
	cr_assert(strstr(s, " -o ControlMaster=no -o ControlPath=none "),
		  "%s", s);
	cr_assert_null(strstr(s, dir), "%s", s);
	free(s);
	tsn_argv_free(argv);
	rmdir(dir);
	unsetenv("XDG_RUNTIME_DIR");
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[0], ping, &argv), 0);
	cr_assert_str_eq(argv[8], "ControlPath=/run/tsnet/ssh/tsnet-ssh-%C");
	tsn_argv_free(argv);
	tsn_inventory_free(&inv);
}

Test(argv, ssh_overrides)
{
	struct tsn_inventory inv = { 0 };
	char dir[] = "/tmp/tt-xdg-XXXXXX", want[600], **argv, *s;

	cr_assert_not_null(mkdtemp(dir));
	setenv("XDG_RUNTIME_DIR", dir, 1);
	load(&inv, "[cluster]\nname = tt\ntransport = ssh\ntimeout = 4\n"
		   "ssh_user = ops\nssh_port = 2222\n"
		   "ssh_identity = /etc/tsnet/id_ed25519\n"
		   "ssh_options = StrictHostKeyChecking=yes "
		   "UserKnownHostsFile=/etc/tsnet/known_hosts\n"
		   "remote_tsnet = /usr/local/sbin/tsnet\n"
		   "[node n1]\naddress = 198.18.7.1\n"
		   "[node n2]\naddress = fd00:7473::2\nssh_user = admin\n"
		   "ssh_port = 22\nssh_host = n2.example\n"
		   "remote_tsnet = tsnet-dev\n");
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[0], ping, &argv), 0);
	s = joined(argv);
	snprintf(want, sizeof(want),
		 "ssh -o BatchMode=yes -o ConnectTimeout=4 "
		 "-o ControlMaster=auto -o ControlPath=%s/tsnet-ssh-%%C "
		 "-o ControlPersist=60 -o ServerAliveInterval=5 "
		 "-p 2222 -i /etc/tsnet/id_ed25519 -l ops "
		 "-o StrictHostKeyChecking=yes "
		 "-o UserKnownHostsFile=/etc/tsnet/known_hosts "
		 "-- 198.18.7.1 '/usr/local/sbin/tsnet' 'agent' 'ping'", dir);
	cr_assert_str_eq(s, want);
	free(s);
	tsn_argv_free(argv);
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[1], ping, &argv), 0);
	s = joined(argv);
	cr_assert(strstr(s, " -l admin "), "%s", s);
	cr_assert_null(strstr(s, "-p "), "port 22 is ssh's own: %s", s);
	cr_assert(strstr(s, " -- n2.example 'tsnet-dev' 'agent'"), "%s", s);
	free(s);
	tsn_argv_free(argv);
	tsn_inventory_free(&inv);
	rmdir(dir);
}

Test(argv, ssh_ipv6_literal)
{
	struct tsn_inventory inv = { 0 };
	char **argv;
	size_t i;

	load(&inv, "[cluster]\nname = tt\n[node n1]\naddress = fd00:7473::1\n");
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[0], ping, &argv), 0);
	for (i = 0; argv[i] && strcmp(argv[i], "--"); i++)
		;
	cr_assert_str_eq(argv[i + 1], "fd00:7473::1");
	tsn_argv_free(argv);
	tsn_inventory_free(&inv);
}

/* ssh joins the words after HOST with spaces and hands them to the
 * remote user's shell.  Do exactly that with a real shell and check
 * every hostile argument arrives as one unchanged word. */
Test(argv, ssh_quoting_survives_a_real_shell)
{
	static const char *const hostile[] = {
		"agent", "with space", "it's", "\"dq\"", "$(touch /tmp/tt-pwn)",
		"`touch /tmp/tt-pwn`", "a\nb; touch /tmp/tt-pwn", "'", "''",
		"", "$HOME", "*", "\\", "-x", "a'b'c\\'d", "; rm -rf /",
		"\t\r", "!event", "~root", NULL
	};
	struct tsn_inventory inv = { 0 };
	struct tsn_buf script = { 0 }, want = { 0 };
	struct tsn_job job = { 0 };
	char **argv, *sh[] = { (char *)"/bin/sh", (char *)"-c", NULL, NULL };
	char **argvs[] = { sh };
	size_t i;

	unlink("/tmp/tt-pwn");
	load(&inv, "[cluster]\nname = tt\n[node n1]\naddress = 198.18.7.1\n");
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[0], hostile, &argv),
		     0);
	for (i = 0; strcmp(argv[i], "--"); i++)
		;
	/* argv[i + 2] is 'tsnet': stand in a printer for it */
	tsn_buf_puts(&script, "printf '%s\\0'");
	for (i += 3; argv[i]; i++)
		tsn_buf_printf(&script, " %s", argv[i]);
	for (i = 0; hostile[i]; i++)
		tsn_buf_add(&want, hostile[i], strlen(hostile[i]) + 1);
	sh[2] = script.p;
	cr_assert_eq(tsn_run_argv(&job, argvs, 1, 1, 10, NULL), 0);
	cr_assert_eq(job.state, TSN_JOB_DONE);
	cr_assert_eq(job.exit_status, 0, "%s", job.err.p);
	cr_assert_eq(job.out.len, want.len, "%s", script.p);
	cr_assert_eq(memcmp(job.out.p, want.p, want.len), 0, "%s", script.p);
	cr_assert_neq(access("/tmp/tt-pwn", F_OK), 0, "injection ran");
	tsn_job_free(&job);
	tsn_buf_free(&script);
	tsn_buf_free(&want);
	tsn_argv_free(argv);
	tsn_inventory_free(&inv);
}

Test(argv, netns_and_local)
{
	struct tsn_inventory inv = { 0 };
	char **argv, *s, want[4200];

	load(&inv, "[cluster]\nname = tt\ntransport = netns\n"
		   "[node n1]\naddress = 198.18.7.1\n"
		   "[node n2]\naddress = 198.18.7.2\nnetns = tt-other\n"
		   "[node n3]\naddress = 198.18.7.3\n"
		   "remote_tsnet = /opt/tsnet\n");
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[0], ping, &argv), 0);
	s = joined(argv);
	snprintf(want, sizeof(want), "ip netns exec n1 %s agent ping",
		 tsn_self_exe());
	cr_assert_str_eq(s, want);
	free(s);
	tsn_argv_free(argv);
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[1], ping, &argv), 0);
	cr_assert_str_eq(argv[3], "tt-other");
	tsn_argv_free(argv);
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[2], ping, &argv), 0);
	cr_assert_str_eq(argv[4], "/opt/tsnet", "an absolute remote_tsnet");
	tsn_argv_free(argv);
	inv.cluster.transport = TSN_TRANSPORT_LOCAL;
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[0], ping, &argv), 0);
	s = joined(argv);
	snprintf(want, sizeof(want), "%s agent ping", tsn_self_exe());
	cr_assert_str_eq(s, want);
	free(s);
	tsn_argv_free(argv);
	tsn_inventory_free(&inv);
}

/* A host-like lab node is entered with setns(): the argv is the bare
 * program.  Needs root to create the marker under /run. */
Test(argv, netns_host_like)
{
	struct tsn_inventory inv = { 0 };
	char dir[128], mnt[160], **argv;
	int fd;

	if (geteuid() != 0)
		cr_skip_test("needs root for " TSN_LAB_RUN);
	snprintf(dir, sizeof(dir), TSN_LAB_RUN "/ttu%d", (int)getpid());
	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	cr_assert_eq(tsn_mkdir_p(dir, 0755), 0);
	fd = open(mnt, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	load(&inv, "[cluster]\nname = tt\ntransport = netns\n"
		   "[node n1]\naddress = 198.18.7.1\n");
	inv.nodes[0].netns = strdup(dir + strlen(TSN_LAB_RUN "/"));
	cr_assert(tsn_lab_host_like(inv.nodes[0].netns));
	cr_assert_not(tsn_lab_host_like("tt-none"));
	cr_assert_not(tsn_lab_host_like(".."));
	cr_assert_eq(tsn_transport_argv(&inv, &inv.nodes[0], ping, &argv), 0);
	cr_assert_str_eq(argv[0], tsn_self_exe());
	cr_assert_str_eq(argv[1], "agent");
	cr_assert_null(argv[3]);
	tsn_argv_free(argv);
	unlink(mnt);
	rmdir(dir);
	tsn_inventory_free(&inv);
}

/* Secrets travel on stdin: nothing of a job's input is in any argv. */
Test(argv, input_never_in_argv)
{
	static const char secret[] = "PSK-0sTtSecretBytes";
	struct tsn_inventory inv = { 0 };
	struct tsn_job job = { 0 };
	char **argv;

	load(&inv, "[cluster]\nname = tt\n[node n1]\naddress = 198.18.7.1\n");
	job.node = &inv.nodes[0];
	job.argv = ping;
	job.input = secret;
	job.input_len = sizeof(secret) - 1;
	for (int k = TSN_TRANSPORT_SSH; k <= TSN_TRANSPORT_LOCAL; k++) {
		inv.cluster.transport = k;
		cr_assert_eq(tsn_transport_argv(&inv, job.node, job.argv,
						&argv), 0);
		for (char **p = argv; *p; p++)
			cr_assert_null(strstr(*p, "0sTtSecret"), "%s", *p);
		tsn_argv_free(argv);
	}
	tsn_inventory_free(&inv);
}

/* tsn_run itself: a missing namespace is unreachable without a fork,
 * and the others still run.  (The local transport execs tsnet itself,
 * here the test binary: tests/integration/test_transport.sh covers it.) */
Test(run, missing_netns)
{
	static const char *const args[] = { "agent", "ping", NULL };
	struct tsn_inventory inv = { 0 };
	struct tsn_job jobs[2] = { 0 };
	char why[256];

	load(&inv, "[cluster]\nname = tt\ntransport = netns\n"
		   "[node n1]\naddress = 198.18.7.1\nnetns = tt-missing-ns\n"
		   "[node n2]\naddress = 198.18.7.2\nnetns = tt-missing-2\n");
	for (int i = 0; i < 2; i++) {
		jobs[i].node = &inv.nodes[i];
		jobs[i].argv = args;
	}
	cr_assert_eq(tsn_run(&inv, jobs, 2, NULL), 0);
	cr_assert_eq(jobs[0].state, TSN_JOB_UNREACHABLE);
	cr_assert_eq(jobs[1].state, TSN_JOB_UNREACHABLE);
	cr_assert_str_eq(tsn_job_reason(&jobs[0], why, sizeof(why)),
			 "unreachable: network namespace 'tt-missing-ns' does "
			 "not exist (no /run/netns/tt-missing-ns)");
	free_jobs(jobs, 2);
	tsn_inventory_free(&inv);
	assert_no_children();
}

/* ---- against a lab (run by tests/integration/test_transport.sh) ------- */

/* 1 MiB of stdin, NULs and quotes included, through the real transport
 * of a lab inventory (ssh with its multiplexing, or netns): every node
 * hashes exactly what we hashed here. */
Test(lab, stdin_reaches_every_node)
{
	static const char *const dash[] = { "-", NULL };
	const char *path = getenv("TSN_TEST_INVENTORY");
	char *local[] = { (char *)"sha256sum", NULL };
	char **argvs[] = { local };
	struct tsn_inv_diag diag = { 0 };
	struct tsn_inventory inv;
	struct tsn_job want = { 0 }, *jobs;
	size_t len = 1 << 20;
	char *in;

	if (!path)
		cr_skip_test("TSN_TEST_INVENTORY names a lab's inventory");
	cr_assert_eq(tsn_inventory_load(path, &inv, &diag), 0, "%s",
		     diag.error);
	in = malloc(len);
	jobs = calloc(inv.n_nodes, sizeof(*jobs));
	cr_assert(in && jobs);
	for (size_t i = 0; i < len; i++)
		in[i] = "\0'\"\n$x"[i % 6] ^ (char)(i >> 9);
	want.input = in;
	want.input_len = len;
	cr_assert_eq(tsn_run_argv(&want, argvs, 1, 1, 20, NULL), 0);
	cr_assert_eq(want.state, TSN_JOB_DONE);
	for (size_t i = 0; i < inv.n_nodes; i++) {
		free(inv.nodes[i].remote_tsnet);
		inv.nodes[i].remote_tsnet = strdup("/usr/bin/sha256sum");
		jobs[i].node = &inv.nodes[i];
		jobs[i].argv = dash;
		jobs[i].input = in;
		jobs[i].input_len = len;
	}
	cr_assert_eq(tsn_run(&inv, jobs, inv.n_nodes, NULL), 0);
	for (size_t i = 0; i < inv.n_nodes; i++) {
		cr_assert_eq(jobs[i].state, TSN_JOB_DONE, "%s: %s",
			     inv.nodes[i].name, jobs[i].err.p);
		cr_assert_eq(jobs[i].exit_status, 0, "%s", jobs[i].err.p);
		cr_assert_str_eq(jobs[i].out.p, want.out.p, "%s",
				 inv.nodes[i].name);
	}
	free_jobs(jobs, inv.n_nodes);
	tsn_job_free(&want);
	free(jobs);
	free(in);
	tsn_inventory_free(&inv);
}
