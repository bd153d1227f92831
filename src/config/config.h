/*
 * config.h — the broker's configuration: server.properties (with --override
 * entries applied) parsed and validated against the broker config table,
 * Kafka's derived rules, and the effective value of any topic or broker
 * config over the dynamic layers, with DescribeConfigs' sources and
 * synonyms.
 *
 * Loading (lode_config_load) follows KafkaConfig: every known key is parsed
 * and validated in definition order (the first invalid value stops loading
 * with Kafka's message; `lode server` exits with code 2 on it), then the
 * cross-config rules of KafkaConfig.validateValues run:
 *  - node.id, or its old name broker.id (when both are set they must agree);
 *  - process.roles: broker and/or controller, no duplicates;
 *  - log.dirs falls back to log.dir; metadata.log.dir to the first log dir;
 *  - log.retention.ms ← log.retention.minutes ← log.retention.hours (the
 *    first one set wins, converted to ms; negative means -1, unlimited);
 *    log.roll.ms ← log.roll.hours; log.roll.jitter.ms ← log.roll.jitter.hours;
 *    log.flush.interval.ms ← log.flush.scheduler.interval.ms;
 *  - listeners / advertised.listeners as NAME://host:port lists, every name
 *    mapped in listener.security.protocol.map (whose default also maps each
 *    controller listener to PLAINTEXT when no SSL/SASL listener is in use);
 *  - controller.listener.names required and present in listeners for a
 *    controller; absent from listeners for a broker-only node;
 *  - controller.quorum.voters (id@host:port) or
 *    controller.quorum.bootstrap.servers (host:port) must be given;
 *  - inter.broker.listener.name (default: security.inter.broker.protocol's
 *    name) must be an advertised broker listener; and the other checks
 *    Kafka makes (replica fetch timeouts, dedupe buffer per cleaner thread,
 *    connection limits...).
 * Keys that are neither broker configs nor listener overrides of one are
 * collected (lode_config_unknown) so the server can log Kafka's "The
 * configuration '...' was supplied but isn't a known config." and go on.
 *
 * Effective values and DescribeConfigs: the static layer is the loaded
 * properties; the dynamic layers (this broker's dynamic configs, the
 * cluster-wide dynamic defaults, a topic's overrides) are passed in as
 * key→value lookups (lode_config_map_t), so the metadata image needs no
 * copying. Precedence, as Kafka's DynamicBrokerConfig applies it:
 *
 *   topic override (DYNAMIC_TOPIC_CONFIG)
 *   → per-broker dynamic (DYNAMIC_BROKER_CONFIG)
 *   → cluster-wide dynamic default (DYNAMIC_DEFAULT_BROKER_CONFIG)
 *   → server.properties (STATIC_BROKER_CONFIG)
 *   → built-in default (DEFAULT_CONFIG)
 *
 * where each broker layer is searched for the topic config's synonyms in
 * order (e.g. log.retention.ms, then .minutes, then .hours) before the next
 * layer, and values are converted into the topic config's unit.
 *
 * Thread-safety: a loaded lode_config_t is immutable; every function taking a
 * const lode_config_t * may run on any thread without a lock. Layer lookups
 * run on the caller's thread, which must keep the maps' storage alive and
 * unchanged during the call.
 */
#ifndef LODE_CONFIG_CONFIG_H
#define LODE_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config_def.h"
#include "core/props.h"
#include "storage/log_config.h"

/* ---- listeners, protocol map, voters ------------------------------------- */

/* Kafka's SecurityProtocol ids. */
typedef enum lode_cfg_proto {
    LODE_CFG_PROTO_PLAINTEXT = 0,
    LODE_CFG_PROTO_SSL = 1,
    LODE_CFG_PROTO_SASL_PLAINTEXT = 2,
    LODE_CFG_PROTO_SASL_SSL = 3,
} lode_cfg_proto_t;

/* "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL" (NULL for others). */
const char *lode_config_proto_name(lode_cfg_proto_t proto);

/* listener.security.protocol.map, parsed: upper-cased listener names. */
typedef struct lode_config_protomap {
    char **names;
    lode_cfg_proto_t *protos;
    size_t count;
} lode_config_protomap_t;

/*
 * Parses "NAME:PROTOCOL,..." (Csv.parseCsvMap: split at commas with
 * surrounding whitespace, each entry at its last ':'; names upper-cased,
 * protocols case-insensitive). An empty value is an empty map. Returns 0, or
 * LODE_EINVAL with a message ("Invalid security protocol `X` defined in
 * listener.security.protocol.map"). *out must be freed either way.
 */
int lode_config_parse_protocol_map(const char *value, lode_config_protomap_t *out, char *err,
                                   size_t errlen);
void lode_config_protomap_free(lode_config_protomap_t *m);
/* The protocol of a listener name (compared upper-cased), or -1. */
int lode_config_protomap_find(const lode_config_protomap_t *m, const char *name);

/* One endpoint of listeners / advertised.listeners. */
typedef struct lode_config_listener {
    char *name; /* upper-cased, as Kafka's ListenerName.normalised */
    char *host; /* NULL for an empty host: all interfaces (Kafka's convention) */
    int32_t port;
    lode_cfg_proto_t proto;
} lode_config_listener_t;

typedef struct lode_config_listeners {
    lode_config_listener_t *items;
    size_t count;
} lode_config_listeners_t;

/*
 * Parses a listener list "NAME://host:port,..." (hosts may be [ipv6]); each
 * name must be in map. Names must be distinct; with require_distinct_ports
 * (listeners, not advertised.listeners) so must the non-zero ports, except
 * for exactly two listeners on one port whose hosts are an IPv4 and an IPv6
 * literal. Messages as Kafka's ("Error creating broker listeners from '...':
 * Unable to parse x to a broker endpoint", "... No security protocol defined
 * for listener X", "Each listener must have a different name, listeners:
 * ..."). lode is stricter on one point: a port outside 0..65535 is refused.
 * Returns 0 or LODE_EINVAL; *out must be freed either way.
 */
int lode_config_parse_listeners(const char *value, const lode_config_protomap_t *map,
                                bool require_distinct_ports, lode_config_listeners_t *out,
                                char *err, size_t errlen);
void lode_config_listeners_free(lode_config_listeners_t *l);
/* The listener named `name` (exact, upper-cased names), or NULL. */
const lode_config_listener_t *lode_config_listeners_find(const lode_config_listeners_t *l,
                                                         const char *name);

/* A controller: from controller.quorum.voters (id@host:port) or
 * controller.quorum.bootstrap.servers (host:port, id -1). */
typedef struct lode_config_voter {
    int32_t id;
    char *host;
    int32_t port;
} lode_config_voter_t;

typedef struct lode_config_voters {
    lode_config_voter_t *items;
    size_t count;
} lode_config_voters_t;

/*
 * Parses controller.quorum.voters entries with QuorumConfig's rules and
 * messages ("Invalid configuration value for controller.quorum.voters. Each
 * entry should be in the form `{id}@{host}:{port}`.", "Failed to parse voter
 * ID as an integer from x"...). With require_routable, host 0.0.0.0 is
 * refused ("Host string (0.0.0.0) is not routeable"). Stricter than Kafka
 * (which keeps the last): a voter id given twice is refused. Returns 0 or
 * LODE_EINVAL; *out must be freed either way.
 */
int lode_config_parse_voters(const lode_strlist_t *entries, bool require_routable,
                             lode_config_voters_t *out, char *err, size_t errlen);
/* controller.quorum.bootstrap.servers entries (host:port); same contract. */
int lode_config_parse_bootstrap(const lode_strlist_t *entries, lode_config_voters_t *out, char *err,
                                size_t errlen);
void lode_config_voters_free(lode_config_voters_t *v);

/* ---- the loaded configuration --------------------------------------------- */

typedef struct lode_config lode_config_t;

/*
 * Builds the configuration from props (copied: the caller keeps props).
 * Returns 0 with *out set (free with lode_config_free), or LODE_EINVAL with
 * the first problem in err and *out NULL.
 */
int lode_config_load(const lode_props_t *props, lode_config_t **out, char *err, size_t errlen);
void lode_config_free(lode_config_t *cfg);

/* The properties loaded from (the static layer), owned by cfg. */
const lode_props_t *lode_config_static_props(const lode_config_t *cfg);

/* Keys that are not known configs, in the order they were given (logged by
 * the server, otherwise ignored). */
size_t lode_config_unknown_count(const lode_config_t *cfg);
const char *lode_config_unknown(const lode_config_t *cfg, size_t i);

/* Whether the key was given in the properties. */
bool lode_config_is_set(const lode_config_t *cfg, const char *name);

/*
 * A broker config's parsed static value, as Kafka's KafkaConfig holds it:
 * the given value or the default, and Java null (is_null) for configs
 * without a default that were not given (log.retention.ms, broker.rack).
 * Aborts when name is not a broker config (a programming error).
 */
const lode_config_value_t *lode_config_get(const lode_config_t *cfg, const char *name);

/*
 * Typed accessors of the *effective* static value. They abort when name is
 * not a broker config or the type does not fit (a programming error):
 * get_int takes INT and SHORT configs, get_int64 INT, SHORT and LONG,
 * get_string STRING, CLASS and PASSWORD (NULL for null), get_list LIST.
 * A null number reads as 0. Derived keys read as Kafka computes them:
 * log.retention.ms, log.roll.ms, log.roll.jitter.ms, log.flush.interval.ms
 * (from their synonyms, see above), node.id and broker.id (the node id),
 * log.dirs (the directory list joined with ','), metadata.log.dir,
 * inter.broker.listener.name.
 */
int32_t lode_config_get_int(const lode_config_t *cfg, const char *name);
int64_t lode_config_get_int64(const lode_config_t *cfg, const char *name);
bool lode_config_get_bool(const lode_config_t *cfg, const char *name);
double lode_config_get_double(const lode_config_t *cfg, const char *name);
const char *lode_config_get_string(const lode_config_t *cfg, const char *name);
const lode_strlist_t *lode_config_get_list(const lode_config_t *cfg, const char *name);

/* Derived results of loading. */
int32_t lode_config_node_id(const lode_config_t *cfg);
bool lode_config_has_broker_role(const lode_config_t *cfg);
bool lode_config_has_controller_role(const lode_config_t *cfg);
/* Data directories (non-empty). */
const lode_strlist_t *lode_config_log_dirs(const lode_config_t *cfg);
const char *lode_config_metadata_log_dir(const lode_config_t *cfg);
/* The effective protocol map (with the controller-listener defaults). */
const lode_config_protomap_t *lode_config_protocol_map(const lode_config_t *cfg);
/* Every listener this node binds, controller listeners included. */
const lode_config_listeners_t *lode_config_listeners(const lode_config_t *cfg);
/* advertised.listeners (or listeners) without the controller listeners:
 * what brokers register and clients see. */
const lode_config_listeners_t *lode_config_advertised_listeners(const lode_config_t *cfg);
/* Controller endpoints to advertise, in controller.listener.names order. */
const lode_config_listeners_t *lode_config_controller_listeners(const lode_config_t *cfg);
/* controller.listener.names (possibly empty). */
const lode_strlist_t *lode_config_controller_listener_names(const lode_config_t *cfg);
bool lode_config_is_controller_listener(const lode_config_t *cfg, const char *name);
/* inter.broker.listener.name or, unset, security.inter.broker.protocol's name. */
const char *lode_config_inter_broker_listener(const lode_config_t *cfg);
lode_cfg_proto_t lode_config_inter_broker_protocol(const lode_config_t *cfg);
/* controller.quorum.voters / .bootstrap.servers, parsed (possibly empty). */
const lode_config_voters_t *lode_config_quorum_voters(const lode_config_t *cfg);
const lode_config_voters_t *lode_config_quorum_bootstrap(const lode_config_t *cfg);

/* ---- layers, effective values, DescribeConfigs ---------------------------- */

/* A key→value lookup: get returns the value of key (NUL-terminated, valid
 * for the duration of the call that received the map) or NULL. A map whose
 * get is NULL is empty. */
typedef struct lode_config_map {
    const char *(*get)(const void *ctx, const char *key);
    const void *ctx;
} lode_config_map_t;

/* A map view of props (NULL: an empty map); props must outlive its use. */
lode_config_map_t lode_config_map_props(const lode_props_t *props);

/* The dynamic layers; zeroed members are empty. */
typedef struct lode_config_layers {
    lode_config_map_t topic;           /* the topic's own overrides */
    lode_config_map_t dynamic_broker;  /* dynamic configs of this broker */
    lode_config_map_t dynamic_default; /* cluster-wide dynamic defaults */
} lode_config_layers_t;

/*
 * The effective value of topic config `name` over the layers (NULL: none)
 * and cfg's static layer (cfg NULL: none, only defaults), converted into the
 * topic config's unit, with retention.ms's negative broker values meaning -1
 * as in Kafka. Layer values that do not parse or validate are skipped (the
 * controller validates before storing them). *src, if not NULL, receives
 * where the value came from. Returns 0 (free *out with
 * lode_config_value_free) or LODE_ENOTFOUND for an unknown topic config.
 */
int lode_config_topic_value(const lode_config_t *cfg, const lode_config_layers_t *layers,
                            const char *name, lode_config_value_t *out, lode_cfg_source_t *src);

/*
 * The effective value of broker config `name` over the broker layers of
 * `layers` (topic is ignored) and the static layer: the first layer holding
 * it or one of its synonyms (log.retention.ms / .minutes / .hours...) wins,
 * converted into name's unit when name heads a synonym group — so
 * "log.retention.ms" gives the effective retention in ms. Same contract as
 * lode_config_topic_value.
 */
int lode_config_broker_value(const lode_config_t *cfg, const lode_config_layers_t *layers,
                             const char *name, lode_config_value_t *out, lode_cfg_source_t *src);

/*
 * Fills the storage settings of a topic's logs from its effective topic
 * configs (and the broker's producer.id.expiration.ms), as Kafka's
 * LogConfig.fromProps(extractLogConfigMap, topic overrides) does.
 */
void lode_config_fill_log_config(const lode_config_t *cfg, const lode_config_layers_t *layers,
                                 lode_log_config_t *out);

/* Most synonyms one DescribeConfigs entry can list. */
#define LODE_CONFIG_MAX_ENTRY_SYNONYMS 16

typedef struct lode_config_syn {
    char *name;
    char *value; /* NULL for sensitive configs */
    lode_cfg_source_t source;
} lode_config_syn_t;

/* One DescribeConfigs result entry; strings owned, free with
 * lode_config_entry_free. */
typedef struct lode_config_entry {
    const lode_config_def_t *def;
    char *value; /* Kafka's string form; NULL for null or sensitive values */
    lode_cfg_source_t source;
    bool sensitive;
    bool read_only;
    lode_config_syn_t synonyms[LODE_CONFIG_MAX_ENTRY_SYNONYMS];
    size_t nsynonyms;
} lode_config_entry_t;

void lode_config_entry_free(lode_config_entry_t *e);

/*
 * DescribeConfigs for topic config `name`, as Kafka's ConfigHelper reports
 * it: value = the effective value; synonyms = the topic override (if any),
 * then the synonyms of the topic config's first broker synonym, grouped by
 * source (per-broker dynamic, dynamic default, static, default — every
 * synonym name within a source, in order) and cut before the first entry of
 * that first synonym itself; source = the first synonym's source, or
 * DEFAULT_CONFIG. Kafka's consequence, kept: retention.ms with only
 * log.retention.hours set lists no synonyms and reports DEFAULT_CONFIG
 * (its value is still the converted hours). Synonym values are shown as
 * set. Returns 0 or LODE_ENOTFOUND.
 */
int lode_config_describe_topic(const lode_config_t *cfg, const lode_config_layers_t *layers,
                               const char *name, lode_config_entry_t *out);

/*
 * DescribeConfigs for broker config `name`. per_broker: the broker's own
 * resource (value as this broker holds it — the value of exactly that key,
 * not its derived form; synonyms from every source); otherwise the
 * cluster-default resource (value as set in layers->dynamic_default, only
 * DYNAMIC_DEFAULT_BROKER_CONFIG synonyms; LODE_ENOTFOUND when the default
 * layer does not hold name, since Kafka lists only what is set there).
 * read_only is true for configs that cannot change while running.
 * Returns 0 or LODE_ENOTFOUND.
 */
int lode_config_describe_broker(const lode_config_t *cfg, const lode_config_layers_t *layers,
                                const char *name, bool per_broker, lode_config_entry_t *out);

#endif
