/*
 * quorum.h — the metadata log's replication interface (KRaft, KIP-595/630).
 *
 * The controller and the metadata loader talk only to this interface. It
 * stores opaque record values (serialized metadata records: frame version,
 * api key, version, data — see metadata/records.h) in the `__cluster_metadata`
 * log, tells when they are committed, and who leads in which epoch. The
 * single-voter implementation (quorum_single.c) commits once a write is
 * fsynced; the multi-voter Raft implementation replaces it without changes to
 * its users.
 *
 * Threading: append from any thread; listener callbacks run on the quorum's
 * own thread, one at a time, in log order.
 */
#ifndef LODE_RAFT_QUORUM_H
#define LODE_RAFT_QUORUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lode_quorum lode_quorum_t;

/* One record value and, once committed, its offset. */
typedef struct lode_qrecord {
    const uint8_t *data;
    size_t len;
    int64_t offset;
} lode_qrecord_t;

typedef struct lode_quorum_listener {
    void *arg;
    /* Committed records in log order (a batch at a time); `epoch` is the
     * leader epoch they were written in. */
    void (*on_commit)(void *arg, const lode_qrecord_t *records, size_t n, int32_t epoch);
    /* A new leader (or none: leader_id -1) in `epoch`. */
    void (*on_leader_change)(void *arg, int32_t leader_id, int32_t epoch);
    /* Everything below `hw` has been delivered (may be NULL). */
    void (*on_caught_up)(void *arg, int64_t hw);
} lode_quorum_listener_t;

/* Called once the appended records are committed (status 0, last offset) or
 * can no longer be (status < 0: not the leader any more, I/O error). */
typedef void (*lode_quorum_append_cb)(void *arg, int status, int64_t last_offset);

typedef struct lode_quorum_ops {
    /* Appends records as one batch in the current epoch if this node leads
     * it (else LODE_EFENCED and cb is not called). */
    int (*append)(lode_quorum_t *q, int32_t epoch, const lode_qrecord_t *records, size_t n,
                  lode_quorum_append_cb cb, void *arg);
    /* The committed offset (exclusive: records below it are committed). */
    int64_t (*high_watermark)(lode_quorum_t *q);
    void (*leader)(lode_quorum_t *q, int32_t *leader_id, int32_t *epoch);
    void (*close)(lode_quorum_t *q);
} lode_quorum_ops_t;

struct lode_quorum {
    const lode_quorum_ops_t *ops;
};

static inline int lode_quorum_append(lode_quorum_t *q, int32_t epoch, const lode_qrecord_t *r,
                                     size_t n, lode_quorum_append_cb cb, void *arg)
{
    return q->ops->append(q, epoch, r, n, cb, arg);
}
static inline int64_t lode_quorum_high_watermark(lode_quorum_t *q)
{
    return q->ops->high_watermark(q);
}
static inline void lode_quorum_leader(lode_quorum_t *q, int32_t *leader_id, int32_t *epoch)
{
    q->ops->leader(q, leader_id, epoch);
}
static inline void lode_quorum_close(lode_quorum_t *q)
{
    q->ops->close(q);
}

#endif
