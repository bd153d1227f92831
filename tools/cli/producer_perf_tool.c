/*
 * `lode producer-perf-test` — Kafka's kafka-producer-perf-test: sends
 * --num-records records to --topic as fast as allowed (--throughput records/s,
 * -1 for no limit) and prints, every 5 s and at the end, how many were
 * acknowledged, the rate and the send-to-acknowledgement latency, in Kafka
 * 4.0's words and number formats (scripts parse them).
 *
 * Two threads: this one produces (librdkafka copies each payload; a full
 * queue blocks it, as Kafka's send blocks), and a poll thread takes the
 * delivery reports in batches from the event queue and keeps the statistics,
 * so a report never waits behind a send. The send time travels with the
 * record as its opaque, so nothing is allocated per record.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "core/uuid.h"
#include "opts.h"
#include "perf_common.h"
#include "producer_perf_payloads.h"
#include "producer_perf_stats.h"

#define TOOL "producer-perf-test"
#define PROG "producer-performance" /* argparse4j's program name in Kafka's messages */
#define REPORT_INTERVAL_MS 5000
#define MIN_SLEEP_NS 2000000LL /* ThroughputThrottler sleeps in steps of at least 2 ms */
#define DEFAULT_TRANSACTION_DURATION_MS 3000

static const cli_optdef_t defs[] = {
    {"topic", CLI_VALUE, "TOPIC", "produce messages to this topic"},
    {"num-records", CLI_VALUE, "NUM-RECORDS", "number of messages to produce"},
    {"record-size", CLI_VALUE, "RECORD-SIZE",
     "message size in bytes. Note that you must provide exactly one of --record-size or "
     "--payload-file or --payload-monotonic."},
    {"payload-file", CLI_VALUE, "PAYLOAD-FILE",
     "file to read the message payloads from. This works only for UTF-8 encoded text files. "
     "Payloads will be read from this file and a payload will be randomly selected when sending "
     "messages."},
    {"payload-monotonic", CLI_FLAG, NULL, "payload is monotonically increasing integer."},
    {"payload-delimiter", CLI_VALUE, "PAYLOAD-DELIMITER",
     "provides delimiter to be used when --payload-file is provided. Defaults to new line. "
     "(a regular expression, as Kafka's)"},
    {"throughput", CLI_VALUE, "THROUGHPUT",
     "throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this "
     "to -1 to disable throttling."},
    {"producer-props", CLI_LIST, "PROP-NAME=PROP-VALUE [PROP-NAME=PROP-VALUE ...]",
     "kafka producer related configuration properties like bootstrap.servers,client.id etc. "
     "These configs take precedence over those passed via --producer.config."},
    {"producer.config", CLI_VALUE, "CONFIG-FILE", "producer config properties file."},
    {"bootstrap-server", CLI_VALUE, "BOOTSTRAP-SERVER",
     "the server(s) to connect to (as Kafka 4.2's; overrides bootstrap.servers)"},
    {"print-metrics", CLI_FLAG, NULL,
     "print out metrics at the end of the test (librdkafka's statistics, JSON)."},
    {"transactional-id", CLI_VALUE, "TRANSACTIONAL-ID",
     "The transactional id to use. This config takes precedence over the transactional.id "
     "specified via --producer.config or --producer-props."},
    {"transaction-duration-ms", CLI_VALUE, "TRANSACTION-DURATION",
     "The max age of each transaction. The commitTransaction will be called after this time has "
     "elapsed. The value should be greater than 0 (default 3000 when transactions are used)."},
    CLI_OPT_END,
};

static const cli_tool_t tool = {
    "kafka-producer-perf-test",
    "This tool is used to verify the producer performance. To enable transactions, you can "
    "specify a transaction id or set a transaction duration using --transaction-duration-ms.",
    defs,
};

/*
 * Kafka's ThroughputThrottler, for records per second: while the average rate since the start
 * is above the target, every record owes 1/target s of sleep, slept in steps of at least 2 ms.
 * Kafka measures the elapsed time in whole milliseconds, so everything sent within the first
 * millisecond goes unthrottled — hundreds of records with a fast client — and that lead is never
 * paid back; measured in nanoseconds here, the average holds from the first record.
 */
typedef struct throttler {
    double target;
    int64_t start_ns;
    int64_t sleep_ns; /* 1 s / target */
    int64_t deficit_ns;
} throttler_t;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool should_throttle(const throttler_t *t, int64_t sent)
{
    if (t->target < 0)
        return false;
    double elapsed_sec = (double)(mono_ns() - t->start_ns) / 1e9;
    return elapsed_sec > 0 && (double)sent / elapsed_sec > t->target;
}

static void throttle(throttler_t *t)
{
    t->deficit_ns += t->sleep_ns;
    if (t->deficit_ns < MIN_SLEEP_NS)
        return;
    struct timespec ts = {t->deficit_ns / 1000000000LL, t->deficit_ns % 1000000000LL};
    while (nanosleep(&ts, &ts) != 0)
        ;
    t->deficit_ns = 0;
}

/* The poll thread: delivery reports into the statistics until everything sent is settled. */
typedef struct poller {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    perf_stats_t *stats;
    atomic_bool sending_done;
    int64_t end_ms; /* when the last report was taken */
    bool metrics;
    uint64_t errors;
} poller_t;

static void take_reports(poller_t *p, rd_kafka_event_t *ev)
{
    const rd_kafka_message_t *msgs[256];
    size_t n;
    int64_t now_ms = perf_wall_ms();
    while ((n = rd_kafka_event_message_array(ev, msgs, 256)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (msgs[i]->err) {
                /* Kafka prints each failure's stack trace; a few lines say as much */
                if (p->errors++ < 10)
                    fprintf(stderr, "%s: record not delivered: %s\n", TOOL,
                            rd_kafka_err2str(msgs[i]->err));
                continue;
            }
            int64_t sent_ms = (int64_t)(intptr_t)msgs[i]->_private;
            perf_stats_record(p->stats, (int)(now_ms - sent_ms), (int)msgs[i]->len, now_ms);
        }
    }
}

static void *poll_main(void *arg)
{
    poller_t *p = arg;
    for (;;) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(p->q, 100);
        if (ev) {
            switch (rd_kafka_event_type(ev)) {
            case RD_KAFKA_EVENT_DR:
                take_reports(p, ev);
                break;
            case RD_KAFKA_EVENT_STATS:
                perf_metrics_store(rd_kafka_event_stats(ev));
                break;
            case RD_KAFKA_EVENT_ERROR:
                fprintf(stderr, "%s: %s%s\n", TOOL,
                        rd_kafka_event_error_is_fatal(ev) ? "fatal: " : "",
                        rd_kafka_event_error_string(ev));
                break;
            default:
                break;
            }
            rd_kafka_event_destroy(ev);
        }
        if (atomic_load(&p->sending_done) && rd_kafka_outq_len(p->rk) == 0)
            break;
    }
    p->end_ms = perf_wall_ms();
    if (p->metrics) { /* statistics taken after the last acknowledgement */
        uint64_t seq = perf_metrics_seq();
        for (int i = 0; i < 20 && perf_metrics_seq() == seq; i++) {
            rd_kafka_event_t *ev = rd_kafka_queue_poll(p->q, 100);
            if (ev && rd_kafka_event_type(ev) == RD_KAFKA_EVENT_STATS)
                perf_metrics_store(rd_kafka_event_stats(ev));
            if (ev)
                rd_kafka_event_destroy(ev);
        }
    }
    return NULL;
}

typedef struct settings {
    const char *topic;
    int64_t num_records;
    double throughput;
    bool transactions;
    int64_t transaction_duration_ms;
} settings_t;

/* argparse4j's way of reporting a bad command line. */
static int arg_error(const cli_opts_t *o, const char *msg)
{
    return cli_usage_error(o, "%s: error: %s", PROG, msg);
}

static int parse_double(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return *s && !*end ? 0 : -1;
}

/*
 * argparse4j takes every value after --producer-props up to the next option;
 * the shared parser takes one value per flag, so "--producer-props a=1 b=2"
 * becomes "--producer-props a=1 --producer-props b=2". Returns a new argv.
 */
static char **expand_props(int argc, char **argv, int *out_argc)
{
    char **out = calloc((size_t)argc * 2 + 1, sizeof *out);
    int n = 0;
    for (int a = 0; a < argc; a++) {
        out[n++] = argv[a];
        if (strcmp(argv[a], "--producer-props") != 0)
            continue;
        bool first = true;
        while (a + 1 < argc && strncmp(argv[a + 1], "--", 2) != 0) {
            if (!first)
                out[n++] = (char *)"--producer-props";
            out[n++] = argv[++a];
            first = false;
        }
    }
    *out_argc = n;
    return out;
}

static int check_args(const cli_opts_t *o, settings_t *s, perf_payloads_t *pl)
{
    static const char *const required[] = {"topic", "num-records", "throughput"};
    for (size_t i = 0; i < 3; i++)
        if (!cli_has(o, required[i])) {
            char msg[128];
            snprintf(msg, sizeof msg, "argument --%s is required", required[i]);
            return arg_error(o, msg);
        }
    int payload_kinds =
        cli_has(o, "record-size") + cli_has(o, "payload-file") + cli_has(o, "payload-monotonic");
    if (payload_kinds == 0)
        return arg_error(o, "one of the arguments --record-size --payload-file "
                            "--payload-monotonic is required");
    if (payload_kinds > 1) {
        static const char *const kinds[] = {"record-size", "payload-file", "payload-monotonic"};
        const char *first = NULL, *second = NULL;
        for (size_t i = 0; i < 3; i++)
            if (cli_has(o, kinds[i]))
                *(first ? &second : &first) = kinds[i];
        char msg[128];
        snprintf(msg, sizeof msg, "argument --%s: not allowed with argument --%s", second, first);
        return arg_error(o, msg);
    }
    s->topic = cli_get(o, "topic", NULL);
    if (!cli_parse_i64(cli_get(o, "num-records", NULL), &s->num_records))
        return arg_error(o, "argument --num-records: could not convert to Long");
    if (s->num_records <= 0)
        return arg_error(o, "--num-records should be greater than zero");
    int32_t size = 0;
    if (cli_has(o, "record-size")) {
        if (!cli_parse_i32(cli_get(o, "record-size", NULL), &size))
            return arg_error(o, "argument --record-size: could not convert to Integer");
        if (size <= 0)
            return arg_error(o, "--record-size should be greater than zero");
    }
    if (parse_double(cli_get(o, "throughput", NULL), &s->throughput) != 0)
        return arg_error(o, "argument --throughput: could not convert to Double");
    if (s->throughput == 0) /* Kafka's throttler would then wait forever after one record */
        return arg_error(o, "--throughput 0 would never send; give a rate or -1 for no limit");
    if (!cli_has(o, "producer-props") && !cli_has(o, "producer.config") &&
        !cli_has(o, "bootstrap-server"))
        return arg_error(o, "Either --producer-props or --producer.config must be specified.");
    size_t n;
    char *const *props = cli_list(o, "producer-props", &n);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(props[i], '=');
        if (!eq || eq == props[i] || !eq[1]) {
            fprintf(stderr, "Invalid property: %s\n", props[i]);
            return 1;
        }
    }
    s->transaction_duration_ms = 0;
    if (cli_has(o, "transaction-duration-ms")) {
        if (!cli_parse_i64(cli_get(o, "transaction-duration-ms", NULL),
                           &s->transaction_duration_ms))
            return arg_error(o, "argument --transaction-duration-ms: could not convert to Long");
        if (s->transaction_duration_ms <= 0)
            return arg_error(o, "--transaction-duration-ms should be greater than zero");
    }
    if (size > 0)
        perf_payloads_random(pl, size);
    pl->monotonic = cli_has(o, "payload-monotonic");
    if (cli_has(o, "payload-file"))
        return perf_payloads_file(pl, cli_get(o, "payload-file", NULL),
                                  cli_get(o, "payload-delimiter", "\\n"));
    return 0;
}

/* The producer's configuration: --producer.config, then --producer-props, then
 * --bootstrap-server; Kafka's client.id default; transactions when asked for. */
static int configure(const cli_opts_t *o, settings_t *s, cli_conf_t *c)
{
    const char *file = cli_get(o, "producer.config", NULL);
    size_t nprops;
    char *const *props = cli_list(o, "producer-props", &nprops);
    if (cli_conf_init(c, TOOL, cli_get(o, "bootstrap-server", NULL), &file, file ? 1 : 0, props,
                      nprops) != 0)
        return 1;
    char value[512];
    size_t len = sizeof value;
    /* cli_conf_init names the client after the tool unless the configuration names it */
    if (rd_kafka_conf_get(c->conf, "client.id", value, &len) == RD_KAFKA_CONF_OK &&
        strcmp(value, TOOL) == 0 && cli_conf_set(c, "client.id", "perf-producer-client") != 0)
        return 1;
    len = sizeof value;
    /* Kafka gives up on a record after delivery.timeout.ms, 2 minutes; librdkafka after 5 */
    if (rd_kafka_conf_get(c->conf, "message.timeout.ms", value, &len) == RD_KAFKA_CONF_OK &&
        strcmp(value, "300000") == 0 && cli_conf_set(c, "message.timeout.ms", "120000") != 0)
        return 1;
    len = sizeof value;
    bool txid_in_config =
        rd_kafka_conf_get(c->conf, "transactional.id", value, &len) == RD_KAFKA_CONF_OK && value[0];
    const char *txid = cli_get(o, "transactional-id", NULL);
    s->transactions = txid || txid_in_config || cli_has(o, "transaction-duration-ms");
    if (s->transactions) {
        char generated[64];
        if (!txid && !txid_in_config) {
            uint8_t id[16];
            char uuid[LODE_UUID_STR_LEN + 1];
            lode_uuid_random(id);
            lode_uuid_to_string(id, uuid);
            snprintf(generated, sizeof generated, "performance-producer-%s", uuid);
            txid = generated;
        }
        if (txid && cli_conf_set(c, "transactional.id", txid) != 0)
            return 1;
        if (s->transaction_duration_ms == 0)
            s->transaction_duration_ms = DEFAULT_TRANSACTION_DURATION_MS;
    }
    int events = RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR;
    if (cli_has(o, "print-metrics")) {
        if (perf_metrics_enable(c->conf, TOOL) != 0)
            return 1;
        events |= RD_KAFKA_EVENT_STATS;
    }
    rd_kafka_conf_set_events(c->conf, events);
    return 0;
}

/* Reports a failed transactional call; true when it failed. */
static bool tx_failed(rd_kafka_error_t *err, const char *what, int timeout_ms)
{
    if (!err)
        return false;
    fprintf(stderr, "%s: %s failed: %s\n", TOOL, what, rd_kafka_error_string(err));
    if (rd_kafka_error_code(err) == RD_KAFKA_RESP_ERR__TIMED_OUT)
        fprintf(stderr,
                "%s: no transaction coordinator answered within %d ms (default.api.timeout.ms). "
                "A lode server does not support transactions yet (InitProducerId with a "
                "transactional id, AddPartitionsToTxn, EndTxn); run without --transactional-id, "
                "--transaction-duration-ms and transactional.id\n",
                TOOL, timeout_ms);
    rd_kafka_error_destroy(err);
    return true;
}

/* Sends the records; returns 0, or 1 after printing why (the poll thread is told to stop). */
static int send_all(const settings_t *s, rd_kafka_t *rk, rd_kafka_topic_t *rkt, perf_payloads_t *pl,
                    int timeout_ms)
{
    throttler_t t = {s->throughput, mono_ns(), 0, 0};
    t.sleep_ns = s->throughput > 0 ? (int64_t)(1e9 / s->throughput) : INT64_MAX;
    int64_t in_tx = 0, tx_start_ms = 0;
    char buf[24];
    /* pool and file payloads outlive the client: librdkafka may point at them, uncopied */
    int flags = RD_KAFKA_MSG_F_BLOCK | (pl->monotonic ? RD_KAFKA_MSG_F_COPY : 0);
    for (int64_t i = 0; i < s->num_records; i++) {
        size_t len;
        const char *payload = perf_payload_next(pl, i, buf, &len);
        if (s->transactions && in_tx == 0) {
            if (tx_failed(rd_kafka_begin_transaction(rk), "beginTransaction", timeout_ms))
                return 1;
            tx_start_ms = perf_wall_ms();
        }
        int64_t send_ms = perf_wall_ms();
        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, flags, (void *)payload, len, NULL, 0,
                             (void *)(intptr_t)send_ms) != 0) {
            fprintf(stderr, "%s: send failed: %s\n", TOOL, rd_kafka_err2str(rd_kafka_last_error()));
            return 1;
        }
        in_tx++;
        if (s->transactions && s->transaction_duration_ms <= send_ms - tx_start_ms) {
            if (tx_failed(rd_kafka_commit_transaction(rk, timeout_ms), "commitTransaction",
                          timeout_ms))
                return 1;
            in_tx = 0;
        }
        if (should_throttle(&t, i))
            throttle(&t);
    }
    if (s->transactions && in_tx != 0 &&
        tx_failed(rd_kafka_commit_transaction(rk, timeout_ms), "commitTransaction", timeout_ms))
        return 1;
    return 0;
}

static int run(const cli_opts_t *o)
{
    settings_t s = {0};
    perf_payloads_t pl = {.rng = 0x9E3779B97F4A7C15ULL};
    cli_conf_t c;
    int rc = check_args(o, &s, &pl);
    if (rc != 0 || (rc = configure(o, &s, &c)) != 0) {
        perf_payloads_free(&pl);
        return rc;
    }
    /* librdkafka allocates and frees every record; keeping freed memory instead of
     * returning it to the kernel saves a page fault per few records (a third of the
     * system time at a million records a second) */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
    rd_kafka_t *rk = cli_client_new(&c, RD_KAFKA_PRODUCER);
    if (!rk) {
        perf_payloads_free(&pl);
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, s.topic, NULL);
    poller_t p = {
        .rk = rk, .q = rd_kafka_queue_get_main(rk), .metrics = cli_has(o, "print-metrics")};
    perf_stats_t stats;
    rc = s.transactions &&
         tx_failed(rd_kafka_init_transactions(rk, c.timeout_ms), "initTransactions", c.timeout_ms);
    pthread_t thread;
    if (rc == 0) {
        perf_stats_init(&stats, s.num_records, REPORT_INTERVAL_MS, perf_wall_ms());
        p.stats = &stats;
        pthread_create(&thread, NULL, poll_main, &p);
        rc = send_all(&s, rk, rkt, &pl, c.timeout_ms);
        if (rc != 0)
            rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        atomic_store(&p.sending_done, true);
        pthread_join(thread, NULL);
        if (rc == 0)
            perf_stats_print_total(&stats, p.end_ms);
        perf_stats_free(&stats);
    }
    if (rc == 0 && p.metrics)
        perf_metrics_print();
    perf_metrics_free();
    rd_kafka_queue_destroy(p.q);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    perf_payloads_free(&pl);
    return rc;
}

int lode_cli_producer_perf_test(int argc, char **argv)
{
    cli_opts_t o;
    int eargc;
    char **eargv = expand_props(argc, argv, &eargc);
    if (argc <= 1) { /* Kafka prints its help, exit 0, when given nothing */
        cli_usage(stdout, &tool);
        free(eargv);
        return 0;
    }
    int rc = cli_opts_parse(&o, &tool, eargc, eargv);
    if (rc == 0) {
        if (o.npositional)
            rc = arg_error(&o, "unrecognized arguments");
        else
            rc = run(&o);
        cli_opts_free(&o);
    }
    free(eargv);
    return rc == 2 ? 0 : rc;
}
