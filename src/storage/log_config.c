#include "storage/log_config.h"

void lode_log_config_defaults(lode_log_config_t *c)
{
    c->segment_bytes = 1073741824;
    c->segment_ms = 7LL * 24 * 3600 * 1000;
    c->segment_jitter_ms = 0;
    c->segment_index_bytes = 10485760;
    c->index_interval_bytes = 4096;
    c->max_message_bytes = 1048588;
    c->flush_messages = INT64_MAX;
    c->flush_ms = INT64_MAX;
    c->retention_ms = 7LL * 24 * 3600 * 1000;
    c->retention_bytes = -1;
    c->cleanup_delete = true;
    c->cleanup_compact = false;
    c->delete_retention_ms = 24LL * 3600 * 1000;
    c->min_cleanable_dirty_ratio = 0.5;
    c->min_compaction_lag_ms = 0;
    c->max_compaction_lag_ms = INT64_MAX;
    c->file_delete_delay_ms = 60000;
    c->timestamp_type = LODE_TIMESTAMP_CREATE_TIME;
    c->preallocate = false;
    c->producer_id_expiration_ms = 86400000;
}

unsigned lode_log_config_validate_flags(const lode_log_config_t *c)
{
    unsigned flags = LODE_BATCH_V_CLIENT;
    if (c->cleanup_compact)
        flags |= LODE_BATCH_V_REQUIRE_KEYS;
    return flags;
}
