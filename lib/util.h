/* util.h - exit codes, error printing, strict numbers, buffers, files.
 *
 * The rule every folder keeps: internal functions return 0 or a
 * negative errno and never exit; only a command's *_main prints, through
 * tsn_err(), in one format: "tsnet: CMD: [NODE: ]what: why (hint)".
 */
#ifndef TSN_UTIL_H
#define TSN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Documented in man/tsnet.8, EXIT STATUS. */
enum {
	TSN_EXIT_OK = 0,	/* everything checked out */
	TSN_EXIT_PROBLEM = 1,	/* a check found a problem */
	TSN_EXIT_USAGE = 2,	/* usage or inventory error */
	TSN_EXIT_RUNTIME = 3,	/* unreachable node, netlink, privilege */
};

/* Every node runs the same tsnet: `tsnet nodes` compares this to what
 * each node's `tsnet agent ping` reports. */
#ifndef TSN_VERSION
#define TSN_VERSION "0.1"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define TSN_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Verbosity set by -q / -v; tsn_dbg prints only with -v. */
extern int tsn_verbose;
extern bool tsn_quiet;

/* "tsnet: CMD: message\n" on stderr.  cmd may be NULL (only before the
 * command is known).  The first message of the run is kept for
 * tsn_first_error(). */
void tsn_err(const char *cmd, const char *fmt, ...) TSN_PRINTF(2, 3);
/* With --json a failed command still leaves one JSON object on stdout:
 * main() prints {"command","error","exit"} with the first tsn_err()
 * message (NULL when there was none), unless the command printed its
 * result (a report that carries its own "exit") and said so with
 * tsn_result_printed(). */
const char *tsn_first_error(void);
void tsn_result_printed(void);
bool tsn_result_was_printed(void);
/* Same, prefixed "warning: ", suppressed by -q. */
void tsn_warn(const char *cmd, const char *fmt, ...) TSN_PRINTF(2, 3);
void tsn_dbg(const char *fmt, ...) TSN_PRINTF(1, 2);

/* Strict decimal parse of the whole string into [min, max]: no sign, no
 * spaces, no trailing bytes, no overflow.  0 or -EINVAL / -ERANGE. */
int tsn_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int tsn_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out);
/* One hex digit's value, or -1: digits and a-f, A-F only (isxdigit and
 * strtoul follow the locale, and strtoul and sscanf's %x take spaces, a
 * sign and "0x" too). */
int tsn_hexval(int c);
/* The whole string s, two hex digits a byte, into out: the number of
 * bytes, at most max, or -EINVAL (NULL, an odd length, not a hex digit)
 * or -E2BIG (more than max bytes). */
ssize_t tsn_hex_decode(const char *s, uint8_t *out, size_t max);

/* A growable byte buffer, always NUL-terminated when p != NULL. */
struct tsn_buf {
	char *p;
	size_t len;
	size_t cap;
};

int tsn_buf_add(struct tsn_buf *b, const void *data, size_t len);
int tsn_buf_puts(struct tsn_buf *b, const char *s);
int tsn_buf_printf(struct tsn_buf *b, const char *fmt, ...) TSN_PRINTF(2, 3);
int tsn_buf_vprintf(struct tsn_buf *b, const char *fmt, va_list ap);
void tsn_buf_reset(struct tsn_buf *b);
/* Overwrite the contents with zeros before freeing (secrets). */
void tsn_buf_free(struct tsn_buf *b);
void tsn_buf_wipe(struct tsn_buf *b);

/* Write a file atomically: temp file in the same directory, fsync, rename,
 * fsync the directory.  The file is created with mode (e.g. 0600) before a
 * byte is written, so a secret is never readable by others. */
int tsn_write_file_atomic(const char *path, const void *data, size_t len,
			  mode_t mode);
/* The same, written in pieces: open (the temp file, mode set), write any
 * number of times, then commit (fsync, rename, fsync the directory) or
 * abort (the temp file is removed).  For files too large to build in
 * memory first. */
struct tsn_atomic {
	int fd;
	const char *path;
	char tmp[4096];
};
int tsn_atomic_open(struct tsn_atomic *f, const char *path, mode_t mode);
int tsn_atomic_write(struct tsn_atomic *f, const void *data, size_t len);
int tsn_atomic_commit(struct tsn_atomic *f);
void tsn_atomic_abort(struct tsn_atomic *f);
/* Read a whole file of at most max bytes into a NUL-terminated buffer. */
int tsn_read_file(const char *path, size_t max, char **out, size_t *len);
/* The same from an open descriptor, to its end: an agent's request
 * comes on fd 0, which may be a pipe or a socket, on a host whose /dev
 * may have no stdin link (opening /dev/stdin: ENOENT there, ENXIO for a
 * socket). */
int tsn_read_fd(int fd, size_t max, char **out, size_t *len);
/* mkdir -p with mode for the directories it creates. */
int tsn_mkdir_p(const char *path, mode_t mode);

/* Levenshtein distance, for "did you mean" suggestions. */
unsigned tsn_edit_distance(const char *a, const char *b);

/* p[0..n) as 2n lowercase hex digits at out (no NUL written). */
void tsn_hex(char *out, const uint8_t *p, size_t n);

/* Wipe memory the compiler may not optimise away (keys). */
void tsn_memzero(void *p, size_t n);
/* This process holds keys: no core dump of it, and no ptrace or
 * /proc/PID/mem by another user (PR_SET_DUMPABLE 0).  0 or -errno. */
int tsn_no_core_dumps(void);

char *tsn_strdup(const char *s);	/* NULL-safe, NULL on ENOMEM */
bool tsn_streq(const char *a, const char *b);	/* NULL-safe */

/* Monotonic time in seconds. */
double tsn_now(void);

/* Path of the running tsnet binary (/proc/self/exe), for the local and
 * netns transports and the lab. */
const char *tsn_self_exe(void);

#endif
