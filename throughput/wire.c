/* wire.c - what the two throughput agents share: the hello that opens
 * every TCP connection, the request on stdin, and the host sample (CPU
 * ticks, IP counters, the GCM driver, AES flags) taken around the data.
 *
 * Anything may connect to the listener's port: a hello is read through a
 * cursor and must carry the pair's token, or the connection is dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/cur.h"
#include "lib/json.h"
#include "lib/util.h"
#include "throughput/throughput.h"

#define REQUEST_MAX 4096
#define PROC_MAX (4u << 20)

static const uint8_t magic[4] = { 'T', 'S', 'N', 'T' };

_Static_assert(TSN_TPUT_HELLO_LEN == 4 + 1 + 1 + 2 + 4 + 8, "hello size");

double tsn_tput_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void tsn_tput_hello_build(uint8_t *buf, const struct tsn_tput_hello *h)
{
	memcpy(buf, magic, 4);
	buf[4] = 1;
	buf[5] = h->kind;
	buf[6] = buf[7] = 0;
	buf[8] = (uint8_t)(h->ms >> 24);
	buf[9] = (uint8_t)(h->ms >> 16);
	buf[10] = (uint8_t)(h->ms >> 8);
	buf[11] = (uint8_t)h->ms;
	memcpy(buf + 12, h->token, 8);
}

int tsn_tput_hello_parse(const uint8_t *buf, size_t len,
			 struct tsn_tput_hello *h)
{
	struct cur c = cur_make(buf, len);
	uint8_t m[4], ver, kind;
	uint16_t zero;

	if (cur_bytes(&c, m, 4) < 0 || memcmp(m, magic, 4) ||
	    cur_u8(&c, &ver) < 0 || ver != 1 || cur_u8(&c, &kind) < 0 ||
	    cur_u16(&c, &zero) < 0 || zero || cur_u32(&c, &h->ms) < 0 ||
	    cur_bytes(&c, h->token, 8) < 0)
		return -EINVAL;
	/* a phase past ten minutes is no request of ours */
	if (h->ms > 600000 || (kind != TSN_TPUT_TO_LISTENER &&
			       kind != TSN_TPUT_TO_SENDER &&
			       kind != TSN_TPUT_PING && kind != TSN_TPUT_QUIT))
		return -EINVAL;
	h->kind = kind;
	return 0;
}

socklen_t tsn_tput_sockaddr(const struct tsn_addr *a, unsigned port,
			    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		s4->sin_addr = a->v4;
		return sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr = a->v6;
		return sizeof(*s6);
	}
}

/* Eight bytes as 16 lowercase hex digits, the form the peer writes. */
static int hex8(const char *s, uint8_t *out)
{
	if (!s || strspn(s, "0123456789abcdef") != strlen(s))
		return -EINVAL;
	return tsn_hex_decode(s, out, 8) == 8 ? 0 : -EINVAL;
}

static bool getu(const struct tsn_jv *v, const char *k, unsigned lo,
		 unsigned hi, unsigned *out)
{
	double d;

	if (!tsn_jv_getnum(v, k, &d) || d < lo || d > hi || d != (unsigned)d)
		return false;
	*out = (unsigned)d;
	return true;
}

static int name_copy(char *dst, const char *s)
{
	if (!s || !tsn_name_valid(s) || strlen(s) > TSN_NAME_MAX)
		return -EINVAL;
	strcpy(dst, s);
	return 0;
}

static int req_check(const struct tsn_jv *v, struct tsn_tput_req *rq)
{
	if (name_copy(rq->self, tsn_jv_getstr(v, "self")) < 0 ||
	    name_copy(rq->peer, tsn_jv_getstr(v, "peer")) < 0 ||
	    tsn_addr_parse(tsn_jv_getstr(v, "address"), &rq->addr) < 0 ||
	    tsn_addr_parse(tsn_jv_getstr(v, "peer_address"),
			   &rq->peer_addr) < 0 ||
	    rq->addr.family != rq->peer_addr.family ||
	    !getu(v, "port", 1, 65535, &rq->port) ||
	    !getu(v, "duration", 1, 300, &rq->duration) ||
	    !getu(v, "streams", 1, TSN_TPUT_STREAMS_MAX, &rq->streams) ||
	    !getu(v, "wait", 1, 600, &rq->wait) ||
	    hex8(tsn_jv_getstr(v, "token"), rq->token) < 0)
		return -EINVAL;
	return 0;
}

int tsn_tput_req_read(struct tsn_tput_req *rq, char *why, size_t len)
{
	struct tsn_jv v = { 0 };
	char err[128], *text = NULL;
	size_t n = 0;
	int ret;

	memset(rq, 0, sizeof(*rq));
	ret = tsn_read_fd(STDIN_FILENO, REQUEST_MAX, &text, &n);
	if (ret < 0) {
		snprintf(why, len, "reading the request: %s", strerror(-ret));
		return ret;
	}
	ret = tsn_json_parse(text, n, &v, err, sizeof(err));
	if (ret < 0)
		snprintf(why, len, "request: %s", err);
	else if ((ret = req_check(&v, rq)) < 0)
		snprintf(why, len, "request: self, peer, address, "
			 "peer_address (one family), port, duration (1-300), "
			 "streams (1-%d), wait or token (16 hex digits) "
			 "missing or invalid", TSN_TPUT_STREAMS_MAX);
	tsn_jv_free(&v);
	free(text);
	return ret;
}

/* ---- the host sample ---- */

static int read_proc(const char *path, char **text, size_t *n)
{
	return tsn_read_file(path, PROC_MAX, text, n);
}

void tsn_tput_sample(struct tsn_tput_sample *s)
{
	char *t = NULL;
	size_t n;

	memset(s, 0, sizeof(*s));
	if (read_proc("/proc/stat", &t, &n) == 0)
		s->cpu_ok = tsn_proc_stat_parse(t, n, &s->cpu) == 0;
	free(t);
	t = NULL;
	if (read_proc("/proc/net/snmp", &t, &n) == 0)
		s->snmp_ok = tsn_proc_snmp_parse(t, n, &s->snmp) == 0;
	free(t);
}

void tsn_tput_sample_free(struct tsn_tput_sample *s)
{
	tsn_cpu_snap_free(&s->cpu);
}

static void cpu_json(struct tsn_json *j, const struct tsn_tput_sample *a,
		     const struct tsn_tput_sample *b)
{
	struct tsn_cpu_use u;

	if (!a->cpu_ok || !b->cpu_ok || tsn_cpu_use(&a->cpu, &b->cpu, &u) < 0)
		return;
	tsn_json_key(j, "cpu");
	tsn_json_obj_begin(j);
	tsn_json_kdouble(j, "busy", u.busy);
	tsn_json_kdouble(j, "core_max", u.core_max);
	tsn_json_kdouble(j, "softirq_max", u.softirq_max);
	tsn_json_kuint(j, "ncpu", u.ncpu);
	tsn_json_obj_end(j);
}

static void crypto_json(struct tsn_json *j)
{
	struct tsn_cpu_flags f;
	struct tsn_aead ae;
	char *t = NULL;
	size_t n;

	if (read_proc("/proc/crypto", &t, &n) == 0 &&
	    tsn_proc_crypto_parse(t, n, &ae) == 0) {
		tsn_json_key(j, "crypto");
		tsn_json_obj_begin(j);
		tsn_json_kstr(j, "kind", tsn_aead_kind_name(ae.kind));
		tsn_json_kstr(j, "name", ae.name);
		tsn_json_kstr(j, "driver", ae.driver);
		tsn_json_obj_end(j);
	}
	free(t);
	t = NULL;
	if (read_proc("/proc/cpuinfo", &t, &n) == 0 &&
	    tsn_proc_cpuinfo_parse(t, n, &f) == 0 && f.known) {
		tsn_json_key(j, "cpu_flags");
		tsn_json_obj_begin(j);
		tsn_json_kbool(j, "aes", f.aes);
		tsn_json_kbool(j, "clmul", f.clmul);
		tsn_json_obj_end(j);
	}
	free(t);
}

/* A counter's growth; one that went back (reset) grew by nothing. */
static uint64_t grew(uint64_t a, uint64_t b)
{
	return b >= a ? b - a : 0;
}

void tsn_tput_host_json(struct tsn_json *j, const struct tsn_tput_sample *a,
			const struct tsn_tput_sample *b)
{
	cpu_json(j, a, b);
	if (a->snmp_ok && b->snmp_ok) {
		tsn_json_kuint(j, "frag_creates", grew(a->snmp.frag_creates,
						       b->snmp.frag_creates));
		tsn_json_kuint(j, "reasm_reqds", grew(a->snmp.reasm_reqds,
						      b->snmp.reasm_reqds));
		tsn_json_kuint(j, "retrans", grew(a->snmp.retrans,
						  b->snmp.retrans));
	}
	crypto_json(j);
}
