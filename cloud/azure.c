/* azure.c - network security group rules that let IPsec through Azure:
 * Azure CLI (bash), Azure PowerShell and Terraform (azurerm).
 *
 * The portal cannot add protocol 50 at all, which is why this exists.
 * Each (direction, family, protocol) gets a fixed rule slot: its name
 * and its priority (base + slot) never change with the inventory, so a
 * rerun updates the same rules in place and two generated rules never
 * share a priority.  NSG rules cannot mix IPv4 and IPv6 prefixes, hence
 * one rule per family.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cloud/gen.h"

#define AZ_SLOTS 8
#define AZ_DEFAULT_BASE 3000
#define AZ_MIN 100
#define AZ_MAX 4096

struct az {
	struct cloud_gen *g;
	const char *rg;
	const char *nsg;
	unsigned base;
	char desc[128];
};

static const char *const fam_var[2] = { "IPV4", "IPV6" };

/* slot = direction * 4 + family * 2 + (ESP ? 1 : 0) */
static void slot_parts(int slot, int *dir, int *fam, bool *esp)
{
	*dir = slot / 4 ? CLOUD_OUT : CLOUD_IN;
	*fam = (slot / 2) % 2 ? CLOUD_V6 : CLOUD_V4;
	*esp = slot % 2;
}

static bool slot_used(const struct az *a, int slot)
{
	int dir, fam;
	bool esp;

	slot_parts(slot, &dir, &fam, &esp);
	return a->g->n_cidr[fam] > 0;
}

static void slot_name(const struct az *a, int slot, char *buf, size_t len,
		      bool tf)
{
	int dir, fam;
	bool esp;

	slot_parts(slot, &dir, &fam, &esp);
	if (tf)
		cloud_tf_name(a->g, buf, len, dir, fam, esp ? "esp" : "ike");
	else
		cloud_rule_name(a->g, buf, len, dir, fam, esp ? "esp" : "ike");
}

static void az_header(struct az *a)
{
	struct cloud_gen *g = a->g;
	char name[96];

	if (g->req->undo) {
		cloud_header_begin(g, "removes the IPsec rules tsnet cloud "
				   "azure adds, and nothing else.");
		cloud_comment(g, "Changes: network security group %s in "
			      "resource group %s", a->nsg, a->rg);
		cloud_comment(g, "loses these rules when present (a missing "
			      "one is not an error):");
		for (int s = 0; s < AZ_SLOTS; s++) {
			slot_name(a, s, name, sizeof(name), false);
			cloud_comment(g, "  %s", name);
		}
		cloud_header_end(g);
		return;
	}
	cloud_header_begin(g, "allows IPsec (UDP 500, UDP 4500, ESP) between "
			   "the cluster's members only.");
	cloud_comment(g, "Changes: network security group %s in resource "
		      "group %s", a->nsg, a->rg);
	cloud_comment(g, "gets these Allow rules (name, priority, direction, "
		      "protocol, ports):");
	for (int s = 0; s < AZ_SLOTS; s++) {
		int dir, fam;
		bool esp;

		if (!slot_used(a, s))
			continue;
		slot_parts(s, &dir, &fam, &esp);
		slot_name(a, s, name, sizeof(name), false);
		cloud_comment(g, "  %-24s %u %-8s %s", name, a->base + s,
			      dir == CLOUD_IN ? "Inbound" : "Outbound",
			      esp ? "Esp" : "Udp 500,4500");
	}
	cloud_comment(g, "each with source and destination these addresses "
		      "only:");
	cloud_comment_cidrs(g, CLOUD_V4);
	cloud_comment_cidrs(g, CLOUD_V6);
	cloud_comment(g, "Running it again leaves the same rules: each is "
		      "created or updated by name.");
	cloud_header_end(g);
}

static void az_cli(struct az *a)
{
	static const char *const vars[] = { "RESOURCE_GROUP", "NSG" };
	struct cloud_gen *g = a->g;
	char name[96];

	az_header(a);
	cloud_puts(g, "set -euo pipefail\n\nRESOURCE_GROUP=");
	cloud_sh(g, a->rg);
	cloud_puts(g, "\nNSG=");
	cloud_sh(g, a->nsg);
	cloud_puts(g, "\n");
	for (int f = CLOUD_V4; f <= CLOUD_V6 && !g->req->undo; f++)
		if (g->n_cidr[f])
			cloud_sh_array(g, fam_var[f], f);
	cloud_puts(g, "\n");
	cloud_sh_guard(g, g->res->n_missing ? vars : NULL,
		       g->res->n_missing ? ARRAY_SIZE(vars) : 0);
	cloud_puts(g, "# Stop before any change when the group is not there.\n"
		   "az network nsg show --resource-group \"$RESOURCE_GROUP\" "
		   "--name \"$NSG\" --output none\n\n");
	for (int s = 0; s < AZ_SLOTS; s++) {
		int dir, fam;
		bool esp;

		slot_parts(s, &dir, &fam, &esp);
		slot_name(a, s, name, sizeof(name), false);
		if (g->req->undo) {
			cloud_puts(g, "az network nsg rule delete "
				   "--resource-group \"$RESOURCE_GROUP\" "
				   "--nsg-name \"$NSG\" \\\n\t--name ");
			cloud_sh(g, name);
			cloud_puts(g, " --output none\n");
			continue;
		}
		if (!slot_used(a, s))
			continue;
		cloud_puts(g, "az network nsg rule create --resource-group "
			   "\"$RESOURCE_GROUP\" --nsg-name \"$NSG\" \\\n\t--name ");
		cloud_sh(g, name);
		cloud_printf(g, " --priority %u \\\n\t--direction %s "
			     "--access Allow --protocol %s \\\n", a->base + s,
			     dir == CLOUD_IN ? "Inbound" : "Outbound",
			     esp ? "Esp" : "Udp");
		cloud_printf(g, "\t--source-address-prefixes \"${%s[@]}\" "
			     "--source-port-ranges '*' \\\n"
			     "\t--destination-address-prefixes \"${%s[@]}\" "
			     "--destination-port-ranges %s \\\n",
			     fam_var[fam], fam_var[fam],
			     esp ? "'*'" : "500 4500");
		cloud_puts(g, "\t--description ");
		cloud_sh(g, a->desc);
		cloud_puts(g, " --output none\n");
	}
}

static void az_ps_rule(struct az *a, int s)
{
	struct cloud_gen *g = a->g;
	char name[96];
	int dir, fam;
	bool esp;

	slot_parts(s, &dir, &fam, &esp);
	slot_name(a, s, name, sizeof(name), false);
	cloud_puts(g, "\nif ($nsg.SecurityRules | Where-Object { $_.Name -eq ");
	cloud_ps(g, name);
	cloud_puts(g, " }) {\n    $nsg = Remove-AzNetworkSecurityRuleConfig "
		   "-NetworkSecurityGroup $nsg -Name ");
	cloud_ps(g, name);
	cloud_puts(g, "\n}\n");
	if (g->req->undo)
		return;
	cloud_puts(g, "$nsg = Add-AzNetworkSecurityRuleConfig "
		   "-NetworkSecurityGroup $nsg `\n    -Name ");
	cloud_ps(g, name);
	cloud_printf(g, " -Priority %u `\n    -Direction %s -Access Allow "
		     "-Protocol %s `\n", a->base + s,
		     dir == CLOUD_IN ? "Inbound" : "Outbound",
		     esp ? "Esp" : "Udp");
	cloud_printf(g, "    -SourceAddressPrefix $%s -SourcePortRange '*' `\n"
		     "    -DestinationAddressPrefix $%s "
		     "-DestinationPortRange %s `\n    -Description ",
		     fam == CLOUD_V4 ? "IPv4" : "IPv6",
		     fam == CLOUD_V4 ? "IPv4" : "IPv6",
		     esp ? "'*'" : "'500', '4500'");
	cloud_ps(g, a->desc);
	cloud_puts(g, "\n");
}

static void az_ps_list(struct cloud_gen *g, const char *var, int fam)
{
	cloud_printf(g, "$%s = @(", var);
	for (size_t i = 0; i < g->n_cidr[fam]; i++) {
		if (i)
			cloud_puts(g, ", ");
		cloud_ps(g, g->cidr[fam][i]);
	}
	cloud_puts(g, ")\n");
}

/* Remove-then-add in memory and one Set-AzNetworkSecurityGroup: a rerun
 * replaces the rules by name, and the group changes in one request. */
static void az_powershell(struct az *a)
{
	struct cloud_gen *g = a->g;

	az_header(a);
	cloud_puts(g, "$ErrorActionPreference = 'Stop'\n\n$ResourceGroup = ");
	cloud_ps(g, a->rg);
	cloud_puts(g, "\n$NsgName = ");
	cloud_ps(g, a->nsg);
	cloud_puts(g, "\n");
	if (!g->req->undo && g->n_cidr[CLOUD_V4])
		az_ps_list(g, "IPv4", CLOUD_V4);
	if (!g->req->undo && g->n_cidr[CLOUD_V6])
		az_ps_list(g, "IPv6", CLOUD_V6);
	cloud_puts(g, "\n");
	if (g->res->n_missing)
		cloud_puts(g, "# Stop while a name the inventory did not give "
			   "is still a placeholder.\n"
			   "foreach ($value in @($ResourceGroup, $NsgName)) {\n"
			   "    if ($value -like '<*>') {\n"
			   "        throw \"tsnet: $value is a placeholder: set "
			   "its key in the inventory and run tsnet cloud "
			   "again\"\n    }\n}\n\n");
	cloud_puts(g, "$nsg = Get-AzNetworkSecurityGroup -ResourceGroupName "
		   "$ResourceGroup -Name $NsgName\n");
	for (int s = 0; s < AZ_SLOTS; s++)
		if (g->req->undo || slot_used(a, s))
			az_ps_rule(a, s);
	cloud_puts(g, "\n$nsg | Set-AzNetworkSecurityGroup | Out-Null\n");
}

static void az_tf_rule(struct az *a, int s)
{
	struct cloud_gen *g = a->g;
	char name[96], id[96];
	int dir, fam;
	bool esp;
	const int w = 28;	/* strlen("destination_address_prefixes") */

	slot_parts(s, &dir, &fam, &esp);
	slot_name(a, s, name, sizeof(name), false);
	slot_name(a, s, id, sizeof(id), true);
	if (g->req->undo) {
		cloud_printf(g, "removed {\n  from = "
			     "azurerm_network_security_rule.%s\n\n"
			     "  lifecycle {\n    destroy = true\n  }\n}\n", id);
		return;
	}
	cloud_printf(g, "resource \"azurerm_network_security_rule\" \"%s\" {\n",
		     id);
	cloud_hcl_str(g, w, "name", name);
	cloud_hcl_raw(g, w, "resource_group_name", "local.%s_resource_group",
		      g->tfid);
	cloud_hcl_raw(g, w, "network_security_group_name", "local.%s_nsg",
		      g->tfid);
	cloud_hcl_raw(g, w, "priority", "%u", a->base + s);
	cloud_hcl_str(g, w, "direction", dir == CLOUD_IN ? "Inbound" :
		      "Outbound");
	cloud_hcl_str(g, w, "access", "Allow");
	cloud_hcl_str(g, w, "protocol", esp ? "Esp" : "Udp");
	cloud_hcl_str(g, w, "source_port_range", "*");
	if (esp)
		cloud_hcl_str(g, w, "destination_port_range", "*");
	else
		cloud_hcl_raw(g, w, "destination_port_ranges",
			      "[\"500\", \"4500\"]");
	cloud_hcl_raw(g, w, "source_address_prefixes", "local.%s_ipv%c",
		      g->tfid, fam == CLOUD_V4 ? '4' : '6');
	cloud_hcl_raw(g, w, "destination_address_prefixes", "local.%s_ipv%c",
		      g->tfid, fam == CLOUD_V4 ? '4' : '6');
	cloud_hcl_str(g, w, "description", a->desc);
	cloud_puts(g, "}\n");
}

static void az_terraform(struct az *a)
{
	struct cloud_gen *g = a->g;
	bool first = true;
	int w = 0;
	char key[3][96];

	az_header(a);
	if (!g->req->undo) {
		snprintf(key[0], sizeof(key[0]), "%s_resource_group", g->tfid);
		snprintf(key[1], sizeof(key[1]), "%s_nsg", g->tfid);
		snprintf(key[2], sizeof(key[2]), "%s_ipv4", g->tfid);
		w = (int)strlen(key[0]);
		cloud_puts(g, "locals {\n");
		cloud_hcl_str(g, w, key[0], a->rg);
		cloud_hcl_str(g, w, key[1], a->nsg);
		for (int f = CLOUD_V4; f <= CLOUD_V6; f++) {
			if (!g->n_cidr[f])
				continue;
			key[2][strlen(key[2]) - 1] = f == CLOUD_V4 ? '4' : '6';
			cloud_printf(g, "  %-*s = ", w, key[2]);
			cloud_hcl_list(g, f);
			cloud_puts(g, "\n");
		}
		cloud_puts(g, "}\n");
		first = false;
	}
	for (int s = 0; s < AZ_SLOTS; s++) {
		if (!g->req->undo && !slot_used(a, s))
			continue;
		cloud_puts(g, first ? "" : "\n");
		first = false;
		az_tf_rule(a, s);
	}
}

int cloud_azure(struct cloud_gen *g)
{
	struct az a = { .g = g };

	a.rg = cloud_field(g, CF_AZURE_RG, true);
	a.nsg = cloud_field(g, CF_AZURE_NSG, true);
	a.base = g->inv->cluster.azure_priority ?
		 g->inv->cluster.azure_priority : AZ_DEFAULT_BASE;
	if (a.base < AZ_MIN || a.base + AZ_SLOTS - 1 > AZ_MAX) {
		snprintf(g->res->error, sizeof(g->res->error),
			 "inventory key azure_priority: %u-%u must lie within "
			 "%d-%d (tsnet uses %d consecutive priorities)", a.base,
			 a.base + AZ_SLOTS - 1, AZ_MIN, AZ_MAX, AZ_SLOTS);
		return -EINVAL;
	}
	snprintf(a.desc, sizeof(a.desc), "tsnet: IPsec between the members "
		 "of cluster %s", g->cluster);
	if (g->req->format == TSN_CLOUD_FMT_POWERSHELL)
		az_powershell(&a);
	else if (g->req->format == TSN_CLOUD_FMT_TERRAFORM)
		az_terraform(&a);
	else
		az_cli(&a);
	return g->err;
}
