/* Log manager: parallel load, clean/unclean restart, checkpoints, deletion,
 * periodic retention with a virtual clock. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "proto/compress.h"
#include "storage/checkpoint.h"
#include "storage/logmgr.h"
#include "support/fake_batch.h"
#include "test.h"

static int64_t vclock;
static int64_t vnow(void *arg)
{
    (void)arg;
    return vclock;
}

static char dirs_buf[2][512];
static const char *dirs[2];

static lode_logmgr_config_t mgr_cfg(void)
{
    lode_logmgr_config_t c;
    lode_logmgr_config_defaults(&c);
    for (int i = 0; i < 2; i++) {
        snprintf(dirs_buf[i], sizeof dirs_buf[i], "%s/data%d", lode_test_tmpdir(), i);
        dirs[i] = dirs_buf[i];
    }
    c.log_dirs = dirs;
    c.n_log_dirs = 2;
    c.now_ms = vnow;
    c.hooks.validate = lode_test_crc_ok;
    c.defaults.segment_bytes = 4096;
    c.defaults.segment_index_bytes = 1024;
    return c;
}

static void append(lode_log_t *log, int n, int64_t ts)
{
    for (int i = 0; i < n; i++) {
        lode_buf_t b = LODE_BUF_INIT;
        lode_test_put_batch(&b, 0, 2, ts, 200, -1, (uint64_t)i);
        lode_log_append_info_t info;
        REQUIRE(lode_log_append(log, b.data, b.len, 0, vclock, &info) == 0);
        lode_buf_free(&b);
    }
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

TEST(logmgr_create_reopen_clean_and_unclean)
{
    vclock = 1000;
    lode_logmgr_config_t c = mgr_cfg();
    lode_logmgr_t *m;
    REQUIRE(lode_logmgr_open(&c, &m) == 0);
    uint8_t id[16];
    for (int i = 0; i < 16; i++)
        id[i] = (uint8_t)(i * 17);
    for (int p = 0; p < 50; p++) {
        lode_log_t *log;
        REQUIRE(lode_logmgr_get_or_create(m, "orders", p, id, &log) == 0);
        append(log, p % 7, 1000);
        lode_log_release(log);
    }
    CHECK_EQ(lode_logmgr_count(m), 50);
    lode_log_t *log = lode_logmgr_get(m, "orders", 3);
    REQUIRE(log);
    CHECK_EQ(lode_log_end_offset(log), 6);
    lode_log_release(log);
    CHECK(lode_logmgr_get(m, "orders", 50) == NULL);
    /* spread over both dirs */
    char path[1024];
    snprintf(path, sizeof path, "%s/orders-0", dirs[0]);
    bool in0 = exists(path);
    snprintf(path, sizeof path, "%s/orders-1", dirs[1]);
    CHECK(in0 && exists(path));
    snprintf(path, sizeof path, "%s/orders-0/partition.metadata", dirs[0]);
    FILE *f = fopen(path, "r");
    REQUIRE(f);
    char text[128] = {0};
    CHECK(fread(text, 1, sizeof text - 1, f) > 0);
    fclose(f);
    CHECK_STREQ(text, "version: 0\ntopic_id: ABEiM0RVZneImaq7zN3u_w\n");
    REQUIRE(lode_logmgr_close(m) == 0);
    snprintf(path, sizeof path, "%s/.kafka_cleanshutdown", dirs[0]);
    CHECK(exists(path));
    lode_tp_offset_t *cp;
    size_t n;
    snprintf(path, sizeof path, "%s/recovery-point-offset-checkpoint", dirs[0]);
    REQUIRE(lode_checkpoint_read_offsets(path, &cp, &n) == 0);
    CHECK_EQ(n, 25);
    /* every log durable to its end (the recovery point) and its producer
     * snapshot there, written by the close */
    for (size_t i = 0; i < n; i++) {
        int64_t leo = (int64_t)(cp[i].partition % 7) * 2;
        CHECK_EQ(cp[i].offset, leo);
        snprintf(path, sizeof path, "%s/orders-%d/%020lld.snapshot", dirs[0], (int)cp[i].partition,
                 (long long)leo);
        CHECK(exists(path));
    }
    lode_tp_offsets_free(cp, n);

    /* clean restart: same offsets, marker consumed */
    REQUIRE(lode_logmgr_open(&c, &m) == 0);
    CHECK_EQ(lode_logmgr_count(m), 50);
    snprintf(path, sizeof path, "%s/.kafka_cleanshutdown", dirs[0]);
    CHECK(!exists(path));
    log = lode_logmgr_get(m, "orders", 13);
    REQUIRE(log);
    CHECK_EQ(lode_log_end_offset(log), 12);
    append(log, 3, 2000);
    lode_log_release(log);
    /* "crash": no close; the unflushed tail gets garbage appended */
    log = lode_logmgr_get(m, "orders", 13);
    char seg[1024];
    snprintf(seg, sizeof seg, "%s/00000000000000000000.log", lode_log_dir(log));
    lode_log_release(log);
    f = fopen(seg, "a");
    fputs("garbage", f);
    fclose(f);
    /* Leak m deliberately (a crashed process frees nothing); open anew. */
    lode_logmgr_t *m2;
    REQUIRE(lode_logmgr_open(&c, &m2) == 0);
    log = lode_logmgr_get(m2, "orders", 13);
    REQUIRE(log);
    CHECK_EQ(lode_log_end_offset(log), 18);
    lode_log_release(log);
    lode_logmgr_close(m2);
    lode_logmgr_close(m);
}

static int count_entries(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, needle))
            n++;
    if (d)
        closedir(d);
    return n;
}

TEST(logmgr_delete_and_periodic_retention)
{
    vclock = 1000;
    lode_logmgr_config_t c = mgr_cfg();
    c.defaults.retention_ms = 10000;
    c.defaults.file_delete_delay_ms = 500;
    c.retention_check_interval_ms = 1000;
    lode_logmgr_t *m;
    REQUIRE(lode_logmgr_open(&c, &m) == 0);
    lode_log_t *log;
    REQUIRE(lode_logmgr_get_or_create(m, "t", 0, NULL, &log) == 0);
    append(log, 60, 1000); /* ~16 KB → several 4 KB segments */
    lode_log_set_high_watermark(log, lode_log_end_offset(log));
    int segs = lode_log_segment_count(log);
    CHECK(segs > 3);
    vclock = 5000;
    lode_logmgr_tick(m, vclock);
    CHECK_EQ(lode_log_segment_count(log), segs);
    vclock = 12000; /* > 1000 + 10000 */
    lode_logmgr_tick(m, vclock);
    CHECK_EQ(lode_log_segment_count(log), 1);
    CHECK(lode_log_start_offset(log) > 0);
    CHECK(count_entries(lode_log_dir(log), ".deleted") > 0);
    vclock = 12600;
    lode_logmgr_tick(m, vclock);
    CHECK_EQ(count_entries(lode_log_dir(log), ".deleted"), 0);
    lode_log_release(log);
    REQUIRE(lode_logmgr_get_or_create(m, "gone", 2, NULL, &log) == 0);
    lode_log_release(log);
    REQUIRE(lode_logmgr_delete(m, "gone", 2) == 0);
    CHECK_EQ(lode_logmgr_delete(m, "gone", 2), LODE_ENOTFOUND);
    CHECK(lode_logmgr_get(m, "gone", 2) == NULL);
    int where = count_entries(dirs[0], "-delete") + count_entries(dirs[1], "-delete");
    CHECK_EQ(where, 1);
    vclock = 20000;
    lode_logmgr_tick(m, vclock);
    where = count_entries(dirs[0], "-delete") + count_entries(dirs[1], "-delete");
    CHECK_EQ(where, 0);
    lode_logmgr_close(m);
    /* a -delete leftover (crash before removal) is removed at startup */
    char path[1024];
    snprintf(path, sizeof path, "%s/x-0.0123456789abcdef0123456789abcdef-delete", dirs[0]);
    REQUIRE(mkdir(path, 0755) == 0);
    REQUIRE(lode_logmgr_open(&c, &m) == 0);
    CHECK(!exists(path));
    CHECK_EQ(lode_logmgr_count(m), 1);
    lode_logmgr_close(m);
}

static lode_log_config_t compact_topic;
static int topic_cfg_fn(void *arg, const char *topic, lode_log_config_t *out)
{
    (void)arg;
    if (!strcmp(topic, "compacted"))
        *out = compact_topic;
    return 0;
}

TEST(logmgr_cleans_compacted_logs_and_checkpoints_progress)
{
    vclock = 1000;
    lode_logmgr_config_t c = mgr_cfg();
    compact_topic = c.defaults;
    compact_topic.cleanup_compact = true;
    compact_topic.cleanup_delete = false;
    compact_topic.min_cleanable_dirty_ratio = 0.1;
    c.topic_config = topic_cfg_fn;
    c.cleaner_dedupe_buffer_bytes = 1 << 16;
    lode_logmgr_t *m;
    REQUIRE(lode_logmgr_open(&c, &m) == 0);
    lode_log_t *plain, *comp;
    REQUIRE(lode_logmgr_get_or_create(m, "plain", 0, NULL, &plain) == 0);
    REQUIRE(lode_logmgr_get_or_create(m, "compacted", 0, NULL, &comp) == 0);
    for (int i = 0; i < 200; i++) {
        lode_batch_builder_t b;
        lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
        char k[8];
        int kl = snprintf(k, sizeof k, "k%d", i % 5);
        REQUIRE(lode_batch_builder_add(&b, 1000, k, kl, "value-value-value", 17, NULL, 0) == 0);
        lode_buf_t out = LODE_BUF_INIT;
        REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
        lode_batch_builder_free(&b);
        lode_log_append_info_t info;
        REQUIRE(lode_log_append(comp, out.data, out.len, 0, vclock, &info) == 0);
        lode_buf_reset(&out);
        lode_test_put_batch(&out, 0, 1, 1000, 60, -1, 0);
        REQUIRE(lode_log_append(plain, out.data, out.len, 0, vclock, &info) == 0);
        lode_buf_free(&out);
    }
    lode_log_set_high_watermark(comp, 200);
    lode_log_set_high_watermark(plain, 200);
    int64_t size_before = lode_log_size_bytes(comp), plain_before = lode_log_size_bytes(plain);
    CHECK_EQ(lode_logmgr_clean_once(m, vclock), 1);
    CHECK(lode_log_size_bytes(comp) < size_before / 2);
    CHECK_EQ(lode_log_size_bytes(plain), plain_before); /* delete policy: untouched */
    CHECK_EQ(lode_logmgr_clean_once(m, vclock), 0);     /* nothing dirty left */
    lode_log_release(plain);
    lode_log_release(comp);
    REQUIRE(lode_logmgr_close(m) == 0);
    lode_tp_offset_t *cp;
    size_t n = 0;
    char path[1024];
    int found = 0;
    for (int d = 0; d < 2; d++) {
        snprintf(path, sizeof path, "%s/cleaner-offset-checkpoint", dirs[d]);
        REQUIRE(lode_checkpoint_read_offsets(path, &cp, &n) == 0);
        for (size_t i = 0; i < n; i++)
            if (!strcmp(cp[i].topic, "compacted") && cp[i].offset > 0)
                found++;
        lode_tp_offsets_free(cp, n);
    }
    CHECK_EQ(found, 1);
}

TEST(logmgr_restores_high_watermarks_and_compacted_logs_require_keys)
{
    vclock = 1000;
    lode_logmgr_config_t c = mgr_cfg();
    lode_logmgr_t *m;
    REQUIRE(lode_logmgr_open(&c, &m) == 0);
    lode_log_t *log;
    REQUIRE(lode_logmgr_get_or_create(m, "hw", 0, NULL, &log) == 0);
    append(log, 10, 1000);
    lode_log_set_high_watermark(log, 14);
    lode_log_release(log);
    REQUIRE(lode_logmgr_close(m) == 0);
    REQUIRE(lode_logmgr_open(&c, &m) == 0);
    log = lode_logmgr_get(m, "hw", 0);
    REQUIRE(log);
    CHECK_EQ(lode_log_high_watermark(log), 14);
    lode_log_release(log);
    lode_logmgr_close(m);

    lode_log_config_t lc;
    lode_log_config_defaults(&lc);
    lc.cleanup_compact = true;
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    REQUIRE(lode_batch_builder_add(&b, 1000, NULL, -1, "v", 1, NULL, 0) == 0);
    lode_buf_t out = LODE_BUF_INIT;
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    lode_batch_builder_free(&b);
    lode_batch_hdr_t h;
    REQUIRE(lode_batch_parse_header(out.data, out.len, &h) == 0);
    lode_batch_validate_opts_t o = {.flags = lode_log_config_validate_flags(&lc)};
    CHECK(lode_batch_validate(&h, &o, NULL, NULL, 0) != 0);
    lc.cleanup_compact = false;
    o.flags = lode_log_config_validate_flags(&lc);
    CHECK_EQ(lode_batch_validate(&h, &o, NULL, NULL, 0), 0);
    lode_buf_free(&out);
}
