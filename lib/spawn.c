/* spawn.c - run a tool without a shell and keep its standard output:
 * nft for a rule's text, iptables-legacy-save for the rules nftables
 * cannot see.  A tool that hangs is killed; one that talks too much is
 * cut off and killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/spawn.h"

#define FIXED_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* name looked up in FIXED_PATH, never the caller's PATH (posix_spawnp
 * searches that, not the child's env): -ENOENT where it is in none. */
static int resolve(const char *name, char *buf, size_t len)
{
	const char *dir = FIXED_PATH, *end;

	if (strchr(name, '/'))
		return (size_t)snprintf(buf, len, "%s", name) < len ? 0 :
		       -ENAMETOOLONG;
	for (; *dir; dir = *end ? end + 1 : end) {
		end = strchrnul(dir, ':');
		if ((size_t)snprintf(buf, len, "%.*s/%s", (int)(end - dir), dir,
				     name) < len && access(buf, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

int tsn_spawn_capture(char *const *argv, struct tsn_buf *out, size_t max,
		      int timeout_ms)
{
	static char path_env[] = "PATH=" FIXED_PATH;
	static char lc_env[] = "LC_ALL=C";
	char *env[] = { path_env, lc_env, NULL };
	posix_spawn_file_actions_t fa;
	char chunk[65536], exe[256];
	int fds[2], ret, status;
	bool spawned;
	pid_t pid;

	ret = resolve(argv[0], exe, sizeof(exe));
	if (ret < 0)
		return ret;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	ret = -posix_spawn(&pid, exe, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	spawned = ret == 0;
	while (ret == 0) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0) {
			kill(pid, SIGKILL);	/* a hung tool */
			ret = -ETIMEDOUT;
			break;
		}
		n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len + (size_t)n > max) {
			kill(pid, SIGKILL);
			ret = -EFBIG;
			break;
		}
		ret = tsn_buf_add(out, chunk, (size_t)n);
	}
	if (spawned) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (ret == 0 && (!WIFEXITED(status) || WEXITSTATUS(status)))
			ret = -EIO;
	}
	close(fds[0]);
	return ret;
}
