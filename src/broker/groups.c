/*
 * groups.c — the broker's side of the group coordinator: its records go
 * to the __consumer_offsets partitions this node leads (fsynced before they
 * count, like acks=all), it loads a partition when this node becomes its
 * leader, and __consumer_offsets is created on first use with Kafka's
 * settings (offsets.topic.num.partitions, offsets.topic.replication.factor,
 * compacted, offsets.topic.segment.bytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broker/broker_int.h"
#include "core/err.h"
#include "core/log.h"
#include "proto/kerr.h"

#define COMPONENT "group"

typedef struct write {
    lode_broker_t *b;
    lode_log_t *log;
    lode_gc_written_fn done;
    void *arg;
} write_t;

static void written(void *arg, int status)
{
    write_t *w = arg;
    lode_broker_t *b = w->b;
    lode_log_release(w->log);
    w->done(w->arg, status);
    free(w);
    atomic_fetch_sub(&b->group_writes, 1);
}

static int store_append(void *ctx, int32_t partition, uint8_t *batch, size_t len,
                        lode_gc_written_fn done, void *arg)
{
    lode_broker_t *b = ctx;
    lode_image_t *img = lode_image_acquire(b->images);
    int16_t err = 0;
    lode_log_t *log = lode_broker_leader_log(b, img, LODE_OFFSETS_TOPIC, partition, -1, &err);
    const lode_topic_info_t *t = lode_image_topic(img, LODE_OFFSETS_TOPIC);
    int32_t epoch = t && partition < t->npartitions ? t->partitions[partition].leader_epoch : 0;
    lode_image_release(img);
    if (!log)
        return LODE_ENOTFOUND;
    lode_log_append_info_t info;
    int rc = lode_log_append(log, batch, len, epoch, lode_clock_now_ms(b->clock), &info);
    if (rc) {
        lode_log_release(log);
        return rc;
    }
    lode_log_set_high_watermark(log, lode_log_end_offset(log));
    char key[64];
    snprintf(key, sizeof key, "%s-%d", LODE_OFFSETS_TOPIC, partition);
    lode_purgatory_check(b->fetch_waits, key);
    write_t *w = calloc(1, sizeof *w);
    if (!w) {
        lode_log_release(log);
        return LODE_ENOMEM;
    }
    *w = (write_t){b, log, done, arg};
    atomic_fetch_add(&b->group_writes, 1);
    rc = lode_flusher_wait(b->flusher, log, info.last_offset + 1, written, w);
    if (rc) {
        atomic_fetch_sub(&b->group_writes, 1);
        lode_log_release(log);
        free(w);
    }
    return rc;
}

int lode_broker_groups_start(lode_broker_t *b)
{
    const lode_config_t *cfg = b->cfg;
    lode_gc_config_t gcfg = {
        .num_partitions = lode_config_get_int(cfg, "offsets.topic.num.partitions"),
        .min_session_timeout_ms = lode_config_get_int(cfg, "group.min.session.timeout.ms"),
        .max_session_timeout_ms = lode_config_get_int(cfg, "group.max.session.timeout.ms"),
        .initial_rebalance_delay_ms = lode_config_get_int(cfg, "group.initial.rebalance.delay.ms"),
        .max_size = lode_config_get_int(cfg, "group.max.size"),
        .offset_metadata_max_bytes = lode_config_get_int(cfg, "offset.metadata.max.bytes"),
        .offsets_retention_ms =
            (int64_t)lode_config_get_int(cfg, "offsets.retention.minutes") * 60000,
        .retention_check_interval_ms =
            lode_config_get_int64(cfg, "offsets.retention.check.interval.ms"),
    };
    lode_gc_store_t store = {.ctx = b, .append = store_append};
    b->groups = lode_gc_new(&gcfg, &store, b->clock, b->timer);
    return b->groups ? 0 : LODE_ENOMEM;
}

void lode_broker_groups_stop(lode_broker_t *b)
{
    if (!b->groups)
        return;
    /* Writes in flight call back into the coordinator: the flusher (still
     * running) finishes them within an fsync or two. */
    for (int i = 0; i < 30000 && atomic_load(&b->group_writes) > 0; i++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    if (atomic_load(&b->group_writes) > 0)
        LODE_LOG_ERROR(COMPONENT, "group coordinator writes still pending at shutdown");
    else
        lode_gc_free(b->groups);
    b->groups = NULL;
}

void lode_broker_groups_on_image(lode_broker_t *b, const lode_image_t *img)
{
    const lode_topic_info_t *t = lode_image_topic(img, LODE_OFFSETS_TOPIC);
    for (int32_t p = 0; t && p < t->npartitions; p++) {
        if (t->partitions[p].leader != b->node_id) {
            lode_gc_unload(b->groups, p);
            continue;
        }
        if (lode_gc_serves(b->groups, p))
            continue;
        lode_log_t *log = lode_logmgr_get(b->logs, LODE_OFFSETS_TOPIC, p);
        if (!log)
            continue;
        size_t skipped = 0;
        int rc = lode_gc_load(b->groups, p, log, &skipped);
        if (rc)
            LODE_LOG_ERROR(COMPONENT, "loading %s-%d failed: %s", LODE_OFFSETS_TOPIC, p,
                           lode_strerror(rc));
        if (skipped)
            LODE_LOG_WARN(COMPONENT, "%s-%d: %zu records that do not decode were skipped",
                          LODE_OFFSETS_TOPIC, p, skipped);
        lode_log_release(log);
    }
}

static void created(void *arg, const lode_ctl_error_t *err, const uint8_t *topic_id)
{
    (void)topic_id;
    lode_broker_t *b = arg;
    if (err->code && err->code != LODE_KERR_TOPIC_ALREADY_EXISTS)
        LODE_LOG_WARN(COMPONENT, "creating %s failed: %s (%s)", LODE_OFFSETS_TOPIC,
                      lode_kerr_name(err->code), err->message);
    atomic_store(&b->offsets_topic_creating, false);
}

void lode_broker_create_offsets_topic(lode_broker_t *b)
{
    lode_controller_t *c = lode_broker_controller(b);
    if (!c || atomic_exchange(&b->offsets_topic_creating, true))
        return;
    char segment[32];
    snprintf(segment, sizeof segment, "%d",
             lode_config_get_int(b->cfg, "offsets.topic.segment.bytes"));
    const char *keys[] = {"cleanup.policy", "compression.type", "segment.bytes"};
    const char *values[] = {"compact", "producer", segment};
    lode_new_topic_t nt = {
        .name = LODE_OFFSETS_TOPIC,
        .partitions = lode_config_get_int(b->cfg, "offsets.topic.num.partitions"),
        .replication = (int16_t)lode_config_get_int(b->cfg, "offsets.topic.replication.factor"),
        .config_keys = keys,
        .config_values = values,
        .nconfigs = 3,
    };
    LODE_LOG_INFO(COMPONENT, "creating %s (%d partitions) for the group coordinator",
                  LODE_OFFSETS_TOPIC, nt.partitions);
    lode_controller_create_topic(c, &nt, false, created, b);
}
