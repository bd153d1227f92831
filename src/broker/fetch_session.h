/*
 * fetch_session.h — incremental fetch sessions (KIP-227), the broker side.
 *
 * A consumer or follower that fetches many partitions opens a session with a
 * full fetch (session id 0, epoch 0); the broker remembers the partitions and
 * their fetch state and answers with a session id. Later fetches are
 * incremental (id, epoch 1, 2, …): they name only partitions that changed (or
 * should be forgotten), and the response carries only partitions with
 * something new — records, a changed high watermark / last stable offset /
 * log start offset, or an error.
 *
 *   id 0, epoch 0    full fetch; a new session is created if the cache has
 *                    room (or can evict), else a sessionless answer (id 0)
 *   id 0, epoch -1   sessionless full fetch
 *   id X, epoch -1   close session X, then a sessionless full fetch
 *   id X, epoch N>0  incremental: X must exist (else FETCH_SESSION_ID_NOT_FOUND)
 *                    and N must be its expected epoch (else
 *                    INVALID_FETCH_SESSION_EPOCH)
 *
 * Cache (max.incremental.fetch.session.cache.slots, counted in partitions as
 * Kafka does for sessions of followers and consumers alike): a new session may
 * evict one that was idle longer than min.incremental.fetch.session.
 * eviction.ms, or a less valuable one (unprivileged before privileged =
 * follower, then fewer partitions, then least recently used).
 *
 * Threading: the cache has its own lock; a context is used by one request.
 */
#ifndef LODE_BROKER_FETCH_SESSION_H
#define LODE_BROKER_FETCH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the session remembers of one partition. */
typedef struct lode_fs_part {
    uint8_t topic_id[16];
    char *topic; /* may be "" when the request used topic ids only */
    int32_t partition;
    int64_t fetch_offset;
    int64_t log_start_offset; /* the follower's, -1 for consumers */
    int32_t max_bytes;
    int32_t current_leader_epoch;
    int32_t last_fetched_epoch;
    /* what the last response told the client */
    int64_t sent_hw, sent_lso, sent_log_start;
} lode_fs_part_t;

typedef struct lode_fs_cache lode_fs_cache_t;

lode_fs_cache_t *lode_fs_cache_new(size_t max_slots, int64_t eviction_ms);
void lode_fs_cache_free(lode_fs_cache_t *c);
size_t lode_fs_cache_sessions(lode_fs_cache_t *c);
size_t lode_fs_cache_slots_used(lode_fs_cache_t *c);

typedef enum {
    LODE_FS_SESSIONLESS, /* full fetch, no session (id 0 in the response) */
    LODE_FS_FULL,        /* full fetch that may create a session at the end */
    LODE_FS_INCREMENTAL, /* fetch within an existing session */
} lode_fs_kind_t;

/* One fetch request's view of the cache. */
typedef struct lode_fs_ctx {
    lode_fs_cache_t *cache;
    lode_fs_kind_t kind;
    bool privileged;
    int64_t now_ms;
    struct lode_fs_session *session; /* INCREMENTAL: the session (locked out of eviction) */
    lode_fs_part_t *parts;           /* FULL / SESSIONLESS: the request's partitions */
    size_t nparts, cap;
} lode_fs_ctx_t;

/*
 * Starts a fetch: interprets (session_id, epoch) as above. Returns 0 or the
 * Kafka error code (70 FETCH_SESSION_ID_NOT_FOUND, 71
 * INVALID_FETCH_SESSION_EPOCH); on error the context needs no end call.
 */
int16_t lode_fs_begin(lode_fs_cache_t *c, int32_t session_id, int32_t epoch, bool privileged,
                      int64_t now_ms, lode_fs_ctx_t *ctx);

/* Adds (full) or adds/updates (incremental) a requested partition; the
 * partition's fetch state replaces what the session had. */
void lode_fs_put(lode_fs_ctx_t *ctx, const lode_fs_part_t *p);
/* Incremental: drops a forgotten partition (no-op when unknown). */
void lode_fs_forget(lode_fs_ctx_t *ctx, const uint8_t topic_id[16], const char *topic,
                    int32_t partition);

/* The partitions this fetch covers (full: the request's; incremental: the
 * whole session's, in order). Valid until lode_fs_end. */
lode_fs_part_t *lode_fs_parts(lode_fs_ctx_t *ctx, size_t *n);

/*
 * Whether partition p goes into this response: always in a full fetch; in an
 * incremental one when it has records, an error, or a high watermark, last
 * stable offset or log start offset different from what was last sent.
 * Records what is sent.
 */
bool lode_fs_include(lode_fs_ctx_t *ctx, lode_fs_part_t *p, bool has_records, int16_t error,
                     int64_t hw, int64_t lso, int64_t log_start);

/* Finishes the fetch: a FULL fetch creates its session if room can be made;
 * an incremental one advances the expected epoch. Returns the session id for
 * the response (0 when none). */
int32_t lode_fs_end(lode_fs_ctx_t *ctx);

#endif
