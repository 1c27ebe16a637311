/* test_proof.c - enable-ipsec's proof verdict per pair from the nodes'
 * ipsec-prove replies: a dual-stack pair needs ESP over each family (IPv4
 * ESP says nothing of an IPv6 connection that carried none), cleartext
 * over either is a leak, a node without a capture fails the pair. */
#include <criterion/criterion.h>
#include <string.h>

#include "enable/rollout.h"
#include "lib/json.h"

static void parse(struct tsn_jv *v, const char *text)
{
	char err[200] = "";

	cr_assert_eq(tsn_json_parse(text, strlen(text), v, err, sizeof(err)),
		     0, "%s", err);
}

/* n1's reply with ESP counts esp4 and esp6 towards n2, and clear6
 * cleartext packets over IPv6. */
static bool judge(bool dual, unsigned esp4, unsigned esp6, unsigned clear6,
		  struct tsn_pair_result *r)
{
	char text[600];
	struct tsn_jv v = { 0 };

	snprintf(text, sizeof(text),
		 "{\"node\":\"n1\",\"peers\":["
		 "{\"peer\":\"n3\",\"esp\":9,\"esp_in_udp\":0,\"cleartext\":0,"
		 "\"leaks\":[]},"
		 "{\"peer\":\"n2\",\"esp\":%u,\"esp_in_udp\":0,\"cleartext\":0,"
		 "\"leaks\":[]},"
		 "{\"peer\":\"n2\",\"over\":\"address6\",\"esp\":0,"
		 "\"esp_in_udp\":%u,\"cleartext\":%u,\"leaks\":[%s]}]}",
		 esp4, esp6, clear6, clear6 ? "\"udp fd00:7473::1 > "
		 "fd00:7473::2 (out)\"" : "");
	parse(&v, text);
	memset(r, 0, sizeof(*r));
	r->dual = dual;
	tsn_rollout_proof_take(r, "n1", "n2", &v, "");
	tsn_jv_free(&v);
	return tsn_rollout_wire_ok(r);
}

Test(proof, each_family_of_a_dual_pair_needs_esp)
{
	struct tsn_pair_result r;

	cr_assert(judge(true, 10, 10, 0, &r));
	cr_assert_eq(r.esp, 10);
	cr_assert_eq(r.esp6, 10);
	/* IPv4 ESP does not hide an IPv6 connection that carried nothing */
	cr_assert_not(judge(true, 10, 0, 0, &r));
	cr_assert_not(judge(true, 0, 10, 0, &r));
	/* another peer's ESP is not this pair's */
	cr_assert_not(judge(false, 0, 0, 0, &r));
	cr_assert(judge(false, 10, 0, 0, &r));
}

Test(proof, cleartext_over_either_family_is_a_leak)
{
	struct tsn_pair_result r;

	cr_assert_not(judge(true, 10, 10, 2, &r));
	cr_assert_eq(r.cleartext, 2);
	cr_assert(strstr(r.leaks, "n1: udp fd00:7473::1"), "%s", r.leaks);
}

Test(proof, a_node_without_a_capture_fails_the_pair)
{
	struct tsn_pair_result r = { .esp = 10, .dual = false };
	struct tsn_jv v = { 0 };

	parse(&v, "{\"node\":\"n2\",\"peers\":[],\"error\":\"capture on "
	      "eth0: Operation not permitted\"}");
	tsn_rollout_proof_take(&r, "n2", "n1", &v, "");
	tsn_jv_free(&v);
	cr_assert_not(tsn_rollout_wire_ok(&r));
	cr_assert(strstr(r.leaks, "no capture on n2: capture on eth0"), "%s",
		  r.leaks);
}
