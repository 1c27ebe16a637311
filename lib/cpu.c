/* cpu.c - see cpu.h. */
#include <pthread.h>

#include "lib/cpu.h"

bool tsn_cpus_away(struct tsn_cpus *c)
{
	int here = sched_getcpu();

	if (here < 0 || sched_getaffinity(0, sizeof(c->all), &c->all) < 0)
		return false;
	c->away = c->all;
	CPU_CLR(here, &c->away);
	return CPU_COUNT(&c->away) > 0;
}

void tsn_cpus_restore(const struct tsn_cpus *c)
{
	pthread_setaffinity_np(pthread_self(), sizeof(c->all), &c->all);
}
