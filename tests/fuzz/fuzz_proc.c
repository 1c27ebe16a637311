/* fuzz_proc.c - libFuzzer target for what the throughput agents read:
 * the /proc parsers (stat, crypto, cpuinfo, net/snmp), the hello on the
 * wire and an agent's reply.  The first byte picks the parser; the rest
 * is copied to a buffer of its exact size so ASan sees a read past it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "throughput/throughput.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reply(const char *p, size_t n)
{
	struct tsn_tput_end e;
	struct tsn_jv v;
	char err[128];

	if (tsn_json_parse(p, n, &v, err, sizeof(err)) < 0)
		return;
	if (tsn_tput_end_parse(&v, &e) == 0 && e.cpu_ok &&
	    (e.cpu.busy > 100 || e.cpu.core_max > 100 || e.end < e.start))
		abort();	/* a figure out of range was believed */
	tsn_jv_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsn_cpu_snap a, b;
	struct tsn_cpu_use u;
	struct tsn_aead ae;
	struct tsn_cpu_flags f;
	struct tsn_snmp s;
	struct tsn_tput_hello h;
	char *p;

	if (size < 1)
		return 0;
	p = malloc(size - 1 ? size - 1 : 1);
	if (!p)
		return 0;
	memcpy(p, data + 1, size - 1);
	switch (data[0] % 6) {
	case 0:
		if (tsn_proc_stat_parse(p, size - 1, &a) == 0) {
			if (tsn_proc_stat_parse(p, size - 1, &b) == 0 &&
			    (tsn_cpu_use(&a, &b, &u) < 0 || u.busy > 100 ||
			     u.core_max > 100 || u.softirq_max > 100))
				abort();	/* the same text twice: 0..100 */
			tsn_cpu_snap_free(&b);
			tsn_cpu_snap_free(&a);
		}
		break;
	case 1:
		if (tsn_proc_crypto_parse(p, size - 1, &ae) == 0 &&
		    (memchr(ae.driver, 0, sizeof(ae.driver)) == NULL ||
		     memchr(ae.name, 0, sizeof(ae.name)) == NULL))
			abort();
		break;
	case 2:
		tsn_proc_cpuinfo_parse(p, size - 1, &f);
		break;
	case 3:
		tsn_proc_snmp_parse(p, size - 1, &s);
		break;
	case 4:
		tsn_tput_hello_parse((const uint8_t *)p, size - 1, &h);
		break;
	default:
		reply(p, size - 1);
	}
	free(p);
	return 0;
}
