/* agent_collect.c - `tsnet agent report-collect [--log-lines N]`: this
 * node's part of a support bundle, as one JSON object: versions, the
 * strongSwan configuration, the nftables ruleset, the tail of charon's
 * log and the kernel's SAs and policies.
 *
 * Every secret is removed here, on the node, before a byte is printed
 * (redact.c), so no transport, log or coordinator ever holds one.  Private
 * key files are listed by name and size only: their contents are never
 * read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "lib/transport.h"
#include "report/report.h"

#define FILE_MAX (4u << 20)
#define LOG_READ_MAX (64u << 20)
#define CMD_TIMEOUT 20

/* Configuration files shown (redacted); conf.d is listed separately. */
static const char *const conf_files[] = {
	"/etc/strongswan.conf", "/etc/swanctl/swanctl.conf",
	"/etc/ipsec.conf", "/etc/ipsec.secrets",
};
/* Directories of key files: names and sizes, never contents. */
static const char *const key_dirs[] = {
	"/etc/swanctl/private", "/etc/swanctl/rsa", "/etc/swanctl/ecdsa",
	"/etc/swanctl/pkcs8", "/etc/swanctl/pkcs12", "/etc/ipsec.d/private",
};
/* Where charon's file logger writes (the lab's and a common choice). */
static const char *const log_files[] = {
	"/run/charon.log", "/var/log/charon.log",
};

/* Run argv here; stdout in *out (NULL when it could not run). */
static int run_out(const char *const *argv, char **out)
{
	char **argvs[] = { (char **)argv };
	struct tsn_job job = { 0 };
	int ret;

	*out = NULL;
	ret = tsn_run_argv(&job, argvs, 1, 1, CMD_TIMEOUT, NULL);
	if (!ret && job.state == TSN_JOB_DONE && job.exit_status == 0) {
		*out = job.out.p ? job.out.p : strdup("");
		job.out.p = NULL;
		ret = *out ? 0 : -ENOMEM;
	}
	tsn_job_free(&job);
	return ret;
}

/* key: redacted text, or null when the source is absent. */
static int put_text(struct tsn_json *j, const char *key, const char *text,
		    int (*redact)(const char *, struct tsn_buf *))
{
	struct tsn_buf b = { 0 };
	int ret;

	if (!text) {
		tsn_json_key(j, key);
		tsn_json_null(j);
		return 0;
	}
	ret = redact(text, &b);
	if (!ret)
		tsn_json_kstr(j, key, b.p);
	tsn_buf_free(&b);
	return ret;
}

static int put_conf(struct tsn_json *j, const char *path)
{
	char *text = NULL;
	size_t len;
	int ret;

	if (tsn_read_file(path, FILE_MAX, &text, &len) < 0)
		return 0;	/* absent or unreadable: not part of the node */
	tsn_json_obj_begin(j);
	tsn_json_kstr(j, "path", path);
	ret = put_text(j, "text", text, tsn_redact_conf);
	tsn_json_obj_end(j);
	tsn_memzero(text, len);
	free(text);
	return ret;
}

static int conf_d(struct tsn_json *j)
{
	struct dirent **ents = NULL;
	char path[512];
	int n, ret = 0;

	n = scandir("/etc/swanctl/conf.d", &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (!ret && l > 5 && !strcmp(ents[i]->d_name + l - 5, ".conf")) {
			snprintf(path, sizeof(path), "/etc/swanctl/conf.d/%s",
				 ents[i]->d_name);
			ret = put_conf(j, path);
		}
		free(ents[i]);
	}
	free(ents);
	return ret;
}

static void key_files(struct tsn_json *j)
{
	char path[512];
	struct stat st;

	for (size_t d = 0; d < ARRAY_SIZE(key_dirs); d++) {
		DIR *dir = opendir(key_dirs[d]);
		struct dirent *e;

		while (dir && (e = readdir(dir))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", key_dirs[d],
				 e->d_name);
			if (lstat(path, &st) < 0)
				continue;
			tsn_json_obj_begin(j);
			tsn_json_kstr(j, "path", path);
			tsn_json_kuint(j, "size", (unsigned long long)st.st_size);
			tsn_json_kuint(j, "mode", st.st_mode & 07777);
			tsn_json_obj_end(j);
		}
		if (dir)
			closedir(dir);
	}
}

/* The last `lines` lines of text, in place. */
static const char *tail(const char *text, size_t len, unsigned lines)
{
	const char *p = text + len;

	if (len && p[-1] == '\n')
		p--;
	while (p > text) {
		if (p[-1] == '\n' && lines-- <= 1)
			break;
		p--;
	}
	return p;
}

static int charon_log(struct tsn_json *j, unsigned lines)
{
	static const char *const jc[] = { "journalctl", "--no-pager", "-q",
		"-o", "short-iso", "-u", "strongswan", "-u",
		"strongswan-starter", "-n", NULL, NULL };
	const char *argv[ARRAY_SIZE(jc)];
	char *text = NULL, n[16];
	size_t len;
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(log_files); i++) {
		if (tsn_read_file(log_files[i], LOG_READ_MAX, &text, &len) < 0)
			continue;
		tsn_json_kstr(j, "charon_log_source", log_files[i]);
		ret = put_text(j, "charon_log", tail(text, len, lines),
			       tsn_redact_log);
		free(text);
		return ret;
	}
	memcpy(argv, jc, sizeof(jc));
	snprintf(n, sizeof(n), "%u", lines);
	argv[10] = n;
	run_out(argv, &text);
	tsn_json_kstr(j, "charon_log_source", text ? "journalctl" : NULL);
	ret = put_text(j, "charon_log", text, tsn_redact_log);
	free(text);
	return ret;
}

/* key: the redacted stdout of argv, null when it did not run. */
static int put_cmd(struct tsn_json *j, const char *key,
		   const char *const *argv,
		   int (*redact)(const char *, struct tsn_buf *))
{
	char *text = NULL;
	int ret;

	run_out(argv, &text);
	ret = put_text(j, key, text, redact);
	if (text)
		tsn_memzero(text, strlen(text));
	free(text);
	return ret;
}

static int keep(const char *in, struct tsn_buf *out)
{
	return tsn_buf_puts(out, in);
}

/* "Linux strongSwan 5.9.8" -> "5.9.8": the last word of line one.
 * charon --version needs no daemon; swanctl --version wants one. */
static int versions(struct tsn_json *j)
{
	static const char *const charon[][3] = {
		{ "/usr/lib/ipsec/charon", "--version", NULL },
		{ "/usr/libexec/ipsec/charon", "--version", NULL },
	};
	struct utsname u;
	char *text = NULL, *nl, *sp;

	uname(&u);
	tsn_json_kstr(j, "hostname", u.nodename);
	tsn_json_kstr(j, "kernel", u.release);
	tsn_json_kstr(j, "tsnet", TSN_VERSION);
	for (size_t i = 0; i < ARRAY_SIZE(charon) && !text; i++)
		run_out(charon[i], &text);
	if (text) {
		if ((nl = strchr(text, '\n')))
			*nl = '\0';
		sp = strrchr(text, ' ');
		tsn_json_kstr(j, "strongswan", sp ? sp + 1 : text);
	} else {
		tsn_json_kstr(j, "strongswan", NULL);
	}
	free(text);
	return 0;
}

static int collect(struct tsn_json *j, unsigned lines)
{
	static const char *const nft[] = { "nft", "list", "ruleset", NULL };
	static const char *const xs[] = { "ip", "xfrm", "state", NULL };
	static const char *const xp[] = { "ip", "xfrm", "policy", NULL };
	int ret;

	tsn_json_obj_begin(j);
	versions(j);
	tsn_json_key(j, "config");
	tsn_json_arr_begin(j);
	ret = 0;
	for (size_t i = 0; i < ARRAY_SIZE(conf_files) && !ret; i++)
		ret = put_conf(j, conf_files[i]);
	if (!ret)
		ret = conf_d(j);
	tsn_json_arr_end(j);
	tsn_json_key(j, "key_files");
	tsn_json_arr_begin(j);
	key_files(j);
	tsn_json_arr_end(j);
	if (!ret)
		ret = put_cmd(j, "nft_ruleset", nft, keep);
	if (!ret)
		ret = put_cmd(j, "xfrm_state", xs, tsn_redact_xfrm);
	if (!ret)
		ret = put_cmd(j, "xfrm_policy", xp, tsn_redact_xfrm);
	if (!ret)
		ret = charon_log(j, lines);
	tsn_json_obj_end(j);
	return ret;
}

int tsn_report_collect_action(int argc, char **argv, struct tsn_ctx *ctx)
{
	struct tsn_buf b = { 0 };
	struct tsn_json j;
	unsigned lines = 200;
	int ret;

	(void)ctx;
	if (argc == 3 && !strcmp(argv[1], "--log-lines")) {
		if (tsn_parse_uint(argv[2], 1, 100000, &lines) < 0) {
			tsn_err("agent report-collect",
				"--log-lines: '%s' is not 1..100000", argv[2]);
			return TSN_EXIT_USAGE;
		}
	} else if (argc != 1) {
		tsn_err("agent report-collect", "usage: report-collect "
			"[--log-lines N]");
		return TSN_EXIT_USAGE;
	}
	tsn_json_init(&j, &b, false);
	ret = collect(&j, lines);
	if (!ret)
		ret = tsn_json_finish(&j);
	if (!ret)
		printf("%s\n", b.p);
	tsn_buf_wipe(&b);
	tsn_buf_free(&b);
	if (ret) {
		tsn_err("agent report-collect", "%s", strerror(-ret));
		return TSN_EXIT_RUNTIME;
	}
	return TSN_EXIT_OK;
}
