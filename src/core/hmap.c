/*
 * hmap.c — insertion-ordered open-addressing hash map (see hmap.h).
 *
 * Invariants, checked by lode_hmap__check() in tests:
 *  1. index_cap is 0 or a power of two; entries_cap == index_cap / 4 * 3, so
 *     the index is at most 75% full even before holes are compacted.
 *  2. Every live entry (key != NULL) at position p has exactly one index slot
 *     holding p + 1, reachable by linear probing from hash & (index_cap - 1)
 *     without crossing an empty slot; no slot refers to a removed entry.
 *  3. count == number of live entries in entries[0..entries_used).
 * Removal keeps (2) without tombstones by shifting later members of the probe
 * run back ("backward-shift deletion"), so lookups never slow down with churn.
 */
#include "core/hmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/mem.h"

#define MIN_INDEX_CAP 8

void lode_hmap_init(lode_hmap_t *m)
{
    memset(m, 0, sizeof *m);
}

void lode_hmap_init_seeded(lode_hmap_t *m, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    m->seed = seed;
    m->seeded = true;
}

void lode_hmap_clear(lode_hmap_t *m)
{
    for (size_t i = 0; i < m->entries_used; i++)
        free((void *)m->entries[i].key);
    m->entries_used = 0;
    m->count = 0;
    if (m->index)
        memset(m->index, 0, m->index_cap * sizeof *m->index);
}

void lode_hmap_free(lode_hmap_t *m)
{
    lode_hmap_clear(m);
    free(m->entries);
    free(m->index);
    m->entries = NULL;
    m->index = NULL;
    m->index_cap = m->entries_cap = 0;
}

static inline uint64_t key_hash(const lode_hmap_t *m, const void *key, size_t key_len)
{
    return lode_hash64(key, key_len, m->seed);
}

static inline size_t home_slot(const lode_hmap_t *m, uint64_t h)
{
    return (size_t)h & (m->index_cap - 1);
}

/* The index slot that refers to key, or the empty slot where it would go
 * (*found tells which). Requires index_cap > 0. */
static size_t find_slot(const lode_hmap_t *m, const void *key, size_t key_len, uint64_t h,
                        bool *found)
{
    size_t mask = m->index_cap - 1;
    size_t i = home_slot(m, h);
    for (;;) {
        uint32_t ref = m->index[i];
        if (ref == 0) {
            *found = false;
            return i;
        }
        const lode_hmap_entry_t *e = &m->entries[ref - 1];
        if (e->hash == h && e->key_len == key_len &&
            (key_len == 0 || memcmp(e->key, key, key_len) == 0)) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
}

lode_hmap_entry_t *lode_hmap_find(const lode_hmap_t *m, const void *key, size_t key_len)
{
    if (m->count == 0)
        return NULL;
    bool found;
    size_t slot = find_slot(m, key, key_len, key_hash(m, key, key_len), &found);
    return found ? &m->entries[m->index[slot] - 1] : NULL;
}

void *lode_hmap_get(const lode_hmap_t *m, const void *key, size_t key_len)
{
    lode_hmap_entry_t *e = lode_hmap_find(m, key, key_len);
    return e ? e->value : NULL;
}

void *lode_hmap_gets(const lode_hmap_t *m, const char *key)
{
    return lode_hmap_get(m, key, strlen(key));
}

/* Compacts live entries to the front of a (possibly larger) entry array and
 * rebuilds the index for index_cap. */
static void rebuild(lode_hmap_t *m, size_t index_cap)
{
    size_t entries_cap = index_cap / 4 * 3;
    lode_hmap_entry_t *entries = lode_xmalloc(entries_cap * sizeof *entries);
    size_t n = 0;
    for (size_t i = 0; i < m->entries_used; i++)
        if (m->entries[i].key)
            entries[n++] = m->entries[i];
    free(m->entries);
    free(m->index);
    m->entries = entries;
    m->entries_cap = entries_cap;
    m->entries_used = n;
    m->index_cap = index_cap;
    m->index = lode_xcalloc(index_cap, sizeof *m->index);
    size_t mask = index_cap - 1;
    for (size_t p = 0; p < n; p++) {
        size_t i = home_slot(m, entries[p].hash);
        while (m->index[i])
            i = (i + 1) & mask;
        m->index[i] = (uint32_t)(p + 1);
    }
}

/* Makes room for one more entry at entries[entries_used]. */
static void reserve_one(lode_hmap_t *m)
{
    if (m->index_cap == 0) {
        if (!m->seeded) {
            m->seed = lode_hash_seed();
            m->seeded = true;
        }
        rebuild(m, MIN_INDEX_CAP);
        return;
    }
    if (m->entries_used < m->entries_cap)
        return;
    /* Full of entries and holes: compact in place if at most half are live,
     * else double. Either way the cost is amortised over the inserts (or
     * removals) that filled the array. */
    size_t cap = m->index_cap;
    if (m->count > m->entries_cap / 2) {
        if (cap >= ((size_t)1 << 31))
            lode_oom(cap * 2 * sizeof *m->index); /* beyond uint32 positions */
        cap *= 2;
    }
    rebuild(m, cap);
}

lode_hmap_entry_t *lode_hmap_upsert(lode_hmap_t *m, const void *key, size_t key_len, bool *created)
{
    uint64_t h;
    bool found = false;
    size_t slot = 0;
    if (m->index_cap) {
        h = key_hash(m, key, key_len);
        slot = find_slot(m, key, key_len, h, &found);
        if (found) {
            if (created)
                *created = false;
            return &m->entries[m->index[slot] - 1];
        }
        if (m->entries_used == m->entries_cap) {
            reserve_one(m);
            slot = find_slot(m, key, key_len, h, &found);
        }
    } else {
        reserve_one(m); /* fixes the seed */
        h = key_hash(m, key, key_len);
        slot = find_slot(m, key, key_len, h, &found);
    }
    size_t p = m->entries_used++;
    lode_hmap_entry_t *e = &m->entries[p];
    e->key = lode_xstrndup(key_len ? key : "", key_len);
    e->key_len = key_len;
    e->value = NULL;
    e->hash = h;
    m->index[slot] = (uint32_t)(p + 1);
    m->count++;
    if (created)
        *created = true;
    return e;
}

bool lode_hmap_put(lode_hmap_t *m, const void *key, size_t key_len, void *value, void **old_value)
{
    bool created;
    lode_hmap_entry_t *e = lode_hmap_upsert(m, key, key_len, &created);
    if (old_value)
        *old_value = created ? NULL : e->value;
    e->value = value;
    return created;
}

int lode_hmap_insert(lode_hmap_t *m, const void *key, size_t key_len, void *value)
{
    bool created;
    lode_hmap_entry_t *e = lode_hmap_upsert(m, key, key_len, &created);
    if (!created)
        return LODE_EEXIST;
    e->value = value;
    return 0;
}

bool lode_hmap_remove(lode_hmap_t *m, const void *key, size_t key_len, void **value_out)
{
    if (m->count == 0)
        return false;
    bool found;
    size_t i = find_slot(m, key, key_len, key_hash(m, key, key_len), &found);
    if (!found)
        return false;
    size_t p = m->index[i] - 1;
    lode_hmap_entry_t *e = &m->entries[p];
    if (value_out)
        *value_out = e->value;
    free((void *)e->key);
    e->key = NULL;
    e->value = NULL;
    m->count--;
    /* Trailing holes can be reused at once; iteration positions beyond the
     * new end simply find nothing. */
    while (m->entries_used > 0 && m->entries[m->entries_used - 1].key == NULL)
        m->entries_used--;

    /* Backward shift: pull later members of this probe run into the gap
     * unless their home slot lies cyclically in (gap, their slot]. */
    size_t mask = m->index_cap - 1;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        uint32_t ref = m->index[j];
        if (ref == 0)
            break;
        size_t k = home_slot(m, m->entries[ref - 1].hash);
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        m->index[i] = ref;
        i = j;
    }
    m->index[i] = 0;
    return true;
}

lode_hmap_entry_t *lode_hmap_next(const lode_hmap_t *m, size_t *it)
{
    while (*it < m->entries_used) {
        lode_hmap_entry_t *e = &m->entries[(*it)++];
        if (e->key)
            return e;
    }
    return NULL;
}

/* Test hook (not in the public header): verifies the invariants above and
 * returns 0, or a negative number naming the first one broken. */
int lode_hmap__check(const lode_hmap_t *m);
int lode_hmap__check(const lode_hmap_t *m)
{
    if (m->index_cap == 0)
        return m->count == 0 && m->entries_used == 0 ? 0 : -1;
    if (m->index_cap & (m->index_cap - 1) || m->entries_cap != m->index_cap / 4 * 3)
        return -1;
    size_t live = 0, refs = 0;
    for (size_t p = 0; p < m->entries_used; p++)
        if (m->entries[p].key)
            live++;
    if (live != m->count)
        return -3;
    size_t mask = m->index_cap - 1;
    for (size_t i = 0; i < m->index_cap; i++) {
        uint32_t ref = m->index[i];
        if (!ref)
            continue;
        refs++;
        if (ref > m->entries_used || !m->entries[ref - 1].key)
            return -2;
        /* Reachable from home without crossing an empty slot. */
        for (size_t k = home_slot(m, m->entries[ref - 1].hash); k != i; k = (k + 1) & mask)
            if (m->index[k] == 0)
                return -2;
    }
    return refs == live ? 0 : -2;
}
