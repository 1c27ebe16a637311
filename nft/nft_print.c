/* nft_print.c - verdicts of the nftables evaluator as text and JSON. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>
#include <linux/netfilter.h>

#include "lib/json.h"
#include "nft/nft.h"

const char *tsn_nft_family_name(int family)
{
	switch (family) {
	case NFPROTO_INET: return "inet";
	case NFPROTO_IPV4: return "ip";
	case NFPROTO_ARP: return "arp";
	case NFPROTO_NETDEV: return "netdev";
	case NFPROTO_BRIDGE: return "bridge";
	case NFPROTO_IPV6: return "ip6";
	default: return "unknown";
	}
}

const char *tsn_nft_result_name(enum tsn_nft_result r)
{
	switch (r) {
	case TSN_NFT_ACCEPT: return "accept";
	case TSN_NFT_DROP: return "drop";
	default: return "undecidable";
	}
}

static void where_text(const struct tsn_nft_where *w, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "%s %s %s", tsn_nft_family_name(w->family),
		     w->table, w->chain);
	if (n < 0 || (size_t)n >= len)
		return;
	if (w->policy)
		snprintf(buf + n, len - n, " policy drop (%s hook)", w->hook);
	else if (w->comment[0])
		snprintf(buf + n, len - n, " handle %llu \"%s\" (%s hook)",
			 (unsigned long long)w->handle, w->comment, w->hook);
	else
		snprintf(buf + n, len - n, " handle %llu (%s hook)",
			 (unsigned long long)w->handle, w->hook);
}

void tsn_nft_verdict_text(const struct tsn_nft_verdict *v, char *buf,
			  size_t len)
{
	char w[400];

	switch (v->result) {
	case TSN_NFT_ACCEPT:
		snprintf(buf, len, "accepted");
		break;
	case TSN_NFT_DROP:
		where_text(&v->where, w, sizeof(w));
		snprintf(buf, len, "dropped by %s", w);
		break;
	default:
		snprintf(buf, len, "undecidable: %s", v->why);
		break;
	}
}

void tsn_nft_verdict_json(struct tsn_json *j, const struct tsn_nft_verdict *v)
{
	char text[600];

	tsn_nft_verdict_text(v, text, sizeof(text));
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "verdict", tsn_nft_result_name(v->result));
	tsn_json_kstr(j, "detail", text);
	if (v->result == TSN_NFT_DROP) {
		tsn_json_kstr(j, "family",
			      tsn_nft_family_name(v->where.family));
		tsn_json_kstr(j, "table", v->where.table);
		tsn_json_kstr(j, "chain", v->where.chain);
		tsn_json_kstr(j, "hook", v->where.hook);
		if (v->where.policy) {
			tsn_json_kbool(j, "policy", true);
		} else {
			tsn_json_kuint(j, "handle", v->where.handle);
			tsn_json_kstr(j, "comment", v->where.comment[0] ?
					  v->where.comment : NULL);
		}
	}
	if (v->result == TSN_NFT_UNDECIDABLE)
		tsn_json_kstr(j, "why", v->why);
	tsn_json_obj_end(j);
}

int tsn_nft_flow_proto(struct tsn_nft_flow *f, const char *proto)
{
	bool v4 = f->family != AF_INET6;

	f->related = f->decrypted = f->any_port = false;
	f->icmp_type = f->icmp_code = 0;
	if (!strcmp(proto, "icmp-ptb")) {
		/* ICMP type 3 code 4; ICMPv6 type 2 code 0 (RFC 4443) */
		f->proto = v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		f->icmp_type = v4 ? 3 : 2;
		f->icmp_code = v4 ? 4 : 0;
		f->related = true;
		f->sport = f->dport = 0;
		return 0;
	}
	if (!strcmp(proto, "decrypted") || !strcmp(proto, "cleartext")) {
		f->proto = IPPROTO_TCP;
		f->any_port = true;
		f->decrypted = proto[0] == 'd';
		f->sport = f->dport = 0;
		return 0;
	}
	if (!strcmp(proto, "udp500") || !strcmp(proto, "udp4500")) {
		f->proto = IPPROTO_UDP;
		f->sport = f->dport = strcmp(proto, "udp500") ? 4500 : 500;
		return 0;
	}
	if (!strcmp(proto, "esp")) {
		f->proto = IPPROTO_ESP;
		f->sport = f->dport = 0;
		return 0;
	}
	return -EINVAL;
}
