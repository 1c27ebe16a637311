/* proc.c - the /proc files a throughput measurement reads.
 *
 * Pure parsers over text (the agent reads the files, tests feed recorded
 * and hostile copies): a line past its bound, a number that is not one,
 * a CPU numbered past the cap is an error, never a guess.  Where a file
 * lacks what we look for, /proc/stat or /proc/net/snmp without their
 * lines is an error (every kernel has them); /proc/crypto without a GCM
 * or /proc/cpuinfo without a flags line is an answer, not a parse error:
 * no GCM driver loaded (TSN_AEAD_UNKNOWN), CPU flags unknown (known
 * false).  Numbers only through tsn_parse_u64.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "throughput/throughput.h"

#define LINE_MAX_LEN 8192	/* /proc/cpuinfo's flags line is ~1.5 KiB */
#define FIELDS_MAX 128

/* Next line of [*p, end) into buf (NUL-terminated, without '\n').
 * 0 at the end, -1 for a line too long for buf, else 1. */
static int next_line(const char **p, const char *end, char *buf, size_t len)
{
	const char *s = *p, *nl;
	size_t n;

	if (s >= end)
		return 0;
	nl = memchr(s, '\n', (size_t)(end - s));
	n = nl ? (size_t)(nl - s) : (size_t)(end - s);
	*p = nl ? nl + 1 : end;
	if (n >= len)	/* a line longer than any real one: hostile */
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, '\0', n))	/* an embedded NUL ends nothing well */
		return -1;
	return 1;
}

/* Split on blanks, in place; at most max fields. */
static size_t split(char *s, char **f, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(s, " \t", &save); t && n < max;
	     t = strtok_r(NULL, " \t", &save))
		f[n++] = t;
	return n;
}

void tsn_cpu_snap_free(struct tsn_cpu_snap *s)
{
	free(s->cpu);
	memset(s, 0, sizeof(*s));
}

/* "cpu" or "cpuN" and at least user nice system idle iowait irq softirq;
 * steal when there. */
static int stat_tick(char **f, size_t nf, struct tsn_cpu_tick *t)
{
	uint64_t v[8] = { 0 };
	size_t want = nf - 1 < 8 ? nf - 1 : 8;

	if (nf < 8)
		return -EINVAL;
	for (size_t i = 0; i < want; i++)
		if (tsn_parse_u64(f[i + 1], 0, UINT64_MAX / 16, &v[i]) < 0)
			return -EINVAL;
	/* each below 2^60: the sums cannot wrap */
	t->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	t->softirq = v[6];
	t->total = t->busy + v[3] + v[4];
	return 0;
}

static int stat_cpu(struct tsn_cpu_snap *s, const char *num,
		    const struct tsn_cpu_tick *t)
{
	struct tsn_cpu_tick *c;
	unsigned k;

	if (tsn_parse_uint(num, 0, TSN_TPUT_CPUS_MAX - 1, &k) < 0)
		return -EINVAL;
	if (k >= s->n) {
		c = realloc(s->cpu, (k + 1) * sizeof(*c));
		if (!c)
			return -ENOMEM;
		memset(c + s->n, 0, (k + 1 - s->n) * sizeof(*c));
		s->cpu = c;
		s->n = k + 1;
	}
	s->cpu[k] = *t;
	return 0;
}

int tsn_proc_stat_parse(const char *text, size_t len,
			struct tsn_cpu_snap *out)
{
	const char *p = text, *end = text + len;
	char line[LINE_MAX_LEN], *f[FIELDS_MAX];
	struct tsn_cpu_tick t;
	bool all = false;
	size_t nf;
	int r, ret = 0;

	memset(out, 0, sizeof(*out));
	while (!ret && (r = next_line(&p, end, line, sizeof(line))) != 0) {
		if (r < 0) {
			ret = -EINVAL;
			break;
		}
		if (strncmp(line, "cpu", 3))
			continue;
		nf = split(line, f, FIELDS_MAX);
		if (nf == 0 || stat_tick(f, nf, &t) < 0) {
			ret = -EINVAL;
			break;
		}
		if (!strcmp(f[0], "cpu")) {
			all = true;
			out->all = t;
		} else {
			ret = stat_cpu(out, f[0] + 3, &t);
		}
	}
	if (!ret && (!all || out->n == 0))
		ret = -EINVAL;	/* nothing to measure with */
	if (ret)
		tsn_cpu_snap_free(out);
	return ret;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static int tick_delta(const struct tsn_cpu_tick *a,
		      const struct tsn_cpu_tick *b, struct tsn_cpu_tick *d)
{
	if (b->busy < a->busy || b->total < a->total ||
	    b->softirq < a->softirq)
		return -EINVAL;	/* counters only grow: not the same host */
	d->busy = b->busy - a->busy;
	d->softirq = b->softirq - a->softirq;
	d->total = b->total - a->total;
	return 0;
}

int tsn_cpu_use(const struct tsn_cpu_snap *a, const struct tsn_cpu_snap *b,
		struct tsn_cpu_use *out)
{
	struct tsn_cpu_tick d;
	double x;

	memset(out, 0, sizeof(*out));
	if (a->n != b->n || tick_delta(&a->all, &b->all, &d) < 0)
		return -EINVAL;
	out->busy = pct(d.busy, d.total);
	out->ncpu = (unsigned)a->n;
	for (size_t i = 0; i < a->n; i++) {
		if (tick_delta(&a->cpu[i], &b->cpu[i], &d) < 0)
			return -EINVAL;
		x = pct(d.busy, d.total);
		if (x > out->core_max)
			out->core_max = x;
		x = pct(d.softirq, d.total);
		if (x > out->softirq_max)
			out->softirq_max = x;
	}
	return 0;
}

/* ---- /proc/crypto ---- */

static const char *const kind_names[] = {
	[TSN_AEAD_UNKNOWN] = "unknown",
	[TSN_AEAD_ACCEL] = "accelerated",
	[TSN_AEAD_COMPOSED] = "composed",
	[TSN_AEAD_GENERIC] = "generic",
};

const char *tsn_aead_kind_name(enum tsn_aead_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "unknown";
}

int tsn_aead_kind_parse(const char *s, enum tsn_aead_kind *out)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(kind_names); i++)
		if (!strcmp(s, kind_names[i])) {
			*out = (enum tsn_aead_kind)i;
			return 0;
		}
	return -EINVAL;
}

/* One record of /proc/crypto, as far as we need it. */
struct crec {
	char name[64], driver[128];
	unsigned prio;
	bool internal, failed;
};

/* Which record wins per wanted name: the kernel picks the highest
 * priority among the tested, non-internal ones. */
static const char *const wanted[] = { "rfc4106(gcm(aes))", "gcm(aes)", "aes" };

static void consider(const struct crec *c, struct crec *best, bool *have)
{
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
		if (strcmp(c->name, wanted[i]) || c->internal || c->failed)
			continue;
		if (!have[i] || c->prio > best[i].prio)
			best[i] = *c;
		have[i] = true;
	}
}

/* "key : value"; 1 when the line was one, 0 when not, -1 when the
 * value does not fit. */
static int crypto_field(char *line, struct crec *c)
{
	char *colon = strchr(line, ':'), *v, *k = line;
	size_t kl;

	if (!colon)
		return 0;
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	for (kl = (size_t)(colon - k); kl && (k[kl - 1] == ' ' ||
					     k[kl - 1] == '\t'); kl--)
		;
	k[kl] = '\0';
	if (!strcmp(k, "name") || !strcmp(k, "driver")) {
		char *dst = k[0] == 'n' ? c->name : c->driver;
		size_t cap = k[0] == 'n' ? sizeof(c->name) : sizeof(c->driver);

		if (strlen(v) >= cap)
			return -1;
		memcpy(dst, v, strlen(v) + 1);
	} else if (!strcmp(k, "priority")) {
		if (tsn_parse_uint(v, 0, 1000000, &c->prio) < 0)
			return -1;
	} else if (!strcmp(k, "internal")) {
		c->internal = !strcmp(v, "yes");
	} else if (!strcmp(k, "selftest")) {
		c->failed = strcmp(v, "passed") != 0;
	}
	return 1;
}

/* Generic C anywhere in the driver's name makes it slow; an accelerated
 * one-piece driver has no template in its name. */
static enum tsn_aead_kind classify(const char *driver)
{
	static const char *const slow[] = { "generic", "fixed-time" };

	for (size_t i = 0; i < ARRAY_SIZE(slow); i++)
		if (strstr(driver, slow[i]))
			return TSN_AEAD_GENERIC;
	return strchr(driver, '(') ? TSN_AEAD_COMPOSED : TSN_AEAD_ACCEL;
}

int tsn_proc_crypto_parse(const char *text, size_t len, struct tsn_aead *out)
{
	const char *p = text, *end = text + len;
	struct crec c = { 0 }, best[ARRAY_SIZE(wanted)];
	bool have[ARRAY_SIZE(wanted)] = { false };
	char line[LINE_MAX_LEN];
	int r;

	memset(out, 0, sizeof(*out));
	memset(best, 0, sizeof(best));
	while ((r = next_line(&p, end, line, sizeof(line))) != 0) {
		if (r < 0)
			return -EINVAL;
		if (!line[strspn(line, " \t")]) {	/* a record ends */
			consider(&c, best, have);
			memset(&c, 0, sizeof(c));
			continue;
		}
		if (crypto_field(line, &c) < 0)
			return -EINVAL;
	}
	consider(&c, best, have);
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
		if (!have[i] || !best[i].driver[0])
			continue;
		out->kind = classify(best[i].driver);
		if (i > 0 && out->kind == TSN_AEAD_ACCEL)
			out->kind = TSN_AEAD_COMPOSED;	/* GCM from parts */
		snprintf(out->name, sizeof(out->name), "%s", best[i].name);
		snprintf(out->driver, sizeof(out->driver), "%s",
			 best[i].driver);
		return 0;
	}
	return 0;	/* known to have nothing: TSN_AEAD_UNKNOWN */
}

/* ---- /proc/cpuinfo ---- */

static bool has_word(char **f, size_t nf, const char *w)
{
	for (size_t i = 0; i < nf; i++)
		if (!strcmp(f[i], w))
			return true;
	return false;
}

int tsn_proc_cpuinfo_parse(const char *text, size_t len,
			   struct tsn_cpu_flags *out)
{
	const char *p = text, *end = text + len;
	char line[LINE_MAX_LEN], *f[1024], *colon;
	size_t nf;
	int r;

	memset(out, 0, sizeof(*out));
	while ((r = next_line(&p, end, line, sizeof(line))) != 0) {
		if (r < 0)
			return -EINVAL;
		if (strncmp(line, "flags", 5) && strncmp(line, "Features", 8))
			continue;
		colon = strchr(line, ':');
		if (!colon)
			continue;
		nf = split(colon + 1, f, ARRAY_SIZE(f));
		out->known = true;
		out->aes = has_word(f, nf, "aes");
		out->clmul = has_word(f, nf, "pclmulqdq") ||
			     has_word(f, nf, "pmull");
		return 0;
	}
	return 0;	/* no flags line: known stays false */
}

/* ---- /proc/net/snmp ---- */

/* A "Proto: Name Name ..." line then "Proto: 1 2 ...": the value of
 * each name we want. */
static int snmp_pair(char *names, char *values, struct tsn_snmp *out)
{
	char *fn[FIELDS_MAX], *fv[FIELDS_MAX];
	size_t nn = split(names, fn, FIELDS_MAX);
	size_t nv = split(values, fv, FIELDS_MAX);
	uint64_t x;

	if (nn != nv || nn == 0 || strcmp(fn[0], fv[0]))
		return -EINVAL;	/* the two lines must line up */
	for (size_t i = 1; i < nn; i++) {
		uint64_t *dst = NULL;

		if (!strcmp(fn[0], "Ip:") && !strcmp(fn[i], "FragCreates"))
			dst = &out->frag_creates;
		else if (!strcmp(fn[0], "Ip:") && !strcmp(fn[i], "ReasmReqds"))
			dst = &out->reasm_reqds;
		else if (!strcmp(fn[0], "Tcp:") && !strcmp(fn[i], "RetransSegs"))
			dst = &out->retrans;
		if (!dst)
			continue;
		if (tsn_parse_u64(fv[i], 0, UINT64_MAX, &x) < 0)
			return -EINVAL;
		*dst = x;
	}
	return 0;
}

int tsn_proc_snmp_parse(const char *text, size_t len, struct tsn_snmp *out)
{
	const char *p = text, *end = text + len;
	char names[LINE_MAX_LEN], values[LINE_MAX_LEN];
	unsigned seen = 0;
	int r;

	memset(out, 0, sizeof(*out));
	while ((r = next_line(&p, end, names, sizeof(names))) != 0) {
		if (r < 0)
			return -EINVAL;
		if (strncmp(names, "Ip: ", 4) && strncmp(names, "Tcp: ", 5))
			continue;
		if (next_line(&p, end, values, sizeof(values)) != 1 ||
		    snmp_pair(names, values, out) < 0)
			return -EINVAL;
		seen++;
	}
	return seen == 2 ? 0 : -EINVAL;
}
