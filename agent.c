/* agent.c - `tsnet agent ACTION`: the node-local side of every command.
 *
 * The coordinator runs these on each node through a transport.  An action
 * reads its request (and any secrets) from stdin, never from argv, does
 * its work on this host only, and prints one JSON object on stdout.  Its
 * exit status follows man/tsnet.8.  Not meant to be typed by people, so
 * it is not in the help.
 *
 * The coordinator's transport puts `--proto N` before the action: an
 * agent that speaks another protocol refuses, naming both, rather than
 * misread a request from another tsnet.  Without --proto (an action run
 * by hand) the action runs.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cloud/cloud.h"
#include "commands.h"
#include "enable/ipsec.h"
#include "enable/status.h"
#include "lib/cmd.h"
#include "lib/json.h"
#include "lib/transport.h"
#include "lib/util.h"
#include "nft/nft.h"
#include "preflight/host.h"
#include "probe/probe.h"
#include "report/report.h"
#include "throughput/throughput.h"

static int ping_action(int argc, char **argv, struct tsn_ctx *ctx);

const struct tsn_cmd tsn_agent_actions[] = {
	{ "ping", ping_action, "who and where am I (reachability, clock)" },
	{ "cloud-detect", tsn_cloud_detect_action, "which cloud this host is in (DMI)" },
	{ "preflight-host", tsn_preflight_host_action, "host checks for preflight (JSON)" },
	{ "nft-eval", tsn_nft_eval_action, "nftables verdicts for IPsec flows (JSON)" },
	{ "nft-fix", tsn_nft_fix_action, "open IPsec between members in nftables (JSON)" },
	{ "nft-unfix", tsn_nft_unfix_action, "remove what nft-fix added (JSON)" },
	{ "probe-window", tsn_probe_window_action, "send and listen for one probe window (JSON)" },
	{ "ipsec-apply", tsn_ipsec_apply_action, "write, load and initiate tsnet's IPsec (keys on stdin)" },
	{ "ipsec-initiate", tsn_ipsec_initiate_action, "initiate tsnet's pairs (JSON)" },
	{ "ipsec-sas", tsn_ipsec_sas_action, "tsnet's SAs as charon reports them (JSON)" },
	{ "ipsec-rollback", tsn_ipsec_rollback_action, "undo the last ipsec-apply" },
	{ "ipsec-remove", tsn_ipsec_remove_action, "remove everything tsnet's IPsec made" },
	{ "ipsec-prove", tsn_ipsec_prove_action, "capture: ESP or cleartext between peers (JSON)" },
	{ "ipsec-state", tsn_ipsec_state_action, "tsnet's IPsec record, drift, charon (JSON)" },
	{ "ipsec-export", tsn_ipsec_export_action, "tsnet's IPsec files for a backup (JSON, holds keys)" },
	{ "ipsec-import", tsn_ipsec_import_action, "restore tsnet's IPsec files from stdin" },
	{ "report-collect", tsn_report_collect_action, "this node's part of a support bundle, redacted (JSON)" },
	{ "tput-listen", tsn_tput_listen_action, "serve one throughput pair's TCP streams (JSON)" },
	{ "tput-send", tsn_tput_send_action, "measure one pair: TCP both ways, round trips, CPU (JSON)" },
	{ NULL, NULL, NULL },
};

/* Reachability and identity: this tsnet's version and agent protocol,
 * the hostname the node reports, its kernel,
 * whether tsnet runs as root there, and its wall clock (for the offset
 * between nodes, which certificates care about). */
static int ping_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	struct utsname u;
	struct timespec ts;
	int ret;

	(void)argv;
	(void)ctx;
	if (argc > 1) {
		tsn_err("agent ping", "unexpected argument '%s'", argv[1]);
		return TSN_EXIT_USAGE;
	}
	uname(&u);
	clock_gettime(CLOCK_REALTIME, &ts);
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "version", TSN_VERSION);
	tsn_json_kuint(&j, "protocol", TSN_AGENT_PROTO);
	tsn_json_kstr(&j, "hostname", u.nodename);
	tsn_json_kstr(&j, "kernel", u.release);
	tsn_json_kstr(&j, "machine", u.machine);
	tsn_json_kuint(&j, "uid", geteuid());
	tsn_json_kdouble(&j, "time", (double)ts.tv_sec + ts.tv_nsec / 1e9);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (ret == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	if (ret < 0) {
		tsn_err("agent ping", "%s", strerror(-ret));
		return TSN_EXIT_RUNTIME;
	}
	return TSN_EXIT_OK;
}

/* `--proto N` from the coordinator: 0 when it is ours (or absent, for a
 * hand-run action), else the exit status of the refusal. */
static int check_proto(int *argc, char ***argv)
{
	unsigned n;

	if (*argc < 2 || strcmp((*argv)[1], "--proto"))
		return 0;
	if (*argc < 3 || tsn_parse_uint((*argv)[2], 0, 1000000, &n) < 0) {
		tsn_err("agent", "--proto '%s': a protocol number",
			*argc < 3 ? "" : (*argv)[2]);
		return TSN_EXIT_USAGE;
	}
	if (n != TSN_AGENT_PROTO) {
		tsn_err("agent", "protocol %u from the coordinator, this "
			"node's tsnet %s speaks %u; install the same tsnet "
			"on every node", n, TSN_VERSION, TSN_AGENT_PROTO);
		return TSN_EXIT_USAGE;
	}
	*argc -= 2;
	*argv += 2;
	return 0;
}

int agent_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	int ret = check_proto(&argc, &argv);

	if (ret)
		return ret;
	if (argc < 2) {
		tsn_err("agent", "missing action");
		return TSN_EXIT_USAGE;
	}
	for (const struct tsn_cmd *a = tsn_agent_actions; a->name; a++) {
		if (!strcmp(a->name, argv[1])) {
			optind = 0;
			return a->fn(argc - 1, argv + 1, ctx);
		}
	}
	tsn_err("agent", "unknown action '%s'", argv[1]);
	return TSN_EXIT_USAGE;
}
