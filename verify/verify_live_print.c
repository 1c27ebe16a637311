/* verify_live_print.c - what a live `tsnet verify` says: the verdict, a
 * row per leaking flow (protocol, addresses, ports, direction, packets),
 * every SPI no live SA has, the pairs that carried nothing, the nodes
 * that could not capture; encrypted pairs folded into one line (listed
 * with -v).  --json has every pair in the shape --read gives them, with
 * the flows, the SPIs and each node's capture beside.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/output.h"
#include "throughput/throughput.h"
#include "verify/verify.h"

#define PL(n) ((n) == 1 ? "" : "s")

static const char *node_name(const struct tsn_vlive *L, int n)
{
	return L->inv->nodes[n].name;
}

/* The node whose address ip is, within pair lp. */
static int node_of(const struct tsn_vlpair *lp, const struct tsn_ip_addr *ip)
{
	return tsn_vip_eq(ip, &lp->p.a) ? lp->p.na : lp->p.nb;
}

static void endpoint(const struct tsn_ip_addr *ip, bool ports,
		     uint16_t port, char *buf, size_t size)
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

/* "udp 198.18.0.1:40000 > 198.18.0.2:7000 (n1 > n2): 5 packets" */
static void flow_str(const struct tsn_vlive *L, const struct tsn_vlpair *lp,
		     const struct tsn_vflow *f, char *buf, size_t size)
{
	char s[80], d[80], pr[16];

	endpoint(&f->src, f->has_ports, f->sport, s, sizeof(s));
	endpoint(&f->dst, f->has_ports, f->dport, d, sizeof(d));
	snprintf(buf, size, "%s %s > %s (%s > %s): %llu packet%s",
		 tsn_vproto_name(f->proto, pr, sizeof(pr)), s, d,
		 node_name(L, node_of(lp, &f->src)),
		 node_name(L, node_of(lp, &f->dst)),
		 (unsigned long long)f->n, PL(f->n));
}

static const char *spi_why(enum tsn_vspi_state st)
{
	switch (st) {
	case TSN_VSPI_NO_SA:
		return "no SA of tsnet's on either node has it (stale, or "
		       "another IPsec daemon's)";
	case TSN_VSPI_NO_STATE:
		return "charon lists it, but the receiver's kernel holds no "
		       "state for it (removed outside charon: `tsnet "
		       "enable-ipsec` sets it up again)";
	case TSN_VSPI_UNCHECKED:
		return "not checked: an end's SAs could not be read (below)";
	case TSN_VSPI_MATCHED:
		break;
	}
	return "matched";
}

/* "ESP under SPI 0xc1a2b3c4 n2 > n1, 12 packets: ..." */
static void spi_str(const struct tsn_vlive *L, const struct tsn_vlpair *lp,
		    const struct tsn_vspi *s, char *buf, size_t size)
{
	snprintf(buf, size, "ESP under SPI 0x%08x %s > %s, %llu packet%s: %s",
		 s->spi, node_name(L, node_of(lp, &s->src)),
		 node_name(L, node_of(lp, &s->dst)), (unsigned long long)s->n,
		 PL(s->n), spi_why(s->st));
}

/* ---- text ------------------------------------------------------------- */

struct text {
	struct tsn_table tab;
	size_t rows[3], bad_spi_pairs, unseen, folded;
	uint64_t enc[TSN_V_PAIR_N];
	int ret;
};

static void row(struct text *x, const char *label, const char *verdict,
		const char *detail)
{
	const char *cells[3] = { label, verdict, detail };

	if (!x->ret)
		x->ret = tsn_table_row(&x->tab, cells);
}

static void text_pair(const struct tsn_vlive *L, const struct tsn_vlpair *lp,
		      struct tsn_verify *names, struct text *x)
{
	enum tsn_vverdict vv = tsn_vpair_verdict(&lp->p);
	char label[300], d[700];
	const char *verdict = tsn_vverdict_name(vv);

	x->rows[vv]++;
	if (lp->bad_spis)
		x->bad_spi_pairs++;
	if (!lp->seen)
		x->unseen++;
	if (vv == TSN_VV_ENCRYPTED && !lp->bad_spis && !lp->unchecked_spis &&
	    !lp->spis_over && !tsn_verbose) {
		for (int c = 0; c < TSN_V_PAIR_N; c++)
			x->enc[c] += lp->p.n[c];
		x->folded++;
		return;
	}
	tsn_vpair_label(names, &lp->p, label, sizeof(label));
	if (!lp->seen) {
		row(x, label, "unknown", "neither node's capture was read");
		return;
	}
	if (vv == TSN_VV_NO_TRAFFIC)
		row(x, label, verdict, "no packet between them was captured, "
		    "not even this run's own pings: is the interface right "
		    "(--interface)?");
	for (size_t k = 0; k < lp->n_flows; k++) {
		flow_str(L, lp, &lp->flows[k], d, sizeof(d));
		row(x, k ? "" : label, k ? "" : verdict, d);
	}
	/* a leak whose flows did not fit still has its row */
	if (lp->flows_over || (vv == TSN_VV_LEAK && !lp->n_flows)) {
		snprintf(d, sizeof(d), "cleartext in flows not kept (cap: a "
			 "node keeps %d flows, a pair %d)", TSN_VL_FLOWS_MAX,
			 TSN_VL_PAIR_FLOWS);
		row(x, lp->n_flows ? "" : label, lp->n_flows ? "" : verdict,
		    d);
	}
	if (vv == TSN_VV_ENCRYPTED) {
		tsn_vcounts_str(lp->p.n, d, sizeof(d));
		row(x, label, verdict, d);
	}
	for (size_t k = 0; k < lp->n_spis; k++) {
		if (lp->spis[k].st == TSN_VSPI_MATCHED && !tsn_verbose)
			continue;
		spi_str(L, lp, &lp->spis[k], d, sizeof(d));
		row(x, "", lp->spis[k].st == TSN_VSPI_MATCHED ? "" :
		    lp->spis[k].st == TSN_VSPI_UNCHECKED ? "not checked" :
		    "unknown SPI", d);
	}
	if (lp->spis_over) {
		snprintf(d, sizeof(d), "%llu ESP packet%s under SPIs past the "
			 "cap of %d a pair: not checked",
			 (unsigned long long)lp->spis_over, PL(lp->spis_over),
			 TSN_VL_PAIR_SPIS);
		row(x, "", "not checked", d);
	}
}

static void print_verdict(const struct tsn_vlive *L, const struct text *x)
{
	size_t n = L->n_pairs;
	unsigned s = L->o->ms / 1000;

	if (x->rows[TSN_VV_LEAK])
		printf("LEAK: %zu of %zu pair%s sent cleartext (a %u s "
		       "capture on %zu nodes)\n", x->rows[TSN_VV_LEAK], n,
		       PL(n), s, L->inv->n_nodes);
	else if (x->bad_spi_pairs)
		printf("unknown SPI: %zu of %zu pair%s carry ESP that no "
		       "live SA has\n", x->bad_spi_pairs, n, PL(n));
	else if (L->failed)
		printf("incomplete: %zu of %zu node%s could not capture\n",
		       L->failed, L->inv->n_nodes, PL(L->inv->n_nodes));
	else if (L->sas_failed)
		printf("incomplete: the SAs of %zu of %zu node%s could not be "
		       "read: their SPIs are not checked\n", L->sas_failed,
		       L->inv->n_nodes, PL(L->inv->n_nodes));
	else if (L->spis_over)
		printf("not all SPIs checked: %llu ESP packet%s under SPIs "
		       "past the caps (below): nothing is proven for them\n",
		       (unsigned long long)L->spis_over, PL(L->spis_over));
	else if (x->rows[TSN_VV_NO_TRAFFIC] || !n)
		printf("no-traffic: %zu of %zu pair%s carried no packet the "
		       "capture saw: nothing is proven for them\n",
		       x->rows[TSN_VV_NO_TRAFFIC], n, PL(n));
	else if (L->xstat.len)	/* exit 1: the first line says why */
		printf("encrypted, but the kernel dropped IPsec packets "
		       "during the capture (below): %zu pair%s, a %u s "
		       "capture\n", n, PL(n), s);
	else
		printf("encrypted: every pair is encrypted, every SPI on the "
		       "wire is a live SA's (%zu pair%s, a %u s capture)\n",
		       n, PL(n), s);
}

static void print_nodes(const struct tsn_vlive *L)
{
	for (size_t i = 0; i < L->inv->n_nodes; i++) {
		const struct tsn_vlnode *n = &L->nodes[i];

		if (n->error)
			printf("%s: no capture: %s\n", n->node->name,
			       n->error);
		else if (n->kept < n->packets)
			printf("%s: %llu of %llu packets kept (the rest past "
			       "the capture's size cap, counted nowhere)\n",
			       n->node->name, (unsigned long long)n->kept,
			       (unsigned long long)n->packets);
		if (n->sas_error && !n->error)	/* that line says it */
			printf("%s: SAs not read: %s\n", n->node->name,
			       n->sas_error);
		if (n->flows_over)
			printf("%s: %llu cleartext packet%s in flows not kept "
			       "(past the cap of %d flows; counted in the "
			       "pairs)\n", n->node->name,
			       (unsigned long long)n->flows_over,
			       PL(n->flows_over), TSN_VL_FLOWS_MAX);
		if (n->spis_over)
			printf("%s: %llu ESP packet%s under SPIs not checked "
			       "(past the cap of %d SPIs)\n", n->node->name,
			       (unsigned long long)n->spis_over,
			       PL(n->spis_over), TSN_VL_SPIS_MAX);
		if (n->path[0])
			printf("%s: capture kept in %s\n", n->node->name,
			       n->path);
	}
}

/* When the pairs' throughput was last measured, as status says it: the
 * price of encryption is the next question after "is it encrypted". */
static void tput_date_text(void)
{
	char when[64];

	tsn_tput_last_date(when, sizeof(when));
	if (when[0])
		printf("throughput: last measured %s (tsnet throughput)\n",
		       when);
}

static int print_text(const struct tsn_vlive *L, struct tsn_verify *names,
		      bool colour)
{
	struct text x = { .ret = 0 };
	char c[700];

	tsn_table_init(&x.tab, 3);
	row(&x, "PAIR", "VERDICT", "DETAIL");
	for (size_t k = 0; k < L->n_pairs; k++)
		text_pair(L, &L->pairs[k], names, &x);
	if (x.ret)
		goto out;
	print_verdict(L, &x);
	if (x.tab.nrows > 1)
		tsn_table_print(&x.tab, stdout, colour);
	tsn_vcounts_str(x.enc, c, sizeof(c));
	if (x.folded)
		printf("encrypted: %zu pair%s (%s; -v lists them)\n",
		       x.folded, PL(x.folded), c);
	print_nodes(L);
	tput_date_text();
out:
	tsn_table_free(&x.tab);
	return x.ret;
}

/* ---- JSON ------------------------------------------------------------- */

static void json_flow(const struct tsn_vlive *L, const struct tsn_vlpair *lp,
		      const struct tsn_vflow *f, struct tsn_json *j)
{
	char a[64], pr[16];

	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "protocol", tsn_vproto_name(f->proto, pr,
						     sizeof(pr)));
	tsn_json_kstr(j, "src", tsn_ip_addr_str(&f->src, a, sizeof(a)));
	tsn_json_kstr(j, "dst", tsn_ip_addr_str(&f->dst, a, sizeof(a)));
	tsn_json_key(j, "sport");
	f->has_ports ? tsn_json_uint(j, f->sport) : tsn_json_null(j);
	tsn_json_key(j, "dport");
	f->has_ports ? tsn_json_uint(j, f->dport) : tsn_json_null(j);
	tsn_json_kstr(j, "src_node", node_name(L, node_of(lp, &f->src)));
	tsn_json_kstr(j, "dst_node", node_name(L, node_of(lp, &f->dst)));
	tsn_json_kstr(j, "direction", tsn_vip_eq(&f->src, &lp->p.a) ?
		      "a>b" : "b>a");
	tsn_json_kuint(j, "packets", f->n);
	tsn_json_obj_end(j);
}

static void json_spi(const struct tsn_vlive *L, const struct tsn_vlpair *lp,
		     const struct tsn_vspi *s, struct tsn_json *j)
{
	static const char *const st[] = {
		[TSN_VSPI_MATCHED] = "matched",
		[TSN_VSPI_NO_SA] = "no-sa",
		[TSN_VSPI_NO_STATE] = "no-kernel-state",
		[TSN_VSPI_UNCHECKED] = "unchecked",
	};
	char x[12];

	snprintf(x, sizeof(x), "%08x", s->spi);
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "spi", x);
	tsn_json_kstr(j, "src_node", node_name(L, node_of(lp, &s->src)));
	tsn_json_kstr(j, "dst_node", node_name(L, node_of(lp, &s->dst)));
	tsn_json_kuint(j, "packets", s->n);
	tsn_json_kstr(j, "sa", st[s->st]);
	tsn_json_obj_end(j);
}

static void json_pair(const struct tsn_vlive *L, const struct tsn_vlpair *lp,
		      const struct tsn_verify *names, struct tsn_json *j)
{
	tsn_json_obj_begin(j);
	tsn_vpair_json(names, &lp->p, j);
	tsn_json_kbool(j, "captured", lp->seen);
	tsn_json_key(j, "leaks");
	tsn_json_arr_begin(j);
	for (size_t k = 0; k < lp->n_flows; k++)
		json_flow(L, lp, &lp->flows[k], j);
	tsn_json_arr_end(j);
	tsn_json_key(j, "spis");
	tsn_json_arr_begin(j);
	for (size_t k = 0; k < lp->n_spis; k++)
		json_spi(L, lp, &lp->spis[k], j);
	tsn_json_arr_end(j);
	tsn_json_kuint(j, "unknown_spis", lp->bad_spis);
	tsn_json_kuint(j, "unchecked_spis", lp->unchecked_spis);
	tsn_json_kuint(j, "flows_not_kept", lp->flows_over);
	tsn_json_kuint(j, "spi_packets_not_checked", lp->spis_over);
	tsn_json_obj_end(j);
}

static void json_nodes(const struct tsn_vlive *L, struct tsn_json *j)
{
	tsn_json_key(j, "nodes");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < L->inv->n_nodes; i++) {
		const struct tsn_vlnode *n = &L->nodes[i];

		tsn_json_obj_begin(j);
		tsn_json_kstr(j, "node", n->node->name);
		tsn_json_kstr(j, "interface", n->ifname);
		tsn_json_kuint(j, "packets", n->packets);
		tsn_json_kuint(j, "kept", n->kept);
		tsn_json_kstr(j, "capture", n->path[0] ? n->path : NULL);
		tsn_json_kstr(j, "error", n->error);
		tsn_json_kstr(j, "sas_error", n->sas_error);
		tsn_json_kuint(j, "flows_not_kept", n->flows_over);
		tsn_json_kuint(j, "spi_packets_not_checked", n->spis_over);
		tsn_json_obj_end(j);
	}
	tsn_json_arr_end(j);
}

/* The kernel's drop counters that rose while the nodes captured. */
static void print_counters(const struct tsn_vlive *L)
{
	if (L->xstat.len)
		printf("\nthe kernel dropped IPsec packets during the "
		       "capture:\n");
	for (const char *l = L->xstat.p, *e; l && (e = strchr(l, '\n'));
	     l = e + 1)
		printf("  %.*s\n", (int)(e - l), l);
	for (const char *l = L->xstat_note.p, *e;
	     l && (e = strchr(l, '\n')); l = e + 1)
		printf("note: %.*s\n", (int)(e - l), l);
}

static int print_json(const struct tsn_vlive *L, const struct tsn_verify *names)
{
	char when[64];
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int ret;

	tsn_json_init(&j, &b, true);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "command", "verify");
	tsn_json_kstr(&j, "mode", "live");
	tsn_json_kuint(&j, "duration_ms", L->o->ms);
	tsn_tput_last_date(when, sizeof(when));
	tsn_json_kstr(&j, "throughput_last", when[0] ? when : NULL);
	json_nodes(L, &j);
	tsn_json_key(&j, "pairs");
	tsn_json_arr_begin(&j);
	for (size_t k = 0; k < L->n_pairs; k++)
		json_pair(L, &L->pairs[k], names, &j);
	tsn_json_arr_end(&j);
	tsn_json_lines(&j, "xfrm_stat", L->xstat.p);
	tsn_json_lines(&j, "notes", L->xstat_note.p);
	tsn_json_kint(&j, "exit", L->exit);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (!ret)
		ret = fputs(b.p, stdout) < 0 || putchar('\n') < 0 ? -EIO : 0;
	tsn_buf_free(&b);
	return ret;
}

int tsn_vlive_print(const struct tsn_vlive *L, bool json, bool colour)
{
	/* the pair helpers of --read name nodes through a verify that has
	 * the inventory */
	struct tsn_verify names = { .inv = L->inv };
	int ret;

	ret = json ? print_json(L, &names) : print_text(L, &names, colour);
	if (!json && !ret)
		print_counters(L);
	if (fflush(stdout) || ferror(stdout))
		ret = ret ? ret : -EIO;
	return ret;
}
