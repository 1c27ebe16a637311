/* lock.c - the cluster lock and the node lock (lock.h).
 *
 * flock() and not a pid file: the lock goes with its holder whatever
 * ends it (SIGKILL included), so there is never a stale lock to judge.
 * The file only says who holds it, for the refusal line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "lock.h"
#include "priv.h"
#include "util.h"

#define POLL_MS 100

char tsn_lock_coordinator[200];
unsigned tsn_lock_wait;

void tsn_lock_holder_line(char *buf, size_t len, const char *what)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;
	char when[32] = "?";

	if (uname(&u) < 0)
		snprintf(u.nodename, sizeof(u.nodename), "?");
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(buf, len, "pid %ld (tsnet %s) since %s on host %s",
		 (long)getpid(), what, when, u.nodename);
}

/* The pid that holds a flock() on fd's file, from /proc/locks; 0 when
 * none is found. */
static long lock_pid(int fd)
{
	struct stat st;
	char line[256];
	unsigned long ino;
	long pid, found = 0;
	FILE *f;

	if (fstat(fd, &st) < 0 || !(f = fopen("/proc/locks", "re")))
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned maj, min;

		if (sscanf(line, "%*s FLOCK %*s %*s %ld %x:%x:%lu", &pid, &maj,
			   &min, &ino) == 4 && ino == (unsigned long)st.st_ino &&
		    maj == major(st.st_dev) && min == minor(st.st_dev))
			found = pid;
	}
	fclose(f);
	return found;
}

/* Who holds it: the line the holder wrote, when the kernel agrees that
 * pid holds the lock; else what the kernel says (a process that could
 * only read the file, so wrote nothing: its pid, name and user). */
static void read_holder(int fd, char *busy, size_t len)
{
	ssize_t n = pread(fd, busy, len - 1, 0);
	long pid = lock_pid(fd), wrote = -1;
	char comm[32] = "?", path[64], *nl;
	struct stat st;
	FILE *f;

	busy[n > 0 ? n : 0] = '\0';
	if ((nl = strchr(busy, '\n')))
		*nl = '\0';
	sscanf(busy, "pid %ld ", &wrote);
	if (pid == 0 || wrote == pid) {
		if (!busy[0])
			snprintf(busy, len, "an unknown run");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((f = fopen(path, "re"))) {
		if (fgets(comm, sizeof(comm), f) && (nl = strchr(comm, '\n')))
			*nl = '\0';
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	snprintf(busy, len, "pid %ld (%s, uid %ld), not a tsnet run that "
		 "said who it is", pid, comm,
		 stat(path, &st) == 0 ? (long)st.st_uid : -1L);
}

/* fd is a lock file we can trust: a regular file of root's that only
 * root may open.  fd; -EBADFD (closed) with why in busy; -EAGAIN
 * (closed) when root removed a file others could open (an older
 * tsnet's, 0644): making it 0600 would not shut out who opened it
 * before, and could flock it, so a fresh one is made instead. */
static int check_file(int fd, const char *path, char *busy, size_t len)
{
	struct stat st, now;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0) {
		snprintf(busy, len, "%s: not a regular file owned by root, "
			 "so not one tsnet trusts as its lock (remove it)",
			 path);
		close(fd);
		return -EBADFD;
	}
	if (!(st.st_mode & 077) || geteuid() != 0)
		return fd;	/* not root: it cannot be replaced here */
	close(fd);
	/* only while the name is still that file: another run may have
	 * replaced it already */
	if (lstat(path, &now) == 0 && now.st_ino == st.st_ino &&
	    now.st_dev == st.st_dev && unlink(path) < 0 && errno != ENOENT) {
		snprintf(busy, len, "%s: others may open it (mode %03o), and "
			 "it cannot be removed: %s", path,
			 (unsigned)(st.st_mode & 0777), strerror(errno));
		return -errno;
	}
	return -EAGAIN;
}

static int open_lock(const char *path, bool read_ok, char *busy, size_t len)
{
	/* only root creates them: a file another user made is refused
	 * (check_file), so it would stop every later run until removed */
	int creat = geteuid() == 0 ? O_CREAT : 0;
	int fd;

	if (creat && mkdir(TSN_RUN_DIR, 0755) < 0 && errno != EEXIST) {
		snprintf(busy, len, "%s: %s", TSN_RUN_DIR, strerror(errno));
		return -errno;
	}
	/* O_CLOEXEC: a charon started under the lock must not keep it.
	 * 0600: a file others could open, others could flock, and so
	 * block every tsnet run.  O_NONBLOCK: a FIFO put there never
	 * holds us up (it is refused below). */
	fd = open(path, O_RDWR | creat | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		  0600);
	/* not root, but with the capability the action needs and
	 * CAP_DAC_READ_SEARCH (the file is root's, 0600): flock() works on
	 * a file opened for reading (the holder goes unwritten) */
	if (fd < 0 && errno == EACCES && read_ok)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;

		snprintf(busy, len, "%s: %s%s", path, strerror(err),
			 !creat && err == ENOENT ? " (only root creates it)" :
			 "");
		return -err;
	}
	return check_file(fd, path, busy, len);
}

/* Is fd still the file path names?  A lock on a file that was removed
 * (replaced, above) holds nothing back. */
static bool still_named(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && lstat(path, &b) == 0 &&
	       a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* flock fd within wait seconds: 0, -EBUSY (busy: the holder), -EIO. */
static int wait_lock(int fd, unsigned wait, char *busy, size_t len)
{
	const struct timespec nap = { 0, POLL_MS * 1000000L };
	unsigned long waited = 0;

	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(busy, len, "flock: %s", strerror(errno));
			return -EIO;
		}
		if (waited >= wait * 1000ul) {
			read_holder(fd, busy, len);
			return -EBUSY;
		}
		nanosleep(&nap, NULL);
		waited += POLL_MS;
	}
	return 0;
}

int tsn_lock_take(const char *name, const char *holder, unsigned wait,
		  bool read_ok, char *busy, size_t len)
{
	size_t hl = strlen(holder);
	char path[128];
	int fd = -EAGAIN, ret;

	snprintf(path, sizeof(path), "%s/%s", TSN_RUN_DIR, name);
	/* a few times: a file replaced (check_file) or removed while we
	 * waited is opened again */
	for (int tries = 0; tries < 5 && fd == -EAGAIN; tries++) {
		if ((fd = open_lock(path, read_ok, busy, len)) < 0)
			continue;
		if ((ret = wait_lock(fd, wait, busy, len)) < 0) {
			close(fd);
			return ret;
		}
		if (!still_named(fd, path)) {
			close(fd);
			fd = -EAGAIN;
		}
	}
	if (fd == -EAGAIN)
		snprintf(busy, len, "%s: replaced again and again while "
			 "taken", path);
	if (fd < 0)
		return fd;
	/* fd stays open (and locked) until the process exits */
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY)
		return 0;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, holder, hl, 0) != (ssize_t)hl ||
	    pwrite(fd, "\n", 1, (off_t)hl) != 1)
		tsn_warn(NULL, "%s: cannot record the holder: %s", path,
			 strerror(errno));
	return 0;
}

const char *tsn_node_lock_name(char *buf, size_t len)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		snprintf(buf, len, "%s", TSN_NODE_LOCK);
	else
		snprintf(buf, len, "node.net%lu.lock", (unsigned long)st.st_ino);
	return buf;
}

int tsn_ctx_lock(const struct tsn_ctx *ctx, const char *what, unsigned needs)
{
	char holder[sizeof(tsn_lock_coordinator)], busy[300];
	int ret;

	/* the coordinator's own need, before the lock: it changes firewalls
	 * and IPsec (its own too when it is a node); the nodes' needs are
	 * theirs to check, on the run's first call (--needs) */
	if (tsn_priv_missing(TSN_NEED_NET_ADMIN, NULL, busy, sizeof(busy))) {
		tsn_err(ctx->cmd, "needs %s; nothing was changed", busy);
		return TSN_EXIT_RUNTIME;
	}
	tsn_priv_needs = needs;
	tsn_lock_holder_line(holder, sizeof(holder), what ? what : ctx->cmd);
	ret = tsn_lock_take(TSN_CLUSTER_LOCK, holder, ctx->wait, false, busy,
			    sizeof(busy));
	if (ret == -EBUSY) {
		tsn_err(ctx->cmd, "another tsnet run changes this cluster: "
			"%s; nothing was changed (--wait SECONDS waits for "
			"it)", busy);
		return TSN_EXIT_RUNTIME;
	}
	if (ret == -EACCES || ret == -EPERM || ret == -EROFS) {
		tsn_err(ctx->cmd, "cluster lock: %s (a command that changes "
			"nodes runs as root); nothing was changed", busy);
		return TSN_EXIT_RUNTIME;
	}
	if (ret < 0) {
		tsn_err(ctx->cmd, "cluster lock: %s; nothing was changed", busy);
		return TSN_EXIT_RUNTIME;
	}
	snprintf(tsn_lock_coordinator, sizeof(tsn_lock_coordinator), "%s",
		 holder);
	tsn_lock_wait = ctx->wait;
	return 0;
}
