/* Partition log: offsets, rolls, reads, reopen, retention, truncation. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "storage/log.h"
#include "support/fake_batch.h"
#include "test.h"

static const lode_log_hooks_t hooks = {lode_test_crc_ok, NULL};

static lode_log_config_t cfg_small(void)
{
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    c.segment_bytes = 2000;
    c.segment_index_bytes = 1024;
    c.index_interval_bytes = 200;
    return c;
}

static char *logdir(void)
{
    static char d[512];
    snprintf(d, sizeof d, "%s/orders-0", lode_test_tmpdir());
    return d;
}

static int64_t append_n(lode_log_t *log, int nbatches, int32_t per, int64_t ts0, int64_t now)
{
    int64_t last = -1;
    for (int i = 0; i < nbatches; i++) {
        lode_buf_t b = LODE_BUF_INIT;
        lode_test_put_batch(&b, 0, per, ts0 + i, 100, -1, 0);
        lode_log_append_info_t info;
        REQUIRE(lode_log_append(log, b.data, b.len, 7, now, &info) == 0);
        REQUIRE(info.last_offset - info.first_offset + 1 == per);
        last = info.last_offset;
        lode_buf_free(&b);
    }
    return last;
}

TEST(log_assigns_offsets_and_rolls)
{
    lode_log_config_t c = cfg_small();
    lode_log_t *log;
    REQUIRE(lode_log_open(logdir(), &c, 0, -1, false, &hooks, 0, &log) == 0);
    CHECK_EQ(lode_log_end_offset(log), 0);
    int64_t last = append_n(log, 100, 5, 1000, 0);
    CHECK_EQ(last, 499);
    CHECK_EQ(lode_log_end_offset(log), 500);
    CHECK(lode_log_segment_count(log) > 5); /* 161-byte batches, 2000-byte segments */
    CHECK_EQ(lode_log_size_bytes(log), 100 * 161);
    lode_log_set_high_watermark(log, 500);
    /* Every offset is readable and the first batch returned holds it. */
    for (int64_t o = 0; o < 500; o += 7) {
        lode_log_read_t r;
        REQUIRE(lode_log_read(log, o, 1000, 500, true, &r) == 0);
        REQUIRE(r.slice.bytes > 0);
        uint8_t h[61];
        REQUIRE(pread(r.slice.fd, h, 61, r.slice.position) == 61);
        int64_t base = (int64_t)lode_be64_load(h);
        REQUIRE(base == o / 5 * 5);
        REQUIRE((int32_t)lode_be32_load(h + 12) == 7); /* leader epoch stamped */
        lode_log_read_release(&r);
    }
    lode_log_read_t r;
    CHECK_EQ(lode_log_read(log, 501, 1000, 500, true, &r), LODE_ERANGE);
    REQUIRE(lode_log_read(log, 500, 1000, 500, true, &r) == 0);
    CHECK_EQ(r.slice.bytes, 0);
    /* Reads stop at max_offset (high watermark). */
    REQUIRE(lode_log_read(log, 0, 100000, 10, false, &r) == 0);
    CHECK_EQ(r.slice.bytes, 2 * 161);
    lode_log_read_release(&r);
    lode_log_close(log);
}

static int count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t a = strlen(e->d_name), b = strlen(suffix);
        if (a > b && !strcmp(e->d_name + a - b, suffix))
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

TEST(log_reopen_clean_and_unclean)
{
    lode_log_config_t c = cfg_small();
    lode_log_t *log;
    REQUIRE(lode_log_open(logdir(), &c, 0, -1, false, &hooks, 0, &log) == 0);
    append_n(log, 50, 2, 1000, 0);
    int segs = lode_log_segment_count(log);
    REQUIRE(lode_log_flush(log) == 0);
    CHECK_EQ(lode_log_recovery_point(log), 100);
    lode_log_close(log);
    /* A producer snapshot at the LEO even without idempotent producers, so
     * the next open replays nothing. */
    char snap[4200];
    snprintf(snap, sizeof snap, "%s/%020d.snapshot", logdir(), 100);
    CHECK(access(snap, F_OK) == 0);
    REQUIRE(lode_log_open(logdir(), &c, 100, 0, true, &hooks, 0, &log) == 0);
    CHECK_EQ(lode_log_end_offset(log), 100);
    CHECK_EQ(lode_log_segment_count(log), segs);
    append_n(log, 1, 2, 5000, 0);
    CHECK_EQ(lode_log_end_offset(log), 102);
    lode_log_close(log);
    /* Unclean: garbage tail on the active segment, recovery point 0. */
    char path[4096];
    snprintf(path, sizeof path, "%s", logdir());
    DIR *d = opendir(path);
    struct dirent *e;
    char last[512] = "";
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".log") && strcmp(e->d_name, last) > 0)
            snprintf(last, sizeof last, "%s", e->d_name);
    closedir(d);
    snprintf(path, sizeof path, "%s/%s", logdir(), last);
    FILE *f = fopen(path, "a");
    fputs("torn tail garbage", f);
    fclose(f);
    REQUIRE(lode_log_open(logdir(), &c, 0, 0, false, &hooks, 0, &log) == 0);
    CHECK_EQ(lode_log_end_offset(log), 102);
    CHECK_EQ(lode_log_recovery_point(log), 102);
    lode_log_set_high_watermark(log, 102);
    lode_log_read_t r;
    REQUIRE(lode_log_read(log, 100, 10000, 102, false, &r) == 0);
    CHECK_EQ(r.slice.bytes, 161);
    lode_log_read_release(&r);
    lode_log_close(log);
}

TEST(log_recovery_drops_everything_after_corruption)
{
    lode_log_config_t c = cfg_small();
    lode_log_t *log;
    REQUIRE(lode_log_open(logdir(), &c, 0, -1, false, &hooks, 0, &log) == 0);
    append_n(log, 40, 1, 1000, 0);
    lode_log_close(log);
    /* Flip a byte inside batch 3 of the first segment: its CRC fails. */
    char path[4096];
    snprintf(path, sizeof path, "%s/00000000000000000000.log", logdir());
    FILE *f = fopen(path, "r+");
    fseek(f, 3 * 161 + 100, SEEK_SET);
    fputc('X', f);
    fclose(f);
    REQUIRE(lode_log_open(logdir(), &c, 0, 0, false, &hooks, 0, &log) == 0);
    CHECK_EQ(lode_log_end_offset(log), 3);
    CHECK_EQ(lode_log_segment_count(log), 1);
    CHECK_EQ(count_files(logdir(), ".log"), 1);
    lode_log_close(log);
}

TEST(log_retention_by_size_time_and_start_offset)
{
    lode_log_config_t c = cfg_small();
    c.retention_bytes = 5000;
    c.retention_ms = -1;
    c.file_delete_delay_ms = 1000;
    lode_log_t *log;
    REQUIRE(lode_log_open(logdir(), &c, 0, -1, false, &hooks, 0, &log) == 0);
    append_n(log, 100, 1, 1000, 0);
    lode_log_set_high_watermark(log, 100);
    int before = lode_log_segment_count(log);
    int removed = lode_log_apply_retention(log, 10);
    CHECK(removed > 0);
    CHECK_EQ(lode_log_segment_count(log), before - removed);
    CHECK(lode_log_size_bytes(log) >= 5000 - 2000);
    CHECK(lode_log_size_bytes(log) <= 5000 + 2000);
    CHECK(lode_log_start_offset(log) > 0);
    CHECK_EQ(count_files(logdir(), ".log.deleted"), removed);
    lode_log_delete_expired_files(log, 500, false);
    CHECK_EQ(count_files(logdir(), ".log.deleted"), removed); /* delay not passed */
    lode_log_delete_expired_files(log, 1010, false);
    CHECK_EQ(count_files(logdir(), ".log.deleted"), 0);
    lode_log_read_t r;
    CHECK_EQ(lode_log_read(log, 0, 100, 100, true, &r), LODE_ERANGE);
    /* time: segments whose max timestamp is older than retention.ms */
    c.retention_bytes = -1;
    c.retention_ms = 50;
    lode_log_set_config(log, &c);
    int64_t start_before = lode_log_start_offset(log);
    CHECK_EQ(lode_log_apply_retention(log, 1000 + 50), 0); /* nothing older than 50 ms yet */
    removed = lode_log_apply_retention(log, 1000000);
    CHECK(removed > 0);
    CHECK_EQ(lode_log_segment_count(log), 1); /* never the active segment */
    CHECK(lode_log_start_offset(log) > start_before);
    /* DeleteRecords */
    lode_log_close(log);
    REQUIRE(lode_log_open(logdir(), &c, 0, -1, false, &hooks, 0, &log) == 0);
    int64_t leo = lode_log_end_offset(log);
    append_n(log, 30, 1, 5000000, 0);
    lode_log_set_high_watermark(log, leo + 20);
    CHECK_EQ(lode_log_advance_start_offset(log, leo + 25), LODE_ERANGE);
    REQUIRE(lode_log_advance_start_offset(log, leo + 15) == 0);
    CHECK_EQ(lode_log_start_offset(log), leo + 15);
    CHECK_EQ(lode_log_read(log, leo + 14, 100, leo + 20, true, &r), LODE_ERANGE);
    REQUIRE(lode_log_read(log, leo + 15, 100, leo + 20, true, &r) == 0);
    CHECK(r.slice.bytes > 0);
    lode_log_read_release(&r);
    c.retention_ms = -1;
    lode_log_set_config(log, &c);
    lode_log_apply_retention(log, 5000000);
    CHECK(lode_log_segment_count(log) <= 3);
    lode_log_close(log);
}

TEST(log_truncate_and_follower_append)
{
    lode_log_config_t c = cfg_small();
    lode_log_t *log;
    REQUIRE(lode_log_open(logdir(), &c, 0, -1, false, &hooks, 0, &log) == 0);
    append_n(log, 60, 2, 1000, 0);
    lode_log_set_high_watermark(log, 120);
    REQUIRE(lode_log_truncate_to(log, 51) == 0); /* inside batch 50..51: drops it */
    CHECK_EQ(lode_log_end_offset(log), 50);
    CHECK_EQ(lode_log_high_watermark(log), 50);
    int64_t last = append_n(log, 1, 2, 2000, 0);
    CHECK_EQ(last, 51);
    /* follower: offsets kept, must not go backwards */
    lode_buf_t b = LODE_BUF_INIT;
    lode_test_put_batch(&b, 0, 3, 3000, 10, -1, 0);
    lode_be64_store(b.data, 40);
    lode_log_append_info_t info;
    CHECK_EQ(lode_log_append_as_follower(log, b.data, b.len, 0, &info), LODE_EINVAL);
    lode_be64_store(b.data, 52);
    REQUIRE(lode_log_append_as_follower(log, b.data, b.len, 0, &info) == 0);
    CHECK_EQ(lode_log_end_offset(log), 55);
    lode_buf_free(&b);
    /* full truncation below the first segment */
    REQUIRE(lode_log_truncate_to(log, 0) == 0);
    CHECK_EQ(lode_log_end_offset(log), 0);
    CHECK_EQ(lode_log_segment_count(log), 1);
    lode_log_close(log);
}

TEST(log_append_time_and_timestamp_lookup)
{
    lode_log_config_t c = cfg_small();
    c.timestamp_type = LODE_TIMESTAMP_LOG_APPEND_TIME;
    lode_log_t *log;
    REQUIRE(lode_log_open(logdir(), &c, 0, -1, false, &hooks, 0, &log) == 0);
    for (int i = 0; i < 30; i++) {
        lode_buf_t b = LODE_BUF_INIT;
        lode_test_put_batch(&b, 0, 1, 5, 50, -1, 0);
        lode_log_append_info_t info;
        REQUIRE(lode_log_append(log, b.data, b.len, 0, 10000 + i * 100, &info) == 0);
        CHECK_EQ(info.log_append_time_ms, 10000 + i * 100);
        CHECK_EQ(lode_test_crc_ok(b.data, b.len, NULL), 0); /* CRC recomputed */
        CHECK(lode_be16_load(b.data + 21) & 0x08);
        lode_buf_free(&b);
    }
    int64_t off, ts;
    lode_log_read_t r;
    REQUIRE(lode_log_offset_for_timestamp(log, 10250, &off, &ts, &r) == 0);
    CHECK_EQ(off, 3);
    CHECK_EQ(ts, 10300);
    lode_log_read_release(&r);
    REQUIRE(lode_log_offset_for_timestamp(log, 99999, &off, &ts, &r) == 0);
    CHECK_EQ(off, -1);
    REQUIRE(lode_log_max_timestamp(log, &ts, &off) == 0);
    CHECK(ts == 12900 && off == 29);
    lode_log_close(log);
    /* reopened (clean): the same answers from the indexes */
    REQUIRE(lode_log_open(logdir(), &c, 30, 0, true, &hooks, 0, &log) == 0);
    REQUIRE(lode_log_offset_for_timestamp(log, 10000, &off, &ts, &r) == 0);
    CHECK_EQ(off, 0);
    lode_log_read_release(&r);
    REQUIRE(lode_log_max_timestamp(log, &ts, &off) == 0);
    CHECK(ts == 12900 && off == 29);
    lode_log_close(log);
}

TEST(log_rejects_bad_appends)
{
    lode_log_config_t c = cfg_small();
    c.max_message_bytes = 150;
    lode_log_t *log;
    REQUIRE(lode_log_open(logdir(), &c, 0, -1, false, &hooks, 0, &log) == 0);
    lode_buf_t b = LODE_BUF_INIT;
    lode_test_put_batch(&b, 0, 1, 5, 100, -1, 0);
    lode_log_append_info_t info;
    CHECK_EQ(lode_log_append(log, b.data, b.len, 0, 0, &info), LODE_ETOOBIG);
    CHECK_EQ(lode_log_append(log, b.data, b.len - 1, 0, 0, &info), LODE_ECORRUPT);
    b.data[16] = 1;
    CHECK_EQ(lode_log_append(log, b.data, b.len, 0, 0, &info), LODE_EUNSUPPORTED);
    CHECK_EQ(lode_log_end_offset(log), 0);
    lode_buf_free(&b);
    lode_log_close(log);
}

TEST(log_leader_epochs_for_offset_for_leader_epoch)
{
    lode_log_config_t c = cfg_small();
    lode_log_t *log;
    REQUIRE(lode_log_open(logdir(), &c, 0, -1, false, &hooks, 0, &log) == 0);
    int32_t ep;
    int64_t end;
    lode_log_end_offset_for_epoch(log, 0, &ep, &end);
    CHECK(ep == -1 && end == -1);
    int epochs[] = {0, 0, 2, 2, 2, 5, 5};
    for (int i = 0; i < 7; i++) {
        lode_buf_t b = LODE_BUF_INIT;
        lode_test_put_batch(&b, 0, 10, 1000, 20, -1, 0);
        lode_log_append_info_t info;
        REQUIRE(lode_log_append(log, b.data, b.len, epochs[i], 0, &info) == 0);
        lode_buf_free(&b);
    }
    CHECK_EQ(lode_log_latest_epoch(log), 5);
    lode_log_end_offset_for_epoch(log, 0, &ep, &end);
    CHECK(ep == 0 && end == 20);
    lode_log_end_offset_for_epoch(log, 1, &ep, &end); /* unknown epoch: the one below it */
    CHECK(ep == 0 && end == 20);
    lode_log_end_offset_for_epoch(log, 2, &ep, &end);
    CHECK(ep == 2 && end == 50);
    lode_log_end_offset_for_epoch(log, 9, &ep, &end);
    CHECK(ep == 5 && end == 70);
    lode_log_close(log);
    /* persisted in Kafka's format */
    char path[1024];
    snprintf(path, sizeof path, "%s/leader-epoch-checkpoint", logdir());
    FILE *f = fopen(path, "r");
    REQUIRE(f);
    char text[128] = {0};
    CHECK(fread(text, 1, sizeof text - 1, f) > 0);
    fclose(f);
    CHECK_STREQ(text, "0\n3\n0 0\n2 20\n5 50\n");
    /* truncation drops epochs past the new end; lost checkpoint is rebuilt
     * from the batches on unclean recovery */
    REQUIRE(lode_log_open(logdir(), &c, 70, -1, true, &hooks, 0, &log) == 0);
    REQUIRE(lode_log_truncate_to(log, 45) == 0);
    CHECK_EQ(lode_log_latest_epoch(log), 2);
    lode_log_close(log);
    unlink(path);
    REQUIRE(lode_log_open(logdir(), &c, 0, -1, false, &hooks, 0, &log) == 0);
    lode_log_end_offset_for_epoch(log, 0, &ep, &end);
    CHECK(ep == 0 && end == 20);
    lode_log_end_offset_for_epoch(log, 2, &ep, &end);
    CHECK(ep == 2 && end == 40);
    lode_log_close(log);
}
