/* nft_listed.c - a rule as `nft -a list ruleset` prints it, so a problem
 * names the rule the way a person finds it in their ruleset: its text,
 * its comment, then "# handle N".
 *
 * Turning the kernel's expressions back into nft's syntax is nft's whole
 * delinearization (nft_text.c prints the register machine instead), so
 * we ask nft itself: `nft -a list chain FAMILY TABLE CHAIN`, no shell,
 * and keep the one line that ends in our handle.  Without nft the text
 * is simply unknown; table, chain and handle still name the rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/util.h"
#include "preflight/nft.h"

#define LISTING_MAX (16u << 20)	/* a chain of 100,000 rules */
#define LIST_TIMEOUT_MS 10000

/* Names go to nft as arguments: one that starts with '-' would be an
 * option, and a control character has no place in a listing. */
static bool name_ok(const char *s)
{
	if (!*s || *s == '-')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int run_nft(char *const *argv, struct tsn_buf *out)
{
	static char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	static char lc_env[] = "LC_ALL=C";
	char *env[] = { path_env, lc_env, NULL };
	posix_spawn_file_actions_t fa;
	char chunk[65536];
	int fds[2], ret, status;
	bool spawned;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	ret = -posix_spawnp(&pid, "nft", &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	spawned = ret == 0;
	while (ret == 0) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, LIST_TIMEOUT_MS) <= 0) {
			kill(pid, SIGKILL);	/* a hung nft */
			ret = -ETIMEDOUT;
			break;
		}
		n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len + (size_t)n > LISTING_MAX) {
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

/* The line "\t\tmeta l4proto esp drop comment \"x\" # handle 7": the
 * text between the indent and " # handle 7". */
static int find_line(const char *s, uint64_t handle, char *out, size_t len)
{
	char tail[40];
	size_t tl = (size_t)snprintf(tail, sizeof(tail), " # handle %llu",
				     (unsigned long long)handle);

	while (*s) {
		size_t n = strcspn(s, "\n");
		const char *t = s;

		while (t < s + n && (*t == '\t' || *t == ' '))
			t++;
		if (n >= tl && (size_t)(s + n - t) > tl &&
		    !memcmp(s + n - tl, tail, tl)) {
			snprintf(out, len, "%.*s", (int)(s + n - tl - t), t);
			return 0;
		}
		s += n + (s[n] == '\n');
	}
	return -ENOENT;
}

int tsn_nft_listed_rule(const char *family, const char *table,
			const char *chain, uint64_t handle, char *out,
			size_t len)
{
	char *argv[] = { (char *)"nft", (char *)"-a", (char *)"list",
			 (char *)"chain", (char *)family, (char *)table,
			 (char *)chain, NULL };
	struct tsn_buf b = { 0 };
	int ret;

	out[0] = '\0';
	if (!name_ok(family) || !name_ok(table) || !name_ok(chain) || !handle)
		return -EINVAL;
	ret = run_nft(argv, &b);
	if (!ret)
		ret = b.p ? find_line(b.p, handle, out, len) : -ENOENT;
	tsn_buf_free(&b);
	return ret;
}
