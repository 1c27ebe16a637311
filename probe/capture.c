/* capture.c - a short libpcap capture on one interface while this node
 * makes some traffic of its own: the step enable-ipsec's proof
 * (enable/prove.c) and `tsnet verify`'s live capture (verify/) share.
 *
 * Opened in immediate mode and non-blocking, so the loop can stop on
 * time whatever arrives; an optional BPF filter keeps a busy host's
 * other traffic out of the capture (and out of a reply that carries it).
 * The caller's kick runs once, after a third of the window: the peers
 * start their own captures at about the same time, and theirs must be
 * open before our packets reach them.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "probe/probe.h"

int tsn_capture_open(struct tsn_capture *c, const char *ifname,
		     int snaplen, const char *filter, char *err)
{
	struct bpf_program prog;

	memset(c, 0, sizeof(*c));
	c->p = pcap_create(ifname, err);
	if (!c->p)
		return -EIO;
	if (pcap_set_snaplen(c->p, snaplen) ||
	    pcap_set_immediate_mode(c->p, 1) ||
	    pcap_set_timeout(c->p, 10) || pcap_activate(c->p) < 0)
		goto fail;
	if (filter) {
		if (pcap_compile(c->p, &prog, filter, 1,
				 PCAP_NETMASK_UNKNOWN) < 0)
			goto fail;
		if (pcap_setfilter(c->p, &prog) < 0) {
			pcap_freecode(&prog);
			goto fail;
		}
		pcap_freecode(&prog);
	}
	if (pcap_setnonblock(c->p, 1, err) < 0)
		goto fail_err;
	c->dlt = pcap_datalink(c->p);
	c->snaplen = snaplen;
	return 0;
fail:
	snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(c->p));
fail_err:
	pcap_close(c->p);
	c->p = NULL;
	return -EIO;
}

int tsn_capture_run(struct tsn_capture *c, unsigned ms, pcap_handler fn,
		    u_char *arg, void (*kick)(void *), void *kick_arg)
{
	double start = tsn_now(), end = start + ms / 1000.0;
	bool kicked = !kick;
	struct pollfd pfd = { .fd = pcap_get_selectable_fd(c->p),
			      .events = POLLIN };

	if (pfd.fd < 0)
		return -ENOTSUP;
	while (tsn_now() < end) {
		if (!kicked && tsn_now() > start + ms / 3000.0) {
			kick(kick_arg);
			kicked = true;
		}
		poll(&pfd, 1, 50);
		if (pcap_dispatch(c->p, 256, fn, arg) < 0)
			return -EIO;
	}
	return 0;
}

void tsn_capture_close(struct tsn_capture *c)
{
	if (c->p)
		pcap_close(c->p);
	c->p = NULL;
}
