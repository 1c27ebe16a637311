/* fuzz_xstat.c - libFuzzer target for the /proc/net/xfrm_stat reader
 * (lib/xfrm_stat.c): any bytes.  What it accepts must hold only names of
 * [A-Za-z0-9_], each once, and must write and read back as the agent's
 * "rose" JSON with every counter counted from zero. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xfrm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsn_xstat s, zero = { .n = 0 };
	struct tsn_buf out = { 0 }, text = { 0 };
	struct tsn_json j;
	struct tsn_jv v;
	char err[96];
	bool missing;

	if (tsn_xstat_parse((const char *)data, size, &s, err,
			    sizeof(err)) < 0)
		return 0;
	for (unsigned i = 0; i < s.n; i++) {
		size_t n = strlen(s.c[i].name);

		if (!n || strspn(s.c[i].name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
			abort();
		for (unsigned k = 0; k < i; k++)
			if (!strcmp(s.c[i].name, s.c[k].name))
				abort();
	}
	tsn_json_init(&j, &out, false);
	tsn_xstat_json(&j, 0, NULL, &zero, &s);
	if (tsn_json_finish(&j) < 0 ||
	    tsn_json_parse(out.p, out.len, &v, err, sizeof(err)) < 0)
		abort();
	if (tsn_xstat_rose_text(&v, NULL, &text, &missing) < 0 || missing)
		abort();
	tsn_jv_free(&v);
	tsn_buf_free(&out);
	tsn_buf_free(&text);
	return 0;
}
