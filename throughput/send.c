/* send.c - `tsnet agent tput-send`: the measuring end of one pair.
 *
 * Connects to the peer's listener (retrying while it starts), then:
 * writes on N streams for the duration and takes the rate from what the
 * listener says arrived, by the time its count came back (so data still
 * in buffers is not counted as sent); reads N streams the listener
 * writes; times small exchanges one by one; says quit.  Around the data
 * it samples this host (CPU, IP counters) and the ESP SAs to the peer,
 * whose byte counters say whether the flow was encrypted.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/json.h"
#include "lib/util.h"
#include "throughput/throughput.h"

#define CHUNK (128u << 10)
#define COUNT_WAIT 30.0		/* s for the listener's count after EOF */

struct sender {
	const struct tsn_tput_req *rq;
	int fd[TSN_TPUT_STREAMS_MAX];
	double gbps_out, gbps_in, start, end;
	uint64_t bytes_out, bytes_in;
	double rtt[TSN_TPUT_PINGS];
	size_t n_rtt;
	unsigned mss;
	struct tsn_tput_sa out0, out1, in0, in1;
	int sa_err;
};

static uint8_t chunk[CHUNK];

static void close_all(struct sender *s)
{
	for (unsigned i = 0; i < TSN_TPUT_STREAMS_MAX; i++)
		if (s->fd[i] >= 0) {
			close(s->fd[i]);
			s->fd[i] = -1;
		}
}

/* connect() within the time left: a firewall that drops the SYN would
 * otherwise hold us for the kernel's two minutes of retries. */
static int connect_until(int fd, const struct sockaddr_storage *ss,
			 socklen_t sl, double until)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int e = 0, left;
	socklen_t el = sizeof(e);

	if (connect(fd, (const struct sockaddr *)ss, sl) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	left = (int)((until - tsn_now()) * 1000);
	if (left <= 0 || poll(&p, 1, left) <= 0)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
		return -errno;
	return -e;
}

/* Ready for ev by until: every read and write waits here first (the
 * socket stays non-blocking), so a path that dies mid-run ends in
 * -ETIMEDOUT and the message saying where, not in a read that never
 * returns. */
static int ready(int fd, short ev, double until)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int left, n;

	do {
		left = (int)((until - tsn_now()) * 1000);
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

int tsn_tput_io_until(int fd, bool wr, void *buf, size_t len, double until)
{
	size_t have = 0;
	ssize_t n;
	int e;

	while (have < len) {
		e = ready(fd, wr ? POLLOUT : POLLIN, until);
		if (e < 0)
			return e;
		/* MSG_DONTWAIT: never blocks, even on a blocking fd */
		n = wr ? send(fd, (uint8_t *)buf + have, len - have,
			      MSG_NOSIGNAL | MSG_DONTWAIT) :
			 recv(fd, (uint8_t *)buf + have, len - have,
			      MSG_DONTWAIT);
		if (n == 0 && !wr)
			return -ECONNRESET;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		have += n > 0 ? (size_t)n : 0;
	}
	return 0;
}

/* One connection with its hello sent; retried while the listener is not
 * up yet (refused) until the wait is over.  Non-blocking throughout. */
static int dial(struct sender *s, uint8_t kind, uint32_t ms, double until)
{
	struct tsn_tput_hello h = { .kind = kind, .ms = ms };
	uint8_t hello[TSN_TPUT_HELLO_LEN];
	struct sockaddr_storage ss;
	socklen_t sl = tsn_tput_sockaddr(&s->rq->peer_addr, s->rq->port, &ss);
	int fd, e, one = 1;

	memcpy(h.token, s->rq->token, 8);
	tsn_tput_hello_build(hello, &h);
	for (;;) {
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
			    SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -errno;
		e = connect_until(fd, &ss, sl, until);
		if (e == 0)
			break;
		close(fd);
		if ((e != -ECONNREFUSED && e != -EINTR) || tsn_now() >= until)
			return e;
		usleep(50000);
	}
	if (kind == TSN_TPUT_PING)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	e = tsn_tput_io_until(fd, true, hello, sizeof(hello), until);
	if (e < 0) {
		close(fd);
		return e;
	}
	return fd;
}

static int dial_all(struct sender *s, uint8_t kind, double until)
{
	int fd;

	for (unsigned i = 0; i < s->rq->streams; i++) {
		fd = dial(s, kind, s->rq->duration * 1000u, until);
		if (fd < 0)
			return fd;
		s->fd[i] = fd;
	}
	return 0;
}

static int get_u64(int fd, uint64_t *v, double until)
{
	uint8_t b[8];
	int e = tsn_tput_io_until(fd, false, b, sizeof(b), until);

	if (e < 0)
		return e;
	*v = 0;
	for (int i = 0; i < 8; i++)
		*v = *v << 8 | b[i];
	return 0;
}

/* Write on every stream until the duration is over; the rate is what
 * the listener counted, by the time the last count came back. */
static int to_listener(struct sender *s, double until)
{
	struct pollfd p[TSN_TPUT_STREAMS_MAX];
	unsigned n = s->rq->streams;
	uint64_t got = 0, sum = 0;
	double t0, stop;
	socklen_t sl = sizeof(s->mss);
	int ret = dial_all(s, TSN_TPUT_TO_LISTENER, until);

	if (ret < 0)
		return ret;
	getsockopt(s->fd[0], IPPROTO_TCP, TCP_MAXSEG, &s->mss, &sl);
	t0 = tsn_now();
	stop = t0 + s->rq->duration;
	for (unsigned i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = s->fd[i], .events = POLLOUT };
	while (tsn_now() < stop) {
		if (poll(p, n, 100) <= 0)
			continue;
		for (unsigned i = 0; i < n; i++)
			if ((p[i].revents & POLLOUT) &&
			    send(s->fd[i], chunk, sizeof(chunk), MSG_DONTWAIT |
				 MSG_NOSIGNAL) < 0 && errno != EAGAIN)
				return -errno;
	}
	for (unsigned i = 0; i < n; i++)
		shutdown(s->fd[i], SHUT_WR);
	for (unsigned i = 0; i < n; i++) {
		ret = get_u64(s->fd[i], &got, tsn_now() + COUNT_WAIT);
		if (ret < 0)
			return ret;
		sum += got;
	}
	s->bytes_out = sum;
	s->gbps_out = (double)sum * 8 / (tsn_now() - t0) / 1e9;
	close_all(s);
	return 0;
}

/* Read every stream to its end: the listener writes for the duration. */
static int to_sender(struct sender *s, double until)
{
	struct pollfd p[TSN_TPUT_STREAMS_MAX];
	unsigned n = s->rq->streams, open = n;
	double t0, stop;
	ssize_t r;
	int ret = dial_all(s, TSN_TPUT_TO_SENDER, until);

	if (ret < 0)
		return ret;
	t0 = tsn_now();
	stop = t0 + s->rq->duration + COUNT_WAIT;
	for (unsigned i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = s->fd[i], .events = POLLIN };
	while (open && tsn_now() < stop) {
		if (poll(p, n, 200) <= 0)
			continue;
		for (unsigned i = 0; i < n; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(s->fd[i], chunk, sizeof(chunk));
			if (r > 0) {
				s->bytes_in += (size_t)r;
			} else if (r == 0 || (errno != EINTR &&
						errno != EAGAIN)) {
				p[i].fd = -1;	/* poll skips it now */
				open--;
			}
		}
	}
	if (open)
		return -ETIMEDOUT;
	s->gbps_in = (double)s->bytes_in * 8 / (tsn_now() - t0) / 1e9;
	close_all(s);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Small exchanges one at a time, at most TSN_TPUT_PINGS or 5 s: each
 * send and read bounded by the 5 s too. */
static int pings(struct sender *s, double until)
{
	uint8_t m[TSN_TPUT_PING_LEN] = { 0 }, back[TSN_TPUT_PING_LEN];
	int fd = dial(s, TSN_TPUT_PING, 0, until);
	double t0, stop = tsn_now() + 5;
	int e = 0;

	if (fd < 0)
		return fd;
	while (s->n_rtt < TSN_TPUT_PINGS && tsn_now() < stop) {
		t0 = tsn_now();
		e = tsn_tput_io_until(fd, true, m, sizeof(m), stop);
		if (!e)
			e = tsn_tput_io_until(fd, false, back, sizeof(back),
					      stop);
		if (e < 0)
			break;
		s->rtt[s->n_rtt++] = (tsn_now() - t0) * 1000;
	}
	close(fd);
	if (s->n_rtt == 0)
		return e < 0 ? e : -ETIMEDOUT;
	qsort(s->rtt, s->n_rtt, sizeof(s->rtt[0]), cmp_double);
	return 0;
}

static void sas(struct sender *s, struct tsn_tput_sa *out,
		struct tsn_tput_sa *in)
{
	const struct tsn_tput_req *rq = s->rq;
	int af = rq->addr.family;
	const void *me = af == AF_INET ? (const void *)&rq->addr.v4 :
					 (const void *)&rq->addr.v6;
	const void *peer = af == AF_INET ? (const void *)&rq->peer_addr.v4 :
					   (const void *)&rq->peer_addr.v6;
	int r = tsn_tput_sa_read(af, me, peer, out);

	if (!r)
		r = tsn_tput_sa_read(af, peer, me, in);
	if (r && !s->sa_err)
		s->sa_err = r;
}

static enum tsn_sa_proof proof(const struct sender *s)
{
	return tsn_tput_sa_proof(&s->out0, &s->out1, &s->in0, &s->in1,
				 s->bytes_out, s->bytes_in);
}

/* Encrypted when both ESP SAs carried at least the data measured. */
static bool encrypted(const struct sender *s)
{
	return !s->sa_err && proof(s) == TSN_SA_PROVEN;
}

static void sa_json(struct tsn_json *j, const struct sender *s)
{
	tsn_json_kbool(j, "encrypted", encrypted(s));
	/* a rekey between the reads: the counters prove nothing either way */
	if (proof(s) == TSN_SA_CHANGED)
		tsn_json_kstr(j, "sa_error", "ESP SA changed mid-run (a "
			      "rekey?): not proven");
	/* what the SAs' counters said: why a pair is "clear" */
	tsn_json_key(j, "esp");
	tsn_json_obj_begin(j);
	tsn_json_kbool(j, "out_sa", s->out1.found);
	tsn_json_kbool(j, "in_sa", s->in1.found);
	tsn_json_kuint(j, "out_bytes", s->out1.bytes >= s->out0.bytes ?
		       s->out1.bytes - s->out0.bytes : 0);
	tsn_json_kuint(j, "in_bytes", s->in1.bytes >= s->in0.bytes ?
		       s->in1.bytes - s->in0.bytes : 0);
	tsn_json_obj_end(j);
	tsn_json_kbool(j, "encap", s->out1.found && s->out1.encap);
	if (s->out1.found)
		tsn_json_kstr(j, "aead", s->out1.aead);
	if (s->sa_err && proof(s) != TSN_SA_CHANGED)
		tsn_json_kstr(j, "sa_error", strerror(-s->sa_err));
}

static int reply(const struct sender *s, const struct tsn_tput_sample *a,
		 const struct tsn_tput_sample *b)
{
	struct tsn_buf buf = { 0 };
	struct tsn_json j;
	int ret;

	tsn_json_init(&j, &buf, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "self", s->rq->self);
	tsn_json_kstr(&j, "role", "sender");
	tsn_json_kdouble(&j, "start", s->start);
	tsn_json_kdouble(&j, "end", s->end);
	tsn_json_kdouble(&j, "gbps_out", s->gbps_out);
	tsn_json_kdouble(&j, "gbps_in", s->gbps_in);
	tsn_json_kuint(&j, "bytes_out", s->bytes_out);
	tsn_json_kuint(&j, "bytes_in", s->bytes_in);
	tsn_json_kdouble(&j, "rtt_ms_p50", s->rtt[s->n_rtt / 2]);
	tsn_json_kdouble(&j, "rtt_ms_p99", s->rtt[(s->n_rtt * 99) / 100]);
	tsn_json_kuint(&j, "pings", s->n_rtt);
	tsn_json_kuint(&j, "streams", s->rq->streams);
	tsn_json_kuint(&j, "mss", s->mss);
	sa_json(&j, s);
	tsn_tput_host_json(&j, a, b);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (!ret)
		ret = printf("%s\n", buf.p) < 0 || fflush(stdout) ? -EIO : 0;
	tsn_buf_free(&buf);
	return ret;
}

static int measure(struct sender *s, struct tsn_tput_sample *a,
		   struct tsn_tput_sample *b, char *why, size_t len)
{
	/* each phase's connections get the whole wait from its start: the
	 * data phases before it may have taken longer than the wait */
	double wait = s->rq->wait;
	const char *step = "connecting";
	int ret;

	s->start = tsn_tput_wall();
	sas(s, &s->out0, &s->in0);
	tsn_tput_sample(a);
	ret = to_listener(s, tsn_now() + wait);
	if (!ret) {
		step = "receiving";
		ret = to_sender(s, tsn_now() + wait);
	}
	tsn_tput_sample(b);
	sas(s, &s->out1, &s->in1);
	if (!ret) {
		step = "timing small exchanges";
		ret = pings(s, tsn_now() + wait);
	}
	if (!ret) {
		step = "ending";
		ret = dial(s, TSN_TPUT_QUIT, 0, tsn_now() + wait);
		if (ret >= 0)
			close(ret);
	}
	s->end = tsn_tput_wall();
	if (ret < 0)
		snprintf(why, len, "%s %s port %u: %s%s", step, s->rq->peer,
			 s->rq->port, strerror(-ret), ret == -ECONNREFUSED ||
			 ret == -ETIMEDOUT || ret == -EHOSTUNREACH ?
			 " (a firewall on the way or on the peer may drop "
			 "this TCP port: --port picks another)" : "");
	return ret < 0 ? ret : 0;
}

int tsn_tput_send_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const char me[] = "agent tput-send";
	struct tsn_tput_req rq;
	struct sender s = { .rq = &rq };
	struct tsn_tput_sample a = { 0 }, b = { 0 };
	char why[320] = "";
	int ret, rc = TSN_EXIT_RUNTIME;

	(void)ctx;
	for (unsigned i = 0; i < TSN_TPUT_STREAMS_MAX; i++)
		s.fd[i] = -1;
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
	if (measure(&s, &a, &b, why, sizeof(why)) == 0)
		rc = reply(&s, &a, &b) < 0 ? TSN_EXIT_RUNTIME : TSN_EXIT_OK;
out:
	close_all(&s);
	tsn_tput_sample_free(&a);
	tsn_tput_sample_free(&b);
	if (rc != TSN_EXIT_OK && why[0])
		tsn_err(me, "%s", why);
	return rc;
}
