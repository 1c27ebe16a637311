/* xfrm.c - whether a measured flow went through ESP, from the kernel.
 *
 * An XFRM_MSG_GETSA dump through libmnl: the ESP SA from this node to a
 * peer, its byte counter (read before and after the data phase, so the
 * flow itself proves it was encrypted), its AEAD and whether it is
 * UDP-encapsulated.  Each message's fixed part is copied out after its
 * length is checked; attributes are validated before use.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/mnl_dump.h"
#include "throughput/throughput.h"

struct want {
	int af;
	const void *src, *dst;
	struct tsn_tput_sa *out;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	unsigned type = mnl_attr_get_type(a);

	if (type > XFRMA_MAX)
		return MNL_CB_OK;	/* newer than us: skip */
	tb[type] = a;
	return MNL_CB_OK;
}

static void sa_attrs(const struct nlmsghdr *nlh, struct tsn_tput_sa *sa)
{
	const struct nlattr *tb[XFRMA_MAX + 1] = { NULL };
	struct xfrm_algo_aead aead;

	if (mnl_attr_parse(nlh, sizeof(struct xfrm_usersa_info), attr_cb,
			   tb) < 0)
		return;
	sa->encap = tb[XFRMA_ENCAP] && mnl_attr_get_payload_len(
		tb[XFRMA_ENCAP]) >= sizeof(struct xfrm_encap_tmpl);
	if (tb[XFRMA_ALG_AEAD] &&
	    mnl_attr_get_payload_len(tb[XFRMA_ALG_AEAD]) >= sizeof(aead)) {
		memcpy(&aead, mnl_attr_get_payload(tb[XFRMA_ALG_AEAD]),
		       sizeof(aead));
		aead.alg_name[sizeof(aead.alg_name) - 1] = '\0';
		memcpy(sa->aead, aead.alg_name, sizeof(sa->aead));
		sa->aead[sizeof(sa->aead) - 1] = '\0';
	}
}

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct want *w = data;
	struct xfrm_usersa_info info;
	size_t alen = w->af == AF_INET ? 4 : 16;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(info))
		return MNL_CB_OK;	/* short: not an SA we can read */
	memcpy(&info, mnl_nlmsg_get_payload(nlh), sizeof(info));
	if (info.family != w->af || info.id.proto != IPPROTO_ESP ||
	    memcmp(&info.saddr, w->src, alen) ||
	    memcmp(&info.id.daddr, w->dst, alen))
		return MNL_CB_OK;
	/* Several (a rekey): the counters add up; the newest installed
	 * (not the last in dump order) names encap, AEAD and SPI. */
	w->out->bytes += info.curlft.bytes;
	if (!w->out->found || info.curlft.add_time >= w->out->add_time) {
		w->out->add_time = info.curlft.add_time;
		w->out->spi = info.id.spi;
		w->out->aead[0] = '\0';
		sa_attrs(nlh, w->out);
	}
	w->out->found = true;
	return MNL_CB_OK;
}

static bool changed(const struct tsn_tput_sa *a, const struct tsn_tput_sa *b)
{
	return b->bytes < a->bytes || (a->found && b->found &&
				       a->spi != b->spi);
}

enum tsn_sa_proof tsn_tput_sa_proof(const struct tsn_tput_sa *out0,
				    const struct tsn_tput_sa *out1,
				    const struct tsn_tput_sa *in0,
				    const struct tsn_tput_sa *in1,
				    uint64_t bytes_out, uint64_t bytes_in)
{
	if (changed(out0, out1) || changed(in0, in1))
		return TSN_SA_CHANGED;
	return out1->found && in1->found &&
	       out1->bytes - out0->bytes >= bytes_out &&
	       in1->bytes - in0->bytes >= bytes_in ? TSN_SA_PROVEN :
						     TSN_SA_SHORT;
}

int tsn_tput_sa_read(int af, const void *src, const void *dst,
		     struct tsn_tput_sa *out)
{
	static char buf[32768];
	struct want w = { af, src, dst, out };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct mnl_socket *nl;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!(nl = tsn_mnl_open(NETLINK_XFRM)))
		return -errno;
	nlh->nlmsg_type = XFRM_MSG_GETSA;
	nlh->nlmsg_seq = (unsigned)time(NULL);
	ret = tsn_mnl_dump(nl, nlh, buf, sizeof(buf), sa_cb, &w);
	/* the replies carry the SAs' keys (XFRMA_ALG_*): none outlives the
	 * dump in this process's memory (as lib/xfrm.c's dump) */
	explicit_bzero(buf, sizeof(buf));
	mnl_socket_close(nl);
	return ret;
}
