/*
 * fetch_session.c — KIP-227 session cache (see fetch_session.h).
 */
#include "broker/fetch_session.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/hmap.h"
#include "core/mem.h"

#define FETCH_SESSION_ID_NOT_FOUND 70
#define INVALID_FETCH_SESSION_EPOCH 71

typedef struct lode_fs_session {
    int32_t id;
    int32_t epoch; /* the next epoch expected */
    bool privileged;
    bool in_use; /* a request is working on it: not evictable, not reusable */
    int64_t last_used_ms;
    lode_hmap_t parts; /* key → lode_fs_part_t* in insertion order */
} session_t;

struct lode_fs_cache {
    pthread_mutex_t lock;
    lode_hmap_t sessions; /* 4-byte id → session_t* */
    size_t max_slots;
    size_t slots_used;
    int64_t eviction_ms;
    uint64_t rng;
};

/* Partition key: the topic id when set, else the name; then the partition. */
static size_t part_key(uint8_t *key, const uint8_t id[16], const char *topic, int32_t partition)
{
    static const uint8_t zero[16];
    size_t n;
    if (memcmp(id, zero, 16) != 0) {
        key[0] = 'i';
        memcpy(key + 1, id, 16);
        n = 17;
    } else {
        size_t tl = strlen(topic);
        key[0] = 'n';
        memcpy(key + 1, topic, tl);
        n = 1 + tl;
    }
    memcpy(key + n, &partition, 4);
    return n + 4;
}

static void free_part(lode_fs_part_t *p)
{
    free(p->topic);
    free(p);
}

static void session_free(session_t *s)
{
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&s->parts, &it)))
        free_part(e->value);
    lode_hmap_free(&s->parts);
    free(s);
}

lode_fs_cache_t *lode_fs_cache_new(size_t max_slots, int64_t eviction_ms)
{
    lode_fs_cache_t *c = lode_xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    lode_hmap_init(&c->sessions);
    c->max_slots = max_slots;
    c->eviction_ms = eviction_ms;
    c->rng = lode_hash_seed() | 1;
    return c;
}

void lode_fs_cache_free(lode_fs_cache_t *c)
{
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&c->sessions, &it)))
        session_free(e->value);
    lode_hmap_free(&c->sessions);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

size_t lode_fs_cache_sessions(lode_fs_cache_t *c)
{
    pthread_mutex_lock(&c->lock);
    size_t n = lode_hmap_count(&c->sessions);
    pthread_mutex_unlock(&c->lock);
    return n;
}

size_t lode_fs_cache_slots_used(lode_fs_cache_t *c)
{
    pthread_mutex_lock(&c->lock);
    size_t n = c->slots_used;
    pthread_mutex_unlock(&c->lock);
    return n;
}

static void remove_session(lode_fs_cache_t *c, session_t *s)
{
    lode_hmap_remove(&c->sessions, &s->id, sizeof s->id, NULL);
    c->slots_used -= lode_hmap_count(&s->parts);
    session_free(s);
}

int16_t lode_fs_begin(lode_fs_cache_t *c, int32_t session_id, int32_t epoch, bool privileged,
                      int64_t now_ms, lode_fs_ctx_t *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->cache = c;
    ctx->privileged = privileged;
    ctx->now_ms = now_ms;
    if (epoch == -1) {
        if (session_id != 0) {
            pthread_mutex_lock(&c->lock);
            session_t *s = lode_hmap_get(&c->sessions, &session_id, sizeof session_id);
            if (s && !s->in_use)
                remove_session(c, s);
            pthread_mutex_unlock(&c->lock);
        }
        ctx->kind = LODE_FS_SESSIONLESS;
        return 0;
    }
    if (epoch == 0) {
        if (session_id != 0) {
            /* A new full session replaces the one named (Kafka closes it). */
            pthread_mutex_lock(&c->lock);
            session_t *s = lode_hmap_get(&c->sessions, &session_id, sizeof session_id);
            if (s && !s->in_use)
                remove_session(c, s);
            pthread_mutex_unlock(&c->lock);
        }
        ctx->kind = LODE_FS_FULL;
        return 0;
    }
    pthread_mutex_lock(&c->lock);
    session_t *s = lode_hmap_get(&c->sessions, &session_id, sizeof session_id);
    int16_t err = 0;
    if (!s || s->in_use)
        err = FETCH_SESSION_ID_NOT_FOUND;
    else if (s->epoch != epoch)
        err = INVALID_FETCH_SESSION_EPOCH;
    else {
        s->in_use = true;
        s->last_used_ms = now_ms;
        ctx->kind = LODE_FS_INCREMENTAL;
        ctx->session = s;
    }
    pthread_mutex_unlock(&c->lock);
    return err;
}

static lode_fs_part_t *copy_part(const lode_fs_part_t *p)
{
    lode_fs_part_t *q = lode_xmalloc(sizeof *q);
    *q = *p;
    q->topic = lode_xstrdup(p->topic ? p->topic : "");
    q->sent_hw = q->sent_lso = q->sent_log_start = -2; /* never sent */
    return q;
}

void lode_fs_put(lode_fs_ctx_t *ctx, const lode_fs_part_t *p)
{
    if (ctx->kind != LODE_FS_INCREMENTAL) {
        if (ctx->nparts == ctx->cap) {
            ctx->cap = ctx->cap ? ctx->cap * 2 : 16;
            ctx->parts = lode_xrealloc(ctx->parts, ctx->cap * sizeof *ctx->parts);
        }
        lode_fs_part_t *q = &ctx->parts[ctx->nparts++];
        *q = *p;
        q->topic = lode_xstrdup(p->topic ? p->topic : "");
        q->sent_hw = q->sent_lso = q->sent_log_start = -2;
        return;
    }
    uint8_t key[1 + 256 + 4];
    size_t kl = part_key(key, p->topic_id, p->topic ? p->topic : "", p->partition);
    session_t *s = ctx->session;
    lode_fs_part_t *old = lode_hmap_get(&s->parts, key, kl);
    if (old) {
        /* Updated fetch state; what was sent stays (for the include rule). */
        old->fetch_offset = p->fetch_offset;
        old->log_start_offset = p->log_start_offset;
        old->max_bytes = p->max_bytes;
        old->current_leader_epoch = p->current_leader_epoch;
        old->last_fetched_epoch = p->last_fetched_epoch;
        return;
    }
    lode_hmap_put(&s->parts, key, kl, copy_part(p), NULL);
    pthread_mutex_lock(&ctx->cache->lock);
    ctx->cache->slots_used++;
    pthread_mutex_unlock(&ctx->cache->lock);
}

void lode_fs_forget(lode_fs_ctx_t *ctx, const uint8_t topic_id[16], const char *topic,
                    int32_t partition)
{
    if (ctx->kind != LODE_FS_INCREMENTAL)
        return;
    uint8_t key[1 + 256 + 4];
    size_t kl = part_key(key, topic_id, topic ? topic : "", partition);
    void *v;
    if (lode_hmap_remove(&ctx->session->parts, key, kl, &v)) {
        free_part(v);
        pthread_mutex_lock(&ctx->cache->lock);
        ctx->cache->slots_used--;
        pthread_mutex_unlock(&ctx->cache->lock);
    }
}

lode_fs_part_t *lode_fs_parts(lode_fs_ctx_t *ctx, size_t *n)
{
    if (ctx->kind != LODE_FS_INCREMENTAL) {
        *n = ctx->nparts;
        return ctx->parts;
    }
    /* Materialise the session's partitions as an array of pointers' targets:
     * the caller iterates by index, so rebuild a compact array view. */
    session_t *s = ctx->session;
    size_t count = lode_hmap_count(&s->parts);
    free(ctx->parts);
    ctx->parts = NULL;
    ctx->cap = 0;
    ctx->nparts = 0;
    /* Incremental contexts hand out the session's own part objects through
     * an array of copies whose sent_* fields are written back at end. */
    ctx->parts = lode_xcalloc(count ? count : 1, sizeof *ctx->parts);
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&s->parts, &it)))
        ctx->parts[ctx->nparts++] = *(lode_fs_part_t *)e->value;
    ctx->cap = count;
    *n = ctx->nparts;
    return ctx->parts;
}

bool lode_fs_include(lode_fs_ctx_t *ctx, lode_fs_part_t *p, bool has_records, int16_t error,
                     int64_t hw, int64_t lso, int64_t log_start)
{
    bool include = ctx->kind != LODE_FS_INCREMENTAL || has_records || error != 0 ||
                   hw != p->sent_hw || lso != p->sent_lso || log_start != p->sent_log_start;
    if (include) {
        p->sent_hw = hw;
        p->sent_lso = lso;
        p->sent_log_start = log_start;
    }
    return include;
}

/* Picks a session to evict for a new one of `size` partitions, or NULL. */
static session_t *pick_victim(lode_fs_cache_t *c, bool privileged, size_t size, int64_t now)
{
    session_t *best = NULL;
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&c->sessions, &it))) {
        session_t *s = e->value;
        if (s->in_use)
            continue;
        bool stale = now - s->last_used_ms > c->eviction_ms;
        bool weaker = (!s->privileged && privileged) ||
                      (s->privileged == privileged && lode_hmap_count(&s->parts) < size);
        if (!stale && !weaker)
            continue;
        if (!best || s->last_used_ms < best->last_used_ms)
            best = s;
    }
    return best;
}

int32_t lode_fs_end(lode_fs_ctx_t *ctx)
{
    lode_fs_cache_t *c = ctx->cache;
    int32_t id = 0;
    if (ctx->kind == LODE_FS_INCREMENTAL) {
        session_t *s = ctx->session;
        /* Write back what was sent. */
        for (size_t i = 0; i < ctx->nparts; i++) {
            uint8_t key[1 + 256 + 4];
            lode_fs_part_t *p = &ctx->parts[i];
            size_t kl = part_key(key, p->topic_id, p->topic, p->partition);
            lode_fs_part_t *q = lode_hmap_get(&s->parts, key, kl);
            if (q) {
                q->sent_hw = p->sent_hw;
                q->sent_lso = p->sent_lso;
                q->sent_log_start = p->sent_log_start;
            }
        }
        pthread_mutex_lock(&c->lock);
        s->epoch = s->epoch == INT32_MAX ? 1 : s->epoch + 1;
        s->in_use = false;
        id = s->id;
        pthread_mutex_unlock(&c->lock);
        free(ctx->parts);
    } else if (ctx->kind == LODE_FS_FULL && c->max_slots > 0 && ctx->nparts > 0) {
        pthread_mutex_lock(&c->lock);
        bool room = c->slots_used + ctx->nparts <= c->max_slots;
        while (!room) {
            session_t *v = pick_victim(c, ctx->privileged, ctx->nparts, ctx->now_ms);
            if (!v)
                break;
            remove_session(c, v);
            room = c->slots_used + ctx->nparts <= c->max_slots;
        }
        if (room) {
            session_t *s = lode_xcalloc(1, sizeof *s);
            do {
                c->rng ^= c->rng << 13;
                c->rng ^= c->rng >> 7;
                c->rng ^= c->rng << 17;
                s->id = (int32_t)(c->rng & 0x7fffffff);
            } while (s->id == 0 || lode_hmap_get(&c->sessions, &s->id, sizeof s->id));
            s->epoch = 1;
            s->privileged = ctx->privileged;
            s->last_used_ms = ctx->now_ms;
            lode_hmap_init(&s->parts);
            for (size_t i = 0; i < ctx->nparts; i++) {
                uint8_t key[1 + 256 + 4];
                lode_fs_part_t *p = &ctx->parts[i];
                size_t kl = part_key(key, p->topic_id, p->topic, p->partition);
                lode_fs_part_t *q = lode_xmalloc(sizeof *q);
                *q = *p; /* takes the topic string */
                p->topic = NULL;
                void *old = NULL;
                lode_hmap_put(&s->parts, key, kl, q, &old);
                if (old)
                    free_part(old);
                else
                    c->slots_used++;
            }
            lode_hmap_insert(&c->sessions, &s->id, sizeof s->id, s);
            id = s->id;
        }
        pthread_mutex_unlock(&c->lock);
    }
    if (ctx->kind != LODE_FS_INCREMENTAL) {
        for (size_t i = 0; i < ctx->nparts; i++)
            free(ctx->parts[i].topic);
        free(ctx->parts);
    }
    ctx->parts = NULL;
    ctx->nparts = 0;
    return id;
}
