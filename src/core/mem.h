/*
 * mem.h — allocation helpers.
 *
 * lode treats allocation failure of small, bounded objects as fatal (the
 * process logs and aborts), the way a JVM throws OutOfMemoryError. Sizes that
 * come from untrusted input must be bounded by the caller *before* they reach
 * these functions (e.g. an array count is checked against the bytes left in
 * the frame), so a hostile peer cannot make lode allocate without limit.
 */
#ifndef LODE_CORE_MEM_H
#define LODE_CORE_MEM_H

#include <stddef.h>

void *lode_xmalloc(size_t size);
void *lode_xcalloc(size_t n, size_t size);
void *lode_xrealloc(void *p, size_t size);
char *lode_xstrdup(const char *s);
char *lode_xstrndup(const char *s, size_t n);
/* Logs "out of memory" with the size asked for and aborts. */
_Noreturn void lode_oom(size_t size);

#endif
