/*
 * perf_common.h — what kafka-producer-perf-test and kafka-consumer-perf-test
 * share: numbers printed the way Java's String.format prints them (their
 * output is parsed by scripts), the wall clock in milliseconds, and
 * librdkafka's statistics for --print-metrics.
 */
#ifndef LODE_CLI_PERF_COMMON_H
#define LODE_CLI_PERF_COMMON_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Java's "%.<decimals>f": the shortest decimal that reads back as v, rounded
 * half-up (Java prints 0.125 as "0.13" where C prints "0.12"), "NaN",
 * "Infinity" and "-Infinity" as Java spells them. Returns out.
 */
char *perf_fmt(char *out, size_t cap, double v, int decimals);

/*
 * java.text.SimpleDateFormat for --date-format, in the local time zone: the
 * letters G y Y M L d D E u a H k K h m s S z Z X and 'quoted text'. Returns
 * 0, or -1 with the offending letter in *bad (Java: "Illegal pattern
 * character 'q'").
 */
int perf_fmt_date(char *out, size_t cap, const char *pattern, int64_t ms, char *bad);

/* System.currentTimeMillis(). */
int64_t perf_wall_ms(void);

/*
 * --print-metrics: librdkafka's statistics (its JSON document) stand in for
 * the Java client's metrics table. perf_metrics_enable asks for them every
 * 500 ms through a stats callback served by rd_kafka_poll / the event queue;
 * a tool using the event API hands RD_KAFKA_EVENT_STATS documents to
 * perf_metrics_store. Any thread may store; the newest document is kept.
 */
int perf_metrics_enable(rd_kafka_conf_t *conf, const char *tool);
void perf_metrics_store(const char *json);
/* How many documents have been stored so far (to wait for a fresh one). */
uint64_t perf_metrics_seq(void);
/* Prints the newest document after a blank line and a title line. */
void perf_metrics_print(void);
/* Frees the kept document. */
void perf_metrics_free(void);

#endif
