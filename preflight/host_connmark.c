/* host_connmark.c - whether the charon running here has a plugin loaded,
 * from VICI's "stats" command, whose response lists the loaded plugins
 * ("plugins" = [ ... ]).  nat.shared asks it of connmark: several nodes
 * behind one public address need it on the node they reach.
 *
 * The response is charon's bytes: walked through a cursor, each length
 * checked against what is left, sections nested at most VICI_DEPTH deep.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cur.h"
#include "preflight/host.h"

#define VICI_CMD_RESPONSE 1
#define VICI_CMD_UNKNOWN 2	/* charon does not know the command */
#define VICI_DEPTH 16
#define STATS_MAX 65536		/* a stats answer is 1-2 KB */
#define STATS_TIMEOUT_MS 2000

enum { SECTION_START = 1, SECTION_END, KEY_VALUE, LIST_START, LIST_ITEM,
       LIST_END };

/* A name (8-bit length) or value (16-bit length) into *s, *n. */
static int name_of(struct cur *c, bool wide, const uint8_t **s, size_t *n)
{
	uint8_t l8;
	uint16_t l16;

	if (wide ? cur_u16(c, &l16) < 0 : cur_u8(c, &l8) < 0)
		return -EPROTO;
	*n = wide ? l16 : l8;
	/* a length past the segment's end stops the walk here */
	if (!cur_has(c, *n))
		return -EPROTO;
	*s = c->p;
	cur_skip(c, *n);
	return 0;
}

static bool is(const uint8_t *s, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(s, want, n);
}

int tsn_vici_stats_plugin(const uint8_t *p, size_t len, const char *plugin)
{
	struct cur c = cur_make(p, len);
	bool in_plugins = false, list = false, seen = false;
	int depth = 0, ret = 0;
	const uint8_t *s;
	uint8_t type;
	size_t n;

	if (cur_u8(&c, &type) < 0)
		return -EPROTO;
	if (type == VICI_CMD_UNKNOWN)
		return len == 1 ? -EOPNOTSUPP : -EPROTO;
	if (type != VICI_CMD_RESPONSE)
		return -EPROTO;
	/* every element takes at least one byte: the walk ends */
	while (!ret && cur_u8(&c, &type) == 0) {
		switch (type) {
		case SECTION_START:
			ret = name_of(&c, false, &s, &n);
			if (!ret && (list || ++depth > VICI_DEPTH))
				ret = -EPROTO;
			break;
		case SECTION_END:
			ret = list || depth-- == 0 ? -EPROTO : 0;
			break;
		case KEY_VALUE:
			ret = name_of(&c, false, &s, &n);
			if (!ret)
				ret = list ? -EPROTO : name_of(&c, true, &s, &n);
			break;
		case LIST_START:
			ret = list ? -EPROTO : name_of(&c, false, &s, &n);
			list = true;
			in_plugins = !ret && depth == 0 && is(s, n, "plugins");
			seen |= in_plugins;
			break;
		case LIST_ITEM:
			ret = list ? name_of(&c, true, &s, &n) : -EPROTO;
			if (!ret && in_plugins && is(s, n, plugin))
				return 1;
			break;
		case LIST_END:
			ret = list ? 0 : -EPROTO;
			list = in_plugins = false;
			break;
		default:
			ret = -EPROTO;
		}
	}
	if (!ret && (list || depth))
		ret = -EPROTO;		/* cut short inside a section or list */
	return ret ? ret : seen ? 0 : -ENOENT;
}

const char *tsn_host_charon_plugin(const struct tsn_host_opts *o,
				   const char *plugin, char *why, size_t len)
{
	char path[4096], e[96];
	uint8_t *body = NULL;
	size_t n;
	int ret;

	ret = tsn_host_vici_path(o, path, sizeof(path));
	if (!ret)
		ret = tsn_vici_ask(path, o->vici_timeout_ms ? o->vici_timeout_ms :
				   STATS_TIMEOUT_MS, "stats", STATS_MAX, &body,
				   &n);
	if (!ret)
		ret = tsn_vici_stats_plugin(body, n, plugin);
	free(body);
	if (ret == 1)
		return "loaded";
	if (ret == 0)
		return "not loaded";
	snprintf(why, len, "%s", ret == -ENOENT ? "charon's stats list no "
		 "plugins" : ret == -EOPNOTSUPP ? "this charon does not know "
		 "the VICI command stats (CMD_UNKNOWN)" : ret == -EPROTO ?
		 "charon's stats answer is malformed" :
		 tsn_errno_str(ret, e, sizeof(e)));
	return NULL;
}
