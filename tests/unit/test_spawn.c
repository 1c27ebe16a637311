/* test_spawn.c - tsn_spawn_capture (lib/spawn.c): a tool is found in
 * the fixed PATH whatever the caller's, and its output kept. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/spawn.h"

/* The caller's PATH names no tool: echo is still found, in the fixed
 * /usr/sbin:/usr/bin:/sbin:/bin the child runs with. */
Test(spawn, fixed_path_not_the_callers)
{
	char *const argv[] = { (char *)"echo", (char *)"hi", NULL };
	char *const none[] = { (char *)"tsn-no-such-tool", NULL };
	struct tsn_buf b = { 0 };
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	setenv("PATH", "/nonexistent", 1);
	cr_assert_eq(tsn_spawn_capture(argv, &b, 64, 2000), 0);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(memcmp(b.p, "hi\n", 3), 0);
	cr_assert_eq(tsn_spawn_capture(none, &b, 64, 2000), -ENOENT);
	if (old)
		setenv("PATH", old, 1);
	free(old);
	tsn_buf_free(&b);
}
