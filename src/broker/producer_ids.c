/*
 * producer_ids.c — InitProducerId for idempotent producers: ids come from
 * blocks the controller allocates (AllocateProducerIds semantics, committed
 * to the metadata log before use, so an id is never handed out twice, even
 * across restarts). Requests that arrive while a block is being fetched
 * wait for it, and are answered in arrival order.
 *
 * Transactional ids need the transaction coordinator, which lode does not
 * have yet: they get COORDINATOR_NOT_AVAILABLE, as a Kafka cluster whose
 * __transaction_state cannot be served answers.
 */
#include <stdlib.h>

#include "broker/broker_int.h"
#include "core/log.h"
#include "proto/gen/InitProducerIdRequest.h"
#include "proto/gen/InitProducerIdResponse.h"
#include "proto/kerr.h"

struct lode_pid_waiter {
    lode_rctx_t *ctx;
    int64_t pid;
    struct lode_pid_waiter *next;
};

static void reply(lode_rctx_t *ctx, int16_t err, int64_t pid)
{
    InitProducerIdResponse resp;
    InitProducerIdResponse_init(&resp);
    resp.ErrorCode = err;
    resp.ProducerId = err ? -1 : pid;
    resp.ProducerEpoch = err ? -1 : 0;
    lode_rctx_reply(ctx, &resp);
}

/* Answers and frees a list of waiters (outside the lock). */
static void answer(lode_pid_waiter_t *w, int16_t err)
{
    while (w) {
        lode_pid_waiter_t *n = w->next;
        reply(w->ctx, err, w->pid);
        free(w);
        w = n;
    }
}

static void fetch_block(lode_broker_t *b);

static void block_done(void *arg, int16_t error, int64_t first, int32_t len)
{
    lode_broker_t *b = arg;
    lode_pid_waiter_t *done = NULL, **tail = &done;
    bool again = false;
    pthread_mutex_lock(&b->pid_lock);
    if (error) {
        done = b->pid_waiters;
        b->pid_waiters = NULL;
        b->pid_fetching = false;
    } else {
        b->pid_next = first;
        b->pid_end = first + len;
        while (b->pid_waiters && b->pid_next < b->pid_end) {
            lode_pid_waiter_t *w = b->pid_waiters;
            b->pid_waiters = w->next;
            w->pid = b->pid_next++;
            w->next = NULL;
            *tail = w;
            tail = &w->next;
        }
        again = b->pid_fetching = b->pid_waiters != NULL;
    }
    pthread_mutex_unlock(&b->pid_lock);
    if (error)
        LODE_LOG_WARN("broker", "the controller gave no producer id block (error %s)",
                      lode_kerr_name(error));
    answer(done, error);
    if (again)
        fetch_block(b);
}

static void fetch_block(lode_broker_t *b)
{
    lode_controller_t *c = lode_broker_controller(b);
    lode_image_t *img = lode_image_acquire(b->images);
    const lode_broker_info_t *self = lode_image_broker(img, b->node_id);
    int64_t epoch = self ? self->epoch : -1;
    lode_image_release(img);
    if (!c) {
        block_done(b, LODE_KERR_NOT_CONTROLLER, -1, 0);
        return;
    }
    lode_controller_alloc_producer_ids(c, b->node_id, epoch, block_done, b);
}

void lode_handle_init_producer_id(lode_rctx_t *ctx)
{
    const InitProducerIdRequest *req = ctx->msg;
    lode_broker_t *b = ctx->b;
    if (!lode_str_is_null(&req->TransactionalId)) {
        reply(ctx, LODE_KERR_COORDINATOR_NOT_AVAILABLE, -1);
        return;
    }
    /* An idempotent producer gets a new id (Kafka ignores ProducerId and
     * ProducerEpoch without a transactional id). */
    pthread_mutex_lock(&b->pid_lock);
    if (b->pid_next < b->pid_end) {
        int64_t pid = b->pid_next++;
        pthread_mutex_unlock(&b->pid_lock);
        reply(ctx, 0, pid);
        return;
    }
    lode_pid_waiter_t *w = calloc(1, sizeof *w);
    if (!w) {
        pthread_mutex_unlock(&b->pid_lock);
        lode_rctx_close(ctx, "out of memory");
        return;
    }
    w->ctx = ctx;
    lode_pid_waiter_t **tail = &b->pid_waiters;
    while (*tail)
        tail = &(*tail)->next;
    *tail = w;
    bool start = !b->pid_fetching;
    b->pid_fetching = true;
    pthread_mutex_unlock(&b->pid_lock);
    if (start)
        fetch_block(b);
}

void lode_broker_free_pid_waiters(lode_broker_t *b)
{
    pthread_mutex_lock(&b->pid_lock);
    lode_pid_waiter_t *w = b->pid_waiters;
    b->pid_waiters = NULL;
    pthread_mutex_unlock(&b->pid_lock);
    answer(w, LODE_KERR_COORDINATOR_NOT_AVAILABLE);
}
