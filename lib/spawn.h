/* spawn.h - run a tool (no shell) and keep what it prints (lib/spawn.c).
 */
#ifndef TSN_SPAWN_H
#define TSN_SPAWN_H

#include <stddef.h>

#include "lib/util.h"

/* argv[0] looked up in /usr/sbin:/usr/bin:/sbin:/bin, LC_ALL=C, stdin
 * and stderr on /dev/null; stdout appended to out, at most max bytes,
 * the whole run bounded by timeout_ms between reads.  0 when it exited
 * 0; -ENOENT (no such tool), -ETIMEDOUT, -EFBIG, -EIO (it failed), or
 * -errno. */
int tsn_spawn_capture(char *const *argv, struct tsn_buf *out, size_t max,
		      int timeout_ms);

#endif
