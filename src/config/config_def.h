/*
 * config_def.h — config definitions: Kafka's ConfigDef model, in C.
 *
 * Every config lode knows — broker configs (server.properties, dynamic
 * broker configs) and topic configs (CreateTopics, AlterConfigs) — is one
 * constant lode_config_def_t in a static table (broker_defs.c, topic_defs.c):
 * its Kafka name, type, default, validator and importance, a one-line
 * description of our own, and the metadata DescribeConfigs reports (whether
 * it is sensitive, whether and how it can be changed while running, and for a
 * topic config the broker configs that stand in for it: its synonyms).
 *
 * Values: a string from a properties file, a --override or an AlterConfigs
 * request is parsed and validated with lode_config_parse, which follows
 * ConfigDef.parseType and the validators rule for rule (Java's trimming,
 * Integer.parseInt / Long.parseLong / Double.parseDouble grammars, "true" /
 * "false" in any case, lists split at commas with surrounding whitespace) and
 * fails with Kafka's own message, e.g.
 *
 *     Invalid value -5 for configuration retention.ms: Value must be at least -1
 *     Invalid value abc for configuration num.partitions: Not a number of type INT
 *     Invalid value zip for configuration compression.type: String must be one of: ...
 *
 * lode_config_render turns a typed value back into Kafka's string form
 * (ConfigDef.convertToString): lists comma-joined, booleans "true"/"false",
 * doubles as Java's Double.toString, passwords hidden as "[hidden]".
 *
 * The tables are constant and the functions here have no state besides a
 * name index built once (pthread_once): everything may be called from any
 * thread without a lock.
 */
#ifndef LODE_CONFIG_CONFIG_DEF_H
#define LODE_CONFIG_CONFIG_DEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/props.h"

/* ConfigDef.Type. The values are DescribeConfigs' ConfigType ids (v4+). */
typedef enum lode_cfg_type {
    LODE_CFG_TYPE_UNKNOWN = 0,
    LODE_CFG_TYPE_BOOLEAN = 1,
    LODE_CFG_TYPE_STRING = 2,
    LODE_CFG_TYPE_INT = 3,
    LODE_CFG_TYPE_SHORT = 4,
    LODE_CFG_TYPE_LONG = 5,
    LODE_CFG_TYPE_DOUBLE = 6,
    LODE_CFG_TYPE_LIST = 7,
    LODE_CFG_TYPE_CLASS = 8,
    LODE_CFG_TYPE_PASSWORD = 9,
} lode_cfg_type_t;

/* DescribeConfigs ConfigSource ids. */
typedef enum lode_cfg_source {
    LODE_CFG_SRC_UNKNOWN = 0,
    LODE_CFG_SRC_DYNAMIC_TOPIC = 1,          /* a topic's own override */
    LODE_CFG_SRC_DYNAMIC_BROKER = 2,         /* dynamic, for this broker only */
    LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER = 3, /* dynamic, cluster-wide default */
    LODE_CFG_SRC_STATIC_BROKER = 4,          /* server.properties / --override */
    LODE_CFG_SRC_DEFAULT = 5,                /* the built-in default */
} lode_cfg_source_t;

/* ConfigDef.Importance. */
typedef enum lode_cfg_importance {
    LODE_CFG_IMP_HIGH = 0,
    LODE_CFG_IMP_MEDIUM = 1,
    LODE_CFG_IMP_LOW = 2,
} lode_cfg_importance_t;

/*
 * How a broker config may change while running (Kafka's "Update Mode",
 * DynamicBrokerConfig's sets): read-only (restart needed), per-broker (may be
 * set for one broker) or cluster-wide (may be set for one broker or as the
 * cluster default). Topic configs are always alterable per topic and use
 * LODE_CFG_MODE_TOPIC.
 */
typedef enum lode_cfg_mode {
    LODE_CFG_MODE_READ_ONLY = 0,
    LODE_CFG_MODE_PER_BROKER = 1,
    LODE_CFG_MODE_CLUSTER_WIDE = 2,
    LODE_CFG_MODE_TOPIC = 3,
} lode_cfg_mode_t;

/* Which table a definition belongs to. */
typedef enum lode_cfg_kind {
    LODE_CFG_KIND_BROKER = 0,
    LODE_CFG_KIND_TOPIC = 1,
} lode_cfg_kind_t;

/* Validator kinds (ConfigDef.Validator implementations). */
typedef enum lode_cfg_vkind {
    LODE_CFG_V_NONE = 0,
    LODE_CFG_V_RANGE,     /* Range.atLeast / Range.between on a number */
    LODE_CFG_V_IN,        /* ValidString.in: STRING one of `values` */
    LODE_CFG_V_IN_ICASE,  /* CaseInsensitiveValidString.in */
    LODE_CFG_V_LIST_IN,   /* ValidList.in: every LIST item one of `values` */
    LODE_CFG_V_NON_EMPTY, /* NonEmptyString */
    LODE_CFG_V_CUSTOM,    /* `custom` decides */
} lode_cfg_vkind_t;

/* Definition flags. */
enum {
    LODE_CFG_F_REQUIRED = 1u << 0,   /* no default: the key must be set */
    LODE_CFG_F_INTERNAL = 1u << 1,   /* defineInternal: not documented, not listed */
    LODE_CFG_F_DEPRECATED = 1u << 2, /* accepted and reported, has no effect */
};

typedef struct lode_config_def lode_config_def_t;
typedef struct lode_config_value lode_config_value_t;

/*
 * A custom validator: checks a parsed value v of def. Returns 0, or
 * LODE_EINVAL after writing the whole error message into err (it may use
 * lode_config_invalid for Kafka's usual "Invalid value ..." form).
 */
typedef int (*lode_config_check_fn)(const lode_config_def_t *def, const lode_config_value_t *v,
                                    char *err, size_t errlen);

typedef struct lode_config_validator {
    lode_cfg_vkind_t kind;
    bool has_min, has_max;     /* RANGE: which bounds apply */
    int64_t min, max;          /* RANGE: inclusive bounds (compared as Java does, in double) */
    const char *const *values; /* IN, IN_ICASE, LIST_IN: NULL-terminated */
    lode_config_check_fn custom;
    const char *valid_text; /* CUSTOM: the "Valid Values" text for documentation */
} lode_config_validator_t;

/* At most this many broker synonyms stand in for one topic config. */
#define LODE_CONFIG_MAX_SYNONYMS 3

struct lode_config_def {
    const char *name;
    lode_cfg_type_t type;
    /* Kafka's default in its string form (a list comma-joined); NULL means
     * Java null: the config is unset unless given (log.retention.ms).
     * Ignored with LODE_CFG_F_REQUIRED. */
    const char *dflt;
    lode_config_validator_t valid;
    lode_cfg_importance_t importance;
    lode_cfg_mode_t mode;
    lode_cfg_kind_t kind;
    unsigned flags;  /* LODE_CFG_F_* */
    const char *doc; /* one line of our own */
    /*
     * Topic configs: the broker configs that provide the server default, in
     * precedence order (ServerTopicConfigSynonyms), e.g. retention.ms ←
     * log.retention.ms, log.retention.minutes, log.retention.hours; NULL
     * after the last. synonym_scale[i] multiplies synonyms[i]'s value into the
     * topic config's unit (60000 for minutes, 3600000 for hours; 0 or 1: none).
     */
    const char *synonyms[LODE_CONFIG_MAX_SYNONYMS];
    int64_t synonym_scale[LODE_CONFIG_MAX_SYNONYMS];
};

/*
 * A typed value. INT, SHORT and LONG are held in i, BOOLEAN in b, DOUBLE in
 * d, STRING / CLASS / PASSWORD in s (NUL-terminated, owned), LIST in list
 * (owned). is_null marks Java's null (a config with no default that is not
 * set). A zeroed struct is a valid empty value; free with
 * lode_config_value_free.
 */
struct lode_config_value {
    lode_cfg_type_t type;
    bool is_null;
    bool b;
    int64_t i;
    double d;
    char *s;
    lode_strlist_t list;
};

/* ---- definitions --------------------------------------------------------- */

/* The definition of `name` in the given table, or NULL if there is none. */
const lode_config_def_t *lode_config_def_find(lode_cfg_kind_t kind, const char *name);

/*
 * All definitions of a table, in definition order (the order in which a
 * whole configuration is validated, as Kafka's ConfigDef.parse does); *n
 * receives the count. Internal ones (LODE_CFG_F_INTERNAL) are included.
 */
const lode_config_def_t *lode_config_defs(lode_cfg_kind_t kind, size_t *n);

/* Whether def is sensitive for DescribeConfigs (PASSWORD type, as Kafka's
 * KafkaConfig.maybeSensitive). */
static inline bool lode_config_def_sensitive(const lode_config_def_t *def)
{
    return def->type == LODE_CFG_TYPE_PASSWORD || def->type == LODE_CFG_TYPE_UNKNOWN;
}

/* Whether DescribeConfigs reports def as read-only: broker configs that
 * cannot be changed while running. Topic configs never are. */
static inline bool lode_config_def_read_only(const lode_config_def_t *def)
{
    return def->mode == LODE_CFG_MODE_READ_ONLY;
}

/* Java's enum name of a type ("INT", "LONG", "PASSWORD"...), as Kafka's
 * messages print it. */
const char *lode_config_type_name(lode_cfg_type_t type);
/* The lower-case form Kafka's documentation tables use ("int", "list"). */
const char *lode_config_type_doc_name(lode_cfg_type_t type);
/* "DYNAMIC_TOPIC_CONFIG", "DEFAULT_CONFIG"... (Kafka's ConfigSource names). */
const char *lode_config_source_name(lode_cfg_source_t src);
/* "high", "medium", "low". */
const char *lode_config_importance_name(lode_cfg_importance_t imp);
/* "read-only", "per-broker", "cluster-wide" ("" for topic configs). */
const char *lode_config_mode_name(lode_cfg_mode_t mode);

/* Writes the "Valid Values" column of Kafka's docs for def ("[1,...]",
 * "[compact, delete]", "" when any value goes) into buf; returns buf. */
const char *lode_config_valid_text(const lode_config_def_t *def, char *buf, size_t cap);

/* ---- values -------------------------------------------------------------- */

/*
 * Parses `len` bytes of s (need not be NUL-terminated) as a value of def and
 * validates it. Returns 0 with *out filled (caller frees with
 * lode_config_value_free), or LODE_EINVAL with Kafka's message in err
 * (truncated to errlen) and *out left empty.
 */
int lode_config_parse(const lode_config_def_t *def, const char *s, size_t len,
                      lode_config_value_t *out, char *err, size_t errlen);

/* Parses without validating (ConfigDef.parseType alone); same contract. */
int lode_config_parse_type(const lode_config_def_t *def, const char *s, size_t len,
                           lode_config_value_t *out, char *err, size_t errlen);

/* Runs def's validator on a parsed value; 0 or LODE_EINVAL with the message.
 * A null value passes (Kafka validates null only for a few configs). */
int lode_config_validate(const lode_config_def_t *def, const lode_config_value_t *v, char *err,
                         size_t errlen);

/*
 * def's default as a value: Java null (is_null) when the default is null or
 * the config is required. Always 0 (the tables' defaults are checked by the
 * unit tests).
 */
int lode_config_default(const lode_config_def_t *def, lode_config_value_t *out);

/* Frees what v owns and leaves it empty (zeroed). */
void lode_config_value_free(lode_config_value_t *v);
/* A deep copy of src into *dst. */
void lode_config_value_copy(lode_config_value_t *dst, const lode_config_value_t *src);

/*
 * Kafka's string form of v, snprintf-style: writes at most cap bytes
 * (NUL-terminated when cap > 0) and returns the length the whole text needs.
 * A null value renders as "null"; a PASSWORD as "[hidden]" (Java's
 * Password.toString) — DescribeConfigs sends null for sensitive configs
 * instead, which callers decide.
 */
size_t lode_config_render(const lode_config_value_t *v, char *buf, size_t cap);
/* The same into a new string (caller frees). */
char *lode_config_render_dup(const lode_config_value_t *v);

/*
 * Java's Double.toString(d): the shortest decimal that reads back as d, in
 * plain notation for 1e-3 <= |d| < 1e7 ("0.5", "100.0") and computerized
 * scientific notation otherwise ("1.0E7", "1.7976931348623157E308"), and
 * "NaN", "Infinity", "-Infinity", "-0.0". Returns the length, as
 * lode_config_render.
 */
size_t lode_java_double_to_string(double d, char *buf, size_t cap);

/*
 * Writes Kafka's ConfigException text "Invalid value <value> for
 * configuration <name>: <reason>" (reason NULL: without ": ...") into err.
 * value is the text to show (Kafka shows the raw string for parse errors and
 * the parsed value for validator errors). Returns LODE_EINVAL.
 */
int lode_config_invalid(char *err, size_t errlen, const char *name, const char *value,
                        const char *reason);

#endif
