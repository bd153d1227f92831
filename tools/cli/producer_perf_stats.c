/*
 * producer_perf_stats.c — the producer perf test's numbers and the lines
 * Kafka prints them in (see producer_perf_stats.h).
 */
#include "producer_perf_stats.h"

#include <stdio.h>
#include <stdlib.h>

#include "perf_common.h"

#define MAX_SAMPLES 500000

void perf_stats_init(perf_stats_t *s, int64_t num_records, int64_t reporting_interval_ms,
                     int64_t now_ms)
{
    *s = (perf_stats_t){0};
    s->start_ms = s->window_start_ms = now_ms;
    s->reporting_interval_ms = reporting_interval_ms;
    s->sampling = num_records / (num_records < MAX_SAMPLES ? num_records : MAX_SAMPLES);
    s->sample_cap = num_records / s->sampling + 1;
    s->latencies = calloc((size_t)s->sample_cap, sizeof *s->latencies);
}

void perf_stats_free(perf_stats_t *s)
{
    free(s->latencies);
    s->latencies = NULL;
}

/*
 * The part both lines share: "<n> records sent, <rate> records/sec (<mb> MB/sec), <avg> ms avg
 * latency, <max> ms max latency" over elapsed_ms, latencies with `decimals` digits (Kafka prints
 * the window's with one, the total's with two). No newline.
 */
static void print_counts(int64_t count, int64_t bytes, int64_t total_latency, int max_latency,
                         double elapsed_ms, int decimals)
{
    char rate[64], mb[64], avg[64], max[64];
    perf_fmt(rate, sizeof rate, 1000.0 * (double)count / elapsed_ms, 1);
    perf_fmt(mb, sizeof mb, 1000.0 * (double)bytes / elapsed_ms / (1024.0 * 1024.0), 2);
    perf_fmt(avg, sizeof avg, (double)total_latency / (double)count, decimals);
    perf_fmt(max, sizeof max, (double)max_latency, decimals);
    printf("%lld records sent, %s records/sec (%s MB/sec), %s ms avg latency, %s ms max latency",
           (long long)count, rate, mb, avg, max);
}

static void print_window(perf_stats_t *s, int64_t now_ms)
{
    print_counts(s->window_count, s->window_bytes, s->window_total_latency, s->window_max_latency,
                 (double)(now_ms - s->window_start_ms), 1);
    printf(".\n");
    fflush(stdout);
}

void perf_stats_record(perf_stats_t *s, int latency_ms, int bytes, int64_t now_ms)
{
    s->count++;
    s->bytes += bytes;
    s->total_latency += latency_ms;
    if (latency_ms > s->max_latency)
        s->max_latency = latency_ms;
    s->window_count++;
    s->window_bytes += bytes;
    s->window_total_latency += latency_ms;
    if (latency_ms > s->window_max_latency)
        s->window_max_latency = latency_ms;
    if (s->iteration % s->sampling == 0 && s->index < s->sample_cap)
        s->latencies[s->index++] = latency_ms;
    s->iteration++;
    if (now_ms - s->window_start_ms >= s->reporting_interval_ms) {
        print_window(s, now_ms);
        s->window_start_ms = now_ms;
        s->window_count = s->window_bytes = s->window_total_latency = 0;
        s->window_max_latency = 0;
    }
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

void perf_stats_print_total(perf_stats_t *s, int64_t end_ms)
{
    double elapsed = (double)(end_ms - s->start_ms);
    int64_t size = s->index < s->sample_cap ? s->index : s->sample_cap;
    qsort(s->latencies, (size_t)size, sizeof *s->latencies, cmp_int);
    static const double ps[] = {0.5, 0.95, 0.99, 0.999};
    int perc[4];
    for (int i = 0; i < 4; i++)
        perc[i] = s->latencies[(int64_t)(ps[i] * (double)size)];
    print_counts(s->count, s->bytes, s->total_latency, s->max_latency, elapsed, 2);
    printf(", %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n", perc[0], perc[1], perc[2],
           perc[3]);
    fflush(stdout);
}
