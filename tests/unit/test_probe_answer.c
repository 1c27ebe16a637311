/* test_probe_answer.c - an IKE answer is ours when the initiator SPI it
 * echoes starts with the run's tag, then our index, then the peer's
 * (probe/send.c, tsn_probe_answer).  Tags are random: half of them have
 * the top bit set, which an int shift of the first byte got wrong (UB,
 * caught by UBSan under `make asan` when the tag starts at 0x80).  And
 * it must come from the peer it names: the SPI is on the wire, anyone
 * who saw the request can echo it (issue 16). */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/socket.h>

#include "probe/probe.h"

static struct tsn_probe_peer peer;
static struct tsn_probe_node pn;
static const struct tsn_ip_addr peer_addr = {
	.family = AF_INET, .a = { 198, 18, 1, 2 } };

static void node(uint32_t tag)
{
	tsn_probe_node_init(&pn);
	memset(&peer, 0, sizeof(peer));
	pn.tag = tag;
	pn.index = 0x0102;
	peer.index = 0x0304;
	peer.addr = peer_addr;
	pn.peers = &peer;
	pn.n_peers = 1;
}

/* The SPI an answer to our request to the peer echoes. */
static void echo(struct tsn_ike_info *info, uint32_t tag, uint16_t self,
		 uint16_t to)
{
	uint8_t s[8] = { tag >> 24, tag >> 16, tag >> 8, tag, self >> 8, self,
			 to >> 8, to };

	memset(info, 0, sizeof(*info));
	memcpy(info->spi_i, s, sizeof(s));
	info->response = true;
	info->exchange = TSN_IKE_SA_INIT;
}

Test(tq_answer, tags_high_and_low)
{
	static const uint32_t tags[] = { 0x01234567, 0x7fffffff, 0x80000000,
					 0x99aabbcc, 0xffffffff };
	struct tsn_ike_info info;

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		node(tags[i]);
		echo(&info, tags[i], 0x0102, 0x0304);
		tsn_probe_answer(&pn, TSN_PP_500, &info, &peer_addr);
		cr_expect(peer.p[TSN_PP_500].answer, "tag %08x: ours",
			  tags[i]);
		cr_expect_eq(pn.foreign, 0, "tag %08x", tags[i]);
	}
}

Test(tq_answer, others_are_foreign)
{
	struct tsn_ike_info info;

	node(0x99aabbcc);
	echo(&info, 0x19aabbcc, 0x0102, 0x0304);	/* another run */
	tsn_probe_answer(&pn, TSN_PP_500, &info, &peer_addr);
	echo(&info, 0x99aabbcc, 0x0103, 0x0304);	/* another node's */
	tsn_probe_answer(&pn, TSN_PP_500, &info, &peer_addr);
	echo(&info, 0x99aabbcc, 0x0102, 0x0305);	/* no such peer */
	tsn_probe_answer(&pn, TSN_PP_500, &info, &peer_addr);
	cr_expect_eq(pn.foreign, 3);
	cr_expect(!peer.p[TSN_PP_500].answer);
}

Test(tq_answer, from_another_address_is_counted_not_taken)
{
	static const struct tsn_ip_addr other = {
		.family = AF_INET, .a = { 198, 18, 1, 99 } };
	static const struct tsn_ip_addr other6 = {
		.family = AF_INET6, .a = { 0xfd, 0x00, 0x74, 0x73 } };
	struct tsn_ike_info info;

	node(0x99aabbcc);
	echo(&info, 0x99aabbcc, 0x0102, 0x0304);	/* ours, right SPI */
	tsn_probe_answer(&pn, TSN_PP_500, &info, &other);
	tsn_probe_answer(&pn, TSN_PP_4500, &info, &other6);
	cr_expect(!peer.p[TSN_PP_500].answer, "a non-member's echo is no answer");
	cr_expect(!peer.p[TSN_PP_4500].answer);
	cr_expect_eq(pn.foreign, 2);
	cr_expect_eq(pn.nonmember, 2);
	tsn_probe_answer(&pn, TSN_PP_500, &info, &peer_addr);
	cr_expect(peer.p[TSN_PP_500].answer, "the peer's own still counts");
	cr_expect_eq(pn.nonmember, 2);
}
