/*
 * coordinator.h — the group coordinator for Kafka's classic group protocol
 * (JoinGroup / SyncGroup / Heartbeat / LeaveGroup) and committed offsets,
 * with the semantics of Kafka's GroupCoordinator:
 *
 *   states      Empty → PreparingRebalance → CompletingRebalance → Stable,
 *               Dead once deleted or expired
 *   rebalance   a join waits until every known member rejoined (or the
 *               rebalance timeout, the largest of the members'); an Empty
 *               group first waits group.initial.rebalance.delay.ms, longer
 *               while new members keep arriving; members that did not rejoin
 *               are dropped (static ones are kept); the leader's SyncGroup
 *               assignment is made durable, then handed to every member
 *   liveness    a member is dropped when its session timeout passes without
 *               a heartbeat (members waiting in a join or sync are alive); a
 *               new member not yet through a join is dropped after 5 minutes;
 *               members that do not send SyncGroup within the rebalance
 *               timeout after a join are dropped
 *   static      group.instance.id: a restarted member takes its old place
 *               (FENCED_INSTANCE_ID for the one it replaced) without a
 *               rebalance when the group is Stable and the protocol holds
 *   offsets     commits are written to __consumer_offsets and visible once
 *               durable; offsets of Empty groups and of groups without
 *               management expire after offsets.retention.minutes
 *
 * A group lives in partition abs(javaStringHashCode(group)) %
 * offsets.topic.num.partitions of __consumer_offsets; the coordinator
 * serves the groups of the partitions it has loaded (lode_gc_load), and
 * answers NOT_COORDINATOR for the others.
 *
 * Input and output (DESIGN.md §2.5): time comes from a clock and a timer,
 * writes go through lode_gc_store_t, and requests are answered through
 * callbacks — so tests drive it deterministically with a manual clock.
 *
 * Threading: every function may be called from any thread; one lock guards
 * the coordinator. Result callbacks run with that lock held — on the
 * caller's thread, the timer's, or the store's completion thread — and must
 * not call back into the coordinator. Every callback runs exactly once.
 * Strings and bytes in results are valid only during the callback.
 */
#ifndef LODE_GROUP_COORDINATOR_H
#define LODE_GROUP_COORDINATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/timer.h"
#include "storage/log.h"

#define LODE_OFFSETS_TOPIC "__consumer_offsets"

typedef struct lode_gc lode_gc_t;

typedef struct lode_gc_config {
    int32_t num_partitions;             /* offsets.topic.num.partitions */
    int32_t min_session_timeout_ms;     /* group.min.session.timeout.ms */
    int32_t max_session_timeout_ms;     /* group.max.session.timeout.ms */
    int32_t initial_rebalance_delay_ms; /* group.initial.rebalance.delay.ms */
    int32_t max_size;                   /* group.max.size */
    int32_t offset_metadata_max_bytes;  /* offset.metadata.max.bytes */
    int64_t offsets_retention_ms;       /* offsets.retention.minutes × 60000 */
    int64_t retention_check_interval_ms; /* offsets.retention.check.interval.ms */
} lode_gc_config_t;

/* Where the coordinator's records go. */
typedef void (*lode_gc_written_fn)(void *arg, int status);
typedef struct lode_gc_store {
    void *ctx;
    /* Appends a record batch (v2, offsets assigned by the log) to
     * __consumer_offsets-partition and calls done(arg, 0) once it is
     * durable, or done(arg, error). done runs on another thread, never
     * before append returned. Returns 0, or an error (done never runs). */
    int (*append)(void *ctx, int32_t partition, uint8_t *batch, size_t len,
                  lode_gc_written_fn done, void *arg);
} lode_gc_store_t;

/* timer: deadlines (NULL: the coordinator runs its own timer thread on the
 * clock). */
lode_gc_t *lode_gc_new(const lode_gc_config_t *cfg, const lode_gc_store_t *store,
                       lode_clock_t *clock, lode_timer_t *timer);
/* Answers every waiting request with NOT_COORDINATOR and frees. Writes
 * still in flight must have completed (stop the flusher first). */
void lode_gc_free(lode_gc_t *gc);

/* The __consumer_offsets partition of a group. */
int32_t lode_gc_partition_for(const lode_gc_t *gc, const char *group);

/* Replays a __consumer_offsets partition (this node now leads it) and then
 * serves its groups; requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS.
 * Records that do not decode are skipped and counted. */
int lode_gc_load(lode_gc_t *gc, int32_t partition, lode_log_t *log, size_t *skipped);
/* Stops serving a partition's groups (leadership moved), answering their
 * waiting requests with NOT_COORDINATOR. */
void lode_gc_unload(lode_gc_t *gc, int32_t partition);
/* True when the partition is served or being loaded. */
bool lode_gc_serves(lode_gc_t *gc, int32_t partition);
/* 0 when this coordinator serves the group's partition, else
 * NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS. */
int16_t lode_gc_check(lode_gc_t *gc, const char *group);

/* ---- JoinGroup --------------------------------------------------------- */

typedef struct lode_gc_protocol {
    const char *name;
    const uint8_t *metadata;
    int32_t metadata_len;
} lode_gc_protocol_t;

typedef struct lode_gc_join_req {
    const char *group_id;
    const char *member_id;   /* "" for a new member */
    const char *instance_id; /* NULL: dynamic member */
    const char *client_id;
    const char *client_host;
    const char *protocol_type;
    const char *reason; /* NULL: none */
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms;
    bool require_known_member_id; /* JoinGroup v4+ */
    const lode_gc_protocol_t *protocols;
    size_t nprotocols;
} lode_gc_join_req_t;

typedef struct lode_gc_member_meta {
    const char *member_id;
    const char *instance_id; /* NULL when dynamic */
    const uint8_t *metadata;
    int32_t metadata_len;
} lode_gc_member_meta_t;

typedef struct lode_gc_join_result {
    int16_t error;
    const char *member_id;
    int32_t generation;        /* -1 on error */
    const char *protocol_type; /* NULL when none */
    const char *protocol_name; /* NULL when none */
    const char *leader;        /* "" when none */
    const lode_gc_member_meta_t *members; /* the leader's answer only */
    size_t nmembers;
} lode_gc_join_result_t;

typedef void (*lode_gc_join_fn)(void *arg, const lode_gc_join_result_t *r);

void lode_gc_join(lode_gc_t *gc, const lode_gc_join_req_t *req, lode_gc_join_fn done, void *arg);

/* ---- SyncGroup --------------------------------------------------------- */

typedef struct lode_gc_assignment {
    const char *member_id;
    const uint8_t *data;
    int32_t len;
} lode_gc_assignment_t;

typedef struct lode_gc_sync_req {
    const char *group_id;
    const char *member_id;
    const char *instance_id;   /* NULL */
    const char *protocol_type; /* NULL: not checked (v0-4) */
    const char *protocol_name; /* NULL: not checked */
    int32_t generation;
    const lode_gc_assignment_t *assignments; /* the leader's */
    size_t nassignments;
} lode_gc_sync_req_t;

typedef struct lode_gc_sync_result {
    int16_t error;
    const char *protocol_type; /* NULL when none */
    const char *protocol_name; /* NULL when none */
    const uint8_t *assignment;
    int32_t assignment_len;
} lode_gc_sync_result_t;

typedef void (*lode_gc_sync_fn)(void *arg, const lode_gc_sync_result_t *r);

void lode_gc_sync(lode_gc_t *gc, const lode_gc_sync_req_t *req, lode_gc_sync_fn done, void *arg);

/* ---- Heartbeat, LeaveGroup ------------------------------------------------ */

int16_t lode_gc_heartbeat(lode_gc_t *gc, const char *group_id, const char *member_id,
                          const char *instance_id, int32_t generation);

typedef struct lode_gc_leaver {
    const char *member_id;   /* "" to remove a static member by instance id */
    const char *instance_id; /* NULL */
    const char *reason;      /* NULL */
    int16_t error;           /* out */
} lode_gc_leaver_t;

/* Removes members; returns the request's error (each member's in .error). */
int16_t lode_gc_leave(lode_gc_t *gc, const char *group_id, lode_gc_leaver_t *m, size_t n);

/* ---- offsets -------------------------------------------------------------- */

typedef struct lode_gc_commit_part {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int32_t leader_epoch;
    const char *metadata; /* NULL: "" */
    int16_t error; /* in: nonzero to leave the partition out (unknown topic); out */
} lode_gc_commit_part_t;

typedef struct lode_gc_commit_req {
    const char *group_id;
    const char *member_id;   /* "" outside group management */
    const char *instance_id; /* NULL */
    int32_t generation;      /* -1 outside group management */
    int16_t api_version;     /* OffsetCommit version: from 9, an unknown group is GROUP_ID_NOT_FOUND */
    lode_gc_commit_part_t *parts;
    size_t nparts;
} lode_gc_commit_req_t;

/* Validates and writes a commit; fills each part's error and calls
 * done(arg) (perhaps before returning). */
void lode_gc_commit(lode_gc_t *gc, const lode_gc_commit_req_t *req, void (*done)(void *arg),
                    void *arg);

typedef struct lode_gc_offset {
    const char *topic;
    int32_t partition;
    int64_t offset;       /* -1: none committed */
    int32_t leader_epoch; /* -1: unknown */
    const char *metadata; /* "" when none */
} lode_gc_offset_t;

/*
 * Committed offsets of a group: the n partitions asked for (filled in
 * place), or every committed one when all (allocated from arena into
 * out and nout), ordered by topic then partition. Strings are copied into
 * arena. Returns 0 or the group's error (NOT_COORDINATOR, ...).
 */
int16_t lode_gc_fetch_offsets(lode_gc_t *gc, const char *group_id, bool all, lode_gc_offset_t *parts,
                              size_t n, lode_arena_t *arena, lode_gc_offset_t **out, size_t *nout);

/* OffsetDelete: removes committed offsets of partitions the group does not
 * consume (GROUP_SUBSCRIBED_TO_TOPIC in part errors otherwise). Returns the
 * request's error; done(arg) runs once the deletions are durable (perhaps
 * before returning) — but only when the return value is 0. */
typedef struct lode_gc_delete_part {
    const char *topic;
    int32_t partition;
    int16_t error; /* out */
} lode_gc_delete_part_t;
int16_t lode_gc_delete_offsets(lode_gc_t *gc, const char *group_id, lode_gc_delete_part_t *parts,
                               size_t n, void (*done)(void *arg), void *arg);

/* ---- administration ------------------------------------------------------- */

typedef struct lode_gc_group_info {
    const char *group_id;
    const char *protocol_type; /* "" when none */
    const char *state;         /* Kafka's state name */
} lode_gc_group_info_t;

/* Every group this coordinator serves (strings in arena). */
void lode_gc_list(lode_gc_t *gc, lode_arena_t *arena, lode_gc_group_info_t **out, size_t *n);

typedef struct lode_gc_member_desc {
    const char *member_id;
    const char *instance_id; /* NULL */
    const char *client_id;
    const char *client_host;
    const uint8_t *metadata; /* Stable groups only; else empty */
    int32_t metadata_len;
    const uint8_t *assignment; /* Stable groups only; else empty */
    int32_t assignment_len;
} lode_gc_member_desc_t;

typedef struct lode_gc_group_desc {
    const char *state; /* "Dead" for an unknown group */
    const char *protocol_type;
    const char *protocol; /* the chosen protocol when Stable, else "" */
    lode_gc_member_desc_t *members;
    size_t nmembers;
} lode_gc_group_desc_t;

/* DescribeGroups (copies into arena); returns the group's error. */
int16_t lode_gc_describe(lode_gc_t *gc, const char *group_id, lode_arena_t *arena,
                         lode_gc_group_desc_t *out);

/* DeleteGroups: errors[i] for ids[i] (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP,
 * NOT_COORDINATOR, ...); done(arg) once the deletions are durable (perhaps
 * before returning). */
void lode_gc_delete_groups(lode_gc_t *gc, const char *const *ids, int16_t *errors, size_t n,
                           void (*done)(void *arg), void *arg);

/* Runs the offset expiry now (it also runs every
 * offsets.retention.check.interval.ms); returns offsets removed. */
size_t lode_gc_expire_offsets(lode_gc_t *gc);

/* Groups served (tests, metrics). */
size_t lode_gc_group_count(lode_gc_t *gc);

#endif
