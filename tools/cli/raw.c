/*
 * raw.c — a single request/response exchange over plain TCP (see raw.h).
 */
#include "raw.h"

#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "proto/header.h"

/* A response larger than this is not one these tools ask for. */
#define RAW_MAX_FRAME_BYTES (64u << 20)

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to become writable (connect) or readable within the deadline. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
    int left = (int)(deadline - now_ms());
    struct pollfd pfd = {fd, events, 0};
    return left > 0 && poll(&pfd, 1, left) > 0;
}

static int connect_to(const char *host, int port, int64_t deadline)
{
    char sport[16];
    snprintf(sport, sizeof sport, "%d", port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, sport, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0)
            continue;
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 &&
            (!wait_fd(fd, POLLOUT, deadline) ||
             getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0)) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static int io_all(int fd, void *p, size_t n, bool out, int64_t deadline)
{
    uint8_t *b = p;
    while (n > 0) {
        if (!wait_fd(fd, out ? POLLOUT : POLLIN, deadline))
            return -1;
        ssize_t k = out ? send(fd, b, n, MSG_NOSIGNAL) : recv(fd, b, n, 0);
        if (k <= 0)
            return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

int cli_raw_call(const char *host, int port, int16_t api_key, int16_t api_version,
                 const char *client_id, const lode_buf_t *body, int timeout_ms,
                 cli_raw_resp_t *resp, char *err, size_t errlen)
{
    int64_t deadline = now_ms() + timeout_ms;
    memset(resp, 0, sizeof *resp);
    lode_buf_t out = LODE_BUF_INIT;
    lode_buf_put_u32(&out, 0);
    lode_str_t cid = lode_str_c(client_id);
    if (lode_req_header_write(&out, api_key, api_version, 1, &cid) != 0) {
        snprintf(err, errlen, "cannot encode a header for API %d v%d", api_key, api_version);
        lode_buf_free(&out);
        return -1;
    }
    lode_buf_put(&out, body->data, body->len);
    lode_be32_store(out.data, (uint32_t)(out.len - 4));
    int rc = -1;
    uint8_t size[4];
    int fd = connect_to(host, port, deadline);
    if (fd < 0) {
        snprintf(err, errlen, "cannot connect to %s:%d within %d ms", host, port, timeout_ms);
        goto done;
    }
    if (io_all(fd, out.data, out.len, true, deadline) || io_all(fd, size, 4, false, deadline)) {
        snprintf(err, errlen, "no answer from %s:%d within %d ms", host, port, timeout_ms);
        goto done;
    }
    uint32_t n = lode_be32_load(size);
    if (n > RAW_MAX_FRAME_BYTES) {
        snprintf(err, errlen, "answer of %u bytes from %s:%d is too large", n, host, port);
        goto done;
    }
    resp->frame = lode_xmalloc(n ? n : 1);
    if (io_all(fd, resp->frame, n, false, deadline)) {
        snprintf(err, errlen, "truncated answer from %s:%d", host, port);
        goto done;
    }
    lode_reader_init(&resp->body, resp->frame, n);
    int32_t corr;
    if (lode_resp_header_parse(&resp->body, lode_response_header_version(api_key, api_version),
                               &corr) != 0 ||
        corr != 1) {
        snprintf(err, errlen, "malformed answer from %s:%d", host, port);
        goto done;
    }
    rc = 0;
done:
    if (fd >= 0)
        close(fd);
    lode_buf_free(&out);
    if (rc)
        cli_raw_resp_free(resp);
    return rc;
}

void cli_raw_resp_free(cli_raw_resp_t *resp)
{
    free(resp->frame);
    memset(resp, 0, sizeof *resp);
}

int cli_raw_first_bootstrap(const char *bootstrap, char *host, size_t hostcap, int *port)
{
    const char *end = strchr(bootstrap, ',');
    size_t len = end ? (size_t)(end - bootstrap) : strlen(bootstrap);
    const char *colon = memrchr(bootstrap, ':', len);
    if (!colon || colon == bootstrap || (size_t)(colon - bootstrap) >= hostcap)
        return -1;
    char *e;
    long p = strtol(colon + 1, &e, 10);
    if (e != bootstrap + len || p <= 0 || p > 65535)
        return -1;
    memcpy(host, bootstrap, (size_t)(colon - bootstrap));
    host[colon - bootstrap] = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') { /* [::1]:9092 */
        memmove(host, host + 1, strlen(host) - 2);
        host[strlen(host) - 2] = '\0';
    }
    *port = (int)p;
    return 0;
}
