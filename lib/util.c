/* util.c - error printing, strict number parsing, buffers and files. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int tsn_verbose;
bool tsn_quiet;

/* The first error of the run, for main()'s JSON error object.  Taken
 * once (threads may report at the same time), read after they ended. */
static char first_error[1024];
static bool first_taken;
static bool result_printed;

static void vmsg(const char *kind, const char *cmd, const char *fmt,
		 va_list ap)
{
	struct tsn_buf b = { 0 };
	size_t msg;

	/* Build the line first so concurrent writers never interleave it. */
	tsn_buf_puts(&b, "tsnet: ");
	if (cmd)
		tsn_buf_printf(&b, "%s: ", cmd);
	if (kind)
		tsn_buf_puts(&b, kind);
	msg = b.len;
	tsn_buf_vprintf(&b, fmt, ap);
	if (b.p && !kind && !__atomic_test_and_set(&first_taken,
						   __ATOMIC_ACQ_REL))
		snprintf(first_error, sizeof(first_error), "%s", b.p + msg);
	tsn_buf_puts(&b, "\n");
	if (b.p)
		fputs(b.p, stderr);
	tsn_buf_free(&b);
}

void tsn_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, cmd, fmt, ap);
	va_end(ap);
}

const char *tsn_first_error(void)
{
	return __atomic_load_n(&first_taken, __ATOMIC_ACQUIRE) ?
	       first_error : NULL;
}

void tsn_result_printed(void)
{
	result_printed = true;
}

bool tsn_result_was_printed(void)
{
	return result_printed;
}

void tsn_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (tsn_quiet)
		return;
	va_start(ap, fmt);
	vmsg("warning: ", cmd, fmt, ap);
	va_end(ap);
}

void tsn_dbg(const char *fmt, ...)
{
	va_list ap;

	if (tsn_verbose < 1)
		return;
	va_start(ap, fmt);
	vmsg("debug: ", NULL, fmt, ap);
	va_end(ap);
}

int tsn_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)	/* would overflow */
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int tsn_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;
	int ret = tsn_parse_u64(s, min, max, &v);

	if (ret < 0)
		return ret;
	*out = (unsigned)v;
	return 0;
}

int tsn_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t tsn_hex_decode(const char *s, uint8_t *out, size_t max)
{
	size_t n = s ? strlen(s) : 1;

	if (n % 2)
		return -EINVAL;
	if (n / 2 > max || n / 2 > SSIZE_MAX)
		return -E2BIG;	/* before any byte is written */
	for (size_t i = 0; i < n / 2; i++) {
		int hi = tsn_hexval(s[2 * i]), lo = tsn_hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (ssize_t)(n / 2);
}

static int buf_grow(struct tsn_buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->len + need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 128;
	while (cap < b->len + need + 1) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int tsn_buf_add(struct tsn_buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len) < 0)
		return -ENOMEM;
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int tsn_buf_puts(struct tsn_buf *b, const char *s)
{
	return tsn_buf_add(b, s, strlen(s));
}

int tsn_buf_vprintf(struct tsn_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	if (buf_grow(b, (size_t)n) < 0)
		return -ENOMEM;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int tsn_buf_printf(struct tsn_buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = tsn_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ret;
}

void tsn_buf_reset(struct tsn_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void tsn_buf_free(struct tsn_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void tsn_buf_wipe(struct tsn_buf *b)
{
	if (b->p)
		tsn_memzero(b->p, b->cap);
	tsn_buf_free(b);
}

void tsn_hex(char *out, const uint8_t *p, size_t n)
{
	static const char digit[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digit[p[i] >> 4];
		out[2 * i + 1] = digit[p[i] & 15];
	}
}

void tsn_memzero(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

static int fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, ret = 0;

	if (!slash) {
		strcpy(dir, ".");
	} else if (slash == path) {
		strcpy(dir, "/");
	} else {
		if ((size_t)(slash - path) >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int tsn_atomic_open(struct tsn_atomic *f, const char *path, mode_t mode)
{
	if (snprintf(f->tmp, sizeof(f->tmp), "%s.tmp.XXXXXX", path) >=
	    (int)sizeof(f->tmp))
		return -ENAMETOOLONG;
	f->path = path;
	/* mkstemp creates the file 0600: nobody else can open it, even
	 * before the fchmod to the final mode. */
	f->fd = mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	if (fchmod(f->fd, mode) < 0) {
		int ret = -errno;

		tsn_atomic_abort(f);
		return ret;
	}
	return 0;
}

int tsn_atomic_write(struct tsn_atomic *f, const void *data, size_t len)
{
	const char *p = data;
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(f->fd, p + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		off += (size_t)n;
	}
	return 0;
}

void tsn_atomic_abort(struct tsn_atomic *f)
{
	if (f->fd < 0)
		return;
	close(f->fd);
	unlink(f->tmp);
	f->fd = -1;
}

int tsn_atomic_commit(struct tsn_atomic *f)
{
	int ret = 0;

	if (fsync(f->fd) < 0)
		ret = -errno;
	if (close(f->fd) < 0 && !ret)
		ret = -errno;
	f->fd = -1;
	if (!ret && rename(f->tmp, f->path) < 0)
		ret = -errno;
	if (ret) {
		unlink(f->tmp);
		return ret;
	}
	return fsync_dir_of(f->path);
}

int tsn_write_file_atomic(const char *path, const void *data, size_t len,
			  mode_t mode)
{
	struct tsn_atomic f;
	int ret = tsn_atomic_open(&f, path, mode);

	if (ret)
		return ret;
	ret = tsn_atomic_write(&f, data, len);
	if (ret) {
		tsn_atomic_abort(&f);
		return ret;
	}
	return tsn_atomic_commit(&f);
}

int tsn_read_fd(int fd, size_t max, char **out, size_t *len)
{
	struct tsn_buf b = { 0 };
	char chunk[8192];
	int ret = 0;

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > max) {
			ret = -EFBIG;
			goto out;
		}
		if (tsn_buf_add(&b, chunk, (size_t)n) < 0) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (!b.p && tsn_buf_add(&b, "", 0) < 0)
		ret = -ENOMEM;
out:
	tsn_memzero(chunk, sizeof(chunk));	/* a request may hold keys */
	if (ret) {
		tsn_buf_free(&b);
		return ret;
	}
	*out = b.p;
	if (len)
		*len = b.len;
	return 0;
}

int tsn_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = tsn_read_fd(fd, max, out, len);
	close(fd);
	return ret;
}

int tsn_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(tmp, mode) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

unsigned tsn_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64 + 1];

	if (lb > 64)	/* suggestions are for short keys only */
		return UINT_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned v = diag + cost;

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
		}
	}
	return row[lb];
}

char *tsn_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

bool tsn_streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

double tsn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *tsn_self_exe(void)
{
	static char path[PATH_MAX];
	ssize_t n;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		return "tsnet";
	path[n] = '\0';
	return path;
}

int tsn_no_core_dumps(void)
{
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ? -errno : 0;
}
