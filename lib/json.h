/* json.h - a small JSON writer and a bounded JSON reader.
 *
 * The writer produces the --json output and the agents' replies.  The
 * reader parses what agents on other nodes print, which is input from
 * another machine: depth, size and string lengths are capped, and every
 * error carries the byte offset.
 */
#ifndef TSN_JSON_H
#define TSN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define TSN_JSON_DEPTH_MAX 32

struct tsn_json {
	struct tsn_buf *b;
	int depth;
	bool pretty;
	bool first[TSN_JSON_DEPTH_MAX + 1];	/* no comma needed yet */
	bool in_obj[TSN_JSON_DEPTH_MAX + 1];	/* object, not array */
	bool after_key;
	int error;				/* first -errno, sticky */
};

void tsn_json_init(struct tsn_json *j, struct tsn_buf *b, bool pretty);
void tsn_json_obj_begin(struct tsn_json *j);
void tsn_json_obj_end(struct tsn_json *j);
void tsn_json_arr_begin(struct tsn_json *j);
void tsn_json_arr_end(struct tsn_json *j);
void tsn_json_key(struct tsn_json *j, const char *key);
void tsn_json_str(struct tsn_json *j, const char *s);	/* NULL -> null */
void tsn_json_int(struct tsn_json *j, long long v);
void tsn_json_uint(struct tsn_json *j, unsigned long long v);
void tsn_json_double(struct tsn_json *j, double v);
void tsn_json_bool(struct tsn_json *j, bool v);
void tsn_json_null(struct tsn_json *j);
/* "KEY":["line",...] from newline-ended lines; nothing when text is empty */
void tsn_json_lines(struct tsn_json *j, const char *key, const char *text);
/* key + value in one call */
void tsn_json_kstr(struct tsn_json *j, const char *key, const char *s);
void tsn_json_kint(struct tsn_json *j, const char *key, long long v);
void tsn_json_kuint(struct tsn_json *j, const char *key, unsigned long long v);
void tsn_json_kbool(struct tsn_json *j, const char *key, bool v);
void tsn_json_kdouble(struct tsn_json *j, const char *key, double v);
/* 0, or the first error: -ENOMEM, or -EINVAL for misuse (unbalanced or
 * mismatched nesting, a key inside an array, a value without a key inside
 * an object, nothing or more than one value at the top level). */
int tsn_json_finish(struct tsn_json *j);

enum tsn_jtype {
	TSN_JNULL,
	TSN_JBOOL,
	TSN_JNUM,
	TSN_JSTR,
	TSN_JARR,
	TSN_JOBJ,
};

struct tsn_jv {
	enum tsn_jtype type;
	bool b;
	double num;
	char *str;		/* TSN_JSTR, NUL-terminated, NULs rejected */
	size_t n;		/* TSN_JARR/TSN_JOBJ: number of items */
	struct tsn_jv *items;
	char **keys;		/* TSN_JOBJ: keys[i] names items[i] */
};

/* Parse exactly one JSON value (surrounding white space allowed).
 * 0, or -EINVAL with "offset N: reason" in err. */
int tsn_json_parse(const char *text, size_t len, struct tsn_jv *out,
		   char *err, size_t errlen);
void tsn_jv_free(struct tsn_jv *v);
/* Write a parsed value back out (an agent's reply passed through). */
void tsn_json_jv(struct tsn_json *j, const struct tsn_jv *v);

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not
 * one (overlong, surrogate, past U+10FFFF, truncated). */
size_t tsn_utf8_len(const unsigned char *p, size_t left);

/* Lookups that tolerate a NULL or mistyped value. */
const struct tsn_jv *tsn_jv_get(const struct tsn_jv *obj, const char *key);
const char *tsn_jv_getstr(const struct tsn_jv *obj, const char *key);
bool tsn_jv_getnum(const struct tsn_jv *obj, const char *key, double *out);
bool tsn_jv_getbool(const struct tsn_jv *obj, const char *key, bool *out);

#endif
