/* Segments: append, read (sendfile slices), time lookup, truncate, recover. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "storage/segment.h"
#include "support/fake_batch.h"
#include "test.h"

static lode_log_config_t small_config(void)
{
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    c.segment_index_bytes = 4096;
    c.index_interval_bytes = 100;
    return c;
}

/* Appends 100 batches of 3 records at offsets 0,3,6,... ts = 1000 + 10*i. */
static void fill(lode_segment_t *seg)
{
    for (int i = 0; i < 100; i++) {
        lode_buf_t b = LODE_BUF_INIT;
        lode_test_put_batch(&b, i * 3, 3, 1000 + 10 * i, 40, 0, (uint64_t)i);
        REQUIRE(lode_segment_append(seg, b.data, b.len, i * 3 + 2, 1000 + 10 * i, i * 3 + 2, 100) ==
                0);
        lode_buf_free(&b);
    }
}

TEST(segment_append_and_read)
{
    lode_log_config_t c = small_config();
    lode_segment_t seg;
    REQUIRE(lode_segment_open(&seg, lode_test_tmpdir(), 0, &c, true, 0) == 0);
    fill(&seg);
    CHECK_EQ(lode_segment_size(&seg), 100 * 101);
    CHECK_EQ(seg.next_offset, 300);
    CHECK(lode_index_entries(&seg.oidx) > 10);
    /* every offset maps to the batch that holds it */
    for (int64_t o = 0; o < 300; o++) {
        lode_seg_batch_t b;
        REQUIRE(lode_segment_find_batch(&seg, o, &b) == 0);
        REQUIRE(b.base_offset == o / 3 * 3);
        REQUIRE(b.position == (uint32_t)(o / 3) * 101);
    }
    lode_seg_batch_t b;
    CHECK_EQ(lode_segment_find_batch(&seg, 300, &b), LODE_ENOTFOUND);
    lode_file_slice_t s;
    REQUIRE(lode_segment_read(&seg, 31, 250, UINT32_MAX, false, &s) == 0);
    CHECK(s.position == 10 * 101 && s.bytes == 250); /* inside batch 30..32 → whole batch */
    REQUIRE(lode_segment_read(&seg, 31, 50, UINT32_MAX, true, &s) == 0);
    CHECK_EQ(s.bytes, 101); /* min one batch */
    REQUIRE(lode_segment_read(&seg, 31, 50, UINT32_MAX, false, &s) == 0);
    CHECK_EQ(s.bytes, 50);
    REQUIRE(lode_segment_read(&seg, 0, 100000, 5 * 101, false, &s) == 0);
    CHECK(s.position == 0 && s.bytes == 5 * 101); /* bounded by max position (HW) */
    REQUIRE(lode_segment_read(&seg, 400, 100, UINT32_MAX, false, &s) == 0);
    CHECK_EQ(s.bytes, 0);
    /* bytes match what was written */
    uint8_t got[101];
    REQUIRE(pread(s.fd, got, 101, 10 * 101) == 101);
    lode_buf_t want = LODE_BUF_INIT;
    lode_test_put_batch(&want, 30, 3, 1100, 40, 0, 10);
    CHECK_MEMEQ(got, want.data, 101);
    lode_buf_free(&want);
    lode_segment_close(&seg);
}

TEST(segment_time_lookup)
{
    lode_log_config_t c = small_config();
    lode_segment_t seg;
    REQUIRE(lode_segment_open(&seg, lode_test_tmpdir(), 0, &c, true, 0) == 0);
    fill(&seg);
    for (int64_t ts = 990; ts <= 1990; ts += 7) {
        lode_seg_batch_t b;
        int rc = lode_segment_find_by_timestamp(&seg, ts, 0, &b);
        if (ts > 1990) {
            CHECK_EQ(rc, LODE_ENOTFOUND);
            continue;
        }
        REQUIRE(rc == 0);
        int64_t i = ts <= 1000 ? 0 : (ts - 1000 + 9) / 10;
        REQUIRE(b.base_offset == i * 3);
    }
    lode_seg_batch_t b;
    CHECK_EQ(lode_segment_find_by_timestamp(&seg, 5000, 0, &b), LODE_ENOTFOUND);
    REQUIRE(lode_segment_find_by_timestamp(&seg, 0, 150, &b) == 0);
    CHECK_EQ(b.base_offset, 150);
    lode_segment_close(&seg);
}

TEST(segment_truncate_and_reopen)
{
    lode_log_config_t c = small_config();
    lode_segment_t seg;
    REQUIRE(lode_segment_open(&seg, lode_test_tmpdir(), 0, &c, true, 0) == 0);
    fill(&seg);
    uint32_t removed;
    REQUIRE(lode_segment_truncate_to(&seg, 151, &removed) == 0); /* inside batch 150..152 */
    CHECK_EQ(lode_segment_size(&seg), 50 * 101);
    CHECK_EQ(removed, 50 * 101);
    CHECK_EQ(seg.next_offset, 150);
    CHECK_EQ(seg.max_timestamp, 1490);
    lode_seg_batch_t b;
    CHECK_EQ(lode_segment_find_batch(&seg, 150, &b), LODE_ENOTFOUND);
    REQUIRE(lode_segment_seal(&seg) == 0);
    lode_segment_close(&seg);
    REQUIRE(lode_segment_open(&seg, lode_test_tmpdir(), 0, &c, false, 0) == 0);
    REQUIRE(lode_segment_load_tail(&seg) == 0);
    CHECK_EQ(seg.next_offset, 150);
    CHECK_EQ(seg.max_timestamp, 1490);
    CHECK_EQ(seg.offset_of_max_timestamp, 149);
    REQUIRE(lode_segment_find_batch(&seg, 149, &b) == 0);
    CHECK_EQ(b.base_offset, 147);
    lode_segment_close(&seg);
}

static int reject_offset_60(const uint8_t *batch, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    return lode_be64_load(batch) == 60 ? LODE_ECORRUPT : 0;
}

TEST(segment_recover_torn_tail_and_bad_batch)
{
    lode_log_config_t c = small_config();
    lode_segment_t seg;
    REQUIRE(lode_segment_open(&seg, lode_test_tmpdir(), 0, &c, true, 0) == 0);
    fill(&seg);
    REQUIRE(lode_segment_flush(&seg) == 0);
    lode_segment_close(&seg);
    char path[4096];
    lode_segment_file_name(path, sizeof path, lode_test_tmpdir(), 0, ".log");
    /* torn tail: half a batch of garbage */
    int fd = open(path, O_WRONLY | O_APPEND);
    REQUIRE(fd >= 0);
    uint8_t junk[70];
    memset(junk, 0x5a, sizeof junk);
    REQUIRE(write(fd, junk, sizeof junk) == (ssize_t)sizeof junk);
    close(fd);
    REQUIRE(lode_segment_open(&seg, lode_test_tmpdir(), 0, &c, false, 0) == 0);
    uint32_t truncated;
    REQUIRE(lode_segment_recover(&seg, c.index_interval_bytes, NULL, NULL, &truncated) == 0);
    CHECK_EQ(truncated, 70);
    CHECK_EQ(seg.next_offset, 300);
    CHECK_EQ(seg.max_timestamp, 1990);
    lode_seg_batch_t b;
    REQUIRE(lode_segment_find_batch(&seg, 200, &b) == 0);
    CHECK_EQ(b.base_offset, 198);
    /* a batch failing validation cuts the log there */
    REQUIRE(lode_segment_recover(&seg, c.index_interval_bytes, reject_offset_60, NULL,
                                 &truncated) == 0);
    CHECK_EQ(truncated, 80 * 101);
    CHECK_EQ(seg.next_offset, 60);
    lode_segment_close(&seg);
}

TEST(segment_roll_rules)
{
    lode_log_config_t c = small_config();
    c.segment_bytes = 1000;
    c.segment_ms = 10000;
    lode_segment_t seg;
    REQUIRE(lode_segment_open(&seg, lode_test_tmpdir(), 0, &c, true, 0) == 0);
    CHECK(!lode_segment_should_roll(&seg, &c, 5000, 0, 0, 0, 0)); /* empty never rolls */
    lode_buf_t b = LODE_BUF_INIT;
    lode_test_put_batch(&b, 0, 1, 500, 100, 0, 0);
    REQUIRE(lode_segment_append(&seg, b.data, b.len, 0, 500, 0, 100) == 0);
    CHECK(!lode_segment_should_roll(&seg, &c, 100, 600, 1, 600, 0));
    CHECK(lode_segment_should_roll(&seg, &c, 900, 600, 1, 600, 0));    /* segment.bytes */
    CHECK(lode_segment_should_roll(&seg, &c, 10, 20000, 1, 10501, 0)); /* segment.ms */
    CHECK(!lode_segment_should_roll(&seg, &c, 10, 20000, 1, 10500, 0));
    CHECK(lode_segment_should_roll(&seg, &c, 10, 20000, 1, 9600, 1000)); /* jitter */
    CHECK(lode_segment_should_roll(&seg, &c, 10, 600, (int64_t)INT32_MAX + 1, 600, 0));
    lode_buf_free(&b);
    lode_segment_close(&seg);
}
