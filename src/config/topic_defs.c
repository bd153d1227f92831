/*
 * topic_defs.c — Apache Kafka 4.0's topic configs (TopicConfig plus the two
 * replication-throttle lists LogConfig adds), with their defaults,
 * validators and the broker configs that provide their server defaults, in
 * precedence order (ServerTopicConfigSynonyms).
 *
 * Kafka 4.0 specifics (KIP-1030 and removals): segment.bytes at least 1 MiB,
 * message.timestamp.after.max.ms one hour, message.downconversion.enable kept
 * as a deprecated no-op; message.format.version and
 * message.timestamp.difference.max.ms are gone. Configs without a synonym
 * (remote.storage.enable, remote.log.*.disable, the throttled-replica lists)
 * have no server default and always report their own default.
 *
 * Descriptions are our own words.
 */
#include "config/config_int.h"

#define LMAX "9223372036854775807"

#define DEF(name_, type_, dflt_, imp_, flags_, valid_, doc_, ...)                                  \
    {                                                                                              \
        .name = (name_), .type = LODE_CFG_TYPE_##type_, .dflt = (dflt_),                           \
        .importance = LODE_CFG_IMP_##imp_, .mode = LODE_CFG_MODE_TOPIC,                            \
        .kind = LODE_CFG_KIND_TOPIC, .flags = (flags_), valid_, .doc = (doc_), __VA_ARGS__         \
    }

/* Synonym lists: names, then the factors into the topic config's unit. */
#define NOSYN .synonyms = {NULL}
#define SYN(a) .synonyms = {(a)}, .synonym_scale = {1}
#define SYN_MS_H(ms, h) .synonyms = {(ms), (h)}, .synonym_scale = {1, LODE__MS_PER_HOUR}

const lode_config_def_t lode__config_topic_defs[] = {
    DEF("segment.bytes", INT, "1073741824", MEDIUM, 0, LODE__ATLEAST(1048576),
        "size at which the active segment rolls", SYN("log.segment.bytes")),
    DEF("segment.ms", LONG, "604800000", MEDIUM, 0, LODE__ATLEAST(1),
        "age at which the active segment rolls even if not full",
        SYN_MS_H("log.roll.ms", "log.roll.hours")),
    DEF("segment.jitter.ms", LONG, "0", MEDIUM, 0, LODE__ATLEAST(0),
        "random amount taken off segment.ms so partitions do not roll together",
        SYN_MS_H("log.roll.jitter.ms", "log.roll.jitter.hours")),
    DEF("segment.index.bytes", INT, "10485760", MEDIUM, 0, LODE__ATLEAST(4),
        "preallocated size of a segment's offset index", SYN("log.index.size.max.bytes")),
    DEF("flush.messages", LONG, LMAX, MEDIUM, 0, LODE__ATLEAST(1),
        "fsync after this many messages (default: leave it to replication)",
        SYN("log.flush.interval.messages")),
    DEF("flush.ms", LONG, LMAX, MEDIUM, 0, LODE__ATLEAST(0),
        "fsync when unflushed data is this old (default: leave it to replication)",
        .synonyms = {"log.flush.interval.ms", "log.flush.scheduler.interval.ms"},
        .synonym_scale = {1, 1}),
    DEF("retention.bytes", LONG, "-1", MEDIUM, 0, LODE__NOV,
        "size a partition is trimmed to by deleting old segments (-1: no limit)",
        SYN("log.retention.bytes")),
    DEF("retention.ms", LONG, "604800000", MEDIUM, 0, LODE__ATLEAST(-1),
        "age after which old segments are deleted (-1: no limit)",
        .synonyms = {"log.retention.ms", "log.retention.minutes", "log.retention.hours"},
        .synonym_scale = {1, LODE__MS_PER_MINUTE, LODE__MS_PER_HOUR}),
    DEF("max.message.bytes", INT, "1048588", MEDIUM, 0, LODE__ATLEAST(0),
        "largest record batch accepted, after compression", SYN("message.max.bytes")),
    DEF("index.interval.bytes", INT, "4096", MEDIUM, 0, LODE__ATLEAST(0),
        "log bytes between offset-index entries", SYN("log.index.interval.bytes")),
    DEF("delete.retention.ms", LONG, "86400000", MEDIUM, 0, LODE__ATLEAST(0),
        "how long compaction keeps tombstones", SYN("log.cleaner.delete.retention.ms")),
    DEF("min.compaction.lag.ms", LONG, "0", MEDIUM, 0, LODE__ATLEAST(0),
        "records younger than this are not compacted", SYN("log.cleaner.min.compaction.lag.ms")),
    DEF("max.compaction.lag.ms", LONG, LMAX, MEDIUM, 0, LODE__ATLEAST(1),
        "records older than this are compacted even below the dirty ratio",
        SYN("log.cleaner.max.compaction.lag.ms")),
    DEF("file.delete.delay.ms", LONG, "60000", MEDIUM, 0, LODE__ATLEAST(0),
        "delay before a removed segment's files are unlinked", SYN("log.segment.delete.delay.ms")),
    DEF("min.cleanable.dirty.ratio", DOUBLE, "0.5", MEDIUM, 0, LODE__BETWEEN(0, 1),
        "share of uncompacted log that makes a partition worth compacting",
        SYN("log.cleaner.min.cleanable.ratio")),
    DEF("cleanup.policy", LIST, "delete", MEDIUM, 0, LODE__LIST_IN(lode__config_cleanup),
        "delete old segments, compact by key, or both", SYN("log.cleanup.policy")),
    DEF("unclean.leader.election.enable", BOOLEAN, "false", MEDIUM, 0, LODE__NOV,
        "let an out-of-sync replica lead as a last resort (may lose data)",
        SYN("unclean.leader.election.enable")),
    DEF("min.insync.replicas", INT, "1", MEDIUM, 0, LODE__ATLEAST(1),
        "replicas that must have an acks=all write before it is acknowledged",
        SYN("min.insync.replicas")),
    DEF("compression.type", STRING, "producer", MEDIUM, 0, LODE__IN(lode__config_codecs),
        "codec of stored batches; producer keeps what the producer sent", SYN("compression.type")),
    DEF("compression.gzip.level", INT, "-1", MEDIUM, 0,
        LODE__CUSTOM(lode__config_check_gzip_level, "[1,...,9] or -1"),
        "gzip level when the topic's codec is gzip", SYN("compression.gzip.level")),
    DEF("compression.lz4.level", INT, "9", MEDIUM, 0, LODE__BETWEEN(1, 17),
        "lz4 level when the topic's codec is lz4", SYN("compression.lz4.level")),
    DEF("compression.zstd.level", INT, "3", MEDIUM, 0, LODE__BETWEEN(-131072, 22),
        "zstd level when the topic's codec is zstd", SYN("compression.zstd.level")),
    DEF("preallocate", BOOLEAN, "false", MEDIUM, 0, LODE__NOV,
        "reserve a segment's full size on disk when it is created", SYN("log.preallocate")),
    DEF("message.timestamp.type", STRING, "CreateTime", MEDIUM, 0, LODE__IN(lode__config_ts_types),
        "keep the producer's timestamps or stamp the broker's append time",
        SYN("log.message.timestamp.type")),
    DEF("message.timestamp.before.max.ms", LONG, LMAX, MEDIUM, 0, LODE__ATLEAST(0),
        "how far in the past a CreateTime timestamp may be",
        SYN("log.message.timestamp.before.max.ms")),
    DEF("message.timestamp.after.max.ms", LONG, "3600000", MEDIUM, 0, LODE__ATLEAST(0),
        "how far in the future a CreateTime timestamp may be",
        SYN("log.message.timestamp.after.max.ms")),
    DEF("leader.replication.throttled.replicas", LIST, "", MEDIUM, 0,
        LODE__CUSTOM(lode__config_check_throttled,
                     "[partitionId]:[brokerId],[partitionId]:[brokerId],..."),
        "replicas whose replication the leader throttles ('*': all)", NOSYN),
    DEF("follower.replication.throttled.replicas", LIST, "", MEDIUM, 0,
        LODE__CUSTOM(lode__config_check_throttled,
                     "[partitionId]:[brokerId],[partitionId]:[brokerId],..."),
        "replicas whose replication the follower throttles ('*': all)", NOSYN),
    DEF("message.downconversion.enable", BOOLEAN, "true", LOW, LODE_CFG_F_DEPRECATED, LODE__NOV,
        "no effect since Kafka 4.0 (there is no down-conversion)",
        SYN("log.message.downconversion.enable")),
    DEF("remote.storage.enable", BOOLEAN, "false", MEDIUM, 0, LODE__NOV,
        "tiered storage for the topic (lode has none)", NOSYN),
    DEF("local.retention.ms", LONG, "-2", MEDIUM, 0, LODE__ATLEAST(-2),
        "local age kept with tiered storage (-2: retention.ms)", SYN("log.local.retention.ms")),
    DEF("local.retention.bytes", LONG, "-2", MEDIUM, 0, LODE__ATLEAST(-2),
        "local size kept with tiered storage (-2: retention.bytes)",
        SYN("log.local.retention.bytes")),
    DEF("remote.log.copy.disable", BOOLEAN, "false", MEDIUM, 0, LODE__NOV,
        "stop copying the topic to tiered storage", NOSYN),
    DEF("remote.log.delete.on.disable", BOOLEAN, "false", MEDIUM, 0, LODE__NOV,
        "delete tiered data when tiered storage is turned off", NOSYN),
};

const size_t lode__config_topic_ndefs =
    sizeof lode__config_topic_defs / sizeof lode__config_topic_defs[0];
