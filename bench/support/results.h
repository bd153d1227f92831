/*
 * results.h — machine-readable benchmark results. Each benchmark prints its
 * tables for people on stdout and, when the environment names a file in
 * LODE_BENCH_RESULTS, also appends one JSON object per measurement to it
 * (JSON lines). bench/report reads those lines and writes docs/performance.md
 * and its charts.
 *
 *   bench_rec_begin("server", "produce");
 *   bench_rec_str("acks", "all");
 *   bench_rec_num("size", 1000);
 *   bench_rec_num("mbps", 912.4);
 *   bench_rec_end();
 *
 * Without LODE_BENCH_RESULTS the calls do nothing. Keys are plain
 * identifiers; strings are escaped.
 */
#ifndef LODE_BENCH_RESULTS_H
#define LODE_BENCH_RESULTS_H

/* Starts a record of benchmark `bench`, measurement `what`. */
void bench_rec_begin(const char *bench, const char *what);
void bench_rec_str(const char *key, const char *value);
/* A number; NaN and infinities are written as null. */
void bench_rec_num(const char *key, double value);
/* Appends the record as one line (and flushes it). */
void bench_rec_end(void);

#endif
