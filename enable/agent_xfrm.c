/* agent_xfrm.c - `tsnet agent xfrm-state`: what the kernel holds for
 * IPsec on this node, as facts for the coordinator to judge:
 *
 *   {"enabled":bool,            tsnet's record exists here
 *    "xfrm":{...},              every state and policy (lib/xfrm.c)
 *    "sockets":[{"port","family","pid","comm"}], "sockets_error":null,
 *                               who holds UDP 500 and 4500 (sock_diag)
 *    "offload":["esp4_offload",...]}  ESP offload modules loaded
 *
 * enable-ipsec asks it before it changes anything (a foreign policy over
 * the members' traffic stops the rollout); `tsnet status` asks it for
 * drift and for the sanity of tsnet's own SAs.  Nothing here judges.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enable/ipsec.h"
#include "enable/status.h"
#include "lib/json.h"
#include "lib/sockdiag.h"
#include "lib/xfrm.h"

#define OWNERS_MAX 16

static void sockets_json(struct tsn_json *j)
{
	static const uint16_t ports[] = { 500, 4500 };
	struct tsn_sock_owner o[OWNERS_MAX];
	int n = 0;

	tsn_json_key(j, "sockets");
	tsn_json_arr_begin(j);
	for (size_t p = 0; p < ARRAY_SIZE(ports) && n >= 0; p++) {
		n = tsn_udp_owners(ports[p], o, OWNERS_MAX);
		for (int i = 0; i < n && i < OWNERS_MAX; i++) {
			tsn_json_obj_begin(j);
			tsn_json_kuint(j, "port", o[i].port);
			tsn_json_kuint(j, "family", o[i].family == AF_INET6 ?
				       6 : 4);
			tsn_json_kuint(j, "pid", (unsigned)o[i].pid);
			tsn_json_kstr(j, "comm", o[i].pid ? o[i].comm : NULL);
			tsn_json_obj_end(j);
		}
	}
	tsn_json_arr_end(j);
	tsn_json_kstr(j, "sockets_error", n < 0 ? strerror(-n) : NULL);
}

/* Loaded as modules (/sys/module/NAME) or built in (then /proc/modules
 * does not list them, /sys/module has them only with parameters: a
 * built-in offload is not seen, and says nothing worse than a module). */
static void offload_json(struct tsn_json *j)
{
	static const char *const mods[] = { "esp4_offload", "esp6_offload" };
	char path[64];

	tsn_json_key(j, "offload");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < ARRAY_SIZE(mods); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (access(path, F_OK) == 0)
			tsn_json_str(j, mods[i]);
	}
	tsn_json_arr_end(j);
}

int tsn_xfrm_state_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const char cmd[] = "agent xfrm-state";
	struct tsn_xfrm_list *l = malloc(sizeof(*l));
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int ret;

	(void)ctx;
	if (argc > 1) {
		tsn_err(cmd, "unexpected argument '%s'", argv[1]);
		free(l);
		return TSN_EXIT_USAGE;
	}
	if (!l) {
		tsn_err(cmd, "%s", strerror(ENOMEM));
		return TSN_EXIT_RUNTIME;
	}
	tsn_xfrm_list_run(l);
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kbool(&j, "enabled", access(TSN_IPSEC_STATE, F_OK) == 0);
	tsn_json_key(&j, "xfrm");
	tsn_xfrm_list_json(&j, l);
	sockets_json(&j);
	offload_json(&j);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (ret == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	free(l);
	if (ret < 0) {
		tsn_err(cmd, "%s", strerror(-ret));
		return TSN_EXIT_RUNTIME;
	}
	return TSN_EXIT_OK;
}
