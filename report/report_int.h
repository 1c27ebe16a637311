/* report_int.h - inside tsnet report: the staging directory and tarball
 * (report_write.c). */
#ifndef TSN_REPORT_INT_H
#define TSN_REPORT_INT_H

#include "report/report.h"

struct rw {
	const char *out;	/* the tarball's path */
	char stage[4096];	/* staging directory beside it */
	char top[256];		/* the bundle's top directory name */
	unsigned nfiles;
};

int rw_begin(struct rw *w, const char *out, const char *top);
/* rel: path inside the bundle; directories are made as needed. */
int rw_file(struct rw *w, const char *rel, const char *text);
int rw_json(struct rw *w, const char *rel, const struct tsn_jv *v);
int rw_finish(struct rw *w, char *err, size_t errlen);
void rw_cleanup(struct rw *w);

#endif
