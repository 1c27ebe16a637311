/* nft_agent.c - `tsnet agent nft-eval`: this node's firewall verdicts.
 *
 *   tsnet agent nft-eval [--local ADDR] [--iface NAME] [--dir in|out]
 *                        [--proto udp500|udp4500|esp] [--rule-text]
 *                        [--extra] PEER...
 *
 * Reads the ruleset once and prints one JSON object: for each peer, each
 * direction and each of the three IPsec flows, the verdict for the first
 * packet (ct state new) and, separately, for an established one.  The
 * local address and the interface default to what the routing table says
 * this host would use to reach the peer.  With --rule-text a flow whose
 * first packet a rule drops also carries that rule as `nft -a list`
 * prints it ("rule", nft_listed.c).  With --extra, also from each peer:
 * ICMP fragmentation-needed / ICMPv6 packet-too-big ("icmp-ptb", related
 * to a flow: path MTU discovery under ESP needs it), its traffic after
 * decryption ("decrypted": TCP to any port, with a secpath) and the same
 * as cleartext ("cleartext", to compare), and whether nft_xfrm and
 * xt_policy (the matches on IPsec SAs) are in this kernel.
 * preflight runs this on every node;
 * the integration tests run it inside namespaces.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>

#include "lib/cmd.h"
#include "lib/json.h"
#include "lib/util.h"
#include "nft/nft.h"

#define ACTION "agent nft-eval"
#define USAGE "[--local ADDR] [--iface NAME] [--dir in|out] " \
	      "[--proto udp500|udp4500|esp] [--rule-text] [--extra] PEER..."

struct opts {
	const char *local, *iface, *dir, *proto;
	bool rule_text, extra;
};

static int parse_addr(const char *s, int *family, uint8_t *a)
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET, s, a) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* The source address the kernel would pick for peer (no packet sent). */
static int route_source(int family, const uint8_t *peer, uint8_t *local)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd, ret = 0;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(500);
		memcpy(&s4->sin_addr, peer, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(500);
		memcpy(&s6->sin6_addr, peer, 16);
		sl = sizeof(*s6);
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		ret = -errno;
		goto out;
	}
	if (family == AF_INET)
		memcpy(local, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(local, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
out:
	close(fd);
	return ret;
}

/* The interface holding a local address. */
static int addr_iface(int family, const uint8_t *local, char *name)
{
	struct ifaddrs *ifa, *i;
	int ret = -ENODEV;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		const void *a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != family)
			continue;
		a = family == AF_INET ?
			(const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr :
			(const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (!memcmp(a, local, family == AF_INET ? 4 : 16)) {
			snprintf(name, IF_NAMESIZE, "%s", i->ifa_name);
			ret = 0;
			break;
		}
	}
	freeifaddrs(ifa);
	return ret;
}

static uint16_t iface_type(const char *name)
{
	char path[64], *txt = NULL;
	unsigned t = 0;
	size_t len;

	snprintf(path, sizeof(path), "/sys/class/net/%s/type", name);
	if (tsn_read_file(path, 32, &txt, &len) == 0) {
		txt[strcspn(txt, "\n")] = '\0';
		if (tsn_parse_uint(txt, 0, 65535, &t) < 0)
			t = 0;
	}
	free(txt);
	return (uint16_t)t;
}

static int make_flow(const struct opts *o, const char *peer,
		     struct tsn_nft_flow *f)
{
	int fam2, ret;

	memset(f, 0, sizeof(*f));
	if (parse_addr(peer, &f->family, f->peer))
		return -EINVAL;
	if (o->local) {
		if (parse_addr(o->local, &fam2, f->local) || fam2 != f->family)
			return -EINVAL;
	} else {
		ret = route_source(f->family, f->peer, f->local);
		if (ret)
			return ret;
	}
	if (o->iface)
		snprintf(f->ifname, sizeof(f->ifname), "%s", o->iface);
	else if ((ret = addr_iface(f->family, f->local, f->ifname)))
		return ret;
	/* Index and type as the kernel has them now; 0 = unknown. */
	f->ifindex = if_nametoindex(f->ifname);
	f->iftype = iface_type(f->ifname);
	return 0;
}

/* "nft_xfrm": "loaded" | "module" | "missing" | "unknown", and where
 * unknown "nft_xfrm_why": what could not be read. */
static void kmod_json(struct tsn_json *j, const char *name,
		      const char *config)
{
	char why[256], key[64];
	enum tsn_nft_kmod k;
	struct utsname u;

	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	k = tsn_nft_kmod("/", u.release, name, config, why, sizeof(why));
	tsn_json_kstr(j, name, tsn_nft_kmod_name(k));
	if (k == TSN_KMOD_UNKNOWN) {
		snprintf(key, sizeof(key), "%s_why", name);
		tsn_json_kstr(j, key, why);
	}
}

/* CPU time of this process, kernel side included: the dump's cost in the
 * kernel is charged to the reader, and a busy machine does not inflate
 * it the way it inflates wall time. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The texts of the rules that drop, each asked of nft once. */
#define RULES_MAX 32
struct rule_texts {
	struct {
		struct tsn_nft_where w;
		char text[512];
	} r[RULES_MAX];
	size_t n;
};

static const char *rule_text(struct rule_texts *rt,
			     const struct tsn_nft_verdict *v)
{
	const struct tsn_nft_where *w = &v->where;
	size_t i;

	if (!rt || v->result != TSN_NFT_DROP || w->policy)
		return NULL;
	for (i = 0; i < rt->n; i++)
		if (rt->r[i].w.family == w->family &&
		    rt->r[i].w.handle == w->handle &&
		    !strcmp(rt->r[i].w.table, w->table) &&
		    !strcmp(rt->r[i].w.chain, w->chain))
			return rt->r[i].text[0] ? rt->r[i].text : NULL;
	if (rt->n == RULES_MAX)
		return NULL;
	rt->r[i].w = *w;
	tsn_nft_listed_rule(tsn_nft_family_name(w->family), w->table,
			    w->chain, w->handle, rt->r[i].text,
			    sizeof(rt->r[i].text));
	rt->n++;
	return rt->r[i].text[0] ? rt->r[i].text : NULL;
}

static void flow_json(struct tsn_json *j, const char *peer,
		      const struct tsn_nft_flow *f, const char *proto,
		      const struct tsn_nft_verdict *vn,
		      const struct tsn_nft_verdict *ve, const char *rule)
{
	char local[INET6_ADDRSTRLEN];

	inet_ntop(f->family, f->local, local, sizeof(local));
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "peer", peer);
	tsn_json_kstr(j, "local", local);
	tsn_json_kstr(j, "iface", f->ifname);
	tsn_json_kstr(j, "dir", f->dir == TSN_NFT_IN ? "in" : "out");
	tsn_json_kstr(j, "proto", proto);
	tsn_json_key(j, "new");
	tsn_nft_verdict_json(j, vn);
	/* the dropping rule of the first packet, as nft prints it */
	if (rule)
		tsn_json_kstr(j, "rule", rule);
	tsn_json_key(j, "established");
	tsn_nft_verdict_json(j, ve);
	/* The first packet decides whether IKE starts; say when a reply
	 * would be treated differently. */
	tsn_json_kbool(j, "differs", vn->result != ve->result);
	tsn_json_kuint(j, "steps", vn->steps + ve->steps);
	tsn_json_obj_end(j);
}

static int eval_peer(struct tsn_json *j, const struct tsn_nft_ruleset *rs,
		     const struct opts *o, const char *peer,
		     struct rule_texts *rt)
{
	static const char *const protos[] = { "udp500", "udp4500", "esp",
					      "icmp-ptb", "decrypted",
					      "cleartext" };
	struct tsn_nft_verdict vn, ve;
	struct tsn_nft_flow f;
	int ret;

	ret = make_flow(o, peer, &f);
	if (ret)
		return ret;
	for (int d = TSN_NFT_IN; d <= TSN_NFT_OUT; d++) {
		if (o->dir && strcmp(o->dir, d == TSN_NFT_IN ? "in" : "out"))
			continue;
		f.dir = (enum tsn_nft_dir)d;
		for (size_t p = 0; p < ARRAY_SIZE(protos); p++) {
			if (o->proto && strcmp(o->proto, protos[p]))
				continue;
			/* the extra flows: --extra, and inbound only */
			if (p >= 3 && (!o->extra || d != TSN_NFT_IN))
				continue;
			tsn_nft_flow_proto(&f, protos[p]);
			f.established = false;
			ret = tsn_nft_eval(rs, &f, &vn);
			f.established = true;
			if (!ret)
				ret = tsn_nft_eval(rs, &f, &ve);
			if (ret)
				return ret;
			flow_json(j, peer, &f, protos[p], &vn, &ve,
				  rule_text(rt, &vn));
		}
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct tsn_ctx *ctx,
		      struct opts *o)
{
	static const struct option longopts[] = {
		{ "local", required_argument, NULL, 'l' },
		{ "iface", required_argument, NULL, 'i' },
		{ "dir", required_argument, NULL, 'd' },
		{ "proto", required_argument, NULL, 'p' },
		{ "rule-text", no_argument, NULL, 'R' },
		{ "extra", no_argument, NULL, 'X' },
		TSN_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct tsn_nft_flow tmp;
	int opt;

	while ((opt = getopt_long(argc, argv, "l:i:d:p:" TSN_GLOBAL_SHORTOPTS,
				  longopts, NULL)) != -1) {
		switch (opt) {
		case 'l': o->local = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'd': o->dir = optarg; break;
		case 'p': o->proto = optarg; break;
		case 'R': o->rule_text = true; break;
		case 'X': o->extra = true; break;
		default:
			if (opt == 'h') {
				printf("usage: tsnet " ACTION " " USAGE "\n");
				return 1;
			}
			if (tsn_global_opt(ctx, opt, optarg) < 0) {
				tsn_opt_error(ACTION, argv, opt);
				return -EINVAL;
			}
		}
	}
	if (o->dir && strcmp(o->dir, "in") && strcmp(o->dir, "out")) {
		tsn_err(ACTION, "--dir: '%s' is not in or out", o->dir);
		return -EINVAL;
	}
	if (o->proto && tsn_nft_flow_proto(&tmp, o->proto)) {
		tsn_err(ACTION, "--proto: '%s' is not udp500, udp4500 or esp",
			o->proto);
		return -EINVAL;
	}
	if (o->iface && strlen(o->iface) >= IF_NAMESIZE) {
		tsn_err(ACTION, "--iface: '%s' is longer than %d bytes",
			o->iface, IF_NAMESIZE - 1);
		return -EINVAL;
	}
	if (optind >= argc) {
		tsn_err(ACTION, "missing PEER (usage: " USAGE ")");
		return -EINVAL;
	}
	return 0;
}

int tsn_nft_eval_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct tsn_nft_ruleset *rs = NULL;
	struct rule_texts *rt = NULL;
	struct opts o = { 0 };
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	char err[128];
	double t0, c0;
	int ret;

	ret = parse_opts(argc, argv, ctx, &o);
	if (ret)
		return ret > 0 ? TSN_EXIT_OK : TSN_EXIT_USAGE;
	if (o.rule_text && !(rt = calloc(1, sizeof(*rt))))
		return TSN_EXIT_RUNTIME;
	t0 = tsn_now();
	c0 = cpu_ms();
	ret = tsn_nft_read(&rs, err, sizeof(err));
	if (ret) {
		tsn_err(ACTION, "%s: %s%s", err, strerror(-ret),
			ret == -EPERM ? " (run as root or with CAP_NET_ADMIN)" :
					"");
		free(rt);
		return TSN_EXIT_RUNTIME;
	}
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kuint(&j, "tables", rs->n_tables);
	tsn_json_kuint(&j, "chains", rs->n_chains);
	tsn_json_kuint(&j, "rules", rs->n_rules);
	tsn_json_kuint(&j, "sets", rs->n_sets);
	tsn_json_kdouble(&j, "read_ms", (tsn_now() - t0) * 1e3);
	tsn_json_kdouble(&j, "read_cpu_ms", cpu_ms() - c0);
	t0 = tsn_now();
	c0 = cpu_ms();
	tsn_json_key(&j, "flows");
	tsn_json_arr_begin(&j);
	for (int i = optind; i < argc && !ret; i++) {
		ret = eval_peer(&j, rs, &o, argv[i], rt);
		if (ret)
			tsn_err(ACTION, "peer '%s': %s", argv[i],
				ret == -EINVAL ? "not an IPv4 or IPv6 address "
				"(or --local of another family)" :
				strerror(-ret));
	}
	tsn_json_arr_end(&j);
	if (o.extra) {
		kmod_json(&j, "nft_xfrm", "CONFIG_NFT_XFRM");
		kmod_json(&j, "xt_policy", "CONFIG_NETFILTER_XT_MATCH_POLICY");
	}
	tsn_json_kdouble(&j, "eval_ms", (tsn_now() - t0) * 1e3);
	tsn_json_kdouble(&j, "eval_cpu_ms", cpu_ms() - c0);
	tsn_json_obj_end(&j);
	if (!ret)
		ret = tsn_json_finish(&j);
	if (!ret)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	tsn_nft_ruleset_free(rs);
	free(rt);
	if (ret == -EINVAL)
		return TSN_EXIT_USAGE;
	return ret ? TSN_EXIT_RUNTIME : TSN_EXIT_OK;
}
