/* node_cmd.c - `tsnet node add NAME ADDRESS` and `tsnet node remove NAME`:
 * change the cluster's membership.
 *
 * The inventory is rewritten in its normalised form (tsn_inventory_format)
 * after the new one parsed with the inventory's own rules, so a duplicate
 * name or address is refused exactly as `tsnet inventory check` would;
 * the previous file is kept as FILE.bak and the new one replaces it
 * atomically.  Then node_apply.c configures IPsec on the nodes concerned.
 * On a cluster enabled with --auth x509, add first makes sure the CA that
 * must sign the new node's certificate is on this host.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "enable/node.h"
#include "enable/x509.h"
#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/transport.h"
#include "lib/util.h"
#include "lib/lock.h"
#include "lib/priv.h"

static const char synopsis[] =
	"add NAME ADDRESS [--address6 ADDR] [--netns NS] [--ssh-host HOST] "
	"[--inventory-only] [--timeout SECONDS]\n"
	"       tsnet node remove NAME [--inventory-only] [--timeout SECONDS]";

/* --json: the events, printed as one object at the end. */
static struct {
	bool json;
	struct tsn_buf b;
	struct tsn_json j;
} say_out;

void tsn_node_say(const char *node, const char *peer, const char *result,
		  const char *fmt, ...)
{
	struct tsn_buf msg = { 0 };
	va_list ap;

	va_start(ap, fmt);
	tsn_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (!say_out.json) {
		printf("%s\n", msg.p ? msg.p : "");
	} else {
		tsn_json_obj_begin(&say_out.j);
		tsn_json_kstr(&say_out.j, "node", node);
		tsn_json_kstr(&say_out.j, "peer", peer);
		tsn_json_kstr(&say_out.j, "result", result);
		tsn_json_kstr(&say_out.j, "message", msg.p);
		tsn_json_obj_end(&say_out.j);
	}
	tsn_buf_free(&msg);
}

static void say_begin(struct tsn_ctx *ctx, bool add, const char *name)
{
	say_out.json = ctx->json;
	if (!say_out.json)
		return;
	tsn_json_init(&say_out.j, &say_out.b, true);
	tsn_json_obj_begin(&say_out.j);
	tsn_json_kstr(&say_out.j, "command", "node");
	tsn_json_kstr(&say_out.j, "action", add ? "add" : "remove");
	tsn_json_kstr(&say_out.j, "node", name);
	tsn_json_kstr(&say_out.j, "inventory", ctx->config);
	tsn_json_key(&say_out.j, "events");
	tsn_json_arr_begin(&say_out.j);
}

static void say_end(int rc)
{
	if (!say_out.json)
		return;
	tsn_json_arr_end(&say_out.j);
	tsn_json_kstr(&say_out.j, "error", rc ? tsn_first_error() : NULL);
	tsn_json_kint(&say_out.j, "exit", rc);
	tsn_json_obj_end(&say_out.j);
	if (tsn_json_finish(&say_out.j) == 0) {
		printf("%s\n", say_out.b.p);
		tsn_result_printed();
	}
	tsn_buf_free(&say_out.b);
}

struct node_opts {
	const char *address6, *netns, *ssh_host;
	bool inventory_only;
	unsigned timeout;
};

/* A value that goes into the inventory text: nothing that could end its
 * line or start another key; the parser judges the rest. */
static bool value_ok(const char *s)
{
	return s && *s && strspn(s, "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-_") ==
	       strlen(s);
}

/* Keep the old file as PATH.bak, then put the new text in place; both
 * atomically and with the old file's mode. */
static int write_inventory(const char *path, const char *text, char *err,
			   size_t errlen)
{
	char bak[4096], *old = NULL;
	struct stat st;
	size_t len = 0;
	int ret;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	snprintf(bak, sizeof(bak), "%s.bak", path);
	ret = tsn_read_file(path, 16u << 20, &old, &len);
	if (ret == 0)
		ret = tsn_write_file_atomic(bak, old, len, st.st_mode & 0777);
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", bak, strerror(-ret));
		goto out;
	}
	ret = tsn_write_file_atomic(path, text, strlen(text),
				    st.st_mode & 0777);
	if (ret < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
out:
	free(old);
	return ret;
}

/* Parse text as an inventory named like the file; its normalised text
 * in out.  Exit code 2 with the parser's "file:line: reason" on error. */
static int reparse(struct tsn_ctx *ctx, const char *text, const char *label,
		   struct tsn_inventory *inv, struct tsn_buf *out)
{
	struct tsn_inv_diag diag = { 0 };

	if (tsn_inventory_parse(label, text, strlen(text), inv, &diag) < 0) {
		tsn_err(ctx->cmd, "%s", diag.error);
		return TSN_EXIT_USAGE;
	}
	if (tsn_inventory_format(inv, out) < 0) {
		tsn_inventory_free(inv);
		tsn_err(ctx->cmd, "%s", strerror(ENOMEM));
		return TSN_EXIT_RUNTIME;
	}
	return 0;
}

static int new_text_add(struct tsn_ctx *ctx, const struct tsn_inventory *old,
			char **argv, const struct node_opts *o,
			struct tsn_buf *b)
{
	struct tsn_addr a;

	if (!tsn_name_valid(argv[0])) {
		tsn_err(ctx->cmd, "node name '%s': 1 to 63 of a-z, 0-9 and "
			"'-', not starting with '-'", argv[0]);
		return TSN_EXIT_USAGE;
	}
	if (tsn_addr_parse(argv[1], &a) < 0 ||
	    (o->address6 && tsn_addr_parse(o->address6, &a) < 0)) {
		tsn_err(ctx->cmd, "'%s': not an IPv4 or IPv6 address",
			tsn_addr_parse(argv[1], &a) < 0 ? argv[1] :
			o->address6);
		return TSN_EXIT_USAGE;
	}
	if ((o->netns && !value_ok(o->netns)) ||
	    (o->ssh_host && !value_ok(o->ssh_host))) {
		tsn_err(ctx->cmd, "--netns/--ssh-host: letters, digits and "
			"'.:-_' only");
		return TSN_EXIT_USAGE;
	}
	if (tsn_inventory_format(old, b) < 0 ||
	    tsn_buf_printf(b, "\n[node %s]\naddress = %s\n", argv[0],
			   argv[1]) < 0 ||
	    (o->address6 && tsn_buf_printf(b, "address6 = %s\n",
					   o->address6) < 0) ||
	    (o->netns && tsn_buf_printf(b, "netns = %s\n", o->netns) < 0) ||
	    (o->ssh_host && tsn_buf_printf(b, "ssh_host = %s\n",
					   o->ssh_host) < 0)) {
		tsn_err(ctx->cmd, "%s", strerror(ENOMEM));
		return TSN_EXIT_RUNTIME;
	}
	return 0;
}

static int new_text_remove(struct tsn_ctx *ctx,
			   const struct tsn_inventory *old, const char *name,
			   struct tsn_buf *b)
{
	const struct tsn_node *gone = tsn_inventory_find(old, name);
	struct tsn_inventory copy = *old;
	size_t k = 0;
	int ret;

	if (!gone) {
		tsn_err(ctx->cmd, "%s: no node '%s' in the inventory",
			old->path ? old->path : ctx->config, name);
		return TSN_EXIT_USAGE;
	}
	if (old->n_nodes < 2) {
		tsn_err(ctx->cmd, "%s: cannot remove %s: it is the cluster's "
			"only node (an inventory has at least one; to retire "
			"the cluster, run tsnet disable-ipsec, then delete "
			"the file)", old->path ? old->path : ctx->config,
			name);
		return TSN_EXIT_USAGE;
	}
	/* A shallow copy without the node: the strings stay the old's. */
	copy.nodes = calloc(old->n_nodes, sizeof(*copy.nodes));
	if (!copy.nodes) {
		tsn_err(ctx->cmd, "%s", strerror(ENOMEM));
		return TSN_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < old->n_nodes; i++)
		if (&old->nodes[i] != gone)
			copy.nodes[k++] = old->nodes[i];
	copy.n_nodes = k;
	ret = tsn_inventory_format(&copy, b);
	free(copy.nodes);
	if (ret < 0) {
		tsn_err(ctx->cmd, "%s", strerror(-ret));
		return TSN_EXIT_RUNTIME;
	}
	return 0;
}

/* Node i's record, when its ipsec-state answered with one. */
static bool job_record(const struct tsn_job *job, struct tsn_jv *st,
		       const struct tsn_jv **rec)
{
	char e[128];

	if (job->state != TSN_JOB_DONE || job->exit_status != 0 ||
	    tsn_json_parse(job->out.p ? job->out.p : "", job->out.len, st, e,
			   sizeof(e)) < 0)
		return false;
	*rec = tsn_jv_get(st, "state");
	return *rec && (*rec)->type == TSN_JOBJ;
}

/* node add on a cluster enabled with --auth x509: the new node's
 * certificate must come from the CA the nodes trust, which lives on the
 * coordinator only.  Refuse before anything changes when it is not on
 * this host.  A node that does not answer is node_apply's to report. */
static int x509_precheck(struct tsn_ctx *ctx, const struct tsn_inventory *old,
			 unsigned timeout)
{
	static const char *const argv[] = { "agent", "ipsec-state", NULL };
	struct tsn_run_opts opts = { .timeout = timeout };
	struct tsn_job *jobs = calloc(old->n_nodes + 1, sizeof(*jobs));
	char err[800];
	int rc = 0, ret;

	if (!jobs) {
		tsn_err(ctx->cmd, "%s", strerror(ENOMEM));
		return TSN_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < old->n_nodes; i++) {
		jobs[i].node = &old->nodes[i];
		jobs[i].argv = argv;
	}
	ret = tsn_run(old, jobs, old->n_nodes, &opts);
	for (size_t i = 0; ret == 0 && i < old->n_nodes; i++) {
		struct tsn_jv st = { 0 };
		const struct tsn_jv *rec = NULL;
		bool x509 = job_record(&jobs[i], &st, &rec) &&
			    tsn_x509_record(rec);

		if (x509 && tsn_x509_ca_check(rec, old->nodes[i].name, err,
					      sizeof(err)) < 0) {
			tsn_err(ctx->cmd, "%s", err);
			rc = TSN_EXIT_USAGE;
		}
		tsn_jv_free(&st);
		if (x509) {
			/* its x509 directories are written too (agent.c) */
			tsn_priv_needs |= TSN_NEED_SWAN_X509;
			break;	/* one record tells the cluster's auth */
		}
	}
	for (size_t i = 0; i < old->n_nodes; i++)
		tsn_job_free(&jobs[i]);
	free(jobs);
	return rc;
}

static int change(struct tsn_ctx *ctx, bool add, char **argv,
		  const struct node_opts *o)
{
	struct tsn_inventory old, inv = { 0 };
	struct tsn_buf draft = { 0 }, text = { 0 };
	struct tsn_node_change c = { .name = argv[0], .add = add };
	char err[4400], label[4200];
	int rc;

	if (tsn_ctx_inventory(ctx, &old) < 0)
		return TSN_EXIT_USAGE;
	rc = add ? new_text_add(ctx, &old, argv, o, &draft) :
		   new_text_remove(ctx, &old, argv[0], &draft);
	/* Errors point into the normalised text, so say which. */
	snprintf(label, sizeof(label), "%s (normalised, node %s %s)",
		 ctx->config, argv[0], add ? "added" : "removed");
	if (rc == 0)
		rc = reparse(ctx, draft.p, label, &inv, &text);
	if (rc == 0 && add && !o->inventory_only)
		rc = x509_precheck(ctx, &old, o->timeout);
	if (rc) {
		if (inv.nodes)
			tsn_inventory_free(&inv);
		goto out;
	}
	if (write_inventory(ctx->config, text.p, err, sizeof(err)) < 0) {
		tsn_err(ctx->cmd, "%s", err);
		rc = TSN_EXIT_RUNTIME;
		tsn_inventory_free(&inv);
		goto out;
	}
	say_begin(ctx, add, argv[0]);
	tsn_node_say(argv[0], NULL, add ? "added" : "removed", "%s: node %s "
		     "%s (previous inventory kept as %s.bak)", ctx->config,
		     argv[0], add ? "added" : "removed", ctx->config);
	/* preflight --fix's member sets follow the inventory (warnings
	 * are printed per node). */
	if (!o->inventory_only)
		tsn_node_member_set(&inv, &old, argv[0], add);
	c.inv = &inv;
	c.text = text.p;
	c.old = &old;
	c.timeout = o->timeout;
	if (!o->inventory_only)
		rc = tsn_node_apply(ctx, &c);
	say_end(rc);
	tsn_inventory_free(&inv);
out:
	tsn_buf_free(&draft);
	tsn_buf_free(&text);
	tsn_inventory_free(&old);
	return rc;
}

int node_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	enum { OPT_ADDR6 = 0x2000, OPT_NETNS, OPT_SSH, OPT_INV, OPT_TIMEOUT };
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "address6", required_argument, NULL, OPT_ADDR6 },
		{ "netns", required_argument, NULL, OPT_NETNS },
		{ "ssh-host", required_argument, NULL, OPT_SSH },
		{ "inventory-only", no_argument, NULL, OPT_INV },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	struct node_opts o = { 0 };
	bool add;
	int opt;

	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (opt == 'h')
			return tsn_usage(ctx, synopsis);
		else if (opt == OPT_ADDR6)
			o.address6 = optarg;
		else if (opt == OPT_NETNS)
			o.netns = optarg;
		else if (opt == OPT_SSH)
			o.ssh_host = optarg;
		else if (opt == OPT_INV)
			o.inventory_only = true;
		else if (opt == OPT_TIMEOUT &&
			 tsn_parse_uint(optarg, 1, 86400, &o.timeout) < 0) {
			tsn_err(ctx->cmd, "--timeout '%s': a number of seconds "
				"from 1 to 86400", optarg);
			return TSN_EXIT_USAGE;
		} else if (opt != OPT_TIMEOUT &&
			   tsn_global_opt(ctx, opt, optarg) < 0) {
			return tsn_opt_error(ctx->cmd, argv, opt);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return tsn_usage_error(ctx->cmd, "missing subcommand (add or "
				       "remove)");
	if (strcmp(argv[0], "add") && strcmp(argv[0], "remove"))
		return tsn_usage_error(ctx->cmd, "unknown subcommand '%s'",
				       argv[0]);
	add = !strcmp(argv[0], "add");
	if (argc < (add ? 3 : 2))
		return tsn_usage_error(ctx->cmd, "%s needs %s", argv[0],
				       add ? "NAME ADDRESS" : "NAME");
	if (argc > (add ? 3 : 2))
		return tsn_usage_error(ctx->cmd, "unexpected argument '%s'",
				       argv[add ? 3 : 2]);
	if (!add && (o.address6 || o.netns || o.ssh_host))
		return tsn_usage_error(ctx->cmd, "--address6, --netns and "
				       "--ssh-host are for node add");
	if ((opt = tsn_ctx_lock(ctx, add ? "node add" : "node remove",
			       TSN_NEED_NET_ADMIN | TSN_NEED_SWAN_DIRS)))
		return opt;
	/* one change is short: a signal lets it finish on every node */
	tsn_run_guard();
	opt = change(ctx, add, argv + 1, &o);
	tsn_run_guard_note(ctx->cmd);
	return opt;
}
