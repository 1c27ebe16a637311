/* script.c - what every cloud script generator shares: output with a
 * sticky error, the cluster's CIDRs, rule names, the header that says
 * what a script changes and how to undo it, and tsn_cloud_script() that
 * checks the inventory and hands over to azure.c, aws.c or gcp.c.
 * Values and quoting are in quote.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/gen.h"

void cloud_printf(struct cloud_gen *g, const char *fmt, ...)
{
	va_list ap;
	int ret;

	if (g->err)
		return;
	va_start(ap, fmt);
	ret = tsn_buf_vprintf(g->out, fmt, ap);
	va_end(ap);
	if (ret < 0)
		g->err = ret;
}

void cloud_puts(struct cloud_gen *g, const char *s)
{
	int ret;

	if (g->err)
		return;
	ret = tsn_buf_puts(g->out, s);
	if (ret < 0)
		g->err = ret;
}

void cloud_comment(struct cloud_gen *g, const char *fmt, ...)
{
	va_list ap;
	int ret;

	if (g->err)
		return;
	cloud_puts(g, *fmt ? "# " : "#");
	va_start(ap, fmt);
	ret = tsn_buf_vprintf(g->out, fmt, ap);
	va_end(ap);
	if (ret < 0)
		g->err = ret;
	cloud_puts(g, "\n");
}

void cloud_rule_name(const struct cloud_gen *g, char *buf, size_t len,
		     int dir, int fam, const char *what)
{
	snprintf(buf, len, "tsnet-%s-%s%c%s%s", g->cluster,
		 dir == CLOUD_IN ? "in" : "out", fam == CLOUD_V4 ? '4' : '6',
		 what ? "-" : "", what ? what : "");
}

void cloud_tf_name(const struct cloud_gen *g, char *buf, size_t len,
		   int dir, int fam, const char *what)
{
	snprintf(buf, len, "%s_%s%c%s%s", g->tfid,
		 dir == CLOUD_IN ? "in" : "out", fam == CLOUD_V4 ? '4' : '6',
		 what ? "_" : "", what ? what : "");
}

static const char *format_title(const struct tsn_cloud_req *r)
{
	if (r->format == TSN_CLOUD_FMT_TERRAFORM)
		return r->provider == TSN_CLOUD_AZURE ? "Terraform, azurerm provider" :
		       r->provider == TSN_CLOUD_AWS ? "Terraform, aws provider" :
		       "Terraform, google provider";
	if (r->format == TSN_CLOUD_FMT_POWERSHELL)
		return "Azure PowerShell, Az module";
	return r->provider == TSN_CLOUD_AZURE ? "Azure CLI, bash" :
	       r->provider == TSN_CLOUD_AWS ? "AWS CLI, bash" : "gcloud, bash";
}

/* The exact tsnet command line that writes this script (or its undo).
 * The inventory path is only named when it is plain enough to sit in a
 * comment unquoted; otherwise the header says "the same inventory". */
static void tsnet_cmdline(const struct cloud_gen *g, char *buf, size_t len,
			  bool undo)
{
	const struct tsn_cloud_req *r = g->req;
	const char *path = g->inv->path;
	char conf[300] = "";

	if (path && *path && *path != '-' && strlen(path) < 256 &&
	    strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789._/+-") == strlen(path))
		snprintf(conf, sizeof(conf), " -c %s", path);
	snprintf(buf, len, "tsnet%s cloud %s%s%s%s%s", conf,
		 tsn_cloud_id(r->provider),
		 r->format == TSN_CLOUD_FMT_CLI ? "" : " --format ",
		 r->format == TSN_CLOUD_FMT_CLI ? "" :
		 tsn_cloud_format_name(r->format),
		 r->source_group ? " --source-group" : "",
		 undo ? " --undo" : "");
}

void cloud_header_begin(struct cloud_gen *g, const char *what)
{
	const struct tsn_cloud_req *r = g->req;

	if (r->format == TSN_CLOUD_FMT_CLI)
		cloud_puts(g, "#!/bin/bash\n");
	cloud_comment(g, "tsnet cloud %s (%s) for cluster %s:",
		      tsn_cloud_id(r->provider), format_title(r), g->cluster);
	cloud_comment(g, "%s", what);
	cloud_puts(g, "#\n");
}

void cloud_header_end(struct cloud_gen *g)
{
	const struct tsn_cloud_req *r = g->req;
	const struct tsn_cloud_result *res = g->res;
	char cmd[400];
	bool tf = r->format == TSN_CLOUD_FMT_TERRAFORM;

	cloud_puts(g, "#\n");
	for (size_t i = 0; i < res->n_missing; i++) {
		const char *key = res->missing[i];

		for (int f = 0; f < CF_COUNT; f++)
			if (cloud_field_key(f) == key)
				cloud_comment(g, "PLACEHOLDER %s: the inventory "
					      "has no %s (set it in [cluster] "
					      "and run tsnet cloud again).",
					      cloud_field_placeholder(f), key);
	}
	if (res->n_missing)
		cloud_comment(g, "%s", tf ? "The cloud rejects these names: "
			      "nothing is changed while one is left." :
			      "This script refuses to run while one is left.");
	tsnet_cmdline(g, cmd, sizeof(cmd), !r->undo);
	if (r->undo)
		cloud_comment(g, "Redo: %s > %s", cmd, tf ? "tsnet-ipsec.tf" :
			      r->format == TSN_CLOUD_FMT_POWERSHELL ?
			      "allow-ipsec.ps1" : "allow-ipsec.sh");
	else if (tf) {
		cloud_comment(g, "Undo: %s > tsnet-ipsec.tf", cmd);
		cloud_comment(g, "  (in place of this file), terraform apply, "
			      "then delete that file;");
		cloud_comment(g, "  removed blocks need Terraform 1.7 or later.");
	} else {
		cloud_comment(g, "Undo: %s > %s", cmd,
			      r->format == TSN_CLOUD_FMT_POWERSHELL ?
			      "undo-ipsec.ps1" : "undo-ipsec.sh");
		cloud_comment(g, "  and run that as you ran this script.");
	}
	cloud_puts(g, "\n");
}

void cloud_comment_cidrs(struct cloud_gen *g, int fam)
{
	size_t col = 0;

	for (size_t i = 0; i < g->n_cidr[fam]; i++) {
		const char *c = g->cidr[fam][i];

		if (col && col + 1 + strlen(c) > 72) {
			cloud_puts(g, "\n");
			col = 0;
		}
		if (!col) {
			cloud_puts(g, "#   ");
			col = 4;
		} else {
			cloud_puts(g, " ");
			col++;
		}
		cloud_puts(g, c);
		col += strlen(c);
	}
	if (col)
		cloud_puts(g, "\n");
}

/* The network address of a (masked to plen), as "a/plen", once only. */
static int add_cidr(struct cloud_gen *g, const struct tsn_addr *a,
		    unsigned plen)
{
	int fam = a->family == AF_INET ? CLOUD_V4 : CLOUD_V6;
	unsigned char bytes[16] = { 0 };
	size_t alen = fam == CLOUD_V4 ? 4 : 16;
	char str[INET6_ADDRSTRLEN], cidr[CLOUD_CIDR_LEN];

	if (a->family != AF_INET && a->family != AF_INET6)
		return 0;	/* an unset optional address */
	if (plen > alen * 8)
		return -EINVAL;
	memcpy(bytes, fam == CLOUD_V4 ? (const void *)&a->v4 :
	       (const void *)&a->v6, alen);
	for (size_t i = 0; i < alen; i++) {
		unsigned keep = plen > i * 8 ? plen - i * 8 : 0;

		if (keep < 8)
			bytes[i] &= (unsigned char)(0xff00u >> keep);
	}
	if (!inet_ntop(a->family, bytes, str, sizeof(str)))
		return -EINVAL;
	snprintf(cidr, sizeof(cidr), "%s/%u", str, plen);
	for (size_t i = 0; i < g->n_cidr[fam]; i++)
		if (!strcmp(g->cidr[fam][i], cidr))
			return 0;
	memcpy(g->cidr[fam][g->n_cidr[fam]++], cidr, sizeof(cidr));
	return 0;
}

/* The cluster's members: its subnets when the inventory names them (a
 * shorter rule that survives adding a node), else every node address. */
static int collect_cidrs(struct cloud_gen *g)
{
	const struct tsn_inventory *inv = g->inv;
	size_t max = inv->cluster.n_subnets ? inv->cluster.n_subnets :
		     2 * inv->n_nodes;
	int ret = 0;

	for (int f = CLOUD_V4; f <= CLOUD_V6; f++) {
		g->cidr[f] = calloc(max ? max : 1, CLOUD_CIDR_LEN);
		if (!g->cidr[f])
			return -ENOMEM;
	}
	if (inv->cluster.n_subnets) {
		for (size_t i = 0; i < inv->cluster.n_subnets && !ret; i++)
			ret = add_cidr(g, &inv->cluster.subnets[i].addr,
				       inv->cluster.subnets[i].len);
	} else {
		for (size_t i = 0; i < inv->n_nodes && !ret; i++) {
			const struct tsn_node *n = &inv->nodes[i];

			ret = add_cidr(g, &n->addr,
				       n->addr.family == AF_INET ? 32 : 128);
			if (!ret)
				ret = add_cidr(g, &n->addr6,
					       n->addr6.family == AF_INET ?
					       32 : 128);
		}
	}
	if (ret)
		snprintf(g->res->error, sizeof(g->res->error),
			 "an address or subnet cannot be used");
	else if (!g->n_cidr[CLOUD_V4] && !g->n_cidr[CLOUD_V6]) {
		snprintf(g->res->error, sizeof(g->res->error),
			 "the inventory has no node addresses or subnets");
		ret = -EINVAL;
	}
	return ret;
}

static bool cluster_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= TSN_NAME_MAX && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* Every cloud value present is checked, used by this provider or not: a
 * hostile value anywhere in [cluster] is an inventory error. */
static int gen_check(struct cloud_gen *g)
{
	const struct tsn_cluster *c = &g->inv->cluster;
	char why[128];

	if (!cluster_name_ok(c->name)) {
		snprintf(g->res->error, sizeof(g->res->error),
			 "inventory key name: the cluster name must be 1-%d "
			 "of [a-z0-9-], not starting with '-'", TSN_NAME_MAX);
		return -EINVAL;
	}
	for (int f = 0; f < CF_COUNT; f++) {
		const char *v = cloud_field_value(c, f);

		if (!v || !*v || !*cloud_field_problem(f, v, why, sizeof(why)))
			continue;
		snprintf(g->res->error, sizeof(g->res->error),
			 "inventory key %s: %s (allowed: %s)",
			 cloud_field_key(f), why, cloud_field_allowed(f));
		return -EINVAL;
	}
	g->cluster = c->name;
	snprintf(g->tfid, sizeof(g->tfid), "tsnet_%s", c->name);
	for (char *p = g->tfid; *p; p++)
		if (*p == '-')
			*p = '_';
	return 0;
}

int tsn_cloud_script(const struct tsn_inventory *inv,
		     const struct tsn_cloud_req *req, struct tsn_buf *out,
		     struct tsn_cloud_result *res)
{
	struct cloud_gen g = { .inv = inv, .req = req, .res = res, .out = out };
	size_t start = out->len;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!tsn_cloud_format_ok(req->provider, req->format)) {
		snprintf(res->error, sizeof(res->error), "%s has no %s format",
			 tsn_cloud_id(req->provider),
			 tsn_cloud_format_name(req->format));
		return -EINVAL;
	}
	if (req->source_group && req->provider != TSN_CLOUD_AWS) {
		snprintf(res->error, sizeof(res->error),
			 "--source-group is for aws only");
		return -EINVAL;
	}
	ret = gen_check(&g);
	if (!ret)
		ret = collect_cidrs(&g);
	if (!ret) {
		if (req->provider == TSN_CLOUD_AZURE)
			ret = cloud_azure(&g);
		else if (req->provider == TSN_CLOUD_AWS)
			ret = cloud_aws(&g);
		else
			ret = cloud_gcp(&g);
	}
	if (!ret)
		ret = g.err;
	if (ret && out->p) {
		out->len = start;	/* never half a script */
		out->p[start] = '\0';
	}
	free(g.cidr[CLOUD_V4]);
	free(g.cidr[CLOUD_V6]);
	return ret;
}

const char *tsn_cloud_format_name(enum tsn_cloud_format f)
{
	switch (f) {
	case TSN_CLOUD_FMT_CLI:		return "cli";
	case TSN_CLOUD_FMT_POWERSHELL:	return "powershell";
	case TSN_CLOUD_FMT_TERRAFORM:	return "terraform";
	}
	return "?";
}

int tsn_cloud_format_parse(const char *s, enum tsn_cloud_format *out)
{
	static const enum tsn_cloud_format all[] = { TSN_CLOUD_FMT_CLI,
		TSN_CLOUD_FMT_POWERSHELL, TSN_CLOUD_FMT_TERRAFORM };

	for (size_t i = 0; i < ARRAY_SIZE(all); i++) {
		if (tsn_streq(s, tsn_cloud_format_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

bool tsn_cloud_format_ok(enum tsn_cloud provider, enum tsn_cloud_format f)
{
	if (provider != TSN_CLOUD_AZURE && provider != TSN_CLOUD_AWS &&
	    provider != TSN_CLOUD_GCP)
		return false;
	return f != TSN_CLOUD_FMT_POWERSHELL || provider == TSN_CLOUD_AZURE;
}

const char *tsn_cloud_id(enum tsn_cloud c)
{
	switch (c) {
	case TSN_CLOUD_NONE:	return "none";
	case TSN_CLOUD_AUTO:	return "auto";
	case TSN_CLOUD_AZURE:	return "azure";
	case TSN_CLOUD_AWS:	return "aws";
	case TSN_CLOUD_GCP:	return "gcp";
	}
	return "?";
}

void cloud_sh_guard(struct cloud_gen *g, const char *const vars[], size_t n)
{
	if (!n)
		return;
	cloud_puts(g, "# Stop while a name the inventory did not give is still "
		   "a placeholder.\n"
		   "placeholder() {\n"
		   "\tcase $1 in\n"
		   "\t'<'*'>')\n"
		   "\t\techo \"tsnet: $1 is a placeholder: set its key in the "
		   "inventory and run tsnet cloud again\" >&2\n"
		   "\t\texit 1\n"
		   "\t\t;;\n"
		   "\tesac\n"
		   "}\n");
	for (size_t i = 0; i < n; i++)
		cloud_printf(g, "placeholder \"$%s\"\n", vars[i]);
	cloud_puts(g, "\n");
}

void cloud_sh_array(struct cloud_gen *g, const char *var, int fam)
{
	cloud_printf(g, "%s=(", var);
	for (size_t i = 0; i < g->n_cidr[fam]; i++) {
		if (i)
			cloud_puts(g, " ");
		cloud_sh(g, g->cidr[fam][i]);
	}
	cloud_puts(g, ")\n");
}

/* Two-space indent, the key padded to width as terraform fmt aligns
 * the '=' of consecutive attributes. */
void cloud_hcl_str(struct cloud_gen *g, int width, const char *key,
		   const char *value)
{
	cloud_printf(g, "  %-*s = ", width, key);
	cloud_hcl(g, value);
	cloud_puts(g, "\n");
}

void cloud_hcl_raw(struct cloud_gen *g, int width, const char *key,
		   const char *fmt, ...)
{
	va_list ap;
	int ret;

	cloud_printf(g, "  %-*s = ", width, key);
	if (g->err)
		return;
	va_start(ap, fmt);
	ret = tsn_buf_vprintf(g->out, fmt, ap);
	va_end(ap);
	if (ret < 0)
		g->err = ret;
	cloud_puts(g, "\n");
}

void cloud_hcl_list(struct cloud_gen *g, int fam)
{
	cloud_puts(g, "[");
	for (size_t i = 0; i < g->n_cidr[fam]; i++) {
		if (i)
			cloud_puts(g, ", ");
		cloud_hcl(g, g->cidr[fam][i]);
	}
	cloud_puts(g, "]");
}
