/* fuzz_swconf.c - libFuzzer target for the strongswan.conf reader
 * (preflight/host_swconf.c): any bytes, read as a file at /etc under an
 * empty root, so includes resolve to nothing.  Every key it returns must
 * look itself up again, and the plugin rules must answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "preflight/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char root[] = "/tmp/th-fuzz-swconf-XXXXXX";
	static bool made;
	struct tsn_host_opts o = { .root = root };
	struct tsn_swconf c;
	const char *how;
	char *text;

	if (!made) {
		if (!mkdtemp(root))
			abort();
		made = true;
	}
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';	/* the reader gets files, NUL-terminated */
	if (tsn_swconf_parse(&o, "/etc/strongswan.conf", text, &c) == 0) {
		for (size_t i = 0; i < c.n; i++)
			if (!tsn_swconf_get(&c, c.kv[i].key))
				abort();
		tsn_swconf_plugin_wanted(&c, "charon", "kdf", &how);
		tsn_swconf_plugin_wanted(&c, "charon-systemd", "vici", &how);
		tsn_swconf_free(&c);
	}
	free(text);
	return 0;
}
