/* mnl_dump.h - one netlink dump loop for every kernel table tsnet reads
 * (XFRM states and policies, sock_diag's sockets, nf_tables objects).
 *
 * libmnl's conventions throughout: 0 or a negative errno, never a
 * message left half-read.  A datagram larger than the caller's buffer
 * (MSG_TRUNC), trailing bytes too short to be a message, or an
 * NLMSG_ERROR are errors, the last with the errno the kernel gave.
 */
#ifndef TSN_MNL_DUMP_H
#define TSN_MNL_DUMP_H

#include <stddef.h>
#include <stdint.h>

struct mnl_socket;
struct nlmsghdr;

/* A netlink socket of `bus`, bound, with a 3 s receive timeout so a
 * kernel that never answers cannot hang the caller; NULL with errno
 * set. */
struct mnl_socket *tsn_mnl_open(int bus);

/* Send `req` (built at the start of buf; NLM_F_REQUEST | NLM_F_DUMP are
 * added) and pass every reply to cb, as mnl_cb_run() does, reading into
 * buf[0, len) until NLMSG_DONE.  At most TSN_MNL_DUMP_CAP datagrams: a
 * kernel that keeps talking ends in -EOVERFLOW. */
#define TSN_MNL_DUMP_CAP 100000
int tsn_mnl_dump(struct mnl_socket *nl, struct nlmsghdr *req, char *buf,
		 size_t len, int (*cb)(const struct nlmsghdr *nlh, void *data),
		 void *data);

/* One received datagram of n bytes through cb: 1 when the dump is done
 * (NLMSG_DONE, or cb said stop), 0 when more is to come, or -errno.
 * Apart for the unit tests, which feed it hostile bytes. */
int tsn_mnl_run(const char *buf, size_t n, uint32_t seq, uint32_t portid,
		int (*cb)(const struct nlmsghdr *nlh, void *data),
		void *data);

#endif
