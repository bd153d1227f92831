/*
 * resp.c — response chains: a head buffer, then memory, buffer and file
 * parts, sent in that order after the 4-byte size prefix.
 */
#include "net/net_int.h"

#include <stdlib.h>

#include "core/mem.h"

lode_resp_t *lode_resp_new(void)
{
    lode_resp_t *r = lode_xcalloc(1, sizeof *r);
    lode_buf_init(&r->head);
    return r;
}

lode_buf_t *lode_resp_head(lode_resp_t *r)
{
    return &r->head;
}

static lode_resp_part_t *new_part(lode_resp_t *r)
{
    if (r->nparts == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4;
        r->parts = lode_xrealloc(r->parts, r->cap * sizeof *r->parts);
    }
    lode_resp_part_t *p = &r->parts[r->nparts++];
    memset(p, 0, sizeof *p);
    return p;
}

void lode_resp_add_mem(lode_resp_t *r, const void *data, size_t len, void (*free_fn)(void *))
{
    lode_resp_part_t *p = new_part(r);
    p->kind = LODE_PART_MEM;
    p->data = data;
    p->len = len;
    p->free_fn = free_fn;
}

lode_buf_t *lode_resp_add_buf(lode_resp_t *r)
{
    lode_resp_part_t *p = new_part(r);
    p->kind = LODE_PART_BUF;
    p->buf = lode_xmalloc(sizeof *p->buf);
    lode_buf_init(p->buf);
    return p->buf;
}

void lode_resp_add_file(lode_resp_t *r, int fd, uint64_t position, size_t len,
                        void (*release)(void *arg), void *arg)
{
    lode_resp_part_t *p = new_part(r);
    p->kind = LODE_PART_FILE;
    p->fd = fd;
    p->position = position;
    p->len = len;
    p->release = release;
    p->release_arg = arg;
}

size_t lode_resp_part_len(const lode_resp_part_t *p)
{
    return p->kind == LODE_PART_BUF ? p->buf->len : p->len;
}

const uint8_t *lode_resp_part_data(const lode_resp_part_t *p)
{
    return p->kind == LODE_PART_BUF ? p->buf->data : (const uint8_t *)p->data;
}

size_t lode_resp_size(const lode_resp_t *r)
{
    size_t n = r->head.len;
    for (size_t i = 0; i < r->nparts; i++)
        n += lode_resp_part_len(&r->parts[i]);
    return n;
}

void lode_resp_free(lode_resp_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nparts; i++) {
        lode_resp_part_t *p = &r->parts[i];
        if (p->kind == LODE_PART_MEM && p->free_fn)
            p->free_fn((void *)p->data);
        else if (p->kind == LODE_PART_BUF) {
            lode_buf_free(p->buf);
            free(p->buf);
        } else if (p->kind == LODE_PART_FILE && p->release)
            p->release(p->release_arg);
    }
    free(r->parts);
    lode_buf_free(&r->head);
    free(r);
}
