/*
 * `lode console-consumer` — Kafka's kafka-console-consumer: reads --topic
 * (or every topic matching --include) and prints each record the way
 * DefaultMessageFormatter does (console_format.h), until --max-messages
 * records, --timeout-ms without a record, or a signal; then prints
 * "Processed a total of N messages" on stderr.
 *
 * As in Kafka: without --group the consumer joins a fresh group
 * console-consumer-NNNNN and commits nothing (unless enable.auto.commit is
 * set); with --group it commits what it printed. --partition assigns that
 * one partition directly and starts at --offset (earliest, latest or a number).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "console_format.h"
#include "console_props.h"
#include "opts.h"

static const cli_optdef_t defs[] = {
    {"bootstrap-server", CLI_VALUE, "String: server to connect to",
     "REQUIRED: The server(s) to connect to."},
    {"topic", CLI_VALUE, "String: topic", "The topic to consume on."},
    {"include", CLI_VALUE, "String: Java regex (String)",
     "Regular expression specifying list of topics to include for consumption."},
    {"partition", CLI_VALUE, "Integer: partition",
     "The partition to consume from. Consumption starts from the end of the partition unless "
     "'--offset' is specified."},
    {"offset", CLI_VALUE, "String: consume offset",
     "The offset to consume from (a non-negative number), or 'earliest' which means from "
     "beginning, or 'latest' which means from end (default: latest)"},
    {"from-beginning", CLI_FLAG, NULL,
     "If the consumer does not already have an established offset to consume from, start with "
     "the earliest message present in the log rather than the latest message."},
    {"max-messages", CLI_VALUE, "Integer: num_messages",
     "The maximum number of messages to consume before exiting. If not set, consumption is "
     "continual."},
    {"timeout-ms", CLI_VALUE, "Long: timeout_ms",
     "If specified, exit if no message is available for consumption for the specified interval."},
    {"skip-message-on-error", CLI_FLAG, NULL,
     "If there is an error when processing a message, skip it instead of halt."},
    {"group", CLI_VALUE, "String: consumer group id", "The consumer group id of the consumer."},
    {"consumer-property", CLI_LIST, "String: consumer_prop",
     "A mechanism to pass user-defined properties in the form key=value to the consumer."},
    {"consumer.config", CLI_VALUE, "String: config file",
     "Consumer config properties file. Note that --consumer-property takes precedence over this "
     "config."},
    {"command-config", CLI_VALUE, "String: config file",
     "Consumer config properties file (read before --consumer.config)."},
    {"formatter", CLI_VALUE, "String: class",
     "The name of a class to use for formatting kafka messages for display: only "
     "org.apache.kafka.tools.consumer.DefaultMessageFormatter (the default)."},
    {"property", CLI_LIST, "String: prop",
     "The properties to initialize the message formatter: print.timestamp, print.key, "
     "print.offset, print.epoch, print.partition, print.headers, print.value, key.separator, "
     "line.separator, headers.separator, null.literal."},
    {"formatter-config", CLI_VALUE, "String: config file",
     "Config properties file to initialize the message formatter. Note that --property takes "
     "precedence over this config."},
    {"key-deserializer", CLI_VALUE, "String: deserializer for key",
     "StringDeserializer or ByteArrayDeserializer (both print the bytes)."},
    {"value-deserializer", CLI_VALUE, "String: deserializer for values",
     "StringDeserializer or ByteArrayDeserializer (both print the bytes)."},
    {"isolation-level", CLI_VALUE, "String",
     "Set to read_committed in order to filter out transactional messages which are not "
     "committed. Set to read_uncommitted to read all messages. (default: read_uncommitted)"},
    CLI_OPT_END,
};

static const cli_tool_t tool = {
    "kafka-console-consumer",
    "This tool helps to read data from Kafka topics and outputs it to standard output.", defs};

static const char *const java_only[] = {"key.deserializer", "value.deserializer",
                                        "exclude.internal.topics", NULL};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct consumer_args {
    const char *topic, *include;
    bool has_partition;
    int32_t partition;
    int64_t start;      /* with --partition: RD_KAFKA_OFFSET_BEGINNING/END or an offset */
    int64_t max;        /* -1: unlimited */
    int64_t timeout_ms; /* -1: wait forever */
} consumer_args_t;

/* ConsoleConsumerOptions.checkRequiredArgs and the offset/number parsing, in Kafka's order. */
static int check_args(const cli_opts_t *o, consumer_args_t *a)
{
    memset(a, 0, sizeof *a);
    a->topic = cli_get(o, "topic", NULL);
    a->include = cli_get(o, "include", NULL);
    a->max = -1;
    a->timeout_ms = -1;
    if (o->npositional)
        return cli_usage_error(o, "Unexpected argument '%s'", o->positional[0]);
    if (!a->topic == !a->include)
        return cli_usage_error(o, "Exactly one of --include/--topic is required. ");
    const char *p = cli_get(o, "partition", NULL);
    if (p) {
        if (!cli_parse_i32(p, &a->partition))
            return cli_usage_error(o, "Cannot parse argument '%s' of option partition", p);
        a->has_partition = true;
        if (!a->topic)
            return cli_usage_error(o, "The topic is required when partition is specified.");
        if (cli_has(o, "from-beginning") && cli_has(o, "offset"))
            return cli_usage_error(o, "Options from-beginning and offset cannot be specified "
                                      "together.");
    } else if (cli_has(o, "offset")) {
        return cli_usage_error(o, "The partition is required when offset is specified.");
    }
    if (!cli_has(o, "bootstrap-server"))
        return cli_usage_error(o, "Missing required argument \"[bootstrap-server]\"");
    const char *max = cli_get(o, "max-messages", NULL);
    int32_t max32;
    if (max && !cli_parse_i32(max, &max32))
        return cli_usage_error(o, "Cannot parse argument '%s' of option max-messages", max);
    if (max)
        a->max = max32;
    const char *t = cli_get(o, "timeout-ms", NULL);
    if (t && !cli_parse_i64(t, &a->timeout_ms))
        return cli_usage_error(o, "Cannot parse argument '%s' of option timeout-ms", t);
    if (a->timeout_ms < 0)
        a->timeout_ms = -1;
    const char *off = cli_get(o, "offset", NULL);
    a->start = cli_has(o, "from-beginning") ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    if (off && !strcasecmp(off, "earliest"))
        a->start = RD_KAFKA_OFFSET_BEGINNING;
    else if (off && !strcasecmp(off, "latest"))
        a->start = RD_KAFKA_OFFSET_END;
    else if (off && (!cli_parse_i64(off, &a->start) || a->start < 0))
        return cli_usage_error(o,
                               "The provided offset value '%s' is incorrect. Valid values are "
                               "'earliest', 'latest', or a non-negative long.",
                               off);
    if (console_check_class(o, "formatter",
                            "org.apache.kafka.tools.consumer.DefaultMessageFormatter",
                            "kafka.tools.DefaultMessageFormatter"))
        return 1;
    const char *iso = cli_get(o, "isolation-level", NULL);
    if (iso && strcmp(iso, "read_committed") && strcmp(iso, "read_uncommitted"))
        return cli_usage_error(o,
                               "Invalid value %s for configuration isolation.level: String "
                               "must be one of: read_committed, read_uncommitted",
                               iso);
    return 0;
}

/* The group ids from --group, the config files and --consumer-property must agree (Kafka's
 * checkConsumerGroup). *group receives the one given, or NULL. */
static int check_group(const cli_opts_t *o, const lode_props_t *file, char *const *props,
                       size_t nprops, const char **group)
{
    const char *ids[3];
    size_t n = 0;
    const char *g = cli_get(o, "group", NULL);
    if (g)
        ids[n++] = g;
    if ((g = lode_props_get(file, "group.id")))
        ids[n++] = g;
    const char *pg = NULL; /* the last --consumer-property group.id */
    for (size_t i = 0; i < nprops; i++)
        if (!strncmp(props[i], "group.id=", 9))
            pg = props[i] + 9;
        else if (!strcmp(props[i], "group.id"))
            pg = "";
    if (pg)
        ids[n++] = pg;
    size_t distinct = 0;
    char list[1024] = "";
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup |= !strcmp(ids[i], ids[j]);
        if (dup)
            continue;
        off +=
            (size_t)snprintf(list + off, sizeof list - off, "%s'%s'", distinct ? ", " : "", ids[i]);
        distinct++;
        if (off >= sizeof list)
            off = sizeof list - 1;
    }
    if (distinct > 1)
        return cli_usage_error(o,
                               "The group ids provided in different places (directly using "
                               "'--group', via '--consumer-property', or via '--consumer.config') "
                               "do not match. Detected group ids: %s",
                               list);
    if (distinct && cli_has(o, "partition"))
        return cli_usage_error(o, "Options group and partition cannot be specified together.");
    *group = n ? ids[0] : NULL;
    return 0;
}

/* ConsoleConsumerOptions.buildConsumerProps on top of the user's properties. */
static int consumer_conf(cli_conf_t *c, const cli_opts_t *o, const lode_props_t *user,
                         const char *group)
{
    const char *reset = lode_props_get(user, "auto.offset.reset");
    if (reset && cli_has(o, "from-beginning") && strcmp(reset, "earliest")) {
        fprintf(stderr,
                "Can't simultaneously specify --from-beginning and 'auto.offset.reset=%s', please "
                "remove one option\n",
                reset);
        return 1;
    }
    if (!reset &&
        cli_conf_set(c, "auto.offset.reset", cli_has(o, "from-beginning") ? "earliest" : "latest"))
        return 1;
    /* the Java consumer's default: subscribing to a missing topic creates it (when the broker
     * allows), so a consumer started before its producer sees the first record */
    if (!lode_props_get(user, "allow.auto.create.topics") &&
        cli_conf_set(c, "allow.auto.create.topics", "true"))
        return 1;
    const char *iso = cli_get(o, "isolation-level", NULL);
    if (!iso && !lode_props_get(user, "isolation.level"))
        iso = "read_uncommitted"; /* Kafka's default; librdkafka's is read_committed */
    if (iso && cli_conf_set(c, "isolation.level", iso))
        return 1;
    if (group)
        return cli_conf_set(c, "group.id", group);
    char gen[64];
    srand((unsigned)(time(NULL) ^ getpid()));
    snprintf(gen, sizeof gen, "console-consumer-%d", rand() % 100000);
    if (cli_conf_set(c, "group.id", gen))
        return 1;
    /* the generated group is never used again: do not leave offsets behind */
    if (!lode_props_get(user, "enable.auto.commit") &&
        cli_conf_set(c, "enable.auto.commit", "false"))
        return 1;
    return 0;
}

/* Formatter properties: --formatter-config, then --property, then the deserializer flags. */
static int format_conf(const cli_opts_t *o, lode_props_t *fp, console_format_t *f)
{
    const char *file = cli_get(o, "formatter-config", NULL);
    size_t n;
    char *const *props = cli_list(o, "property", &n);
    if (console_props_load(fp, "console-consumer", &file, 1, props, n))
        return 1;
    if (cli_has(o, "key-deserializer"))
        lode_props_set(fp, "key.deserializer", cli_get(o, "key-deserializer", ""));
    if (cli_has(o, "value-deserializer"))
        lode_props_set(fp, "value.deserializer", cli_get(o, "value-deserializer", ""));
    return console_format_init(f, fp);
}

static bool internal_topic(const char *t)
{
    return !strcmp(t, "__consumer_offsets") || !strcmp(t, "__transaction_state");
}

/*
 * With --include the Java consumer never matches internal topics
 * (exclude.internal.topics=true); librdkafka's regex subscription does. The
 * group may still hand them to this member: it just does not read them.
 */
static void skip_internal_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    (void)opaque;
    rd_kafka_topic_partition_list_t *keep = rd_kafka_topic_partition_list_new(parts->cnt);
    for (int i = 0; i < parts->cnt; i++)
        if (!internal_topic(parts->elems[i].topic))
            rd_kafka_topic_partition_list_add(keep, parts->elems[i].topic,
                                              parts->elems[i].partition);
    bool assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
    if (!strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE")) {
        rd_kafka_error_t *e = assign ? rd_kafka_incremental_assign(rk, keep)
                                     : rd_kafka_incremental_unassign(rk, keep);
        if (e) {
            fprintf(stderr, "WARN rebalance: %s\n", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
    } else {
        rd_kafka_resp_err_t r = rd_kafka_assign(rk, assign ? keep : NULL);
        if (r)
            fprintf(stderr, "WARN rebalance: %s\n", rd_kafka_err2str(r));
    }
    rd_kafka_topic_partition_list_destroy(keep);
}

/*
 * The Java consumer's subscription metadata asks the broker to create a missing topic
 * (allow.auto.create.topics); librdkafka 2.0.2's group join does not, so a consumer started
 * before its producer would not see the topic for a whole metadata refresh interval. One
 * metadata request for the topic, which does ask (when allow.auto.create.topics is true),
 * stands in for it. Its answer only matters for the side effect.
 */
static void auto_create(rd_kafka_t *rk, const char *topic)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    if (rkt && rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_metadata_destroy(md);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
}

static int start(rd_kafka_t *rk, const consumer_args_t *a)
{
    rd_kafka_resp_err_t err;
    if (a->has_partition) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, a->topic, a->partition)->offset = a->start;
        err = rd_kafka_assign(rk, l);
        rd_kafka_topic_partition_list_destroy(l);
    } else {
        if (a->topic)
            auto_create(rk, a->topic);
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        char re[1024];
        if (a->include) /* Java's Pattern.matches: the whole name; librdkafka regexes start with ^
                         */
            snprintf(re, sizeof re, "^(%s)$", a->include);
        rd_kafka_topic_partition_list_add(l, a->include ? re : a->topic, RD_KAFKA_PARTITION_UA);
        err = rd_kafka_subscribe(rk, l);
        rd_kafka_topic_partition_list_destroy(l);
    }
    if (err) {
        fprintf(stderr, "Unknown error when running consumer: %s\n", rd_kafka_err2str(err));
        return 1;
    }
    return 0;
}

/* ConsoleConsumer.process: returns the exit code; *count receives the records printed. */
static int process(rd_kafka_t *rk, const consumer_args_t *a, const console_format_t *f,
                   bool skip_errors, long *count)
{
    int64_t last = now_ms();
    while (a->max == -1 || *count < a->max) {
        if (stop_signal)
            return 128 + stop_signal;
        int wait = 100;
        if (a->timeout_ms >= 0) {
            int64_t left = last + a->timeout_ms - now_ms();
            if (left < 0) {
                fprintf(stderr, "ERROR Error processing message, terminating consumer process:  "
                                "(org.apache.kafka.tools.consumer.ConsoleConsumer)\n"
                                "org.apache.kafka.common.errors.TimeoutException\n");
                return 0;
            }
            wait = left < wait ? (int)left + 1 : wait;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, wait);
        if (!m)
            continue;
        if (m->err) {
            char fatal[256];
            bool is_fatal =
                m->err == RD_KAFKA_RESP_ERR__FATAL && rd_kafka_fatal_error(rk, fatal, sizeof fatal);
            fprintf(stderr, "%s %s\n",
                    is_fatal ? "ERROR Unknown error when running consumer:" : "WARN",
                    rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            if (is_fatal)
                return 1;
            continue;
        }
        last = now_ms();
        (*count)++;
        int werr = console_format_write(f, m, stdout);
        rd_kafka_message_destroy(m);
        if (werr || fflush(stdout)) {
            if (skip_errors) {
                fprintf(stderr, "ERROR Error processing message, skipping this message\n");
                clearerr(stdout);
                continue;
            }
            /* Kafka ends normally here (exit 0) after saying why */
            fprintf(stderr, "Unable to write to standard out, closing consumer.\n");
            return 0;
        }
    }
    return 0;
}

int lode_cli_console_consumer(int argc, char **argv)
{
    cli_opts_t o;
    int rc = cli_opts_parse(&o, &tool, argc, argv);
    if (rc)
        return rc == 2 ? 0 : 1;
    consumer_args_t a;
    lode_props_t file, user, fprops;
    lode_props_init(&file);
    lode_props_init(&user);
    lode_props_init(&fprops);
    size_t nprops, nkv = 0;
    char *const *props = cli_list(&o, "consumer-property", &nprops);
    const char *files[] = {cli_get(&o, "command-config", NULL),
                           cli_get(&o, "consumer.config", NULL)};
    char **kv = NULL;
    const char *group = NULL;
    cli_conf_t c = {0};
    console_format_t f;
    rd_kafka_t *rk = NULL;
    long count = 0;
    rc = 1;
    if (check_args(&o, &a))
        goto out;
    lode_props_free(&file);
    lode_props_free(&user);
    if (console_props_load(&file, "console-consumer", files, 2, NULL, 0) ||
        console_props_load(&user, "console-consumer", files, 2, props, nprops) ||
        check_group(&o, &file, props, nprops, &group) || format_conf(&o, &fprops, &f))
        goto out;
    kv = console_props_kv(&user, java_only, &nkv);
    if (cli_conf_init(&c, "console-consumer", cli_get(&o, "bootstrap-server", NULL), NULL, 0, kv,
                      nkv) ||
        consumer_conf(&c, &o, &user, group))
        goto out;
    const char *excl = lode_props_get(&user, "exclude.internal.topics");
    if (a.include && !(excl && !strcasecmp(excl, "false")))
        rd_kafka_conf_set_rebalance_cb(c.conf, skip_internal_cb);
    rk = cli_client_new(&c, RD_KAFKA_CONSUMER);
    if (!rk)
        goto out;
    rd_kafka_poll_set_consumer(rk);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed stdout is reported, not fatal */
    if (start(rk, &a) == 0)
        rc = process(rk, &a, &f, cli_has(&o, "skip-message-on-error"), &count);
    fflush(stdout);
    rd_kafka_consumer_close(rk); /* commits what was printed when the group commits */
    fprintf(stderr, "Processed a total of %ld messages\n", count);
out:
    if (rk)
        rd_kafka_destroy(rk);
    cli_conf_destroy(&c);
    console_props_free_kv(kv, nkv);
    lode_props_free(&file);
    lode_props_free(&user);
    lode_props_free(&fprops);
    cli_opts_free(&o);
    return rc;
}
