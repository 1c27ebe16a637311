/* trace_watch.c - run probe/trace.c for SECONDS and print one line per
 * traced verdict, for tests/integration/test_trace.sh:
 *
 *   trace_watch SECONDS  ->  "drop in inet filter input policy esp"
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "probe/trace.h"

static void print_verdict(void *arg, const struct tsn_trace_verdict *v)
{
	char src[64] = "?", dst[64] = "?";

	(void)arg;
	if (v->family)
		inet_ntop(v->family, v->src, src, sizeof(src)),
		inet_ntop(v->family, v->dst, dst, sizeof(dst));
	printf("%s %s %s %s %s", v->dropped ? "drop" : "accept",
	       v->hook == TSN_TRACE_IN ? "in" : "out", v->table, v->chain,
	       v->policy ? "policy" : "rule");
	if (!v->policy)
		printf(" %llu", (unsigned long long)v->handle);
	if (v->l4proto == IPPROTO_ESP)
		printf(" esp spi 0x%08x", v->spi);
	else
		printf(" udp dport %u", v->dport);
	printf(" %s > %s\n", src, dst);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct tsn_trace_match m = {
		.esp_spi = 0x74730000, .esp_mask = 0xffff0000,
		.ike_tag = 0x74736e74,
	};
	struct tsn_trace *t;
	double end;
	int ret;

	if (argc != 2)
		return 2;
	if ((ret = tsn_trace_start(&t, &m)) < 0) {
		fprintf(stderr, "trace_watch: %s\n", strerror(-ret));
		return 3;
	}
	printf("ready\n");
	fflush(stdout);
	end = tsn_now() + atof(argv[1]);
	while (tsn_now() < end) {
		struct pollfd p = { .fd = tsn_trace_fd(t), .events = POLLIN };

		if (poll(&p, 1, 100) > 0 &&
		    (ret = tsn_trace_read(t, print_verdict, NULL)) < 0)
			fprintf(stderr, "trace_watch: read: %s\n",
				strerror(-ret));
	}
	ret = tsn_trace_stop(t);
	if (ret < 0)
		fprintf(stderr, "trace_watch: stop: %s\n", strerror(-ret));
	return ret < 0 ? 3 : 0;
}
