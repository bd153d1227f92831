/*
 * config.c — loading a broker configuration: every known key parsed and
 * validated in definition order, then KafkaConfig's derived rules and
 * cross-config checks, in Kafka's order and with its messages (see
 * config.h).
 */
#include "config/config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "core/err.h"
#include "core/mem.h"

struct lode_config {
    lode_props_t props;        /* the static layer, as given */
    lode_config_value_t *vals; /* per broker definition: parsed value (Kafka's `values`) */
    lode_config_value_t *eff;  /* the same with derived keys computed */
    char **unknown;
    size_t nunknown;
    int32_t node_id;
    bool broker_role, controller_role;
    lode_strlist_t log_dirs;
    lode_strlist_t controller_names;
    lode_config_protomap_t protomap;
    lode_config_listeners_t listeners;      /* everything bound */
    lode_config_listeners_t advertised;     /* advertised.listeners or listeners */
    lode_config_listeners_t adv_broker;     /* advertised minus controller listeners */
    lode_config_listeners_t adv_controller; /* per controller.listener.names */
    char *inter_broker_listener;
    lode_cfg_proto_t inter_broker_proto;
    lode_config_voters_t voters, bootstrap;
};

static size_t def_index(const char *name)
{
    const lode_config_def_t *d = lode_config_def_find(LODE_CFG_KIND_BROKER, name);
    if (!d)
        lode__config_die("'%s' is not a broker config", name);
    return (size_t)(d - lode__config_broker_defs);
}

static const lode_config_value_t *val(const lode_config_t *cfg, const char *name)
{
    return &cfg->vals[def_index(name)];
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return LODE_EINVAL;
}

static bool strlist_has(const lode_strlist_t *l, const char *s)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

static void listeners_push_copy(lode_config_listeners_t *l, const lode_config_listener_t *src)
{
    l->items = lode_xrealloc(l->items, (l->count + 1) * sizeof *l->items);
    lode_config_listener_t *d = &l->items[l->count++];
    d->name = lode_xstrdup(src->name);
    d->host = src->host ? lode_xstrdup(src->host) : NULL;
    d->port = src->port;
    d->proto = src->proto;
}

/* "A,B" from listener names, for messages. */
static void names_of(const lode_config_listeners_t *l, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->count && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? "," : "", l->items[i].name);
}

/* Scala's Set(1, 2) rendering of voter ids, for messages. */
static void voter_set(const lode_config_voters_t *v, char *buf, size_t cap)
{
    size_t o = (size_t)snprintf(buf, cap, "Set(");
    for (size_t i = 0; i < v->count && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%d", i ? ", " : "", v->items[i].id);
    if (o < cap)
        snprintf(buf + o, cap - o, ")");
}

/* ---- known keys ----------------------------------------------------------- */

/* Broker configs, and listener overrides of them (listener.name.<l>.<config>
 * or, for SASL settings, listener.name.<l>.<mechanism>.<config>). */
static bool known_key(const char *key)
{
    if (lode_config_def_find(LODE_CFG_KIND_BROKER, key))
        return true;
    static const char prefix[] = "listener.name.";
    if (strncmp(key, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *rest = strchr(key + sizeof prefix - 1, '.');
    for (; rest; rest = strchr(rest + 1, '.'))
        if (lode_config_def_find(LODE_CFG_KIND_BROKER, rest + 1))
            return true;
    return false;
}

/* ---- steps of loading ----------------------------------------------------- */

/* Kafka's ConfigDef.parse over the table (after populateSynonyms). */
static int parse_all(lode_config_t *cfg, char *err, size_t errlen)
{
    size_t n;
    const lode_config_def_t *defs = lode_config_defs(LODE_CFG_KIND_BROKER, &n);
    for (size_t i = 0; i < n; i++) {
        const lode_config_def_t *d = &defs[i];
        size_t len = 0;
        const char *raw = lode_props_get_len(&cfg->props, d->name, strlen(d->name), &len);
        /* node.id and broker.id stand in for each other */
        const char *alias = !strcmp(d->name, "node.id")     ? "broker.id"
                            : !strcmp(d->name, "broker.id") ? "node.id"
                                                            : NULL;
        if (!raw && alias)
            raw = lode_props_get_len(&cfg->props, alias, strlen(alias), &len);
        int rc;
        if (raw)
            rc = lode_config_parse(d, raw, len, &cfg->vals[i], err, errlen);
        else if (d->flags & LODE_CFG_F_REQUIRED)
            rc = fail(err, errlen,
                      "Missing required configuration \"%s\" which has no default value.", d->name);
        else
            rc = lode_config_default(d, &cfg->vals[i]);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_roles(lode_config_t *cfg, char *err, size_t errlen)
{
    const lode_strlist_t *roles = &val(cfg, "process.roles")->list;
    for (size_t i = 0; i < roles->count; i++) {
        bool *role = !strcmp(roles->items[i], "broker") ? &cfg->broker_role : &cfg->controller_role;
        if (*role) {
            char shown[256];
            size_t o = 0;
            shown[0] = '\0';
            for (size_t k = 0; k < roles->count && o < sizeof shown; k++)
                o += (size_t)snprintf(shown + o, sizeof shown - o, "%s%s", k ? "," : "",
                                      roles->items[k]);
            return fail(err, errlen, "Duplicate role names found in `process.roles`: %s", shown);
        }
        *role = true;
    }
    if (!cfg->broker_role && !cfg->controller_role)
        return fail(err, errlen,
                    "process.roles must name the roles of this node: broker, controller or "
                    "both (lode runs in KRaft mode only)");
    return 0;
}

static int64_t first_set_ms(const lode_config_t *cfg, const char *ms, const char *mid,
                            int64_t mid_scale, const char *last, int64_t last_scale)
{
    const lode_config_value_t *v = val(cfg, ms);
    if (!v->is_null)
        return v->i;
    if (mid && !(v = val(cfg, mid))->is_null)
        return v->i * mid_scale;
    return val(cfg, last)->i * last_scale;
}

static void set_eff_i64(lode_config_t *cfg, const char *name, int64_t x)
{
    lode_config_value_t *e = &cfg->eff[def_index(name)];
    e->is_null = false;
    e->i = x;
}

static void set_eff_str(lode_config_t *cfg, const char *name, const char *s)
{
    lode_config_value_t *e = &cfg->eff[def_index(name)];
    free(e->s);
    e->s = s ? lode_xstrdup(s) : NULL;
    e->is_null = s == NULL;
}

/* The storage-related rules at the top of KafkaConfig.validateValues. */
static int derive_logs(lode_config_t *cfg, char *err, size_t errlen)
{
    int64_t roll = first_set_ms(cfg, "log.roll.ms", NULL, 0, "log.roll.hours", LODE__MS_PER_HOUR);
    int64_t jitter = first_set_ms(cfg, "log.roll.jitter.ms", NULL, 0, "log.roll.jitter.hours",
                                  LODE__MS_PER_HOUR);
    int64_t retention = first_set_ms(cfg, "log.retention.ms", "log.retention.minutes",
                                     LODE__MS_PER_MINUTE, "log.retention.hours", LODE__MS_PER_HOUR);
    if (retention < 0)
        retention = -1;
    int64_t flush =
        first_set_ms(cfg, "log.flush.interval.ms", NULL, 0, "log.flush.scheduler.interval.ms", 1);
    set_eff_i64(cfg, "log.roll.ms", roll);
    set_eff_i64(cfg, "log.roll.jitter.ms", jitter);
    set_eff_i64(cfg, "log.retention.ms", retention);
    set_eff_i64(cfg, "log.flush.interval.ms", flush);

    const lode_config_value_t *dirs = val(cfg, "log.dirs");
    lode__config_csv_list(dirs->is_null ? val(cfg, "log.dir")->s : dirs->s, &cfg->log_dirs);
    size_t need = 1;
    for (size_t i = 0; i < cfg->log_dirs.count; i++)
        need += strlen(cfg->log_dirs.items[i]) + 1;
    char *joined = lode_xmalloc(need);
    size_t o = 0;
    joined[0] = '\0';
    for (size_t i = 0; i < cfg->log_dirs.count; i++)
        o += (size_t)sprintf(joined + o, "%s%s", i ? "," : "", cfg->log_dirs.items[i]);
    set_eff_str(cfg, "log.dirs", joined);
    free(joined);
    const lode_config_value_t *md = val(cfg, "metadata.log.dir");
    set_eff_str(cfg, "metadata.log.dir",
                !md->is_null          ? md->s
                : cfg->log_dirs.count ? cfg->log_dirs.items[0]
                                      : NULL);

    if (roll < 1)
        return fail(err, errlen, "log.roll.ms must be greater than or equal to 1");
    if (jitter < 0)
        return fail(err, errlen, "log.roll.jitter.ms must be greater than or equal to 0");
    if (retention < 1 && retention != -1)
        return fail(err, errlen,
                    "log.retention.ms must be unlimited (-1) or, greater than or equal to 1");
    if (cfg->log_dirs.count == 0)
        return fail(err, errlen,
                    "At least one log directory must be defined via log.dirs or log.dir.");
    int64_t threads = val(cfg, "log.cleaner.threads")->i;
    if (threads > 0 && val(cfg, "log.cleaner.dedupe.buffer.size")->i / threads <= 1024 * 1024)
        return fail(err, errlen,
                    "log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner "
                    "thread.");
    int64_t wait = val(cfg, "replica.fetch.wait.max.ms")->i;
    if (wait > val(cfg, "replica.socket.timeout.ms")->i)
        return fail(err, errlen,
                    "replica.socket.timeout.ms should always be at least "
                    "replica.fetch.wait.max.ms to prevent unnecessary socket timeouts");
    if (wait > val(cfg, "replica.lag.time.max.ms")->i)
        return fail(err, errlen,
                    "replica.fetch.wait.max.ms should always be less than or equal to "
                    "replica.lag.time.max.ms to prevent frequent changes in ISR");
    return 0;
}

static bool is_ssl_or_sasl(const char *name)
{
    return name &&
           (!strcmp(name, "SSL") || !strcmp(name, "SASL_SSL") || !strcmp(name, "SASL_PLAINTEXT"));
}

/* KafkaConfig.effectiveListenerSecurityProtocolMap. */
static int build_protomap(lode_config_t *cfg, char *err, size_t errlen)
{
    int rc = lode_config_parse_protocol_map(val(cfg, "listener.security.protocol.map")->s,
                                            &cfg->protomap, err, errlen);
    if (rc || lode_props_get(&cfg->props, "listener.security.protocol.map"))
        return rc;
    /* Default map: controller listeners become PLAINTEXT unless SSL or SASL
     * is in use among the controller names or the listeners. */
    bool secure = false;
    for (size_t i = 0; i < cfg->controller_names.count; i++)
        secure |= is_ssl_or_sasl(cfg->controller_names.items[i]);
    lode_strlist_t entries;
    lode__config_csv_list(val(cfg, "listeners")->s, &entries);
    for (size_t i = 0; i < entries.count; i++) {
        char *name = lode__config_listener_name_of(entries.items[i]);
        secure |= is_ssl_or_sasl(name);
        free(name);
    }
    lode_strlist_free(&entries);
    if (secure)
        return 0;
    for (size_t i = 0; i < cfg->controller_names.count; i++) {
        const char *n = cfg->controller_names.items[i];
        if (!strcmp(n, "PLAINTEXT"))
            continue;
        lode_config_protomap_t *m = &cfg->protomap;
        m->names = lode_xrealloc(m->names, (m->count + 1) * sizeof *m->names);
        m->protos = lode_xrealloc(m->protos, (m->count + 1) * sizeof *m->protos);
        m->names[m->count] = lode_xstrdup(n);
        m->protos[m->count++] = LODE_CFG_PROTO_PLAINTEXT;
    }
    return 0;
}

static int build_listeners(lode_config_t *cfg, char *err, size_t errlen)
{
    const lode_config_value_t *cln = val(cfg, "controller.listener.names");
    if (!cln->is_null)
        lode__config_csv_list(cln->s, &cfg->controller_names);
    int rc = build_protomap(cfg, err, errlen);
    if (rc)
        return rc;
    if ((rc = lode_config_parse_listeners(val(cfg, "listeners")->s, &cfg->protomap, true,
                                          &cfg->listeners, err, errlen)))
        return rc;
    const lode_config_value_t *adv = val(cfg, "advertised.listeners");
    if (!adv->is_null) {
        if ((rc = lode_config_parse_listeners(adv->s, &cfg->protomap, false, &cfg->advertised, err,
                                              errlen)))
            return rc;
    } else {
        for (size_t i = 0; i < cfg->listeners.count; i++)
            listeners_push_copy(&cfg->advertised, &cfg->listeners.items[i]);
    }
    /* Kafka compares controller.listener.names with listener names as given. */
    for (size_t i = 0; i < cfg->advertised.count; i++)
        if (!strlist_has(&cfg->controller_names, cfg->advertised.items[i].name))
            listeners_push_copy(&cfg->adv_broker, &cfg->advertised.items[i]);
    for (size_t i = 0; i < cfg->controller_names.count; i++) {
        const char *n = cfg->controller_names.items[i];
        const lode_config_listener_t *hit = lode_config_listeners_find(&cfg->advertised, n);
        if (!hit)
            hit = lode_config_listeners_find(&cfg->listeners, n);
        if (hit)
            listeners_push_copy(&cfg->adv_controller, hit);
    }
    return 0;
}

static int parse_quorum(lode_config_t *cfg, char *err, size_t errlen)
{
    int rc = lode_config_parse_voters(&val(cfg, "controller.quorum.voters")->list, true,
                                      &cfg->voters, err, errlen);
    if (rc == 0)
        rc = lode_config_parse_bootstrap(&val(cfg, "controller.quorum.bootstrap.servers")->list,
                                         &cfg->bootstrap, err, errlen);
    if (rc == 0 && cfg->voters.count == 0 && cfg->bootstrap.count == 0)
        rc = fail(err, errlen,
                  "If using process.roles, either controller.quorum.bootstrap.servers must "
                  "contain the set of bootstrap controllers or controller.quorum.voters must "
                  "contain a parseable set of controllers.");
    return rc;
}

static bool voters_have(const lode_config_voters_t *v, int32_t id)
{
    for (size_t i = 0; i < v->count; i++)
        if (v->items[i].id == id)
            return true;
    return false;
}

/* The role-specific checks of KafkaConfig.validateValues. */
static int check_roles(lode_config_t *cfg, char *err, size_t errlen)
{
    char set[512];
    voter_set(&cfg->voters, set, sizeof set);
    if (cfg->broker_role && !cfg->controller_role) {
        if (voters_have(&cfg->voters, cfg->node_id))
            return fail(err, errlen,
                        "If process.roles contains just the 'broker' role, the node id %d must "
                        "not be included in the set of voters controller.quorum.voters=%s",
                        cfg->node_id, set);
        if (cfg->controller_names.count == 0)
            return fail(err, errlen,
                        "controller.listener.names must contain at least one value "
                        "when running KRaft with just the broker role");
        for (size_t i = 0; i < cfg->listeners.count; i++)
            if (strlist_has(&cfg->controller_names, cfg->listeners.items[i].name))
                return fail(err, errlen,
                            "controller.listener.names must not contain a value appearing in "
                            "the 'listeners' configuration when running KRaft with just the "
                            "broker role");
        for (size_t i = 0; i < cfg->controller_names.count; i++)
            if (lode_config_protomap_find(&cfg->protomap, cfg->controller_names.items[i]) < 0)
                return fail(err, errlen,
                            "Controller listener with name %s defined in "
                            "controller.listener.names not found in "
                            "listener.security.protocol.map  (an explicit security mapping for "
                            "each controller listener is required if "
                            "listener.security.protocol.map is non-empty, or if there are "
                            "security protocols other than PLAINTEXT in use)",
                            cfg->controller_names.items[i]);
        return 0;
    }
    if (!cfg->broker_role && cfg->adv_controller.count != cfg->listeners.count)
        return fail(err, errlen,
                    "The listeners config must only contain KRaft controller listeners from "
                    "controller.listener.names when process.roles=controller");
    if (cfg->voters.count && !voters_have(&cfg->voters, cfg->node_id))
        return fail(err, errlen,
                    "If process.roles contains the 'controller' role, the node id %d must be "
                    "included in the set of voters controller.quorum.voters=%s",
                    cfg->node_id, set);
    if (cfg->adv_controller.count == 0)
        return fail(err, errlen,
                    "controller.listener.names must contain at least one value appearing in the "
                    "'listeners' configuration when running the KRaft controller role");
    for (size_t i = 0; i < cfg->controller_names.count; i++)
        if (!lode_config_listeners_find(&cfg->listeners, cfg->controller_names.items[i]))
            return fail(err, errlen,
                        "controller.listener.names must only contain values appearing in the "
                        "'listeners' configuration when running the KRaft controller role");
    return 0;
}

/* KafkaConfig.getInterBrokerListenerNameAndSecurityProtocol. */
static int inter_broker(lode_config_t *cfg, char *err, size_t errlen)
{
    if (cfg->inter_broker_listener)
        return 0;
    const lode_config_value_t *name = val(cfg, "inter.broker.listener.name");
    if (!name->is_null) {
        if (lode_props_get(&cfg->props, "security.inter.broker.protocol"))
            return fail(err, errlen,
                        "Only one of inter.broker.listener.name and "
                        "security.inter.broker.protocol should be set.");
        char *upper = lode_xstrdup(name->s);
        for (char *p = upper; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        int p = lode_config_protomap_find(&cfg->protomap, upper);
        if (p < 0) {
            fail(err, errlen,
                 "Listener with name %s defined in inter.broker.listener.name not found in "
                 "listener.security.protocol.map.",
                 upper);
            free(upper);
            return LODE_EINVAL;
        }
        cfg->inter_broker_listener = upper;
        cfg->inter_broker_proto = (lode_cfg_proto_t)p;
    } else {
        const char *proto = val(cfg, "security.inter.broker.protocol")->s;
        for (int p = 0; p < 4; p++)
            if (!strcmp(lode_config_proto_name((lode_cfg_proto_t)p), proto))
                cfg->inter_broker_proto = (lode_cfg_proto_t)p;
        cfg->inter_broker_listener = lode_xstrdup(proto);
    }
    set_eff_str(cfg, "inter.broker.listener.name", cfg->inter_broker_listener);
    return 0;
}

static int check_broker_listeners(lode_config_t *cfg, char *err, size_t errlen)
{
    char have[1024], valid[1024];
    int rc;
    if (cfg->broker_role) {
        if (cfg->adv_broker.count == 0)
            return fail(err, errlen,
                        "There must be at least one broker advertised listener. "
                        "Perhaps all listeners appear in controller.listener.names?");
        if ((rc = inter_broker(cfg, err, errlen)))
            return rc;
        names_of(&cfg->adv_broker, have, sizeof have);
        if (!lode_config_listeners_find(&cfg->adv_broker, cfg->inter_broker_listener))
            return fail(err, errlen,
                        "inter.broker.listener.name must be a listener name defined in "
                        "advertised.listeners. The valid options based on currently configured "
                        "listeners are %s",
                        have);
        names_of(&cfg->listeners, valid, sizeof valid);
        for (size_t i = 0; i < cfg->adv_broker.count; i++)
            if (!lode_config_listeners_find(&cfg->listeners, cfg->adv_broker.items[i].name))
                return fail(err, errlen,
                            "advertised.listeners listener names must be equal to or a subset of "
                            "the ones defined in listeners. Found %s. The valid options based on "
                            "the current configuration are %s",
                            have, valid);
    }
    const lode_config_listeners_t *adv[2] = {&cfg->adv_broker, &cfg->adv_controller};
    for (int a = 0; a < 2; a++)
        for (size_t i = 0; i < adv[a]->count; i++)
            if (adv[a]->items[i].host && !strcmp(adv[a]->items[i].host, "0.0.0.0"))
                return fail(err, errlen,
                            "advertised.listeners cannot use the nonroutable "
                            "meta-address 0.0.0.0. Use a routable IP address.");
    return 0;
}

/* The remaining checks at the end of KafkaConfig.validateValues. */
static int check_misc(lode_config_t *cfg, char *err, size_t errlen)
{
    int rc = inter_broker(cfg, err, errlen);
    if (rc)
        return rc;
    if (cfg->inter_broker_proto == LODE_CFG_PROTO_SASL_PLAINTEXT ||
        cfg->inter_broker_proto == LODE_CFG_PROTO_SASL_SSL) {
        if (!strlist_has(&val(cfg, "sasl.enabled.mechanisms")->list,
                         val(cfg, "sasl.mechanism.inter.broker.protocol")->s))
            return fail(err, errlen,
                        "sasl.mechanism.inter.broker.protocol must be included in "
                        "sasl.enabled.mechanisms when SASL is used for inter-broker "
                        "communication");
    }
    int64_t queued = val(cfg, "queued.max.request.bytes")->i;
    if (queued > 0 && queued < val(cfg, "socket.request.max.bytes")->i)
        return fail(err, errlen,
                    "queued.max.request.bytes must be larger or equal to socket.request.max.bytes");
    const char *overrides = val(cfg, "max.connections.per.ip.overrides")->s;
    if (val(cfg, "max.connections.per.ip")->i == 0 && !overrides[0])
        return fail(err, errlen,
                    "max.connections.per.ip can be set to zero only if "
                    "max.connections.per.ip.overrides property is set.");
    lode_strlist_t entries;
    lode__config_csv_list(overrides, &entries);
    for (size_t i = 0; i < entries.count && rc == 0; i++) {
        const char *e = entries.items[i], *c = strrchr(e, ':');
        int32_t count;
        bool host_ok = c != NULL;
        for (const char *p = e; host_ok && p < c; p++)
            host_ok = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                      (*p >= 'A' && *p <= 'Z') || strchr("-%._:", *p);
        if (!host_ok)
            rc = fail(err, errlen,
                      "max.connections.per.ip.overrides contains invalid addresses : %s", e);
        else if (lode_parse_java_int32(c + 1, strlen(c + 1), &count) != 0)
            rc = fail(err, errlen,
                      "Error parsing configuration property 'max.connections.per.ip.overrides': "
                      "'%s' is not host:count",
                      e);
    }
    lode_strlist_free(&entries);
    if (rc)
        return rc;
    int64_t idle = val(cfg, "connections.max.idle.ms")->i;
    int64_t delay = val(cfg, "connection.failed.authentication.delay.ms")->i;
    if (idle >= 0 && delay >= idle)
        return fail(err, errlen,
                    "connection.failed.authentication.delay.ms=%" PRId64
                    " should always be less than connections.max.idle.ms=%" PRId64
                    " to prevent failed authentication responses from timing out",
                    delay, idle);
    return 0;
}

static void collect_unknown(lode_config_t *cfg)
{
    size_t it = 0;
    const char *k, *v;
    while (lode_props_next(&cfg->props, &it, &k, &v)) {
        if (known_key(k))
            continue;
        cfg->unknown = lode_xrealloc(cfg->unknown, (cfg->nunknown + 1) * sizeof *cfg->unknown);
        cfg->unknown[cfg->nunknown++] = lode_xstrdup(k);
    }
}

int lode_config_load(const lode_props_t *props, lode_config_t **out, char *err, size_t errlen)
{
    *out = NULL;
    lode_config_t *cfg = lode_xcalloc(1, sizeof *cfg);
    lode_props_init(&cfg->props);
    size_t it = 0, kl, vl;
    const char *k, *v;
    while (lode_props_next_len(props, &it, &k, &kl, &v, &vl))
        lode_props_set_len(&cfg->props, k, kl, v, vl);
    size_t n;
    lode_config_defs(LODE_CFG_KIND_BROKER, &n);
    cfg->vals = lode_xcalloc(n, sizeof *cfg->vals);
    cfg->eff = lode_xcalloc(n, sizeof *cfg->eff);

    int rc = parse_all(cfg, err, errlen);
    if (rc == 0)
        rc = parse_roles(cfg, err, errlen);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            lode_config_value_copy(&cfg->eff[i], &cfg->vals[i]);
        cfg->node_id = (int32_t)val(cfg, "node.id")->i;
        const char *nid = lode_props_get(&cfg->props, "node.id");
        const char *bid = lode_props_get(&cfg->props, "broker.id");
        if (nid && bid && val(cfg, "node.id")->i != val(cfg, "broker.id")->i)
            rc = fail(err, errlen, "You must set `node.id` to the same value as `broker.id`.");
        else if (cfg->node_id < 0)
            rc = fail(err, errlen,
                      "Missing configuration `node.id` which is required when `process.roles` is "
                      "defined (i.e. when running in KRaft mode).");
    }
    if (rc == 0)
        rc = derive_logs(cfg, err, errlen);
    if (rc == 0)
        rc = build_listeners(cfg, err, errlen);
    if (rc == 0)
        rc = parse_quorum(cfg, err, errlen);
    if (rc == 0)
        rc = check_roles(cfg, err, errlen);
    if (rc == 0)
        rc = check_broker_listeners(cfg, err, errlen);
    if (rc == 0)
        rc = check_misc(cfg, err, errlen);
    if (rc) {
        lode_config_free(cfg);
        return rc;
    }
    set_eff_i64(cfg, "node.id", cfg->node_id);
    set_eff_i64(cfg, "broker.id", cfg->node_id);
    collect_unknown(cfg);
    *out = cfg;
    return 0;
}

void lode_config_free(lode_config_t *cfg)
{
    if (!cfg)
        return;
    size_t n;
    lode_config_defs(LODE_CFG_KIND_BROKER, &n);
    for (size_t i = 0; i < n; i++) {
        lode_config_value_free(&cfg->vals[i]);
        lode_config_value_free(&cfg->eff[i]);
    }
    free(cfg->vals);
    free(cfg->eff);
    for (size_t i = 0; i < cfg->nunknown; i++)
        free(cfg->unknown[i]);
    free(cfg->unknown);
    lode_strlist_free(&cfg->log_dirs);
    lode_strlist_free(&cfg->controller_names);
    lode_config_protomap_free(&cfg->protomap);
    lode_config_listeners_free(&cfg->listeners);
    lode_config_listeners_free(&cfg->advertised);
    lode_config_listeners_free(&cfg->adv_broker);
    lode_config_listeners_free(&cfg->adv_controller);
    free(cfg->inter_broker_listener);
    lode_config_voters_free(&cfg->voters);
    lode_config_voters_free(&cfg->bootstrap);
    lode_props_free(&cfg->props);
    free(cfg);
}

/* ---- accessors ------------------------------------------------------------ */

const lode_props_t *lode_config_static_props(const lode_config_t *cfg)
{
    return &cfg->props;
}

size_t lode_config_unknown_count(const lode_config_t *cfg)
{
    return cfg->nunknown;
}

const char *lode_config_unknown(const lode_config_t *cfg, size_t i)
{
    return i < cfg->nunknown ? cfg->unknown[i] : NULL;
}

bool lode_config_is_set(const lode_config_t *cfg, const char *name)
{
    return lode_props_get(&cfg->props, name) != NULL;
}

const lode_config_value_t *lode_config_get(const lode_config_t *cfg, const char *name)
{
    return val(cfg, name);
}

static const lode_config_value_t *eff_typed(const lode_config_t *cfg, const char *name,
                                            unsigned type_mask)
{
    size_t i = def_index(name);
    if (!(type_mask & (1u << lode__config_broker_defs[i].type)))
        lode__config_die("'%s' is a %s config", name,
                         lode_config_type_name(lode__config_broker_defs[i].type));
    return &cfg->eff[i];
}

#define TBIT(t) (1u << LODE_CFG_TYPE_##t)

int32_t lode_config_get_int(const lode_config_t *cfg, const char *name)
{
    return (int32_t)eff_typed(cfg, name, TBIT(INT) | TBIT(SHORT))->i;
}

int64_t lode_config_get_int64(const lode_config_t *cfg, const char *name)
{
    return eff_typed(cfg, name, TBIT(INT) | TBIT(SHORT) | TBIT(LONG))->i;
}

bool lode_config_get_bool(const lode_config_t *cfg, const char *name)
{
    return eff_typed(cfg, name, TBIT(BOOLEAN))->b;
}

double lode_config_get_double(const lode_config_t *cfg, const char *name)
{
    return eff_typed(cfg, name, TBIT(DOUBLE))->d;
}

const char *lode_config_get_string(const lode_config_t *cfg, const char *name)
{
    const lode_config_value_t *v =
        eff_typed(cfg, name, TBIT(STRING) | TBIT(CLASS) | TBIT(PASSWORD));
    return v->is_null ? NULL : v->s;
}

const lode_strlist_t *lode_config_get_list(const lode_config_t *cfg, const char *name)
{
    return &eff_typed(cfg, name, TBIT(LIST))->list;
}

int32_t lode_config_node_id(const lode_config_t *cfg)
{
    return cfg->node_id;
}

bool lode_config_has_broker_role(const lode_config_t *cfg)
{
    return cfg->broker_role;
}

bool lode_config_has_controller_role(const lode_config_t *cfg)
{
    return cfg->controller_role;
}

const lode_strlist_t *lode_config_log_dirs(const lode_config_t *cfg)
{
    return &cfg->log_dirs;
}

const char *lode_config_metadata_log_dir(const lode_config_t *cfg)
{
    return cfg->eff[def_index("metadata.log.dir")].s;
}

const lode_config_protomap_t *lode_config_protocol_map(const lode_config_t *cfg)
{
    return &cfg->protomap;
}

const lode_config_listeners_t *lode_config_listeners(const lode_config_t *cfg)
{
    return &cfg->listeners;
}

const lode_config_listeners_t *lode_config_advertised_listeners(const lode_config_t *cfg)
{
    return &cfg->adv_broker;
}

const lode_config_listeners_t *lode_config_controller_listeners(const lode_config_t *cfg)
{
    return &cfg->adv_controller;
}

const lode_strlist_t *lode_config_controller_listener_names(const lode_config_t *cfg)
{
    return &cfg->controller_names;
}

bool lode_config_is_controller_listener(const lode_config_t *cfg, const char *name)
{
    return strlist_has(&cfg->controller_names, name);
}

const char *lode_config_inter_broker_listener(const lode_config_t *cfg)
{
    return cfg->inter_broker_listener;
}

lode_cfg_proto_t lode_config_inter_broker_protocol(const lode_config_t *cfg)
{
    return cfg->inter_broker_proto;
}

const lode_config_voters_t *lode_config_quorum_voters(const lode_config_t *cfg)
{
    return &cfg->voters;
}

const lode_config_voters_t *lode_config_quorum_bootstrap(const lode_config_t *cfg)
{
    return &cfg->bootstrap;
}
