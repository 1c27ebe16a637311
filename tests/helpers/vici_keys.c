/* vici_keys.c - what private keys charon holds, asked through tsnet's
 * own VICI client, for the integration tests:
 *
 *   vici_keys list        the ids of the keys loaded over VICI
 *                         (get-keys), one a line
 *   vici_keys load FILE   load-key of an ECDSA PEM key (a key someone
 *                         else loaded); prints the id charon answers
 *
 * Exit 0, or 3 when VICI fails (message on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enable/vici.h"
#include "lib/util.h"

static int list(struct tsn_vici *v)
{
	struct tsn_vici_el resp;
	const struct tsn_vici_el *keys;
	int ret;

	if ((ret = tsn_vici_call(v, "get-keys", NULL, NULL, NULL, NULL,
				 &resp)) < 0)
		return ret;
	keys = tsn_vici_get(&resp, "keys");
	for (size_t i = 0; keys && keys->kind == TSN_VICI_LIST &&
	     i < keys->n_items; i++)
		printf("%s\n", keys->items[i]);
	tsn_vici_el_free(&resp);
	return 0;
}

static int load(struct tsn_vici *v, const char *path)
{
	struct tsn_vici_req r;
	struct tsn_vici_el resp;
	const char *msg;
	char *pem = NULL;
	size_t len = 0;
	int ret;

	if ((ret = tsn_read_file(path, 1 << 20, &pem, &len)) < 0)
		return ret;
	tsn_vici_req_init(&r);
	tsn_vici_kvs(&r, "type", "ecdsa");
	tsn_vici_kv(&r, "data", pem, len);
	ret = tsn_vici_call(v, "load-key", &r, NULL, NULL, NULL, &resp);
	tsn_vici_req_free(&r);
	free(pem);
	if (ret < 0)
		return ret;
	if (tsn_vici_success(&resp, &msg)) {
		printf("%s\n", tsn_vici_str(&resp, "id") ?
		       tsn_vici_str(&resp, "id") : "");
	} else {
		fprintf(stderr, "vici_keys: load-key: %s\n", msg);
		ret = -EINVAL;
	}
	tsn_vici_el_free(&resp);
	return ret;
}

int main(int argc, char **argv)
{
	struct tsn_vici v;
	int ret;

	if (argc < 2 || (strcmp(argv[1], "list") &&
			 (strcmp(argv[1], "load") || argc != 3))) {
		fprintf(stderr, "usage: vici_keys list | load FILE\n");
		return 2;
	}
	if ((ret = tsn_vici_connect(&v, NULL)) < 0) {
		fprintf(stderr, "vici_keys: %s: %s\n", TSN_VICI_SOCKET,
			strerror(-ret));
		return 3;
	}
	ret = argv[1][1] == 'i' ? list(&v) : load(&v, argv[2]);
	tsn_vici_close(&v);
	if (ret < 0) {
		fprintf(stderr, "vici_keys: %s: %s\n", argv[1], strerror(-ret));
		return 3;
	}
	return 0;
}
