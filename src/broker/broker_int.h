/*
 * broker_int.h — shared by the broker's files: the broker state, the
 * per-request context handlers work with, and the handler table.
 */
#ifndef LODE_BROKER_BROKER_INT_H
#define LODE_BROKER_BROKER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "broker/broker.h"
#include "broker/delayed.h"
#include "broker/fetch_session.h"
#include "core/timer.h"
#include "core/arena.h"
#include "group/coordinator.h"
#include "proto/gen/api_table.h"
#include "proto/header.h"

typedef struct lode_pid_waiter lode_pid_waiter_t;

struct lode_broker {
    const lode_config_t *cfg;
    lode_logmgr_t *logs;
    lode_flusher_t *flusher;
    lode_image_holder_t *images;
    lode_clock_t *clock;
    char *cluster_id;
    int32_t node_id;
    _Atomic(lode_controller_t *) controller;

    /* Static settings read once. */
    bool auto_create_topics;
    int32_t num_partitions;
    int16_t default_replication_factor;

    lode_timer_t *timer;
    lode_purgatory_t *fetch_waits; /* fetches waiting for min bytes */
    lode_fs_cache_t *fetch_sessions;

    /* Producer ids for InitProducerId: the current block and the requests
     * waiting for the next one (producer_ids.c). */
    pthread_mutex_t pid_lock;
    int64_t pid_next, pid_end;
    bool pid_fetching;
    struct lode_pid_waiter *pid_waiters;

    /* The group coordinator (groups.c): its writes in flight, and whether
     * __consumer_offsets is being created. */
    lode_gc_t *groups;
    atomic_int group_writes;
    atomic_bool offsets_topic_creating;

    /* The last image whose partitions the logs were brought in line with
     * (on the controller's thread only). */
    lode_image_t *synced;
};

/* One request being handled. Lives until answered (handlers may answer
 * later, from another thread); the arena holds the decoded request and
 * everything the response points to. */
typedef struct lode_rctx {
    lode_broker_t *b;
    lode_req_t *req;
    lode_req_header_t hdr;
    const lode_api_info_t *api;
    void *msg; /* the decoded request (api->request type) */
    lode_arena_t arena;
    int64_t now_ms;
} lode_rctx_t;

/* Answers with `resp` (a struct of the API's response type) encoded at the
 * request's version, and frees the context. An encoding failure is a bug:
 * it is logged and the connection closed. */
void lode_rctx_reply(lode_rctx_t *ctx, const void *resp);
/* A response whose body the handler writes itself (Fetch's file parts):
 * returns a response with the header written. */
lode_resp_t *lode_rctx_resp_begin(lode_rctx_t *ctx);
void lode_rctx_send(lode_rctx_t *ctx, lode_resp_t *resp);
/* No response (Produce acks=0); frees the context. */
void lode_rctx_noreply(lode_rctx_t *ctx);
/* Closes the connection after what is queued (malformed input). */
void lode_rctx_close(lode_rctx_t *ctx, const char *why);

/* A C string copy of s in the request's arena ("" for null). */
char *lode_rctx_cstr(lode_rctx_t *ctx, const lode_str_t *s);
/* s copied into the arena as a response string. */
lode_str_t lode_rctx_str(lode_rctx_t *ctx, const char *s);

/* The controller, or NULL before it has started. */
static inline lode_controller_t *lode_broker_controller(lode_broker_t *b)
{
    return atomic_load(&b->controller);
}

/* The log of a partition this node hosts (reference held), or NULL. */
lode_log_t *lode_broker_log(lode_broker_t *b, const char *topic, int32_t partition);

/* The effective value of topic config `name` for topic (its override, the
 * dynamic and static broker defaults, the built-in default), written into
 * buf; "" for an unknown name. */
const char *lode_broker_topic_config(lode_broker_t *b, const lode_image_t *img, const char *topic,
                                     const char *name, char *buf, size_t cap);

/* ---- fan-out: one request, many controller operations ------------------ */

typedef struct lode_fan lode_fan_t;

/* One item's outcome, written by the controller's callback (any thread; it
 * allocates nothing from the request's arena) and read by finish. */
typedef struct lode_fan_item {
    lode_fan_t *fan;
    int32_t index;
    bool issued;
    lode_ctl_error_t err;
    bool has_id;
    uint8_t id[16];
} lode_fan_item_t;

struct lode_fan {
    lode_rctx_t *ctx;
    int pending; /* atomic: items outstanding + 1 while issuing */
    void (*finish)(lode_fan_t *f);
    void *resp;
    lode_fan_item_t *items;
};

/* A fan of up to n items; finish(f) runs once, after the issuer's
 * lode_fan_done_one(f) and every issued item's completion. */
lode_fan_t *lode_fan_new(lode_rctx_t *ctx, void *resp, int32_t n, void (*finish)(lode_fan_t *));
/* Marks item index issued and returns it (the controller callback's arg). */
lode_fan_item_t *lode_fan_item(lode_fan_t *f, int32_t index);
/* A lode_ctl_done_fn recording the outcome in the item. */
void lode_fan_item_done(void *item, const lode_ctl_error_t *err, const uint8_t *topic_id);
void lode_fan_done_one(lode_fan_t *f);

/* ---- handlers (one file per API family) ------------------------------- */

typedef void (*lode_handler_fn)(lode_rctx_t *ctx);

/* The versions lode serves for an API (min > max: not served). */
typedef struct lode_api_support {
    int16_t min, max;
    lode_handler_fn handle;
} lode_api_support_t;

const lode_api_support_t *lode_broker_api(int16_t key);

void lode_handle_api_versions(lode_rctx_t *ctx);
void lode_handle_metadata(lode_rctx_t *ctx);
void lode_handle_create_topics(lode_rctx_t *ctx);
void lode_handle_delete_topics(lode_rctx_t *ctx);
void lode_handle_create_partitions(lode_rctx_t *ctx);
void lode_handle_produce(lode_rctx_t *ctx);
void lode_handle_list_offsets(lode_rctx_t *ctx);
void lode_handle_offset_for_leader_epoch(lode_rctx_t *ctx);
void lode_handle_init_producer_id(lode_rctx_t *ctx);
void lode_handle_describe_configs(lode_rctx_t *ctx);
void lode_handle_alter_configs(lode_rctx_t *ctx);
void lode_handle_incremental_alter_configs(lode_rctx_t *ctx);
void lode_handle_describe_cluster(lode_rctx_t *ctx);
void lode_handle_delete_records(lode_rctx_t *ctx);
void lode_handle_describe_log_dirs(lode_rctx_t *ctx);

/* Kafka's AclOperation bits of what an unauthorized cluster allows (no
 * authorizer yet): topics READ WRITE CREATE DELETE ALTER DESCRIBE
 * DESCRIBE_CONFIGS ALTER_CONFIGS; the cluster CREATE ALTER DESCRIBE
 * CLUSTER_ACTION DESCRIBE_CONFIGS ALTER_CONFIGS IDEMPOTENT_WRITE. */
#define LODE_TOPIC_OPERATIONS                                                                      \
    ((1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11))
#define LODE_CLUSTER_OPERATIONS                                                                    \
    ((1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12))

void lode_handle_fetch(lode_rctx_t *ctx);

/* One partition of a Fetch response. */
typedef struct lode_fetch_part {
    lode_fs_part_t *sp; /* topic, topic id, partition */
    int16_t error;
    int64_t hw, lso, log_start;
    lode_log_read_t read; /* the records (a file slice); seg NULL when none */
    bool include;         /* in this response (incremental sessions skip some) */
} lode_fetch_part_t;

/*
 * Writes a Fetch response body of version v (4-17) after the header already
 * in r: the records of each included partition become a sendfile part (the
 * response takes over read.seg). Returns the offset of SessionId in r's head
 * buffer (v7+) so the caller can set it once the session step ends.
 */
size_t lode_fetch_write_response(lode_resp_t *r, int16_t v, int16_t error, int32_t session_id,
                                 bool committed, lode_fetch_part_t *parts, size_t n);

/* ---- the group coordinator (groups.c) ------------------------------------ */

int lode_broker_groups_start(lode_broker_t *b);
/* Waits for the coordinator's writes in flight, then frees it. */
void lode_broker_groups_stop(lode_broker_t *b);
/* Loads the __consumer_offsets partitions this node now leads, unloads the
 * others. */
void lode_broker_groups_on_image(lode_broker_t *b, const lode_image_t *img);
/* Asks the controller to create __consumer_offsets (once at a time). */
void lode_broker_create_offsets_topic(lode_broker_t *b);
/* "/ip" of the request's client, as Kafka's clientHost. */
const char *lode_rctx_client_host(lode_rctx_t *ctx);

void lode_handle_find_coordinator(lode_rctx_t *ctx);
void lode_handle_join_group(lode_rctx_t *ctx);
void lode_handle_sync_group(lode_rctx_t *ctx);
void lode_handle_heartbeat(lode_rctx_t *ctx);
void lode_handle_leave_group(lode_rctx_t *ctx);
void lode_handle_list_groups(lode_rctx_t *ctx);
void lode_handle_describe_groups(lode_rctx_t *ctx);
void lode_handle_delete_groups(lode_rctx_t *ctx);
void lode_handle_offset_commit(lode_rctx_t *ctx);
void lode_handle_offset_fetch(lode_rctx_t *ctx);
void lode_handle_offset_delete(lode_rctx_t *ctx);

/* Answers requests still waiting for producer ids (at stop). */
void lode_broker_free_pid_waiters(lode_broker_t *b);

/* The partition's log when this node leads it and current_epoch (-1: not
 * checked) is the partition's leader epoch; else NULL and Kafka's error
 * (UNKNOWN_TOPIC_OR_PARTITION, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH,
 * NOT_LEADER_OR_FOLLOWER) in *err. */
lode_log_t *lode_broker_leader_log(lode_broker_t *b, const lode_image_t *img, const char *topic,
                                   int32_t partition, int32_t current_epoch, int16_t *err);

#endif
