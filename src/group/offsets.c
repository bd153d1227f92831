/*
 * offsets.c — committed offsets: OffsetCommit (visible once durable),
 * OffsetFetch, OffsetDelete and the expiry of offsets after
 * offsets.retention.minutes, with Kafka's rules (see coordinator.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "group/group_int.h"
#include "group/records.h"

size_t gc_offset_key(char *key, size_t cap, const char *topic, int32_t partition)
{
    size_t n = strlen(topic);
    if (n + 5 > cap)
        n = cap - 5;
    memcpy(key, topic, n);
    key[n] = 0;
    memcpy(key + n + 1, &partition, 4);
    return n + 5;
}

void gc_offset_key_parts(const lode_hmap_entry_t *e, const char **topic, int32_t *partition)
{
    *topic = e->key;
    memcpy(partition, (const char *)e->key + strlen(e->key) + 1, 4);
}

goffset_t *gc_offset_new(int64_t offset, int32_t epoch, const char *md, size_t mdlen, int64_t ms)
{
    goffset_t *o = lode_xcalloc(1, sizeof *o);
    o->offset = offset;
    o->leader_epoch = epoch;
    o->metadata = lode_xstrndup(md ? md : "", md ? mdlen : 0);
    o->commit_ms = ms;
    return o;
}

static void offset_free(goffset_t *o)
{
    if (o) {
        free(o->metadata);
        free(o);
    }
}

void gc_offsets_clear(group_t *g)
{
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&g->offsets, &it)))
        offset_free(e->value);
    lode_hmap_clear(&g->offsets);
}

void gc_offset_put(group_t *g, const char *topic, int32_t partition, goffset_t *o)
{
    char key[512];
    size_t kl = gc_offset_key(key, sizeof key, topic, partition);
    void *old = NULL;
    if (o)
        lode_hmap_put(&g->offsets, key, kl, o, &old);
    else
        lode_hmap_remove(&g->offsets, key, kl, &old);
    offset_free(old);
}

static goffset_t *offset_get(const group_t *g, const char *topic, int32_t partition)
{
    char key[512];
    size_t kl = gc_offset_key(key, sizeof key, topic, partition);
    return lode_hmap_get(&g->offsets, key, kl);
}

static void add_tombstone(gc_batch_t *b, const char *group, const char *topic, int32_t partition)
{
    lode_buf_t key;
    lode_buf_init(&key);
    lode_grec_offset_key(&key, group, topic, partition);
    gc_batch_add(b, &key, NULL);
    lode_buf_free(&key);
}

/* ---- OffsetCommit -------------------------------------------------------------------- */

/* Kafka's ClassicGroup.validateOffsetCommit (non-transactional). */
static int16_t validate_commit(const group_t *g, const lode_gc_commit_req_t *req)
{
    const char *mid = req->member_id ? req->member_id : "";
    if (g->state == GS_DEAD)
        return LODE_KERR_COORDINATOR_NOT_AVAILABLE;
    if (req->generation < 0 && g->state == GS_EMPTY)
        return 0; /* offsets only: a consumer without group management, or an admin */
    if (req->generation >= 0 || mid[0] || req->instance_id) {
        int16_t err = gc_validate_member(g, mid, req->instance_id, NULL);
        if (err)
            return err;
        if (req->generation != g->generation)
            return LODE_KERR_ILLEGAL_GENERATION;
    } else if (g->state != GS_EMPTY) {
        return LODE_KERR_UNKNOWN_MEMBER_ID;
    }
    if (g->state == GS_COMPLETING)
        return LODE_KERR_REBALANCE_IN_PROGRESS;
    return 0;
}

typedef struct commit_ctx {
    char *group;
    int64_t commit_ms;
    lode_gc_commit_part_t *parts; /* the caller's, valid until done */
    size_t n;
    bool *written; /* parts[i] is in the batch */
    void (*done)(void *);
    void *arg;
} commit_ctx_t;

static void commit_written(lode_gc_t *gc, void *arg, int status)
{
    commit_ctx_t *c = arg;
    group_t *g = gc_group(gc, c->group);
    if (g)
        g->inflight_commits--;
    for (size_t i = 0; i < c->n; i++) {
        lode_gc_commit_part_t *p = &c->parts[i];
        if (!c->written[i])
            continue;
        if (status) {
            p->error = LODE_KERR_COORDINATOR_NOT_AVAILABLE;
        } else if (g && g->state != GS_DEAD) {
            const char *md = p->metadata ? p->metadata : "";
            gc_offset_put(g, p->topic, p->partition,
                          gc_offset_new(p->offset, p->leader_epoch, md, strlen(md), c->commit_ms));
        }
    }
    c->done(c->arg);
    free(c->written);
    free(c->group);
    free(c);
}

void lode_gc_commit(lode_gc_t *gc, const lode_gc_commit_req_t *req, void (*done)(void *arg),
                    void *arg)
{
    pthread_mutex_lock(&gc->lock);
    int16_t err = gc_check_locked(gc, req->group_id);
    group_t *g = err ? NULL : gc_group(gc, req->group_id);
    if (!err && !g) {
        if (req->generation < 0)
            g = gc_group_create(gc, &gc->groups, req->group_id);
        else
            /* a generation of a group that is gone; older clients expect ILLEGAL_GENERATION */
            err = req->api_version >= 9 ? LODE_KERR_GROUP_ID_NOT_FOUND
                                        : LODE_KERR_ILLEGAL_GENERATION;
    }
    if (!err)
        err = validate_commit(g, req);
    if (!err) {
        /* a commit shows the member is alive */
        for (size_t i = 0; i < g->nmembers; i++)
            if (req->member_id && strcmp(g->members[i]->id, req->member_id) == 0)
                g->members[i]->hb_deadline =
                    gc_mono(gc) + g->members[i]->session_timeout_ms;
    }
    commit_ctx_t *c = lode_xcalloc(1, sizeof *c);
    c->written = lode_xcalloc(req->nparts + 1, sizeof *c->written);
    gc_batch_t *b = err ? NULL : gc_batch_new(gc);
    int64_t now = gc_wall(gc);
    lode_buf_t key, val;
    lode_buf_init(&key);
    lode_buf_init(&val);
    for (size_t i = 0; i < req->nparts; i++) {
        lode_gc_commit_part_t *p = &req->parts[i];
        if (p->error)
            continue;
        if (err) {
            p->error = err;
            continue;
        }
        const char *md = p->metadata ? p->metadata : "";
        if (strlen(md) > (size_t)gc->cfg.offset_metadata_max_bytes) {
            p->error = LODE_KERR_OFFSET_METADATA_TOO_LARGE;
            continue;
        }
        lode_buf_reset(&key);
        lode_buf_reset(&val);
        lode_grec_offset_key(&key, req->group_id, p->topic, p->partition);
        lode_grec_offset_value(&val, p->offset, p->leader_epoch, md, now);
        gc_batch_add(b, &key, &val);
        c->written[i] = true;
    }
    lode_buf_free(&key);
    lode_buf_free(&val);
    if (!b || gc_batch_count(b) == 0) {
        if (b)
            gc_batch_free(b);
        free(c->written);
        free(c);
        pthread_mutex_unlock(&gc->lock);
        done(arg);
        return;
    }
    c->group = lode_xstrdup(req->group_id);
    c->commit_ms = now;
    c->parts = req->parts;
    c->n = req->nparts;
    c->done = done;
    c->arg = arg;
    g->inflight_commits++;
    gc_batch_write(gc, g->partition, b, commit_written, c);
    pthread_mutex_unlock(&gc->lock);
}

/* ---- OffsetFetch ------------------------------------------------------------------------ */

static int cmp_offset(const void *a, const void *b)
{
    const lode_gc_offset_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c)
        return c;
    return (x->partition > y->partition) - (x->partition < y->partition);
}

static void fill(lode_gc_offset_t *p, const goffset_t *o, lode_arena_t *arena)
{
    p->offset = o ? o->offset : -1;
    p->leader_epoch = o ? o->leader_epoch : -1;
    p->metadata = o ? lode_arena_strndup(arena, o->metadata, strlen(o->metadata)) : "";
}

int16_t lode_gc_fetch_offsets(lode_gc_t *gc, const char *group_id, bool all, lode_gc_offset_t *parts,
                              size_t n, lode_arena_t *arena, lode_gc_offset_t **out, size_t *nout)
{
    pthread_mutex_lock(&gc->lock);
    int16_t err = gc_check_locked(gc, group_id);
    group_t *g = err ? NULL : gc_group(gc, group_id);
    if (!err && all) {
        size_t cnt = g ? lode_hmap_count(&g->offsets) : 0;
        lode_gc_offset_t *o = lode_arena_alloc(arena, (cnt + 1) * sizeof *o);
        size_t it = 0, k = 0;
        lode_hmap_entry_t *e;
        while (g && (e = lode_hmap_next(&g->offsets, &it))) {
            const char *topic;
            gc_offset_key_parts(e, &topic, &o[k].partition);
            o[k].topic = lode_arena_strndup(arena, topic, strlen(topic));
            fill(&o[k], e->value, arena);
            k++;
        }
        qsort(o, k, sizeof *o, cmp_offset);
        *out = o;
        *nout = k;
    } else if (!err) {
        for (size_t i = 0; i < n; i++)
            fill(&parts[i], g ? offset_get(g, parts[i].topic, parts[i].partition) : NULL, arena);
    }
    pthread_mutex_unlock(&gc->lock);
    return err;
}

/* ---- OffsetDelete ------------------------------------------------------------------------ */

typedef struct done_ctx {
    void (*done)(void *);
    void *arg;
} done_ctx_t;

static void deletions_written(lode_gc_t *gc, void *arg, int status)
{
    (void)gc;
    done_ctx_t *d = arg;
    if (status)
        LODE_LOG_WARN("group", "writing offset deletions failed (status %d)", status);
    d->done(d->arg);
    free(d);
}

int16_t lode_gc_delete_offsets(lode_gc_t *gc, const char *group_id, lode_gc_delete_part_t *parts,
                               size_t n, void (*done)(void *arg), void *arg)
{
    pthread_mutex_lock(&gc->lock);
    int16_t err = gc_check_locked(gc, group_id);
    group_t *g = err ? NULL : gc_group(gc, group_id);
    if (!err && (!g || g->state == GS_DEAD))
        err = LODE_KERR_GROUP_ID_NOT_FOUND;
    lode_hmap_t subscribed;
    lode_hmap_init(&subscribed);
    bool filter = false;
    if (!err && g->state != GS_EMPTY) {
        if (g->protocol_type && strcmp(g->protocol_type, "consumer") == 0) {
            /* Kafka: topics whose subscription cannot be read count as not
             * subscribed */
            if (!gc_subscribed_topics(g, &subscribed))
                lode_hmap_clear(&subscribed);
            filter = true;
        } else {
            err = LODE_KERR_NON_EMPTY_GROUP;
        }
    }
    if (err) {
        lode_hmap_free(&subscribed);
        pthread_mutex_unlock(&gc->lock);
        return err;
    }
    gc_batch_t *b = gc_batch_new(gc);
    for (size_t i = 0; i < n; i++) {
        lode_gc_delete_part_t *p = &parts[i];
        if (filter && lode_hmap_gets(&subscribed, p->topic)) {
            p->error = LODE_KERR_GROUP_SUBSCRIBED_TO_TOPIC;
            continue;
        }
        p->error = 0;
        if (offset_get(g, p->topic, p->partition)) {
            gc_offset_put(g, p->topic, p->partition, NULL);
            add_tombstone(b, g->id, p->topic, p->partition);
        }
    }
    lode_hmap_free(&subscribed);
    if (gc_batch_count(b) == 0) {
        gc_batch_free(b);
        pthread_mutex_unlock(&gc->lock);
        done(arg);
        return 0;
    }
    done_ctx_t *d = lode_xcalloc(1, sizeof *d);
    d->done = done;
    d->arg = arg;
    gc_batch_write(gc, g->partition, b, deletions_written, d);
    pthread_mutex_unlock(&gc->lock);
    return 0;
}

/* ---- expiry ----------------------------------------------------------------------------- */

static void expiry_written(lode_gc_t *gc, void *arg, int status)
{
    (void)gc;
    (void)arg;
    if (status)
        LODE_LOG_WARN("group", "writing expired offsets' tombstones failed (status %d)", status);
}

/* Kafka's GroupMetadata.removeExpiredOffsets + cleanupGroupMetadata for one
 * group; returns offsets removed. */
static size_t expire_group(lode_gc_t *gc, group_t *g, int64_t now, bool *drop)
{
    *drop = false;
    if (g->inflight_commits)
        return 0; /* a commit in flight would land after its tombstone */
    int64_t retention = gc->cfg.offsets_retention_ms;
    lode_hmap_t subscribed;
    lode_hmap_init(&subscribed);
    int mode; /* 0: by the time the group became Empty, 1: by commit time, -1: none */
    if (g->protocol_type && g->state == GS_EMPTY)
        mode = 0;
    else if (!g->protocol_type)
        mode = 1;
    else if (g->state == GS_STABLE && gc_subscribed_topics(g, &subscribed))
        mode = 1; /* offsets of topics nobody consumes any more */
    else
        mode = -1;
    size_t removed = 0;
    gc_batch_t *b = gc_batch_new(gc);
    if (mode >= 0) {
        size_t it = 0;
        lode_hmap_entry_t *e;
        size_t cap = 0, n = 0;
        char **keys = NULL;
        size_t *lens = NULL;
        while ((e = lode_hmap_next(&g->offsets, &it))) {
            const goffset_t *o = e->value;
            const char *topic;
            int32_t part;
            gc_offset_key_parts(e, &topic, &part);
            if (lode_hmap_gets(&subscribed, topic))
                continue;
            int64_t base = mode == 0 ? g->state_ms : o->commit_ms;
            if (now - base < retention)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                keys = lode_xrealloc(keys, cap * sizeof *keys);
                lens = lode_xrealloc(lens, cap * sizeof *lens);
            }
            keys[n] = lode_xmalloc(e->key_len);
            memcpy(keys[n], e->key, e->key_len);
            lens[n++] = e->key_len;
        }
        for (size_t i = 0; i < n; i++) {
            int32_t part;
            memcpy(&part, keys[i] + strlen(keys[i]) + 1, 4);
            add_tombstone(b, g->id, keys[i], part);
            gc_offset_put(g, keys[i], part, NULL);
            free(keys[i]);
            removed++;
        }
        free(keys);
        free(lens);
    }
    lode_hmap_free(&subscribed);
    if (g->state == GS_EMPTY && lode_hmap_count(&g->offsets) == 0) {
        /* an empty group with nothing committed is forgotten */
        lode_buf_t key;
        lode_buf_init(&key);
        lode_grec_group_key(&key, g->id);
        gc_batch_add(b, &key, NULL);
        lode_buf_free(&key);
        g->state = GS_DEAD;
        *drop = true;
    }
    int32_t partition = g->partition;
    if (gc_batch_count(b))
        gc_batch_write(gc, partition, b, expiry_written, NULL);
    else
        gc_batch_free(b);
    if (removed)
        LODE_LOG_INFO("group", "removed %zu expired offsets of group %s", removed, g->id);
    return removed;
}

size_t lode_gc_expire_offsets(lode_gc_t *gc)
{
    pthread_mutex_lock(&gc->lock);
    int64_t now = gc_wall(gc);
    size_t removed = 0, it = 0, n = 0, cap = 0;
    group_t **drop = NULL;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&gc->groups, &it))) {
        group_t *g = e->value;
        bool d;
        removed += expire_group(gc, g, now, &d);
        if (d) {
            if (n == cap)
                drop = lode_xrealloc(drop, (cap = cap ? cap * 2 : 16) * sizeof *drop);
            drop[n++] = g;
        }
    }
    for (size_t i = 0; i < n; i++)
        gc_group_drop(gc, drop[i], LODE_KERR_COORDINATOR_NOT_AVAILABLE);
    free(drop);
    gc->next_expiry = gc_mono(gc) + gc->cfg.retention_check_interval_ms;
    pthread_mutex_unlock(&gc->lock);
    return removed;
}
