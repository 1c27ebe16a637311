/* json_write.c - the JSON writer behind --json and the agents' replies.
 * The reader is json_read.c.
 *
 * The writer always produces valid JSON, whatever bytes it is given:
 * invalid UTF-8 becomes \ufffd, control characters are escaped, and
 * non-finite numbers become null.  Misuse is a sticky -EINVAL that
 * tsn_json_finish reports: unbalanced nesting, a container closed with
 * the other kind of bracket, a key inside an array, a value without a
 * key inside an object, or a second top-level value.  The container
 * type is recorded per depth so every one of these is caught where it
 * happens instead of producing a document another reader rejects.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

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
 * follows directly.  Inside an object only a key may come next, inside
 * an array never a key.  A second top-level value would make the output
 * two documents, so it is misuse like unbalanced nesting. */
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
	if (j->depth > 0 && is_key != j->in_obj[j->depth])
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

static void open_c(struct tsn_json *j, const char *c, bool obj)
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
	j->in_obj[j->depth] = obj;
}

static void close_c(struct tsn_json *j, const char *c, bool obj)
{
	if (j->error)
		return;
	if (j->depth == 0 || j->after_key || j->in_obj[j->depth] != obj) {
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
	open_c(j, "{", true);
}

void tsn_json_obj_end(struct tsn_json *j)
{
	close_c(j, "}", true);
}

void tsn_json_arr_begin(struct tsn_json *j)
{
	open_c(j, "[", false);
}

void tsn_json_arr_end(struct tsn_json *j)
{
	close_c(j, "]", false);
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

void tsn_json_lines(struct tsn_json *j, const char *key, const char *text)
{
	if (!text || !*text)
		return;
	tsn_json_key(j, key);
	tsn_json_arr_begin(j);
	for (const char *l = text, *e; (e = strchr(l, '\n')); l = e + 1) {
		char line[800];

		snprintf(line, sizeof(line), "%.*s", (int)(e - l), l);
		tsn_json_str(j, line);
	}
	tsn_json_arr_end(j);
}
