/*
 * `lode get-offsets` — Kafka's kafka-get-offsets (GetOffsetShell): the
 * offset of every matching partition at --time (latest, earliest,
 * max-timestamp, or the first offset at or after a timestamp), one
 * "topic:partition:offset" line each, sorted by "topic-partition" as text.
 *
 * Every time spec goes out as one ListOffsets query (librdkafka's
 * offsets_for_times passes Kafka's special timestamps -1, -2, -3 … through),
 * read uncommitted as Kafka's admin client reads it.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "client.h"
#include "core/mem.h"
#include "list_offsets_raw.h"
#include "opts.h"

static const cli_optdef_t defs[] = {
    {"bootstrap-server", CLI_VALUE, "String: HOST1:PORT1,...,HOST3:PORT3",
     "REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2."},
    {"topic", CLI_VALUE, "String: topic",
     "The topic to get the offsets for. It also accepts a regular expression. If not present, "
     "all authorized topics are queried. Cannot be used if --topic-partitions is present."},
    {"partitions", CLI_VALUE, "String: partition ids",
     "Comma separated list of partition ids to get the offsets for. If not present, all "
     "partitions of the authorized topics are queried. Cannot be used if --topic-partitions is "
     "present."},
    {"topic-partitions", CLI_VALUE, "String: topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3",
     "Comma separated list of topic-partition patterns to get the offsets for, with the format "
     "of 'topic regex(:partition | :from-to | :from- | :-to)?' (to is exclusive)."},
    {"time", CLI_VALUE, "String: <timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp",
     "The offsets to fetch: latest (-1), earliest (-2), max-timestamp (-3), earliest-local (-4), "
     "latest-tiered (-5), or the first offset at or after a timestamp in ms. (default: latest)"},
    {"command-config", CLI_VALUE, "String: config file",
     "Property file containing configs to be passed to Admin Client."},
    {"exclude-internal-topics", CLI_FLAG, NULL,
     "By default, internal topics are included. If specified, internal topics are excluded."},
    CLI_OPT_END,
};

static const cli_tool_t tool = {"kafka-get-offsets",
                                "An interactive shell for getting topic-partition offsets.", defs};

/* One --topic-partitions rule (or --topic with --partitions). */
typedef struct tp_rule {
    regex_t topic;
    int32_t lo, hi; /* partitions lo <= p < hi */
    const int32_t *only;
    size_t nonly; /* nonly > 0: exactly these partitions */
} tp_rule_t;

/* Kafka's IncludeList: commas mean "or", spaces and surrounding quotes are dropped; the whole name
 * must match. */
static int compile_topic(regex_t *re, const char *raw)
{
    size_t n = strlen(raw);
    char *clean = lode_xmalloc(n + 1), *re_text = lode_xmalloc(n + 8);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (raw[i] != ' ')
            clean[k++] = raw[i] == ',' ? '|' : raw[i];
    clean[k] = '\0';
    char *s = clean;
    while (*s == '"' || *s == '\'')
        s++;
    k = strlen(s);
    while (k && (s[k - 1] == '"' || s[k - 1] == '\''))
        s[--k] = '\0';
    snprintf(re_text, n + 8, "^(%s)$", s);
    int rc = regcomp(re, re_text, REG_EXTENDED | REG_NOSUB);
    free(clean);
    free(re_text);
    return rc;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool to_i32(const char *s, size_t n, int32_t *out)
{
    char buf[16];
    if (n == 0 || n >= sizeof buf || !digits(s, n))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return cli_parse_i32(buf, out);
}

/* One rule "regex(:N | :N-M | :N- | :-M)?" (Kafka's TOPIC_PARTITION_PATTERN). */
static bool parse_rule(const char *spec, size_t len, tp_rule_t *r)
{
    const char *colon = memchr(spec, ':', len);
    size_t tlen = colon ? (size_t)(colon - spec) : len;
    r->lo = 0;
    r->hi = INT32_MAX;
    if (colon) {
        const char *p = colon + 1;
        size_t plen = len - tlen - 1;
        const char *dash = memchr(p, '-', plen);
        if (!dash) {
            if (!digits(p, plen) || memchr(p, ':', plen))
                return false;
            if (plen && !to_i32(p, plen, &r->lo))
                return false;
            if (plen)
                r->hi = r->lo == INT32_MAX ? INT32_MAX : r->lo + 1;
        } else {
            size_t a = (size_t)(dash - p), b = plen - a - 1;
            if (!digits(p, a) || !digits(dash + 1, b))
                return false;
            if (a && !to_i32(p, a, &r->lo))
                return false;
            if (b && !to_i32(dash + 1, b, &r->hi))
                return false;
        }
    }
    char *topic = lode_xmalloc(tlen + 3);
    snprintf(topic, tlen + 3, "%.*s", (int)tlen, spec);
    if (!tlen)
        snprintf(topic, tlen + 3, ".*");
    int rc = compile_topic(&r->topic, topic);
    free(topic);
    return rc == 0;
}

static bool rule_topic(const tp_rule_t *r, const char *topic)
{
    return regexec(&r->topic, topic, 0, NULL, 0) == 0;
}

static bool rule_partition(const tp_rule_t *r, int32_t p)
{
    if (r->nonly) {
        for (size_t i = 0; i < r->nonly; i++)
            if (r->only[i] == p)
                return true;
        return false;
    }
    return p >= r->lo && p < r->hi;
}

/* --time: a name or a number (Kafka's parseOffsetSpec). */
static bool parse_time(const char *s, int64_t *ts)
{
    static const char *const names[] = {"latest", "earliest", "max-timestamp", "earliest-local",
                                        "latest-tiered"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, names[i])) {
            *ts = -1 - i;
            return true;
        }
    return cli_parse_i64(s, ts);
}

typedef struct filter {
    tp_rule_t *rules;
    size_t n;
    int32_t *parts;
} filter_t;

static void filter_free(filter_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        regfree(&f->rules[i].topic);
    free(f->rules);
    free(f->parts);
}

/* Builds the rules from --topic-partitions, or from --topic and --partitions. Returns 0, or 1
 * after printing Kafka's message. */
static int build_filter(const cli_opts_t *o, filter_t *f)
{
    memset(f, 0, sizeof *f);
    const char *tps = cli_get(o, "topic-partitions", NULL);
    if (tps) {
        size_t len = strlen(tps);
        f->rules = lode_xcalloc(len + 1, sizeof *f->rules);
        for (const char *s = tps;;) {
            const char *comma = strchr(s, ',');
            size_t n = comma ? (size_t)(comma - s) : strlen(s);
            if (!parse_rule(s, n, &f->rules[f->n])) {
                fprintf(stderr, "Error occurred: Invalid rule specification: %.*s\n", (int)n, s);
                return 1;
            }
            f->n++;
            if (!comma)
                break;
            s = comma + 1;
        }
        return 0;
    }
    f->rules = lode_xcalloc(1, sizeof *f->rules);
    tp_rule_t *r = &f->rules[0];
    r->lo = 0;
    r->hi = INT32_MAX;
    const char *parts = cli_get(o, "partitions", "");
    if (*parts) {
        f->parts = lode_xcalloc(strlen(parts) + 1, sizeof *f->parts);
        for (const char *s = parts;;) {
            const char *comma = strchr(s, ',');
            size_t n = comma ? (size_t)(comma - s) : strlen(s);
            char buf[16] = "";
            if (n < sizeof buf)
                memcpy(buf, s, n);
            if (n >= sizeof buf || !cli_parse_i32(buf, &f->parts[r->nonly++])) {
                fprintf(stderr,
                        "Error occurred: --partitions expects a comma separated list of numeric "
                        "partition ids, but received: %s\n",
                        parts);
                return 1;
            }
            if (!comma)
                break;
            s = comma + 1;
        }
        r->only = f->parts;
    }
    if (compile_topic(&r->topic, cli_get(o, "topic", ".*"))) {
        fprintf(stderr, "Error occurred: invalid topic regex '%s'\n", cli_get(o, "topic", ""));
        return 1;
    }
    f->n = 1;
    return 0;
}

static bool internal_topic(const char *t)
{
    return !strcmp(t, "__consumer_offsets") || !strcmp(t, "__transaction_state");
}

/* The partitions the filter allows, from the cluster's metadata. */
static rd_kafka_topic_partition_list_t *match(const struct rd_kafka_metadata *md, const filter_t *f,
                                              bool exclude_internal)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(16);
    for (int t = 0; t < md->topic_cnt; t++) {
        const struct rd_kafka_metadata_topic *mt = &md->topics[t];
        if (mt->err || (exclude_internal && internal_topic(mt->topic)))
            continue;
        for (int p = 0; p < mt->partition_cnt; p++) {
            int32_t id = mt->partitions[p].id;
            bool ok = false;
            for (size_t i = 0; i < f->n && !ok; i++)
                ok = rule_topic(&f->rules[i], mt->topic) && rule_partition(&f->rules[i], id);
            if (ok)
                rd_kafka_topic_partition_list_add(l, mt->topic, id);
        }
    }
    return l;
}

/* TopicPartition.toString order: "topic-partition" compared as text. */
static int by_name(const void *a, const void *b, void *opaque)
{
    (void)opaque;
    const rd_kafka_topic_partition_t *x = a, *y = b;
    char sx[512], sy[512];
    snprintf(sx, sizeof sx, "%s-%d", x->topic, (int)x->partition);
    snprintf(sy, sizeof sy, "%s-%d", y->topic, (int)y->partition);
    return strcmp(sx, sy);
}

static int check_opts(const cli_opts_t *o, int64_t *ts)
{
    if (o->npositional)
        return cli_usage_error(o, "Unexpected argument '%s'", o->positional[0]);
    const char *b = cli_get(o, "bootstrap-server", "");
    if (!cli_has(o, "bootstrap-server") || !*b)
        return cli_usage_error(o, "Error while validating the bootstrap address");
    if (cli_has(o, "topic-partitions") && (cli_has(o, "topic") || cli_has(o, "partitions"))) {
        fprintf(stderr,
                "Error occurred: --topic-partitions cannot be used with --topic or --partitions\n");
        return 1;
    }
    const char *t = cli_get(o, "time", "latest");
    if (!parse_time(t, ts)) {
        fprintf(stderr,
                "Error occurred: Malformed time argument %s. Please use -1 or latest / -2 or "
                "earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or "
                "a specified long format timestamp\n",
                t);
        return 1;
    }
    return 0;
}

/* The special timestamps librdkafka cannot ask for go over plain TCP (list_offsets_raw.h). */
static int check_plaintext(const cli_conf_t *c, int64_t ts)
{
    char proto[64];
    size_t len = sizeof proto;
    if (ts > -3 || ts < -5 ||
        rd_kafka_conf_get(c->conf, "security.protocol", proto, &len) != RD_KAFKA_CONF_OK ||
        !strcasecmp(proto, "plaintext"))
        return 0;
    fprintf(stderr,
            "Error occurred: --time %lld needs ListOffsets v7+, which this tool sends only over "
            "PLAINTEXT (security.protocol is %s)\n",
            (long long)ts, proto);
    return 1;
}

/* Queries and prints; returns the exit code. */
static int fetch(const cli_conf_t *c, rd_kafka_t *rk, const struct rd_kafka_metadata *md,
                 rd_kafka_topic_partition_list_t *l, int64_t ts)
{
    for (int i = 0; i < l->cnt; i++)
        l->elems[i].offset = ts;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (ts <= -3 && ts >= -5) {
        if (list_offsets_raw(md, l, ts, c->timeout_ms))
            return 1;
    } else {
        err = rd_kafka_offsets_for_times(rk, l, c->timeout_ms);
    }
    if (err) {
        fprintf(stderr, "Error occurred: %s\n", rd_kafka_err2str(err));
        return 1;
    }
    qsort_r(l->elems, (size_t)l->cnt, sizeof *l->elems, by_name, NULL);
    for (int i = 0; i < l->cnt; i++) {
        const rd_kafka_topic_partition_t *e = &l->elems[i];
        if (e->err)
            fprintf(stderr, "Skip getting offsets for topic-partition %s-%d due to error: %s\n",
                    e->topic, (int)e->partition, rd_kafka_err2str(e->err));
        else if (e->offset != -1) /* no offset for that time (a timestamp after the last record) */
            printf("%s:%d:%lld\n", e->topic, (int)e->partition, (long long)e->offset);
    }
    return 0;
}

int lode_cli_get_offsets(int argc, char **argv)
{
    cli_opts_t o;
    int rc = cli_opts_parse(&o, &tool, argc, argv);
    if (rc)
        return rc == 2 ? 0 : 1;
    int64_t ts = -1;
    filter_t f = {0};
    cli_conf_t c = {0};
    rd_kafka_t *rk = NULL;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_partition_list_t *l = NULL;
    const char *file = cli_get(&o, "command-config", NULL);
    rc = 1;
    if (check_opts(&o, &ts) || build_filter(&o, &f))
        goto out;
    if (cli_conf_init(&c, "GetOffsetShell", cli_get(&o, "bootstrap-server", NULL), &file, 1, NULL,
                      0) ||
        cli_conf_set(&c, "isolation.level", "read_uncommitted") || check_plaintext(&c, ts))
        goto out;
    rk = cli_client_new(&c, RD_KAFKA_CONSUMER);
    if (!rk || !(md = cli_metadata(&c, rk)))
        goto out;
    l = match(md, &f, cli_has(&o, "exclude-internal-topics"));
    if (l->cnt == 0) {
        fprintf(
            stderr,
            "Error occurred: Could not match any topic-partitions with the specified filters\n");
        goto out;
    }
    rc = fetch(&c, rk, md, l, ts);
out:
    if (l)
        rd_kafka_topic_partition_list_destroy(l);
    if (md)
        rd_kafka_metadata_destroy(md);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    cli_conf_destroy(&c);
    filter_free(&f);
    cli_opts_free(&o);
    return rc;
}
