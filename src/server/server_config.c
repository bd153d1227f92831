/*
 * server_config.c — startup configuration (see server_config.h).
 */
#include "server/server_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "metadata/topic_config.h"

/* Keys lode reads (besides the topic-config synonyms, which topic configs
 * resolve); others are reported as unknown. */
static const char *const KNOWN[] = {"process.roles",
                                    "node.id",
                                    "broker.id",
                                    "controller.quorum.voters",
                                    "controller.quorum.bootstrap.servers",
                                    "listeners",
                                    "advertised.listeners",
                                    "listener.security.protocol.map",
                                    "controller.listener.names",
                                    "inter.broker.listener.name",
                                    "log.dirs",
                                    "log.dir",
                                    "metadata.log.dir",
                                    "num.partitions",
                                    "default.replication.factor",
                                    "auto.create.topics.enable",
                                    "num.network.threads",
                                    "num.io.threads",
                                    "message.max.bytes",
                                    "socket.request.max.bytes",
                                    "socket.send.buffer.bytes",
                                    "socket.receive.buffer.bytes",
                                    "connections.max.idle.ms",
                                    "max.connections",
                                    "offsets.topic.num.partitions",
                                    "offsets.topic.replication.factor",
                                    "offsets.topic.segment.bytes",
                                    "offsets.retention.minutes",
                                    "offsets.retention.check.interval.ms",
                                    "offsets.commit.timeout.ms",
                                    "group.initial.rebalance.delay.ms",
                                    "group.min.session.timeout.ms",
                                    "group.max.session.timeout.ms",
                                    "group.max.size",
                                    "transaction.state.log.replication.factor",
                                    "transaction.state.log.min.isr",
                                    "transaction.state.log.num.partitions",
                                    "transaction.max.timeout.ms",
                                    "transactional.id.expiration.ms",
                                    "producer.id.expiration.ms",
                                    "broker.rack",
                                    "delete.topic.enable",
                                    "log.retention.check.interval.ms",
                                    "log.flush.scheduler.interval.ms",
                                    "log.flush.offset.checkpoint.interval.ms",
                                    "log.flush.start.offset.checkpoint.interval.ms",
                                    "log.cleaner.enable",
                                    "log.cleaner.threads",
                                    "log.cleaner.dedupe.buffer.size",
                                    "log.cleaner.backoff.ms",
                                    "num.recovery.threads.per.data.dir",
                                    "metadata.log.max.record.bytes.between.snapshots",
                                    "metadata.log.segment.bytes",
                                    "metadata.max.retention.bytes",
                                    "broker.session.timeout.ms",
                                    "broker.heartbeat.interval.ms",
                                    "replica.lag.time.max.ms",
                                    "num.replica.fetchers",
                                    "queued.max.requests",
                                    "request.timeout.ms",
                                    NULL};

static bool known(const char *key)
{
    for (int i = 0; KNOWN[i]; i++)
        if (!strcmp(KNOWN[i], key))
            return true;
    size_t n;
    const lode_topic_config_def_t *d = lode_topic_config_defs(&n);
    for (size_t i = 0; i < n; i++)
        for (int s = 0; s < 4 && d[i].synonyms[s]; s++)
            if (!strcmp(d[i].synonyms[s], key))
                return true;
    return false;
}

static int16_t protocol_id(const char *name)
{
    if (!strcmp(name, "PLAINTEXT"))
        return 0;
    if (!strcmp(name, "SSL"))
        return 1;
    if (!strcmp(name, "SASL_PLAINTEXT"))
        return 2;
    if (!strcmp(name, "SASL_SSL"))
        return 3;
    return -1;
}

int lode_parse_listeners(const char *value, lode_listener_t *out, int max, int *n, char *err,
                         size_t errlen)
{
    lode_strlist_t l;
    lode_parse_kafka_list(value, strlen(value), &l);
    *n = 0;
    int rc = 0;
    for (size_t i = 0; i < l.count && rc == 0; i++) {
        const char *item = l.items[i];
        const char *sep = strstr(item, "://");
        const char *colon = sep ? strrchr(sep + 3, ':') : NULL;
        if (!sep || sep == item || !colon) {
            snprintf(err, errlen, "Unable to parse %s to a broker endpoint", item);
            rc = LODE_EINVAL;
            break;
        }
        if (*n == max) {
            snprintf(err, errlen, "Too many listeners (at most %d)", max);
            rc = LODE_EINVAL;
            break;
        }
        lode_listener_t *li = &out[(*n)++];
        memset(li, 0, sizeof *li);
        snprintf(li->name, sizeof li->name, "%.*s", (int)(sep - item), item);
        const char *host = sep + 3;
        size_t hl = (size_t)(colon - host);
        if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') { /* [ipv6] */
            host++;
            hl -= 2;
        }
        snprintf(li->host, sizeof li->host, "%.*s", (int)hl, host);
        int32_t port;
        if (lode_parse_java_int32(colon + 1, strlen(colon + 1), &port) != 0 || port < 0 ||
            port > 65535) {
            snprintf(err, errlen, "Unable to parse %s to a broker endpoint (bad port)", item);
            rc = LODE_EINVAL;
            break;
        }
        li->port = port;
        for (int k = 0; k < *n - 1; k++)
            if (!strcmp(out[k].name, li->name)) {
                snprintf(err, errlen, "Each listener must have a different name, %s appears twice",
                         li->name);
                rc = LODE_EINVAL;
            }
    }
    lode_strlist_free(&l);
    return rc;
}

bool lode_server_is_controller_listener(const lode_server_config_t *cfg, const char *name)
{
    for (int i = 0; i < cfg->ncontroller_listeners; i++)
        if (!strcmp(cfg->controller_listener_names[i], name))
            return true;
    return false;
}

/* Typed getters with Kafka's "Invalid value" message. */
static int get_i32(const lode_props_t *p, const char *key, int32_t dflt, int32_t min, int32_t *out,
                   char *err, size_t errlen)
{
    if (lode_props_get_int32(p, key, dflt, out) != 0) {
        snprintf(err, errlen, "Invalid value %s for configuration %s: Not a number of type INT",
                 lode_props_get(p, key), key);
        return LODE_EINVAL;
    }
    if (*out < min) {
        snprintf(err, errlen, "Invalid value %d for configuration %s: Value must be at least %d",
                 *out, key, min);
        return LODE_EINVAL;
    }
    return 0;
}

static int get_bool(const lode_props_t *p, const char *key, bool dflt, bool *out, char *err,
                    size_t errlen)
{
    if (lode_props_get_bool(p, key, dflt, out) != 0) {
        snprintf(err, errlen,
                 "Invalid value %s for configuration %s: Expected value to be either true or false",
                 lode_props_get(p, key), key);
        return LODE_EINVAL;
    }
    return 0;
}

/* listener.security.protocol.map: NAME:PROTOCOL,... (Kafka's default maps the
 * protocol names to themselves). Resolves each listener's protocol. */
static int resolve_protocols(const lode_props_t *p, lode_listener_t *ls, int n, char *err,
                             size_t errlen)
{
    const char *map = lode_props_get_or(
        p, "listener.security.protocol.map",
        "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL");
    lode_strlist_t l;
    lode_parse_kafka_list(map, strlen(map), &l);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        ls[i].security_protocol = -1;
        for (size_t k = 0; k < l.count; k++) {
            const char *c = strchr(l.items[k], ':');
            if (c && (size_t)(c - l.items[k]) == strlen(ls[i].name) &&
                !strncmp(l.items[k], ls[i].name, strlen(ls[i].name)))
                ls[i].security_protocol = protocol_id(c + 1);
        }
        if (ls[i].security_protocol < 0) {
            snprintf(err, errlen,
                     "No security protocol defined for listener %s (add it to "
                     "listener.security.protocol.map)",
                     ls[i].name);
            rc = LODE_EINVAL;
        } else if (ls[i].security_protocol != 0) {
            snprintf(err, errlen,
                     "Listener %s uses a security protocol lode does not serve yet (only "
                     "PLAINTEXT)",
                     ls[i].name);
            rc = LODE_EINVAL;
        }
    }
    lode_strlist_free(&l);
    return rc;
}

int lode_server_config_load(lode_props_t *props, lode_server_config_t *cfg, char *err,
                            size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->props = *props;
    lode_props_init(props);
    lode_props_t *p = &cfg->props;
    int rc;
    /* process.roles */
    lode_strlist_t roles;
    lode_props_get_list(p, "process.roles", "", &roles);
    rc = 0;
    for (size_t i = 0; i < roles.count; i++) {
        if (!strcmp(roles.items[i], "broker"))
            cfg->broker_role = true;
        else if (!strcmp(roles.items[i], "controller"))
            cfg->controller_role = true;
        else {
            snprintf(err, errlen,
                     "Invalid value %s for configuration process.roles: Unknown process role "
                     "'%s' (valid roles are broker and controller)",
                     lode_props_get(p, "process.roles"), roles.items[i]);
            rc = LODE_EINVAL;
        }
    }
    lode_strlist_free(&roles);
    if (rc)
        return rc;
    if (!cfg->broker_role && !cfg->controller_role) {
        snprintf(err, errlen,
                 "process.roles must be set (broker, controller or both): lode "
                 "runs in KRaft mode only");
        return LODE_EINVAL;
    }
    /* node.id (broker.id is its old name) */
    const char *id_key = lode_props_get(p, "node.id") ? "node.id" : "broker.id";
    if (!lode_props_get(p, id_key)) {
        snprintf(err, errlen,
                 "Missing required configuration \"node.id\" which has no default "
                 "value.");
        return LODE_EINVAL;
    }
    if ((rc = get_i32(p, id_key, -1, 0, &cfg->node_id, err, errlen)))
        return rc;
    /* listeners */
    const char *ls = lode_props_get_or(p, "listeners", "PLAINTEXT://:9092");
    if ((rc = lode_parse_listeners(ls, cfg->listeners, LODE_MAX_LISTENERS, &cfg->nlisteners, err,
                                   errlen)))
        return rc;
    lode_strlist_t cl;
    lode_props_get_list(p, "controller.listener.names", "", &cl);
    for (size_t i = 0; i < cl.count && cfg->ncontroller_listeners < LODE_MAX_LISTENERS; i++)
        snprintf(cfg->controller_listener_names[cfg->ncontroller_listeners++], 64, "%s",
                 cl.items[i]);
    lode_strlist_free(&cl);
    if (cfg->controller_role && cfg->ncontroller_listeners == 0) {
        snprintf(err, errlen,
                 "controller.listener.names must contain at least one value when "
                 "running the KRaft controller role");
        return LODE_EINVAL;
    }
    for (int i = 0; i < cfg->ncontroller_listeners; i++) {
        bool found = false;
        for (int k = 0; k < cfg->nlisteners; k++)
            found |= !strcmp(cfg->listeners[k].name, cfg->controller_listener_names[i]);
        if (cfg->controller_role && !found) {
            snprintf(err, errlen,
                     "controller.listener.names must contain at least one value appearing in "
                     "the 'listeners' configuration (%s is not there)",
                     cfg->controller_listener_names[i]);
            return LODE_EINVAL;
        }
    }
    /* Controller listeners default to PLAINTEXT when the map does not name
     * them (Kafka does the same for KRaft controller listeners). */
    if (!lode_props_get(p, "listener.security.protocol.map") && cfg->ncontroller_listeners) {
        char map[512] =
            "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";
        for (int i = 0; i < cfg->ncontroller_listeners; i++) {
            size_t o = strlen(map);
            snprintf(map + o, sizeof map - o, ",%s:PLAINTEXT", cfg->controller_listener_names[i]);
        }
        lode_props_set(p, "listener.security.protocol.map", map);
    }
    if ((rc = resolve_protocols(p, cfg->listeners, cfg->nlisteners, err, errlen)))
        return rc;
    if (cfg->broker_role) {
        bool any = false;
        for (int i = 0; i < cfg->nlisteners; i++)
            any |= !lode_server_is_controller_listener(cfg, cfg->listeners[i].name);
        if (!any) {
            snprintf(err, errlen,
                     "There must be at least one broker listener in 'listeners' "
                     "besides the controller listeners");
            return LODE_EINVAL;
        }
    }
    /* advertised.listeners default to the broker listeners */
    const char *adv = lode_props_get(p, "advertised.listeners");
    if (adv) {
        if ((rc = lode_parse_listeners(adv, cfg->advertised, LODE_MAX_LISTENERS, &cfg->nadvertised,
                                       err, errlen)))
            return rc;
        if ((rc = resolve_protocols(p, cfg->advertised, cfg->nadvertised, err, errlen)))
            return rc;
    } else {
        for (int i = 0; i < cfg->nlisteners; i++)
            if (!lode_server_is_controller_listener(cfg, cfg->listeners[i].name))
                cfg->advertised[cfg->nadvertised++] = cfg->listeners[i];
    }
    snprintf(cfg->inter_broker_listener, sizeof cfg->inter_broker_listener, "%s",
             lode_props_get_or(p, "inter.broker.listener.name",
                               cfg->nadvertised ? cfg->advertised[0].name : "PLAINTEXT"));
    /* log dirs */
    lode_strlist_t dirs;
    const char *dk = lode_props_get(p, "log.dirs") ? "log.dirs" : "log.dir";
    lode_props_get_list(p, dk, "/tmp/kafka-logs", &dirs);
    for (size_t i = 0; i < dirs.count && cfg->nlog_dirs < LODE_MAX_LOG_DIRS; i++)
        if (dirs.items[i][0])
            cfg->log_dirs[cfg->nlog_dirs++] = lode_xstrdup(dirs.items[i]);
    lode_strlist_free(&dirs);
    if (cfg->nlog_dirs == 0) {
        snprintf(err, errlen, "Invalid value for configuration log.dirs: no directory given");
        return LODE_EINVAL;
    }
    const char *md = lode_props_get(p, "metadata.log.dir");
    cfg->metadata_log_dir = lode_xstrdup(md && md[0] ? md : cfg->log_dirs[0]);
    /* numbers */
    int32_t rf, offrf;
    if ((rc = get_i32(p, "num.partitions", 1, 1, &cfg->num_partitions, err, errlen)) ||
        (rc = get_i32(p, "default.replication.factor", 1, 1, &rf, err, errlen)) ||
        (rc = get_i32(p, "num.network.threads", 3, 1, &cfg->num_network_threads, err, errlen)) ||
        (rc = get_i32(p, "message.max.bytes", 1048588, 0, &cfg->message_max_bytes, err, errlen)) ||
        (rc = get_i32(p, "socket.request.max.bytes", 104857600, 1, &cfg->socket_request_max_bytes,
                      err, errlen)) ||
        (rc = get_i32(p, "offsets.topic.num.partitions", 50, 1, &cfg->offsets_topic_num_partitions,
                      err, errlen)) ||
        (rc = get_i32(p, "offsets.topic.replication.factor", 3, 1, &offrf, err, errlen)) ||
        (rc =
             get_bool(p, "auto.create.topics.enable", true, &cfg->auto_create_topics, err, errlen)))
        return rc;
    cfg->default_replication_factor = (int16_t)rf;
    cfg->offsets_topic_replication_factor = (int16_t)offrf;
    if (lode_props_get_int64(p, "connections.max.idle.ms", 600000, &cfg->connections_max_idle_ms)) {
        snprintf(err, errlen,
                 "Invalid value %s for configuration connections.max.idle.ms: Not a number of "
                 "type LONG",
                 lode_props_get(p, "connections.max.idle.ms"));
        return LODE_EINVAL;
    }
    const char *rack = lode_props_get(p, "broker.rack");
    cfg->rack = rack ? lode_xstrdup(rack) : NULL;
    /* log.* values must be valid for the topic configs they stand in for */
    size_t ndefs;
    const lode_topic_config_def_t *defs = lode_topic_config_defs(&ndefs);
    for (size_t i = 0; i < ndefs; i++)
        for (int s = 0; s < 4 && defs[i].synonyms[s]; s++) {
            const char *v = lode_props_get(p, defs[i].synonyms[s]);
            char tmp[512];
            if (v && lode_topic_config_check(defs[i].name, v, tmp, sizeof tmp)) {
                snprintf(err, errlen, "Invalid value %s for configuration %s", v,
                         defs[i].synonyms[s]);
                return LODE_EINVAL;
            }
        }
    /* unknown keys: reported, not fatal (Kafka logs them) */
    size_t it = 0;
    const char *k, *v;
    while (lode_props_next(p, &it, &k, &v)) {
        if (known(k))
            continue;
        cfg->unknown =
            lode_xrealloc(cfg->unknown, (size_t)(cfg->nunknown + 1) * sizeof *cfg->unknown);
        cfg->unknown[cfg->nunknown++] = lode_xstrdup(k);
    }
    return 0;
}

void lode_server_config_free(lode_server_config_t *cfg)
{
    lode_props_free(&cfg->props);
    for (int i = 0; i < cfg->nlog_dirs; i++)
        free(cfg->log_dirs[i]);
    free(cfg->metadata_log_dir);
    free(cfg->rack);
    for (int i = 0; i < cfg->nunknown; i++)
        free(cfg->unknown[i]);
    free(cfg->unknown);
    memset(cfg, 0, sizeof *cfg);
}
