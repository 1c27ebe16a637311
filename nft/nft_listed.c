/* nft_listed.c - a rule as `nft -a list ruleset` prints it, so a problem
 * names the rule the way a person finds it in their ruleset: its text,
 * its comment, then "# handle N".
 *
 * Turning the kernel's expressions back into nft's syntax is nft's whole
 * delinearization (nft_text.c prints the register machine instead), so
 * we ask nft itself: `nft -a list chain FAMILY TABLE CHAIN`, no shell,
 * and keep the one line that ends in our handle.  Without nft the text
 * is simply unknown; table, chain and handle still name the rule.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/spawn.h"
#include "lib/util.h"
#include "nft/nft.h"

#define LISTING_MAX (16u << 20)	/* a chain of 100,000 rules */
#define LIST_TIMEOUT_MS 10000

/* Names go to nft as arguments: one that starts with '-' would be an
 * option, and a control character has no place in a listing. */
static bool name_ok(const char *s)
{
	if (!*s || *s == '-')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* The line "\t\tmeta l4proto esp drop comment \"x\" # handle 7": the
 * text between the indent and " # handle 7". */
static int find_line(const char *s, uint64_t handle, char *out, size_t len)
{
	char tail[40];
	size_t tl = (size_t)snprintf(tail, sizeof(tail), " # handle %llu",
				     (unsigned long long)handle);

	while (*s) {
		size_t n = strcspn(s, "\n");
		const char *t = s;

		while (t < s + n && (*t == '\t' || *t == ' '))
			t++;
		if (n >= tl && (size_t)(s + n - t) > tl &&
		    !memcmp(s + n - tl, tail, tl)) {
			snprintf(out, len, "%.*s", (int)(s + n - tl - t), t);
			return 0;
		}
		s += n + (s[n] == '\n');
	}
	return -ENOENT;
}

int tsn_nft_listed_rule(const char *family, const char *table,
			const char *chain, uint64_t handle, char *out,
			size_t len)
{
	char *argv[] = { (char *)"nft", (char *)"-a", (char *)"list",
			 (char *)"chain", (char *)family, (char *)table,
			 (char *)chain, NULL };
	struct tsn_buf b = { 0 };
	int ret;

	out[0] = '\0';
	if (!name_ok(family) || !name_ok(table) || !name_ok(chain) || !handle)
		return -EINVAL;
	ret = tsn_spawn_capture(argv, &b, LISTING_MAX, LIST_TIMEOUT_MS);
	if (!ret)
		ret = b.p ? find_line(b.p, handle, out, len) : -ENOENT;
	tsn_buf_free(&b);
	return ret;
}
