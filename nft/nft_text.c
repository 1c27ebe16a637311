/* nft_text.c - the model as text for nftables-before.txt: each
 * expression as the register machine the kernel runs ("payload
 * @nh,96,32 => reg 1", "cmp eq reg 1 0a000001", "accept"), with every
 * value in it, and each set element.  Not nft's own syntax, which would
 * take nft's whole delinearization to rebuild, but what a support
 * engineer needs to see what a rule matched, and in the shape `nft
 * --debug=netlink` prints.  Values are the bytes as the kernel compares
 * them, in hex.
 *
 * Hand-made rather than printf'd: a ruleset of 10,000 rules is 90,000
 * expressions, written on every first --fix.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "lib/util.h"
#include "nft/nft.h"

/* One expression's or element's text, made on the stack and appended
 * to the caller's buffer at once (a call per piece was most of the
 * time).  The longest there can be (two 64-byte values in hex, a 256-byte
 * name) fits; anything longer would be cut, never overrun. */
struct out {
	char s[1024];
	size_t n;
};

static void add(struct out *o, const char *s, size_t n)
{
	if (n > sizeof(o->s) - o->n)
		n = sizeof(o->s) - o->n;
	memcpy(o->s + o->n, s, n);
	o->n += n;
}

static void put(struct out *o, const char *s)
{
	add(o, s, strlen(s));
}

static void put_uint(struct out *o, unsigned long v)
{
	char d[24], *p = d + sizeof(d);

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10));
	add(o, p, (size_t)(d + sizeof(d) - p));
}

static void put_hex(struct out *o, const uint8_t *p, size_t n)
{
	if (!p || !n) {
		put(o, "-");
		return;
	}
	if (n > TSN_NFT_DATA_MAX)
		n = TSN_NFT_DATA_MAX;
	if (2 * n > sizeof(o->s) - o->n)
		n = (sizeof(o->s) - o->n) / 2;
	tsn_hex(o->s + o->n, p, n);
	o->n += 2 * n;
}

/* A register byte offset as the kernel numbers it: 0 the verdict, 1-4
 * the 16-byte registers, 8-23 the 32-bit ones. */
static void put_reg(struct out *o, uint8_t off)
{
	put(o, "reg ");
	put_uint(o, off == 0 ? 0 : off % 16 == 0 ? off / 16u :
		    8u + (off - 16u) / 4u);
}

static const char *cmp_op(uint32_t op)
{
	static const char *const ops[] = { "eq", "neq", "lt", "lte", "gt",
					   "gte" };

	return op < ARRAY_SIZE(ops) ? ops[op] : "?";
}

static const char *verdict_name(int v)
{
	switch (v) {
	case NF_ACCEPT: return "accept";
	case NF_DROP: return "drop";
	case NF_QUEUE: return "queue";
	case NFT_CONTINUE: return "continue";
	case NFT_BREAK: return "break";
	case NFT_JUMP: return "jump";
	case NFT_GOTO: return "goto";
	case NFT_RETURN: return "return";
	default: return "verdict ?";
	}
}

/* The expression's name: its label, or one made from its fields. */
static void put_name(struct out *o, const struct tsn_nft_expr *e)
{
	char name[64];

	put(o, tsn_nft_expr_name(e, name, sizeof(name)));
}

static void put_data2(struct out *o, const struct tsn_nft_expr *e)
{
	put_hex(o, e->data ? tsn_nft_data2(e) : NULL, e->len);
}

int tsn_nft_expr_text(const struct tsn_nft_expr *e, struct tsn_buf *b)
{
	struct out o;

	o.n = 0;
	switch (e->op) {
	case TSN_NFT_PAYLOAD:
	case TSN_NFT_META:
	case TSN_NFT_CT:
	case TSN_NFT_FIB:
	case TSN_NFT_LOAD_UNKNOWN:
		put_name(&o, e);
		put(&o, " => ");
		put_reg(&o, e->dreg);
		break;
	case TSN_NFT_CMP:
		put(&o, "cmp ");
		put(&o, cmp_op(e->key));
		put(&o, " ");
		put_reg(&o, e->sreg);
		put(&o, " ");
		put_hex(&o, e->data, e->len);
		break;
	case TSN_NFT_RANGE:
		put(&o, e->key == NFT_RANGE_NEQ ? "range neq " : "range eq ");
		put_reg(&o, e->sreg);
		put(&o, " ");
		put_hex(&o, e->data, e->len);
		put(&o, "-");
		put_data2(&o, e);
		break;
	case TSN_NFT_BITWISE:
		if (e->label && strcmp(e->label, "bitwise")) {
			put(&o, e->label);	/* shifts */
			break;
		}
		put(&o, "bitwise ");
		put_reg(&o, e->dreg);
		put(&o, " = (");
		put_reg(&o, e->sreg);
		put(&o, " & ");
		put_hex(&o, e->data, e->len);
		put(&o, ") ^ ");
		put_data2(&o, e);
		break;
	case TSN_NFT_BYTEORDER:
		put(&o, "byteorder ");
		put_reg(&o, e->dreg);
		put(&o, e->key == NFT_BYTEORDER_HTON ? " = hton(" : " = ntoh(");
		put_reg(&o, e->sreg);
		put(&o, ", ");
		put_uint(&o, e->len);
		put(&o, ", ");
		put_uint(&o, e->flags);
		put(&o, ")");
		break;
	case TSN_NFT_LOOKUP:
		put(&o, "lookup ");
		put_reg(&o, e->sreg);
		put(&o, e->inv ? " not in @" : " in @");
		put(&o, e->set_name ? e->set_name : "?");
		if (e->flags & TSN_NFT_LOOKUP_MAP) {
			put(&o, " => ");
			put_reg(&o, e->dreg);
		}
		break;
	case TSN_NFT_DYNSET:
		put(&o, e->key == NFT_DYNSET_OP_DELETE ? "dynset delete " :
			e->key == NFT_DYNSET_OP_UPDATE ? "dynset update " :
							 "dynset add ");
		put_reg(&o, e->sreg);
		put(&o, " @");
		put(&o, e->set_name ? e->set_name : "?");
		break;
	case TSN_NFT_NOTRACK:
		put(&o, "notrack");
		break;
	case TSN_NFT_IMMEDIATE:
		if (e->dreg) {
			put(&o, "immediate ");
			put_reg(&o, e->dreg);
			put(&o, " = ");
			put_hex(&o, e->data, e->len);
			break;
		}
		put(&o, verdict_name(e->verdict));
		if (e->verdict == NFT_JUMP || e->verdict == NFT_GOTO) {
			put(&o, " ");
			put(&o, e->target ? e->target : "?");
		}
		break;
	case TSN_NFT_META_SET:
		put_name(&o, e);
		put(&o, " set ");
		put_reg(&o, e->sreg);
		break;
	default:	/* counter, log, reject, xt, ...: the label says it */
		put_name(&o, e);
	}
	return tsn_buf_add(b, o.s, o.n);
}

int tsn_nft_elem_text(const struct tsn_nft_set *s,
		      const struct tsn_nft_elem *el, struct tsn_buf *b)
{
	struct out o;

	o.n = 0;
	put_hex(&o, el->lo, s->key_len);
	if (el->hi && el->lo && memcmp(el->lo, el->hi, s->key_len)) {
		put(&o, "-");
		put_hex(&o, el->hi, s->key_len);
	}
	if (!(s->flags & NFT_SET_MAP))
		return tsn_buf_add(b, o.s, o.n);
	put(&o, " : ");
	if (s->data_type == TSN_NFT_VERDICT_DATA) {
		put(&o, verdict_name(el->verdict));
		if (el->chain_name) {
			put(&o, " ");
			put(&o, el->chain_name);
		}
	} else {
		put_hex(&o, el->data, s->data_len);
	}
	return tsn_buf_add(b, o.s, o.n);
}

/* Expressions' text by expression: the reader shares one expression
 * among all the rules that have the same bytes, so of a 10,000-rule
 * ruleset's 90,000 most are a few dozen, written once here. */
#define CACHE_SLOTS 512
#define CACHE_TEXT 54

struct tsn_nft_text_cache {
	struct {
		const struct tsn_nft_expr *e;
		uint8_t len;
		char s[CACHE_TEXT];
	} slot[CACHE_SLOTS];
};

struct tsn_nft_text_cache *tsn_nft_text_cache_new(void)
{
	return calloc(1, sizeof(struct tsn_nft_text_cache));
}

static int expr_cached(const struct tsn_nft_expr *e,
		       struct tsn_nft_text_cache *c, struct tsn_buf *b)
{
	size_t k = ((uintptr_t)e / sizeof(*e)) % CACHE_SLOTS, at = b->len;
	int ret;

	if (c && c->slot[k].e == e)
		return tsn_buf_add(b, c->slot[k].s, c->slot[k].len);
	ret = tsn_nft_expr_text(e, b);
	if (!ret && c && b->len - at <= CACHE_TEXT) {
		c->slot[k].e = e;
		c->slot[k].len = (uint8_t)(b->len - at);
		memcpy(c->slot[k].s, b->p + at, b->len - at);
	}
	return ret;
}

int tsn_nft_rule_text(const struct tsn_nft_rule *r,
		      struct tsn_nft_text_cache *c, struct tsn_buf *b)
{
	struct out o;
	int ret;

	o.n = 0;
	put(&o, "\t\thandle ");
	put_uint(&o, r->handle);
	put(&o, ":");
	ret = tsn_buf_add(b, o.s, o.n);
	for (size_t i = 0; i < r->n_exprs && !ret; i++) {
		ret = tsn_buf_add(b, i ? "; " : " ", i ? 2 : 1);
		if (!ret)
			ret = expr_cached(r->exprs[i], c, b);
	}
	if (!ret && r->comment) {
		o.n = 0;
		put(&o, "  # \"");
		put(&o, r->comment);
		put(&o, "\"");
		ret = tsn_buf_add(b, o.s, o.n);
	}
	return ret ? ret : tsn_buf_add(b, "\n", 1);
}
