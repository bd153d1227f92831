/*
 * net.h — lode's network layer: epoll reactors speaking Kafka's framing
 * (a 4-byte big-endian size, then the request or response).
 *
 * Model:
 *  - `threads` reactors, each with its own epoll set, its own listening
 *    sockets (SO_REUSEPORT: the kernel spreads new connections) and its own
 *    connections. A connection lives on one reactor for its whole life.
 *  - Requests of a connection are dispatched in order on the reactor thread
 *    (on_request). The handler answers now or later, from any thread, with
 *    lode_req_respond(); responses go out in request order (clients pipeline
 *    up to max.in.flight requests and match responses by order).
 *  - Bounds: a request larger than max_request_bytes closes the connection
 *    (Kafka's socket.request.max.bytes); at most max_inflight requests per
 *    connection are dispatched and unanswered, and at most
 *    max_pending_out_bytes of responses are queued, before the reactor stops
 *    reading from that connection (backpressure on clients that pipeline
 *    faster than we answer or read slower than we write).
 *  - Idle connections (nothing in flight, nothing to send) are closed after
 *    idle_ms (connections.max.idle.ms).
 *  - Responses are chains of memory parts and file parts; file parts go out
 *    with sendfile(2) (zero copy from the page cache).
 *
 * Ownership: a request's frame belongs to the request until it is answered;
 * a response belongs to the net layer once passed to lode_req_respond().
 */
#ifndef LODE_NET_NET_H
#define LODE_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

typedef struct lode_net lode_net_t;
typedef struct lode_conn lode_conn_t;
typedef struct lode_resp lode_resp_t;

/* One received request. */
typedef struct lode_req {
    lode_conn_t *conn; /* a reference is held until the request is answered */
    uint64_t seq;      /* position in the connection's request order */
    uint8_t *frame;    /* the request without its size prefix */
    size_t len;
    int64_t received_ns; /* monotonic time the frame was complete */
} lode_req_t;

/* Called on the connection's reactor thread for every complete request, in
 * order. The handler must eventually call lode_req_respond(req, ...) exactly
 * once (with NULL for "no response", e.g. Produce with acks=0). */
typedef void (*lode_request_fn)(void *arg, lode_req_t *req);

typedef struct lode_listener_spec {
    const char *name; /* listener name, e.g. "PLAINTEXT" */
    const char *host; /* address to bind; NULL or "" = all interfaces */
    int port;         /* 0 = an ephemeral port (see lode_net_listener_port) */
} lode_listener_spec_t;

typedef struct lode_net_config {
    int threads;                  /* num.network.threads (>= 1) */
    size_t max_request_bytes;     /* socket.request.max.bytes (104857600) */
    int64_t idle_ms;              /* connections.max.idle.ms (600000) */
    size_t max_connections;       /* across all reactors (0 = unlimited) */
    size_t max_inflight;          /* per connection (default 100) */
    size_t max_pending_out_bytes; /* per connection (default 8 MiB) */
    lode_request_fn on_request;
    void *arg;
    /* Called on the reactor thread when a connection closes (per-connection
     * state cleanup); may be NULL. */
    void (*on_close)(void *arg, lode_conn_t *c);
    const lode_listener_spec_t *listeners;
    int n_listeners;
} lode_net_config_t;

/* Fills the defaults above (no listeners, no handler). */
void lode_net_config_defaults(lode_net_config_t *c);

/* Binds every listener on every reactor and starts the threads. LODE_EIO
 * (errno set) when a bind fails, e.g. the port is taken. */
int lode_net_start(const lode_net_config_t *cfg, lode_net_t **out);

/* The port listener i is bound to (useful with port 0). */
int lode_net_listener_port(lode_net_t *n, int i);

/*
 * Orderly stop: stop accepting and reading, let requests in flight be
 * answered and their responses sent (up to drain_ms), then close every
 * connection and join the threads. Requests answered after this are
 * discarded safely.
 */
void lode_net_stop(lode_net_t *n, int64_t drain_ms);
/* Frees the layer after lode_net_stop, once no request is outstanding (the
 * server completes its delayed operations first). */
void lode_net_free(lode_net_t *n);

/* Live connections now (all reactors). */
size_t lode_net_connection_count(lode_net_t *n);

/* ---- responses ---------------------------------------------------------- */

/* A new, empty response. */
lode_resp_t *lode_resp_new(void);
/* The response's head buffer: bytes appended here go out first, before any
 * part added with lode_resp_add_*. */
lode_buf_t *lode_resp_head(lode_resp_t *r);
/* Appends a memory part; the response takes `data` and calls free_fn(data)
 * when done (free_fn may be NULL for static data). */
void lode_resp_add_mem(lode_resp_t *r, const void *data, size_t len, void (*free_fn)(void *));
/* Appends a file range sent with sendfile(2); release(arg) is called once it
 * is sent or the connection closes (the caller keeps the file open until
 * then, e.g. by holding a segment reference). */
void lode_resp_add_file(lode_resp_t *r, int fd, uint64_t position, size_t len,
                        void (*release)(void *arg), void *arg);
/* Appends a growable buffer part and returns it (filled by the caller
 * before responding): for bytes that follow a file part. */
lode_buf_t *lode_resp_add_buf(lode_resp_t *r);
/* Total bytes of the response (without the size prefix). */
size_t lode_resp_size(const lode_resp_t *r);
/* Frees a response that was never passed to lode_req_respond. */
void lode_resp_free(lode_resp_t *r);

/*
 * Answers a request (any thread). resp NULL sends nothing for it (acks=0)
 * while keeping later responses in order. Frees the request's frame and
 * drops its connection reference; the request must not be used afterwards.
 */
void lode_req_respond(lode_req_t *req, lode_resp_t *resp);

/* ---- connections -------------------------------------------------------- */

/* Asks the reactor to close the connection after the responses already
 * queued are sent (e.g. a malformed request). Any thread. */
void lode_conn_close(lode_conn_t *c);
/* "ip:port" of the peer. */
const char *lode_conn_peer(const lode_conn_t *c);
/* The listener the connection came in on. */
const char *lode_conn_listener(const lode_conn_t *c);
/* A per-connection pointer for the handler (SASL state, client info). */
void *lode_conn_user(const lode_conn_t *c);
void lode_conn_set_user(lode_conn_t *c, void *user);

#endif
