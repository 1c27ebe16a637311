/* output_int.h - helpers shared by output.c (the report model) and
 * table.c (its text rendering); not part of the public output.h.
 */
#ifndef TSN_OUTPUT_INT_H
#define TSN_OUTPUT_INT_H

#include <stdarg.h>
#include <stddef.h>

/* A heap string from fmt, "" for a NULL fmt; NULL when out of memory. */
char *tsn_out_vfmt(const char *fmt, va_list ap);
/* Room for one more zeroed element at the end of arr (n elements of
 * size bytes), or NULL with arr untouched. */
void *tsn_out_append(void *arr, size_t n, size_t size);

#endif
