/* sockdiag.c - the UDP sockets on a port, and the processes holding them.
 *
 * One SOCK_DIAG_BY_FAMILY dump per address family (inet_diag_req_v2,
 * IPPROTO_UDP, every state) through libmnl; the port is matched here, so
 * no bytecode filter is needed.  Each reply's inet_diag_msg is copied out
 * after its length is checked.  Socket inodes are unique on the host, so
 * a process found by its fd links is the holder even when it runs in
 * another network namespace's view of /proc.  The one place tsnet asks
 * who holds a UDP port: status, preflight and the probe listener.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/mnl_dump.h"
#include "lib/sockdiag.h"

struct walk {
	uint16_t port;
	int family;
	struct tsn_sock_owner *out;
	size_t max, n;
};

static int diag_cb(const struct nlmsghdr *nlh, void *data)
{
	struct walk *w = data;
	struct inet_diag_msg m;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(m))
		return MNL_CB_OK;	/* short: not a socket we can read */
	memcpy(&m, mnl_nlmsg_get_payload(nlh), sizeof(m));
	if (ntohs(m.id.idiag_sport) != w->port)
		return MNL_CB_OK;
	if (w->n < w->max)
		w->out[w->n] = (struct tsn_sock_owner){
			.port = w->port, .family = w->family,
			.inode = m.idiag_inode,
		};
	w->n++;
	return MNL_CB_OK;
}

static int dump_family(struct mnl_socket *nl, struct walk *w, unsigned seq)
{
	static char buf[32768];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)w->family;
	req->sdiag_protocol = IPPROTO_UDP;
	req->idiag_states = ~0u;
	return tsn_mnl_dump(nl, nlh, buf, sizeof(buf), diag_cb, w);
}

/* Does an fd of process pid (an entry's name in the proc directory)
 * link to want? */
static bool pid_holds(const char *proc, const char *pid, const char *want)
{
	char path[4096], link[64];
	struct dirent *d;
	bool found = false;
	DIR *dir;
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%.16s/fd", proc, pid) >=
	    sizeof(path) || !(dir = opendir(path)))
		return false;	/* gone, or not ours to look at */
	while (!found && (d = readdir(dir))) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%.16s/fd/%.32s",
				     proc, pid, d->d_name) >= sizeof(path))
			continue;
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			found = !strcmp(link, want);
		}
	}
	closedir(dir);
	return found;
}

void tsn_sock_owner_find(const char *proc, struct tsn_sock_owner *o)
{
	char want[48], path[4096];
	struct dirent *d;
	DIR *dir;
	FILE *f;

	o->pid = 0;
	o->comm[0] = '\0';
	/* inode 0: a socket being torn down, held by nobody */
	if (!o->inode || !(dir = opendir(proc)))
		return;
	snprintf(want, sizeof(want), "socket:[%lu]", o->inode);
	while ((d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]) ||
		    !pid_holds(proc, d->d_name, want))
			continue;
		o->pid = (pid_t)strtol(d->d_name, NULL, 10);
		snprintf(path, sizeof(path), "%s/%.16s/comm", proc, d->d_name);
		if ((f = fopen(path, "re"))) {
			if (fgets(o->comm, sizeof(o->comm), f))
				o->comm[strcspn(o->comm, "\n")] = '\0';
			fclose(f);
		}
		break;
	}
	closedir(dir);
}

int tsn_udp_socks(uint16_t port, struct tsn_sock_owner *out, size_t max)
{
	struct mnl_socket *nl = tsn_mnl_open(NETLINK_SOCK_DIAG);
	struct walk w = { .port = port, .out = out, .max = max };
	unsigned seq = (unsigned)time(NULL);
	int ret;

	if (!nl)
		return -errno;
	w.family = AF_INET;
	ret = dump_family(nl, &w, seq);
	w.family = AF_INET6;
	/* a kernel without IPv6 has no such sockets to list */
	if (!ret && (ret = dump_family(nl, &w, seq + 1)) == -ENOENT)
		ret = 0;
	mnl_socket_close(nl);
	return ret < 0 ? ret : (int)w.n;
}

int tsn_udp_owners(uint16_t port, struct tsn_sock_owner *out, size_t max)
{
	int n = tsn_udp_socks(port, out, max);

	for (int i = 0; i < n && (size_t)i < max; i++)
		tsn_sock_owner_find("/proc", &out[i]);
	return n;
}
