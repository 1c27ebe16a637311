/* verify_print.c - what `tsnet verify` says: the verdict first, then each
 * leak with what an engineer needs to find it (protocol, addresses,
 * ports, direction, count, where in the capture), then the encrypted and
 * silent pairs folded into a line each (listed with -v), then the
 * totals.  --json gives every reported pair.
 *
 * The rows come in a fixed order: with an inventory, every pair of
 * members in inventory order (silent ones too); without, every pair of
 * the capture in address order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <pcap/pcap.h>

#include "lib/output.h"
#include "verify/verify.h"

#define LEAKS_SHOWN 20		/* more leak rows only with -v */
#define PL(n) ((n) == 1 ? "" : "s")

enum tsn_vverdict tsn_vpair_verdict(const struct tsn_vpair *p)
{
	if (p->n[TSN_V_CLEARTEXT])
		return TSN_VV_LEAK;
	for (int c = TSN_V_ESP; c < TSN_V_CLEARTEXT; c++)
		if (p->n[c])
			return TSN_VV_ENCRYPTED;
	return TSN_VV_NO_TRAFFIC;
}

const char *tsn_vverdict_name(enum tsn_vverdict v)
{
	switch (v) {
	case TSN_VV_ENCRYPTED:
		return "encrypted";
	case TSN_VV_LEAK:
		return "LEAK";
	case TSN_VV_NO_TRAFFIC:
		break;
	}
	return "no-traffic";
}

/* ---- the rows, in order ------------------------------------------- */

typedef void (*row_fn)(const struct tsn_verify *v, const struct tsn_vpair *p,
		       void *arg);

static int cmp_rows(const void *x, const void *y)
{
	const struct tsn_vpair *a = *(const struct tsn_vpair *const *)x;
	const struct tsn_vpair *b = *(const struct tsn_vpair *const *)y;
	int r;

	if (a->a.family != b->a.family)
		return a->a.family < b->a.family ? -1 : 1;
	r = memcmp(a->a.a, b->a.a, 16);
	return r ? r : memcmp(a->b.a, b->b.a, 16);
}

/* Every pair of the capture, in address order. */
static int rows_seen(const struct tsn_verify *v, row_fn fn, void *arg)
{
	const struct tsn_vpairs *t = &v->pairs;
	const struct tsn_vpair **order;

	order = malloc((t->n ? t->n : 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		order[i] = &t->pair[i];
	qsort(order, t->n, sizeof(*order), cmp_rows);
	for (size_t i = 0; i < t->n; i++)
		fn(v, order[i], arg);
	free(order);
	return 0;
}

/* One pair of addresses of nodes i < j: its row, or a silent one when
 * it is the pair the inventory names (address with address, address6
 * with address6) and no packet of it was seen. */
static void member_row(const struct tsn_verify *v, int i, int j,
		       const struct tsn_addr *x, const struct tsn_addr *y,
		       bool named, row_fn fn, void *arg)
{
	const struct tsn_vpair *p;
	struct tsn_vpair silent = { .na = i, .nb = j };

	if (!x->family || x->family != y->family)
		return;
	tsn_addr_to_ip(x, &silent.a);
	tsn_addr_to_ip(y, &silent.b);
	p = tsn_vpairs_find(&v->pairs, &silent.a, &silent.b);
	if (p)
		fn(v, p, arg);
	else if (named)
		fn(v, &silent, arg);
}

/* Every pair of members, in inventory order; a node with two addresses
 * has a row per family. */
static int rows_members(const struct tsn_verify *v, row_fn fn, void *arg)
{
	const struct tsn_node *nd = v->inv->nodes;
	int n = (int)v->inv->n_nodes;

	for (int i = 0; i < n; i++) {
		for (int j = i + 1; j < n; j++) {
			const struct tsn_addr *xi[2] = { &nd[i].addr,
							 &nd[i].addr6 };
			const struct tsn_addr *yj[2] = { &nd[j].addr,
							 &nd[j].addr6 };

			for (int a = 0; a < 2; a++)
				for (int b = 0; b < 2; b++)
					member_row(v, i, j, xi[a], yj[b],
						   a == b, fn, arg);
		}
	}
	return 0;
}

static int for_each_row(const struct tsn_verify *v, row_fn fn, void *arg)
{
	if (v->inv && !v->all_pairs)
		return rows_members(v, fn, arg);
	return rows_seen(v, fn, arg);
}

/* ---- the verdict ---------------------------------------------------- */

struct tally {
	uint64_t rows[3];		/* per enum tsn_vverdict */
	uint64_t n[TSN_V_PAIR_N];	/* summed over encrypted pairs */
};

static void tally_row(const struct tsn_verify *v, const struct tsn_vpair *p,
		      void *arg)
{
	struct tally *t = arg;
	enum tsn_vverdict vv = tsn_vpair_verdict(p);

	(void)v;
	t->rows[vv]++;
	if (vv == TSN_VV_ENCRYPTED)
		for (int c = 0; c < TSN_V_PAIR_N; c++)
			t->n[c] += p->n[c];
}

static int tally(const struct tsn_verify *v, struct tally *t)
{
	memset(t, 0, sizeof(*t));
	return for_each_row(v, tally_row, t);
}

static bool over_leaks(const struct tsn_verify *v)
{
	return v->pairs.over.n[TSN_V_CLEARTEXT] != 0;
}

int tsn_verify_exit(const struct tsn_verify *v)
{
	struct tally t;

	if (tally(v, &t) < 0)
		return TSN_EXIT_RUNTIME;
	if (t.rows[TSN_VV_LEAK] || over_leaks(v))
		return TSN_EXIT_PROBLEM;
	/* nothing may pass by proving nothing */
	if (!t.rows[TSN_VV_ENCRYPTED] &&
	    tsn_vpair_verdict(&v->pairs.over) != TSN_VV_ENCRYPTED)
		return TSN_EXIT_PROBLEM;
	return TSN_EXIT_OK;
}

/* ---- words ---------------------------------------------------------- */

static const char *node_name(const struct tsn_verify *v, int n)
{
	return v->inv && n >= 0 ? v->inv->nodes[n].name : NULL;
}

const char *tsn_vproto_name(uint8_t proto, char *buf, size_t size)
{
	const char *s = tsn_l4_name(proto);

	if (s)
		return s;
	snprintf(buf, size, "proto %u", proto);
	return buf;
}

/* "2024-05-01 12:00:01.123456 UTC", or ISO 8601 for JSON. */
static const char *when(int64_t sec, uint32_t usec, bool iso, char *buf,
			size_t size)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char d[40];

	if (!gmtime_r(&t, &tm) ||
	    !strftime(d, sizeof(d), iso ? "%Y-%m-%dT%H:%M:%S" :
		      "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(d, sizeof(d), "%lld", (long long)sec);
	snprintf(buf, size, iso ? "%s.%06uZ" : "%s.%06u UTC", d,
		 usec % 1000000);
	return buf;
}

/* "198.18.0.1:40000" or "[fd00:7473::1]:22" or a bare address. */
static void endpoint(const struct tsn_ip_addr *ip, bool ports, uint16_t port,
		     char *buf, size_t size)
{
	char a[64];

	tsn_ip_addr_str(ip, a, sizeof(a));
	if (!ports)
		snprintf(buf, size, "%s", a);
	else if (ip->family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", a, port);
	else
		snprintf(buf, size, "%s:%u", a, port);
}

/* "12 cleartext packets; the first: tcp 198.18.0.1:40000 > 198.18.0.2:22
 * (n1 > n2), packet 5 at 2024-05-01 12:00:01.000000 UTC" */
static void leak_str(const struct tsn_verify *v, const struct tsn_vpair *p,
		     char *buf, size_t size)
{
	const struct tsn_vleak *l = &p->first;
	const struct tsn_ip_addr *src = l->a_to_b ? &p->a : &p->b;
	const struct tsn_ip_addr *dst = l->a_to_b ? &p->b : &p->a;
	char s[80], d[80], pr[16], t[48], dir[180] = "";
	const char *from = node_name(v, l->a_to_b ? p->na : p->nb);
	const char *to = node_name(v, l->a_to_b ? p->nb : p->na);
	uint64_t n = p->n[TSN_V_CLEARTEXT];

	endpoint(src, l->has_ports, l->sport, s, sizeof(s));
	endpoint(dst, l->has_ports, l->dport, d, sizeof(d));
	if (from && to)		/* the addresses alone say it otherwise */
		snprintf(dir, sizeof(dir), " (%s > %s)", from, to);
	snprintf(buf, size, "%llu cleartext packet%s; the first: %s%s %s > %s"
		 "%s, packet %llu at %s", (unsigned long long)n, PL(n),
		 tsn_vproto_name(l->proto, pr, sizeof(pr)),
		 !l->fragment ? "" : l->orphan ?
		 " fragment (its first fragment is not in the capture)" :
		 " fragment", s, d, dir, (unsigned long long)l->packet,
		 when(l->sec, l->usec, false, t, sizeof(t)));
}

/* "esp 1200, ike 8" over the classes of an encrypted pair. */
void tsn_vcounts_str(const uint64_t *n, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = 0;
	for (int c = TSN_V_ESP; c < TSN_V_CLEARTEXT && o < size; c++)
		if (n[c])
			o += (size_t)snprintf(buf + o, size - o, "%s%s %llu",
					      o ? ", " : "", tsn_vcls_key(c),
					      (unsigned long long)n[c]);
	if (n[TSN_V_AH] && o < size)
		snprintf(buf + o, size - o, "; AH authenticates, it does not "
			 "encrypt");
}

void tsn_vpair_label(const struct tsn_verify *v, const struct tsn_vpair *p,
		     char *buf, size_t size)
{
	char a[64], b[64];
	const char *na = node_name(v, p->na), *nb = node_name(v, p->nb);

	tsn_ip_addr_str(&p->a, a, sizeof(a));
	tsn_ip_addr_str(&p->b, b, sizeof(b));
	if (na && nb)
		snprintf(buf, size, "%s - %s (%s - %s)", na, nb, a, b);
	else
		snprintf(buf, size, "%s - %s", a, b);
}

/* ---- JSON ----------------------------------------------------------- */

/* The order of the JSON (and the totals line): non_ip before
 * truncated; a pair has no non_ip. */
static const enum tsn_vcls key_order[] = {
	TSN_V_ESP, TSN_V_ESP_IN_UDP, TSN_V_IKE, TSN_V_NAT_KEEPALIVE, TSN_V_AH,
	TSN_V_CLEARTEXT, TSN_V_NON_IP, TSN_V_TRUNCATED,
};

static void json_counts(struct tsn_json *j, const uint64_t *n, int count)
{
	for (size_t k = 0; k < ARRAY_SIZE(key_order); k++)
		if ((int)key_order[k] < count)
			tsn_json_kuint(j, tsn_vcls_key(key_order[k]),
				       n[key_order[k]]);
}

static void json_leak(const struct tsn_vpair *p, struct tsn_json *j)
{
	const struct tsn_vleak *l = &p->first;
	char a[64], b[64], pr[16], t[48];

	tsn_json_key(j, "first_cleartext");
	if (!p->n[TSN_V_CLEARTEXT]) {
		tsn_json_null(j);
		return;
	}
	tsn_json_obj_begin(j);
	tsn_json_kuint(j, "packet", l->packet);
	tsn_json_kstr(j, "time", when(l->sec, l->usec, true, t, sizeof(t)));
	tsn_json_kstr(j, "protocol", tsn_vproto_name(l->proto, pr, sizeof(pr)));
	tsn_json_kstr(j, "src", tsn_ip_addr_str(l->a_to_b ? &p->a : &p->b,
						a, sizeof(a)));
	tsn_json_kstr(j, "dst", tsn_ip_addr_str(l->a_to_b ? &p->b : &p->a,
						b, sizeof(b)));
	tsn_json_key(j, "sport");
	if (l->has_ports)
		tsn_json_uint(j, l->sport);
	else
		tsn_json_null(j);
	tsn_json_key(j, "dport");
	if (l->has_ports)
		tsn_json_uint(j, l->dport);
	else
		tsn_json_null(j);
	tsn_json_kstr(j, "direction", l->a_to_b ? "a>b" : "b>a");
	tsn_json_kbool(j, "fragment", l->fragment);
	tsn_json_kbool(j, "first_fragment_seen", !l->orphan);
	tsn_json_obj_end(j);
}

void tsn_vpair_json(const struct tsn_verify *v, const struct tsn_vpair *p,
		    struct tsn_json *j)
{
	char a[64], b[64];

	tsn_json_kstr(j, "a", tsn_ip_addr_str(&p->a, a, sizeof(a)));
	tsn_json_kstr(j, "b", tsn_ip_addr_str(&p->b, b, sizeof(b)));
	tsn_json_kstr(j, "a_node", node_name(v, p->na));
	tsn_json_kstr(j, "b_node", node_name(v, p->nb));
	tsn_json_kstr(j, "verdict", tsn_vverdict_name(tsn_vpair_verdict(p)));
	json_counts(j, p->n, TSN_V_PAIR_N);
	json_leak(p, j);
}

static void json_row(const struct tsn_verify *v, const struct tsn_vpair *p,
		     void *arg)
{
	struct tsn_json *j = arg;

	tsn_json_obj_begin(j);
	tsn_vpair_json(v, p, j);
	tsn_json_obj_end(j);
}

void tsn_verify_json(const struct tsn_verify *v, struct tsn_json *j)
{
	const struct tsn_vpairs *t = &v->pairs;

	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "command", "verify");
	tsn_json_kstr(j, "file", v->source);
	tsn_json_kint(j, "link_type", v->dlt);
	tsn_json_kstr(j, "link_type_name", pcap_datalink_val_to_name(v->dlt));
	tsn_json_kuint(j, "packets", v->packets);
	tsn_json_key(j, "totals");
	tsn_json_obj_begin(j);
	json_counts(j, v->totals, TSN_V_N);
	tsn_json_obj_end(j);
	tsn_json_key(j, "pairs");
	tsn_json_arr_begin(j);
	if (for_each_row(v, json_row, j) < 0)
		j->error = -ENOMEM;
	tsn_json_arr_end(j);
	/* pairs past the table's cap, summed: null while under it */
	tsn_json_key(j, "untracked_pairs");
	if (t->over_pairs_packets) {
		tsn_json_obj_begin(j);
		tsn_json_kuint(j, "packets", t->over_pairs_packets);
		json_counts(j, t->over.n, TSN_V_PAIR_N);
		json_leak(&t->over, j);
		tsn_json_obj_end(j);
	} else {
		tsn_json_null(j);
	}
	tsn_json_kstr(j, "read_error", v->read_error[0] ? v->read_error : NULL);
	tsn_json_kint(j, "exit", tsn_verify_exit(v));
	tsn_json_obj_end(j);
}

/* ---- the text ------------------------------------------------------- */

struct text {
	struct tsn_table tab;
	uint64_t leaks_shown;
	int ret;
};

static void add_row(struct text *x, const char *label, const char *verdict,
		    const char *detail)
{
	const char *cells[3] = { label, verdict, detail };

	if (!x->ret)
		x->ret = tsn_table_row(&x->tab, cells);
}

static void text_row(const struct tsn_verify *v, const struct tsn_vpair *p,
		     void *arg)
{
	struct text *x = arg;
	enum tsn_vverdict vv = tsn_vpair_verdict(p);
	char label[300], detail[700];

	if (vv == TSN_VV_LEAK && x->leaks_shown++ >= LEAKS_SHOWN &&
	    !tsn_verbose)
		return;
	if (vv != TSN_VV_LEAK && !tsn_verbose)
		return;		/* folded into one line each */
	tsn_vpair_label(v, p, label, sizeof(label));
	if (vv == TSN_VV_LEAK)
		leak_str(v, p, detail, sizeof(detail));
	else
		tsn_vcounts_str(p->n, detail, sizeof(detail));
	if (p->n[TSN_V_TRUNCATED])
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "%s%llu truncated", detail[0] ? "; " : "",
			 (unsigned long long)p->n[TSN_V_TRUNCATED]);
	add_row(x, label, tsn_vverdict_name(vv), detail);
}

static void print_verdict(const struct tsn_verify *v, const struct tally *t)
{
	uint64_t rows = t->rows[0] + t->rows[1] + t->rows[2];
	const char *src = v->source ? v->source : "capture";

	if (t->rows[TSN_VV_LEAK] || over_leaks(v))
		printf("LEAK: %llu of %llu pair%s sent cleartext (%s, %llu "
		       "packet%s)\n", (unsigned long long)t->rows[TSN_VV_LEAK],
		       (unsigned long long)rows, PL(rows), src,
		       (unsigned long long)v->packets, PL(v->packets));
	else if (t->rows[TSN_VV_ENCRYPTED])
		printf("encrypted: every pair that sent packets is encrypted "
		       "(%llu of %llu pair%s; %s, %llu packet%s)\n",
		       (unsigned long long)t->rows[TSN_VV_ENCRYPTED],
		       (unsigned long long)rows, PL(rows), src,
		       (unsigned long long)v->packets, PL(v->packets));
	else
		printf("no-traffic: no whole packet between %s in %s (%llu "
		       "packet%s): nothing is proven\n",
		       v->inv && !v->all_pairs ? "two members" :
		       "two IP addresses", src,
		       (unsigned long long)v->packets, PL(v->packets));
}

static void print_folded(const struct tsn_verify *v, const struct tally *t,
			 const struct text *x)
{
	char c[700];

	if (x->leaks_shown > LEAKS_SHOWN && !tsn_verbose)
		printf("... and %llu more leaking pairs (-v lists them)\n",
		       (unsigned long long)(x->leaks_shown - LEAKS_SHOWN));
	if (over_leaks(v) || v->pairs.over_pairs_packets) {
		leak_str(v, &v->pairs.over, c, sizeof(c));
		printf("untracked: %llu packets of pairs past the table's %d "
		       "pairs%s%s\n",
		       (unsigned long long)v->pairs.over_pairs_packets,
		       TSN_VERIFY_PAIRS_MAX, over_leaks(v) ? ", LEAK: " : "",
		       over_leaks(v) ? c : "");
	}
	if (tsn_verbose)
		return;
	tsn_vcounts_str(t->n, c, sizeof(c));
	if (t->rows[TSN_VV_ENCRYPTED])
		printf("encrypted: %llu pair%s (%s)\n",
		       (unsigned long long)t->rows[TSN_VV_ENCRYPTED],
		       PL(t->rows[TSN_VV_ENCRYPTED]), c);
	if (t->rows[TSN_VV_NO_TRAFFIC])
		printf("no-traffic: %llu pair%s (-v lists them)\n",
		       (unsigned long long)t->rows[TSN_VV_NO_TRAFFIC],
		       PL(t->rows[TSN_VV_NO_TRAFFIC]));
}

static void print_totals(const struct tsn_verify *v)
{
	printf("totals: %llu packet%s:", (unsigned long long)v->packets,
	       PL(v->packets));
	for (size_t k = 0; k < ARRAY_SIZE(key_order); k++)
		printf("%s %s %llu", k ? "," : "", tsn_vcls_key(key_order[k]),
		       (unsigned long long)v->totals[key_order[k]]);
	printf("\n");
	if (v->read_error[0])
		printf("incomplete: reading stopped %s\n", v->read_error);
}

static int print_text(const struct tsn_verify *v, bool colour)
{
	struct text x = { .ret = 0 };
	struct tally t;
	int ret;

	if ((ret = tally(v, &t)) < 0)
		return ret;
	tsn_table_init(&x.tab, 3);
	add_row(&x, "PAIR", "VERDICT", "DETAIL");
	if ((ret = for_each_row(v, text_row, &x)) < 0 || (ret = x.ret) < 0)
		goto out;
	print_verdict(v, &t);
	if (x.tab.nrows > 1)
		tsn_table_print(&x.tab, stdout, colour);
	print_folded(v, &t, &x);
	print_totals(v);
out:
	tsn_table_free(&x.tab);
	return ret;
}

int tsn_verify_print(const struct tsn_verify *v, bool json, bool colour)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int ret;

	if (json) {
		tsn_json_init(&j, &b, true);
		tsn_verify_json(v, &j);
		ret = tsn_json_finish(&j);
		if (!ret)
			ret = fputs(b.p, stdout) < 0 || putchar('\n') < 0 ?
			      -EIO : 0;
		tsn_buf_free(&b);
	} else {
		ret = print_text(v, colour);
	}
	if (fflush(stdout) || ferror(stdout))
		ret = ret ? ret : -EIO;
	return ret;
}
