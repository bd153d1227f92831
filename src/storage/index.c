/*
 * index.c — memory-mapped offset and time indexes (see index.h for the
 * layout and invariants).
 */
#include "storage/index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"

size_t lode_index_entry_size(lode_index_kind_t kind)
{
    return kind == LODE_INDEX_OFFSET ? 8 : 12;
}

static size_t round_entries(size_t bytes, size_t esz)
{
    return bytes / esz * esz;
}

/* Maps `len` bytes of the file open at fd (unmapping any previous mapping; len 0 only unmaps). */
static int remap(lode_index_t *idx, int fd, size_t len)
{
    if (idx->map) {
        munmap(idx->map, idx->map_bytes);
        idx->map = NULL;
        idx->map_bytes = 0;
    }
    if (len == 0)
        return 0;
    int prot = PROT_READ | (idx->writable ? PROT_WRITE : 0);
    void *m = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return LODE_EIO;
    /* Lookups are binary searches and appends touch one new page at a time: no readahead. A
     * fault in the sparse, preallocated tail otherwise makes the kernel read ahead (zero-fill)
     * a window of holes on new pages — measured at 87% of the broker's CPU with
     * 1,000 partitions on Linux 6.18 (docs/performance.md, many partitions). */
    (void)madvise(m, len, MADV_RANDOM);
    idx->map = m;
    idx->map_bytes = len;
    return 0;
}

static int set_len_fd(lode_index_t *idx, int fd, size_t len)
{
    if (ftruncate(fd, (off_t)len) != 0)
        return LODE_EIO;
    return remap(idx, fd, len);
}

/* Sets the file's length and maps it again. An index keeps no descriptor, as Kafka's do not
 * (a node with 10,000 partitions would otherwise hold two more per segment than the log's):
 * it opens its file for the change. */
static int set_file_len(lode_index_t *idx, size_t len)
{
    int fd = open(idx->path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return LODE_EIO;
    int rc = set_len_fd(idx, fd, len);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int lode_index_open(lode_index_t *idx, lode_index_kind_t kind, const char *path,
                    int64_t base_offset, size_t max_bytes, bool writable)
{
    size_t esz = lode_index_entry_size(kind);
    memset(idx, 0, sizeof *idx);
    idx->kind = kind;
    idx->base_offset = base_offset;
    idx->writable = writable;
    idx->max_bytes = round_entries(max_bytes, esz);
    int fd = open(path, writable ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0644);
    if (fd < 0)
        return LODE_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0)
        goto err_after_open;
    size_t file_len = round_entries((size_t)st.st_size, esz);
    idx->entries = file_len / esz;
    if (writable) {
        if (idx->max_bytes < file_len)
            idx->max_bytes = file_len;
        if (set_len_fd(idx, fd, idx->max_bytes) != 0)
            goto err_after_open;
    } else {
        idx->max_bytes = file_len;
        if (remap(idx, fd, file_len) != 0)
            goto err_after_open;
    }
    close(fd); /* the mapping stays valid without it */
    idx->path = lode_xstrdup(path);
    return 0;

err_after_open : {
    int saved = errno;
    close(fd);
    errno = saved;
    return LODE_EIO;
}
}

int lode_index_close(lode_index_t *idx)
{
    int rc = 0;
    if (!idx->path)
        return 0;
    if (idx->writable)
        rc = lode_index_trim(idx);
    remap(idx, -1, 0);
    free(idx->path);
    idx->path = NULL;
    return rc;
}

/* Raw accessors; i < entries. */
static int64_t rel_to_abs(const lode_index_t *idx, uint32_t rel)
{
    return idx->base_offset + (int64_t)(int32_t)rel;
}

void lode_index_offset_entry(const lode_index_t *idx, size_t i, int64_t *offset, uint32_t *position)
{
    const uint8_t *p = idx->map + i * 8;
    *offset = rel_to_abs(idx, lode_be32_load(p));
    *position = lode_be32_load(p + 4);
}

void lode_index_time_entry(const lode_index_t *idx, size_t i, int64_t *timestamp, int64_t *offset)
{
    const uint8_t *p = idx->map + i * 12;
    *timestamp = (int64_t)lode_be64_load(p);
    *offset = rel_to_abs(idx, lode_be32_load(p + 8));
}

static int64_t entry_offset(const lode_index_t *idx, size_t i)
{
    size_t esz = lode_index_entry_size(idx->kind);
    const uint8_t *p = idx->map + i * esz + (idx->kind == LODE_INDEX_OFFSET ? 0 : 8);
    return rel_to_abs(idx, lode_be32_load(p));
}

static int64_t entry_key(const lode_index_t *idx, size_t i)
{
    if (idx->kind == LODE_INDEX_OFFSET)
        return entry_offset(idx, i);
    return (int64_t)lode_be64_load(idx->map + i * 12);
}

size_t lode_index_sanitize(lode_index_t *idx)
{
    size_t n = idx->entries;
    size_t keep = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t off = entry_offset(idx, i);
        if (off < idx->base_offset)
            break;
        if (i > 0) {
            int64_t prev_off = entry_offset(idx, i - 1);
            if (idx->kind == LODE_INDEX_OFFSET ? off <= prev_off : off < prev_off)
                break;
            if (idx->kind == LODE_INDEX_TIME && entry_key(idx, i) <= entry_key(idx, i - 1))
                break;
        }
        keep = i + 1;
    }
    __atomic_store_n(&idx->entries, keep, __ATOMIC_RELEASE);
    return keep;
}

static int check_relative(const lode_index_t *idx, int64_t offset)
{
    int64_t rel = offset - idx->base_offset;
    return rel >= 0 && rel <= INT32_MAX ? 0 : LODE_EINVAL;
}

int lode_index_append_offset(lode_index_t *idx, int64_t offset, uint32_t position)
{
    if (!idx->writable || idx->kind != LODE_INDEX_OFFSET || check_relative(idx, offset))
        return LODE_EINVAL;
    size_t n = idx->entries;
    if (n > 0 && offset <= entry_offset(idx, n - 1))
        return LODE_EINVAL;
    if ((n + 1) * 8 > idx->map_bytes)
        return LODE_ETOOBIG;
    uint8_t *p = idx->map + n * 8;
    lode_be32_store(p, (uint32_t)(offset - idx->base_offset));
    lode_be32_store(p + 4, position);
    __atomic_store_n(&idx->entries, n + 1, __ATOMIC_RELEASE);
    return 0;
}

int lode_index_maybe_append_time(lode_index_t *idx, int64_t timestamp, int64_t offset,
                                 bool skip_full_check)
{
    if (!idx->writable || idx->kind != LODE_INDEX_TIME || check_relative(idx, offset))
        return LODE_EINVAL;
    size_t n = idx->entries;
    if (n > 0) {
        int64_t last_ts, last_off;
        lode_index_time_entry(idx, n - 1, &last_ts, &last_off);
        if (offset < last_off)
            return LODE_EINVAL;
        if (timestamp <= last_ts)
            return 0;
    }
    if ((n + 1) * 12 > idx->map_bytes) {
        if (!skip_full_check)
            return LODE_ETOOBIG;
        int rc = set_file_len(idx, (n + 1) * 12);
        if (rc)
            return rc;
        idx->max_bytes = (n + 1) * 12;
    }
    uint8_t *p = idx->map + n * 12;
    lode_be64_store(p, (uint64_t)timestamp);
    lode_be32_store(p + 8, (uint32_t)(offset - idx->base_offset));
    __atomic_store_n(&idx->entries, n + 1, __ATOMIC_RELEASE);
    return 0;
}

/* Index of the last entry whose key <= target, or -1. */
static ptrdiff_t floor_slot(const lode_index_t *idx, size_t n, int64_t target, bool by_offset)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, found = -1;
    while (lo <= hi) {
        ptrdiff_t mid = lo + (hi - lo) / 2;
        int64_t k = by_offset ? entry_offset(idx, (size_t)mid) : entry_key(idx, (size_t)mid);
        if (k <= target) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found;
}

void lode_index_lookup_offset(const lode_index_t *idx, int64_t target, int64_t *offset,
                              uint32_t *position)
{
    size_t n = lode_index_entries(idx);
    ptrdiff_t s = floor_slot(idx, n, target, true);
    if (s < 0) {
        *offset = idx->base_offset;
        *position = 0;
        return;
    }
    lode_index_offset_entry(idx, (size_t)s, offset, position);
}

void lode_index_lookup_time(const lode_index_t *idx, int64_t target, int64_t *timestamp,
                            int64_t *offset)
{
    size_t n = lode_index_entries(idx);
    ptrdiff_t s = floor_slot(idx, n, target, false);
    if (s < 0) {
        *timestamp = -1;
        *offset = idx->base_offset;
        return;
    }
    lode_index_time_entry(idx, (size_t)s, timestamp, offset);
}

void lode_index_last_time(const lode_index_t *idx, int64_t *timestamp, int64_t *offset)
{
    size_t n = lode_index_entries(idx);
    if (n == 0) {
        *timestamp = -1;
        *offset = idx->base_offset;
        return;
    }
    lode_index_time_entry(idx, n - 1, timestamp, offset);
}

void lode_index_truncate_to(lode_index_t *idx, int64_t offset)
{
    size_t n = idx->entries;
    /* Entries are ordered by offset in both kinds; keep those < offset. */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry_offset(idx, mid) < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    __atomic_store_n(&idx->entries, lo, __ATOMIC_RELEASE);
}

void lode_index_reset(lode_index_t *idx)
{
    __atomic_store_n(&idx->entries, 0, __ATOMIC_RELEASE);
}

int lode_index_trim(lode_index_t *idx)
{
    if (!idx->writable)
        return 0;
    size_t len = idx->entries * lode_index_entry_size(idx->kind);
    if (len == idx->map_bytes)
        return 0;
    idx->max_bytes = len > idx->max_bytes ? len : idx->max_bytes;
    return set_file_len(idx, len);
}

int lode_index_resize(lode_index_t *idx, size_t new_max_bytes)
{
    size_t esz = lode_index_entry_size(idx->kind);
    size_t len = round_entries(new_max_bytes, esz);
    if (len < idx->entries * esz)
        len = idx->entries * esz;
    idx->max_bytes = len;
    return set_file_len(idx, len);
}

int lode_index_flush(lode_index_t *idx)
{
    if (!idx->map || !idx->writable)
        return 0;
    return msync(idx->map, idx->map_bytes, MS_SYNC) == 0 ? 0 : LODE_EIO;
}

int lode_index_rename(lode_index_t *idx, const char *new_path)
{
    if (rename(idx->path, new_path) != 0)
        return LODE_EIO;
    free(idx->path);
    idx->path = lode_xstrdup(new_path);
    return 0;
}
