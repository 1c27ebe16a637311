/* gcp.c - VPC firewall rules that let IPsec through Google Cloud: gcloud
 * (bash) and Terraform (google_compute_firewall).
 *
 * One rule per direction and family, named after the cluster; a rerun
 * updates a rule that exists (describe, then update or create), so the
 * ranges follow the inventory.  Ingress rules are limited to the
 * cluster's instances by target tags and to its addresses by source
 * ranges; egress rules the other way round.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cloud/gen.h"

#define GCP_ALLOW "esp,udp:500,udp:4500"

struct gcp {
	struct cloud_gen *g;
	const char *project;
	const char *network;
	const char *tags;
	char desc[128];
};

static const char *const fam_var[2] = { "IPV4", "IPV6" };

static void gcp_header(struct gcp *a)
{
	struct cloud_gen *g = a->g;
	char name[96];

	if (g->req->undo) {
		cloud_header_begin(g, "removes the IPsec rules tsnet cloud gcp "
				   "adds, and nothing else.");
		cloud_comment(g, "Changes: project %s loses these firewall "
			      "rules when present:", a->project);
		for (int d = CLOUD_IN; d <= CLOUD_OUT; d++)
			for (int f = CLOUD_V4; f <= CLOUD_V6; f++) {
				cloud_rule_name(g, name, sizeof(name), d, f,
						NULL);
				cloud_comment(g, "  %s", name);
			}
		cloud_header_end(g);
		return;
	}
	cloud_header_begin(g, "allows IPsec (UDP 500, UDP 4500, ESP) between "
			   "the cluster's members only.");
	cloud_comment(g, "Changes: network %s in project %s gets", a->network,
		      a->project);
	cloud_comment(g, "ingress and egress firewall rules allowing "
		      GCP_ALLOW ",");
	cloud_comment(g, "for instances tagged %s, from and to these "
		      "addresses only:", a->tags);
	cloud_comment_cidrs(g, CLOUD_V4);
	cloud_comment_cidrs(g, CLOUD_V6);
	cloud_comment(g, "Rules:");
	for (int d = CLOUD_IN; d <= CLOUD_OUT; d++)
		for (int f = CLOUD_V4; f <= CLOUD_V6; f++) {
			if (!g->n_cidr[f])
				continue;
			cloud_rule_name(g, name, sizeof(name), d, f, NULL);
			cloud_comment(g, "  %s", name);
		}
	cloud_comment(g, "Running it again leaves the same rules: one that "
		      "exists is updated.");
	cloud_header_end(g);
}

static void gcp_cli_rule(struct gcp *a, int dir, int fam)
{
	struct cloud_gen *g = a->g;
	char name[96];

	cloud_rule_name(g, name, sizeof(name), dir, fam, NULL);
	cloud_puts(g, "if gcloud compute firewall-rules describe ");
	cloud_sh(g, name);
	cloud_puts(g, " --project=\"$PROJECT\" \\\n"
		   "\t--format=none >/dev/null 2>&1; then\n");
	if (g->req->undo) {
		cloud_puts(g, "\tgcloud compute firewall-rules delete ");
		cloud_sh(g, name);
		cloud_puts(g, " --project=\"$PROJECT\" --quiet\nfi\n");
		return;
	}
	for (int create = 0; create <= 1; create++) {
		cloud_printf(g, "\tgcloud compute firewall-rules %s ",
			     create ? "create" : "update");
		cloud_sh(g, name);
		cloud_puts(g, " --project=\"$PROJECT\" \\\n");
		if (create)
			cloud_printf(g, "\t\t--network=\"$NETWORK\" "
				     "--direction=%s \\\n",
				     dir == CLOUD_IN ? "INGRESS" : "EGRESS");
		cloud_printf(g, "\t\t--allow=" GCP_ALLOW " --%s-ranges=\"$%s\" "
			     "\\\n\t\t--target-tags=\"$TAGS\" --description=",
			     dir == CLOUD_IN ? "source" : "destination",
			     fam_var[fam]);
		cloud_sh(g, a->desc);
		cloud_puts(g, create ? "\nfi\n" : "\nelse\n");
	}
}

/* gcloud takes a list as one comma-separated word. */
static void gcp_sh_ranges(struct cloud_gen *g, int fam)
{
	struct tsn_buf list = { 0 };
	int ret = 0;

	for (size_t i = 0; i < g->n_cidr[fam] && !ret; i++)
		ret = tsn_buf_printf(&list, "%s%s", i ? "," : "",
				     g->cidr[fam][i]);
	if (ret < 0 && !g->err)
		g->err = ret;
	cloud_sh(g, list.p ? list.p : "");
	tsn_buf_free(&list);
}

static void gcp_cli(struct gcp *a)
{
	static const char *const vars[] = { "PROJECT", "NETWORK", "TAGS" };
	struct cloud_gen *g = a->g;
	bool undo = g->req->undo;

	gcp_header(a);
	cloud_puts(g, "set -euo pipefail\n\nPROJECT=");
	cloud_sh(g, a->project);
	cloud_puts(g, "\n");
	if (!undo) {
		cloud_puts(g, "NETWORK=");
		cloud_sh(g, a->network);
		cloud_puts(g, "\nTAGS=");
		cloud_sh(g, a->tags);
		cloud_puts(g, "\n");
		for (int f = CLOUD_V4; f <= CLOUD_V6; f++) {
			if (!g->n_cidr[f])
				continue;
			cloud_printf(g, "%s=", fam_var[f]);
			gcp_sh_ranges(g, f);
			cloud_puts(g, "\n");
		}
	}
	cloud_puts(g, "\n");
	cloud_sh_guard(g, vars, !g->res->n_missing ? 0 : undo ? 1 : 3);
	if (!undo)
		cloud_puts(g, "# Stop before any change when the network is "
			   "not there.\ngcloud compute networks describe "
			   "\"$NETWORK\" --project=\"$PROJECT\" --format=none"
			   "\n\n");
	for (int d = CLOUD_IN; d <= CLOUD_OUT; d++)
		for (int f = CLOUD_V4; f <= CLOUD_V6; f++)
			if (undo || g->n_cidr[f])
				gcp_cli_rule(a, d, f);
}

static void gcp_tf_rule(struct gcp *a, int dir, int fam)
{
	struct cloud_gen *g = a->g;
	char name[96], id[96];
	/* terraform fmt aligns to the longest key: source_ranges or
	 * destination_ranges. */
	const int w = dir == CLOUD_IN ? 13 : 18;

	cloud_rule_name(g, name, sizeof(name), dir, fam, NULL);
	cloud_tf_name(g, id, sizeof(id), dir, fam, NULL);
	if (g->req->undo) {
		cloud_printf(g, "removed {\n  from = google_compute_firewall.%s"
			     "\n\n  lifecycle {\n    destroy = true\n  }\n}\n",
			     id);
		return;
	}
	cloud_printf(g, "resource \"google_compute_firewall\" \"%s\" {\n", id);
	cloud_hcl_str(g, w, "name", name);
	cloud_hcl_raw(g, w, "project", "local.%s_project", g->tfid);
	cloud_hcl_raw(g, w, "network", "local.%s_network", g->tfid);
	cloud_hcl_str(g, w, "direction", dir == CLOUD_IN ? "INGRESS" :
		      "EGRESS");
	cloud_hcl_raw(g, w, dir == CLOUD_IN ? "source_ranges" :
		      "destination_ranges", "local.%s_ipv%c", g->tfid,
		      fam == CLOUD_V4 ? '4' : '6');
	cloud_hcl_raw(g, w, "target_tags", "local.%s_tags", g->tfid);
	cloud_hcl_str(g, w, "description", a->desc);
	cloud_puts(g, "\n  allow {\n    protocol = \"esp\"\n  }\n\n"
		   "  allow {\n    protocol = \"udp\"\n"
		   "    ports    = [\"500\", \"4500\"]\n  }\n}\n");
}

/* gcp_target_tags is one comma-separated value; HCL wants a list. */
static void gcp_tf_tags(struct gcp *a)
{
	struct cloud_gen *g = a->g;
	char tag[1100];
	const char *p = a->tags;

	cloud_puts(g, "[");
	while (*p) {
		size_t n = strcspn(p, ",");

		snprintf(tag, sizeof(tag), "%.*s", (int)n, p);
		cloud_puts(g, p == a->tags ? "" : ", ");
		cloud_hcl(g, tag);
		p += n + (p[n] == ',');
	}
	cloud_puts(g, "]\n");
}

static void gcp_terraform(struct gcp *a)
{
	struct cloud_gen *g = a->g;
	bool first = true;
	char key[96];
	int w;

	gcp_header(a);
	if (!g->req->undo) {
		snprintf(key, sizeof(key), "%s_project", g->tfid);
		w = (int)strlen(key);
		cloud_puts(g, "locals {\n");
		cloud_hcl_str(g, w, key, a->project);
		snprintf(key, sizeof(key), "%s_network", g->tfid);
		cloud_hcl_str(g, w, key, a->network);
		snprintf(key, sizeof(key), "%s_tags", g->tfid);
		cloud_printf(g, "  %-*s = ", w, key);
		gcp_tf_tags(a);
		for (int f = CLOUD_V4; f <= CLOUD_V6; f++) {
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
	for (int d = CLOUD_IN; d <= CLOUD_OUT; d++)
		for (int f = CLOUD_V4; f <= CLOUD_V6; f++) {
			if (!g->req->undo && !g->n_cidr[f])
				continue;
			cloud_puts(g, first ? "" : "\n");
			first = false;
			gcp_tf_rule(a, d, f);
		}
}

int cloud_gcp(struct cloud_gen *g)
{
	struct gcp a = { .g = g };
	bool undo = g->req->undo;

	a.project = cloud_field(g, CF_GCP_PROJECT, true);
	a.network = cloud_field(g, CF_GCP_NETWORK, !undo);
	a.tags = cloud_field(g, CF_GCP_TAGS, !undo);
	snprintf(a.desc, sizeof(a.desc), "tsnet: IPsec between the members "
		 "of cluster %s", g->cluster);
	if (g->req->format == TSN_CLOUD_FMT_TERRAFORM)
		gcp_terraform(&a);
	else
		gcp_cli(&a);
	return g->err;
}
