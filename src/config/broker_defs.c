/*
 * broker_defs.c — the broker configs lode knows, with Apache Kafka 4.0's
 * names, types, defaults, validators, importance and update modes.
 *
 * Sources (read, not copied): Kafka's ServerConfigs, KRaftConfigs,
 * SocketServerConfigs, ReplicationConfigs, GroupCoordinatorConfig,
 * CleanerConfig, LogConfig.SERVER_CONFIG_DEF, ServerLogConfigs,
 * RemoteLogManagerConfig, TransactionLogConfig,
 * TransactionStateManagerConfig, QuorumConfig, SslConfigs and
 * BrokerSecurityConfigs; update modes from DynamicBrokerConfig's sets
 * (per-broker: listener and security configs; cluster-wide: the log.*
 * configs that are the first synonym of a topic config, the cleaner's,
 * thread pools', connection limits', producer-state ones). Kafka 4.0
 * changes over 3.x that matter here (KIP-1030): log.segment.bytes at least
 * 1 MiB, num.recovery.threads.per.data.dir 2,
 * log.message.timestamp.after.max.ms one hour; removed in 4.0 and so absent:
 * the ZooKeeper configs, log.message.format.version,
 * log.message.timestamp.difference.max.ms, control.plane.listener.name.
 *
 * The order is definition order: a whole configuration is validated in it,
 * so the first invalid value reported is the first in this table (Kafka's
 * merged ConfigDef has a similar grouping). Descriptions are our own words.
 */
#include <stdbool.h>
#include <string.h>

#include "config/config_int.h"

static const char *const ROLES[] = {"broker", "controller", NULL};
static const char *const PROTOCOLS[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL", NULL};
static const char *const CLIENT_AUTH[] = {"required", "requested", "none", NULL};

#define LMAX "9223372036854775807"
#define IMAX "2147483647"

#define DEF(name_, type_, dflt_, imp_, mode_, flags_, valid_, doc_)                                \
    {                                                                                              \
        .name = (name_), .type = LODE_CFG_TYPE_##type_, .dflt = (dflt_),                           \
        .importance = LODE_CFG_IMP_##imp_, .mode = (mode_), .kind = LODE_CFG_KIND_BROKER,          \
        .flags = (flags_), valid_, .doc = (doc_)                                                   \
    }

/* Mode shorthands. */
#define RO LODE_CFG_MODE_READ_ONLY
#define PB LODE_CFG_MODE_PER_BROKER
#define CW LODE_CFG_MODE_CLUSTER_WIDE
#define REQ LODE_CFG_F_REQUIRED
#define INTERNAL LODE_CFG_F_INTERNAL
#define DEPRECATED LODE_CFG_F_DEPRECATED

const lode_config_def_t lode__config_broker_defs[] = {
    /* ---- server basics (ServerConfigs) ---- */
    DEF("broker.id", INT, "-1", HIGH, RO, 0, LODE__NOV,
        "old name of node.id; when both are set they must agree"),
    DEF("message.max.bytes", INT, "1048588", HIGH, CW, 0, LODE__ATLEAST(0),
        "largest record batch the broker accepts (topic default of max.message.bytes)"),
    DEF("num.io.threads", INT, "8", HIGH, CW, 0, LODE__ATLEAST(1),
        "threads that run request handlers"),
    DEF("background.threads", INT, "10", HIGH, CW, 0, LODE__ATLEAST(1),
        "threads for background housekeeping"),
    DEF("request.timeout.ms", INT, "30000", HIGH, RO, 0, LODE__NOV,
        "how long the broker's own requests to other nodes may take"),
    DEF("delete.topic.enable", BOOLEAN, "true", HIGH, RO, 0, LODE__NOV,
        "whether DeleteTopics may delete topics"),
    DEF("compression.type", STRING, "producer", HIGH, CW, 0, LODE__IN(lode__config_codecs),
        "codec of stored batches; producer keeps what the producer sent"),
    DEF("compression.gzip.level", INT, "-1", MEDIUM, CW, 0,
        LODE__CUSTOM(lode__config_check_gzip_level, "[1,...,9] or -1"),
        "gzip level when the broker recompresses"),
    DEF("compression.lz4.level", INT, "9", MEDIUM, CW, 0, LODE__BETWEEN(1, 17),
        "lz4 level when the broker recompresses"),
    DEF("compression.zstd.level", INT, "3", MEDIUM, CW, 0, LODE__BETWEEN(-131072, 22),
        "zstd level when the broker recompresses"),
    DEF("broker.rack", STRING, NULL, MEDIUM, RO, 0, LODE__NOV,
        "rack of this broker, for rack-aware replica placement"),
    DEF("controlled.shutdown.enable", BOOLEAN, "true", MEDIUM, RO, 0, LODE__NOV,
        "hand leadership away before stopping"),
    DEF("fetch.max.bytes", INT, "57671680", MEDIUM, RO, 0, LODE__ATLEAST(1024),
        "most bytes one fetch response carries"),
    DEF("max.incremental.fetch.session.cache.slots", INT, "1000", MEDIUM, RO, 0, LODE__ATLEAST(0),
        "incremental fetch sessions the broker keeps"),
    DEF("max.request.partition.size.limit", INT, "2000", MEDIUM, RO, 0, LODE__ATLEAST(1),
        "most partitions one request may name"),
    DEF("authorizer.class.name", STRING, "", LOW, RO, 0, LODE__NOV,
        "authorizer to use; empty means none"),
    DEF("early.start.listeners", STRING, NULL, HIGH, RO, 0, LODE__NOV,
        "listeners started before the broker has caught up with metadata"),
    DEF("create.topic.policy.class.name", CLASS, NULL, LOW, RO, 0, LODE__NOV,
        "plug-in that vets topic creation"),
    DEF("alter.config.policy.class.name", CLASS, NULL, LOW, RO, 0, LODE__NOV,
        "plug-in that vets config changes"),

    /* ---- KRaft (KRaftConfigs) ---- */
    DEF("process.roles", LIST, NULL, HIGH, RO, REQ, LODE__LIST_IN(ROLES),
        "what this process is: broker, controller or both"),
    DEF("node.id", INT, NULL, HIGH, RO, REQ, LODE__NOV, "this node's id in the cluster"),
    DEF("initial.broker.registration.timeout.ms", INT, "60000", MEDIUM, RO, 0, LODE__NOV,
        "how long a starting broker waits to register before giving up"),
    DEF("broker.heartbeat.interval.ms", INT, "2000", MEDIUM, RO, 0, LODE__NOV,
        "time between a broker's heartbeats to the controller"),
    DEF("broker.session.timeout.ms", INT, "9000", MEDIUM, RO, 0, LODE__NOV,
        "a broker without heartbeats this long is fenced"),
    DEF("controller.listener.names", STRING, NULL, HIGH, RO, 0, LODE__NOV,
        "listeners the controller serves (the first one is used to reach it)"),
    DEF("sasl.mechanism.controller.protocol", STRING, "GSSAPI", HIGH, RO, 0, LODE__NOV,
        "SASL mechanism for talking to controllers"),
    DEF("metadata.log.dir", STRING, NULL, HIGH, RO, 0, LODE__NOV,
        "where the metadata log lives (default: the first log dir)"),
    DEF("metadata.log.segment.bytes", INT, "1073741824", HIGH, RO, 0, LODE__ATLEAST(12),
        "segment size of the metadata log"),
    DEF("metadata.log.segment.ms", LONG, "604800000", HIGH, RO, 0, LODE__NOV,
        "age at which a metadata log segment rolls"),
    DEF("metadata.max.retention.bytes", LONG, "104857600", HIGH, RO, 0, LODE__NOV,
        "metadata log bytes kept behind the latest snapshot"),
    DEF("metadata.max.retention.ms", LONG, "604800000", HIGH, RO, 0, LODE__NOV,
        "how long metadata log segments are kept behind the latest snapshot"),
    DEF("metadata.log.max.record.bytes.between.snapshots", LONG, "20971520", HIGH, RO, 0,
        LODE__ATLEAST(1), "new metadata bytes that trigger a snapshot"),
    DEF("metadata.log.max.snapshot.interval.ms", LONG, "3600000", HIGH, RO, 0, LODE__ATLEAST(0),
        "longest time between metadata snapshots when there are changes (0: never by time)"),
    DEF("metadata.max.idle.interval.ms", INT, "500", LOW, RO, 0, LODE__ATLEAST(0),
        "the active controller appends a no-op record this often when idle"),

    /* ---- sockets and listeners (SocketServerConfigs) ---- */
    DEF("listeners", STRING, "PLAINTEXT://:9092", HIGH, PB, 0, LODE__NOV,
        "NAME://host:port endpoints the node listens on"),
    DEF("advertised.listeners", STRING, NULL, HIGH, PB, 0, LODE__NOV,
        "endpoints given to clients and other nodes (default: listeners)"),
    /* Kafka builds its default from a HashMap, hence this order. */
    DEF("listener.security.protocol.map", STRING,
        "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT", LOW, PB, 0,
        LODE__NOV, "security protocol of each listener name"),
    DEF("socket.send.buffer.bytes", INT, "102400", HIGH, RO, 0, LODE__NOV,
        "SO_SNDBUF of client sockets (-1: the OS default)"),
    DEF("socket.receive.buffer.bytes", INT, "102400", HIGH, RO, 0, LODE__NOV,
        "SO_RCVBUF of client sockets (-1: the OS default)"),
    DEF("socket.request.max.bytes", INT, "104857600", HIGH, RO, 0, LODE__ATLEAST(1),
        "largest request frame accepted"),
    DEF("socket.listen.backlog.size", INT, "50", MEDIUM, RO, 0, LODE__ATLEAST(1),
        "accept backlog of each listening socket"),
    DEF("max.connections.per.ip", INT, IMAX, MEDIUM, CW, 0, LODE__ATLEAST(0),
        "connections allowed from one address"),
    DEF("max.connections.per.ip.overrides", STRING, "", MEDIUM, CW, 0, LODE__NOV,
        "host:count exceptions to max.connections.per.ip"),
    DEF("max.connections", INT, IMAX, MEDIUM, CW, 0, LODE__ATLEAST(0),
        "connections the broker accepts in total"),
    DEF("max.connection.creation.rate", INT, IMAX, MEDIUM, CW, 0, LODE__ATLEAST(0),
        "new connections accepted per second"),
    DEF("connections.max.idle.ms", LONG, "600000", MEDIUM, RO, 0, LODE__NOV,
        "idle connections are closed after this long"),
    DEF("connection.failed.authentication.delay.ms", INT, "100", LOW, RO, 0, LODE__ATLEAST(0),
        "delay before closing a connection that failed to authenticate"),
    DEF("queued.max.requests", INT, "500", HIGH, RO, 0, LODE__ATLEAST(1),
        "requests queued for handlers before the network stops reading"),
    DEF("queued.max.request.bytes", LONG, "-1", MEDIUM, RO, 0, LODE__NOV,
        "bytes of queued requests before reading stops (-1: no limit)"),
    DEF("num.network.threads", INT, "3", HIGH, CW, 0, LODE__ATLEAST(1), "network reactor threads"),

    /* ---- replication (ReplicationConfigs) ---- */
    DEF("default.replication.factor", INT, "1", MEDIUM, RO, 0, LODE__NOV,
        "replication factor of topics created without one"),
    DEF("replica.lag.time.max.ms", LONG, "30000", HIGH, RO, 0, LODE__NOV,
        "a follower that has not caught up for this long leaves the ISR"),
    DEF("replica.socket.timeout.ms", INT, "30000", HIGH, RO, 0, LODE__NOV,
        "socket timeout of replica fetches"),
    DEF("replica.socket.receive.buffer.bytes", INT, "65536", HIGH, RO, 0, LODE__NOV,
        "SO_RCVBUF of replica fetcher sockets"),
    DEF("replica.fetch.max.bytes", INT, "1048576", MEDIUM, RO, 0, LODE__ATLEAST(0),
        "bytes a follower asks for per partition"),
    DEF("replica.fetch.wait.max.ms", INT, "500", HIGH, RO, 0, LODE__NOV,
        "longest a follower's fetch waits at the leader"),
    DEF("replica.fetch.backoff.ms", INT, "1000", MEDIUM, RO, 0, LODE__ATLEAST(0),
        "pause after a failed replica fetch"),
    DEF("replica.fetch.min.bytes", INT, "1", HIGH, RO, 0, LODE__NOV,
        "bytes a follower's fetch waits for"),
    DEF("replica.fetch.response.max.bytes", INT, "10485760", MEDIUM, RO, 0, LODE__ATLEAST(0),
        "bytes a follower asks for in one fetch"),
    DEF("num.replica.fetchers", INT, "1", HIGH, CW, 0, LODE__NOV,
        "fetcher threads per source broker"),
    DEF("replica.high.watermark.checkpoint.interval.ms", LONG, "5000", HIGH, RO, 0, LODE__NOV,
        "how often high watermarks are checkpointed"),
    DEF("fetch.purgatory.purge.interval.requests", INT, "1000", MEDIUM, RO, 0, LODE__NOV,
        "completed delayed fetches between purges"),
    DEF("producer.purgatory.purge.interval.requests", INT, "1000", MEDIUM, RO, 0, LODE__NOV,
        "completed delayed produces between purges"),
    DEF("delete.records.purgatory.purge.interval.requests", INT, "1", MEDIUM, RO, 0, LODE__NOV,
        "completed delayed record deletions between purges"),
    DEF("auto.leader.rebalance.enable", BOOLEAN, "true", HIGH, RO, 0, LODE__NOV,
        "move leadership back to preferred replicas"),
    DEF("leader.imbalance.per.broker.percentage", INT, "10", HIGH, RO, 0, LODE__NOV,
        "leader imbalance that triggers a rebalance"),
    DEF("leader.imbalance.check.interval.seconds", LONG, "300", HIGH, RO, 0, LODE__ATLEAST(1),
        "how often leader balance is checked"),
    DEF("unclean.leader.election.enable", BOOLEAN, "false", HIGH, CW, 0, LODE__NOV,
        "let an out-of-sync replica lead as a last resort (may lose data)"),
    DEF("security.inter.broker.protocol", STRING, "PLAINTEXT", MEDIUM, RO, 0, LODE__IN(PROTOCOLS),
        "protocol between brokers when inter.broker.listener.name is unset"),
    DEF("inter.broker.listener.name", STRING, NULL, MEDIUM, RO, 0, LODE__NOV,
        "listener brokers use to reach each other"),
    DEF("replica.selector.class", STRING, NULL, MEDIUM, RO, 0, LODE__NOV,
        "plug-in choosing the replica a consumer fetches from"),

    /* ---- groups and offsets (GroupCoordinatorConfig) ---- */
    DEF("group.min.session.timeout.ms", INT, "6000", MEDIUM, RO, 0, LODE__NOV,
        "shortest session timeout a classic group member may ask for"),
    DEF("group.max.session.timeout.ms", INT, "1800000", MEDIUM, RO, 0, LODE__NOV,
        "longest session timeout a classic group member may ask for"),
    DEF("group.initial.rebalance.delay.ms", INT, "3000", MEDIUM, RO, 0, LODE__NOV,
        "wait for more members before the first rebalance of an empty group"),
    DEF("group.max.size", INT, IMAX, MEDIUM, RO, 0, LODE__ATLEAST(1),
        "most members of one classic group"),
    DEF("offset.metadata.max.bytes", INT, "4096", HIGH, RO, 0, LODE__NOV,
        "longest metadata string of a committed offset"),
    DEF("offsets.load.buffer.size", INT, "5242880", HIGH, RO, 0, LODE__ATLEAST(1),
        "read size when loading __consumer_offsets"),
    DEF("offsets.topic.replication.factor", SHORT, "3", HIGH, RO, 0, LODE__ATLEAST(1),
        "replication factor of __consumer_offsets"),
    DEF("offsets.topic.num.partitions", INT, "50", HIGH, RO, 0, LODE__ATLEAST(1),
        "partitions of __consumer_offsets (do not change once created)"),
    DEF("offsets.topic.segment.bytes", INT, "104857600", HIGH, RO, 0, LODE__ATLEAST(1),
        "segment size of __consumer_offsets"),
    DEF("offsets.topic.compression.codec", INT, "0", HIGH, RO, 0, LODE__NOV,
        "codec id for __consumer_offsets writes"),
    DEF("offsets.retention.minutes", INT, "10080", HIGH, RO, 0, LODE__ATLEAST(1),
        "committed offsets of an empty group are kept this long"),
    DEF("offsets.retention.check.interval.ms", LONG, "600000", HIGH, RO, 0, LODE__ATLEAST(1),
        "how often stale offsets are looked for"),
    DEF("offsets.commit.timeout.ms", INT, "5000", HIGH, RO, 0, LODE__ATLEAST(1),
        "longest an offset commit waits for replication"),

    /* ---- log cleaner (CleanerConfig) ---- */
    DEF("log.cleaner.threads", INT, "1", MEDIUM, CW, 0, LODE__ATLEAST(0), "compaction threads"),
    DEF("log.cleaner.io.max.bytes.per.second", DOUBLE, "1.7976931348623157E308", MEDIUM, CW, 0,
        LODE__NOV, "I/O budget of the cleaner"),
    DEF("log.cleaner.dedupe.buffer.size", LONG, "134217728", MEDIUM, CW, 0, LODE__NOV,
        "memory for the cleaner's key map, over all threads"),
    DEF("log.cleaner.io.buffer.size", INT, "524288", MEDIUM, CW, 0, LODE__ATLEAST(0),
        "cleaner I/O buffer memory, over all threads"),
    DEF("log.cleaner.io.buffer.load.factor", DOUBLE, "0.9", MEDIUM, CW, 0, LODE__NOV,
        "how full the cleaner's key map may get"),
    DEF("log.cleaner.backoff.ms", LONG, "15000", MEDIUM, CW, 0, LODE__ATLEAST(0),
        "cleaner sleep when there is nothing to clean"),
    DEF("log.cleaner.min.cleanable.ratio", DOUBLE, "0.5", MEDIUM, CW, 0, LODE__BETWEEN(0, 1),
        "topic default of min.cleanable.dirty.ratio"),
    DEF("log.cleaner.enable", BOOLEAN, "true", MEDIUM, RO, 0, LODE__NOV,
        "run the cleaner (compacted topics need it)"),
    DEF("log.cleaner.delete.retention.ms", LONG, "86400000", MEDIUM, CW, 0, LODE__ATLEAST(0),
        "topic default of delete.retention.ms"),
    DEF("log.cleaner.min.compaction.lag.ms", LONG, "0", MEDIUM, CW, 0, LODE__ATLEAST(0),
        "topic default of min.compaction.lag.ms"),
    DEF("log.cleaner.max.compaction.lag.ms", LONG, LMAX, MEDIUM, CW, 0, LODE__ATLEAST(1),
        "topic default of max.compaction.lag.ms"),

    /* ---- logs (LogConfig.SERVER_CONFIG_DEF, ServerLogConfigs) ---- */
    DEF("num.partitions", INT, "1", MEDIUM, RO, 0, LODE__ATLEAST(1),
        "partitions of topics created without a count"),
    DEF("log.dir", STRING, "/tmp/kafka-logs", HIGH, RO, 0, LODE__NOV,
        "data directory, used when log.dirs is unset"),
    DEF("log.dirs", STRING, NULL, HIGH, RO, 0, LODE__NOV,
        "comma-separated data directories (default: log.dir)"),
    DEF("log.segment.bytes", INT, "1073741824", HIGH, CW, 0, LODE__ATLEAST(1048576),
        "topic default of segment.bytes"),
    DEF("log.roll.ms", LONG, NULL, HIGH, CW, 0, LODE__NOV,
        "topic default of segment.ms (unset: log.roll.hours)"),
    DEF("log.roll.hours", INT, "168", HIGH, RO, 0, LODE__ATLEAST(1),
        "segment.ms default in hours, when log.roll.ms is unset"),
    DEF("log.roll.jitter.ms", LONG, NULL, HIGH, CW, 0, LODE__NOV,
        "topic default of segment.jitter.ms (unset: log.roll.jitter.hours)"),
    DEF("log.roll.jitter.hours", INT, "0", HIGH, RO, 0, LODE__ATLEAST(0),
        "segment.jitter.ms default in hours, when log.roll.jitter.ms is unset"),
    DEF("log.retention.ms", LONG, NULL, HIGH, CW, 0, LODE__NOV,
        "topic default of retention.ms (unset: log.retention.minutes; -1: forever)"),
    DEF("log.retention.minutes", INT, NULL, HIGH, RO, 0, LODE__NOV,
        "retention in minutes, when log.retention.ms is unset"),
    DEF("log.retention.hours", INT, "168", HIGH, RO, 0, LODE__NOV,
        "retention in hours, when log.retention.ms and .minutes are unset"),
    DEF("log.retention.bytes", LONG, "-1", HIGH, CW, 0, LODE__NOV,
        "topic default of retention.bytes"),
    DEF("log.retention.check.interval.ms", LONG, "300000", MEDIUM, RO, 0, LODE__ATLEAST(1),
        "how often retention is enforced"),
    DEF("log.cleanup.policy", LIST, "delete", MEDIUM, CW, 0, LODE__LIST_IN(lode__config_cleanup),
        "topic default of cleanup.policy"),
    DEF("log.index.size.max.bytes", INT, "10485760", MEDIUM, CW, 0, LODE__ATLEAST(4),
        "topic default of segment.index.bytes"),
    DEF("log.index.interval.bytes", INT, "4096", MEDIUM, CW, 0, LODE__ATLEAST(0),
        "topic default of index.interval.bytes"),
    DEF("log.flush.interval.messages", LONG, LMAX, HIGH, CW, 0, LODE__ATLEAST(1),
        "topic default of flush.messages"),
    DEF("log.segment.delete.delay.ms", LONG, "60000", HIGH, CW, 0, LODE__ATLEAST(0),
        "topic default of file.delete.delay.ms"),
    DEF("log.flush.scheduler.interval.ms", LONG, LMAX, HIGH, RO, 0, LODE__NOV,
        "how often logs are checked for a time-based flush; flush.ms default when "
        "log.flush.interval.ms is unset"),
    DEF("log.flush.interval.ms", LONG, NULL, HIGH, CW, 0, LODE__NOV,
        "topic default of flush.ms (unset: log.flush.scheduler.interval.ms)"),
    DEF("log.flush.offset.checkpoint.interval.ms", INT, "60000", HIGH, RO, 0, LODE__ATLEAST(0),
        "how often recovery points are checkpointed"),
    DEF("log.flush.start.offset.checkpoint.interval.ms", INT, "60000", HIGH, RO, 0,
        LODE__ATLEAST(0), "how often log start offsets are checkpointed"),
    DEF("log.preallocate", BOOLEAN, "false", MEDIUM, CW, 0, LODE__NOV,
        "topic default of preallocate"),
    DEF("num.recovery.threads.per.data.dir", INT, "2", HIGH, CW, 0, LODE__ATLEAST(1),
        "threads per data directory that load logs at start and flush them at stop"),
    DEF("auto.create.topics.enable", BOOLEAN, "true", HIGH, RO, 0, LODE__NOV,
        "create unknown topics named in Metadata requests"),
    DEF("min.insync.replicas", INT, "1", HIGH, CW, 0, LODE__ATLEAST(1),
        "topic default of min.insync.replicas"),
    DEF("log.message.timestamp.type", STRING, "CreateTime", MEDIUM, CW, 0,
        LODE__IN(lode__config_ts_types), "topic default of message.timestamp.type"),
    DEF("log.message.timestamp.before.max.ms", LONG, LMAX, MEDIUM, CW, 0, LODE__ATLEAST(0),
        "topic default of message.timestamp.before.max.ms"),
    DEF("log.message.timestamp.after.max.ms", LONG, "3600000", MEDIUM, CW, 0, LODE__ATLEAST(0),
        "topic default of message.timestamp.after.max.ms"),
    DEF("log.message.downconversion.enable", BOOLEAN, "true", LOW, CW, DEPRECATED, LODE__NOV,
        "no effect since Kafka 4.0 (there is no down-conversion)"),
    DEF("log.dir.failure.timeout.ms", LONG, "30000", LOW, RO, 0, LODE__ATLEAST(1),
        "stop when a failed log dir cannot be reported for this long"),
    DEF("log.initial.task.delay.ms", LONG, "30000", LOW, RO, INTERNAL, LODE__ATLEAST(0),
        "delay before the log manager's periodic tasks start"),
    DEF("log.local.retention.ms", LONG, "-2", MEDIUM, CW, 0, LODE__ATLEAST(-2),
        "topic default of local.retention.ms"),
    DEF("log.local.retention.bytes", LONG, "-2", MEDIUM, CW, 0, LODE__ATLEAST(-2),
        "topic default of local.retention.bytes"),
    DEF("remote.log.storage.system.enable", BOOLEAN, "false", MEDIUM, RO, 0, LODE__NOV,
        "tiered storage on this broker (lode has none)"),

    /* ---- transactions (TransactionLogConfig, TransactionStateManagerConfig) ---- */
    DEF("transaction.state.log.min.isr", INT, "2", HIGH, RO, 0, LODE__ATLEAST(1),
        "min.insync.replicas of __transaction_state"),
    DEF("transaction.state.log.load.buffer.size", INT, "5242880", HIGH, RO, 0, LODE__ATLEAST(1),
        "read size when loading __transaction_state"),
    DEF("transaction.state.log.replication.factor", SHORT, "3", HIGH, RO, 0, LODE__ATLEAST(1),
        "replication factor of __transaction_state"),
    DEF("transaction.state.log.num.partitions", INT, "50", HIGH, RO, 0, LODE__ATLEAST(1),
        "partitions of __transaction_state (do not change once created)"),
    DEF("transaction.state.log.segment.bytes", INT, "104857600", HIGH, RO, 0, LODE__ATLEAST(1),
        "segment size of __transaction_state"),
    DEF("transaction.partition.verification.enable", BOOLEAN, "true", LOW, CW, 0, LODE__NOV,
        "check that a transactional write's partition joined the transaction"),
    DEF("producer.id.expiration.ms", INT, "86400000", LOW, CW, 0, LODE__ATLEAST(1),
        "idle producer ids are forgotten after this long"),
    DEF("producer.id.expiration.check.interval.ms", INT, "600000", LOW, RO, INTERNAL,
        LODE__ATLEAST(1), "how often idle producer ids are looked for"),
    DEF("transactional.id.expiration.ms", INT, "604800000", HIGH, RO, 0, LODE__ATLEAST(1),
        "idle transactional ids expire after this long"),
    DEF("transaction.max.timeout.ms", INT, "900000", HIGH, RO, 0, LODE__ATLEAST(1),
        "longest transaction.timeout.ms a producer may ask for"),
    DEF("transaction.abort.timed.out.transaction.cleanup.interval.ms", INT, "10000", LOW, RO, 0,
        LODE__ATLEAST(1), "how often timed-out transactions are aborted"),
    DEF("transaction.remove.expired.transaction.cleanup.interval.ms", INT, "3600000", LOW, RO, 0,
        LODE__ATLEAST(1), "how often expired transactional ids are removed"),

    /* ---- controller quorum (QuorumConfig) ---- */
    DEF("controller.quorum.voters", LIST, "", HIGH, RO, 0,
        LODE__CUSTOM(lode__config_check_voters, "non-empty list"),
        "static voter set as id@host:port entries"),
    DEF("controller.quorum.bootstrap.servers", LIST, "", HIGH, RO, 0,
        LODE__CUSTOM(lode__config_check_bootstrap, "non-empty list"),
        "host:port of controllers to discover the quorum from"),
    DEF("controller.quorum.election.timeout.ms", INT, "1000", HIGH, RO, 0, LODE__NOV,
        "a voter without a leader for this long starts an election"),
    DEF("controller.quorum.fetch.timeout.ms", INT, "2000", HIGH, RO, 0, LODE__NOV,
        "a voter that cannot fetch from the leader this long starts an election"),
    DEF("controller.quorum.election.backoff.max.ms", INT, "1000", HIGH, RO, 0, LODE__NOV,
        "longest back-off before a new election"),
    DEF("controller.quorum.append.linger.ms", INT, "25", MEDIUM, RO, 0, LODE__NOV,
        "how long the leader gathers writes before flushing"),
    DEF("controller.quorum.request.timeout.ms", INT, "2000", MEDIUM, RO, 0, LODE__NOV,
        "timeout of quorum requests"),
    DEF("controller.quorum.retry.backoff.ms", INT, "20", LOW, RO, 0, LODE__NOV,
        "pause before retrying a failed quorum request"),

    /* ---- security (SslConfigs, BrokerSecurityConfigs, SaslConfigs) ---- */
    DEF("ssl.keystore.location", STRING, NULL, HIGH, PB, 0, LODE__NOV, "key store file"),
    DEF("ssl.keystore.password", PASSWORD, NULL, HIGH, PB, 0, LODE__NOV, "key store password"),
    DEF("ssl.key.password", PASSWORD, NULL, HIGH, PB, 0, LODE__NOV, "private key password"),
    DEF("ssl.keystore.type", STRING, "JKS", MEDIUM, PB, 0, LODE__NOV, "key store format"),
    DEF("ssl.truststore.location", STRING, NULL, HIGH, PB, 0, LODE__NOV, "trust store file"),
    DEF("ssl.truststore.password", PASSWORD, NULL, HIGH, PB, 0, LODE__NOV, "trust store password"),
    DEF("ssl.truststore.type", STRING, "JKS", MEDIUM, PB, 0, LODE__NOV, "trust store format"),
    DEF("ssl.protocol", STRING, "TLSv1.3", MEDIUM, PB, 0, LODE__NOV, "TLS protocol family"),
    DEF("ssl.enabled.protocols", LIST, "TLSv1.2,TLSv1.3", MEDIUM, PB, 0, LODE__NOV,
        "TLS versions accepted"),
    DEF("ssl.endpoint.identification.algorithm", STRING, "https", LOW, PB, 0, LODE__NOV,
        "host name verification of peers (empty: none)"),
    DEF("ssl.client.auth", STRING, "none", MEDIUM, PB, 0, LODE__IN(CLIENT_AUTH),
        "whether TLS clients must present certificates"),
    DEF("sasl.enabled.mechanisms", LIST, "GSSAPI", MEDIUM, PB, 0, LODE__NOV,
        "SASL mechanisms offered to clients"),
    DEF("sasl.mechanism.inter.broker.protocol", STRING, "GSSAPI", MEDIUM, PB, 0, LODE__NOV,
        "SASL mechanism between brokers"),
    DEF("sasl.jaas.config", PASSWORD, NULL, MEDIUM, PB, 0, LODE__NOV,
        "JAAS login context for SASL"),
};

const size_t lode__config_broker_ndefs =
    sizeof lode__config_broker_defs / sizeof lode__config_broker_defs[0];

/* DynamicBrokerConfig.brokerConfigSynonyms groups (without listener
 * overrides, which lode does not support). */
static const struct {
    const char *names[LODE_CONFIG_MAX_SYNONYMS + 1];
    int64_t scales[LODE_CONFIG_MAX_SYNONYMS];
} GROUPS[] = {
    {{"log.roll.ms", "log.roll.hours", NULL}, {1, LODE__MS_PER_HOUR}},
    {{"log.roll.jitter.ms", "log.roll.jitter.hours", NULL}, {1, LODE__MS_PER_HOUR}},
    {{"log.flush.interval.ms", "log.flush.scheduler.interval.ms", NULL}, {1, 1}},
    {{"log.retention.ms", "log.retention.minutes", "log.retention.hours", NULL},
     {1, LODE__MS_PER_MINUTE, LODE__MS_PER_HOUR}},
};

size_t lode__config_broker_synonyms(const char *name, const char **names, int64_t *scales)
{
    for (size_t g = 0; g < sizeof GROUPS / sizeof GROUPS[0]; g++) {
        bool member = false;
        for (size_t i = 0; GROUPS[g].names[i]; i++)
            member |= strcmp(GROUPS[g].names[i], name) == 0;
        /* log.flush.scheduler.interval.ms alone is not a synonym of anything */
        if (!member || (g == 2 && strcmp(name, "log.flush.interval.ms") != 0))
            continue;
        size_t n = 0;
        for (; GROUPS[g].names[n]; n++) {
            names[n] = GROUPS[g].names[n];
            scales[n] = GROUPS[g].scales[n];
        }
        return n;
    }
    names[0] = name;
    scales[0] = 1;
    return 1;
}
