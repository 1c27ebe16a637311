/* test_mnl_dump.c - the one netlink dump loop: hostile datagrams fed to
 * tsn_mnl_run(), and a real dump of the kernel's links (NETLINK_ROUTE,
 * which needs no privilege) through tsn_mnl_dump(). */
#include <criterion/criterion.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "lib/mnl_dump.h"

static char buf[4096] __attribute__((aligned(8)));
static int calls;

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	calls++;
	return MNL_CB_OK;
}

/* MNL_CB_ERROR with errno left as it was: still an error */
static int fail_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_ERROR;
}

static struct nlmsghdr *put(char *at, uint16_t type, size_t payload)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);

	nlh->nlmsg_type = type;
	nlh->nlmsg_seq = 7;
	mnl_nlmsg_put_extra_header(nlh, payload);
	return nlh;
}

static size_t put_error(char *at, int error, size_t payload)
{
	struct nlmsghdr *nlh = put(at, NLMSG_ERROR, payload);
	struct nlmsgerr e = { .error = error };

	memcpy(mnl_nlmsg_get_payload(nlh), &e,
	       payload < sizeof(e) ? payload : sizeof(e));
	return nlh->nlmsg_len;
}

static void setup(void)
{
	memset(buf, 0, sizeof(buf));
	calls = 0;
}

TestSuite(mnl_dump, .init = setup);

Test(mnl_dump, data_then_more)
{
	size_t n = put(buf, RTM_NEWLINK, 16)->nlmsg_len;

	n += put(buf + n, RTM_NEWLINK, 16)->nlmsg_len;
	cr_assert_eq(tsn_mnl_run(buf, n, 7, 0, count_cb, NULL), 0);
	cr_assert_eq(calls, 2);
}

Test(mnl_dump, done_ends)
{
	size_t n = put(buf, RTM_NEWLINK, 16)->nlmsg_len;

	n += put(buf + n, NLMSG_DONE, 4)->nlmsg_len;
	cr_assert_eq(tsn_mnl_run(buf, n, 7, 0, count_cb, NULL), 1);
	cr_assert_eq(calls, 1);
}

Test(mnl_dump, error_gives_its_errno)
{
	size_t n = put_error(buf, -EPERM, sizeof(struct nlmsgerr));

	cr_assert_eq(tsn_mnl_run(buf, n, 7, 0, count_cb, NULL), -EPERM);
}

Test(mnl_dump, short_error_is_bad)
{
	size_t n = put_error(buf, -EPERM, 2);

	cr_assert_eq(tsn_mnl_run(buf, n, 7, 0, count_cb, NULL), -EBADMSG);
}

Test(mnl_dump, trailing_bytes_are_bad)
{
	size_t n = put(buf, RTM_NEWLINK, 16)->nlmsg_len;

	/* a header's worth less one: the start of a message, cut */
	cr_assert_eq(tsn_mnl_run(buf, n + 15, 7, 0, count_cb, NULL),
		     -EBADMSG);
	/* a length past the datagram's end */
	put(buf, RTM_NEWLINK, 16)->nlmsg_len = 4000;
	cr_assert_eq(tsn_mnl_run(buf, n, 7, 0, count_cb, NULL), -EBADMSG);
	cr_assert_eq(calls, 0);
}

Test(mnl_dump, wrong_seq_is_an_error)
{
	size_t n = put(buf, RTM_NEWLINK, 16)->nlmsg_len;

	cr_assert_eq(tsn_mnl_run(buf, n, 8, 0, count_cb, NULL), -EPROTO);
}

Test(mnl_dump, callback_error_without_errno)
{
	size_t n = put(buf, RTM_NEWLINK, 16)->nlmsg_len;

	errno = 0;
	cr_assert_lt(tsn_mnl_run(buf, n, 7, 0, fail_cb, NULL), 0);
}

static int link_dump(char *b, size_t len)
{
	struct mnl_socket *nl = tsn_mnl_open(NETLINK_ROUTE);
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	int ret;

	cr_assert(nl, "NETLINK_ROUTE: %s", strerror(errno));
	nlh = mnl_nlmsg_put_header(b);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_seq = 42;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	ret = tsn_mnl_dump(nl, nlh, b, len, count_cb, NULL);
	mnl_socket_close(nl);
	return ret;
}

Test(mnl_dump, real_links)
{
	static char big[32768];

	cr_assert_eq(link_dump(big, sizeof(big)), 0);
	cr_assert_geq(calls, 1, "no link, not even lo");
}

/* A reply larger than the buffer is an error (MSG_TRUNC), not a dump
 * read in part. */
Test(mnl_dump, buffer_too_small)
{
	char small[64];

	cr_assert_eq(link_dump(small, sizeof(small)), -ENOSPC);
	cr_assert_eq(calls, 0);
}
