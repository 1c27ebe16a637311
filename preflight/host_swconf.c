/* host_swconf.c - enough of strongswan.conf to know which plugins charon
 * loads.
 *
 * The syntax (strongswan.conf(5)): "name { ... }" sections, "name : ref
 * { ... }" sections that inherit, "key = value" up to the end of the
 * line, a '#' or a '}' (or a "quoted string"), "# comments", and
 * "include GLOB" anywhere, relative to the including file.  We flatten it to "a.b.key" -> value;
 * a later assignment replaces an earlier one, as in charon.  Unknown
 * sections and keys are kept, never an error: this is charon's file,
 * not ours, and a check must not fail on what charon accepts.
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preflight/host.h"

#define SWCONF_INCLUDE_DEPTH 8	/* charon's own limit is similar */
#define SWCONF_SECTION_DEPTH 16
#define SWCONF_KEYS_MAX 100000

struct swp {
	const struct tsn_host_opts *o;
	struct tsn_swconf *c;
	const char *dir;	/* of the file being read, on the host */
	const char *s;		/* cursor in its text */
	int incl_depth;
};

static int kv_set(struct tsn_swconf *c, const char *key, const char *value)
{
	struct tsn_swconf_kv *kv;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;

		if (cap > SWCONF_KEYS_MAX)
			return -E2BIG;
		kv = realloc(c->kv, cap * sizeof(*kv));
		if (!kv)
			return -ENOMEM;
		c->kv = kv;
		c->cap = cap;
	}
	kv = &c->kv[c->n];
	kv->key = strdup(key);
	kv->value = strdup(value);
	if (!kv->key || !kv->value) {
		free(kv->key);
		free(kv->value);
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

/* Blanks, newlines and comments. */
static void skip_space(struct swp *p)
{
	for (;;) {
		while (isspace((unsigned char)*p->s))
			p->s++;
		if (*p->s != '#')
			return;
		while (*p->s && *p->s != '\n')
			p->s++;
	}
}

static size_t name_len(const char *s)
{
	return strcspn(s, " \t\r\n{}=:#\"");
}

/* The value after '=': a quoted string, or the rest of the line without
 * comment and trailing blanks. */
static void read_value(struct swp *p, char *out, size_t len)
{
	size_t n = 0;

	while (*p->s == ' ' || *p->s == '\t')
		p->s++;
	if (*p->s == '"') {
		p->s++;
		while (*p->s && *p->s != '"') {
			if (*p->s == '\\' && p->s[1])
				p->s++;
			if (n + 1 < len)
				out[n++] = *p->s;
			p->s++;
		}
		if (*p->s == '"')
			p->s++;
	} else {
		/* as charon's lexer: '#' and '}' end a value too */
		while (*p->s && *p->s != '\n' && *p->s != '#' &&
		       *p->s != '}') {
			if (n + 1 < len)
				out[n++] = *p->s;
			p->s++;
		}
		while (n && isspace((unsigned char)out[n - 1]))
			n--;
	}
	out[n] = '\0';
}

static int parse_file(struct swp *parent, const char *path,
		      const char *prefix);

static int do_include(struct swp *p, const char *prefix)
{
	char pat[1024], full[4096];
	glob_t g;
	int ret = 0;

	read_value(p, pat, sizeof(pat));
	if (!*pat)
		return 0;
	if (tsn_host_path(p->o, full, sizeof(full), "%s%s%s",
			  pat[0] == '/' ? "" : p->dir,
			  pat[0] == '/' ? "" : "/", pat) < 0)
		return -ENAMETOOLONG;
	if (glob(full, 0, NULL, &g) != 0)
		return 0;	/* charon too: a glob matching nothing is fine */
	for (size_t i = 0; i < g.gl_pathc && ret == 0; i++) {
		const char *root = p->o->root ? p->o->root : "";

		/* back to a host path: parse_file prepends the root */
		ret = parse_file(p, g.gl_pathv[i] + strlen(root), prefix);
	}
	globfree(&g);
	return ret;
}

/* The body of a section (or a file) until '}' or the end. */
static int parse_block(struct swp *p, const char *prefix, int depth)
{
	char name[256], key[1024], value[4096];
	size_t len;
	int ret;

	if (depth > SWCONF_SECTION_DEPTH)
		return -ELOOP;
	for (;;) {
		skip_space(p);
		if (!*p->s || *p->s == '}')
			return 0;
		len = name_len(p->s);
		if (len == 0 || len >= sizeof(name)) {
			p->s += len ? len : 1;	/* junk: step over it */
			continue;
		}
		memcpy(name, p->s, len);
		name[len] = '\0';
		p->s += len;
		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "",
			 name);
		if (!strcmp(name, "include") && (*p->s == ' ' ||
						 *p->s == '\t')) {
			ret = do_include(p, prefix);
			if (ret < 0)
				return ret;
			continue;
		}
		skip_space(p);
		if (*p->s == '=') {
			p->s++;
			read_value(p, value, sizeof(value));
			ret = kv_set(p->c, key, value);
			if (ret < 0)
				return ret;
			continue;
		}
		if (*p->s == ':')	/* "sec : template {": we keep sec */
			p->s += strcspn(p->s, "{\n");
		skip_space(p);
		if (*p->s != '{')
			continue;	/* a stray word: charon would complain */
		p->s++;
		ret = parse_block(p, key, depth + 1);
		if (ret < 0)
			return ret;
		if (*p->s == '}')
			p->s++;
	}
}

/* Text of a file whose host path is path (includes are relative to it). */
static int parse_text(struct swp *parent, const char *path, const char *text,
		      const char *prefix)
{
	struct swp p = *parent;
	char *dup;
	int ret;

	dup = strdup(path);
	if (!dup)
		return -ENOMEM;
	p.dir = dirname(dup);
	p.s = text;
	p.incl_depth = parent->incl_depth + 1;
	/* An unbalanced '}' at file level ends nothing: skip it. */
	do {
		ret = parse_block(&p, prefix, 0);
		if (*p.s == '}')
			p.s++;
	} while (ret == 0 && *p.s);
	free(dup);
	return ret;
}

static int parse_file(struct swp *parent, const char *path,
		      const char *prefix)
{
	char *text = NULL;
	int ret;

	if (parent->incl_depth >= SWCONF_INCLUDE_DEPTH)
		return -ELOOP;
	ret = tsn_host_read(parent->o, path, &text);
	if (ret < 0)
		return parent->incl_depth ? 0 : ret;	/* vanished include */
	ret = parse_text(parent, path, text, prefix);
	free(text);
	return ret;
}

int tsn_swconf_load(const struct tsn_host_opts *o, const char *path,
		    struct tsn_swconf *c)
{
	struct swp top = { .o = o, .c = c, .dir = "/", .incl_depth = 0 };
	int ret;

	memset(c, 0, sizeof(*c));
	ret = parse_file(&top, path, "");
	if (ret < 0)
		tsn_swconf_free(c);
	return ret;
}

int tsn_swconf_parse(const struct tsn_host_opts *o, const char *path,
		     const char *text, struct tsn_swconf *c)
{
	struct swp top = { .o = o, .c = c, .dir = "/", .incl_depth = 0 };
	int ret;

	memset(c, 0, sizeof(*c));
	ret = parse_text(&top, path, text, "");
	if (ret < 0)
		tsn_swconf_free(c);
	return ret;
}

const char *tsn_swconf_get(const struct tsn_swconf *c, const char *key)
{
	for (size_t i = c->n; i-- > 0;)
		if (!strcmp(c->kv[i].key, key))
			return c->kv[i].value;
	return NULL;
}

void tsn_swconf_free(struct tsn_swconf *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->kv[i].key);
		free(c->kv[i].value);
	}
	free(c->kv);
	memset(c, 0, sizeof(*c));
}

/* ns.key, with charon-systemd falling back to charon. */
static const char *ns_get(const struct tsn_swconf *c, const char *ns,
			  const char *key)
{
	char k[512];
	const char *v;

	snprintf(k, sizeof(k), "%s.%s", ns, key);
	v = tsn_swconf_get(c, k);
	if (!v && strcmp(ns, "charon")) {
		snprintf(k, sizeof(k), "charon.%s", key);
		v = tsn_swconf_get(c, k);
	}
	return v;
}

/* strongSwan's settings: yes/true/enabled/1 and no/false/disabled/0. */
static int sw_bool(const char *v, int def)
{
	static const char *const yes[] = { "yes", "true", "enabled", "1" };
	static const char *const no[] = { "no", "false", "disabled", "0" };

	if (!v)
		return def;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return def;
}

/* A "load" option that is a non-zero priority loads the plugin too. */
static bool load_opt(const char *v, bool def)
{
	char *end;
	long prio;

	if (!v)
		return def;
	prio = strtol(v, &end, 10);
	if (end != v && !*end && prio != 0)
		return true;
	return sw_bool(v, def) == 1;
}

static bool word_in(const char *list, const char *name)
{
	size_t nl = strlen(name);

	for (const char *w = list; *w;) {
		size_t len;

		w += strspn(w, " \t,");
		len = strcspn(w, " \t,");
		/* "name!" marks a critical plugin */
		if (len && w[len - 1] == '!')
			len--;
		if (len == nl && !strncmp(w, name, nl))
			return true;
		w += strcspn(w, " \t,");
	}
	return false;
}

bool tsn_swconf_plugin_wanted(const struct tsn_swconf *c, const char *ns,
			      const char *name, const char **how)
{
	char k[512];
	const char *list, *opt;

	snprintf(k, sizeof(k), "plugins.%s.load", name);
	opt = ns_get(c, ns, k);
	if (sw_bool(ns_get(c, ns, "load_modular"), 0) == 1) {
		*how = "load_modular: each plugin's own load option";
		return load_opt(opt, false);
	}
	list = ns_get(c, ns, "load");
	if (list) {
		*how = "the explicit load list";
		return word_in(list, name) && load_opt(opt, true);
	}
	*how = "every installed plugin (no load list)";
	return load_opt(opt, true);
}
