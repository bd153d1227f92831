/*
 * net_int.h — the network layer's internals (reactor.c, conn.c, resp.c).
 */
#ifndef LODE_NET_NET_INT_H
#define LODE_NET_NET_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "net/net.h"

typedef enum { LODE_PART_MEM, LODE_PART_BUF, LODE_PART_FILE } lode_part_kind_t;

typedef struct lode_resp_part {
    lode_part_kind_t kind;
    const void *data; /* MEM */
    lode_buf_t *buf;  /* BUF */
    int fd;           /* FILE */
    uint64_t position;
    size_t len; /* MEM, FILE */
    void (*free_fn)(void *);
    void (*release)(void *);
    void *release_arg;
} lode_resp_part_t;

struct lode_resp {
    lode_buf_t head; /* the 4-byte size prefix is written in front of it */
    lode_resp_part_t *parts;
    size_t nparts, cap;
};

size_t lode_resp_part_len(const lode_resp_part_t *p);
const uint8_t *lode_resp_part_data(const lode_resp_part_t *p);

#endif
