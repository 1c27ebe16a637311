/* pcap_dl.c - libpcap, opened when a capture starts.
 *
 * Debian's libpcap brings libdbus, libsystemd, libgcrypt and five more
 * libraries with it: linked in, the dynamic loader maps and relocates
 * them at every start of tsnet, about 2 ms on this project's machines,
 * paid by each `tsnet agent ...` a rollout runs on every node although
 * only the probe's listener and enable-ipsec's proof capture.  Those two
 * call tsn_pcap_load() first, as systemd opens its optional libraries.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/pcap_dl.h"
#include "lib/util.h"

struct tsn_pcap tsn_pcap;

int tsn_pcap_load(char *err, size_t len)
{
	/* Debian's soname first, then upstream's */
	static const char *const names[] = { "libpcap.so.0.8", "libpcap.so.1",
					     "libpcap.so" };
	static const struct {
		const char *sym;
		size_t off;
	} syms[] = {
#define SYM(f) { "pcap_" #f, offsetof(struct tsn_pcap, f) }
		SYM(create), SYM(set_snaplen), SYM(set_immediate_mode),
		SYM(set_timeout), SYM(activate), SYM(setdirection),
		SYM(compile), SYM(setfilter), SYM(freecode),
		SYM(setnonblock), SYM(datalink), SYM(get_selectable_fd),
		SYM(dispatch), SYM(geterr), SYM(close),
#undef SYM
	};
	struct tsn_pcap p;
	void *h = NULL;

	if (tsn_pcap.close)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(names) && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, len, "cannot load libpcap (%s): install "
			 "libpcap0.8", dlerror());
		return -ENOENT;
	}
	for (size_t i = 0; i < ARRAY_SIZE(syms); i++) {
		void *f = dlsym(h, syms[i].sym);

		if (!f) {
			snprintf(err, len, "libpcap lacks %s", syms[i].sym);
			dlclose(h);
			return -ENOENT;
		}
		/* POSIX: a function pointer round-trips through void * */
		memcpy((char *)&p + syms[i].off, &f, sizeof(f));
	}
	tsn_pcap = p;	/* the library stays open until exit */
	return 0;
}
