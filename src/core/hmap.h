/*
 * hmap.h — an insertion-ordered hash map from byte strings to pointers.
 *
 * For the broker's name-keyed tables: topics by name, group members by
 * member id, configs by key. Keys are arbitrary bytes (may contain NUL); the
 * map copies each key into storage it owns (with a NUL appended, so a text
 * key can be read back as a C string). Values are opaque `void *` that the
 * map never dereferences or frees: the caller owns what they point to.
 *
 * Design: entries live in a dense array in insertion order; an open-addressing
 * index (linear probing, power-of-two size, at most 75% full counting removed
 * entries not yet compacted) maps hashes to entry positions. Consequences:
 *  - iteration order is insertion order, independent of the hash seed, so
 *    deterministic simulations replay exactly while each process still hashes
 *    with its own random seed (lode_hash_seed(): keys chosen by clients cannot
 *    be precomputed to collide);
 *  - replacing the value of an existing key keeps its position;
 *  - removal leaves a hole in the entry array that a later insert compacts
 *    away; removing during iteration is allowed (see lode_hmap_next).
 * Lookup cost is one hash of the key plus, typically, one or two index probes
 * and one key comparison (the full 64-bit hash is compared first).
 *
 * Memory: allocation failure aborts (core/mem.h); bound the number of keys
 * a peer can create before inserting. At most 2^31 entries.
 *
 * Thread-safety: none. Concurrent readers are safe only while no thread
 * modifies the map; otherwise the owner provides the lock.
 */
#ifndef LODE_CORE_HMAP_H
#define LODE_CORE_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One entry, as iteration returns it. key points to map-owned bytes followed
 * by a NUL; it stays valid until the entry is removed or the map freed. */
typedef struct lode_hmap_entry {
    const char *key;
    size_t key_len;
    void *value;
    uint64_t hash; /* private: the key's hash under the map's seed */
} lode_hmap_entry_t;

typedef struct lode_hmap {
    lode_hmap_entry_t *entries; /* insertion order; removed ones have key NULL */
    uint32_t *index;            /* 0 = empty, else entry position + 1 */
    size_t index_cap;           /* power of two, or 0 before the first insert */
    size_t entries_used;        /* entries[0..entries_used) incl. removed ones */
    size_t entries_cap;         /* allocated entries */
    size_t count;               /* live entries */
    uint64_t seed;
    bool seeded; /* false: take lode_hash_seed() at the first insert */
} lode_hmap_t;

/* Zero-initialised storage is also a valid empty map, whose seed is then
 * taken from lode_hash_seed() at the first insert. */
#define LODE_HMAP_INIT                                                                             \
    {                                                                                              \
        0                                                                                          \
    }

/* An empty map; allocates nothing until the first insert. */
void lode_hmap_init(lode_hmap_t *m);

/* An empty map with a fixed hash seed (0 is a valid seed): for tests and
 * benchmarks. Behaviour is identical to lode_hmap_init(). */
void lode_hmap_init_seeded(lode_hmap_t *m, uint64_t seed);

/* Releases the map's storage (keys, index); values are not touched — free
 * them first by iterating if the map owned them. The map is left empty and
 * reusable. */
void lode_hmap_free(lode_hmap_t *m);

/* Removes every entry (values untouched) but keeps the allocated storage. */
void lode_hmap_clear(lode_hmap_t *m);

static inline size_t lode_hmap_count(const lode_hmap_t *m)
{
    return m->count;
}

/* The entry for key, or NULL. The pointer is valid until the next insert
 * (which may move entries) or the entry's own removal; the value may be
 * updated through it. */
lode_hmap_entry_t *lode_hmap_find(const lode_hmap_t *m, const void *key, size_t key_len);

/* The value for key, or NULL when absent (use lode_hmap_find when NULL is a
 * meaningful value). */
void *lode_hmap_get(const lode_hmap_t *m, const void *key, size_t key_len);

/* Same for a NUL-terminated key. */
void *lode_hmap_gets(const lode_hmap_t *m, const char *key);

/*
 * Inserts key -> value, or replaces the value of an existing key (in place:
 * the position in iteration order is kept). If old_value is not NULL it
 * receives the replaced value, or NULL when the key was new.
 * Returns true when the key was new.
 */
bool lode_hmap_put(lode_hmap_t *m, const void *key, size_t key_len, void *value, void **old_value);

/*
 * Inserts key -> value only if key is absent: 0, or LODE_EEXIST (and the map
 * is unchanged).
 */
int lode_hmap_insert(lode_hmap_t *m, const void *key, size_t key_len, void *value);

/*
 * Find-or-insert: the entry for key, inserting it with value NULL if absent
 * (*created tells which, if created is not NULL). The caller fills in
 * entry->value. The pointer is valid as for lode_hmap_find.
 */
lode_hmap_entry_t *lode_hmap_upsert(lode_hmap_t *m, const void *key, size_t key_len, bool *created);

/* Removes key. Returns true if it was present, its value in *value_out (if
 * not NULL). */
bool lode_hmap_remove(lode_hmap_t *m, const void *key, size_t key_len, void **value_out);

/*
 * Iteration in insertion order:
 *
 *     size_t it = 0;
 *     lode_hmap_entry_t *e;
 *     while ((e = lode_hmap_next(m, &it)))
 *         use(e->key, e->key_len, e->value);
 *
 * `it` starts at 0. During iteration the caller may change values and may
 * remove any entry (including the current one) with lode_hmap_remove; it must
 * not insert (an insert may reorganise the storage).
 */
lode_hmap_entry_t *lode_hmap_next(const lode_hmap_t *m, size_t *it);

#endif
