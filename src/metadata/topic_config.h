/*
 * topic_config.h — Kafka's topic-level configs: names, types, defaults,
 * validators and the broker configs that stand in for them (synonyms), and
 * the effective value of a topic config with Kafka's precedence:
 *
 *   topic override (DYNAMIC_TOPIC_CONFIG)
 *   → for each broker synonym, in order (e.g. log.retention.ms, .minutes,
 *     .hours): per-broker dynamic (DYNAMIC_BROKER_CONFIG), cluster-wide
 *     dynamic default (DYNAMIC_DEFAULT_BROKER_CONFIG), server.properties
 *     (STATIC_BROKER_CONFIG)
 *   → Kafka's built-in default (DEFAULT_CONFIG)
 *
 * DescribeConfigs reports the effective value, its source and, when asked,
 * the whole chain as synonyms — the list lode_topic_config_resolve fills.
 */
#ifndef LODE_METADATA_TOPIC_CONFIG_H
#define LODE_METADATA_TOPIC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/props.h"
#include "metadata/image.h"
#include "storage/log_config.h"

/* DescribeConfigs ConfigSource values. */
enum {
    LODE_CONFIG_SOURCE_UNKNOWN = 0,
    LODE_CONFIG_SOURCE_DYNAMIC_TOPIC = 1,
    LODE_CONFIG_SOURCE_DYNAMIC_BROKER = 2,
    LODE_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER = 3,
    LODE_CONFIG_SOURCE_STATIC_BROKER = 4,
    LODE_CONFIG_SOURCE_DEFAULT = 5,
};

/* DescribeConfigs ConfigType values. */
enum {
    LODE_CONFIG_TYPE_BOOLEAN = 1,
    LODE_CONFIG_TYPE_STRING = 2,
    LODE_CONFIG_TYPE_INT = 3,
    LODE_CONFIG_TYPE_SHORT = 4,
    LODE_CONFIG_TYPE_LONG = 5,
    LODE_CONFIG_TYPE_DOUBLE = 6,
    LODE_CONFIG_TYPE_LIST = 7,
};

typedef struct lode_topic_config_def {
    const char *name;
    int type;                  /* LODE_CONFIG_TYPE_* */
    const char *dflt;          /* Kafka's default, as its string form */
    double min, max;           /* numeric range (inclusive) */
    const char *const *values; /* allowed values (strings, lists), NULL-terminated, or NULL */
    const char *synonyms[4];   /* broker configs, in precedence order */
    int64_t synonym_scale[4];  /* multiply a synonym's value by this (minutes/hours → ms) */
    const char *doc;           /* one line of our own */
} lode_topic_config_def_t;

/* The definition of a topic config, or NULL. */
const lode_topic_config_def_t *lode_topic_config_def(const char *name);
/* All definitions, in name order; *n receives the count. */
const lode_topic_config_def_t *lode_topic_config_defs(size_t *n);

/* Validates a value for a topic config; NULL when fine, else Kafka's
 * INVALID_CONFIG message (written into buf). */
const char *lode_topic_config_check(const char *name, const char *value, char *buf, size_t cap);

/* One entry of the precedence chain. */
typedef struct lode_config_synonym {
    const char *name;
    const char *value; /* points into the image, props or table */
    int source;        /* LODE_CONFIG_SOURCE_* */
} lode_config_synonym_t;

/*
 * The chain for topic config `def` of `topic` on node `node_id`, most
 * precedent first (at most 1 + 3 × 4 + 1 entries); the first is the
 * effective value. Values of scaled synonyms (log.retention.hours) are shown
 * as set; lode_topic_config_value converts.
 */
size_t lode_topic_config_resolve(const lode_image_t *img, const lode_props_t *static_props,
                                 int32_t node_id, const char *topic,
                                 const lode_topic_config_def_t *def, lode_config_synonym_t *out);

/* The effective value converted to the topic config's unit, as a string
 * (written into buf). */
const char *lode_topic_config_value(const lode_image_t *img, const lode_props_t *static_props,
                                    int32_t node_id, const char *topic,
                                    const lode_topic_config_def_t *def, char *buf, size_t cap);

/* The storage settings of a topic's logs from its effective configs. */
void lode_topic_log_config(const lode_image_t *img, const lode_props_t *static_props,
                           int32_t node_id, const char *topic, lode_log_config_t *out);

#endif
