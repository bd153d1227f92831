/*
 * producer_perf_stats.h — kafka-producer-perf-test's statistics, as Kafka's
 * ProducerPerformance.Stats keeps them: totals, a window printed every
 * reporting interval, and a sample of latencies (every
 * num_records / min(num_records, 500000)-th acknowledgement) for the
 * percentiles. One thread records; the totals are read after it stops.
 */
#ifndef LODE_CLI_PRODUCER_PERF_STATS_H
#define LODE_CLI_PRODUCER_PERF_STATS_H

#include <stdint.h>

typedef struct perf_stats {
    int64_t start_ms;
    int64_t reporting_interval_ms;
    int *latencies; /* the sample, ms */
    int64_t sample_cap;
    int64_t sampling;
    int64_t iteration;
    int64_t index;
    int64_t count, bytes, total_latency;
    int max_latency;
    int64_t window_start_ms, window_count, window_bytes, window_total_latency;
    int window_max_latency;
} perf_stats_t;

void perf_stats_init(perf_stats_t *s, int64_t num_records, int64_t reporting_interval_ms,
                     int64_t now_ms);
void perf_stats_free(perf_stats_t *s);

/* One acknowledged record; prints the window line when the interval has passed. */
void perf_stats_record(perf_stats_t *s, int latency_ms, int bytes, int64_t now_ms);

/* Kafka's final line, with the rates over start .. end_ms. */
void perf_stats_print_total(perf_stats_t *s, int64_t end_ms);

#endif
