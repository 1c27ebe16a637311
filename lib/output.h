/* output.h - the one result model every command reports through.
 *
 *   node -> checks, each ok/warn/fail/skip with a detail and a fix hint
 *   directed pair (from -> to) -> one verdict per protocol
 *   problems -> what is wrong and what to do about it
 *
 * Rendered as aligned tables (colour only on a tty) or as --json with the
 * stable keys documented in man/tsnet.8 (JSON OUTPUT).
 */
#ifndef TSN_OUTPUT_H
#define TSN_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "json.h"

enum tsn_status {
	TSN_ST_OK,
	TSN_ST_WARN,
	TSN_ST_FAIL,
	TSN_ST_SKIP,
};

struct tsn_check {
	char *id;		/* stable, e.g. "kernel.esp" */
	enum tsn_status status;
	char *detail;
	char *fix;		/* may be NULL */
};

struct tsn_node_report {
	char *node;
	char *error;		/* set when the node could not be checked */
	bool unreachable;	/* the transport could not reach it */
	struct tsn_check *checks;
	size_t n_checks;
};

#define TSN_VERDICTS_MAX 8

struct tsn_verdict {
	char *proto;		/* "udp500", "udp4500", "esp" */
	char *verdict;		/* "ok", "not-arrived", ... */
	char *detail;		/* may be NULL */
	bool good;		/* counts as a pass for the exit code */
};

struct tsn_pair_report {
	char *from;
	char *to;
	struct tsn_verdict v[TSN_VERDICTS_MAX];
	size_t n;
};

/* A cause, said once, with where it is and what to do (lib/problem.c).
 * Findings that share a cause are one problem: lib/diag.h groups them. */
struct tsn_problem_pair {
	char *from;
	char *to;
};

struct tsn_problem {
	char *id;		/* "kernel.esp", "path.esp", "firewall.in" */
	enum tsn_status severity;	/* TSN_ST_FAIL or TSN_ST_WARN */
	int rank;		/* what to fix first: lower first */
	char **nodes;		/* scope: the nodes it is on */
	size_t n_nodes;
	struct tsn_problem_pair *pairs;	/* scope: the directed pairs */
	size_t n_pairs;
	char *what;		/* one line, the where in words included */
	char *where;		/* the location alone, may be NULL */
	char *fix;		/* may be NULL */
	/* counts for the exit code as a failed check does: evidence no
	 * check or verdict of the report fails for */
	bool fails;
};

struct tsn_report {
	char *command;
	struct tsn_node_report *nodes;
	size_t n_nodes;
	struct tsn_pair_report *pairs;
	size_t n_pairs;
	struct tsn_problem *problems;
	size_t n_problems;
};

const char *tsn_status_name(enum tsn_status s);	/* "ok", "warn", ... */
int tsn_status_parse(const char *s, enum tsn_status *out);

void tsn_report_init(struct tsn_report *r, const char *command);
void tsn_report_free(struct tsn_report *r);
/* Returned pointers stay valid until the next add of the same kind. */
struct tsn_node_report *tsn_report_node(struct tsn_report *r,
					const char *node);
int tsn_node_check(struct tsn_node_report *n, const char *id,
		   enum tsn_status st, const char *fix,
		   const char *detail_fmt, ...) TSN_PRINTF(5, 6);
int tsn_node_error(struct tsn_node_report *n, bool unreachable,
		   const char *fmt, ...) TSN_PRINTF(3, 4);
struct tsn_pair_report *tsn_report_pair(struct tsn_report *r,
					const char *from, const char *to);
int tsn_pair_verdict(struct tsn_pair_report *p, const char *proto,
		     const char *verdict, bool good, const char *detail);
/* A problem of id "problem", severity fail, with no scope. */
int tsn_report_problem(struct tsn_report *r, const char *fix,
		       const char *what_fmt, ...) TSN_PRINTF(3, 4);
/* A new problem; the pointer is valid until the next one is added.  NULL
 * when out of memory. */
struct tsn_problem *tsn_report_problem_new(struct tsn_report *r,
					   const char *id,
					   enum tsn_status severity, int rank);
int tsn_problem_text(struct tsn_problem *p, const char *where,
		     const char *fix, const char *what_fmt, ...)
	TSN_PRINTF(4, 5);
/* Add a node or a directed pair to its scope (once). */
int tsn_problem_node(struct tsn_problem *p, const char *node);
int tsn_problem_pair(struct tsn_problem *p, const char *from, const char *to);
/* Order: severity (fail first), then rank, then the larger scope first;
 * stable otherwise. */
void tsn_report_sort_problems(struct tsn_report *r);
void tsn_problem_free(struct tsn_problem *p);
/* "problems":[{"id","severity","scope":{"nodes","pairs"},"what","where",
 * "fix"}] inside an object the caller opened. */
void tsn_problems_json_member(const struct tsn_report *r, struct tsn_json *j);

/* The node has an error (it could not be checked, or not reached): its
 * row says why, once, so its pairs need not say it again. */
bool tsn_report_node_failed(const struct tsn_report *r, const char *node);

/* Exit code per man/tsnet.8: 3 if a node could not be checked, else 1 if
 * any check failed or any verdict is not good, else 0. */
int tsn_report_exit_code(const struct tsn_report *r);

/* Tables: one per section present (checks per node, then one matrix per
 * protocol, then problems).  colour: ANSI colours for the status words. */
void tsn_report_print_table(const struct tsn_report *r, FILE *f, bool colour);
/* The summary (summary.c): a verdict line ("ready", "not ready: 3
 * problems, 1 warning"), the problems with their fixes in the order to
 * fix them, one line per check across the nodes ("sysctl.rp_filter  ok
 * on 30 nodes; fail on n3, n7") and per protocol across the pairs, then
 * the matrices of the protocols where a verdict is not good. */
void tsn_report_print_summary(const struct tsn_report *r, FILE *f,
			      bool colour);
/* {"command":..,"nodes":[{"node","error","unreachable","checks":[{"id",
 *  "status","detail","fix"}]}],"pairs":[{"from","to",PROTO:{"verdict",
 *  "detail"}}],"problems":[{"id","severity","scope":{"nodes":[..],
 *  "pairs":[{"from","to"}]},"what","where","fix"}],"exit":N} */
void tsn_report_json(const struct tsn_report *r, struct tsn_json *j);
int tsn_report_print_json(const struct tsn_report *r, FILE *f);
/* The report on stdout, as JSON or as tables (colour when stdout is a
 * tty), flushed: 0 or -errno (a full disk or closed pipe is an error). */
int tsn_report_print(const struct tsn_report *r, bool json, bool tty);

/* Agent side: a node's checks as JSON ({"checks":[...]}) and back. */
void tsn_checks_json(const struct tsn_node_report *n, struct tsn_json *j);
int tsn_checks_from_json(struct tsn_node_report *n, const struct tsn_jv *v);
/* Only the "checks":[...] member, inside an object the caller opened, for
 * replies that carry more than the checks. */
void tsn_checks_json_member(const struct tsn_node_report *n,
			    struct tsn_json *j);

/* Aligned text table, reusable by any command. */
struct tsn_table {
	size_t ncols;
	size_t nrows;
	char **cells;		/* nrows * ncols, row-major; row 0 = header */
};
void tsn_table_init(struct tsn_table *t, size_t ncols);
int tsn_table_row(struct tsn_table *t, const char *const *cells);
/* colour_fn (may be NULL) returns an ANSI prefix for a cell or NULL. */
void tsn_table_print(const struct tsn_table *t, FILE *f, bool colour);
void tsn_table_free(struct tsn_table *t);

/* Progress on stderr: shown only when stderr is a tty and the operation
 * has run for more than a second; cleared by tsn_progress_end(). */
struct tsn_progress {
	bool enabled;
	double start;
	bool shown;
};
void tsn_progress_begin(struct tsn_progress *p, bool tty);
void tsn_progress(struct tsn_progress *p, const char *fmt, ...)
	TSN_PRINTF(2, 3);
void tsn_progress_end(struct tsn_progress *p);

#endif
