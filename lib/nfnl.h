/* nfnl.h - nf_tables transactions over netlink, through libmnl.
 *
 * A batch carries real sequence numbers and NLM_F_ACK on every message;
 * tsn_nfnl_commit() reads until every message is acknowledged and
 * returns the first error the kernel reported (the whole batch is then
 * aborted by the kernel: nothing half-applied).
 */
#ifndef TSN_NFNL_H
#define TSN_NFNL_H

#include <stdint.h>
#include <stddef.h>

struct mnl_socket;
struct mnl_nlmsg_batch;
struct nlmsghdr;

struct tsn_nfnl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	struct mnl_nlmsg_batch *batch;
	char *buf;
	size_t bufsize;
	size_t zeroed;		/* buf[0, zeroed) is zero or the batch's */
	uint32_t first_seq;	/* of the current batch's first message */
	int failed_at;		/* index of the message that failed, or -1 */
	int pending;		/* a message is being built */
	/* Optional: called with each message other than an ack that comes
	 * back while a commit waits for its acks (the NLM_F_ECHO copies of
	 * what the batch created); its first negative return is the
	 * commit's result when the kernel reported no error. */
	int (*echo_cb)(const struct nlmsghdr *nlh, void *data);
	void *echo_data;
};

int tsn_nfnl_open(struct tsn_nfnl *n);
void tsn_nfnl_close(struct tsn_nfnl *n);

/* Start a batch; then build messages with tsn_nfnl_msg() and libnftnl's
 * nftnl_*_nlmsg_build_payload(), then commit. */
int tsn_nfnl_begin(struct tsn_nfnl *n);
/* A message header in the batch: type NFT_MSG_*, family, flags (NLM_F_ACK
 * is added).  NULL when the batch cannot grow (past 16 MiB, or out of
 * memory). */
struct nlmsghdr *tsn_nfnl_msg(struct tsn_nfnl *n, uint16_t type,
			      uint16_t family, uint16_t flags);
int tsn_nfnl_commit(struct tsn_nfnl *n);

/* A dump request (NLM_F_DUMP) whose replies go to cb, as libmnl's
 * mnl_cb_run callbacks. */
int tsn_nfnl_dump(struct tsn_nfnl *n, uint16_t type, uint16_t family,
		  int (*cb)(const struct nlmsghdr *nlh, void *data),
		  void *data);

#endif
