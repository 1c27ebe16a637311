/* test_transport.c - the transports' command lines, built from real
 * inventories (ssh, netns, host-like lab nodes, local), the ssh quoting
 * proven by a real shell, secrets kept out of argv, tsn_run() on a
 * missing namespace, and 1 MiB of stdin through a real lab's transport
 * (run by tests/integration/test_transport.sh).  The engine that runs
 * the commands is tested in test_engine.c.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "tests/unit/transport_fixtures.h"

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
/* Every agent call carries the agent protocol, right after "agent". */
#define STR_(x) #x
#define STR(x) STR_(x)
#define PROTO STR(TSN_AGENT_PROTO)

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
		 "-l root -- 198.18.7.1 'tsnet' 'agent' '--proto' '" PROTO "' 'ping'",
		 dir);
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
		 "-- 198.18.7.1 '/usr/local/sbin/tsnet' 'agent' '--proto' "
		 "'" PROTO "' 'ping'", dir);
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
	for (i = 0; hostile[i]; i++) {
		tsn_buf_add(&want, hostile[i], strlen(hostile[i]) + 1);
		if (i == 0)	/* "agent": the protocol follows */
			tsn_buf_add(&want, "--proto\0" PROTO,
				    sizeof("--proto\0" PROTO));
	}
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
	snprintf(want, sizeof(want), "ip netns exec n1 %s agent --proto "
		 PROTO " ping",
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
	snprintf(want, sizeof(want), "%s agent --proto " PROTO " ping",
		 tsn_self_exe());
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
	cr_assert_str_eq(argv[2], "--proto");
	cr_assert_str_eq(argv[3], PROTO);
	cr_assert_null(argv[5]);
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

/* ---- progress ------------------------------------------------------------ */

static struct tsn_node prog_nodes[6];

static char *progress_of(struct tsn_job *jobs, size_t n)
{
	struct tsn_buf b = { 0 };

	cr_assert_eq(tsn_jobs_progress_line(&b, "enable-ipsec: loading",
					    jobs, n), 0);
	return b.p;
}

static void prog_job(struct tsn_job *j, size_t node, enum tsn_job_state st,
		     int status)
{
	snprintf(prog_nodes[node].name, sizeof(prog_nodes[node].name),
		 "db%zu", node + 1);
	j->node = &prog_nodes[node];
	j->state = st;
	j->exit_status = status;
}

/* The phase, the answered count and who is awaited; a node that failed
 * is named, never counted as answered. */
Test(progress, names_the_phase_and_the_pending)
{
	struct tsn_job j[6] = { 0 };
	char *s;

	prog_job(&j[0], 0, TSN_JOB_DONE, 0);
	prog_job(&j[1], 1, TSN_JOB_DONE, 1);	/* a check found a problem */
	prog_job(&j[2], 2, TSN_JOB_PENDING, 0);
	s = progress_of(j, 3);
	cr_assert_str_eq(s, "enable-ipsec: loading: 2 of 3 nodes, waiting on "
			 "db3");
	free(s);
	prog_job(&j[1], 1, TSN_JOB_UNREACHABLE, 0);
	s = progress_of(j, 3);
	cr_assert_str_eq(s, "enable-ipsec: loading: 1 of 3 nodes, waiting on "
			 "db3; failed: db2");
	free(s);
	prog_job(&j[1], 1, TSN_JOB_DONE, 3);	/* failed on the node */
	prog_job(&j[2], 2, TSN_JOB_TIMEOUT, 0);
	s = progress_of(j, 3);
	cr_assert_str_eq(s, "enable-ipsec: loading: 1 of 3 nodes; failed: "
			 "db2, db3");
	free(s);
}

/* Many pending: three named, the rest counted. */
Test(progress, many_pending)
{
	struct tsn_job j[6] = { 0 };
	char *s;

	for (size_t i = 0; i < 6; i++)
		prog_job(&j[i], i, i ? TSN_JOB_PENDING : TSN_JOB_DONE, 0);
	s = progress_of(j, 6);
	cr_assert_str_eq(s, "enable-ipsec: loading: 1 of 6 nodes, waiting on "
			 "db2, db3, db4 and 2 more");
	free(s);
}

/* Several jobs of one node (preflight runs three): one node, awaited
 * while any of its jobs is, failed when one failed. */
Test(progress, jobs_of_one_node_count_once)
{
	struct tsn_job j[6] = { 0 };
	char *s;

	prog_job(&j[0], 0, TSN_JOB_DONE, 1);
	prog_job(&j[1], 0, TSN_JOB_DONE, 0);
	prog_job(&j[2], 0, TSN_JOB_PENDING, 0);
	prog_job(&j[3], 1, TSN_JOB_DONE, 0);
	prog_job(&j[4], 1, TSN_JOB_ERROR, 0);
	prog_job(&j[5], 1, TSN_JOB_DONE, 0);
	s = progress_of(j, 6);
	cr_assert_str_eq(s, "enable-ipsec: loading: 0 of 2 nodes, waiting on "
			 "db1; failed: db2");
	free(s);
	prog_job(&j[2], 0, TSN_JOB_DONE, 0);
	s = progress_of(j, 3);
	cr_assert_str_eq(s, "enable-ipsec: loading: 1 of 1 node");
	free(s);
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
