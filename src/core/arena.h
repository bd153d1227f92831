/*
 * arena.h — bump allocator for memory that lives exactly as long as one unit
 * of work (a request and its response, a decoded message).
 *
 * Allocation is a pointer bump inside chunks; lode_arena_reset() keeps the
 * first chunk for reuse, lode_arena_free() releases everything. Allocation
 * failure aborts (core/mem.h), so bound untrusted sizes before allocating.
 * Not thread-safe: an arena belongs to one thread at a time.
 */
#ifndef LODE_CORE_ARENA_H
#define LODE_CORE_ARENA_H

#include <stddef.h>

typedef struct lode_arena_chunk lode_arena_chunk_t;

typedef struct lode_arena {
    lode_arena_chunk_t *head; /* current chunk; older chunks follow via next */
    size_t chunk_bytes;       /* default chunk size */
    size_t used_bytes;        /* total handed out, for accounting */
} lode_arena_t;

/* chunk_bytes 0 selects 16 KiB. */
void lode_arena_init(lode_arena_t *a, size_t chunk_bytes);
void lode_arena_free(lode_arena_t *a);
void lode_arena_reset(lode_arena_t *a);
/* 16-byte aligned memory of `size` bytes (uninitialized). */
void *lode_arena_alloc(lode_arena_t *a, size_t size);
/* Same, zeroed; n * size is overflow-checked. */
void *lode_arena_calloc(lode_arena_t *a, size_t n, size_t size);
/* Copies n bytes and appends a NUL. */
char *lode_arena_strndup(lode_arena_t *a, const char *s, size_t n);

#endif
