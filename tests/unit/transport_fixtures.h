/* transport_fixtures.h - what the transport unit tests share: freeing a
 * run's jobs and checking that no child is left to reap.  Used by
 * test_engine.c and test_transport.c.
 */
#ifndef TSN_TEST_TRANSPORT_FIXTURES_H
#define TSN_TEST_TRANSPORT_FIXTURES_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/inventory.h"
#include "lib/transport.h"

/* No child of ours is left, running or a zombie. */
static inline void assert_no_children(void)
{
	errno = 0;
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child is left");
	cr_assert_eq(errno, ECHILD, "a child is left: %s", strerror(errno));
}

/* Free what a run left in each of n jobs. */
static inline void free_jobs(struct tsn_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tsn_job_free(&jobs[i]);
}

#endif
