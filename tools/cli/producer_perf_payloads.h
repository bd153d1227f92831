/*
 * producer_perf_payloads.h — the records kafka-producer-perf-test sends:
 * --record-size random capital letters, --payload-file pieces picked at
 * random, or --payload-monotonic counters.
 */
#ifndef LODE_CLI_PRODUCER_PERF_PAYLOADS_H
#define LODE_CLI_PRODUCER_PERF_PAYLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct perf_payloads {
    int record_size; /* --record-size, or 0 */
    bool monotonic;  /* --payload-monotonic */
    char *pool;      /* random letters: each record is a slice at a random offset */
    size_t pool_len;
    char *file; /* --payload-file contents, split in place */
    char **items;
    size_t *lens;
    size_t count;
    uint64_t rng;
} perf_payloads_t;

/* record_size random letters a record; allocates the pool. */
void perf_payloads_random(perf_payloads_t *pl, int record_size);
/*
 * Reads the file (printing "Reading payloads from: <absolute path>" and "Number of messages
 * read: <n>" as Kafka does) and splits it at each match of delim, a regular expression ("\\n",
 * Kafka's default as typed, means a newline). Returns 0, or 1 after printing why.
 */
int perf_payloads_file(perf_payloads_t *pl, const char *path, const char *delim);
void perf_payloads_free(perf_payloads_t *pl);
/* Record i's payload: a pointer into the pool, the file, or buf (24 bytes) when monotonic. */
const char *perf_payload_next(perf_payloads_t *pl, int64_t i, char *buf, size_t *len);

#endif
