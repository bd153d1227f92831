/*
 * topics.h — the controller's topic operations as pure functions: given the
 * current metadata image and a request, validate it with Kafka's rules and
 * messages and produce the metadata records that carry it out. Nothing here
 * writes a log: the controller appends the records through the quorum and
 * the image changes only when they commit.
 */
#ifndef LODE_CONTROLLER_TOPICS_H
#define LODE_CONTROLLER_TOPICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "metadata/image.h"
#include "metadata/records.h"

/* Kafka's topic name rule; NULL when valid, else the message Kafka gives. */
const char *lode_topic_name_error(const char *name, char *buf, size_t cap);
/* Whether two names collide once '.' and '_' are unified (Kafka warns). */
bool lode_topic_names_collide(const char *a, const char *b);

/* A request to create one topic. */
typedef struct lode_new_topic {
    const char *name;
    int32_t partitions;        /* -1: num.partitions */
    int16_t replication;       /* -1: default.replication.factor */
    const int32_t *assignment; /* explicit replicas, partitions x nreplicas, or NULL */
    int32_t assignment_partitions;
    int32_t assignment_replicas;
    const char *const *config_keys; /* topic config overrides */
    const char *const *config_values;
    size_t nconfigs;
} lode_new_topic_t;

typedef struct lode_topic_defaults {
    int32_t num_partitions;
    int16_t default_replication_factor;
    uint32_t placement_seed; /* where round-robin placement starts */
} lode_topic_defaults_t;

/* Validation error: a Kafka error code and a message (0 / "" on success). */
typedef struct lode_ctl_error {
    int16_t code;
    char message[512];
} lode_ctl_error_t;

/*
 * CreateTopics for one topic: validates (name, existence, partitions,
 * replication factor against the unfenced brokers, explicit assignment) and
 * appends TopicRecord, PartitionRecords and ConfigRecords to out (unless
 * validate_only). topic_id receives the new id. Config values are validated
 * by the caller (the config layer) before this is called.
 */
int lode_ctl_create_topic(const lode_image_t *img, const lode_new_topic_t *req,
                          const lode_topic_defaults_t *defs, bool validate_only,
                          uint8_t topic_id[16], lode_mrecs_t *out, lode_ctl_error_t *err);

/* DeleteTopics by name (id NULL) or by id (name NULL): a RemoveTopicRecord.
 * UNKNOWN_TOPIC_OR_PARTITION / UNKNOWN_TOPIC_ID otherwise. */
int lode_ctl_delete_topic(const lode_image_t *img, const char *name, const uint8_t *id,
                          lode_mrecs_t *out, lode_ctl_error_t *err);

/* CreatePartitions: grows a topic to `count` partitions (PartitionRecords for
 * the new ones, placed round-robin unless `assignment` gives their replicas). */
int lode_ctl_create_partitions(const lode_image_t *img, const char *name, int32_t count,
                               const int32_t *assignment, int32_t assignment_partitions,
                               int32_t assignment_replicas, const lode_topic_defaults_t *defs,
                               bool validate_only, lode_mrecs_t *out, lode_ctl_error_t *err);

#endif
