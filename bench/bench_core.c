/*
 * bench_core.c — throughput and latency of lode's core primitives, each
 * CRC32C figure set beside memcpy over the same buffer size (the ceiling any
 * byte-touching pass can reach on this machine).
 *
 *   build/bench/bench_core [--quick]
 *
 * Prints a markdown table. Every figure is the best and the median of several
 * rounds; GB/s are 10^9 bytes per second. Single-threaded.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/crc32c.h"
#include "core/hash.h"
#include "core/hmap.h"
#include "support/results.h"

static volatile uint64_t sink; /* keeps results alive */
static int quick;

static int64_t now_ns(void)
{
    return lode_clock_monotonic_ns(lode_clock_real());
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    double best, median;
} stat_t;

/* Sorts r[0..n) ascending and summarises; `higher_better` picks the best end. */
static stat_t summarise(double *r, int n, int higher_better)
{
    qsort(r, (size_t)n, sizeof *r, cmp_double);
    stat_t s = {higher_better ? r[n - 1] : r[0], n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2};
    return s;
}

static void row(const char *name, const char *size, stat_t s, const char *unit, const char *note)
{
    printf("| %-28s | %8s | %9.2f | %9.2f | %-6s | %s |\n", name, size, s.best, s.median, unit,
           note ? note : "");
    fflush(stdout);
    bench_rec_begin("core", name);
    bench_rec_str("size", size);
    bench_rec_num("best", s.best);
    bench_rec_num("median", s.median);
    bench_rec_str("unit", unit);
    bench_rec_end();
}

#define ROUNDS 9

static void *xalloc(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, n) != 0) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    memset(p, 0x5a, n); /* fault pages in */
    return p;
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    uint64_t x = seed | 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        p[i] = (uint8_t)((x * 0x2545F4914F6CDD1Dull) >> 56);
    }
}

/* GB/s of memcpy of `size`-byte blocks, repeated to move ~total bytes per
 * round (the same block each time: cache-resident for small sizes). */
static stat_t bench_memcpy(size_t size, size_t total)
{
    uint8_t *src = xalloc(size), *dst = xalloc(size);
    fill_random(src, size, 1);
    size_t reps = total / size ? total / size : 1;
    double r[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        int64_t t0 = now_ns();
        for (size_t i = 0; i < reps; i++) {
            memcpy(dst, src, size);
            __asm__ volatile("" : : "r"(dst) : "memory");
        }
        int64_t t1 = now_ns();
        r[round] = (double)size * (double)reps / (double)(t1 - t0);
    }
    sink += dst[size / 2];
    free(src);
    free(dst);
    return summarise(r, ROUNDS, 1);
}

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static stat_t bench_crc(crc_fn fn, size_t size, size_t total)
{
    uint8_t *buf = xalloc(size);
    fill_random(buf, size, 2);
    size_t reps = total / size ? total / size : 1;
    double r[ROUNDS];
    uint32_t acc = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int64_t t0 = now_ns();
        for (size_t i = 0; i < reps; i++)
            acc += fn(0, buf, size);
        int64_t t1 = now_ns();
        r[round] = (double)size * (double)reps / (double)(t1 - t0);
    }
    sink += acc;
    free(buf);
    return summarise(r, ROUNDS, 1);
}

/* ns per encode / decode of a mix of varlongs (Kafka record fields: small
 * lengths and deltas mostly, some large timestamps and offsets). */
static void bench_varint(void)
{
    enum { N = 1 << 20 };
    int64_t *vals = malloc(N * sizeof *vals);
    uint64_t x = 42;
    for (int i = 0; i < N; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        uint64_t r = x * 0x2545F4914F6CDD1Dull;
        switch (r & 3) {
        case 0:
            vals[i] = (int64_t)(r >> 58) - 32;
            break; /* 1 byte */
        case 1:
            vals[i] = (int64_t)(r >> 50) - 8192;
            break; /* 2 bytes */
        case 2:
            vals[i] = (int64_t)(r >> 36);
            break; /* 4 bytes */
        default:
            vals[i] = (int64_t)(r >> 1) * ((r & 4) ? -1 : 1);
            break; /* 9-10 */
        }
    }
    lode_buf_t b = LODE_BUF_INIT;
    lode_buf_reserve(&b, (size_t)N * 10);
    double enc[ROUNDS], dec[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        b.len = 0;
        int64_t t0 = now_ns();
        for (int i = 0; i < N; i++)
            lode_buf_put_varlong(&b, vals[i]);
        int64_t t1 = now_ns();
        lode_reader_t rd;
        lode_reader_init(&rd, b.data, b.len);
        int64_t sum = 0;
        for (int i = 0; i < N; i++)
            sum += lode_read_varlong(&rd);
        int64_t t2 = now_ns();
        sink += (uint64_t)sum + (uint64_t)rd.err;
        enc[round] = (double)(t1 - t0) / N;
        dec[round] = (double)(t2 - t1) / N;
    }
    char note[64];
    snprintf(note, sizeof note, "avg %.2f bytes/value", (double)b.len / N);
    row("varlong encode (zigzag)", "mixed", summarise(enc, ROUNDS, 0), "ns/op", note);
    row("varlong decode (zigzag)", "mixed", summarise(dec, ROUNDS, 0), "ns/op", note);

    /* small unsigned varints (lengths, counts): the 1-byte fast path */
    double dec1[ROUNDS];
    b.len = 0;
    for (int i = 0; i < N; i++)
        lode_buf_put_uvarint(&b, (uint32_t)(vals[i] & 0x7f));
    for (int round = 0; round < ROUNDS; round++) {
        lode_reader_t rd;
        lode_reader_init(&rd, b.data, b.len);
        uint64_t sum = 0;
        int64_t t0 = now_ns();
        for (int i = 0; i < N; i++)
            sum += lode_read_uvarint(&rd);
        int64_t t1 = now_ns();
        sink += sum;
        dec1[round] = (double)(t1 - t0) / N;
    }
    row("uvarint decode (1 byte)", "1 B", summarise(dec1, ROUNDS, 0), "ns/op", NULL);
    lode_buf_free(&b);
    free(vals);
}

/* ns per hash of 16-byte keys (a typical record key: a UUID or an id). */
static void bench_hashes(void)
{
    enum { NKEYS = 4096, REPS = 1000 };
    uint8_t *keys = malloc(NKEYS * 16);
    fill_random(keys, NKEYS * 16, 3);
    double r[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        uint32_t acc = 0;
        int64_t t0 = now_ns();
        for (int k = 0; k < REPS; k++)
            for (int i = 0; i < NKEYS; i++)
                acc += (uint32_t)lode_murmur2(keys + i * 16, 16);
        int64_t t1 = now_ns();
        sink += acc;
        r[round] = (double)(t1 - t0) / ((double)NKEYS * REPS);
    }
    row("murmur2 (Kafka partitioner)", "16 B", summarise(r, ROUNDS, 0), "ns/op", NULL);

    for (int round = 0; round < ROUNDS; round++) {
        uint64_t acc = 0;
        int64_t t0 = now_ns();
        for (int k = 0; k < REPS; k++)
            for (int i = 0; i < NKEYS; i++)
                acc += lode_hash64(keys + i * 16, 16, 7);
        int64_t t1 = now_ns();
        sink += acc;
        r[round] = (double)(t1 - t0) / ((double)NKEYS * REPS);
    }
    row("lode_hash64", "16 B", summarise(r, ROUNDS, 0), "ns/op", NULL);

    for (int round = 0; round < ROUNDS; round++) {
        uint32_t acc = 0;
        int64_t t0 = now_ns();
        for (int k = 0; k < REPS / 4; k++)
            for (int i = 0; i < NKEYS; i++)
                acc += (uint32_t)lode_group_coordinator_partition("my-consumer-group-0001", 22, 50);
        int64_t t1 = now_ns();
        sink += acc;
        r[round] = (double)(t1 - t0) / ((double)NKEYS * (REPS / 4));
    }
    row("group coordinator partition", "22 B", summarise(r, ROUNDS, 0), "ns/op",
        "Java hashCode over UTF-8");

    /* hmap: lookups of present keys in a 4096-entry table */
    lode_hmap_t m;
    lode_hmap_init_seeded(&m, 9);
    for (int i = 0; i < NKEYS; i++)
        lode_hmap_put(&m, keys + i * 16, 16, (void *)(uintptr_t)(i + 1), NULL);
    for (int round = 0; round < ROUNDS; round++) {
        uintptr_t acc = 0;
        int64_t t0 = now_ns();
        for (int k = 0; k < REPS / 4; k++)
            for (int i = 0; i < NKEYS; i++)
                acc += (uintptr_t)lode_hmap_get(&m, keys + ((i * 7) & (NKEYS - 1)) * 16, 16);
        int64_t t1 = now_ns();
        sink += acc;
        r[round] = (double)(t1 - t0) / ((double)NKEYS * (REPS / 4));
    }
    row("lode_hmap_get (4096 keys)", "16 B", summarise(r, ROUNDS, 0), "ns/op", NULL);
    lode_hmap_free(&m);
    free(keys);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
    size_t total = quick ? (64u << 20) : (1u << 30); /* bytes per round */

    printf("## bench_core — core primitives (single thread)\n\n");
    printf("CRC32C hardware path: %s\n\n",
           lode_crc32c_hw_available() ? "SSE4.2 crc32 instruction" : "not available");
    printf("| benchmark                    |     size |      best |    median | unit   | "
           "note |\n");
    printf("|------------------------------|---------:|----------:|----------:|--------|"
           "------|\n");

    stat_t big = bench_memcpy(64u << 20, quick ? (256u << 20) : (1536u << 20));
    row("memcpy", "64 MiB", big, "GB/s", "DRAM to DRAM");

    static const struct {
        size_t size;
        const char *label;
    } sizes[] = {{4096, "4 KiB"}, {65536, "64 KiB"}, {1 << 20, "1 MiB"}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t sz = sizes[i].size;
        stat_t mc = bench_memcpy(sz, total);
        stat_t hw = bench_crc(lode_crc32c, sz, total);
        stat_t sw = bench_crc(lode_crc32c_sw, sz, total / 4);
        char note[96];
        row("memcpy", sizes[i].label, mc, "GB/s", "cache-resident");
        snprintf(note, sizeof note, "%.0f%% of memcpy (median)", 100.0 * hw.median / mc.median);
        row("crc32c hw (lode_crc32c)", sizes[i].label, hw, "GB/s", note);
        snprintf(note, sizeof note, "%.0f%% of memcpy (median)", 100.0 * sw.median / mc.median);
        row("crc32c sw (lode_crc32c_sw)", sizes[i].label, sw, "GB/s", note);
    }
    stat_t hwbig = bench_crc(lode_crc32c, 64u << 20, quick ? (256u << 20) : (1536u << 20));
    char note[96];
    snprintf(note, sizeof note, "%.0f%% of memcpy 64 MiB (median)",
             100.0 * hwbig.median / big.median);
    row("crc32c hw (lode_crc32c)", "64 MiB", hwbig, "GB/s", note);

    bench_varint();
    bench_hashes();
    printf("\n");
    return sink == 42 ? 1 : 0;
}
