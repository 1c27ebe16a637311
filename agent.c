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
 * by hand) the action runs.  A changing run's coordinator adds
 * `--holder LINE --wait N`: every action that changes the node runs under
 * the node lock (lib/lock.h), which then names that run, and `--needs
 * LIST`: what every call of the run checks first (lib/priv.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cloud/cloud.h"
#include "commands.h"
#include "enable/conf.h"
#include "enable/ipsec.h"
#include "enable/status.h"
#include "lib/cmd.h"
#include "lib/json.h"
#include "lib/lock.h"
#include "lib/priv.h"
#include "lib/transport.h"
#include "lib/util.h"
#include "nft/nft.h"
#include "preflight/host.h"
#include "probe/probe.h"
#include "report/report.h"
#include "verify/verify.h"
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
	{ "xfrm-state", tsn_xfrm_state_action, "the kernel's IPsec states and policies, UDP 500/4500 holders (JSON)" },
	{ "ipsec-export", tsn_ipsec_export_action, "tsnet's IPsec files for a backup (JSON, holds keys)" },
	{ "ipsec-import", tsn_ipsec_import_action, "restore tsnet's IPsec files from stdin" },
	{ "verify-capture", tsn_verify_capture_action, "capture between members while pinging peers (JSON, pcapng)" },
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

/* `--holder LINE --wait N` from a coordinator that holds its cluster
 * lock (lock.h): whom the node lock serves, and how long to wait for it.
 * 0, or the exit status of a bad option. */
static int check_holder(int *argc, char ***argv, const char **holder,
			unsigned *wait)
{
	if (*argc < 2 || strcmp((*argv)[1], "--holder"))
		return 0;
	if (*argc < 5 || strcmp((*argv)[3], "--wait") ||
	    tsn_parse_uint((*argv)[4], 0, 86400, wait) < 0) {
		tsn_err("agent", "--holder LINE --wait SECONDS expected");
		return TSN_EXIT_USAGE;
	}
	*holder = (*argv)[2];
	*argc -= 4;
	*argv += 4;
	return 0;
}

/* The actions that change this node: each runs under the node lock, so
 * two runs (two coordinators, or one and a hand-run action) never write
 * the same files or ruleset at once.  Read-only actions never wait. */
static bool changes_node(const char *action)
{
	static const char *const names[] = {
		"nft-fix", "nft-unfix", "ipsec-apply", "ipsec-initiate",
		"ipsec-rollback", "ipsec-remove", "ipsec-import",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(names[i], action))
			return true;
	return false;
}

/* What an action needs of this process, checked before it touches
 * anything: the changing ones CAP_NET_ADMIN (nftables, XFRM, charon's
 * VICI socket), those that write strongSwan's files and tsnet's record
 * write access to their directories, and those that send crafted
 * packets or capture CAP_NET_RAW. */
static unsigned action_needs(const char *action)
{
	static const char *const swan[] = {
		"ipsec-apply", "ipsec-rollback", "ipsec-remove", "ipsec-import",
	};
	static const char *const raw[] = {
		"probe-window", "ipsec-prove", "verify-capture",
	};
	unsigned needs = changes_node(action) ? TSN_NEED_NET_ADMIN : 0;

	for (size_t i = 0; i < ARRAY_SIZE(swan); i++)
		if (!strcmp(swan[i], action))
			needs |= TSN_NEED_SWAN_DIRS;
	for (size_t i = 0; i < ARRAY_SIZE(raw); i++)
		if (!strcmp(raw[i], action))
			needs |= TSN_NEED_NET_RAW;
	return needs;
}

/* The agent's first act: this action's needs and the run's (--needs)
 * are all met, else one line naming the first one missing and on which
 * node.  Here and not in the coordinator: these are this node's
 * capabilities and directories, which the coordinator cannot see. */
static int check_needs(const char *action, unsigned run_needs)
{
	char conf[256], sub[3][256], why[400], what[64];
	static const char *const x509[] = { "x509", "x509ca", "private" };
	const char *dirs[8] = {
		tsn_conf_swanctl_dir(NULL, conf, sizeof(conf)), TSN_STATE_DIR,
	};
	size_t n = 2;
	struct utsname u;

	/* the run's other files: --legacy's ipsec.conf and ipsec.secrets
	 * includes, x509's keys and certificates beside conf.d */
	if (run_needs & TSN_NEED_SWAN_LEGACY)
		dirs[n++] = "/etc/ipsec.d";
	for (size_t i = 0; (run_needs & TSN_NEED_SWAN_X509) && i < 3; i++) {
		const char *slash = strrchr(conf, '/');

		snprintf(sub[i], sizeof(sub[i]), "%.*s/%s",
			 (int)(slash ? slash - conf : 0), conf, x509[i]);
		dirs[n++] = sub[i];
	}
	if (!tsn_priv_missing(action_needs(action) | run_needs, dirs, why,
			      sizeof(why)))
		return 0;
	if (uname(&u) < 0)
		snprintf(u.nodename, sizeof(u.nodename), "?");
	snprintf(what, sizeof(what), "agent %s", action);
	tsn_err(what, "needs %s on node %s; nothing was changed", why,
		u.nodename);
	return TSN_EXIT_RUNTIME;
}

/* The actions that read or write keys: no core dump while they run. */
static bool holds_keys(const char *action)
{
	return !strcmp(action, "ipsec-apply") ||
	       !strcmp(action, "ipsec-import") ||
	       !strcmp(action, "ipsec-export") ||
	       /* they dump the kernel's SAs, keys included */
	       !strcmp(action, "xfrm-state") ||
	       !strcmp(action, "ipsec-prove");
}

static int node_lock(const char *action, const char *holder, unsigned wait)
{
	char what[64], line[400], busy[400], name[64];
	int ret;

	snprintf(what, sizeof(what), "agent %s", action);
	tsn_lock_holder_line(line, sizeof(line), what);
	if (holder) {
		size_t n = strlen(line);

		snprintf(line + n, sizeof(line) - n, " for %s", holder);
	}
	ret = tsn_lock_take(tsn_node_lock_name(name, sizeof(name)), line,
			    wait, true, busy, sizeof(busy));
	if (ret == -EBUSY)
		tsn_err(what, "this node is busy with another tsnet run: %s; "
			"nothing was changed", busy);
	else if (ret == -ENOENT)
		/* not root: the file is named after this network namespace,
		 * and /run is emptied at boot */
		tsn_err(what, "node lock: %s/%s does not exist, and only root "
			"makes it, once per network namespace and boot (as "
			"root: install -D -m 0600 /dev/null %s/%s, or run a "
			"changing tsnet action here first); nothing was "
			"changed", TSN_RUN_DIR, name, TSN_RUN_DIR, name);
	else if (ret == -EACCES || ret == -EPERM || ret == -EROFS)
		tsn_err(what, "node lock: %s (this action changes the node: "
			"run it as root); nothing was changed", busy);
	else if (ret < 0)
		tsn_err(what, "node lock: %s; nothing was changed", busy);
	return ret < 0 ? TSN_EXIT_RUNTIME : 0;
}

/* `--needs LIST` from a changing run's coordinator (lib/priv.h): what
 * every call of the run checks first.  0, or the exit status. */
static int check_run_needs(int *argc, char ***argv, unsigned *needs)
{
	if (*argc < 2 || strcmp((*argv)[1], "--needs"))
		return 0;
	if (*argc < 3 || tsn_priv_parse((*argv)[2], needs) < 0) {
		tsn_err("agent", "--needs '%s': a list of net-admin, "
			"net-raw, swan-dirs, swan-legacy, swan-x509",
			*argc < 3 ? "" : (*argv)[2]);
		return TSN_EXIT_USAGE;
	}
	*argc -= 2;
	*argv += 2;
	return 0;
}

int agent_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	const char *holder = NULL;
	unsigned wait = 0, needs = 0;
	int ret = check_proto(&argc, &argv);

	if (!ret)
		ret = check_holder(&argc, &argv, &holder, &wait);
	if (!ret)
		ret = check_run_needs(&argc, &argv, &needs);
	if (ret)
		return ret;
	if (argc < 2) {
		tsn_err("agent", "missing action");
		return TSN_EXIT_USAGE;
	}
	for (const struct tsn_cmd *a = tsn_agent_actions; a->name; a++) {
		if (strcmp(a->name, argv[1]))
			continue;
		if ((ret = check_needs(a->name, needs)))
			return ret;
		if (holds_keys(a->name))
			tsn_no_core_dumps();
		if (changes_node(a->name) &&
		    (ret = node_lock(a->name, holder, wait)))
			return ret;
		optind = 0;
		return a->fn(argc - 1, argv + 1, ctx);
	}
	tsn_err("agent", "unknown action '%s'", argv[1]);
	return TSN_EXIT_USAGE;
}
