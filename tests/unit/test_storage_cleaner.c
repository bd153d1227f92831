/*
 * Compaction against a model: random keyed writes and tombstones; after each
 * cleaning pass a full read must equal "latest value per key below the
 * cleaned end, tombstones gone once their delete horizon passed, everything
 * at or above the end untouched", with every record at its original offset.
 */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "proto/compress.h"
#include "proto/record_batch.h"
#include "storage/cleaner.h"
#include "test.h"

#define NKEYS 40
#define MAXREC 4000

typedef struct rec {
    int64_t offset;
    int key;   /* -1: no key (never written to compacted topics by clients) */
    int value; /* -1: tombstone */
    bool alive;
    int64_t horizon; /* delete horizon of the batch when cleaned, or -1 */
} rec_t;

static rec_t model[MAXREC];
static int nmodel;

static lode_log_config_t compact_cfg(void)
{
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    c.cleanup_compact = true;
    c.cleanup_delete = false;
    c.segment_bytes = 3000;
    c.segment_index_bytes = 4096;
    c.index_interval_bytes = 256;
    c.delete_retention_ms = 1000;
    c.min_cleanable_dirty_ratio = 0.0;
    return c;
}

static void write_random(lode_log_t *log, uint64_t *rng, int nrecords, int codec, int nkeys)
{
    while (nrecords > 0) {
        int n = 1 + (int)(lode_test_rand(rng) % 5);
        if (n > nrecords)
            n = nrecords;
        lode_batch_builder_t b;
        lode_batch_builder_init(&b, codec, LODE_COMPRESSION_LEVEL_DEFAULT);
        int keys[5], vals[5];
        for (int i = 0; i < n; i++) {
            keys[i] = (int)(lode_test_rand(rng) % (uint64_t)nkeys);
            vals[i] = lode_test_rand(rng) % 10 == 0 ? -1 : (int)(lode_test_rand(rng) % 100000);
            char k[16], v[16];
            int kl = snprintf(k, sizeof k, "key-%d", keys[i]);
            int vl = snprintf(v, sizeof v, "v%d", vals[i]);
            REQUIRE(lode_batch_builder_add(&b, 1000 + nmodel + i, k, kl, v, vals[i] < 0 ? -1 : vl,
                                           NULL, 0) == 0);
        }
        lode_buf_t out = LODE_BUF_INIT;
        REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
        lode_batch_builder_free(&b);
        lode_log_append_info_t info;
        REQUIRE(lode_log_append(log, out.data, out.len, 0, 0, &info) == 0);
        for (int i = 0; i < n; i++)
            model[nmodel++] = (rec_t){info.first_offset + i, keys[i], vals[i], true, -1};
        lode_buf_free(&out);
        nrecords -= n;
    }
}

/* Deletes keys 1..5 (one batch of tombstones). */
static void write_tombstones(lode_log_t *log)
{
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    for (int k = 1; k <= 5; k++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "key-%d", k);
        REQUIRE(lode_batch_builder_add(&b, 1000 + nmodel, key, kl, NULL, -1, NULL, 0) == 0);
    }
    lode_buf_t out = LODE_BUF_INIT;
    REQUIRE(lode_batch_builder_finish(&b, &out) == 0);
    lode_batch_builder_free(&b);
    lode_log_append_info_t info;
    REQUIRE(lode_log_append(log, out.data, out.len, 0, 0, &info) == 0);
    for (int k = 1; k <= 5; k++)
        model[nmodel++] = (rec_t){info.first_offset + k - 1, k, -1, true, -1};
    lode_buf_free(&out);
}

/* Applies one pass to the model: below `end`, only each key's latest record
 * (over the whole log below end... and above: a later record anywhere below
 * the dirty end wins) survives; tombstones whose horizon passed go. */
static void model_clean(int64_t first_dirty, int64_t end, int64_t now, int64_t retention)
{
    (void)first_dirty;
    int64_t latest[NKEYS];
    for (int k = 0; k < NKEYS; k++)
        latest[k] = -1;
    for (int i = 0; i < nmodel; i++)
        if (model[i].offset < end && model[i].key >= 0 && model[i].offset >= first_dirty)
            latest[model[i].key] = model[i].offset;
    for (int i = 0; i < nmodel; i++) {
        rec_t *r = &model[i];
        if (!r->alive || r->offset >= end)
            continue;
        if (latest[r->key] > r->offset) {
            r->alive = false;
            continue;
        }
        if (r->value < 0) {
            if (r->horizon >= 0 && now >= r->horizon)
                r->alive = false;
            else if (r->horizon < 0)
                r->horizon = now + retention;
        }
    }
}

/* Reads the log back and compares with the model. */
static void check_log(lode_log_t *log)
{
    int64_t off = lode_log_start_offset(log), leo = lode_log_end_offset(log);
    int mi = 0;
    lode_buf_t scratch = LODE_BUF_INIT;
    while (off < leo) {
        lode_log_read_t rd;
        REQUIRE(lode_log_read(log, off, 1 << 20, leo, true, &rd) == 0);
        if (rd.slice.bytes == 0)
            break;
        uint8_t *buf = malloc(rd.slice.bytes);
        REQUIRE(pread(rd.slice.fd, buf, rd.slice.bytes, rd.slice.position) ==
                (ssize_t)rd.slice.bytes);
        lode_batch_iter_t it;
        lode_batch_hdr_t h;
        lode_batch_iter_init(&it, buf, rd.slice.bytes);
        while (lode_batch_iter_next(&it, &h)) {
            REQUIRE(lode_batch_validate(&h, NULL, NULL, NULL, 0) == 0);
            const uint8_t *recs;
            size_t nrec;
            REQUIRE(lode_batch_records(&h, NULL, 1 << 24, &scratch, &recs, &nrec) == 0);
            lode_record_iter_t ri;
            lode_record_t r;
            lode_record_iter_init(&ri, &h, recs, nrec);
            while (lode_record_iter_next(&ri, &r)) {
                if (r.offset < off)
                    continue;
                while (mi < nmodel && !model[mi].alive)
                    mi++;
                REQUIRE(mi < nmodel);
                rec_t *m = &model[mi++];
                if (r.offset != m->offset)
                    fprintf(stderr, "  offset %lld, model %lld\n", (long long)r.offset,
                            (long long)m->offset);
                REQUIRE(r.offset == m->offset);
                char k[16], v[16];
                int kl = snprintf(k, sizeof k, "key-%d", m->key);
                REQUIRE(r.key_len == kl && !memcmp(r.key, k, (size_t)kl));
                if (m->value < 0) {
                    REQUIRE(r.value_len == -1);
                } else {
                    int vl = snprintf(v, sizeof v, "v%d", m->value);
                    REQUIRE(r.value_len == vl && !memcmp(r.value, v, (size_t)vl));
                }
            }
            REQUIRE(ri.err == 0);
            off = lode_batch_last_offset(&h) + 1;
        }
        free(buf);
        lode_log_read_release(&rd);
    }
    while (mi < nmodel && !model[mi].alive)
        mi++;
    CHECK_EQ(mi, nmodel);
    lode_buf_free(&scratch);
}

static void run_model(int codec)
{
    uint64_t rng = lode_test_seed() ^ (uint64_t)codec;
    nmodel = 0;
    lode_log_config_t c = compact_cfg();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/compact-%d", lode_test_tmpdir(), codec);
    lode_log_t *log;
    REQUIRE(lode_log_open(dir, &c, 0, -1, false, NULL, 0, &log) == 0);
    int64_t dirty = 0, now = 10000, tombstones_dropped = 0;
    for (int round = 0; round < 7; round++) {
        /* the last rounds touch only key 0: tombstones of the others age out */
        if (round == 4)
            write_tombstones(log);
        write_random(log, &rng, 500, codec, round < 4 ? NKEYS : 1);
        lode_log_set_high_watermark(log, lode_log_end_offset(log));
        int before = lode_log_segment_count(log);
        lode_clean_stats_t st;
        REQUIRE(lode_log_clean(log, dirty, now, 1 << 20, &st) == 0);
        model_clean(dirty, st.next_dirty, now, c.delete_retention_ms);
        CHECK(st.next_dirty > dirty);
        CHECK(lode_log_segment_count(log) <= before);
        dirty = st.next_dirty;
        check_log(log);
        lode_log_delete_expired_files(log, 0, true);
        tombstones_dropped += st.tombstones_dropped;
        now += 700; /* tombstones expire after two rounds */
    }
    CHECK(tombstones_dropped > 0);
    lode_log_close(log);
    /* everything survives a restart */
    REQUIRE(lode_log_open(dir, &c, 0, -1, true, NULL, 0, &log) == 0);
    check_log(log);
    lode_log_close(log);
}

TEST(compaction_matches_model_uncompressed)
{
    run_model(LODE_COMPRESSION_NONE);
}
TEST(compaction_matches_model_lz4)
{
    run_model(LODE_COMPRESSION_LZ4);
}
TEST(compaction_matches_model_zstd)
{
    run_model(LODE_COMPRESSION_ZSTD);
}

TEST(compaction_small_dedupe_buffer_cleans_partially)
{
    uint64_t rng = lode_test_seed();
    nmodel = 0;
    lode_log_config_t c = compact_cfg();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/small", lode_test_tmpdir());
    lode_log_t *log;
    REQUIRE(lode_log_open(dir, &c, 0, -1, false, NULL, 0, &log) == 0);
    write_random(log, &rng, 1500, LODE_COMPRESSION_NONE, NKEYS);
    lode_log_set_high_watermark(log, lode_log_end_offset(log));
    lode_clean_stats_t st;
    /* 16 slots → 14 keys fit: fewer than the 40 keys written */
    CHECK_EQ(lode_log_clean(log, 0, 0, 16 * 24, &st), LODE_ETOOBIG);
    REQUIRE(lode_log_clean(log, 0, 0, 64 * 24, &st) == 0);
    model_clean(0, st.next_dirty, 0, c.delete_retention_ms);
    check_log(log);
    lode_log_close(log);
}

TEST(compaction_respects_min_lag_and_hw)
{
    uint64_t rng = lode_test_seed();
    nmodel = 0;
    lode_log_config_t c = compact_cfg();
    c.min_compaction_lag_ms = 100000;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/lag", lode_test_tmpdir());
    lode_log_t *log;
    REQUIRE(lode_log_open(dir, &c, 0, -1, false, NULL, 0, &log) == 0);
    write_random(log, &rng, 800, LODE_COMPRESSION_NONE, NKEYS);
    lode_log_set_high_watermark(log, lode_log_end_offset(log));
    lode_cleanable_t cl;
    lode_log_cleanable(log, 0, 50000, &cl); /* records at ts ~1000: younger than the lag */
    CHECK_EQ(cl.dirty_bytes, 0);
    CHECK(!lode_log_needs_cleaning(log, 0, 50000));
    lode_log_cleanable(log, 0, 200000, &cl);
    CHECK(cl.dirty_bytes > 0);
    CHECK(lode_log_needs_cleaning(log, 0, 200000));
    lode_log_set_high_watermark(log, 100);
    lode_log_cleanable(log, 0, 200000, &cl);
    CHECK(cl.end <= 100);
    lode_log_close(log);
}

static void copy_file(const char *from, const char *to, bool append)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, append ? "ab" : "wb");
    REQUIRE(in && out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
}

TEST(interrupted_swap_completes_and_cleaned_leftovers_go)
{
    uint64_t rng = lode_test_seed();
    nmodel = 0;
    lode_log_config_t c = compact_cfg();
    char dir[512], a[700], b[700], swap[1024], junk[1024];
    snprintf(dir, sizeof dir, "%s/swap", lode_test_tmpdir());
    lode_log_t *log;
    REQUIRE(lode_log_open(dir, &c, 0, -1, false, NULL, 0, &log) == 0);
    write_random(log, &rng, 300, LODE_COMPRESSION_NONE, NKEYS);
    REQUIRE(lode_log_segment_count(log) >= 3);
    lode_log_close(log);
    /* Fake a finished cleaner swap of the first two segments: the .swap
     * holds both (a valid merged segment), the originals are still there. */
    DIR *d = opendir(dir);
    char names[64][64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        if (strlen(e->d_name) == 24 && !strcmp(e->d_name + 20, ".log"))
            snprintf(names[n++], 64, "%.60s", e->d_name);
    closedir(d);
    qsort(names, (size_t)n, 64, (int (*)(const void *, const void *))strcmp);
    snprintf(a, sizeof a, "%s/%s", dir, names[0]);
    snprintf(b, sizeof b, "%s/%s", dir, names[1]);
    snprintf(swap, sizeof swap, "%s.swap", a);
    copy_file(a, swap, false);
    copy_file(b, swap, true);
    snprintf(junk, sizeof junk, "%s/%s.cleaned", dir, names[2]);
    copy_file(a, junk, false);
    REQUIRE(lode_log_open(dir, &c, 0, -1, false, NULL, 0, &log) == 0);
    struct stat st;
    CHECK(stat(b, &st) != 0);    /* covered segment removed */
    CHECK(stat(swap, &st) != 0); /* swap completed */
    CHECK(stat(junk, &st) != 0); /* unfinished cleaner output removed */
    CHECK_EQ(lode_log_end_offset(log), 300);
    check_log(log);
    lode_log_close(log);
}
