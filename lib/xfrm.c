/* xfrm.c - the kernel's IPsec states and policies: the XFRM netlink dump,
 * and the JSON an agent sends it in.
 *
 * XFRM_MSG_GETSA and XFRM_MSG_GETPOLICY dumps through libmnl; each
 * message's fixed part is copied out after its length is checked, never
 * read through a cast pointer.  Per-socket policies (charon's bypass for
 * its own IKE sockets) are not the SPD's and are left out.  Moved here
 * from preflight/ so enable-ipsec and status judge the same entries.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/mnl_dump.h"
#include "lib/xfrm.h"

static void keep(struct tsn_xfrm_list *l, const struct tsn_xfrm_seen *s)
{
	if (l->n < TSN_XFRM_SEEN_MAX)
		l->s[l->n++] = *s;
}

static void addr_copy(uint8_t *out, const xfrm_address_t *a, int family)
{
	memcpy(out, a, family == AF_INET ? 4 : 16);
}

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tsn_xfrm_list *l = data;
	struct xfrm_usersa_info info;
	struct tsn_xfrm_seen s = { 0 };

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(info))
		return MNL_CB_OK;	/* short: not an SA we can read */
	memcpy(&info, mnl_nlmsg_get_payload(nlh), sizeof(info));
	if (info.family != AF_INET && info.family != AF_INET6)
		return MNL_CB_OK;
	l->total_sa++;
	s.family = info.family;
	addr_copy(s.src, &info.saddr, s.family);
	addr_copy(s.dst, &info.id.daddr, s.family);
	s.src_len = s.dst_len = s.family == AF_INET ? 32 : 128;
	s.proto = info.id.proto;
	s.spi = ntohl(info.id.spi);
	s.reqid = info.reqid;
	s.mode = info.mode;
	s.integrity_failed = info.stats.integrity_failed;
	s.replay = info.stats.replay;
	keep(l, &s);
	return MNL_CB_OK;
}

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tsn_xfrm_list *l = data;
	struct xfrm_userpolicy_info info;
	struct tsn_xfrm_seen s = { .policy = true };

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(info))
		return MNL_CB_OK;
	memcpy(&info, mnl_nlmsg_get_payload(nlh), sizeof(info));
	/* a socket's own policy (dir past the SPD's), charon's bypass */
	if (info.dir >= XFRM_POLICY_MAX ||
	    (info.sel.family != AF_INET && info.sel.family != AF_INET6 &&
	     info.sel.family != AF_UNSPEC))
		return MNL_CB_OK;
	l->total_pol++;
	s.family = info.sel.family == AF_UNSPEC ? AF_INET : info.sel.family;
	addr_copy(s.src, &info.sel.saddr, s.family);
	addr_copy(s.dst, &info.sel.daddr, s.family);
	s.src_len = info.sel.prefixlen_s;
	s.dst_len = info.sel.prefixlen_d;
	s.dir = info.dir;
	s.action = info.action;
	s.proto = info.sel.proto;
	s.sport = ntohs(info.sel.sport);
	s.dport = ntohs(info.sel.dport);
	s.priority = info.priority;
	s.index = info.index;
	keep(l, &s);
	return MNL_CB_OK;
}

/* The dump of SAs carries their keys (XFRMA_ALG_*): the buffer is wiped
 * after each dump, so no key outlives it in this process's memory. */
static int dump(struct mnl_socket *nl, uint16_t type, mnl_cb_t cb,
		struct tsn_xfrm_list *l, unsigned seq)
{
	static char buf[32768];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int ret;

	nlh->nlmsg_type = type;
	nlh->nlmsg_seq = seq;
	ret = tsn_mnl_dump(nl, nlh, buf, sizeof(buf), cb, l);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

int tsn_xfrm_list_run(struct tsn_xfrm_list *l)
{
	struct mnl_socket *nl;
	unsigned seq = (unsigned)time(NULL);

	memset(l, 0, sizeof(*l));
	/* a kernel that never answers must not hang the caller: the
	 * socket has a receive timeout */
	if (!(nl = tsn_mnl_open(NETLINK_XFRM)))
		return l->err = -errno;
	l->err = dump(nl, XFRM_MSG_GETSA, sa_cb, l, seq);
	if (!l->err)
		l->err = dump(nl, XFRM_MSG_GETPOLICY, policy_cb, l, seq + 1);
	mnl_socket_close(nl);
	return l->err;
}

/* ---- JSON ---- */

static void one_json(struct tsn_json *j, const struct tsn_xfrm_seen *s)
{
	char a[INET6_ADDRSTRLEN];

	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "src", inet_ntop(s->family, s->src, a, sizeof(a)));
	tsn_json_kstr(j, "dst", inet_ntop(s->family, s->dst, a, sizeof(a)));
	tsn_json_kuint(j, "proto", s->proto);
	if (s->policy) {
		tsn_json_kuint(j, "src_len", s->src_len);
		tsn_json_kuint(j, "dst_len", s->dst_len);
		tsn_json_kuint(j, "dir", s->dir);
		tsn_json_kuint(j, "action", s->action);
		tsn_json_kuint(j, "sport", s->sport);
		tsn_json_kuint(j, "dport", s->dport);
		tsn_json_kuint(j, "priority", s->priority);
		tsn_json_kuint(j, "index", s->index);
	} else {
		tsn_json_kuint(j, "spi", s->spi);
		tsn_json_kuint(j, "reqid", s->reqid);
		tsn_json_kuint(j, "mode", s->mode);
		tsn_json_kuint(j, "integrity_failed", s->integrity_failed);
		tsn_json_kuint(j, "replay", s->replay);
	}
	tsn_json_obj_end(j);
}

void tsn_xfrm_list_json(struct tsn_json *j, const struct tsn_xfrm_list *l)
{
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "error", l->err ? strerror(-l->err) : NULL);
	tsn_json_kuint(j, "total_sa", l->total_sa);
	tsn_json_kuint(j, "total_pol", l->total_pol);
	for (int pol = 0; pol < 2; pol++) {
		tsn_json_key(j, pol ? "policies" : "states");
		tsn_json_arr_begin(j);
		for (unsigned i = 0; i < l->n; i++)
			if (l->s[i].policy == pol)
				one_json(j, &l->s[i]);
		tsn_json_arr_end(j);
	}
	tsn_json_obj_end(j);
}

/* A number in [0, max], or false. */
static bool num(const struct tsn_jv *o, const char *key, double max,
		uint32_t *out)
{
	double d;

	if (!tsn_jv_getnum(o, key, &d) || d < 0 || d > max || d != (long)d)
		return false;
	*out = (uint32_t)d;
	return true;
}

static bool addr(const struct tsn_jv *o, const char *key, int *family,
		 uint8_t *a)
{
	const char *s = tsn_jv_getstr(o, key);
	int f = s && strchr(s, ':') ? AF_INET6 : AF_INET;

	if (!s || inet_pton(f, s, a) != 1 || (*family && *family != f))
		return false;
	*family = f;
	return true;
}

static bool one_from(const struct tsn_jv *o, bool pol, struct tsn_xfrm_seen *s)
{
	uint32_t v[12] = { 0 };
	unsigned full;

	memset(s, 0, sizeof(*s));
	s->policy = pol;
	if (!addr(o, "src", &s->family, s->src) ||
	    !addr(o, "dst", &s->family, s->dst) || !num(o, "proto", 255, &v[0]))
		return false;
	full = s->family == AF_INET ? 32 : 128;
	s->proto = (uint8_t)v[0];
	if (!pol) {
		s->src_len = s->dst_len = (uint8_t)full;
		if (!num(o, "spi", UINT32_MAX, &s->spi))
			return false;
		num(o, "reqid", UINT32_MAX, &s->reqid);
		num(o, "mode", 255, &v[1]);
		num(o, "integrity_failed", UINT32_MAX, &s->integrity_failed);
		num(o, "replay", UINT32_MAX, &s->replay);
		s->mode = (uint8_t)v[1];
		return true;
	}
	if (!num(o, "src_len", full, &v[2]) || !num(o, "dst_len", full, &v[3]) ||
	    !num(o, "dir", 2, &v[4]) || !num(o, "action", 1, &v[5]))
		return false;
	num(o, "sport", 65535, &v[6]);
	num(o, "dport", 65535, &v[7]);
	num(o, "priority", UINT32_MAX, &s->priority);
	num(o, "index", UINT32_MAX, &s->index);
	s->src_len = (uint8_t)v[2];
	s->dst_len = (uint8_t)v[3];
	s->dir = (uint8_t)v[4];
	s->action = (uint8_t)v[5];
	s->sport = (uint16_t)v[6];
	s->dport = (uint16_t)v[7];
	return true;
}

int tsn_xfrm_list_from_json(const struct tsn_jv *v, struct tsn_xfrm_list *l)
{
	uint32_t t;

	memset(l, 0, sizeof(*l));
	if (!v || v->type != TSN_JOBJ)
		return -EINVAL;
	if (tsn_jv_getstr(v, "error"))
		l->err = -EIO;	/* the words are the agent's; the caller
				 * shows them */
	for (int pol = 0; pol < 2; pol++) {
		const struct tsn_jv *a = tsn_jv_get(v, pol ? "policies" :
						    "states");
		struct tsn_xfrm_seen s;

		for (size_t i = 0; a && a->type == TSN_JARR && i < a->n; i++)
			if (one_from(&a->items[i], pol, &s))
				keep(l, &s);
	}
	l->total_sa = num(v, "total_sa", UINT32_MAX, &t) ? t : 0;
	l->total_pol = num(v, "total_pol", UINT32_MAX, &t) ? t : 0;
	return 0;
}
