/*
 * libFuzzer target for the generated codecs.
 *
 * First byte odd: the rest is a request frame as the broker receives it. The
 * header is parsed; if the API and version are known, the body is decoded
 * with that API's request codec.
 * First byte even: bytes 0-1 pick any generated message type (requests,
 * responses, headers, metadata and coordinator records), byte 2 a version,
 * and the rest is decoded as that type.
 *
 * Whatever decodes must re-encode (a decoded message is always encodable),
 * to exactly the size Foo_size predicted, and that encoding must decode
 * again, consuming every byte, and re-encode to the same bytes (the encoding
 * is a function of the message, not of the input's slack).
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
        if (t->encode(m, v, &out) != 0)
            abort();
        if (t->size_of(m, v) != out.len)
            abort();
        void *m2 = lode_arena_calloc(&a, 1, t->size);
        lode_reader_init(&r, out.data, out.len);
        if (t->decode(m2, v, &r, &a) != 0 || lode_reader_remaining(&r) != 0)
            abort();
        lode_buf_t out2 = LODE_BUF_INIT;
        if (t->encode(m2, v, &out2) != 0 || out2.len != out.len ||
            (out.len && memcmp(out2.data, out.data, out.len) != 0))
            abort();
        lode_buf_free(&out2);
        lode_buf_free(&out);
    }
    lode_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    if (data[0] & 1) {
        lode_arena_t a;
        lode_arena_init(&a, 4096);
        lode_reader_t r;
        lode_reader_init(&r, data + 1, size - 1);
        lode_req_header_t h;
        int rc = lode_req_header_parse(&r, &h, &a);
        lode_arena_free(&a);
        if (rc == 0) {
            const lode_api_info_t *api = lode_api_info(h.api_key);
            if (!api)
                abort(); /* the parser accepted an unknown API */
            roundtrip(api->request, h.api_version, data + 1 + r.pos, size - 1 - r.pos);
        }
        return 0;
    }
    size_t pick = ((size_t)data[0] >> 1) | (size_t)data[1] << 7;
    const lode_msg_type_t *t = lode_msg_types[pick % lode_msg_types_count];
    int span = t->max_version - t->min_version + 1;
    int16_t v = (int16_t)(t->min_version + data[2] % span);
    roundtrip(t, v, data + 3, size - 3);
    return 0;
}
