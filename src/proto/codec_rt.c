/*
 * codec_rt.c — out-of-line parts of the generated codecs' runtime: reading
 * tagged-field sections (cold enough not to inline into 249 messages).
 */
#include "proto/codec_rt.h"

uint32_t lode_read_tag(lode_reader_t *r, lode_reader_t *t)
{
    uint32_t tag = lode_read_uvarint(r);
    uint32_t size = lode_read_uvarint(r);
    const uint8_t *p = lode_read_raw(r, size);
    lode_reader_init(t, p, p ? size : 0);
    if (!p) {
        t->err = r->err;
        return UINT32_MAX;
    }
    return tag;
}

void lode_skip_tags__(lode_reader_t *r)
{
    uint32_t n = lode_read_uvarint(r);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        (void)lode_read_uvarint(r); /* tag */
        lode_read_skip(r, lode_read_uvarint(r));
    }
}
