/*
 * quorum_single.c — the single-voter quorum (see quorum_single.h).
 *
 * Invariants:
 *  1. `epoch` is persisted in quorum-state before any record of it is written.
 *  2. hw only grows; records below hw are fsynced and delivered in order.
 *  3. `delivered` <= hw; the delivery thread is the only caller of listener
 *     callbacks.
 */
#include "raft/quorum_single.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "proto/gen/LeaderChangeMessage.h"
#include "proto/record_batch.h"
#include "storage/checkpoint.h"
#include "storage/log.h"

#define CONTROL_LEADER_CHANGE 2

typedef struct single {
    lode_quorum_t base;
    int32_t node_id;
    int32_t epoch;
    char *dir;
    lode_log_t *log;
    lode_flusher_t *flusher;
    lode_quorum_listener_t listener;
    pthread_mutex_t lock; /* append order, hw, delivered */
    pthread_cond_t cond;
    int64_t hw;
    int64_t delivered;
    bool stopping;
    pthread_t thread;
} single_t;

/* ---- quorum-state (Kafka's QuorumStateData as JSON, data_version 0) ------ */

static int32_t read_epoch(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strstr(buf, "\"leaderEpoch\"");
    if (!p || !(p = strchr(p, ':')))
        return 0;
    long v = strtol(p + 1, NULL, 10);
    return v > 0 && v < INT32_MAX ? (int32_t)v : 0;
}

static int write_state(const char *path, int32_t node, int32_t epoch)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     "{\"clusterId\":\"\",\"leaderId\":%d,\"leaderEpoch\":%d,\"votedId\":%d,"
                     "\"appliedOffset\":0,\"currentVoters\":[{\"voterId\":%d}],\"data_version\":0}",
                     node, epoch, node, node);
    return lode_write_file_atomic(path, buf, (size_t)n);
}

/* Recovery check of the metadata log: the full batch validation (CRC32C,
 * lengths, records), so a torn metadata batch is cut at startup. */
static const lode_log_hooks_t HOOKS = {lode_batch_validate_stored, NULL};

/* ---- appending ------------------------------------------------------------ */

typedef struct pending {
    single_t *q;
    int64_t last_offset;
    lode_quorum_append_cb cb;
    void *arg;
} pending_t;

static void on_durable(void *arg, int status)
{
    pending_t *p = arg;
    single_t *q = p->q;
    if (status == 0) {
        pthread_mutex_lock(&q->lock);
        if (p->last_offset + 1 > q->hw)
            q->hw = p->last_offset + 1;
        pthread_cond_broadcast(&q->cond);
        pthread_mutex_unlock(&q->lock);
    }
    if (p->cb)
        p->cb(p->arg, status, p->last_offset);
    free(p);
}

/* Appends one batch (data, or the LeaderChange control record) in the
 * current epoch; cb when committed. Caller holds q->lock. */
static int append_batch(single_t *q, const lode_qrecord_t *recs, size_t n, bool control,
                        const void *control_key, size_t key_len, lode_quorum_append_cb cb,
                        void *arg)
{
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    b.control = control;
    int64_t now = lode_clock_now_ms(lode_clock_real());
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = lode_batch_builder_add(&b, now, control_key, control ? (int32_t)key_len : -1,
                                    recs[i].data, (int32_t)recs[i].len, NULL, 0);
    lode_buf_t out = LODE_BUF_INIT;
    if (rc == 0)
        rc = lode_batch_builder_finish(&b, &out);
    lode_batch_builder_free(&b);
    lode_log_append_info_t info;
    if (rc == 0)
        rc = lode_log_append(q->log, out.data, out.len, q->epoch, now, &info);
    lode_buf_free(&out);
    if (rc)
        return rc;
    pending_t *p = lode_xmalloc(sizeof *p);
    *p = (pending_t){q, info.last_offset, cb, arg};
    rc = lode_flusher_wait(q->flusher, q->log, info.last_offset + 1, on_durable, p);
    if (rc)
        free(p);
    return rc;
}

static int single_append(lode_quorum_t *base, int32_t epoch, const lode_qrecord_t *r, size_t n,
                         lode_quorum_append_cb cb, void *arg)
{
    single_t *q = (single_t *)base;
    if (n == 0)
        return LODE_EINVAL;
    pthread_mutex_lock(&q->lock);
    int rc = epoch != q->epoch || q->stopping ? LODE_EFENCED
                                              : append_batch(q, r, n, false, NULL, 0, cb, arg);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

static int64_t single_hw(lode_quorum_t *base)
{
    single_t *q = (single_t *)base;
    pthread_mutex_lock(&q->lock);
    int64_t hw = q->hw;
    pthread_mutex_unlock(&q->lock);
    return hw;
}

static void single_leader(lode_quorum_t *base, int32_t *leader, int32_t *epoch)
{
    single_t *q = (single_t *)base;
    *leader = q->node_id;
    *epoch = q->epoch;
}

/* ---- delivery -------------------------------------------------------------- */

/* Delivers committed batches in [q->delivered, hw). */
static void deliver(single_t *q, int64_t hw)
{
    lode_buf_t buf = LODE_BUF_INIT;
    while (q->delivered < hw) {
        lode_log_read_t rd;
        if (lode_log_read(q->log, q->delivered, 1 << 20, hw, true, &rd) != 0 || rd.slice.bytes == 0)
            break;
        lode_buf_reset(&buf);
        uint8_t *p = lode_buf_extend(&buf, rd.slice.bytes);
        size_t got = 0;
        while (got < rd.slice.bytes) {
            ssize_t k =
                pread(rd.slice.fd, p + got, rd.slice.bytes - got, (off_t)(rd.slice.position + got));
            if (k <= 0)
                break;
            got += (size_t)k;
        }
        lode_log_read_release(&rd);
        lode_batch_iter_t it;
        lode_batch_hdr_t h;
        lode_batch_iter_init(&it, p, got);
        int64_t next = q->delivered;
        while (lode_batch_iter_next(&it, &h)) {
            int64_t last = lode_batch_last_offset(&h);
            if (last < q->delivered)
                continue;
            if (!lode_batch_is_control(&h) && h.records_count > 0) {
                lode_qrecord_t *recs = lode_xcalloc((size_t)h.records_count, sizeof *recs);
                size_t n = 0;
                lode_record_iter_t ri;
                lode_record_t r;
                lode_record_iter_init(&ri, &h, h.records, h.records_bytes);
                while (lode_record_iter_next(&ri, &r) && n < (size_t)h.records_count)
                    if (r.offset >= q->delivered && r.value_len >= 0)
                        recs[n++] = (lode_qrecord_t){r.value, (size_t)r.value_len, r.offset};
                if (n && q->listener.on_commit)
                    q->listener.on_commit(q->listener.arg, recs, n, h.partition_leader_epoch);
                free(recs);
            }
            next = last + 1;
        }
        if (next == q->delivered)
            break; /* nothing whole was read: wait for more */
        q->delivered = next;
    }
    lode_buf_free(&buf);
}

static void *delivery_main(void *arg)
{
    single_t *q = arg;
    bool announced = false;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->stopping && q->delivered >= q->hw)
            pthread_cond_wait(&q->cond, &q->lock);
        if (q->stopping && q->delivered >= q->hw)
            break;
        int64_t hw = q->hw;
        pthread_mutex_unlock(&q->lock);
        if (!announced && q->listener.on_leader_change) {
            q->listener.on_leader_change(q->listener.arg, q->node_id, q->epoch);
            announced = true;
        }
        deliver(q, hw);
        if (q->delivered >= hw && q->listener.on_caught_up)
            q->listener.on_caught_up(q->listener.arg, hw);
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

static void single_close(lode_quorum_t *base)
{
    single_t *q = (single_t *)base;
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->thread, NULL);
    lode_log_close(q->log);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
    free(q->dir);
    free(q);
}

static const lode_quorum_ops_t OPS = {single_append, single_hw, single_leader, single_close};

int lode_quorum_single_open(const char *dir, int32_t node_id, const lode_log_config_t *cfg,
                            lode_flusher_t *flusher, const lode_quorum_listener_t *listener,
                            int64_t deliver_from, lode_quorum_t **out)
{
    single_t *q = lode_xcalloc(1, sizeof *q);
    q->base.ops = &OPS;
    q->node_id = node_id;
    q->flusher = flusher;
    q->listener = *listener;
    size_t l = strlen(dir) + 32;
    q->dir = lode_xmalloc(l);
    snprintf(q->dir, l, "%s/__cluster_metadata-0", dir);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    int rc = lode_log_open(q->dir, cfg, 0, -1, false, &HOOKS, 0, &q->log);
    if (rc)
        goto err;
    char path[4200];
    snprintf(path, sizeof path, "%s/quorum-state", q->dir);
    q->epoch = read_epoch(path) + 1;
    rc = write_state(path, node_id, q->epoch);
    if (rc)
        goto err_after_log;
    q->delivered = lode_log_start_offset(q->log);
    if (deliver_from > q->delivered)
        q->delivered = deliver_from;
    if (pthread_create(&q->thread, NULL, delivery_main, q) != 0) {
        rc = LODE_ENOMEM;
        goto err_after_log;
    }
    /* LeaderChange in the new epoch: committing it commits the whole log. */
    LeaderChangeMessage lc;
    LeaderChangeMessage_init(&lc);
    LeaderChangeMessage_Voter v;
    LeaderChangeMessage_Voter_init(&v);
    v.VoterId = node_id;
    lc.LeaderId = node_id;
    lc.Voters = &v;
    lc.Voters_count = 1;
    lc.GrantingVoters = &v;
    lc.GrantingVoters_count = 1;
    lode_buf_t value = LODE_BUF_INIT;
    LeaderChangeMessage_encode(&lc, 0, &value);
    uint8_t key[4];
    lode_be16_store(key, 0);
    lode_be16_store(key + 2, CONTROL_LEADER_CHANGE);
    lode_qrecord_t r = {value.data, value.len, 0};
    pthread_mutex_lock(&q->lock);
    rc = append_batch(q, &r, 1, true, key, sizeof key, NULL, NULL);
    pthread_mutex_unlock(&q->lock);
    lode_buf_free(&value);
    if (rc) {
        single_close(&q->base);
        return rc;
    }
    *out = &q->base;
    return 0;

err_after_log:
    lode_log_close(q->log);
err:
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
    free(q->dir);
    free(q);
    return rc;
}
