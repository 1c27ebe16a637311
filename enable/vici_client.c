/* vici_client.c - talking to charon over its VICI socket.
 *
 * One request at a time; a streamed command (list-sas) is bracketed by
 * registering and unregistering its event, as the protocol asks.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/cur.h"
#include "vici.h"

int tsn_vici_connect(struct tsn_vici *v, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	v->fd = -1;
	if (!v->timeout_ms)
		v->timeout_ms = 30000;
	if (!path)
		path = TSN_VICI_SOCKET;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	v->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (v->fd < 0)
		return -errno;
	if (connect(v->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int ret = -errno;

		close(v->fd);
		v->fd = -1;
		return ret;
	}
	return 0;
}

void tsn_vici_close(struct tsn_vici *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
}

int tsn_vici_frame(struct tsn_buf *out, enum tsn_vici_packet type,
		   const char *name, const struct tsn_vici_req *req)
{
	size_t nlen = name ? strlen(name) : 0;
	size_t body = req ? req->b.len : 0;
	size_t len = 1 + (name ? 1 + nlen : 0) + body;
	uint8_t hdr[6];
	size_t h = 0;
	int ret;

	if (req && (ret = tsn_vici_req_error(req)) < 0)
		return ret;
	if (nlen > 255)
		return -ENAMETOOLONG;
	if (len > TSN_VICI_SEGMENT_MAX)
		return -EMSGSIZE;
	hdr[h++] = (uint8_t)(len >> 24);
	hdr[h++] = (uint8_t)(len >> 16);
	hdr[h++] = (uint8_t)(len >> 8);
	hdr[h++] = (uint8_t)len;
	hdr[h++] = (uint8_t)type;
	if (name)
		hdr[h++] = (uint8_t)nlen;
	if (tsn_buf_add(out, hdr, h) < 0 ||
	    (name && tsn_buf_add(out, name, nlen) < 0) ||
	    (body && tsn_buf_add(out, req->b.p, body) < 0))
		return -ENOMEM;
	return 0;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_all(struct tsn_vici *v, uint8_t *p, size_t len)
{
	while (len) {
		struct pollfd pfd = { .fd = v->fd, .events = POLLIN };
		int r = poll(&pfd, 1, (int)v->timeout_ms);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = recv(v->fd, p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_packet(struct tsn_vici *v, enum tsn_vici_packet type,
		       const char *name, const struct tsn_vici_req *req)
{
	struct tsn_buf b = { 0 };
	int ret = tsn_vici_frame(&b, type, name, req);

	if (ret == 0)
		ret = send_all(v->fd, b.p, b.len);
	tsn_buf_wipe(&b);
	return ret;
}

/* Receive one packet: its type, its name (events) and parsed body. */
static int recv_packet(struct tsn_vici *v, uint8_t *type, char *name,
		       struct tsn_vici_el *msg)
{
	uint8_t hdr[4], *seg = NULL;
	struct cur c;
	uint32_t len;
	int ret;

	memset(msg, 0, sizeof(*msg));
	name[0] = '\0';
	if ((ret = recv_all(v, hdr, 4)) < 0)
		return ret;
	len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	      (uint32_t)hdr[2] << 8 | hdr[3];
	/* a segment must hold its type byte and stay in the protocol's
	 * limit: a bogus length must not make us allocate gigabytes */
	if (len < 1 || len > TSN_VICI_SEGMENT_MAX)
		return -EBADMSG;
	seg = malloc(len);
	if (!seg)
		return -ENOMEM;
	if ((ret = recv_all(v, seg, len)) < 0)
		goto out;
	c = cur_make(seg, len);
	cur_u8(&c, type);
	if (*type == TSN_VICI_EVENT) {
		uint8_t n;

		if (cur_u8(&c, &n) < 0 || cur_bytes(&c, name, n) < 0) {
			ret = -EBADMSG;
			goto out;
		}
		name[n] = '\0';
	}
	ret = tsn_vici_parse(c.p, c.left, msg, NULL, 0);
out:
	if (seg)
		tsn_memzero(seg, len);
	free(seg);
	return ret;
}

static int event_ctl(struct tsn_vici *v, enum tsn_vici_packet type,
		     const char *event)
{
	struct tsn_vici_el msg;
	char name[256];
	uint8_t t;
	int ret;

	if ((ret = send_packet(v, type, event, NULL)) < 0)
		return ret;
	if ((ret = recv_packet(v, &t, name, &msg)) < 0)
		return ret;
	tsn_vici_el_free(&msg);
	if (t == TSN_VICI_EVENT_UNKNOWN)
		return -ENOENT;
	return t == TSN_VICI_EVENT_CONFIRM ? 0 : -EBADMSG;
}

int tsn_vici_call(struct tsn_vici *v, const char *cmd,
		  const struct tsn_vici_req *req, const char *event,
		  tsn_vici_event_fn fn, void *arg, struct tsn_vici_el *resp)
{
	char name[256];
	int ret, cb_ret = 0;

	memset(resp, 0, sizeof(*resp));
	if (event && (ret = event_ctl(v, TSN_VICI_EVENT_REGISTER, event)) < 0)
		return ret;
	if ((ret = send_packet(v, TSN_VICI_CMD_REQUEST, cmd, req)) < 0)
		goto out;
	for (;;) {
		struct tsn_vici_el msg;
		uint8_t type;

		if ((ret = recv_packet(v, &type, name, &msg)) < 0)
			goto out;
		if (type == TSN_VICI_EVENT) {
			/* remember the first callback error but keep
			 * reading: the response must still be consumed */
			if (fn && !cb_ret)
				cb_ret = fn(arg, name, &msg);
			tsn_vici_el_free(&msg);
			continue;
		}
		if (type == TSN_VICI_CMD_RESPONSE) {
			*resp = msg;
			break;
		}
		tsn_vici_el_free(&msg);
		ret = type == TSN_VICI_CMD_UNKNOWN ? -ENOENT : -EBADMSG;
		goto out;
	}
out:
	if (event) {
		int r = event_ctl(v, TSN_VICI_EVENT_UNREGISTER, event);

		if (!ret && r < 0)
			ret = r;
	}
	if (ret < 0)
		tsn_vici_el_free(resp);
	return ret ? ret : cb_ret;
}
