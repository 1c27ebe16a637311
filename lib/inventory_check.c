/* inventory_check.c - the per-key value checks and the key tables.
 *
 * Every key is a row of one table that gives its type, its strict check
 * and its default; defaults go through the same checks as the file's
 * values, and the table's order is the order tsn_inventory_format()
 * writes.  Each value that later reaches a generated script or config is
 * held to a strict character set here, so no quote, '$', ';' or Unicode
 * lookalike ever gets that far.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "inventory_int.h"

int inv_perr(struct parser *ps, const char *fmt, ...)
{
	char *e = ps->diag->error;
	size_t size = sizeof(ps->diag->error);
	int n;
	va_list ap;

	n = snprintf(e, size, "%s:%u: ", ps->name, ps->line ? ps->line : 1);
	if (n < 0 || (size_t)n >= size)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(e + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* User text inside a message: bytes that are not printable ASCII as \xNN,
 * long text cut, so an error line stays one readable line. */
const char *inv_q(char *buf, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 8 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (o > 60) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static bool in_set(unsigned char c, unsigned classes, const char *punct)
{
	if (c >= 'a' && c <= 'z')
		return classes & C_LOWER;
	if (c >= 'A' && c <= 'Z')
		return classes & C_UPPER;
	if (c >= '0' && c <= '9')
		return classes & C_DIGIT;
	return c && c < 0x80 && strchr(punct, c);
}

/* The reader cuts a comment only where a blank comes before its '#' or
 * ';', so one left in a value was meant as a comment and written against
 * it: what to tell the user, or NULL. */
const char *inv_comment_hint(const char *v)
{
	const char *c = strpbrk(v, "#;");

	if (!c)
		return NULL;
	return *c == '#' ? "a comment needs a blank before its '#'" :
		"a comment needs a blank before its ';'";
}

/* hint: when c is a '#' or ';', from inv_comment_hint(); else NULL. */
static int bad_char(struct parser *ps, const char *what, unsigned char c,
		    unsigned classes, const char *punct, const char *hint)
{
	char desc[48];

	if (c == ' ')
		snprintf(desc, sizeof(desc), "a space");
	else if (c == '\t')
		snprintf(desc, sizeof(desc), "a tab");
	else if (c == '\'')
		snprintf(desc, sizeof(desc), "a quote (')");
	else if (c >= 0x80)
		snprintf(desc, sizeof(desc), "non-ASCII byte 0x%02x", c);
	else
		snprintf(desc, sizeof(desc), "character '%c'", c);
	return inv_perr(ps, "%s is not allowed in %s (allowed: %s%s%s%s%s%s)",
			desc,
			what, (classes & C_UPPER) ? "letters" :
			(classes & C_LOWER) ? "lowercase letters" : "",
			(classes & C_DIGIT) ? ", digits" : "",
			*punct ? " and " : "", punct,
			hint ? "; " : "", hint ? hint : "");
}

static int check_chars(struct parser *ps, const char *what, const char *v,
		       unsigned classes, const char *punct)
{
	for (const char *p = v; *p; p++)
		if (!in_set((unsigned char)*p, classes, punct))
			return bad_char(ps, what, (unsigned char)*p, classes,
					punct, strchr("#;", *p) ?
					inv_comment_hint(p) : NULL);
	return 0;
}

/* Characters, then length, then a first character that cannot be taken
 * for a command-line option. */
static int check_str(struct parser *ps, const char *what, const char *v,
		     unsigned classes, const char *punct, size_t max)
{
	if (check_chars(ps, what, v, classes, punct))
		return -EINVAL;
	if (strlen(v) > max)
		return inv_perr(ps, "%s is longer than %zu characters", what,
				max);
	if (v[0] == '-')
		return inv_perr(ps, "%s must not start with '-'", what);
	return 0;
}

int inv_check_name_str(struct parser *ps, const char *what, const char *v)
{
	return check_str(ps, what, v, C_LOWER | C_DIGIT, "-", TSN_NAME_MAX);
}

bool tsn_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > TSN_NAME_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!in_set((unsigned char)s[i], C_LOWER | C_DIGIT, "-"))
			return false;
	return true;
}

static int check_name(struct parser *ps, const struct key *k, const char *v)
{
	return inv_check_name_str(ps, "the cluster name", v);
}

/* Linux's dev_valid_name(), narrowed to characters no script minds. */
static int check_ifname(struct parser *ps, const struct key *k, const char *v)
{
	if (check_str(ps, k->name, v, C_ALNUM, "._-", 15))
		return -EINVAL;
	if (!strcmp(v, ".") || !strcmp(v, ".."))
		return inv_perr(ps, "%s '%s' is not an interface name", k->name,
				v);
	return 0;
}

/* useradd's default NAME_REGEX. */
static int check_user(struct parser *ps, const struct key *k, const char *v)
{
	if (check_str(ps, k->name, v, C_LOWER | C_DIGIT, "_-", 32))
		return -EINVAL;
	if (v[0] >= '0' && v[0] <= '9')
		return inv_perr(ps,
				"%s must start with a lowercase letter or '_'",
				k->name);
	return 0;
}

static int check_path(struct parser *ps, const struct key *k, const char *v)
{
	if (check_str(ps, k->name, v, C_ALNUM, "._/+-", 1024))
		return -EINVAL;
	if (v[0] != '/')
		return inv_perr(ps, "%s must be an absolute path", k->name);
	return 0;
}

/* A command found in the node's PATH, or an absolute path. */
static int check_command(struct parser *ps, const struct key *k,
			 const char *v)
{
	if (v[0] == '/')
		return check_path(ps, k, v);
	if (v[0] == '.' || strchr(v, '/'))
		return inv_perr(ps,
				"%s must be a command name or an absolute path",
				k->name);
	return check_str(ps, k->name, v, C_ALNUM, "._+-", 255);
}

/* Comma-separated items, none empty, each checked by one_item. */
static int check_items(struct parser *ps, const struct key *k, const char *v,
		       int (*one)(struct parser *ps, const struct key *k,
				  const char *item))
{
	char item[TSN_LINE_MAX + 1], what[64];
	struct key ik = *k;	/* messages say "an item of KEY" */
	unsigned n = 0;

	snprintf(what, sizeof(what), "an item of %s", k->name);
	ik.name = what;
	for (const char *p = v;; n++) {
		size_t len = strcspn(p, ",");

		if (len == 0)
			return inv_perr(ps, "%s has an empty item", k->name);
		if (n >= LIST_MAX)
			return inv_perr(ps, "%s has more than %d items",
					k->name,
					LIST_MAX);
		memcpy(item, p, len);
		item[len] = '\0';
		if (one(ps, &ik, item))
			return -EINVAL;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static int check_proposal(struct parser *ps, const struct key *k,
			  const char *v)
{
	return check_str(ps, k->name, v, C_LOWER | C_DIGIT, "-", 255);
}

static int check_proposals(struct parser *ps, const struct key *k,
			   const char *v)
{
	if (check_chars(ps, k->name, v, C_LOWER | C_DIGIT, ",-"))
		return -EINVAL;
	return check_items(ps, k, v, check_proposal);
}

static int check_azure_rg(struct parser *ps, const struct key *k,
			  const char *v)
{
	if (check_str(ps, k->name, v, C_ALNUM, "._()-", 90))
		return -EINVAL;
	if (v[strlen(v) - 1] == '.')
		return inv_perr(ps, "%s must not end in '.'", k->name);
	return 0;
}

/* Azure: start with a letter or digit, end with one or '_'. */
static int check_azure_nsg(struct parser *ps, const struct key *k,
			   const char *v)
{
	char last = v[strlen(v) - 1];

	if (check_str(ps, k->name, v, C_ALNUM, "._-", 80))
		return -EINVAL;
	if (v[0] == '.' || v[0] == '_' || last == '.' || last == '-')
		return inv_perr(ps,
				"%s must start with a letter or digit and end "
				"with a letter, digit or '_'", k->name);
	return 0;
}

/* An RFC 1035 label, as GCP wants for networks and tags; lo: min length */
static int check_label(struct parser *ps, const struct key *k, const char *v,
		       size_t lo, size_t hi)
{
	size_t n = strlen(v);

	if (check_str(ps, k->name, v, C_LOWER | C_DIGIT, "-", hi))
		return -EINVAL;
	if (n < lo)
		return inv_perr(ps, "%s is shorter than %zu characters",
				k->name,
				lo);
	if (v[0] < 'a' || v[0] > 'z' || v[n - 1] == '-')
		return inv_perr(ps,
				"%s must start with a lowercase letter and not "
				"end with '-'", k->name);
	return 0;
}

static int check_aws_region(struct parser *ps, const struct key *k,
			    const char *v)
{
	return check_label(ps, k, v, 1, 32);
}

static int check_gcp_project(struct parser *ps, const struct key *k,
			     const char *v)
{
	return check_label(ps, k, v, 6, 30);
}

static int check_gcp_label(struct parser *ps, const struct key *k,
			   const char *v)
{
	return check_label(ps, k, v, 1, 63);
}

static int check_gcp_tags(struct parser *ps, const struct key *k,
			  const char *v)
{
	if (check_chars(ps, k->name, v, C_LOWER | C_DIGIT, ",-"))
		return -EINVAL;
	return check_items(ps, k, v, check_gcp_label);
}

/* AWS ids: PREFIX followed by 8 or 17 lowercase hex digits. */
static int check_aws_id(struct parser *ps, const struct key *k, const char *v,
			const char *prefix)
{
	size_t pl = strlen(prefix), n;

	if (check_chars(ps, k->name, v, C_LOWER | C_DIGIT, "-"))
		return -EINVAL;
	n = strlen(v);
	if (strncmp(v, prefix, pl) || (n - pl != 8 && n - pl != 17) ||
	    strspn(v + pl, "0123456789abcdef") != n - pl)
		return inv_perr(ps, "%s must be an id like %s0123456789abcdef0",
				k->name, prefix);
	return 0;
}

static int check_aws_sg(struct parser *ps, const struct key *k, const char *v)
{
	return check_aws_id(ps, k, v, "sg-");
}

static int check_aws_vpc(struct parser *ps, const struct key *k,
			 const char *v)
{
	return check_aws_id(ps, k, v, "vpc-");
}

static int check_netns(struct parser *ps, const struct key *k, const char *v)
{
	if (check_str(ps, k->name, v, C_ALNUM, "._-", 64))
		return -EINVAL;
	if (v[0] == '.')
		return inv_perr(ps, "%s must not start with '.'", k->name);
	return 0;
}

/* A host name, an alias from ssh_config or an address. */
static int check_host(struct parser *ps, const struct key *k, const char *v)
{
	return check_str(ps, k->name, v, C_ALNUM, ".:_-", 253);
}

static int check_mtu(struct parser *ps, const struct key *k, const char *v)
{
	unsigned mtu = 0;

	tsn_parse_uint(v, 0, 65535, &mtu);
	if (mtu > 0 && mtu < 576)
		return inv_perr(ps,
				"%s must be 0 (no check) or from 576 to 65535",
				k->name);
	return 0;
}

/* Options that make ssh run a command on this host are refused: the
 * value set below has no space, so they would not be useful anyway. */
int inv_check_ssh_option(struct parser *ps, const char *item)
{
	static const char *const banned[] = {
		"ProxyCommand", "LocalCommand", "PermitLocalCommand",
		"KnownHostsCommand",
	};
	const char *eq = strchr(item, '=');
	char b[96], key[64];
	size_t n = eq ? (size_t)(eq - item) : 0;

	if (!n || !eq[1])
		return inv_perr(ps, "ssh option '%s' is not Key=Value",
				inv_q(b, sizeof(b), item));
	if (n >= sizeof(key))
		return inv_perr(ps, "ssh option name '%s' is too long",
				inv_q(b, sizeof(b), item));
	memcpy(key, item, n);
	key[n] = '\0';
	if (check_chars(ps, "an ssh option name", key, C_ALNUM, "") ||
	    check_chars(ps, "an ssh option value", eq + 1, C_ALNUM,
			"._/:@,=+-"))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(banned); i++)
		if (!strcasecmp(key, banned[i]))
			return inv_perr(ps,
					"ssh option %s runs a local command "
					"and is not allowed", banned[i]);
	return 0;
}

static const char *const transport_names[] = { "ssh", "netns", "local", NULL };
static const char *const cloud_names[] = {
	"none", "auto", "azure", "aws", "gcp", NULL
};
static const char *const auth_names[] = { "psk", "x509", NULL };
static const char *const encap_names[] = { "auto", "yes", "no", NULL };

_Static_assert(sizeof(enum tsn_transport_kind) == sizeof(unsigned) &&
	       sizeof(enum tsn_cloud) == sizeof(unsigned) &&
	       sizeof(enum tsn_auth) == sizeof(unsigned) &&
	       sizeof(enum tsn_encap) == sizeof(unsigned),
	       "enum fields are stored through unsigned *");

#define CK(n, t, f, ...) { #n, t, offsetof(struct tsn_cluster, n), f, __VA_ARGS__ }
#define NK(n, m, t, f, ...) { n, t, offsetof(struct tsn_node, m), f, __VA_ARGS__ }

/* [cluster], in the order tsn_inventory_format() writes. */
const struct key inv_cluster_keys[] = {
	CK(name, V_STR, 0, NULL, 0, 0, NULL, check_name),
	CK(transport, V_ENUM, 0, "ssh", 0, 0, transport_names, NULL),
	CK(interface, V_STR, F_OPTIONAL, NULL, 0, 0, NULL, check_ifname),
	CK(ssh_user, V_STR, 0, "root", 0, 0, NULL, check_user),
	CK(ssh_port, V_UINT, 0, "22", 1, 65535, NULL, NULL),
	CK(ssh_identity, V_STR, F_OPTIONAL, NULL, 0, 0, NULL, check_path),
	CK(ssh_options, V_OPTS, F_OPTIONAL, NULL, 0, 0, NULL, NULL),
	CK(remote_tsnet, V_STR, 0, "tsnet", 0, 0, NULL, check_command),
	CK(concurrency, V_UINT, 0, "32", 1, 1024, NULL, NULL),
	CK(timeout, V_UINT, 0, "60", 1, 86400, NULL, NULL),
	CK(payload_mtu, V_UINT, 0, "0", 0, 65535, NULL, check_mtu),
	CK(auth, V_ENUM, 0, "psk", 0, 0, auth_names, NULL),
	CK(encap, V_ENUM, 0, "auto", 0, 0, encap_names, NULL),
	CK(esp_proposals, V_STR, 0, TSN_ESP_PROPOSALS_DEFAULT, 0, 0, NULL,
	   check_proposals),
	CK(ike_proposals, V_STR, 0, TSN_IKE_PROPOSALS_DEFAULT, 0, 0, NULL,
	   check_proposals),
	CK(rekey_time, V_UINT, 0, "14400", 60, 604800, NULL, NULL),
	CK(cloud, V_ENUM, 0, "none", 0, 0, cloud_names, NULL),
	{ "subnet", V_SUBNETS, offsetof(struct tsn_cluster, subnets),
	  F_OPTIONAL, NULL, 0, 0, NULL, NULL },
	CK(azure_resource_group, V_STR, F_OPTIONAL, NULL, 0, 0, NULL,
	   check_azure_rg),
	CK(azure_nsg, V_STR, F_OPTIONAL, NULL, 0, 0, NULL, check_azure_nsg),
	CK(azure_priority, V_UINT, 0, "3000", 100, 4096, NULL, NULL),
	CK(aws_region, V_STR, F_OPTIONAL, NULL, 0, 0, NULL, check_aws_region),
	CK(aws_security_group, V_STR, F_OPTIONAL, NULL, 0, 0, NULL,
	   check_aws_sg),
	CK(aws_vpc, V_STR, F_OPTIONAL, NULL, 0, 0, NULL, check_aws_vpc),
	CK(gcp_project, V_STR, F_OPTIONAL, NULL, 0, 0, NULL, check_gcp_project),
	CK(gcp_network, V_STR, F_OPTIONAL, NULL, 0, 0, NULL, check_gcp_label),
	CK(gcp_target_tags, V_STR, F_OPTIONAL, NULL, 0, 0, NULL,
	   check_gcp_tags),
};

/* [node NAME]: overrides are written only when set. */
const struct key inv_node_keys[] = {
	NK("address", addr, V_ADDR, 0, NULL, 0, 0, NULL, NULL),
	NK("address6", addr6, V_ADDR, F_OPTIONAL | F_V6ONLY, NULL, 0, 0, NULL,
	   NULL),
	NK("netns", netns, V_STR, F_OPTIONAL, NULL, 0, 0, NULL, check_netns),
	NK("ssh_host", ssh_host, V_STR, F_OPTIONAL, NULL, 0, 0, NULL,
	   check_host),
	NK("ssh_user", ssh_user, V_STR, F_OPTIONAL, NULL, 0, 0, NULL,
	   check_user),
	NK("ssh_port", ssh_port, V_UINT, F_OPTIONAL, NULL, 1, 65535, NULL,
	   NULL),
	NK("interface", interface, V_STR, F_OPTIONAL, NULL, 0, 0, NULL,
	   check_ifname),
	NK("remote_tsnet", remote_tsnet, V_STR, F_OPTIONAL, NULL, 0, 0, NULL,
	   check_command),
};

_Static_assert(ARRAY_SIZE(inv_cluster_keys) <= KEYS_MAX &&
	       ARRAY_SIZE(inv_node_keys) <= KEYS_MAX, "seen[] too small");

const size_t inv_n_cluster_keys = ARRAY_SIZE(inv_cluster_keys);
const size_t inv_n_node_keys = ARRAY_SIZE(inv_node_keys);

const char *tsn_transport_name(enum tsn_transport_kind k)
{
	return (unsigned)k < ARRAY_SIZE(transport_names) - 1 ?
		transport_names[k] : "?";
}

const char *tsn_cloud_name(enum tsn_cloud c)
{
	return (unsigned)c < ARRAY_SIZE(cloud_names) - 1 ? cloud_names[c] : "?";
}

const char *tsn_auth_name(enum tsn_auth a)
{
	return (unsigned)a < ARRAY_SIZE(auth_names) - 1 ? auth_names[a] : "?";
}

const char *tsn_encap_name(enum tsn_encap e)
{
	return (unsigned)e < ARRAY_SIZE(encap_names) - 1 ? encap_names[e] : "?";
}
