/* report_html.c - index.html of a support bundle: the cluster at a glance.
 *
 * One self-contained page: inline CSS, no scripts, nothing fetched, so it
 * opens the same from a mail attachment, a ticket system or a laptop
 * without a network.  Every string from a node or a command is escaped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"

static const char css[] =
	"body{font:14px/1.4 sans-serif;margin:1.5em;color:#222}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}"
	"table{border-collapse:collapse;margin:.4em 0}"
	"td,th{border:1px solid #bbb;padding:.25em .6em;text-align:left}"
	"th{background:#eee}.ok{background:#b7e4b0}.bad{background:#f4a7a0}"
	".na{background:#ddd;color:#555}.self{background:#f6f6f6}"
	".note{color:#555}code{font-size:.95em}";

static int esc(struct tsn_buf *o, const char *s)
{
	int ret = 0;

	for (; s && *s && !ret; s++) {
		switch (*s) {
		case '<': ret = tsn_buf_puts(o, "&lt;"); break;
		case '>': ret = tsn_buf_puts(o, "&gt;"); break;
		case '&': ret = tsn_buf_puts(o, "&amp;"); break;
		case '"': ret = tsn_buf_puts(o, "&quot;"); break;
		case '\'': ret = tsn_buf_puts(o, "&#39;"); break;
		default: ret = tsn_buf_add(o, s, 1);
		}
	}
	return ret;
}

static bool good(const char *v)
{
	static const char *const ok[] = { "ok", "nat", "ike-responder",
		"encrypted", "installed", "established" };

	for (size_t i = 0; v && i < ARRAY_SIZE(ok); i++)
		if (!strcmp(v, ok[i]))
			return true;
	return false;
}

/* probe: from/to; status: a/b; verify: a_node/b_node (its a/b are
 * addresses) */
static const char *pair_end(const struct tsn_jv *p, bool second)
{
	const char *s = tsn_jv_getstr(p, second ? "to" : "from");

	if (!s)
		s = tsn_jv_getstr(p, second ? "b_node" : "a_node");
	return s ? s : tsn_jv_getstr(p, second ? "b" : "a");
}

/* The verdict of from->to for proto ("" for a pair's own verdict). */
static const struct tsn_jv *find_pair(const struct tsn_jv *pairs,
				      const char *from, const char *to,
				      bool either_way)
{
	for (size_t i = 0; pairs && pairs->type == TSN_JARR &&
	     i < pairs->n; i++) {
		const struct tsn_jv *p = &pairs->items[i];
		const char *a = pair_end(p, false), *b = pair_end(p, true);

		if (tsn_streq(a, from) && tsn_streq(b, to))
			return p;
		if (either_way && tsn_streq(a, to) && tsn_streq(b, from))
			return p;
	}
	return NULL;
}

static const char *verdict(const struct tsn_jv *p, const char *proto,
			   const char **detail)
{
	const struct tsn_jv *v = proto ? tsn_jv_get(p, proto) : p;

	*detail = tsn_jv_getstr(v, "detail");
	if (!v)
		return NULL;
	if (tsn_jv_getstr(v, "verdict"))
		return tsn_jv_getstr(v, "verdict");
	return tsn_jv_getstr(v, "state");
}

static int cell(struct tsn_buf *o, const char *v, const char *detail)
{
	int ret = tsn_buf_printf(o, "<td class=\"%s\" title=\"",
				 !v ? "na" : good(v) ? "ok" : "bad");

	if (!ret)
		ret = esc(o, detail ? detail : "");
	if (!ret)
		ret = tsn_buf_puts(o, "\">");
	if (!ret)
		ret = esc(o, v ? v : "no data");
	return ret ? ret : tsn_buf_puts(o, "</td>");
}

/* The protocols a pairs array reports: object-valued keys of its first
 * pair (probe: udp500, udp4500, esp, ...). */
static size_t protos(const struct tsn_jv *pairs, const char **out, size_t max)
{
	size_t n = 0;

	if (!pairs || pairs->type != TSN_JARR || !pairs->n)
		return 0;
	for (size_t k = 0; k < pairs->items[0].n && n < max; k++)
		if (pairs->items[0].items[k].type == TSN_JOBJ)
			out[n++] = pairs->items[0].keys[k];
	return n;
}

static int grid(struct tsn_buf *o, const struct tsn_bundle *b,
		const struct tsn_jv *pairs, const char *title,
		const char *proto)
{
	int ret = tsn_buf_puts(o, "<h3>");

	ret = ret ? ret : esc(o, title);
	ret = ret ? ret : tsn_buf_puts(o, "</h3><table><tr><th>from \\ to</th>");
	for (size_t c = 0; c < b->nnodes && !ret; c++) {
		ret = tsn_buf_puts(o, "<th>");
		ret = ret ? ret : esc(o, b->nodes[c]);
		ret = ret ? ret : tsn_buf_puts(o, "</th>");
	}
	for (size_t r = 0; r < b->nnodes && !ret; r++) {
		ret = tsn_buf_puts(o, "</tr><tr><th>");
		ret = ret ? ret : esc(o, b->nodes[r]);
		ret = ret ? ret : tsn_buf_puts(o, "</th>");
		for (size_t c = 0; c < b->nnodes && !ret; c++) {
			const struct tsn_jv *p;
			const char *d = NULL, *v = NULL;

			if (r == c) {
				ret = tsn_buf_puts(o, "<td class=\"self\"></td>");
				continue;
			}
			p = find_pair(pairs, b->nodes[r], b->nodes[c], !proto);
			if (p)
				v = verdict(p, proto, &d);
			ret = cell(o, v, d);
		}
	}
	return ret ? ret : tsn_buf_puts(o, "</tr></table>\n");
}

static int grids(struct tsn_buf *o, const struct tsn_bundle *b,
		 const struct tsn_jv *doc, const char *name)
{
	const struct tsn_jv *pairs = tsn_jv_get(doc, "pairs");
	const char *pr[16];
	char title[128];
	/* verify's pairs carry one verdict each (their objects are
	 * first_cleartext, not protocols) */
	size_t n = strcmp(name, "verify") ? protos(pairs, pr, ARRAY_SIZE(pr))
					  : 0;
	int ret = 0;

	if (doc->type == TSN_JNULL)
		return tsn_buf_printf(o, "<p class=\"note\">%s: not in this "
				      "bundle (see index.txt)</p>\n", name);
	if (!n)
		return grid(o, b, pairs, name, NULL);
	for (size_t i = 0; i < n && !ret; i++) {
		snprintf(title, sizeof(title), "%s: %s", name, pr[i]);
		ret = grid(o, b, pairs, title, pr[i]);
	}
	return ret;
}

/* One row per pair of members, "n1-n2", with probe's verdicts both ways:
 * the first thing to read. */
static int pair_rows(struct tsn_buf *o, const struct tsn_bundle *b)
{
	const struct tsn_jv *pairs = tsn_jv_get(&b->probe, "pairs");
	const char *pr[16];
	size_t n = protos(pairs, pr, ARRAY_SIZE(pr));
	int ret = tsn_buf_puts(o, "<h2>Pairs</h2><table><tr><th>pair</th>");

	for (size_t k = 0; k < n && !ret; k++)
		ret = tsn_buf_printf(o, "<th>%s &rarr;</th><th>%s &larr;</th>",
				     pr[k], pr[k]);
	for (size_t i = 0; i < b->nnodes && !ret; i++)
		for (size_t j = i + 1; j < b->nnodes && !ret; j++) {
			const char *x = b->nodes[i], *y = b->nodes[j];

			ret = tsn_buf_puts(o, "</tr><tr><th class=\"pair\">");
			ret = ret ? ret : esc(o, x);
			ret = ret ? ret : tsn_buf_puts(o, "-");
			ret = ret ? ret : esc(o, y);
			ret = ret ? ret : tsn_buf_puts(o, "</th>");
			for (size_t k = 0; k < n && !ret; k++) {
				const struct tsn_jv *f = find_pair(pairs, x, y, false);
				const struct tsn_jv *g = find_pair(pairs, y, x, false);
				const char *d1 = NULL, *d2 = NULL;
				const char *v1 = f ? verdict(f, pr[k], &d1) : NULL;
				const char *v2 = g ? verdict(g, pr[k], &d2) : NULL;

				ret = cell(o, v1, d1);
				ret = ret ? ret : cell(o, v2, d2);
			}
		}
	return ret ? ret : tsn_buf_puts(o, "</tr></table>\n");
}

static int problems(struct tsn_buf *o, const struct tsn_bundle *b)
{
	const struct tsn_jv *docs[] = { &b->preflight, &b->probe, &b->status,
					&b->verify };
	static const char *const names[] = { "preflight", "probe", "status",
					      "verify" };
	int ret = tsn_buf_puts(o, "<h2>Problems</h2><table><tr><th>from</th>"
			       "<th>problem</th><th>fix</th>");
	size_t count = 0;

	for (size_t d = 0; d < ARRAY_SIZE(docs) && !ret; d++) {
		const struct tsn_jv *ps = tsn_jv_get(docs[d], "problems");

		for (size_t i = 0; ps && ps->type == TSN_JARR && i < ps->n &&
		     !ret; i++, count++) {
			ret = tsn_buf_printf(o, "</tr><tr><td>%s</td><td>",
					     names[d]);
			ret = ret ? ret : esc(o, tsn_jv_getstr(&ps->items[i], "what"));
			ret = ret ? ret : tsn_buf_puts(o, "</td><td>");
			ret = ret ? ret : esc(o, tsn_jv_getstr(&ps->items[i], "fix"));
			ret = ret ? ret : tsn_buf_puts(o, "</td>");
		}
	}
	if (!ret && !count)
		ret = tsn_buf_puts(o, "</tr><tr><td colspan=\"3\">none reported</td>");
	for (size_t i = 0; i < b->nmissing && !ret; i++) {
		ret = tsn_buf_puts(o, "</tr><tr><td>report</td><td class=\"bad\">"
				   "not collected: ");
		ret = ret ? ret : esc(o, b->missing[i]);
		ret = ret ? ret : tsn_buf_puts(o, "</td><td>see index.txt</td>");
	}
	return ret ? ret : tsn_buf_puts(o, "</tr></table>\n");
}

static int versions(struct tsn_buf *o, const struct tsn_bundle *b)
{
	static const char *const keys[] = { "hostname", "tsnet", "strongswan",
					    "kernel" };
	int ret = tsn_buf_puts(o, "<h2>Versions</h2><table><tr><th>node</th>"
			       "<th>hostname</th><th>tsnet</th>"
			       "<th>strongSwan</th><th>kernel</th>");

	for (size_t i = 0; i < b->nnodes && !ret; i++) {
		ret = tsn_buf_puts(o, "</tr><tr class=\"node\"><th>");
		ret = ret ? ret : esc(o, b->nodes[i]);
		ret = ret ? ret : tsn_buf_puts(o, "</th>");
		for (size_t k = 0; k < ARRAY_SIZE(keys) && !ret; k++) {
			const char *v = tsn_jv_getstr(&b->collect[i], keys[k]);

			ret = tsn_buf_printf(o, "<td class=\"%s\">",
					     v ? keys[k] : "na");
			ret = ret ? ret : esc(o, v ? v : "unknown");
			ret = ret ? ret : tsn_buf_puts(o, "</td>");
		}
	}
	return ret ? ret : tsn_buf_puts(o, "</tr></table>\n");
}

int tsn_report_html(const struct tsn_bundle *b, struct tsn_buf *o)
{
	int ret = tsn_buf_printf(o, "<!DOCTYPE html>\n<html><head><meta "
		"charset=\"utf-8\"><title>tsnet report</title><style>%s"
		"</style></head><body>\n<h1>tsnet report: ", css);

	ret = ret ? ret : esc(o, b->cluster);
	ret = ret ? ret : tsn_buf_puts(o, "</h1><p class=\"note\">created ");
	ret = ret ? ret : esc(o, b->created);
	ret = ret ? ret : tsn_buf_printf(o, ", %zu nodes. Green passes, red "
		"fails, grey has no data; hover a cell for its detail.</p>\n",
		b->nnodes);
	ret = ret ? ret : pair_rows(o, b);
	ret = ret ? ret : problems(o, b);
	ret = ret ? ret : versions(o, b);
	ret = ret ? ret : tsn_buf_puts(o, "<h2>Probe</h2>\n");
	ret = ret ? ret : grids(o, b, &b->probe, "probe");
	ret = ret ? ret : tsn_buf_puts(o, "<h2>Verify</h2>\n");
	if (!ret && b->verify_note)
		ret = tsn_buf_printf(o, "<p class=\"note\">verify: %s</p>\n",
				     b->verify_note);
	else if (!ret)
		ret = grids(o, b, &b->verify, "verify");
	ret = ret ? ret : tsn_buf_puts(o, "<h2>Status</h2>\n");
	ret = ret ? ret : grids(o, b, &b->status, "status");
	return ret ? ret : tsn_buf_puts(o, "</body></html>\n");
}
