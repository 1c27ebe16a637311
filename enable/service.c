/* service.c - make sure charon runs, and stop it only if tsnet started it.
 *
 * Where systemd is PID 1, strongSwan is a unit: `systemctl enable --now`
 * keeps it across reboots.  Elsewhere (containers, the lab) charon is
 * started directly, as a proper daemon in a session of its own so it
 * outlives the agent and its transport.  Either way we wait until the
 * VICI socket answers `version`, the only proof charon is usable.
 * Commands are spawned without a shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "enable/ipsec.h"

extern char **environ;

#define START_TIMEOUT 15.0	/* seconds for charon to answer on VICI */
#define CHARON_PID "/run/charon.pid"

const char *tsn_svc_name(enum tsn_svc s)
{
	return s == TSN_SVC_SYSTEMD ? "systemd" :
	       s == TSN_SVC_CHARON ? "charon" : "none";
}

enum tsn_svc tsn_svc_parse(const char *s)
{
	if (tsn_streq(s, "systemd"))
		return TSN_SVC_SYSTEMD;
	if (tsn_streq(s, "charon"))
		return TSN_SVC_CHARON;
	return TSN_SVC_NONE;
}

bool tsn_svc_systemd(void)
{
	char *comm = NULL;
	size_t len;
	struct stat st;
	bool yes;

	if (tsn_read_file("/proc/1/comm", 64, &comm, &len) < 0)
		return false;
	yes = !strcmp(comm, "systemd\n") && stat("/run/systemd/system", &st) == 0;
	free(comm);
	return yes;
}

int tsn_svc_version(char *version, size_t len)
{
	struct tsn_vici v;
	struct tsn_vici_el resp;
	int ret;

	if ((ret = tsn_vici_connect(&v, NULL)) < 0)
		return ret;
	v.timeout_ms = 3000;
	ret = tsn_vici_call(&v, "version", NULL, NULL, NULL, NULL, &resp);
	if (ret == 0) {
		const char *s = tsn_vici_str(&resp, "version");

		if (version)
			snprintf(version, len, "%s", s ? s : "?");
		tsn_vici_el_free(&resp);
	}
	tsn_vici_close(&v);
	return ret;
}

static int wait_vici(void)
{
	double end = tsn_now() + START_TIMEOUT;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int ret;

	while ((ret = tsn_svc_version(NULL, 0)) < 0 && tsn_now() < end)
		nanosleep(&ts, NULL);
	return ret;
}

int tsn_svc_run(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, ret;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	ret = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -ret;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static const char *unit_name(bool legacy)
{
	return legacy ? "strongswan-starter" : "strongswan";
}

static const char *charon_path(void)
{
	static const char *const paths[] = {
		"/usr/lib/ipsec/charon",
		"/usr/libexec/strongswan/charon",
		"/usr/libexec/ipsec/charon",
	};

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* The classic double fork: the daemon gets its own session, is no child
 * of ours (so never a zombie of the agent), and holds none of our fds. */
static int spawn_daemon(const char *path)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd;

		if (setsid() < 0 || (pid = fork()) < 0)
			_exit(127);
		if (pid > 0)
			_exit(0);
		fd = open("/dev/null", O_RDWR);
		if (fd < 0 || chdir("/") < 0)
			_exit(127);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		closefrom(3);
		umask(022);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

int tsn_svc_start(bool legacy, enum tsn_svc *how, char *err, size_t errlen)
{
	const char *path;
	int ret;

	*how = TSN_SVC_NONE;
	if (tsn_svc_version(NULL, 0) == 0)
		return 0;
	if (tsn_svc_systemd()) {
		static char sc[] = "systemctl", en[] = "enable",
			    now[] = "--now";
		char *argv[] = { sc, en, now, (char *)unit_name(legacy),
				 NULL };

		*how = TSN_SVC_SYSTEMD;
		if ((ret = tsn_svc_run(argv)) != 0) {
			snprintf(err, errlen, "systemctl enable --now %s: %s",
				 argv[3], ret < 0 ? strerror(-ret) :
				 "failed (see journalctl)");
			return ret < 0 ? ret : -EIO;
		}
	} else {
		if (!(path = charon_path())) {
			snprintf(err, errlen, "charon not found (install "
				 "strongswan-charon)");
			return -ENOENT;
		}
		*how = TSN_SVC_CHARON;
		if ((ret = spawn_daemon(path)) < 0) {
			snprintf(err, errlen, "cannot start %s: %s", path,
				 strerror(-ret));
			return ret;
		}
	}
	if ((ret = wait_vici()) < 0) {
		snprintf(err, errlen, "charon does not answer on "
			 TSN_VICI_SOCKET " after %.0f s: %s (see its log)",
			 START_TIMEOUT, strerror(-ret));
		tsn_svc_stop(*how, legacy);
		return ret;
	}
	return 0;
}

static int stop_charon(void)
{
	char *txt = NULL;
	size_t len;
	unsigned pid;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	double end;
	int ret;

	if ((ret = tsn_read_file(CHARON_PID, 32, &txt, &len)) < 0)
		return ret == -ENOENT ? 0 : ret;
	if (len && txt[len - 1] == '\n')
		txt[len - 1] = '\0';
	ret = tsn_parse_uint(txt, 2, 4194304, &pid);
	free(txt);
	if (ret < 0)
		return ret;
	/* a charon that died left its pid file: remove it, or the next
	 * charon refuses to start */
	if (kill((pid_t)pid, SIGTERM) < 0)
		return errno == ESRCH ? unlink(CHARON_PID), 0 : -errno;
	for (end = tsn_now() + 10; tsn_now() < end; nanosleep(&ts, NULL))
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			return 0;
	kill((pid_t)pid, SIGKILL);
	unlink(CHARON_PID);
	return 0;
}

int tsn_svc_stop(enum tsn_svc how, bool legacy)
{
	static char sc[] = "systemctl", dis[] = "disable", now[] = "--now";
	char *argv[] = { sc, dis, now, (char *)unit_name(legacy), NULL };

	if (how == TSN_SVC_SYSTEMD)
		return tsn_svc_run(argv) == 0 ? 0 : -EIO;
	if (how == TSN_SVC_CHARON)
		return stop_charon();
	return 0;
}
