/*
 * `lode console-producer` — Kafka's kafka-console-producer: every line of
 * standard input becomes one record of --topic (LineMessageReader rules for
 * keys and headers, see console_reader.h), sent with the Java client's
 * partitioner (murmur2 of the key). At end of input everything is flushed.
 *
 * Settings follow ConsoleProducer: --producer.config, then --producer-property,
 * then each flag — an explicit flag always wins, a flag's default applies only
 * when no property set that key.
 *
 * Differences from Kafka: a failed delivery is reported on stderr as Kafka's
 * ErrorLoggingCallback does, and then the tool exits 1 (Kafka exits 0).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "console_props.h"
#include "console_reader.h"
#include "opts.h"

static const cli_optdef_t defs[] = {
    {"bootstrap-server", CLI_VALUE, "String: server to connect to",
     "REQUIRED unless --bootstrap-server is in the config: the server(s) to connect to."},
    {"topic", CLI_VALUE, "String: topic", "REQUIRED: The topic id to produce messages to."},
    {"sync", CLI_FLAG, NULL,
     "If set message send requests to the brokers are synchronously, one "
     "at a time as they arrive."},
    {"compression-codec", CLI_VALUE, "String: compression-codec",
     "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. If specified "
     "without value, then it defaults to 'gzip'"},
    {"batch-size", CLI_VALUE, "Integer: size",
     "Number of messages to send in a single batch if they are not being sent synchronously. "
     "(default: 16384)"},
    {"message-send-max-retries", CLI_VALUE, "Integer",
     "Number of retries before the producer gives up on a message. (default: 3)"},
    {"retry-backoff-ms", CLI_VALUE, "Long",
     "Wait before the producer retries after a failure. (default: 100)"},
    {"timeout", CLI_VALUE, "Long: timeout_ms",
     "Linger: how long a batch waits for more messages (ms). (default: 1000)"},
    {"request-required-acks", CLI_VALUE, "String: request required acks",
     "The required `acks` of the producer requests (default: -1)"},
    {"request-timeout-ms", CLI_VALUE, "Integer: request timeout ms",
     "The ack timeout of the producer requests. (default: 1500)"},
    {"metadata-expiry-ms", CLI_VALUE, "Long: metadata expiration interval",
     "Metadata refresh period (ms). (default: 300000)"},
    {"max-block-ms", CLI_VALUE, "Long: max block on send",
     "The max time the producer blocks on a send while its buffer is full. (default: 60000)"},
    {"max-memory-bytes", CLI_VALUE, "Long: total memory in bytes",
     "The total memory used by the producer to buffer records. (default: 33554432)"},
    {"max-partition-memory-bytes", CLI_VALUE, "Integer: memory in bytes per partition",
     "The buffer size allocated for a partition (batch.size). (default: 16384)"},
    {"socket-buffer-size", CLI_VALUE, "Integer: size",
     "The size of the tcp SNDBUF. (default: 102400)"},
    {"line-reader", CLI_VALUE, "String: reader_class",
     "Only org.apache.kafka.tools.LineMessageReader (the default)."},
    {"property", CLI_LIST, "String: prop",
     "LineMessageReader properties: parse.key, key.separator, parse.headers, headers.delimiter, "
     "headers.separator, headers.key.separator, null.marker, ignore.error."},
    {"reader-config", CLI_VALUE, "String: config file", "Reader properties from a file."},
    {"producer-property", CLI_LIST, "String: producer_prop",
     "A mechanism to pass user-defined properties in the form key=value to the producer."},
    {"producer.config", CLI_VALUE, "String: config file", "Producer config properties file."},
    {"command-config", CLI_VALUE, "String: config file",
     "Producer config properties file (read before --producer.config)."},
    CLI_OPT_END,
};

static const cli_tool_t tool = {
    "kafka-console-producer",
    "This tool helps to read data from standard input and publish it to Kafka.", defs};

/* A Kafka flag with its default and the client property it sets. */
typedef struct flag_prop {
    const char *flag, *dflt;
    const char *java_key, *rdk_key; /* rdk_key NULL: handled by the tool itself */
    long long scale;                /* the librdkafka value is value / scale */
} flag_prop_t;

static const flag_prop_t flag_props[] = {
    {"timeout", "1000", "linger.ms", "linger.ms", 1},
    {"request-required-acks", "-1", "acks", "acks", 1},
    {"request-timeout-ms", "1500", "request.timeout.ms", "request.timeout.ms", 1},
    {"message-send-max-retries", "3", "retries", "retries", 1},
    {"retry-backoff-ms", "100", "retry.backoff.ms", "retry.backoff.ms", 1},
    {"socket-buffer-size", "102400", "send.buffer.bytes", "socket.send.buffer.bytes", 1},
    {"max-memory-bytes", "33554432", "buffer.memory", "queue.buffering.max.kbytes", 1024},
    {"batch-size", "16384", "batch.size", "batch.size", 1},
    {"max-partition-memory-bytes", "16384", "batch.size", "batch.size", 1},
    {"metadata-expiry-ms", "300000", "metadata.max.age.ms", "metadata.max.age.ms", 1},
    {"max-block-ms", "60000", "max.block.ms", NULL, 1},
};

/* Java-only keys the tool applies itself (or translates) rather than librdkafka. */
static const char *const java_only[] = {"max.block.ms",   "buffer.memory",    "send.buffer.bytes",
                                        "key.serializer", "value.serializer", NULL};

typedef struct producer_state {
    const char *topic;
    long failed;
} producer_state_t;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    producer_state_t *st = opaque;
    if (!m->err)
        return;
    st->failed++;
    char key[32], value[32];
    snprintf(key, sizeof key, m->key ? "%zu bytes" : "null", m->key_len);
    snprintf(value, sizeof value, m->payload ? "%zu bytes" : "null", m->len);
    fprintf(stderr,
            "ERROR Error when sending message to topic %s with key: %s, value: %s with error: %s\n",
            st->topic, key, value, rd_kafka_err2str(m->err));
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The value of a flag's property: the flag if given, else a user's property, else the default.
 * Returns NULL when a user property already covers it (librdkafka has it). */
static const char *flag_value(const cli_opts_t *o, const lode_props_t *user, const flag_prop_t *f)
{
    if (cli_has(o, f->flag))
        return cli_get(o, f->flag, f->dflt);
    const char *u = lode_props_get(user, f->java_key);
    if (!u && f->rdk_key)
        u = lode_props_get(user, f->rdk_key);
    if (u)
        return f->rdk_key && !strcmp(f->java_key, f->rdk_key) ? NULL : u;
    return f->dflt;
}

/* Applies Kafka's flag-or-default properties; *max_block receives max.block.ms. */
static int apply_flags(cli_conf_t *c, const cli_opts_t *o, const lode_props_t *user,
                       int64_t *max_block)
{
    for (size_t i = 0; i < sizeof flag_props / sizeof *flag_props; i++) {
        const flag_prop_t *f = &flag_props[i];
        /* --max-partition-memory-bytes only overrides batch.size when given */
        if (!strcmp(f->flag, "max-partition-memory-bytes") && !cli_has(o, f->flag))
            continue;
        const char *v = flag_value(o, user, f);
        if (!v)
            continue;
        int64_t n = 0;
        bool numeric = strcmp(f->flag, "request-required-acks") != 0;
        if (numeric && (!cli_parse_i64(v, &n) || n < 0)) {
            fprintf(stderr, "Cannot parse argument '%s' of option %s\n", v, f->flag);
            return 1;
        }
        if (!f->rdk_key) {
            *max_block = n;
            continue;
        }
        char buf[32];
        if (numeric) {
            snprintf(buf, sizeof buf, "%lld", (long long)(n / f->scale));
            v = buf;
        } else if (!strcmp(v, "all")) {
            v = "-1";
        }
        if (cli_conf_set(c, f->rdk_key, v))
            return 1;
    }
    return 0;
}

/* Kafka's compression-codec: absent → none, given without a value → gzip. */
static int apply_codec(cli_conf_t *c, const cli_opts_t *o)
{
    const char *codec = "none";
    if (cli_has(o, "compression-codec")) {
        codec = cli_get(o, "compression-codec", "");
        if (!*codec)
            codec = "gzip";
    }
    static const char *const known[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (!strcmp(codec, known[i]))
            return cli_conf_set(c, "compression.type", codec);
    fprintf(stderr,
            "Invalid value %s for configuration compression.type: String must be one of: "
            "none, gzip, snappy, lz4, zstd\n",
            codec);
    return 1;
}

/* Java's --compression-codec takes an optional value: turn a bare one into "--compression-codec=".
 * argv is rewritten in place (the new string is static). */
static void bare_codec(int argc, char **argv)
{
    static char bare[] = "--compression-codec=";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* "--comp" is the shortest prefix no other option shares */
        if (strncmp(a, "--compression-codec", strlen(a)) || strlen(a) < 6 || strchr(a, '='))
            continue;
        if (i + 1 >= argc || !strncmp(argv[i + 1], "--", 2))
            argv[i] = bare;
    }
}

static int send_line(rd_kafka_t *rk, console_reader_t *r, const char *topic, const char *line,
                     size_t len, int64_t max_block, bool sync)
{
    console_record_t rec;
    if (console_reader_parse(r, line, len, &rec))
        return 1;
    int64_t deadline = now_ms() + max_block;
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(rec.key_null ? NULL : (void *)rec.key, rec.key_null ? 0 : rec.key_len),
            RD_KAFKA_V_VALUE(rec.value_null ? NULL : (void *)(rec.value_len ? rec.value : ""),
                             rec.value_null ? 0 : rec.value_len),
            RD_KAFKA_V_HEADERS(rec.headers), RD_KAFKA_V_END);
        if (!err)
            break;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || now_ms() >= deadline) {
            if (rec.headers)
                rd_kafka_headers_destroy(rec.headers);
            fprintf(stderr, "org.apache.kafka.common.KafkaException: cannot send to %s: %s%s\n",
                    topic, rd_kafka_err2str(err),
                    err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? " (max.block.ms elapsed)" : "");
            return 1;
        }
        rd_kafka_poll(rk, 100); /* wait for room while deliveries complete */
    }
    if (sync) {
        rd_kafka_flush(rk, -1); /* the one outstanding record: acked or failed by its timeout */
        const producer_state_t *st = rd_kafka_opaque(rk);
        if (st->failed) /* Kafka's send().get() throws: the tool stops at the first failure */
            return 1;
    }
    rd_kafka_poll(rk, 0);
    return 0;
}

/* Reads lines (terminated by \n, \r\n or \r, as Java's readLine) and sends each. */
static int pump(rd_kafka_t *rk, console_reader_t *r, const char *topic, int64_t max_block,
                bool sync)
{
    bool prompt = isatty(0) && isatty(1);
    char *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    for (;;) {
        if (prompt) {
            fputc('>', stdout);
            fflush(stdout);
        }
        ssize_t n = getline(&buf, &cap, stdin);
        if (n < 0 || stop_signal)
            break;
        if (n > 0 && buf[n - 1] == '\n')
            n--;
        /* a lone \r ends a line too; \r\n is one terminator */
        size_t start = 0;
        for (size_t i = 0; i <= (size_t)n && rc == 0; i++) {
            if (i < (size_t)n && buf[i] != '\r')
                continue;
            if (i == (size_t)n && i == start && n > 0 && buf[n - 1] == '\r')
                break;
            rc = send_line(rk, r, topic, buf + start, i - start, max_block, sync);
            start = i + 1;
        }
        if (rc)
            break;
    }
    free(buf);
    return rc;
}

static int check_opts(const cli_opts_t *o)
{
    if (o->npositional)
        return cli_usage_error(o, "Unexpected argument '%s'", o->positional[0]);
    if (!cli_has(o, "topic"))
        return cli_usage_error(o, "Missing required argument \"[topic]\"");
    return console_check_class(o, "line-reader", "org.apache.kafka.tools.LineMessageReader",
                               "kafka.tools.LineMessageReader");
}

int lode_cli_console_producer(int argc, char **argv)
{
    bare_codec(argc, argv);
    cli_opts_t o;
    int rc = cli_opts_parse(&o, &tool, argc, argv);
    if (rc)
        return rc == 2 ? 0 : 1;
    if (check_opts(&o)) {
        cli_opts_free(&o);
        return 1;
    }
    lode_props_t user, reader_file;
    lode_props_init(&reader_file);
    const char *files[] = {cli_get(&o, "command-config", NULL),
                           cli_get(&o, "producer.config", NULL)};
    size_t nprops, nreader;
    char *const *props = cli_list(&o, "producer-property", &nprops);
    char *const *rprops = cli_list(&o, "property", &nreader);
    const char *rfile = cli_get(&o, "reader-config", NULL);
    rc = console_props_load(&user, "console-producer", files, 2, props, nprops) ||
         console_props_load(&reader_file, "console-producer", &rfile, 1, rprops, nreader);
    size_t nkv = 0, nrkv = 0;
    char **kv = console_props_kv(&user, java_only, &nkv);
    char **rkv = console_props_kv(&reader_file, NULL, &nrkv);
    cli_conf_t c = {0};
    console_reader_t reader;
    int64_t max_block = 60000;
    bool reader_ok = false;
    rd_kafka_t *rk = NULL;
    producer_state_t st = {cli_get(&o, "topic", NULL), 0};
    if (rc)
        goto out;
    rc = 1;
    if (console_reader_init(&reader, rkv, nrkv))
        goto out;
    reader_ok = true;
    if (cli_conf_init(&c, "console-producer", cli_get(&o, "bootstrap-server", NULL), NULL, 0, kv,
                      nkv) ||
        apply_flags(&c, &o, &user, &max_block) || apply_codec(&c, &o) ||
        cli_conf_set(&c, "partitioner", "murmur2_random"))
        goto out;
    if (!lode_props_get(&user, "delivery.timeout.ms") &&
        !lode_props_get(&user, "message.timeout.ms") &&
        cli_conf_set(&c, "delivery.timeout.ms", "120000")) /* the Java client's default */
        goto out;
    rd_kafka_conf_set_dr_msg_cb(c.conf, dr_cb);
    rd_kafka_conf_set_opaque(c.conf, &st);
    rk = cli_client_new(&c, RD_KAFKA_PRODUCER);
    if (!rk)
        goto out;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal; /* no SA_RESTART: a signal ends the blocking read */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    rc = pump(rk, &reader, st.topic, max_block, cli_has(&o, "sync"));
    /* end of input: wait for every outstanding record (each is bounded by its delivery timeout) */
    while (rd_kafka_outq_len(rk) > 0)
        rd_kafka_flush(rk, 1000);
    if (st.failed)
        rc = 1;
out:
    if (rk)
        rd_kafka_destroy(rk);
    cli_conf_destroy(&c);
    if (reader_ok)
        console_reader_free(&reader);
    console_props_free_kv(kv, nkv);
    console_props_free_kv(rkv, nrkv);
    lode_props_free(&user);
    lode_props_free(&reader_file);
    cli_opts_free(&o);
    return rc;
}
