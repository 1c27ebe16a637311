/* priv.c - up-front privilege checks (priv.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/priv.h"
#include "lib/util.h"

unsigned tsn_priv_needs;

static const char *const need_names[] = { "net-admin", "net-raw",
					  "swan-dirs", "swan-legacy",
					  "swan-x509" };

bool tsn_has_cap(unsigned cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { { 0 } };

	if (cap > CAP_LAST_CAP || syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[cap / 32].effective & (1u << (cap % 32));
}

/* dir, or the nearest of its parents that exists (a directory tsnet
 * would create is created in it), writable by this process: 0, or the
 * -errno that says why not (EROFS for a read-only mount). */
static int dir_writable(const char *dir, char *at, size_t len)
{
	struct stat st;
	char *slash;

	snprintf(at, len, "%s", dir);
	while (stat(at, &st) < 0 && (slash = strrchr(at, '/')) && slash != at)
		*slash = '\0';
	/* AT_EACCESS: the effective ids and capabilities, as open() uses */
	if (faccessat(AT_FDCWD, at, W_OK | X_OK, AT_EACCESS) < 0)
		return -errno;
	return 0;
}

/* The first of dirs (NULL-terminated) this process cannot write: 0,
 * or -errno with its words in buf. */
static int dirs_writable(const char *const *dirs, char *buf, size_t len)
{
	char at[256];
	int ret;

	for (; dirs && *dirs; dirs++) {
		if (!(ret = dir_writable(*dirs, at, sizeof(at))))
			continue;
		snprintf(buf, len, "write access to %s (%s)", at,
			 strerror(-ret));
		return ret;
	}
	return 0;
}

unsigned tsn_priv_missing(unsigned needs, const char *const *dirs, char *buf,
			  size_t len)
{
	if ((needs & TSN_NEED_NET_ADMIN) && !tsn_has_cap(CAP_NET_ADMIN)) {
		snprintf(buf, len, "root or CAP_NET_ADMIN (it changes the "
			 "firewall or IPsec)");
		return TSN_NEED_NET_ADMIN;
	}
	if ((needs & TSN_NEED_NET_RAW) && !tsn_has_cap(CAP_NET_RAW)) {
		snprintf(buf, len, "CAP_NET_RAW (it sends crafted packets "
			 "and captures)");
		return TSN_NEED_NET_RAW;
	}
	if ((needs & TSN_NEED_SWAN_DIRS) && dirs_writable(dirs, buf, len) < 0)
		return TSN_NEED_SWAN_DIRS;
	return 0;
}

void tsn_priv_format(unsigned needs, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(need_names) && n < len; i++)
		if (needs & (1u << i))
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? "," : "", need_names[i]);
}

int tsn_priv_parse(const char *s, unsigned *needs)
{
	*needs = 0;
	for (;;) {	/* every item a name: no empty list, no empty item */
		size_t w = strcspn(s, ","), i;

		for (i = 0; i < ARRAY_SIZE(need_names); i++)
			if (strlen(need_names[i]) == w &&
			    !strncmp(s, need_names[i], w))
				break;
		if (i == ARRAY_SIZE(need_names))
			return -EINVAL;
		*needs |= 1u << i;
		if (!s[w])
			return 0;
		s += w + 1;
	}
}
