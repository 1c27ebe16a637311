/* aws.c - security group rules that let IPsec through AWS: AWS CLI
 * (bash) and Terraform (aws_vpc_security_group_ingress/egress_rule).
 *
 * Security group rules have no names, so a rerun cannot "update by
 * name": the script authorizes each permission on its own and treats
 * InvalidPermission.Duplicate as "already there" (one call per rule,
 * because a call with one duplicate in it adds nothing at all).  Egress
 * rules are added too: a group whose default allow-all egress rule was
 * removed would otherwise drop our own outbound ESP.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cloud/gen.h"

#define AWS_RULES_DEFAULT_QUOTA 60	/* rules per direction per group */

struct aws {
	struct cloud_gen *g;
	const char *group;
	const char *vpc;	/* optional: checked before any change */
	const char *region;	/* optional: else the CLI's default */
	char desc[96];
};

/* The three permissions IPsec needs, in the CLI's shorthand and as
 * Terraform attributes. */
static const struct {
	const char *what;
	const char *shorthand;
	const char *proto;
	int port;		/* 0: no ports (ESP) */
} perms[] = {
	{ "udp500", "IpProtocol=udp,FromPort=500,ToPort=500", "udp", 500 },
	{ "udp4500", "IpProtocol=udp,FromPort=4500,ToPort=4500", "udp", 4500 },
	{ "esp", "IpProtocol=50", "50", 0 },
};

static void aws_header(struct aws *a)
{
	struct cloud_gen *g = a->g;
	bool sg = g->req->source_group;
	size_t n = g->n_cidr[CLOUD_V4] + g->n_cidr[CLOUD_V6];

	if (g->req->undo)
		cloud_header_begin(g, "removes the IPsec rules tsnet cloud aws "
				   "adds, and nothing else.");
	else
		cloud_header_begin(g, "allows IPsec (UDP 500, UDP 4500, ESP) "
				   "between the cluster's members only.");
	cloud_comment(g, "Changes: security group %s%s%s", a->group,
		      a->vpc ? " in " : "", a->vpc ? a->vpc : "");
	cloud_comment(g, "%s inbound and outbound rules for UDP 500, UDP "
		      "4500 and protocol 50", g->req->undo ? "loses its" :
		      "gets");
	if (sg)
		cloud_comment(g, "whose peer is the group itself (every "
			      "instance in it).");
	else {
		cloud_comment(g, "whose peer is one of these (%zu rules per "
			      "direction):", 3 * n);
		cloud_comment_cidrs(g, CLOUD_V4);
		cloud_comment_cidrs(g, CLOUD_V6);
	}
	if (g->req->format == TSN_CLOUD_FMT_CLI)
		cloud_comment(g, "Region: %s.", a->region ? a->region :
			      "the AWS CLI's default (the inventory has no "
			      "aws_region)");
	if (g->req->undo)
		cloud_comment(g, "A rule that is not there is not an error.");
	else
		cloud_comment(g, "Running it again leaves the same rules: one "
			      "already there is not an error.");
	cloud_header_end(g);
}

static void aws_cli_setup(struct aws *a)
{
	static const char *const vars[] = { "GROUP" };
	struct cloud_gen *g = a->g;

	cloud_puts(g, "set -euo pipefail\n\nGROUP=");
	cloud_sh(g, a->group);
	cloud_puts(g, "\n");
	if (a->vpc) {
		cloud_puts(g, "VPC=");
		cloud_sh(g, a->vpc);
		cloud_puts(g, "\n");
	}
	if (a->region) {
		cloud_puts(g, "export AWS_DEFAULT_REGION=");
		cloud_sh(g, a->region);
		cloud_puts(g, "\n");
	}
	if (!g->req->source_group) {
		if (g->n_cidr[CLOUD_V4])
			cloud_sh_array(g, "IPV4", CLOUD_V4);
		if (g->n_cidr[CLOUD_V6])
			cloud_sh_array(g, "IPV6", CLOUD_V6);
	}
	cloud_puts(g, "\n");
	cloud_sh_guard(g, vars, g->res->n_missing ? 1 : 0);
	cloud_puts(g, "# Stop before any change when the group is not "
		   "there.\n");
	if (a->vpc)
		cloud_puts(g, "vpc=$(aws ec2 describe-security-groups "
			   "--group-ids \"$GROUP\" \\\n"
			   "\t--query 'SecurityGroups[0].VpcId' --output text)\n"
			   "if [ \"$vpc\" != \"$VPC\" ]; then\n"
			   "\techo \"tsnet: security group $GROUP is in $vpc, "
			   "not in $VPC\" >&2\n\texit 1\nfi\n\n");
	else
		cloud_puts(g, "aws ec2 describe-security-groups --group-ids "
			   "\"$GROUP\" --output text >/dev/null\n\n");
	cloud_printf(g, "# tolerate CODE COMMAND...: run COMMAND; failing "
		     "with error CODE counts as done.\n"
		     "tolerate() {\n"
		     "\tlocal code=$1 out\n"
		     "\tshift\n"
		     "\tif out=$(\"$@\" 2>&1); then\n"
		     "\t\treturn 0\n"
		     "\tfi\n"
		     "\tif grep -qF -- \"$code\" <<<\"$out\"; then\n"
		     "\t\treturn 0\n"
		     "\tfi\n"
		     "\tprintf '%%s\\n' \"$out\" >&2\n"
		     "\treturn 1\n"
		     "}\n\n");
}

static void aws_cli(struct aws *a)
{
	struct cloud_gen *g = a->g;
	const char *verb = g->req->undo ? "revoke" : "authorize";
	const char *code = g->req->undo ? "InvalidPermission.NotFound" :
			   "InvalidPermission.Duplicate";

	aws_header(a);
	aws_cli_setup(a);
	cloud_puts(g, "DESCRIPTION=");
	cloud_sh(g, a->desc);
	cloud_puts(g, "\nPERMS=(\n");
	for (size_t p = 0; p < ARRAY_SIZE(perms); p++) {
		cloud_puts(g, "\t");
		cloud_sh(g, perms[p].shorthand);
		cloud_puts(g, "\n");
	}
	cloud_puts(g, ")\n");
	if (g->req->source_group) {
		cloud_puts(g, "peer=\"UserIdGroupPairs=[{GroupId=$GROUP,"
			   "Description=$DESCRIPTION}]\"\n");
		cloud_printf(g, "for perm in \"${PERMS[@]}\"; do\n"
			     "\ttolerate %s \\\n"
			     "\t\taws ec2 %s-security-group-ingress "
			     "--group-id \"$GROUP\" \\\n"
			     "\t\t--ip-permissions \"$perm,$peer\"\n"
			     "\ttolerate %s \\\n"
			     "\t\taws ec2 %s-security-group-egress "
			     "--group-id \"$GROUP\" \\\n"
			     "\t\t--ip-permissions \"$perm,$peer\"\n"
			     "done\n", code, verb, code, verb);
		return;
	}
	for (int f = CLOUD_V4; f <= CLOUD_V6; f++) {
		if (!g->n_cidr[f])
			continue;
		cloud_printf(g, "for cidr in \"${IPV%c[@]}\"; do\n"
			     "\tpeer=\"%s=[{%s=$cidr,Description=$DESCRIPTION}]\"\n"
			     "\tfor perm in \"${PERMS[@]}\"; do\n"
			     "\t\ttolerate %s \\\n"
			     "\t\t\taws ec2 %s-security-group-ingress "
			     "--group-id \"$GROUP\" \\\n"
			     "\t\t\t--ip-permissions \"$perm,$peer\"\n"
			     "\t\ttolerate %s \\\n"
			     "\t\t\taws ec2 %s-security-group-egress "
			     "--group-id \"$GROUP\" \\\n"
			     "\t\t\t--ip-permissions \"$perm,$peer\"\n"
			     "\tdone\ndone\n", f == CLOUD_V4 ? '4' : '6',
			     f == CLOUD_V4 ? "IpRanges" : "Ipv6Ranges",
			     f == CLOUD_V4 ? "CidrIp" : "CidrIpv6",
			     code, verb, code, verb);
	}
}

static void aws_tf_name(const struct aws *a, char *buf, size_t len, int dir,
			int fam, size_t p)
{
	if (a->g->req->source_group)
		snprintf(buf, len, "%s_%s_group_%s", a->g->tfid,
			 dir == CLOUD_IN ? "in" : "out", perms[p].what);
	else
		cloud_tf_name(a->g, buf, len, dir, fam, perms[p].what);
}

static void aws_tf_rule(struct aws *a, int dir, int fam, size_t p)
{
	struct cloud_gen *g = a->g;
	bool sg = g->req->source_group;
	char id[128];
	const int w = sg ? 28 : 17;	/* referenced_security_group_id */

	aws_tf_name(a, id, sizeof(id), dir, fam, p);
	if (g->req->undo) {
		cloud_printf(g, "removed {\n  from = aws_vpc_security_group_"
			     "%s_rule.%s\n\n  lifecycle {\n    destroy = true\n"
			     "  }\n}\n", dir == CLOUD_IN ? "ingress" : "egress",
			     id);
		return;
	}
	cloud_printf(g, "resource \"aws_vpc_security_group_%s_rule\" \"%s\" "
		     "{\n", dir == CLOUD_IN ? "ingress" : "egress", id);
	if (!sg)
		cloud_printf(g, "  for_each = toset(local.%s_ipv%c)\n\n",
			     g->tfid, fam == CLOUD_V4 ? '4' : '6');
	cloud_hcl_raw(g, w, "security_group_id", "local.%s_security_group",
		      g->tfid);
	if (sg)
		cloud_hcl_raw(g, w, "referenced_security_group_id",
			      "local.%s_security_group", g->tfid);
	else
		cloud_hcl_raw(g, w, fam == CLOUD_V4 ? "cidr_ipv4" : "cidr_ipv6",
			      "each.value");
	cloud_hcl_str(g, w, "ip_protocol", perms[p].proto);
	if (perms[p].port) {
		cloud_hcl_raw(g, w, "from_port", "%d", perms[p].port);
		cloud_hcl_raw(g, w, "to_port", "%d", perms[p].port);
	}
	cloud_hcl_str(g, w, "description", a->desc);
	cloud_puts(g, "}\n");
}

static void aws_terraform(struct aws *a)
{
	struct cloud_gen *g = a->g;
	bool sg = g->req->source_group;
	bool first = true;
	char key[96];
	int w;

	aws_header(a);
	if (!g->req->undo) {
		snprintf(key, sizeof(key), "%s_security_group", g->tfid);
		w = (int)strlen(key);
		cloud_puts(g, "locals {\n");
		cloud_hcl_str(g, w, key, a->group);
		for (int f = CLOUD_V4; f <= CLOUD_V6 && !sg; f++) {
			if (!g->n_cidr[f])
				continue;
			snprintf(key, sizeof(key), "%s_ipv%c", g->tfid,
				 f == CLOUD_V4 ? '4' : '6');
			cloud_printf(g, "  %-*s = ", w, key);
			cloud_hcl_list(g, f);
			cloud_puts(g, "\n");
		}
		cloud_puts(g, "}\n");
		first = false;
	}
	for (int dir = CLOUD_IN; dir <= CLOUD_OUT; dir++) {
		for (int f = CLOUD_V4; f <= CLOUD_V6; f++) {
			if (sg ? f != CLOUD_V4 : !g->n_cidr[f])
				continue;
			for (size_t p = 0; p < ARRAY_SIZE(perms); p++) {
				cloud_puts(g, first ? "" : "\n");
				first = false;
				aws_tf_rule(a, dir, f, p);
			}
		}
	}
}

int cloud_aws(struct cloud_gen *g)
{
	struct aws a = { .g = g };
	size_t rules = 3 * (g->n_cidr[CLOUD_V4] + g->n_cidr[CLOUD_V6]);

	a.group = cloud_field(g, CF_AWS_SG, true);
	a.vpc = cloud_field(g, CF_AWS_VPC, false);
	a.region = cloud_field(g, CF_AWS_REGION, false);
	snprintf(a.desc, sizeof(a.desc), "tsnet-cluster-%s", g->cluster);
	if (!g->req->source_group && !g->req->undo &&
	    rules > AWS_RULES_DEFAULT_QUOTA)
		snprintf(g->res->note, sizeof(g->res->note),
			 "this adds %zu rules per direction; a security group "
			 "holds %d by default: set subnets in the inventory or "
			 "use --source-group", rules, AWS_RULES_DEFAULT_QUOTA);
	if (g->req->format == TSN_CLOUD_FMT_TERRAFORM)
		aws_terraform(&a);
	else
		aws_cli(&a);
	return g->err;
}
