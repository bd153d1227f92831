/*
 * config_int.h — private to src/config: the definition tables and helpers
 * shared between the layer's files.
 */
#ifndef LODE_CONFIG_CONFIG_INT_H
#define LODE_CONFIG_CONFIG_INT_H

#include <stddef.h>

#include "config/config_def.h"

/* broker_defs.c / topic_defs.c: the tables, in definition order. */
extern const lode_config_def_t lode__config_broker_defs[];
extern const size_t lode__config_broker_ndefs;
extern const lode_config_def_t lode__config_topic_defs[];
extern const size_t lode__config_topic_ndefs;

/* Scale factors of time-unit synonyms. */
#define LODE__MS_PER_MINUTE INT64_C(60000)
#define LODE__MS_PER_HOUR INT64_C(3600000)

/*
 * DynamicBrokerConfig.brokerConfigSynonyms: the broker configs that set the
 * same thing as `name`, highest precedence first (log.roll.ms and
 * log.roll.hours; log.retention.ms, .minutes and .hours;
 * log.flush.interval.ms and log.flush.scheduler.interval.ms...), with the
 * factor that converts each into the first one's unit. Otherwise just name
 * (scale 1). Returns the count (1..LODE_CONFIG_MAX_SYNONYMS); the names are
 * static strings, or `name` itself.
 */
size_t lode__config_broker_synonyms(const char *name, const char **names, int64_t *scales);

/* Custom validators shared by the tables (validators.c, listeners.c). */
int lode__config_check_gzip_level(const lode_config_def_t *def, const lode_config_value_t *v,
                                  char *err, size_t errlen);
int lode__config_check_throttled(const lode_config_def_t *def, const lode_config_value_t *v,
                                 char *err, size_t errlen);
int lode__config_check_voters(const lode_config_def_t *def, const lode_config_value_t *v, char *err,
                              size_t errlen);
int lode__config_check_bootstrap(const lode_config_def_t *def, const lode_config_value_t *v,
                                 char *err, size_t errlen);

/* Validator initialisers for the tables: each expands to `.valid = {...}`. */
#define LODE__NOV .valid = {.kind = LODE_CFG_V_NONE}
#define LODE__ATLEAST(lo) .valid = {.kind = LODE_CFG_V_RANGE, .has_min = true, .min = (lo)}
#define LODE__BETWEEN(lo, hi)                                                                      \
    .valid = {.kind = LODE_CFG_V_RANGE, .has_min = true, .min = (lo), .has_max = true, .max = (hi)}
#define LODE__IN(set) .valid = {.kind = LODE_CFG_V_IN, .values = (set)}
#define LODE__LIST_IN(set) .valid = {.kind = LODE_CFG_V_LIST_IN, .values = (set)}
#define LODE__CUSTOM(fn, text)                                                                     \
    .valid = {.kind = LODE_CFG_V_CUSTOM, .custom = (fn), .valid_text = (text)}

/* Value sets shared by the tables. */
extern const char *const lode__config_codecs[];   /* compression.type */
extern const char *const lode__config_cleanup[];  /* cleanup.policy */
extern const char *const lode__config_ts_types[]; /* message.timestamp.type */

/* listeners.c: Kafka's EndPoint.parseListenerName (the text before the
 * first ':', upper-cased; NULL without one), and Csv.parseCsvList (split at
 * commas with surrounding whitespace, empty items dropped). */
char *lode__config_listener_name_of(const char *entry);
void lode__config_csv_list(const char *s, lode_strlist_t *out);

/* Aborts with a message: a programming error (unknown key asked for). */
_Noreturn void lode__config_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
