/* cmd.h - what every command sees: the global options and the tables.
 *
 * main.c holds one static table of commands that both dispatches and
 * prints the help (wireguard-tools' shape).  Node-local actions, run on a
 * node by the transports as `tsnet agent ACTION ...`, have a table of
 * their own in the same form.
 */
#ifndef TSN_CMD_H
#define TSN_CMD_H

#include <getopt.h>
#include <stdbool.h>

#define TSN_DEFAULT_CONFIG "/etc/tsnet/cluster.conf"
#define TSN_STATE_DIR "/var/lib/tsnet"

struct tsn_ctx {
	const char *config;	/* -c, TSNET_CONFIG, or the default */
	bool json;		/* --json */
	bool tty;		/* stdout is a terminal: tables may colour */
	bool err_tty;		/* stderr is a terminal: progress lines */
	const char *cmd;	/* the command name, for error messages */
	unsigned wait;		/* --wait: seconds a changing run waits for
				 * another to end (lock.h) */
};

struct tsn_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct tsn_ctx *ctx);
	const char *help;
};

/* Global options may also follow the command: every command adds
 * TSN_GLOBAL_LONGOPTS to its getopt_long table, TSN_GLOBAL_SHORTOPTS to
 * its short options, and passes what it does not know to tsn_global_opt()
 * (returns 0 when the option was global, -1 otherwise). */
#define TSN_GLOBAL_SHORTOPTS "c:qvh"
#define TSN_OPT_JSON 0x1000
#define TSN_OPT_WAIT 0x1001
#define TSN_GLOBAL_LONGOPTS \
	{ "config", required_argument, NULL, 'c' }, \
	{ "json", no_argument, NULL, TSN_OPT_JSON }, \
	{ "wait", required_argument, NULL, TSN_OPT_WAIT }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }

int tsn_global_opt(struct tsn_ctx *ctx, int opt, const char *arg);

/* --help: "usage: tsnet CMD ..." plus help lines on stdout; returns 0. */
int tsn_usage(const struct tsn_ctx *ctx, const char *synopsis);

/* A usage error is one line, never the whole help:
 * "tsnet: CMD: what; see 'tsnet CMD --help'".  Returns TSN_EXIT_USAGE.
 * cmd is the command (or "agent ACTION"), NULL before one is known. */
int tsn_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* What getopt_long() refused, as such a line: opt is what it returned
 * ('?', ':', or an option the command's table has but it does not
 * take); argv the command's.  main() sets opterr = 0, so getopt's own
 * messages never print.  Returns TSN_EXIT_USAGE. */
int tsn_opt_error(const char *cmd, char *const *argv, int opt);

/* main()'s exit path with --json: when the command failed without
 * printing its result, one {"command","error","exit"} object on stdout
 * (the error is the first tsn_err() line's message). */
void tsn_json_error(const struct tsn_ctx *ctx, int rc);

/* Load the inventory named by -c / TSNET_CONFIG / the default, warnings
 * (a world-writable file) on stderr.  On error prints the one
 * "file:line: reason" line (for a missing file: how to name one) and
 * returns -1; the caller exits 2. */
struct tsn_inventory;
int tsn_ctx_inventory(const struct tsn_ctx *ctx, struct tsn_inventory *inv);

/* Node-local actions (tsnet agent ACTION). */
extern const struct tsn_cmd tsn_agent_actions[];
int agent_main(int argc, char **argv, struct tsn_ctx *ctx);

#endif
