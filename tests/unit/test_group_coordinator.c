/* Group coordinator on virtual time: rebalances, liveness, static members,
 * commits, expiry and reload from __consumer_offsets. Writes go to a real
 * partition log; their completion is delivered when the test says so. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/timer.h"
#include "group/coordinator.h"
#include "group/records.h"
#include "proto/kerr.h"
#include "proto/record_batch.h"
#include "storage/log.h"
#include "test.h"

/* ---- harness -------------------------------------------------------------------- */

typedef struct pending_write {
    lode_gc_written_fn done;
    void *arg;
} pending_write_t;

typedef struct env {
    lode_manual_clock_t clock;
    lode_timer_t *timer;
    lode_gc_t *gc;
    lode_log_t *log; /* every group maps to partition 0 (1 partition) */
    pending_write_t writes[256];
    size_t nwrites;
    bool fail_writes;
    char dir[512];
} env_t;

static const lode_log_hooks_t HOOKS = {lode_batch_validate_stored, NULL};

static int fake_append(void *ctx, int32_t partition, uint8_t *batch, size_t len,
                       lode_gc_written_fn done, void *arg)
{
    env_t *e = ctx;
    if (partition != 0 || e->fail_writes)
        return LODE_EIO;
    lode_log_append_info_t info;
    int rc = lode_log_append(e->log, batch, len, 0, lode_clock_now_ms(&e->clock.clock), &info);
    if (rc)
        return rc;
    if (e->nwrites == sizeof e->writes / sizeof e->writes[0])
        return LODE_EAGAIN;
    e->writes[e->nwrites++] = (pending_write_t){done, arg};
    return 0;
}

/* Completes every write made so far (they are "durable"). */
static void flush(env_t *e)
{
    while (e->nwrites) {
        pending_write_t w = e->writes[0];
        memmove(e->writes, e->writes + 1, --e->nwrites * sizeof *e->writes);
        w.done(w.arg, 0);
    }
}

static lode_gc_config_t config(void)
{
    return (lode_gc_config_t){.num_partitions = 1,
                              .min_session_timeout_ms = 1000,
                              .max_session_timeout_ms = 60000,
                              .initial_rebalance_delay_ms = 0,
                              .max_size = 100,
                              .offset_metadata_max_bytes = 16,
                              .offsets_retention_ms = 3600000,
                              .retention_check_interval_ms = 600000};
}

static void open_log(env_t *e)
{
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    REQUIRE(lode_log_open(e->dir, &c, 0, -1, false, &HOOKS, 0, &e->log) == 0);
}

static void start_gc(env_t *e, const lode_gc_config_t *cfg)
{
    lode_gc_store_t store = {e, fake_append};
    e->gc = lode_gc_new(cfg, &store, &e->clock.clock, e->timer);
    size_t skipped;
    REQUIRE(lode_gc_load(e->gc, 0, e->log, &skipped) == 0);
    CHECK_EQ(skipped, 0);
}

static void env_init(env_t *e, const lode_gc_config_t *cfg)
{
    memset(e, 0, sizeof *e);
    lode_manual_clock_init(&e->clock, 1700000000000, 0);
    e->timer = lode_timer_new(&e->clock.clock);
    snprintf(e->dir, sizeof e->dir, "%s/__consumer_offsets-0", lode_test_tmpdir());
    open_log(e);
    start_gc(e, cfg);
}

static void env_free(env_t *e)
{
    flush(e);
    lode_gc_free(e->gc);
    lode_timer_free(e->timer);
    lode_log_close(e->log);
}

/* Stops the coordinator and starts a new one on the same log (a restart). */
static void restart(env_t *e, const lode_gc_config_t *cfg)
{
    flush(e);
    lode_gc_free(e->gc);
    REQUIRE(lode_log_close(e->log) == 0);
    open_log(e);
    start_gc(e, cfg);
}

static void advance(env_t *e, int64_t ms)
{
    /* step in small increments so every deadline fires in order */
    for (int64_t t = 0; t < ms; t += 100) {
        lode_manual_clock_advance_ms(&e->clock, ms - t < 100 ? ms - t : 100);
        lode_timer_run_due(e->timer);
    }
}

/* A JoinGroup answer, kept. */
typedef struct join {
    bool done;
    int16_t error;
    char member[128];
    char leader[128];
    char protocol[32];
    int32_t generation;
    size_t nmembers;
} join_t;

static void on_join(void *arg, const lode_gc_join_result_t *r)
{
    join_t *j = arg;
    CHECK(!j->done);
    j->done = true;
    j->error = r->error;
    snprintf(j->member, sizeof j->member, "%s", r->member_id);
    snprintf(j->leader, sizeof j->leader, "%s", r->leader);
    snprintf(j->protocol, sizeof j->protocol, "%s", r->protocol_name ? r->protocol_name : "");
    j->generation = r->generation;
    j->nmembers = r->nmembers;
}

typedef struct sync {
    bool done;
    int16_t error;
    char assignment[64];
} sync_t;

static void on_sync(void *arg, const lode_gc_sync_result_t *r)
{
    sync_t *s = arg;
    CHECK(!s->done);
    s->done = true;
    s->error = r->error;
    snprintf(s->assignment, sizeof s->assignment, "%.*s", (int)r->assignment_len,
             (const char *)r->assignment);
}

static void join(env_t *e, const char *group, const char *member, const char *instance,
                 const char *protocols, join_t *out)
{
    memset(out, 0, sizeof *out);
    lode_gc_protocol_t ps[4];
    size_t n = 0;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", protocols);
    for (char *save, *p = strtok_r(buf, ",", &save); p && n < 4; p = strtok_r(NULL, ",", &save))
        ps[n++] = (lode_gc_protocol_t){p, (const uint8_t *)"md", 2};
    lode_gc_join_req_t r = {.group_id = group,
                            .member_id = member,
                            .instance_id = instance,
                            .client_id = "cli",
                            .client_host = "/127.0.0.1",
                            .protocol_type = "consumer",
                            .session_timeout_ms = 10000,
                            .rebalance_timeout_ms = 30000,
                            .require_known_member_id = false,
                            .protocols = ps,
                            .nprotocols = n};
    lode_gc_join(e->gc, &r, on_join, out);
}

static void sync(env_t *e, const char *group, const join_t *j, const char *instance, sync_t *out,
                 const lode_gc_assignment_t *as, size_t n)
{
    memset(out, 0, sizeof *out);
    lode_gc_sync_req_t r = {.group_id = group,
                            .member_id = j->member,
                            .instance_id = instance,
                            .generation = j->generation,
                            .assignments = as,
                            .nassignments = n};
    lode_gc_sync(e->gc, &r, on_sync, out);
}

/* ---- tests ------------------------------------------------------------------------ */

TEST(group_two_members_rebalance_and_sync)
{
    env_t e;
    lode_gc_config_t cfg = config();
    env_init(&e, &cfg);
    join_t a, b;
    join(&e, "g", "", NULL, "range", &a);
    advance(&e, 100); /* the initial delay (0) passes: a alone forms generation 1 */
    REQUIRE(a.done);
    CHECK_EQ(a.error, 0);
    CHECK_EQ(a.generation, 1);
    CHECK_STREQ(a.leader, a.member);
    CHECK_EQ(a.nmembers, 1);
    CHECK(strncmp(a.member, "cli-", 4) == 0 && strlen(a.member) == 4 + 36);

    sync_t sa;
    lode_gc_assignment_t as1[] = {{a.member, (const uint8_t *)"A1", 2}};
    sync(&e, "g", &a, NULL, &sa, as1, 1);
    CHECK(!sa.done); /* waits for the assignment to be durable */
    flush(&e);
    REQUIRE(sa.done);
    CHECK_EQ(sa.error, 0);
    CHECK_STREQ(sa.assignment, "A1");

    /* b joins: a learns through its heartbeat and rejoins */
    join(&e, "g", "", NULL, "range", &b);
    CHECK(!b.done);
    CHECK_EQ(lode_gc_heartbeat(e.gc, "g", a.member, NULL, 1), LODE_KERR_REBALANCE_IN_PROGRESS);
    join_t a2;
    join(&e, "g", a.member, NULL, "range", &a2);
    REQUIRE(a2.done && b.done);
    CHECK_EQ(a2.generation, 2);
    CHECK_EQ(b.generation, 2);
    CHECK_EQ(a2.nmembers, 2); /* a is still the leader */
    CHECK_EQ(b.nmembers, 0);
    CHECK_STREQ(b.leader, a.member);

    /* the follower's sync waits for the leader's */
    sync_t sb, sa2;
    sync(&e, "g", &b, NULL, &sb, NULL, 0);
    CHECK(!sb.done);
    CHECK_EQ(lode_gc_heartbeat(e.gc, "g", b.member, NULL, 2), 0); /* CompletingRebalance: fine */
    lode_gc_assignment_t as2[] = {{a2.member, (const uint8_t *)"A2", 2},
                                  {b.member, (const uint8_t *)"B2", 2}};
    sync(&e, "g", &a2, NULL, &sa2, as2, 2);
    flush(&e);
    REQUIRE(sb.done && sa2.done);
    CHECK_STREQ(sb.assignment, "B2");
    CHECK_STREQ(sa2.assignment, "A2");

    /* errors */
    CHECK_EQ(lode_gc_heartbeat(e.gc, "g", b.member, NULL, 1), LODE_KERR_ILLEGAL_GENERATION);
    CHECK_EQ(lode_gc_heartbeat(e.gc, "g", "nobody", NULL, 2), LODE_KERR_UNKNOWN_MEMBER_ID);
    CHECK_EQ(lode_gc_heartbeat(e.gc, "nogroup", "x", NULL, 2), LODE_KERR_UNKNOWN_MEMBER_ID);
    join_t bad;
    join(&e, "g", "nobody", NULL, "range", &bad);
    REQUIRE(bad.done);
    CHECK_EQ(bad.error, LODE_KERR_UNKNOWN_MEMBER_ID);
    env_free(&e);
}

TEST(group_protocol_selection_and_inconsistency)
{
    env_t e;
    lode_gc_config_t cfg = config();
    env_init(&e, &cfg);
    join_t a, b, c;
    join(&e, "g", "", NULL, "roundrobin,range", &a);
    join(&e, "g", "", NULL, "range,roundrobin", &b);
    join(&e, "g", "", NULL, "sticky", &c); /* shares nothing with the others */
    REQUIRE(c.done);
    CHECK_EQ(c.error, LODE_KERR_INCONSISTENT_GROUP_PROTOCOL);
    advance(&e, 100);
    REQUIRE(a.done && b.done);
    /* one vote each: the tie goes to the first member's preference */
    CHECK_STREQ(a.protocol, "roundrobin");
    CHECK_STREQ(b.protocol, "roundrobin");

    lode_gc_join_req_t r = {.group_id = "g", .member_id = "", .client_id = "x",
                            .protocol_type = "connect", .session_timeout_ms = 10000,
                            .rebalance_timeout_ms = 10000,
                            .protocols = (lode_gc_protocol_t[]){{"range", NULL, 0}},
                            .nprotocols = 1};
    join_t d;
    memset(&d, 0, sizeof d);
    lode_gc_join(e.gc, &r, on_join, &d);
    REQUIRE(d.done);
    CHECK_EQ(d.error, LODE_KERR_INCONSISTENT_GROUP_PROTOCOL);
    r.session_timeout_ms = 999; /* below group.min.session.timeout.ms */
    memset(&d, 0, sizeof d);
    lode_gc_join(e.gc, &r, on_join, &d);
    CHECK_EQ(d.error, LODE_KERR_INVALID_SESSION_TIMEOUT);
    env_free(&e);
}

TEST(group_member_id_required_then_join)
{
    env_t e;
    lode_gc_config_t cfg = config();
    env_init(&e, &cfg);
    lode_gc_join_req_t r = {.group_id = "g", .member_id = "", .client_id = "c1",
                            .protocol_type = "consumer", .session_timeout_ms = 10000,
                            .rebalance_timeout_ms = 10000, .require_known_member_id = true,
                            .protocols = (lode_gc_protocol_t[]){{"range", NULL, 0}},
                            .nprotocols = 1};
    join_t j;
    memset(&j, 0, sizeof j);
    lode_gc_join(e.gc, &r, on_join, &j);
    REQUIRE(j.done);
    CHECK_EQ(j.error, LODE_KERR_MEMBER_ID_REQUIRED);
    CHECK(strncmp(j.member, "c1-", 3) == 0);
    char id[128];
    snprintf(id, sizeof id, "%s", j.member);
    r.member_id = id;
    memset(&j, 0, sizeof j);
    lode_gc_join(e.gc, &r, on_join, &j);
    advance(&e, 100);
    REQUIRE(j.done);
    CHECK_EQ(j.error, 0);
    CHECK_STREQ(j.member, id);

    /* a pending member that never comes back expires after its session */
    r.member_id = "";
    join_t p;
    memset(&p, 0, sizeof p);
    lode_gc_join(e.gc, &r, on_join, &p);
    CHECK_EQ(p.error, LODE_KERR_MEMBER_ID_REQUIRED);
    advance(&e, 11000);
    lode_gc_leaver_t lv = {.member_id = p.member};
    CHECK_EQ(lode_gc_leave(e.gc, "g", &lv, 1), 0);
    CHECK_EQ(lv.error, LODE_KERR_UNKNOWN_MEMBER_ID);
    env_free(&e);
}

TEST(group_session_expiry_rebalances_the_rest)
{
    env_t e;
    lode_gc_config_t cfg = config();
    env_init(&e, &cfg);
    join_t a, b;
    join(&e, "g", "", NULL, "range", &a);
    join(&e, "g", "", NULL, "range", &b);
    advance(&e, 100);
    REQUIRE(a.done && b.done);
    join_t *leader = strcmp(a.leader, a.member) == 0 ? &a : &b;
    join_t *follower = leader == &a ? &b : &a;
    sync_t s1, s2;
    lode_gc_assignment_t as[] = {{a.member, (const uint8_t *)"x", 1},
                                 {b.member, (const uint8_t *)"y", 1}};
    sync(&e, "g", follower, NULL, &s2, NULL, 0);
    sync(&e, "g", leader, NULL, &s1, as, 2);
    flush(&e);
    REQUIRE(s1.done && s2.done);

    /* the leader keeps heartbeating, the follower goes silent */
    for (int i = 0; i < 12; i++) {
        advance(&e, 1000);
        int16_t err = lode_gc_heartbeat(e.gc, "g", leader->member, NULL, leader->generation);
        if (err == LODE_KERR_REBALANCE_IN_PROGRESS)
            break;
        CHECK_EQ(err, 0);
    }
    CHECK_EQ(lode_gc_heartbeat(e.gc, "g", leader->member, NULL, leader->generation),
             LODE_KERR_REBALANCE_IN_PROGRESS);
    join_t again;
    join(&e, "g", leader->member, NULL, "range", &again);
    REQUIRE(again.done);
    CHECK_EQ(again.generation, leader->generation + 1);
    CHECK_EQ(again.nmembers, 1);
    CHECK_EQ(lode_gc_heartbeat(e.gc, "g", follower->member, NULL, again.generation),
             LODE_KERR_UNKNOWN_MEMBER_ID);
    env_free(&e);
}

/* Forms a one-member Stable group "g" and returns its join. */
static void stable_one(env_t *e, const char *instance, join_t *a)
{
    join(e, "g", "", instance, "range", a);
    advance(e, 100);
    REQUIRE(a->done && a->error == 0);
    sync_t s;
    lode_gc_assignment_t as[] = {{a->member, (const uint8_t *)"P0", 2}};
    sync(e, "g", a, instance, &s, as, 1);
    flush(e);
    REQUIRE(s.done && s.error == 0);
}

static void counted(void *arg)
{
    (*(int *)arg)++;
}

TEST(group_leave_empty_describe_list_delete)
{
    env_t e;
    lode_gc_config_t cfg = config();
    env_init(&e, &cfg);
    join_t a;
    stable_one(&e, NULL, &a);
    lode_arena_t arena;
    lode_arena_init(&arena, 1024);
    lode_gc_group_desc_t d;
    CHECK_EQ(lode_gc_describe(e.gc, "g", &arena, &d), 0);
    CHECK_STREQ(d.state, "Stable");
    CHECK_STREQ(d.protocol_type, "consumer");
    CHECK_STREQ(d.protocol, "range");
    REQUIRE(d.nmembers == 1);
    CHECK_STREQ(d.members[0].client_host, "/127.0.0.1");
    CHECK_EQ(d.members[0].assignment_len, 2);
    CHECK_EQ(lode_gc_describe(e.gc, "unknown", &arena, &d), 0);
    CHECK_STREQ(d.state, "Dead");

    int16_t errs[2];
    const char *ids[] = {"g", "nope"};
    int done = 0;
    lode_gc_delete_groups(e.gc, ids, errs, 2, counted, &done);
    CHECK_EQ(done, 1);
    CHECK_EQ(errs[0], LODE_KERR_NON_EMPTY_GROUP);
    CHECK_EQ(errs[1], LODE_KERR_GROUP_ID_NOT_FOUND);

    lode_gc_leaver_t lv = {.member_id = a.member};
    CHECK_EQ(lode_gc_leave(e.gc, "g", &lv, 1), 0);
    CHECK_EQ(lv.error, 0);
    advance(&e, 100);
    CHECK_EQ(lode_gc_describe(e.gc, "g", &arena, &d), 0);
    CHECK_STREQ(d.state, "Empty");
    lode_gc_group_info_t *gs;
    size_t n;
    lode_gc_list(e.gc, &arena, &gs, &n);
    REQUIRE(n == 1);
    CHECK_STREQ(gs[0].state, "Empty");

    done = 0;
    lode_gc_delete_groups(e.gc, ids, errs, 1, counted, &done);
    CHECK_EQ(done, 0); /* the tombstones are not durable yet */
    flush(&e);
    CHECK_EQ(done, 1);
    CHECK_EQ(errs[0], 0);
    CHECK_EQ(lode_gc_group_count(e.gc), 0);
    lode_arena_free(&arena);
    env_free(&e);
}

static void commit(env_t *e, const char *group, const char *member, int32_t generation,
                   lode_gc_commit_part_t *parts, size_t n, int *done)
{
    lode_gc_commit_req_t r = {.group_id = group, .member_id = member, .generation = generation,
                              .parts = parts, .nparts = n};
    lode_gc_commit(e->gc, &r, counted, done);
}

static int64_t fetched(env_t *e, const char *group, const char *topic, int32_t partition,
                       char *md, size_t mdcap)
{
    lode_arena_t a;
    lode_arena_init(&a, 256);
    lode_gc_offset_t o = {.topic = topic, .partition = partition};
    CHECK_EQ(lode_gc_fetch_offsets(e->gc, group, false, &o, 1, &a, NULL, NULL), 0);
    if (md)
        snprintf(md, mdcap, "%s", o.metadata);
    lode_arena_free(&a);
    return o.offset;
}

TEST(group_commits_visible_once_durable_and_validated)
{
    env_t e;
    lode_gc_config_t cfg = config();
    env_init(&e, &cfg);
    /* outside group management: generation -1 */
    lode_gc_commit_part_t p[] = {{"t", 0, 42, 3, "meta", 0},
                                 {"t", 1, 7, -1, "this metadata is far too long", 0},
                                 {"u", 0, 1, -1, NULL, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION}};
    int done = 0;
    commit(&e, "simple", "", -1, p, 3, &done);
    CHECK_EQ(done, 0);
    CHECK_EQ(fetched(&e, "simple", "t", 0, NULL, 0), -1); /* not durable yet */
    flush(&e);
    CHECK_EQ(done, 1);
    CHECK_EQ(p[0].error, 0);
    CHECK_EQ(p[1].error, LODE_KERR_OFFSET_METADATA_TOO_LARGE);
    CHECK_EQ(p[2].error, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    char md[32];
    CHECK_EQ(fetched(&e, "simple", "t", 0, md, sizeof md), 42);
    CHECK_STREQ(md, "meta");
    CHECK_EQ(fetched(&e, "simple", "t", 1, NULL, 0), -1);

    /* an unknown group with a generation: ILLEGAL_GENERATION */
    lode_gc_commit_part_t q = {"t", 0, 1, -1, NULL, 0};
    done = 0;
    commit(&e, "gone", "m", 3, &q, 1, &done);
    CHECK_EQ(done, 1);
    CHECK_EQ(q.error, LODE_KERR_ILLEGAL_GENERATION);

    /* a managed group: member and generation must match */
    join_t a;
    stable_one(&e, NULL, &a);
    q.error = 0;
    done = 0;
    commit(&e, "g", "intruder", a.generation, &q, 1, &done);
    CHECK_EQ(q.error, LODE_KERR_UNKNOWN_MEMBER_ID);
    q.error = 0;
    commit(&e, "g", a.member, a.generation + 1, &q, 1, &done);
    CHECK_EQ(q.error, LODE_KERR_ILLEGAL_GENERATION);
    q.error = 0;
    commit(&e, "g", "", -1, &q, 1, &done); /* not Empty: no anonymous commits */
    CHECK_EQ(q.error, LODE_KERR_UNKNOWN_MEMBER_ID);
    q.error = 0;
    commit(&e, "g", a.member, a.generation, &q, 1, &done);
    flush(&e);
    CHECK_EQ(q.error, 0);
    CHECK_EQ(done, 4);
    CHECK_EQ(fetched(&e, "g", "t", 0, NULL, 0), 1);

    /* fetching every committed offset, sorted */
    lode_arena_t ar;
    lode_arena_init(&ar, 256);
    lode_gc_offset_t *all;
    size_t n;
    CHECK_EQ(lode_gc_fetch_offsets(e.gc, "simple", true, NULL, 0, &ar, &all, &n), 0);
    REQUIRE(n == 1);
    CHECK_STREQ(all[0].topic, "t");
    CHECK_EQ(all[0].leader_epoch, 3);
    lode_arena_free(&ar);

    /* OffsetDelete: the group consumes nothing it declared ("md" is not a
     * ConsumerProtocol subscription), so the offset goes */
    lode_gc_delete_part_t dp = {"t", 0, 0};
    done = 0;
    CHECK_EQ(lode_gc_delete_offsets(e.gc, "g", &dp, 1, counted, &done), 0);
    flush(&e);
    CHECK_EQ(done, 1);
    CHECK_EQ(fetched(&e, "g", "t", 0, NULL, 0), -1);
    CHECK_EQ(lode_gc_delete_offsets(e.gc, "nope", &dp, 1, counted, &done),
             LODE_KERR_GROUP_ID_NOT_FOUND);
    env_free(&e);
}

TEST(group_state_and_offsets_survive_restart)
{
    env_t e;
    lode_gc_config_t cfg = config();
    env_init(&e, &cfg);
    join_t a;
    stable_one(&e, NULL, &a);
    lode_gc_commit_part_t q = {"t", 2, 99, 1, "m", 0};
    int done = 0;
    commit(&e, "g", a.member, a.generation, &q, 1, &done);
    lode_gc_commit_part_t r = {"t", 0, 5, -1, NULL, 0};
    commit(&e, "solo", "", -1, &r, 1, &done);
    flush(&e);
    CHECK_EQ(done, 2);

    restart(&e, &cfg);
    CHECK_EQ(lode_gc_group_count(e.gc), 2);
    CHECK_EQ(fetched(&e, "g", "t", 2, NULL, 0), 99);
    CHECK_EQ(fetched(&e, "solo", "t", 0, NULL, 0), 5);
    /* the member carries on in its generation, and gets its assignment */
    CHECK_EQ(lode_gc_heartbeat(e.gc, "g", a.member, NULL, a.generation), 0);
    sync_t s;
    sync(&e, "g", &a, NULL, &s, NULL, 0);
    REQUIRE(s.done);
    CHECK_EQ(s.error, 0);
    CHECK_STREQ(s.assignment, "P0");
    /* but must keep heartbeating */
    advance(&e, 11000);
    CHECK_EQ(lode_gc_heartbeat(e.gc, "g", a.member, NULL, a.generation),
             LODE_KERR_UNKNOWN_MEMBER_ID);
    env_free(&e);
}

TEST(group_static_member_rejoins_without_rebalance)
{
    env_t e;
    lode_gc_config_t cfg = config();
    env_init(&e, &cfg);
    join_t a, b;
    join(&e, "g", "", "inst-a", "range", &a);
    join(&e, "g", "", "inst-b", "range", &b);
    advance(&e, 100);
    REQUIRE(a.done && b.done);
    CHECK(strncmp(a.member, "inst-a-", 7) == 0);
    join_t *leader = strcmp(a.leader, a.member) == 0 ? &a : &b;
    sync_t sa, sb;
    lode_gc_assignment_t as[] = {{a.member, (const uint8_t *)"AA", 2},
                                 {b.member, (const uint8_t *)"BB", 2}};
    sync(&e, "g", leader == &a ? &b : &a, leader == &a ? "inst-b" : "inst-a",
         leader == &a ? &sb : &sa, NULL, 0);
    sync(&e, "g", leader, leader == &a ? "inst-a" : "inst-b", leader == &a ? &sa : &sb, as, 2);
    flush(&e);
    REQUIRE(sa.done && sb.done);

    /* b restarts (no LeaveGroup) and rejoins with its instance id */
    join_t b2;
    join(&e, "g", "", "inst-b", "range", &b2);
    CHECK(!b2.done); /* its new identity is being made durable */
    flush(&e);
    REQUIRE(b2.done);
    CHECK_EQ(b2.error, 0);
    CHECK_EQ(b2.generation, b.generation); /* no rebalance */
    CHECK(strcmp(b2.member, b.member) != 0);
    CHECK(strcmp(b2.leader, b2.member) != 0); /* not told to assign */
    sync_t sb2;
    sync(&e, "g", &b2, "inst-b", &sb2, NULL, 0);
    REQUIRE(sb2.done);
    CHECK_STREQ(sb2.assignment, "BB");
    CHECK_EQ(lode_gc_heartbeat(e.gc, "g", leader == &a ? a.member : b2.member, NULL, a.generation),
             0);
    /* the old incarnation is fenced */
    CHECK_EQ(lode_gc_heartbeat(e.gc, "g", b.member, "inst-b", b.generation),
             LODE_KERR_FENCED_INSTANCE_ID);
    env_free(&e);
}

TEST(group_offsets_expire_for_empty_groups)
{
    env_t e;
    lode_gc_config_t cfg = config();
    env_init(&e, &cfg);
    lode_gc_commit_part_t q = {"t", 0, 1, -1, NULL, 0};
    int done = 0;
    commit(&e, "solo", "", -1, &q, 1, &done);
    flush(&e);
    CHECK_EQ(lode_gc_expire_offsets(e.gc), 0); /* too young */
    lode_manual_clock_advance_ms(&e.clock, cfg.offsets_retention_ms);
    CHECK_EQ(lode_gc_expire_offsets(e.gc), 1);
    CHECK_EQ(lode_gc_group_count(e.gc), 0); /* nothing left: forgotten */
    flush(&e);
    restart(&e, &cfg); /* and the tombstones hold after a restart */
    CHECK_EQ(lode_gc_group_count(e.gc), 0);
    CHECK_EQ(fetched(&e, "solo", "t", 0, NULL, 0), -1);
    env_free(&e);
}

TEST(group_write_failure_fails_the_sync)
{
    env_t e;
    lode_gc_config_t cfg = config();
    env_init(&e, &cfg);
    join_t a;
    join(&e, "g", "", NULL, "range", &a);
    advance(&e, 100);
    REQUIRE(a.done);
    e.fail_writes = true;
    sync_t s;
    sync(&e, "g", &a, NULL, &s, NULL, 0);
    REQUIRE(s.done);
    CHECK_EQ(s.error, LODE_KERR_COORDINATOR_NOT_AVAILABLE);
    lode_gc_commit_part_t q = {"t", 0, 1, -1, NULL, 0};
    int done = 0;
    commit(&e, "solo", "", -1, &q, 1, &done);
    CHECK_EQ(done, 1);
    CHECK_EQ(q.error, LODE_KERR_COORDINATOR_NOT_AVAILABLE);
    e.fail_writes = false;
    env_free(&e);
}

TEST(group_not_served_partitions_say_not_coordinator)
{
    env_t e;
    lode_gc_config_t cfg = config();
    cfg.num_partitions = 2; /* partition 1 is never loaded */
    env_init(&e, &cfg);
    /* find a group in partition 1 */
    char g[16];
    for (int i = 0;; i++) {
        snprintf(g, sizeof g, "grp%d", i);
        if (lode_gc_partition_for(e.gc, g) == 1)
            break;
    }
    join_t j;
    join(&e, g, "", NULL, "range", &j);
    REQUIRE(j.done);
    CHECK_EQ(j.error, LODE_KERR_NOT_COORDINATOR);
    CHECK_EQ(lode_gc_heartbeat(e.gc, g, "m", NULL, 1), LODE_KERR_NOT_COORDINATOR);
    env_free(&e);
}

TEST(group_max_size_and_consecutive_rebalances)
{
    env_t e;
    lode_gc_config_t cfg = config();
    cfg.max_size = 2;
    env_init(&e, &cfg);
    join_t m[3];
    join(&e, "g", "", NULL, "range", &m[0]);
    advance(&e, 100);
    REQUIRE(m[0].done && m[0].generation == 1);
    /* members arrive one by one; each time everyone rejoins with its id */
    for (int round = 1; round <= 4; round++) {
        join_t extra;
        join(&e, "g", "", NULL, "range", &extra); /* forces a rebalance */
        if (round >= 2) {
            REQUIRE(extra.done); /* the group is full */
            CHECK_EQ(extra.error, LODE_KERR_GROUP_MAX_SIZE_REACHED);
            /* the leader rejoining starts the next generation */
        }
        join_t again[2];
        int n = round == 1 ? 1 : 2;
        for (int i = 0; i < n; i++)
            join(&e, "g", m[i].member, NULL, "range", &again[i]);
        advance(&e, 100);
        for (int i = 0; i < n; i++) {
            REQUIRE(again[i].done);
            CHECK_EQ(again[i].error, 0);
            CHECK_STREQ(again[i].member, m[i].member);
            m[i] = again[i];
        }
        if (round == 1) {
            REQUIRE(extra.done && extra.error == 0);
            m[1] = extra;
            CHECK_EQ(extra.generation, m[0].generation);
        }
        CHECK_EQ(m[0].generation, round + 1);
        /* everyone syncs: Stable again */
        int members = 2;
        sync_t sy[2];
        for (int i = members - 1; i >= 0; i--)
            sync(&e, "g", &m[i], NULL, &sy[i], NULL, 0);
        flush(&e);
        for (int i = 0; i < members; i++) {
            REQUIRE(sy[i].done);
            CHECK_EQ(sy[i].error, 0);
        }
    }
    env_free(&e);
}
