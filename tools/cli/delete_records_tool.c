/*
 * `lode delete-records` — Kafka's kafka-delete-records: moves the log start
 * offset of each partition in --offset-json-file up to the given offset
 * (-1: the high watermark), then prints the new low watermark of each.
 *
 *   {"partitions": [{"topic": "t", "partition": 0, "offset": 5}], "version": 1}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "json_mini.h"
#include "opts.h"

static const cli_optdef_t defs[] = {
    {"bootstrap-server", CLI_VALUE, "String: server(s) to use for bootstrapping",
     "REQUIRED: The server to connect to."},
    {"offset-json-file", CLI_VALUE, "String: Offset json file path",
     "REQUIRED: The JSON file with offset per partition. The format to use is:\n"
     "{\"partitions\":\n  [{\"topic\": \"foo\", \"partition\": 1, \"offset\": 1}],\n "
     "\"version\":1\n}"},
    {"command-config", CLI_VALUE, "String: command config property file path",
     "A property file containing configs to be passed to Admin Client."},
    CLI_OPT_END,
};

static const cli_tool_t tool = {
    "kafka-delete-records",
    "This tool helps to delete records of the given partitions down to the specified offset.",
    defs};

/* Kafka's exception class and default message for the errors DeleteRecords answers with. */
static void print_error(rd_kafka_resp_err_t err)
{
    static const struct {
        rd_kafka_resp_err_t err;
        const char *cls, *msg;
    } known[] = {
        {RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, "OffsetOutOfRangeException",
         "The requested offset is not within the range of offsets maintained by the server."},
        {RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "UnknownTopicOrPartitionException",
         "This server does not host this topic-partition."},
        {RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, "LeaderNotAvailableException",
         "There is no leader for this topic-partition as we are in the middle of a leadership "
         "election."},
        {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, "NotLeaderOrFollowerException",
         "For requests intended only for the leader, this error indicates that the broker is not "
         "the current leader. For requests intended for any replica, this error indicates that "
         "the broker is not a replica of the topic partition."},
        {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, "TimeoutException", "The request timed out."},
        {RD_KAFKA_RESP_ERR__TIMED_OUT, "TimeoutException", "The request timed out."},
        {RD_KAFKA_RESP_ERR_POLICY_VIOLATION, "PolicyViolationException",
         "Request parameters do not satisfy the configured policy."},
        {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "TopicAuthorizationException",
         "Topic authorization failed."},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (known[i].err == err) {
            printf("org.apache.kafka.common.errors.%s: %s\n", known[i].cls, known[i].msg);
            return;
        }
    printf("%s: %s\n", rd_kafka_err2name(err), rd_kafka_err2str(err));
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (cap - *len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            if (!buf)
                break;
        }
        size_t n = fread(buf + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* One partition entry: topic, partition, offset, each present and of its type. */
static int parse_entry(const json_t *e, rd_kafka_topic_partition_list_t *l)
{
    if (e->type != JSON_OBJECT) {
        fprintf(stderr, "Expected a JSON object in partitions, found %s\n",
                e->type == JSON_ARRAY ? "an array" : "a value");
        return 1;
    }
    static const char *const fields[] = {"topic", "partition", "offset"};
    for (size_t i = 0; i < 3; i++)
        if (!json_get(e, fields[i])) {
            fprintf(stderr, "No such field exists: `%s`\n", fields[i]);
            return 1;
        }
    const json_t *t = json_get(e, "topic");
    int64_t p, off;
    if (t->type != JSON_STRING) {
        fprintf(stderr, "Expected `topic` to be a string\n");
        return 1;
    }
    if (!json_int64(json_get(e, "partition"), &p) || p < INT32_MIN || p > INT32_MAX) {
        fprintf(stderr, "Expected `partition` to be an int\n");
        return 1;
    }
    if (!json_int64(json_get(e, "offset"), &off)) {
        fprintf(stderr, "Expected `offset` to be a long\n");
        return 1;
    }
    /* a repeated partition is reported once the whole list is known */
    rd_kafka_topic_partition_list_add(l, t->str, (int32_t)p)->offset = off;
    return 0;
}

/* Fails with Kafka's message when a topic-partition is listed twice. */
static int check_duplicates(const rd_kafka_topic_partition_list_t *l)
{
    char msg[2048] = "";
    size_t off = 0;
    for (int i = 0; i < l->cnt; i++) {
        bool first = true, dup = false;
        for (int j = 0; j < l->cnt; j++) {
            bool same = j != i && l->elems[j].partition == l->elems[i].partition &&
                        !strcmp(l->elems[j].topic, l->elems[i].topic);
            dup |= same;
            if (same && j < i)
                first = false;
        }
        if (dup && first && off < sizeof msg)
            off += (size_t)snprintf(msg + off, sizeof msg - off, "%s%s-%d", off ? "," : "",
                                    l->elems[i].topic, (int)l->elems[i].partition);
    }
    if (!off)
        return 0;
    fprintf(stderr, "Offset json file contains duplicate topic partitions: %s\n", msg);
    return 1;
}

/* DeleteRecordsCommand.parseOffsetJsonStringWithoutDedup and its checks. */
static rd_kafka_topic_partition_list_t *parse_offsets(const char *text, size_t len)
{
    json_t *js = json_parse(text, len);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    int rc = 1;
    if (!js) {
        fprintf(stderr, "The input string is not a valid JSON\n");
        goto out;
    }
    if (js->type != JSON_OBJECT) {
        fprintf(stderr, "Expected a JSON object at the top level\n");
        goto out;
    }
    int64_t version = 1;
    const json_t *v = json_get(js, "version");
    if (v && !json_int64(v, &version)) {
        fprintf(stderr, "Expected `version` to be an int\n");
        goto out;
    }
    if (version != 1) {
        fprintf(stderr, "Not supported version field value %lld\n", (long long)version);
        goto out;
    }
    const json_t *parts = json_get(js, "partitions");
    if (!parts) {
        fprintf(stderr, "Missing partitions field\n");
        goto out;
    }
    if (parts->type != JSON_ARRAY) {
        fprintf(stderr, "Expected `partitions` to be an array\n");
        goto out;
    }
    for (size_t i = 0; i < parts->n; i++)
        if (parse_entry(parts->items[i], l))
            goto out;
    rc = check_duplicates(l);
out:
    json_free(js);
    if (rc) {
        rd_kafka_topic_partition_list_destroy(l);
        return NULL;
    }
    return l;
}

/* Sends the request and prints Kafka's report; returns the exit code. */
static int delete_records(cli_conf_t *c, rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *l)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteRecords_t *del = rd_kafka_DeleteRecords_new(l);
    rd_kafka_AdminOptions_t *opt = cli_admin_options(c, rk, RD_KAFKA_ADMIN_OP_DELETERECORDS);
    printf("Executing records delete operation\n");
    fflush(stdout);
    rd_kafka_DeleteRecords(rk, &del, 1, opt, q);
    rd_kafka_event_t *ev = cli_admin_wait(c, q);
    int rc = 1;
    if (ev) {
        printf("Records delete operation completed:\n");
        const rd_kafka_DeleteRecords_result_t *res = rd_kafka_event_DeleteRecords_result(ev);
        rd_kafka_resp_err_t top = rd_kafka_event_error(ev);
        /* a failed request carries no partitions (librdkafka asserts if asked for them) */
        const rd_kafka_topic_partition_list_t *out =
            res && !top ? rd_kafka_DeleteRecords_result_offsets(res) : NULL;
        for (int i = 0; i < l->cnt; i++) {
            const rd_kafka_topic_partition_t *e = &l->elems[i], *r = NULL;
            for (int j = 0; out && j < out->cnt; j++)
                if (out->elems[j].partition == e->partition &&
                    !strcmp(out->elems[j].topic, e->topic))
                    r = &out->elems[j];
            rd_kafka_resp_err_t err = r ? r->err : top ? top : RD_KAFKA_RESP_ERR__TIMED_OUT;
            if (err) {
                printf("partition: %s-%d\terror: ", e->topic, (int)e->partition);
                print_error(err);
            } else {
                printf("partition: %s-%d\tlow_watermark: %lld\n", e->topic, (int)e->partition,
                       (long long)r->offset);
            }
        }
        /* per-partition errors are a result, as in Kafka; a failed request is not */
        rc = top ? 1 : 0;
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_DeleteRecords_destroy(del);
    rd_kafka_queue_destroy(q);
    return rc;
}

int lode_cli_delete_records(int argc, char **argv)
{
    cli_opts_t o;
    int rc = cli_opts_parse(&o, &tool, argc, argv);
    if (rc)
        return rc == 2 ? 0 : 1;
    rc = 1;
    cli_conf_t c = {0};
    rd_kafka_t *rk = NULL;
    rd_kafka_topic_partition_list_t *l = NULL;
    char *text = NULL;
    const char *path = cli_get(&o, "offset-json-file", NULL);
    const char *file = cli_get(&o, "command-config", NULL);
    size_t len = 0;
    if (o.npositional) {
        cli_usage_error(&o, "Unexpected argument '%s'", o.positional[0]);
        goto out;
    }
    if (!cli_has(&o, "bootstrap-server")) {
        cli_usage_error(&o, "Missing required argument \"[bootstrap-server]\"");
        goto out;
    }
    if (!path) {
        cli_usage_error(&o, "Missing required argument \"[offset-json-file]\"");
        goto out;
    }
    if (!(text = read_file(path, &len))) {
        fprintf(stderr, "%s (No such file or directory)\n", path);
        goto out;
    }
    if (!(l = parse_offsets(text, len)))
        goto out;
    if (cli_conf_init(&c, "kafka-delete-records", cli_get(&o, "bootstrap-server", NULL), &file, 1,
                      NULL, 0) ||
        !(rk = cli_client_new(&c, RD_KAFKA_PRODUCER)))
        goto out;
    rc = delete_records(&c, rk, l);
out:
    if (rk)
        rd_kafka_destroy(rk);
    cli_conf_destroy(&c);
    if (l)
        rd_kafka_topic_partition_list_destroy(l);
    free(text);
    cli_opts_free(&o);
    return rc;
}
