/*
 * controller.h — the KRaft controller of a node whose process.roles contain
 * `controller` (DESIGN.md §2.2), over the quorum interface (raft/quorum.h):
 *
 *  - at start: load the newest metadata snapshot, replay the log after it,
 *    write the bootstrap records (metadata.version) into an empty log, and
 *    register this node's broker (RegisterBrokerRecord);
 *  - operations (CreateTopics, DeleteTopics, CreatePartitions, producer id
 *    blocks) are validated against the latest state — committed records plus
 *    those appended and not yet committed — and appended as ONE batch each,
 *    so after any crash an operation is in the log completely or not at all;
 *    the caller's callback runs once the batch is committed;
 *  - committed records are applied to the published image (read by request
 *    handlers through the image holder); a snapshot is written every
 *    `snapshot_bytes` of records.
 *
 * Threading: operations from any thread (serialised inside); callbacks run
 * on the quorum's thread after the image containing their records was
 * published.
 */
#ifndef LODE_CONTROLLER_CONTROLLER_H
#define LODE_CONTROLLER_CONTROLLER_H

#include <stdbool.h>
#include <stdint.h>

#include "controller/configs.h"
#include "controller/topics.h"
#include "metadata/image.h"
#include "storage/flusher.h"

typedef struct lode_controller lode_controller_t;

typedef struct lode_controller_config {
    const char *metadata_dir; /* metadata.log.dir (holds __cluster_metadata-0) */
    int32_t node_id;
    lode_topic_defaults_t topic_defaults;
    const lode_endpoint_t *endpoints; /* this node's broker listeners */
    int32_t nendpoints;
    const char *rack;       /* broker.rack, or NULL */
    int64_t snapshot_bytes; /* metadata.log.max.record.bytes.between.snapshots */
    lode_flusher_t *flusher;
    lode_image_holder_t *images;                          /* committed images are published here */
    void (*on_image)(void *arg, const lode_image_t *img); /* after each publish, may be NULL */
    void *arg;
} lode_controller_config_t;

/* Starts and returns once the log has been replayed and the node's broker
 * registration committed. */
int lode_controller_start(const lode_controller_config_t *cfg, lode_controller_t **out);
void lode_controller_stop(lode_controller_t *c);

/* Completion of an operation: err->code 0 on success. topic_id is set for
 * topic creation. */
typedef void (*lode_ctl_done_fn)(void *arg, const lode_ctl_error_t *err, const uint8_t *topic_id);

/* CreateTopics for one topic. Validation errors complete at once (the
 * callback runs before this returns); success completes on commit. */
void lode_controller_create_topic(lode_controller_t *c, const lode_new_topic_t *req,
                                  bool validate_only, lode_ctl_done_fn done, void *arg);
void lode_controller_delete_topic(lode_controller_t *c, const char *name, const uint8_t *id,
                                  lode_ctl_done_fn done, void *arg);
void lode_controller_create_partitions(lode_controller_t *c, const char *name, int32_t count,
                                       const int32_t *assignment, int32_t assignment_partitions,
                                       int32_t assignment_replicas, bool validate_only,
                                       lode_ctl_done_fn done, void *arg);

/* IncrementalAlterConfigs / AlterConfigs for one resource (configs.h). */
void lode_controller_alter_configs(lode_controller_t *c, int resource_type, const char *resource,
                                   const lode_config_op_t *ops, size_t nops, bool incremental,
                                   bool validate_only, lode_ctl_done_fn done, void *arg);

/* AllocateProducerIds: a block of `len` ids starting at *first (committed
 * before the callback). */
typedef void (*lode_ctl_pid_fn)(void *arg, int16_t error, int64_t first, int32_t len);
void lode_controller_alloc_producer_ids(lode_controller_t *c, int32_t broker_id,
                                        int64_t broker_epoch, lode_ctl_pid_fn done, void *arg);

/*
 * BrokerHeartbeat (KIP-631) for a registered broker: 0 and *fenced (the
 * broker's state after this heartbeat), or BROKER_ID_NOT_REGISTERED /
 * STALE_BROKER_EPOCH. A fenced broker that heartbeats is unfenced (an
 * UnfenceBrokerRecord); want_fence fences it; want_shutdown marks it in
 * controlled shutdown. now_ms feeds the session check below.
 */
int16_t lode_controller_heartbeat(lode_controller_t *c, int32_t broker_id, int64_t broker_epoch,
                                  bool want_fence, bool want_shutdown, int64_t now_ms,
                                  bool *fenced);
/* Fences brokers whose last heartbeat is older than session_timeout_ms
 * (broker.session.timeout.ms). Returns how many were fenced. */
int lode_controller_check_sessions(lode_controller_t *c, int64_t now_ms,
                                   int64_t session_timeout_ms);

/* The leader epoch of the metadata quorum (DescribeQuorum). */
int32_t lode_controller_epoch(lode_controller_t *c);
int64_t lode_controller_high_watermark(lode_controller_t *c);

#endif
