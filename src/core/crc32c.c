#include "core/crc32c.h"

#include <string.h>

#define POLY 0x82f63b78u /* reflected Castagnoli polynomial */

static uint32_t table[8][256];

__attribute__((constructor)) static void crc32c_init_table(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
        table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = table[0][n];
        for (int k = 1; k < 8; k++) {
            c = table[0][c & 0xff] ^ (c >> 8);
            table[k][n] = c;
        }
    }
}

uint32_t lode_crc32c_sw(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    crc = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        len--;
    }
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        w ^= crc;
        crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^
              table[4][(w >> 24) & 0xff] ^ table[3][(w >> 32) & 0xff] ^ table[2][(w >> 40) & 0xff] ^
              table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>
#include <wmmintrin.h>

/* One dependent stream of crc32 instructions, 8 bytes each: bound by the
 * instruction's latency (3 cycles on current x86), ~8-10 GB/s. Works on the
 * raw register (no pre/post inversion). */
__attribute__((target("sse4.2"))) static uint64_t crc32c_hw_1(uint64_t c, const unsigned char *p,
                                                              size_t len)
{
    while (len && ((uintptr_t)p & 7)) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        len--;
    }
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = _mm_crc32_u64(c, w);
        p += 8;
        len -= 8;
    }
    while (len--)
        c = _mm_crc32_u8((uint32_t)c, *p++);
    return c;
}

/*
 * Three interleaved streams. The crc32 instruction has a latency of ~3 cycles
 * but a throughput of one (or more) per cycle, so a block of 3*L bytes is cut
 * into three L-byte lanes whose CRCs run side by side (lanes B and C start
 * from register 0), then combined:
 *
 *     reg = shift(reg_A, 2L) ^ shift(reg_B, L) ^ reg_C
 *
 * where shift(r, n) is the register after n more zero bytes, i.e.
 * r(x) * x^(8n) mod P in the reflected representation. That product is one
 * carry-less multiplication by the constant K = x^(8n-33) mod P followed by a
 * crc32 of the 64-bit product, since clmul of two reflected values yields
 * a*k*x and crc32_u64(0, v) yields v*x^32 mod P: a*k*x*x^32 = a*x^(8n).
 * The constants are computed at startup (mulx_pow below).
 */
#define LANE_LONG 4096 /* block of 12 KiB */
#define LANE_SHORT 256 /* block of 768 B */

static uint32_t k_long_1, k_long_2, k_short_1, k_short_2; /* K(L), K(2L) */

/* x^e mod P, reflected (bit 31 is x^0). */
static uint32_t xpow_mod(uint32_t e)
{
    uint32_t v = 0x80000000u; /* 1 */
    while (e--)
        v = (v >> 1) ^ ((v & 1) ? POLY : 0);
    return v;
}

int lode_crc32c_hw_available(void);

__attribute__((constructor)) static void crc32c_init_shift_constants(void)
{
    (void)lode_crc32c_hw_available(); /* detect the CPU before threads exist */
    k_long_1 = xpow_mod(8 * LANE_LONG - 33);
    k_long_2 = xpow_mod(8 * 2 * LANE_LONG - 33);
    k_short_1 = xpow_mod(8 * LANE_SHORT - 33);
    k_short_2 = xpow_mod(8 * 2 * LANE_SHORT - 33);
}

__attribute__((target("sse4.2,pclmul"))) static inline uint64_t shift_clmul(uint64_t reg,
                                                                            uint32_t k)
{
    __m128i prod = _mm_clmulepi64_si128(_mm_cvtsi64_si128((long long)(uint32_t)reg),
                                        _mm_cvtsi32_si128((int)k), 0x00);
    return _mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(prod));
}

__attribute__((target("sse4.2,pclmul"))) static uint64_t crc32c_hw_3way(uint64_t c,
                                                                        const unsigned char *p,
                                                                        size_t len, size_t lane,
                                                                        uint32_t k1, uint32_t k2)
{
    while (len >= 3 * lane) {
        uint64_t a = c, b = 0, d = 0;
        const unsigned char *pa = p, *pb = p + lane, *pc = p + 2 * lane;
        for (size_t i = 0; i < lane; i += 8) {
            uint64_t wa, wb, wc;
            memcpy(&wa, pa + i, 8);
            memcpy(&wb, pb + i, 8);
            memcpy(&wc, pc + i, 8);
            a = _mm_crc32_u64(a, wa);
            b = _mm_crc32_u64(b, wb);
            d = _mm_crc32_u64(d, wc);
        }
        c = shift_clmul(a, k2) ^ shift_clmul(b, k1) ^ d;
        p += 3 * lane;
        len -= 3 * lane;
    }
    return c;
}

static int clmul_available;

static uint32_t crc32c_hw(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t c = ~crc;
    if (clmul_available && len >= 3 * LANE_SHORT) {
        /* align the lanes' loads to 8 bytes */
        size_t head = (8 - ((uintptr_t)p & 7)) & 7;
        c = crc32c_hw_1(c, p, head);
        p += head;
        len -= head;
        size_t n = len - len % (3 * LANE_LONG);
        c = crc32c_hw_3way(c, p, n, LANE_LONG, k_long_1, k_long_2);
        p += n;
        len -= n;
        n = len - len % (3 * LANE_SHORT);
        c = crc32c_hw_3way(c, p, n, LANE_SHORT, k_short_1, k_short_2);
        p += n;
        len -= n;
    }
    return ~(uint32_t)crc32c_hw_1(c, p, len);
}

static int hw_available = -1;

int lode_crc32c_hw_available(void)
{
    if (hw_available < 0) {
        __builtin_cpu_init();
        clmul_available = __builtin_cpu_supports("pclmul") ? 1 : 0;
        hw_available = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    }
    return hw_available;
}

uint32_t lode_crc32c(uint32_t crc, const void *data, size_t len)
{
    if (lode_crc32c_hw_available())
        return crc32c_hw(crc, data, len);
    return lode_crc32c_sw(crc, data, len);
}
#else
int lode_crc32c_hw_available(void)
{
    return 0;
}
uint32_t lode_crc32c(uint32_t crc, const void *data, size_t len)
{
    return lode_crc32c_sw(crc, data, len);
}
#endif
