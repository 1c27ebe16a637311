/* nft_vm.h - the register VM state shared by nft_eval.c and nft_expr.c.
 *
 * Every register byte carries a mask of the bits that are known.  Loads
 * of things a single flow cannot tell (ct status, socket, numgen, an
 * unknown ESP SPI) produce unknown bits; a comparison that depends on
 * them forks the evaluation instead of guessing.
 */
#ifndef TSN_NFT_VM_H
#define TSN_NFT_VM_H

#include "nft/nft.h"

/* The packet of the flow as the hooks see it. */
struct tsn_nft_pkt {
	const struct tsn_nft_flow *f;
	uint8_t nh[40], nh_known[40];	/* IPv4 or IPv6 header */
	size_t nh_len;
	uint8_t th[8], th_known[8];	/* UDP or ESP header */
	bool in;			/* ingress/prerouting/input path */
	bool ct_mark_written;		/* some rule sets ct mark */
};

/* An element a dynset (add, update or delete @set from the packet) made
 * or removed on this packet's path: a later lookup sees it, as the
 * kernel's does. */
#define TSN_NFT_DYN_MAX 4
struct tsn_nft_dyn {
	const struct tsn_nft_set *set;
	bool present;		/* added or updated; false: deleted */
	bool unsure;		/* a map's data, or paths that disagree */
	bool wild;		/* its key had unknown bits: any key */
	uint8_t key[TSN_NFT_DATA_MAX];
};

/* Connection tracking as the packet has it (notrack may end it). */
enum tsn_nft_ct { TSN_NFT_CT_TRACKED, TSN_NFT_CT_UNTRACKED, TSN_NFT_CT_UNSURE };

/* What a packet carries from rule to rule and chain to chain. */
struct tsn_nft_carry {
	uint32_t mark;
	bool mark_known;
	uint8_t ct;		/* enum tsn_nft_ct */
	bool dyn_lost;		/* more dynsets than dyn[] holds */
	uint8_t n_dyn;
	struct tsn_nft_dyn dyn[TSN_NFT_DYN_MAX];
};

/* to = from (only the entries in use are copied: this runs per rule). */
void tsn_nft_carry_copy(struct tsn_nft_carry *to,
			const struct tsn_nft_carry *from);
/* a = what either a or b may be: a mark the two disagree on becomes
 * unknown, an element they disagree on unsure. */
void tsn_nft_carry_merge(struct tsn_nft_carry *a,
			 const struct tsn_nft_carry *b);

struct tsn_nft_regs {
	uint8_t v[TSN_NFT_REGS_LEN];
	uint8_t k[TSN_NFT_REGS_LEN];	/* known bits */
	const struct tsn_nft_expr *src[TSN_NFT_REGS_LEN / 4];
	int verdict;				/* after TSN_NFT_STEP_VERDICT */
	const struct tsn_nft_chain *chain;	/* jump/goto target */
	/* The base chain runs before conntrack (ingress, or a priority
	 * under -200): no entry yet.  -1: at -200, it cannot tell. */
	int8_t before_ct;
	struct tsn_nft_carry c;
};

enum tsn_nft_step {
	TSN_NFT_STEP_CONT,	/* next expression */
	TSN_NFT_STEP_BREAK,	/* the rule does not match */
	TSN_NFT_STEP_VERDICT,	/* regs->verdict (and ->chain) */
	TSN_NFT_STEP_FORK,	/* matches or not: depends on *why */
	TSN_NFT_STEP_UNKNOWN,	/* outcome unknown: *why */
};

/* [off, off + len) is inside the general registers. */
static inline bool tsn_nft_in_regs(unsigned off, unsigned len)
{
	return off >= 16 && len <= TSN_NFT_REGS_LEN && off + len <=
	       TSN_NFT_REGS_LEN;
}

/* The expression that loaded the first unknown bit of [off, off+len). */
static inline const struct tsn_nft_expr *
tsn_nft_unknown_src(const struct tsn_nft_regs *r, unsigned off, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		if (r->k[off + i] != 0xff)
			return r->src[(off + i) / 4];
	return NULL;
}

/* nft_dyn.c: what the dynsets on this path did to the key at sreg in
 * set s, and a dynset run. */
enum tsn_nft_dyn_state {
	TSN_NFT_DYN_NONE,	/* nothing: the set as read decides */
	TSN_NFT_DYN_PRESENT,
	TSN_NFT_DYN_ABSENT,
	TSN_NFT_DYN_UNSURE,
};
enum tsn_nft_dyn_state tsn_nft_dyn_state(const struct tsn_nft_regs *r,
					 const struct tsn_nft_set *s,
					 uint8_t sreg);
/* add/update @set { key } (or delete): the element is there (or gone)
 * for the rest of this packet's path, where a lookup sees it.  A new
 * element in a set that holds its size already is refused, and the
 * kernel ends the rule there (NFT_BREAK). */
enum tsn_nft_step tsn_nft_exec_dynset(struct tsn_nft_regs *r,
				      const struct tsn_nft_expr *e,
				      const struct tsn_nft_expr **why);

void tsn_nft_pkt_build(struct tsn_nft_pkt *p, const struct tsn_nft_flow *f,
		       bool ct_mark_written);
void tsn_nft_regs_init(struct tsn_nft_regs *r, const struct tsn_nft_pkt *p);
enum tsn_nft_step tsn_nft_exec(const struct tsn_nft_pkt *p,
			       struct tsn_nft_regs *r,
			       const struct tsn_nft_expr *e,
			       const struct tsn_nft_expr **why);

#endif
