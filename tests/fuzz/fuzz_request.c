/*
 * libFuzzer target: a request frame as the broker receives it. The header is
 * parsed; if the API and version are known, the body is decoded with the
 * generated codec of that API. A decoded body is re-encoded and decoded
 * again: both decodes must agree on the encoded size (the codec is a
 * function of the message, not of the input's slack).
 *
 * Also exercises every generated message type directly: the first byte picks
 * a type, the second a version.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/gen/api_table.h"
#include "proto/header.h"

static void roundtrip(const lode_msg_type_t *t, int16_t v, const uint8_t *p, size_t n)
{
    lode_arena_t a;
    lode_arena_init(&a, 4096);
    void *m = lode_arena_calloc(&a, 1, t->size);
    lode_reader_t r;
    lode_reader_init(&r, p, n);
    if (t->decode(m, v, &r, &a) == 0) {
        lode_buf_t out = LODE_BUF_INIT;
        if (t->encode(m, v, &out) == 0) {
            if (t->size_of(m, v) != out.len)
                abort();
            void *m2 = lode_arena_calloc(&a, 1, t->size);
            lode_reader_init(&r, out.data, out.len);
            if (t->decode(m2, v, &r, &a) != 0 || lode_reader_remaining(&r) != 0)
                abort();
            lode_buf_t out2 = LODE_BUF_INIT;
            if (t->encode(m2, v, &out2) != 0 || out2.len != out.len ||
                memcmp(out2.data, out.data, out.len) != 0)
                abort();
            lode_buf_free(&out2);
        }
        lode_buf_free(&out);
    }
    lode_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    if (data[0] & 1) {
        /* a whole request frame */
        lode_arena_t a;
        lode_arena_init(&a, 4096);
        lode_reader_t r;
        lode_reader_init(&r, data + 1, size - 1);
        lode_req_header_t h;
        int rc = lode_req_header_parse(&r, &h, &a);
        lode_arena_free(&a);
        if (rc == 0) {
            const lode_api_info_t *api = lode_api_info(h.api_key);
            roundtrip(api->request, h.api_version, data + 1 + r.pos, size - 1 - r.pos);
        }
        return 0;
    }
    const lode_msg_type_t *t = lode_msg_types[(data[0] >> 1) % lode_msg_types_count];
    int16_t span = (int16_t)(t->max_version - t->min_version + 1);
    int16_t v = (int16_t)(t->min_version + data[1] % span);
    roundtrip(t, v, data + 2, size - 2);
    return 0;
}
