/*
 * server_config.h — the configuration `lode server` starts from:
 * server.properties plus --override key=value, with Kafka's keys, defaults
 * and startup validation (an invalid value stops startup with a clear
 * message; the server exits with code 2).
 *
 * Storage defaults (log.*) are not copied here: topic configs resolve them
 * from the same properties (metadata/topic_config.h).
 */
#ifndef LODE_SERVER_SERVER_CONFIG_H
#define LODE_SERVER_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/props.h"

#define LODE_MAX_LISTENERS 16
#define LODE_MAX_LOG_DIRS 64

typedef struct lode_listener {
    char name[64];
    char host[256]; /* "" = all interfaces */
    int port;
    int16_t security_protocol; /* 0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL */
} lode_listener_t;

typedef struct lode_server_config {
    lode_props_t props; /* everything, for topic-config resolution and DescribeConfigs */
    bool broker_role, controller_role;
    int32_t node_id;
    lode_listener_t listeners[LODE_MAX_LISTENERS];
    int nlisteners;
    lode_listener_t advertised[LODE_MAX_LISTENERS];
    int nadvertised;
    char controller_listener_names[LODE_MAX_LISTENERS][64];
    int ncontroller_listeners;
    char inter_broker_listener[64];
    char *log_dirs[LODE_MAX_LOG_DIRS];
    int nlog_dirs;
    char *metadata_log_dir;
    int32_t num_partitions;
    int16_t default_replication_factor;
    bool auto_create_topics;
    int32_t num_network_threads;
    int32_t message_max_bytes;
    int32_t socket_request_max_bytes;
    int64_t connections_max_idle_ms;
    int32_t offsets_topic_num_partitions;
    int16_t offsets_topic_replication_factor;
    char *rack;     /* broker.rack or NULL */
    char **unknown; /* keys lode does not know (logged, ignored) */
    int nunknown;
} lode_server_config_t;

/*
 * Builds the configuration from props (taken over by cfg). Returns 0, or
 * LODE_EINVAL with the first problem in err ("Invalid value x for
 * configuration num.partitions: ..."), after which cfg must still be freed.
 */
int lode_server_config_load(lode_props_t *props, lode_server_config_t *cfg, char *err,
                            size_t errlen);
void lode_server_config_free(lode_server_config_t *cfg);

/* Parses Kafka's listener list ("NAME://host:port,..."). */
int lode_parse_listeners(const char *value, lode_listener_t *out, int max, int *n, char *err,
                         size_t errlen);

/* Whether a listener name is one of controller.listener.names. */
bool lode_server_is_controller_listener(const lode_server_config_t *cfg, const char *name);

#endif
