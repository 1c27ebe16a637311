/* host_legacy.c - "iptables-legacy": rules in the kernel's x_tables,
 * which nftables (and so tsnet's evaluator, --fix and the probe's trace)
 * cannot see, and which drop packets all the same.
 *
 * The rules are read as iptables-legacy-save prints them, and the first
 * packet of each IPsec flow (UDP 500, UDP 4500, ESP; in on INPUT, out on
 * OUTPUT) is walked down the filter table's chain: the first rule that
 * surely matches decides, else the chain's policy.  A rule whose match we
 * cannot judge from the flow alone (an address, an interface, a jump, a
 * module we do not know) stops the walk: the flow is undecided there and
 * the rule is named.  Not an iptables evaluator: enough to name the rule
 * that shadows nftables, or to say which one to look at.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/spawn.h"
#include "preflight/host.h"

#define SAVE_MAX (8u << 20)
#define SAVE_TIMEOUT_MS 5000
#define ARGS_MAX 64

enum verdict { V_ACCEPT, V_DROP, V_UNDECIDED };

struct flow {
	const char *chain;	/* INPUT, OUTPUT */
	const char *proto;	/* udp, esp */
	unsigned port;		/* udp: 500 or 4500 */
	const char *name;	/* "incoming ESP" */
};

static const struct flow flows[] = {
	{ "INPUT", "udp", 500, "incoming UDP 500" },
	{ "INPUT", "udp", 4500, "incoming UDP 4500" },
	{ "INPUT", "esp", 0, "incoming ESP" },
	{ "OUTPUT", "udp", 500, "outgoing UDP 500" },
	{ "OUTPUT", "udp", 4500, "outgoing UDP 4500" },
	{ "OUTPUT", "esp", 0, "outgoing ESP" },
};

/* Split a save line into words, "quoted words" kept whole. */
static size_t words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (*p && n < max) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p == '"') {
			w[n++] = ++p;
			while (*p && *p != '"')
				p += p[0] == '\\' && p[1] ? 2 : 1;
		} else {
			w[n++] = p;
			while (*p && *p != ' ')
				p++;
		}
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static bool proto_is(const char *p, const struct flow *f)
{
	if (!strcmp(f->proto, "esp"))
		return !strcmp(p, "esp") || !strcmp(p, "50");
	return !strcmp(p, "udp") || !strcmp(p, "17");
}

/* "500", "500:600", "500,4500" (multiport). */
static bool ports_hold(const char *s, unsigned port)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		unsigned a, b;

		if (sscanf(t, "%u:%u", &a, &b) == 2 ? a <= port && port <= b :
		    sscanf(t, "%u", &a) == 1 && a == port)
			return true;
	}
	return false;
}

/* Whether the rule's matches hold for the flow's first packet: 1 yes,
 * 0 no, -1 cannot tell from the flow alone. */
static int matches(char **w, size_t n, const struct flow *f)
{
	int unsure = 0;

	for (size_t i = 2; i < n; i++) {
		const char *a = w[i], *v = i + 1 < n ? w[i + 1] : "";

		if (!strcmp(a, "-j") || !strcmp(a, "-g"))
			break;
		if (!strcmp(a, "!"))
			return -1;	/* a negation: not judged */
		if (!strcmp(a, "-p")) {
			if (!strcmp(v, "all"))
				;
			else if (!proto_is(v, f))
				return 0;
		} else if (!strcmp(a, "--dport") || !strcmp(a, "--dports") ||
			   !strcmp(a, "--sport") || !strcmp(a, "--sports")) {
			if (!f->port || !ports_hold(v, f->port))
				return 0;
		} else if (!strcmp(a, "--state") || !strcmp(a, "--ctstate")) {
			if (!strstr(v, "NEW"))
				return 0;	/* the first packet is new */
		} else if (!strcmp(a, "-m")) {
			if (strcmp(v, "udp") && strcmp(v, "esp") &&
			    strcmp(v, "comment") && strcmp(v, "state") &&
			    strcmp(v, "conntrack") && strcmp(v, "multiport"))
				unsure = -1;
		} else if (!strcmp(a, "--comment")) {
			;
		} else if (a[0] == '-') {
			unsure = -1;	/* -s, -d, -i, -o, anything else */
		} else {
			continue;	/* a value */
		}
		i += a[0] == '-' && strcmp(a, "!") ? 1 : 0;
	}
	return unsure ? unsure : 1;
}

static const char *target(char **w, size_t n)
{
	for (size_t i = 2; i + 1 < n; i++)
		if (!strcmp(w[i], "-j") || !strcmp(w[i], "-g"))
			return w[i + 1];
	return NULL;
}

/* The flow down its chain of the filter table in text: the verdict, and
 * the rule (or "chain INPUT policy DROP") that gave it. */
static enum verdict walk(const char *text, const struct flow *f, char *why,
			 size_t len)
{
	char *copy = strdup(text), *save = NULL, *line, *w[ARGS_MAX];
	char policy[32] = "ACCEPT";
	enum verdict v = V_ACCEPT;
	bool filter = false, done = false;

	snprintf(why, len, "chain %s policy ACCEPT", f->chain);
	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line && !done;
	     line = strtok_r(NULL, "\n", &save)) {
		char orig[512];
		size_t n;
		const char *t;
		int m;

		if (line[0] == '*')
			filter = !strcmp(line, "*filter");
		if (!filter)
			continue;
		if (line[0] == ':' && !strncmp(line + 1, f->chain,
					       strlen(f->chain)) &&
		    line[1 + strlen(f->chain)] == ' ') {
			sscanf(line + 2 + strlen(f->chain), "%31s", policy);
			continue;
		}
		snprintf(orig, sizeof(orig), "%s", line);
		n = words(line, w, ARGS_MAX);
		if (n < 2 || strcmp(w[0], "-A") || strcmp(w[1], f->chain))
			continue;
		t = target(w, n);
		m = matches(w, n, f);
		if (!m || !t || !strcmp(t, "LOG"))
			continue;
		snprintf(why, len, "%s", orig);
		if (m < 0 || (strcmp(t, "ACCEPT") && strcmp(t, "DROP") &&
			      strcmp(t, "REJECT")))
			v = V_UNDECIDED;
		else
			v = strcmp(t, "ACCEPT") ? V_DROP : V_ACCEPT;
		done = true;
	}
	if (!done && strcmp(policy, "ACCEPT")) {
		v = V_DROP;
		snprintf(why, len, "chain %s policy %s", f->chain, policy);
	}
	free(copy);
	return v;
}

/* iptables-legacy-save's (or ip6tables-legacy-save's) filter table, or
 * what the caller supplied; NULL when it cannot be had (*err says). */
static char *save_text(const struct tsn_host_opts *o, bool v6, int *err)
{
	char *argv[] = { v6 ? (char *)"ip6tables-legacy-save" :
			 (char *)"iptables-legacy-save", (char *)"-t",
			 (char *)"filter", NULL };
	const char *given = v6 ? o->legacy_save6 : o->legacy_save4;
	struct tsn_buf b = { 0 };

	*err = 0;
	if (given)
		return strdup(given);
	if (o->root && *o->root) {
		*err = -ENOENT;	/* not this host's rules to ask */
		return NULL;
	}
	*err = tsn_spawn_capture(argv, &b, SAVE_MAX, SAVE_TIMEOUT_MS);
	if (*err) {
		tsn_buf_free(&b);
		return NULL;
	}
	return b.p ? b.p : strdup("");	/* no table of that family */
}

/* Each flow through one family's rules, into drops / undecided. */
static void judge(const char *text, const char *fam, struct tsn_buf *drops,
		  struct tsn_buf *undecided, struct tsn_buf *fix)
{
	char why[512];

	for (size_t i = 0; i < ARRAY_SIZE(flows); i++) {
		enum verdict v = walk(text, &flows[i], why, sizeof(why));
		struct tsn_buf *b = v == V_DROP ? drops : undecided;

		if (v == V_ACCEPT)
			continue;
		tsn_buf_printf(b, "%s%s%s: %s", b->len ? "; " : "",
			       flows[i].name, fam, why);
		if (v == V_DROP && !fix->len)
			tsn_buf_printf(fix, "allow it there (%s -I %s -p %s%s%s "
				       "-j ACCEPT, for the members), or move "
				       "the rules to nftables", *fam ?
				       "ip6tables-legacy" : "iptables-legacy",
				       flows[i].chain, flows[i].proto,
				       flows[i].port ? " --dport " : "",
				       flows[i].port ? flows[i].port == 500 ?
				       "500" : "4500" : "");
	}
}

int tsn_host_legacy_check(const struct tsn_host_opts *o,
			  struct tsn_node_report *n, const char *tables)
{
	const char *id = "iptables-legacy";
	struct tsn_buf drops = { 0 }, und = { 0 }, fix = { 0 };
	char e[96];
	int ret, err = 0;

	for (int v6 = 0; v6 < 2; v6++) {
		int e1;
		char *text = save_text(o, v6, &e1);

		if (text)
			judge(text, v6 ? " (IPv6)" : "", &drops, &und, &fix);
		else if (!err)
			err = e1;
		free(text);
	}
	if (drops.len)
		ret = tsn_node_check(n, id, TSN_ST_FAIL, fix.p, "iptables-legacy "
				     "(which nftables cannot see) drops %s%s%s",
				     drops.p, und.len ? "; cannot tell for " :
				     "", und.len ? und.p : "");
	else if (und.len)
		ret = tsn_node_check(n, id, TSN_ST_WARN, "check that rule with "
				     "iptables-legacy-save, or move the rules "
				     "to nftables", "iptables-legacy tables %s, "
				     "which nftables cannot see; cannot tell "
				     "what they do to %s", tables, und.p);
	else if (err)
		ret = tsn_node_check(n, id, TSN_ST_WARN, "check with "
				     "iptables-legacy-save that UDP 500, UDP "
				     "4500 and ESP pass between the nodes, or "
				     "move the rules to nftables",
				     "iptables-legacy tables %s: nftables cannot "
				     "see them, and their rules cannot be read "
				     "here (%s)", tables,
				     tsn_errno_str(err, e, sizeof(e)));
	else
		ret = tsn_node_check(n, id, TSN_ST_OK, NULL, "iptables-legacy "
				     "tables %s: UDP 500, UDP 4500 and ESP pass "
				     "them", tables);
	tsn_buf_free(&drops);
	tsn_buf_free(&und);
	tsn_buf_free(&fix);
	return ret;
}
