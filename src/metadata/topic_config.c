/*
 * topic_config.c — Kafka 4.0's topic configs and their resolution (see
 * topic_config.h).
 */
#include "metadata/topic_config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LMAX 9.223372036854775807e18
#define IMAX 2147483647.0

static const char *const CLEANUP[] = {"compact", "delete", NULL};
static const char *const CODECS[] = {"uncompressed", "zstd",     "lz4", "snappy",
                                     "gzip",         "producer", NULL};
static const char *const TS_TYPES[] = {"CreateTime", "LogAppendTime", NULL};

#define SYN1(a)                                                                                    \
    {a, NULL, NULL, NULL},                                                                         \
    {                                                                                              \
        1, 0, 0, 0                                                                                 \
    }
#define NOSYN                                                                                      \
    {NULL, NULL, NULL, NULL},                                                                      \
    {                                                                                              \
        0, 0, 0, 0                                                                                 \
    }

/* In name order (lode_topic_config_def searches by name). */
static const lode_topic_config_def_t DEFS[] = {
    {"cleanup.policy", LODE_CONFIG_TYPE_LIST, "delete", 0, 0, CLEANUP, SYN1("log.cleanup.policy"),
     "delete old segments, compact by key, or both"},
    {"compression.gzip.level", LODE_CONFIG_TYPE_INT, "-1", -1, 9, NULL,
     SYN1("compression.gzip.level"), "gzip level when the topic recompresses"},
    {"compression.lz4.level", LODE_CONFIG_TYPE_INT, "9", 1, 17, NULL, SYN1("compression.lz4.level"),
     "lz4 level when the topic recompresses"},
    {"compression.type", LODE_CONFIG_TYPE_STRING, "producer", 0, 0, CODECS,
     SYN1("compression.type"), "codec of stored batches; producer keeps the producer's"},
    {"compression.zstd.level", LODE_CONFIG_TYPE_INT, "3", -131072, 22, NULL,
     SYN1("compression.zstd.level"), "zstd level when the topic recompresses"},
    {"delete.retention.ms", LODE_CONFIG_TYPE_LONG, "86400000", 0, LMAX, NULL,
     SYN1("log.cleaner.delete.retention.ms"), "how long tombstones survive compaction"},
    {"file.delete.delay.ms", LODE_CONFIG_TYPE_LONG, "60000", 0, LMAX, NULL,
     SYN1("log.segment.delete.delay.ms"), "delay before a removed segment's files are unlinked"},
    {"flush.messages", LODE_CONFIG_TYPE_LONG, "9223372036854775807", 1, LMAX, NULL,
     SYN1("log.flush.interval.messages"), "fsync after this many messages"},
    {"flush.ms", LODE_CONFIG_TYPE_LONG, "9223372036854775807", 0, LMAX, NULL,
     SYN1("log.flush.interval.ms"), "fsync when unflushed data is this old"},
    {"follower.replication.throttled.replicas", LODE_CONFIG_TYPE_LIST, "", 0, 0, NULL, NOSYN,
     "replicas throttled on the follower side"},
    {"index.interval.bytes", LODE_CONFIG_TYPE_INT, "4096", 0, IMAX, NULL,
     SYN1("log.index.interval.bytes"), "bytes between offset-index entries"},
    {"leader.replication.throttled.replicas", LODE_CONFIG_TYPE_LIST, "", 0, 0, NULL, NOSYN,
     "replicas throttled on the leader side"},
    {"local.retention.bytes", LODE_CONFIG_TYPE_LONG, "-2", -2, LMAX, NULL,
     SYN1("log.local.retention.bytes"),
     "local bytes kept with tiered storage (-2: retention.bytes)"},
    {"local.retention.ms", LODE_CONFIG_TYPE_LONG, "-2", -2, LMAX, NULL,
     SYN1("log.local.retention.ms"), "local time kept with tiered storage (-2: retention.ms)"},
    {"max.compaction.lag.ms", LODE_CONFIG_TYPE_LONG, "9223372036854775807", 1, LMAX, NULL,
     SYN1("log.cleaner.max.compaction.lag.ms"), "longest a record stays uncompacted"},
    {"max.message.bytes", LODE_CONFIG_TYPE_INT, "1048588", 0, IMAX, NULL, SYN1("message.max.bytes"),
     "largest record batch accepted"},
    {"message.timestamp.after.max.ms", LODE_CONFIG_TYPE_LONG, "3600000", 0, LMAX, NULL,
     SYN1("log.message.timestamp.after.max.ms"), "how far in the future a timestamp may be"},
    {"message.timestamp.before.max.ms", LODE_CONFIG_TYPE_LONG, "9223372036854775807", 0, LMAX, NULL,
     SYN1("log.message.timestamp.before.max.ms"), "how far in the past a timestamp may be"},
    {"message.timestamp.type", LODE_CONFIG_TYPE_STRING, "CreateTime", 0, 0, TS_TYPES,
     SYN1("log.message.timestamp.type"), "producer's timestamps or the broker's append time"},
    {"min.cleanable.dirty.ratio", LODE_CONFIG_TYPE_DOUBLE, "0.5", 0, 1, NULL,
     SYN1("log.cleaner.min.cleanable.ratio"), "dirty share of a log that triggers compaction"},
    {"min.compaction.lag.ms", LODE_CONFIG_TYPE_LONG, "0", 0, LMAX, NULL,
     SYN1("log.cleaner.min.compaction.lag.ms"), "shortest a record stays uncompacted"},
    {"min.insync.replicas", LODE_CONFIG_TYPE_INT, "1", 1, IMAX, NULL, SYN1("min.insync.replicas"),
     "replicas that must have an acks=all write"},
    {"preallocate", LODE_CONFIG_TYPE_BOOLEAN, "false", 0, 0, NULL, SYN1("log.preallocate"),
     "reserve a segment's disk space when it is created"},
    {"remote.storage.enable", LODE_CONFIG_TYPE_BOOLEAN, "false", 0, 0, NULL, NOSYN,
     "tiered storage for the topic"},
    {"retention.bytes", LODE_CONFIG_TYPE_LONG, "-1", -LMAX, LMAX, NULL, SYN1("log.retention.bytes"),
     "size a partition's log is trimmed to (-1: no limit)"},
    {"retention.ms",
     LODE_CONFIG_TYPE_LONG,
     "604800000",
     -1,
     LMAX,
     NULL,
     {"log.retention.ms", "log.retention.minutes", "log.retention.hours", NULL},
     {1, 60000, 3600000, 0},
     "age after which segments are deleted (-1: no limit)"},
    {"segment.bytes", LODE_CONFIG_TYPE_INT, "1073741824", 1048576, IMAX, NULL,
     SYN1("log.segment.bytes"), "size at which a segment rolls"},
    {"segment.index.bytes", LODE_CONFIG_TYPE_INT, "10485760", 4, IMAX, NULL,
     SYN1("log.index.size.max.bytes"), "size of a segment's offset index"},
    {"segment.jitter.ms",
     LODE_CONFIG_TYPE_LONG,
     "0",
     0,
     LMAX,
     NULL,
     {"log.roll.jitter.ms", "log.roll.jitter.hours", NULL, NULL},
     {1, 3600000, 0, 0},
     "random reduction of segment.ms"},
    {"segment.ms",
     LODE_CONFIG_TYPE_LONG,
     "604800000",
     1,
     LMAX,
     NULL,
     {"log.roll.ms", "log.roll.hours", NULL, NULL},
     {1, 3600000, 0, 0},
     "age at which a segment rolls"},
    {"unclean.leader.election.enable", LODE_CONFIG_TYPE_BOOLEAN, "false", 0, 0, NULL,
     SYN1("unclean.leader.election.enable"), "let an out-of-sync replica lead"},
};

#define NDEFS (sizeof DEFS / sizeof DEFS[0])

const lode_topic_config_def_t *lode_topic_config_defs(size_t *n)
{
    *n = NDEFS;
    return DEFS;
}

const lode_topic_config_def_t *lode_topic_config_def(const char *name)
{
    for (size_t i = 0; i < NDEFS; i++)
        if (!strcmp(DEFS[i].name, name))
            return &DEFS[i];
    return NULL;
}

static bool in_set(const char *const *set, const char *v, size_t len)
{
    for (size_t i = 0; set[i]; i++)
        if (strlen(set[i]) == len && !strncmp(set[i], v, len))
            return true;
    return false;
}

static const char *type_name(int type)
{
    switch (type) {
    case LODE_CONFIG_TYPE_INT:
        return "INT";
    case LODE_CONFIG_TYPE_LONG:
        return "LONG";
    case LODE_CONFIG_TYPE_DOUBLE:
        return "DOUBLE";
    case LODE_CONFIG_TYPE_BOOLEAN:
        return "BOOLEAN";
    default:
        return "STRING";
    }
}

static void list_set(const char *const *set, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; set[i] && o + 2 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? ", " : "", set[i]);
}

const char *lode_topic_config_check(const char *name, const char *value, char *buf, size_t cap)
{
    const lode_topic_config_def_t *d = lode_topic_config_def(name);
    if (!d) {
        snprintf(buf, cap, "Unknown topic config name: %s", name);
        return buf;
    }
    if (!value) {
        snprintf(buf, cap, "Null value not supported for topic configs: %s", name);
        return buf;
    }
    size_t len = strlen(value);
    char set[256];
    switch (d->type) {
    case LODE_CONFIG_TYPE_INT:
    case LODE_CONFIG_TYPE_LONG:
    case LODE_CONFIG_TYPE_DOUBLE: {
        double v;
        int rc;
        if (d->type == LODE_CONFIG_TYPE_DOUBLE) {
            rc = lode_parse_java_double(value, len, &v);
        } else if (d->type == LODE_CONFIG_TYPE_INT) {
            int32_t i;
            rc = lode_parse_java_int32(value, len, &i);
            v = i;
        } else {
            int64_t l;
            rc = lode_parse_java_int64(value, len, &l);
            v = (double)l;
        }
        if (rc) {
            snprintf(buf, cap, "Invalid value %s for configuration %s: Not a number of type %s",
                     value, name, type_name(d->type));
            return buf;
        }
        if (!strcmp(name, "compression.gzip.level") && v == 0)
            v = -2; /* Kafka allows -1 or 1..9 */
        if (v < d->min) {
            snprintf(buf, cap,
                     "Invalid value %s for configuration %s: Value must be at least %.17g", value,
                     name, d->min);
            return buf;
        }
        if (v > d->max) {
            snprintf(buf, cap,
                     "Invalid value %s for configuration %s: Value must be no more than %.17g",
                     value, name, d->max);
            return buf;
        }
        return NULL;
    }
    case LODE_CONFIG_TYPE_BOOLEAN: {
        bool b;
        if (lode_parse_java_bool(value, len, &b)) {
            snprintf(buf, cap,
                     "Invalid value %s for configuration %s: Expected value to be either "
                     "true or false",
                     value, name);
            return buf;
        }
        return NULL;
    }
    case LODE_CONFIG_TYPE_STRING:
        if (d->values && !in_set(d->values, value, len)) {
            list_set(d->values, set, sizeof set);
            snprintf(buf, cap, "Invalid value %s for configuration %s: String must be one of: %s",
                     value, name, set);
            return buf;
        }
        return NULL;
    default: { /* LIST */
        if (!d->values)
            return NULL;
        lode_strlist_t l;
        lode_parse_kafka_list(value, len, &l);
        const char *bad = NULL;
        for (size_t i = 0; i < l.count && !bad; i++)
            if (!in_set(d->values, l.items[i], strlen(l.items[i])))
                bad = l.items[i];
        if (bad) {
            list_set(d->values, set, sizeof set);
            snprintf(buf, cap,
                     "Invalid value %s for configuration %s: Invalid value %s; valid "
                     "values are: %s",
                     value, name, bad, set);
        }
        lode_strlist_free(&l);
        return bad ? buf : NULL;
    }
    }
}

size_t lode_topic_config_resolve(const lode_image_t *img, const lode_props_t *static_props,
                                 int32_t node_id, const char *topic,
                                 const lode_topic_config_def_t *def, lode_config_synonym_t *out)
{
    size_t n = 0;
    const char *v =
        topic ? lode_image_config(img, LODE_CONFIG_RESOURCE_TOPIC, topic, def->name) : NULL;
    if (v)
        out[n++] = (lode_config_synonym_t){def->name, v, LODE_CONFIG_SOURCE_DYNAMIC_TOPIC};
    char node[16];
    snprintf(node, sizeof node, "%d", node_id);
    for (int s = 0; s < 4 && def->synonyms[s]; s++) {
        const char *syn = def->synonyms[s];
        if ((v = lode_image_config(img, LODE_CONFIG_RESOURCE_BROKER, node, syn)))
            out[n++] = (lode_config_synonym_t){syn, v, LODE_CONFIG_SOURCE_DYNAMIC_BROKER};
        if ((v = lode_image_config(img, LODE_CONFIG_RESOURCE_BROKER, "", syn)))
            out[n++] = (lode_config_synonym_t){syn, v, LODE_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER};
        if (static_props && (v = lode_props_get(static_props, syn)))
            out[n++] = (lode_config_synonym_t){syn, v, LODE_CONFIG_SOURCE_STATIC_BROKER};
    }
    out[n++] = (lode_config_synonym_t){def->synonyms[0] ? def->synonyms[0] : def->name, def->dflt,
                                       LODE_CONFIG_SOURCE_DEFAULT};
    return n;
}

const char *lode_topic_config_value(const lode_image_t *img, const lode_props_t *static_props,
                                    int32_t node_id, const char *topic,
                                    const lode_topic_config_def_t *def, char *buf, size_t cap)
{
    lode_config_synonym_t chain[16];
    lode_topic_config_resolve(img, static_props, node_id, topic, def, chain);
    const lode_config_synonym_t *e = &chain[0];
    int64_t scale = 1;
    for (int s = 0; s < 4 && def->synonyms[s]; s++)
        if (!strcmp(def->synonyms[s], e->name) && e->source != LODE_CONFIG_SOURCE_DYNAMIC_TOPIC &&
            e->source != LODE_CONFIG_SOURCE_DEFAULT)
            scale = def->synonym_scale[s] ? def->synonym_scale[s] : 1;
    if (scale != 1) {
        int64_t v;
        if (lode_parse_java_int64(e->value, strlen(e->value), &v) == 0) {
            snprintf(buf, cap, "%" PRId64, v > INT64_MAX / scale ? INT64_MAX : v * scale);
            return buf;
        }
    }
    snprintf(buf, cap, "%s", e->value);
    return buf;
}

static int64_t as_i64(const lode_image_t *img, const lode_props_t *p, int32_t node,
                      const char *topic, const char *name)
{
    char buf[64];
    const char *v =
        lode_topic_config_value(img, p, node, topic, lode_topic_config_def(name), buf, sizeof buf);
    int64_t out = 0;
    lode_parse_java_int64(v, strlen(v), &out);
    return out;
}

void lode_topic_log_config(const lode_image_t *img, const lode_props_t *p, int32_t node,
                           const char *topic, lode_log_config_t *out)
{
    lode_log_config_defaults(out);
    out->segment_bytes = as_i64(img, p, node, topic, "segment.bytes");
    out->segment_ms = as_i64(img, p, node, topic, "segment.ms");
    out->segment_jitter_ms = as_i64(img, p, node, topic, "segment.jitter.ms");
    out->segment_index_bytes = as_i64(img, p, node, topic, "segment.index.bytes");
    out->index_interval_bytes = as_i64(img, p, node, topic, "index.interval.bytes");
    out->max_message_bytes = as_i64(img, p, node, topic, "max.message.bytes");
    out->flush_messages = as_i64(img, p, node, topic, "flush.messages");
    out->flush_ms = as_i64(img, p, node, topic, "flush.ms");
    out->retention_ms = as_i64(img, p, node, topic, "retention.ms");
    out->retention_bytes = as_i64(img, p, node, topic, "retention.bytes");
    out->delete_retention_ms = as_i64(img, p, node, topic, "delete.retention.ms");
    out->min_compaction_lag_ms = as_i64(img, p, node, topic, "min.compaction.lag.ms");
    out->max_compaction_lag_ms = as_i64(img, p, node, topic, "max.compaction.lag.ms");
    out->file_delete_delay_ms = as_i64(img, p, node, topic, "file.delete.delay.ms");
    char buf[256];
    const char *v = lode_topic_config_value(
        img, p, node, topic, lode_topic_config_def("cleanup.policy"), buf, sizeof buf);
    lode_strlist_t l;
    lode_parse_kafka_list(v, strlen(v), &l);
    out->cleanup_delete = out->cleanup_compact = false;
    for (size_t i = 0; i < l.count; i++) {
        if (!strcmp(l.items[i], "delete"))
            out->cleanup_delete = true;
        if (!strcmp(l.items[i], "compact"))
            out->cleanup_compact = true;
    }
    lode_strlist_free(&l);
    v = lode_topic_config_value(
        img, p, node, topic, lode_topic_config_def("min.cleanable.dirty.ratio"), buf, sizeof buf);
    lode_parse_java_double(v, strlen(v), &out->min_cleanable_dirty_ratio);
    v = lode_topic_config_value(img, p, node, topic,
                                lode_topic_config_def("message.timestamp.type"), buf, sizeof buf);
    out->timestamp_type =
        !strcmp(v, "LogAppendTime") ? LODE_TIMESTAMP_LOG_APPEND_TIME : LODE_TIMESTAMP_CREATE_TIME;
    v = lode_topic_config_value(img, p, node, topic, lode_topic_config_def("preallocate"), buf,
                                sizeof buf);
    lode_parse_java_bool(v, strlen(v), &out->preallocate);
}
