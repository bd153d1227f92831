/*
 * admin.c — ListGroups, DescribeGroups and DeleteGroups over the groups the
 * coordinator serves (see coordinator.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "group/group_int.h"
#include "group/records.h"

static const char *adup(lode_arena_t *a, const char *s)
{
    return s ? lode_arena_strndup(a, s, strlen(s)) : NULL;
}

static const uint8_t *abytes(lode_arena_t *a, const uint8_t *p, int32_t len)
{
    uint8_t *d = lode_arena_alloc(a, (size_t)(len > 0 ? len : 0) + 1);
    if (len > 0)
        memcpy(d, p, (size_t)len);
    return d;
}

void lode_gc_list(lode_gc_t *gc, lode_arena_t *arena, lode_gc_group_info_t **out, size_t *n)
{
    pthread_mutex_lock(&gc->lock);
    size_t cnt = lode_hmap_count(&gc->groups), k = 0, it = 0;
    lode_gc_group_info_t *o = lode_arena_alloc(arena, (cnt + 1) * sizeof *o);
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&gc->groups, &it))) {
        const group_t *g = e->value;
        if (gc->pstate[g->partition] != PART_SERVED || g->state == GS_DEAD)
            continue;
        o[k].group_id = adup(arena, g->id);
        o[k].protocol_type = adup(arena, g->protocol_type ? g->protocol_type : "");
        o[k].state = gc_state_name(g->state);
        k++;
    }
    pthread_mutex_unlock(&gc->lock);
    *out = o;
    *n = k;
}

int16_t lode_gc_describe(lode_gc_t *gc, const char *group_id, lode_arena_t *arena,
                         lode_gc_group_desc_t *out)
{
    memset(out, 0, sizeof *out);
    out->state = "Dead";
    out->protocol_type = "";
    out->protocol = "";
    pthread_mutex_lock(&gc->lock);
    int16_t err = gc_check_locked(gc, group_id);
    const group_t *g = err ? NULL : gc_group(gc, group_id);
    if (g) {
        bool stable = g->state == GS_STABLE;
        out->state = gc_state_name(g->state);
        out->protocol_type = adup(arena, g->protocol_type ? g->protocol_type : "");
        out->protocol = stable && g->protocol_name ? adup(arena, g->protocol_name) : "";
        out->members = lode_arena_calloc(arena, g->nmembers + 1, sizeof *out->members);
        for (size_t i = 0; i < g->nmembers; i++) {
            const gmember_t *m = g->members[i];
            lode_gc_member_desc_t *d = &out->members[out->nmembers++];
            d->member_id = adup(arena, m->id);
            d->instance_id = adup(arena, m->instance_id);
            d->client_id = adup(arena, m->client_id);
            d->client_host = adup(arena, m->client_host);
            d->metadata = (const uint8_t *)"";
            d->assignment = (const uint8_t *)"";
            if (stable) {
                for (size_t j = 0; j < m->nprotocols; j++) {
                    if (g->protocol_name && strcmp(m->protocols[j].name, g->protocol_name) == 0) {
                        d->metadata = abytes(arena, m->protocols[j].meta, m->protocols[j].meta_len);
                        d->metadata_len = m->protocols[j].meta_len;
                    }
                }
                d->assignment = abytes(arena, m->assignment, m->assignment_len);
                d->assignment_len = m->assignment_len;
            }
        }
    }
    pthread_mutex_unlock(&gc->lock);
    return err;
}

typedef struct delete_ctx {
    int pending; /* writes outstanding + 1 while issuing */
    void (*done)(void *);
    void *arg;
} delete_ctx_t;

static void delete_one_done(lode_gc_t *gc, void *arg, int status)
{
    (void)gc;
    (void)status; /* Kafka answers once the group is gone from the cache */
    delete_ctx_t *d = arg;
    if (--d->pending == 0) {
        d->done(d->arg);
        free(d);
    }
}

void lode_gc_delete_groups(lode_gc_t *gc, const char *const *ids, int16_t *errors, size_t n,
                           void (*done)(void *arg), void *arg)
{
    delete_ctx_t *d = lode_xcalloc(1, sizeof *d);
    d->done = done;
    d->arg = arg;
    d->pending = 1;
    pthread_mutex_lock(&gc->lock);
    for (size_t i = 0; i < n; i++) {
        int16_t err = gc_check_locked(gc, ids[i]);
        group_t *g = err ? NULL : gc_group(gc, ids[i]);
        if (!err && (!g || g->state == GS_DEAD))
            err = LODE_KERR_GROUP_ID_NOT_FOUND;
        else if (!err && g->state != GS_EMPTY)
            err = LODE_KERR_NON_EMPTY_GROUP;
        errors[i] = err;
        if (err)
            continue;
        /* tombstones for every offset and for the group's metadata */
        gc_batch_t *b = gc_batch_new(gc);
        lode_buf_t key;
        lode_buf_init(&key);
        size_t it = 0;
        lode_hmap_entry_t *e;
        while ((e = lode_hmap_next(&g->offsets, &it))) {
            const char *topic;
            int32_t part;
            gc_offset_key_parts(e, &topic, &part);
            lode_buf_reset(&key);
            lode_grec_offset_key(&key, g->id, topic, part);
            gc_batch_add(b, &key, NULL);
        }
        lode_buf_reset(&key);
        lode_grec_group_key(&key, g->id);
        gc_batch_add(b, &key, NULL);
        lode_buf_free(&key);
        int32_t partition = g->partition;
        g->state = GS_DEAD;
        gc_group_drop(gc, g, LODE_KERR_COORDINATOR_NOT_AVAILABLE);
        d->pending++;
        gc_batch_write(gc, partition, b, delete_one_done, d);
    }
    bool last = --d->pending == 0;
    pthread_mutex_unlock(&gc->lock);
    if (last) {
        free(d);
        done(arg);
    }
}
