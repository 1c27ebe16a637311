/* limits.c - what limits a pair, said once with its scope and its fix
 * (lib/problem.c's model): the GCM implementation and the CPU's AES
 * instructions per node; per pair fragmentation, tiny segments and UDP
 * encapsulation; one stream on one core; a receiver busy in softirq.
 * Warnings: they explain a figure, they are not a failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A node's end as the crypto limits see it: nodes that share it share
 * the problem. */
static bool same_crypto(const struct tsn_tput_end *a,
			const struct tsn_tput_end *b)
{
	return a->aead.kind == b->aead.kind &&
	       !strcmp(a->aead.driver, b->aead.driver) &&
	       a->flags.known == b->flags.known && a->flags.aes == b->flags.aes &&
	       a->flags.clmul == b->flags.clmul;
}

static void gcm_text(const struct tsn_tput_end *e, char *what, size_t len,
		     const char **fix)
{
	bool gen = e->aead.kind == TSN_AEAD_GENERIC;
	bool built = strcmp(e->aead.name, "rfc4106(gcm(aes))") != 0;

	if (built)
		snprintf(what, len, "no rfc4106(gcm(aes)) in the kernel yet; "
			 "it would be built on %s (%s)%s", e->aead.name,
			 e->aead.driver, gen ? ", generic C code: several "
			 "times the CPU per byte of AES-NI" : ", not the "
			 "one-piece accelerated driver");
	else
		snprintf(what, len, "the kernel's rfc4106(gcm(aes)) is %s "
			 "(%s): %s", gen ? "generic C code" : "composed from "
			 "parts", e->aead.driver, gen ? "several times the "
			 "CPU per byte of AES-NI" : "slower than the "
			 "one-piece AES-NI driver");
	*fix = e->flags.known && !e->flags.aes ? "this CPU has no AES "
	       "instructions: a CPU or instance type with AES-NI" :
	       "load the accelerated driver (modprobe aesni_intel on x86, "
	       "aes_ce_blk and ghash_ce on ARM) and make it load at boot";
}

static void flags_text(const struct tsn_tput_end *e, char *what, size_t len,
		       const char **fix)
{
	snprintf(what, len, "%s", e->flags.aes ? "the CPU has AES but no "
		 "carry-less multiply: GHASH runs in C" : "the CPU has no "
		 "AES instructions: AES runs in C");
	*fix = "on a VM, pass the host CPU's AES and carry-less multiply "
	       "flags (-cpu host, or an instance type that has them)";
}

/* One problem for every node whose end is like ends[k]: "n1, n2: what". */
static int crypto_problem(struct tsn_report *r, const char *id,
			  const struct tsn_tput_end **ends,
			  const char **names, size_t n, size_t k, bool *done,
			  void (*text)(const struct tsn_tput_end *, char *,
				       size_t, const char **))
{
	struct tsn_problem *p = tsn_report_problem_new(r, id, TSN_ST_WARN,
						       RANK_CRYPTO);
	struct tsn_buf who = { 0 };
	const char *fix;
	char what[400];
	int ret = p ? 0 : -ENOMEM;

	for (size_t i = k; i < n && !ret; i++) {
		if (done[i] || !same_crypto(ends[i], ends[k]))
			continue;
		done[i] = true;
		ret = tsn_problem_node(p, names[i]) ?:
		      tsn_buf_printf(&who, "%s%s", who.len ? ", " : "",
				     names[i]);
	}
	text(ends[k], what, sizeof(what), &fix);
	if (!ret)
		ret = tsn_problem_text(p, who.p, fix, "%s: %s", who.p, what);
	tsn_buf_free(&who);
	return ret;
}

static bool gcm_slow(const struct tsn_tput_end *e)
{
	return e->aead.kind == TSN_AEAD_GENERIC ||
	       e->aead.kind == TSN_AEAD_COMPOSED;
}

static bool flags_slow(const struct tsn_tput_end *e)
{
	return e->flags.known && (!e->flags.aes || !e->flags.clmul);
}

/* Each node's end once (its first measured one), then the problems. */
static int crypto_limits(struct tsn_report *r, const struct tsn_tput_run *run)
{
	const struct tsn_tput_end **ends = calloc(2 * run->n + 1,
						  sizeof(*ends));
	const char **names = calloc(2 * run->n + 1, sizeof(*names));
	bool *done = calloc(2 * run->n + 1, sizeof(*done));
	size_t n = 0;
	int ret = ends && names && done ? 0 : -ENOMEM;

	for (size_t i = 0; !ret && i < run->n; i++)
		for (int s = 0; s < 2; s++) {
			const struct tsn_tput_end *e = s ? &run->res[i].eb :
							   &run->res[i].ea;
			const char *name = s ? run->res[i].b->name :
					       run->res[i].a->name;
			bool seen = false;

			for (size_t k = 0; k < n; k++)
				seen = seen || !strcmp(names[k], name);
			if (e->ok && !seen) {
				ends[n] = e;
				names[n++] = name;
			}
		}
	for (size_t k = 0; !ret && k < n; k++)
		if (!done[k] && gcm_slow(ends[k]))
			ret = crypto_problem(r, "throughput.gcm", ends, names,
					     n, k, done, gcm_text);
	memset(done, 0, (2 * run->n + 1) * sizeof(*done));
	for (size_t k = 0; !ret && k < n; k++)
		if (!done[k] && flags_slow(ends[k]))
			ret = crypto_problem(r, "throughput.cpu-aes", ends,
					     names, n, k, done, flags_text);
	free(ends);
	free(names);
	free(done);
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
	/* the other CPUs had room: one core, not the machine, is full */
	if (streams == 1 && e->cpu_ok && e->cpu.ncpu > 1 &&
	    e->cpu.core_max >= CORE_FULL &&
	    e->cpu.busy <= 100.0 / e->cpu.ncpu + 25) {
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
	int ret = crypto_limits(r, run);

	for (size_t i = 0; i < run->n && !ret; i++) {
		const struct tsn_tput_result *x = &run->res[i];
		size_t had = r->n_problems;

		if (!x->ok) {
			ret = failed(r, x);
			continue;
		}
		ret = path_limits(r, x) ?:
		      cpu_limit(r, x, &x->eb, x->b->name, streams);
		/* the receiver's CPU explains it, or else the sender's */
		if (!ret && r->n_problems == had)
			ret = cpu_limit(r, x, &x->ea, x->a->name, streams);
	}
	tsn_report_sort_problems(r);
	return ret;
}
