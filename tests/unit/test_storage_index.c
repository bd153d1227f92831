/* Offset/time indexes and checkpoint files. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "storage/checkpoint.h"
#include "storage/index.h"
#include "test.h"

static char *tmp_path(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", lode_test_tmpdir(), name);
    return buf;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

TEST(offset_index_append_lookup_trim_reopen)
{
    char path[512];
    snprintf(path, sizeof path, "%s", tmp_path("00000000000000000100.index"));
    lode_index_t idx;
    REQUIRE(lode_index_open(&idx, LODE_INDEX_OFFSET, path, 100, 1000, true) == 0);
    CHECK_EQ(file_size(path), 1000 / 8 * 8);
    for (int i = 0; i < 50; i++)
        REQUIRE(lode_index_append_offset(&idx, 100 + i * 10, (uint32_t)i * 4096) == 0);
    CHECK_EQ(lode_index_append_offset(&idx, 100 + 49 * 10, 0), LODE_EINVAL); /* not increasing */
    CHECK_EQ(lode_index_append_offset(&idx, 99, 0), LODE_EINVAL);            /* below base */
    int64_t off;
    uint32_t pos;
    lode_index_lookup_offset(&idx, 99, &off, &pos);
    CHECK(off == 100 && pos == 0);
    lode_index_lookup_offset(&idx, 125, &off, &pos);
    CHECK(off == 120 && pos == 2 * 4096);
    lode_index_lookup_offset(&idx, 1000000, &off, &pos);
    CHECK(off == 590 && pos == 49 * 4096);
    lode_index_truncate_to(&idx, 300);
    CHECK_EQ(lode_index_entries(&idx), 20);
    lode_index_truncate_to(&idx, 295);
    CHECK_EQ(lode_index_entries(&idx), 20);
    REQUIRE(lode_index_close(&idx) == 0);
    CHECK_EQ(file_size(path), 20 * 8); /* trimmed */
    REQUIRE(lode_index_open(&idx, LODE_INDEX_OFFSET, path, 100, 1000, false) == 0);
    CHECK_EQ(lode_index_entries(&idx), 20);
    lode_index_lookup_offset(&idx, 295, &off, &pos);
    CHECK(off == 290 && pos == 19 * 4096);
    lode_index_close(&idx);
}

TEST(offset_index_full_and_sanitize_after_crash)
{
    char *path = tmp_path("0.index");
    lode_index_t idx;
    REQUIRE(lode_index_open(&idx, LODE_INDEX_OFFSET, path, 0, 80, true) == 0);
    for (int i = 0; i < 10; i++)
        REQUIRE(lode_index_append_offset(&idx, i + 1, (uint32_t)i) == 0);
    CHECK(lode_index_is_full(&idx));
    CHECK_EQ(lode_index_append_offset(&idx, 100, 0), LODE_ETOOBIG);
    lode_index_close(&idx);
    /* A "crashed" preallocated file: 3 entries then zeros. */
    REQUIRE(lode_index_open(&idx, LODE_INDEX_OFFSET, path, 0, 800, true) == 0);
    lode_index_reset(&idx);
    lode_index_append_offset(&idx, 5, 10);
    lode_index_append_offset(&idx, 9, 20);
    lode_index_append_offset(&idx, 12, 30);
    /* simulate: no trim happened (crash): reopen the preallocated file */
    lode_index_flush(&idx);
    idx.writable = false; /* skip trimming on close */
    lode_index_close(&idx);
    CHECK_EQ(file_size(path), 800);
    REQUIRE(lode_index_open(&idx, LODE_INDEX_OFFSET, path, 0, 800, true) == 0);
    CHECK_EQ(lode_index_entries(&idx), 100);
    CHECK_EQ(lode_index_sanitize(&idx), 3);
    int64_t off;
    uint32_t pos;
    lode_index_lookup_offset(&idx, 11, &off, &pos);
    CHECK(off == 9 && pos == 20);
    lode_index_close(&idx);
}

TEST(time_index_semantics)
{
    char *path = tmp_path("00000000000000001000.timeindex");
    lode_index_t idx;
    REQUIRE(lode_index_open(&idx, LODE_INDEX_TIME, path, 1000, 10 * 12 + 5, true) == 0);
    CHECK_EQ(file_size(path), 120);
    int64_t ts, off;
    lode_index_lookup_time(&idx, 5, &ts, &off);
    CHECK(ts == -1 && off == 1000);
    REQUIRE(lode_index_maybe_append_time(&idx, 100, 1000, false) == 0);
    REQUIRE(lode_index_maybe_append_time(&idx, 100, 1005, false) == 0); /* not greater: skipped */
    REQUIRE(lode_index_maybe_append_time(&idx, 90, 1006, false) == 0);  /* skipped */
    REQUIRE(lode_index_maybe_append_time(&idx, 200, 1010, false) == 0);
    CHECK_EQ(lode_index_maybe_append_time(&idx, 300, 1009, false), LODE_EINVAL); /* offset back */
    CHECK_EQ(lode_index_entries(&idx), 2);
    lode_index_lookup_time(&idx, 150, &ts, &off);
    CHECK(ts == 100 && off == 1000);
    lode_index_lookup_time(&idx, 200, &ts, &off);
    CHECK(ts == 200 && off == 1010);
    lode_index_last_time(&idx, &ts, &off);
    CHECK(ts == 200 && off == 1010);
    for (int i = 0; i < 8; i++)
        REQUIRE(lode_index_maybe_append_time(&idx, 300 + i, 1020 + i, false) == 0);
    CHECK(lode_index_is_full(&idx));
    CHECK_EQ(lode_index_maybe_append_time(&idx, 1000, 1100, false), LODE_ETOOBIG);
    REQUIRE(lode_index_maybe_append_time(&idx, 1000, 1100, true) == 0); /* final entry at roll */
    CHECK_EQ(lode_index_entries(&idx), 11);
    lode_index_truncate_to(&idx, 1010);
    CHECK_EQ(lode_index_entries(&idx), 1);
    lode_index_close(&idx);
    CHECK_EQ(file_size(path), 12);
}

static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 4096; fd++)
        n += fcntl(fd, F_GETFD) != -1;
    return n;
}

/* An open index holds its mapping, not a descriptor (three per segment would exhaust the
 * descriptor limit at ~6,000 partitions), and can still grow, trim and be renamed. */
TEST(index_keeps_no_descriptor)
{
    char path[512], moved[600];
    snprintf(path, sizeof path, "%s", tmp_path("00000000000000000000.timeindex"));
    snprintf(moved, sizeof moved, "%s.deleted", path);
    int before = open_fds();
    lode_index_t idx;
    REQUIRE(lode_index_open(&idx, LODE_INDEX_TIME, path, 0, 24, true) == 0);
    CHECK_EQ(open_fds(), before);
    REQUIRE(lode_index_maybe_append_time(&idx, 10, 1, false) == 0);
    REQUIRE(lode_index_maybe_append_time(&idx, 20, 2, false) == 0);
    CHECK_EQ(lode_index_maybe_append_time(&idx, 30, 3, false), LODE_ETOOBIG); /* full */
    REQUIRE(lode_index_maybe_append_time(&idx, 30, 3, true) == 0);            /* grows the file */
    CHECK_EQ(file_size(path), 36);
    REQUIRE(lode_index_rename(&idx, moved) == 0);
    REQUIRE(lode_index_resize(&idx, 120) == 0);
    CHECK_EQ(file_size(moved), 120);
    CHECK_EQ(open_fds(), before);
    REQUIRE(lode_index_close(&idx) == 0); /* trims to the entries in use */
    CHECK_EQ(file_size(moved), 36);
    CHECK_EQ(open_fds(), before);
}

TEST(checkpoint_offsets_roundtrip_and_corrupt)
{
    char *path = tmp_path("recovery-point-offset-checkpoint");
    lode_tp_offset_t in[3] = {{"orders", 0, 42}, {"__consumer_offsets", 49, 0}, {"a.b-c_d", 7, -1}};
    REQUIRE(lode_checkpoint_write_offsets(path, in, 3) == 0);
    FILE *f = fopen(path, "r");
    char text[256] = {0};
    REQUIRE(fread(text, 1, sizeof text - 1, f) > 0);
    fclose(f);
    CHECK_STREQ(text, "0\n3\norders 0 42\n__consumer_offsets 49 0\na.b-c_d 7 -1\n");
    lode_tp_offset_t *out;
    size_t n;
    REQUIRE(lode_checkpoint_read_offsets(path, &out, &n) == 0);
    REQUIRE(n == 3);
    CHECK_STREQ(out[1].topic, "__consumer_offsets");
    CHECK_EQ(out[1].partition, 49);
    CHECK_EQ(out[2].offset, -1);
    lode_tp_offsets_free(out, n);
    /* missing → empty */
    REQUIRE(lode_checkpoint_read_offsets(tmp_path("nope"), &out, &n) == 0);
    CHECK_EQ(n, 0);
    const char *bad[] = {"1\n0\n", "0\n2\nt 0 1\n", "0\n1\nt x 1\n", "0\n99999999999\n",
                         "",       "0\n1\nt 0\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        REQUIRE(lode_write_file_atomic(path, bad[i], strlen(bad[i])) == 0);
        CHECK_EQ(lode_checkpoint_read_offsets(path, &out, &n), LODE_ECORRUPT);
    }
}

TEST(checkpoint_epochs_roundtrip)
{
    char *path = tmp_path("leader-epoch-checkpoint");
    lode_epoch_entry_t in[2] = {{0, 0}, {3, 1500}};
    REQUIRE(lode_checkpoint_write_epochs(path, in, 2) == 0);
    lode_epoch_entry_t *out;
    size_t n;
    REQUIRE(lode_checkpoint_read_epochs(path, &out, &n) == 0);
    REQUIRE(n == 2);
    CHECK(out[1].epoch == 3 && out[1].start_offset == 1500);
    free(out);
    REQUIRE(lode_write_file_atomic(path, "0\n1\n3\n", 6) == 0);
    CHECK_EQ(lode_checkpoint_read_epochs(path, &out, &n), LODE_ECORRUPT);
}
