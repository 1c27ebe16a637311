/* listen.c - `tsnet agent tput-listen`: the serving end of one pair.
 *
 * Binds the cluster address and the port of the request, then serves the
 * sender's connections in one poll() loop until it says quit: counts
 * what the sender writes (and answers the count), writes for as long as
 * a hello asks, echoes pings.  Only the peer's address with the pair's
 * token is served; anything else is closed and counted.  The CPU is
 * sampled when the first data connection opens and whenever the last
 * one closes: the window the sender measured in.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/json.h"
#include "lib/util.h"
#include "throughput/throughput.h"

#define CONNS_MAX (2 * TSN_TPUT_STREAMS_MAX + 8)
#define CHUNK (128u << 10)

struct conn {
	int fd;
	uint8_t hello[TSN_TPUT_HELLO_LEN];
	size_t have;		/* hello bytes so far */
	struct tsn_tput_hello h;
	bool ready;		/* hello read */
	bool wr_done;		/* TO_SENDER: shut down our side */
	double until;		/* TO_SENDER: write until */
	uint64_t bytes;
};

struct server {
	const struct tsn_tput_req *rq;
	int lfd;
	struct conn c[CONNS_MAX];
	size_t n;
	unsigned active;	/* data connections open */
	unsigned foreign;	/* connections refused */
	bool quit, sampled;
	bool served;		/* a hello of the pair's came */
	struct tsn_tput_sample s0, s1;
	uint64_t bytes_in, bytes_out;
	double start, end;
};

static uint8_t chunk[CHUNK];

static int open_listener(const struct tsn_tput_req *rq, char *why,
			 size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = tsn_tput_sockaddr(&rq->addr, rq->port, &ss);
	int one = 1, fd = socket(rq->addr.family, SOCK_STREAM | SOCK_CLOEXEC |
				 SOCK_NONBLOCK, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				 sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0) {
		int e = errno;

		snprintf(why, len, "TCP port %u on this node's cluster "
			 "address: %s%s", rq->port, strerror(e),
			 e == EADDRINUSE ? " (another program holds it: "
			 "--port picks another)" : "");
		if (fd >= 0)
			close(fd);
		return -e;
	}
	return fd;
}

static bool from_peer(const struct tsn_tput_req *rq,
		      const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET && rq->peer_addr.family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)ss)->sin_addr,
			       &rq->peer_addr.v4, 4);
	if (ss->ss_family == AF_INET6 && rq->peer_addr.family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr,
			       &rq->peer_addr.v6, 16);
	return false;
}

static void do_accept(struct server *sv)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = accept4(sv->lfd, (struct sockaddr *)&ss, &sl,
			 SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (!from_peer(sv->rq, &ss) || sv->n == CONNS_MAX) {
		sv->foreign++;
		close(fd);
		return;
	}
	sv->c[sv->n++] = (struct conn){ .fd = fd };
}

static void data_open(struct server *sv)
{
	if (sv->active++ == 0 && !sv->sampled) {
		tsn_tput_sample(&sv->s0);
		sv->sampled = true;
	}
}

static void data_close(struct server *sv)
{
	if (--sv->active == 0) {
		tsn_tput_sample_free(&sv->s1);
		tsn_tput_sample(&sv->s1);
	}
}

static void drop(struct server *sv, size_t i)
{
	struct conn *c = &sv->c[i];

	if (c->ready && (c->h.kind == TSN_TPUT_TO_LISTENER ||
			 c->h.kind == TSN_TPUT_TO_SENDER))
		data_close(sv);
	close(c->fd);
	sv->c[i] = sv->c[--sv->n];
}

/* The hello: all 20 bytes, ours, with the pair's token. */
static int read_hello(struct server *sv, struct conn *c)
{
	ssize_t n = read(c->fd, c->hello + c->have, sizeof(c->hello) - c->have);

	if (n <= 0)
		return n == 0 || errno != EAGAIN ? -1 : 0;
	c->have += (size_t)n;
	if (c->have < sizeof(c->hello))
		return 0;
	if (tsn_tput_hello_parse(c->hello, c->have, &c->h) < 0 ||
	    memcmp(c->h.token, sv->rq->token, 8)) {
		sv->foreign++;
		return -1;
	}
	c->ready = true;
	sv->served = true;
	if (c->h.kind == TSN_TPUT_QUIT)
		sv->quit = true;
	if (c->h.kind == TSN_TPUT_TO_LISTENER || c->h.kind == TSN_TPUT_TO_SENDER)
		data_open(sv);
	c->until = tsn_now() + c->h.ms / 1000.0;
	return 0;
}

static int put_u64(int fd, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	return send(fd, b, 8, MSG_NOSIGNAL) == 8 ? 0 : -1;
}

/* 0 to keep the connection, -1 to close it. */
static int serve_in(struct server *sv, struct conn *c)
{
	uint8_t buf[TSN_TPUT_PING_LEN * 16];
	ssize_t n;

	if (!c->ready)
		return read_hello(sv, c);
	if (c->h.kind == TSN_TPUT_TO_LISTENER) {
		n = read(c->fd, chunk, sizeof(chunk));
		if (n > 0) {
			c->bytes += (size_t)n;
			sv->bytes_in += (size_t)n;
			return 0;
		}
		if (n < 0 && errno == EAGAIN)
			return 0;
		/* the sender is done: what arrived, for its rate */
		if (n == 0)
			put_u64(c->fd, c->bytes);
		return -1;
	}
	n = read(c->fd, buf, sizeof(buf));
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		return -1;
	/* pings are tiny: the echo fits the socket buffer at once */
	if (c->h.kind == TSN_TPUT_PING && send(c->fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
		return -1;
	return 0;
}

static int serve_out(struct server *sv, struct conn *c)
{
	ssize_t n;

	if (tsn_now() >= c->until) {
		shutdown(c->fd, SHUT_WR);	/* the sender reads to EOF */
		c->wr_done = true;
		return 0;
	}
	n = send(c->fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	c->bytes += (size_t)n;
	sv->bytes_out += (size_t)n;
	return 0;
}

static short events(const struct conn *c)
{
	if (c->ready && c->h.kind == TSN_TPUT_TO_SENDER && !c->wr_done)
		return POLLIN | POLLOUT;
	return POLLIN;
}

/* Until the sender says quit, or the deadline; a sender that never
 * came (a firewall drops its SYNs) is given up after its own wait. */
static void loop(struct server *sv, double deadline, double first_by)
{
	struct pollfd pfd[CONNS_MAX + 1];

	while (!sv->quit && tsn_now() < deadline &&
	       (sv->served || tsn_now() < first_by)) {
		pfd[0] = (struct pollfd){ .fd = sv->lfd, .events = POLLIN };
		for (size_t i = 0; i < sv->n; i++)
			pfd[i + 1] = (struct pollfd){ .fd = sv->c[i].fd,
						      .events = events(&sv->c[i]) };
		if (poll(pfd, sv->n + 1, 200) <= 0)
			continue;
		/* backwards: drop() moves the last connection into i */
		for (size_t i = sv->n; i-- > 0;) {
			short re = pfd[i + 1].revents;
			int r = 0;

			if (re & POLLOUT)
				r = serve_out(sv, &sv->c[i]);
			if (!r && (re & (POLLIN | POLLHUP | POLLERR)))
				r = serve_in(sv, &sv->c[i]);
			if (r < 0)
				drop(sv, i);
		}
		if (pfd[0].revents & POLLIN)
			do_accept(sv);
	}
}

static int reply(const struct server *sv)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int ret;

	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "self", sv->rq->self);
	tsn_json_kstr(&j, "role", "listener");
	tsn_json_kdouble(&j, "start", sv->start);
	tsn_json_kdouble(&j, "end", sv->end);
	tsn_json_kuint(&j, "bytes_in", sv->bytes_in);
	tsn_json_kuint(&j, "bytes_out", sv->bytes_out);
	tsn_json_kuint(&j, "foreign", sv->foreign);
	if (sv->sampled)
		tsn_tput_host_json(&j, &sv->s0, &sv->s1);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (!ret)
		ret = printf("%s\n", b.p) < 0 || fflush(stdout) ? -EIO : 0;
	tsn_buf_free(&b);
	return ret;
}

int tsn_tput_listen_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const char me[] = "agent tput-listen";
	struct tsn_tput_req rq;
	struct server sv = { .rq = &rq, .lfd = -1 };
	char why[256] = "";
	int ret, rc = TSN_EXIT_RUNTIME;

	(void)ctx;
	if (argc > 1) {
		tsn_err(me, "unexpected argument '%s' (the request is read "
			"from stdin)", argv[1]);
		return TSN_EXIT_USAGE;
	}
	ret = tsn_tput_req_read(&rq, why, sizeof(why));
	if (ret < 0) {
		rc = ret == -EINVAL ? TSN_EXIT_USAGE : TSN_EXIT_RUNTIME;
		goto out;
	}
	sv.lfd = open_listener(&rq, why, sizeof(why));
	if (sv.lfd < 0)
		goto out;
	sv.start = tsn_tput_wall();
	/* long enough for both directions, the pings and a slow start */
	loop(&sv, tsn_now() + rq.wait + 2.0 * rq.duration + 30,
	     tsn_now() + rq.wait + 5);
	sv.end = tsn_tput_wall();
	if (!sv.quit) {
		snprintf(why, sizeof(why), "the sender %s never finished "
			 "(%u connections refused)", rq.peer, sv.foreign);
		goto out;
	}
	rc = reply(&sv) < 0 ? TSN_EXIT_RUNTIME : TSN_EXIT_OK;
out:
	while (sv.n)
		drop(&sv, sv.n - 1);
	if (sv.lfd >= 0)
		close(sv.lfd);
	tsn_tput_sample_free(&sv.s0);
	tsn_tput_sample_free(&sv.s1);
	if (rc != TSN_EXIT_OK && why[0])
		tsn_err(me, "%s", why);
	return rc;
}
