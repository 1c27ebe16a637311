/* cloud.c - `tsnet cloud PROVIDER`: print the script that lets IPsec
 * through the cloud's security groups, for the cluster in the inventory.
 *
 * The script goes to stdout and nothing else does, so `> allow-ipsec.sh`
 * is always a clean file.  A name the inventory lacks becomes a visible
 * placeholder, one warning per key on stderr and exit 1: the script is
 * still printed (the rest of it is useful to read), but it refuses to run.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cloud/cloud.h"
#include "commands.h"
#include "lib/inventory.h"
#include "lib/json.h"

#define CLOUD_SYNOPSIS \
	"azure|aws|gcp|auto [--format cli|powershell|terraform] [--undo]\n" \
	"       [--source-group] [--dmi-root DIR]"

enum { OPT_FORMAT = 0x100, OPT_UNDO, OPT_SOURCE_GROUP, OPT_DMI_ROOT };

struct cloud_opts {
	struct tsn_cloud_req req;
	const char *dmi_root;
	bool format_set;
};

static int usage(const struct tsn_ctx *ctx)
{
	int ret = tsn_usage(ctx, CLOUD_SYNOPSIS);

	printf("\nPrints the script that allows UDP 500, UDP 4500 and "
		       "ESP between the cluster's\nnodes in the cloud's "
		       "security groups; --undo prints the one that removes "
		       "them.\nFormats: azure: cli (default), powershell, "
		       "terraform; aws, gcp: cli, terraform.\nauto: the cloud "
		       "this host runs in, from DMI.  Exit 1 when the "
		       "inventory lacks\na name the script needs (it then "
		       "holds a <PLACEHOLDER> and refuses to run).\n");
	return ret;
}

static int parse_provider(const char *s, enum tsn_cloud *out)
{
	static const enum tsn_cloud all[] = { TSN_CLOUD_AZURE, TSN_CLOUD_AWS,
		TSN_CLOUD_GCP, TSN_CLOUD_AUTO };

	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		if (!strcmp(s, tsn_cloud_id(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

/* 0 with o filled, or the exit code (usage printed) as a positive int;
 * -1 for --help. */
static int parse_args(int argc, char **argv, struct tsn_ctx *ctx,
		      struct cloud_opts *o)
{
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "undo", no_argument, NULL, OPT_UNDO },
		{ "source-group", no_argument, NULL, OPT_SOURCE_GROUP },
		{ "dmi-root", required_argument, NULL, OPT_DMI_ROOT },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(ctx);
			return -1;
		case OPT_FORMAT:
			if (tsn_cloud_format_parse(optarg, &o->req.format)) {
				tsn_err("cloud", "unknown format '%s' (cli, "
					"powershell or terraform)", optarg);
				return TSN_EXIT_USAGE;
			}
			o->format_set = true;
			break;
		case OPT_UNDO:
			o->req.undo = true;
			break;
		case OPT_SOURCE_GROUP:
			o->req.source_group = true;
			break;
		case OPT_DMI_ROOT:
			o->dmi_root = optarg;
			break;
		default:
			if (tsn_global_opt(ctx, opt, optarg) < 0)
				return tsn_opt_error(ctx->cmd, argv, opt);
		}
	}
	if (optind >= argc)
		return tsn_usage_error(ctx->cmd, "missing cloud (azure, aws, gcp "
				       "or auto)");
	if (parse_provider(argv[optind], &o->req.provider))
		return tsn_usage_error(ctx->cmd, "unknown provider '%s' (azure, "
				       "aws, gcp or auto)", argv[optind]);
	if (optind + 1 < argc)
		return tsn_usage_error(ctx->cmd, "unexpected argument '%s'",
				       argv[optind + 1]);
	return 0;
}

/* auto: the provider this host's DMI names; on-premises is exit 1. */
static int resolve_auto(struct cloud_opts *o)
{
	char why[512];
	enum tsn_cloud c;
	int ret;

	ret = tsn_cloud_detect(o->dmi_root, &c, why, sizeof(why));
	if (ret < 0) {
		tsn_err("cloud", "auto: cannot read DMI under %s: %s",
			o->dmi_root ? o->dmi_root : TSN_DMI_ROOT,
			strerror(-ret));
		return TSN_EXIT_RUNTIME;
	}
	if (c == TSN_CLOUD_NONE) {
		tsn_err("cloud", "auto: this host is not in a cloud tsnet "
			"knows (%s); name one: tsnet cloud azure|aws|gcp", why);
		return TSN_EXIT_PROBLEM;
	}
	if (!tsn_quiet)
		fprintf(stderr, "tsnet: cloud: auto: %s (%s)\n",
			tsn_cloud_id(c), why);
	o->req.provider = c;
	return 0;
}

static void print_json(const struct cloud_opts *o, const char *script,
		       const struct tsn_cloud_result *res)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;

	tsn_json_init(&j, &b, true);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "provider", tsn_cloud_id(o->req.provider));
	tsn_json_kstr(&j, "format", tsn_cloud_format_name(o->req.format));
	tsn_json_kbool(&j, "undo", o->req.undo);
	tsn_json_key(&j, "missing");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < res->n_missing; i++)
		tsn_json_str(&j, res->missing[i]);
	tsn_json_arr_end(&j);
	tsn_json_kstr(&j, "script", script);
	tsn_json_obj_end(&j);
	if (tsn_json_finish(&j) == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
}

static void warn_missing(const struct tsn_cloud_result *res)
{
	for (size_t i = 0; i < res->n_missing; i++) {
		char ph[64];
		size_t n = 0;

		/* The placeholder is the key in capitals: <AZURE_NSG>. */
		for (const char *k = res->missing[i]; *k && n < 60; k++)
			ph[n++] = (char)toupper((unsigned char)*k);
		ph[n] = '\0';
		tsn_warn("cloud", "the inventory has no %s: the script holds "
			 "<%s> and refuses to run; set %s in [cluster]",
			 res->missing[i], ph, res->missing[i]);
	}
	if (res->note[0])
		tsn_warn("cloud", "%s", res->note);
}

int cloud_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct cloud_opts o = { .req.format = TSN_CLOUD_FMT_CLI };
	struct tsn_inventory inv = { 0 };
	struct tsn_cloud_result res;
	struct tsn_buf out = { 0 };
	int ret;

	ret = parse_args(argc, argv, ctx, &o);
	if (ret)
		return ret < 0 ? TSN_EXIT_OK : ret;
	if (o.req.provider == TSN_CLOUD_AUTO && (ret = resolve_auto(&o)))
		return ret;
	if (!tsn_cloud_format_ok(o.req.provider, o.req.format)) {
		tsn_err("cloud", "%s has no %s format (use cli or terraform)",
			tsn_cloud_id(o.req.provider),
			tsn_cloud_format_name(o.req.format));
		return TSN_EXIT_USAGE;
	}
	if (o.req.source_group && o.req.provider != TSN_CLOUD_AWS) {
		tsn_err("cloud", "--source-group is for aws only");
		return TSN_EXIT_USAGE;
	}
	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	if (inv.cluster.cloud >= TSN_CLOUD_AZURE &&
	    inv.cluster.cloud != o.req.provider)
		tsn_warn("cloud", "%s: the inventory says cloud = %s",
			 ctx->config, tsn_cloud_id(inv.cluster.cloud));
	ret = tsn_cloud_script(&inv, &o.req, &out, &res);
	if (ret == -EINVAL) {
		tsn_err("cloud", "%s: %s", ctx->config, res.error);
		ret = TSN_EXIT_USAGE;
		goto out;
	}
	if (ret < 0) {
		tsn_err("cloud", "%s", strerror(-ret));
		ret = TSN_EXIT_RUNTIME;
		goto out;
	}
	if (ctx->json)
		print_json(&o, out.p, &res);
	else
		fwrite(out.p, 1, out.len, stdout);
	tsn_result_printed();
	warn_missing(&res);
	/* the members' addresses alone, and one member: rules from a node
	 * to itself, which let nothing new through until the cluster grows */
	if (inv.n_nodes < 2 && !inv.cluster.n_subnets && !o.req.undo)
		tsn_warn("cloud", "%s is the cluster's only node and the "
			 "inventory names no subnet: these rules allow IPsec "
			 "from %s to itself only (set subnet in [cluster], or "
			 "run tsnet cloud again after tsnet node add)",
			 inv.nodes[0].name, inv.nodes[0].name);
	ret = res.n_missing ? TSN_EXIT_PROBLEM : TSN_EXIT_OK;
out:
	tsn_buf_free(&out);
	tsn_inventory_free(&inv);
	return ret;
}
