/* nft.h - a model of the nf_tables ruleset, an evaluator over it and a
 * changer that opens IPsec in it: everything nft/ offers the rest of
 * tsnet (nft_vm.h, nft_conv.h, fix.h and fix_plan.h are its insides).
 *
 * The reader (nft_fetch.c, nft_read.c) dumps the ruleset of the current
 * network namespace through libnftnl/libmnl into this model: tables,
 * chains, rules as the register VM the kernel runs (payload/meta/ct
 * loads, bitwise, cmp, lookup, immediate verdicts), sets and maps with
 * their elements.  The evaluator (nft_eval.c, nft_expr.c, nft_dyn.c)
 * runs one flow through every base chain on its path and says accept,
 * drop (where) or undecidable (which expression).  Unit tests build
 * rulesets in memory through the same functions the reader uses.
 *
 * Decisions where a single flow cannot know (details where they are
 * implemented): the flow is the first packet of a connection (ct state
 * new; invalid before conntrack, untracked after notrack there),
 * evaluated again as established so a difference can be reported;
 * counter and log are no-ops; a dynset's element is seen by later lookups
 * on the same path (with expressions, a meter, it forks); limit,
 * quota and ct count are never exceeded by one packet (their "over" form
 * never matches); reject is a drop; queue, NAT and tproxy are undecidable;
 * numgen, random, socket, osf and anything unknown fork: the verdict is
 * decided only when both outcomes agree; meta mark starts at 0 and
 * follows "meta mark set" on the path; iif/oif indexes are compared with
 * the interface's index read when the flow is built (unknown: undecidable).
 */
#ifndef TSN_NFT_H
#define TSN_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;
struct tsn_json;

/* Registers as the kernel lays them out: the verdict register (16 bytes)
 * then 64 bytes addressed as 4 x 16 (NFT_REG_1..4) or 16 x 4
 * (NFT_REG32_00..15).  Expressions store byte offsets into this file. */
#define TSN_NFT_REGS_LEN 80
#define TSN_NFT_DATA_MAX 64	/* NFT_DATA_VALUE_MAXLEN */
#define TSN_NFT_NAME_MAX 256	/* NFT_NAME_MAXLEN */
#define TSN_NFT_JUMP_MAX 16	/* NFT_JUMP_STACK_SIZE: the kernel's own cap */

enum __attribute__((packed)) tsn_nft_op {
	TSN_NFT_NOP,		/* counter, log, limit within rate, ... */
	TSN_NFT_PAYLOAD,	/* base, offset, len -> dreg */
	TSN_NFT_META,		/* key -> dreg */
	TSN_NFT_CT,		/* key (dir) -> dreg */
	TSN_NFT_FIB,		/* flags, key=result -> dreg */
	TSN_NFT_LOAD_UNKNOWN,	/* socket, osf, numgen, ...: dreg unknown */
	TSN_NFT_CMP,		/* sreg op data[len] */
	TSN_NFT_RANGE,		/* sreg op data..data2 */
	TSN_NFT_BITWISE,	/* dreg = (sreg & data) ^ data2 */
	TSN_NFT_BYTEORDER,	/* key=op, flags=size */
	TSN_NFT_LOOKUP,		/* sreg in set (-> dreg), inv */
	TSN_NFT_DYNSET,		/* key=op (add/update/delete) of sreg, set */
	TSN_NFT_IMMEDIATE,	/* data -> dreg, or a verdict */
	TSN_NFT_META_SET,	/* meta key set sreg (mark is modelled) */
	TSN_NFT_NOTRACK,	/* notrack: no connection tracking after it */
	TSN_NFT_BREAK,		/* never matches (limit over, quota over) */
	TSN_NFT_REJECT,		/* reject: a drop */
	TSN_NFT_MATCH_UNKNOWN,	/* xt match, unknown expr: may or may not */
	TSN_NFT_TERM_UNKNOWN,	/* queue, nat, tproxy: outcome unknown */
};

struct tsn_nft_chain;
struct tsn_nft_chunk;
struct tsn_nft_conv_cache;
struct tsn_nft_set;

#define TSN_NFT_LOOKUP_MAP 0x1	/* lookup writes dreg (0 = a vmap) */
/* An unknown load with key set is an xfrm (`ipsec`) expression: key is
 * NFT_XFRM_KEY_*, flags this of XFRM_POLICY_IN or _OUT. */
#define TSN_NFT_XFRM_DIR(dir) (0x100u | (dir))
#define TSN_NFT_DYNSET_DATA 0x2	/* dynset writes a map's data too */

/* 56 bytes: a ruleset of 10,000 rules holds ~80,000 of these, and on
 * machines where every new page costs (see tsn_nft_alloc) their size is
 * most of the time spent reading. */
struct tsn_nft_expr {
	enum tsn_nft_op op;	/* one byte */
	uint8_t sreg, dreg;	/* byte offsets into the register file */
	uint8_t len;
	bool inv;
	uint8_t base;		/* payload: NFT_PAYLOAD_*_HEADER */
	uint16_t offset;	/* payload (the kernel's own is 8 bits) */
	uint32_t key;		/* meta/ct key, cmp/range op, fib result,
				 * byteorder op */
	uint32_t flags;		/* fib flags, byteorder size, ct dir+1,
				 * TSN_NFT_LOOKUP_MAP */
	int verdict;		/* immediate with dreg 0: NF_ACCEPT, NFT_JUMP */
	/* 2 * len bytes in the ruleset's arena (tsn_nft_expr_set_data):
	 * cmp, range from, mask, immediate data; then range to, xor
	 * (tsn_nft_data2). */
	const uint8_t *data;
	/* For reports: a string that lives as long as the ruleset (a
	 * literal or the arena), or NULL when tsn_nft_expr_name() makes it
	 * from the fields ("meta mark", "payload @nh,96,32"). */
	const char *label;
	union {
		char *target;	/* immediate: jump/goto chain name */
		char *set_name;	/* lookup, dynset */
	};
	union {			/* resolved by tsn_nft_finish */
		struct tsn_nft_chain *chain;
		struct tsn_nft_set *set;
	};
};

static inline const uint8_t *tsn_nft_data2(const struct tsn_nft_expr *e)
{
	return e->data + e->len;
}

/* A rule's expressions are pointers: the reader shares one expression
 * among every rule that has the same bytes (most of a big ruleset), so an
 * expression reached through a rule is read-only. */
struct tsn_nft_rule {
	uint64_t handle;
	char *comment;
	struct tsn_nft_expr **exprs;
	/* 16 bits: 32 bytes a rule, not 48 (a chain of 10,000 rules is
	 * 512 KiB of array, not 768). */
	uint16_t n_exprs;
	uint16_t cap_exprs;	/* malloc'd by tsn_nft_expr_add; 0: arena */
	bool own_names;		/* an arena expression holds a name */
	bool skip;		/* what-if: evaluate as if it were not there */
	/* TSN_NFT_DEAD(family, dir) bits: the rule cannot match a packet
	 * of that family and direction whose peer address no constant of
	 * the ruleset names (fix_equiv.c's scan sets them; a flow uses
	 * them only where tsn_nft_flow.skip_dead says it may). */
	uint8_t dead;
};

#define TSN_NFT_DEAD(family, dir) \
	((uint8_t)(1u << (((family) == AF_INET6) * 2 + (dir))))

/* Expressions in one rule, at most: the kernel's own limit is 128
 * (NFT_RULE_MAXEXPRS); a rule with more is an unknown one. */
#define TSN_NFT_EXPRS_MAX 1024

struct tsn_nft_chain {
	int family;		/* NFPROTO_* */
	char *table;
	char *name;
	bool base;
	uint32_t hook;		/* NF_INET_* (NF_NETDEV_* for netdev) */
	int32_t prio;
	int policy;		/* NF_ACCEPT or NF_DROP */
	char *type;		/* "filter", "nat", "route" */
	char *dev;		/* netdev/ingress device, may be NULL */
	struct tsn_nft_rule *rules;
	size_t n_rules, cap_rules;
	/* What-if, for the --fix planner: evaluate as if an accept of every
	 * flow stood at the head.  Like skip, only the evaluator reads it;
	 * printing shows the ruleset as it was read. */
	bool accept_all;
	/* Rules the --fix class scan has looked at (fix_equiv.c), from
	 * the first: it runs while the ruleset is read. */
	size_t scanned;
};

struct tsn_nft_elem {
	uint8_t *lo, *hi;	/* key_len bytes each, inclusive range */
	int verdict;		/* vmaps */
	char *chain_name;	/* vmaps: jump/goto target */
	struct tsn_nft_chain *chain;
	uint8_t *data;		/* maps: data_len bytes */
	uint32_t flags;		/* raw NFT_SET_ELEM_* (interval end) */
};

#define TSN_NFT_VERDICT_DATA 0xffffff00u	/* NFT_DATA_VERDICT */

struct tsn_nft_set {
	int family;
	char *table;
	char *name;
	uint32_t flags;		/* NFT_SET_INTERVAL, _MAP, _CONCAT, ... */
	uint32_t key_len;
	uint32_t data_type;	/* TSN_NFT_VERDICT_DATA for vmaps */
	uint32_t data_len;
	uint32_t size;		/* most elements it may hold, 0: no limit */
	struct tsn_nft_elem *elems;	/* sorted by tsn_nft_finish */
	size_t n_elems, cap_elems;
	struct tsn_nft_elem catchall;	/* the "*" element of a map */
	bool has_catchall;
	bool ready;		/* intervals built, sorted */
	const char *undecidable; /* why lookups cannot be evaluated */
};

struct tsn_nft_ruleset {
	struct tsn_nft_chain **chains;
	size_t n_chains, cap_chains;
	struct tsn_nft_set **sets;
	size_t n_sets, cap_sets;
	size_t n_tables;
	size_t n_rules;
	char **dormant;		/* "FAMILY TABLE" of dormant tables */
	size_t n_dormant;
	bool sorted;
	bool writes_ct_mark;	/* some rule sets ct mark: not 0 */
	struct tsn_nft_chunk *arena;	/* see tsn_nft_alloc */
	struct tsn_nft_conv_cache *conv_cache;	/* nft_conv.c */
};

/* Building (the reader and the unit tests).  Strings are copied. */
struct tsn_nft_ruleset *tsn_nft_ruleset_new(void);
void tsn_nft_ruleset_free(struct tsn_nft_ruleset *rs);
struct tsn_nft_chain *tsn_nft_chain_add(struct tsn_nft_ruleset *rs,
					int family, const char *table,
					const char *name);
int tsn_nft_chain_set_base(struct tsn_nft_chain *c, uint32_t hook,
			   int32_t prio, int policy, const char *type,
			   const char *dev);
/* A rule appended to c (the rules array lives in rs's arena). */
struct tsn_nft_rule *tsn_nft_rule_add(struct tsn_nft_ruleset *rs,
				      struct tsn_nft_chain *c,
				      uint64_t handle, const char *comment);
/* A zeroed expression of op appended to r; NULL on ENOMEM.  label is
 * kept as a pointer: a literal, or a string of the ruleset's arena. */
struct tsn_nft_expr *tsn_nft_expr_add(struct tsn_nft_rule *r,
				      enum tsn_nft_op op, const char *label);
/* Room for n expression pointers, from the arena, for a rule that has
 * none: the reader knows a rule's length before converting it.  NULL on
 * ENOMEM. */
struct tsn_nft_expr **tsn_nft_rule_exprs(struct tsn_nft_ruleset *rs,
					 struct tsn_nft_rule *r, size_t n);
/* Copy len bytes of d (and of d2, may be NULL) into the arena as e's
 * data: 0 or -ENOMEM.  len <= TSN_NFT_DATA_MAX. */
int tsn_nft_expr_set_data(struct tsn_nft_ruleset *rs, struct tsn_nft_expr *e,
			  const void *d, const void *d2, uint8_t len);
/* e's name for reports into buf ("meta mark", "lookup @allowed"). */
const char *tsn_nft_expr_name(const struct tsn_nft_expr *e, char *buf,
			      size_t len);
/* nft_text.c, for nftables-before.txt: e as the kernel runs it, values
 * included ("cmp eq reg 1 0a000001"), and a set element ("0a000000-
 * 0a0000ff : accept"), appended to b: 0 or -ENOMEM. */
struct tsn_buf;
int tsn_nft_expr_text(const struct tsn_nft_expr *e, struct tsn_buf *b);
int tsn_nft_elem_text(const struct tsn_nft_set *s,
		      const struct tsn_nft_elem *el, struct tsn_buf *b);
/* Rule r as one line ("\t\thandle 2: ...; accept  # \"comment\"\n").
 * The cache (NULL or from tsn_nft_text_cache_new(), freed with free())
 * keeps the text of the expressions rules share. */
struct tsn_nft_text_cache;
struct tsn_nft_text_cache *tsn_nft_text_cache_new(void);
int tsn_nft_rule_text(const struct tsn_nft_rule *r,
		      struct tsn_nft_text_cache *c, struct tsn_buf *b);
/* The ruleset's arena: n bytes, 8-aligned, zeroed, freed with the
 * ruleset.  Tens of thousands of rules arrive in one dump; one malloc
 * per rule, interleaved with libnftnl's short-lived blocks, was most of
 * reading them.  NULL on ENOMEM. */
void *tsn_nft_alloc(struct tsn_nft_ruleset *rs, size_t n);
/* Give back a block tsn_nft_alloc gave, where it can be (one of over 128
 * KiB, which has a chunk of its own); otherwise it stays till the end. */
void tsn_nft_release(struct tsn_nft_ruleset *rs, void *p);
/* A printf-formatted label in the arena; fallback when out of memory. */
const char *tsn_nft_label(struct tsn_nft_ruleset *rs, const char *fallback,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tsn_nft_expr_set_target(struct tsn_nft_expr *e, const char *chain);
int tsn_nft_expr_set_set(struct tsn_nft_expr *e, const char *set);
struct tsn_nft_set *tsn_nft_set_add(struct tsn_nft_ruleset *rs, int family,
				    const char *table, const char *name,
				    uint32_t flags, uint32_t key_len,
				    uint32_t data_type, uint32_t data_len);
/* key_end may be NULL (then a single key, or an rbtree interval bound
 * marked by NFT_SET_ELEM_INTERVAL_END in flags). */
int tsn_nft_elem_add(struct tsn_nft_set *s, const uint8_t *key,
		     const uint8_t *key_end, uint32_t flags, int verdict,
		     const char *chain, const uint8_t *data, size_t data_len);
struct tsn_nft_chain *tsn_nft_chain_find(struct tsn_nft_ruleset *rs,
					 int family, const char *table,
					 const char *name);
struct tsn_nft_set *tsn_nft_set_find(struct tsn_nft_ruleset *rs, int family,
				     const char *table, const char *name);
/* Sort chains and sets by (family, table, name) for the finders.  Done
 * lazily by them; a loop over rs->chains or rs->sets that calls a finder
 * calls this first, or the order changes under it (the reader's walk
 * over the sets for their elements once lost an anonymous set's). */
void tsn_nft_sort(struct tsn_nft_ruleset *rs);
/* Resolve jumps and set references, build and sort set intervals. */
int tsn_nft_finish(struct tsn_nft_ruleset *rs);
/* Set lookup on a fully known key: the element, or NULL. */
const struct tsn_nft_elem *tsn_nft_set_lookup(const struct tsn_nft_set *s,
					      const uint8_t *key);
/* With only the bits in known[] known: can an element match the key?
 * 0 no, 1 maybe, -1 cannot tell (ranges, or too many to scan). */
#define TSN_NFT_SCAN_MAX 2000000
int tsn_nft_set_maybe(const struct tsn_nft_set *s, const uint8_t *key,
		      const uint8_t *known);
/* Register number as the kernel dumps it -> byte offset, -1 if invalid. */
int tsn_nft_reg_offset(uint32_t reg);

/* Reading the current network namespace (the rules parsed on this thread
 * while another receives them).  -EPERM without CAP_NET_ADMIN, -EAGAIN
 * when it changed during five reads; err (may be NULL) gets a short
 * "what failed" text. */
int tsn_nft_read(struct tsn_nft_ruleset **out, char *err, size_t errlen);
/* The same in two halves, for a caller with work of its own to do while
 * the kernel dumps: _start sets the fetcher going (NULL when out of
 * memory), _end parses what it receives and answers as tsn_nft_read()
 * does.  _end with out NULL stops the read instead and returns 0.  Either
 * way the reader is freed. */
struct tsn_nft_reader;
struct tsn_nft_reader *tsn_nft_read_start(void);
int tsn_nft_read_end(struct tsn_nft_reader *r, struct tsn_nft_ruleset **out,
		     char *err, size_t errlen);
/* Have _end call fn(rs, arg) after each chunk of rules it parses into
 * rs, the ruleset of that try (unfinished: tsn_nft_finish comes after
 * the last chunk): work of the caller's to do while the kernel dumps the
 * rest.  Not called where the fetcher parses the rules itself (no thread
 * could be had). */
void tsn_nft_read_hook(struct tsn_nft_reader *r,
		       void (*fn)(struct tsn_nft_ruleset *rs, void *arg),
		       void *arg);
/* One netlink message of a ruleset dump (NFT_MSG_NEW{TABLE,CHAIN,RULE,
 * SET,SETELEM}) into rs; -EINVAL on malformed attributes. */
int tsn_nft_parse_msg(struct tsn_nft_ruleset *rs, const struct nlmsghdr *nlh);

/* Flows and verdicts. */
enum tsn_nft_dir { TSN_NFT_IN, TSN_NFT_OUT };

struct tsn_nft_flow {
	int family;		/* AF_INET or AF_INET6 */
	enum tsn_nft_dir dir;
	uint8_t proto;		/* IPPROTO_UDP or IPPROTO_ESP */
	uint16_t sport, dport;	/* UDP, as on the packet (IKE: 500, 500) */
	uint8_t local[16], peer[16];
	char ifname[16];
	uint32_t ifindex;	/* 0: unknown */
	uint16_t iftype;	/* ARPHRD_*, 0: unknown */
	bool established;	/* ct state established instead of new */
	bool related;		/* ct state related: an ICMP error */
	/* Arrived as ESP and decrypted (transport mode, the peer's SA): a
	 * secpath (meta ipsec exists), `ipsec in` addresses of the SA */
	bool decrypted;
	bool any_port;		/* TCP to any port: the members' traffic */
	uint8_t icmp_type, icmp_code;
	/* The TSN_NFT_DEAD bit of rules this flow's evaluation may pass
	 * over, or 0: set by tsn_fix_classes for a peer no constant names
	 * (a rule whose address test is "== another address" cannot match
	 * it, and passing over it changes nothing else). */
	uint8_t skip_dead;
};

enum tsn_nft_result { TSN_NFT_ACCEPT, TSN_NFT_DROP, TSN_NFT_UNDECIDABLE };

struct tsn_nft_where {
	int family;
	char table[64];
	char chain[64];
	char hook[16];
	uint64_t handle;
	bool policy;		/* the chain's policy, not a rule */
	char comment[128];
};

struct tsn_nft_verdict {
	enum tsn_nft_result result;
	struct tsn_nft_where where;	/* drop: who dropped */
	char why[256];			/* undecidable: which expression */
	unsigned long steps;		/* expressions evaluated */
};

/* Run f through every base chain on its path (ingress, prerouting, input
 * for TSN_NFT_IN; output, postrouting for TSN_NFT_OUT) in the ip, ip6,
 * inet (and netdev on the interface) families, by priority. */
int tsn_nft_eval(const struct tsn_nft_ruleset *rs,
		 const struct tsn_nft_flow *f, struct tsn_nft_verdict *v);

/* Printing (nft_print.c). */
const char *tsn_nft_family_name(int family);
const char *tsn_nft_result_name(enum tsn_nft_result r);
/* "dropped by ip filter INPUT handle 4 (comment)" and the like. */
void tsn_nft_verdict_text(const struct tsn_nft_verdict *v, char *buf,
			  size_t len);
void tsn_nft_verdict_json(struct tsn_json *j, const struct tsn_nft_verdict *v);
/* Parse "udp500" / "udp4500" / "esp" into f->proto and ports; also, for
 * f->family: "icmp-ptb" (ICMP fragmentation-needed, ICMPv6 packet-too-big,
 * related to a flow), "decrypted" (TCP to any port after decryption)
 * and "cleartext" (the same without IPsec, to compare). */
int tsn_nft_flow_proto(struct tsn_nft_flow *f, const char *proto);

/* Whether the kernel of release rel has module name (CONFIG its config
 * option), from the files under root ("/" on a node): nft_kmod.c.  Why
 * (may be NULL) says what could not be read when it cannot tell. */
enum tsn_nft_kmod { TSN_KMOD_LOADED, TSN_KMOD_MODULE, TSN_KMOD_MISSING,
		    TSN_KMOD_UNKNOWN };
enum tsn_nft_kmod tsn_nft_kmod(const char *root, const char *rel,
			       const char *name, const char *config,
			       char *why, size_t len);
/* "loaded", "module", "missing", "unknown" */
const char *tsn_nft_kmod_name(enum tsn_nft_kmod k);

/* The rule of that handle as `nft -a list chain` prints it, without its
 * "# handle N" (nft_listed.c, which runs nft): 0, -ENOENT (no such
 * line, or no nft), or -errno. */
int tsn_nft_listed_rule(const char *family, const char *table,
			const char *chain, uint64_t handle, char *out,
			size_t len);

/* The changer (fix.c, fix_*.c): open UDP 500, UDP 4500 and ESP between
 * cluster members, and take it back exactly (`preflight --fix`,
 * `--unfix`, and `node add|remove` through the agent). */
struct tsn_addr;
#define TSN_FIX_TABLE "tsnet"
#define TSN_FIX_TABLE_TAG "tsnet"	/* the table's comment (userdata) */
#define TSN_FIX_TAG "tsnet: allow IPsec between cluster members"
#define TSN_FIX_DIR "/var/lib/tsnet"
#define TSN_FIX_STATE TSN_FIX_DIR "/nftables.json"
#define TSN_FIX_BEFORE TSN_FIX_DIR "/nftables-before.txt"
#define TSN_FIX_NFT "/etc/tsnet/nftables.nft"
#define TSN_FIX_UNIT_NAME "tsnet-nftables.service"
#define TSN_FIX_UNIT "/etc/systemd/system/" TSN_FIX_UNIT_NAME
#define TSN_FIX_ELEMS_MAX 65536		/* members per family */

/* One accept pair tsnet inserted into a chain that is not its own. */
struct tsn_fix_insert {
	int family;		/* NFPROTO_IPV4, _IPV6, _INET */
	char table[64];
	char chain[64];
	bool input;		/* prerouting/input: match the source */
	uint64_t handles[4];	/* the rules, as the kernel numbered them */
	size_t n_handles;
};

struct tsn_fix_req {
	const struct tsn_addr *members;	/* every cluster member */
	size_t n_members;
	const char *ifname;		/* cluster interface, may be NULL */
	bool update_only;		/* only when a fix is in place */
	bool no_persist;		/* bench: skip the reboot files */
};

struct tsn_fix_result {
	bool changed;		/* a batch was committed */
	bool refused;		/* a table tsnet did not create */
	size_t rules_added;	/* rules tsnet has in the ruleset now */
	size_t table_rules;	/* of which in table inet tsnet */
	size_t rules_removed;	/* --unfix */
	unsigned flows_ended;	/* --unfix: conntrack entries deleted */
	struct tsn_fix_insert *ins;	/* inserted accepts, now */
	size_t n_ins;
	size_t flows, still_bad;	/* flows checked after the change */
	char bad[512];		/* the first ones still not accepted */
	char persist[160];	/* "persistent: ..." / "not persistent: ..." */
	char err[256];		/* why it failed, with the errno text */
};

void tsn_fix_result_free(struct tsn_fix_result *res);

/* Node-local, on the ruleset rd reads (tsn_nft_read_start(): the
 * kernel dumps while the caller reads its request; rd is used up).  0
 * (res says what happened), -EEXIST when a foreign table inet tsnet
 * exists (res->refused), -EPERM without CAP_NET_ADMIN, other -errno;
 * res->err says what failed. */
struct tsn_nft_reader;
int tsn_fix_apply(const struct tsn_fix_req *req, struct tsn_nft_reader *rd,
		  struct tsn_fix_result *res);
/* Remove exactly what the state file records, in one batch. */
int tsn_fix_unfix(struct tsn_fix_result *res);

/* The agent actions (nft_agent.c, agent_fix.c): `tsnet agent nft-eval`,
 * `nft-fix` and `nft-unfix`, what the commands run on each node. */
struct tsn_ctx;
int tsn_nft_eval_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_nft_fix_action(int argc, char **argv, struct tsn_ctx *ctx);
int tsn_nft_unfix_action(int argc, char **argv, struct tsn_ctx *ctx);

#endif
