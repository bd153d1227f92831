/*
 * libFuzzer target for the group coordinator's loading of __consumer_offsets:
 * whatever records a partition holds (written by another broker, a tool, or
 * corrupted), loading them must not crash, leak, or leave a coordinator that
 * misbehaves afterwards.
 *
 * Input: records separated by the byte pair 0xFF 0xFE; in each, the first
 * byte's low bit says whether the value is null (a tombstone) and byte 1
 * where the key ends. The records become one batch in a fresh log; a
 * coordinator loads it, then lists, describes and answers a heartbeat and an
 * offset fetch for every group it found.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "group/coordinator.h"
#include "proto/compress.h"
#include "proto/record_batch.h"
#include "storage/log.h"

static const lode_log_hooks_t HOOKS = {lode_batch_validate_stored, NULL};

static int no_append(void *ctx, int32_t partition, uint8_t *batch, size_t len,
                     lode_gc_written_fn done, void *arg)
{
    (void)ctx, (void)partition, (void)batch, (void)len, (void)done, (void)arg;
    return LODE_EIO; /* nothing is written while fuzzing the load */
}

static char dir[64];

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz-group-%d", (int)getpid());
        atexit(remove_dir);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 0;

    lode_batch_builder_t bb;
    lode_batch_builder_init(&bb, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    size_t i = 0;
    while (i < size) {
        size_t j = i;
        while (j + 1 < size && !(data[j] == 0xFF && data[j + 1] == 0xFE))
            j++;
        if (j + 1 >= size)
            j = size;
        const uint8_t *rec = data + i;
        size_t n = j - i;
        if (n >= 2) {
            bool tomb = rec[0] & 1;
            size_t klen = rec[1] < n - 2 ? rec[1] : n - 2;
            lode_batch_builder_add(&bb, 0, rec + 2, (int32_t)klen, tomb ? NULL : rec + 2 + klen,
                                   tomb ? -1 : (int32_t)(n - 2 - klen), NULL, 0);
        }
        i = j + 2;
    }
    lode_buf_t out;
    lode_buf_init(&out);
    int rc = lode_batch_builder_count(&bb) ? lode_batch_builder_finish(&bb, &out) : LODE_EINVAL;
    lode_batch_builder_free(&bb);
    lode_log_config_t c;
    lode_log_config_defaults(&c);
    lode_log_t *log = NULL;
    if (rc == 0 && lode_log_open(dir, &c, 0, -1, false, &HOOKS, 0, &log) == 0) {
        lode_log_append_info_t info;
        lode_log_append(log, out.data, out.len, 0, 0, &info);
        lode_gc_config_t cfg = {.num_partitions = 1,
                                .min_session_timeout_ms = 1,
                                .max_session_timeout_ms = 1000000,
                                .max_size = 100,
                                .offset_metadata_max_bytes = 4096,
                                .offsets_retention_ms = 1000,
                                .retention_check_interval_ms = 1000};
        lode_gc_store_t store = {NULL, no_append};
        lode_manual_clock_t mc;
        lode_manual_clock_init(&mc, 0, 0);
        lode_timer_t *timer = lode_timer_new(&mc.clock);
        lode_gc_t *gc = lode_gc_new(&cfg, &store, &mc.clock, timer);
        size_t skipped;
        lode_gc_load(gc, 0, log, &skipped);
        lode_arena_t a;
        lode_arena_init(&a, 4096);
        lode_gc_group_info_t *gs;
        size_t ng;
        lode_gc_list(gc, &a, &gs, &ng);
        for (size_t g = 0; g < ng; g++) {
            lode_gc_group_desc_t d;
            lode_gc_describe(gc, gs[g].group_id, &a, &d);
            for (size_t m = 0; m < d.nmembers; m++)
                lode_gc_heartbeat(gc, gs[g].group_id, d.members[m].member_id, NULL, 0);
            lode_gc_offset_t *all;
            size_t no;
            lode_gc_fetch_offsets(gc, gs[g].group_id, true, NULL, 0, &a, &all, &no);
        }
        lode_manual_clock_advance_ms(&mc, 2000000);
        lode_timer_run_due(timer); /* sessions expire, rebalances run */
        lode_gc_expire_offsets(gc);
        lode_arena_free(&a);
        lode_gc_free(gc);
        lode_timer_free(timer);
        lode_log_close(log);
    }
    lode_buf_free(&out);
    return 0;
}
