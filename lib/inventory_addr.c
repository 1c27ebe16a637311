/* inventory_addr.c - addresses and prefixes: parsing, printing, matching,
 * which addresses can be a node's, and which node this host is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <string.h>

#include "inventory_int.h"

int tsn_addr_parse(const char *s, struct tsn_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!s || strlen(s) >= INET6_ADDRSTRLEN)
		return -EINVAL;
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, &a->v6) != 1)
			return -EINVAL;
		a->family = AF_INET6;
	} else {
		/* glibc's inet_pton takes only four decimal octets, no
		 * octal or hex forms that inet_aton would read. */
		if (inet_pton(AF_INET, s, &a->v4) != 1)
			return -EINVAL;
		a->family = AF_INET;
	}
	return 0;
}

const char *tsn_addr_str(const struct tsn_addr *a, char *buf, size_t len)
{
	if (!len)
		return NULL;
	buf[0] = '\0';
	if (a->family == AF_INET || a->family == AF_INET6) {
		if (!inet_ntop(a->family, &a->v4, buf, (socklen_t)len))
			return NULL;
	}
	return buf;
}

size_t inv_addr_len(const struct tsn_addr *a)
{
	return a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
}

bool tsn_addr_equal(const struct tsn_addr *a, const struct tsn_addr *b)
{
	return a->family == b->family &&
	       !memcmp(&a->v4, &b->v4, inv_addr_len(a));
}

int tsn_prefix_parse(const char *s, struct tsn_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = s ? strchr(s, '/') : NULL;
	size_t n;

	memset(p, 0, sizeof(*p));
	if (!slash || (n = (size_t)(slash - s)) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (tsn_addr_parse(addr, &p->addr) < 0 ||
	    tsn_parse_uint(slash + 1, 0, p->addr.family == AF_INET ? 32 : 128,
			   &p->len) < 0) {
		memset(p, 0, sizeof(*p));
		return -EINVAL;
	}
	return 0;
}

/* Does the first len bits of a equal those of b? */
static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned bytes = len / 8, rest = len % 8;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));

	if (memcmp(a, b, bytes))
		return false;
	return !rest || !((a[bytes] ^ b[bytes]) & mask);
}

bool tsn_prefix_contains(const struct tsn_prefix *p, const struct tsn_addr *a)
{
	return p->addr.family == a->family && inv_addr_len(a) &&
	       bits_equal((const uint8_t *)&p->addr.v4,
			  (const uint8_t *)&a->v4, p->len);
}

bool tsn_prefix_is_network(const struct tsn_prefix *p)
{
	size_t n = inv_addr_len(&p->addr);
	const uint8_t *b = (const uint8_t *)&p->addr.v4;

	if (!n || p->len > n * 8)
		return false;
	for (size_t i = p->len / 8; i < n; i++) {
		uint8_t host = i == p->len / 8 ?
			(uint8_t)(0xff >> (p->len % 8)) : 0xff;

		if (b[i] & host)
			return false;
	}
	return true;
}

/* Why an address cannot be a node's, or NULL when it can. */
const char *inv_addr_unusable(const struct tsn_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *b = (const uint8_t *)&a->v4;
	uint8_t zero[16] = { 0 };

	if (!memcmp(b, zero, inv_addr_len(a)))
		return "the unspecified address";
	if (a->family == AF_INET) {
		if ((b[0] & 0xf0) == 0xe0)
			return "a multicast address";
		if (a->v4.s_addr == INADDR_BROADCAST)
			return "the broadcast address";
		return NULL;
	}
	if (b[0] == 0xff)
		return "a multicast address";
	if (!memcmp(b, mapped, sizeof(mapped)))
		return "an IPv4-mapped IPv6 address (write the IPv4 address)";
	return NULL;
}

static bool addr_is(const struct tsn_addr *a, const struct sockaddr *sa)
{
	if (!sa || sa->sa_family != a->family)
		return false;
	if (a->family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)(const void *)sa)
			       ->sin_addr, &a->v4, 4);
	return !memcmp(&((const struct sockaddr_in6 *)(const void *)sa)
		       ->sin6_addr, &a->v6, 16);
}

const struct tsn_node *tsn_inventory_self(const struct tsn_inventory *inv)
{
	const struct tsn_node *found = NULL;
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0)
		return NULL;
	for (size_t n = 0; !found && n < inv->n_nodes; n++)
		for (i = ifa; !found && i; i = i->ifa_next)
			if (addr_is(&inv->nodes[n].addr, i->ifa_addr) ||
			    addr_is(&inv->nodes[n].addr6, i->ifa_addr))
				found = &inv->nodes[n];
	freeifaddrs(ifa);
	return found;
}
