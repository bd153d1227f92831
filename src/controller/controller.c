/*
 * controller.c — the controller over a quorum (see controller.h).
 *
 * Invariants:
 *  1. `pending` = the committed image + every record appended since, in log
 *     order; operations validate against it under `lock`, so two operations
 *     never both see a topic name as free.
 *  2. The published image only contains committed records.
 *  3. An operation's records are one quorum append (one batch).
 */
#include "controller/controller.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "metadata/records.h"
#include "metadata/snapshot.h"
#include "proto/gen/BrokerRegistrationChangeRecord.h"
#include "proto/gen/FenceBrokerRecord.h"
#include "proto/gen/ProducerIdsRecord.h"
#include "proto/gen/RegisterBrokerRecord.h"
#include "proto/gen/UnfenceBrokerRecord.h"
#include "proto/kerr.h"
#include "raft/quorum_single.h"

#define PRODUCER_ID_BLOCK 1000

struct lode_controller {
    lode_controller_config_t cfg;
    char *log_dir; /* <metadata_dir>/__cluster_metadata-0 */
    lode_quorum_t *quorum;
    int32_t epoch;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    lode_image_t *pending;   /* invariant 1 (a builder) */
    lode_image_t *committed; /* the loader's builder for the next publish */
    int64_t caught_up;       /* delivered everything below this */
    int64_t bytes_since_snapshot;
    int64_t last_offset;
    int64_t published;       /* offset of the last record in the published image */
    lode_hmap_t heartbeats;  /* 4-byte broker id -> last heartbeat ms (in the pointer) */
    struct waiting *waiting; /* committed operations awaiting their publish */
};

/* An operation whose records are committed, completed once the image that
 * contains them is published (so a caller that then reads the image sees its
 * change). */
typedef struct waiting {
    struct waiting *next;
    int64_t offset;
    void (*complete)(void *arg);
    void *arg;
} waiting_t;

/* Runs the completions whose offsets are published. */
static void run_published(lode_controller_t *c)
{
    waiting_t *ready = NULL;
    pthread_mutex_lock(&c->lock);
    waiting_t **pp = &c->waiting;
    while (*pp) {
        waiting_t *w = *pp;
        if (w->offset <= c->published) {
            *pp = w->next;
            w->next = ready;
            ready = w;
        } else {
            pp = &w->next;
        }
    }
    pthread_mutex_unlock(&c->lock);
    /* The list was built in reverse: restore commit order. */
    waiting_t *ordered = NULL;
    while (ready) {
        waiting_t *n = ready->next;
        ready->next = ordered;
        ordered = ready;
        ready = n;
    }
    while (ordered) {
        waiting_t *n = ordered->next;
        ordered->complete(ordered->arg);
        free(ordered);
        ordered = n;
    }
}

/* Completes fn(arg) once `offset` is published (maybe right away). */
static void when_published(lode_controller_t *c, int64_t offset, void (*fn)(void *), void *arg)
{
    waiting_t *w = lode_xmalloc(sizeof *w);
    *w = (waiting_t){NULL, offset, fn, arg};
    pthread_mutex_lock(&c->lock);
    w->next = c->waiting;
    c->waiting = w;
    pthread_mutex_unlock(&c->lock);
    run_published(c);
}

/* ---- the loader (quorum thread) ------------------------------------------- */

static void apply_records(lode_image_t *b, const lode_qrecord_t *r, size_t n)
{
    lode_arena_t a;
    lode_arena_init(&a, 0);
    for (size_t i = 0; i < n; i++) {
        int16_t type, version;
        void *msg;
        if (lode_mrec_decode(r[i].data, r[i].len, &a, &type, &version, &msg) == 0)
            lode_image_apply(b, type, version, msg);
        else
            LODE_LOG_ERROR("controller", "undecodable metadata record at offset %lld skipped",
                           (long long)r[i].offset);
        lode_arena_reset(&a);
    }
    lode_arena_free(&a);
}

static void on_commit(void *arg, const lode_qrecord_t *r, size_t n, int32_t epoch)
{
    lode_controller_t *c = arg;
    lode_image_t *next = lode_image_builder(c->committed);
    apply_records(next, r, n);
    next->offset = r[n - 1].offset;
    next->epoch = epoch;
    lode_image_builder_free(c->committed);
    c->committed = next;
    /* Publish a copy: the holder owns what it publishes. */
    lode_image_publish(c->cfg.images, lode_image_builder(next));
    if (c->cfg.on_image) {
        lode_image_t *img = lode_image_acquire(c->cfg.images);
        c->cfg.on_image(c->cfg.arg, img);
        lode_image_release(img);
    }
    for (size_t i = 0; i < n; i++)
        c->bytes_since_snapshot += (int64_t)r[i].len;
    c->last_offset = r[n - 1].offset;
    pthread_mutex_lock(&c->lock);
    c->published = r[n - 1].offset;
    pthread_mutex_unlock(&c->lock);
    run_published(c);
    if (c->bytes_since_snapshot >= c->cfg.snapshot_bytes) {
        if (lode_snapshot_write(c->log_dir, next, c->last_offset + 1, epoch,
                                lode_clock_now_ms(lode_clock_real())) == 0)
            c->bytes_since_snapshot = 0;
    }
}

static void on_leader(void *arg, int32_t leader, int32_t epoch)
{
    lode_controller_t *c = arg;
    (void)leader;
    c->epoch = epoch;
}

static void on_caught_up(void *arg, int64_t hw)
{
    lode_controller_t *c = arg;
    pthread_mutex_lock(&c->lock);
    c->caught_up = hw;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

/* ---- appending operations ------------------------------------------------- */

typedef struct op {
    lode_controller_t *c;
    lode_ctl_error_t err;
    uint8_t topic_id[16];
    bool has_id;
    lode_ctl_done_fn done;
    void *arg;
} op_t;

static void op_complete(void *arg)
{
    op_t *op = arg;
    if (op->done)
        op->done(op->arg, &op->err, op->has_id ? op->topic_id : NULL);
    free(op);
}

static void op_committed(void *arg, int status, int64_t last_offset)
{
    op_t *op = arg;
    if (status != 0) {
        op->err.code = LODE_KERR_NOT_CONTROLLER;
        snprintf(op->err.message, sizeof op->err.message,
                 "The metadata log could not commit the change (%s).", lode_strerror(status));
        op_complete(op);
        return;
    }
    when_published(op->c, last_offset, op_complete, op);
}

/* Appends recs as one batch and applies them to `pending`. Caller holds lock. */
static int append_locked(lode_controller_t *c, lode_mrecs_t *recs, lode_quorum_append_cb cb,
                         void *arg)
{
    lode_qrecord_t *qr = lode_xcalloc(recs->n ? recs->n : 1, sizeof *qr);
    for (size_t i = 0; i < recs->n; i++)
        qr[i].data = lode_mrecs_get(recs, i, &qr[i].len);
    int rc = lode_quorum_append(c->quorum, c->epoch, qr, recs->n, cb, arg);
    if (rc == 0)
        apply_records(c->pending, qr, recs->n);
    free(qr);
    return rc;
}

static void finish(op_t *op, lode_mrecs_t *recs, int rc, bool validate_only)
{
    lode_controller_t *c = op->c;
    if (rc == 0 && !validate_only && recs->n > 0) {
        rc = append_locked(c, recs, op_committed, op);
        if (rc == 0) {
            pthread_mutex_unlock(&c->lock);
            lode_mrecs_free(recs);
            return; /* op_committed completes it */
        }
        op->err.code = LODE_KERR_NOT_CONTROLLER;
        snprintf(op->err.message, sizeof op->err.message,
                 "This node can no longer append to the metadata log.");
    }
    pthread_mutex_unlock(&c->lock);
    lode_mrecs_free(recs);
    if (op->done)
        op->done(op->arg, &op->err, op->has_id ? op->topic_id : NULL);
    free(op);
}

static op_t *new_op(lode_controller_t *c, lode_ctl_done_fn done, void *arg)
{
    op_t *op = lode_xcalloc(1, sizeof *op);
    op->c = c;
    op->done = done;
    op->arg = arg;
    return op;
}

void lode_controller_create_topic(lode_controller_t *c, const lode_new_topic_t *req,
                                  bool validate_only, lode_ctl_done_fn done, void *arg)
{
    op_t *op = new_op(c, done, arg);
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    pthread_mutex_lock(&c->lock);
    lode_topic_defaults_t defs = c->cfg.topic_defaults;
    defs.placement_seed = (uint32_t)lode_clock_monotonic_ns(lode_clock_real());
    int rc =
        lode_ctl_create_topic(c->pending, req, &defs, validate_only, op->topic_id, &recs, &op->err);
    op->has_id = rc == 0 && !validate_only;
    finish(op, &recs, rc, validate_only);
}

void lode_controller_delete_topic(lode_controller_t *c, const char *name, const uint8_t *id,
                                  lode_ctl_done_fn done, void *arg)
{
    op_t *op = new_op(c, done, arg);
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    pthread_mutex_lock(&c->lock);
    const lode_topic_info_t *t =
        name ? lode_image_topic(c->pending, name) : lode_image_topic_by_id(c->pending, id);
    if (t) {
        memcpy(op->topic_id, t->id, 16);
        op->has_id = true;
    }
    int rc = lode_ctl_delete_topic(c->pending, name, id, &recs, &op->err);
    finish(op, &recs, rc, false);
}

void lode_controller_create_partitions(lode_controller_t *c, const char *name, int32_t count,
                                       const int32_t *assignment, int32_t assignment_partitions,
                                       int32_t assignment_replicas, bool validate_only,
                                       lode_ctl_done_fn done, void *arg)
{
    op_t *op = new_op(c, done, arg);
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    pthread_mutex_lock(&c->lock);
    lode_topic_defaults_t defs = c->cfg.topic_defaults;
    defs.placement_seed = (uint32_t)lode_clock_monotonic_ns(lode_clock_real());
    int rc = lode_ctl_create_partitions(c->pending, name, count, assignment, assignment_partitions,
                                        assignment_replicas, &defs, validate_only, &recs, &op->err);
    finish(op, &recs, rc, validate_only);
}

void lode_controller_alter_configs(lode_controller_t *c, int resource_type, const char *resource,
                                   const lode_config_op_t *ops, size_t nops, bool incremental,
                                   bool validate_only, lode_ctl_done_fn done, void *arg)
{
    op_t *op = new_op(c, done, arg);
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    pthread_mutex_lock(&c->lock);
    int rc = lode_ctl_alter_configs(c->pending, resource_type, resource, c->cfg.node_id, ops, nops,
                                    incremental, validate_only, &recs, &op->err);
    finish(op, &recs, rc, validate_only);
}

typedef struct pid_op {
    lode_controller_t *c;
    lode_ctl_pid_fn done;
    void *arg;
    int64_t first;
    int status;
} pid_op_t;

static void pid_complete(void *arg)
{
    pid_op_t *p = arg;
    p->done(p->arg, p->status == 0 ? 0 : LODE_KERR_NOT_CONTROLLER, p->first,
            p->status == 0 ? PRODUCER_ID_BLOCK : 0);
    free(p);
}

static void pid_committed(void *arg, int status, int64_t last_offset)
{
    pid_op_t *p = arg;
    p->status = status;
    if (status != 0)
        pid_complete(p);
    else
        when_published(p->c, last_offset, pid_complete, p);
}

void lode_controller_alloc_producer_ids(lode_controller_t *c, int32_t broker_id,
                                        int64_t broker_epoch, lode_ctl_pid_fn done, void *arg)
{
    pthread_mutex_lock(&c->lock);
    const lode_broker_info_t *b = lode_image_broker(c->pending, broker_id);
    if (!b || b->epoch != broker_epoch) {
        pthread_mutex_unlock(&c->lock);
        done(arg, b ? LODE_KERR_STALE_BROKER_EPOCH : LODE_KERR_BROKER_ID_NOT_REGISTERED, -1, 0);
        return;
    }
    pid_op_t *p = lode_xmalloc(sizeof *p);
    *p = (pid_op_t){c, done, arg, c->pending->next_producer_id, 0};
    ProducerIdsRecord r;
    ProducerIdsRecord_init(&r);
    r.BrokerId = broker_id;
    r.BrokerEpoch = broker_epoch;
    r.NextProducerId = p->first + PRODUCER_ID_BLOCK;
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    int rc = lode_mrecs_add(&recs, LODE_MREC_PRODUCER_IDS, 0, &r);
    if (rc == 0)
        rc = append_locked(c, &recs, pid_committed, p);
    pthread_mutex_unlock(&c->lock);
    lode_mrecs_free(&recs);
    if (rc) {
        done(arg, LODE_KERR_NOT_CONTROLLER, -1, 0);
        free(p);
    }
}

/* Appends one broker record without waiting (caller holds lock). */
static void append_broker_record(lode_controller_t *c, int16_t type, int16_t version,
                                 const void *msg)
{
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    if (lode_mrecs_add(&recs, type, version, msg) == 0)
        append_locked(c, &recs, NULL, NULL);
    lode_mrecs_free(&recs);
}

int16_t lode_controller_heartbeat(lode_controller_t *c, int32_t broker_id, int64_t broker_epoch,
                                  bool want_fence, bool want_shutdown, int64_t now_ms, bool *fenced)
{
    pthread_mutex_lock(&c->lock);
    const lode_broker_info_t *b = lode_image_broker(c->pending, broker_id);
    if (!b) {
        pthread_mutex_unlock(&c->lock);
        return LODE_KERR_BROKER_ID_NOT_REGISTERED;
    }
    if (b->epoch != broker_epoch) {
        pthread_mutex_unlock(&c->lock);
        return LODE_KERR_STALE_BROKER_EPOCH;
    }
    lode_hmap_put(&c->heartbeats, &broker_id, sizeof broker_id, (void *)(intptr_t)now_ms, NULL);
    if (want_fence && !b->fenced) {
        FenceBrokerRecord r;
        FenceBrokerRecord_init(&r);
        r.Id = broker_id;
        r.Epoch = broker_epoch;
        append_broker_record(c, LODE_MREC_FENCE_BROKER, 0, &r);
    } else if (!want_fence && b->fenced) {
        UnfenceBrokerRecord r;
        UnfenceBrokerRecord_init(&r);
        r.Id = broker_id;
        r.Epoch = broker_epoch;
        append_broker_record(c, LODE_MREC_UNFENCE_BROKER, 0, &r);
    }
    if (want_shutdown && !lode_image_broker(c->pending, broker_id)->in_controlled_shutdown) {
        BrokerRegistrationChangeRecord r;
        BrokerRegistrationChangeRecord_init(&r);
        r.BrokerId = broker_id;
        r.BrokerEpoch = broker_epoch;
        r.InControlledShutdown = 1;
        append_broker_record(c, LODE_MREC_BROKER_REGISTRATION_CHANGE, 1, &r);
    }
    *fenced = lode_image_broker(c->pending, broker_id)->fenced;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

int lode_controller_check_sessions(lode_controller_t *c, int64_t now_ms, int64_t session_timeout_ms)
{
    int n = 0;
    pthread_mutex_lock(&c->lock);
    bool again = true;
    while (again) {
        again = false;
        size_t it = 0;
        lode_hmap_entry_t *e;
        while ((e = lode_hmap_next(&c->pending->brokers, &it))) {
            const lode_broker_info_t *b = e->value;
            if (b->fenced)
                continue;
            lode_hmap_entry_t *h = lode_hmap_find(&c->heartbeats, &b->id, sizeof b->id);
            if (!h) {
                /* Not heard from since this controller started: start its clock. */
                lode_hmap_put(&c->heartbeats, &b->id, sizeof b->id, (void *)(intptr_t)now_ms, NULL);
                continue;
            }
            if (now_ms - (int64_t)(intptr_t)h->value <= session_timeout_ms)
                continue;
            FenceBrokerRecord r;
            FenceBrokerRecord_init(&r);
            r.Id = b->id;
            r.Epoch = b->epoch;
            append_broker_record(c, LODE_MREC_FENCE_BROKER, 0, &r);
            n++;
            again = true; /* the pending image changed under the walk */
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return n;
}

int32_t lode_controller_epoch(lode_controller_t *c)
{
    return c->epoch;
}

int64_t lode_controller_high_watermark(lode_controller_t *c)
{
    return lode_quorum_high_watermark(c->quorum);
}

/* ---- start / stop --------------------------------------------------------- */

/* Waits until the quorum delivered everything committed so far. */
static void wait_caught_up(lode_controller_t *c)
{
    int64_t hw = lode_quorum_high_watermark(c->quorum);
    pthread_mutex_lock(&c->lock);
    while (c->caught_up < hw || hw == 0) {
        pthread_cond_wait(&c->cond, &c->lock);
        hw = lode_quorum_high_watermark(c->quorum);
    }
    pthread_mutex_unlock(&c->lock);
}

typedef struct sync_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    int status;
} sync_wait_t;

typedef struct sync_ctx {
    lode_controller_t *c;
    sync_wait_t *w;
} sync_ctx_t;

static void sync_signal(void *arg)
{
    sync_wait_t *w = arg;
    pthread_mutex_lock(&w->lock);
    w->done = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void sync_done(void *arg, int status, int64_t last)
{
    sync_ctx_t *s = arg;
    s->w->status = status;
    if (status != 0)
        sync_signal(s->w);
    else
        when_published(s->c, last, sync_signal, s->w);
}

/* Appends and waits for the commit (startup only). */
static int append_sync(lode_controller_t *c, lode_mrecs_t *recs)
{
    sync_wait_t w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    sync_ctx_t ctx = {c, &w};
    pthread_mutex_lock(&c->lock);
    int rc = append_locked(c, recs, sync_done, &ctx);
    pthread_mutex_unlock(&c->lock);
    if (rc)
        return rc;
    pthread_mutex_lock(&w.lock);
    while (!w.done)
        pthread_cond_wait(&w.cond, &w.lock);
    pthread_mutex_unlock(&w.lock);
    return w.status;
}

/* The bootstrap records (metadata.version) of a freshly formatted node. */
static int bootstrap(lode_controller_t *c)
{
    if (lode_image_feature(c->pending, "metadata.version") != 0)
        return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/bootstrap.checkpoint", c->cfg.metadata_dir);
    lode_image_t *boot = NULL;
    /* bootstrap.checkpoint has the snapshot format; load it by its name. */
    int rc = lode_snapshot_load_path(path, &boot);
    if (rc == LODE_ENOTFOUND) {
        boot = lode_image_builder(NULL);
        lode_image_set_feature(boot, "metadata.version", 25);
        LODE_LOG_INFO("controller", "no bootstrap.checkpoint in %s: using metadata.version 4.0-IV3",
                      c->cfg.metadata_dir);
    } else if (rc) {
        return rc;
    }
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    rc = lode_image_to_records(boot, &recs);
    if (rc == 0 && recs.n)
        rc = append_sync(c, &recs);
    lode_mrecs_free(&recs);
    lode_image_builder_free(boot);
    return rc;
}

/* This node's broker registration (and a new broker epoch per start). */
static int register_self(lode_controller_t *c)
{
    RegisterBrokerRecord r;
    RegisterBrokerRecord_init(&r);
    r.BrokerId = c->cfg.node_id;
    r.BrokerEpoch = lode_quorum_high_watermark(c->quorum); /* Kafka: the record's offset */
    lode_uuid_t inc;
    for (int i = 0; i < 16; i++)
        inc.b[i] = (uint8_t)(lode_clock_monotonic_ns(lode_clock_real()) >> (i % 8 * 8));
    r.IncarnationId = inc;
    r.Fenced = false; /* a combined node's broker is caught up once this commits */
    r.Rack = lode_str_c(c->cfg.rack);
    RegisterBrokerRecord_BrokerEndpoint *eps =
        lode_xcalloc((size_t)(c->cfg.nendpoints ? c->cfg.nendpoints : 1), sizeof *eps);
    for (int32_t i = 0; i < c->cfg.nendpoints; i++) {
        RegisterBrokerRecord_BrokerEndpoint_init(&eps[i]);
        eps[i].Name = lode_str_c(c->cfg.endpoints[i].listener);
        eps[i].Host = lode_str_c(c->cfg.endpoints[i].host);
        eps[i].Port = (uint16_t)c->cfg.endpoints[i].port;
        eps[i].SecurityProtocol = c->cfg.endpoints[i].security_protocol;
    }
    r.EndPoints = eps;
    r.EndPoints_count = c->cfg.nendpoints;
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    int rc = lode_mrecs_add(&recs, LODE_MREC_REGISTER_BROKER, 3, &r);
    free(eps);
    if (rc == 0)
        rc = append_sync(c, &recs);
    lode_mrecs_free(&recs);
    return rc;
}

int lode_controller_start(const lode_controller_config_t *cfg, lode_controller_t **out)
{
    lode_controller_t *c = lode_xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    if (c->cfg.snapshot_bytes <= 0)
        c->cfg.snapshot_bytes = 20 << 20;
    size_t l = strlen(cfg->metadata_dir) + 32;
    c->log_dir = lode_xmalloc(l);
    snprintf(c->log_dir, l, "%s/__cluster_metadata-0", cfg->metadata_dir);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    lode_hmap_init(&c->heartbeats);
    /* The newest snapshot, then the log after it. */
    int64_t from = 0;
    int32_t snap_epoch = 0;
    lode_image_t *base = NULL;
    if (lode_snapshot_latest(c->log_dir, &from, &snap_epoch) == 0) {
        if (lode_snapshot_load(c->log_dir, from, snap_epoch, &base) != 0) {
            LODE_LOG_ERROR("controller", "snapshot %lld-%d unreadable: replaying the whole log",
                           (long long)from, snap_epoch);
            from = 0;
            base = NULL;
        }
    }
    c->committed = lode_image_builder(base);
    c->published = -1;
    if (base) {
        c->committed->offset = base->offset;
        c->published = base->offset;
        lode_image_builder_free(base);
    }
    lode_image_publish(c->cfg.images, lode_image_builder(c->committed));
    lode_log_config_t lc;
    lode_log_config_defaults(&lc);
    lode_quorum_listener_t l2 = {c, on_commit, on_leader, on_caught_up};
    int rc = lode_quorum_single_open(cfg->metadata_dir, cfg->node_id, &lc, cfg->flusher, &l2, from,
                                     &c->quorum);
    if (rc) {
        lode_image_builder_free(c->committed);
        free(c->log_dir);
        free(c);
        return rc;
    }
    int32_t leader;
    lode_quorum_leader(c->quorum, &leader, &c->epoch);
    wait_caught_up(c);
    pthread_mutex_lock(&c->lock);
    c->pending = lode_image_builder(c->committed);
    pthread_mutex_unlock(&c->lock);
    rc = bootstrap(c);
    if (rc == 0)
        rc = register_self(c);
    if (rc) {
        lode_controller_stop(c);
        return rc;
    }
    LODE_LOG_INFO("controller", "node %d leads the metadata quorum in epoch %d", cfg->node_id,
                  c->epoch);
    *out = c;
    return 0;
}

void lode_controller_stop(lode_controller_t *c)
{
    lode_quorum_close(c->quorum);
    run_published(c);
    while (c->waiting) {
        /* Committed but never delivered before the stop: still committed. */
        waiting_t *w = c->waiting;
        c->waiting = w->next;
        w->complete(w->arg);
        free(w);
    }
    lode_image_builder_free(c->pending);
    lode_image_builder_free(c->committed);
    lode_hmap_free(&c->heartbeats);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c->log_dir);
    free(c);
}
