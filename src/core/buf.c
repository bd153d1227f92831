#include "core/buf.h"

#include <stdlib.h>

#include "core/mem.h"

void lode_buf_init(lode_buf_t *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void lode_buf_free(lode_buf_t *b)
{
    free(b->data);
    lode_buf_init(b);
}

void lode_buf__grow(lode_buf_t *b, size_t extra)
{
    size_t need = b->len + extra;
    if (need < b->len)
        lode_oom(SIZE_MAX);
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap * 2 > cap ? cap * 2 : need;
    b->data = lode_xrealloc(b->data, cap);
    b->cap = cap;
}

uint8_t *lode_buf_steal(lode_buf_t *b, size_t *len_out)
{
    uint8_t *p = b->data;
    if (len_out)
        *len_out = b->len;
    lode_buf_init(b);
    return p;
}

uint64_t lode_read_uvar__(lode_reader_t *r, unsigned max_bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < max_bytes; i++) {
        const uint8_t *p = lode_read_raw(r, 1);
        if (!p)
            return 0;
        v |= (uint64_t)(*p & 0x7f) << (7 * i);
        if (!(*p & 0x80)) {
            /* The 10th byte of a 64-bit varint may carry only one bit. */
            if (i == 9 && *p > 1) {
                lode_reader_fail(r, LODE_ECORRUPT);
                return 0;
            }
            return v;
        }
    }
    lode_reader_fail(r, LODE_ECORRUPT);
    return 0;
}
