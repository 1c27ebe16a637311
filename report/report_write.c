/* report_write.c - the bundle on disk: a staging directory of files, each
 * written atomically, then one tarball renamed into place.
 *
 * The tarball is made by tar(1) and gzip(1), both in every Debian base
 * system (Essential), rather than by a tar writer of our own or
 * libarchive: no new library, and GNU tar's output is what support will
 * open anyway.  The archive is written under a temporary name in the
 * destination's directory and renamed, so FILE is either the old file or
 * the complete new bundle, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/transport.h"
#include "report/report_int.h"

int rw_file(struct rw *w, const char *rel, const char *text)
{
	char path[4096], dir[4096];
	int ret;

	if (snprintf(path, sizeof(path), "%s/%s/%s", w->stage, w->top, rel) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	ret = tsn_mkdir_p(dirname(dir), 0700);
	if (!ret)
		ret = tsn_write_file_atomic(path, text, strlen(text), 0600);
	if (!ret)
		w->nfiles++;
	return ret;
}

int rw_json(struct rw *w, const char *rel, const struct tsn_jv *v)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	int ret;

	tsn_json_init(&j, &b, true);
	tsn_json_jv(&j, v);
	ret = tsn_json_finish(&j);
	if (!ret)
		ret = tsn_buf_puts(&b, "\n");
	if (!ret)
		ret = rw_file(w, rel, b.p);
	tsn_buf_free(&b);
	return ret;
}

int rw_begin(struct rw *w, const char *out, const char *top)
{
	char d[4096];

	if (strlen(out) >= sizeof(d) - 32)
		return -ENAMETOOLONG;
	strcpy(d, out);
	snprintf(w->stage, sizeof(w->stage), "%s/.tsnet-report.XXXXXX",
		 dirname(d));
	if (!mkdtemp(w->stage))
		return -errno;
	snprintf(w->top, sizeof(w->top), "%s", top);
	w->out = out;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

void rw_cleanup(struct rw *w)
{
	if (w->stage[0])
		nftw(w->stage, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	w->stage[0] = '\0';
}

/* tar into a temporary file beside out, fsync it, rename it over out. */
int rw_finish(struct rw *w, char *err, size_t errlen)
{
	char tmp[4200];
	const char *argv[] = { "tar", "-C", w->stage, "--owner=0",
		"--group=0", "--numeric-owner", "--sort=name", "-czf", tmp,
		w->top, NULL };
	char **argvs[] = { (char **)argv };
	struct tsn_job job = { 0 };
	int fd, ret;

	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", w->out);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -errno;
	}
	close(fd);
	fd = -1;
	ret = tsn_run_argv(&job, argvs, 1, 1, 600, NULL);
	if (!ret && (job.state != TSN_JOB_DONE || job.exit_status)) {
		size_t n = job.err.p ? strcspn(job.err.p, "\n") : 0;

		snprintf(err, errlen, "tar: %.*s", (int)n,
			 n ? job.err.p : tsn_job_reason(&job, err, errlen));
		ret = -EIO;
	}
	tsn_job_free(&job);
	if (!ret && ((fd = open(tmp, O_RDONLY)) < 0 || fsync(fd) < 0))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (!ret && rename(tmp, w->out) < 0)
		ret = -errno;
	if (ret) {
		if (!err[0])
			snprintf(err, errlen, "%s: %s", w->out, strerror(-ret));
		unlink(tmp);
	}
	return ret;
}
