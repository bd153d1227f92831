/*
 * broker.c — the broker's state, request dispatch and per-request context,
 * and keeping the hosted partitions' logs in line with the metadata image.
 */
#include "broker/broker_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "metadata/config_layers.h"
#include "proto/gen/ApiVersionsResponse.h"
#include "proto/kerr.h"

#define COMPONENT "broker"

/* Kafka's defaults for the fetch session cache
 * (max.incremental.fetch.session.cache.slots, and the eviction age). */
#define FETCH_SESSION_SLOTS 1000
#define FETCH_SESSION_EVICTION_MS 120000

int lode_broker_new(const lode_broker_deps_t *deps, lode_broker_t **out)
{
    lode_broker_t *b = calloc(1, sizeof *b);
    if (!b)
        return LODE_ENOMEM;
    b->cfg = deps->cfg;
    b->logs = deps->logs;
    b->flusher = deps->flusher;
    b->images = deps->images;
    b->clock = deps->clock ? deps->clock : lode_clock_real();
    b->cluster_id = strdup(deps->cluster_id ? deps->cluster_id : "");
    b->node_id = lode_config_node_id(deps->cfg);
    b->auto_create_topics = lode_config_get_bool(deps->cfg, "auto.create.topics.enable");
    b->num_partitions = lode_config_get_int(deps->cfg, "num.partitions");
    b->default_replication_factor =
        (int16_t)lode_config_get_int(deps->cfg, "default.replication.factor");
    pthread_mutex_init(&b->pid_lock, NULL);
    b->timer = lode_timer_new(b->clock);
    b->fetch_waits = b->timer ? lode_purgatory_new("Fetch", b->timer) : NULL;
    b->fetch_sessions = lode_fs_cache_new(FETCH_SESSION_SLOTS, FETCH_SESSION_EVICTION_MS);
    if (!b->cluster_id || !b->timer || !b->fetch_waits || !b->fetch_sessions ||
        lode_timer_start(b->timer) || lode_broker_groups_start(b)) {
        lode_broker_free(b);
        return LODE_ENOMEM;
    }
    *out = b;
    return 0;
}

void lode_broker_set_controller(lode_broker_t *b, lode_controller_t *c)
{
    atomic_store(&b->controller, c);
}

void lode_broker_free(lode_broker_t *b)
{
    if (!b)
        return;
    lode_broker_groups_stop(b);
    lode_broker_free_pid_waiters(b);
    pthread_mutex_destroy(&b->pid_lock);
    if (b->fetch_waits)
        lode_purgatory_free(b->fetch_waits);
    if (b->timer)
        lode_timer_free(b->timer);
    if (b->fetch_sessions)
        lode_fs_cache_free(b->fetch_sessions);
    if (b->synced)
        lode_image_release(b->synced);
    free(b->cluster_id);
    free(b);
}

lode_log_t *lode_broker_log(lode_broker_t *b, const char *topic, int32_t partition)
{
    return lode_logmgr_get(b->logs, topic, partition);
}

const char *lode_broker_topic_config(lode_broker_t *b, const lode_image_t *img, const char *topic,
                                     const char *name, char *buf, size_t cap)
{
    lode_image_layers_t l;
    lode_image_config_layers(img, b->node_id, topic, &l);
    lode_config_value_t v;
    buf[0] = 0;
    if (lode_config_topic_value(b->cfg, &l.layers, name, &v, NULL) == 0) {
        lode_config_render(&v, buf, cap);
        lode_config_value_free(&v);
    }
    return buf;
}

/* ---- request context ----------------------------------------------------- */

static void rctx_free(lode_rctx_t *ctx)
{
    lode_arena_free(&ctx->arena);
    free(ctx);
}

lode_resp_t *lode_rctx_resp_begin(lode_rctx_t *ctx)
{
    lode_resp_t *r = lode_resp_new();
    if (!r)
        return NULL;
    lode_resp_header_write(lode_resp_head(r), ctx->hdr.correlation_id,
                           lode_response_header_version(ctx->hdr.api_key, ctx->hdr.api_version));
    return r;
}

void lode_rctx_send(lode_rctx_t *ctx, lode_resp_t *resp)
{
    lode_req_respond(ctx->req, resp);
    rctx_free(ctx);
}

void lode_rctx_reply(lode_rctx_t *ctx, const void *resp)
{
    lode_resp_t *r = lode_rctx_resp_begin(ctx);
    int rc =
        r ? ctx->api->response->encode(resp, ctx->hdr.api_version, lode_resp_head(r)) : LODE_ENOMEM;
    if (rc) {
        LODE_LOG_ERROR(COMPONENT, "cannot encode %s v%d response to %s: %s", ctx->api->name,
                       ctx->hdr.api_version, lode_conn_peer(ctx->req->conn), lode_strerror(rc));
        lode_resp_free(r);
        lode_rctx_close(ctx, "response encoding failed");
        return;
    }
    lode_rctx_send(ctx, r);
}

void lode_rctx_noreply(lode_rctx_t *ctx)
{
    lode_rctx_send(ctx, NULL);
}

void lode_rctx_close(lode_rctx_t *ctx, const char *why)
{
    LODE_LOG_WARN(COMPONENT, "closing connection from %s: %s", lode_conn_peer(ctx->req->conn), why);
    lode_conn_close(ctx->req->conn);
    lode_rctx_send(ctx, NULL);
}

char *lode_rctx_cstr(lode_rctx_t *ctx, const lode_str_t *s)
{
    if (s->len <= 0)
        return lode_arena_strndup(&ctx->arena, "", 0);
    return lode_arena_strndup(&ctx->arena, s->ptr, (size_t)s->len);
}

lode_str_t lode_rctx_str(lode_rctx_t *ctx, const char *s)
{
    if (!s)
        return LODE_STR_NULL;
    size_t n = strlen(s);
    return (lode_str_t){lode_arena_strndup(&ctx->arena, s, n), (int32_t)n};
}

/* ---- dispatch ------------------------------------------------------------ */

/* An ApiVersions request of a version we do not know: Kafka answers in v0
 * form with UNSUPPORTED_VERSION and its ranges so the client retries lower. */
static void api_versions_fallback(lode_rctx_t *ctx)
{
    ctx->hdr.api_version = 0;
    lode_handle_api_versions(ctx);
}

void lode_broker_handle(void *arg, lode_req_t *req)
{
    lode_broker_t *b = arg;
    lode_rctx_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        lode_conn_close(req->conn);
        lode_req_respond(req, NULL);
        return;
    }
    ctx->b = b;
    ctx->req = req;
    ctx->now_ms = lode_clock_now_ms(b->clock);
    lode_arena_init(&ctx->arena, 4096);

    lode_reader_t r;
    lode_reader_init(&r, req->frame, req->len);
    int rc = lode_req_header_parse(&r, &ctx->hdr, &ctx->arena);
    ctx->api = lode_api_info(ctx->hdr.api_key);
    if (rc == LODE_EUNSUPPORTED && ctx->hdr.api_key == LODE_API_API_VERSIONS) {
        api_versions_fallback(ctx);
        return;
    }
    if (rc || !ctx->api) {
        char why[96];
        snprintf(why, sizeof why, "unreadable request header (api key %d, version %d)",
                 ctx->hdr.api_key, ctx->hdr.api_version);
        lode_rctx_close(ctx, why);
        return;
    }
    const lode_api_support_t *s = lode_broker_api(ctx->hdr.api_key);
    bool controller_listener =
        lode_config_is_controller_listener(b->cfg, lode_conn_listener(req->conn));
    bool served = s && s->handle &&
                  (controller_listener ? ctx->api->controller_listener : ctx->api->broker_listener);
    if (!served || ctx->hdr.api_version < s->min || ctx->hdr.api_version > s->max) {
        if (served && ctx->hdr.api_key == LODE_API_API_VERSIONS) {
            api_versions_fallback(ctx);
            return;
        }
        char why[128];
        snprintf(why, sizeof why, "%s v%d is not supported on listener %s", ctx->api->name,
                 ctx->hdr.api_version, lode_conn_listener(req->conn));
        lode_rctx_close(ctx, why);
        return;
    }
    ctx->msg = lode_arena_alloc(&ctx->arena, ctx->api->request->size);
    rc = ctx->msg ? ctx->api->request->decode(ctx->msg, ctx->hdr.api_version, &r, &ctx->arena)
                  : LODE_ENOMEM;
    if (rc) {
        char why[128];
        snprintf(why, sizeof why, "malformed %s v%d request: %s", ctx->api->name,
                 ctx->hdr.api_version, lode_strerror(rc));
        lode_rctx_close(ctx, why);
        return;
    }
    s->handle(ctx);
}

void lode_broker_conn_closed(void *arg, lode_conn_t *c)
{
    (void)arg;
    (void)c;
}

/* ---- partitions hosted here ---------------------------------------------- */

static bool hosts(const lode_partition_info_t *p, int32_t node)
{
    for (int32_t i = 0; i < p->nreplicas; i++)
        if (p->replicas[i] == node)
            return true;
    return false;
}

/* A leader whose ISR is itself alone: the high watermark is its log end
 * (Kafka's leader advances it to the ISR's minimum LEO on becoming leader;
 * after an unclean stop the checkpointed one may lag). */
static void lead_alone(lode_broker_t *b, const lode_partition_info_t *p, lode_log_t *log)
{
    if (p->leader == b->node_id && p->nisr == 1 && p->isr[0] == b->node_id)
        lode_log_set_high_watermark(log, lode_log_end_offset(log));
}

static void create_log(lode_broker_t *b, const lode_topic_info_t *t, int32_t partition)
{
    lode_log_t *log;
    int rc = lode_logmgr_get_or_create(b->logs, t->name, partition, t->id, &log);
    if (rc) {
        LODE_LOG_ERROR(COMPONENT, "cannot create the log of %s-%d: %s", t->name, partition,
                       lode_strerror(rc));
        return;
    }
    lead_alone(b, &t->partitions[partition], log);
    lode_log_release(log);
}

static void delete_log(lode_broker_t *b, const char *topic, int32_t partition)
{
    int rc = lode_logmgr_delete(b->logs, topic, partition);
    if (rc && rc != LODE_ENOTFOUND)
        LODE_LOG_ERROR(COMPONENT, "cannot delete the log of %s-%d: %s", topic, partition,
                       lode_strerror(rc));
}

/* Logs take their settings from the effective topic configs: tell the log
 * manager about every topic whose overrides, or whose broker defaults (this
 * node's or the cluster's), changed. Config maps are shared copy-on-write,
 * so an unchanged one is the same pointer in both images. */
static void configs_changed(lode_broker_t *b, const lode_image_t *old, const lode_image_t *now)
{
    if (!old)
        return;
    char node[16];
    snprintf(node, sizeof node, "%d", b->node_id);
    bool defaults = lode_image_configs(old, LODE_CONFIG_RESOURCE_BROKER, "") !=
                        lode_image_configs(now, LODE_CONFIG_RESOURCE_BROKER, "") ||
                    lode_image_configs(old, LODE_CONFIG_RESOURCE_BROKER, node) !=
                        lode_image_configs(now, LODE_CONFIG_RESOURCE_BROKER, node);
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&now->topics_by_name, &it))) {
        const lode_topic_info_t *t = e->value;
        if (defaults || lode_image_configs(old, LODE_CONFIG_RESOURCE_TOPIC, t->name) !=
                            lode_image_configs(now, LODE_CONFIG_RESOURCE_TOPIC, t->name))
            lode_logmgr_topic_config_changed(b->logs, t->name);
    }
}

void lode_broker_on_image(void *arg, const lode_image_t *img)
{
    (void)img;
    lode_broker_t *b = arg;
    lode_image_t *now = lode_image_acquire(b->images); /* img or newer */
    const lode_image_t *old = b->synced;
    size_t it = 0;
    lode_hmap_entry_t *e;
    if (old) {
        while ((e = lode_hmap_next(&old->topics_by_id, &it))) {
            const lode_topic_info_t *t = e->value;
            const lode_topic_info_t *nt = lode_image_topic_by_id(now, t->id);
            for (int32_t p = 0; p < t->npartitions; p++) {
                bool still = nt && p < nt->npartitions && hosts(&nt->partitions[p], b->node_id);
                if (!still && hosts(&t->partitions[p], b->node_id))
                    delete_log(b, t->name, p);
            }
        }
    }
    it = 0;
    while ((e = lode_hmap_next(&now->topics_by_id, &it))) {
        const lode_topic_info_t *t = e->value;
        const lode_topic_info_t *ot = old ? lode_image_topic_by_id(old, t->id) : NULL;
        if (ot == t)
            continue; /* shared, unchanged */
        for (int32_t p = 0; p < t->npartitions; p++) {
            bool had = ot && p < ot->npartitions && hosts(&ot->partitions[p], b->node_id);
            if (!had && hosts(&t->partitions[p], b->node_id)) {
                create_log(b, t, p);
            } else if (had && hosts(&t->partitions[p], b->node_id)) {
                lode_log_t *log = lode_logmgr_get(b->logs, t->name, p);
                if (log) {
                    lead_alone(b, &t->partitions[p], log);
                    lode_log_release(log);
                }
            }
        }
    }
    configs_changed(b, old, now);
    lode_broker_groups_on_image(b, now);
    if (b->synced)
        lode_image_release(b->synced);
    b->synced = now;
}

typedef struct stale {
    char **topics;
    int32_t *partitions;
    size_t n, cap;
    const lode_image_t *img;
    int32_t node;
} stale_t;

static void collect_stale(void *arg, const char *topic, int32_t partition, lode_log_t *log)
{
    (void)log;
    stale_t *s = arg;
    const lode_topic_info_t *t = lode_image_topic(s->img, topic);
    if (t && partition < t->npartitions && hosts(&t->partitions[partition], s->node))
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **nt = realloc(s->topics, cap * sizeof *nt);
        if (nt)
            s->topics = nt;
        int32_t *np = realloc(s->partitions, cap * sizeof *np);
        if (np)
            s->partitions = np;
        if (!nt || !np)
            return;
        s->cap = cap;
    }
    s->topics[s->n] = strdup(topic);
    s->partitions[s->n] = partition;
    if (s->topics[s->n])
        s->n++;
}

void lode_broker_remove_stale_logs(lode_broker_t *b)
{
    lode_image_t *img = lode_image_acquire(b->images);
    stale_t s = {.img = img, .node = b->node_id};
    lode_logmgr_foreach(b->logs, collect_stale, &s);
    for (size_t i = 0; i < s.n; i++) {
        LODE_LOG_INFO(COMPONENT,
                      "deleting the log of %s-%d: the metadata no longer assigns it here",
                      s.topics[i], s.partitions[i]);
        delete_log(b, s.topics[i], s.partitions[i]);
        free(s.topics[i]);
    }
    free(s.topics);
    free(s.partitions);
    lode_image_release(img);
}
