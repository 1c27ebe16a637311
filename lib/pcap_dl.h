/* pcap_dl.h - libpcap, opened when a capture starts (pcap_dl.c). */
#ifndef TSN_PCAP_DL_H
#define TSN_PCAP_DL_H

#include <stddef.h>
#include <pcap/pcap.h>

/* The libpcap calls tsnet makes, valid after tsn_pcap_load(). */
struct tsn_pcap {
	__typeof__(pcap_create) *create;
	__typeof__(pcap_set_snaplen) *set_snaplen;
	__typeof__(pcap_set_immediate_mode) *set_immediate_mode;
	__typeof__(pcap_set_timeout) *set_timeout;
	__typeof__(pcap_activate) *activate;
	__typeof__(pcap_setdirection) *setdirection;
	__typeof__(pcap_compile) *compile;
	__typeof__(pcap_setfilter) *setfilter;
	__typeof__(pcap_freecode) *freecode;
	__typeof__(pcap_setnonblock) *setnonblock;
	__typeof__(pcap_datalink) *datalink;
	__typeof__(pcap_get_selectable_fd) *get_selectable_fd;
	__typeof__(pcap_dispatch) *dispatch;
	__typeof__(pcap_geterr) *geterr;
	__typeof__(pcap_close) *close;
};

extern struct tsn_pcap tsn_pcap;

/* Open libpcap (once; later calls return at once).  0, or -ENOENT with
 * err saying what is missing ("cannot load libpcap: ..."). */
int tsn_pcap_load(char *err, size_t len);

#endif
