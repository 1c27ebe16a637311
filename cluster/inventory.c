/* inventory.c - `tsnet inventory check`: validate the cluster inventory
 * and print it normalised, or as JSON.
 *
 * The normalised text has every [cluster] key with its effective value
 * and parses back to the same inventory, so it is also the way to tidy a
 * hand-edited file.  The JSON gives each node's effective values (its
 * override, else the cluster's, else the default) so scripts need not
 * know the inheritance rules.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/json.h"
#include "lib/util.h"

static const char synopsis[] = "check [-c FILE] [--json]";

/* "a,b" -> ["a","b"]; the inventory checked the items already. */
static void json_split(struct tsn_json *j, const char *key, const char *s)
{
	char item[TSN_LINE_MAX + 1];

	tsn_json_key(j, key);
	tsn_json_arr_begin(j);
	while (s && *s) {
		size_t n = strcspn(s, ",");

		if (n < sizeof(item)) {
			memcpy(item, s, n);
			item[n] = '\0';
			tsn_json_str(j, item);
		}
		s += n + (s[n] == ',');
	}
	tsn_json_arr_end(j);
}

static void json_cluster(struct tsn_json *j, const struct tsn_cluster *c)
{
	char a[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN + 8];

	tsn_json_kstr(j, "name", c->name);
	tsn_json_kstr(j, "transport", tsn_transport_name(c->transport));
	tsn_json_kstr(j, "interface", c->interface);
	tsn_json_kstr(j, "ssh_user", c->ssh_user);
	tsn_json_kuint(j, "ssh_port", c->ssh_port);
	tsn_json_kstr(j, "ssh_identity", c->ssh_identity);
	tsn_json_key(j, "ssh_options");
	tsn_json_arr_begin(j);
	for (char **o = c->ssh_options; o && *o; o++)
		tsn_json_str(j, *o);
	tsn_json_arr_end(j);
	tsn_json_kstr(j, "remote_tsnet", c->remote_tsnet);
	tsn_json_kuint(j, "concurrency", c->concurrency);
	tsn_json_kuint(j, "timeout", c->timeout);
	tsn_json_kuint(j, "payload_mtu", c->payload_mtu);
	tsn_json_kstr(j, "auth", tsn_auth_name(c->auth));
	tsn_json_kstr(j, "encap", tsn_encap_name(c->encap));
	tsn_json_kstr(j, "esp_proposals", c->esp_proposals);
	tsn_json_kstr(j, "ike_proposals", c->ike_proposals);
	tsn_json_kuint(j, "rekey_time", c->rekey_time);
	tsn_json_kstr(j, "cloud", tsn_cloud_name(c->cloud));
	tsn_json_key(j, "subnet");
	tsn_json_arr_begin(j);
	for (size_t i = 0; i < c->n_subnets; i++) {
		snprintf(p, sizeof(p), "%s/%u",
			 tsn_addr_str(&c->subnets[i].addr, a, sizeof(a)),
			 c->subnets[i].len);
		tsn_json_str(j, p);
	}
	tsn_json_arr_end(j);
	tsn_json_kstr(j, "azure_resource_group", c->azure_resource_group);
	tsn_json_kstr(j, "azure_nsg", c->azure_nsg);
	tsn_json_kuint(j, "azure_priority", c->azure_priority);
	tsn_json_kstr(j, "aws_region", c->aws_region);
	tsn_json_kstr(j, "aws_security_group", c->aws_security_group);
	tsn_json_kstr(j, "aws_vpc", c->aws_vpc);
	tsn_json_kstr(j, "gcp_project", c->gcp_project);
	tsn_json_kstr(j, "gcp_network", c->gcp_network);
	json_split(j, "gcp_target_tags", c->gcp_target_tags);
}

static void json_node(struct tsn_json *j, const struct tsn_inventory *inv,
		      const struct tsn_node *n)
{
	char a[INET6_ADDRSTRLEN];

	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "name", n->name);
	tsn_json_kstr(j, "address", tsn_addr_str(&n->addr, a, sizeof(a)));
	tsn_json_kstr(j, "address6", n->addr6.family ?
		      tsn_addr_str(&n->addr6, a, sizeof(a)) : NULL);
	tsn_json_kstr(j, "netns", tsn_node_netns(n));
	tsn_json_kstr(j, "ssh_host", tsn_node_ssh_host(n, a, sizeof(a)));
	tsn_json_kstr(j, "ssh_user", tsn_node_ssh_user(inv, n));
	tsn_json_kuint(j, "ssh_port", tsn_node_ssh_port(inv, n));
	tsn_json_kstr(j, "interface", tsn_node_interface(inv, n));
	tsn_json_kstr(j, "remote_tsnet", tsn_node_remote_tsnet(inv, n));
	tsn_json_obj_end(j);
}

static int write_json(const struct tsn_inventory *inv, struct tsn_buf *b,
		      bool pretty)
{
	struct tsn_json j;

	tsn_json_init(&j, b, pretty);
	tsn_json_obj_begin(&j);
	tsn_json_key(&j, "cluster");
	tsn_json_obj_begin(&j);
	json_cluster(&j, &inv->cluster);
	tsn_json_obj_end(&j);
	tsn_json_key(&j, "nodes");
	tsn_json_arr_begin(&j);
	for (size_t i = 0; i < inv->n_nodes; i++)
		json_node(&j, inv, &inv->nodes[i]);
	tsn_json_arr_end(&j);
	tsn_json_obj_end(&j);
	return tsn_json_finish(&j);
}

static int check(struct tsn_ctx *ctx)
{
	struct tsn_inventory inv;
	struct tsn_buf b = { 0 };
	int ret, rc = TSN_EXIT_OK;

	if (tsn_ctx_inventory(ctx, &inv) < 0)
		return TSN_EXIT_USAGE;
	if (ctx->json)
		ret = write_json(&inv, &b, ctx->tty);
	else
		ret = tsn_inventory_format(&inv, &b);
	if (!ret && ctx->json)
		ret = tsn_buf_puts(&b, "\n");
	if (!ret && (fwrite(b.p, 1, b.len, stdout) != b.len ||
		     fflush(stdout) == EOF))
		ret = -errno;
	if (ret == 0)
		tsn_result_printed();
	if (ret < 0) {
		tsn_err(ctx->cmd, "cannot print the inventory: %s",
			strerror(-ret));
		rc = TSN_EXIT_RUNTIME;
	}
	tsn_buf_free(&b);
	tsn_inventory_free(&inv);
	return rc;
}

static int usage(struct tsn_ctx *ctx)
{
	int rc = tsn_usage(ctx, synopsis);

	printf("\nChecks the cluster inventory (-c FILE, $TSNET_CONFIG "
	       "or " TSN_DEFAULT_CONFIG ")\nand prints it normalised: "
	       "every key, defaults written out.\nExit status: 0 "
	       "valid, 2 usage or inventory error, 3 cannot print.\n");
	return rc;
}

int inventory_main(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const struct option longopts[] = {
		TSN_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, TSN_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (opt == 'h')
			return usage(ctx);
		if (tsn_global_opt(ctx, opt, optarg) < 0)
			return tsn_opt_error(ctx->cmd, argv, opt);
	}
	if (optind >= argc)
		return tsn_usage_error(ctx->cmd, "missing subcommand (check)");
	if (strcmp(argv[optind], "check"))
		return tsn_usage_error(ctx->cmd, "unknown subcommand '%s'",
				       argv[optind]);
	if (optind + 1 < argc)
		return tsn_usage_error(ctx->cmd, "unexpected argument '%s'",
				       argv[optind + 1]);
	return check(ctx);
}
