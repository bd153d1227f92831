/*
 * resolve.c — effective values over the config layers, DescribeConfigs
 * entries with Kafka's sources and synonym lists, and storage settings from
 * effective topic configs (see config.h).
 *
 * Layers, highest precedence first: a topic's overrides (topic configs
 * only), this broker's dynamic configs, the cluster-wide dynamic defaults,
 * the static properties, the built-in defaults. Broker layers are searched
 * layer by layer, each for every synonym in order: a synonym set in a higher
 * layer beats the preferred synonym in a lower one, which is what Kafka's
 * DynamicBrokerConfig.overrideProps achieves by removing a dynamic key's
 * synonyms from the layers under it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "config/config_int.h"
#include "core/err.h"
#include "core/mem.h"

enum { L_BROKER, L_DEFAULT, L_STATIC, NLAYERS };

static const lode_cfg_source_t LAYER_SRC[NLAYERS] = {
    LODE_CFG_SRC_DYNAMIC_BROKER,
    LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER,
    LODE_CFG_SRC_STATIC_BROKER,
};

static const char *props_get(const void *ctx, const char *key)
{
    return lode_props_get((const lode_props_t *)ctx, key);
}

lode_config_map_t lode_config_map_props(const lode_props_t *props)
{
    return (lode_config_map_t){props ? props_get : NULL, props};
}

static const char *map_get(const lode_config_map_t *m, const char *key)
{
    return m->get ? m->get(m->ctx, key) : NULL;
}

/* The three broker layers of (cfg, layers), highest first. */
static void broker_maps(const lode_config_t *cfg, const lode_config_layers_t *layers,
                        lode_config_map_t maps[NLAYERS])
{
    memset(maps, 0, NLAYERS * sizeof maps[0]);
    if (layers) {
        maps[L_BROKER] = layers->dynamic_broker;
        maps[L_DEFAULT] = layers->dynamic_default;
    }
    if (cfg)
        maps[L_STATIC] = lode_config_map_props(lode_config_static_props(cfg));
}

/* The value of key `def` in map m, parsed and validated; false when absent
 * or invalid (invalid layer values are skipped). */
static bool layer_value(const lode_config_map_t *m, const lode_config_def_t *def,
                        lode_config_value_t *out)
{
    const char *raw = map_get(m, def->name);
    char err[8];
    return raw && lode_config_parse(def, raw, strlen(raw), out, err, sizeof err) == 0;
}

static int64_t mul_sat(int64_t x, int64_t k)
{
    if (k <= 1)
        return x;
    if (x > INT64_MAX / k)
        return INT64_MAX;
    if (x < INT64_MIN / k)
        return INT64_MIN;
    return x * k;
}

/* Converts v into the target type's unit and checks it against `check`
 * (NULL: no check); false (v freed) when it does not fit. */
static bool convert(lode_config_value_t *v, int64_t scale, lode_cfg_type_t type,
                    const lode_config_def_t *check)
{
    if (!v->is_null && (type == LODE_CFG_TYPE_LONG || type == LODE_CFG_TYPE_INT))
        v->i = mul_sat(v->i, scale);
    v->type = type;
    char err[8];
    if (check && lode_config_validate(check, v, err, sizeof err) != 0) {
        lode_config_value_free(v);
        return false;
    }
    return true;
}

/*
 * The first of `names` (scales: factors into the target unit) set in the
 * broker layers, layer by layer, else the first with a non-null default.
 * Values are converted to `type` and must pass `check` if given. False when
 * none applies.
 */
static bool resolve_group(const lode_config_map_t maps[NLAYERS], const char *const *names,
                          const int64_t *scales, size_t n, lode_cfg_type_t type,
                          const lode_config_def_t *check, lode_config_value_t *out,
                          lode_cfg_source_t *src)
{
    for (int l = 0; l < NLAYERS; l++)
        for (size_t i = 0; i < n; i++) {
            const lode_config_def_t *d = lode_config_def_find(LODE_CFG_KIND_BROKER, names[i]);
            if (d && layer_value(&maps[l], d, out) && convert(out, scales[i], type, check)) {
                *src = LAYER_SRC[l];
                return true;
            }
        }
    for (size_t i = 0; i < n; i++) {
        const lode_config_def_t *d = lode_config_def_find(LODE_CFG_KIND_BROKER, names[i]);
        if (!d || !d->dflt || (d->flags & LODE_CFG_F_REQUIRED))
            continue;
        lode_config_default(d, out);
        if (convert(out, scales[i], type, check)) {
            *src = LODE_CFG_SRC_DEFAULT;
            return true;
        }
    }
    return false;
}

int lode_config_topic_value(const lode_config_t *cfg, const lode_config_layers_t *layers,
                            const char *name, lode_config_value_t *out, lode_cfg_source_t *src)
{
    lode_cfg_source_t dummy;
    if (!src)
        src = &dummy;
    memset(out, 0, sizeof *out);
    const lode_config_def_t *def = lode_config_def_find(LODE_CFG_KIND_TOPIC, name);
    if (!def)
        return LODE_ENOTFOUND;
    if (layers && layer_value(&layers->topic, def, out)) {
        *src = LODE_CFG_SRC_DYNAMIC_TOPIC;
        return 0;
    }
    if (def->synonyms[0]) {
        lode_config_map_t maps[NLAYERS];
        broker_maps(cfg, layers, maps);
        size_t n = 0;
        int64_t scales[LODE_CONFIG_MAX_SYNONYMS];
        while (n < LODE_CONFIG_MAX_SYNONYMS && def->synonyms[n]) {
            scales[n] = def->synonym_scale[n] > 1 ? def->synonym_scale[n] : 1;
            n++;
        }
        /* KafkaConfig.logRetentionTimeMillis: a negative broker retention
         * means unlimited. Done before the topic validator sees it. */
        bool retention = strcmp(name, "retention.ms") == 0;
        if (resolve_group(maps, def->synonyms, scales, n, def->type, retention ? NULL : def, out,
                          src)) {
            if (retention && out->i < 0)
                out->i = -1;
            return 0;
        }
    }
    lode_config_default(def, out);
    *src = LODE_CFG_SRC_DEFAULT;
    return 0;
}

/* Whether a layer holds one of name's synonyms other than name itself. */
static bool holds_other_synonym(const lode_config_map_t *m, const char *name, const char **names,
                                size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) != 0 && map_get(m, names[i]))
            return true;
    return false;
}

/* The value of exactly broker key `def` as this broker holds it (Kafka's
 * KafkaConfig values after DynamicBrokerConfig.overrideProps). */
static void exact_broker_value(const lode_config_t *cfg, const lode_config_map_t maps[NLAYERS],
                               const lode_config_def_t *def, lode_config_value_t *out,
                               lode_cfg_source_t *src)
{
    const char *names[LODE_CONFIG_MAX_SYNONYMS];
    int64_t scales[LODE_CONFIG_MAX_SYNONYMS];
    size_t n = lode__config_broker_synonyms(def->name, names, scales);
    for (int l = 0; l < NLAYERS; l++) {
        if (layer_value(&maps[l], def, out)) {
            *src = LAYER_SRC[l];
            return;
        }
        if (l != L_STATIC && holds_other_synonym(&maps[l], def->name, names, n))
            break; /* overrideProps removed it from the layers below */
    }
    if (cfg && (!strcmp(def->name, "node.id") || !strcmp(def->name, "broker.id"))) {
        /* KafkaConfig.populateSynonyms: each stands in for the other */
        lode_config_default(def, out);
        out->is_null = false;
        out->i = lode_config_node_id(cfg);
        *src = LODE_CFG_SRC_STATIC_BROKER;
        return;
    }
    lode_config_default(def, out);
    *src = LODE_CFG_SRC_DEFAULT;
}

int lode_config_broker_value(const lode_config_t *cfg, const lode_config_layers_t *layers,
                             const char *name, lode_config_value_t *out, lode_cfg_source_t *src)
{
    lode_cfg_source_t dummy;
    if (!src)
        src = &dummy;
    memset(out, 0, sizeof *out);
    const lode_config_def_t *def = lode_config_def_find(LODE_CFG_KIND_BROKER, name);
    if (!def)
        return LODE_ENOTFOUND;
    lode_config_map_t maps[NLAYERS];
    broker_maps(cfg, layers, maps);
    const char *names[LODE_CONFIG_MAX_SYNONYMS];
    int64_t scales[LODE_CONFIG_MAX_SYNONYMS];
    size_t n = lode__config_broker_synonyms(name, names, scales);
    if (n == 1 || strcmp(names[0], name) != 0) {
        exact_broker_value(cfg, maps, def, out, src);
        return 0;
    }
    if (!resolve_group(maps, names, scales, n, def->type, NULL, out, src)) {
        lode_config_default(def, out);
        *src = LODE_CFG_SRC_DEFAULT;
    } else if (!strcmp(name, "log.retention.ms") && out->i < 0) {
        out->i = -1;
    }
    return 0;
}

/* ---- DescribeConfigs ------------------------------------------------------ */

void lode_config_entry_free(lode_config_entry_t *e)
{
    free(e->value);
    for (size_t i = 0; i < e->nsynonyms; i++) {
        free(e->synonyms[i].name);
        free(e->synonyms[i].value);
    }
    memset(e, 0, sizeof *e);
}

static void add_syn(lode_config_entry_t *e, const char *name, const char *value,
                    lode_cfg_source_t src)
{
    if (e->nsynonyms == LODE_CONFIG_MAX_ENTRY_SYNONYMS)
        return;
    lode_config_syn_t *s = &e->synonyms[e->nsynonyms++];
    s->name = lode_xstrdup(name);
    s->value = value && !e->sensitive ? lode_xstrdup(value) : NULL;
    s->source = src;
}

/*
 * ConfigHelper.configSynonyms(name, brokerConfigSynonyms(name)): the
 * synonyms' entries grouped by source (per-broker dynamic, dynamic default,
 * static, default), dropping those before the first entry of name itself.
 * only_default: keep only DYNAMIC_DEFAULT_BROKER_CONFIG entries.
 */
static void broker_synonyms(const lode_config_map_t maps[NLAYERS], const char *name,
                            bool only_default, lode_config_entry_t *e)
{
    const char *names[LODE_CONFIG_MAX_SYNONYMS];
    int64_t scales[LODE_CONFIG_MAX_SYNONYMS];
    size_t n = lode__config_broker_synonyms(name, names, scales);
    bool started = false;
    for (int l = 0; l <= NLAYERS; l++)
        for (size_t i = 0; i < n; i++) {
            const char *raw;
            char *dflt = NULL;
            lode_cfg_source_t src;
            if (l < NLAYERS) {
                raw = map_get(&maps[l], names[i]);
                src = LAYER_SRC[l];
            } else {
                const lode_config_def_t *d = lode_config_def_find(LODE_CFG_KIND_BROKER, names[i]);
                if (!d || !d->dflt || (d->flags & LODE_CFG_F_REQUIRED))
                    continue;
                lode_config_value_t v;
                lode_config_default(d, &v);
                raw = dflt = lode_config_render_dup(&v);
                lode_config_value_free(&v);
                src = LODE_CFG_SRC_DEFAULT;
            }
            started |= raw && strcmp(names[i], name) == 0;
            if (raw && started && (!only_default || src == LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER))
                add_syn(e, names[i], raw, src);
            free(dflt);
        }
}

int lode_config_describe_topic(const lode_config_t *cfg, const lode_config_layers_t *layers,
                               const char *name, lode_config_entry_t *out)
{
    memset(out, 0, sizeof *out);
    const lode_config_def_t *def = lode_config_def_find(LODE_CFG_KIND_TOPIC, name);
    if (!def)
        return LODE_ENOTFOUND;
    out->def = def;
    out->sensitive = lode_config_def_sensitive(def);
    out->read_only = false;
    lode_config_value_t v;
    lode_config_topic_value(cfg, layers, name, &v, NULL);
    char *shown = lode_config_render_dup(&v);
    if (!out->sensitive && !v.is_null)
        out->value = lode_xstrdup(shown);
    lode_config_value_free(&v);
    if (layers && map_get(&layers->topic, name))
        add_syn(out, name, shown, LODE_CFG_SRC_DYNAMIC_TOPIC);
    free(shown);
    if (def->synonyms[0]) {
        lode_config_map_t maps[NLAYERS];
        broker_maps(cfg, layers, maps);
        broker_synonyms(maps, def->synonyms[0], false, out);
    }
    out->source = out->nsynonyms ? out->synonyms[0].source : LODE_CFG_SRC_DEFAULT;
    return 0;
}

int lode_config_describe_broker(const lode_config_t *cfg, const lode_config_layers_t *layers,
                                const char *name, bool per_broker, lode_config_entry_t *out)
{
    memset(out, 0, sizeof *out);
    const lode_config_def_t *def = lode_config_def_find(LODE_CFG_KIND_BROKER, name);
    if (!def)
        return LODE_ENOTFOUND;
    lode_config_map_t maps[NLAYERS];
    broker_maps(cfg, layers, maps);
    out->def = def;
    out->sensitive = lode_config_def_sensitive(def);
    out->read_only = lode_config_def_read_only(def);
    if (per_broker) {
        lode_config_value_t v;
        lode_cfg_source_t src;
        exact_broker_value(cfg, maps, def, &v, &src);
        if (!out->sensitive && !v.is_null)
            out->value = lode_config_render_dup(&v);
        lode_config_value_free(&v);
    } else {
        const char *raw = map_get(&maps[L_DEFAULT], name);
        if (!raw) {
            memset(out, 0, sizeof *out);
            return LODE_ENOTFOUND;
        }
        out->value = out->sensitive ? NULL : lode_xstrdup(raw);
    }
    broker_synonyms(maps, name, !per_broker, out);
    out->source = out->nsynonyms ? out->synonyms[0].source : LODE_CFG_SRC_DEFAULT;
    return 0;
}

/* ---- storage settings ----------------------------------------------------- */

static lode_config_value_t topic_val(const lode_config_t *cfg, const lode_config_layers_t *layers,
                                     const char *name)
{
    lode_config_value_t v;
    if (lode_config_topic_value(cfg, layers, name, &v, NULL) != 0)
        lode__config_die("'%s' is not a topic config", name);
    return v;
}

static int64_t topic_i64(const lode_config_t *cfg, const lode_config_layers_t *layers,
                         const char *name)
{
    lode_config_value_t v = topic_val(cfg, layers, name);
    int64_t x = v.i;
    lode_config_value_free(&v);
    return x;
}

void lode_config_fill_log_config(const lode_config_t *cfg, const lode_config_layers_t *layers,
                                 lode_log_config_t *out)
{
    lode_log_config_defaults(out);
    out->segment_bytes = topic_i64(cfg, layers, "segment.bytes");
    out->segment_ms = topic_i64(cfg, layers, "segment.ms");
    out->segment_jitter_ms = topic_i64(cfg, layers, "segment.jitter.ms");
    out->segment_index_bytes = topic_i64(cfg, layers, "segment.index.bytes");
    out->index_interval_bytes = topic_i64(cfg, layers, "index.interval.bytes");
    out->max_message_bytes = topic_i64(cfg, layers, "max.message.bytes");
    out->flush_messages = topic_i64(cfg, layers, "flush.messages");
    out->flush_ms = topic_i64(cfg, layers, "flush.ms");
    out->retention_ms = topic_i64(cfg, layers, "retention.ms");
    out->retention_bytes = topic_i64(cfg, layers, "retention.bytes");
    out->delete_retention_ms = topic_i64(cfg, layers, "delete.retention.ms");
    out->min_compaction_lag_ms = topic_i64(cfg, layers, "min.compaction.lag.ms");
    out->max_compaction_lag_ms = topic_i64(cfg, layers, "max.compaction.lag.ms");
    out->file_delete_delay_ms = topic_i64(cfg, layers, "file.delete.delay.ms");

    lode_config_value_t v = topic_val(cfg, layers, "cleanup.policy");
    out->cleanup_delete = out->cleanup_compact = false;
    for (size_t i = 0; i < v.list.count; i++) {
        /* LogConfig lower-cases the policies before looking */
        out->cleanup_delete |= strcasecmp(v.list.items[i], "delete") == 0;
        out->cleanup_compact |= strcasecmp(v.list.items[i], "compact") == 0;
    }
    lode_config_value_free(&v);
    v = topic_val(cfg, layers, "min.cleanable.dirty.ratio");
    out->min_cleanable_dirty_ratio = v.d;
    lode_config_value_free(&v);
    v = topic_val(cfg, layers, "message.timestamp.type");
    out->timestamp_type =
        !strcmp(v.s, "LogAppendTime") ? LODE_TIMESTAMP_LOG_APPEND_TIME : LODE_TIMESTAMP_CREATE_TIME;
    lode_config_value_free(&v);
    v = topic_val(cfg, layers, "preallocate");
    out->preallocate = v.b;
    lode_config_value_free(&v);

    lode_config_broker_value(cfg, layers, "producer.id.expiration.ms", &v, NULL);
    out->producer_id_expiration_ms = v.i;
    lode_config_value_free(&v);
}
