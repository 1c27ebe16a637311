/* detect.c - which cloud is this host in, from DMI alone.
 *
 * The SMBIOS strings the hypervisor puts in /sys/class/dmi/id are the
 * one signal that needs no network (a metadata server may be firewalled
 * off, and probing it from a support session is rude).  Hyper-V on
 * premises looks like Azure except for the chassis asset tag Azure sets;
 * old Xen-based EC2 instances say "Xen" with an amazon BIOS version.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cloud.h"
#include "lib/json.h"

#define DMI_VALUE_MAX 128
#define AZURE_ASSET_TAG "7783-7084-3265-9085-8269-3286-77"

struct dmi {
	char sys_vendor[DMI_VALUE_MAX];
	char product_name[DMI_VALUE_MAX];
	char product_version[DMI_VALUE_MAX];
	char bios_vendor[DMI_VALUE_MAX];
	char bios_version[DMI_VALUE_MAX];
	char board_asset_tag[DMI_VALUE_MAX];
	char chassis_asset_tag[DMI_VALUE_MAX];
	int found;		/* how many of the files were there */
};

/* One DMI string, trailing white space cut, anything unprintable made
 * '?' (a hostile hypervisor's bytes end up in our JSON and terminal). */
static int dmi_read(const char *root, const char *name, char *out,
		    struct dmi *d)
{
	char path[4096], *text = NULL;
	size_t len = 0, n;
	int ret;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", root, name);
	ret = tsn_read_file(path, 4096, &text, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	d->found++;
	n = len < DMI_VALUE_MAX - 1 ? len : DMI_VALUE_MAX - 1;
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' ' ||
		     text[n - 1] == '\t' || text[n - 1] == '\r'))
		n--;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = text[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[n] = '\0';
	free(text);
	return 0;
}

static int dmi_load(const char *root, struct dmi *d)
{
	int ret;

	memset(d, 0, sizeof(*d));
	ret = dmi_read(root, "sys_vendor", d->sys_vendor, d);
	if (!ret)
		ret = dmi_read(root, "product_name", d->product_name, d);
	if (!ret)
		ret = dmi_read(root, "product_version", d->product_version, d);
	if (!ret)
		ret = dmi_read(root, "bios_vendor", d->bios_vendor, d);
	if (!ret)
		ret = dmi_read(root, "bios_version", d->bios_version, d);
	if (!ret)
		ret = dmi_read(root, "board_asset_tag", d->board_asset_tag, d);
	if (!ret)
		ret = dmi_read(root, "chassis_asset_tag", d->chassis_asset_tag,
			       d);
	return ret;
}

static bool has(const char *s, const char *needle)
{
	return strcasestr(s, needle) != NULL;
}

static enum tsn_cloud classify(const struct dmi *d, char *why, size_t len)
{
	if (!strcmp(d->sys_vendor, "Microsoft Corporation") &&
	    !strcmp(d->product_name, "Virtual Machine")) {
		if (!strcmp(d->chassis_asset_tag, AZURE_ASSET_TAG)) {
			snprintf(why, len, "chassis_asset_tag=\"%s\" (Azure's), "
				 "sys_vendor=\"%s\"", d->chassis_asset_tag,
				 d->sys_vendor);
			return TSN_CLOUD_AZURE;
		}
		snprintf(why, len, "Hyper-V guest (sys_vendor=\"%s\") without "
			 "Azure's chassis asset tag", d->sys_vendor);
		return TSN_CLOUD_NONE;
	}
	if (!strcmp(d->sys_vendor, "Amazon EC2") ||
	    !strcmp(d->bios_vendor, "Amazon EC2")) {
		snprintf(why, len, "%s=\"Amazon EC2\", product_name=\"%s\"%s%s",
			 strcmp(d->sys_vendor, "Amazon EC2") ? "bios_vendor" :
			 "sys_vendor", d->product_name,
			 d->board_asset_tag[0] ? ", board_asset_tag=" : "",
			 d->board_asset_tag);
		return TSN_CLOUD_AWS;
	}
	if ((!strcmp(d->bios_vendor, "Xen") ||
	     !strcmp(d->product_name, "HVM domU") ||
	     !strncmp(d->product_name, "t2.", 3)) &&
	    (has(d->bios_version, "amazon") ||
	     has(d->product_version, "amazon"))) {
		snprintf(why, len, "Xen guest with bios_version=\"%s\" "
			 "(EC2 Xen)", d->bios_version);
		return TSN_CLOUD_AWS;
	}
	if (!strcmp(d->product_name, "Google Compute Engine") ||
	    !strcmp(d->sys_vendor, "Google")) {
		snprintf(why, len, "product_name=\"%s\", sys_vendor=\"%s\"",
			 d->product_name, d->sys_vendor);
		return TSN_CLOUD_GCP;
	}
	snprintf(why, len, "sys_vendor=\"%s\", product_name=\"%s\": no cloud "
		 "recognised", d->sys_vendor, d->product_name);
	return TSN_CLOUD_NONE;
}

int tsn_cloud_detect(const char *dmi_root, enum tsn_cloud *out, char *why,
		     size_t len)
{
	struct dmi d;
	int ret;

	if (!dmi_root)
		dmi_root = TSN_DMI_ROOT;
	ret = dmi_load(dmi_root, &d);
	if (ret < 0)
		return ret;
	if (!d.found) {
		/* Containers and non-x86 boards often have no DMI: that is
		 * "cannot tell", reported as on-premises with the reason. */
		snprintf(why, len, "no DMI data under %s", dmi_root);
		*out = TSN_CLOUD_NONE;
		return 0;
	}
	*out = classify(&d, why, len);
	return 0;
}

const char *tsn_cloud_advice(enum tsn_cloud c)
{
	switch (c) {
	case TSN_CLOUD_AZURE:
		return "tsnet cloud azure > allow-ipsec.sh";
	case TSN_CLOUD_AWS:
		return "tsnet cloud aws > allow-ipsec.sh";
	case TSN_CLOUD_GCP:
		return "tsnet cloud gcp > allow-ipsec.sh";
	case TSN_CLOUD_AUTO:
		return "tsnet cloud auto > allow-ipsec.sh";
	case TSN_CLOUD_NONE:
		break;
	}
	return "allow UDP 500, UDP 4500 and IP protocol 50 (ESP) between the "
	       "nodes on the firewalls and routers between them";
}

const char *tsn_cloud_encap_advice(void)
{
	return "where ESP cannot be allowed at all, encapsulate it in UDP "
	       "4500: set encap = yes in the inventory and run tsnet "
	       "enable-ipsec";
}

int tsn_cloud_detect_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "dmi-root", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = TSN_DMI_ROOT;
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	enum tsn_cloud c;
	char why[512];
	int opt, ret;

	(void)ctx;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt != 'd') {
			tsn_err("agent cloud-detect", "usage: tsnet agent "
				"cloud-detect [--dmi-root DIR]");
			return TSN_EXIT_USAGE;
		}
		root = optarg;
	}
	if (optind < argc) {
		tsn_err("agent cloud-detect", "unexpected argument '%s'",
			argv[optind]);
		return TSN_EXIT_USAGE;
	}
	ret = tsn_cloud_detect(root, &c, why, sizeof(why));
	if (ret < 0) {
		tsn_err("agent cloud-detect", "cannot read DMI under %s: %s",
			root, strerror(-ret));
		return TSN_EXIT_RUNTIME;
	}
	tsn_json_init(&j, &b, false);
	tsn_json_obj_begin(&j);
	tsn_json_kstr(&j, "cloud", tsn_cloud_id(c));
	tsn_json_kstr(&j, "evidence", why);
	tsn_json_obj_end(&j);
	ret = tsn_json_finish(&j);
	if (ret == 0)
		printf("%s\n", b.p);
	tsn_buf_free(&b);
	if (ret < 0) {
		tsn_err("agent cloud-detect", "%s", strerror(-ret));
		return TSN_EXIT_RUNTIME;
	}
	return TSN_EXIT_OK;
}
