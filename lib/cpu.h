/* cpu.h - where a thread with work beside its maker's starts.
 *
 * Linux starts a new thread (and wakes a sleeping one) on the CPU of the
 * thread that made (woke) it, and moves it to an idle CPU only at a later
 * load balance.  Measured on these 2-CPU guests: nft-fix's rule fetcher
 * and the thread that made it shared one CPU for 1-1.7 ms in most runs,
 * the other CPU idle, the kernel's rule dump (the run's critical path)
 * waiting on our preparation; the snapshot's writer started 1.3-3.7 ms
 * late.  Such a thread is sent to any CPU but its maker's, and once
 * running it takes back every CPU it may use.
 */
#ifndef TSN_CPU_H
#define TSN_CPU_H

#include <sched.h>
#include <stdbool.h>

struct tsn_cpus {
	cpu_set_t all;		/* where the thread may run */
	cpu_set_t away;		/* the same but the maker's CPU */
};

/* From the calling thread (the maker): false when there is no other CPU
 * to send a thread to, or it cannot be told; then leave it be. */
bool tsn_cpus_away(struct tsn_cpus *c);

/* In the thread sent away, once it runs: every CPU it may use again. */
void tsn_cpus_restore(const struct tsn_cpus *c);

#endif
