/* The network layer over real loopback TCP: framing, ordering, async and
 * empty responses, sendfile parts, limits, backpressure, idle reaping, stop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "net/net.h"
#include "test.h"

/* ---- a tiny blocking client --------------------------------------------- */

static int client_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        REQUIRE(w > 0);
        b += w;
        n -= (size_t)w;
    }
}

static void send_frame(int fd, const void *p, uint32_t n)
{
    uint8_t h[4];
    lode_be32_store(h, n);
    send_all(fd, h, 4);
    send_all(fd, p, n);
}

static bool recv_all(int fd, void *p, size_t n)
{
    uint8_t *b = p;
    while (n > 0) {
        ssize_t r = read(fd, b, n);
        if (r <= 0)
            return false;
        b += r;
        n -= (size_t)r;
    }
    return true;
}

/* Reads one response; returns its length (-1 on EOF) and fills buf. */
static long recv_frame(int fd, uint8_t *buf, size_t cap)
{
    uint8_t h[4];
    if (!recv_all(fd, h, 4))
        return -1;
    uint32_t n = lode_be32_load(h);
    REQUIRE(n <= cap);
    REQUIRE(recv_all(fd, buf, n));
    return (long)n;
}

static bool peer_closed(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0)
        return false;
    uint8_t b;
    return read(fd, &b, 1) == 0;
}

/* ---- handlers ----------------------------------------------------------- */

/* Echo: responds with the frame; a frame starting with 'Z' gets no response
 * (acks=0); 'F' gets head + file part + buffer part. */
static int file_fd = -1;

static void echo(void *arg, lode_req_t *req)
{
    (void)arg;
    if (req->len > 0 && req->frame[0] == 'Z') {
        lode_req_respond(req, NULL);
        return;
    }
    lode_resp_t *r = lode_resp_new();
    if (req->len > 0 && req->frame[0] == 'F') {
        lode_buf_put(lode_resp_head(r), "head:", 5);
        lode_resp_add_file(r, file_fd, 3, 10, NULL, NULL);
        lode_buf_put(lode_resp_add_buf(r), ":tail", 5);
    } else {
        lode_buf_put(lode_resp_head(r), req->frame, req->len);
    }
    lode_req_respond(req, r);
}

static lode_net_t *start(lode_request_fn fn, void *arg, size_t inflight, int64_t idle_ms, int *port)
{
    lode_net_config_t c;
    lode_net_config_defaults(&c);
    lode_listener_spec_t l = {"PLAINTEXT", "127.0.0.1", 0};
    c.listeners = &l;
    c.n_listeners = 1;
    c.on_request = fn;
    c.arg = arg;
    c.max_request_bytes = 1 << 20;
    c.max_inflight = inflight;
    c.idle_ms = idle_ms;
    lode_net_t *n;
    REQUIRE(lode_net_start(&c, &n) == 0);
    *port = lode_net_listener_port(n, 0);
    return n;
}

TEST(net_pipelined_echo_in_order_with_empty_and_file_responses)
{
    char path[512];
    snprintf(path, sizeof path, "%s/file", lode_test_tmpdir());
    file_fd = open(path, O_RDWR | O_CREAT, 0644);
    REQUIRE(write(file_fd, "0123456789abcdefghij", 20) == 20);
    int port;
    lode_net_t *n = start(echo, NULL, 8, 60000, &port);
    int fd = client_connect(port);
    /* 200 pipelined requests; every 7th gets no response */
    for (int i = 0; i < 200; i++) {
        char msg[32];
        int l = snprintf(msg, sizeof msg, "%c-%d", i % 7 == 0 ? 'Z' : 'r', i);
        send_frame(fd, msg, (uint32_t)l);
    }
    send_frame(fd, "F", 1);
    uint8_t buf[256];
    for (int i = 0; i < 200; i++) {
        if (i % 7 == 0)
            continue;
        long l = recv_frame(fd, buf, sizeof buf);
        char want[32];
        int wl = snprintf(want, sizeof want, "r-%d", i);
        REQUIRE(l == wl && !memcmp(buf, want, (size_t)wl));
    }
    long l = recv_frame(fd, buf, sizeof buf);
    REQUIRE(l == 20);
    CHECK_MEMEQ(buf, "head:3456789abc:tail", 20);
    close(fd);
    lode_net_stop(n, 1000);
    lode_net_free(n);
    close(file_fd);
}

/* Frames of every size class, small and big, pipelined and in turn: the
 * reactor reuses freed big frames, so each echo must carry exactly its own
 * bytes, never those of an earlier, longer frame in the same memory. */
TEST(net_reused_frames_carry_only_their_own_bytes)
{
    int port;
    lode_net_t *n = start(echo, NULL, 8, 60000, &port);
    int fd = client_connect(port);
    static const uint32_t sizes[] = {1 << 20, 16384, 16385, 100000, 5000, 65536, 1 << 20, 300000};
    size_t nsizes = sizeof sizes / sizeof sizes[0];
    uint8_t *out = malloc(1 << 20), *in = malloc(1 << 20);
    for (int round = 0; round < 3; round++) {
        /* round 0 and 2: one at a time; round 1: all pipelined */
        for (size_t i = 0; i < nsizes; i++) {
            for (uint32_t k = 0; k < sizes[i]; k++)
                out[k] = (uint8_t)(k * 7 + i + (size_t)round * 31);
            out[0] = 'r';
            send_frame(fd, out, sizes[i]);
            if (round == 1)
                continue;
            REQUIRE(recv_frame(fd, in, 1 << 20) == (long)sizes[i]);
            CHECK_MEMEQ(in, out, sizes[i]);
        }
        for (size_t i = 0; round == 1 && i < nsizes; i++) {
            for (uint32_t k = 0; k < sizes[i]; k++)
                out[k] = (uint8_t)(k * 7 + i + (size_t)round * 31);
            out[0] = 'r';
            REQUIRE(recv_frame(fd, in, 1 << 20) == (long)sizes[i]);
            CHECK_MEMEQ(in, out, sizes[i]);
        }
    }
    free(out);
    free(in);
    close(fd);
    lode_net_stop(n, 1000);
    lode_net_free(n);
}

/* A file part that cannot be sent (the file is gone) closes that connection
 * only; the reactor stays healthy. */
static void bad_file(void *arg, lode_req_t *req)
{
    (void)arg;
    lode_resp_t *r = lode_resp_new();
    lode_buf_put(lode_resp_head(r), "x", 1);
    lode_resp_add_file(r, -1, 0, 10, NULL, NULL);
    lode_req_respond(req, r);
}

TEST(net_send_error_closes_only_that_connection)
{
    int port;
    lode_net_t *n = start(bad_file, NULL, 8, 60000, &port);
    int a = client_connect(port), b = client_connect(port);
    send_frame(a, "q", 1);
    /* The size prefix and head may arrive; then the server closes. */
    uint8_t buf[64];
    ssize_t r;
    while ((r = read(a, buf, sizeof buf)) > 0)
        ;
    CHECK_EQ(r, 0);
    close(a);
    for (int i = 0; i < 500 && lode_net_connection_count(n) != 1; i++)
        usleep(10000);
    CHECK_EQ(lode_net_connection_count(n), 1);
    close(b);
    lode_net_stop(n, 1000);
    lode_net_free(n);
}

/* Async: requests are answered from another thread in reverse batches. */
typedef struct async_ctx {
    pthread_mutex_t lock;
    lode_req_t *reqs[64];
    int n;
} async_ctx_t;

static void hold(void *arg, lode_req_t *req)
{
    async_ctx_t *a = arg;
    pthread_mutex_lock(&a->lock);
    a->reqs[a->n++] = req;
    pthread_mutex_unlock(&a->lock);
}

static void *answer_reversed(void *arg)
{
    async_ctx_t *a = arg;
    int answered = 0;
    while (answered < 40) {
        pthread_mutex_lock(&a->lock);
        int n = a->n;
        lode_req_t *batch[64];
        memcpy(batch, a->reqs, (size_t)n * sizeof *batch);
        a->n = 0;
        pthread_mutex_unlock(&a->lock);
        for (int i = n - 1; i >= 0; i--) {
            lode_resp_t *r = lode_resp_new();
            lode_buf_put(lode_resp_head(r), batch[i]->frame, batch[i]->len);
            lode_req_respond(batch[i], r);
        }
        answered += n;
        usleep(1000);
    }
    return NULL;
}

TEST(net_async_out_of_order_answers_go_out_in_order_with_backpressure)
{
    async_ctx_t a = {PTHREAD_MUTEX_INITIALIZER, {0}, 0};
    int port;
    lode_net_t *n = start(hold, &a, 3, 60000, &port); /* only 3 in flight */
    pthread_t th;
    pthread_create(&th, NULL, answer_reversed, &a);
    int fd = client_connect(port);
    for (int i = 0; i < 40; i++) {
        char msg[16];
        int l = snprintf(msg, sizeof msg, "m%d", i);
        send_frame(fd, msg, (uint32_t)l);
    }
    uint8_t buf[64];
    for (int i = 0; i < 40; i++) {
        long l = recv_frame(fd, buf, sizeof buf);
        char want[16];
        int wl = snprintf(want, sizeof want, "m%d", i);
        REQUIRE(l == wl && !memcmp(buf, want, (size_t)wl));
    }
    pthread_join(th, NULL);
    close(fd);
    lode_net_stop(n, 1000);
    lode_net_free(n);
}

TEST(net_rejects_bad_sizes_and_reaps_idle)
{
    int port;
    lode_net_t *n = start(echo, NULL, 8, 300, &port);
    int fd = client_connect(port);
    uint8_t h[4];
    lode_be32_store(h, (1u << 20) + 1); /* > max_request_bytes */
    send_all(fd, h, 4);
    CHECK(peer_closed(fd, 5000));
    close(fd);
    fd = client_connect(port);
    lode_be32_store(h, 0xffffffffu); /* negative */
    send_all(fd, h, 4);
    CHECK(peer_closed(fd, 5000));
    close(fd);
    /* idle: closed by the server after ~300 ms; an active one is not */
    fd = client_connect(port);
    send_frame(fd, "hi", 2);
    uint8_t buf[8];
    CHECK_EQ(recv_frame(fd, buf, sizeof buf), 2);
    CHECK(peer_closed(fd, 5000));
    close(fd);
    for (int i = 0; i < 500 && lode_net_connection_count(n) != 0; i++)
        usleep(10000);
    CHECK_EQ(lode_net_connection_count(n), 0);
    lode_net_stop(n, 1000);
    lode_net_free(n);
}

typedef struct late_ctx {
    lode_req_t *req;
    int got;
} late_ctx_t;

static void keep(void *arg, lode_req_t *req)
{
    late_ctx_t *l = arg;
    __atomic_store_n(&l->req, req, __ATOMIC_RELEASE);
}

static void *answer_late(void *arg)
{
    late_ctx_t *l = arg;
    usleep(200000);
    lode_resp_t *r = lode_resp_new();
    lode_buf_put(lode_resp_head(r), "late", 4);
    lode_req_respond(__atomic_load_n(&l->req, __ATOMIC_ACQUIRE), r);
    return NULL;
}

TEST(net_stop_drains_requests_in_flight)
{
    late_ctx_t l = {0};
    int port;
    lode_net_t *n = start(keep, &l, 8, 60000, &port);
    int fd = client_connect(port);
    send_frame(fd, "q", 1);
    while (!__atomic_load_n(&l.req, __ATOMIC_ACQUIRE))
        usleep(1000);
    pthread_t th;
    pthread_create(&th, NULL, answer_late, &l);
    lode_net_stop(n, 5000); /* returns once the late answer went out */
    uint8_t buf[8];
    CHECK_EQ(recv_frame(fd, buf, sizeof buf), 4);
    CHECK(peer_closed(fd, 5000));
    pthread_join(th, NULL);
    lode_net_free(n);
    close(fd);
}

/* Plain echo, whatever the bytes. */
static void echo_all(void *arg, lode_req_t *req)
{
    (void)arg;
    lode_resp_t *r = lode_resp_new();
    lode_buf_put(lode_resp_head(r), req->frame, req->len);
    lode_req_respond(req, r);
}

TEST(net_many_connections)
{
    int port;
    lode_net_t *n = start(echo_all, NULL, 8, 60000, &port);
    enum { N = 500 };
    int fds[N];
    for (int i = 0; i < N; i++)
        fds[i] = client_connect(port);
    for (int i = 0; i < N; i++)
        send_frame(fds[i], &i, sizeof i);
    for (int i = 0; i < N; i++) {
        int v;
        REQUIRE(recv_frame(fds[i], (uint8_t *)&v, sizeof v) == sizeof v && v == i);
    }
    CHECK_EQ(lode_net_connection_count(n), N);
    for (int i = 0; i < N; i++)
        close(fds[i]);
    lode_net_stop(n, 1000);
    lode_net_free(n);
}
