/* lock.h - one changing run at a time: the cluster lock a coordinator
 * takes for every command that changes a node, and the node lock each
 * changing agent action takes on its node.  Both are flock()s on files
 * under /run/tsnet that say who holds them; the kernel drops a lock when
 * its holder exits, however it exits, so a killed run leaves none.
 */
#ifndef TSN_LOCK_H
#define TSN_LOCK_H

#include <stdbool.h>
#include <stddef.h>

#define TSN_RUN_DIR "/run/tsnet"
#define TSN_CLUSTER_LOCK "cluster.lock"
#define TSN_NODE_LOCK "node.lock"	/* without /proc/self/ns/net */

/* The node lock's name: "node.net<inode>.lock", the inode of this
 * network namespace, so lab nodes that share one /run/tsnet (netns
 * transport without a mount namespace) do not block each other, while
 * two runs on one node (one namespace) still do.  Returns buf. */
const char *tsn_node_lock_name(char *buf, size_t len);

/* The holder line of this process: "pid 12 (tsnet enable-ipsec) since
 * 2026-12-07T23:10:05Z on host coord".  what is the command. */
void tsn_lock_holder_line(char *buf, size_t len, const char *what);

/* Take the lock NAME in TSN_RUN_DIR, waiting up to wait seconds, and
 * write holder into it.  The lock is held until the process exits.
 * read_ok: a caller that may not write the file (not root, but with the
 * capability its action needs) locks it opened for reading, and writes
 * no holder.  0; -EBUSY when another holds it (busy gets its holder
 * line, or what the kernel says holds it); other -errno (busy gets what
 * failed).  The file is root's, 0600, created only by root: anyone who
 * could open it could flock it and so block tsnet.  One that is not a
 * regular file of root's is refused (-EBADFD); one others could open
 * (an older tsnet's, 0644) root removes and makes anew, so an fd opened
 * before locks a file tsnet no longer uses. */
int tsn_lock_take(const char *name, const char *holder, unsigned wait,
		  bool read_ok, char *busy, size_t len);

/* Set by the coordinator once it holds the cluster lock: every agent
 * call then carries "--holder LINE --wait N", so a node lock names the
 * run it serves and waits as long as the coordinator was told to. */
extern char tsn_lock_coordinator[200];
extern unsigned tsn_lock_wait;

struct tsn_ctx;
/* The cluster lock for a command that changes nodes (what: "state
 * import", or NULL for ctx->cmd), once this process has CAP_NET_ADMIN;
 * needs (TSN_NEED_*, lib/priv.h) is what every node of the run must
 * have, which its first agent call checks.  0, or the exit status (3)
 * after one line naming what is missing or the holder. */
int tsn_ctx_lock(const struct tsn_ctx *ctx, const char *what, unsigned needs);

#endif
