/* trace.c - the probe window's nftables tracing table and trace events. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/trace.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "lib/cur.h"
#include "lib/nfnl.h"
#include "lib/util.h"
#include "trace.h"

#define INFO_SLOTS 256

/* The kernel copies a packet's headers and interfaces into the first
 * trace event of each chain walk only, and that first event is often our
 * own marking rule: remember them per trace id for the later events. */
struct pkt_info {
	uint32_t id;
	bool used;
	struct tsn_trace_verdict v;	/* family .. spi, hook */
};

struct tsn_trace {
	struct tsn_nfnl nl;		/* batches */
	struct mnl_socket *events;	/* NFNLGRP_NFTRACE subscriber */
	struct pkt_info info[INFO_SLOTS];
};

static int add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(r, e);
	return 0;
}

static struct nftnl_expr *meta_load(uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	return e;
}

static struct nftnl_expr *cmp_eq(const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return e;
}

static struct nftnl_expr *th_load(uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE,
				   NFT_PAYLOAD_TRANSPORT_HEADER);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	return e;
}

static struct nftnl_expr *mask32(uint32_t mask_be)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	uint32_t zero = 0;

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask_be, 4);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	}
	return e;
}

/* meta nftrace set 1 */
static int set_nftrace(struct nftnl_rule *r)
{
	struct nftnl_expr *imm = nftnl_expr_alloc("immediate");
	struct nftnl_expr *meta = nftnl_expr_alloc("meta");
	uint8_t one = 1;

	if (!imm || !meta) {
		nftnl_expr_free(imm);
		nftnl_expr_free(meta);
		return -ENOMEM;
	}
	nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(imm, NFTNL_EXPR_IMM_DATA, &one, 1);
	nftnl_rule_add_expr(r, imm);
	nftnl_expr_set_u32(meta, NFTNL_EXPR_META_KEY, NFT_META_NFTRACE);
	nftnl_expr_set_u32(meta, NFTNL_EXPR_META_SREG, NFT_REG_1);
	nftnl_rule_add_expr(r, meta);
	return 0;
}

enum probe_kind { PROBE_ESP, PROBE_IKE500, PROBE_IKE4500 };

static int build_match(struct nftnl_rule *r, enum probe_kind k,
		       const struct tsn_trace_match *m)
{
	uint8_t proto = k == PROBE_ESP ? IPPROTO_ESP : IPPROTO_UDP;
	uint16_t port = htons(k == PROBE_IKE500 ? 500 : 4500);
	uint32_t spi = htonl(m->esp_spi), tag = htonl(m->ike_tag), zero = 0;
	int ret;

	if ((ret = add_expr(r, meta_load(NFT_META_L4PROTO))) < 0 ||
	    (ret = add_expr(r, cmp_eq(&proto, 1))) < 0)
		return ret;
	if (k == PROBE_ESP) {
		if ((ret = add_expr(r, th_load(0, 4))) < 0 ||
		    (ret = add_expr(r, mask32(htonl(m->esp_mask)))) < 0 ||
		    (ret = add_expr(r, cmp_eq(&spi, 4))) < 0)
			return ret;
		return set_nftrace(r);
	}
	if ((ret = add_expr(r, th_load(2, 2))) < 0 ||
	    (ret = add_expr(r, cmp_eq(&port, 2))) < 0)
		return ret;
	if (k == PROBE_IKE4500 &&
	    ((ret = add_expr(r, th_load(8, 4))) < 0 ||	/* non-ESP marker */
	     (ret = add_expr(r, cmp_eq(&zero, 4))) < 0))
		return ret;
	if ((ret = add_expr(r, th_load(k == PROBE_IKE4500 ? 12 : 8, 4))) < 0 ||
	    (ret = add_expr(r, cmp_eq(&tag, 4))) < 0)
		return ret;
	return set_nftrace(r);
}

static int put_table(struct tsn_nfnl *nl, uint16_t type)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, TSN_TRACE_TABLE);
	nlh = tsn_nfnl_msg(nl, type, NFPROTO_INET,
			   type == NFT_MSG_NEWTABLE ? NLM_F_CREATE | NLM_F_EXCL
						    : 0);
	if (nlh)
		nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return nlh ? 0 : -ENOSPC;
}

static int put_chain(struct tsn_nfnl *nl, const char *name, uint32_t hook)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, TSN_TRACE_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, TSN_TRACE_PRIORITY);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = tsn_nfnl_msg(nl, NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE);
	if (nlh)
		nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return nlh ? 0 : -ENOSPC;
}

static int put_rule(struct tsn_nfnl *nl, const char *chain,
		    enum probe_kind k, const struct tsn_trace_match *m)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, TSN_TRACE_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	ret = build_match(r, k, m);
	if (ret == 0) {
		nlh = tsn_nfnl_msg(nl, NFT_MSG_NEWRULE, NFPROTO_INET,
				   NLM_F_CREATE | NLM_F_APPEND);
		if (nlh)
			nftnl_rule_nlmsg_build_payload(nlh, r);
		else
			ret = -ENOSPC;
	}
	nftnl_rule_free(r);
	return ret;
}

static int install(struct tsn_nfnl *nl, const struct tsn_trace_match *m)
{
	static const struct {
		const char *name;
		uint32_t hook;
	} chains[] = {
		{ "pre", NF_INET_PRE_ROUTING },
		{ "out", NF_INET_LOCAL_OUT },
	};
	int ret;

	if ((ret = tsn_nfnl_begin(nl)) < 0 ||
	    (ret = put_table(nl, NFT_MSG_NEWTABLE)) < 0)
		return ret;
	for (size_t i = 0; i < ARRAY_SIZE(chains); i++) {
		if ((ret = put_chain(nl, chains[i].name, chains[i].hook)) < 0)
			return ret;
		for (int k = PROBE_ESP; k <= PROBE_IKE4500; k++)
			if ((ret = put_rule(nl, chains[i].name, k, m)) < 0)
				return ret;
	}
	return tsn_nfnl_commit(nl);
}

int tsn_trace_start(struct tsn_trace **out, const struct tsn_trace_match *m)
{
	struct tsn_trace *t = calloc(1, sizeof(*t));
	unsigned grp = NFNLGRP_NFTRACE;
	int ret, fd;

	if (!t)
		return -ENOMEM;
	if ((ret = tsn_nfnl_open(&t->nl)) < 0) {
		free(t);
		return ret;
	}
	/* Subscribe before the table exists so no early event is missed. */
	t->events = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!t->events || mnl_socket_bind(t->events, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(t->events, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		ret = -errno;
		goto fail;
	}
	fd = mnl_socket_get_fd(t->events);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if ((ret = install(&t->nl, m)) < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	if (t->events)
		mnl_socket_close(t->events);
	tsn_nfnl_close(&t->nl);
	free(t);
	return ret;
}

int tsn_trace_fd(const struct tsn_trace *t)
{
	return mnl_socket_get_fd(t->events);
}

static int delete_table(struct tsn_nfnl *nl)
{
	int ret;

	if ((ret = tsn_nfnl_begin(nl)) < 0 ||
	    (ret = put_table(nl, NFT_MSG_DELTABLE)) < 0)
		return ret;
	return tsn_nfnl_commit(nl);
}

int tsn_trace_stop(struct tsn_trace *t)
{
	int ret;

	if (!t)
		return 0;
	ret = delete_table(&t->nl);
	mnl_socket_close(t->events);
	tsn_nfnl_close(&t->nl);
	free(t);
	return ret;
}

int tsn_trace_cleanup(void)
{
	struct tsn_nfnl nl;
	int ret;

	if ((ret = tsn_nfnl_open(&nl)) < 0)
		return ret;
	ret = delete_table(&nl);
	tsn_nfnl_close(&nl);
	return ret == -ENOENT ? 0 : ret;
}

/* Addresses and ports from the headers the kernel copied into the event:
 * bytes from the wire, read through a cursor like any other packet. */
static void parse_headers(const struct nftnl_trace *tr,
			  struct tsn_trace_verdict *v)
{
	uint32_t nlen = 0, tlen = 0;
	const uint8_t *nh = NULL, *th = NULL;
	struct cur c;
	uint8_t b;
	uint16_t port;

	if (nftnl_trace_is_set(tr, NFTNL_TRACE_NETWORK_HEADER))
		nh = nftnl_trace_get_data(tr, NFTNL_TRACE_NETWORK_HEADER, &nlen);
	if (nftnl_trace_is_set(tr, NFTNL_TRACE_TRANSPORT_HEADER))
		th = nftnl_trace_get_data(tr, NFTNL_TRACE_TRANSPORT_HEADER,
					  &tlen);
	c = cur_make(nh, nh ? nlen : 0);
	if (cur_u8(&c, &b) == 0 && b >> 4 == 4 && cur_has(&c, 19)) {
		v->family = AF_INET;
		cur_skip(&c, 8);
		cur_u8(&c, &v->l4proto);
		cur_skip(&c, 2);
		cur_bytes(&c, v->src, 4);
		cur_bytes(&c, v->dst, 4);
	} else if (nh && b >> 4 == 6 && cur_has(&c, 39)) {
		v->family = AF_INET6;
		cur_skip(&c, 5);
		cur_u8(&c, &v->l4proto);	/* first next header only */
		cur_skip(&c, 1);
		cur_bytes(&c, v->src, 16);
		cur_bytes(&c, v->dst, 16);
	}
	c = cur_make(th, th ? tlen : 0);
	if (v->l4proto == IPPROTO_ESP) {
		cur_u32(&c, &v->spi);
	} else if (v->l4proto == IPPROTO_UDP && cur_skip(&c, 2) == 0 &&
		   cur_u16(&c, &port) == 0) {
		v->dport = port;
	}
}

/* Fill v from one event; false when it decides nothing (a rule that
 * continues, a jump, our own marking rule). */
static const char *family_name(uint32_t f)
{
	switch (f) {
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	case NFPROTO_BRIDGE:
		return "bridge";
	case NFPROTO_NETDEV:
		return "netdev";
	case NFPROTO_ARP:
		return "arp";
	default:
		return "?";
	}
}

/* Headers and direction of the packet this event is about: from the
 * event when it carries them (and then remembered), else from memory. */
static void packet_info(struct tsn_trace *t, const struct nftnl_trace *tr,
			uint32_t id, struct tsn_trace_verdict *v)
{
	struct pkt_info *pi = &t->info[id % INFO_SLOTS];

	if (nftnl_trace_is_set(tr, NFTNL_TRACE_NETWORK_HEADER)) {
		parse_headers(tr, v);
		/* locally generated packets have an output interface and
		 * no input one */
		v->hook = nftnl_trace_is_set(tr, NFTNL_TRACE_IIF) ?
			TSN_TRACE_IN : TSN_TRACE_OUT;
		pi->id = id;
		pi->used = true;
		pi->v = *v;
	} else if (pi->used && pi->id == id) {
		v->family = pi->v.family;
		memcpy(v->src, pi->v.src, sizeof(v->src));
		memcpy(v->dst, pi->v.dst, sizeof(v->dst));
		v->l4proto = pi->v.l4proto;
		v->dport = pi->v.dport;
		v->spi = pi->v.spi;
		v->hook = pi->v.hook;
	}
}

static bool event_verdict(struct tsn_trace *t, const struct nftnl_trace *tr,
			  struct tsn_trace_verdict *v)
{
	uint32_t type, verdict, id;
	const char *table, *chain;

	if (!nftnl_trace_is_set(tr, NFTNL_TRACE_TYPE) ||
	    !nftnl_trace_is_set(tr, NFTNL_TRACE_TABLE) ||
	    !nftnl_trace_is_set(tr, NFTNL_TRACE_CHAIN) ||
	    !nftnl_trace_is_set(tr, NFTNL_TRACE_ID))
		return false;
	memset(v, 0, sizeof(*v));
	id = nftnl_trace_get_u32(tr, NFTNL_TRACE_ID);
	packet_info(t, tr, id, v);
	table = nftnl_trace_get_str(tr, NFTNL_TRACE_TABLE);
	chain = nftnl_trace_get_str(tr, NFTNL_TRACE_CHAIN);
	if (!strcmp(table, TSN_TRACE_TABLE))
		return false;
	type = nftnl_trace_get_u32(tr, NFTNL_TRACE_TYPE);
	if (type == NFT_TRACETYPE_POLICY) {
		verdict = nftnl_trace_get_u32(tr, NFTNL_TRACE_POLICY);
		v->policy = true;
	} else if (type == NFT_TRACETYPE_RULE &&
		   nftnl_trace_is_set(tr, NFTNL_TRACE_VERDICT)) {
		verdict = nftnl_trace_get_u32(tr, NFTNL_TRACE_VERDICT);
		if (nftnl_trace_is_set(tr, NFTNL_TRACE_RULE_HANDLE))
			v->handle = nftnl_trace_get_u64(tr,
							NFTNL_TRACE_RULE_HANDLE);
	} else {
		return false;
	}
	if (verdict != NF_DROP && verdict != NF_ACCEPT)
		return false;
	v->dropped = verdict == NF_DROP;
	v->id = id;
	snprintf(v->table, sizeof(v->table), "%s %s",
		 family_name(nftnl_trace_get_u32(tr, NFTNL_TRACE_FAMILY)),
		 table);
	snprintf(v->chain, sizeof(v->chain), "%s", chain);
	return true;
}

int tsn_trace_read(struct tsn_trace *t,
		   void (*cb)(void *arg, const struct tsn_trace_verdict *v),
		   void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	for (;;) {
		ssize_t len = mnl_socket_recvfrom(t->events, buf, sizeof(buf));
		int left = (int)len;

		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			/* ENOBUFS: events were lost; say so, keep going */
			return -errno;
		}
		for (const struct nlmsghdr *nlh = (void *)buf;
		     mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			struct nftnl_trace *tr;
			struct tsn_trace_verdict v;

			if (NFNL_SUBSYS_ID(nlh->nlmsg_type) !=
				    NFNL_SUBSYS_NFTABLES ||
			    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE)
				continue;
			tr = nftnl_trace_alloc();
			if (!tr)
				return -ENOMEM;
			if (nftnl_trace_nlmsg_parse(nlh, tr) == 0 &&
			    event_verdict(t, tr, &v))
				cb(arg, &v);
			nftnl_trace_free(tr);
		}
	}
}
