/* quote.c - inventory values on their way into a script: each cloud
 * field's character set, and quoting for bash, PowerShell and HCL.
 *
 * Two layers keep an inventory value from becoming code: a strict
 * character set per field (checked here even though the inventory parser
 * checks too, because a generator must be safe on its own), and quoting
 * that is correct for any input the character set lets through.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cloud/gen.h"

struct field_rule {
	const char *key;
	const char *placeholder;
	const char *extra;	/* allowed besides [a-z0-9] */
	bool upper;		/* [A-Z] allowed too */
	unsigned max;
	const char *hex_prefix;	/* "sg-": then 8 or 17 hex digits only */
	const char *allowed;	/* for the error message */
};

static const struct field_rule rules[CF_COUNT] = {
	[CF_AZURE_RG] = { "azure_resource_group", "<AZURE_RESOURCE_GROUP>",
		"._()-", true, 90, NULL,
		"letters, digits, '.', '_', '(', ')', '-'" },
	[CF_AZURE_NSG] = { "azure_nsg", "<AZURE_NSG>", "._-", true, 80, NULL,
		"letters, digits, '.', '_', '-'" },
	[CF_AWS_REGION] = { "aws_region", "<AWS_REGION>", "-", false, 32, NULL,
		"lower-case letters, digits, '-'" },
	[CF_AWS_SG] = { "aws_security_group", "<AWS_SECURITY_GROUP>", "-", false,
		20, "sg-", "sg- and 8 or 17 lower-case hex digits" },
	[CF_AWS_VPC] = { "aws_vpc", "<AWS_VPC>", "-", false, 21, "vpc-",
		"vpc- and 8 or 17 lower-case hex digits" },
	[CF_GCP_PROJECT] = { "gcp_project", "<GCP_PROJECT>", ".:-", false, 100,
		NULL, "lower-case letters, digits, '.', ':', '-'" },
	[CF_GCP_NETWORK] = { "gcp_network", "<GCP_NETWORK>", "-", false, 63,
		NULL, "lower-case letters, digits, '-'" },
	[CF_GCP_TAGS] = { "gcp_target_tags", "<GCP_TARGET_TAGS>", ",-", false,
		1024, NULL, "comma-separated tags of lower-case letters, "
		"digits, '-'" },
};

int cloud_sh_quote(struct tsn_buf *b, const char *s)
{
	int ret = tsn_buf_puts(b, "'");

	/* Inside single quotes bash gives no byte a meaning but the quote
	 * itself, which is closed, escaped and reopened. */
	for (; *s && ret == 0; s++)
		ret = *s == '\'' ? tsn_buf_puts(b, "'\\''") :
			tsn_buf_add(b, s, 1);
	if (ret == 0)
		ret = tsn_buf_puts(b, "'");
	return ret;
}

int cloud_ps_quote(struct tsn_buf *b, const char *s)
{
	int ret;

	/* PowerShell ends a single-quoted string at U+2018..U+201B too, so
	 * rather than track every lookalike, only printable ASCII passes. */
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return -EINVAL;
	ret = tsn_buf_puts(b, "'");
	for (; *s && ret == 0; s++)
		ret = *s == '\'' ? tsn_buf_puts(b, "''") : tsn_buf_add(b, s, 1);
	if (ret == 0)
		ret = tsn_buf_puts(b, "'");
	return ret;
}

int cloud_hcl_quote(struct tsn_buf *b, const char *s)
{
	int ret;

	for (const char *p = s; *p; p++)
		if ((unsigned char)*p >= 0x7f)
			return -EINVAL;
	ret = tsn_buf_puts(b, "\"");
	for (; *s && ret == 0; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			ret = tsn_buf_printf(b, "\\%c", c);
		else if ((c == '$' || c == '%') && s[1] == '{')
			/* "$${" is a literal "${": no interpolation. */
			ret = tsn_buf_printf(b, "%c%c", c, c);
		else if (c < 0x20)
			ret = tsn_buf_printf(b, "\\u%04x", c);
		else
			ret = tsn_buf_add(b, s, 1);
	}
	if (ret == 0)
		ret = tsn_buf_puts(b, "\"");
	return ret;
}

static void quote_with(struct cloud_gen *g, const char *s,
		       int (*fn)(struct tsn_buf *, const char *))
{
	int ret;

	if (g->err)
		return;
	ret = fn(g->out, s);
	if (ret < 0) {
		g->err = ret;
		if (ret == -EINVAL)
			snprintf(g->res->error, sizeof(g->res->error),
				 "a value cannot be quoted for this script "
				 "(control or non-ASCII bytes)");
	}
}

void cloud_sh(struct cloud_gen *g, const char *s)
{
	quote_with(g, s, cloud_sh_quote);
}

void cloud_ps(struct cloud_gen *g, const char *s)
{
	quote_with(g, s, cloud_ps_quote);
}

void cloud_hcl(struct cloud_gen *g, const char *s)
{
	quote_with(g, s, cloud_hcl_quote);
}

static bool hex_shape_ok(const char *v, const char *prefix)
{
	size_t n = strlen(prefix), digits;

	if (strncmp(v, prefix, n))
		return false;
	digits = strlen(v + n);
	if (digits != 8 && digits != 17)
		return false;
	for (v += n; *v; v++)
		if (!isdigit((unsigned char)*v) && !(*v >= 'a' && *v <= 'f'))
			return false;
	return true;
}

static bool char_ok(const struct field_rule *r, unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	if (r->upper && c >= 'A' && c <= 'Z')
		return true;
	return c && strchr(r->extra, c);
}

/* "" when v is fine, else why not (never echoing the value: it may hold
 * terminal escapes). */
const char *cloud_field_problem(enum cloud_field f, const char *v,
				char *buf, size_t len)
{
	const struct field_rule *r = &rules[f];
	size_t n = strlen(v);

	if (n > r->max) {
		snprintf(buf, len, "longer than %u characters", r->max);
		return buf;
	}
	for (size_t i = 0; i < n; i++) {
		if (!char_ok(r, v[i])) {
			snprintf(buf, len, "character %zu (0x%02x) is not "
				 "allowed", i + 1, (unsigned char)v[i]);
			return buf;
		}
		/* A leading '-' would read as an option to az/aws/gcloud. */
		if ((i == 0 || v[i - 1] == ',') && !isalnum((unsigned char)v[i])) {
			snprintf(buf, len, "character %zu must be a letter "
				 "or digit", i + 1);
			return buf;
		}
	}
	if (f == CF_GCP_TAGS && n && v[n - 1] == ',') {
		snprintf(buf, len, "ends with ','");
		return buf;
	}
	if (r->hex_prefix && !hex_shape_ok(v, r->hex_prefix)) {
		snprintf(buf, len, "not of the form %s", r->allowed);
		return buf;
	}
	return "";
}

bool cloud_field_valid(enum cloud_field f, const char *v)
{
	char buf[128];

	return v && *v && !*cloud_field_problem(f, v, buf, sizeof(buf));
}

const char *cloud_field_key(enum cloud_field f)
{
	return rules[f].key;
}

const char *cloud_field_placeholder(enum cloud_field f)
{
	return rules[f].placeholder;
}

const char *cloud_field_allowed(enum cloud_field f)
{
	return rules[f].allowed;
}

const char *cloud_field_value(const struct tsn_cluster *c,
			      enum cloud_field f)
{
	switch (f) {
	case CF_AZURE_RG:	return c->azure_resource_group;
	case CF_AZURE_NSG:	return c->azure_nsg;
	case CF_AWS_REGION:	return c->aws_region;
	case CF_AWS_SG:		return c->aws_security_group;
	case CF_AWS_VPC:	return c->aws_vpc;
	case CF_GCP_PROJECT:	return c->gcp_project;
	case CF_GCP_NETWORK:	return c->gcp_network;
	case CF_GCP_TAGS:	return c->gcp_target_tags;
	default:		return NULL;
	}
}

const char *cloud_field(struct cloud_gen *g, enum cloud_field f,
			bool required)
{
	const char *v = cloud_field_value(&g->inv->cluster, f);
	struct tsn_cloud_result *res = g->res;

	if (v && *v)
		return v;	/* checked by cloud_gen_check() */
	if (!required)
		return NULL;
	for (size_t i = 0; i < res->n_missing; i++)
		if (res->missing[i] == rules[f].key)
			return rules[f].placeholder;
	if (res->n_missing < TSN_CLOUD_MISSING_MAX)
		res->missing[res->n_missing++] = rules[f].key;
	return rules[f].placeholder;
}
