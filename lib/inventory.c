/* inventory.c - read, check and write the cluster inventory (cluster.conf).
 *
 * One line handler serves both the file reader (getline) and the parser
 * from memory, so line numbers are the same either way.  Every key is a
 * row of one table that gives its type, its strict check and its default;
 * defaults go through the same checks as the file's values, and the
 * table's order is the order tsn_inventory_format() writes.  Each value
 * that later reaches a generated script or config is held to a strict
 * character set here, so no quote, '$', ';' or Unicode lookalike ever
 * gets that far.  Too long for one file by STYLE.md's measure; the value
 * checks could move to a file of their own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory.h"

#define LIST_MAX 64		/* ssh options, subnets, target tags */
#define KEYS_MAX 32

enum vtype { V_STR, V_UINT, V_ENUM, V_ADDR, V_OPTS, V_SUBNETS };

#define F_OPTIONAL 1		/* an empty value leaves the key unset */
#define F_V6ONLY 2

struct parser;

struct key {
	const char *name;
	enum vtype type;
	size_t off;		/* in struct tsn_cluster or struct tsn_node */
	unsigned flags;
	const char *dflt;	/* [cluster]: applied when the key is absent */
	unsigned min, max;	/* V_UINT */
	const char *const *names;	/* V_ENUM, indexed by value */
	int (*check)(struct parser *ps, const struct key *k, const char *v);
};

enum section { SECT_NONE, SECT_CLUSTER, SECT_NODE };

struct parser {
	const char *name;	/* file name in messages */
	struct tsn_inventory *inv;
	struct tsn_inv_diag *diag;
	unsigned line;
	enum section sect;
	unsigned cluster_line;	/* 0 until [cluster] is seen */
	unsigned cseen[KEYS_MAX];	/* line each [cluster] key was set on */
	unsigned nseen[KEYS_MAX];	/* the same for the current node */
	size_t cap;		/* nodes allocated */
	uint32_t *slots;	/* index of names and addresses, see below */
	size_t mask;
	char buf[TSN_LINE_MAX + 1];
};

static int perr(struct parser *ps, const char *fmt, ...) TSN_PRINTF(2, 3);

static int perr(struct parser *ps, const char *fmt, ...)
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
static const char *q(char *buf, size_t len, const char *s)
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

/* Character sets: classes plus a string of punctuation. */
#define C_LOWER 1
#define C_UPPER 2
#define C_DIGIT 4
#define C_ALNUM (C_LOWER | C_UPPER | C_DIGIT)

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

static bool trailing_comment(const char *v)
{
	return strstr(v, " #") || strstr(v, "\t#");
}

/* hint: the value looks like it ends in a comment. */
static int bad_char(struct parser *ps, const char *what, unsigned char c,
		    unsigned classes, const char *punct, bool hint)
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
	return perr(ps, "%s is not allowed in %s (allowed: %s%s%s%s)%s", desc,
		    what, (classes & C_UPPER) ? "letters" :
		    (classes & C_LOWER) ? "lowercase letters" : "",
		    (classes & C_DIGIT) ? ", digits" : "",
		    *punct ? " and " : "", punct,
		    hint ? "; comments go on a line of their own" : "");
}

static int check_chars(struct parser *ps, const char *what, const char *v,
		       unsigned classes, const char *punct)
{
	for (const char *p = v; *p; p++)
		if (!in_set((unsigned char)*p, classes, punct))
			return bad_char(ps, what, (unsigned char)*p, classes,
					punct, trailing_comment(v));
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
		return perr(ps, "%s is longer than %zu characters", what, max);
	if (v[0] == '-')
		return perr(ps, "%s must not start with '-'", what);
	return 0;
}

static int check_name_str(struct parser *ps, const char *what, const char *v)
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
	return check_name_str(ps, "the cluster name", v);
}

/* Linux's dev_valid_name(), narrowed to characters no script minds. */
static int check_ifname(struct parser *ps, const struct key *k, const char *v)
{
	if (check_str(ps, k->name, v, C_ALNUM, "._-", 15))
		return -EINVAL;
	if (!strcmp(v, ".") || !strcmp(v, ".."))
		return perr(ps, "%s '%s' is not an interface name", k->name, v);
	return 0;
}

/* useradd's default NAME_REGEX. */
static int check_user(struct parser *ps, const struct key *k, const char *v)
{
	if (check_str(ps, k->name, v, C_LOWER | C_DIGIT, "_-", 32))
		return -EINVAL;
	if (v[0] >= '0' && v[0] <= '9')
		return perr(ps, "%s must start with a lowercase letter or '_'",
			    k->name);
	return 0;
}

static int check_path(struct parser *ps, const struct key *k, const char *v)
{
	if (check_str(ps, k->name, v, C_ALNUM, "._/+-", 1024))
		return -EINVAL;
	if (v[0] != '/')
		return perr(ps, "%s must be an absolute path", k->name);
	return 0;
}

/* A command found in the node's PATH, or an absolute path. */
static int check_command(struct parser *ps, const struct key *k,
			 const char *v)
{
	if (v[0] == '/')
		return check_path(ps, k, v);
	if (v[0] == '.' || strchr(v, '/'))
		return perr(ps, "%s must be a command name or an absolute path",
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
			return perr(ps, "%s has an empty item", k->name);
		if (n >= LIST_MAX)
			return perr(ps, "%s has more than %d items", k->name,
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
		return perr(ps, "%s must not end in '.'", k->name);
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
		return perr(ps, "%s must start with a letter or digit and end "
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
		return perr(ps, "%s is shorter than %zu characters", k->name,
			    lo);
	if (v[0] < 'a' || v[0] > 'z' || v[n - 1] == '-')
		return perr(ps, "%s must start with a lowercase letter and not "
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
		return perr(ps, "%s must be an id like %s0123456789abcdef0",
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
		return perr(ps, "%s must not start with '.'", k->name);
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
		return perr(ps, "%s must be 0 (no check) or from 576 to 65535",
			    k->name);
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
static const struct key cluster_keys[] = {
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
	CK(esp_proposals, V_STR, 0, "aes256gcm16-x25519,aes128gcm16-x25519",
	   0, 0, NULL, check_proposals),
	CK(ike_proposals, V_STR, 0,
	   "aes256gcm16-prfsha384-x25519,aes128gcm16-prfsha256-ecp256",
	   0, 0, NULL, check_proposals),
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
static const struct key node_keys[] = {
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

_Static_assert(ARRAY_SIZE(cluster_keys) <= KEYS_MAX &&
	       ARRAY_SIZE(node_keys) <= KEYS_MAX, "seen[] too small");

#define FIELD(base, k, type) ((type *)(void *)((char *)(base) + (k)->off))
#define CFIELD(base, k, type) \
	((const type *)(const void *)((const char *)(base) + (k)->off))

/* CFIELD would make the strings const, not the array pointer. */
static char *const *opts_of(const struct key *k, const void *base)
{
	char **list;

	memcpy(&list, (const char *)base + k->off, sizeof(list));
	return list;
}


/* Addresses */

int tsn_addr_parse(const char *s, struct tsn_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!s || strlen(s) >= INET6_ADDRSTRLEN)
		return -EINVAL;
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, &a->v6) != 1)
			return -EINVAL;
		a->family = AF_INET6;
	} else {
		/* glibc's inet_pton takes only four decimal octets, no
		 * octal or hex forms that inet_aton would read. */
		if (inet_pton(AF_INET, s, &a->v4) != 1)
			return -EINVAL;
		a->family = AF_INET;
	}
	return 0;
}

const char *tsn_addr_str(const struct tsn_addr *a, char *buf, size_t len)
{
	if (!len)
		return NULL;
	buf[0] = '\0';
	if (a->family == AF_INET || a->family == AF_INET6) {
		if (!inet_ntop(a->family, &a->v4, buf, (socklen_t)len))
			return NULL;
	}
	return buf;
}

static size_t addr_len(const struct tsn_addr *a)
{
	return a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
}

bool tsn_addr_equal(const struct tsn_addr *a, const struct tsn_addr *b)
{
	return a->family == b->family &&
	       !memcmp(&a->v4, &b->v4, addr_len(a));
}

int tsn_prefix_parse(const char *s, struct tsn_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = s ? strchr(s, '/') : NULL;
	size_t n;

	memset(p, 0, sizeof(*p));
	if (!slash || (n = (size_t)(slash - s)) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (tsn_addr_parse(addr, &p->addr) < 0 ||
	    tsn_parse_uint(slash + 1, 0, p->addr.family == AF_INET ? 32 : 128,
			   &p->len) < 0) {
		memset(p, 0, sizeof(*p));
		return -EINVAL;
	}
	return 0;
}

/* Does the first len bits of a equal those of b? */
static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned bytes = len / 8, rest = len % 8;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));

	if (memcmp(a, b, bytes))
		return false;
	return !rest || !((a[bytes] ^ b[bytes]) & mask);
}

bool tsn_prefix_contains(const struct tsn_prefix *p, const struct tsn_addr *a)
{
	return p->addr.family == a->family && addr_len(a) &&
	       bits_equal((const uint8_t *)&p->addr.v4,
			  (const uint8_t *)&a->v4, p->len);
}

bool tsn_prefix_is_network(const struct tsn_prefix *p)
{
	size_t n = addr_len(&p->addr);
	const uint8_t *b = (const uint8_t *)&p->addr.v4;

	if (!n || p->len > n * 8)
		return false;
	for (size_t i = p->len / 8; i < n; i++) {
		uint8_t host = i == p->len / 8 ?
			(uint8_t)(0xff >> (p->len % 8)) : 0xff;

		if (b[i] & host)
			return false;
	}
	return true;
}

/* Why an address cannot be a node's, or NULL when it can. */
static const char *addr_unusable(const struct tsn_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *b = (const uint8_t *)&a->v4;
	uint8_t zero[16] = { 0 };

	if (!memcmp(b, zero, addr_len(a)))
		return "the unspecified address";
	if (a->family == AF_INET) {
		if ((b[0] & 0xf0) == 0xe0)
			return "a multicast address";
		if (a->v4.s_addr == INADDR_BROADCAST)
			return "the broadcast address";
		return NULL;
	}
	if (b[0] == 0xff)
		return "a multicast address";
	if (!memcmp(b, mapped, sizeof(mapped)))
		return "an IPv4-mapped IPv6 address (write the IPv4 address)";
	return NULL;
}

/* An open-addressing index of node names and addresses, so duplicates
 * are found without pairwise scans (those took 2.7 s for 4096 nodes under
 * ASan).  A slot holds 1 + (node << 2 | what), what being 0 for the name,
 * 1 for address and 2 for address6; 0 is empty.  It has 8 slots per
 * allocated node, so it is at most 3/8 full, and is rebuilt when the
 * nodes array grows. */
static uint32_t fnv(const void *p, size_t n, uint32_t h)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static uint32_t slot_value(size_t node, unsigned what)
{
	return (uint32_t)(1 + (node << 2 | what));
}

/* The slot holding name (or, when name is NULL, address a), or the empty
 * slot where it would go. */
static uint32_t *find_slot(struct parser *ps, const char *name,
			   const struct tsn_addr *a)
{
	uint32_t h = name ? fnv(name, strlen(name), 2166136261u) :
		fnv(&a->v4, addr_len(a), 2166136261u ^ (uint32_t)a->family);

	for (size_t i = h & ps->mask;; i = (i + 1) & ps->mask) {
		uint32_t v = ps->slots[i];
		const struct tsn_node *n;

		if (!v)
			return &ps->slots[i];
		n = &ps->inv->nodes[(v - 1) >> 2];
		switch ((v - 1) & 3) {
		case 0:
			if (name && !strcmp(n->name, name))
				return &ps->slots[i];
			break;
		case 1:
			if (!name && tsn_addr_equal(&n->addr, a))
				return &ps->slots[i];
			break;
		default:
			if (!name && tsn_addr_equal(&n->addr6, a))
				return &ps->slots[i];
		}
	}
}

static int index_rebuild(struct parser *ps, size_t cap)
{
	const struct tsn_inventory *inv = ps->inv;
	uint32_t *slots = calloc(cap * 8, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	free(ps->slots);
	ps->slots = slots;
	ps->mask = cap * 8 - 1;
	for (size_t i = 0; i < inv->n_nodes; i++) {
		const struct tsn_node *n = &inv->nodes[i];

		*find_slot(ps, n->name, NULL) = slot_value(i, 0);
		if (n->addr.family)
			*find_slot(ps, NULL, &n->addr) = slot_value(i, 1);
		if (n->addr6.family)
			*find_slot(ps, NULL, &n->addr6) = slot_value(i, 2);
	}
	return 0;
}

/* Setting values */

static int nomem(struct parser *ps)
{
	perr(ps, "out of memory");
	return -ENOMEM;
}

static int set_str(struct parser *ps, const struct key *k, void *base,
		   const char *v)
{
	char **field = FIELD(base, k, char *);

	if (k->check && k->check(ps, k, v))
		return -EINVAL;
	free(*field);
	*field = strdup(v);
	return *field ? 0 : nomem(ps);
}

static int set_uint(struct parser *ps, const struct key *k, void *base,
		    const char *v)
{
	char b[96];
	unsigned u;
	int ret = tsn_parse_uint(v, k->min, k->max, &u);

	if (ret == -ERANGE)
		return perr(ps, "%s %s is out of range (%u to %u)", k->name,
			    q(b, sizeof(b), v), k->min, k->max);
	if (ret < 0)
		return perr(ps, "%s must be a number from %u to %u, not '%s'",
			    k->name, k->min, k->max, q(b, sizeof(b), v));
	if (k->check && k->check(ps, k, v))
		return -EINVAL;
	*FIELD(base, k, unsigned) = u;
	return 0;
}

static int set_enum(struct parser *ps, const struct key *k, void *base,
		    const char *v)
{
	char b[96], list[96] = "";
	unsigned i;

	for (i = 0; k->names[i]; i++) {
		if (!strcmp(v, k->names[i])) {
			*FIELD(base, k, unsigned) = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? (k->names[i + 1] ? ", " : " or ") : "",
			 k->names[i]);
	}
	return perr(ps, "%s must be %s, not '%s'", k->name, list,
		    q(b, sizeof(b), v));
}

static int set_addr(struct parser *ps, const struct key *k, void *base,
		    const char *v)
{
	const struct tsn_inventory *inv = ps->inv;
	char b[96], s[INET6_ADDRSTRLEN];
	struct tsn_addr a;
	const char *why;
	uint32_t *slot;

	if (tsn_addr_parse(v, &a) < 0)
		return perr(ps, "%s '%s' is not an IPv4 or IPv6 address%s",
			    k->name, q(b, sizeof(b), v), trailing_comment(v) ?
			    " (comments go on a line of their own)" :
			    strchr(v, '/') ?
			    " (give the node's own address, no prefix length)"
			    : "");
	if ((k->flags & F_V6ONLY) && a.family != AF_INET6)
		return perr(ps, "%s must be an IPv6 address", k->name);
	tsn_addr_str(&a, s, sizeof(s));
	why = addr_unusable(&a);
	if (why)
		return perr(ps, "%s %s is %s", k->name, s, why);
	slot = find_slot(ps, NULL, &a);
	if (*slot) {
		const struct tsn_node *n = &inv->nodes[(*slot - 1) >> 2];

		return perr(ps, "duplicate address %s (node '%s' at line %u "
			    "has it)", s, n->name, n->line);
	}
	*FIELD(base, k, struct tsn_addr) = a;
	*slot = slot_value(inv->n_nodes - 1,
			   k->off == offsetof(struct tsn_node, addr) ? 1 : 2);
	return 0;
}

/* Options that make ssh run a command on this host are refused: the
 * value set below has no space, so they would not be useful anyway. */
static int check_ssh_option(struct parser *ps, const char *item)
{
	static const char *const banned[] = {
		"ProxyCommand", "LocalCommand", "PermitLocalCommand",
		"KnownHostsCommand",
	};
	const char *eq = strchr(item, '=');
	char b[96], key[64];
	size_t n = eq ? (size_t)(eq - item) : 0;

	if (!n || !eq[1])
		return perr(ps, "ssh option '%s' is not Key=Value",
			    q(b, sizeof(b), item));
	if (n >= sizeof(key))
		return perr(ps, "ssh option name '%s' is too long",
			    q(b, sizeof(b), item));
	memcpy(key, item, n);
	key[n] = '\0';
	if (check_chars(ps, "an ssh option name", key, C_ALNUM, "") ||
	    check_chars(ps, "an ssh option value", eq + 1, C_ALNUM,
			"._/:@,=+-"))
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(banned); i++)
		if (!strcasecmp(key, banned[i]))
			return perr(ps, "ssh option %s runs a local command "
				    "and is not allowed", banned[i]);
	return 0;
}

/* One allocation: the pointer array, then the strings. */
static int set_opts(struct parser *ps, const struct key *k, void *base,
		    const char *v)
{
	char item[TSN_LINE_MAX + 1], **list, *s;
	size_t n = 0, len;
	const char *p;

	for (p = v; *(p += strspn(p, " \t")); p += len, n++) {
		len = strcspn(p, " \t");
		if (n >= LIST_MAX)
			return perr(ps, "more than %d ssh_options", LIST_MAX);
		memcpy(item, p, len);
		item[len] = '\0';
		if (check_ssh_option(ps, item))
			return -EINVAL;
	}
	list = malloc((n + 1) * sizeof(*list) + strlen(v) + 1);
	if (!list)
		return nomem(ps);
	s = (char *)(list + n + 1);
	n = 0;
	for (p = v; *(p += strspn(p, " \t")); p += len) {
		len = strcspn(p, " \t");
		list[n++] = memcpy(s, p, len);
		s[len] = '\0';
		s += len + 1;
	}
	list[n] = NULL;
	free(*FIELD(base, k, char **));
	*FIELD(base, k, char **) = list;
	return 0;
}

static int add_subnet(struct parser *ps, struct tsn_cluster *c,
		      const char *item)
{
	char b[96], s[INET6_ADDRSTRLEN];
	struct tsn_prefix p, net;
	void *grown;

	if (tsn_prefix_parse(item, &p) < 0)
		return perr(ps, "subnet '%s' is not a prefix like "
			    "198.18.0.0/15 or fd00:7473::/64",
			    q(b, sizeof(b), item));
	tsn_addr_str(&p.addr, s, sizeof(s));
	if (p.len == 0)
		return perr(ps, "subnet %s/0 is every address", s);
	if (!tsn_prefix_is_network(&p)) {
		net = p;
		for (unsigned i = p.len; i < addr_len(&p.addr) * 8; i++)
			((uint8_t *)&net.addr.v4)[i / 8] &=
				(uint8_t)~(0x80 >> (i % 8));
		return perr(ps, "subnet %s/%u has host bits set (did you mean "
			    "%s/%u?)", s, p.len,
			    tsn_addr_str(&net.addr, b, sizeof(b)), p.len);
	}
	for (size_t i = 0; i < c->n_subnets; i++)
		if (c->subnets[i].len == p.len &&
		    tsn_addr_equal(&c->subnets[i].addr, &p.addr))
			return perr(ps, "subnet %s/%u is listed twice", s,
				    p.len);
	if (c->n_subnets >= LIST_MAX)
		return perr(ps, "more than %d subnets", LIST_MAX);
	grown = realloc(c->subnets, (c->n_subnets + 1) * sizeof(p));
	if (!grown)
		return nomem(ps);
	c->subnets = grown;
	c->subnets[c->n_subnets++] = p;
	return 0;
}

static int set_subnets(struct parser *ps, struct tsn_cluster *c,
		       const char *v)
{
	char item[TSN_LINE_MAX + 1], *t, *e;
	int ret;

	for (const char *p = v;; p++) {
		size_t len = strcspn(p, ",");

		memcpy(item, p, len);
		item[len] = '\0';
		for (t = item; *t == ' ' || *t == '\t'; t++)
			;
		for (e = t + strlen(t); e > t && (e[-1] == ' ' ||
						  e[-1] == '\t'); e--)
			;
		*e = '\0';
		if (!*t)
			return perr(ps, "subnet has an empty item");
		ret = add_subnet(ps, c, t);
		if (ret)
			return ret;
		p += len;
		if (!*p)
			return 0;
	}
}

static int set_value(struct parser *ps, const struct key *k, void *base,
		     const char *v)
{
	switch (k->type) {
	case V_STR:
		return set_str(ps, k, base, v);
	case V_UINT:
		return set_uint(ps, k, base, v);
	case V_ENUM:
		return set_enum(ps, k, base, v);
	case V_ADDR:
		return set_addr(ps, k, base, v);
	case V_OPTS:
		return set_opts(ps, k, base, v);
	case V_SUBNETS:
		return set_subnets(ps, base, v);
	}
	return -EINVAL;
}

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
	const struct key *own = cl ? cluster_keys : node_keys;
	size_t n = cl ? ARRAY_SIZE(cluster_keys) : ARRAY_SIZE(node_keys);
	const char *best = NULL;
	unsigned best_d = ~0u;
	char b[96];

	if (cl ? find_key(node_keys, ARRAY_SIZE(node_keys), key) :
	    find_key(cluster_keys, ARRAY_SIZE(cluster_keys), key))
		return perr(ps, "'%s' belongs in %s, not in %s", key,
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
		return perr(ps, "unknown key '%s' (did you mean '%s'?)",
			    q(b, sizeof(b), key), best);
	return perr(ps, "unknown key '%s'", q(b, sizeof(b), key));
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
	return perr(ps, "node '%s' has no address", n->name);
}

static int add_node(struct parser *ps, const char *name)
{
	struct tsn_inventory *inv = ps->inv;
	struct tsn_node *n;

	uint32_t *slot;

	if (check_name_str(ps, "a node name", name))
		return -EINVAL;
	if (inv->n_nodes && *(slot = find_slot(ps, name, NULL)))
		return perr(ps, "duplicate node '%s' (first at line %u)", name,
			    inv->nodes[(*slot - 1) >> 2].line);
	if (inv->n_nodes >= TSN_NODES_MAX)
		return perr(ps, "more than %d nodes", TSN_NODES_MAX);
	if (inv->n_nodes == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 16;
		void *grown = realloc(inv->nodes, cap * sizeof(*n));

		if (!grown)
			return nomem(ps);
		inv->nodes = grown;
		ps->cap = cap;
		if (index_rebuild(ps, cap))
			return nomem(ps);
	}
	n = &inv->nodes[inv->n_nodes];
	memset(n, 0, sizeof(*n));
	strcpy(n->name, name);	/* checked: at most TSN_NAME_MAX */
	n->line = ps->line;
	*find_slot(ps, name, NULL) = slot_value(inv->n_nodes++, 0);
	memset(ps->nseen, 0, sizeof(ps->nseen));
	ps->sect = SECT_NODE;
	return 0;
}

static int section(struct parser *ps, char *p)
{
	char *end = strchr(p, ']'), *word, *rest, b[96];

	if (!end)
		return perr(ps, "section header without a closing ']'");
	if (end[1])
		return perr(ps, "unexpected text after ']'");
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
			return perr(ps, "[cluster] takes no name");
		if (ps->cluster_line)
			return perr(ps, "a second [cluster] section (the first "
				    "is at line %u)", ps->cluster_line);
		ps->cluster_line = ps->line;
		ps->sect = SECT_CLUSTER;
		return 0;
	}
	if (!strcmp(word, "node")) {
		if (!*rest)
			return perr(ps, "[node] needs a name: [node NAME]");
		return add_node(ps, rest);
	}
	if (tsn_edit_distance(word, "cluster") <= 2)
		return perr(ps, "unknown section '[%s]' (did you mean "
			    "[cluster]?)", q(b, sizeof(b), word));
	return perr(ps, "unknown section '[%s]' (expected [cluster] or "
		    "[node NAME])", q(b, sizeof(b), word));
}

static int assignment(struct parser *ps, char *p)
{
	char *eq = strchr(p, '='), *key, *val, b[96];
	bool cl = ps->sect == SECT_CLUSTER;
	const struct key *keys = cl ? cluster_keys : node_keys;
	const struct key *k;
	unsigned *seen = cl ? ps->cseen : ps->nseen;
	void *base;

	if (!eq)
		return perr(ps, "expected 'key = value' or a [section], not "
			    "'%s'", q(b, sizeof(b), p));
	*eq = '\0';
	key = trim(p);
	val = trim(eq + 1);
	if (!*key)
		return perr(ps, "a value without a key");
	if (ps->sect == SECT_NONE)
		return perr(ps, "'%s' is outside any section (keys go under "
			    "[cluster] or [node NAME])", q(b, sizeof(b), key));
	k = find_key(keys, cl ? ARRAY_SIZE(cluster_keys) :
		     ARRAY_SIZE(node_keys), key);
	if (!k)
		return unknown_key(ps, key);
	if (seen[k - keys])
		return perr(ps, "'%s' is set twice in this section (first at "
			    "line %u)", key, seen[k - keys]);
	seen[k - keys] = ps->line;
	if (!*val)
		return (k->flags & F_OPTIONAL) ? 0 :
			perr(ps, "'%s' needs a value", key);
	base = cl ? (void *)&ps->inv->cluster :
		(void *)&ps->inv->nodes[ps->inv->n_nodes - 1];
	return set_value(ps, k, base, val);
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
		return perr(ps, "line longer than %d bytes", TSN_LINE_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return perr(ps, "binary data (byte 0x%02x)", c);
	}
	memcpy(ps->buf, s, len);
	ps->buf[len] = '\0';
	p = trim(ps->buf);
	if (!*p || *p == '#' || *p == ';')
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
		return perr(ps, "no [cluster] section");
	if (!inv->cluster.name)
		return perr(ps, "[cluster] has no name (add: name = NAME)");
	if (!inv->n_nodes)
		return perr(ps, "the cluster has no nodes");
	for (size_t i = 0; i < ARRAY_SIZE(cluster_keys); i++) {
		const struct key *k = &cluster_keys[i];

		if (ps->cseen[i] || !k->dflt)
			continue;
		ret = set_value(ps, k, &inv->cluster, k->dflt);
		if (ret)
			return ret;
	}
	inv->path = strdup(ps->name);
	return inv->path ? 0 : nomem(ps);
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

		snprintf(msg, sizeof(msg), "%s: warning: world-writable, "
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

/* Freeing, writing and comparing, all by the key tables. */

static void free_fields(const struct key *keys, size_t n, void *base)
{
	for (size_t i = 0; i < n; i++) {
		if (keys[i].type == V_STR)
			free(*FIELD(base, &keys[i], char *));
		else if (keys[i].type == V_OPTS)
			free(*FIELD(base, &keys[i], char **));
	}
}

void tsn_inventory_free(struct tsn_inventory *inv)
{
	if (!inv)
		return;
	free_fields(cluster_keys, ARRAY_SIZE(cluster_keys), &inv->cluster);
	free(inv->cluster.subnets);
	for (size_t i = 0; i < inv->n_nodes; i++)
		free_fields(node_keys, ARRAY_SIZE(node_keys), &inv->nodes[i]);
	free(inv->nodes);
	free(inv->path);
	memset(inv, 0, sizeof(*inv));
}

static bool is_set(const struct key *k, const void *base)
{
	switch (k->type) {
	case V_STR:
		return *CFIELD(base, k, char *);
	case V_UINT:
		return *CFIELD(base, k, unsigned) || !(k->flags & F_OPTIONAL);
	case V_ENUM:
		return true;
	case V_ADDR:
		return CFIELD(base, k, struct tsn_addr)->family;
	case V_OPTS:
		return opts_of(k, base) && *opts_of(k, base);
	case V_SUBNETS:
		return ((const struct tsn_cluster *)base)->n_subnets;
	}
	return false;
}

static const char *enum_name(const struct key *k, unsigned v)
{
	for (unsigned i = 0; k->names[i]; i++)
		if (i == v)
			return k->names[i];
	return "?";
}

static int fmt_value(struct tsn_buf *b, const struct key *k, const void *base)
{
	const struct tsn_cluster *c = base;
	char s[INET6_ADDRSTRLEN];
	char *const *opt;
	int ret = 0;

	switch (k->type) {
	case V_STR:
		return tsn_buf_puts(b, *CFIELD(base, k, char *));
	case V_UINT:
		return tsn_buf_printf(b, "%u", *CFIELD(base, k, unsigned));
	case V_ENUM:
		return tsn_buf_puts(b, enum_name(k, *CFIELD(base, k, unsigned)));
	case V_ADDR:
		return tsn_buf_puts(b, tsn_addr_str(CFIELD(base, k,
							   struct tsn_addr),
						    s, sizeof(s)));
	case V_OPTS:
		for (opt = opts_of(k, base); !ret && *opt; opt++)
			ret = tsn_buf_printf(b, "%s%s", opt == opts_of(k, base)
					     ? "" : " ", *opt);
		return ret;
	case V_SUBNETS:
		for (size_t i = 0; !ret && i < c->n_subnets; i++)
			ret = tsn_buf_printf(b, "%s%s/%u", i ? "," : "",
					     tsn_addr_str(&c->subnets[i].addr,
							  s, sizeof(s)),
					     c->subnets[i].len);
		return ret;
	}
	return -EINVAL;
}

static int fmt_keys(struct tsn_buf *b, const struct key *keys, size_t n,
		    const void *base, bool all)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < n; i++) {
		bool set = is_set(&keys[i], base);

		if (!set && !all)
			continue;
		ret = tsn_buf_printf(b, "%s =%s", keys[i].name, set ? " " : "");
		if (!ret && set)
			ret = fmt_value(b, &keys[i], base);
		if (!ret)
			ret = tsn_buf_puts(b, "\n");
	}
	return ret;
}

int tsn_inventory_format(const struct tsn_inventory *inv, struct tsn_buf *out)
{
	int ret = tsn_buf_puts(out, "[cluster]\n");

	if (!ret)
		ret = fmt_keys(out, cluster_keys, ARRAY_SIZE(cluster_keys),
			       &inv->cluster, true);
	for (size_t i = 0; !ret && i < inv->n_nodes; i++) {
		ret = tsn_buf_printf(out, "\n[node %s]\n", inv->nodes[i].name);
		if (!ret)
			ret = fmt_keys(out, node_keys, ARRAY_SIZE(node_keys),
				       &inv->nodes[i], false);
	}
	return ret;
}

static bool opts_equal(char *const *a, char *const *b)
{
	for (; a && *a; a++, b++)
		if (!b || !*b || strcmp(*a, *b))
			return false;
	return !b || !*b;
}

static bool value_equal(const struct key *k, const void *a, const void *b)
{
	const struct tsn_cluster *ca = a, *cb = b;

	switch (k->type) {
	case V_STR:
		return tsn_streq(*CFIELD(a, k, char *), *CFIELD(b, k, char *));
	case V_UINT:
	case V_ENUM:
		return *CFIELD(a, k, unsigned) == *CFIELD(b, k, unsigned);
	case V_ADDR:
		return tsn_addr_equal(CFIELD(a, k, struct tsn_addr),
				      CFIELD(b, k, struct tsn_addr));
	case V_OPTS:
		return opts_equal(opts_of(k, a), opts_of(k, b));
	case V_SUBNETS:
		if (ca->n_subnets != cb->n_subnets)
			return false;
		for (size_t i = 0; i < ca->n_subnets; i++)
			if (ca->subnets[i].len != cb->subnets[i].len ||
			    !tsn_addr_equal(&ca->subnets[i].addr,
					    &cb->subnets[i].addr))
				return false;
		return true;
	}
	return false;
}

static bool keys_equal(const struct key *keys, size_t n, const void *a,
		       const void *b)
{
	for (size_t i = 0; i < n; i++)
		if (!value_equal(&keys[i], a, b))
			return false;
	return true;
}

/* Every field but the path and the line numbers, which say where an
 * inventory came from rather than what it is. */
bool tsn_inventory_equal(const struct tsn_inventory *a,
			 const struct tsn_inventory *b)
{
	if (!keys_equal(cluster_keys, ARRAY_SIZE(cluster_keys), &a->cluster,
			&b->cluster) || a->n_nodes != b->n_nodes)
		return false;
	for (size_t i = 0; i < a->n_nodes; i++)
		if (strcmp(a->nodes[i].name, b->nodes[i].name) ||
		    !keys_equal(node_keys, ARRAY_SIZE(node_keys),
				&a->nodes[i], &b->nodes[i]))
			return false;
	return true;
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

static bool addr_is(const struct tsn_addr *a, const struct sockaddr *sa)
{
	if (!sa || sa->sa_family != a->family)
		return false;
	if (a->family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)(const void *)sa)
			       ->sin_addr, &a->v4, 4);
	return !memcmp(&((const struct sockaddr_in6 *)(const void *)sa)
		       ->sin6_addr, &a->v6, 16);
}

const struct tsn_node *tsn_inventory_self(const struct tsn_inventory *inv)
{
	const struct tsn_node *found = NULL;
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0)
		return NULL;
	for (size_t n = 0; !found && n < inv->n_nodes; n++)
		for (i = ifa; !found && i; i = i->ifa_next)
			if (addr_is(&inv->nodes[n].addr, i->ifa_addr) ||
			    addr_is(&inv->nodes[n].addr6, i->ifa_addr))
				found = &inv->nodes[n];
	freeifaddrs(ifa);
	return found;
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

void tsn_inventory_warn_stderr(void *arg, const char *msg)
{
	if (!tsn_quiet)
		tsn_err(arg, "%s", msg);
}
