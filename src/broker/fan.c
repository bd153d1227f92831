/*
 * fan.c — a request answered once several controller operations have
 * completed (see broker_int.h).
 */
#include <string.h>

#include "broker/broker_int.h"

void lode_fan_done_one(lode_fan_t *f)
{
    if (__atomic_sub_fetch(&f->pending, 1, __ATOMIC_ACQ_REL) == 0)
        f->finish(f);
}

lode_fan_t *lode_fan_new(lode_rctx_t *ctx, void *resp, int32_t n, void (*finish)(lode_fan_t *))
{
    lode_fan_t *f = lode_arena_calloc(&ctx->arena, 1, sizeof *f);
    f->ctx = ctx;
    f->pending = 1;
    f->finish = finish;
    f->resp = resp;
    f->items = lode_arena_calloc(&ctx->arena, (size_t)n + 1, sizeof *f->items);
    return f;
}

lode_fan_item_t *lode_fan_item(lode_fan_t *f, int32_t index)
{
    lode_fan_item_t *it = &f->items[index];
    it->fan = f;
    it->index = index;
    it->issued = true;
    __atomic_add_fetch(&f->pending, 1, __ATOMIC_ACQ_REL);
    return it;
}

void lode_fan_item_done(void *arg, const lode_ctl_error_t *err, const uint8_t *topic_id)
{
    lode_fan_item_t *it = arg;
    it->err = *err;
    if (topic_id) {
        memcpy(it->id, topic_id, 16);
        it->has_id = true;
    }
    lode_fan_done_one(it->fan);
}
