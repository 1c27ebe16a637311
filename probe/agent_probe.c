/* agent_probe.c - `tsnet agent probe-window`: one node's probe window.
 *
 * The coordinator hands every node the same request on stdin (the run's
 * ESP key travels there, never in argv): run id, key, trace tag, window
 * length, a common start time, who this node is and its peers.  The node
 * opens its listener, starts the nftables trace, sends its probes from
 * the start time on and listens until the window closes, then prints
 * what it saw as one JSON object.  Whatever happens (an error, a
 * signal), every fd is closed and the trace table removed.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/json.h"
#include "lib/xfrm.h"
#include "lib/util.h"
#include "probe/probe.h"

#define REQUEST_MAX (4u << 20)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Exactly n bytes of hex, or -EINVAL. */
static int hex_exact(const char *s, uint8_t *out, size_t n)
{
	return tsn_hex_decode(s, out, n) == (ssize_t)n ? 0 : -EINVAL;
}

static int parse_peer(const struct tsn_jv *v, struct tsn_probe_peer *p,
		      char *why, size_t len)
{
	const char *name = tsn_jv_getstr(v, "name");
	const char *addr = tsn_jv_getstr(v, "address");
	double idx;

	if (!name || strlen(name) >= sizeof(p->name) || !addr ||
	    !tsn_jv_getnum(v, "index", &idx) || idx < 0 ||
	    idx >= TSN_PROBE_CTL_INDEX || tsn_ip_addr_parse(addr, &p->addr) < 0) {
		snprintf(why, len, "request: a peer lacks a valid name, "
			 "index or address");
		return -EINVAL;
	}
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->index = (uint32_t)idx;
	return 0;
}

static int parse_self(const struct tsn_jv *v, struct tsn_probe_node *pn,
		      char *why, size_t len)
{
	const char *self = tsn_jv_getstr(v, "self");
	const char *addr = tsn_jv_getstr(v, "address");
	const char *ifname = tsn_jv_getstr(v, "interface");
	double idx, tag;

	if (!self || strlen(self) >= sizeof(pn->self) || !addr ||
	    tsn_ip_addr_parse(addr, &pn->addr) < 0 ||
	    !tsn_jv_getnum(v, "index", &idx) || idx < 0 ||
	    idx >= TSN_PROBE_CTL_INDEX ||
	    !tsn_jv_getnum(v, "tag", &tag) || tag < 0 || tag > 4294967295.0 ||
	    !tsn_jv_getnum(v, "start", &pn->start) ||
	    !tsn_jv_getnum(v, "window", &pn->window) ||
	    pn->window < 2 || pn->window > 600 ||
	    (ifname && strlen(ifname) >= sizeof(pn->ifname))) {
		snprintf(why, len, "request: self, address, index, tag, start "
			 "or window (2 to 600 s) missing or invalid");
		return -EINVAL;
	}
	snprintf(pn->self, sizeof(pn->self), "%s", self);
	snprintf(pn->ifname, sizeof(pn->ifname), "%s", ifname ? ifname : "");
	pn->index = (uint32_t)idx;
	pn->tag = (uint32_t)tag;
	return 0;
}

static int parse_request(const struct tsn_jv *v, struct tsn_probe_node *pn,
			 char *why, size_t len)
{
	const struct tsn_jv *peers = tsn_jv_get(v, "peers");
	uint8_t run[8];
	int ret;

	ret = parse_self(v, pn, why, len);
	if (ret < 0)
		return ret;
	if (hex_exact(tsn_jv_getstr(v, "key"), pn->run.key,
		       sizeof(pn->run.key)) < 0 ||
	    hex_exact(tsn_jv_getstr(v, "run"), run, sizeof(run)) < 0) {
		snprintf(why, len, "request: key (64 hex digits) or run "
			 "(16 hex digits) missing or invalid");
		return -EINVAL;
	}
	for (int i = 0; i < 8; i++)
		pn->run.run_id = pn->run.run_id << 8 | run[i];
	if (!peers || peers->type != TSN_JARR || peers->n == 0 ||
	    peers->n > 65535) {
		snprintf(why, len, "request: no peers");
		return -EINVAL;
	}
	pn->peers = calloc(peers->n, sizeof(*pn->peers));
	if (!pn->peers)
		return -ENOMEM;
	pn->n_peers = peers->n;
	for (size_t i = 0; i < peers->n; i++) {
		ret = parse_peer(&peers->items[i], &pn->peers[i], why, len);
		if (ret < 0)
			return ret;
		if (pn->peers[i].addr.family != pn->addr.family) {
			snprintf(why, len, "request: peer %s is not of this "
				 "node's address family", pn->peers[i].name);
			return -EINVAL;
		}
	}
	return 0;
}

static int read_request(struct tsn_probe_node *pn, char *why, size_t len)
{
	struct tsn_buf b = { 0 };
	struct tsn_jv v = { 0 };
	char buf[4096], err[128];
	ssize_t n;
	int ret = 0;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t)n > REQUEST_MAX) {
			ret = n < 0 ? -errno : -EFBIG;
			snprintf(why, len, "reading the request: %s",
				 strerror(-ret));
			goto out;
		}
		ret = tsn_buf_add(&b, buf, (size_t)n);
		if (ret < 0)
			goto out;
	}
	ret = tsn_json_parse(b.p ? b.p : "", b.len, &v, err, sizeof(err));
	if (ret < 0) {
		snprintf(why, len, "request: %s", err);
		goto out;
	}
	ret = parse_request(&v, pn, why, len);
out:
	tsn_jv_free(&v);
	tsn_buf_wipe(&b);	/* it held the key */
	tsn_buf_free(&b);
	tsn_memzero(buf, sizeof(buf));
	return ret;
}

static void drain(struct tsn_probe_node *pn)
{
	int fds[8], n = tsn_probe_listen_fds(pn, fds);

	for (int i = 0; i < n; i++)
		tsn_probe_listen_read(pn, fds[i]);
}

/* Send and listen from the common start until every peer is done (and
 * a grace after), the window closes, or a signal asks us to stop. */
static void window_loop(struct tsn_probe_node *pn)
{
	struct pollfd pfd[8];
	int fds[8], nfd = tsn_probe_listen_fds(pn, fds);
	double now, next, end = pn->start + pn->window;

	for (int i = 0; i < nfd; i++)
		pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	while (!stop_signal) {
		now = wall();
		next = tsn_probe_phase_tick(pn, now);
		if (now >= end || (pn->done_at && now >= next))
			break;
		next = (next < end ? next : end) - now;
		if (poll(pfd, (nfds_t)nfd, next > 1 ? 1000 :
			 (int)(next * 1000) + 1) <= 0)
			continue;
		for (int i = 0; i < nfd; i++)
			if (pfd[i].revents)
				tsn_probe_listen_read(pn, pfd[i].fd);
	}
	drain(pn);
}

static int start_trace(struct tsn_probe_node *pn, char *why, size_t len)
{
	struct tsn_trace_match m = {
		.esp_spi = TSN_ESP_PROBE_SPI_BASE,
		.esp_mask = TSN_ESP_PROBE_SPI_MASK,
		.ike_tag = pn->tag,
	};
	int ret = tsn_trace_start(&pn->trace, &m);

	if (ret == -EEXIST) {
		/* A run that died left its table: ours now. */
		tsn_trace_cleanup();
		ret = tsn_trace_start(&pn->trace, &m);
	}
	if (ret < 0) {
		pn->trace = NULL;
		snprintf(why, len, "nftables trace: %s", strerror(-ret));
	}
	return ret;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void verdict_json(struct tsn_json *j, const char *key,
			 const struct tsn_trace_verdict *v)
{
	tsn_json_key(j, key);
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "table", v->table);
	tsn_json_kstr(j, "chain", v->chain);
	tsn_json_kuint(j, "handle", v->handle);
	tsn_json_kbool(j, "policy", v->policy);
	tsn_json_obj_end(j);
}

static void seen_json(struct tsn_json *j, const struct tsn_probe_seen *s)
{
	char a[64];

	tsn_json_obj_begin(j);
	tsn_json_kbool(j, "wire", s->wire);
	tsn_json_kbool(j, "socket", s->socket);
	if (s->src.family)
		tsn_json_kstr(j, "src", tsn_ip_addr_str(&s->src, a, sizeof(a)));
	if (s->in_drop)
		verdict_json(j, "in_drop", &s->in_v);
	tsn_json_kuint(j, "sent", s->sent);
	if (s->send_err)
		tsn_json_kstr(j, "send_error", strerror(-s->send_err));
	if (s->out_drop)
		verdict_json(j, "out_drop", &s->out_v);
	if (s->established)
		tsn_json_kbool(j, "established", true);
	if (s->answer) {
		tsn_json_kstr(j, "answer", s->summary);
		if (s->notify[0])
			tsn_json_kstr(j, "notify", s->notify);
	}
	tsn_json_obj_end(j);
}

/* Of each size probe: ours to the peer (sent, send_error) and the
 * peer's to us (arrived whole at our socket). */
static void sizes_json(struct tsn_json *j, const struct tsn_probe_peer *p)
{
	tsn_json_key(j, "sizes");
	tsn_json_obj_begin(j);
	for (int k = 0; k < TSN_SZ_N; k++) {
		const struct tsn_probe_size *sz = &p->sz[k];

		tsn_json_key(j, tsn_probe_size_name(k));
		tsn_json_obj_begin(j);
		tsn_json_kuint(j, "sent", sz->sent);
		if (sz->send_err)
			tsn_json_kstr(j, "send_error", strerror(-sz->send_err));
		tsn_json_kbool(j, "arrived", sz->arrived);
		if (k == TSN_SZ_DF)
			tsn_json_kuint(j, "length", p->df_len);
		tsn_json_obj_end(j);
	}
	tsn_json_obj_end(j);
}

static void ports_json(struct tsn_json *j, const struct tsn_probe_node *pn)
{
	tsn_json_key(j, "ports");
	tsn_json_arr_begin(j);
	for (int i = 0; i < 2; i++) {
		const struct tsn_probe_port *pt = &pn->ports[i];

		tsn_json_obj_begin(j);
		tsn_json_kuint(j, "port", pt->port);
		tsn_json_kbool(j, "bound", pt->fd >= 0);
		if (pt->fd < 0) {
			tsn_json_kstr(j, "holder", pt->holder);
			tsn_json_kuint(j, "sent_from", pt->eph_port);
		}
		tsn_json_obj_end(j);
	}
	tsn_json_arr_end(j);
}

/* The kernel's drop counters around the window, and per peer what its
 * SAs into this node failed to authenticate (lib/xfrm_stat.c). */
static void xstat_setup(const struct tsn_probe_node *pn,
			struct tsn_xstat_window *w)
{
	memset(w, 0, sizeof(*w));
	memcpy(w->self, pn->addr.a, sizeof(w->self));
	w->peers = calloc(pn->n_peers + 1, sizeof(*w->peers));
	for (size_t i = 0; w->peers && i < pn->n_peers; i++) {
		w->peers[i].name = pn->peers[i].name;
		w->peers[i].family = pn->peers[i].addr.family;
		memcpy(w->peers[i].addr, pn->peers[i].addr.a, 16);
	}
	w->n_peers = w->peers ? pn->n_peers : 0;
}

static int probe_reply(const struct tsn_probe_node *pn, double late,
		       const char *trace_err,
		       const struct tsn_xstat_window *xw, struct tsn_buf *out)
{
	struct tsn_json j;

	tsn_json_init(&j, out, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "self", pn->self);
	tsn_json_kstr(&j, "interface", pn->ifname);
	/* negative: ready that long before the start */
	tsn_json_kdouble(&j, "late", late);
	/* Ready after the first of a pair stopped sending: a not-arrived
	 * involving this node proves nothing. */
	tsn_json_kbool(&j, "missed", late > tsn_probe_first_end(pn) - 0.25);
	tsn_json_kuint(&j, "foreign", pn->foreign);
	tsn_json_kuint(&j, "nonmember", pn->nonmember);
	tsn_json_kuint(&j, "mtu", pn->mtu);
	tsn_json_kdouble(&j, "took", wall() - pn->start);
	if (trace_err[0])
		tsn_json_kstr(&j, "trace_error", trace_err);
	if (pn->ct_err[0])
		tsn_json_kstr(&j, "conntrack_error", pn->ct_err);
	ports_json(&j, pn);
	tsn_json_key(&j, "xfrm_stat");
	tsn_xstat_window_json(&j, xw);
	tsn_json_key(&j, "peers");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < pn->n_peers; i++) {
		const struct tsn_probe_peer *p = &pn->peers[i];

		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "name", p->name);
		for (int k = 0; k < TSN_PP_N; k++) {
			tsn_json_key(&j, tsn_probe_proto_name(k));
			seen_json(&j, &p->p[k]);
		}
		sizes_json(&j, p);
		tsn_json_obj_end(&j);
	}
	tsn_json_arr_end(&j);
	tsn_json_obj_end(&j);
	if (tsn_json_finish(&j) < 0)
		return -ENOMEM;
	return tsn_buf_puts(out, "\n");
}

int tsn_probe_window_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const char me[] = "agent probe-window";
	struct tsn_probe_node pn;
	struct tsn_xstat_window xw = { 0 };
	struct tsn_buf out = { 0 };
	char why[256] = "", trace_err[256] = "";
	double late;
	int ret, rc = TSN_EXIT_RUNTIME;

	(void)ctx;
	if (argc > 1) {
		tsn_err(me, "unexpected argument '%s' (the request is read "
			"from stdin)", argv[1]);
		return TSN_EXIT_USAGE;
	}
	tsn_probe_node_init(&pn);
	catch_signals();
	ret = read_request(&pn, why, sizeof(why));
	if (ret < 0) {
		rc = ret == -EINVAL ? TSN_EXIT_USAGE : TSN_EXIT_RUNTIME;
		goto out;
	}
	ret = tsn_probe_listen_open(&pn, why, sizeof(why));
	if (ret == 0)
		ret = tsn_probe_send_prepare(&pn);
	if (ret < 0)
		goto out;
	start_trace(&pn, trace_err, sizeof(trace_err));
	xstat_setup(&pn, &xw);
	tsn_xstat_begin(&xw);
	tsn_probe_phase_start(&pn);
	late = wall() - pn.start;
	window_loop(&pn);
	tsn_probe_phase_end(&pn);
	tsn_xstat_end(&xw);
	if (stop_signal) {
		snprintf(why, sizeof(why), "stopped by signal %d",
			 (int)stop_signal);
		ret = -EINTR;
		goto out;
	}
	ret = probe_reply(&pn, late, trace_err, &xw, &out);
	if (ret == 0) {
		fputs(out.p, stdout);
		rc = fflush(stdout) == EOF ? TSN_EXIT_RUNTIME : TSN_EXIT_OK;
	}
out:
	tsn_probe_phase_end(&pn);	/* a signal: ours go all the same */
	if (pn.trace)
		tsn_trace_stop(pn.trace);
	tsn_probe_listen_close(&pn);
	tsn_memzero(&pn.run, sizeof(pn.run));
	free(pn.peers);
	free(xw.peers);
	tsn_buf_free(&out);
	if (rc != TSN_EXIT_OK)
		tsn_err(me, "%s", why[0] ? why : strerror(-ret));
	return rc;
}
