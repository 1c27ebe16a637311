/* sockdiag.h - who holds a UDP port on this node (lib/sockdiag.c).
 *
 * The kernel lists its UDP sockets through NETLINK_SOCK_DIAG (inet_diag,
 * what `ss -uap` uses); each socket's inode is then found among the
 * open files in /proc/PID/fd.  `tsnet status` and preflight ask it of
 * UDP 500 and 4500 (charon must hold them, not another IKE daemon), the
 * probe listener of a port it could not bind.
 */
#ifndef TSN_SOCKDIAG_H
#define TSN_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tsn_sock_owner {
	uint16_t port;
	int family;		/* AF_INET, AF_INET6 */
	unsigned long inode;
	pid_t pid;		/* 0: no process we can see holds it */
	char comm[32];
};

/* The UDP sockets bound to local port `port`, IPv4 and IPv6, at most
 * max: how many were found (more than max are counted, not kept), or
 * -errno when the kernel cannot be asked.  pid and comm are left 0. */
int tsn_udp_socks(uint16_t port, struct tsn_sock_owner *out, size_t max);
/* The process holding o->inode, found among the fd links under proc
 * ("/proc", or a host root's): o->pid and o->comm, pid 0 when none we
 * can see. */
void tsn_sock_owner_find(const char *proc, struct tsn_sock_owner *o);
/* tsn_udp_socks(), each with its owner from /proc. */
int tsn_udp_owners(uint16_t port, struct tsn_sock_owner *out, size_t max);

#endif
