/*
 * image.c — immutable metadata images with copy-on-write sharing (see
 * image.h). Invariants:
 *  1. A published image never changes.
 *  2. A topic, broker or config map object with refs > 1 is shared by
 *     several images and is never modified; a builder copies it first.
 *  3. topics_by_name and topics_by_id of one image hold the same objects.
 */
#include "metadata/image.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

typedef struct config_map {
    int refs;
    lode_hmap_t kv; /* key → char* */
} config_map_t;

struct lode_image_holder {
    pthread_mutex_t lock;
    lode_image_t *current;
};

/* ---- object lifetimes ----------------------------------------------------- */

static void topic_release(lode_topic_info_t *t)
{
    if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (int32_t i = 0; i < t->npartitions; i++) {
        free(t->partitions[i].replicas);
        free(t->partitions[i].isr);
        free(t->partitions[i].offline_replicas);
    }
    free(t->partitions);
    free(t->name);
    free(t);
}

static int32_t *dup_ids(const int32_t *v, int32_t n)
{
    if (n <= 0)
        return NULL;
    int32_t *c = lode_xmalloc((size_t)n * sizeof *c);
    memcpy(c, v, (size_t)n * sizeof *c);
    return c;
}

static lode_topic_info_t *topic_clone(const lode_topic_info_t *t)
{
    lode_topic_info_t *c = lode_xcalloc(1, sizeof *c);
    c->refs = 1;
    c->name = lode_xstrdup(t->name);
    memcpy(c->id, t->id, 16);
    c->npartitions = t->npartitions;
    c->partitions =
        lode_xcalloc((size_t)(t->npartitions ? t->npartitions : 1), sizeof *c->partitions);
    for (int32_t i = 0; i < t->npartitions; i++) {
        lode_partition_info_t *d = &c->partitions[i];
        const lode_partition_info_t *s = &t->partitions[i];
        *d = *s;
        d->replicas = dup_ids(s->replicas, s->nreplicas);
        d->isr = dup_ids(s->isr, s->nisr);
        d->offline_replicas = dup_ids(s->offline_replicas, s->noffline);
    }
    return c;
}

static void broker_free_fields(lode_broker_info_t *b)
{
    for (int32_t i = 0; i < b->nendpoints; i++) {
        free(b->endpoints[i].listener);
        free(b->endpoints[i].host);
    }
    free(b->endpoints);
    free(b->rack);
}

static void broker_release(lode_broker_info_t *b)
{
    if (__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    broker_free_fields(b);
    free(b);
}

static lode_broker_info_t *broker_clone(const lode_broker_info_t *b)
{
    lode_broker_info_t *c = lode_xmalloc(sizeof *c);
    *c = *b;
    c->refs = 1;
    c->rack = b->rack ? lode_xstrdup(b->rack) : NULL;
    c->endpoints = lode_xcalloc((size_t)(b->nendpoints ? b->nendpoints : 1), sizeof *c->endpoints);
    for (int32_t i = 0; i < b->nendpoints; i++) {
        c->endpoints[i] = b->endpoints[i];
        c->endpoints[i].listener = lode_xstrdup(b->endpoints[i].listener);
        c->endpoints[i].host = lode_xstrdup(b->endpoints[i].host);
    }
    return c;
}

static void config_map_release(config_map_t *m)
{
    if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&m->kv, &it)))
        free(e->value);
    lode_hmap_free(&m->kv);
    free(m);
}

static config_map_t *config_map_clone(const config_map_t *m)
{
    config_map_t *c = lode_xcalloc(1, sizeof *c);
    c->refs = 1;
    lode_hmap_init(&c->kv);
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&m->kv, &it)))
        lode_hmap_put(&c->kv, e->key, e->key_len, lode_xstrdup(e->value), NULL);
    return c;
}

static void image_free(lode_image_t *img)
{
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&img->topics_by_name, &it)))
        topic_release(e->value);
    it = 0;
    while ((e = lode_hmap_next(&img->brokers, &it)))
        broker_release(e->value);
    it = 0;
    while ((e = lode_hmap_next(&img->configs, &it)))
        config_map_release(e->value);
    lode_hmap_free(&img->topics_by_name);
    lode_hmap_free(&img->topics_by_id);
    lode_hmap_free(&img->brokers);
    lode_hmap_free(&img->configs);
    lode_hmap_free(&img->features);
    free(img);
}

void lode_image_release(lode_image_t *img)
{
    if (img && __atomic_sub_fetch(&img->refs, 1, __ATOMIC_ACQ_REL) == 0)
        image_free(img);
}

/* ---- holder ------------------------------------------------------------- */

lode_image_holder_t *lode_image_holder_new(void)
{
    lode_image_holder_t *h = lode_xcalloc(1, sizeof *h);
    pthread_mutex_init(&h->lock, NULL);
    h->current = lode_image_builder(NULL);
    return h;
}

void lode_image_holder_free(lode_image_holder_t *h)
{
    lode_image_release(h->current);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

lode_image_t *lode_image_acquire(lode_image_holder_t *h)
{
    /* A short critical section pins the pointer; the image itself is then
     * used without any lock (invariant 1). */
    pthread_mutex_lock(&h->lock);
    lode_image_t *img = h->current;
    __atomic_add_fetch(&img->refs, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&h->lock);
    return img;
}

void lode_image_publish(lode_image_holder_t *h, lode_image_t *b)
{
    pthread_mutex_lock(&h->lock);
    lode_image_t *old = h->current;
    h->current = b;
    pthread_mutex_unlock(&h->lock);
    lode_image_release(old);
}

/* ---- lookups ------------------------------------------------------------ */

const lode_topic_info_t *lode_image_topic(const lode_image_t *img, const char *name)
{
    return lode_hmap_gets(&img->topics_by_name, name);
}

const lode_topic_info_t *lode_image_topic_by_id(const lode_image_t *img, const uint8_t id[16])
{
    return lode_hmap_get(&img->topics_by_id, id, 16);
}

const lode_broker_info_t *lode_image_broker(const lode_image_t *img, int32_t id)
{
    return lode_hmap_get(&img->brokers, &id, sizeof id);
}

static size_t config_key(char *out, size_t cap, int type, const char *resource)
{
    size_t l = strlen(resource);
    if (l + 1 > cap)
        l = cap - 1;
    out[0] = (char)type;
    memcpy(out + 1, resource, l);
    return l + 1;
}

const lode_hmap_t *lode_image_configs(const lode_image_t *img, int type, const char *resource)
{
    char key[512];
    size_t kl = config_key(key, sizeof key, type, resource);
    config_map_t *m = lode_hmap_get(&img->configs, key, kl);
    return m ? &m->kv : NULL;
}

const char *lode_image_config(const lode_image_t *img, int type, const char *resource,
                              const char *k)
{
    const lode_hmap_t *m = lode_image_configs(img, type, resource);
    return m ? lode_hmap_gets(m, k) : NULL;
}

int16_t lode_image_feature(const lode_image_t *img, const char *name)
{
    lode_hmap_entry_t *e = lode_hmap_find(&img->features, name, strlen(name));
    return e ? (int16_t)(intptr_t)e->value : 0;
}

/* ---- builders ----------------------------------------------------------- */

lode_image_t *lode_image_builder(const lode_image_t *base)
{
    lode_image_t *b = lode_xcalloc(1, sizeof *b);
    b->refs = 1;
    b->offset = -1;
    b->epoch = -1;
    lode_hmap_init(&b->topics_by_name);
    lode_hmap_init(&b->topics_by_id);
    lode_hmap_init(&b->brokers);
    lode_hmap_init(&b->configs);
    lode_hmap_init(&b->features);
    if (!base)
        return b;
    b->offset = base->offset;
    b->epoch = base->epoch;
    b->next_producer_id = base->next_producer_id;
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&base->topics_by_name, &it))) {
        lode_topic_info_t *t = e->value;
        __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
        lode_hmap_put(&b->topics_by_name, e->key, e->key_len, t, NULL);
        lode_hmap_put(&b->topics_by_id, t->id, 16, t, NULL);
    }
    it = 0;
    while ((e = lode_hmap_next(&base->brokers, &it))) {
        __atomic_add_fetch(&((lode_broker_info_t *)e->value)->refs, 1, __ATOMIC_RELAXED);
        lode_hmap_put(&b->brokers, e->key, e->key_len, e->value, NULL);
    }
    it = 0;
    while ((e = lode_hmap_next(&base->configs, &it))) {
        __atomic_add_fetch(&((config_map_t *)e->value)->refs, 1, __ATOMIC_RELAXED);
        lode_hmap_put(&b->configs, e->key, e->key_len, e->value, NULL);
    }
    it = 0;
    while ((e = lode_hmap_next(&base->features, &it)))
        lode_hmap_put(&b->features, e->key, e->key_len, e->value, NULL);
    return b;
}

void lode_image_builder_free(lode_image_t *b)
{
    lode_image_release(b);
}

lode_topic_info_t *lode_image_put_topic(lode_image_t *b, const char *name, const uint8_t id[16])
{
    lode_topic_info_t *old = lode_hmap_gets(&b->topics_by_name, name);
    if (old)
        lode_image_remove_topic(b, old->id);
    lode_topic_info_t *t = lode_xcalloc(1, sizeof *t);
    t->refs = 1;
    t->name = lode_xstrdup(name);
    memcpy(t->id, id, 16);
    lode_hmap_put(&b->topics_by_name, name, strlen(name), t, NULL);
    lode_hmap_put(&b->topics_by_id, t->id, 16, t, NULL);
    return t;
}

bool lode_image_remove_topic(lode_image_t *b, const uint8_t id[16])
{
    void *v;
    if (!lode_hmap_remove(&b->topics_by_id, id, 16, &v))
        return false;
    lode_topic_info_t *t = v;
    lode_hmap_remove(&b->topics_by_name, t->name, strlen(t->name), NULL);
    topic_release(t);
    return true;
}

/* The builder's own (unshared) copy of a topic. */
static lode_topic_info_t *own_topic(lode_image_t *b, lode_topic_info_t *t)
{
    if (__atomic_load_n(&t->refs, __ATOMIC_ACQUIRE) == 1)
        return t;
    lode_topic_info_t *c = topic_clone(t);
    lode_hmap_put(&b->topics_by_name, c->name, strlen(c->name), c, NULL);
    lode_hmap_put(&b->topics_by_id, c->id, 16, c, NULL);
    topic_release(t);
    return c;
}

lode_partition_info_t *lode_image_mut_partition(lode_image_t *b, const uint8_t topic_id[16],
                                                int32_t partition)
{
    lode_topic_info_t *t = lode_hmap_get(&b->topics_by_id, topic_id, 16);
    if (!t || partition < 0)
        return NULL;
    t = own_topic(b, t);
    if (partition >= t->npartitions) {
        t->partitions =
            lode_xrealloc(t->partitions, (size_t)(partition + 1) * sizeof *t->partitions);
        for (int32_t i = t->npartitions; i <= partition; i++) {
            memset(&t->partitions[i], 0, sizeof t->partitions[i]);
            t->partitions[i].partition = i;
            t->partitions[i].leader = -1;
        }
        t->npartitions = partition + 1;
    }
    return &t->partitions[partition];
}

void lode_image_set_ids(int32_t **field, int32_t *count, const int32_t *vals, int32_t n)
{
    free(*field);
    *field = dup_ids(vals, n);
    *count = n > 0 ? n : 0;
}

void lode_image_put_broker(lode_image_t *b, lode_broker_info_t *info)
{
    lode_broker_info_t *c = lode_xmalloc(sizeof *c);
    *c = *info;
    c->refs = 1;
    memset(info, 0, sizeof *info);
    void *old = NULL;
    lode_hmap_put(&b->brokers, &c->id, sizeof c->id, c, &old);
    if (old)
        broker_release(old);
}

lode_broker_info_t *lode_image_mut_broker(lode_image_t *b, int32_t id)
{
    lode_broker_info_t *br = lode_hmap_get(&b->brokers, &id, sizeof id);
    if (!br)
        return NULL;
    if (__atomic_load_n(&br->refs, __ATOMIC_ACQUIRE) == 1)
        return br;
    lode_broker_info_t *c = broker_clone(br);
    lode_hmap_put(&b->brokers, &id, sizeof id, c, NULL);
    broker_release(br);
    return c;
}

bool lode_image_remove_broker(lode_image_t *b, int32_t id)
{
    void *v;
    if (!lode_hmap_remove(&b->brokers, &id, sizeof id, &v))
        return false;
    broker_release(v);
    return true;
}

void lode_image_set_config(lode_image_t *b, int type, const char *resource, const char *k,
                           const char *value)
{
    char key[512];
    size_t kl = config_key(key, sizeof key, type, resource);
    config_map_t *m = lode_hmap_get(&b->configs, key, kl);
    if (!m) {
        if (!value)
            return;
        m = lode_xcalloc(1, sizeof *m);
        m->refs = 1;
        lode_hmap_init(&m->kv);
        lode_hmap_put(&b->configs, key, kl, m, NULL);
    } else if (__atomic_load_n(&m->refs, __ATOMIC_ACQUIRE) > 1) {
        config_map_t *c = config_map_clone(m);
        lode_hmap_put(&b->configs, key, kl, c, NULL);
        config_map_release(m);
        m = c;
    }
    void *old = NULL;
    if (value)
        lode_hmap_put(&m->kv, k, strlen(k), lode_xstrdup(value), &old);
    else
        lode_hmap_remove(&m->kv, k, strlen(k), &old);
    free(old);
    if (lode_hmap_count(&m->kv) == 0) {
        lode_hmap_remove(&b->configs, key, kl, NULL);
        config_map_release(m);
    }
}

void lode_image_clear_configs(lode_image_t *b, int type, const char *resource)
{
    char key[512];
    size_t kl = config_key(key, sizeof key, type, resource);
    void *v;
    if (lode_hmap_remove(&b->configs, key, kl, &v))
        config_map_release(v);
}

void lode_image_set_feature(lode_image_t *b, const char *name, int16_t level)
{
    lode_hmap_put(&b->features, name, strlen(name), (void *)(intptr_t)level, NULL);
}

/* ---- equality ----------------------------------------------------------- */

static bool ids_equal(const int32_t *a, int32_t na, const int32_t *b, int32_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, (size_t)na * sizeof *a) == 0);
}

static bool topic_equal(const lode_topic_info_t *a, const lode_topic_info_t *b)
{
    if (strcmp(a->name, b->name) || memcmp(a->id, b->id, 16) || a->npartitions != b->npartitions)
        return false;
    for (int32_t i = 0; i < a->npartitions; i++) {
        const lode_partition_info_t *x = &a->partitions[i], *y = &b->partitions[i];
        if (x->leader != y->leader || x->leader_epoch != y->leader_epoch ||
            x->partition_epoch != y->partition_epoch ||
            !ids_equal(x->replicas, x->nreplicas, y->replicas, y->nreplicas) ||
            !ids_equal(x->isr, x->nisr, y->isr, y->nisr))
            return false;
    }
    return true;
}

static bool broker_equal(const lode_broker_info_t *a, const lode_broker_info_t *b)
{
    if (a->id != b->id || a->epoch != b->epoch || a->fenced != b->fenced ||
        a->in_controlled_shutdown != b->in_controlled_shutdown ||
        memcmp(a->incarnation_id, b->incarnation_id, 16) || (!a->rack != !b->rack) ||
        (a->rack && strcmp(a->rack, b->rack)) || a->nendpoints != b->nendpoints)
        return false;
    for (int32_t i = 0; i < a->nendpoints; i++) {
        const lode_endpoint_t *x = &a->endpoints[i], *y = &b->endpoints[i];
        if (strcmp(x->listener, y->listener) || strcmp(x->host, y->host) || x->port != y->port ||
            x->security_protocol != y->security_protocol)
            return false;
    }
    return true;
}

static bool kv_equal(const lode_hmap_t *a, const lode_hmap_t *b)
{
    if (lode_hmap_count(a) != lode_hmap_count(b))
        return false;
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(a, &it))) {
        const char *v = lode_hmap_get(b, e->key, e->key_len);
        if (!v || strcmp(v, e->value))
            return false;
    }
    return true;
}

bool lode_image_equal(const lode_image_t *a, const lode_image_t *b)
{
    if (a->next_producer_id != b->next_producer_id ||
        lode_hmap_count(&a->topics_by_name) != lode_hmap_count(&b->topics_by_name) ||
        lode_hmap_count(&a->brokers) != lode_hmap_count(&b->brokers) ||
        lode_hmap_count(&a->configs) != lode_hmap_count(&b->configs) ||
        lode_hmap_count(&a->features) != lode_hmap_count(&b->features))
        return false;
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&a->topics_by_name, &it))) {
        const lode_topic_info_t *t = lode_hmap_get(&b->topics_by_name, e->key, e->key_len);
        if (!t || !topic_equal(e->value, t))
            return false;
    }
    it = 0;
    while ((e = lode_hmap_next(&a->brokers, &it))) {
        const lode_broker_info_t *x = lode_hmap_get(&b->brokers, e->key, e->key_len);
        if (!x || !broker_equal(e->value, x))
            return false;
    }
    it = 0;
    while ((e = lode_hmap_next(&a->configs, &it))) {
        const config_map_t *m = lode_hmap_get(&b->configs, e->key, e->key_len);
        if (!m || !kv_equal(&((config_map_t *)e->value)->kv, &m->kv))
            return false;
    }
    it = 0;
    while ((e = lode_hmap_next(&a->features, &it))) {
        lode_hmap_entry_t *f = lode_hmap_find(&b->features, e->key, e->key_len);
        if (!f || f->value != e->value)
            return false;
    }
    return true;
}
