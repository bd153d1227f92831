/*
 * group_int.h — the coordinator's state, shared by its files:
 * coordinator.c (lifecycle, timer, loading), classic.c (the classic
 * protocol's state machine), offsets.c (commits, fetches, expiry) and
 * admin.c (list, describe, delete). Everything here is guarded by gc->lock.
 */
#ifndef LODE_GROUP_GROUP_INT_H
#define LODE_GROUP_GROUP_INT_H

#include <pthread.h>

#include "core/hmap.h"
#include "group/coordinator.h"
#include "proto/kerr.h"

#define LODE_GC_NEVER INT64_MAX
/* Kafka's NewMemberJoinTimeoutMs: a new member must finish its first join
 * within this. */
#define LODE_GC_NEW_MEMBER_JOIN_TIMEOUT_MS 300000

typedef enum gstate {
    GS_EMPTY,
    GS_PREPARING,  /* PreparingRebalance */
    GS_COMPLETING, /* CompletingRebalance */
    GS_STABLE,
    GS_DEAD,
} gstate_t;

typedef struct gprotocol {
    char *name;
    uint8_t *meta;
    int32_t meta_len;
} gprotocol_t;

typedef struct gmember {
    char *id;
    char *instance_id; /* NULL: dynamic */
    char *client_id, *client_host;
    char *protocol_type;
    int32_t rebalance_timeout_ms, session_timeout_ms;
    gprotocol_t *protocols;
    size_t nprotocols;
    uint8_t *assignment;
    int32_t assignment_len;
    /* A JoinGroup / SyncGroup waiting for the rebalance. */
    lode_gc_join_fn join_fn;
    void *join_arg;
    lode_gc_sync_fn sync_fn;
    void *sync_arg;
    bool is_new;       /* not yet through a join */
    bool pending_sync; /* joined, SyncGroup not seen yet */
    int64_t hb_deadline; /* monotonic ms; LODE_GC_NEVER when none armed */
} gmember_t;

typedef struct gpending {
    char *id;
    int64_t deadline;
} gpending_t;

typedef struct goffset {
    int64_t offset;
    int32_t leader_epoch;
    char *metadata;
    int64_t commit_ms;
} goffset_t;

typedef struct group {
    char *id;
    int32_t partition;
    gstate_t state;
    int64_t state_ms; /* wall clock of the last state change */
    int32_t generation;
    char *protocol_type; /* NULL: none (a group that only stores offsets) */
    char *protocol_name; /* NULL: none */
    char *leader;        /* NULL: none */
    gmember_t **members; /* in join order */
    size_t nmembers, members_cap;
    gpending_t *pending; /* MEMBER_ID_REQUIRED handed out, rejoin awaited */
    size_t npending;
    int num_awaiting_join;
    bool new_member_added;
    /* The delayed join of a rebalance; an initial one waits for more
     * members (group.initial.rebalance.delay.ms) and never completes early. */
    int64_t join_deadline;
    bool join_initial;
    int64_t join_remaining_ms;
    int64_t sync_deadline; /* members that joined must SyncGroup by then */
    int64_t next_deadline; /* the earliest of the above and members' */
    lode_hmap_t offsets;   /* "topic\0" + int32 partition → goffset_t* */
    int inflight_commits;
} group_t;

struct lode_gc {
    pthread_mutex_t lock;
    lode_gc_config_t cfg;
    lode_gc_store_t store;
    lode_clock_t *clock;
    lode_timer_t *timer;
    bool own_timer;
    lode_timer_task_t task;
    int64_t armed; /* deadline the task is queued for; LODE_GC_NEVER: not queued */
    int64_t next_expiry;
    uint8_t *pstate; /* per partition: 0 not served, 1 loading, 2 served */
    lode_hmap_t groups; /* id → group_t* */
};

#define PART_LOADING 1
#define PART_SERVED 2

static inline int64_t gc_mono(lode_gc_t *gc)
{
    return lode_clock_monotonic_ms(gc->clock);
}
static inline int64_t gc_wall(lode_gc_t *gc)
{
    return lode_clock_now_ms(gc->clock);
}

/* coordinator.c */
group_t *gc_group(lode_gc_t *gc, const char *id);
group_t *gc_group_create(lode_gc_t *gc, lode_hmap_t *map, const char *id);
void gc_group_drop(lode_gc_t *gc, group_t *g, int16_t err); /* remove from map and free */
int16_t gc_check_locked(lode_gc_t *gc, const char *group_id);
void gc_set_state(lode_gc_t *gc, group_t *g, gstate_t s);
const char *gc_state_name(gstate_t s);
/* Recomputes g's next deadline and makes sure the timer fires by then. */
void gc_touch(lode_gc_t *gc, group_t *g);

/* Record batches: collect records, then append them to a partition. */
typedef struct gc_batch gc_batch_t;
gc_batch_t *gc_batch_new(lode_gc_t *gc);
void gc_batch_add(gc_batch_t *b, const lode_buf_t *key, const lode_buf_t *value /* NULL */);
size_t gc_batch_count(const gc_batch_t *b);
void gc_batch_free(gc_batch_t *b);
/* Appends (b holds records) and frees b; done(arg, status) with the lock held, always once:
 * synchronously (lock held by the caller) when the append fails at once. */
void gc_batch_write(lode_gc_t *gc, int32_t partition, gc_batch_t *b,
                    void (*done)(lode_gc_t *gc, void *arg, int status), void *arg);

/* classic.c */
void gc_member_free(gmember_t *m);
/* Kafka's ClassicGroup.validateMember: with an instance id, the static member holding it must be
 * member_id (else UNKNOWN_MEMBER_ID when nobody holds it, FENCED_INSTANCE_ID when another does);
 * without one, member_id must be a member. *out (may be NULL) receives the member. */
int16_t gc_validate_member(const group_t *g, const char *member_id, const char *instance_id,
                           gmember_t **out);
/* Answers whatever m waits for with err and forgets the callbacks. */
void gc_member_abort(group_t *g, gmember_t *m, int16_t err);
void gc_group_tick(lode_gc_t *gc, group_t *g, int64_t now);
int64_t gc_group_deadline(const group_t *g);
/* Topics the members consume (ConsumerProtocol subscriptions): returns a
 * hmap of names, or false when the group's protocol type is not
 * "consumer" or a subscription does not decode. */
bool gc_subscribed_topics(const group_t *g, lode_hmap_t *out);
/* Writes the group's GroupMetadata record. */
void gc_store_group(lode_gc_t *gc, group_t *g, const uint8_t *const *assign,
                    const int32_t *assign_len, void (*done)(lode_gc_t *gc, void *arg, int status),
                    void *arg);

/* offsets.c */
void gc_offsets_clear(group_t *g);
size_t gc_offset_key(char *key, size_t cap, const char *topic, int32_t partition);
void gc_offset_key_parts(const lode_hmap_entry_t *e, const char **topic, int32_t *partition);
void gc_offset_put(group_t *g, const char *topic, int32_t partition, goffset_t *o /* NULL: delete */);
goffset_t *gc_offset_new(int64_t offset, int32_t epoch, const char *md, size_t mdlen, int64_t ms);

#endif
