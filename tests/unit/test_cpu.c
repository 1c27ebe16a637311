/* test_cpu.c - a thread is sent to any CPU but its maker's, and once it
 * restores it may run on all of them again; held to one CPU, there is
 * nowhere to send it. */
#include <criterion/criterion.h>
#include <pthread.h>

#include "lib/cpu.h"

struct seen {
	const struct tsn_cpus *c;
	int cpu;			/* where it ran first */
	cpu_set_t before, after;	/* its mask, then after restore */
};

static void *sent(void *arg)
{
	struct seen *s = arg;

	s->cpu = sched_getcpu();
	pthread_getaffinity_np(pthread_self(), sizeof(s->before), &s->before);
	tsn_cpus_restore(s->c);
	pthread_getaffinity_np(pthread_self(), sizeof(s->after), &s->after);
	return NULL;
}

static void mask(cpu_set_t *m)
{
	cr_assert_eq(sched_getaffinity(0, sizeof(*m), m), 0);
	if (CPU_COUNT(m) < 2)
		cr_skip_test("one CPU: nowhere else to go");
}

Test(cpu, away_is_every_cpu_but_ours)
{
	struct tsn_cpus c;
	cpu_set_t all, gone;
	int before, after, tries = 0;

	mask(&all);
	do {	/* the call between two looks at one CPU */
		before = sched_getcpu();
		cr_assert(tsn_cpus_away(&c));
		after = sched_getcpu();
	} while (before != after && ++tries < 100);
	cr_assert_eq(before, after, "never still for one call");
	cr_assert(CPU_EQUAL(&c.all, &all));
	CPU_XOR(&gone, &c.all, &c.away);
	cr_assert_eq(CPU_COUNT(&gone), 1);
	cr_assert(CPU_ISSET(before, &gone), "our CPU %d is not the one "
		  "left out", before);
}

Test(cpu, held_to_one_cpu_nowhere_to_send)
{
	struct tsn_cpus c;
	cpu_set_t all, one;

	mask(&all);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	cr_assert(!tsn_cpus_away(&c));
	cr_assert_eq(sched_setaffinity(0, sizeof(all), &all), 0);
}

Test(cpu, sent_away_then_everywhere)
{
	struct tsn_cpus c;
	struct seen s = { .c = &c };
	cpu_set_t all;
	pthread_attr_t at;
	pthread_t t;

	mask(&all);
	cr_assert(tsn_cpus_away(&c));
	cr_assert_eq(pthread_attr_init(&at), 0);
	cr_assert_eq(pthread_attr_setaffinity_np(&at, sizeof(c.away),
						 &c.away), 0);
	cr_assert_eq(pthread_create(&t, &at, sent, &s), 0);
	pthread_join(t, NULL);
	pthread_attr_destroy(&at);
	cr_assert(CPU_ISSET(s.cpu, &c.away), "ran first on CPU %d", s.cpu);
	cr_assert(CPU_EQUAL(&s.before, &c.away));
	cr_assert(CPU_EQUAL(&s.after, &all), "not given every CPU back");
}
