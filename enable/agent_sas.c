/* agent_sas.c - `tsnet agent ipsec-sas`: the SAs charon holds for tsnet's
 * connections, read through VICI list-sas, one entry per CHILD_SA (or
 * per IKE_SA without one), as the coordinator and `tsnet status` need
 * them: state, mode, protocol, cipher, counters, SPIs, time to rekey.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/conf.h"
#include "enable/ipsec.h"
#include "lib/json.h"

static void knum(struct tsn_json *j, const char *key,
		 const struct tsn_vici_el *sec, const char *name)
{
	const char *s = tsn_vici_str(sec, name);
	uint64_t v;

	if (s && tsn_parse_u64(s, 0, UINT64_MAX, &v) == 0)
		tsn_json_kuint(j, key, v);
}

static void one_sa(struct tsn_json *j, const char *peer, bool v6,
		   const struct tsn_vici_el *ike, const struct tsn_vici_el *c)
{
	const char *alg;

	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "peer", peer);
	/* which inventory address the SA runs over: a dual-stack pair has
	 * a second connection, over both nodes' address6 (conf.h); not
	 * "family", as an IPv6-only cluster's address is IPv6 too */
	tsn_json_kstr(j, "over", v6 ? "address6" : "address");
	tsn_json_kstr(j, "ike_state", tsn_vici_str(ike, "state"));
	tsn_json_kstr(j, "remote_host", tsn_vici_str(ike, "remote-host"));
	if (c) {
		alg = tsn_vici_str(c, "encr-alg");
		tsn_json_kstr(j, "child_state", tsn_vici_str(c, "state"));
		tsn_json_kstr(j, "mode", tsn_vici_str(c, "mode"));
		tsn_json_kstr(j, "protocol", tsn_vici_str(c, "protocol"));
		tsn_json_kbool(j, "encap", tsn_streq(tsn_vici_str(c, "encap"),
						     "yes"));
		tsn_json_kstr(j, "encr_alg", alg);
		knum(j, "encr_keysize", c, "encr-keysize");
		knum(j, "bytes_in", c, "bytes-in");
		knum(j, "bytes_out", c, "bytes-out");
		knum(j, "packets_in", c, "packets-in");
		knum(j, "packets_out", c, "packets-out");
		knum(j, "rekey_time", c, "rekey-time");
		knum(j, "life_time", c, "life-time");
		tsn_json_kstr(j, "spi_in", tsn_vici_str(c, "spi-in"));
		tsn_json_kstr(j, "spi_out", tsn_vici_str(c, "spi-out"));
	} else {
		tsn_json_kstr(j, "child_state", NULL);
	}
	tsn_json_obj_end(j);
}

/* One list-sa event: { IKE_NAME { state=.., child-sas { X { ... } } } } */
static int sa_event(void *arg, const char *event,
		    const struct tsn_vici_el *msg)
{
	struct tsn_json *j = arg;
	char peer[TSN_NAME_MAX + 1];
	bool v6;

	(void)event;
	for (size_t i = 0; i < msg->n_children; i++) {
		const struct tsn_vici_el *ike = &msg->children[i];
		const struct tsn_vici_el *kids;
		bool any = false;

		if (ike->kind != TSN_VICI_SECTION ||
		    !tsn_conf_conn_peer(ike->name, peer, sizeof(peer), &v6))
			continue;
		kids = tsn_vici_get(ike, "child-sas");
		for (size_t k = 0; kids && k < kids->n_children; k++) {
			if (kids->children[k].kind != TSN_VICI_SECTION)
				continue;
			one_sa(j, peer, v6, ike, &kids->children[k]);
			any = true;
		}
		if (!any)
			one_sa(j, peer, v6, ike, NULL);
	}
	return 0;
}

int tsn_ipsec_sas_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	struct tsn_vici v;
	struct tsn_vici_el resp;
	char version[64] = "";
	bool running;
	int ret = 0;

	(void)ctx;
	if (argc > 1) {
		tsn_err("agent ipsec-sas", "unexpected argument '%s'", argv[1]);
		return TSN_EXIT_USAGE;
	}
	running = tsn_svc_version(version, sizeof(version)) == 0;
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_key(&j, "sas");
	tsn_json_arr_begin(&j);
	if (running && (ret = tsn_vici_connect(&v, NULL)) == 0) {
		ret = tsn_vici_call(&v, "list-sas", NULL, "list-sa", sa_event,
				    &j, &resp);
		if (ret == 0)
			tsn_vici_el_free(&resp);
		tsn_vici_close(&v);
	}
	tsn_json_arr_end(&j);
	tsn_json_kstr(&j, "version", running ? version : NULL);
	tsn_json_kbool(&j, "running", running);
	tsn_json_kstr(&j, "error", ret < 0 ? strerror(-ret) : NULL);
	tsn_json_obj_end(&j);
	if (tsn_json_finish(&j) == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	return ret < 0 ? TSN_EXIT_RUNTIME : TSN_EXIT_OK;
}
