/* inventory.c - read the cluster inventory (cluster.conf): lines,
 * sections, keys; lookups and effective per-node values.
 *
 * One line handler serves both the file reader (getline) and the parser
 * from memory, so line numbers are the same either way.  The keys, their
 * checks and defaults are in inventory_check.c, setting them in
 * inventory_value.c, addresses in inventory_addr.c, and writing and
 * comparing in inventory_format.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory_int.h"

/* Lines and sections */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = '\0';
	return s;
}

/* A '#' or ';' at the start of the line or after a blank begins a
 * comment that runs to the end of the line (so does one right after the
 * '=', see assignment()).  No value may hold either
 * character (every value check refuses both), so this never cuts a
 * value short; a '#' glued to a value stays in it, and its check says
 * that a comment needs a blank before it. */
static void cut_comment(char *p)
{
	for (char *s = p; *s; s++) {
		if ((*s == '#' || *s == ';') &&
		    (s == p || s[-1] == ' ' || s[-1] == '\t')) {
			*s = '\0';
			return;
		}
	}
}

static const struct key *find_key(const struct key *keys, size_t n,
				  const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static int unknown_key(struct parser *ps, const char *key)
{
	bool cl = ps->sect == SECT_CLUSTER;
	const struct key *own = cl ? inv_cluster_keys : inv_node_keys;
	size_t n = cl ? inv_n_cluster_keys : inv_n_node_keys;
	const char *best = NULL;
	unsigned best_d = ~0u;
	char b[96];

	if (cl ? find_key(inv_node_keys, inv_n_node_keys, key) :
	    find_key(inv_cluster_keys, inv_n_cluster_keys, key))
		return inv_perr(ps, "'%s' belongs in %s, not in %s", key,
				cl ? "a [node NAME] section" : "[cluster]",
				cl ? "[cluster]" : "a [node] section");
	for (size_t i = 0; i < n; i++) {
		unsigned d = tsn_edit_distance(key, own[i].name);

		if (d < best_d) {
			best_d = d;
			best = own[i].name;
		}
	}
	if (best && best_d <= 2 && best_d < strlen(key))
		return inv_perr(ps, "unknown key '%s' (did you mean '%s'?)",
				inv_q(b, sizeof(b), key), best);
	return inv_perr(ps, "unknown key '%s'", inv_q(b, sizeof(b), key));
}

/* A node section ends at the next header or at the end of the file. */
static int close_section(struct parser *ps)
{
	const struct tsn_node *n;

	if (ps->sect != SECT_NODE)
		return 0;
	n = &ps->inv->nodes[ps->inv->n_nodes - 1];
	if (n->addr.family)
		return 0;
	ps->line = n->line;
	return inv_perr(ps, "node '%s' has no address", n->name);
}

static int add_node(struct parser *ps, const char *name)
{
	struct tsn_inventory *inv = ps->inv;
	struct tsn_node *n;

	uint32_t *slot;

	if (inv_check_name_str(ps, "a node name", name))
		return -EINVAL;
	if (inv->n_nodes && *(slot = inv_find_slot(ps, name, NULL)))
		return inv_perr(ps, "duplicate node '%s' (first at line %u)",
				name,
				inv->nodes[(*slot - 1) >> 2].line);
	if (inv->n_nodes >= TSN_NODES_MAX)
		return inv_perr(ps, "more than %d nodes", TSN_NODES_MAX);
	if (inv->n_nodes == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 16;
		void *grown = realloc(inv->nodes, cap * sizeof(*n));

		if (!grown)
			return inv_nomem(ps);
		inv->nodes = grown;
		ps->cap = cap;
		if (inv_index_rebuild(ps, cap))
			return inv_nomem(ps);
	}
	n = &inv->nodes[inv->n_nodes];
	memset(n, 0, sizeof(*n));
	strcpy(n->name, name);	/* checked: at most TSN_NAME_MAX */
	n->line = ps->line;
	*inv_find_slot(ps, name, NULL) = inv_slot_value(inv->n_nodes++, 0);
	memset(ps->nseen, 0, sizeof(ps->nseen));
	ps->sect = SECT_NODE;
	return 0;
}

static int section(struct parser *ps, char *p)
{
	char *end = strchr(p, ']'), *word, *rest, b[96];

	if (!end)
		return inv_perr(ps, "section header without a closing ']'");
	if (end[1])
		return inv_perr(ps, "unexpected text after ']'");
	*end = '\0';
	word = trim(p + 1);
	rest = word + strcspn(word, " \t");
	if (*rest)
		*rest++ = '\0';
	rest = trim(rest);
	if (close_section(ps))
		return -EINVAL;
	if (!strcmp(word, "cluster")) {
		if (*rest)
			return inv_perr(ps, "[cluster] takes no name");
		if (ps->cluster_line)
			return inv_perr(ps,
					"a second [cluster] section (the first "
					"is at line %u)", ps->cluster_line);
		ps->cluster_line = ps->line;
		ps->sect = SECT_CLUSTER;
		return 0;
	}
	if (!strcmp(word, "node")) {
		if (!*rest)
			return inv_perr(ps, "[node] needs a name: [node NAME]");
		return add_node(ps, rest);
	}
	if (tsn_edit_distance(word, "cluster") <= 2)
		return inv_perr(ps, "unknown section '[%s]' (did you mean "
				"[cluster]?)", inv_q(b, sizeof(b), word));
	return inv_perr(ps, "unknown section '[%s]' (expected [cluster] or "
			"[node NAME])", inv_q(b, sizeof(b), word));
}

static int assignment(struct parser *ps, char *p)
{
	char *eq = strchr(p, '='), *key, *val, b[96];
	bool cl = ps->sect == SECT_CLUSTER;
	const struct key *keys = cl ? inv_cluster_keys : inv_node_keys;
	const struct key *k;
	unsigned *seen = cl ? ps->cseen : ps->nseen;
	void *base;

	if (!eq)
		return inv_perr(ps,
				"expected 'key = value' or a [section], not "
				"'%s'", inv_q(b, sizeof(b), p));
	*eq = '\0';
	key = trim(p);
	val = trim(eq + 1);
	if (*val == '#' || *val == ';')	/* "key =# note": no value */
		*val = '\0';
	if (!*key)
		return inv_perr(ps, "a value without a key");
	if (ps->sect == SECT_NONE)
		return inv_perr(ps,
				"'%s' is outside any section (keys go under "
				"[cluster] or [node NAME])",
				inv_q(b, sizeof(b), key));
	k = find_key(keys, cl ? inv_n_cluster_keys :
		     inv_n_node_keys, key);
	if (!k)
		return unknown_key(ps, key);
	if (seen[k - keys])
		return inv_perr(ps,
				"'%s' is set twice in this section (first at "
				"line %u)", key, seen[k - keys]);
	seen[k - keys] = ps->line;
	if (!*val)
		return (k->flags & F_OPTIONAL) ? 0 :
			inv_perr(ps, "'%s' needs a value", key);
	base = cl ? (void *)&ps->inv->cluster :
		(void *)&ps->inv->nodes[ps->inv->n_nodes - 1];
	return inv_set_value(ps, k, base, val);
}

static int handle_line(struct parser *ps, const char *s, size_t len)
{
	char *p;

	ps->line++;
	if (len && s[len - 1] == '\n')
		len--;
	/* A CRLF file from another editor: the \r ends the line too. */
	if (len && s[len - 1] == '\r')
		len--;
	if (len > TSN_LINE_MAX)
		return inv_perr(ps, "line longer than %d bytes", TSN_LINE_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return inv_perr(ps, "binary data (byte 0x%02x)", c);
	}
	memcpy(ps->buf, s, len);
	ps->buf[len] = '\0';
	p = trim(ps->buf);
	cut_comment(p);
	p = trim(p);
	if (!*p)
		return 0;
	if (*p == '[')
		return section(ps, p);
	return assignment(ps, p);
}

static int finish(struct parser *ps)
{
	struct tsn_inventory *inv = ps->inv;
	int ret;

	if (close_section(ps))
		return -EINVAL;
	ps->line = ps->cluster_line;
	if (!ps->cluster_line)
		return inv_perr(ps, "no [cluster] section");
	if (!inv->cluster.name)
		return inv_perr(ps, "[cluster] has no name (add: name = NAME)");
	if (!inv->n_nodes)
		return inv_perr(ps, "the cluster has no nodes");
	for (size_t i = 0; i < inv_n_cluster_keys; i++) {
		const struct key *k = &inv_cluster_keys[i];

		if (ps->cseen[i] || !k->dflt)
			continue;
		ret = inv_set_value(ps, k, &inv->cluster, k->dflt);
		if (ret)
			return ret;
	}
	inv->path = strdup(ps->name);
	return inv->path ? 0 : inv_nomem(ps);
}

static void parser_init(struct parser *ps, const char *name,
			struct tsn_inventory *inv, struct tsn_inv_diag *diag)
{
	memset(ps, 0, offsetof(struct parser, buf));
	ps->name = name ? name : "(inventory)";
	ps->inv = inv;
	ps->diag = diag;
	memset(inv, 0, sizeof(*inv));
	diag->error[0] = '\0';
}

int tsn_inventory_parse(const char *name, const char *text, size_t len,
			struct tsn_inventory *inv, struct tsn_inv_diag *diag)
{
	struct tsn_inv_diag dummy = { .warn = NULL };
	const char *p = text, *end = text + len;
	struct parser ps;
	int ret = 0;

	if (!diag)
		diag = &dummy;
	parser_init(&ps, name, inv, diag);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		ret = handle_line(&ps, p, n);
		if (ret)
			goto out;
		p += n;
	}
	ret = finish(&ps);
out:
	free(ps.slots);
	if (ret)
		tsn_inventory_free(inv);
	return ret;
}

static int read_lines(struct parser *ps, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	errno = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		ret = handle_line(ps, line, (size_t)n);
		if (ret)
			goto out;
	}
	if (ferror(f)) {
		ret = errno ? -errno : -EIO;
		snprintf(ps->diag->error, sizeof(ps->diag->error),
			 "%s: cannot read: %s", ps->name, strerror(-ret));
		goto out;
	}
	ret = finish(ps);
out:
	free(line);
	return ret;
}

int tsn_inventory_load(const char *path, struct tsn_inventory *inv,
		       struct tsn_inv_diag *diag)
{
	struct tsn_inv_diag dummy = { .warn = NULL };
	struct parser ps;
	struct stat st;
	FILE *f;
	int ret;

	if (!diag)
		diag = &dummy;
	parser_init(&ps, path, inv, diag);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(diag->error, sizeof(diag->error),
			 "%s: cannot read: %s", path, strerror(errno));
		return ret;
	}
	if (!fstat(fileno(f), &st) && S_ISREG(st.st_mode) &&
	    (st.st_mode & S_IWOTH) && diag->warn) {
		char msg[sizeof(diag->error)];

		snprintf(msg, sizeof(msg), "%s: world-writable, "
			 "anyone can change the cluster's inventory", path);
		diag->warn(diag->warn_arg, msg);
	}
	ret = read_lines(&ps, f);
	free(ps.slots);
	fclose(f);
	if (ret)
		tsn_inventory_free(inv);
	return ret;
}

/* Lookups and effective values */

const struct tsn_node *tsn_inventory_find(const struct tsn_inventory *inv,
					  const char *name)
{
	for (size_t i = 0; name && i < inv->n_nodes; i++)
		if (!strcmp(inv->nodes[i].name, name))
			return &inv->nodes[i];
	return NULL;
}

bool tsn_inventory_mixed(const struct tsn_inventory *inv, char *why,
			 size_t len)
{
	for (size_t i = 1; i < inv->n_nodes; i++) {
		if (inv->nodes[i].addr.family == inv->nodes[0].addr.family)
			continue;
		snprintf(why, len, "nodes %s and %s have addresses of "
			 "different families (every address IPv4 or every one "
			 "IPv6; IPv6 beside IPv4 goes in address6)",
			 inv->nodes[0].name, inv->nodes[i].name);
		return true;
	}
	return false;
}

const char *tsn_node_netns(const struct tsn_node *n)
{
	return n->netns ? n->netns : n->name;
}

const char *tsn_node_ssh_host(const struct tsn_node *n, char *buf, size_t len)
{
	if (n->ssh_host)
		return n->ssh_host;
	return tsn_addr_str(&n->addr, buf, len);
}

const char *tsn_node_ssh_user(const struct tsn_inventory *inv,
			      const struct tsn_node *n)
{
	if (n->ssh_user)
		return n->ssh_user;
	return inv->cluster.ssh_user ? inv->cluster.ssh_user : "root";
}

unsigned tsn_node_ssh_port(const struct tsn_inventory *inv,
			   const struct tsn_node *n)
{
	if (n->ssh_port)
		return n->ssh_port;
	return inv->cluster.ssh_port ? inv->cluster.ssh_port : 22;
}

const char *tsn_node_interface(const struct tsn_inventory *inv,
			       const struct tsn_node *n)
{
	return n->interface ? n->interface : inv->cluster.interface;
}

const char *tsn_node_remote_tsnet(const struct tsn_inventory *inv,
				  const struct tsn_node *n)
{
	if (n->remote_tsnet)
		return n->remote_tsnet;
	return inv->cluster.remote_tsnet ? inv->cluster.remote_tsnet : "tsnet";
}

void tsn_inventory_warn_stderr(void *arg, const char *msg)
{
	tsn_warn(arg, "%s", msg);
}
