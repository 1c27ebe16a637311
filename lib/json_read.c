/* json_read.c - a bounded reader for the JSON that agents on other nodes
 * print, and lookups on what it returns.  The writer is json_write.c.
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
		int d = tsn_hexval((unsigned char)p->s[at + i]);

		if (d < 0)
			return fail(p, at + i, -EINVAL, "invalid \\u escape");
		v = v << 4 | (unsigned)d;
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
