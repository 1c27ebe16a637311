/* fuzz_json.c - libFuzzer target for the JSON reader and writer.
 *
 * Arbitrary bytes go to the reader; whatever it accepts is written back
 * (compact and pretty) and must parse again to the same value, and the
 * agent-reply reader (tsn_checks_from_json) and the table and JSON
 * renderers get the parsed value too.  The same bytes also drive the
 * writer as a sequence of calls, misuse included: whenever
 * tsn_json_finish accepts the result, the reader must accept it too.
 * Crashes and leaks are caught by ASan; a mismatch aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int jv_equal(const struct tsn_jv *a, const struct tsn_jv *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case TSN_JNULL:
		return 1;
	case TSN_JBOOL:
		return a->b == b->b;
	case TSN_JNUM:
		return a->num == b->num;
	case TSN_JSTR:
		return !strcmp(a->str, b->str);
	default:
		if (a->n != b->n)
			return 0;
		for (size_t i = 0; i < a->n; i++)
			if ((a->keys && strcmp(a->keys[i], b->keys[i])) ||
			    !jv_equal(&a->items[i], &b->items[i]))
				return 0;
		return 1;
	}
}

static void round_trip(const struct tsn_jv *v, int pretty)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	struct tsn_jv again;
	char err[128];

	tsn_json_init(&j, &b, pretty);
	tsn_json_jv(&j, v);
	if (tsn_json_finish(&j) < 0)
		abort();	/* a parsed value always writes */
	if (tsn_json_parse(b.p, b.len, &again, err, sizeof(err)) < 0) {
		fprintf(stderr, "re-parse failed: %s\n%s\n", err, b.p);
		abort();
	}
	if (!jv_equal(v, &again)) {
		fprintf(stderr, "round trip changed the value:\n%s\n", b.p);
		abort();
	}
	tsn_jv_free(&again);
	tsn_buf_free(&b);
}

/* The coordinator's path for an agent's reply. */
static void as_agent_reply(const struct tsn_jv *v)
{
	struct tsn_report r;
	struct tsn_node_report *n;
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	FILE *f = fopen("/dev/null", "w");

	tsn_report_init(&r, "fuzz");
	n = tsn_report_node(&r, "n1");
	if (n && tsn_checks_from_json(n, v) == 0 && f) {
		tsn_report_print_table(&r, f, true);
		tsn_json_init(&j, &b, 0);
		tsn_report_json(&r, &j);
		if (tsn_json_finish(&j) < 0)
			abort();
	}
	if (f)
		fclose(f);
	tsn_buf_free(&b);
	tsn_report_free(&r);
}

/* One writer call per input byte.  Keys are unique so the reader's
 * duplicate-key rule cannot reject what the writer rightly accepted. */
static void writer_calls(const uint8_t *data, size_t size)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	struct tsn_jv v;
	char key[32], err[128];

	tsn_json_init(&j, &b, size && (data[0] & 0x80));
	for (size_t i = 0; i < size && i < 256; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		switch (data[i] % 10) {
		case 0:
			tsn_json_obj_begin(&j);
			break;
		case 1:
			tsn_json_obj_end(&j);
			break;
		case 2:
			tsn_json_arr_begin(&j);
			break;
		case 3:
			tsn_json_arr_end(&j);
			break;
		case 4:
			tsn_json_key(&j, key);
			break;
		case 5:
			tsn_json_str(&j, "s");
			break;
		case 6:
			tsn_json_int(&j, (long long)i - 128);
			break;
		case 7:
			tsn_json_null(&j);
			break;
		case 8:
			tsn_json_kint(&j, key, 1);
			break;
		default:
			tsn_json_bool(&j, data[i] & 1);
			break;
		}
	}
	if (tsn_json_finish(&j) == 0) {
		if (tsn_json_parse(b.p, b.len, &v, err, sizeof(err)) < 0) {
			fprintf(stderr, "writer accepted, reader did not: "
				"%s\n%s\n", err, b.p);
			abort();
		}
		tsn_jv_free(&v);
	}
	tsn_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsn_jv v;
	char err[128];

	writer_calls(data, size);
	if (tsn_json_parse((const char *)data, size, &v, err, sizeof(err)) < 0) {
		if (strncmp(err, "offset ", 7))
			abort();	/* every error says where */
		return 0;
	}
	round_trip(&v, 0);
	round_trip(&v, 1);
	as_agent_reply(&v);
	tsn_jv_free(&v);
	return 0;
}
