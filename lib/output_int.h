/* output_int.h - helpers shared by output.c (the report model) and
 * table.c (its text rendering); not part of the public output.h.
 */
#ifndef TSN_OUTPUT_INT_H
#define TSN_OUTPUT_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A heap string from fmt, "" for a NULL fmt; NULL when out of memory. */
char *tsn_out_vfmt(const char *fmt, va_list ap);
/* Room for one more zeroed element at the end of arr (n elements of
 * size bytes), or NULL with arr untouched. */
void *tsn_out_append(void *arr, size_t n, size_t size);

/* A copy that is safe on a terminal (table.c). */
char *tsn_out_clean(const char *s);
/* One matrix per protocol (only_bad: only those with a verdict that is
 * not good, without the details under them). */
struct tsn_report;
int tsn_out_print_pairs(const struct tsn_report *r, FILE *f, bool colour,
			bool only_bad);

#endif
