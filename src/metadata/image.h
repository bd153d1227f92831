/*
 * image.h — the metadata image: an immutable snapshot of the cluster's
 * metadata (topics and partitions, brokers, configs, producer id blocks,
 * feature levels) built from the committed metadata log (DESIGN.md §2.2).
 *
 * Request handlers read the current image without holding any lock while
 * they use it: lode_image_acquire() returns a reference that stays valid,
 * unchanged, until lode_image_release(), even if a newer image is published
 * meanwhile. Changes are made on a builder (a private copy) and published
 * atomically as a new image with lode_image_publish().
 *
 * Threading: acquire/release/publish from any thread; a builder belongs to
 * one thread (the metadata loader).
 */
#ifndef LODE_METADATA_IMAGE_H
#define LODE_METADATA_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hmap.h"

typedef struct lode_partition_info {
    int32_t partition;
    int32_t leader; /* -1 when none */
    int32_t leader_epoch;
    int32_t partition_epoch;
    int32_t *replicas;
    int32_t nreplicas;
    int32_t *isr;
    int32_t nisr;
    int32_t *offline_replicas; /* unused until multi-dir: kept for Metadata v5+ */
    int32_t noffline;
} lode_partition_info_t;

typedef struct lode_topic_info {
    int refs; /* images sharing it (copy on write) */
    char *name;
    uint8_t id[16];
    lode_partition_info_t *partitions; /* indexed by partition id */
    int32_t npartitions;
} lode_topic_info_t;

typedef struct lode_endpoint {
    char *listener; /* listener name, e.g. PLAINTEXT */
    char *host;
    int32_t port;
    int16_t security_protocol; /* Kafka's SecurityProtocol id: 0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT,
                                  3 SASL_SSL */
} lode_endpoint_t;

typedef struct lode_broker_info {
    int refs; /* images sharing it (copy on write) */
    int32_t id;
    int64_t epoch;
    uint8_t incarnation_id[16];
    char *rack; /* NULL when none */
    lode_endpoint_t *endpoints;
    int32_t nendpoints;
    bool fenced;
    bool in_controlled_shutdown;
} lode_broker_info_t;

/* Config resource types, as Kafka's ConfigResource.Type ids. */
enum {
    LODE_CONFIG_RESOURCE_TOPIC = 2,
    LODE_CONFIG_RESOURCE_BROKER = 4,
    LODE_CONFIG_RESOURCE_BROKER_LOGGER = 8,
    LODE_CONFIG_RESOURCE_CLIENT_METRICS = 16,
    LODE_CONFIG_RESOURCE_GROUP = 32,
};

typedef struct lode_image {
    int refs;
    int64_t offset;             /* last metadata log offset applied */
    int32_t epoch;              /* leader epoch of that record */
    lode_hmap_t topics_by_name; /* name → lode_topic_info_t* */
    lode_hmap_t topics_by_id;   /* 16-byte id → lode_topic_info_t* (same objects) */
    lode_hmap_t brokers;        /* 4-byte id → lode_broker_info_t* */
    /* (type byte + name) → config map (shared copy on write); the resource
     * name "" of type BROKER is the cluster-wide default. */
    lode_hmap_t configs;
    int64_t next_producer_id; /* first id not yet handed out in a block */
    lode_hmap_t features;     /* name → int16 level (stored in the pointer) */
} lode_image_t;

/* ---- readers ------------------------------------------------------------ */

typedef struct lode_image_holder lode_image_holder_t;

lode_image_holder_t *lode_image_holder_new(void);
void lode_image_holder_free(lode_image_holder_t *h);
/* The current image with a reference held (never NULL: an empty image at
 * first). */
lode_image_t *lode_image_acquire(lode_image_holder_t *h);
void lode_image_release(lode_image_t *img);

const lode_topic_info_t *lode_image_topic(const lode_image_t *img, const char *name);
const lode_topic_info_t *lode_image_topic_by_id(const lode_image_t *img, const uint8_t id[16]);
const lode_broker_info_t *lode_image_broker(const lode_image_t *img, int32_t id);
/* A config value set at the resource (not the effective value), or NULL. */
const char *lode_image_config(const lode_image_t *img, int type, const char *resource,
                              const char *key);
/* The map of a resource's configs (key → char* value), or NULL. */
const lode_hmap_t *lode_image_configs(const lode_image_t *img, int type, const char *resource);
int16_t lode_image_feature(const lode_image_t *img, const char *name);

/* ---- writers ------------------------------------------------------------ */

/* A private, mutable copy of `base` (or an empty image when NULL). Objects
 * are copied on write: unchanged topics and brokers are shared with base. */
lode_image_t *lode_image_builder(const lode_image_t *base);
/* Discards a builder. */
void lode_image_builder_free(lode_image_t *b);

/* Adds a topic with no partitions (TopicRecord); replaces one of that name. */
lode_topic_info_t *lode_image_put_topic(lode_image_t *b, const char *name, const uint8_t id[16]);
/* Removes a topic by id (RemoveTopicRecord); false when unknown. */
bool lode_image_remove_topic(lode_image_t *b, const uint8_t id[16]);
/* A partition to modify (PartitionRecord / PartitionChangeRecord): the topic
 * is copied if shared; the partition array grows as needed. NULL when the
 * topic id is unknown. */
lode_partition_info_t *lode_image_mut_partition(lode_image_t *b, const uint8_t topic_id[16],
                                                int32_t partition);
/* Replaces an int32 array field (replicas, isr) with a copy of vals. */
void lode_image_set_ids(int32_t **field, int32_t *count, const int32_t *vals, int32_t n);

/* Registers or replaces a broker (RegisterBrokerRecord). The image takes
 * ownership of *info's strings and arrays. */
void lode_image_put_broker(lode_image_t *b, lode_broker_info_t *info);
/* A broker to modify (fence/unfence), copied if shared; NULL when unknown. */
lode_broker_info_t *lode_image_mut_broker(lode_image_t *b, int32_t id);
bool lode_image_remove_broker(lode_image_t *b, int32_t id);

/* Sets (value != NULL) or deletes a config (ConfigRecord). */
void lode_image_set_config(lode_image_t *b, int type, const char *resource, const char *key,
                           const char *value);
/* Deletes every config of a resource (topic deletion). */
void lode_image_clear_configs(lode_image_t *b, int type, const char *resource);

void lode_image_set_feature(lode_image_t *b, const char *name, int16_t level);

/* Makes the builder the current image (taking it) and drops the holder's
 * reference to the previous one. */
void lode_image_publish(lode_image_holder_t *h, lode_image_t *b);

/* Deep comparison (tests: replay equivalence). */
bool lode_image_equal(const lode_image_t *a, const lode_image_t *b);

#endif
