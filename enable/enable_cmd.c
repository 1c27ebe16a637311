/* enable_cmd.c - `tsnet enable-ipsec` and `tsnet disable-ipsec`.
 *
 * enable-ipsec plans a key per pair, probes the pairs it enables for the
 * first time to decide which need UDP encapsulation (encap.c), rolls the
 * configuration out without an outage (rollout.c), proves ESP is on the
 * wire and prints one line per pair.  A pair the probe shows cannot work
 * (no UDP 500, or neither ESP nor UDP 4500) is refused before any node
 * is touched, and so is a node whose kernel cannot do IPsec (the kernel
 * checks of preflight, kernel_check.c) or where another IPsec setup's
 * policy holds the members' traffic (xfrm_check.c).  On any failure
 * every node is rolled back and one line says which pair failed and why.
 * disable-ipsec runs ipsec-remove on every node: connections, SAs, keys
 * and files go, traffic flows in clear.  enable_print.c prints the
 * result.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "enable/encap.h"
#include "enable/rollout.h"
#include "lib/inventory.h"
#include "lib/output.h"
#include "lib/lock.h"
#include "lib/priv.h"
#include "throughput/throughput.h"

static const char enable_synopsis[] =
	"[--encap] [--no-probe] [--legacy] [--auth psk|x509] [--node NAME] "
	"[--no-verify] [--timeout SECONDS] [--measure]";

struct enable_opts {
	bool encap, no_probe, legacy, no_verify, x509;
	bool measure;	/* a throughput baseline before the rollout */
	const char *node;
	unsigned timeout;
};

/* 0 all good, 1 the proof found cleartext or no ESP, or the kernel
 * dropped IPsec packets while it ran. */
static int proof_rc(const struct tsn_rollout *ro)
{
	if (ro->xstat.len)
		return TSN_EXIT_PROBLEM;
	for (size_t k = 0; k < ro->plan.n_pairs; k++)
		if (tsn_rollout_pair_in(ro, k) &&
		    !tsn_rollout_wire_ok(&ro->res[k]))
			return TSN_EXIT_PROBLEM;
	return TSN_EXIT_OK;
}

/* A signal came (tsn_run_guard): the phase in flight has finished on
 * every node it started on; start no other, and say where it stopped.
 * -EINTR, else ret. */
static int stop_here(struct tsn_rollout *ro, int ret, const char *phase)
{
	if (!tsn_interrupted || ret == -EINTR)
		return ret;
	snprintf(ro->error, sizeof(ro->error), "interrupted by SIG%s %s",
		 sigabbrev_np(tsn_interrupted) ? sigabbrev_np(tsn_interrupted) :
		 "?", phase);
	return -EINTR;
}

/* The phases, each only after the one before came through on every
 * node and no signal came: loaded without trap, initiated, up, traffic
 * passed, trapped.  A signal once every node is trapped leaves IPsec
 * fully on (only the proof is left out); before, it rolls back. */
static int phases(struct tsn_rollout *ro)
{
	int ret = tsn_rollout_apply(ro, false);

	ret = stop_here(ro, ret, "while loading the connections");
	if (ret == 0)
		ret = stop_here(ro, tsn_rollout_initiate(ro),
				"while initiating the pairs");
	if (ret == 0)
		ret = stop_here(ro, tsn_rollout_wait(ro),
				"while waiting for the SAs");
	if (ret == 0)
		ret = stop_here(ro, tsn_rollout_flow(ro),
				"while testing traffic over the SAs");
	if (ret == 0)
		ret = stop_here(ro, tsn_rollout_apply(ro, true),
				"while trapping");
	return ret;
}

static int rollout(struct tsn_rollout *ro, const struct enable_opts *o,
		   const struct tsn_encap_choice *ch)
{
	int ret, rc;

	tsn_progress_begin(&ro->progress, ro->ctx->err_tty && !tsn_quiet);
	tsn_run_guard();	/* from the first change on, see phases() */
	ret = phases(ro);
	if (ret == -EINTR) {
		tsn_rollout_rollback(ro);
		rc = TSN_EXIT_RUNTIME;
	} else if (ret == -EPROTO) {
		tsn_rollout_rollback(ro);
		rc = ro->unreachable ? TSN_EXIT_RUNTIME : TSN_EXIT_PROBLEM;
	} else if (ret < 0) {
		snprintf(ro->error, sizeof(ro->error), "%s", strerror(-ret));
		tsn_rollout_rollback(ro);
		rc = TSN_EXIT_RUNTIME;
	} else if (stop_here(ro, 0, "after every node was trapped: IPsec is "
			     "on as planned; the proof was not run (tsnet "
			     "status shows every pair)") == -EINTR) {
		rc = TSN_EXIT_RUNTIME;
	} else {
		rc = TSN_EXIT_OK;
		/* the counters shown are the proof's, not the traffic test's */
		tsn_buf_reset(&ro->xstat);
		tsn_buf_reset(&ro->xstat_note);
		if (!o->no_verify && (ret = tsn_rollout_prove(ro)) == 0)
			rc = proof_rc(ro);
		if (ret < 0) {
			snprintf(ro->error, sizeof(ro->error), "proof: %s",
				 strerror(-ret));
			rc = TSN_EXIT_RUNTIME;
		}
	}
	tsn_progress_end(&ro->progress);
	if (ro->ctx->json)
		tsn_enable_print_json(ro, ch, !o->no_verify, rc);
	else if (!ro->error[0])
		tsn_enable_print_pairs(ro, ch, !o->no_verify, stdout, ro->ctx->tty);
	if (!ro->ctx->json && !ro->error[0])
		tsn_enable_print_counters(ro, stdout);
	if (ro->error[0])
		tsn_err(ro->ctx->cmd, "%s", ro->error);
	else if (rc == TSN_EXIT_PROBLEM && ro->xstat.len)
		tsn_err(ro->ctx->cmd, "IPsec is on, but the kernel dropped "
			"IPsec packets during the proof (see above)");
	else if (rc == TSN_EXIT_PROBLEM)
		tsn_err(ro->ctx->cmd, "IPsec is on, but the proof capture did "
			"not see only ESP between every pair (see WIRE)");
	return rc;
}

static int setup(struct tsn_rollout *ro, struct tsn_inventory *inv,
		 const struct enable_opts *o)
{
	const struct tsn_node *only = NULL;
	int ret;

	ro->inv = inv;
	ro->legacy = o->legacy;
	ro->timeout = o->timeout;
	ro->only = -1;
	if (o->node) {
		if (!(only = tsn_inventory_find(inv, o->node))) {
			tsn_err(ro->ctx->cmd, "--node '%s': no such node in %s",
				o->node, inv->path);
			return -ENOENT;
		}
		ro->only = only - inv->nodes;
	}
	if (inv->n_nodes < 2) {
		tsn_err(ro->ctx->cmd, "%s: %s is the cluster's only node: "
			"IPsec is between pairs of nodes, nothing was changed "
			"(tsnet node add adds a node)", inv->path,
			inv->nodes[0].name);
		return -EINVAL;
	}
	ro->in = calloc(inv->n_nodes, sizeof(*ro->in));
	ro->jobs = calloc(inv->n_nodes, sizeof(*ro->jobs));
	if (!ro->in || !ro->jobs ||
	    (ret = tsn_inventory_format(inv, &ro->inv_text)) < 0 ||
	    (ret = tsn_plan_build(&ro->plan, inv, o->encap, ro->only)) < 0)
		return -ENOMEM;
	ro->res = calloc(ro->plan.n_pairs + 1, sizeof(*ro->res));
	if (!ro->res)
		return -ENOMEM;
	for (size_t i = 0; i < inv->n_nodes; i++)
		ro->in[i] = ro->only < 0 || (size_t)ro->only == i ||
			    tsn_plan_find(&ro->plan, i, (size_t)ro->only);
	return 0;
}

static void rollout_free(struct tsn_rollout *ro)
{
	tsn_plan_free(&ro->plan);
	if (ro->creds)
		tsn_x509_free(ro->creds, ro->inv->n_nodes);
	free(ro->creds);
	tsn_buf_free(&ro->ca);
	tsn_buf_free(&ro->inv_text);
	tsn_buf_free(&ro->xstat);
	tsn_buf_free(&ro->xstat_note);
	free(ro->in);
	free(ro->jobs);
	free(ro->res);
}

/* Every node's ipsec-state, asked once for the x509 check and the encap
 * choice both: recs[i] its record, or NULL. */
struct survey {
	struct tsn_jv *states;
	const struct tsn_jv **recs;
	bool done;
	int err;
};

static int survey_once(const struct tsn_rollout *ro, struct survey *sv)
{
	if (sv->done)
		return sv->err;
	sv->done = true;
	sv->err = tsn_encap_survey(ro->inv, sv->states, sv->recs);
	return sv->err;
}

/* --node on a cluster already on x509: the other nodes trust the CA they
 * hold, so it must be this host's (a CA made anew here would lock the
 * repaired node out).  0, or -errno with the one line said. */
static int x509_repair_check(struct tsn_rollout *ro, struct survey *sv)
{
	const struct tsn_jv **recs = sv->recs;
	char err[600];
	int ret = survey_once(ro, sv);

	for (size_t i = 0; ret == 0 && i < ro->inv->n_nodes; i++) {
		if ((long)i == ro->only || !tsn_x509_record(recs[i]))
			continue;
		ret = tsn_x509_ca_check(recs[i], ro->inv->nodes[i].name, err,
					sizeof(err));
		if (ret < 0)
			tsn_err(ro->ctx->cmd, "%s", err);
		break;	/* one record tells the cluster's CA */
	}
	if (ret < 0 && ret != -EKEYREJECTED && ret != -ENOENT)
		tsn_err(ro->ctx->cmd, "the nodes' records: %s", strerror(-ret));
	return ret;
}

/* The CA (kept on this host only) and a certificate per node taking
 * part; the keys travel in the ipsec-apply requests on stdin. */
static int issue_certs(struct tsn_rollout *ro)
{
	char err[400];
	int ret;

	ro->x509 = true;
	if (!(ro->creds = calloc(ro->inv->n_nodes, sizeof(*ro->creds)))) {
		tsn_err(ro->ctx->cmd, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	ret = tsn_x509_issue(ro->inv, ro->in, &ro->ca, ro->creds, err,
			     sizeof(err));
	if (ret < 0)
		tsn_err(ro->ctx->cmd, "%s", err);
	return ret;
}

static int parse_timeout(struct tsn_ctx *ctx, const char *arg, unsigned *out)
{
	if (tsn_parse_uint(arg, 1, 3600, out) == 0)
		return 0;
	tsn_err(ctx->cmd, "--timeout '%s': a number of seconds from 1 to "
		"3600", arg);
	return -EINVAL;
}

static int enable_opts(int argc, char **argv, struct tsn_ctx *ctx,
		       struct enable_opts *o)
{
	enum { O_ENCAP = 0x2000, O_LEGACY, O_AUTH, O_NODE, O_NOVERIFY,
	       O_TIMEOUT, O_NOPROBE, O_MEASURE };
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "encap", no_argument, NULL, O_ENCAP },
		{ "no-probe", no_argument, NULL, O_NOPROBE },
		{ "legacy", no_argument, NULL, O_LEGACY },
		{ "auth", required_argument, NULL, O_AUTH },
		{ "node", required_argument, NULL, O_NODE },
		{ "no-verify", no_argument, NULL, O_NOVERIFY },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "measure", no_argument, NULL, O_MEASURE },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	o->timeout = 60;
	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'h':
			tsn_usage(ctx, enable_synopsis);
			return 1;
		case O_ENCAP: o->encap = true; break;
		case O_NOPROBE: o->no_probe = true; break;
		case O_LEGACY: o->legacy = true; break;
		case O_NOVERIFY: o->no_verify = true; break;
		case O_MEASURE: o->measure = true; break;
		case O_NODE: o->node = optarg; break;
		case O_TIMEOUT:
			if (parse_timeout(ctx, optarg, &o->timeout) < 0)
				return -EINVAL;
			break;
		case O_AUTH:
			if (!strcmp(optarg, "psk") || !strcmp(optarg, "x509")) {
				o->x509 = !strcmp(optarg, "x509");
				break;
			}
			tsn_err(ctx->cmd, "--auth '%s': psk or x509", optarg);
			return -EINVAL;
		default:
			if (tsn_global_opt(ctx, opt, optarg) < 0) {
				tsn_opt_error(ctx->cmd, argv, opt);
				return -EINVAL;
			}
		}
	}
	if (optind < argc) {
		tsn_usage_error(ctx->cmd, "unexpected argument '%s'",
				argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Which pairs UDP-encapsulate: the nodes' records for pairs enabled
 * before, the probe for the others of this run (unless --no-probe).
 * Nothing is changed on any node here.  0, or an exit code. */
static int choose_encap(struct tsn_rollout *ro, const struct enable_opts *o,
			struct survey *sv, struct tsn_encap_choice **out)
{
	/* without the probe, no records either (all NULL) */
	const struct tsn_jv **none = calloc(ro->inv->n_nodes, sizeof(*none));
	bool *in = calloc(ro->plan.n_pairs + 1, sizeof(*in));
	struct tsn_encap_run er = {
		.ctx = ro->ctx, .plan = &ro->plan, .probe = !o->no_probe,
		.recs = o->no_probe ? none : sv->recs, .in = in,
		.ch = calloc(ro->plan.n_pairs + 1, sizeof(*er.ch)),
	};
	int ret = none && in && er.ch ? 0 : -ENOMEM, rc = 0;

	if (ret == 0 && tsn_encap_want_of(o->encap, ro->inv->cluster.encap,
					  &er.want, &er.label) < 0) {
		tsn_err(ro->ctx->cmd, "--encap: %s says encap = no (set encap "
			"= yes or auto there, or drop --encap)", ro->inv->path);
		rc = TSN_EXIT_USAGE;
		goto out;
	}
	for (size_t k = 0; ret == 0 && k < ro->plan.n_pairs; k++)
		in[k] = tsn_rollout_pair_in(ro, k);
	if (ret == 0 && !o->no_probe)
		ret = survey_once(ro, sv);
	if (ret == 0)
		ret = tsn_encap_choose(&er);
	if (ret == -EPROTO) {
		tsn_encap_refusal(&ro->plan, er.ch, ro->error,
				  sizeof(ro->error));
		if (ro->ctx->json)
			tsn_enable_print_json(ro, er.ch, false, TSN_EXIT_PROBLEM);
		tsn_err(ro->ctx->cmd, "%s", ro->error);
		rc = TSN_EXIT_PROBLEM;
	} else if (ret < 0) {
		tsn_err(ro->ctx->cmd, "probe before enabling: %s",
			strerror(-ret));
		rc = TSN_EXIT_RUNTIME;
	}
out:
	free(none);
	free(in);
	*out = er.ch;
	return rc;
}

/* Name the nodes where a rollout stopped half-way (a record from its
 * first apply, loaded without trap: its tsnet was killed).  This run
 * finishes them; each keeps the snapshot from before that rollout
 * (agent_ipsec.c), so a rollback still restores what was there. */
static void note_unfinished(const struct tsn_rollout *ro, struct survey *sv)
{
	char names[512] = "";
	size_t len = 0;
	bool trap;

	if (survey_once(ro, sv) < 0)
		return;
	for (size_t i = 0; i < ro->inv->n_nodes; i++) {
		trap = true;
		if (!ro->in[i] || !sv->recs[i] ||
		    !tsn_jv_getbool(sv->recs[i], "trap", &trap) || trap ||
		    len >= sizeof(names))
			continue;
		len += (size_t)snprintf(names + len, sizeof(names) - len,
					"%s%s", len ? ", " : "",
					ro->inv->nodes[i].name);
	}
	if (names[0])
		tsn_warn(ro->ctx->cmd, "a rollout stopped half-way on %s "
			 "(loaded, never trapped): this run finishes it",
			 names);
}

/* What a check before the rollout found (ret and lines from it): on
 * -EPROTO one line per cause, then "no node was changed" and what it
 * means (unreachable: a node did not answer it); on another error, what
 * failed.  0, or an exit code. */
static int stop_before(struct tsn_rollout *ro,
		       const struct tsn_encap_choice *ch, int ret,
		       const char *lines, const char *what,
		       const char *unreachable, const char *meaning)
{
	int rc;

	if (ret == -EPROTO) {
		rc = ro->unreachable ? TSN_EXIT_RUNTIME : TSN_EXIT_PROBLEM;
		ro->causes = lines;
		if (ro->ctx->json)
			tsn_enable_print_json(ro, ch, false, rc);
		ro->causes = NULL;
		for (const char *l = lines, *e; l && (e = strchr(l, '\n'));
		     l = e + 1)
			tsn_err(ro->ctx->cmd, "%.*s", (int)(e - l), l);
		tsn_err(ro->ctx->cmd, "no node was changed: %s",
			ro->unreachable ? unreachable : meaning);
		return rc;
	}
	if (ret < 0) {
		tsn_err(ro->ctx->cmd, "%s: %s", what, strerror(-ret));
		return TSN_EXIT_RUNTIME;
	}
	return 0;
}

/* No other IPsec setup's policy holds the members' traffic
 * (xfrm_check.c), else stop here, first: such a policy also makes the
 * probe's packets fail (a block policy refuses them at sendto) and
 * would be blamed on a firewall.  0, or an exit code. */
static int check_foreign(struct tsn_rollout *ro)
{
	struct tsn_buf lines = { 0 };
	int ret;

	tsn_progress_begin(&ro->progress, ro->ctx->err_tty && !tsn_quiet);
	ret = tsn_rollout_xfrm_check(ro, &lines);
	tsn_progress_end(&ro->progress);
	ret = stop_before(ro, NULL, ret, lines.p, "IPsec policies",
			  "each node taking part must answer and list its "
			  "IPsec policies first",
			  "another IPsec setup's policies hold the members' "
			  "traffic (stop it, remove them as each line says, "
			  "then run enable-ipsec again)");
	tsn_buf_free(&lines);
	return ret;
}

/* Every node's kernel can do IPsec (kernel_check.c), else stop here,
 * before the CA or any node changes, with preflight's words.  0, or an
 * exit code. */
static int check_kernels(struct tsn_rollout *ro,
			 const struct tsn_encap_choice *ch)
{
	struct tsn_buf lines = { 0 };
	int ret;

	tsn_progress_begin(&ro->progress, ro->ctx->err_tty && !tsn_quiet);
	ret = tsn_rollout_kernel_check(ro, &lines);
	tsn_progress_end(&ro->progress);
	ret = stop_before(ro, ch, ret, lines.p, "kernel checks",
			  "each node taking part must answer first",
			  "IPsec needs ESP with AES-GCM in every node's kernel "
			  "(tsnet preflight shows every host check)");
	tsn_buf_free(&lines);
	return ret;
}

int enable_ipsec_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct enable_opts o = { 0 };
	struct tsn_rollout ro = { .ctx = ctx };
	struct tsn_encap_choice *ch = NULL;
	struct survey sv = { 0 };
	struct tsn_inventory inv;
	char why[300];
	int ret, rc;

	if ((ret = enable_opts(argc, argv, ctx, &o)) != 0)
		return ret > 0 ? TSN_EXIT_OK : TSN_EXIT_USAGE;
	/* every node writes strongSwan's files; the proof captures */
	if ((rc = tsn_ctx_lock(ctx, NULL, TSN_NEED_NET_ADMIN |
			       TSN_NEED_SWAN_DIRS |
			       (o.no_verify ? 0 : TSN_NEED_NET_RAW))))
		return rc;
	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	if (o.x509)	/* before the plan: its hash and the nodes see it */
		inv.cluster.auth = TSN_AUTH_X509;
	/* the directories this run writes besides conf.d (agent.c) */
	if (o.legacy)
		tsn_priv_needs |= TSN_NEED_SWAN_LEGACY;
	if (inv.cluster.auth == TSN_AUTH_X509)
		tsn_priv_needs |= TSN_NEED_SWAN_X509;
	if (inv.cluster.auth == TSN_AUTH_X509 && o.legacy) {
		tsn_err(ctx->cmd, "--legacy: x509 authentication is for "
			"swanctl only (use --auth psk with --legacy)");
		rc = TSN_EXIT_USAGE;
	} else if (o.legacy && tsn_inv_dual(&inv)) {
		/* stroke's read-back (legacy.c) knows one conn per peer */
		tsn_err(ctx->cmd, "--legacy: %s and another node both have "
			"address6 (dual-stack): the legacy stack would leave "
			"their IPv6 traffic in the clear; use swanctl (without "
			"--legacy)", tsn_inv_dual(&inv));
		rc = TSN_EXIT_USAGE;
	} else if (tsn_inventory_mixed(&inv, why, sizeof(why))) {
		tsn_err(ctx->cmd, "%s: %s", inv.path, why);
		rc = TSN_EXIT_USAGE;
	} else if ((ret = setup(&ro, &inv, &o)) < 0 ||
		   !(sv.states = calloc(inv.n_nodes, sizeof(*sv.states))) ||
		   !(sv.recs = calloc(inv.n_nodes, sizeof(*sv.recs)))) {
		ret = ret < 0 ? ret : -ENOMEM;
		if (ret == -ENOMEM)
			tsn_err(ctx->cmd, "%s", strerror(-ret));
		rc = ret == -ENOMEM ? TSN_EXIT_RUNTIME : TSN_EXIT_USAGE;
	} else if (inv.cluster.auth == TSN_AUTH_X509 && ro.only >= 0 &&
		   (ret = x509_repair_check(&ro, &sv)) < 0) {
		rc = ret == -EKEYREJECTED || ret == -ENOENT ? TSN_EXIT_USAGE :
							      TSN_EXIT_RUNTIME;
	} else if ((rc = check_foreign(&ro)) != 0) {
		/* another IPsec setup holds the traffic: nothing changed */
	} else if ((rc = choose_encap(&ro, &o, &sv, &ch)) != 0) {
		/* refused or failed: no node was changed */
	} else if ((rc = check_kernels(&ro, ch)) != 0) {
		/* a kernel cannot do IPsec: no node was changed */
	} else if (o.measure && (rc = tsn_tput_baseline(&inv, ctx->cmd,
							 ctx->err_tty)) != 0) {
		/* no baseline, no rollout: no node was changed */
	} else if (inv.cluster.auth == TSN_AUTH_X509 &&
		   issue_certs(&ro) < 0) {
		rc = TSN_EXIT_RUNTIME;
	} else {
		note_unfinished(&ro, &sv);
		rc = rollout(&ro, &o, ch);
	}
	free(ch);
	for (size_t i = 0; sv.states && i < inv.n_nodes; i++)
		tsn_jv_free(&sv.states[i]);
	free(sv.states);
	free(sv.recs);
	rollout_free(&ro);
	tsn_inventory_free(&inv);
	return rc;
}
