/* params.h - parameterized tests that can run all their cases in one
 * process, for valgrind.
 *
 * Criterion runs every case of a ParameterizedTest in a process of its
 * own; under valgrind each process costs about a second of start-up
 * (valgrind itself, the libraries' symbols), so the 145 rejections of
 * the inventory took longer than all their checks.  `make
 * unit-valgrind-check` sets TSN_UNIT_VALGRIND=1: then a table given with
 * tsn_param_array() has no cases of its own, and TSN_PARAM_ALL's test
 * NAME_all runs every case through the same body in one process.
 * Without the variable both run (the _all test costs microseconds), so a
 * case that fails is reported by its own test too.
 *
 * The body is Criterion's SUITE_NAME_impl() and the table its
 * SUITE_NAME_param() (criterion/internal/parameterized.h, Criterion 2.x).
 */
#ifndef TSN_TESTS_PARAMS_H
#define TSN_TESTS_PARAMS_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdbool.h>
#include <stdlib.h>

/* Set by a NAME_all test before it asks for the table. */
static bool tsn_params_all_;

static inline bool tsn_unit_valgrind(void)
{
	const char *v = getenv("TSN_UNIT_VALGRIND");

	return v && *v && *v != '0';
}

static inline size_t tsn_param_count(size_t n)
{
	return tsn_unit_valgrind() && !tsn_params_all_ ? 0 : n;
}

#define tsn_param_array(type, arr) \
	cr_make_param_array(type, arr, \
			    tsn_param_count(sizeof(arr) / sizeof((arr)[0])))

/* After ParameterizedTest(type *, suite, name): Test(suite, name_all). */
#define TSN_PARAM_ALL(type, suite, name)					\
	Test(suite, name##_all)							\
	{									\
		struct criterion_test_params p;					\
										\
		tsn_params_all_ = true;						\
		p = suite##_##name##_param();					\
		cr_assert_gt(p.length, 0, "no cases");				\
		for (size_t i = 0; i < p.length; i++)				\
			suite##_##name##_impl((type *)((char *)p.params +	\
							 i * p.size));		\
	}

#endif
