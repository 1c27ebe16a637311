/* probe_mesh.c - one probe window on a set of nodes at once: each node's
 * `tsnet agent probe-window` request, one job per node started together,
 * and each node's reply or why it has none.  `tsnet probe` (probe_cmd.c)
 * runs it over the whole cluster; enable-ipsec (enable/encap_probe.c)
 * over the pairs it configures for the first time.
 *
 * The run's ESP key is in every request: the requests are wiped before
 * they are freed, and the key on the stack as soon as they are built.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/output.h"
#include "lib/transport.h"
#include "lib/util.h"
#include "probe/probe.h"

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void hex(struct tsn_buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tsn_buf_printf(b, "%02x", p[i]);
}

static size_t node_index(const struct tsn_probe_mesh *m, size_t i)
{
	return (size_t)(m->nodes[i] - m->inv->nodes);
}

/* Node i's request: everything the agent needs, the key included, and
 * as peers the other members the caller wants probed from node i. */
static int build_request(struct tsn_probe_mesh *m, size_t i,
			 const struct tsn_esp_run *run, uint32_t tag,
			 double start)
{
	const struct tsn_node *self = m->nodes[i];
	const char *ifname = tsn_node_interface(m->inv, self);
	struct tsn_buf *b = &m->req[i];
	char a[64];
	bool first = true;

	tsn_buf_printf(b, "{\"run\":\"");
	for (int k = 7; k >= 0; k--)
		tsn_buf_printf(b, "%02x", (unsigned)(run->run_id >> (8 * k)) &
			       0xff);
	tsn_buf_printf(b, "\",\"key\":\"");
	hex(b, run->key, sizeof(run->key));
	tsn_buf_printf(b, "\",\"tag\":%u,\"start\":%.3f,\"window\":%u,"
		       "\"self\":\"%s\",\"index\":%zu,\"address\":\"%s\"",
		       tag, start, m->window, self->name, node_index(m, i),
		       tsn_ip_addr_str(&m->res[i].addr, a, sizeof(a)));
	if (ifname)
		tsn_buf_printf(b, ",\"interface\":\"%s\"", ifname);
	tsn_buf_printf(b, ",\"peers\":[");
	for (size_t k = 0; k < m->n; k++) {
		if (k == i || (m->peer && !m->peer(m->peer_arg,
						   node_index(m, i),
						   node_index(m, k))))
			continue;
		tsn_buf_printf(b, "%s{\"name\":\"%s\",\"index\":%zu,"
			       "\"address\":\"%s\"}", first ? "" : ",",
			       m->nodes[k]->name, node_index(m, k),
			       tsn_ip_addr_str(&m->res[k].addr, a, sizeof(a)));
		first = false;
	}
	return tsn_buf_printf(b, "]}\n");
}

/* Node i's reply into m->replies[i], or why it has none. */
static void collect(struct tsn_probe_mesh *m, size_t i)
{
	const struct tsn_job *job = &m->jobs[i];
	char why[512], err[128];

	m->res[i].name = m->nodes[i]->name;
	if (job->state != TSN_JOB_DONE || job->exit_status != 0) {
		tsn_job_reason(job, why, sizeof(why));
	} else if (tsn_json_parse(job->out.p ? job->out.p : "", job->out.len,
				  &m->replies[i], err, sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "bad reply from the agent: %s", err);
	} else {
		m->res[i].reply = &m->replies[i];
		if (m->log_replies && tsn_verbose > 1)
			tsn_dbg("%s: %s", m->nodes[i]->name, job->out.p);
		return;
	}
	m->why[i] = strdup(why);
	m->res[i].why = m->why[i] ? m->why[i] : "out of memory";
}

int tsn_probe_mesh_alloc(struct tsn_probe_mesh *m,
			 const struct tsn_inventory *inv, size_t n)
{
	m->inv = inv;
	m->n = n;
	/* n + 1: calloc(0) may return NULL */
	m->nodes = calloc(n + 1, sizeof(*m->nodes));
	m->res = calloc(n + 1, sizeof(*m->res));
	m->jobs = calloc(n + 1, sizeof(*m->jobs));
	m->req = calloc(n + 1, sizeof(*m->req));
	m->replies = calloc(n + 1, sizeof(*m->replies));
	m->why = calloc(n + 1, sizeof(*m->why));
	return m->nodes && m->res && m->jobs && m->req && m->replies &&
	       m->why ? 0 : -ENOMEM;
}

void tsn_probe_mesh_free(struct tsn_probe_mesh *m)
{
	for (size_t i = 0; i < m->n; i++) {
		if (m->jobs)
			tsn_job_free(&m->jobs[i]);
		if (m->req) {
			tsn_buf_wipe(&m->req[i]);	/* the run's key */
			tsn_buf_free(&m->req[i]);
		}
		if (m->replies)
			tsn_jv_free(&m->replies[i]);
		if (m->why)
			free(m->why[i]);
	}
	free(m->nodes);
	free(m->res);
	free(m->jobs);
	free(m->req);
	free(m->replies);
	free(m->why);
}

/* Give every node the same start, about when the slowest to start is
 * ready (measured in the 32-node lab on 2 cores: every agent within
 * 0.1 s of its spawn).  One that is later costs nothing but a retry:
 * each probe is sent again until its peer says it has seen it. */
int tsn_probe_mesh_run(struct tsn_probe_mesh *m, bool err_tty)
{
	static const char *const args[] = { "agent", "probe-window", NULL };
	struct tsn_progress progress;
	struct tsn_run_opts ro = { .progress = &progress, .what = m->what };
	struct tsn_esp_run run;
	double margin = 0.1 + 0.005 * (double)m->n, start;
	uint32_t tag;
	int ret;

	ret = tsn_esp_run_new(&run);
	if (!ret)
		ret = tsn_random_bytes(&tag, sizeof(tag));
	if (ret < 0)
		return ret;
	if (!m->window)
		m->window = TSN_PROBE_WINDOW;
	if (m->inv->cluster.transport == TSN_TRANSPORT_SSH)
		margin += 2.0;
	start = wall() + margin;
	m->start = start;
	for (size_t i = 0; i < m->n && !ret; i++) {
		ret = build_request(m, i, &run, tag, start);
		m->jobs[i].node = m->nodes[i];
		m->jobs[i].argv = args;
		m->jobs[i].input = m->req[i].p;
		m->jobs[i].input_len = m->req[i].len;
	}
	tsn_memzero(&run, sizeof(run));
	if (ret < 0)
		return ret;
	ro.timeout = (unsigned)margin + m->window + 30;
	ro.concurrency = (unsigned)m->n;	/* all at once, or no mesh */
	tsn_progress_begin(&progress, err_tty);
	ret = tsn_run(m->inv, m->jobs, m->n, &ro);
	tsn_progress_end(&progress);
	for (size_t i = 0; ret == 0 && i < m->n; i++)
		collect(m, i);
	return ret;
}
