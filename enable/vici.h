/* vici.h - a small client for strongSwan's VICI protocol.
 *
 * Written from the protocol's documented wire format (the vici plugin's
 * README): a stream of segments, each a 32-bit big-endian length and that
 * many bytes; a segment holds one packet, a type byte, for named types a
 * name (8-bit length), then a message of elements:
 *
 *   1 SECTION_START name    2 SECTION_END
 *   3 KEY_VALUE name value  (value: 16-bit length)
 *   4 LIST_START name       5 LIST_ITEM value     6 LIST_END
 *
 * What charon sends is parsed through a cursor, bounded by the segment
 * and a nesting cap, like any bytes from outside the program.
 */
#ifndef TSN_VICI_H
#define TSN_VICI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

#define TSN_VICI_SOCKET "/run/charon.vici"
#define TSN_VICI_SEGMENT_MAX (512u * 1024)	/* the protocol's limit */
#define TSN_VICI_DEPTH_MAX 16

enum tsn_vici_packet {
	TSN_VICI_CMD_REQUEST = 0,
	TSN_VICI_CMD_RESPONSE = 1,
	TSN_VICI_CMD_UNKNOWN = 2,
	TSN_VICI_EVENT_REGISTER = 3,
	TSN_VICI_EVENT_UNREGISTER = 4,
	TSN_VICI_EVENT_CONFIRM = 5,
	TSN_VICI_EVENT_UNKNOWN = 6,
	TSN_VICI_EVENT = 7,
};

/* Building a request message. Errors are sticky and reported by
 * tsn_vici_req_error(): -ENAMETOOLONG (name > 255), -EMSGSIZE (value >
 * 65535), -EINVAL (unbalanced sections/lists). */
struct tsn_vici_req {
	struct tsn_buf b;
	int depth;
	bool in_list;
	int error;
};

void tsn_vici_req_init(struct tsn_vici_req *r);
void tsn_vici_req_free(struct tsn_vici_req *r);	/* wipes: may hold keys */
void tsn_vici_section(struct tsn_vici_req *r, const char *name);
void tsn_vici_end(struct tsn_vici_req *r);
void tsn_vici_kv(struct tsn_vici_req *r, const char *key, const void *val,
		 size_t len);
void tsn_vici_kvs(struct tsn_vici_req *r, const char *key, const char *val);
void tsn_vici_list(struct tsn_vici_req *r, const char *name);
void tsn_vici_item(struct tsn_vici_req *r, const char *val);
void tsn_vici_list_end(struct tsn_vici_req *r);
int tsn_vici_req_error(const struct tsn_vici_req *r);

/* A parsed message: a tree of sections; key/values and lists are leaves. */
enum tsn_vici_kind { TSN_VICI_SECTION, TSN_VICI_VALUE, TSN_VICI_LIST };

struct tsn_vici_el {
	enum tsn_vici_kind kind;
	char *name;
	char *value;		/* VALUE: bytes + NUL (values may hold NULs) */
	size_t value_len;
	char **items;		/* LIST: NUL-terminated items */
	size_t n_items;
	struct tsn_vici_el *children;	/* SECTION */
	size_t n_children;
};

/* Parse a message body (the bytes after type and name).  The root is a
 * nameless section.  0 or -EBADMSG with a reason in err. */
int tsn_vici_parse(const uint8_t *p, size_t len, struct tsn_vici_el *root,
		   char *err, size_t errlen);
void tsn_vici_el_free(struct tsn_vici_el *el);
const struct tsn_vici_el *tsn_vici_get(const struct tsn_vici_el *sec,
				       const char *name);
/* Value of a VALUE child as a string, or NULL. */
const char *tsn_vici_str(const struct tsn_vici_el *sec, const char *name);

/* A connection to charon. */
struct tsn_vici {
	int fd;
	unsigned timeout_ms;	/* per read, default 30000 */
};

int tsn_vici_connect(struct tsn_vici *v, const char *path);
void tsn_vici_close(struct tsn_vici *v);

/* Called for each event of a streamed command (list-sas sends list-sa
 * events, initiate sends control-log events). */
typedef int (*tsn_vici_event_fn)(void *arg, const char *event,
				 const struct tsn_vici_el *msg);

/* Send command cmd with req (NULL: empty) and wait for its response.
 * With event != NULL, register for that event first, pass every event to
 * fn until the response arrives, then unregister.  0, -ENOENT for a
 * command charon does not know, -EBADMSG for a malformed answer,
 * -ETIMEDOUT, or another -errno. */
int tsn_vici_call(struct tsn_vici *v, const char *cmd,
		  const struct tsn_vici_req *req, const char *event,
		  tsn_vici_event_fn fn, void *arg, struct tsn_vici_el *resp);

/* "success = yes" in a response, else the errmsg (or "failed"). */
bool tsn_vici_success(const struct tsn_vici_el *resp, const char **errmsg);

/* Encode a whole segment (length, type, name, body): for tests. */
int tsn_vici_frame(struct tsn_buf *out, enum tsn_vici_packet type,
		   const char *name, const struct tsn_vici_req *req);

#endif
