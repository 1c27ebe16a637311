/* test_cloud.c - cloud script generators and quoting (DMI detection:
 * test_cloud_detect.c).
 *
 * Inventories are built by hand here, so the generators are tested on
 * their own: a hostile value must be refused by the generator even if a
 * parser let it through.  The quoting proof runs the quoted text through
 * a real bash and compares the bytes that come out.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cloud/cloud.h"
#include "cloud/gen.h"

/* The inventory owns its strings as char *; these literals are never written. */
#define S(x) ((char *)(x))

static struct tsn_node nodes[3];
static struct tsn_prefix subnets[2];

static void set_addr(struct tsn_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a->v6) == 1)
		a->family = AF_INET6;
	else
		cr_assert_fail("bad test address %s", s);
}

/* Three nodes, one with IPv6, every cloud name set. */
static void make_inv(struct tsn_inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
	memset(nodes, 0, sizeof(nodes));
	strcpy(nodes[0].name, "db1");
	set_addr(&nodes[0].addr, "198.18.1.1");
	strcpy(nodes[1].name, "db2");
	set_addr(&nodes[1].addr, "198.18.1.2");
	set_addr(&nodes[1].addr6, "fd00:7473::2");
	strcpy(nodes[2].name, "db3");
	set_addr(&nodes[2].addr, "198.18.1.3");
	inv->nodes = nodes;
	inv->n_nodes = 3;
	inv->cluster.name = S("prod");
	inv->cluster.azure_resource_group = S("prod-rg");
	inv->cluster.azure_nsg = S("prod-nsg");
	inv->cluster.azure_priority = 3000;
	inv->cluster.aws_region = S("eu-west-1");
	inv->cluster.aws_security_group = S("sg-0123456789abcdef0");
	inv->cluster.aws_vpc = S("vpc-0123456789abcdef0");
	inv->cluster.gcp_project = S("acme-prod");
	inv->cluster.gcp_network = S("prod-net");
	inv->cluster.gcp_target_tags = S("tsnet-prod,db");
}

static int gen(const struct tsn_inventory *inv, enum tsn_cloud p,
	       enum tsn_cloud_format f, bool undo, struct tsn_buf *out,
	       struct tsn_cloud_result *res)
{
	struct tsn_cloud_req req = { .provider = p, .format = f, .undo = undo };

	return tsn_cloud_script(inv, &req, out, res);
}

/* Run bash -c script and return what it printed (caller frees). */
static char *run_bash(const char *script)
{
	int fds[2], status;
	char *out = calloc(1, 65536);
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	cr_assert(out && pipe(fds) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl("/bin/bash", "bash", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + len, 65535 - len)) > 0)
		len += n;
	close(fds[0]);
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "bash failed on: %s", script);
	return out;
}

static const char *const hostile[] = {
	"it's",
	"'; touch /tmp/tsnet-pwned; '",
	"$(touch /tmp/tsnet-pwned)",
	"`touch /tmp/tsnet-pwned`",
	"a\nb; touch /tmp/tsnet-pwned",
	"x; rm -rf /nonexistent",
	"\\'\\\\'\"",
	"${HOME}$((1+1))!!",
	"-rf --debug",
	"\xe2\x80\x99; touch /tmp/tsnet-pwned",	/* U+2019 */
	"\xd0\xb0zure",				/* Cyrillic a */
	"'''",
};

Test(quote, sh_round_trips_hostile_values_through_bash)
{
	for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
		struct tsn_buf b = { 0 };
		char *got;

		cr_assert_eq(tsn_buf_puts(&b, "printf %s "), 0);
		cr_assert_eq(cloud_sh_quote(&b, hostile[i]), 0);
		got = run_bash(b.p);
		cr_assert_str_eq(got, hostile[i], "case %zu", i);
		free(got);
		tsn_buf_free(&b);
	}
	cr_assert_neq(access("/tmp/tsnet-pwned", F_OK), 0,
		      "a quoted value ran a command");
}

Test(quote, ps_doubles_quotes_and_refuses_lookalikes)
{
	struct tsn_buf b = { 0 };

	cr_assert_eq(cloud_ps_quote(&b, "it's"), 0);
	cr_assert_str_eq(b.p, "'it''s'");
	tsn_buf_reset(&b);
	cr_assert_eq(cloud_ps_quote(&b, "$(Remove-Item x)`n"), 0);
	cr_assert_str_eq(b.p, "'$(Remove-Item x)`n'");
	/* U+2019 closes a PowerShell single-quoted string. */
	cr_assert_eq(cloud_ps_quote(&b, "\xe2\x80\x99; Remove-Item x"),
		     -EINVAL);
	cr_assert_eq(cloud_ps_quote(&b, "a\nb"), -EINVAL);
	tsn_buf_free(&b);
}

Test(quote, hcl_escapes_interpolation_and_quotes)
{
	struct tsn_buf b = { 0 };

	cr_assert_eq(cloud_hcl_quote(&b, "a\"b\\c${x}%{if}$y\n"), 0);
	cr_assert_str_eq(b.p, "\"a\\\"b\\\\c$${x}%%{if}$y\\u000a\"");
	cr_assert_eq(cloud_hcl_quote(&b, "\xd0\xb0"), -EINVAL);
	tsn_buf_free(&b);
}

struct field_case {
	enum cloud_field f;
	const char *v;
	bool ok;
};

static const struct field_case field_cases[] = {
	{ CF_AZURE_RG, "prod-rg", true },
	{ CF_AZURE_RG, "My_RG.(eu)", true },
	{ CF_AZURE_RG, "-rg", false },
	{ CF_AZURE_RG, "rg'x", false },
	{ CF_AZURE_RG, "rg x", false },
	{ CF_AZURE_RG, "rg\n", false },
	{ CF_AZURE_RG, "\xd0\xb0rg", false },
	{ CF_AZURE_NSG, "prod-nsg", true },
	{ CF_AZURE_NSG, "nsg$(id)", false },
	{ CF_AZURE_NSG, "nsg;id", false },
	{ CF_AWS_SG, "sg-0123abcd", true },
	{ CF_AWS_SG, "sg-0123456789abcdef0", true },
	{ CF_AWS_SG, "sg-0123", false },
	{ CF_AWS_SG, "sg-0123ABCD", false },
	{ CF_AWS_SG, "sg-0123abcd`id`", false },
	{ CF_AWS_VPC, "vpc-0123abcd", true },
	{ CF_AWS_VPC, "sg-0123abcd", false },
	{ CF_AWS_REGION, "eu-west-1", true },
	{ CF_AWS_REGION, "eu-west-1;id", false },
	{ CF_GCP_PROJECT, "acme-prod", true },
	{ CF_GCP_PROJECT, "Acme", false },
	{ CF_GCP_NETWORK, "prod-net", true },
	{ CF_GCP_NETWORK, "prod net", false },
	{ CF_GCP_TAGS, "a,b-c", true },
	{ CF_GCP_TAGS, "a,,b", false },
	{ CF_GCP_TAGS, "a,", false },
	{ CF_GCP_TAGS, "a,-b", false },
	{ CF_GCP_TAGS, "a,b\"", false },
};

Test(fields, character_sets)
{
	for (size_t i = 0; i < ARRAY_SIZE(field_cases); i++) {
		const struct field_case *c = &field_cases[i];

		cr_expect_eq(cloud_field_valid(c->f, c->v), c->ok,
			     "%s: case %zu", cloud_field_key(c->f), i);
	}
}

/* Every field, every hostile value, every provider and format: refused
 * with the key named, and not a byte of script written. */
Test(script, hostile_inventory_values_are_refused)
{
	static const struct { enum tsn_cloud p; enum tsn_cloud_format f; }
	combos[] = {
		{ TSN_CLOUD_AZURE, TSN_CLOUD_FMT_CLI },
		{ TSN_CLOUD_AZURE, TSN_CLOUD_FMT_POWERSHELL },
		{ TSN_CLOUD_AZURE, TSN_CLOUD_FMT_TERRAFORM },
		{ TSN_CLOUD_AWS, TSN_CLOUD_FMT_CLI },
		{ TSN_CLOUD_AWS, TSN_CLOUD_FMT_TERRAFORM },
		{ TSN_CLOUD_GCP, TSN_CLOUD_FMT_CLI },
		{ TSN_CLOUD_GCP, TSN_CLOUD_FMT_TERRAFORM },
	};

	for (int f = 0; f < CF_COUNT; f++) {
		for (size_t h = 0; h < ARRAY_SIZE(hostile); h++) {
			for (size_t c = 0; c < ARRAY_SIZE(combos); c++) {
				struct tsn_inventory inv;
				struct tsn_cloud_result res;
				struct tsn_buf out = { 0 };
				char **slot;

				make_inv(&inv);
				slot = f == CF_AZURE_RG ? &inv.cluster.azure_resource_group :
				       f == CF_AZURE_NSG ? &inv.cluster.azure_nsg :
				       f == CF_AWS_REGION ? &inv.cluster.aws_region :
				       f == CF_AWS_SG ? &inv.cluster.aws_security_group :
				       f == CF_AWS_VPC ? &inv.cluster.aws_vpc :
				       f == CF_GCP_PROJECT ? &inv.cluster.gcp_project :
				       f == CF_GCP_NETWORK ? &inv.cluster.gcp_network :
				       &inv.cluster.gcp_target_tags;
				*slot = (char *)hostile[h];
				cr_assert_eq(gen(&inv, combos[c].p, combos[c].f,
						 false, &out, &res), -EINVAL,
					     "%s = case %zu", cloud_field_key(f),
					     h);
				cr_assert(strstr(res.error, cloud_field_key(f)),
					  "error names the key: %s", res.error);
				cr_assert(!out.p || out.len == 0);
				tsn_buf_free(&out);
			}
		}
	}
}

Test(script, hostile_cluster_name_is_refused)
{
	struct tsn_inventory inv;
	struct tsn_cloud_result res;
	struct tsn_buf out = { 0 };

	make_inv(&inv);
	inv.cluster.name = S("prod'; id #");
	cr_assert_eq(gen(&inv, TSN_CLOUD_AZURE, TSN_CLOUD_FMT_CLI, false, &out,
			 &res), -EINVAL);
	cr_assert(strstr(res.error, "name"));
	inv.cluster.name = NULL;
	cr_assert_eq(gen(&inv, TSN_CLOUD_GCP, TSN_CLOUD_FMT_CLI, false, &out,
			 &res), -EINVAL);
	tsn_buf_free(&out);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

Test(script, missing_names_become_placeholders_with_a_guard)
{
	struct tsn_inventory inv;
	struct tsn_cloud_result res;
	struct tsn_buf out = { 0 };

	make_inv(&inv);
	inv.cluster.azure_resource_group = NULL;
	inv.cluster.azure_nsg = S("");
	cr_assert_eq(gen(&inv, TSN_CLOUD_AZURE, TSN_CLOUD_FMT_CLI, false, &out,
			 &res), 0);
	cr_assert_eq(res.n_missing, 2);
	cr_assert_str_eq(res.missing[0], "azure_resource_group");
	cr_assert_str_eq(res.missing[1], "azure_nsg");
	cr_assert(strstr(out.p, "RESOURCE_GROUP='<AZURE_RESOURCE_GROUP>'"));
	cr_assert(strstr(out.p, "NSG='<AZURE_NSG>'"));
	cr_assert(strstr(out.p, "'<'*'>')"), "the bash guard is there");
	/* The guard comes before the first az command. */
	cr_assert(strstr(out.p, "placeholder \"$NSG\"\n"));
	cr_assert(strstr(out.p, "placeholder \"$NSG\"\n") <
		  strstr(out.p, "\naz "));
	cr_assert(strstr(out.p, "PLACEHOLDER <AZURE_NSG>"));
	tsn_buf_reset(&out);

	cr_assert_eq(gen(&inv, TSN_CLOUD_AZURE, TSN_CLOUD_FMT_POWERSHELL, false,
			 &out, &res), 0);
	cr_assert(strstr(out.p, "-like '<*>'"));
	tsn_buf_reset(&out);

	make_inv(&inv);
	inv.cluster.aws_security_group = NULL;
	inv.cluster.aws_region = NULL;	/* optional: no placeholder */
	inv.cluster.aws_vpc = NULL;
	cr_assert_eq(gen(&inv, TSN_CLOUD_AWS, TSN_CLOUD_FMT_CLI, false, &out,
			 &res), 0);
	cr_assert_eq(res.n_missing, 1);
	cr_assert_str_eq(res.missing[0], "aws_security_group");
	cr_assert_eq(count(out.p, "AWS_DEFAULT_REGION"), 0);
	tsn_buf_reset(&out);

	make_inv(&inv);
	inv.cluster.gcp_target_tags = NULL;
	cr_assert_eq(gen(&inv, TSN_CLOUD_GCP, TSN_CLOUD_FMT_TERRAFORM, false,
			 &out, &res), 0);
	cr_assert_eq(res.n_missing, 1);
	cr_assert(strstr(out.p, "[\"<GCP_TARGET_TAGS>\"]"));
	tsn_buf_reset(&out);

	/* A complete inventory: no placeholder anywhere. */
	make_inv(&inv);
	cr_assert_eq(gen(&inv, TSN_CLOUD_GCP, TSN_CLOUD_FMT_CLI, false, &out,
			 &res), 0);
	cr_assert_eq(res.n_missing, 0);
	cr_assert_eq(count(out.p, "<"), 0);
	tsn_buf_free(&out);
}

/* Collect "--priority N" values: all distinct, base..base+7. */
Test(azure, priorities_from_base_never_collide)
{
	struct tsn_inventory inv;
	struct tsn_cloud_result res;
	struct tsn_buf out = { 0 };
	bool seen[8] = { false };
	unsigned n = 0;

	make_inv(&inv);
	inv.cluster.azure_priority = 200;
	cr_assert_eq(gen(&inv, TSN_CLOUD_AZURE, TSN_CLOUD_FMT_CLI, false, &out,
			 &res), 0);
	for (const char *p = out.p; (p = strstr(p, "--priority ")); p++) {
		unsigned v = (unsigned)atoi(p + 11);

		cr_assert(v >= 200 && v < 208, "priority %u", v);
		cr_assert(!seen[v - 200], "priority %u twice", v);
		seen[v - 200] = true;
		n++;
	}
	cr_assert_eq(n, 8);
	cr_assert_eq(count(out.p, "--protocol Esp"), 4);
	cr_assert_eq(count(out.p, "--protocol Udp"), 4);
	cr_assert_eq(count(out.p, "--destination-port-ranges 500 4500"), 4);
	tsn_buf_free(&out);

	inv.cluster.azure_priority = 4090;	/* 4090..4097 > 4096 */
	cr_assert_eq(gen(&inv, TSN_CLOUD_AZURE, TSN_CLOUD_FMT_CLI, false, &out,
			 &res), -EINVAL);
	cr_assert(strstr(res.error, "azure_priority"));
	inv.cluster.azure_priority = 0;	/* default 3000 */
	cr_assert_eq(gen(&inv, TSN_CLOUD_AZURE, TSN_CLOUD_FMT_TERRAFORM, false,
			 &out, &res), 0);
	cr_assert(strstr(out.p, "= 3007\n"));
	tsn_buf_free(&out);
}

Test(azure, ipv4_only_cluster_gets_no_ipv6_rules)
{
	struct tsn_inventory inv;
	struct tsn_cloud_result res;
	struct tsn_buf out = { 0 };

	make_inv(&inv);
	memset(&nodes[1].addr6, 0, sizeof(nodes[1].addr6));
	cr_assert_eq(gen(&inv, TSN_CLOUD_AZURE, TSN_CLOUD_FMT_CLI, false, &out,
			 &res), 0);
	cr_assert_eq(count(out.p, "az network nsg rule create"), 4);
	cr_assert_eq(count(out.p, "IPV6"), 0);
	cr_assert_eq(count(out.p, "in6"), 0);
	tsn_buf_reset(&out);
	/* Undo removes every slot tsnet could have made, IPv6 too. */
	cr_assert_eq(gen(&inv, TSN_CLOUD_AZURE, TSN_CLOUD_FMT_CLI, true, &out,
			 &res), 0);
	cr_assert_eq(count(out.p, "az network nsg rule delete"), 8);
	cr_assert_eq(count(out.p, "rule create"), 0);
	tsn_buf_free(&out);
}

Test(script, subnets_replace_node_addresses_and_are_masked)
{
	struct tsn_inventory inv;
	struct tsn_cloud_result res;
	struct tsn_buf out = { 0 };

	make_inv(&inv);
	set_addr(&subnets[0].addr, "198.18.1.77");
	subnets[0].len = 24;
	set_addr(&subnets[1].addr, "fd00:7473::");
	subnets[1].len = 64;
	inv.cluster.subnets = subnets;
	inv.cluster.n_subnets = 2;
	cr_assert_eq(gen(&inv, TSN_CLOUD_GCP, TSN_CLOUD_FMT_CLI, false, &out,
			 &res), 0);
	cr_assert(strstr(out.p, "IPV4='198.18.1.0/24'"));
	cr_assert(strstr(out.p, "IPV6='fd00:7473::/64'"));
	cr_assert_eq(count(out.p, "/32"), 0);
	tsn_buf_free(&out);
}

Test(script, node_addresses_as_host_prefixes)
{
	struct tsn_inventory inv;
	struct tsn_cloud_result res;
	struct tsn_buf out = { 0 };

	make_inv(&inv);
	cr_assert_eq(gen(&inv, TSN_CLOUD_AWS, TSN_CLOUD_FMT_TERRAFORM, false,
			 &out, &res), 0);
	cr_assert(strstr(out.p, "[\"198.18.1.1/32\", \"198.18.1.2/32\", "
			 "\"198.18.1.3/32\"]"));
	cr_assert(strstr(out.p, "[\"fd00:7473::2/128\"]"));
	/* 3 permissions x 2 directions x 2 families */
	cr_assert_eq(count(out.p, "resource \"aws_vpc_security_group_"), 12);
	cr_assert_eq(count(out.p, "ip_protocol       = \"50\""), 4);
	tsn_buf_free(&out);
}

Test(aws, idempotent_cli_tolerates_exactly_the_duplicate_error)
{
	struct tsn_inventory inv;
	struct tsn_cloud_result res;
	struct tsn_buf out = { 0 };
	struct tsn_cloud_req req = { .provider = TSN_CLOUD_AWS,
				     .source_group = true };

	make_inv(&inv);
	cr_assert_eq(gen(&inv, TSN_CLOUD_AWS, TSN_CLOUD_FMT_CLI, false, &out,
			 &res), 0);
	cr_assert(strstr(out.p, "tolerate InvalidPermission.Duplicate \\\n"
			 "\t\t\taws ec2 authorize-security-group-ingress"));
	cr_assert(strstr(out.p, "authorize-security-group-egress"));
	cr_assert(strstr(out.p, "'IpProtocol=50'"));
	cr_assert(strstr(out.p, "export AWS_DEFAULT_REGION='eu-west-1'"));
	tsn_buf_reset(&out);
	cr_assert_eq(gen(&inv, TSN_CLOUD_AWS, TSN_CLOUD_FMT_CLI, true, &out,
			 &res), 0);
	cr_assert(strstr(out.p, "tolerate InvalidPermission.NotFound \\\n"
			 "\t\t\taws ec2 revoke-security-group-ingress"));
	cr_assert_eq(count(out.p, "authorize-"), 0);
	tsn_buf_reset(&out);
	cr_assert_eq(tsn_cloud_script(&inv, &req, &out, &res), 0);
	cr_assert(strstr(out.p, "UserIdGroupPairs=[{GroupId=$GROUP"));
	cr_assert_eq(count(out.p, "CidrIp"), 0);
	tsn_buf_free(&out);
}

Test(aws, many_rules_warn_about_the_quota)
{
	static struct tsn_node many[30];
	struct tsn_inventory inv;
	struct tsn_cloud_result res;
	struct tsn_buf out = { 0 };
	char a[32];

	make_inv(&inv);
	for (int i = 0; i < 30; i++) {
		snprintf(many[i].name, sizeof(many[i].name), "n%d", i);
		snprintf(a, sizeof(a), "198.18.2.%d", i + 1);
		set_addr(&many[i].addr, a);
	}
	inv.nodes = many;
	inv.n_nodes = 30;
	cr_assert_eq(gen(&inv, TSN_CLOUD_AWS, TSN_CLOUD_FMT_CLI, false, &out,
			 &res), 0);
	cr_assert(strstr(res.note, "90 rules"), "%s", res.note);
	tsn_buf_free(&out);
}

Test(script, formats_per_provider)
{
	struct tsn_inventory inv;
	struct tsn_cloud_result res;
	struct tsn_buf out = { 0 };
	struct tsn_cloud_req req = { .provider = TSN_CLOUD_GCP,
				     .source_group = true };
	enum tsn_cloud_format f;

	make_inv(&inv);
	cr_assert_eq(gen(&inv, TSN_CLOUD_AWS, TSN_CLOUD_FMT_POWERSHELL, false,
			 &out, &res), -EINVAL);
	cr_assert_eq(gen(&inv, TSN_CLOUD_GCP, TSN_CLOUD_FMT_POWERSHELL, false,
			 &out, &res), -EINVAL);
	cr_assert_eq(gen(&inv, TSN_CLOUD_NONE, TSN_CLOUD_FMT_CLI, false,
			 &out, &res), -EINVAL);
	cr_assert_eq(tsn_cloud_script(&inv, &req, &out, &res), -EINVAL);
	cr_assert(!out.p || !out.len);
	cr_assert_eq(tsn_cloud_format_parse("terraform", &f), 0);
	cr_assert_eq(f, TSN_CLOUD_FMT_TERRAFORM);
	cr_assert_eq(tsn_cloud_format_parse("Terraform", &f), -EINVAL);
	cr_assert_eq(tsn_cloud_format_parse("", &f), -EINVAL);
	tsn_buf_free(&out);
}

Test(script, every_script_has_a_header_with_its_undo_command)
{
	static const struct { enum tsn_cloud p; enum tsn_cloud_format f;
			      const char *undo; } c[] = {
		{ TSN_CLOUD_AZURE, TSN_CLOUD_FMT_CLI, "tsnet cloud azure --undo" },
		{ TSN_CLOUD_AZURE, TSN_CLOUD_FMT_POWERSHELL,
		  "tsnet cloud azure --format powershell --undo" },
		{ TSN_CLOUD_AZURE, TSN_CLOUD_FMT_TERRAFORM,
		  "tsnet cloud azure --format terraform --undo" },
		{ TSN_CLOUD_AWS, TSN_CLOUD_FMT_CLI, "tsnet cloud aws --undo" },
		{ TSN_CLOUD_AWS, TSN_CLOUD_FMT_TERRAFORM,
		  "tsnet cloud aws --format terraform --undo" },
		{ TSN_CLOUD_GCP, TSN_CLOUD_FMT_CLI, "tsnet cloud gcp --undo" },
		{ TSN_CLOUD_GCP, TSN_CLOUD_FMT_TERRAFORM,
		  "tsnet cloud gcp --format terraform --undo" },
	};
	struct tsn_inventory inv;
	struct tsn_cloud_result res;

	make_inv(&inv);
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct tsn_buf out = { 0 }, again = { 0 };

		cr_assert_eq(gen(&inv, c[i].p, c[i].f, false, &out, &res), 0);
		cr_assert(strstr(out.p, "Changes:"));
		cr_assert(strstr(out.p, c[i].undo), "case %zu", i);
		cr_assert_eq(c[i].f == TSN_CLOUD_FMT_CLI,
			     !strncmp(out.p, "#!/bin/bash\n", 12));
		if (c[i].f == TSN_CLOUD_FMT_CLI)
			cr_assert(strstr(out.p, "\nset -euo pipefail\n"));
		/* Deterministic: the same inventory, the same bytes. */
		cr_assert_eq(gen(&inv, c[i].p, c[i].f, false, &again, &res), 0);
		cr_assert_str_eq(out.p, again.p);
		tsn_buf_reset(&out);
		cr_assert_eq(gen(&inv, c[i].p, c[i].f, true, &out, &res), 0);
		cr_assert(strstr(out.p, "Redo: tsnet cloud"), "case %zu", i);
		tsn_buf_free(&out);
		tsn_buf_free(&again);
	}
}

Test(script, terraform_undo_destroys_through_removed_blocks)
{
	struct tsn_inventory inv;
	struct tsn_cloud_result res;
	struct tsn_buf out = { 0 };

	make_inv(&inv);
	cr_assert_eq(gen(&inv, TSN_CLOUD_GCP, TSN_CLOUD_FMT_TERRAFORM, true,
			 &out, &res), 0);
	cr_assert_eq(count(out.p, "removed {"), 4);
	cr_assert_eq(count(out.p, "destroy = true"), 4);
	cr_assert_eq(count(out.p, "resource \""), 0);
	cr_assert(strstr(out.p, "from = google_compute_firewall.tsnet_prod_out6"));
	tsn_buf_free(&out);
}
