/* Idempotent producer state: sequence rules, duplicates, snapshots, rebuild. */
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/err.h"
#include "storage/log.h"
#include "storage/producer_state.h"
#include "support/fake_batch.h"
#include "test.h"

static lode_producer_append_t ap(int64_t pid, int16_t epoch, int32_t first, int32_t last,
                                 int64_t off)
{
    return (lode_producer_append_t){pid, epoch, first, last, off, off + (last - first), 100, false};
}

TEST(pstate_sequence_rules)
{
    lode_pstate_t ps;
    lode_pstate_init(&ps);
    lode_producer_append_t a = ap(7, 0, 5, 9, 0);
    CHECK_EQ(lode_pstate_check(&ps, &a, NULL), 0); /* unknown producer: any sequence */
    lode_pstate_update(&ps, &a);
    a = ap(7, 0, 10, 14, 5);
    CHECK_EQ(lode_pstate_check(&ps, &a, NULL), 0);
    lode_pstate_update(&ps, &a);
    a = ap(7, 0, 16, 20, 10);
    CHECK_EQ(lode_pstate_check(&ps, &a, NULL), LODE_ESEQUENCE); /* gap */
    a = ap(7, 0, 14, 18, 10);
    CHECK_EQ(lode_pstate_check(&ps, &a, NULL), LODE_ESEQUENCE); /* overlap, not a duplicate */
    lode_producer_batch_t dup;
    a = ap(7, 0, 5, 9, 99);
    CHECK_EQ(lode_pstate_check(&ps, &a, &dup), LODE_EDUPLICATE);
    CHECK(dup.last_offset == 4 && dup.offset_delta == 4);
    a = ap(7, 1, 3, 3, 10);
    CHECK_EQ(lode_pstate_check(&ps, &a, NULL), LODE_ESEQUENCE); /* new epoch must start at 0 */
    a = ap(7, 1, 0, 0, 10);
    CHECK_EQ(lode_pstate_check(&ps, &a, NULL), 0);
    lode_pstate_update(&ps, &a);
    a = ap(7, 0, 15, 15, 11);
    CHECK_EQ(lode_pstate_check(&ps, &a, NULL), LODE_EFENCED);
    /* only the last five batches are remembered */
    for (int i = 1; i <= 6; i++) {
        a = ap(7, 1, i, i, 10 + i);
        REQUIRE(lode_pstate_check(&ps, &a, NULL) == 0);
        lode_pstate_update(&ps, &a);
    }
    a = ap(7, 1, 2, 2, 0);
    CHECK_EQ(lode_pstate_check(&ps, &a, NULL), LODE_EDUPLICATE);
    a = ap(7, 1, 1, 1, 0);
    CHECK_EQ(lode_pstate_check(&ps, &a, NULL), LODE_ESEQUENCE);
    /* wrap-around after INT32_MAX */
    a = ap(8, 0, INT32_MAX - 1, INT32_MAX, 100);
    lode_pstate_update(&ps, &a);
    a = ap(8, 0, 0, 3, 102);
    CHECK_EQ(lode_pstate_check(&ps, &a, NULL), 0);
    /* expiry */
    CHECK_EQ(lode_pstate_expire(&ps, 100 + 999, 1000), 0);
    CHECK_EQ(lode_pstate_expire(&ps, 100 + 1000, 1000), 2);
    CHECK(lode_pstate_get(&ps, 7) == NULL);
    lode_pstate_free(&ps);
}

TEST(pstate_snapshot_roundtrip_and_corruption)
{
    lode_pstate_t ps, back;
    lode_pstate_init(&ps);
    lode_pstate_init(&back);
    for (int64_t pid = 1; pid <= 20; pid++) {
        lode_producer_append_t a = ap(pid, (int16_t)(pid % 3), 10, 14, pid * 100);
        lode_pstate_update(&ps, &a);
    }
    ps.map_end_offset = 5000;
    REQUIRE(lode_pstate_write_snapshot(&ps, lode_test_tmpdir(), true) == 0);
    CHECK_EQ(lode_pstate_latest_snapshot(lode_test_tmpdir(), INT64_MAX), 5000);
    CHECK_EQ(lode_pstate_latest_snapshot(lode_test_tmpdir(), 4999), -1);
    char path[1024];
    snprintf(path, sizeof path, "%s/00000000000000005000.snapshot", lode_test_tmpdir());
    REQUIRE(lode_pstate_read_snapshot(&back, path, 5000) == 0);
    CHECK_EQ(lode_hmap_count(&back.producers), 20);
    const lode_producer_entry_t *e = lode_pstate_get(&back, 7);
    REQUIRE(e);
    CHECK_EQ(e->epoch, 1);
    CHECK(e->nbatches == 1 && e->batches[0].first_seq == 10 && e->batches[0].last_seq == 14);
    CHECK_EQ(e->batches[0].last_offset, 704);
    lode_producer_append_t dup = ap(7, 1, 10, 14, 0);
    CHECK_EQ(lode_pstate_check(&back, &dup, NULL), LODE_EDUPLICATE);
    /* flip a byte: CRC catches it */
    FILE *f = fopen(path, "r+");
    fseek(f, 20, SEEK_SET);
    fputc(0x7f, f);
    fclose(f);
    CHECK_EQ(lode_pstate_read_snapshot(&back, path, 5000), LODE_ECORRUPT);
    lode_pstate_free(&ps);
    lode_pstate_free(&back);
}

static int64_t produce(lode_log_t *log, int64_t pid, int16_t epoch, int32_t seq, int32_t n, int *rc)
{
    lode_buf_t b = LODE_BUF_INIT;
    lode_test_put_idem_batch(&b, n, 1000, pid, epoch, seq, 50);
    lode_log_append_info_t info;
    *rc = lode_log_append(log, b.data, b.len, 0, 0, &info);
    lode_buf_free(&b);
    return info.first_offset;
}

static int count_snapshots(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".snapshot"))
            n++;
    if (d)
        closedir(d);
    return n;
}

TEST(log_idempotent_appends_survive_restart)
{
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    c.segment_bytes = 1500;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/idem-0", lode_test_tmpdir());
    lode_log_t *log;
    REQUIRE(lode_log_open(dir, &c, 0, -1, false, NULL, 0, &log) == 0);
    int rc;
    int64_t first[40];
    for (int i = 0; i < 40; i++) {
        first[i] = produce(log, 42, 0, i * 3, 3, &rc);
        REQUIRE(rc == 0);
    }
    CHECK(count_snapshots(dir) > 0); /* rolls wrote snapshots */
    int64_t again = produce(log, 42, 0, 39 * 3, 3, &rc);
    CHECK_EQ(rc, LODE_EDUPLICATE);
    CHECK_EQ(again, first[39]);
    again = produce(log, 42, 0, 36 * 3, 3, &rc);
    CHECK_EQ(rc, LODE_EDUPLICATE);
    CHECK_EQ(again, first[36]);
    produce(log, 42, 0, 200, 1, &rc);
    CHECK_EQ(rc, LODE_ESEQUENCE);
    CHECK_EQ(lode_log_end_offset(log), 120);
    /* two batches in one append with a producer id: refused */
    lode_buf_t two = LODE_BUF_INIT;
    lode_test_put_idem_batch(&two, 1, 1, 43, 0, 0, 10);
    lode_test_put_idem_batch(&two, 1, 1, 43, 0, 1, 10);
    lode_log_append_info_t info;
    CHECK_EQ(lode_log_append(log, two.data, two.len, 0, 0, &info), LODE_EINVAL);
    lode_buf_free(&two);
    lode_log_close(log);
    /* clean restart: snapshot at the LEO */
    REQUIRE(lode_log_open(dir, &c, 120, -1, true, NULL, 0, &log) == 0);
    again = produce(log, 42, 0, 39 * 3, 3, &rc);
    CHECK_EQ(rc, LODE_EDUPLICATE);
    CHECK_EQ(again, first[39]);
    produce(log, 42, 0, 120, 3, &rc);
    CHECK_EQ(rc, 0);
    lode_producer_entry_t e;
    REQUIRE(lode_log_get_producer(log, 42, &e));
    CHECK_EQ(e.batches[e.nbatches - 1].last_seq, 122);
    /* no close: unclean restart replays from the last roll snapshot */
    lode_log_t *log2;
    REQUIRE(lode_log_open(dir, &c, 0, -1, false, NULL, 0, &log2) == 0);
    again = produce(log2, 42, 0, 120, 3, &rc);
    CHECK_EQ(rc, LODE_EDUPLICATE);
    CHECK_EQ(again, 120);
    produce(log2, 42, 0, 123, 1, &rc);
    CHECK_EQ(rc, 0);
    /* truncation rebuilds: the batch at 120 is gone, so seq 120 is next again */
    REQUIRE(lode_log_truncate_to(log2, 120) == 0);
    produce(log2, 42, 0, 120, 3, &rc);
    CHECK_EQ(rc, 0);
    lode_log_close(log2);
    lode_log_close(log);
}
