/* vici.c - VICI message encoding, parsing and a blocking client. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cur.h"
#include "vici.h"

enum {
	EL_SECTION_START = 1,
	EL_SECTION_END = 2,
	EL_KEY_VALUE = 3,
	EL_LIST_START = 4,
	EL_LIST_ITEM = 5,
	EL_LIST_END = 6,
};

#define VICI_ELEMENTS_MAX 200000	/* caps the parse of one message */

void tsn_vici_req_init(struct tsn_vici_req *r)
{
	memset(r, 0, sizeof(*r));
}

void tsn_vici_req_free(struct tsn_vici_req *r)
{
	tsn_buf_wipe(&r->b);
}

static void put_u8(struct tsn_vici_req *r, uint8_t v)
{
	if (!r->error && tsn_buf_add(&r->b, &v, 1) < 0)
		r->error = -ENOMEM;
}

static void put_name(struct tsn_vici_req *r, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 255) {
		if (!r->error)
			r->error = -ENAMETOOLONG;
		return;
	}
	put_u8(r, (uint8_t)n);
	if (!r->error && tsn_buf_add(&r->b, name, n) < 0)
		r->error = -ENOMEM;
}

static void put_value(struct tsn_vici_req *r, const void *val, size_t len)
{
	if (len > 0xffff) {
		if (!r->error)
			r->error = -EMSGSIZE;
		return;
	}
	put_u8(r, (uint8_t)(len >> 8));
	put_u8(r, (uint8_t)len);
	if (!r->error && tsn_buf_add(&r->b, val, len) < 0)
		r->error = -ENOMEM;
}

static void misuse(struct tsn_vici_req *r)
{
	if (!r->error)
		r->error = -EINVAL;
}

void tsn_vici_section(struct tsn_vici_req *r, const char *name)
{
	if (r->in_list)
		return misuse(r);
	put_u8(r, EL_SECTION_START);
	put_name(r, name);
	r->depth++;
}

void tsn_vici_end(struct tsn_vici_req *r)
{
	if (r->in_list || r->depth == 0)
		return misuse(r);
	put_u8(r, EL_SECTION_END);
	r->depth--;
}

void tsn_vici_kv(struct tsn_vici_req *r, const char *key, const void *val,
		 size_t len)
{
	if (r->in_list)
		return misuse(r);
	put_u8(r, EL_KEY_VALUE);
	put_name(r, key);
	put_value(r, val, len);
}

void tsn_vici_kvs(struct tsn_vici_req *r, const char *key, const char *val)
{
	tsn_vici_kv(r, key, val, strlen(val));
}

void tsn_vici_list(struct tsn_vici_req *r, const char *name)
{
	if (r->in_list)
		return misuse(r);
	put_u8(r, EL_LIST_START);
	put_name(r, name);
	r->in_list = true;
}

void tsn_vici_item(struct tsn_vici_req *r, const char *val)
{
	if (!r->in_list)
		return misuse(r);
	put_u8(r, EL_LIST_ITEM);
	put_value(r, val, strlen(val));
}

void tsn_vici_list_end(struct tsn_vici_req *r)
{
	if (!r->in_list)
		return misuse(r);
	put_u8(r, EL_LIST_END);
	r->in_list = false;
}

int tsn_vici_req_error(const struct tsn_vici_req *r)
{
	if (r->error)
		return r->error;
	return r->depth || r->in_list ? -EINVAL : 0;
}

/* ---- parsing ---------------------------------------------------------- */

static void el_free_contents(struct tsn_vici_el *el)
{
	free(el->name);
	if (el->value)
		tsn_memzero(el->value, el->value_len);
	free(el->value);
	for (size_t i = 0; i < el->n_items; i++)
		free(el->items[i]);
	free(el->items);
	for (size_t i = 0; i < el->n_children; i++)
		el_free_contents(&el->children[i]);
	free(el->children);
}

void tsn_vici_el_free(struct tsn_vici_el *el)
{
	if (!el)
		return;
	el_free_contents(el);
	memset(el, 0, sizeof(*el));
}

static int read_name(struct cur *c, char **out)
{
	uint8_t n;
	char *s;

	/* a zero-length name is not valid: it would make an unnamed key */
	if (cur_u8(c, &n) < 0 || n == 0 || !cur_has(c, n))
		return -EBADMSG;
	s = malloc((size_t)n + 1);
	if (!s)
		return -ENOMEM;
	cur_bytes(c, s, n);
	s[n] = '\0';
	if (strlen(s) != n) {	/* an embedded NUL would truncate lookups */
		free(s);
		return -EBADMSG;
	}
	*out = s;
	return 0;
}

static int read_value(struct cur *c, char **out, size_t *len)
{
	uint16_t n;
	char *s;

	if (cur_u16(c, &n) < 0 || !cur_has(c, n))
		return -EBADMSG;	/* the length claims more than is left */
	s = malloc((size_t)n + 1);
	if (!s)
		return -ENOMEM;
	cur_bytes(c, s, n);
	s[n] = '\0';
	*out = s;
	*len = n;
	return 0;
}

static struct tsn_vici_el *add_child(struct tsn_vici_el *sec)
{
	struct tsn_vici_el *ch;

	ch = realloc(sec->children, (sec->n_children + 1) * sizeof(*ch));
	if (!ch)
		return NULL;
	sec->children = ch;
	ch = &sec->children[sec->n_children++];
	memset(ch, 0, sizeof(*ch));
	return ch;
}

static int add_item(struct tsn_vici_el *list, char *item)
{
	char **items = realloc(list->items,
			       (list->n_items + 1) * sizeof(*items));

	if (!items)
		return -ENOMEM;
	list->items = items;
	list->items[list->n_items++] = item;
	return 0;
}

static int parse_element(struct cur *c, uint8_t type,
			 struct tsn_vici_el **stack, int *depth,
			 struct tsn_vici_el **list, const char **why)
{
	struct tsn_vici_el *el;
	char *s = NULL;
	size_t len;
	int ret;

	if (*list && type != EL_LIST_ITEM && type != EL_LIST_END) {
		*why = "element inside a list";
		return -EBADMSG;
	}
	switch (type) {
	case EL_SECTION_START:
		if (*depth >= TSN_VICI_DEPTH_MAX) {
			*why = "sections nested too deep";
			return -EBADMSG;
		}
		/* fall through */
	case EL_KEY_VALUE:
	case EL_LIST_START:
		if ((ret = read_name(c, &s)) < 0) {
			*why = "bad name";
			return ret;
		}
		el = add_child(stack[*depth]);
		if (!el) {
			free(s);
			return -ENOMEM;
		}
		el->name = s;
		if (type == EL_SECTION_START) {
			el->kind = TSN_VICI_SECTION;
			stack[++*depth] = el;
		} else if (type == EL_LIST_START) {
			el->kind = TSN_VICI_LIST;
			*list = el;
		} else {
			el->kind = TSN_VICI_VALUE;
			if ((ret = read_value(c, &el->value, &len)) < 0) {
				*why = "bad value";
				return ret;
			}
			el->value_len = len;
		}
		return 0;
	case EL_SECTION_END:
		if (*depth == 0) {
			*why = "section end without start";
			return -EBADMSG;
		}
		--*depth;
		return 0;
	case EL_LIST_ITEM:
		if (!*list) {
			*why = "list item outside a list";
			return -EBADMSG;
		}
		if ((ret = read_value(c, &s, &len)) < 0) {
			*why = "bad list item";
			return ret;
		}
		if ((ret = add_item(*list, s)) < 0)
			free(s);
		return ret;
	case EL_LIST_END:
		if (!*list) {
			*why = "list end without start";
			return -EBADMSG;
		}
		*list = NULL;
		return 0;
	default:
		*why = "unknown element type";
		return -EBADMSG;
	}
}

int tsn_vici_parse(const uint8_t *p, size_t len, struct tsn_vici_el *root,
		   char *err, size_t errlen)
{
	struct tsn_vici_el *stack[TSN_VICI_DEPTH_MAX + 1];
	struct tsn_vici_el *list = NULL;
	struct cur c = cur_make(p, len);
	const char *why = "truncated";
	unsigned count = 0;
	int depth = 0, ret = 0;

	memset(root, 0, sizeof(*root));
	root->kind = TSN_VICI_SECTION;
	stack[0] = root;
	while (c.left) {
		size_t off = len - c.left;
		uint8_t type;

		/* every element consumes at least one byte, and the count
		 * is capped as well, so a hostile message cannot spin */
		if (++count > VICI_ELEMENTS_MAX) {
			why = "too many elements";
			ret = -EBADMSG;
		} else {
			cur_u8(&c, &type);
			ret = parse_element(&c, type, stack, &depth, &list,
					    &why);
		}
		if (ret < 0) {
			if (err)
				snprintf(err, errlen, "offset %zu: %s", off,
					 why);
			goto out;
		}
	}
	if (depth || list) {
		ret = -EBADMSG;
		if (err)
			snprintf(err, errlen, "offset %zu: unterminated %s",
				 len, list ? "list" : "section");
	}
out:
	if (ret < 0)
		tsn_vici_el_free(root);
	return ret;
}

const struct tsn_vici_el *tsn_vici_get(const struct tsn_vici_el *sec,
				       const char *name)
{
	if (!sec || sec->kind != TSN_VICI_SECTION)
		return NULL;
	for (size_t i = 0; i < sec->n_children; i++)
		if (!strcmp(sec->children[i].name, name))
			return &sec->children[i];
	return NULL;
}

const char *tsn_vici_str(const struct tsn_vici_el *sec, const char *name)
{
	const struct tsn_vici_el *el = tsn_vici_get(sec, name);

	return el && el->kind == TSN_VICI_VALUE ? el->value : NULL;
}

bool tsn_vici_success(const struct tsn_vici_el *resp, const char **errmsg)
{
	const char *s = tsn_vici_str(resp, "success");

	if (s && !strcmp(s, "yes"))
		return true;
	if (errmsg) {
		*errmsg = tsn_vici_str(resp, "errmsg");
		if (!*errmsg)
			*errmsg = "failed";
	}
	return false;
}
