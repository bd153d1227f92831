#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct lode_arena_chunk {
    lode_arena_chunk_t *next;
    size_t cap;
    size_t used;
    _Alignas(16) unsigned char data[];
};

#define ARENA_ALIGN 16

void lode_arena_init(lode_arena_t *a, size_t chunk_bytes)
{
    a->head = NULL;
    a->chunk_bytes = chunk_bytes ? chunk_bytes : 16384;
    a->used_bytes = 0;
}

void lode_arena_free(lode_arena_t *a)
{
    lode_arena_chunk_t *c = a->head;
    while (c) {
        lode_arena_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used_bytes = 0;
}

void lode_arena_reset(lode_arena_t *a)
{
    lode_arena_chunk_t *c = a->head;
    if (!c)
        return;
    /* Keep the oldest chunk of default size (the last in the list). */
    lode_arena_chunk_t *keep = NULL;
    while (c) {
        lode_arena_chunk_t *next = c->next;
        if (!next && c->cap == a->chunk_bytes)
            keep = c;
        else
            free(c);
        c = next;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
    a->used_bytes = 0;
}

void *lode_arena_alloc(lode_arena_t *a, size_t size)
{
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (rounded < size)
        lode_oom(SIZE_MAX);
    lode_arena_chunk_t *c = a->head;
    if (!c || c->cap - c->used < rounded) {
        size_t cap = rounded > a->chunk_bytes ? rounded : a->chunk_bytes;
        if (cap > SIZE_MAX - sizeof *c)
            lode_oom(SIZE_MAX);
        lode_arena_chunk_t *n = lode_xmalloc(sizeof *n + cap);
        n->cap = cap;
        n->used = 0;
        if (c && cap > a->chunk_bytes) {
            /* Oversized: slot it behind the current chunk so the current
             * chunk's free space stays usable. */
            n->next = c->next;
            c->next = n;
            n->used = rounded;
            a->used_bytes += rounded;
            return n->data;
        }
        n->next = c;
        a->head = c = n;
    }
    void *p = c->data + c->used;
    c->used += rounded;
    a->used_bytes += rounded;
    return p;
}

void *lode_arena_calloc(lode_arena_t *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        lode_oom(SIZE_MAX);
    void *p = lode_arena_alloc(a, n * size);
    memset(p, 0, n * size);
    return p;
}

char *lode_arena_strndup(lode_arena_t *a, const char *s, size_t n)
{
    char *p = lode_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
