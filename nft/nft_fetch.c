/* nft_fetch.c - dump the nf_tables ruleset of this network namespace.
 *
 * Tables, chains, sets, each set's elements, then rules, each with an
 * NLM_F_DUMP request over one NETLINK_NETFILTER socket; nft_read.c turns
 * each message into the model.  The ruleset generation is read before
 * and after; if it moved, the dump is not one ruleset and is taken again.
 * Reading needs CAP_NET_ADMIN; without it nfnetlink answers -EPERM, which
 * is passed up as is so the caller can say so.
 *
 * The dumps run on a thread of their own, the fetcher.  In a large
 * ruleset the rules are nearly all of it, and the kernel takes longer to
 * dump them than we take to parse them (10,000 rules: 15-20 ms in the
 * kernel, about 6 ms here), so the fetcher only receives them, into
 * chunks it queues, and the caller parses each chunk as it arrives,
 * meanwhile.  Tables, chains, sets and elements are few, and the
 * element dumps need the sets parsed: the fetcher parses those itself,
 * before it queues the first rule chunk.  The ruleset has one writer at
 * a time; the queue's lock hands it over.
 *
 * A caller with work of its own (nft-fix reads its request) starts the
 * read first and parses later (tsn_nft_read_start, tsn_nft_read_end):
 * the fetcher runs ahead as far as its chunks go.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "lib/util.h"
#include "nft/nft.h"

/* Whatever keeps changing a ruleset (kube-proxy, Docker) changes it in
 * bursts: the tries are spaced 10, 20, 30, 40 ms apart. */
#define READ_TRIES 5
#define TRY_GAP_NS 10000000L
#define BUF_LEN (1 << 17)
/* A dump's datagram is at most SKB_WITH_OVERHEAD(32 KiB) (netlink caps
 * a dump's skb there, and at the reader's buffer): a 32 KiB chunk less
 * its header holds one.  A bigger one would fail the receive (libmnl
 * reports MSG_TRUNC as ENOSPC), never be cut short. */
#define CHUNK_LEN (1 << 15)
/* The fetcher's buffer and the chunks are one block; parsed chunks are
 * used again before new ones.  The fetcher waits when 16 wait to be
 * parsed (1.5-2 ms of dump): the caller parses faster than the kernel
 * dumps, so that happens only while it is busy with something else for
 * longer than nft-fix is (its request and preparation: about 1 ms). */
#define CHUNKS_MAX 16
#define POOL_LEN (BUF_LEN + CHUNKS_MAX * CHUNK_LEN)
/* The caller is woken for a few chunks at a time, not for each: a
 * wakeup costs about what parsing a chunk (some 70 rules) does. */
#define CHUNKS_BATCH 4
/* The caller sleeps only on an empty queue, and is woken at a batch: the
 * fetcher must be able to fill one without waiting for room. */
_Static_assert(CHUNKS_MAX > CHUNKS_BATCH, "a batch must fit");

struct chunk {
	struct chunk *next;
	size_t len;
	char buf[CHUNK_LEN - 2 * sizeof(size_t)];
};
_Static_assert(sizeof(struct chunk) == CHUNK_LEN, "chunks tile the pool");

struct tsn_nft_reader {
	struct mnl_socket *sk;
	uint32_t portid, seq;
	char *buf;		/* the fetcher's, for all but the rules; then
				 * the chunks (POOL_LEN in all) */
	size_t n_carved;	/* chunks taken from the pool so far */
	pthread_t thread;
	bool started;		/* a fetcher to join */
	bool direct;		/* no thread: the fetcher parses the rules */
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* broadcast when anything below changes */
	struct chunk *queue, **tail, *spare;
	size_t n_queued;
	size_t n_out;		/* chunks queued or being parsed */
	bool rules;		/* rule chunks are coming: rs is the caller's */
	bool done;		/* the fetcher has ended this try */
	bool stop;		/* the caller gave up: stop receiving */
	bool parsed;		/* the rules were parsed to the dump's end */
	int parse_err;
	/* the caller's, after each chunk it parses (tsn_nft_read_hook) */
	void (*hook)(struct tsn_nft_ruleset *rs, void *arg);
	void *hook_arg;
	struct tsn_nft_ruleset *rs;
	uint32_t rule_seq;
	const char *what;	/* what the fetcher was reading */
	int ret;		/* how the fetcher's try ended */
	bool moved;		/* the generation moved during the try */
};

struct dump_ctx {
	struct tsn_nft_ruleset *rs;
	uint32_t gen;
	int err;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;

	d->err = tsn_nft_parse_msg(d->rs, nlh);
	return d->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (!g)
		return MNL_CB_ERROR;
	if (nftnl_gen_nlmsg_parse(nlh, g) < 0) {
		d->err = -EINVAL;
		nftnl_gen_free(g);
		return MNL_CB_ERROR;
	}
	d->gen = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

/* Send one request and run every reply through cb until done. */
static int request(struct tsn_nft_reader *f, uint16_t type, uint16_t flags,
		   const struct nftnl_set *set, mnl_cb_t cb,
		   struct dump_ctx *d)
{
	struct nlmsghdr *nlh;
	uint32_t seq = ++f->seq;
	ssize_t n;
	int ret;

	nlh = nftnl_nlmsg_build_hdr(f->buf, type, set ?
			(uint16_t)nftnl_set_get_u32(set, NFTNL_SET_FAMILY) :
			NFPROTO_UNSPEC, (flags & NLM_F_DUMP) ? flags :
			flags | NLM_F_ACK, seq);
	if (set)
		nftnl_set_elems_nlmsg_build_payload(nlh,
						    (struct nftnl_set *)set);
	if (mnl_socket_sendto(f->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	d->err = 0;
	for (;;) {
		n = mnl_socket_recvfrom(f->sk, f->buf, BUF_LEN);
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(f->buf, (size_t)n, seq, f->portid, cb, d);
		if (ret < 0)
			return d->err ? d->err : -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static int dump_elems(struct tsn_nft_reader *f, struct dump_ctx *d)
{
	struct tsn_nft_ruleset *rs = d->rs;
	int ret = 0;

	/* Sorted first: each reply finds its set with tsn_nft_set_find(),
	 * which sorts the array it is walked by.  Sorting after the first
	 * reply reordered it under this loop: a named set declared before
	 * an anonymous one ("allowed" after "__set0") was asked for twice
	 * and the other never, so "udp dport { 500, 4500 }" matched
	 * nothing. */
	tsn_nft_sort(rs);
	for (size_t i = 0; i < rs->n_sets && !ret; i++) {
		struct nftnl_set *s = nftnl_set_alloc();

		if (!s)
			return -ENOMEM;
		nftnl_set_set_str(s, NFTNL_SET_TABLE, rs->sets[i]->table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, rs->sets[i]->name);
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY,
				  (uint32_t)rs->sets[i]->family);
		ret = request(f, NFT_MSG_GETSETELEM, NLM_F_DUMP, s, dump_cb,
			      d);
		nftnl_set_free(s);
	}
	return ret;
}

/* Parse one chunk of the rules dump into the ruleset: MNL_CB_OK for more
 * to come, MNL_CB_STOP at the dump's end, or MNL_CB_ERROR with
 * f->parse_err set. */
static int parse_chunk(struct tsn_nft_reader *f, const struct chunk *c)
{
	struct dump_ctx d = { .rs = f->rs };
	int ret = mnl_cb_run(c->buf, c->len, f->rule_seq, f->portid, dump_cb,
			     &d);

	if (ret < 0)
		f->parse_err = d.err ? d.err : errno ? -errno : -EPROTO;
	return ret;
}

/* Whether a datagram ends the rules dump: it holds NLMSG_DONE or an
 * error, or it cannot be walked to its end (the parser then says what
 * is wrong with it).  The fetcher looks no further. */
static bool last_chunk(const struct chunk *c)
{
	const struct nlmsghdr *nlh = (const void *)c->buf;
	int left = (int)c->len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
		if (nlh->nlmsg_type == NLMSG_DONE ||
		    nlh->nlmsg_type == NLMSG_ERROR ||
		    nlh->nlmsg_type == NLMSG_OVERRUN)
			return true;
	return left != 0;
}

/* Called locked: a chunk to receive into, or NULL once the caller has
 * given up. */
static struct chunk *take_chunk(struct tsn_nft_reader *f)
{
	struct chunk *c;

	while (!f->stop && f->n_out >= CHUNKS_MAX)
		pthread_cond_wait(&f->cond, &f->lock);
	if (f->stop)
		return NULL;
	c = f->spare;
	if (c)
		f->spare = c->next;
	else	/* fewer than CHUNKS_MAX out, none spare: one is left */
		c = (struct chunk *)(f->buf + BUF_LEN) + f->n_carved++;
	f->n_out++;
	return c;
}

/* Called locked. */
static void give_chunk(struct tsn_nft_reader *f, struct chunk *c)
{
	c->next = f->spare;
	f->spare = c;
	f->n_out--;
	pthread_cond_broadcast(&f->cond);
}

/* The fetcher's half of the rules: ask, then receive each datagram
 * into a chunk and queue it for the caller (or, without a thread, parse
 * it here). */
static int fetch_rules(struct tsn_nft_reader *f)
{
	uint32_t seq = ++f->seq;
	struct nlmsghdr *nlh;
	bool last = false;
	int ret = 0;

	nlh = nftnl_nlmsg_build_hdr(f->buf, NFT_MSG_GETRULE, NFPROTO_UNSPEC,
				    NLM_F_DUMP, seq);
	if (mnl_socket_sendto(f->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	pthread_mutex_lock(&f->lock);
	f->rule_seq = seq;
	f->rules = true;
	pthread_cond_broadcast(&f->cond);
	while (!last && !ret) {
		struct chunk *c = take_chunk(f);
		ssize_t n;

		if (!c) {
			ret = -ECANCELED;
			break;
		}
		pthread_mutex_unlock(&f->lock);
		n = mnl_socket_recvfrom(f->sk, c->buf, sizeof(c->buf));
		if (n < 0) {
			ret = -errno;
		} else {
			c->len = (size_t)n;
			last = last_chunk(c);
		}
		if (!ret && f->direct) {
			ret = parse_chunk(f, c);
			f->parsed = ret == MNL_CB_STOP;
			last = ret != MNL_CB_OK;
			ret = ret < 0 ? f->parse_err : 0;
		}
		pthread_mutex_lock(&f->lock);
		if (ret || f->direct) {
			give_chunk(f, c);
			continue;
		}
		c->next = NULL;
		*f->tail = c;
		f->tail = &c->next;
		if (++f->n_queued >= CHUNKS_BATCH || last)
			pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	return ret;
}

/* One try, on the fetcher: everything but the rules parsed into f->rs,
 * the rules queued. */
static void *fetch_main(void *arg)
{
	static const struct {
		uint16_t type;
		const char *what;
	} dumps[] = {
		{ NFT_MSG_GETTABLE, "tables" },
		{ NFT_MSG_GETCHAIN, "chains" },
		{ NFT_MSG_GETSET, "sets" },
		{ 0, "set elements" },
	};
	struct tsn_nft_reader *f = arg;
	struct dump_ctx d = { .rs = f->rs };
	bool moved = false;
	uint32_t gen;
	int ret;

	f->what = "ruleset generation";
	ret = request(f, NFT_MSG_GETGEN, 0, NULL, gen_cb, &d);
	gen = d.gen;
	for (size_t i = 0; i < ARRAY_SIZE(dumps) && !ret; i++) {
		f->what = dumps[i].what;
		ret = dumps[i].type ? request(f, dumps[i].type, NLM_F_DUMP,
					      NULL, dump_cb, &d) :
				      dump_elems(f, &d);
	}
	if (!ret) {
		f->what = "rules";
		ret = fetch_rules(f);
	}
	if (!ret) {
		f->what = "ruleset generation";
		ret = request(f, NFT_MSG_GETGEN, 0, NULL, gen_cb, &d);
		moved = !ret && d.gen != gen;
	}
	pthread_mutex_lock(&f->lock);
	f->ret = ret;
	f->moved = moved;
	f->done = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* A new socket: one a try left in the middle of a dump (interrupted,
 * or its parse failed) still has the rest of that dump queued. */
static int try_socket(struct tsn_nft_reader *f)
{
	int rcvbuf = 1 << 22;

	if (f->sk)
		mnl_socket_close(f->sk);
	f->sk = mnl_socket_open(NETLINK_NETFILTER);
	if (!f->sk || mnl_socket_bind(f->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	/* A 100,000-element set dumps faster than we parse: room. */
	setsockopt(mnl_socket_get_fd(f->sk), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));
	f->portid = mnl_socket_get_portid(f->sk);
	return 0;
}

/* Start a try with a new ruleset and socket: on the fetcher, or here
 * when no thread can be had. */
static void try_start(struct tsn_nft_reader *f)
{
	while (f->queue) {	/* received after the last try stopped */
		struct chunk *c = f->queue;

		f->queue = c->next;
		c->next = f->spare;
		f->spare = c;
	}
	f->tail = &f->queue;
	f->n_queued = f->n_out = 0;
	tsn_nft_ruleset_free(f->rs);
	f->rs = tsn_nft_ruleset_new();
	f->rules = f->done = f->stop = f->parsed = f->moved = false;
	f->parse_err = f->ret = 0;
	f->what = f->rs ? "netlink socket" : "ruleset";
	f->ret = f->rs ? try_socket(f) : -ENOMEM;
	if (f->ret) {
		f->done = true;
		return;
	}
	f->what = "ruleset";
	/* Set before the fetcher starts: it reads it. */
	f->direct = false;
	f->started = !pthread_create(&f->thread, NULL, fetch_main, f);
	if (!f->started) {
		f->direct = true;
		fetch_main(f);
	}
}

/* The caller's half of a try: parse rule chunks as they are queued, to
 * the dump's end, or until the fetcher ends without one. */
static void parse_rules(struct tsn_nft_reader *f)
{
	int ret = MNL_CB_OK;

	pthread_mutex_lock(&f->lock);
	while (!f->direct && ret == MNL_CB_OK) {
		struct chunk *c = f->queue;

		if (!c && f->done)
			break;
		if (!c) {
			pthread_cond_wait(&f->cond, &f->lock);
			continue;
		}
		f->queue = c->next;
		f->n_queued--;
		if (!f->queue)
			f->tail = &f->queue;
		pthread_mutex_unlock(&f->lock);
		ret = parse_chunk(f, c);
		if (ret >= 0 && f->hook)
			f->hook(f->rs, f->hook_arg);
		pthread_mutex_lock(&f->lock);
		give_chunk(f, c);
	}
	if (!f->direct) {
		f->parsed = ret == MNL_CB_STOP;
		f->stop = !f->parsed;	/* whatever still comes is unused */
		pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	if (f->started)
		pthread_join(f->thread, NULL);
	f->started = false;
}

static void fetch_free(struct tsn_nft_reader *f)
{
	if (f->sk)
		mnl_socket_close(f->sk);
	tsn_nft_ruleset_free(f->rs);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f->buf);
	free(f);
}

/* The first try started; NULL when out of memory.  What fails after
 * that is in f->ret, with f->done set. */
struct tsn_nft_reader *tsn_nft_read_start(void)
{
	struct tsn_nft_reader *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->tail = &f->queue;
	f->buf = malloc(POOL_LEN);
	if (!f->buf) {
		f->what = "ruleset";
		f->ret = -ENOMEM;
		f->done = true;
		return f;
	}
	f->seq = (uint32_t)time(NULL);
	try_start(f);
	return f;
}

void tsn_nft_read_hook(struct tsn_nft_reader *f,
		       void (*fn)(struct tsn_nft_ruleset *rs, void *arg),
		       void *arg)
{
	if (!f)
		return;
	f->hook = fn;
	f->hook_arg = arg;
}

/* Without a ruleset wanted: stop the fetcher at its next datagram. */
static void read_cancel(struct tsn_nft_reader *f)
{
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	if (f->started)
		pthread_join(f->thread, NULL);
	f->started = false;
	fetch_free(f);
}

int tsn_nft_read_end(struct tsn_nft_reader *f, struct tsn_nft_ruleset **out,
		     char *err, size_t errlen)
{
	const char *what = "ruleset";
	bool moved = false;
	int ret = -ENOMEM;

	if (!out) {
		if (f)
			read_cancel(f);
		return 0;
	}
	*out = NULL;
	for (int i = 0; f; i++) {
		parse_rules(f);
		/* The caller's parse failing stops the fetcher: its error
		 * is the one to give. */
		what = f->parse_err ? "rules" : f->what;
		ret = f->parse_err ? f->parse_err : f->ret;
		/* A change during a dump marks its messages
		 * NLM_F_DUMP_INTR, which libmnl reports as EINTR: the
		 * generation moved, read again. */
		moved = f->moved || ret == -EINTR;
		if (ret == -EINTR)
			ret = 0;
		else if (!ret && f->rules && !f->parsed)
			ret = -EPROTO;	/* the dump ended early */
		if (ret || !moved || i + 1 == READ_TRIES)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = (i + 1) * TRY_GAP_NS },
			  NULL);
		try_start(f);
	}
	if (!ret && moved) {
		what = "ruleset: it kept changing while it was read";
		ret = -EAGAIN;
	} else if (!ret) {
		what = "ruleset";
		ret = tsn_nft_finish(f->rs);
	}
	if (ret == -EPERM)
		what = "ruleset";	/* whichever dump asked first */
	if (ret && err)
		snprintf(err, errlen, "cannot read %s", what);
	if (!ret) {
		*out = f->rs;
		f->rs = NULL;
	}
	if (f)
		fetch_free(f);
	return ret;
}

int tsn_nft_read(struct tsn_nft_ruleset **out, char *err, size_t errlen)
{
	return tsn_nft_read_end(tsn_nft_read_start(), out, err, errlen);
}
