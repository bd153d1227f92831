/*
 * reactor.c — epoll reactors, connections, framing, ordered responses,
 * backpressure, idle reaping and orderly stop (see net.h).
 *
 * Per connection invariants:
 *  1. Requests get consecutive sequence numbers; slot[seq % max_inflight]
 *     holds the state of request seq while next_send <= seq < next_seq.
 *  2. Responses are written strictly in sequence order: only the slot at
 *     next_send may be sending.
 *  3. The reactor reads from the socket only while fewer than max_inflight
 *     requests are unsent and fewer than max_pending_out_bytes are queued.
 *  4. conn->refs = 1 (the reactor, until close) + 1 per unanswered request;
 *     the struct is freed when it drops to 0, on whichever thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "net/net_int.h"

#define STAGING_BYTES 65536
#define DIRECT_READ_MIN 16384 /* read straight into a frame when this much is missing */
#define MAX_IOV 64

/* Request frames of 16 KiB or more come in power-of-two classes, and each
 * reactor keeps freed ones per class for its next requests (bounded by count
 * and bytes; all freed once the cache went unused for a reaping pass, ~1 s).
 * A fresh 64 KiB - 1 MiB frame is memory malloc has just mapped (or trimmed
 * and mapped again), so the socket read that first touches it page-faults
 * every 4 KiB: 89% of the broker's page faults and most of its CPU with
 * acks=all, where up to max_inflight frames per connection wait for the
 * fsync. A reused frame is already mapped. */
#define FRAME_HDR 16       /* the frame's class, in front of it (keeps 16-byte alignment) */
#define FRAME_CLASS_MIN 14 /* 16 KiB */
#define FRAME_CLASS_MAX 23 /* 8 MiB; larger frames are freed, not kept */
#define FRAME_CACHE_PER_CLASS 64
#define FRAME_CACHE_BYTES (64u << 20) /* freed frames one reactor keeps, at most */
#define FRAME_NCLASSES (FRAME_CLASS_MAX - FRAME_CLASS_MIN + 1)

typedef struct reactor reactor_t;

typedef struct slot {
    lode_resp_t *resp;
    bool done;
} slot_t;

/* A complete request read ahead while max_inflight were unsent. */
typedef struct held {
    struct held *next;
    uint8_t *frame;
    size_t len;
} held_t;

struct lode_conn {
    int fd;
    reactor_t *r;
    int refs;
    bool closed;
    bool close_requested; /* close once everything queued is sent */
    char peer[64];
    const char *listener;
    void *user;
    /* reading */
    uint8_t hdr[4];
    size_t hdr_got;
    uint8_t *frame;
    size_t frame_len, frame_got;
    bool in_frame;
    held_t *held, *held_tail; /* FIFO of read-ahead requests */
    bool dispatching_held;
    /* ordering */
    slot_t *slots;
    size_t nslots;
    uint64_t next_seq, next_send;
    /* sending the response at next_send */
    uint8_t prefix[4];
    int part;   /* -2 prefix, -1 head, 0.. parts */
    size_t off; /* within the current part */
    size_t out_bytes;
    /* epoll */
    uint32_t events;
    int64_t last_active_ms;
    lode_conn_t *prev, *next;
};

typedef struct completion {
    lode_req_t *req;
    lode_resp_t *resp;
} completion_t;

struct reactor {
    lode_net_t *net;
    int index;
    int epfd;
    int evfd;
    int *listen_fds;
    pthread_t thread;
    lode_conn_t *conns; /* doubly linked */
    size_t nconns;
    uint8_t *staging;
    pthread_mutex_t qlock;
    completion_t *queue;
    size_t qlen, qcap;
    bool dead; /* thread exited: completions are discarded */
    int64_t last_reap_ms;
    /* freed frames for reuse, per class (reactor thread only) */
    uint8_t *frame_cache[FRAME_NCLASSES][FRAME_CACHE_PER_CLASS];
    int frame_cached[FRAME_NCLASSES];
    size_t frame_cache_bytes;
    bool frame_cache_used; /* a frame was taken from the cache since the last reaping */
};

struct lode_net {
    lode_net_config_t cfg;
    char **listener_names;
    int *ports;
    reactor_t *reactors;
    int nreactors;
    size_t nconns; /* atomic */
    int stopping;  /* atomic */
    int64_t drain_deadline_ms;
};

static __thread reactor_t *tls_reactor;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void lode_net_config_defaults(lode_net_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->threads = 2;
    c->max_request_bytes = 104857600;
    c->idle_ms = 600000;
    c->max_inflight = 100;
    c->max_pending_out_bytes = 8 << 20;
}

/* ---- request frames ------------------------------------------------------ */

/* The class of a len-byte frame: log2 of its capacity, or 0 for a frame
 * allocated at its exact size and never kept (small or huge). */
static int frame_class(size_t len)
{
    if (len < ((size_t)1 << FRAME_CLASS_MIN) || len > ((size_t)1 << FRAME_CLASS_MAX))
        return 0;
    int cls = FRAME_CLASS_MIN;
    while (((size_t)1 << cls) < len)
        cls++;
    return cls;
}

/* A frame for len bytes, from r's cache when one of its class is there.
 * Reactor thread. Freed with frame_free(). */
static uint8_t *frame_alloc(reactor_t *r, size_t len)
{
    int cls = frame_class(len);
    uint8_t *base = NULL;
    if (cls) {
        int k = cls - FRAME_CLASS_MIN;
        if (r->frame_cached[k] > 0) {
            base = r->frame_cache[k][--r->frame_cached[k]];
            r->frame_cache_bytes -= (size_t)1 << cls;
            r->frame_cache_used = true;
        } else {
            base = lode_xmalloc(FRAME_HDR + ((size_t)1 << cls));
        }
    } else {
        base = lode_xmalloc(FRAME_HDR + (len ? len : 1));
    }
    base[0] = (uint8_t)cls;
    return base + FRAME_HDR;
}

/* Frees a frame of frame_alloc() (NULL is ignored), keeping it in r's cache
 * while there is room. r is NULL off the reactor thread (the frame is freed). */
static void frame_free(reactor_t *r, uint8_t *frame)
{
    if (!frame)
        return;
    uint8_t *base = frame - FRAME_HDR;
    int cls = base[0];
    if (r && cls) {
        int k = cls - FRAME_CLASS_MIN;
        size_t size = (size_t)1 << cls;
        if (r->frame_cached[k] < FRAME_CACHE_PER_CLASS &&
            r->frame_cache_bytes + size <= FRAME_CACHE_BYTES) {
            r->frame_cache[k][r->frame_cached[k]++] = base;
            r->frame_cache_bytes += size;
            return;
        }
    }
    free(base);
}

/* Frees the cached frames unless the cache was used since the last call
 * (the reaping pass, every second or when idle): a burst's frames are not
 * kept for good. Reactor thread. */
static void frame_cache_trim(reactor_t *r)
{
    if (r->frame_cache_used) {
        r->frame_cache_used = false;
        return;
    }
    for (int k = 0; k < FRAME_NCLASSES; k++) {
        while (r->frame_cached[k] > 0)
            free(r->frame_cache[k][--r->frame_cached[k]]);
    }
    r->frame_cache_bytes = 0;
}

/* ---- connection lifetime ----------------------------------------------- */

static void conn_unref(lode_conn_t *c)
{
    if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        free(c->slots);
        free(c);
    }
}

static void set_events(lode_conn_t *c, uint32_t events)
{
    if (c->closed || c->events == events)
        return;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(c->r->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->events = events;
}

static size_t unsent(const lode_conn_t *c)
{
    return (size_t)(c->next_seq - c->next_send);
}

static void dispatch_held(lode_conn_t *c);

/* Reading is allowed by invariant 3 and while the connection is open. */
static void update_interest(lode_conn_t *c)
{
    bool sending = unsent(c) > 0 && c->slots[c->next_send % c->nslots].done;
    bool can_read = !c->close_requested &&
                    !__atomic_load_n(&c->r->net->stopping, __ATOMIC_ACQUIRE) && !c->held &&
                    unsent(c) < c->nslots && c->out_bytes < c->r->net->cfg.max_pending_out_bytes;
    set_events(c, (can_read ? EPOLLIN : 0) | (sending ? EPOLLOUT : 0) | EPOLLRDHUP);
}

static void conn_close(lode_conn_t *c)
{
    if (c->closed)
        return;
    reactor_t *r = c->r;
    /* Counted out before the peer can see the close (tests and
     * max.connections observe the count right after EOF). */
    __atomic_sub_fetch(&r->net->nconns, 1, __ATOMIC_RELAXED);
    epoll_ctl(r->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->closed = true;
    for (uint64_t s = c->next_send; s < c->next_seq; s++) {
        slot_t *sl = &c->slots[s % c->nslots];
        if (sl->done) {
            lode_resp_free(sl->resp);
            sl->resp = NULL;
        }
    }
    frame_free(r, c->frame);
    c->frame = NULL;
    while (c->held) {
        held_t *h = c->held;
        c->held = h->next;
        frame_free(r, h->frame);
        free(h);
    }
    c->held_tail = NULL;
    if (r->net->cfg.on_close)
        r->net->cfg.on_close(r->net->cfg.arg, c);
    if (c->prev)
        c->prev->next = c->next;
    else
        r->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    r->nconns--;
    conn_unref(c);
}

/* ---- sending ------------------------------------------------------------ */

/* Moves past fully-sent responses (and NULL ones) and frees them. */
static void advance_done(lode_conn_t *c)
{
    slot_t *sl = &c->slots[c->next_send % c->nslots];
    c->out_bytes -= lode_resp_size(sl->resp) + 4;
    lode_resp_free(sl->resp);
    sl->resp = NULL;
    sl->done = false;
    c->next_send++;
    c->part = -2;
    c->off = 0;
}

/* Writes as much as the socket takes. Returns false when the connection was
 * closed (error). */
static bool try_send(lode_conn_t *c)
{
    while (!c->closed && unsent(c) > 0) {
        slot_t *sl = &c->slots[c->next_send % c->nslots];
        if (!sl->done)
            break;
        lode_resp_t *r = sl->resp;
        if (!r) { /* acks=0: nothing to send for this request */
            sl->done = false;
            c->next_send++;
            continue;
        }
        if (c->part == -2 && c->off == 0)
            lode_be32_store(c->prefix, (uint32_t)lode_resp_size(r));
        /* Gather memory pieces up to the next file part. */
        struct iovec iov[MAX_IOV];
        int n = 0;
        int part = c->part;
        size_t off = c->off;
        while (n < MAX_IOV && part < (int)r->nparts) {
            const uint8_t *base;
            size_t len;
            if (part == -2) {
                base = c->prefix;
                len = 4;
            } else if (part == -1) {
                base = r->head.data;
                len = r->head.len;
            } else {
                lode_resp_part_t *p = &r->parts[part];
                if (p->kind == LODE_PART_FILE)
                    break;
                base = lode_resp_part_data(p);
                len = lode_resp_part_len(p);
            }
            if (len > off) {
                iov[n].iov_base = (void *)(base + off);
                iov[n].iov_len = len - off;
                n++;
            }
            part++;
            off = 0;
        }
        if (n > 0) {
            ssize_t w = writev(c->fd, iov, n);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                if (errno == EINTR)
                    continue;
                conn_close(c);
                return false;
            }
            /* Advance (part, off) by w bytes. */
            size_t left = (size_t)w;
            while (left > 0) {
                size_t len = c->part == -2   ? 4
                             : c->part == -1 ? r->head.len
                                             : lode_resp_part_len(&r->parts[c->part]);
                size_t take = len - c->off < left ? len - c->off : left;
                c->off += take;
                left -= take;
                if (c->off == len) {
                    c->part++;
                    c->off = 0;
                }
            }
            /* Skip empty parts so the end test below is exact. */
        } else if (c->part >= 0 && c->part < (int)r->nparts &&
                   r->parts[c->part].kind == LODE_PART_FILE) {
            lode_resp_part_t *p = &r->parts[c->part];
            off_t pos = (off_t)(p->position + c->off);
            ssize_t w = sendfile(c->fd, p->fd, &pos, p->len - c->off);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                if (errno == EINTR)
                    continue;
                conn_close(c);
                return false;
            }
            if (w == 0) {
                /* The file is shorter than promised (truncated under us):
                 * the response can't be completed; the client must retry. */
                conn_close(c);
                return false;
            }
            c->off += (size_t)w;
            if (c->off == p->len) {
                c->part++;
                c->off = 0;
            }
        }
        while (c->part >= -1 && c->part < (int)r->nparts) {
            size_t len = c->part == -1 ? r->head.len : lode_resp_part_len(&r->parts[c->part]);
            if (len != 0 || c->off != 0)
                break;
            c->part++;
        }
        if (c->part >= (int)r->nparts)
            advance_done(c);
        c->last_active_ms = mono_ms();
    }
    if (c->closed)
        return false;
    if (c->close_requested && unsent(c) == 0) {
        conn_close(c);
        return false;
    }
    if (c->held && unsent(c) < c->nslots) {
        dispatch_held(c);
        if (c->closed)
            return false;
    }
    update_interest(c);
    return true;
}

/* Places a finished response in its slot (reactor thread). */
static void complete(lode_req_t *req, lode_resp_t *resp)
{
    lode_conn_t *c = req->conn;
    if (c->closed) {
        lode_resp_free(resp);
    } else {
        slot_t *sl = &c->slots[req->seq % c->nslots];
        sl->resp = resp;
        sl->done = true;
        if (resp)
            c->out_bytes += lode_resp_size(resp) + 4;
        try_send(c);
    }
    frame_free(c->r, req->frame);
    free(req);
    conn_unref(c);
}

void lode_req_respond(lode_req_t *req, lode_resp_t *resp)
{
    reactor_t *r = req->conn->r;
    if (tls_reactor == r) {
        complete(req, resp);
        return;
    }
    pthread_mutex_lock(&r->qlock);
    if (r->dead) {
        pthread_mutex_unlock(&r->qlock);
        lode_resp_free(resp);
        lode_conn_t *c = req->conn;
        frame_free(NULL, req->frame);
        free(req);
        conn_unref(c);
        return;
    }
    if (r->qlen == r->qcap) {
        r->qcap = r->qcap ? r->qcap * 2 : 64;
        r->queue = lode_xrealloc(r->queue, r->qcap * sizeof *r->queue);
    }
    r->queue[r->qlen++] = (completion_t){req, resp};
    bool wake = r->qlen == 1;
    pthread_mutex_unlock(&r->qlock);
    if (wake) {
        uint64_t one = 1;
        if (write(r->evfd, &one, sizeof one) < 0) {
            /* eventfd counter overflow is impossible here; EAGAIN means a
             * wakeup is already pending. */
        }
    }
}

/* Takes the queued completions (NULL when none). */
static completion_t *take_queue(reactor_t *r, size_t *n)
{
    pthread_mutex_lock(&r->qlock);
    completion_t *q = r->queue;
    *n = r->qlen;
    r->queue = NULL;
    r->qlen = r->qcap = 0;
    pthread_mutex_unlock(&r->qlock);
    if (*n == 0) {
        free(q);
        return NULL;
    }
    return q;
}

static void drain_completions(reactor_t *r)
{
    uint64_t v;
    if (read(r->evfd, &v, sizeof v) < 0) {
        /* nothing pending */
    }
    size_t n;
    completion_t *q;
    while ((q = take_queue(r, &n)) != NULL) {
        for (size_t i = 0; i < n; i++)
            complete(q[i].req, q[i].resp);
        free(q);
    }
}

void lode_conn_close(lode_conn_t *c)
{
    if (tls_reactor == c->r) {
        c->close_requested = true;
        if (!c->closed && unsent(c) == 0)
            conn_close(c);
        else
            update_interest(c);
        return;
    }
    /* From another thread: only flag it; the reactor notices on its next
     * pass over the connection (reads stop at once through update_interest
     * on the next event). */
    __atomic_store_n(&c->close_requested, true, __ATOMIC_RELEASE);
}

const char *lode_conn_peer(const lode_conn_t *c)
{
    return c->peer;
}
const char *lode_conn_listener(const lode_conn_t *c)
{
    return c->listener;
}
void *lode_conn_user(const lode_conn_t *c)
{
    return c->user;
}
void lode_conn_set_user(lode_conn_t *c, void *user)
{
    c->user = user;
}

/* ---- reading ------------------------------------------------------------ */

static void dispatch(lode_conn_t *c, uint8_t *frame, size_t len)
{
    lode_req_t *req = lode_xmalloc(sizeof *req);
    req->conn = c;
    req->seq = c->next_seq++;
    req->frame = frame;
    req->len = len;
    req->received_ns = mono_ns();
    slot_t *sl = &c->slots[req->seq % c->nslots];
    sl->resp = NULL;
    sl->done = false;
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
    c->r->net->cfg.on_request(c->r->net->cfg.arg, req);
}

/* A complete frame: dispatched now if a slot is free and nothing older waits,
 * else held (invariant 1 needs a free slot per dispatched request). */
static void frame_complete(lode_conn_t *c)
{
    uint8_t *frame = c->frame;
    size_t len = c->frame_len;
    c->frame = NULL;
    c->in_frame = false;
    c->hdr_got = 0;
    if (!c->held && unsent(c) < c->nslots) {
        dispatch(c, frame, len);
        return;
    }
    held_t *h = lode_xmalloc(sizeof *h);
    h->next = NULL;
    h->frame = frame;
    h->len = len;
    if (c->held_tail)
        c->held_tail->next = h;
    else
        c->held = h;
    c->held_tail = h;
}

/* Dispatches held requests while slots are free. */
static void dispatch_held(lode_conn_t *c)
{
    if (c->dispatching_held)
        return;
    c->dispatching_held = true;
    while (!c->closed && c->held && unsent(c) < c->nslots) {
        held_t *h = c->held;
        c->held = h->next;
        if (!c->held)
            c->held_tail = NULL;
        uint8_t *frame = h->frame;
        size_t len = h->len;
        free(h);
        dispatch(c, frame, len);
    }
    c->dispatching_held = false;
}

/* Consumes bytes read into staging; dispatches complete frames. Returns
 * false when the connection was closed. */
static bool consume(lode_conn_t *c, const uint8_t *p, size_t n)
{
    size_t max = c->r->net->cfg.max_request_bytes;
    while (n > 0 && !c->closed) {
        if (!c->in_frame) {
            size_t take = 4 - c->hdr_got < n ? 4 - c->hdr_got : n;
            memcpy(c->hdr + c->hdr_got, p, take);
            c->hdr_got += take;
            p += take;
            n -= take;
            if (c->hdr_got < 4)
                break;
            int32_t size = (int32_t)lode_be32_load(c->hdr);
            if (size < 0 || (size_t)size > max) {
                LODE_LOG_WARN("net",
                              "closing connection from %s: request size %d outside [0, %zu] "
                              "(socket.request.max.bytes)",
                              c->peer, size, max);
                conn_close(c);
                return false;
            }
            c->frame_len = (size_t)size;
            c->frame_got = 0;
            c->frame = frame_alloc(c->r, c->frame_len);
            c->in_frame = true;
        }
        size_t take = c->frame_len - c->frame_got < n ? c->frame_len - c->frame_got : n;
        memcpy(c->frame + c->frame_got, p, take);
        c->frame_got += take;
        p += take;
        n -= take;
        if (c->frame_got == c->frame_len) {
            frame_complete(c);
            if (c->closed)
                return false;
        }
    }
    return !c->closed;
}

static void on_readable(lode_conn_t *c)
{
    reactor_t *r = c->r;
    for (int rounds = 0; rounds < 16 && !c->closed; rounds++) {
        if (!(c->events & EPOLLIN))
            break;
        ssize_t got;
        if (c->in_frame && c->frame_len - c->frame_got >= DIRECT_READ_MIN) {
            got = read(c->fd, c->frame + c->frame_got, c->frame_len - c->frame_got);
            if (got > 0) {
                c->frame_got += (size_t)got;
                if (c->frame_got == c->frame_len)
                    frame_complete(c);
            }
        } else {
            got = read(c->fd, r->staging, STAGING_BYTES);
            if (got > 0 && !consume(c, r->staging, (size_t)got))
                return;
        }
        if (got == 0) {
            conn_close(c);
            return;
        }
        if (got < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_close(c);
            break;
        }
        c->last_active_ms = mono_ms();
        if (c->closed)
            return;
        update_interest(c);
    }
    if (!c->closed)
        update_interest(c);
}

/* ---- accepting ---------------------------------------------------------- */

static void on_accept(reactor_t *r, int lfd, int listener_index)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EMFILE || errno == ENFILE)
                LODE_LOG_WARN("net", "accept: out of file descriptors (%s)", strerror(errno));
            return;
        }
        lode_net_t *n = r->net;
        size_t now = __atomic_add_fetch(&n->nconns, 1, __ATOMIC_RELAXED);
        if (n->cfg.max_connections && now > n->cfg.max_connections) {
            __atomic_sub_fetch(&n->nconns, 1, __ATOMIC_RELAXED);
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        lode_conn_t *c = lode_xcalloc(1, sizeof *c);
        c->fd = fd;
        c->r = r;
        c->refs = 1;
        c->listener = n->listener_names[listener_index];
        c->nslots = n->cfg.max_inflight;
        c->slots = lode_xcalloc(c->nslots, sizeof *c->slots);
        c->part = -2;
        c->last_active_ms = mono_ms();
        char host[INET6_ADDRSTRLEN] = "?";
        int port = 0;
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
            port = ntohs(a->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
            port = ntohs(a->sin6_port);
        }
        snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            free(c->slots);
            free(c);
            __atomic_sub_fetch(&n->nconns, 1, __ATOMIC_RELAXED);
            continue;
        }
        c->events = ev.events;
        c->next = r->conns;
        if (r->conns)
            r->conns->prev = c;
        r->conns = c;
        r->nconns++;
    }
}

/* ---- the loop ----------------------------------------------------------- */

/* Tags for the epoll data of non-connection fds. */
#define TAG_EVENTFD ((void *)1)
#define TAG_LISTEN_BASE 16

static void reap_idle(reactor_t *r, int64_t now)
{
    int64_t idle = r->net->cfg.idle_ms;
    lode_conn_t *c = r->conns;
    while (c) {
        lode_conn_t *next = c->next;
        if (__atomic_load_n(&c->close_requested, __ATOMIC_ACQUIRE) && unsent(c) == 0)
            conn_close(c);
        else if (idle > 0 && unsent(c) == 0 && now - c->last_active_ms > idle)
            conn_close(c);
        c = next;
    }
}

static bool all_quiet(reactor_t *r)
{
    for (lode_conn_t *c = r->conns; c; c = c->next)
        if (unsent(c) > 0)
            return false;
    return true;
}

/* The connection an epoll event is for, or NULL for the eventfd and listeners. */
static lode_conn_t *event_conn(const lode_net_t *n, void *tag)
{
    uintptr_t t = (uintptr_t)tag;
    if (tag == TAG_EVENTFD ||
        (t >= TAG_LISTEN_BASE && t < TAG_LISTEN_BASE + (uintptr_t)n->cfg.n_listeners))
        return NULL;
    return tag;
}

static void *reactor_main(void *arg)
{
    reactor_t *r = arg;
    tls_reactor = r;
    lode_net_t *n = r->net;
    struct epoll_event evs[256];
    bool listeners_closed = false;
    for (;;) {
        int k = epoll_wait(r->epfd, evs, 256, 200);
        /* Every connection in the batch is alive now (a closed one has left epoll). Handling
         * one event may close and release another's connection (a completion drained, a
         * send error), so the batch holds a reference on each until it is done. */
        for (int i = 0; i < k; i++) {
            lode_conn_t *c = event_conn(n, evs[i].data.ptr);
            if (c)
                __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
        }
        for (int i = 0; i < k; i++) {
            void *tag = evs[i].data.ptr;
            if (tag == TAG_EVENTFD) {
                drain_completions(r);
                continue;
            }
            uintptr_t t = (uintptr_t)tag;
            if (t >= TAG_LISTEN_BASE && t < TAG_LISTEN_BASE + (uintptr_t)n->cfg.n_listeners) {
                int li = (int)(t - TAG_LISTEN_BASE);
                if (r->listen_fds[li] >= 0)
                    on_accept(r, r->listen_fds[li], li);
                continue;
            }
            lode_conn_t *c = tag;
            if (c->closed)
                continue;
            if (evs[i].events & (EPOLLERR | EPOLLHUP))
                conn_close(c);
            if (!c->closed && (evs[i].events & EPOLLOUT))
                try_send(c);
            if (!c->closed && (evs[i].events & (EPOLLIN | EPOLLRDHUP)))
                on_readable(c);
        }
        for (int i = 0; i < k; i++) {
            lode_conn_t *c = event_conn(n, evs[i].data.ptr);
            if (c)
                conn_unref(c);
        }
        int64_t now = mono_ms();
        bool stopping = __atomic_load_n(&n->stopping, __ATOMIC_ACQUIRE);
        if (stopping && !listeners_closed) {
            for (int li = 0; li < n->cfg.n_listeners; li++) {
                if (r->listen_fds[li] >= 0) {
                    epoll_ctl(r->epfd, EPOLL_CTL_DEL, r->listen_fds[li], NULL);
                    close(r->listen_fds[li]);
                    r->listen_fds[li] = -1;
                }
            }
            listeners_closed = true;
            for (lode_conn_t *c = r->conns; c; c = c->next)
                update_interest(c); /* stop reading */
        }
        if (stopping && (all_quiet(r) || now >= n->drain_deadline_ms))
            break;
        if (now - r->last_reap_ms >= 1000 || k == 0) {
            r->last_reap_ms = now;
            reap_idle(r, now);
            frame_cache_trim(r);
        }
    }
    while (r->conns)
        conn_close(r->conns);
    pthread_mutex_lock(&r->qlock);
    r->dead = true;
    pthread_mutex_unlock(&r->qlock);
    /* Late completions that raced with the exit. */
    tls_reactor = NULL;
    size_t qn;
    completion_t *q;
    while ((q = take_queue(r, &qn)) != NULL) {
        for (size_t i = 0; i < qn; i++) {
            lode_resp_free(q[i].resp);
            lode_conn_t *c = q[i].req->conn;
            frame_free(NULL, q[i].req->frame);
            free(q[i].req);
            conn_unref(c);
        }
        free(q);
    }
    return NULL;
}

/* ---- start / stop ------------------------------------------------------- */

static int bind_listener(const lode_listener_spec_t *spec, int port, int *out_fd, int *out_port)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    const char *host = spec->host && spec->host[0] ? spec->host : NULL;
    if (getaddrinfo(host, portstr, &hints, &res) != 0 || !res) {
        errno = EADDRNOTAVAIL;
        return LODE_EIO;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(res);
        return LODE_EIO;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        int saved = errno;
        close(fd);
        freeaddrinfo(res);
        errno = saved;
        return LODE_EIO;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *out_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                              : ((struct sockaddr_in6 *)&ss)->sin6_port);
    *out_fd = fd;
    return 0;
}

int lode_net_start(const lode_net_config_t *cfg, lode_net_t **out)
{
    if (cfg->threads < 1 || !cfg->on_request || cfg->max_inflight < 1)
        return LODE_EINVAL;
    lode_net_t *n = lode_xcalloc(1, sizeof *n);
    n->cfg = *cfg;
    n->nreactors = cfg->threads;
    n->reactors = lode_xcalloc((size_t)n->nreactors, sizeof *n->reactors);
    n->ports = lode_xcalloc((size_t)(cfg->n_listeners ? cfg->n_listeners : 1), sizeof *n->ports);
    n->listener_names =
        lode_xcalloc((size_t)(cfg->n_listeners ? cfg->n_listeners : 1), sizeof *n->listener_names);
    for (int li = 0; li < cfg->n_listeners; li++)
        n->listener_names[li] =
            lode_xstrdup(cfg->listeners[li].name ? cfg->listeners[li].name : "PLAINTEXT");
    n->cfg.listeners = NULL;
    int rc = 0;
    for (int i = 0; i < n->nreactors && rc == 0; i++) {
        reactor_t *r = &n->reactors[i];
        r->net = n;
        r->index = i;
        r->epfd = epoll_create1(EPOLL_CLOEXEC);
        r->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        r->staging = lode_xmalloc(STAGING_BYTES);
        pthread_mutex_init(&r->qlock, NULL);
        r->listen_fds =
            lode_xcalloc((size_t)(cfg->n_listeners ? cfg->n_listeners : 1), sizeof(int));
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = TAG_EVENTFD};
        epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->evfd, &ev);
        for (int li = 0; li < cfg->n_listeners; li++) {
            int port = i == 0 ? cfg->listeners[li].port : n->ports[li];
            int bound;
            rc = bind_listener(&cfg->listeners[li], port, &r->listen_fds[li], &bound);
            if (rc) {
                r->listen_fds[li] = -1;
                break;
            }
            n->ports[li] = bound;
            struct epoll_event lev = {.events = EPOLLIN,
                                      .data.ptr = (void *)(uintptr_t)(TAG_LISTEN_BASE + li)};
            epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->listen_fds[li], &lev);
        }
    }
    for (int i = 0; i < n->nreactors && rc == 0; i++)
        if (pthread_create(&n->reactors[i].thread, NULL, reactor_main, &n->reactors[i]) != 0)
            rc = LODE_ENOMEM;
    if (rc) {
        int saved = errno;
        /* Nothing started (a thread start failure leaves earlier ones running
         * only in theory: pthread_create fails before any thread on limits). */
        for (int i = 0; i < n->nreactors; i++) {
            reactor_t *r = &n->reactors[i];
            for (int li = 0; li < cfg->n_listeners; li++)
                if (r->listen_fds && r->listen_fds[li] > 0)
                    close(r->listen_fds[li]);
        }
        n->nreactors = 0;
        lode_net_free(n);
        errno = saved;
        return rc;
    }
    *out = n;
    return 0;
}

int lode_net_listener_port(lode_net_t *n, int i)
{
    return n->ports[i];
}

size_t lode_net_connection_count(lode_net_t *n)
{
    return __atomic_load_n(&n->nconns, __ATOMIC_RELAXED);
}

void lode_net_stop(lode_net_t *n, int64_t drain_ms)
{
    n->drain_deadline_ms = mono_ms() + drain_ms;
    __atomic_store_n(&n->stopping, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < n->nreactors; i++) {
        uint64_t one = 1;
        if (write(n->reactors[i].evfd, &one, sizeof one) < 0) {
            /* a wakeup is already pending */
        }
    }
    for (int i = 0; i < n->nreactors; i++)
        pthread_join(n->reactors[i].thread, NULL);
}

void lode_net_free(lode_net_t *n)
{
    for (int i = 0; i < n->nreactors; i++) {
        reactor_t *r = &n->reactors[i];
        close(r->epfd);
        close(r->evfd);
        free(r->staging);
        for (int k = 0; k < FRAME_NCLASSES; k++)
            for (int j = 0; j < r->frame_cached[k]; j++)
                free(r->frame_cache[k][j]);
        free(r->listen_fds);
        free(r->queue);
        pthread_mutex_destroy(&r->qlock);
    }
    for (int li = 0; li < n->cfg.n_listeners; li++)
        free(n->listener_names[li]);
    free(n->listener_names);
    free(n->ports);
    free(n->reactors);
    free(n);
}
