#include "core/uuid.h"

#include <string.h>
#include <sys/random.h>

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void lode_uuid_to_string(const uint8_t id[16], char out[LODE_UUID_STR_LEN + 1])
{
    int o = 0;
    for (int i = 0; i < 16; i += 3) {
        uint32_t v = (uint32_t)id[i] << 16;
        if (i + 1 < 16)
            v |= (uint32_t)id[i + 1] << 8;
        if (i + 2 < 16)
            v |= id[i + 2];
        out[o++] = B64URL[(v >> 18) & 63];
        out[o++] = B64URL[(v >> 12) & 63];
        if (i + 1 < 16)
            out[o++] = B64URL[(v >> 6) & 63];
        if (i + 2 < 16)
            out[o++] = B64URL[v & 63];
    }
    out[o] = 0;
}

static int b64val(char c)
{
    const char *p = c ? strchr(B64URL, c) : NULL;
    return p ? (int)(p - B64URL) : -1;
}

bool lode_uuid_parse(const char *s, uint8_t out[16])
{
    if (strlen(s) != LODE_UUID_STR_LEN)
        return false;
    uint32_t acc = 0;
    int bits = 0, o = 0;
    for (int i = 0; i < LODE_UUID_STR_LEN; i++) {
        int v = b64val(s[i]);
        if (v < 0)
            return false;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* 22 chars = 132 bits: the last 4 must be zero for a canonical form. */
    return o == 16 && (acc & ((1u << bits) - 1)) == 0;
}

bool lode_uuid_is_zero(const uint8_t id[16])
{
    static const uint8_t zero[16];
    return memcmp(id, zero, 16) == 0;
}

void lode_uuid_random(uint8_t out[16])
{
    for (;;) {
        size_t got = 0;
        while (got < 16) {
            ssize_t n = getrandom(out + got, 16 - got, 0);
            if (n > 0)
                got += (size_t)n;
        }
        /* Version-4 bits, as java.util.UUID.randomUUID sets them. */
        out[6] = (uint8_t)((out[6] & 0x0f) | 0x40);
        out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
        if (!lode_uuid_is_zero(out) && B64URL[out[0] >> 2] != '-')
            return;
    }
}
