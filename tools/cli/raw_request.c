/*
 * raw_request.c — one request over a plain TCP socket (see raw_request.h).
 */
#include "raw_request.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/mem.h"
#include "proto/header.h"

#define MAX_RESPONSE (64 << 20)

/* Waits for fd to be ready for `events`; false on timeout or error. */
static bool wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int r;
    do
        r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    return r == 1 && !(p.revents & (POLLERR | POLLNVAL));
}

/* A non-blocking socket connected to host:port, or -1. */
static int dial(const char *host, const char *port, int timeout_ms)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int err = 0;
        socklen_t len = sizeof err;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 &&
            (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, timeout_ms) ||
             getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

/* Sends (or receives) exactly n bytes, waiting at most timeout_ms for each step. */
static bool io_all(int fd, uint8_t *p, size_t n, bool sending, int timeout_ms)
{
    while (n > 0) {
        ssize_t k = sending ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
        } else if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_fd(fd, sending ? POLLOUT : POLLIN, timeout_ms))
                return false;
        } else {
            return false;
        }
    }
    return true;
}

/* Sends the framed request on fd and reads the response frame into *frame (malloc'd). */
static bool exchange(int fd, int timeout_ms, const lode_buf_t *req, uint8_t **frame, size_t *len)
{
    uint8_t size[4];
    if (!io_all(fd, req->data, req->len, true, timeout_ms) ||
        !io_all(fd, size, 4, false, timeout_ms))
        return false;
    uint32_t n = lode_be32_load(size);
    if (n > MAX_RESPONSE)
        return false;
    *frame = lode_xmalloc(n ? n : 1);
    *len = n;
    if (!io_all(fd, *frame, n, false, timeout_ms)) {
        free(*frame);
        return false;
    }
    return true;
}

/* Splits one bootstrap entry into host and port (in place). */
static bool split_hostport(char *entry, char **host, char **port)
{
    char *s = strstr(entry, "://");
    s = s ? s + 3 : entry;
    while (*s == ' ')
        s++;
    char *colon;
    if (*s == '[') {
        char *end = strchr(s, ']');
        if (!end || end[1] != ':')
            return false;
        *end = '\0';
        *host = s + 1;
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return false;
        *colon = '\0';
        *host = s;
    }
    *port = colon + 1;
    return **host && **port;
}

bool cli_raw_possible(rd_kafka_t *rk, char *boot, size_t cap)
{
    char proto[64] = "plaintext";
    size_t len = sizeof proto;
    rd_kafka_conf_get(rd_kafka_conf(rk), "security.protocol", proto, &len);
    len = cap;
    return strcasecmp(proto, "plaintext") == 0 &&
           rd_kafka_conf_get(rd_kafka_conf(rk), "bootstrap.servers", boot, &len) ==
               RD_KAFKA_CONF_OK;
}

int cli_raw_request(const char *bootstrap, int timeout_ms, int16_t api_key, int16_t version,
                    const lode_buf_t *body, uint8_t **frame, lode_reader_t *r)
{
    lode_buf_t req = LODE_BUF_INIT;
    lode_buf_put_i32(&req, 0); /* the frame size, filled in below */
    lode_str_t client = lode_str_lit("lode-cli");
    if (lode_req_header_write(&req, api_key, version, 1, &client) != 0) {
        lode_buf_free(&req);
        return -1;
    }
    lode_buf_put(&req, body->data, body->len);
    lode_be32_store(req.data, (uint32_t)(req.len - 4));
    char *list = lode_xstrdup(bootstrap), *save = NULL;
    int rc = -1;
    for (char *e = strtok_r(list, ",", &save); e && rc < 0; e = strtok_r(NULL, ",", &save)) {
        char *host, *port;
        if (!split_hostport(e, &host, &port))
            continue;
        int fd = dial(host, port, timeout_ms);
        if (fd < 0)
            continue;
        size_t len;
        if (exchange(fd, timeout_ms, &req, frame, &len)) {
            int32_t corr;
            lode_reader_init(r, *frame, len);
            if (lode_resp_header_parse(r, lode_response_header_version(api_key, version), &corr) ==
                    0 &&
                corr == 1)
                rc = 0;
            else
                free(*frame);
        }
        close(fd);
    }
    free(list);
    lode_buf_free(&req);
    return rc;
}
