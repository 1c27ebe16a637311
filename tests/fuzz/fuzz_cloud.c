/* fuzz_cloud.c - the cloud scripts' quoting and generators on any bytes.
 *
 * Quoting: for any input, each quoted literal must read back (by the
 * target language's own rules, reimplemented here) to exactly the input,
 * and must end where the quoting says it does: nothing after the closing
 * quote, so nothing of the value can run.  Generators: an inventory whose
 * cloud fields and cluster name are the fuzzer's bytes either is refused
 * (-EINVAL) or yields a script in which every such value passed its
 * character set.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud/cloud.h"
#include "cloud/gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* bash: '...' where '\'' stands for one quote. */
static size_t sh_unquote(const char *q, char *out)
{
	size_t n = 0, i = 1;

	if (q[0] != '\'')
		abort();
	for (;;) {
		if (q[i] == '\0')
			abort();	/* unterminated */
		if (q[i] == '\'') {
			if (!strncmp(q + i, "'\\''", 4)) {
				out[n++] = '\'';
				i += 4;
				continue;
			}
			if (q[i + 1] != '\0')
				abort();	/* bytes after the literal */
			return n;
		}
		out[n++] = q[i++];
	}
}

/* PowerShell: '...' where '' stands for one quote. */
static size_t ps_unquote(const char *q, char *out)
{
	size_t n = 0, i = 1;

	if (q[0] != '\'')
		abort();
	for (;;) {
		if (q[i] == '\0')
			abort();
		if ((unsigned char)q[i] >= 0x80)
			abort();	/* a U+2018-like quote could hide here */
		if (q[i] == '\'') {
			if (q[i + 1] == '\'') {
				out[n++] = '\'';
				i += 2;
				continue;
			}
			if (q[i + 1] != '\0')
				abort();
			return n;
		}
		out[n++] = q[i++];
	}
}

/* HCL: "..." with \" \\ \uXXXX, $${ and %%{ for literal ${ and %{. */
static size_t hcl_unquote(const char *q, char *out)
{
	size_t n = 0, i = 1;

	if (q[0] != '"')
		abort();
	for (;;) {
		char c = q[i];

		if (c == '\0' || (unsigned char)c < 0x20)
			abort();
		if (c == '"') {
			if (q[i + 1] != '\0')
				abort();
			return n;
		}
		if (c == '\\') {
			if (q[i + 1] == 'u') {
				out[n++] = (char)strtol((char[]){ q[i + 2], q[i + 3],
					q[i + 4], q[i + 5], 0 }, NULL, 16);
				i += 6;
			} else if (q[i + 1] == '"' || q[i + 1] == '\\') {
				out[n++] = q[i + 1];
				i += 2;
			} else {
				abort();
			}
			continue;
		}
		if ((c == '$' || c == '%') && q[i + 1] == '{')
			abort();	/* would interpolate */
		if ((c == '$' || c == '%') && q[i + 1] == c && q[i + 2] == '{') {
			out[n++] = c;
			out[n++] = '{';
			i += 3;
			continue;
		}
		out[n++] = q[i++];
	}
}

static void check_quote(const char *s, size_t len,
			int (*quote)(struct tsn_buf *, const char *),
			size_t (*unquote)(const char *, char *))
{
	struct tsn_buf b = { 0 };
	char *back;

	if (quote(&b, s) == 0) {
		back = malloc(b.len + 1);
		if (!back)
			abort();
		if (unquote(b.p, back) != len || memcmp(back, s, len))
			abort();
		free(back);
	}
	tsn_buf_free(&b);
}

static void check_generators(char *s)
{
	static const enum tsn_cloud providers[] = { TSN_CLOUD_AZURE,
		TSN_CLOUD_AWS, TSN_CLOUD_GCP };
	struct tsn_node node = { .name = "n1" };
	struct tsn_inventory inv = { .nodes = &node, .n_nodes = 1 };
	struct tsn_cloud_result res;
	struct tsn_cluster *c = &inv.cluster;

	node.addr.family = AF_INET;
	node.addr.v4.s_addr = htonl(0xc6120101);
	c->name = (s[0] & 1) ? s : (char *)"prod";
	c->azure_resource_group = c->azure_nsg = c->aws_region = s;
	c->aws_security_group = c->aws_vpc = c->gcp_project = s;
	c->gcp_network = c->gcp_target_tags = s;
	for (size_t p = 0; p < ARRAY_SIZE(providers); p++) {
		for (int f = 0; f <= TSN_CLOUD_FMT_TERRAFORM; f++) {
			struct tsn_cloud_req req = { .provider = providers[p],
						     .format = f };
			struct tsn_buf out = { 0 };
			int ret = tsn_cloud_script(&inv, &req, &out, &res);

			if (ret == 0 && *s && !cloud_field_valid(CF_AZURE_NSG, s) &&
			    providers[p] == TSN_CLOUD_AZURE)
				abort();	/* a bad value reached a script */
			if (ret != 0 && out.p && out.len)
				abort();	/* half a script */
			tsn_buf_free(&out);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	size_t len;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);	/* a C string ends at the first NUL */
	check_quote(s, len, cloud_sh_quote, sh_unquote);
	check_quote(s, len, cloud_ps_quote, ps_unquote);
	check_quote(s, len, cloud_hcl_quote, hcl_unquote);
	check_generators(s);
	free(s);
	return 0;
}
