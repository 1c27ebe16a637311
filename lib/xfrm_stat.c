/* xfrm_stat.c - the kernel's IPsec drop counters, /proc/net/xfrm_stat.
 *
 * The kernel counts every packet its IPsec code drops, by reason, per
 * network namespace (CONFIG_XFRM_STATISTICS).  A counter that rises
 * while tsnet's own traffic crosses the nodes names the failure an
 * operator would otherwise guess at: a key mismatch, a missing SA, a
 * policy that does not match.  The file is read as untrusted text, the
 * way tcpdump reads a packet: bounded size and line count, every line
 * exactly "NAME<blanks>DIGITS", numbers through one strict parser.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/output.h"
#include "lib/xfrm.h"

#define FILE_MAX 65536		/* the real file is about 1 KB */

static const struct {
	const char *name, *meaning;
} meanings[] = {
	{ "XfrmInError", "inbound IPsec packets dropped for a reason no "
	  "other counter names (often no memory)" },
	{ "XfrmInBufferError", "inbound packets dropped: no buffer left "
	  "(the node is short of memory)" },
	{ "XfrmInHdrError", "inbound packets with a broken ESP/AH header "
	  "(truncated or corrupted on the path)" },
	{ "XfrmInNoStates", "ESP arrived with an SPI this node has no SA for "
	  "(the receiver has no SA for it: the SA was deleted, or the peers "
	  "disagree about which SAs exist)" },
	{ "XfrmInStateProtoError", "ESP that its SA failed to authenticate "
	  "or decrypt (the two ends' keys or algorithms do not match)" },
	{ "XfrmInStateModeError", "inbound packets that do not fit the SA's "
	  "mode (transport against tunnel)" },
	{ "XfrmInStateSeqError", "inbound sequence numbers outside the "
	  "replay window (replayed, or badly reordered on the path)" },
	{ "XfrmInStateExpired", "ESP that arrived on an expired SA (rekeying "
	  "failed or the lifetimes disagree)" },
	{ "XfrmInStateMismatch", "ESP that does not match its SA's options "
	  "(UDP encapsulation on one end only)" },
	{ "XfrmInStateInvalid", "ESP on an SA that is no longer valid" },
	{ "XfrmInTmplMismatch", "inbound packets that did not come through "
	  "the SA the inbound policy asks for: cleartext where a policy "
	  "demands ESP, or another SA (the two ends' policies do not match)" },
	{ "XfrmInNoPols", "decrypted packets no inbound policy accepts (a "
	  "policy is missing on the receiver)" },
	{ "XfrmInPolBlock", "inbound packets dropped by a block policy" },
	{ "XfrmInPolError", "inbound packets dropped by a broken policy" },
	{ "XfrmAcquireError", "packets sent before their SA was negotiated "
	  "(IKE did not finish in time)" },
	{ "XfrmFwdHdrError", "forwarded packets IPsec refused to route" },
	{ "XfrmInStateDirError", "ESP that found an outbound SA (an SA "
	  "installed in the wrong direction)" },
	{ "XfrmInIptfsError", "IP-TFS inbound errors" },
	{ "XfrmOutError", "outbound IPsec packets dropped for a reason no "
	  "other counter names" },
	{ "XfrmOutBundleGenError", "outbound packets for which no SA bundle "
	  "could be built (the policy's template names no usable SA)" },
	{ "XfrmOutBundleCheckError", "outbound packets whose SA bundle went "
	  "stale" },
	{ "XfrmOutNoStates", "outbound packets a policy wants protected and "
	  "no SA exists for (IKE down, or the SA was deleted)" },
	{ "XfrmOutStateProtoError", "outbound packets the SA failed to "
	  "encrypt" },
	{ "XfrmOutStateModeError", "outbound packets the SA's mode refused "
	  "(a packet too big for the SA: the path MTU less ESP's overhead)" },
	{ "XfrmOutStateSeqError", "outbound sequence numbers ran out (the SA "
	  "was not rekeyed)" },
	{ "XfrmOutStateExpired", "outbound packets on an expired SA (rekeying "
	  "failed)" },
	{ "XfrmOutPolBlock", "outbound packets dropped by a block policy" },
	{ "XfrmOutPolDead", "outbound packets that met a policy being "
	  "removed" },
	{ "XfrmOutPolError", "outbound packets dropped by a broken policy" },
	{ "XfrmOutStateInvalid", "outbound packets on an SA that is no "
	  "longer valid" },
	{ "XfrmOutStateDirError", "outbound packets that found an inbound SA "
	  "(an SA installed in the wrong direction)" },
	{ "XfrmOutNoQueueSpace", "IP-TFS outbound queue full" },
};

const char *tsn_xstat_meaning(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(meanings); i++)
		if (!strcmp(meanings[i].name, name))
			return meanings[i].meaning;
	return NULL;
}

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* One line, without its newline: "NAME<blanks>DIGITS<blanks>". */
static int parse_line(const char *p, size_t n, struct tsn_xstat *s,
		      const char **why)
{
	size_t k = 0, name_len, d0;
	char digits[24];
	uint64_t v;

	while (k < n && name_char(p[k]))
		k++;
	name_len = k;
	/* a name the array cannot hold, or none, ends the line here */
	if (!name_len || name_len >= TSN_XSTAT_NAME)
		return *why = name_len ? "name too long" : "no counter name",
		       -EINVAL;
	if (k == n || (p[k] != ' ' && p[k] != '\t'))
		return *why = "no value after the name", -EINVAL;
	while (k < n && (p[k] == ' ' || p[k] == '\t'))
		k++;
	d0 = k;
	while (k < n && p[k] >= '0' && p[k] <= '9')
		k++;
	/* 20 digits hold any u64; more cannot be a counter */
	if (k == d0 || k - d0 > 20)
		return *why = "not a decimal count", -EINVAL;
	memcpy(digits, p + d0, k - d0);
	digits[k - d0] = '\0';
	while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'))
		k++;
	if (k != n)
		return *why = "text after the count", -EINVAL;
	if (tsn_parse_u64(digits, 0, UINT64_MAX, &v) < 0)
		return *why = "count out of range", -EINVAL;
	for (unsigned i = 0; i < s->n; i++)
		if (strlen(s->c[i].name) == name_len &&
		    !memcmp(s->c[i].name, p, name_len))
			return *why = "counter listed twice", -EINVAL;
	if (s->n >= TSN_XSTAT_MAX)
		return *why = "too many counters", -EINVAL;
	memcpy(s->c[s->n].name, p, name_len);
	s->c[s->n].name[name_len] = '\0';
	s->c[s->n++].v = v;
	return 0;
}

int tsn_xstat_parse(const char *text, size_t len, struct tsn_xstat *s,
		    char *err, size_t errlen)
{
	const char *why = NULL;
	unsigned line = 0;
	size_t off = 0;

	memset(s, 0, sizeof(*s));
	if (len > FILE_MAX) {
		snprintf(err, errlen, "larger than %u bytes", FILE_MAX);
		return -EINVAL;
	}
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;

		line++;
		/* a NUL inside a line is caught by parse_line: not a name
		 * character, not a blank, not a digit */
		if (n && parse_line(text + off, n, s, &why) < 0) {
			snprintf(err, errlen, "line %u: %s", line, why);
			return -EINVAL;
		}
		off += n + (nl ? 1 : 0);
	}
	if (!s->n) {
		snprintf(err, errlen, "no counters");
		return -EINVAL;
	}
	return 0;
}

int tsn_xstat_read(const char *path, struct tsn_xstat *s, char *err,
		   size_t errlen)
{
	char *text = NULL, perr[96];
	size_t len = 0;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = tsn_read_file(path, FILE_MAX, &text, &len);
	if (ret == -ENOENT)
		return ret;
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = tsn_xstat_parse(text, len, s, perr, sizeof(perr));
	if (ret < 0)
		snprintf(err, errlen, "%s: %s", path, perr);
	free(text);
	return ret;
}

static const uint64_t *find(const struct tsn_xstat *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->c[i].name, name))
			return &s->c[i].v;
	return NULL;
}

/* The members of a window's object, without its braces. */
static void xstat_members(struct tsn_json *j, int before_err,
			  const char *err, const struct tsn_xstat *before,
			  const struct tsn_xstat *after)
{
	if (before_err == -ENOENT) {
		tsn_json_kbool(j, "missing", true);
		return;
	}
	if (before_err || (err && err[0])) {
		tsn_json_kstr(j, "error", err && err[0] ? err :
			      strerror(-before_err));
		return;
	}
	tsn_json_key(j, "rose");
	tsn_json_obj_begin(j);
	for (unsigned i = 0; i < after->n; i++) {
		const uint64_t *b = find(before, after->c[i].name);

		/* a counter that appeared counts from zero */
		if (after->c[i].v > (b ? *b : 0))
			tsn_json_kuint(j, after->c[i].name,
				       after->c[i].v - (b ? *b : 0));
	}
	tsn_json_obj_end(j);
}

void tsn_xstat_json(struct tsn_json *j, int before_err, const char *err,
		    const struct tsn_xstat *before,
		    const struct tsn_xstat *after)
{
	tsn_json_obj_begin(j);
	xstat_members(j, before_err, err, before, after);
	tsn_json_obj_end(j);
}

static bool valid_name(const char *s)
{
	size_t n = 0;

	while (s[n] && name_char(s[n]))
		n++;
	return n && !s[n] && n < TSN_XSTAT_NAME;
}

static bool listed(const char *const *list, const char *name)
{
	for (size_t i = 0; list && list[i]; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

int tsn_xstat_rose_text(const struct tsn_jv *xs, const char *const *expected,
			struct tsn_buf *out, bool *missing)
{
	const struct tsn_jv *rose = tsn_jv_get(xs, "rose");
	bool m = false;
	int n = 0;

	*missing = tsn_jv_getbool(xs, "missing", &m) && m;
	for (size_t i = 0; rose && rose->type == TSN_JOBJ && i < rose->n; i++) {
		const char *name = rose->keys[i], *what;

		/* another machine's key: only a counter's name is shown */
		if (rose->items[i].type != TSN_JNUM ||
		    rose->items[i].num <= 0 || listed(expected, name) ||
		    !valid_name(name))
			continue;
		what = tsn_xstat_meaning(name);
		if (tsn_buf_printf(out, "%s%s +%.0f (%s)", n ? "; " : "", name,
				   rose->items[i].num, what ? what :
				   "a counter this tsnet does not know") < 0)
			return -ENOMEM;
		n++;
	}
	return n;
}

/* ---- a window, on the agent's side ---- */

static uint64_t auth_failed_from(const struct tsn_xfrm_list *l,
				 const struct tsn_xstat_peer *p,
				 const uint8_t *self)
{
	size_t n = p->family == AF_INET ? 4 : 16;
	uint64_t sum = 0;

	for (unsigned i = 0; l && i < l->n; i++)
		if (!l->s[i].policy && l->s[i].family == p->family &&
		    !memcmp(l->s[i].src, p->addr, n) &&
		    !memcmp(l->s[i].dst, self, n))
			sum += l->s[i].integrity_failed;
	return sum;
}

static void sa_counters(struct tsn_xstat_window *w, bool after)
{
	struct tsn_xfrm_list *l;

	if (!w->n_peers || !(l = malloc(sizeof(*l))))
		return;
	if (tsn_xfrm_list_run(l) == 0)
		for (size_t i = 0; i < w->n_peers; i++)
			*(after ? &w->peers[i].auth_after :
			  &w->peers[i].auth_before) =
				auth_failed_from(l, &w->peers[i], w->self);
	free(l);
}

void tsn_xstat_begin(struct tsn_xstat_window *w)
{
	w->why[0] = '\0';
	w->err = tsn_xstat_read(TSN_XSTAT_PATH, &w->before, w->why,
				sizeof(w->why));
	sa_counters(w, false);
}

void tsn_xstat_end(struct tsn_xstat_window *w)
{
	if (w->err)
		return;
	w->err = tsn_xstat_read(TSN_XSTAT_PATH, &w->after, w->why,
				sizeof(w->why));
	if (w->err == -ENOENT)	/* gone between the two: not "missing" */
		snprintf(w->why, sizeof(w->why), "%s vanished", TSN_XSTAT_PATH);
	sa_counters(w, true);
}

void tsn_xstat_window_json(struct tsn_json *j,
			   const struct tsn_xstat_window *w)
{
	bool any = false;

	tsn_json_obj_begin(j);
	xstat_members(j, w->err, w->why, &w->before, &w->after);
	for (size_t i = 0; i < w->n_peers; i++)
		any = any || w->peers[i].auth_after > w->peers[i].auth_before;
	if (any && !w->err) {
		tsn_json_key(j, "auth_failed");
		tsn_json_obj_begin(j);
		for (size_t i = 0; i < w->n_peers; i++)
			if (w->peers[i].auth_after > w->peers[i].auth_before)
				tsn_json_kuint(j, w->peers[i].name,
					       w->peers[i].auth_after -
					       w->peers[i].auth_before);
		tsn_json_obj_end(j);
	}
	tsn_json_obj_end(j);
}

/* ---- the coordinator's side ---- */

/* "n1 -> n2: 5 packets, n3 -> n2: 1 packet" from "auth_failed". */
static int pairs_text(const struct tsn_jv *af, const char *node,
		      struct tsn_buf *b)
{
	int ret = 0;

	for (size_t i = 0; af && af->type == TSN_JOBJ && i < af->n && !ret;
	     i++) {
		double v = af->items[i].num;

		/* another machine's key: a node name's characters only */
		if (af->items[i].type != TSN_JNUM || v <= 0 ||
		    strspn(af->keys[i], "abcdefghijklmnopqrstuvwxyz0123456789-")
		    != strlen(af->keys[i]) || !af->keys[i][0])
			continue;
		ret = tsn_buf_printf(b, "%s%s -> %s: %.0f packet%s", b->len ?
				     ", " : "", af->keys[i], node, v, v == 1 ?
				     "" : "s");
	}
	return ret;
}

static int one_counter(struct tsn_node_report *nr, const char *node,
		       const char *name, double v, const struct tsn_jv *xs,
		       const char *during)
{
	const char *what = tsn_xstat_meaning(name);
	struct tsn_buf pairs = { 0 };
	char id[TSN_XSTAT_NAME + 16];
	int ret = 0;

	snprintf(id, sizeof(id), "xfrm.stat.%s", name);
	if (!strcmp(name, "XfrmInStateProtoError"))
		ret = pairs_text(tsn_jv_get(xs, "auth_failed"), node, &pairs);
	if (!ret)
		ret = tsn_node_check(nr, id, TSN_ST_FAIL, "tsnet status (each "
				     "pair's SAs, on both ends) and the charon "
				     "logs of both ends", "%s rose by %.0f %s: "
				     "%s%s%s%s", name, v, during, what ? what :
				     "a counter this tsnet does not know",
				     pairs.len ? " (" : "", pairs.len ? pairs.p :
				     "", pairs.len ? ")" : "");
	tsn_buf_free(&pairs);
	return ret;
}

int tsn_xstat_checks(struct tsn_node_report *nr, const char *node,
		     const struct tsn_jv *xs, const char *during,
		     const char *const *expected)
{
	const struct tsn_jv *rose = tsn_jv_get(xs, "rose");
	const char *err = tsn_jv_getstr(xs, "error");
	bool missing = false;
	int n = 0, ret = 0;

	if (!xs || xs->type != TSN_JOBJ)
		return tsn_node_check(nr, "xfrm.stat", TSN_ST_WARN, "install "
				      "the same tsnet on every node", "the "
				      "node's tsnet did not read the kernel's "
				      "IPsec drop counters");
	if (tsn_jv_getbool(xs, "missing", &missing) && missing)
		return tsn_node_check(nr, "xfrm.stat", TSN_ST_SKIP, NULL, "the "
				      "kernel keeps no IPsec drop counters "
				      "(no %s: CONFIG_XFRM_STATISTICS is off); "
				      "drops cannot be named", TSN_XSTAT_PATH);
	if (err)
		return tsn_node_check(nr, "xfrm.stat", TSN_ST_WARN, "run tsnet "
				      "as root on the node", "cannot read the "
				      "kernel's IPsec drop counters: %s", err);
	for (size_t i = 0; rose && rose->type == TSN_JOBJ && i < rose->n &&
			   !ret; i++) {
		if (rose->items[i].type != TSN_JNUM ||
		    rose->items[i].num <= 0 || listed(expected, rose->keys[i]) ||
		    !valid_name(rose->keys[i]))
			continue;
		n++;
		ret = one_counter(nr, node, rose->keys[i], rose->items[i].num,
				  xs, during);
	}
	if (!ret && !n)
		ret = tsn_node_check(nr, "xfrm.stat", TSN_ST_OK, NULL, "no IPsec "
				     "drop counter rose %s", during);
	return ret;
}
