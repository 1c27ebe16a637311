/* redact.c - what a support bundle may show of strongSwan's files, the
 * kernel's SAs and charon's log: everything but the secrets.
 *
 * Line-based on purpose: the files are hand-edited as often as generated,
 * and a line we cannot parse must still lose its secret.  So a rule
 * matches on the key or the type word alone, and redacts to the end of
 * the line (and on, through a quoted value that spans lines).
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "report/report.h"

static const char mark[] = "[redacted]";

/* Keys whose value is a secret, as substrings of the lower-cased key:
 * swanctl's `secret`, strongswan.conf's `*_secret`, and the names a
 * hand-written config might use. */
static bool secret_key(const char *k, size_t n)
{
	static const char *const words[] = { "secret", "psk", "passphrase",
					     "password", "pin", "private" };
	char low[64];

	if (n == 0 || n >= sizeof(low))
		return n >= sizeof(low);	/* unknown and long: be safe */
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)k[i]);
	low[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strstr(low, words[i]))
			return true;
	return false;
}

/* ipsec.secrets: `[ids] : TYPE value`.  The types as strongSwan 5.9
 * lists them; the comparison is case-insensitive like its parser. */
static bool secrets_type(const char *w, size_t n)
{
	static const char *const types[] = { "PSK", "EAP", "XAUTH", "NTLM",
		"PIN", "RSA", "ECDSA", "ED25519", "ED448", "BLISS", "P12",
		"PKCS8", "PRIVATE" };

	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (strlen(types[i]) == n && !strncasecmp(w, types[i], n))
			return true;
	return false;
}

/* The first `KEY = VALUE` of the line whose KEY names a secret, found
 * anywhere in it (one-line sections: `ike-b { secret = x }`): the offset
 * just past KEY, or 0. */
static size_t secret_assign(const char *l, size_t n, size_t *value)
{
	for (size_t e = 0; e < n; e++) {
		size_t k1 = e, k0;

		if (l[e] != '=')
			continue;
		while (k1 > 0 && isspace((unsigned char)l[k1 - 1]))
			k1--;
		k0 = k1;
		while (k0 > 0 && !isspace((unsigned char)l[k0 - 1]) &&
		       l[k0 - 1] != '{' && l[k0 - 1] != '=')
			k0--;
		if (k1 > k0 && secret_key(l + k0, k1 - k0)) {
			*value = e + 1;
			return k1;
		}
	}
	return 0;
}

/* ipsec.secrets: `[ids] : TYPE value`: the offset past TYPE, or 0. */
static size_t secrets_line(const char *l, size_t n)
{
	const char *colon = memchr(l, ':', n);
	size_t c, t0;

	if (!colon || (colon > l && !isspace((unsigned char)colon[-1])))
		return 0;
	c = (size_t)(colon - l) + 1;
	while (c < n && isspace((unsigned char)l[c]))
		c++;
	t0 = c;
	while (c < n && !isspace((unsigned char)l[c]))
		c++;
	return secrets_type(l + t0, c - t0) ? c : 0;
}

/* An opening quote at v without its close on this line: a value that
 * goes on over the next lines. */
static bool open_quote(const char *l, size_t n, size_t v)
{
	while (v < n && isspace((unsigned char)l[v]))
		v++;
	return v < n && l[v] == '"' && !memchr(l + v + 1, '"', n - v - 1);
}

/* One line, redacted to its end from the secret on.  *quoted carries an
 * open quote of a multi-line value into the next lines, which are then
 * dropped whole until the quote closes. */
static int conf_line(const char *l, size_t n, bool *quoted,
		     struct tsn_buf *out)
{
	size_t k, v;

	if (*quoted) {
		if (memchr(l, '"', n))
			*quoted = false;
		return 0;	/* inside a secret's quoted value: nothing */
	}
	if ((k = secret_assign(l, n, &v))) {
		*quoted = open_quote(l, n, v);
		return tsn_buf_printf(out, "%.*s = %s\n", (int)k, l, mark);
	}
	if ((k = secrets_line(l, n))) {
		*quoted = open_quote(l, n, k);
		return tsn_buf_printf(out, "%.*s %s\n", (int)k, l, mark);
	}
	return tsn_buf_printf(out, "%.*s\n", (int)n, l);
}

typedef int (*line_fn)(const char *l, size_t n, bool *state,
		       struct tsn_buf *out);

static int each_line(const char *text, struct tsn_buf *out, line_fn fn)
{
	bool state = false;
	int ret = 0;

	while (*text && !ret) {
		size_t n = strcspn(text, "\n");

		ret = fn(text, n, &state, out);
		text += n + (text[n] == '\n');
	}
	/* never NULL, so an empty result is still a string */
	return ret ? ret : tsn_buf_add(out, "", 0);
}

int tsn_redact_conf(const char *text, struct tsn_buf *out)
{
	return each_line(text, out, conf_line);
}

static bool key_word(const char *w, size_t n)
{
	static const char *const kw[] = { "aead", "enc", "auth",
					  "auth-trunc", "comp" };

	for (size_t i = 0; i < ARRAY_SIZE(kw); i++)
		if (strlen(kw[i]) == n && !strncmp(w, kw[i], n))
			return true;
	return false;
}

/* A 0x number of more than 16 hex digits, or any 0x token of a key line:
 * ip prints keys as one 0x token after the algorithm's name. */
static bool key_token(const char *w, size_t n, bool key_line)
{
	size_t d = 0;

	if (n < 3 || w[0] != '0' || (w[1] != 'x' && w[1] != 'X'))
		return false;
	while (2 + d < n && isxdigit((unsigned char)w[2 + d]))
		d++;
	return key_line || d > 16;
}

static int xfrm_line(const char *l, size_t n, bool *unused,
		     struct tsn_buf *out)
{
	size_t i = 0, w0;
	bool key_line = false, first = true;
	int ret = 0;

	(void)unused;
	while (i < n && !ret) {
		w0 = i;
		if (isspace((unsigned char)l[i])) {
			while (i < n && isspace((unsigned char)l[i]))
				i++;
			ret = tsn_buf_add(out, l + w0, i - w0);
			continue;
		}
		while (i < n && !isspace((unsigned char)l[i]))
			i++;
		if (first)
			key_line = key_word(l + w0, i - w0);
		first = false;
		if (key_token(l + w0, i - w0, key_line))
			ret = tsn_buf_puts(out, mark);
		else
			ret = tsn_buf_add(out, l + w0, i - w0);
	}
	return ret ? ret : tsn_buf_puts(out, "\n");
}

int tsn_redact_xfrm(const char *text, struct tsn_buf *out)
{
	return each_line(text, out, xfrm_line);
}

/* Eight "XX " groups in a row: a charon hex dump row. */
static bool hex_dump(const char *l, size_t n)
{
	unsigned run = 0;

	for (size_t i = 0; i + 2 <= n; ) {
		if (isxdigit((unsigned char)l[i]) &&
		    isxdigit((unsigned char)l[i + 1]) &&
		    (i + 2 == n || l[i + 2] == ' ') &&
		    (i == 0 || l[i - 1] == ' ')) {
			if (++run >= 8)
				return true;
			i += 3;
		} else {
			run = 0;
			i++;
		}
	}
	return false;
}

static int log_line(const char *l, size_t n, bool *unused,
		    struct tsn_buf *out)
{
	(void)unused;
	if (hex_dump(l, n))
		return tsn_buf_puts(out, "[hex dump redacted]\n");
	return tsn_buf_printf(out, "%.*s\n", (int)n, l);
}

int tsn_redact_log(const char *text, struct tsn_buf *out)
{
	return each_line(text, out, log_line);
}
