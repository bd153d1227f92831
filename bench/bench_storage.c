/*
 * bench_storage.c — the storage engine against this machine's disk, with the
 * disk's own limits measured by fio in the same run:
 *
 *   1. append, page cache only (no fsync): 1 KB records in 16 KB batches
 *   2. group commit: 8 appender threads, each appends a 16 KB batch and waits
 *      until it is fsynced (lode_flusher) before the next — acks=all with one
 *      request in flight per producer
 *   3. sequential read of the log through lode_log_read + sendfile(2) to
 *      /dev/null (page-cached)
 *   4. recovery: reopening a large log after a clean and an unclean shutdown
 *      (unclean: every batch re-validated with CRC32C and a record walk)
 *
 *   build/bench/bench_storage [--quick] [dir]
 *
 * The data directory defaults to build/bench-data (same filesystem as the
 * project) and is removed at the end. Needs fio (make deps installs it).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "proto/record_batch.h"
#include "storage/flusher.h"
#include "storage/log.h"

static int quick;
static char dir[1024];

static int64_t now_ns(void)
{
    return lode_clock_monotonic_ns(lode_clock_real());
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* One 16 KB batch of 16 x 1 KB records, built once and appended many times
 * (the log rewrites its base offset in place). */
static lode_buf_t batch;

static void build_batch(void)
{
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    char value[1000];
    for (size_t i = 0; i < sizeof value; i++)
        value[i] = (char)('a' + i % 26);
    for (int i = 0; i < 16; i++)
        lode_batch_builder_add(&b, 1700000000000 + i, "key-000", 7, value, sizeof value, NULL, 0);
    lode_buf_init(&batch);
    lode_batch_builder_finish(&b, &batch);
    lode_batch_builder_free(&b);
}

static int validate(const uint8_t *p, size_t len, void *arg)
{
    (void)arg;
    lode_batch_hdr_t h;
    if (lode_batch_parse_header(p, len, &h) != 0)
        return LODE_ECORRUPT;
    return lode_batch_validate(&h, NULL, NULL, NULL, 0);
}

static const lode_log_hooks_t hooks = {validate, NULL};

static lode_log_config_t log_cfg(void)
{
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    c.segment_bytes = 256 << 20;
    return c;
}

/* ---- fio ---------------------------------------------------------------- */

/* Runs fio with args and returns the number after `key` following `section`
 * in its JSON output (-1 when absent). */
static double fio_value(const char *args, const char *section, const char *key)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "fio %s --directory=%s --output-format=json 2>/dev/null", args, dir);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    static char out[1 << 20];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    pclose(p);
    char *s = strstr(out, section);
    if (!s)
        return -1;
    s = strstr(s, key);
    if (!s)
        return -1;
    s = strchr(s, ':');
    return s ? strtod(s + 1, NULL) : -1;
}

/* ---- 1. append, no fsync ------------------------------------------------- */

static double bench_append(int64_t bytes)
{
    char d[1100];
    snprintf(d, sizeof d, "%s/append-0", dir);
    lode_log_config_t c = log_cfg();
    lode_log_t *log;
    if (lode_log_open(d, &c, 0, -1, false, &hooks, 0, &log) != 0)
        return -1;
    int64_t t0 = now_ns(), written = 0;
    while (written < bytes) {
        lode_log_append_info_t info;
        if (lode_log_append(log, batch.data, batch.len, 0, 0, &info) != 0)
            break;
        written += (int64_t)batch.len;
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    lode_log_close(log);
    return (double)written / secs / 1e6;
}

/* ---- 2. group commit ------------------------------------------------------ */

typedef struct appender {
    lode_log_t *log;
    lode_flusher_t *f;
    int64_t deadline_ns;
    int depth; /* requests in flight, like a producer's max.in.flight */
    int64_t bytes;
    int64_t acks;
    int64_t *lat_us;
    size_t nlat, cap;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int pending;
} appender_t;

typedef struct waiter {
    appender_t *a;
    int64_t t0;
} waiter_t;

static void on_durable(void *arg, int status)
{
    waiter_t *w = arg;
    appender_t *a = w->a;
    (void)status;
    int64_t lat = (now_ns() - w->t0) / 1000;
    pthread_mutex_lock(&a->lock);
    if (a->nlat == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 4096;
        a->lat_us = realloc(a->lat_us, a->cap * sizeof *a->lat_us);
    }
    a->lat_us[a->nlat++] = lat;
    a->bytes += (int64_t)batch.len;
    a->acks++;
    a->pending--;
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->lock);
    free(w);
}

static void *appender_main(void *arg)
{
    appender_t *a = arg;
    uint8_t *mine = malloc(batch.len);
    while (now_ns() < a->deadline_ns) {
        pthread_mutex_lock(&a->lock);
        while (a->pending >= a->depth)
            pthread_cond_wait(&a->cond, &a->lock);
        a->pending++;
        pthread_mutex_unlock(&a->lock);
        memcpy(mine, batch.data, batch.len);
        waiter_t *w = malloc(sizeof *w);
        w->a = a;
        w->t0 = now_ns();
        lode_log_append_info_t info;
        if (lode_log_append(a->log, mine, batch.len, 0, 0, &info) != 0 ||
            lode_flusher_wait(a->f, a->log, info.last_offset + 1, on_durable, w) != 0) {
            free(w);
            break;
        }
    }
    pthread_mutex_lock(&a->lock);
    while (a->pending > 0)
        pthread_cond_wait(&a->cond, &a->lock);
    pthread_mutex_unlock(&a->lock);
    free(mine);
    return NULL;
}

static int cmp64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static void bench_group_commit(int threads, int depth, double seconds, double *mbs, double *acks_s,
                               double *fsyncs_s, int64_t *p50, int64_t *p99)
{
    char d[1100];
    snprintf(d, sizeof d, "%s/gc-%d", dir, depth);
    lode_log_config_t c = log_cfg();
    lode_log_t *log;
    lode_flusher_t *f;
    if (lode_log_open(d, &c, 0, -1, false, &hooks, 0, &log) != 0 || lode_flusher_start(0, &f))
        return;
    appender_t *a = calloc((size_t)threads, sizeof *a);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    int64_t t0 = now_ns(), deadline = t0 + (int64_t)(seconds * 1e9);
    for (int i = 0; i < threads; i++) {
        a[i].log = log;
        a[i].f = f;
        a[i].deadline_ns = deadline;
        a[i].depth = depth;
        pthread_mutex_init(&a[i].lock, NULL);
        pthread_cond_init(&a[i].cond, NULL);
        pthread_create(&th[i], NULL, appender_main, &a[i]);
    }
    int64_t bytes = 0, acks = 0;
    size_t nlat = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        bytes += a[i].bytes;
        acks += a[i].acks;
        nlat += a[i].nlat;
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    int64_t *lat = malloc((nlat ? nlat : 1) * sizeof *lat);
    size_t k = 0;
    for (int i = 0; i < threads; i++) {
        memcpy(lat + k, a[i].lat_us, a[i].nlat * sizeof *lat);
        k += a[i].nlat;
        free(a[i].lat_us);
    }
    qsort(lat, nlat, sizeof *lat, cmp64);
    lode_flusher_stats_t st;
    lode_flusher_get_stats(f, &st);
    *mbs = (double)bytes / secs / 1e6;
    *acks_s = (double)acks / secs;
    *fsyncs_s = (double)st.log_flushes / secs;
    *p50 = nlat ? lat[nlat / 2] : 0;
    *p99 = nlat ? lat[nlat * 99 / 100] : 0;
    free(lat);
    free(a);
    free(th);
    lode_flusher_stop(f);
    lode_log_close(log);
}

/* ---- 3. read ---------------------------------------------------------------- */

static double bench_read(void)
{
    char d[1100];
    snprintf(d, sizeof d, "%s/append-0", dir);
    lode_log_config_t c = log_cfg();
    lode_log_t *log;
    if (lode_log_open(d, &c, 0, -1, true, &hooks, 0, &log) != 0)
        return -1;
    int devnull = open("/dev/null", O_WRONLY);
    int64_t leo = lode_log_end_offset(log), off = 0, bytes = 0;
    lode_log_set_high_watermark(log, leo);
    int64_t t0 = now_ns();
    while (off < leo) {
        lode_log_read_t r;
        if (lode_log_read(log, off, 1 << 20, leo, true, &r) != 0 || r.slice.bytes == 0)
            break;
        off_t pos = r.slice.position;
        size_t left = r.slice.bytes;
        while (left > 0) {
            ssize_t w = sendfile(devnull, r.slice.fd, &pos, left);
            if (w <= 0)
                break;
            left -= (size_t)w;
        }
        bytes += r.slice.bytes;
        /* next offset: the last whole batch in the slice */
        uint8_t h[61];
        uint32_t p = r.slice.position, end = r.slice.position + r.slice.bytes;
        int64_t next = off;
        while (p + 61 <= end && pread(r.slice.fd, h, 61, p) == 61) {
            uint32_t total = lode_be32_load(h + 8) + 12;
            if (p + total > end)
                break;
            next = (int64_t)lode_be64_load(h) + (int32_t)lode_be32_load(h + 23) + 1;
            p += total;
        }
        lode_log_read_release(&r);
        if (next == off)
            break;
        off = next;
    }
    double secs = (double)(now_ns() - t0) / 1e9;
    close(devnull);
    lode_log_close(log);
    return (double)bytes / secs / 1e6;
}

/* ---- 4. recovery ---------------------------------------------------------- */

static double reopen_seconds(const char *d, bool clean)
{
    lode_log_config_t c = log_cfg();
    lode_log_t *log;
    int64_t t0 = now_ns();
    if (lode_log_open(d, &c, clean ? INT64_MAX : 0, -1, clean, &hooks, 0, &log) != 0)
        return -1;
    double secs = (double)(now_ns() - t0) / 1e9;
    lode_log_close(log);
    return secs;
}

int main(int argc, char **argv)
{
    const char *d = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else
            d = argv[i];
    }
    snprintf(dir, sizeof dir, "%s", d ? d : "build/bench-data");
    rm_rf(dir);
    mkdir(dir, 0755);
    build_batch();
    struct statvfs vfs;
    statvfs(dir, &vfs);
    double free_bytes = (double)vfs.f_bavail * (double)vfs.f_frsize;
    int64_t big = (int64_t)(free_bytes * 0.2);
    int64_t five_gb = 5LL << 30;
    if (big > five_gb)
        big = five_gb;
    if (quick)
        big = 256 << 20;

    /* the machine's limits, same run */
    double fio_bw = fio_value(quick ? "--name=seq --rw=write --bs=1M --size=256M --end_fsync=1"
                                    : "--name=seq --rw=write --bs=1M --size=2G --end_fsync=1",
                              "\"write\" : {", "\"bw_bytes\"");
    double fsync_mean = fio_value("--name=fs --rw=write --bs=16k --size=32M --fdatasync=1",
                                  "\"sync\" : {", "\"mean\"");
    double fsync_p99 = fio_value("--name=fs2 --rw=write --bs=16k --size=32M --fdatasync=1",
                                 "\"sync\" : {", "\"99.000000\"");
    rm_rf(dir);
    mkdir(dir, 0755);

    double app = bench_append(quick ? 256 << 20 : 2LL << 30);
    double gc_mbs[2] = {0}, gc_acks[2] = {0}, gc_fsyncs[2] = {0};
    int64_t p50[2] = {0}, p99[2] = {0};
    static const int depths[2] = {1, 5};
    for (int i = 0; i < 2; i++)
        bench_group_commit(8, depths[i], quick ? 3 : 12, &gc_mbs[i], &gc_acks[i], &gc_fsyncs[i],
                           &p50[i], &p99[i]);
    double rd = bench_read();

    /* recovery: a `big` log, clean then unclean */
    char rdir[1100];
    snprintf(rdir, sizeof rdir, "%s/recover-0", dir);
    lode_log_config_t c = log_cfg();
    lode_log_t *log;
    double clean_s = -1, unclean_s = -1;
    if (lode_log_open(rdir, &c, 0, -1, false, &hooks, 0, &log) == 0) {
        for (int64_t w = 0; w < big; w += (int64_t)batch.len) {
            lode_log_append_info_t info;
            lode_log_append(log, batch.data, batch.len, 0, 0, &info);
        }
        lode_log_flush(log);
        lode_log_close(log);
        clean_s = reopen_seconds(rdir, true);
        unclean_s = reopen_seconds(rdir, false);
    }

    printf("| measure | value | beside |\n|---|---:|---|\n");
    printf("| fio sequential write (1 MiB blocks, end fsync) | %.0f MB/s | the disk's ceiling |\n",
           fio_bw / 1e6);
    printf("| fio fdatasync after a 16 KiB write | mean %.2f ms, p99 %.2f ms | |\n",
           fsync_mean / 1e6, fsync_p99 / 1e6);
    printf(
        "| append, page cache only (1 KB records, 16 KB batches) | %.0f MB/s | %.0f%% of fio |\n",
        app, app * 1e6 / fio_bw * 100);
    for (int i = 0; i < 2; i++) {
        printf("| group commit, 8 appenders x %d in flight, ack after fsync | %.0f MB/s, %.0f "
               "acks/s | %.0f%% of fio |\n",
               depths[i], gc_mbs[i], gc_acks[i], gc_mbs[i] * 1e6 / fio_bw * 100);
        printf("| ... fsyncs | %.0f /s (%.1f acks per fsync) | |\n", gc_fsyncs[i],
               gc_fsyncs[i] > 0 ? gc_acks[i] / gc_fsyncs[i] : 0);
        printf("| ... ack latency | p50 %.2f ms, p99 %.2f ms | fio fdatasync p99 %.2f ms |\n",
               (double)p50[i] / 1e3, (double)p99[i] / 1e3, fsync_p99 / 1e6);
    }
    printf("| read via sendfile, page-cached | %.0f MB/s | |\n", rd);
    printf("| recovery of %.2f GB after clean shutdown | %.3f s | |\n", (double)big / 1e9, clean_s);
    printf("| recovery of %.2f GB after unclean shutdown (full CRC + record walk) | %.2f s = %.0f "
           "MB/s | |\n",
           (double)big / 1e9, unclean_s, unclean_s > 0 ? (double)big / unclean_s / 1e6 : 0);
    rm_rf(dir);
    lode_buf_free(&batch);
    return 0;
}
