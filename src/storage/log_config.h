/*
 * log_config.h — the per-log settings the storage engine honours, with
 * Kafka's topic-config names and defaults. The metadata layer computes the
 * effective values (topic override → broker → default) and hands a filled
 * struct to the log; storage never parses config strings itself.
 */
#ifndef LODE_STORAGE_LOG_CONFIG_H
#define LODE_STORAGE_LOG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/record_batch.h"

typedef struct lode_log_config {
    int64_t segment_bytes;                /* segment.bytes (1 GiB) */
    int64_t segment_ms;                   /* segment.ms (7 days) */
    int64_t segment_jitter_ms;            /* segment.jitter.ms (0) */
    int64_t segment_index_bytes;          /* segment.index.bytes (10 MiB) */
    int64_t index_interval_bytes;         /* index.interval.bytes (4096) */
    int64_t max_message_bytes;            /* max.message.bytes (1048588) */
    int64_t flush_messages;               /* flush.messages (INT64_MAX: never by count) */
    int64_t flush_ms;                     /* flush.ms (INT64_MAX: never by time) */
    int64_t retention_ms;                 /* retention.ms (7 days; -1 = unlimited) */
    int64_t retention_bytes;              /* retention.bytes (-1 = unlimited) */
    bool cleanup_delete;                  /* cleanup.policy contains "delete" */
    bool cleanup_compact;                 /* cleanup.policy contains "compact" */
    int64_t delete_retention_ms;          /* delete.retention.ms (1 day) */
    double min_cleanable_dirty_ratio;     /* min.cleanable.dirty.ratio (0.5) */
    int64_t min_compaction_lag_ms;        /* min.compaction.lag.ms (0) */
    int64_t max_compaction_lag_ms;        /* max.compaction.lag.ms (INT64_MAX) */
    int64_t file_delete_delay_ms;         /* file.delete.delay.ms (60000) */
    lode_timestamp_type_t timestamp_type; /* message.timestamp.type (CreateTime) */
    bool preallocate;                     /* preallocate (false) */
    int64_t producer_id_expiration_ms;    /* broker's producer.id.expiration.ms (1 day) */
} lode_log_config_t;

/* Fills c with Kafka's defaults. */
void lode_log_config_defaults(lode_log_config_t *c);

/*
 * The lode_batch_validate flags (proto/record_batch.h) that a producer's
 * batch for a log with this config needs on top of LODE_BATCH_V_CLIENT:
 * compacted logs require keys (Kafka answers INVALID_RECORD). The produce
 * path validates before lode_log_append, which trusts its input's records.
 */
unsigned lode_log_config_validate_flags(const lode_log_config_t *c);

#endif
