/* verify_read.c - `tsnet verify --read FILE`: walk a capture file.
 *
 * libpcap reads pcap (either byte order, micro- or nanosecond) and
 * pcapng, and hands over each record with its caplen; the classifier
 * never reads past that.  A customer's capture is often cut short (the
 * capturing process was killed mid-write): libpcap then fails on the
 * last record, and everything before it is still counted and reported,
 * with the damage named.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "verify/verify.h"

#define PROGRESS_EVERY (1u << 20)	/* packets between progress lines */

static void on_record(u_char *arg, const struct pcap_pkthdr *h,
		      const u_char *data)
{
	struct tsn_verify *v = (struct tsn_verify *)arg;

	tsn_verify_frame(v, data, h->caplen, h->ts.tv_sec,
			 (uint32_t)h->ts.tv_usec);
	if (v->on_packet)
		v->on_packet(v->on_packet_arg, v->before);
	if (v->progress && !(v->packets % PROGRESS_EVERY))
		tsn_progress(v->progress, "verify: %s: %llu packets read",
			     v->source, (unsigned long long)v->packets);
}

/* libpcap's message often starts with the file name already. */
static void set_err(char *err, size_t errlen, const char *path,
		    const char *why)
{
	size_t n = strlen(path);

	if (!strncmp(why, path, n) && !strncmp(why + n, ": ", 2))
		why += n + 2;
	snprintf(err, errlen, "%s", why);
}

static int walk(struct tsn_verify *v, pcap_t *p)
{
	/* -1 for "until the end": a read error or the end stops it */
	int ret = pcap_loop(p, -1, on_record, (u_char *)v);

	if (ret == -1) {
		snprintf(v->read_error, sizeof(v->read_error),
			 "after packet %llu: %s",
			 (unsigned long long)v->packets, pcap_geterr(p));
		return -EIO;
	}
	return 0;
}

int tsn_verify_read(struct tsn_verify *v, const char *path, char *err,
		    size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	int ret;

	v->source = path;
	p = pcap_open_offline(path, perr);
	if (!p) {
		set_err(err, errlen, path, perr);
		return -ENOENT;
	}
	v->dlt = pcap_datalink(p);
	ret = walk(v, p);
	pcap_close(p);
	tsn_verify_settle(v);
	return ret;
}

int tsn_verify_read_fp(struct tsn_verify *v, FILE *fp, char *err,
		       size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	int ret;

	p = pcap_fopen_offline(fp, perr);
	if (!p) {
		snprintf(err, errlen, "%s", perr);
		fclose(fp);	/* libpcap closes it only once opened */
		return -ENOENT;
	}
	v->dlt = pcap_datalink(p);
	ret = walk(v, p);
	pcap_close(p);
	tsn_verify_settle(v);
	return ret;
}
