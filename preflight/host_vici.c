/* host_vici.c - "strongswan.vici": a charon that runs must answer VICI,
 * or swanctl (and enable-ipsec) cannot load a connection into it.  A
 * charon that hangs still accepts connections on its socket (the
 * kernel's backlog does), so the check asks it something: the "version"
 * command, one request and its response, with a deadline.
 *
 * The wire format is the vici plugin's (a 32-bit big-endian length,
 * then the packet: a type byte, for a command its name, then a message
 * of elements); the answer is read through a cursor, as anything from
 * another process is.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/cur.h"
#include "preflight/host.h"

#define VICI_TIMEOUT_MS 2000
#define VICI_CMD_REQUEST 0
#define VICI_CMD_RESPONSE 1
#define VICI_KEY_VALUE 3
#define ANSWER_MAX 4096		/* "version" answers in ~100 bytes */

/* The socket charon listens on: charon.plugins.vici.socket, or the
 * compiled-in default, without "unix://". */
static void socket_path(const struct tsn_host_opts *o, char *buf, size_t len)
{
	const char *conf = o->swan_conf ? o->swan_conf : "/etc/strongswan.conf";
	const char *v = NULL;
	struct tsn_swconf c = { 0 };

	if (tsn_swconf_load(o, conf, &c) == 0)
		v = tsn_swconf_get(&c, "charon.plugins.vici.socket");
	if (!v)
		v = "unix:///var/run/charon.vici";
	if (!strncmp(v, "unix://", 7))
		v += 7;
	snprintf(buf, len, "%s", v);
	tsn_swconf_free(&c);
}

int tsn_host_vici_path(const struct tsn_host_opts *o, char *full, size_t len)
{
	char path[256];

	socket_path(o, path, sizeof(path));
	return tsn_host_path(o, full, len, "%s", path) < 0 ? -ENAMETOOLONG : 0;
}

/* Wait for fd (POLLIN or POLLOUT) until the deadline: 0 or -ETIMEDOUT. */
static int wait_fd(int fd, short ev, double deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int ms = (int)((deadline - tsn_now()) * 1000);

	if (ms < 0)
		ms = 0;
	for (;;) {
		int n = poll(&p, 1, ms);

		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* Read exactly len bytes by the deadline. */
static int read_all(int fd, uint8_t *buf, size_t len, double deadline)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;
		int ret = wait_fd(fd, POLLIN, deadline);

		if (ret)
			return ret;
		n = read(fd, buf + got, len - got);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

/* "version" = "5.9.8" out of the response's elements; the first element
 * of another type ends the walk (the answer has only key/values). */
static int parse_version(const uint8_t *p, size_t len, char *ver,
			 size_t vlen)
{
	struct cur c = cur_make(p, len);
	uint8_t type, nl;
	uint16_t val;

	if (cur_u8(&c, &type) < 0 || type != VICI_CMD_RESPONSE)
		return -EPROTO;
	while (cur_u8(&c, &type) == 0 && type == VICI_KEY_VALUE) {
		const uint8_t *name, *v;

		/* each length is checked against what is left, so a
		 * length field cannot take the walk past the segment */
		if (cur_u8(&c, &nl) < 0 || !cur_has(&c, nl))
			return -EPROTO;
		name = c.p;
		cur_skip(&c, nl);
		if (cur_u16(&c, &val) < 0 || !cur_has(&c, val))
			return -EPROTO;
		v = c.p;
		cur_skip(&c, val);
		if (nl == 7 && !memcmp(name, "version", 7)) {
			snprintf(ver, vlen, "%.*s", (int)val, (const char *)v);
			return 0;
		}
	}
	return -EPROTO;
}

int tsn_vici_ask(const char *path, int timeout_ms, const char *cmd,
		 size_t max, uint8_t **body, size_t *len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	double deadline = tsn_now() + timeout_ms / 1000.0;
	size_t cl = strlen(cmd);
	uint8_t hdr[4], req[6 + 255], *b = NULL;
	uint32_t n = 0;
	int fd, ret;

	*body = NULL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if (cl > 255)
		return -EINVAL;
	/* a segment: its length, CMD_REQUEST, the command's name */
	req[0] = req[1] = 0;
	req[2] = (uint8_t)((cl + 2) >> 8);
	req[3] = (uint8_t)(cl + 2);
	req[4] = VICI_CMD_REQUEST;
	req[5] = (uint8_t)cl;
	memcpy(req + 6, cmd, cl);
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	      errno != EINPROGRESS ? -errno : 0;
	if (!ret)
		ret = wait_fd(fd, POLLOUT, deadline);
	if (!ret) {
		/* MSG_NOSIGNAL: a charon that closed since the connect is
		 * EPIPE here, not a SIGPIPE that kills the agent */
		ssize_t w = send(fd, req, 6 + cl, MSG_NOSIGNAL);

		if (w != (ssize_t)(6 + cl))
			ret = w < 0 ? -errno : -EIO;
	}
	if (!ret)
		ret = read_all(fd, hdr, sizeof(hdr), deadline);
	if (!ret)
		n = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 |
		    hdr[3];
	/* the length is charon's word: bounded before it sizes anything */
	if (!ret && (n == 0 || n > max))
		ret = -EPROTO;
	if (!ret && !(b = malloc(n)))
		ret = -ENOMEM;
	if (!ret)
		ret = read_all(fd, b, n, deadline);
	close(fd);
	if (ret) {
		free(b);
		return ret;
	}
	*body = b;
	*len = n;
	return 0;
}

int tsn_vici_version(const char *path, int timeout_ms, char *ver, size_t len)
{
	uint8_t *body;
	size_t n;
	int ret;

	ret = tsn_vici_ask(path, timeout_ms, "version", ANSWER_MAX, &body, &n);
	if (!ret)
		ret = parse_version(body, n, ver, len);
	free(body);
	return ret;
}

int tsn_host_vici_check(const struct tsn_host_opts *o,
			struct tsn_node_report *n, pid_t charon)
{
	const char *id = "strongswan.vici";
	char path[256], full[4096], ver[64], e[96];
	int ret;

	if (!charon)
		return tsn_node_check(n, id, TSN_ST_OK, NULL, "charon not "
				      "running: no VICI to ask");
	socket_path(o, path, sizeof(path));
	if (o->vici_err || o->vici_version) {
		ret = o->vici_err;
		snprintf(ver, sizeof(ver), "%s", o->vici_version ?
			 o->vici_version : "");
	} else if (tsn_host_path(o, full, sizeof(full), "%s", path) < 0) {
		ret = -ENAMETOOLONG;
	} else {
		ret = tsn_vici_version(full, o->vici_timeout_ms ?
				       o->vici_timeout_ms : VICI_TIMEOUT_MS,
				       ver, sizeof(ver));
	}
	if (!ret)
		return tsn_node_check(n, id, TSN_ST_OK, NULL, "charon (pid %d) "
				      "answers VICI at %s: strongSwan %s",
				      (int)charon, path, ver);
	if (ret == -ENOENT || ret == -ECONNREFUSED)
		return tsn_node_check(n, id, TSN_ST_FAIL, "load the vici plugin "
				      "(charon.plugins.vici.load = yes) and "
				      "restart charon", "charon (pid %d) runs "
				      "but nothing listens for VICI at %s (%s): "
				      "swanctl cannot load connections into it",
				      (int)charon, path,
				      tsn_errno_str(ret, e, sizeof(e)));
	return tsn_node_check(n, id, TSN_ST_FAIL, "restart charon "
			      "(systemctl restart strongswan); its log says "
			      "why it hung", "charon (pid %d) runs but does "
			      "not answer VICI at %s: %s%s", (int)charon, path,
			      tsn_errno_str(ret, e, sizeof(e)),
			      ret == -ETIMEDOUT ? " (no answer to \"version\": "
			      "it hangs)" : "");
}
