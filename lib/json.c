/* json.c - the JSON writer behind --json and the agents' replies, and a
 * bounded reader for what agents on other nodes print.
 *
 * The writer always produces valid JSON, whatever bytes it is given:
 * invalid UTF-8 becomes \ufffd, control characters are escaped, and
 * non-finite numbers become null.  Misuse (unbalanced nesting, a value
 * where a key belongs) is a sticky -EINVAL that tsn_json_finish reports.
 *
 * The reader treats its input as hostile: strict RFC 8259, nesting capped
 * at TSN_JSON_DEPTH_MAX, at most JSON_ITEMS_MAX values, strings of at most
 * JSON_STR_MAX bytes, no NUL in strings, valid UTF-8 only, no duplicate
 * keys, and every error names the byte offset where it was found.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_ITEMS_MAX 1000000
#define JSON_STR_MAX (16u << 20)
#define JSON_NUM_MAX 1024	/* longest number text we convert */

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when the bytes are
 * not one: overlong forms, surrogates and code points past U+10FFFF are
 * invalid too, so what passes here is what RFC 3629 allows. */
size_t tsn_utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		n = 2;
	} else if (c < 0xf0) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c < 0xf5) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* ---- writer ---- */

void tsn_json_init(struct tsn_json *j, struct tsn_buf *b, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
	j->pretty = pretty;
	j->first[0] = true;
}

static void put(struct tsn_json *j, const char *s, size_t n)
{
	if (j->error)
		return;
	if (tsn_buf_add(j->b, s, n) < 0)
		j->error = -ENOMEM;
}

static void puts_j(struct tsn_json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void newline(struct tsn_json *j, int depth)
{
	puts_j(j, "\n");
	for (int i = 0; i < depth; i++)
		puts_j(j, "  ");
}

/* Comma and indentation before a value or a key.  After a key the value
 * follows directly.  A second top-level value would make the output two
 * documents, so it is misuse like unbalanced nesting. */
static bool sep(struct tsn_json *j, bool is_key)
{
	if (j->error)
		return false;
	if (j->after_key) {
		if (is_key)
			goto bad;
		j->after_key = false;
		return true;
	}
	if (j->depth == 0 && (is_key || !j->first[0]))
		goto bad;
	if (!j->first[j->depth])
		puts_j(j, ",");
	j->first[j->depth] = false;
	if (j->pretty && j->depth > 0)
		newline(j, j->depth);
	return !j->error;
bad:
	j->error = -EINVAL;
	return false;
}

static void open_c(struct tsn_json *j, const char *c)
{
	if (!sep(j, false))
		return;
	if (j->depth >= TSN_JSON_DEPTH_MAX) {	/* first[] has no room */
		j->error = -EINVAL;
		return;
	}
	puts_j(j, c);
	j->depth++;
	j->first[j->depth] = true;
}

static void close_c(struct tsn_json *j, const char *c)
{
	if (j->error)
		return;
	if (j->depth == 0 || j->after_key) {
		j->error = -EINVAL;
		return;
	}
	if (j->pretty && !j->first[j->depth])
		newline(j, j->depth - 1);
	puts_j(j, c);
	j->depth--;
}

void tsn_json_obj_begin(struct tsn_json *j)
{
	open_c(j, "{");
}

void tsn_json_obj_end(struct tsn_json *j)
{
	close_c(j, "}");
}

void tsn_json_arr_begin(struct tsn_json *j)
{
	open_c(j, "[");
}

void tsn_json_arr_end(struct tsn_json *j)
{
	close_c(j, "]");
}

static void put_string(struct tsn_json *j, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t left = strlen(str), run = 0;
	char esc[8];

	puts_j(j, "\"");
	while (left) {
		size_t n = tsn_utf8_len(s + run, left);
		unsigned char c = s[run];
		const char *rep = NULL;

		if (n > 1 || (n == 1 && c >= 0x20 && c != '"' && c != '\\')) {
			run += n;	/* passes through as it is */
			left -= n;
			continue;
		}
		put(j, (const char *)s, run);
		if (c == '"')
			rep = "\\\"";
		else if (c == '\\')
			rep = "\\\\";
		else if (c == '\n')
			rep = "\\n";
		else if (c == '\r')
			rep = "\\r";
		else if (c == '\t')
			rep = "\\t";
		else if (n == 0)
			rep = "\\ufffd";	/* one per invalid byte */
		if (!rep) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			rep = esc;
		}
		puts_j(j, rep);
		s += run + 1;
		left--;
		run = 0;
	}
	put(j, (const char *)s, run);
	puts_j(j, "\"");
}

void tsn_json_key(struct tsn_json *j, const char *key)
{
	if (!key) {
		if (!j->error)
			j->error = -EINVAL;
		return;
	}
	if (!sep(j, true))
		return;
	put_string(j, key);
	puts_j(j, j->pretty ? ": " : ":");
	j->after_key = true;
}

void tsn_json_str(struct tsn_json *j, const char *s)
{
	if (!s) {
		tsn_json_null(j);
		return;
	}
	if (sep(j, false))
		put_string(j, s);
}

void tsn_json_int(struct tsn_json *j, long long v)
{
	char t[32];

	snprintf(t, sizeof(t), "%lld", v);
	if (sep(j, false))
		puts_j(j, t);
}

void tsn_json_uint(struct tsn_json *j, unsigned long long v)
{
	char t[32];

	snprintf(t, sizeof(t), "%llu", v);
	if (sep(j, false))
		puts_j(j, t);
}

/* The shortest of %.15g..%.17g that reads back as the same double, so
 * 0.1 prints as 0.1 and every value survives a round trip. */
void tsn_json_double(struct tsn_json *j, double v)
{
	char t[40];

	if (!isfinite(v)) {
		tsn_json_null(j);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(t, sizeof(t), "%.*g", prec, v);
		if (strtod(t, NULL) == v)
			break;
	}
	/* A locale with a decimal comma would break the syntax. */
	for (char *c = t; *c; c++)
		if (*c == ',')
			*c = '.';
	if (sep(j, false))
		puts_j(j, t);
}

void tsn_json_bool(struct tsn_json *j, bool v)
{
	if (sep(j, false))
		puts_j(j, v ? "true" : "false");
}

void tsn_json_null(struct tsn_json *j)
{
	if (sep(j, false))
		puts_j(j, "null");
}

void tsn_json_kstr(struct tsn_json *j, const char *key, const char *s)
{
	tsn_json_key(j, key);
	tsn_json_str(j, s);
}

void tsn_json_kint(struct tsn_json *j, const char *key, long long v)
{
	tsn_json_key(j, key);
	tsn_json_int(j, v);
}

void tsn_json_kuint(struct tsn_json *j, const char *key, unsigned long long v)
{
	tsn_json_key(j, key);
	tsn_json_uint(j, v);
}

void tsn_json_kbool(struct tsn_json *j, const char *key, bool v)
{
	tsn_json_key(j, key);
	tsn_json_bool(j, v);
}

void tsn_json_kdouble(struct tsn_json *j, const char *key, double v)
{
	tsn_json_key(j, key);
	tsn_json_double(j, v);
}

void tsn_json_jv(struct tsn_json *j, const struct tsn_jv *v)
{
	if (!v) {
		tsn_json_null(j);
		return;
	}
	switch (v->type) {
	case TSN_JNULL:
		tsn_json_null(j);
		break;
	case TSN_JBOOL:
		tsn_json_bool(j, v->b);
		break;
	case TSN_JNUM:
		tsn_json_double(j, v->num);
		break;
	case TSN_JSTR:
		tsn_json_str(j, v->str);
		break;
	case TSN_JARR:
	case TSN_JOBJ:
		if (v->type == TSN_JOBJ)
			tsn_json_obj_begin(j);
		else
			tsn_json_arr_begin(j);
		for (size_t i = 0; i < v->n; i++) {
			if (v->type == TSN_JOBJ)
				tsn_json_key(j, v->keys[i]);
			tsn_json_jv(j, &v->items[i]);
		}
		if (v->type == TSN_JOBJ)
			tsn_json_obj_end(j);
		else
			tsn_json_arr_end(j);
		break;
	}
}

int tsn_json_finish(struct tsn_json *j)
{
	/* Nothing written, an open container or a dangling key: the buffer
	 * does not hold one JSON document. */
	if (!j->error && (j->depth || j->after_key || j->first[0]))
		j->error = -EINVAL;
	return j->error;
}

/* ---- reader ---- */

struct parser {
	const unsigned char *s;
	size_t len;
	size_t pos;
	size_t items;		/* values so far, capped at JSON_ITEMS_MAX */
	int depth;
	char *err;
	size_t errlen;
};

static int fail(struct parser *p, size_t at, int ret, const char *why)
{
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "offset %zu: %s", at, why);
	return ret;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int parse_value(struct parser *p, struct tsn_jv *v);

static int hex4(struct parser *p, size_t at, unsigned *out)
{
	unsigned v = 0;

	if (p->len - at < 4)	/* never read past the input */
		return fail(p, p->len, -EINVAL, "unexpected end of input");
	for (size_t i = 0; i < 4; i++) {
		unsigned char c = p->s[at + i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(p, at + i, -EINVAL, "invalid \\u escape");
	}
	*out = v;
	return 0;
}

/* \uXXXX at p->pos (just past the backslash-u): one code point, with a
 * surrogate pair joined and a lone surrogate or NUL rejected. */
static int parse_u_escape(struct parser *p, struct tsn_buf *b)
{
	size_t start = p->pos - 2;
	unsigned cp, lo;
	char u[4];
	size_t n;

	if (hex4(p, p->pos, &cp) < 0)
		return -EINVAL;
	p->pos += 4;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(p, start, -EINVAL, "lone surrogate in string");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p->len - p->pos < 2 || p->s[p->pos] != '\\' ||
		    p->s[p->pos + 1] != 'u')
			return fail(p, start, -EINVAL,
				    "lone surrogate in string");
		if (hex4(p, p->pos + 2, &lo) < 0)
			return -EINVAL;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(p, start, -EINVAL,
				    "lone surrogate in string");
		p->pos += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return fail(p, start, -EINVAL, "NUL in string");
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return tsn_buf_add(b, u, n) < 0 ? -ENOMEM : 0;
}

static int parse_escape(struct parser *p, struct tsn_buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *c;

	if (p->pos + 1 >= p->len)
		return fail(p, p->len, -EINVAL, "unexpected end of input");
	p->pos += 2;
	if (p->s[p->pos - 1] == 'u')
		return parse_u_escape(p, b);
	c = p->s[p->pos - 1] ? strchr(from, p->s[p->pos - 1]) : NULL;
	if (!c)
		return fail(p, p->pos - 2, -EINVAL, "invalid escape in string");
	return tsn_buf_add(b, &to[c - from], 1) < 0 ? -ENOMEM : 0;
}

/* A string at p->pos (on the opening quote) into a new NUL-terminated
 * heap string. */
static int parse_string(struct parser *p, char **out)
{
	struct tsn_buf b = { 0 };
	size_t start = p->pos;
	int ret = 0;

	p->pos++;
	for (;;) {
		size_t run = p->pos, n = 0;

		/* Copy runs of plain characters in one go. */
		while (p->pos < p->len) {
			unsigned char c = p->s[p->pos];

			if (c == '"' || c == '\\' || c < 0x20)
				break;
			n = tsn_utf8_len(p->s + p->pos, p->len - p->pos);
			if (!n)
				break;
			p->pos += n;
		}
		if (tsn_buf_add(&b, p->s + run, p->pos - run) < 0) {
			ret = fail(p, p->pos, -ENOMEM, "out of memory");
			goto out;
		}
		if (b.len > JSON_STR_MAX) {	/* bounds memory per string */
			ret = fail(p, start, -EINVAL, "string too long");
			goto out;
		}
		if (p->pos >= p->len) {
			ret = fail(p, p->len, -EINVAL, "unterminated string");
			goto out;
		}
		if (p->s[p->pos] == '"')
			break;
		if (p->s[p->pos] == '\\') {
			ret = parse_escape(p, &b);
			if (ret == -ENOMEM)
				ret = fail(p, p->pos, ret, "out of memory");
			if (ret < 0)
				goto out;
		} else if (p->s[p->pos] == 0) {
			ret = fail(p, p->pos, -EINVAL, "NUL in string");
			goto out;
		} else if (p->s[p->pos] < 0x20) {
			ret = fail(p, p->pos, -EINVAL,
				   "control character in string");
			goto out;
		} else {
			ret = fail(p, p->pos, -EINVAL, "invalid UTF-8 in string");
			goto out;
		}
	}
	p->pos++;
	if (!b.p && tsn_buf_add(&b, "", 0) < 0) {
		ret = fail(p, start, -ENOMEM, "out of memory");
		goto out;
	}
	if (b.len > JSON_STR_MAX) {
		ret = fail(p, start, -EINVAL, "string too long");
		goto out;
	}
	*out = b.p;
	b.p = NULL;
out:
	tsn_buf_free(&b);
	return ret;
}

static size_t digits(struct parser *p)
{
	size_t n = 0;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		p->pos++;
		n++;
	}
	return n;
}

/* RFC 8259 number grammar checked by hand; strtod only converts a copy
 * that is known to be well formed and NUL-terminated. */
static int parse_number(struct parser *p, struct tsn_jv *v)
{
	size_t start = p->pos, n;
	char buf[JSON_NUM_MAX + 1];

	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0') {
		p->pos++;
		if (p->pos < p->len && p->s[p->pos] >= '0' &&
		    p->s[p->pos] <= '9')
			return fail(p, start, -EINVAL, "leading zero in number");
	} else if (!digits(p)) {
		return fail(p, p->pos, -EINVAL, "digit expected in number");
	}
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (!digits(p))
			return fail(p, p->pos, -EINVAL,
				    "digit expected after '.'");
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len &&
		    (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!digits(p))
			return fail(p, p->pos, -EINVAL,
				    "digit expected in exponent");
	}
	n = p->pos - start;
	if (n > JSON_NUM_MAX)
		return fail(p, start, -EINVAL, "number too long");
	memcpy(buf, p->s + start, n);
	buf[n] = '\0';
	v->type = TSN_JNUM;
	v->num = strtod(buf, NULL);
	/* Out of range: the value could not be written back. */
	if (!isfinite(v->num))
		return fail(p, start, -EINVAL, "number out of range");
	return 0;
}

static int parse_literal(struct parser *p, struct tsn_jv *v)
{
	static const struct {
		const char *word;
		enum tsn_jtype type;
		bool b;
	} lit[] = {
		{ "true", TSN_JBOOL, true },
		{ "false", TSN_JBOOL, false },
		{ "null", TSN_JNULL, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(lit); i++) {
		size_t n = strlen(lit[i].word);

		if (p->len - p->pos >= n &&
		    memcmp(p->s + p->pos, lit[i].word, n) == 0) {
			v->type = lit[i].type;
			v->b = lit[i].b;
			p->pos += n;
			return 0;
		}
	}
	return fail(p, p->pos, -EINVAL, "unexpected character");
}

/* Room for one more item in a container; for objects also its key and
 * the key's offset (kept for the duplicate check).  Capacity doubles, so
 * a wide container costs O(n) copies even where realloc always moves. */
static int grow(struct parser *p, struct tsn_jv *v, size_t *cap,
		size_t **offs)
{
	size_t ncap = *cap ? *cap * 2 : 4;
	struct tsn_jv *items;
	char **keys;
	size_t *o;

	if (v->n < *cap)
		return 0;
	items = realloc(v->items, ncap * sizeof(*items));
	if (!items)
		return fail(p, p->pos, -ENOMEM, "out of memory");
	v->items = items;
	if (offs) {
		keys = realloc(v->keys, ncap * sizeof(*keys));
		if (!keys)
			return fail(p, p->pos, -ENOMEM, "out of memory");
		v->keys = keys;
		o = realloc(*offs, ncap * sizeof(*o));
		if (!o)
			return fail(p, p->pos, -ENOMEM, "out of memory");
		*offs = o;
	}
	*cap = ncap;
	return 0;
}

struct keyref {
	const char *key;
	size_t off;
};

static int keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Duplicate keys are ambiguous (readers disagree on which one wins), so
 * they are rejected, at the earliest repeated key.  Sorting keeps a large
 * hostile object from costing n^2 comparisons. */
static int check_dup_keys(struct parser *p, const struct tsn_jv *v,
			  const size_t *offs)
{
	struct keyref *r;
	size_t bad = SIZE_MAX;

	if (v->n < 2)
		return 0;
	r = malloc(v->n * sizeof(*r));
	if (!r)
		return fail(p, p->pos, -ENOMEM, "out of memory");
	for (size_t i = 0; i < v->n; i++) {
		r[i].key = v->keys[i];
		r[i].off = offs[i];
	}
	qsort(r, v->n, sizeof(*r), keyref_cmp);
	for (size_t i = 1; i < v->n; i++)
		if (!strcmp(r[i - 1].key, r[i].key) && r[i].off < bad)
			bad = r[i].off;
	free(r);
	if (bad != SIZE_MAX)
		return fail(p, bad, -EINVAL, "duplicate key");
	return 0;
}

/* One object member: key, colon, value, appended to v. */
static int parse_member(struct parser *p, struct tsn_jv *v, size_t *cap,
			size_t **offs)
{
	int ret;

	if (p->pos >= p->len || p->s[p->pos] != '"')
		return fail(p, p->pos, -EINVAL, p->pos >= p->len ?
			    "unexpected end of input" : "expected string key");
	ret = grow(p, v, cap, offs);
	if (ret < 0)
		return ret;
	(*offs)[v->n] = p->pos;
	ret = parse_string(p, &v->keys[v->n]);
	if (ret < 0)
		return ret;
	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != ':') {
		free(v->keys[v->n]);
		return fail(p, p->pos, -EINVAL, "expected ':'");
	}
	p->pos++;
	ret = parse_value(p, &v->items[v->n]);
	if (ret < 0) {
		free(v->keys[v->n]);
		return ret;
	}
	v->n++;
	return 0;
}

/* An array or object at p->pos (on the bracket).  On error everything
 * parsed so far is freed and v is left empty. */
static int parse_container(struct parser *p, struct tsn_jv *v, bool obj)
{
	char close = obj ? '}' : ']';
	size_t cap = 0, *offs = NULL;
	int ret = 0;

	if (++p->depth > TSN_JSON_DEPTH_MAX) {	/* stack and depth bombs */
		ret = fail(p, p->pos, -EINVAL, "nesting too deep");
		goto out;
	}
	v->type = obj ? TSN_JOBJ : TSN_JARR;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close)
		goto done;
	for (;;) {
		skip_ws(p);
		if (obj) {
			ret = parse_member(p, v, &cap, &offs);
		} else {
			ret = grow(p, v, &cap, NULL);
			if (!ret)
				ret = parse_value(p, &v->items[v->n]);
			if (!ret)
				v->n++;
		}
		if (ret < 0)
			goto out;
		skip_ws(p);
		if (p->pos >= p->len) {
			ret = fail(p, p->len, -EINVAL, "unexpected end of input");
			goto out;
		}
		if (p->s[p->pos] == close)
			break;
		if (p->s[p->pos] != ',') {
			ret = fail(p, p->pos, -EINVAL, obj ?
				   "expected ',' or '}'" : "expected ',' or ']'");
			goto out;
		}
		p->pos++;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == close) {
			ret = fail(p, p->pos, -EINVAL, "trailing comma");
			goto out;
		}
	}
	if (obj)
		ret = check_dup_keys(p, v, offs);
done:
	p->pos++;
out:
	p->depth--;
	free(offs);
	if (ret < 0)
		tsn_jv_free(v);
	return ret;
}

static int parse_value(struct parser *p, struct tsn_jv *v)
{
	unsigned char c;

	memset(v, 0, sizeof(*v));
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, p->len, -EINVAL, "unexpected end of input");
	if (++p->items > JSON_ITEMS_MAX)	/* bounds total memory */
		return fail(p, p->pos, -EINVAL, "too many values");
	c = p->s[p->pos];
	if (c == '{' || c == '[')
		return parse_container(p, v, c == '{');
	if (c == '"') {
		v->type = TSN_JSTR;
		return parse_string(p, &v->str);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p, v);
	return parse_literal(p, v);
}

int tsn_json_parse(const char *text, size_t len, struct tsn_jv *out,
		   char *err, size_t errlen)
{
	struct parser p = {
		.s = (const unsigned char *)text, .len = text ? len : 0,
		.err = err, .errlen = errlen,
	};
	int ret;

	if (err && errlen)
		err[0] = '\0';
	ret = parse_value(&p, out);
	if (ret < 0) {
		tsn_jv_free(out);
		return ret;
	}
	skip_ws(&p);
	if (p.pos < p.len) {
		tsn_jv_free(out);
		return fail(&p, p.pos, -EINVAL, "trailing characters");
	}
	return 0;
}

void tsn_jv_free(struct tsn_jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		tsn_jv_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof(*v));
}

const struct tsn_jv *tsn_jv_get(const struct tsn_jv *obj, const char *key)
{
	if (!obj || obj->type != TSN_JOBJ || !key)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

const char *tsn_jv_getstr(const struct tsn_jv *obj, const char *key)
{
	const struct tsn_jv *v = tsn_jv_get(obj, key);

	return v && v->type == TSN_JSTR ? v->str : NULL;
}

bool tsn_jv_getnum(const struct tsn_jv *obj, const char *key, double *out)
{
	const struct tsn_jv *v = tsn_jv_get(obj, key);

	if (!v || v->type != TSN_JNUM)
		return false;
	if (out)
		*out = v->num;
	return true;
}

bool tsn_jv_getbool(const struct tsn_jv *obj, const char *key, bool *out)
{
	const struct tsn_jv *v = tsn_jv_get(obj, key);

	if (!v || v->type != TSN_JBOOL)
		return false;
	if (out)
		*out = v->b;
	return true;
}
