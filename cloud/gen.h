/* gen.h - what the cloud script generators share (cloud/ only).
 *
 * One struct carries the inventory, the request, the output buffer with
 * a sticky error (so a generator writes straight-line code and checks
 * once at the end), and the cluster's addresses already formatted as
 * CIDRs, one list per address family.
 */
#ifndef TSN_CLOUD_GEN_H
#define TSN_CLOUD_GEN_H

#include <arpa/inet.h>

#include "cloud/cloud.h"

enum { CLOUD_V4, CLOUD_V6 };
enum { CLOUD_IN, CLOUD_OUT };

#define CLOUD_CIDR_LEN (INET6_ADDRSTRLEN + 5)

/* The inventory's cloud names, each with its own character set. */
enum cloud_field {
	CF_AZURE_RG,
	CF_AZURE_NSG,
	CF_AWS_REGION,
	CF_AWS_SG,
	CF_AWS_VPC,
	CF_GCP_PROJECT,
	CF_GCP_NETWORK,
	CF_GCP_TAGS,
	CF_COUNT,
};

struct cloud_gen {
	const struct tsn_inventory *inv;
	const struct tsn_cloud_req *req;
	struct tsn_cloud_result *res;
	struct tsn_buf *out;
	const char *cluster;		/* checked: [a-z0-9-]{1,63} */
	char tfid[TSN_NAME_MAX + 7];	/* "tsnet_" + cluster, '-' -> '_' */
	char (*cidr[2])[CLOUD_CIDR_LEN];	/* [CLOUD_V4], [CLOUD_V6] */
	size_t n_cidr[2];
	int err;			/* first -errno, sticky */
};

/* Appending with a sticky error. */
void cloud_printf(struct cloud_gen *g, const char *fmt, ...) TSN_PRINTF(2, 3);
void cloud_puts(struct cloud_gen *g, const char *s);
/* "# " + text + newline: the comment syntax of bash, PowerShell and HCL. */
void cloud_comment(struct cloud_gen *g, const char *fmt, ...)
	TSN_PRINTF(2, 3);

/* Quote s as one literal of the target language and append it.
 * sh:  '...' with ' as '\'' (any byte but NUL is then literal);
 * ps:  '...' with ' doubled; control bytes and non-ASCII refused (-EINVAL)
 *      because PowerShell also ends a string at U+2018..U+201B;
 * hcl: "..." with \ " escaped, ${ and %{ doubled, control bytes as \uXXXX.
 * 0, -EINVAL or -ENOMEM. */
int cloud_sh_quote(struct tsn_buf *b, const char *s);
int cloud_ps_quote(struct tsn_buf *b, const char *s);
int cloud_hcl_quote(struct tsn_buf *b, const char *s);
void cloud_sh(struct cloud_gen *g, const char *s);
void cloud_ps(struct cloud_gen *g, const char *s);
void cloud_hcl(struct cloud_gen *g, const char *s);

/* The inventory's value for f, checked; when it is unset and required
 * the placeholder ("<AZURE_NSG>") is returned and the key recorded as
 * missing; unset and optional gives NULL. */
const char *cloud_field(struct cloud_gen *g, enum cloud_field f,
			bool required);
const char *cloud_field_key(enum cloud_field f);
const char *cloud_field_placeholder(enum cloud_field f);
const char *cloud_field_allowed(enum cloud_field f);
const char *cloud_field_value(const struct tsn_cluster *c,
			      enum cloud_field f);
/* "" when v passes f's character set, else why not (into buf). */
const char *cloud_field_problem(enum cloud_field f, const char *v,
				char *buf, size_t len);
/* Whether a value passes the character set of its field (for tests). */
bool cloud_field_valid(enum cloud_field f, const char *v);

/* "tsnet-prod-in4-ike"-style names; the HCL form uses '_'. */
void cloud_rule_name(const struct cloud_gen *g, char *buf, size_t len,
		     int dir, int fam, const char *what);
void cloud_tf_name(const struct cloud_gen *g, char *buf, size_t len,
		   int dir, int fam, const char *what);

/* The header every script starts with: what it is, what it changes
 * (lines written by the caller in between), how to undo (or redo). */
void cloud_header_begin(struct cloud_gen *g, const char *what);
void cloud_header_end(struct cloud_gen *g);
/* "#   198.18.1.1/32 198.18.1.2/32" lines, wrapped. */
void cloud_comment_cidrs(struct cloud_gen *g, int fam);

/* bash: the placeholder guard over the named variables, and an array of
 * one family's CIDRs ("IPV4=('198.18.1.1/32' ...)"). */
void cloud_sh_guard(struct cloud_gen *g, const char *const vars[], size_t n);
void cloud_sh_array(struct cloud_gen *g, const char *var, int fam);
/* HCL attribute lines "  key<pad> = value" aligned as terraform fmt
 * does: a quoted string, or raw HCL (an expression we wrote ourselves). */
void cloud_hcl_str(struct cloud_gen *g, int width, const char *key,
		   const char *value);
void cloud_hcl_raw(struct cloud_gen *g, int width, const char *key,
		   const char *fmt, ...) TSN_PRINTF(4, 5);
void cloud_hcl_list(struct cloud_gen *g, int fam);

int cloud_azure(struct cloud_gen *g);
int cloud_aws(struct cloud_gen *g);
int cloud_gcp(struct cloud_gen *g);

#endif
