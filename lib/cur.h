/* cur.h - a bounds-checked read cursor over untrusted bytes.
 *
 * Every parser of bytes from the wire, a pcap or netlink reads through a
 * cursor: no packet pointer is ever cast to a struct, and every read
 * either has its bytes or fails without moving.  Modelled on strongSwan's
 * bio_reader and tcpdump's GET_ macros.
 */
#ifndef TSN_CUR_H
#define TSN_CUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cur {
	const uint8_t *p;
	size_t left;
};

static inline struct cur cur_make(const void *p, size_t len)
{
	struct cur c = { .p = p, .left = len };
	return c;
}

static inline bool cur_has(const struct cur *c, size_t n)
{
	return c->left >= n;
}

static inline int cur_skip(struct cur *c, size_t n)
{
	if (c->left < n)	/* never step past the captured bytes */
		return -1;
	c->p += n;
	c->left -= n;
	return 0;
}

static inline int cur_u8(struct cur *c, uint8_t *v)
{
	if (c->left < 1)
		return -1;
	*v = c->p[0];
	c->p += 1;
	c->left -= 1;
	return 0;
}

static inline int cur_u16(struct cur *c, uint16_t *v)
{
	if (c->left < 2)
		return -1;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return 0;
}

static inline int cur_u32(struct cur *c, uint32_t *v)
{
	if (c->left < 4)
		return -1;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | (uint32_t)c->p[3];
	c->p += 4;
	c->left -= 4;
	return 0;
}

static inline int cur_u64(struct cur *c, uint64_t *v)
{
	uint32_t hi, lo;

	if (c->left < 8)
		return -1;
	cur_u32(c, &hi);
	cur_u32(c, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

static inline int cur_bytes(struct cur *c, void *dst, size_t n)
{
	if (c->left < n)
		return -1;
	memcpy(dst, c->p, n);
	c->p += n;
	c->left -= n;
	return 0;
}

/* Split off the next n bytes as a cursor of their own; the sub-cursor can
 * never read beyond them, whatever length fields inside claim. */
static inline int cur_sub(struct cur *c, size_t n, struct cur *sub)
{
	if (c->left < n)
		return -1;
	sub->p = c->p;
	sub->left = n;
	c->p += n;
	c->left -= n;
	return 0;
}

#endif
