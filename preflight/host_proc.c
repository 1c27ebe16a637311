/* host_proc.c - reading the host for the checks: files under an
 * injectable root, processes by name, and which process holds a socket.
 *
 * Everything goes through tsn_host_path() so unit tests can hand the
 * checks a fake /proc, /sys, /etc tree.  /proc/PID/fd links are read, not
 * followed, so a fake tree can carry "socket:[INODE]" links that point
 * nowhere, exactly like the real ones.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preflight/host.h"

#define HOST_READ_MAX (4u << 20)	/* /proc/crypto is ~40 KiB */

int tsn_host_path(const struct tsn_host_opts *o, char *buf, size_t len,
		  const char *fmt, ...)
{
	const char *root = o && o->root ? o->root : "";
	va_list ap;
	int n, m;

	n = snprintf(buf, len, "%s", root);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - (size_t)n)
		return -ENAMETOOLONG;
	return 0;
}

int tsn_host_read(const struct tsn_host_opts *o, const char *path, char **out)
{
	char p[4096];
	int ret;

	ret = tsn_host_path(o, p, sizeof(p), "%s", path);
	if (ret < 0)
		return ret;
	return tsn_read_file(p, HOST_READ_MAX, out, NULL);
}

int tsn_host_read_int(const struct tsn_host_opts *o, const char *path, long *v)
{
	char *s = NULL, *nl, *end;
	int ret;

	ret = tsn_host_read(o, path, &s);
	if (ret < 0)
		return ret;
	nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	errno = 0;
	*v = strtol(s, &end, 10);
	/* sysctls are plain decimals; anything else is not what we think */
	if (!*s || *end || errno)
		ret = -EINVAL;
	free(s);
	return ret;
}

bool tsn_host_exists(const struct tsn_host_opts *o, const char *path)
{
	char p[4096];
	struct stat st;

	if (tsn_host_path(o, p, sizeof(p), "%s", path) < 0)
		return false;
	return lstat(p, &st) == 0;
}

int tsn_host_comm(const struct tsn_host_opts *o, pid_t pid, char *buf,
		  size_t len)
{
	char path[64], *s = NULL;
	size_t n;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	ret = tsn_host_read(o, path, &s);
	if (ret < 0)
		return ret;
	n = strcspn(s, "\n");
	s[n] = '\0';
	snprintf(buf, len, "%s", s);
	free(s);
	return 0;
}

static bool parse_pid(const char *s, pid_t *pid)
{
	unsigned v;

	if (tsn_parse_uint(s, 1, 0x7fffffff, &v) < 0)
		return false;
	*pid = (pid_t)v;
	return true;
}

int tsn_host_find_process(const struct tsn_host_opts *o,
			  const char *const *names, pid_t *pid,
			  const char **which)
{
	char path[4096], comm[64];
	struct dirent *de;
	DIR *d;
	int ret = -ENOENT;

	ret = tsn_host_path(o, path, sizeof(path), "/proc");
	if (ret < 0)
		return ret;
	d = opendir(path);
	if (!d)
		return -errno;
	ret = -ENOENT;
	while ((de = readdir(d))) {
		pid_t p;

		if (!parse_pid(de->d_name, &p))
			continue;
		/* the process may exit while we look: skip it */
		if (tsn_host_comm(o, p, comm, sizeof(comm)) < 0)
			continue;
		for (size_t i = 0; names[i]; i++) {
			if (strcmp(comm, names[i]))
				continue;
			*pid = p;
			if (which)
				*which = names[i];
			ret = 0;
			goto out;
		}
	}
out:
	closedir(d);
	return ret;
}

/* Does any fd of process pid link to "socket:[ino]"? */
const char *tsn_errno_str(int err, char *buf, size_t len)
{
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	snprintf(buf, len, "%s (%s)", name ? name : "E?", strerror(err));
	return buf;
}
