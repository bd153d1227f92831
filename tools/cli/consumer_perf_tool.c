/*
 * `lode consumer-perf-test` — Kafka's kafka-consumer-perf-test: a group
 * consumer reads --messages records from --topic (or stops after --timeout ms
 * without one) and prints how much it read and how fast, in Kafka 4.0's
 * header, columns and number formats (scripts parse them).
 *
 * rebalance.time.ms is the time from subscribing (or from a revocation) to
 * the assignment, as Kafka's rebalance listener measures it; fetch.time.ms is
 * the rest of the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "client.h"
#include "opts.h"
#include "perf_common.h"

#define TOOL "consumer-perf-test"
#define DATE_FORMAT "yyyy-MM-dd HH:mm:ss:SSS"
#define METRICS_WAIT_MS 2000

static const cli_optdef_t defs[] = {
    {"bootstrap-server", CLI_VALUE, "String: server to connect to",
     "REQUIRED: The server(s) to connect to."},
    {"consumer.config", CLI_VALUE, "String: config file", "Consumer config properties file."},
    {"date-format", CLI_VALUE, "String: date format",
     "The date format to use for formatting the time field. See java.text.SimpleDateFormat for "
     "options. (default: " DATE_FORMAT ")"},
    {"fetch-size", CLI_VALUE, "Integer: size",
     "The amount of data to fetch in a single request. (default: 1048576)"},
    {"from-latest", CLI_FLAG, NULL,
     "If the consumer does not already have an established offset to consume from, start with "
     "the latest message present in the log rather than the earliest message."},
    {"group", CLI_VALUE, "String: gid",
     "The group id to consume on. (default: perf-consumer-<random>)"},
    {"hide-header", CLI_FLAG, NULL, "If set, skips printing the header for the stats"},
    {"messages", CLI_VALUE, "Long: count", "REQUIRED: The number of messages to send or consume"},
    {"print-metrics", CLI_FLAG, NULL, "Print out the metrics (librdkafka's statistics, JSON)."},
    {"reporting-interval", CLI_VALUE, "Long: interval_ms",
     "Interval in milliseconds at which to print progress info. (default: 5000)"},
    {"show-detailed-stats", CLI_FLAG, NULL,
     "If set, stats are reported for each reporting interval as configured by "
     "reporting-interval"},
    {"socket-buffer-size", CLI_VALUE, "Integer: size",
     "The size of the tcp RECV size. (default: 2097152)"},
    {"timeout", CLI_VALUE, "Long: milliseconds",
     "The maximum allowed time in milliseconds between returned records. (default: 10000)"},
    {"topic", CLI_VALUE, "String: topic", "REQUIRED: The topic to consume from."},
    CLI_OPT_END,
};

static const cli_tool_t tool = {
    "kafka-consumer-perf-test",
    "This tool is used to verify the consumer performance.",
    defs,
};

typedef struct settings {
    const char *topic;
    int64_t messages;
    int64_t timeout_ms;
    int64_t reporting_interval_ms;
    const char *date_format;
    bool detailed;
} settings_t;

/* What the rebalance callback measures. */
typedef struct joins {
    int64_t join_start_ms;
    int64_t join_ms;       /* all rounds */
    int64_t join_round_ms; /* since the last progress line */
} joins_t;

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    joins_t *j = opaque;
    bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    bool assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
    if (assign) {
        int64_t elapsed = perf_wall_ms() - j->join_start_ms;
        j->join_ms += elapsed;
        j->join_round_ms += elapsed;
    } else {
        j->join_start_ms = perf_wall_ms();
    }
    if (cooperative) {
        rd_kafka_error_t *e = assign ? rd_kafka_incremental_assign(rk, parts)
                                     : rd_kafka_incremental_unassign(rk, parts);
        if (e)
            rd_kafka_error_destroy(e);
    } else {
        rd_kafka_assign(rk, assign ? parts : NULL);
    }
}

/* A number flag within [min, max]; false after printing the usage error. */
static bool number_arg(const cli_opts_t *o, const char *name, int64_t dflt, int64_t min,
                       int64_t max, int64_t *out)
{
    const char *v = cli_get(o, name, NULL);
    *out = dflt;
    if (!v)
        return true;
    if (!cli_parse_i64(v, out) || *out < min || *out > max) {
        cli_usage_error(o, "Cannot parse argument '%s' of option %s", v, name);
        return false;
    }
    return true;
}

static int check_args(const cli_opts_t *o, settings_t *s, int64_t *fetch_size, int64_t *sockbuf)
{
    if (!cli_has(o, "topic"))
        return cli_usage_error(o, "Missing required argument \"[topic]\"");
    if (!cli_has(o, "messages"))
        return cli_usage_error(o, "Missing required argument \"[messages]\"");
    s->topic = cli_get(o, "topic", NULL);
    s->detailed = cli_has(o, "show-detailed-stats");
    if (!number_arg(o, "messages", 0, INT64_MIN, INT64_MAX, &s->messages) ||
        !number_arg(o, "timeout", 10000, INT64_MIN, INT64_MAX, &s->timeout_ms) ||
        !number_arg(o, "fetch-size", 1048576, INT32_MIN, INT32_MAX, fetch_size) ||
        !number_arg(o, "socket-buffer-size", 2097152, INT32_MIN, INT32_MAX, sockbuf))
        return 1;
    const char *ri = cli_get(o, "reporting-interval", NULL);
    if (ri && strspn(ri, "0123456789") != strlen(ri))
        return cli_usage_error(o, "Value [%s] did not match regex [^\\d+$]", ri);
    if (!number_arg(o, "reporting-interval", 5000, 0, INT64_MAX, &s->reporting_interval_ms))
        return 1;
    if (s->reporting_interval_ms <= 0) {
        fprintf(stderr, "Reporting interval must be greater than 0.\n");
        return 1;
    }
    s->date_format = cli_get(o, "date-format", DATE_FORMAT);
    char buf[8], bad = 0;
    if (perf_fmt_date(buf, sizeof buf, s->date_format, 0, &bad) != 0) {
        if (strchr("wWF", bad))
            fprintf(stderr, "%s: the date pattern letter '%c' is not supported\n", TOOL, bad);
        else
            fprintf(stderr, "Illegal pattern character '%c'\n", bad);
        return 1;
    }
    return 0;
}

/* --consumer.config, then the flags' settings over it, as Kafka's ConsumerPerfOptions.props. */
static int configure(const cli_opts_t *o, int64_t fetch_size, int64_t sockbuf, joins_t *joins,
                     cli_conf_t *c)
{
    const char *file = cli_get(o, "consumer.config", NULL);
    if (cli_conf_init(c, TOOL, cli_get(o, "bootstrap-server", NULL), &file, file ? 1 : 0, NULL,
                      0) != 0)
        return 1;
    char value[512], group[64];
    size_t len = sizeof value;
    if (rd_kafka_conf_get(c->conf, "client.id", value, &len) == RD_KAFKA_CONF_OK &&
        strcmp(value, TOOL) == 0 && cli_conf_set(c, "client.id", "perf-consumer-client") != 0)
        return 1;
    srand((unsigned)time(NULL) ^ (unsigned)clock());
    snprintf(group, sizeof group, "perf-consumer-%d", rand() % 100000);
    char fetch[24], buf[24];
    snprintf(fetch, sizeof fetch, "%lld", (long long)fetch_size);
    snprintf(buf, sizeof buf, "%lld", (long long)sockbuf);
    if (cli_conf_set(c, "group.id", cli_get(o, "group", group)) != 0 ||
        cli_conf_set(c, "socket.receive.buffer.bytes", buf) != 0 ||
        cli_conf_set(c, "max.partition.fetch.bytes", fetch) != 0 ||
        cli_conf_set(c, "auto.offset.reset", cli_has(o, "from-latest") ? "latest" : "earliest") !=
            0 ||
        cli_conf_set(c, "check.crcs", "false") != 0)
        return 1;
    if (cli_has(o, "print-metrics") && perf_metrics_enable(c->conf, TOOL) != 0)
        return 1;
    rd_kafka_conf_set_rebalance_cb(c->conf, rebalance_cb);
    rd_kafka_conf_set_opaque(c->conf, joins);
    return 0;
}

static void print_date(const settings_t *s, int64_t ms)
{
    char date[256], bad;
    perf_fmt_date(date, sizeof date, s->date_format, ms, &bad);
    fputs(date, stdout);
}

/* Kafka's detailed line for the interval last_ms .. now_ms. */
static void print_progress(const settings_t *s, int64_t bytes, int64_t last_bytes, int64_t messages,
                           int64_t last_messages, int64_t last_ms, int64_t now_ms,
                           int64_t join_round_ms)
{
    double elapsed = (double)(now_ms - last_ms);
    double mb = (double)bytes / (1024 * 1024),
           interval_mb = (double)(bytes - last_bytes) / (1024 * 1024);
    int64_t fetch_ms = now_ms - last_ms - join_round_ms;
    char a[64], b[64], c[64], d[64], e[64];
    print_date(s, now_ms);
    printf(", 0, %s, %s, %lld, %s, %lld, %lld, %s, %s\n", perf_fmt(a, sizeof a, mb, 4),
           perf_fmt(b, sizeof b, 1000.0 * interval_mb / elapsed, 4), (long long)messages,
           perf_fmt(c, sizeof c, (double)(messages - last_messages) / elapsed * 1000.0, 4),
           (long long)join_round_ms, (long long)fetch_ms,
           perf_fmt(d, sizeof d, fetch_ms <= 0 ? 0.0 : 1000.0 * interval_mb / (double)fetch_ms, 4),
           perf_fmt(e, sizeof e,
                    fetch_ms <= 0 ? 0.0
                                  : 1000.0 * (double)(messages - last_messages) / (double)fetch_ms,
                    4));
    fflush(stdout);
}

typedef struct totals {
    int64_t messages, bytes;
} totals_t;

/* Kafka's consume loop: until --messages are read or --timeout ms pass without a record. */
static void consume(const settings_t *s, rd_kafka_t *rk, joins_t *joins, totals_t *t)
{
    int64_t now_ms = perf_wall_ms(), last_report_ms = now_ms, last_consumed_ms = now_ms;
    int64_t last_bytes = 0, last_messages = 0;
    rd_kafka_resp_err_t last_err = RD_KAFKA_RESP_ERR_NO_ERROR;
    while (t->messages < s->messages && now_ms - last_consumed_ms <= s->timeout_ms) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        now_ms = perf_wall_ms();
        if (!m) {
            rd_kafka_poll(rk, 0); /* statistics and errors */
            continue;
        }
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && m->err != last_err)
                fprintf(stderr, "[WARN] %s: %s\n", TOOL, rd_kafka_message_errstr(m));
            last_err = m->err;
            rd_kafka_message_destroy(m);
            continue;
        }
        last_consumed_ms = now_ms;
        t->messages++;
        t->bytes += (int64_t)m->key_len + (int64_t)m->len;
        rd_kafka_message_destroy(m);
        if (now_ms - last_report_ms >= s->reporting_interval_ms) {
            if (s->detailed)
                print_progress(s, t->bytes, last_bytes, t->messages, last_messages, last_report_ms,
                               now_ms, joins->join_round_ms);
            joins->join_round_ms = 0;
            last_report_ms = now_ms;
            last_messages = t->messages;
            last_bytes = t->bytes;
            rd_kafka_poll(rk, 0);
        }
    }
    if (t->messages < s->messages)
        printf("WARNING: Exiting before consuming the expected number of messages: timeout (%lld "
               "ms) exceeded. You can use the --timeout option to increase the timeout.\n",
               (long long)s->timeout_ms);
}

static void print_total(const settings_t *s, const totals_t *t, int64_t start_ms, int64_t end_ms,
                        int64_t join_ms)
{
    double elapsed_sec = (double)(end_ms - start_ms) / 1000.0;
    int64_t fetch_ms = end_ms - start_ms - join_ms;
    double mb = (double)t->bytes / (1024 * 1024);
    char a[64], b[64], c[64], d[64], e[64];
    print_date(s, start_ms);
    fputs(", ", stdout);
    print_date(s, end_ms);
    printf(", %s, %s, %lld, %s, %lld, %lld, %s, %s\n", perf_fmt(a, sizeof a, mb, 4),
           perf_fmt(b, sizeof b, mb / elapsed_sec, 4), (long long)t->messages,
           perf_fmt(c, sizeof c, (double)t->messages / elapsed_sec, 4), (long long)join_ms,
           (long long)fetch_ms, perf_fmt(d, sizeof d, mb / ((double)fetch_ms / 1000.0), 4),
           perf_fmt(e, sizeof e, (double)t->messages / ((double)fetch_ms / 1000.0), 4));
}

static int run(const cli_opts_t *o)
{
    settings_t s = {0};
    int64_t fetch_size, sockbuf;
    int rc = check_args(o, &s, &fetch_size, &sockbuf);
    if (rc != 0)
        return rc;
    joins_t joins = {0};
    cli_conf_t c;
    if (configure(o, fetch_size, sockbuf, &joins, &c) != 0)
        return 1;
    if (!cli_has(o, "hide-header"))
        printf("%s, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
               "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n",
               s.detailed ? "time, threadId" : "start.time, end.time");
    fflush(stdout);
    rd_kafka_t *rk = cli_client_new(&c, RD_KAFKA_CONSUMER);
    if (!rk)
        return 1;
    int64_t start_ms = perf_wall_ms();
    joins.join_start_ms = start_ms;
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, s.topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        fprintf(stderr, "%s: cannot subscribe to %s: %s\n", TOOL, s.topic, rd_kafka_err2str(err));
        rd_kafka_destroy(rk);
        return 1;
    }
    totals_t t = {0};
    consume(&s, rk, &joins, &t);
    int64_t end_ms = perf_wall_ms();
    if (cli_has(o, "print-metrics")) { /* statistics taken after the run */
        uint64_t seq = perf_metrics_seq();
        for (int waited = 0; perf_metrics_seq() == seq && waited < METRICS_WAIT_MS; waited += 100)
            rd_kafka_poll(rk, 100);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    if (!s.detailed)
        print_total(&s, &t, start_ms, end_ms, joins.join_ms);
    if (cli_has(o, "print-metrics"))
        perf_metrics_print();
    perf_metrics_free();
    fflush(stdout);
    return 0;
}

int lode_cli_consumer_perf_test(int argc, char **argv)
{
    cli_opts_t o;
    int rc = cli_opts_parse(&o, &tool, argc, argv);
    if (rc != 0)
        return rc == 2 ? 0 : rc;
    if (argc <= 1) /* Kafka: the tool's purpose and the usage, exit 1 */
        rc = cli_usage_error(&o, NULL);
    else if (o.npositional)
        rc = cli_usage_error(&o, "%s is not a recognized option", o.positional[0]);
    else
        rc = run(&o);
    cli_opts_free(&o);
    return rc;
}
