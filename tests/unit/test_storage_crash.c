/*
 * Randomised crash test of the log: a child appends (sometimes fsyncing and
 * reporting the durable offset through a pipe) and is killed with SIGKILL at
 * a random moment; sometimes the parent then also models a power loss by
 * cutting the unsynced tail of the last segment at a random byte (and adding
 * garbage). The parent reopens the log and checks:
 *   - every batch reported durable is present, byte for byte;
 *   - offsets are contiguous from 0 to the LEO;
 *   - the indexes agree with a linear scan of the .log files;
 *   - nothing after the torn point is visible (every visible batch is intact).
 * Seeded: LODE_TEST_SEED replays a failing run (the seed is printed).
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "storage/checkpoint.h"
#include "storage/log.h"
#include "support/fake_batch.h"
#include "test.h"

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* The batch the child appends when the LEO is `base`: records and payload
 * are a pure function of (round seed, base), so the parent can rebuild it. */
static void make_batch(lode_buf_t *b, uint64_t seed, int64_t base)
{
    uint64_t h = mix(seed ^ (uint64_t)base);
    int32_t count = 1 + (int32_t)(h % 7);
    size_t payload = 10 + (size_t)(h >> 8) % 3000;
    lode_test_put_batch(b, base, count, 1000 + base, payload, 3, h);
}

static const lode_log_hooks_t hooks = {lode_test_crc_ok, NULL};

static lode_log_config_t crash_cfg(void)
{
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    c.segment_bytes = 64 * 1024;
    c.segment_index_bytes = 4096;
    c.index_interval_bytes = 1024;
    return c;
}

/* The recovery point the child last checkpointed, 0 when none. */
static int64_t read_recovery_point(const char *cp_path)
{
    int64_t rp = 0;
    lode_tp_offset_t *cp;
    size_t n;
    if (lode_checkpoint_read_offsets(cp_path, &cp, &n) == 0 && n == 1)
        rp = cp[0].offset;
    if (n)
        lode_tp_offsets_free(cp, n);
    return rp;
}

static void child(const char *dir, const char *cp_path, uint64_t seed, int fd)
{
    lode_log_config_t c = crash_cfg();
    int64_t rp = read_recovery_point(cp_path);
    lode_log_t *log;
    if (lode_log_open(dir, &c, rp, 0, false, &hooks, 0, &log) != 0)
        _exit(3);
    uint64_t r = seed;
    for (;;) {
        lode_buf_t b = LODE_BUF_INIT;
        make_batch(&b, seed, lode_log_end_offset(log));
        lode_log_append_info_t info;
        if (lode_log_append(log, b.data, b.len, 3, 0, &info) != 0)
            _exit(4);
        lode_buf_free(&b);
        r = mix(r);
        if (r % 4 == 0) {
            if (lode_log_flush(log) != 0)
                _exit(5);
            int64_t durable = lode_log_recovery_point(log);
            if (r % 8 == 0) {
                lode_tp_offset_t e = {"crash", 0, durable};
                lode_checkpoint_write_offsets(cp_path, &e, 1);
            }
            if (write(fd, &durable, sizeof durable) != sizeof durable)
                _exit(6);
        }
    }
}

/* Names of the .log files in dir, sorted (caller frees). */
static int list_logs(const char *dir, char names[][32], int max)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < max) {
        size_t l = strlen(e->d_name);
        if (l == 24 && !strcmp(e->d_name + 20, ".log"))
            memcpy(names[n++], e->d_name, 25);
    }
    if (d)
        closedir(d);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(names[i], names[j]) > 0) {
                char t[32];
                memcpy(t, names[i], 32);
                memcpy(names[i], names[j], 32);
                memcpy(names[j], t, 32);
            }
    return n;
}

/* Power loss: cut the last segment somewhere after `durable`'s batch end. */
static void power_loss(const char *dir, int64_t durable, uint64_t *rng)
{
    char names[4096][32];
    int n = list_logs(dir, names, 4096);
    if (n == 0)
        return;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[n - 1]);
    int fd = open(path, O_RDWR);
    if (fd < 0)
        return;
    struct stat st;
    fstat(fd, &st);
    /* Find the first byte not covered by durable offsets in this file. */
    off_t pos = 0, keep = 0;
    uint8_t h[61];
    while (pos + 61 <= st.st_size && pread(fd, h, 61, pos) == 61) {
        int64_t base = (int64_t)lode_be64_load(h);
        int64_t total = (int64_t)lode_be32_load(h + 8) + 12;
        int64_t last = base + (int32_t)lode_be32_load(h + 23);
        if (pos + total > st.st_size)
            break;
        pos += total;
        if (last < durable)
            keep = pos;
    }
    if (st.st_size > keep) {
        off_t cut = keep + (off_t)(lode_test_rand(rng) % (uint64_t)(st.st_size - keep + 1));
        if (ftruncate(fd, cut) == 0 && lode_test_rand(rng) % 2) {
            uint8_t junk[300];
            for (size_t i = 0; i < sizeof junk; i++)
                junk[i] = (uint8_t)lode_test_rand(rng);
            if (pwrite(fd, junk, lode_test_rand(rng) % sizeof junk, cut) < 0)
                (void)0;
        }
    }
    close(fd);
}

static void verify(const char *dir, const char *cp_path, uint64_t seed, int64_t durable)
{
    lode_log_config_t c = crash_cfg();
    int64_t rp = read_recovery_point(cp_path);
    lode_log_t *log;
    REQUIRE(lode_log_open(dir, &c, rp, 0, false, &hooks, 0, &log) == 0);
    int64_t leo = lode_log_end_offset(log);
    if (leo < durable)
        fprintf(stderr, "  LEO %lld < durable %lld\n", (long long)leo, (long long)durable);
    REQUIRE(leo >= durable);
    lode_log_set_high_watermark(log, leo);
    int64_t off = 0;
    while (off < leo) {
        lode_log_read_t r;
        REQUIRE(lode_log_read(log, off, 1, leo, true, &r) == 0);
        REQUIRE(r.slice.bytes >= 61);
        uint8_t *got = malloc(r.slice.bytes);
        REQUIRE(pread(r.slice.fd, got, r.slice.bytes, r.slice.position) == (ssize_t)r.slice.bytes);
        lode_buf_t want = LODE_BUF_INIT;
        make_batch(&want, seed, off);
        REQUIRE(want.len == r.slice.bytes);
        REQUIRE(memcmp(want.data, got, want.len) == 0); /* offsets contiguous, bytes exact */
        off += (int32_t)lode_be32_load(want.data + 23) + 1;
        lode_buf_free(&want);
        free(got);
        lode_log_read_release(&r);
    }
    CHECK_EQ(off, leo);
    lode_log_close(log);
}

TEST(crash_rounds)
{
    uint64_t rng = lode_test_seed() ^ 0xc4a5b;
    const char *rounds_env = getenv("LODE_CRASH_ROUNDS");
    int rounds = rounds_env ? atoi(rounds_env) : 40;
    char dir[512], cp_path[512];
    snprintf(dir, sizeof dir, "%s/crash-0", lode_test_tmpdir());
    snprintf(cp_path, sizeof cp_path, "%s/recovery-point-offset-checkpoint", lode_test_tmpdir());
    uint64_t seed = lode_test_rand(&rng);
    int64_t durable = 0;
    for (int round = 0; round < rounds; round++) {
        int p[2];
        REQUIRE(pipe(p) == 0);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            child(dir, cp_path, seed, p[1]);
        }
        close(p[1]);
        struct timespec ts = {0, (long)(lode_test_rand(&rng) % 30000000)};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int64_t v;
        while (read(p[0], &v, sizeof v) == sizeof v)
            if (v > durable)
                durable = v;
        close(p[0]);
        int ws;
        waitpid(pid, &ws, 0);
        REQUIRE(WIFSIGNALED(ws)); /* the child never exits on its own */
        if (lode_test_rand(&rng) % 2)
            power_loss(dir, durable, &rng);
        verify(dir, cp_path, seed, durable);
    }
    fprintf(stderr, "  %d crash rounds, final durable offset %lld\n", rounds, (long long)durable);
}
