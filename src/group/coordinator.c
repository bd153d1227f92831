/*
 * coordinator.c — the group coordinator's frame: lifecycle, the groups it
 * serves, its one timer, record writes, and loading a __consumer_offsets
 * partition (see coordinator.h). The classic protocol is in classic.c,
 * offsets in offsets.c, administration in admin.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/mem.h"
#include "group/group_int.h"
#include "group/records.h"
#include "proto/compress.h"
#include "proto/record_batch.h"

static void on_timer(void *arg);

lode_gc_t *lode_gc_new(const lode_gc_config_t *cfg, const lode_gc_store_t *store,
                       lode_clock_t *clock, lode_timer_t *timer)
{
    lode_gc_t *gc = lode_xcalloc(1, sizeof *gc);
    pthread_mutex_init(&gc->lock, NULL);
    gc->cfg = *cfg;
    if (gc->cfg.num_partitions < 1)
        gc->cfg.num_partitions = 1;
    gc->store = *store;
    gc->clock = clock ? clock : lode_clock_real();
    if (timer) {
        gc->timer = timer;
    } else {
        gc->timer = lode_timer_new(gc->clock);
        gc->own_timer = true;
        lode_timer_start(gc->timer);
    }
    gc->armed = LODE_GC_NEVER;
    gc->next_expiry = LODE_GC_NEVER;
    gc->pstate = lode_xcalloc((size_t)gc->cfg.num_partitions, 1);
    lode_hmap_init(&gc->groups);
    gc->task.index = SIZE_MAX;
    return gc;
}

static void group_free(group_t *g, int16_t err)
{
    for (size_t i = 0; i < g->nmembers; i++) {
        gc_member_abort(g, g->members[i], err);
        gc_member_free(g->members[i]);
    }
    free(g->members);
    for (size_t i = 0; i < g->npending; i++)
        free(g->pending[i].id);
    free(g->pending);
    gc_offsets_clear(g);
    lode_hmap_free(&g->offsets);
    free(g->protocol_type);
    free(g->protocol_name);
    free(g->leader);
    free(g->id);
    free(g);
}

void lode_gc_free(lode_gc_t *gc)
{
    if (!gc)
        return;
    if (gc->own_timer)
        lode_timer_free(gc->timer);
    else
        lode_timer_cancel_wait(gc->timer, &gc->task);
    pthread_mutex_lock(&gc->lock);
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&gc->groups, &it)))
        group_free(e->value, LODE_KERR_NOT_COORDINATOR);
    lode_hmap_free(&gc->groups);
    pthread_mutex_unlock(&gc->lock);
    pthread_mutex_destroy(&gc->lock);
    free(gc->pstate);
    free(gc);
}

int32_t lode_gc_partition_for(const lode_gc_t *gc, const char *group)
{
    return lode_group_coordinator_partition(group, strlen(group), gc->cfg.num_partitions);
}

const char *gc_state_name(gstate_t s)
{
    switch (s) {
    case GS_EMPTY:
        return "Empty";
    case GS_PREPARING:
        return "PreparingRebalance";
    case GS_COMPLETING:
        return "CompletingRebalance";
    case GS_STABLE:
        return "Stable";
    case GS_DEAD:
        break;
    }
    return "Dead";
}

void gc_set_state(lode_gc_t *gc, group_t *g, gstate_t s)
{
    g->state = s;
    g->state_ms = gc_wall(gc);
}

int16_t gc_check_locked(lode_gc_t *gc, const char *group_id)
{
    if (!group_id)
        return LODE_KERR_INVALID_GROUP_ID;
    int32_t p = lode_gc_partition_for(gc, group_id);
    if (gc->pstate[p] == PART_SERVED)
        return 0;
    return gc->pstate[p] == PART_LOADING ? LODE_KERR_COORDINATOR_LOAD_IN_PROGRESS
                                         : LODE_KERR_NOT_COORDINATOR;
}

bool lode_gc_serves(lode_gc_t *gc, int32_t partition)
{
    if (partition < 0 || partition >= gc->cfg.num_partitions)
        return false;
    pthread_mutex_lock(&gc->lock);
    bool s = gc->pstate[partition] != 0;
    pthread_mutex_unlock(&gc->lock);
    return s;
}

int16_t lode_gc_check(lode_gc_t *gc, const char *group)
{
    pthread_mutex_lock(&gc->lock);
    int16_t err = gc_check_locked(gc, group);
    pthread_mutex_unlock(&gc->lock);
    return err;
}

group_t *gc_group(lode_gc_t *gc, const char *id)
{
    return lode_hmap_gets(&gc->groups, id);
}

group_t *gc_group_create(lode_gc_t *gc, lode_hmap_t *map, const char *id)
{
    group_t *g = lode_xcalloc(1, sizeof *g);
    g->id = lode_xstrdup(id);
    g->partition = lode_gc_partition_for(gc, id);
    g->state = GS_EMPTY;
    g->state_ms = gc_wall(gc);
    g->join_deadline = g->sync_deadline = g->next_deadline = LODE_GC_NEVER;
    lode_hmap_init(&g->offsets);
    lode_hmap_put(map, g->id, strlen(g->id), g, NULL);
    return g;
}

void gc_group_drop(lode_gc_t *gc, group_t *g, int16_t err)
{
    lode_hmap_remove(&gc->groups, g->id, strlen(g->id), NULL);
    group_free(g, err);
}

size_t lode_gc_group_count(lode_gc_t *gc)
{
    pthread_mutex_lock(&gc->lock);
    size_t n = lode_hmap_count(&gc->groups);
    pthread_mutex_unlock(&gc->lock);
    return n;
}

/* ---- the timer ---------------------------------------------------------------- */

/* Makes sure the task fires by `deadline`. */
static void arm(lode_gc_t *gc, int64_t deadline)
{
    if (deadline >= gc->armed)
        return;
    if (gc->armed != LODE_GC_NEVER && !lode_timer_cancel(gc->timer, &gc->task))
        return; /* firing now: on_timer re-arms for everything once we unlock */
    gc->armed = deadline;
    lode_timer_add(gc->timer, &gc->task, deadline, on_timer, gc);
}

void gc_touch(lode_gc_t *gc, group_t *g)
{
    g->next_deadline = gc_group_deadline(g);
    arm(gc, g->next_deadline);
}

static void on_timer(void *arg)
{
    lode_gc_t *gc = arg;
    pthread_mutex_lock(&gc->lock);
    gc->armed = LODE_GC_NEVER;
    int64_t now = gc_mono(gc);
    /* Ticks may drop groups (never others than the ticked one), so walk a
     * snapshot of the ids that are due. */
    size_t it = 0, n = 0, cap = 0;
    char **due = NULL;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&gc->groups, &it))) {
        group_t *g = e->value;
        if (g->next_deadline <= now) {
            if (n == cap)
                due = lode_xrealloc(due, (cap = cap ? cap * 2 : 16) * sizeof *due);
            due[n++] = lode_xstrdup(g->id);
        }
    }
    for (size_t i = 0; i < n; i++) {
        group_t *g = gc_group(gc, due[i]);
        if (g)
            gc_group_tick(gc, g, now);
        free(due[i]);
    }
    free(due);
    bool expire = gc->next_expiry <= now;
    pthread_mutex_unlock(&gc->lock);
    if (expire)
        lode_gc_expire_offsets(gc);
    pthread_mutex_lock(&gc->lock);
    int64_t next = gc->next_expiry;
    it = 0;
    while ((e = lode_hmap_next(&gc->groups, &it))) {
        group_t *g = e->value;
        if (g->next_deadline < next)
            next = g->next_deadline;
    }
    if (next != LODE_GC_NEVER)
        arm(gc, next);
    pthread_mutex_unlock(&gc->lock);
}

/* ---- writes ---------------------------------------------------------------------- */

struct gc_batch {
    lode_batch_builder_t bb;
    int64_t now; /* records carry the wall clock of the write, as Kafka's */
    size_t n;
};

gc_batch_t *gc_batch_new(lode_gc_t *gc)
{
    gc_batch_t *b = lode_xcalloc(1, sizeof *b);
    lode_batch_builder_init(&b->bb, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    b->now = gc_wall(gc);
    return b;
}

void gc_batch_add(gc_batch_t *b, const lode_buf_t *key, const lode_buf_t *value)
{
    /* Records are small and bounded by the request that made them; the
     * builder only fails past INT32_MAX. */
    lode_batch_builder_add(&b->bb, b->now, key->data, (int32_t)key->len, value ? value->data : NULL,
                           value ? (int32_t)value->len : -1, NULL, 0);
    b->n++;
}

size_t gc_batch_count(const gc_batch_t *b)
{
    return b->n;
}

void gc_batch_free(gc_batch_t *b)
{
    lode_batch_builder_free(&b->bb);
    free(b);
}

typedef struct write_ctx {
    lode_gc_t *gc;
    void (*done)(lode_gc_t *gc, void *arg, int status);
    void *arg;
} write_ctx_t;

static void on_written(void *arg, int status)
{
    write_ctx_t *w = arg;
    lode_gc_t *gc = w->gc;
    pthread_mutex_lock(&gc->lock);
    w->done(gc, w->arg, status);
    pthread_mutex_unlock(&gc->lock);
    free(w);
}

void gc_batch_write(lode_gc_t *gc, int32_t partition, gc_batch_t *b,
                    void (*done)(lode_gc_t *gc, void *arg, int status), void *arg)
{
    lode_buf_t out;
    lode_buf_init(&out);
    int rc = lode_batch_builder_finish(&b->bb, &out);
    gc_batch_free(b);
    if (rc == 0) {
        write_ctx_t *w = lode_xcalloc(1, sizeof *w);
        w->gc = gc;
        w->done = done;
        w->arg = arg;
        rc = gc->store.append(gc->store.ctx, partition, out.data, out.len, on_written, w);
        if (rc)
            free(w);
    }
    lode_buf_free(&out);
    if (rc) {
        LODE_LOG_WARN("group", "writing to %s-%d failed: %s", LODE_OFFSETS_TOPIC, partition,
                      lode_strerror(rc));
        done(gc, arg, rc);
    }
}

/* ---- loading ------------------------------------------------------------------------ */

static char *str_dup(lode_str_t s)
{
    return s.len < 0 ? NULL : lode_xstrndup(s.ptr ? s.ptr : "", (size_t)s.len);
}

static uint8_t *bytes_dup(lode_bytes_t b, int32_t *len)
{
    *len = b.len > 0 ? b.len : 0;
    uint8_t *p = lode_xmalloc((size_t)*len + 1);
    if (*len)
        memcpy(p, b.ptr, (size_t)*len);
    return p;
}

/* A GroupMetadata record: the group's membership as of its last write. */
static void load_group_value(lode_gc_t *gc, group_t *g, const GroupMetadataValue *v)
{
    for (size_t i = 0; i < g->nmembers; i++)
        gc_member_free(g->members[i]);
    g->nmembers = 0;
    free(g->protocol_type);
    free(g->protocol_name);
    free(g->leader);
    g->protocol_type = v->protocolType.len > 0 ? str_dup(v->protocolType) : NULL;
    g->protocol_name = str_dup(v->protocol);
    g->leader = str_dup(v->leader);
    g->generation = v->generation;
    g->state_ms = v->currentStateTimestamp >= 0 ? v->currentStateTimestamp : gc_wall(gc);
    for (int32_t i = 0; i < v->members_count; i++) {
        const GroupMetadataValue_MemberMetadata *mm = &v->members[i];
        gmember_t *m = lode_xcalloc(1, sizeof *m);
        m->id = str_dup(mm->memberId);
        m->instance_id = str_dup(mm->groupInstanceId);
        m->client_id = str_dup(mm->clientId);
        m->client_host = str_dup(mm->clientHost);
        m->protocol_type = lode_xstrdup(g->protocol_type ? g->protocol_type : "");
        m->rebalance_timeout_ms =
            mm->rebalanceTimeout > 0 ? mm->rebalanceTimeout : mm->sessionTimeout;
        m->session_timeout_ms = mm->sessionTimeout;
        m->nprotocols = 1;
        m->protocols = lode_xcalloc(1, sizeof *m->protocols);
        m->protocols[0].name = lode_xstrdup(g->protocol_name ? g->protocol_name : "");
        m->protocols[0].meta = bytes_dup(mm->subscription, &m->protocols[0].meta_len);
        m->assignment = bytes_dup(mm->assignment, &m->assignment_len);
        m->hb_deadline = LODE_GC_NEVER;
        if (!m->id) {
            gc_member_free(m);
            continue;
        }
        if (g->nmembers == g->members_cap)
            g->members = lode_xrealloc(g->members, (g->members_cap = g->members_cap * 2 + 4) *
                                                       sizeof *g->members);
        g->members[g->nmembers++] = m;
    }
    g->state = g->nmembers ? GS_STABLE : GS_EMPTY;
    if (g->nmembers && !g->leader)
        g->leader = lode_xstrdup(g->members[0]->id);
}

static void load_record(lode_gc_t *gc, lode_hmap_t *map, lode_hmap_t *has_meta,
                        const lode_grec_t *r)
{
    char *id = str_dup(r->group);
    group_t *g = lode_hmap_gets(map, id);
    if (!g && !r->tombstone)
        g = gc_group_create(gc, map, id);
    if (g && r->kind == LODE_GREC_OFFSET) {
        char *topic = str_dup(r->topic);
        goffset_t *o = NULL;
        if (!r->tombstone)
            o = gc_offset_new(r->offset.offset, r->offset.leaderEpoch, r->offset.metadata.ptr,
                              (size_t)(r->offset.metadata.len > 0 ? r->offset.metadata.len : 0),
                              r->offset.commitTimestamp);
        gc_offset_put(g, topic, r->partition, o);
        free(topic);
    } else if (g && r->kind == LODE_GREC_GROUP) {
        if (r->tombstone) {
            GroupMetadataValue none;
            GroupMetadataValue_init(&none);
            none.generation = 0;
            none.members_count = 0;
            load_group_value(gc, g, &none);
            lode_hmap_remove(has_meta, id, strlen(id), NULL);
        } else {
            load_group_value(gc, g, &r->value);
            lode_hmap_put(has_meta, id, strlen(id), g, NULL);
        }
    }
    free(id);
}

/* Reads every record of log into map. */
static int replay(lode_gc_t *gc, lode_log_t *log, lode_hmap_t *map, lode_hmap_t *has_meta,
                  size_t *skipped)
{
    int64_t offset = lode_log_start_offset(log), end = lode_log_end_offset(log);
    lode_buf_t buf, scratch;
    lode_buf_init(&buf);
    lode_buf_init(&scratch);
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    int rc = 0;
    while (offset < end) {
        lode_log_read_t rd;
        rc = lode_log_read(log, offset, 1 << 20, end, true, &rd);
        if (rc || rd.slice.bytes == 0) {
            lode_log_read_release(&rd);
            break;
        }
        lode_buf_reset(&buf);
        lode_buf_reserve(&buf, rd.slice.bytes);
        ssize_t got = pread(rd.slice.fd, buf.data, rd.slice.bytes, rd.slice.position);
        size_t want = rd.slice.bytes;
        lode_log_read_release(&rd);
        if (got != (ssize_t)want) {
            rc = LODE_EIO;
            break;
        }
        lode_batch_iter_t bi;
        lode_batch_iter_init(&bi, buf.data, (size_t)got);
        lode_batch_hdr_t h;
        int64_t next = offset;
        while (lode_batch_iter_next(&bi, &h)) {
            next = lode_batch_last_offset(&h) + 1;
            if (lode_batch_is_control(&h))
                continue;
            const uint8_t *recs;
            size_t nrecs;
            if (lode_batch_records(&h, NULL, LODE_BATCH_MAX_UNCOMPRESSED_DEFAULT, &scratch, &recs,
                                   &nrecs) != 0) {
                (*skipped)++;
                continue;
            }
            lode_record_iter_t ri;
            lode_record_iter_init(&ri, &h, recs, nrecs);
            lode_record_t rec;
            while (lode_record_iter_next(&ri, &rec)) {
                lode_arena_reset(&a);
                lode_grec_t r;
                if (lode_grec_decode(rec.key, rec.key_len, rec.value, rec.value_len, &a, &r) != 0)
                    (*skipped)++;
                else if (r.kind != LODE_GREC_OTHER)
                    load_record(gc, map, has_meta, &r);
            }
        }
        if (next <= offset)
            break; /* no whole batch: nothing more to learn */
        offset = next;
    }
    lode_arena_free(&a);
    lode_buf_free(&buf);
    lode_buf_free(&scratch);
    return rc;
}

int lode_gc_load(lode_gc_t *gc, int32_t partition, lode_log_t *log, size_t *skipped)
{
    *skipped = 0;
    if (partition < 0 || partition >= gc->cfg.num_partitions)
        return LODE_EINVAL;
    pthread_mutex_lock(&gc->lock);
    if (gc->pstate[partition] != 0) {
        pthread_mutex_unlock(&gc->lock);
        return 0;
    }
    gc->pstate[partition] = PART_LOADING;
    pthread_mutex_unlock(&gc->lock);

    /* Replay without the lock: other partitions' groups stay served. */
    lode_hmap_t map, has_meta;
    lode_hmap_init(&map);
    lode_hmap_init(&has_meta);
    int rc = replay(gc, log, &map, &has_meta, skipped);

    pthread_mutex_lock(&gc->lock);
    int64_t now = gc_mono(gc);
    size_t it = 0, groups = 0, offsets = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&map, &it))) {
        group_t *g = e->value;
        bool meta = lode_hmap_gets(&has_meta, g->id) != NULL;
        if (!meta && lode_hmap_count(&g->offsets) == 0) {
            group_free(g, 0);
            continue;
        }
        groups++;
        offsets += lode_hmap_count(&g->offsets);
        group_t *old = gc_group(gc, g->id);
        if (old)
            gc_group_drop(gc, old, LODE_KERR_NOT_COORDINATOR);
        lode_hmap_put(&gc->groups, g->id, strlen(g->id), g, NULL);
        /* Members of a loaded group must heartbeat within their session
         * timeout, as after any join (Kafka's onGroupLoaded). */
        for (size_t i = 0; i < g->nmembers; i++)
            g->members[i]->hb_deadline = now + g->members[i]->session_timeout_ms;
        gc_touch(gc, g);
    }
    lode_hmap_free(&map);
    lode_hmap_free(&has_meta);
    gc->pstate[partition] = PART_SERVED;
    if (gc->next_expiry == LODE_GC_NEVER) {
        gc->next_expiry = now + gc->cfg.retention_check_interval_ms;
        arm(gc, gc->next_expiry);
    }
    pthread_mutex_unlock(&gc->lock);
    if (groups || *skipped)
        LODE_LOG_INFO("group", "loaded %s-%d: %zu groups, %zu committed offsets%s", LODE_OFFSETS_TOPIC,
                      partition, groups, offsets, *skipped ? " (undecodable records skipped)" : "");
    return rc;
}

void lode_gc_unload(lode_gc_t *gc, int32_t partition)
{
    if (partition < 0 || partition >= gc->cfg.num_partitions)
        return;
    pthread_mutex_lock(&gc->lock);
    gc->pstate[partition] = 0;
    size_t it = 0;
    lode_hmap_entry_t *e;
    size_t n = 0, cap = 0;
    group_t **drop = NULL;
    while ((e = lode_hmap_next(&gc->groups, &it))) {
        group_t *g = e->value;
        if (g->partition == partition) {
            if (n == cap)
                drop = lode_xrealloc(drop, (cap = cap ? cap * 2 : 16) * sizeof *drop);
            drop[n++] = g;
        }
    }
    for (size_t i = 0; i < n; i++)
        gc_group_drop(gc, drop[i], LODE_KERR_NOT_COORDINATOR);
    free(drop);
    pthread_mutex_unlock(&gc->lock);
}
