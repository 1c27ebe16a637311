/* fix_ct.c - closed means closed: --unfix ends the flows --fix let in.
 *
 * A rule removed from a ruleset does not end the flows it accepted
 * (DESIGN.md): conntrack keeps them established, and a ruleset that
 * accepts `ct state established` goes on passing them after --unfix.
 * So the IKE and ESP flows between every two members are deleted from
 * conntrack by their exact tuples (lib/conntrack.c names whole tuples,
 * never a mask): UDP 500 and 4500 from and to the same port, as IKE
 * daemons use them, and ESP.  A NAT-T flow from another source port is
 * not named and stays.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lib/conntrack.h"
#include "nft/fix.h"

#define FLOWS_PER_PAIR 3

static void tuple(struct tsn_ct_tuple *t, const struct tsn_addr *a,
		  const struct tsn_addr *b, uint8_t proto, uint16_t port)
{
	size_t len = a->family == AF_INET ? 4 : 16;

	memset(t, 0, sizeof(*t));
	t->family = a->family;
	memcpy(t->src, &a->v6, len);	/* v4 and v6 share the union */
	memcpy(t->dst, &b->v6, len);
	t->proto = proto;
	t->sport = t->dport = port;
}

int tsn_fix_end_flows(const struct tsn_addr *m, size_t n, unsigned *ended)
{
	size_t cap = n * (n ? n - 1 : 0) / 2 * FLOWS_PER_PAIR, k = 0;
	struct tsn_ct_tuple *t = calloc(cap + 1, sizeof(*t));
	int *res = calloc(cap + 1, sizeof(*res));
	struct tsn_ct *ct = NULL;
	int ret = t && res ? 0 : -ENOMEM;

	*ended = 0;
	for (size_t i = 0; ret == 0 && i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			if (m[i].family != m[j].family)
				continue;
			/* one direction names the whole flow */
			tuple(&t[k++], &m[i], &m[j], IPPROTO_UDP, 500);
			tuple(&t[k++], &m[i], &m[j], IPPROTO_UDP, 4500);
			tuple(&t[k++], &m[i], &m[j], IPPROTO_ESP, 0);
		}
	if (ret == 0 && k && (ret = tsn_ct_open(&ct)) == 0)
		ret = tsn_ct_batch(ct, TSN_CT_DELETE, t, k, res, NULL);
	for (size_t i = 0; ret == 0 && i < k; i++)
		*ended += res[i] == 0;
	if (ct)
		tsn_ct_close(ct);
	free(t);
	free(res);
	/* a kernel without conntrack tracks no flow to end */
	return ret == -EOPNOTSUPP || ret == -EPROTONOSUPPORT ? 0 : ret;
}
