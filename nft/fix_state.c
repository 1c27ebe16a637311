/* fix_state.c - what `preflight --fix` leaves on disk: the record of what
 * it inserted (/var/lib/tsnet/nftables.json, so --unfix removes exactly
 * that), the ruleset before the change (for the support bundle), and the
 * same change as nft syntax with a systemd unit, so it survives a reboot.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <linux/netfilter.h>

#include "lib/json.h"
#include "nft/fix.h"
#include "nft/nft.h"

extern char **environ;

void tsn_fix_state_free(struct tsn_fix_state *st)
{
	free(st->members);
	free(st->ins);
	memset(st, 0, sizeof(*st));
}

static int family_parse(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "ip"))
		return NFPROTO_IPV4;
	if (!strcmp(s, "ip6"))
		return NFPROTO_IPV6;
	if (!strcmp(s, "inet"))
		return NFPROTO_INET;
	return -1;
}

static int load_insert(struct tsn_fix_insert *in, const struct tsn_jv *v)
{
	const char *table = tsn_jv_getstr(v, "table");
	const char *chain = tsn_jv_getstr(v, "chain");
	const struct tsn_jv *h = tsn_jv_get(v, "handles");
	bool input;

	memset(in, 0, sizeof(*in));
	in->family = family_parse(tsn_jv_getstr(v, "family"));
	if (in->family < 0 || !table || !chain || !h || h->type != TSN_JARR ||
	    h->n > ARRAY_SIZE(in->handles) || strlen(table) >= 64 ||
	    strlen(chain) >= 64 || !tsn_jv_getbool(v, "input", &input))
		return -EINVAL;
	in->input = input;
	snprintf(in->table, sizeof(in->table), "%s", table);
	snprintf(in->chain, sizeof(in->chain), "%s", chain);
	for (size_t i = 0; i < h->n; i++) {
		if (h->items[i].type != TSN_JNUM || h->items[i].num < 1 ||
		    h->items[i].num > 9007199254740992.0)
			return -EINVAL;
		in->handles[in->n_handles++] = (uint64_t)h->items[i].num;
	}
	return 0;
}

static int load_json(struct tsn_fix_state *st, const struct tsn_jv *v)
{
	const struct tsn_jv *m = tsn_jv_get(v, "members");
	const struct tsn_jv *ins = tsn_jv_get(v, "inserted");
	const char *p = tsn_jv_getstr(v, "persist");

	if (!m || m->type != TSN_JARR || !ins || ins->type != TSN_JARR)
		return -EINVAL;
	st->members = calloc(m->n + 1, sizeof(*st->members));
	st->ins = calloc(ins->n + 1, sizeof(*st->ins));
	if (!st->members || !st->ins)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		if (m->items[i].type != TSN_JSTR ||
		    tsn_addr_parse(m->items[i].str, &st->members[i]) < 0)
			return -EINVAL;
		st->n_members++;
	}
	for (size_t i = 0; i < ins->n; i++) {
		if (load_insert(&st->ins[i], &ins->items[i]) < 0)
			return -EINVAL;
		st->n_ins++;
	}
	snprintf(st->persist, sizeof(st->persist), "%s", p ? p : "");
	st->present = true;
	return 0;
}

int tsn_fix_state_load(struct tsn_fix_state *st, char *err, size_t errlen)
{
	struct tsn_jv v = { 0 };
	char *text = NULL, perr[128];
	size_t len;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = tsn_read_file(TSN_FIX_STATE, 16u << 20, &text, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0) {
		snprintf(err, errlen, "cannot read %s: %s", TSN_FIX_STATE,
			 strerror(-ret));
		return ret;
	}
	ret = tsn_json_parse(text, len, &v, perr, sizeof(perr));
	if (ret == 0)
		ret = load_json(st, &v);
	if (ret < 0) {
		snprintf(err, errlen, "%s: not a state file tsnet wrote (%s)",
			 TSN_FIX_STATE, ret == -EINVAL ? "bad contents" :
			 strerror(-ret));
		tsn_fix_state_free(st);
	}
	tsn_jv_free(&v);
	free(text);
	return ret;
}

int tsn_fix_state_write(const struct tsn_fix_state *st)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	char a[INET6_ADDRSTRLEN];
	int ret;

	tsn_json_init(&j, &b, true);
	tsn_json_obj_begin(&j);
	tsn_json_kuint(&j, "version", 1);
	tsn_json_kstr(&j, "table", "inet " TSN_FIX_TABLE);
	tsn_json_kstr(&j, "tag", TSN_FIX_TAG);
	tsn_json_key(&j, "members");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < st->n_members; i++)
		tsn_json_str(&j, tsn_addr_str(&st->members[i], a, sizeof(a)));
	tsn_json_arr_end(&j);
	tsn_json_key(&j, "inserted");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < st->n_ins; i++) {
		const struct tsn_fix_insert *in = &st->ins[i];

		tsn_json_obj_begin(&j);
		tsn_json_kstr(&j, "family", tsn_nft_family_name(in->family));
		tsn_json_kstr(&j, "table", in->table);
		tsn_json_kstr(&j, "chain", in->chain);
		tsn_json_kbool(&j, "input", in->input);
		tsn_json_key(&j, "handles");
		tsn_json_arr_begin(&j);
		for (size_t k = 0; k < in->n_handles; k++)
			tsn_json_uint(&j, in->handles[k]);
		tsn_json_arr_end(&j);
		tsn_json_obj_end(&j);
	}
	tsn_json_arr_end(&j);
	tsn_json_kstr(&j, "persist", st->persist);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (!ret)
		ret = tsn_buf_puts(&b, "\n");
	if (!ret)
		ret = tsn_mkdir_p(TSN_FIX_DIR, 0700);
	if (!ret)
		ret = tsn_write_file_atomic(TSN_FIX_STATE, b.p, b.len, 0600);
	tsn_buf_free(&b);
	return ret;
}

int tsn_fix_state_remove(void)
{
	if (unlink(TSN_FIX_STATE) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

bool tsn_fix_addr_list_equal(const struct tsn_addr *a, size_t na,
			     const struct tsn_addr *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!tsn_addr_equal(&a[i], &b[i]))
			return false;
	return true;
}

static const char *hook_name(const struct tsn_nft_chain *c)
{
	static const char *const inet[] = { "prerouting", "input", "forward",
					    "output", "postrouting",
					    "ingress" };

	if (c->family == NFPROTO_NETDEV)
		return c->hook ? "egress" : "ingress";
	return c->hook < ARRAY_SIZE(inet) ? inet[c->hook] : "?";
}

/* Hand what b holds to out once it is this big, and start again: ten
 * thousand rules of text need not all be in memory at once. */
#define TEXT_FLUSH (64 * 1024)

static int flush(struct tsn_buf *b, struct tsn_atomic *out)
{
	int ret;

	if (!out || b->len < TEXT_FLUSH)
		return 0;
	ret = tsn_atomic_write(out, b->p, b->len);
	b->len = 0;
	return ret;
}

/* Chains with their rules as the expressions the kernel runs, and sets
 * with their elements: what was there, values included, without running
 * nft (nft_text.c says how to read it). */
int tsn_fix_ruleset_text(const struct tsn_nft_ruleset *rs, struct tsn_buf *b,
			 struct tsn_atomic *out)
{
	struct tsn_nft_text_cache *cache = tsn_nft_text_cache_new();
	int ret = !cache ? -ENOMEM :
		  tsn_buf_printf(b, "# ruleset before tsnet preflight --fix: "
				 "%zu tables, %zu chains, %zu rules, %zu sets"
				 "\n# values are hex bytes as the kernel "
				 "compares them\n", rs->n_tables,
				 rs->n_chains, rs->n_rules, rs->n_sets);

	for (size_t i = 0; i < rs->n_chains && !ret; i++) {
		const struct tsn_nft_chain *c = rs->chains[i];

		ret = tsn_buf_printf(b, "%s %s chain %s",
				     tsn_nft_family_name(c->family), c->table,
				     c->name);
		if (!ret && c->base)
			ret = tsn_buf_printf(b, " { type %s hook %s priority "
					     "%d; policy %s; }",
					     c->type ? c->type : "filter",
					     hook_name(c), c->prio,
					     c->policy == NF_DROP ? "drop" :
								    "accept");
		if (!ret)
			ret = tsn_buf_puts(b, "\n");
		for (size_t k = 0; k < c->n_rules && !ret; k++)
			if (!(ret = tsn_nft_rule_text(&c->rules[k], cache, b)))
				ret = flush(b, out);
	}
	for (size_t i = 0; i < rs->n_sets && !ret; i++) {
		const struct tsn_nft_set *s = rs->sets[i];

		ret = tsn_buf_printf(b, "%s %s set %s: %zu elements\n",
				     tsn_nft_family_name(s->family), s->table,
				     s->name, s->n_elems + s->has_catchall);
		for (size_t k = 0; k < s->n_elems && !ret; k++) {
			ret = tsn_buf_puts(b, "\t\t");
			if (!ret)
				ret = tsn_nft_elem_text(s, &s->elems[k], b);
			if (!ret)
				ret = tsn_buf_puts(b, "\n");
			if (!ret)
				ret = flush(b, out);
		}
		if (!ret && s->has_catchall) {
			ret = tsn_buf_puts(b, "\t\t* ");
			if (!ret)
				ret = tsn_nft_elem_text(s, &s->catchall, b);
			if (!ret)
				ret = tsn_buf_puts(b, "\n");
		}
	}
	if (!ret && out && b->len) {
		ret = tsn_atomic_write(out, b->p, b->len);
		b->len = 0;
	}
	free(cache);
	return ret;
}

static int addr_list(struct tsn_buf *b, const struct tsn_addr *m, size_t n,
		     int af)
{
	char a[INET6_ADDRSTRLEN];
	bool first = true;
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		if (m[i].family != af)
			continue;
		ret = tsn_buf_printf(b, "%s%s", first ? "" : ", ",
				     tsn_addr_str(&m[i], a, sizeof(a)));
		first = false;
	}
	return ret;
}

static size_t count_af(const struct tsn_addr *m, size_t n, int af)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += m[i].family == af;
	return k;
}

static int table_text(const struct tsn_addr *m, size_t n, struct tsn_buf *b)
{
	int ret = tsn_buf_printf(b, "table inet %s\ndelete table inet %s\n"
				 "table inet %s {\n\tcomment \"%s\"\n",
				 TSN_FIX_TABLE, TSN_FIX_TABLE, TSN_FIX_TABLE,
				 TSN_FIX_TABLE_TAG);

	for (int f = 0; f < 2 && !ret; f++) {
		int af = f ? AF_INET6 : AF_INET;

		ret = tsn_buf_printf(b, "\tset members%c {\n\t\ttype %s\n",
				     f ? '6' : '4', f ? "ipv6_addr" :
				     "ipv4_addr");
		if (!ret && count_af(m, n, af)) {
			ret = tsn_buf_puts(b, "\t\telements = { ");
			ret = ret ? ret : addr_list(b, m, n, af);
			ret = ret ? ret : tsn_buf_puts(b, " }\n");
		}
		ret = ret ? ret : tsn_buf_puts(b, "\t}\n");
	}
	for (int c = 0; c < 2 && !ret; c++) {
		const char *name = c ? "output" : "input";
		const char *dir = c ? "daddr" : "saddr";

		ret = tsn_buf_printf(b, "\tchain %s {\n\t\ttype filter hook "
				     "%s priority 0; policy accept;\n", name,
				     name);
		for (int f = 0; f < 2 && !ret; f++)
			ret = tsn_buf_printf(b,
				"\t\t%s %s @members%c udp dport { 500, 4500 } "
				"accept\n\t\t%s %s @members%c meta l4proto esp "
				"accept\n", f ? "ip6" : "ip", dir,
				f ? '6' : '4', f ? "ip6" : "ip", dir,
				f ? '6' : '4');
		ret = ret ? ret : tsn_buf_puts(b, "\t}\n");
	}
	return ret ? ret : tsn_buf_puts(b, "}\n");
}

int tsn_fix_nft_text(const struct tsn_addr *m, size_t n,
		     const struct tsn_fix_insert *ins, size_t n_ins,
		     struct tsn_buf *b)
{
	static const char *const match[] = {
		"meta l4proto esp", "udp dport { 500, 4500 }" };
	int ret = tsn_buf_puts(b, "# tsnet preflight --fix: allow IKE, "
			       "NAT-T and ESP between cluster members\n");

	ret = ret ? ret : table_text(m, n, b);
	for (size_t i = 0; i < n_ins && !ret; i++) {
		for (int f = 0; f < 2 && !ret; f++) {
			int af = f ? AF_INET6 : AF_INET;

			if ((ins[i].family == NFPROTO_IPV4 && f) ||
			    (ins[i].family == NFPROTO_IPV6 && !f) ||
			    !count_af(m, n, af))
				continue;
			/* inserted at the head: ESP first, as fix_rules.c */
			for (int k = 0; k < 2 && !ret; k++) {
				ret = tsn_buf_printf(b, "insert rule %s %s %s "
					"%s %s { ", tsn_nft_family_name(
					ins[i].family), ins[i].table,
					ins[i].chain, f ? "ip6" : "ip",
					ins[i].input ? "saddr" : "daddr");
				ret = ret ? ret : addr_list(b, m, n, af);
				ret = ret ? ret : tsn_buf_printf(b, " } %s "
					"accept comment \"%s\"\n", match[k],
					TSN_FIX_TAG);
			}
		}
	}
	return ret;
}

static bool systemd_pid1(void)
{
	char comm[32] = "";
	FILE *f = fopen("/proc/1/comm", "re");

	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	return !strcmp(comm, "systemd\n");
}

static int run_systemctl(const char *verb)
{
	char *argv[] = { (char *)"systemctl", (char *)verb,
			 (char *)"--quiet", (char *)TSN_FIX_UNIT_NAME, NULL };
	pid_t pid;
	int st, ret;

	ret = posix_spawnp(&pid, "systemctl", NULL, NULL, argv, environ);
	if (ret)
		return -ret;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static const char unit_text[] =
	"# written by tsnet preflight --fix; removed by --unfix\n"
	"[Unit]\n"
	"Description=tsnet: allow IPsec between cluster members in nftables\n"
	"After=nftables.service\n"
	"Wants=nftables.service\n"
	"\n"
	"[Service]\n"
	"Type=oneshot\n"
	"RemainAfterExit=yes\n"
	"ExecStart=/usr/sbin/nft -f " TSN_FIX_NFT "\n"
	"\n"
	"[Install]\n"
	"WantedBy=multi-user.target\n";

int tsn_fix_persist(const struct tsn_fix_req *req,
		    const struct tsn_fix_insert *ins, size_t n_ins,
		    char *persist, size_t len, char *kind, size_t kind_len)
{
	struct tsn_buf b = { 0 };
	int ret;

	ret = tsn_fix_nft_text(req->members, req->n_members, ins, n_ins, &b);
	if (!ret)
		ret = tsn_mkdir_p("/etc/tsnet", 0755);
	if (!ret)
		ret = tsn_write_file_atomic(TSN_FIX_NFT, b.p, b.len, 0644);
	tsn_buf_free(&b);
	if (ret) {
		snprintf(persist, len, "not persistent: cannot write %s: %s",
			 TSN_FIX_NFT, strerror(-ret));
		snprintf(kind, kind_len, "none");
		return ret;
	}
	if (!systemd_pid1()) {
		snprintf(persist, len, "not persistent: no systemd (files "
			 "written: %s)", TSN_FIX_NFT);
		snprintf(kind, kind_len, "files");
		return 0;
	}
	ret = tsn_mkdir_p("/etc/systemd/system", 0755);
	if (!ret)
		ret = tsn_write_file_atomic(TSN_FIX_UNIT, unit_text,
					    sizeof(unit_text) - 1, 0644);
	if (!ret)
		ret = run_systemctl("enable");
	if (ret) {
		snprintf(persist, len, "not persistent: systemctl enable "
			 "%s failed (%s)", TSN_FIX_UNIT_NAME, strerror(-ret));
		snprintf(kind, kind_len, "files");
		return 0;
	}
	snprintf(persist, len, "persistent: systemd unit %s",
		 TSN_FIX_UNIT_NAME);
	snprintf(kind, kind_len, "systemd");
	return 0;
}

int tsn_fix_unpersist(char *persist, size_t len)
{
	bool unit = access(TSN_FIX_UNIT, F_OK) == 0;

	if (unit && systemd_pid1())
		run_systemctl("disable");
	if ((unit && unlink(TSN_FIX_UNIT) < 0 && errno != ENOENT) ||
	    (unlink(TSN_FIX_NFT) < 0 && errno != ENOENT)) {
		int ret = -errno;

		snprintf(persist, len, "cannot remove the reboot files: %s",
			 strerror(-ret));
		return ret;
	}
	snprintf(persist, len, "removed %s%s%s", TSN_FIX_NFT,
		 unit ? " and " : "", unit ? TSN_FIX_UNIT : "");
	return 0;
}
