/*
 * server.c — starting and stopping a node (see server.h).
 */
#include "server/server.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/broker.h"
#include "controller/controller.h"
#include "core/err.h"
#include "core/log.h"
#include "metadata/image.h"
#include "metadata/config_layers.h"
#include "net/net.h"
#include "proto/record_batch.h"
#include "storage/flusher.h"
#include "storage/logmgr.h"
#include "storage/meta_props.h"

#define COMPONENT "server"

/* How long a stop waits for in-flight requests to be answered and sent. */
#define DRAIN_MS 30000

struct lode_server {
    const lode_config_t *cfg;
    char cluster_id[64];
    lode_flusher_t *flusher;
    lode_image_holder_t *images;
    lode_logmgr_t *logs;
    lode_broker_t *broker;
    lode_controller_t *controller;
    lode_net_t *net;
    lode_net_config_t netcfg;
    lode_listener_spec_t listeners[32];
    lode_endpoint_t endpoints[32];
    char hostname[256];
};

/* The effective log settings of a topic: its overrides over the dynamic and
 * static broker defaults (logmgr's topic_config callback). */
static int topic_log_config(void *arg, const char *topic, lode_log_config_t *out)
{
    lode_server_t *s = arg;
    lode_image_t *img = lode_image_acquire(s->images);
    lode_image_topic_log_config(img, s->cfg, lode_config_node_id(s->cfg), topic, out);
    lode_image_release(img);
    return 0;
}

/* log.dirs plus metadata.log.dir when it is not one of them. */
static int data_dirs(const lode_config_t *cfg, const char **dirs, int cap)
{
    const lode_strlist_t *ld = lode_config_log_dirs(cfg);
    int n = 0;
    for (size_t i = 0; i < ld->count && n < cap; i++)
        dirs[n++] = ld->items[i];
    const char *md = lode_config_metadata_log_dir(cfg);
    bool listed = false;
    for (int i = 0; i < n; i++)
        listed = listed || !strcmp(dirs[i], md);
    if (!listed && n < cap)
        dirs[n++] = md;
    return n;
}

static int open_logs(lode_server_t *s)
{
    const lode_config_t *cfg = s->cfg;
    lode_logmgr_config_t lc;
    lode_logmgr_config_defaults(&lc);
    const lode_strlist_t *ld = lode_config_log_dirs(cfg);
    lc.log_dirs = (const char *const *)ld->items;
    lc.n_log_dirs = (int)ld->count;
    lc.recovery_threads_per_dir = lode_config_get_int(cfg, "num.recovery.threads.per.data.dir");
    lc.retention_check_interval_ms = lode_config_get_int64(cfg, "log.retention.check.interval.ms");
    lc.flush_scheduler_interval_ms = lode_config_get_int64(cfg, "log.flush.scheduler.interval.ms");
    lc.flush_offset_checkpoint_interval_ms =
        lode_config_get_int(cfg, "log.flush.offset.checkpoint.interval.ms");
    lc.flush_start_offset_checkpoint_interval_ms =
        lode_config_get_int(cfg, "log.flush.start.offset.checkpoint.interval.ms");
    lode_config_fill_log_config(cfg, NULL, &lc.defaults);
    lc.topic_config = topic_log_config;
    lc.topic_config_arg = s;
    lc.hooks.validate = lode_batch_validate_stored;
    lc.background = true;
    lc.cleaner_enable = lode_config_get_bool(cfg, "log.cleaner.enable");
    lc.cleaner_backoff_ms = lode_config_get_int64(cfg, "log.cleaner.backoff.ms");
    lc.cleaner_dedupe_buffer_bytes = lode_config_get_int64(cfg, "log.cleaner.dedupe.buffer.size");
    return lode_logmgr_open(&lc, &s->logs);
}

static int start_controller(lode_server_t *s)
{
    const lode_config_t *cfg = s->cfg;
    const lode_config_listeners_t *adv = lode_config_advertised_listeners(cfg);
    int32_t n = 0;
    if (gethostname(s->hostname, sizeof s->hostname - 1) != 0)
        strcpy(s->hostname, "localhost");
    for (size_t i = 0; i < adv->count && n < 32; i++, n++) {
        const lode_config_listener_t *l = &adv->items[i];
        s->endpoints[n] = (lode_endpoint_t){.listener = l->name,
                                            .host = l->host ? l->host : s->hostname,
                                            .port = l->port,
                                            .security_protocol = (int16_t)l->proto};
    }
    lode_controller_config_t cc = {
        .metadata_dir = lode_config_metadata_log_dir(cfg),
        .node_id = lode_config_node_id(cfg),
        .topic_defaults = {.num_partitions = lode_config_get_int(cfg, "num.partitions"),
                           .default_replication_factor =
                               (int16_t)lode_config_get_int(cfg, "default.replication.factor")},
        .endpoints = s->endpoints,
        .nendpoints = n,
        .rack = lode_config_get_string(cfg, "broker.rack"),
        .snapshot_bytes =
            lode_config_get_int64(cfg, "metadata.log.max.record.bytes.between.snapshots"),
        .flusher = s->flusher,
        .images = s->images,
        .on_image = lode_broker_on_image,
        .arg = s->broker,
    };
    return lode_controller_start(&cc, &s->controller);
}

static int start_net(lode_server_t *s)
{
    const lode_config_t *cfg = s->cfg;
    const lode_config_listeners_t *ls = lode_config_listeners(cfg);
    lode_net_config_t *nc = &s->netcfg;
    lode_net_config_defaults(nc);
    nc->threads = lode_config_get_int(cfg, "num.network.threads");
    nc->max_request_bytes = (size_t)lode_config_get_int(cfg, "socket.request.max.bytes");
    nc->idle_ms = lode_config_get_int64(cfg, "connections.max.idle.ms");
    int32_t maxc = lode_config_get_int(cfg, "max.connections");
    nc->max_connections = maxc == INT32_MAX ? 0 : (size_t)maxc;
    nc->on_request = lode_broker_handle;
    nc->on_close = lode_broker_conn_closed;
    nc->arg = s->broker;
    int n = 0;
    for (size_t i = 0; i < ls->count && n < 32; i++) {
        const lode_config_listener_t *l = &ls->items[i];
        s->listeners[n++] = (lode_listener_spec_t){l->name, l->host, l->port};
    }
    nc->listeners = s->listeners;
    nc->n_listeners = n;
    return lode_net_start(nc, &s->net);
}

/* Listeners lode cannot serve yet stop startup rather than listen in the
 * clear where the operator asked for TLS or SASL. */
static int check_listeners(const lode_config_t *cfg, char *err, size_t errlen)
{
    const lode_config_listeners_t *ls = lode_config_listeners(cfg);
    for (size_t i = 0; i < ls->count; i++) {
        if (ls->items[i].proto != LODE_CFG_PROTO_PLAINTEXT) {
            snprintf(err, errlen,
                     "Listener %s uses security protocol %s, which this version of lode does not "
                     "support yet (only PLAINTEXT)",
                     ls->items[i].name, lode_config_proto_name(ls->items[i].proto));
            return LODE_EINVAL;
        }
    }
    if (!lode_config_has_broker_role(cfg) || !lode_config_has_controller_role(cfg)) {
        snprintf(err, errlen,
                 "process.roles must be broker,controller: this version of lode runs a single "
                 "combined node (a cluster of separate brokers and controllers comes with Raft "
                 "replication)");
        return LODE_EINVAL;
    }
    const lode_config_voters_t *v = lode_config_quorum_voters(cfg);
    if (v->count > 1) {
        snprintf(err, errlen,
                 "controller.quorum.voters lists %zu voters: this version of lode runs a "
                 "single-voter quorum",
                 v->count);
        return LODE_EINVAL;
    }
    return 0;
}

int lode_server_start(const lode_config_t *cfg, const lode_server_options_t *opts,
                      lode_server_t **out, char *err, size_t errlen)
{
    int rc = check_listeners(cfg, err, errlen);
    if (rc)
        return rc;
    lode_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return LODE_ENOMEM;
    s->cfg = cfg;
    const char *dirs[64];
    int nd = data_dirs(cfg, dirs, 64);
    bool formatted = false;
    rc = lode_meta_props_ensure(dirs, nd, lode_config_node_id(cfg), opts && opts->auto_format,
                                s->cluster_id, &formatted, err, errlen);
    if (rc)
        goto fail;
    if (formatted)
        LODE_LOG_INFO(COMPONENT, "formatted %d data director%s for new cluster %s", nd,
                      nd == 1 ? "y" : "ies", s->cluster_id);

    const char *step = "the flusher";
    if ((rc = lode_flusher_start(0, &s->flusher)))
        goto fail_step;
    s->images = lode_image_holder_new();
    step = "the partition logs";
    if (!s->images || (rc = open_logs(s)))
        goto fail_step;
    step = "the broker";
    lode_broker_deps_t deps = {.cfg = cfg,
                               .logs = s->logs,
                               .flusher = s->flusher,
                               .images = s->images,
                               .cluster_id = s->cluster_id};
    if ((rc = lode_broker_new(&deps, &s->broker)))
        goto fail_step;
    step = "the controller";
    if ((rc = start_controller(s)))
        goto fail_step;
    lode_broker_set_controller(s->broker, s->controller);
    lode_broker_remove_stale_logs(s->broker);
    step = "the listeners";
    if ((rc = start_net(s)))
        goto fail_step;
    LODE_LOG_INFO(COMPONENT, "node %d started (cluster %s, %d partition logs)",
                  lode_config_node_id(cfg), s->cluster_id, lode_logmgr_count(s->logs));
    *out = s;
    return 0;

fail_step:
    snprintf(err, errlen, "cannot start %s: %s", step, lode_strerror(rc));
fail:
    lode_server_stop(s);
    return rc;
}

int lode_server_port(lode_server_t *s, const char *listener)
{
    for (int i = 0; i < s->netcfg.n_listeners; i++)
        if (!strcmp(s->listeners[i].name, listener))
            return lode_net_listener_port(s->net, i);
    return -1;
}

void lode_server_stop(lode_server_t *s)
{
    if (!s)
        return;
    if (s->net)
        lode_net_stop(s->net, DRAIN_MS);
    if (s->broker)
        lode_broker_set_controller(s->broker, NULL);
    if (s->controller)
        lode_controller_stop(s->controller);
    if (s->broker)
        lode_broker_free(s->broker);
    if (s->net)
        lode_net_free(s->net);
    if (s->logs) {
        int rc = lode_logmgr_close(s->logs);
        if (rc)
            LODE_LOG_ERROR(COMPONENT, "closing the logs failed: %s", lode_strerror(rc));
    }
    if (s->flusher)
        lode_flusher_stop(s->flusher);
    if (s->images)
        lode_image_holder_free(s->images);
    free(s);
}
