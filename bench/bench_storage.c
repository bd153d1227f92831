/*
 * bench_storage.c — the storage engine (src/storage) on this machine's disk,
 * beside the disk's own limits measured by fio in the same run:
 *
 *   fio       16 KiB buffered writes (page cache only), sequential write
 *             (1 MiB blocks, one fsync at the end), cold sequential read,
 *             fdatasync after every 16 KiB and every 128 KiB write
 *   append    1 KB records in 16 KB v2 batches (built once with
 *             lode_batch_builder, the bytes reused: lode_log_append rewrites
 *             the base offset in place), no fsync — page cache only — for
 *             ~2 GB or ~20 s; then one lode_log_flush (fio's pattern)
 *   gc        group commit: 8 appender threads, each appends a 16 KB batch and
 *             waits for lode_flusher_wait before the next (acks=all producers
 *             with one request in flight); then the same with 5 in flight
 *             (the Java client's default max.in.flight) and with 32 (enough bytes
 *             per fsync to show whether the engine or the workload is the
 *             limit); MB/s, acks/s, fsyncs (flusher stats), ack latency
 *   read      sequential reads of the appended log through lode_log_read, the
 *             slices consumed three ways: pread(2) into a buffer (every byte
 *             copied to user space), sendfile(2) to a loopback TCP socket
 *             drained by a reader thread (a fetch to a local consumer), and
 *             sendfile(2) to /dev/null (the kernel discards the pages without
 *             touching their bytes: the cost of lode_log_read and the page
 *             lookups only)
 *   recovery  a large log (min(5 GB, 20% of free space)) written by a child
 *             process that flushes and then exits without closing the log
 *             (unclean shutdown); reopened unclean (recovery point 0: every
 *             segment re-validated through lode_batch_validate — CRC32C and a
 *             walk over every record — and its indexes rebuilt) and clean,
 *             each with the page cache warm and with the log's pages evicted
 *             (posix_fadvise DONTNEED: a reboot's cold cache)
 *
 *   build/bench/bench_storage [--quick] [--only=fio,append,gc,read,recovery] [dir]
 *
 * The data directory defaults to bench-data beside the build directory
 * (<build>/bench-data: the project's filesystem, never tmpfs) and is removed
 * at the end. MB and GB are 10^6 and 10^9 bytes. Prints a markdown table,
 * one measurement per row (run it several times for best and median: the
 * disk is shared). --only runs some phases (read implies append), e.g. for
 * `perf record -g build/bench/bench_storage --only=gc`. Takes ~90 s
 * (--quick: ~20 s). Needs fio (make deps installs it); without it the fio
 * rows are left out.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "proto/record_batch.h"
#include "storage/flusher.h"
#include "storage/log.h"

#define MB 1e6
#define GB 1e9

static bool quick;
static char dir[2048]; /* the data directory */

static int64_t now_ns(void)
{
    return lode_clock_monotonic_ns(lode_clock_real());
}

static int64_t wall_ms(void)
{
    return lode_clock_now_ms(lode_clock_real());
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_storage: %s: %s\n", what, rc < 0 ? lode_strerror(rc) : strerror(errno));
    exit(1);
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

static void subdir(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

/* Writes back every dirty page of the data directory's filesystem, so that
 * one phase's page-cache writes do not land in the next phase's fsyncs. */
static void settle(void)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        syncfs(fd);
        close(fd);
    }
}

static void load_average(char *out, size_t cap)
{
    out[0] = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        double a, b, c;
        if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
            snprintf(out, cap, "%.2f %.2f %.2f", a, b, c);
        fclose(f);
    }
}

/* Total stall time (µs) from /proc/pressure/<res> "some" line: how long at
 * least one task waited for the CPU or for I/O (PSI). -1 if unavailable. */
static double psi_some_us(const char *res)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/pressure/%s", res);
    FILE *f = fopen(path, "r");
    double total = -1;
    if (f) {
        if (fgets(line, sizeof line, f)) {
            const char *t = strstr(line, "total=");
            if (t)
                total = strtod(t + 6, NULL);
        }
        fclose(f);
    }
    return total;
}

/* ---- the batch ---------------------------------------------------------- */

/* One v2 batch of 16 records with 1000-byte values (~1 KB records, ~16 KB
 * batch), built once; appenders copy it and the log rewrites the copy's base
 * offset in place. */
enum { RECORDS_PER_BATCH = 16, VALUE_BYTES = 1000 };
static lode_buf_t batch;

static void build_batch(void)
{
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    uint8_t value[VALUE_BYTES];
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < sizeof value; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        value[i] = (uint8_t)x;
    }
    int64_t ts = wall_ms();
    for (int i = 0; i < RECORDS_PER_BATCH; i++) {
        char key[16];
        int klen = snprintf(key, sizeof key, "key-%03d", i);
        if (lode_batch_builder_add(&b, ts, key, klen, value, sizeof value, NULL, 0) != 0)
            die("batch builder", LODE_EINVAL);
    }
    lode_buf_init(&batch);
    if (lode_batch_builder_finish(&b, &batch) != 0)
        die("batch builder", LODE_EINVAL);
    lode_batch_builder_free(&b);
}

/* The recovery hook the server uses: header, CRC32C, every record. */
static int validate(const uint8_t *p, size_t len, void *arg)
{
    (void)arg;
    lode_batch_hdr_t h;
    if (lode_batch_parse_header(p, len, &h) != 0)
        return LODE_ECORRUPT;
    return lode_batch_validate(&h, NULL, NULL, NULL, 0);
}

static const lode_log_hooks_t hooks = {validate, NULL};

/* Kafka's defaults: 1 GiB segments, an index entry every 4 KiB, 10 MiB
 * preallocated indexes, no flush.ms / flush.messages. */
static lode_log_config_t log_cfg(void)
{
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    return c;
}

static lode_log_t *open_log(const char *d, int64_t recovery_point, bool clean)
{
    lode_log_config_t c = log_cfg();
    lode_log_t *log;
    int rc = lode_log_open(d, &c, recovery_point, -1, clean, &hooks, wall_ms(), &log);
    if (rc)
        die("lode_log_open", rc);
    return log;
}

/* ---- fio and its JSON ---------------------------------------------------- */

/* A tiny reader for fio's JSON: enough to follow a path to a number. */
static const char *json_skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    return p;
}

static const char *json_skip_string(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
            p++;
    return *p == '"' ? p + 1 : NULL;
}

/* Skips one JSON value at p; returns the position after it (NULL if bad). */
static const char *json_skip(const char *p)
{
    p = json_skip_ws(p);
    if (*p == '"')
        return json_skip_string(p);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (*p) {
            if (*p == '"') {
                p = json_skip_string(p);
                if (!p)
                    return NULL;
                continue;
            }
            if (*p == '{' || *p == '[')
                depth++;
            else if (*p == '}' || *p == ']') {
                if (--depth == 0)
                    return p + 1;
            }
            p++;
        }
        return NULL;
    }
    while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n')
        p++;
    return p;
}

/* Follows a path like "jobs/0/sync/lat_ns/percentile/99.000000" from the
 * value at p; returns where the found value starts, or NULL. */
static const char *json_find(const char *p, const char *path)
{
    p = json_skip_ws(p);
    if (!*path)
        return p;
    const char *slash = strchr(path, '/');
    size_t seg_len = slash ? (size_t)(slash - path) : strlen(path);
    const char *rest = slash ? slash + 1 : path + seg_len;
    if (*p == '{') {
        p = json_skip_ws(p + 1);
        while (*p == '"') {
            const char *key = p + 1, *end = json_skip_string(p);
            if (!end)
                return NULL;
            bool match = (size_t)(end - 1 - key) == seg_len && !memcmp(key, path, seg_len);
            p = json_skip_ws(end);
            if (*p != ':')
                return NULL;
            p = json_skip_ws(p + 1);
            if (match)
                return json_find(p, rest);
            p = json_skip(p);
            if (!p)
                return NULL;
            p = json_skip_ws(p);
            if (*p == ',')
                p = json_skip_ws(p + 1);
        }
        return NULL;
    }
    if (*p == '[') {
        long want = strtol(path, NULL, 10);
        p = json_skip_ws(p + 1);
        for (long i = 0; *p && *p != ']'; i++) {
            if (i == want)
                return json_find(p, rest);
            p = json_skip(p);
            if (!p)
                return NULL;
            p = json_skip_ws(p);
            if (*p == ',')
                p = json_skip_ws(p + 1);
        }
    }
    return NULL;
}

static double json_number(const char *js, const char *path)
{
    const char *v = js ? json_find(js, path) : NULL;
    return v ? strtod(v, NULL) : -1;
}

static bool have_fio;

/* Runs `fio <args> --directory=<dir>/fio --output-format=json` and returns
 * its JSON output (malloc'd; NULL when fio failed). */
static char *fio_run(const char *args)
{
    char fdir[PATH_MAX], cmd[PATH_MAX + 1024];
    subdir(fdir, sizeof fdir, "fio");
    mkdir(fdir, 0755);
    snprintf(cmd, sizeof cmd, "fio %s --directory=%s --output-format=json 2>/dev/null", args, fdir);
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t len = 0, cap = 1 << 16;
    char *out = malloc(cap);
    size_t n;
    while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 4096)
            out = realloc(out, cap *= 2);
    }
    out[len] = 0;
    int status = pclose(p);
    char *js = strchr(out, '{'); /* fio may print notes before the JSON */
    if (status != 0 || !js) {
        free(out);
        return NULL;
    }
    memmove(out, js, strlen(js) + 1);
    return out;
}

static void fio_clean(void)
{
    char fdir[PATH_MAX];
    subdir(fdir, sizeof fdir, "fio");
    rm_rf(fdir);
}

typedef struct fio_results {
    double cache_write_bps; /* 16 KiB buffered writes, no fsync: page cache only */
    double seq_write_bps;   /* 1 MiB writes, end fsync included */
    double seq_read_bps;    /* the same file read back, cache dropped */
    double sync16_bps;      /* 16 KiB write + fdatasync, serial */
    double sync16_us[3];    /* fdatasync latency mean, p50, p99 */
    double sync128_bps;     /* 128 KiB write + fdatasync, serial */
    double sync128_us[3];
    double sync128_after_bps; /* the same, after the group-commit cases */
    double sync128_after_us[3];
} fio_results_t;

static const char *fio_cache_write_args(void)
{
    return quick ? "--name=cache --rw=write --bs=16k --size=256M --direct=0"
                 : "--name=cache --rw=write --bs=16k --size=1G --direct=0";
}

static const char *fio_seq_write_args(void)
{
    return quick ? "--name=seqwrite --rw=write --bs=1M --size=256M --direct=0 --end_fsync=1"
                 : "--name=seqwrite --rw=write --bs=1M --size=1G --direct=0 --end_fsync=1";
}

static const char *fio_seq_read_args(void)
{
    return quick ? "--name=seqwrite --rw=read --bs=1M --size=256M --direct=0 --invalidate=1"
                 : "--name=seqwrite --rw=read --bs=1M --size=1G --direct=0 --invalidate=1";
}

static const char *fio_sync16_args(void)
{
    return quick ? "--name=fsync --rw=write --bs=16k --size=16M --fdatasync=1 --runtime=5"
                 : "--name=fsync --rw=write --bs=16k --size=64M --fdatasync=1 --runtime=5";
}

static const char *fio_sync128_args(void)
{
    return quick ? "--name=fsync128k --rw=write --bs=128k --size=64M --fdatasync=1 --runtime=5"
                 : "--name=fsync128k --rw=write --bs=128k --size=256M --fdatasync=1 --runtime=5";
}

static void fio_sync_lat(const char *js, double us[3])
{
    us[0] = json_number(js, "jobs/0/sync/lat_ns/mean") / 1e3;
    us[1] = json_number(js, "jobs/0/sync/lat_ns/percentile/50.000000") / 1e3;
    us[2] = json_number(js, "jobs/0/sync/lat_ns/percentile/99.000000") / 1e3;
}

/* The bandwidth limits: page-cache writes, sequential write, cold read. */
static void bench_fio_bandwidth(fio_results_t *r)
{
    have_fio = system("fio --version >/dev/null 2>&1") == 0;
    if (!have_fio) {
        fprintf(stderr, "bench_storage: fio not found (make deps); no disk limits\n");
        return;
    }
    settle();
    char *js = fio_run(fio_cache_write_args());
    r->cache_write_bps = json_number(js, "jobs/0/write/bw_bytes");
    free(js);
    fio_clean();
    settle();
    js = fio_run(fio_seq_write_args());
    r->seq_write_bps = json_number(js, "jobs/0/write/bw_bytes");
    free(js);
    js = fio_run(fio_seq_read_args());
    r->seq_read_bps = json_number(js, "jobs/0/read/bw_bytes");
    free(js);
    fio_clean();
}

/* The fdatasync limits, taken right before the group-commit cases (and the
 * 128 KiB one again right after them, `after`): a shared virtual disk's
 * flush latency drifts with what its neighbours write, so the limit is
 * measured as close as possible to what it bounds. */
static void bench_fio_sync(fio_results_t *r, bool after)
{
    if (!have_fio)
        return;
    settle();
    char *js;
    if (!after) {
        js = fio_run(fio_sync16_args());
        r->sync16_bps = json_number(js, "jobs/0/write/bw_bytes");
        fio_sync_lat(js, r->sync16_us);
        free(js);
        fio_clean();
    }
    js = fio_run(fio_sync128_args());
    double *bps = after ? &r->sync128_after_bps : &r->sync128_bps;
    *bps = json_number(js, "jobs/0/write/bw_bytes");
    fio_sync_lat(js, after ? r->sync128_after_us : r->sync128_us);
    free(js);
    fio_clean();
}

/* ---- 1. append, page cache only ------------------------------------------ */

typedef struct append_results {
    double bytes, secs, cpu_secs; /* the appends */
    double flush_secs;            /* the one lode_log_flush after them */
} append_results_t;

static void bench_append(append_results_t *r)
{
    char d[PATH_MAX];
    subdir(d, sizeof d, "append-0");
    lode_log_t *log = open_log(d, 0, false);
    int64_t max_bytes = quick ? 256000000 : 2000000000;
    int64_t max_ns = (quick ? 5 : 20) * 1000000000LL;
    settle();
    double cpu0 = cpu_seconds();
    int64_t t0 = now_ns(), written = 0, t1 = t0;
    for (unsigned i = 0; written < max_bytes; i++) {
        lode_log_append_info_t info;
        int rc = lode_log_append(log, batch.data, batch.len, 0, wall_ms(), &info);
        if (rc)
            die("lode_log_append", rc);
        written += (int64_t)batch.len;
        if ((i & 63) == 0 && (t1 = now_ns()) - t0 > max_ns)
            break;
    }
    t1 = now_ns();
    r->cpu_secs = cpu_seconds() - cpu0;
    int rc = lode_log_flush(log);
    if (rc)
        die("lode_log_flush", rc);
    r->flush_secs = (double)(now_ns() - t1) / 1e9;
    r->bytes = (double)written;
    r->secs = (double)(t1 - t0) / 1e9;
    lode_log_close(log);
}

/* ---- 2. group commit ------------------------------------------------------ */

typedef struct appender {
    lode_log_t *log;
    lode_flusher_t *f;
    int64_t deadline_ns;
    int depth; /* requests in flight, like a producer's max.in.flight */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int pending;      /* under lock */
    int64_t acks;     /* under lock */
    int64_t *lat_us;  /* under lock */
    size_t nlat, cap; /* under lock */
    int error;
} appender_t;

typedef struct waiter {
    appender_t *a;
    int64_t t0_ns;
} waiter_t;

/* Runs on the flusher thread: quick, as flusher.h asks. */
static void on_durable(void *arg, int status)
{
    waiter_t *w = arg;
    appender_t *a = w->a;
    int64_t lat_us = (now_ns() - w->t0_ns) / 1000;
    pthread_mutex_lock(&a->lock);
    if (status != 0)
        a->error = status;
    if (a->nlat == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 4096;
        a->lat_us = realloc(a->lat_us, a->cap * sizeof *a->lat_us);
    }
    a->lat_us[a->nlat++] = lat_us;
    a->acks++;
    a->pending--;
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->lock);
    free(w);
}

static void *appender_main(void *arg)
{
    appender_t *a = arg;
    /* Its own copy: the log rewrites the base offset of what it appends. */
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
        w->t0_ns = now_ns();
        lode_log_append_info_t info;
        int rc = lode_log_append(a->log, mine, batch.len, 0, wall_ms(), &info);
        if (!rc)
            rc = lode_flusher_wait(a->f, a->log, info.last_offset + 1, on_durable, w);
        if (rc) {
            free(w);
            pthread_mutex_lock(&a->lock);
            a->pending--;
            a->error = rc;
            pthread_mutex_unlock(&a->lock);
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

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* Group-commit cases: 8 appenders with 1 (the case), 5 (the Java
 * client's max.in.flight) and 32 requests in flight each (enough bytes per fsync to
 * show whether the engine or the workload sets the pace). */
enum { NGC = 3 };

typedef struct gc_results {
    int threads, depth;
    double secs, bytes, acks, fsyncs, cpu_secs;
    double p50_us, p99_us, max_us;
} gc_results_t;

static void bench_group_commit(int threads, int depth, gc_results_t *r)
{
    char d[PATH_MAX];
    char name[32];
    snprintf(name, sizeof name, "gc-%dx%d", threads, depth);
    subdir(d, sizeof d, name);
    lode_log_t *log = open_log(d, 0, false);
    lode_flusher_t *f;
    int rc = lode_flusher_start(0, &f);
    if (rc)
        die("lode_flusher_start", rc);
    settle();
    appender_t *a = calloc((size_t)threads, sizeof *a);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    double seconds = quick ? 3 : 8;
    double cpu0 = cpu_seconds();
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
    size_t nlat = 0;
    int64_t acks = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        if (a[i].error)
            die("group commit appender", a[i].error);
        acks += a[i].acks;
        nlat += a[i].nlat;
    }
    r->secs = (double)(now_ns() - t0) / 1e9;
    r->cpu_secs = cpu_seconds() - cpu0;
    int64_t *lat = malloc((nlat ? nlat : 1) * sizeof *lat);
    size_t k = 0;
    for (int i = 0; i < threads; i++) {
        memcpy(lat + k, a[i].lat_us, a[i].nlat * sizeof *lat);
        k += a[i].nlat;
        free(a[i].lat_us);
        pthread_mutex_destroy(&a[i].lock);
        pthread_cond_destroy(&a[i].cond);
    }
    qsort(lat, nlat, sizeof *lat, cmp_i64);
    lode_flusher_stats_t st;
    lode_flusher_get_stats(f, &st);
    r->threads = threads;
    r->depth = depth;
    r->acks = (double)acks;
    r->bytes = (double)acks * (double)batch.len;
    r->fsyncs = (double)st.log_flushes;
    r->p50_us = nlat ? (double)lat[nlat / 2] : 0;
    r->p99_us = nlat ? (double)lat[nlat * 99 / 100] : 0;
    r->max_us = nlat ? (double)lat[nlat - 1] : 0;
    free(lat);
    free(a);
    free(th);
    lode_flusher_stop(f);
    lode_log_close(log);
    rm_rf(d);
}

/* ---- 3. read ---------------------------------------------------------------- */

typedef enum { READ_PREAD, READ_SENDFILE_TCP, READ_SENDFILE_NULL } read_mode_t;

/* The whole batches at the start of a slice. A fetch slice is cut at
 * max_bytes, as Kafka cuts it, so it may end inside a batch: the consumer
 * drops that partial batch and fetches it again from its first offset. Each
 * batch in this log is the bench's batch (same size, RECORDS_PER_BATCH
 * offsets), so no header needs reading to know where the next fetch starts. */
static int64_t whole_batches(const lode_file_slice_t *s)
{
    return (int64_t)(s->bytes / batch.len);
}

typedef struct drain {
    int fd;
    int64_t bytes;
} drain_t;

static void *drain_main(void *arg)
{
    drain_t *d = arg;
    size_t cap = 1 << 20;
    uint8_t *buf = malloc(cap);
    ssize_t n;
    while ((n = recv(d->fd, buf, cap, 0)) > 0)
        d->bytes += n;
    free(buf);
    return NULL;
}

/* A connected loopback TCP pair: *tx for sendfile, *rx for the reader. */
static int tcp_pair(int *tx, int *rx)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) || listen(ls, 1) ||
        getsockname(ls, (struct sockaddr *)&sa, &sl))
        return -1;
    *tx = socket(AF_INET, SOCK_STREAM, 0);
    if (*tx < 0 || connect(*tx, (struct sockaddr *)&sa, sizeof sa))
        return -1;
    *rx = accept(ls, NULL, NULL);
    close(ls);
    return *rx < 0 ? -1 : 0;
}

typedef struct read_results {
    double bytes, secs; /* bytes: whole batches delivered (partial tails not counted) */
} read_results_t;

/* Reads the whole log at `d` from offset 0 in 1 MiB fetches. */
static void bench_read(const char *d, read_mode_t mode, read_results_t *r)
{
    lode_log_t *log = open_log(d, INT64_MAX, true);
    int64_t leo = lode_log_end_offset(log), off = 0, bytes = 0, sent = 0;
    lode_log_set_high_watermark(log, leo);
    uint32_t max_bytes = 1 << 20;
    uint8_t *buf = malloc(max_bytes + batch.len);
    int out = -1, rx = -1;
    pthread_t drainer;
    drain_t dr = {0};
    if (mode == READ_SENDFILE_NULL)
        out = open("/dev/null", O_WRONLY);
    if (mode == READ_SENDFILE_TCP) {
        if (tcp_pair(&out, &rx))
            die("loopback socket", 0);
        dr.fd = rx;
        pthread_create(&drainer, NULL, drain_main, &dr);
    }
    int64_t t0 = now_ns();
    while (off < leo) {
        lode_log_read_t rd;
        int rc = lode_log_read(log, off, max_bytes, leo, true, &rd);
        if (rc)
            die("lode_log_read", rc);
        if (rd.slice.bytes == 0)
            break;
        off_t pos = rd.slice.position;
        size_t left = rd.slice.bytes;
        while (left > 0) {
            ssize_t n = mode == READ_PREAD ? pread(rd.slice.fd, buf, left, pos)
                                           : sendfile(out, rd.slice.fd, &pos, left);
            if (n <= 0)
                die(mode == READ_PREAD ? "pread" : "sendfile", 0);
            if (mode == READ_PREAD)
                pos += n;
            left -= (size_t)n;
        }
        sent += rd.slice.bytes;
        bytes += whole_batches(&rd.slice) * (int64_t)batch.len;
        off += whole_batches(&rd.slice) * RECORDS_PER_BATCH;
        lode_log_read_release(&rd);
    }
    if (mode == READ_SENDFILE_TCP) {
        shutdown(out, SHUT_WR);
        pthread_join(drainer, NULL); /* the consumer has every byte */
    }
    r->secs = (double)(now_ns() - t0) / 1e9;
    r->bytes = (double)bytes;
    if (mode == READ_SENDFILE_TCP && dr.bytes != sent) {
        fprintf(stderr, "bench_storage: consumer got %" PRId64 " of %" PRId64 " bytes\n", dr.bytes,
                sent);
        exit(1);
    }
    if (out >= 0)
        close(out);
    if (rx >= 0)
        close(rx);
    free(buf);
    lode_log_close(log);
}

/* ---- 4. recovery ---------------------------------------------------------- */

/* This process's read syscalls and bytes fetched from the block device
 * (/proc/self/io: syscr, read_bytes), to show what an open did. */
typedef struct io_counters {
    double syscr, read_bytes;
} io_counters_t;

static io_counters_t io_now(void)
{
    io_counters_t c = {0, 0};
    FILE *f = fopen("/proc/self/io", "r");
    if (!f)
        return c;
    char line[128];
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "syscr:", 6))
            c.syscr = strtod(line + 6, NULL);
        else if (!strncmp(line, "read_bytes:", 11))
            c.read_bytes = strtod(line + 11, NULL);
    }
    fclose(f);
    return c;
}

typedef struct open_result {
    double secs;
    double reads;      /* read syscalls (pread…) */
    double disk_bytes; /* bytes read from the device */
} open_result_t;

/* Fraction of the bytes of regular files under `d` resident in the page
 * cache (mincore), to show what "warm" and "cold" meant. */
static double cached_total, resident_total;

static int count_resident(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag != FTW_F || sb->st_size == 0)
        return 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    void *m = mmap(NULL, (size_t)sb->st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (m != MAP_FAILED) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE),
               pages = ((size_t)sb->st_size + page - 1) / page;
        unsigned char *vec = malloc(pages);
        if (mincore(m, (size_t)sb->st_size, vec) == 0) {
            for (size_t i = 0; i < pages; i++)
                resident_total += (vec[i] & 1) ? (double)page : 0;
            cached_total += (double)sb->st_size;
        }
        free(vec);
        munmap(m, (size_t)sb->st_size);
    }
    close(fd);
    return 0;
}

static double resident_fraction(const char *d)
{
    cached_total = resident_total = 0;
    nftw(d, count_resident, 16, FTW_PHYS);
    return cached_total > 0 ? resident_total / cached_total : 0;
}

static int evict_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag != FTW_F)
        return 0;
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        fdatasync(fd); /* only clean pages can be dropped */
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
    }
    return 0;
}

/* Drops the log's pages from the page cache (not the whole machine's). */
static void evict(const char *d)
{
    nftw(d, evict_entry, 16, FTW_PHYS);
}

typedef struct recovery_results {
    double bytes;
    int segments;
    double write_secs;    /* child: appends + one flush */
    double validate_secs; /* the validation hook alone over as many batches, in memory */
    open_result_t unclean_warm, clean_warm, clean_cold, unclean_cold;
    double resident_warm, resident_cold; /* page-cache residency before the opens */
} recovery_results_t;

/* Opens (clean: recovery point at the end, as the checkpoint and the
 * clean-shutdown marker would say; unclean: recovery point 0), checks the
 * LEO, closes cleanly. */
static open_result_t timed_open(const char *d, bool clean, int64_t want_leo, int *segments)
{
    io_counters_t io0 = io_now();
    int64_t t0 = now_ns();
    lode_log_t *log = open_log(d, clean ? INT64_MAX : 0, clean);
    open_result_t r;
    r.secs = (double)(now_ns() - t0) / 1e9;
    io_counters_t io1 = io_now();
    r.reads = io1.syscr - io0.syscr;
    r.disk_bytes = io1.read_bytes - io0.read_bytes;
    if (lode_log_end_offset(log) != want_leo) {
        fprintf(stderr, "bench_storage: recovered LEO %" PRId64 ", expected %" PRId64 "\n",
                lode_log_end_offset(log), want_leo);
        exit(1);
    }
    if (segments)
        *segments = lode_log_segment_count(log);
    lode_log_close(log);
    return r;
}

static void bench_recovery(int64_t size, recovery_results_t *r)
{
    char d[PATH_MAX];
    subdir(d, sizeof d, "recover-0");
    int64_t nbatches = size / (int64_t)batch.len;
    int64_t want_leo = nbatches * RECORDS_PER_BATCH;
    settle();
    int64_t t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0)
        die("fork", 0);
    if (pid == 0) {
        /* The broker that crashes: everything appended and fsynced (as
         * acks=all left it), then gone without closing the log — no sealed
         * indexes, no trimmed files, no clean-shutdown marker. */
        lode_log_t *log = open_log(d, 0, false);
        for (int64_t i = 0; i < nbatches; i++) {
            lode_log_append_info_t info;
            if (lode_log_append(log, batch.data, batch.len, 0, wall_ms(), &info) != 0)
                _exit(2);
        }
        _exit(lode_log_flush(log) == 0 ? 0 : 3);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("writer process", LODE_EIO);
    r->write_secs = (double)(now_ns() - t0) / 1e9;
    r->bytes = (double)(nbatches * (int64_t)batch.len);

    /* What recovery's CPU work alone costs: the same hook over the same
     * number of batches, from memory (one cache-hot batch). */
    int64_t tv = now_ns();
    for (int64_t i = 0; i < nbatches; i++)
        if (validate(batch.data, batch.len, NULL) != 0)
            die("validate", LODE_ECORRUPT);
    r->validate_secs = (double)(now_ns() - tv) / 1e9;

    r->resident_warm = resident_fraction(d);
    r->unclean_warm = timed_open(d, false, want_leo, &r->segments);
    r->clean_warm = timed_open(d, true, want_leo, NULL);
    evict(d);
    r->resident_cold = resident_fraction(d);
    r->clean_cold = timed_open(d, true, want_leo, NULL);
    evict(d);
    r->unclean_cold = timed_open(d, false, want_leo, NULL);
    rm_rf(d);
}

/* ---- main --------------------------------------------------------------- */

static bool wanted(const char *only, const char *phase)
{
    if (!only)
        return true;
    size_t n = strlen(phase);
    for (const char *p = only; (p = strstr(p, phase)) != NULL; p += n)
        if ((p == only || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
            return true;
    return false;
}

static double pct(double x, double of)
{
    return of > 0 ? 100 * x / of : 0;
}

int main(int argc, char **argv)
{
    const char *d = NULL, *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = true;
        else if (!strncmp(argv[i], "--only=", 7))
            only = argv[i] + 7;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: %s [--quick] [--only=fio,append,gc,read,recovery] [dir]\n",
                    argv[0]);
            return 2;
        } else
            d = argv[i];
    }
    if (d)
        snprintf(dir, sizeof dir, "%s", d);
    else {
        /* <build>/bench/bench_storage → <build>/bench-data */
        char self[1024];
        snprintf(self, sizeof self, "%s", argv[0]);
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = 0;
        snprintf(dir, sizeof dir, "%s/../bench-data", slash ? self : ".");
    }
    rm_rf(dir);
    if (mkdir(dir, 0755) != 0)
        die(dir, 0);
    struct statfs sfs;
    if (statfs(dir, &sfs) == 0 && sfs.f_type == 0x01021994 /* TMPFS_MAGIC */)
        fprintf(stderr, "bench_storage: warning: %s is on tmpfs, not a disk\n", dir);
    struct statvfs vfs;
    statvfs(dir, &vfs);
    double free_bytes = (double)vfs.f_bavail * (double)vfs.f_frsize;
    int64_t big = (int64_t)(free_bytes * 0.2);
    if (big > 5000000000LL)
        big = 5000000000LL;
    if (quick && big > 512000000LL)
        big = 512000000LL;
    build_batch();

    char load0[64], load1[64];
    load_average(load0, sizeof load0);
    double psi_cpu0 = psi_some_us("cpu"), psi_io0 = psi_some_us("io");
    int64_t t_start = now_ns();

    fio_results_t fio = {0};
    append_results_t app = {0};
    gc_results_t gc[NGC] = {{0}};
    static const int depths[NGC] = {1, 5, 32};
    read_results_t rd[3] = {{0}};
    recovery_results_t rec = {0};
    bool do_read = wanted(only, "read");

    if (wanted(only, "fio"))
        bench_fio_bandwidth(&fio);
    if (wanted(only, "append") || do_read)
        bench_append(&app);
    if (do_read) {
        char ad[PATH_MAX];
        subdir(ad, sizeof ad, "append-0");
        for (int m = 0; m < 3; m++)
            bench_read(ad, (read_mode_t)m, &rd[m]);
        rm_rf(ad);
    } else if (wanted(only, "append")) {
        char ad[PATH_MAX];
        subdir(ad, sizeof ad, "append-0");
        rm_rf(ad);
    }
    if (wanted(only, "fio"))
        bench_fio_sync(&fio, false);
    if (wanted(only, "gc"))
        for (int i = 0; i < NGC; i++)
            bench_group_commit(8, depths[i], &gc[i]);
    if (wanted(only, "fio"))
        bench_fio_sync(&fio, true);
    if (wanted(only, "recovery"))
        bench_recovery(big, &rec);
    double total_secs = (double)(now_ns() - t_start) / 1e9;
    load_average(load1, sizeof load1);
    double psi_cpu = psi_some_us("cpu") - psi_cpu0, psi_io = psi_some_us("io") - psi_io0;
    rm_rf(dir);

    double fio_bw = fio.seq_write_bps / MB;
    printf("data dir: %s (%.0f GB free); batch %zu bytes = %d records of %d-byte values; "
           "segment.bytes 1 GiB\n",
           dir, free_bytes / GB, batch.len, RECORDS_PER_BATCH, VALUE_BYTES);
    printf("load average before %s, after %s; %.0f s in all", load0, load1, total_secs);
    if (psi_cpu0 >= 0)
        printf("; pressure (PSI some, this run included): cpu %.0f%%, io %.0f%% of the time",
               psi_cpu / total_secs / 1e4, psi_io / total_secs / 1e4);
    printf("\n\n");
    printf("| measure | value | machine's limit (fio, same run) | vs limit |\n");
    printf("|---|---:|---|---:|\n");
    if (have_fio) {
        printf("| fio 16 KiB writes, no fsync: page cache only (`%s`) | %.0f MB/s | — | |\n",
               fio_cache_write_args(), fio.cache_write_bps / MB);
        printf("| fio seq write, 1 MiB blocks, fsync at end (`%s`) | %.0f MB/s | — | |\n",
               fio_seq_write_args(), fio_bw);
        printf("| fio seq read, cache dropped (`%s`) | %.0f MB/s | — | |\n", fio_seq_read_args(),
               fio.seq_read_bps / MB);
        printf("| fio 16 KiB write + fdatasync (`%s`) | %.1f MB/s; fdatasync mean %.0f µs, p50 "
               "%.0f µs, p99 %.0f µs | — | |\n",
               fio_sync16_args(), fio.sync16_bps / MB, fio.sync16_us[0], fio.sync16_us[1],
               fio.sync16_us[2]);
        printf("| fio 128 KiB write + fdatasync, before the group-commit cases (`%s`) | %.0f MB/s; "
               "fdatasync mean %.0f µs, p50 %.0f µs, p99 %.0f µs | — | |\n",
               fio_sync128_args(), fio.sync128_bps / MB, fio.sync128_us[0], fio.sync128_us[1],
               fio.sync128_us[2]);
        printf("| ... the same, after them | %.0f MB/s; fdatasync mean %.0f µs, p50 %.0f µs, p99 "
               "%.0f µs | — | |\n",
               fio.sync128_after_bps / MB, fio.sync128_after_us[0], fio.sync128_after_us[1],
               fio.sync128_after_us[2]);
    }
    if (app.secs > 0) {
        double mbs = app.bytes / app.secs / MB;
        printf("| append, page cache only (%.2f GB in %.2f s; CPU %.0f%% of a core) | %.0f MB/s, "
               "%.0f batches/s | 16 KiB writes, page cache %.0f MB/s | %.0f%% |\n",
               app.bytes / GB, app.secs, pct(app.cpu_secs, app.secs), mbs,
               app.bytes / (double)batch.len / app.secs, fio.cache_write_bps / MB,
               pct(mbs, fio.cache_write_bps / MB));
        double all = app.bytes / (app.secs + app.flush_secs) / MB;
        printf("| ... then one lode_log_flush (%.2f s): appends + fsync, fio's own pattern | %.0f "
               "MB/s | seq write %.0f MB/s | %.0f%% |\n",
               app.flush_secs, all, fio_bw, pct(all, fio_bw));
    }
    for (int i = 0; i < NGC; i++) {
        gc_results_t *g = &gc[i];
        if (g->secs <= 0)
            continue;
        double mbs = g->bytes / g->secs / MB;
        printf("| group commit, %d appenders x %d in flight, ack after fsync (%.0f s; CPU %.0f%% "
               "of a core) | %.0f MB/s, %.0f acks/s | seq write %.0f MB/s | %.0f%% |\n",
               g->threads, g->depth, g->secs, pct(g->cpu_secs, g->secs), mbs, g->acks / g->secs,
               fio_bw, pct(mbs, fio_bw));
        if (g->depth == 1) {
            /* the mean of the two fio runs that bracket the group-commit cases */
            double lim = (fio.sync128_bps + fio.sync128_after_bps) / 2 / MB;
            printf("| ... same, beside fio's serial 128 KiB (= 8 x 16 KiB in flight) write + "
                   "fdatasync (mean of before and after) | | %.0f MB/s | %.0f%% |\n",
                   lim, pct(mbs, lim));
        }
        printf("| ... fsyncs (flusher stats) | %.0f /s, %.1f acks per fsync, %.0f KB per fsync | "
               "| |\n",
               g->fsyncs / g->secs, g->fsyncs > 0 ? g->acks / g->fsyncs : 0,
               g->fsyncs > 0 ? g->bytes / g->fsyncs / 1e3 : 0);
        printf("| ... ack latency | p50 %.0f µs, p99 %.0f µs, max %.0f µs | fdatasync 16 KiB p50 "
               "%.0f µs, p99 %.0f µs | |\n",
               g->p50_us, g->p99_us, g->max_us, fio.sync16_us[1], fio.sync16_us[2]);
    }
    static const char *read_names[3] = {
        "read, pread(2) into a buffer (bytes copied to user space)",
        "read, sendfile(2) to loopback TCP, consumer thread recv()s",
        "read, sendfile(2) to /dev/null (pages never touched: lookup cost only)"};
    for (int m = 0; m < 3; m++)
        if (rd[m].secs > 0)
            printf("| %s, page-cached, %.2f GB in 1 MiB fetches | %.0f MB/s | | |\n", read_names[m],
                   rd[m].bytes / GB, rd[m].bytes / rd[m].secs / MB);
    if (rec.bytes > 0) {
        double gbs = rec.bytes / GB;
        printf("| recovery log: %.2f GB in %d segments, written by a child that flushed and "
               "exited without close | %.0f MB/s (appends + 1 fsync) | seq write %.0f MB/s | "
               "%.0f%% |\n",
               gbs, rec.segments, rec.bytes / rec.write_secs / MB, fio_bw,
               pct(rec.bytes / rec.write_secs / MB, fio_bw));
        const struct {
            const char *what;
            const open_result_t *o;
            bool rate;
        } opens[4] = {
            {"open after unclean shutdown, warm cache: every segment re-validated",
             &rec.unclean_warm, true},
            {"open after clean shutdown, warm cache", &rec.clean_warm, false},
            {"open after clean shutdown, cold cache", &rec.clean_cold, false},
            {"open after unclean shutdown, cold cache: every segment re-validated",
             &rec.unclean_cold, true},
        };
        for (int i = 0; i < 4; i++) {
            const open_result_t *o = opens[i].o;
            printf("| %s (%.0f read syscalls, %.0f MB from disk) | %.3f s", opens[i].what, o->reads,
                   o->disk_bytes / MB, o->secs);
            if (opens[i].rate)
                printf(" = %.0f MB/s", rec.bytes / o->secs / MB);
            if (i == 3)
                printf(" | seq read, cache dropped %.0f MB/s | %.0f%% |\n", fio.seq_read_bps / MB,
                       pct(rec.bytes / o->secs / MB, fio.seq_read_bps / MB));
            else
                printf(" | | |\n");
        }
        printf("| ... beside: the validation hook alone over as many batches, in memory | %.3f s = "
               "%.0f MB/s | | |\n",
               rec.validate_secs, rec.bytes / rec.validate_secs / MB);
        printf("| (page cache before the warm opens: %.0f%% of the log's bytes resident; before "
               "the cold ones: %.0f%%) | | | |\n",
               100 * rec.resident_warm, 100 * rec.resident_cold);
    }
    if (gc[0].secs > 0 && have_fio) {
        printf(
            "\ngoal (issue): group-commit appends >= 80%% of fio's sequential write (%.0f MB/s):",
            fio_bw);
        for (int i = 0; i < NGC; i++) {
            double r = pct(gc[i].bytes / gc[i].secs / MB, fio_bw);
            printf(" 8 x %d in flight %.0f%% (%s)%s", gc[i].depth, r, r >= 80 ? "met" : "missed",
                   i + 1 < NGC ? ";" : "\n");
        }
    }
    lode_buf_free(&batch);
    return 0;
}
