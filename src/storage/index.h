/*
 * index.h — Kafka's sparse segment indexes: the offset index (.index) and the
 * time index (.timeindex), as memory-mapped files of fixed-size entries.
 *
 *   .index      entry = relative offset (int32 BE) + file position (int32 BE)
 *   .timeindex  entry = timestamp (int64 BE) + relative offset (int32 BE)
 *
 * Relative offsets are offset - segment base offset. Files of the active
 * segment are preallocated to max_bytes (rounded down to whole entries) and
 * trimmed to their entries when the segment rolls or the log closes, exactly as
 * Kafka does, so Kafka tools read our files and we read Kafka's.
 *
 * Invariants:
 *  1. Entries are strictly increasing in offset (offset index) and
 *     non-decreasing in offset / strictly increasing in timestamp (time index).
 *  2. entries * entry_size <= mapped length <= max_bytes.
 *  3. An entry is fully written before `entries` counts it (release store), so
 *     one appender and many concurrent lookups need no lock. Truncation,
 *     resizing, trimming and closing need the owner's exclusive lock.
 */
#ifndef LODE_STORAGE_INDEX_H
#define LODE_STORAGE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { LODE_INDEX_OFFSET = 0, LODE_INDEX_TIME = 1 } lode_index_kind_t;

typedef struct lode_index {
    lode_index_kind_t kind;
    uint8_t *map; /* mapping of the file, map_bytes long (NULL if 0) */
    size_t map_bytes;
    size_t max_bytes; /* preallocation target, whole entries */
    size_t entries;   /* entries in use; read with lode_index_entries() */
    int64_t base_offset;
    bool writable;
    char *path;
} lode_index_t;

/* The file-level entry size of a kind: 8 (offset index) or 12 (time index). */
size_t lode_index_entry_size(lode_index_kind_t kind);

/*
 * Opens or creates the index at `path`. A writable index is extended to
 * max_bytes (rounded down to whole entries); an existing file's length,
 * rounded down to whole entries, is taken as its entry count (Kafka's rule: a
 * cleanly closed index is trimmed; after a crash recovery rebuilds the index).
 * Entries past the last valid one (zeros from preallocation) are dropped by
 * lode_index_sanitize(). Returns 0 or LODE_EIO (errno set).
 */
int lode_index_open(lode_index_t *idx, lode_index_kind_t kind, const char *path,
                    int64_t base_offset, size_t max_bytes, bool writable);
/* Unmaps and closes; a writable index is trimmed first. */
int lode_index_close(lode_index_t *idx);

/*
 * Drops trailing entries that break invariant 1 (e.g. the zero-filled tail of
 * a preallocated file after a crash). Returns the number of entries kept.
 */
size_t lode_index_sanitize(lode_index_t *idx);

static inline size_t lode_index_entries(const lode_index_t *idx)
{
    return __atomic_load_n(&idx->entries, __ATOMIC_ACQUIRE);
}
static inline bool lode_index_is_full(const lode_index_t *idx)
{
    return lode_index_entries(idx) * lode_index_entry_size(idx->kind) >= idx->max_bytes;
}

/* Offset index: entry i as (absolute offset, position). */
void lode_index_offset_entry(const lode_index_t *idx, size_t i, int64_t *offset,
                             uint32_t *position);
/* Time index: entry i as (timestamp, absolute offset). */
void lode_index_time_entry(const lode_index_t *idx, size_t i, int64_t *timestamp, int64_t *offset);

/*
 * Offset index: appends (offset, position). offset must exceed the last
 * entry's and fit in int32 relative to the base; LODE_EINVAL otherwise,
 * LODE_ETOOBIG when the index is full.
 */
int lode_index_append_offset(lode_index_t *idx, int64_t offset, uint32_t position);
/*
 * Time index: appends (timestamp, offset) when timestamp is greater than the
 * last entry's (otherwise does nothing and returns 0). LODE_ETOOBIG when full
 * unless skip_full_check (used for the final entry at roll, as Kafka does —
 * the file is grown by one entry if needed).
 */
int lode_index_maybe_append_time(lode_index_t *idx, int64_t timestamp, int64_t offset,
                                 bool skip_full_check);

/*
 * Offset index lookup: the entry with the largest offset <= target, as
 * (offset, position); (base_offset, 0) when there is none.
 */
void lode_index_lookup_offset(const lode_index_t *idx, int64_t target, int64_t *offset,
                              uint32_t *position);
/*
 * Time index lookup: the entry with the largest timestamp <= target, as
 * (timestamp, offset); (-1, base_offset) when there is none.
 */
void lode_index_lookup_time(const lode_index_t *idx, int64_t target, int64_t *timestamp,
                            int64_t *offset);
/* The last entry of a time index, or (-1, base_offset) when empty. */
void lode_index_last_time(const lode_index_t *idx, int64_t *timestamp, int64_t *offset);

/* Removes every entry whose offset is >= offset (Kafka's truncateTo). */
void lode_index_truncate_to(lode_index_t *idx, int64_t offset);
/* Removes every entry. */
void lode_index_reset(lode_index_t *idx);
/* Shrinks the file to exactly its entries (segment roll, close). */
int lode_index_trim(lode_index_t *idx);
/* Grows or shrinks the preallocation to new_max_bytes (≥ entries). */
int lode_index_resize(lode_index_t *idx, size_t new_max_bytes);
/* msync of the mapping (flush of a segment). */
int lode_index_flush(lode_index_t *idx);
/* Renames the file (retention's .deleted, cleaner swaps). */
int lode_index_rename(lode_index_t *idx, const char *new_path);

#endif
