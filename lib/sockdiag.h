/* sockdiag.h - who holds a UDP port on this node (lib/sockdiag.c).
 *
 * The kernel lists its UDP sockets through NETLINK_SOCK_DIAG (inet_diag,
 * what `ss -uap` uses); each socket's inode is then found among the
 * open files in /proc/PID/fd.  `tsnet status` asks it of UDP 500 and
 * 4500: charon must hold them, not another IKE daemon.
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
 * -errno when the kernel cannot be asked. */
int tsn_udp_owners(uint16_t port, struct tsn_sock_owner *out, size_t max);

#endif
