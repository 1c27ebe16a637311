/* limits.c - what limits a pair, said once with its scope and its fix
 * (lib/problem.c's model): the GCM implementation and the CPU's AES
 * instructions per node; per pair fragmentation, tiny segments and UDP
 * encapsulation; one stream on one core; a receiver busy in softirq.
 * Warnings: they explain a figure, they are not a failure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/output.h"
#include "lib/util.h"
#include "throughput/throughput.h"

#define CORE_FULL 90.0		/* % of one CPU: that core is the limit */
#define SOFTIRQ_FULL 80.0	/* % of one CPU in softirq */
#define MSS_SMALL 1000		/* bytes: segments this small cost per byte */

enum {
	RANK_CRYPTO = 10,
	RANK_PATH = 20,
	RANK_CPU = 30,
};

static int node_problem(struct tsn_report *r, const char *id,
			const char *node, const char *fix, const char *what)
{
	struct tsn_problem *p = tsn_report_problem_new(r, id, TSN_ST_WARN,
						       RANK_CRYPTO);

	if (!p)
		return -ENOMEM;
	return tsn_problem_text(p, node, fix, "%s: %s", node, what) ?:
	       tsn_problem_node(p, node);
}

/* A node's GCM and AES, once per node however many pairs it is in. */
static int crypto_limits(struct tsn_report *r, const char *node,
			 const struct tsn_tput_end *e)
{
	char what[400];
	const char *fix;
	int ret = 0;

	if (e->aead.kind == TSN_AEAD_GENERIC || e->aead.kind ==
	    TSN_AEAD_COMPOSED) {
		bool gen = e->aead.kind == TSN_AEAD_GENERIC;

		snprintf(what, sizeof(what), "the kernel's %s for ESP is %s "
			 "(%s): %s", e->aead.name, gen ? "generic C code" :
			 "composed from parts", e->aead.driver, gen ?
			 "several times the CPU per byte of AES-NI" :
			 "slower than the one-piece AES-NI driver");
		fix = e->flags.known && !e->flags.aes ? "this CPU has no AES "
		      "instructions: a CPU or instance type with AES-NI" :
		      "load the accelerated driver (modprobe aesni_intel on "
		      "x86, aes_ce_blk and ghash_ce on ARM) and make it load "
		      "at boot";
		ret = node_problem(r, "throughput.gcm", node, fix, what);
	}
	if (!ret && e->flags.known && (!e->flags.aes || !e->flags.clmul))
		ret = node_problem(r, "throughput.cpu-aes", node,
				   "on a VM, pass the host CPU's AES and "
				   "carry-less multiply flags (-cpu host, or an "
				   "instance type that has them)",
				   e->flags.aes ? "the CPU has AES but no "
				   "carry-less multiply: GHASH runs in C" :
				   "the CPU has no AES instructions: AES "
				   "runs in C");
	return ret;
}

static int pair_problem(struct tsn_report *r, const char *id, int rank,
			const struct tsn_tput_result *x, bool both,
			const char *fix, const char *what)
{
	struct tsn_problem *p = tsn_report_problem_new(r, id, TSN_ST_WARN,
						       rank);
	char where[2 * TSN_NAME_MAX + 8];

	if (!p)
		return -ENOMEM;
	snprintf(where, sizeof(where), "%s %s %s", x->a->name,
		 both ? "<->" : "->", x->b->name);
	return tsn_problem_text(p, where, fix, "%s: %s", where, what) ?:
	       tsn_problem_pair(p, x->a->name, x->b->name) ?:
	       (both ? tsn_problem_pair(p, x->b->name, x->a->name) : 0);
}

static int path_limits(struct tsn_report *r, const struct tsn_tput_result *x)
{
	char what[300];
	int ret = 0;

	if (x->ea.frag_creates || x->eb.frag_creates) {
		snprintf(what, sizeof(what), "%llu IP fragments made while "
			 "measuring: packets grow past the path MTU (ESP adds "
			 "about 40 bytes, 48 in UDP)", (unsigned long long)
			 (x->ea.frag_creates + x->eb.frag_creates));
		ret = pair_problem(r, "throughput.fragments", RANK_PATH, x,
				   true, "let ICMP 'fragmentation needed' (and "
				   "ICMPv6 'packet too big') through so path "
				   "MTU discovery works, or clamp the MSS",
				   what);
	}
	if (!ret && x->mss && x->mss < MSS_SMALL) {
		snprintf(what, sizeof(what), "TCP segments of %u bytes: each "
			 "costs a whole packet's ESP work", x->mss);
		ret = pair_problem(r, "throughput.mss", RANK_PATH, x, false,
				   "find what lowers the path MTU (a tunnel, "
				   "a low interface MTU) and raise it", what);
	}
	if (!ret && x->encap)
		ret = pair_problem(r, "throughput.encap", RANK_PATH, x, true,
				   "without NAT between them, encap = no in "
				   "the inventory, then enable-ipsec again",
				   "ESP inside UDP 4500: 8 more bytes per "
				   "packet, and no GRO for it on older kernels");
	return ret;
}

static int cpu_limit(struct tsn_report *r, const struct tsn_tput_result *x,
		     const struct tsn_tput_end *e, const char *node,
		     unsigned streams)
{
	char what[300];

	if (e->cpu_ok && e->cpu.softirq_max >= SOFTIRQ_FULL) {
		snprintf(what, sizeof(what), "a CPU of %s spent %.0f%% in "
			 "softirq: receiving (and decrypting) is the limit",
			 node, e->cpu.softirq_max);
		return pair_problem(r, "throughput.softirq", RANK_CPU, x, true,
				    "spread the receive work: RPS "
				    "(/sys/class/net/IF/queues/rx-*/rps_cpus) "
				    "or more NIC queues (ethtool -L)", what);
	}
	if (streams == 1 && e->cpu_ok && e->cpu.ncpu > 1 &&
	    e->cpu.core_max >= CORE_FULL) {
		snprintf(what, sizeof(what), "one stream is one core's work: "
			 "%s's busiest CPU at %.0f%%, all %u together at "
			 "%.0f%%", node, e->cpu.core_max, e->cpu.ncpu,
			 e->cpu.busy);
		return pair_problem(r, "throughput.one-core", RANK_CPU, x,
				    true, "measure with --streams 4: "
				    "applications with several connections "
				    "get that", what);
	}
	return 0;
}

static bool node_seen(const struct tsn_tput_run *run, size_t upto,
		      const struct tsn_node *n)
{
	for (size_t i = 0; i < upto; i++)
		if ((run->res[i].a == n && run->res[i].ea.ok) ||
		    (run->res[i].b == n && run->res[i].eb.ok))
			return true;
	return false;
}

static int failed(struct tsn_report *r, const struct tsn_tput_result *x)
{
	struct tsn_problem *p = tsn_report_problem_new(r, "throughput.failed",
						       TSN_ST_FAIL, 0);
	const struct tsn_tput_end *e = x->ea.ok ? &x->eb : &x->ea;
	const char *node = x->ea.ok ? x->b->name : x->a->name;

	if (!p)
		return -ENOMEM;
	return tsn_problem_text(p, node, NULL, "%s <-> %s not measured: %s: "
				"%s", x->a->name, x->b->name, node,
				e->why[0] ? e->why : "no reply") ?:
	       tsn_problem_node(p, node);
}

int tsn_tput_limits(struct tsn_report *r, const struct tsn_tput_run *run,
		    unsigned streams)
{
	int ret = 0;

	for (size_t i = 0; i < run->n && !ret; i++) {
		const struct tsn_tput_result *x = &run->res[i];

		if (x->ea.ok && !node_seen(run, i, x->a))
			ret = crypto_limits(r, x->a->name, &x->ea);
		if (!ret && x->eb.ok && !node_seen(run, i, x->b))
			ret = crypto_limits(r, x->b->name, &x->eb);
		if (!ret && !x->ok)
			ret = failed(r, x);
		if (ret || !x->ok)
			continue;
		ret = path_limits(r, x) ?:
		      cpu_limit(r, x, &x->eb, x->b->name, streams) ?:
		      cpu_limit(r, x, &x->ea, x->a->name, streams);
	}
	tsn_report_sort_problems(r);
	return ret;
}
