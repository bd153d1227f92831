#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void lode_oom(size_t size)
{
    fprintf(stderr, "lode: out of memory allocating %zu bytes\n", size);
    abort();
}

void *lode_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        lode_oom(size);
    return p;
}

void *lode_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        lode_oom(n * size);
    return p;
}

void *lode_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        lode_oom(size);
    return q;
}

char *lode_xstrndup(const char *s, size_t n)
{
    char *p = lode_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *lode_xstrdup(const char *s)
{
    return lode_xstrndup(s, strlen(s));
}
