/* cloud.h - `tsnet cloud`: the script that lets IPsec through a cloud's
 * security groups, and telling which cloud this host runs in.
 *
 * The generators write a complete script (Azure CLI or PowerShell, AWS
 * CLI, gcloud, or Terraform) into a buffer from the inventory alone; they
 * never talk to a cloud.  Every inventory value that reaches a script is
 * checked against a strict character set first and then quoted for its
 * target language, so a hostile inventory cannot inject a command.
 */
#ifndef TSN_CLOUD_H
#define TSN_CLOUD_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/cmd.h"
#include "lib/inventory.h"
#include "lib/util.h"

enum tsn_cloud_format {
	TSN_CLOUD_FMT_CLI,		/* bash + az / aws / gcloud */
	TSN_CLOUD_FMT_POWERSHELL,	/* Azure only */
	TSN_CLOUD_FMT_TERRAFORM,
};

struct tsn_cloud_req {
	enum tsn_cloud provider;	/* AZURE, AWS or GCP */
	enum tsn_cloud_format format;
	bool undo;			/* the script that removes the rules */
	bool source_group;		/* AWS: the group itself as the peer */
};

#define TSN_CLOUD_MISSING_MAX 8

/* What the generator could not fill in.  missing[] holds inventory keys
 * ("azure_nsg") whose value was absent and became a placeholder such as
 * <AZURE_NSG> in the script; the caller warns once per key.  note
 * holds another warning when there is one (a quota the rules exceed).
 * error says which key is bad and why when the generator returns
 * -EINVAL. */
struct tsn_cloud_result {
	const char *missing[TSN_CLOUD_MISSING_MAX];
	size_t n_missing;
	char note[256];
	char error[256];
};

/* Write the script for req into out (appended).  0, or -EINVAL (a value
 * fails its character set, no addresses, an unusable priority base: see
 * res->error), -ENOMEM.  Placeholders are not an error: see n_missing. */
int tsn_cloud_script(const struct tsn_inventory *inv,
		     const struct tsn_cloud_req *req, struct tsn_buf *out,
		     struct tsn_cloud_result *res);

/* "cli", "powershell", "terraform"; parse returns 0 or -EINVAL. */
const char *tsn_cloud_format_name(enum tsn_cloud_format f);
int tsn_cloud_format_parse(const char *s, enum tsn_cloud_format *out);
/* Whether the provider has that format (PowerShell is Azure only). */
bool tsn_cloud_format_ok(enum tsn_cloud provider, enum tsn_cloud_format f);
/* "azure", "aws", "gcp", "auto", "none" (this folder's own copy, so it
 * does not depend on the inventory parser). */
const char *tsn_cloud_id(enum tsn_cloud c);

#define TSN_DMI_ROOT "/sys/class/dmi/id"

/* Tell Azure, AWS and GCP from anything else by the DMI strings under
 * dmi_root (NULL: TSN_DMI_ROOT), without touching the network.  *out is
 * AZURE, AWS, GCP or NONE (on-premises, or no DMI data at all); why gets
 * the evidence in one line, e.g. sys_vendor="Amazon EC2".  0, or a
 * negative errno when a DMI file exists but cannot be read. */
int tsn_cloud_detect(const char *dmi_root, enum tsn_cloud *out, char *why,
		     size_t len);

/* For probe's and preflight's advice: the exact command that writes the
 * script for this cloud, e.g. "tsnet cloud azure > allow-ipsec.sh".
 * Never NULL; for NONE it says to open the same protocols on the
 * network's own firewalls, for AUTO it names `tsnet cloud auto`. */
const char *tsn_cloud_advice(enum tsn_cloud c);
/* The way around a network that cannot pass ESP at all (a provider or
 * appliance without protocol 50): encapsulate it in UDP 4500. */
const char *tsn_cloud_encap_advice(void);

/* `tsnet agent cloud-detect [--dmi-root DIR]`: prints
 * {"cloud":"azure","evidence":"..."} for preflight's per-node column. */
int tsn_cloud_detect_action(int argc, char **argv, struct tsn_ctx *ctx);

#endif
