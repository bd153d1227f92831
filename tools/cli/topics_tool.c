/*
 * `lode topics` — Kafka's kafka-topics: create, list, describe, alter
 * (partitions) and delete topics, with Kafka's flags, checks, messages and
 * output.
 *
 * As in Kafka's TopicCommand, --topic is a name for --create and a regular
 * expression (whole-name match; commas separate alternatives) for the other
 * actions; a failed action prints "Error while executing topic command :
 * <reason>" on stdout and exits 1.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/mem.h"
#include "topics.h"

static const cli_optdef_t defs[] = {
    {"bootstrap-server", CLI_VALUE, "String: server to connect to",
     "REQUIRED: The Kafka server to connect to."},
    {"command-config", CLI_VALUE, "String: command config property file",
     "Property file containing configs to be passed to Admin Client."},
    {"list", CLI_FLAG, NULL, "List all available topics."},
    {"create", CLI_FLAG, NULL, "Create a new topic."},
    {"delete", CLI_FLAG, NULL, "Delete a topic"},
    {"alter", CLI_FLAG, NULL, "Alter the number of partitions and replica assignment."},
    {"describe", CLI_FLAG, NULL, "List details for the given topics."},
    {"topic", CLI_VALUE, "String: topic",
     "The topic to create, alter, describe or delete. It also accepts a regular expression, "
     "except for --create option."},
    {"config", CLI_LIST, "String: name=value",
     "A topic configuration override for the topic being created."},
    {"partitions", CLI_VALUE, "Integer: # of partitions",
     "The number of partitions for the topic being created or altered."},
    {"replication-factor", CLI_VALUE, "Integer: replication factor",
     "The replication factor for each partition in the topic being created."},
    {"replica-assignment", CLI_VALUE,
     "String: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , ...",
     "A list of manual partition-to-broker assignments for the topic being created or altered."},
    {"under-replicated-partitions", CLI_FLAG, NULL,
     "If set when describing topics, only show under replicated partitions"},
    {"unavailable-partitions", CLI_FLAG, NULL,
     "If set when describing topics, only show partitions whose leader is not available"},
    {"under-min-isr-partitions", CLI_FLAG, NULL,
     "If set when describing topics, only show partitions whose isr count is less than the "
     "configured minimum."},
    {"at-min-isr-partitions", CLI_FLAG, NULL,
     "If set when describing topics, only show partitions whose isr count is equal to the "
     "configured minimum."},
    {"topics-with-overrides", CLI_FLAG, NULL,
     "If set when describing topics, only show topics that have overridden configs"},
    {"if-exists", CLI_FLAG, NULL,
     "If set when altering or deleting or describing topics, the action will only execute if the "
     "topic exists."},
    {"if-not-exists", CLI_FLAG, NULL,
     "If set when creating topics, the action will only execute if the topic does not already "
     "exist."},
    {"exclude-internal", CLI_FLAG, NULL,
     "Exclude internal topics when running list or describe command."},
    CLI_OPT_END,
};

static const cli_tool_t tool = {
    "kafka-topics",
    "This tool helps to create, delete, describe, or change a topic.",
    defs,
};

bool topics_is_internal(const char *name)
{
    return !strcmp(name, "__consumer_offsets") || !strcmp(name, "__transaction_state");
}

static int cmp_topic(const void *a, const void *b)
{
    const struct rd_kafka_metadata_topic *const *x = a, *const *y = b;
    return strcmp((*x)->topic, (*y)->topic);
}

/* Kafka's IncludeList: trimmed, spaces and surrounding quotes dropped, commas as alternatives,
 * matched against the whole name. */
static int compile_pattern(const char *topic, regex_t *re)
{
    size_t n = strlen(topic);
    char *p = lode_xmalloc(n + 8);
    size_t k = 0;
    p[k++] = '^';
    p[k++] = '(';
    const char *s = topic, *e = topic + n;
    while (s < e && (*s == '"' || *s == '\'' || *s == ' '))
        s++;
    while (e > s && (e[-1] == '"' || e[-1] == '\'' || e[-1] == ' '))
        e--;
    for (; s < e; s++)
        if (*s != ' ')
            p[k++] = *s == ',' ? '|' : *s;
    p[k++] = ')';
    p[k++] = '$';
    p[k] = '\0';
    int rc = regcomp(re, p, REG_EXTENDED | REG_NOSUB);
    free(p);
    return rc;
}

ssize_t topics_select(const topics_ctx_t *ctx, bool exclude_internal,
                      const struct rd_kafka_metadata_topic ***out)
{
    const char *pattern = cli_get(ctx->o, "topic", NULL);
    regex_t re;
    if (pattern && compile_pattern(pattern, &re) != 0) {
        printf(TOPICS_ERROR "Invalid topic pattern '%s'\n", pattern);
        return -1;
    }
    const struct rd_kafka_metadata_topic **sel =
        lode_xcalloc((size_t)ctx->md->topic_cnt + 1, sizeof *sel);
    size_t n = 0;
    for (int i = 0; i < ctx->md->topic_cnt; i++) {
        const struct rd_kafka_metadata_topic *t = &ctx->md->topics[i];
        if (t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            continue;
        if (exclude_internal && topics_is_internal(t->topic))
            continue;
        if (pattern && regexec(&re, t->topic, 0, NULL, 0) != 0)
            continue;
        sel[n++] = t;
    }
    if (pattern)
        regfree(&re);
    qsort(sel, n, sizeof *sel, cmp_topic);
    *out = sel;
    return (ssize_t)n;
}

/* ---- replica assignment ------------------------------------------------------------- */

typedef struct assignment {
    size_t nparts;
    size_t rf;
    int32_t *brokers; /* nparts * rf */
} assignment_t;

/* "1:2,3:4" → partitions of replicas, as Kafka's parseReplicaAssignment. */
static int parse_assignment(const char *s, assignment_t *a)
{
    memset(a, 0, sizeof *a);
    char *copy = lode_xstrdup(s), *save = NULL;
    int rc = 0;
    for (char *part = strtok_r(copy, ",", &save); part && !rc;
         part = strtok_r(NULL, ",", &save)) {
        int32_t ids[256];
        size_t n = 0;
        char *save2 = NULL;
        for (char *id = strtok_r(part, ":", &save2); id; id = strtok_r(NULL, ":", &save2)) {
            while (*id == ' ')
                id++;
            char *end = id + strlen(id);
            while (end > id && end[-1] == ' ')
                *--end = '\0';
            if (n == 256 || !cli_parse_i32(id, &ids[n])) {
                printf(TOPICS_ERROR "Invalid replica assignment '%s': '%s' is not a broker id\n",
                       s, id);
                rc = -1;
                break;
            }
            for (size_t j = 0; j < n && !rc; j++)
                if (ids[j] == ids[n]) {
                    printf(TOPICS_ERROR
                           "Partition replica lists may not contain duplicate entries: %d\n",
                           ids[n]);
                    rc = -1;
                }
            n++;
        }
        if (rc)
            break;
        if (a->nparts == 0)
            a->rf = n;
        else if (n != a->rf) {
            printf(TOPICS_ERROR "Partition %zu has different replication factor: [", a->nparts);
            for (size_t j = 0; j < n; j++)
                printf("%s%d", j ? ", " : "", ids[j]);
            printf("]\n");
            rc = -1;
            break;
        }
        a->brokers = lode_xrealloc(a->brokers, (a->nparts + 1) * a->rf * sizeof *a->brokers);
        memcpy(a->brokers + a->nparts * a->rf, ids, n * sizeof *ids);
        a->nparts++;
    }
    free(copy);
    if (!rc && a->nparts == 0) {
        printf(TOPICS_ERROR "Invalid replica assignment '%s'\n", s);
        rc = -1;
    }
    if (rc)
        free(a->brokers);
    return rc;
}

/* ---- admin round trips --------------------------------------------------------------- */

/* Runs one admin call whose result is per topic; prints each failed topic. Returns the number
 * of failures, or -1 when the call as a whole failed (printed). `skip` errors count as success. */
static int topic_results(topics_ctx_t *ctx, rd_kafka_queue_t *q, rd_kafka_resp_err_t skip)
{
    rd_kafka_event_t *ev = cli_admin_wait(&ctx->conf, q);
    if (!ev)
        return -1;
    if (rd_kafka_event_error(ev)) {
        printf(TOPICS_ERROR "%s\n", rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return -1;
    }
    const rd_kafka_topic_result_t **res = NULL;
    size_t n = 0;
    switch (rd_kafka_event_type(ev)) {
    case RD_KAFKA_EVENT_CREATETOPICS_RESULT:
        res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        break;
    case RD_KAFKA_EVENT_DELETETOPICS_RESULT:
        res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
        break;
    case RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT:
        res = rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev),
                                                      &n);
        break;
    default:
        break;
    }
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t err = rd_kafka_topic_result_error(res[i]);
        if (!err || err == skip)
            continue;
        const char *msg = rd_kafka_topic_result_error_string(res[i]);
        printf(TOPICS_ERROR "%s\n", msg && *msg ? msg : rd_kafka_err2str(err));
        failed++;
    }
    rd_kafka_event_destroy(ev);
    return failed;
}

static int do_create(topics_ctx_t *ctx)
{
    const cli_opts_t *o = ctx->o;
    const char *name = cli_get(o, "topic", NULL);
    int32_t partitions = -1, rf = -1;
    if (cli_has(o, "partitions") &&
        (!cli_parse_i32(cli_get(o, "partitions", ""), &partitions) || partitions < 1)) {
        printf(TOPICS_ERROR "The partitions must be greater than 0\n");
        return 1;
    }
    if (cli_has(o, "replication-factor") &&
        (!cli_parse_i32(cli_get(o, "replication-factor", ""), &rf) || rf < 1 || rf > 32767)) {
        printf(TOPICS_ERROR "The replication factor must be between 1 and 32767 inclusive\n");
        return 1;
    }
    if (strchr(name, '.') || strchr(name, '_'))
        printf("WARNING: Due to limitations in metric names, topics with a period ('.') or "
               "underscore ('_') could collide. To avoid issues it is best to use either, but "
               "not both.\n");
    assignment_t a = {0};
    if (cli_has(o, "replica-assignment")) {
        if (parse_assignment(cli_get(o, "replica-assignment", ""), &a) != 0)
            return 1;
        partitions = -1;
        rf = -1;
    }
    char err[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(name, a.nparts ? (int)a.nparts : partitions,
                                                    a.nparts ? -1 : rf, err, sizeof err);
    if (!nt) {
        printf(TOPICS_ERROR "%s\n", err);
        free(a.brokers);
        return 1;
    }
    for (size_t p = 0; p < a.nparts; p++)
        rd_kafka_NewTopic_set_replica_assignment(nt, (int32_t)p, a.brokers + p * a.rf, a.rf, err,
                                                 sizeof err);
    free(a.brokers);
    size_t nconfigs;
    char *const *configs = cli_list(o, "config", &nconfigs);
    for (size_t i = 0; i < nconfigs; i++) {
        char key[256];
        const char *value;
        if (!cli_split_kv(configs[i], key, sizeof key, &value) || strchr(value, '=')) {
            printf(TOPICS_ERROR "requirement failed: Invalid topic config: all configs to be "
                                "added must be in the format \"key=val\".\n");
            rd_kafka_NewTopic_destroy(nt);
            return 1;
        }
        /* Kafka splits at \s*=\s* */
        char *k = key + strlen(key);
        while (k > key && (k[-1] == ' ' || k[-1] == '\t'))
            *--k = '\0';
        while (*value == ' ' || *value == '\t')
            value++;
        rd_kafka_NewTopic_set_config(nt, key, value);
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(ctx->rk);
    rd_kafka_AdminOptions_t *ao = cli_admin_options(&ctx->conf, ctx->rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_CreateTopics(ctx->rk, &nt, 1, ao, q);
    int failed = topic_results(ctx, q, cli_has(o, "if-not-exists")
                                           ? RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS
                                           : RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    if (failed)
        return 1;
    /* Kafka prints nothing when --if-not-exists found the topic already there */
    bool existed = false;
    if (cli_has(o, "if-not-exists"))
        for (int i = 0; i < ctx->md->topic_cnt; i++)
            existed |= !strcmp(ctx->md->topics[i].topic, name) && !ctx->md->topics[i].err;
    if (!existed)
        printf("Created topic %s.\n", name);
    return 0;
}

/* The topics an alter/delete acts on; a pattern matching nothing is an error unless
 * --if-exists (then *n is 0 and the action does nothing). */
static int matched(topics_ctx_t *ctx, const struct rd_kafka_metadata_topic ***sel, size_t *n)
{
    ssize_t k = topics_select(ctx, false, sel);
    if (k < 0)
        return 1;
    *n = (size_t)k;
    if (k == 0 && !cli_has(ctx->o, "if-exists")) {
        printf(TOPICS_ERROR "Topic '%s' does not exist as expected\n",
               cli_get(ctx->o, "topic", ""));
        return 1;
    }
    return 0;
}

static int do_alter(topics_ctx_t *ctx)
{
    const cli_opts_t *o = ctx->o;
    int32_t partitions;
    if (!cli_parse_i32(cli_get(o, "partitions", ""), &partitions) || partitions < 1) {
        printf(TOPICS_ERROR "The partitions must be greater than 0\n");
        return 1;
    }
    assignment_t a = {0};
    if (cli_has(o, "replica-assignment") &&
        parse_assignment(cli_get(o, "replica-assignment", ""), &a) != 0)
        return 1;
    const struct rd_kafka_metadata_topic **sel;
    size_t n;
    if (matched(ctx, &sel, &n) != 0) {
        free(sel);
        free(a.brokers);
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct rd_kafka_metadata_topic *t = sel[i];
        if (topics_is_internal(t->topic)) {
            printf(TOPICS_ERROR "The number of partitions for the internal topic %s cannot be "
                                "changed.\n", t->topic);
            rc = 1;
            break;
        }
        char err[512];
        rd_kafka_NewPartitions_t *np =
            rd_kafka_NewPartitions_new(t->topic, (size_t)partitions, err, sizeof err);
        if (!np) {
            printf(TOPICS_ERROR "%s\n", err);
            rc = 1;
            break;
        }
        /* the assignment lists every partition; the new ones follow the existing ones */
        for (size_t p = (size_t)t->partition_cnt; p < a.nparts && p < (size_t)partitions; p++)
            rd_kafka_NewPartitions_set_replica_assignment(
                np, (int32_t)(p - (size_t)t->partition_cnt), a.brokers + p * a.rf, a.rf, err,
                sizeof err);
        rd_kafka_queue_t *q = rd_kafka_queue_new(ctx->rk);
        rd_kafka_AdminOptions_t *ao =
            cli_admin_options(&ctx->conf, ctx->rk, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
        rd_kafka_CreatePartitions(ctx->rk, &np, 1, ao, q);
        if (topic_results(ctx, q, RD_KAFKA_RESP_ERR_NO_ERROR) != 0)
            rc = 1;
        rd_kafka_AdminOptions_destroy(ao);
        rd_kafka_queue_destroy(q);
        rd_kafka_NewPartitions_destroy(np);
    }
    free(sel);
    free(a.brokers);
    return rc;
}

static int do_delete(topics_ctx_t *ctx)
{
    const struct rd_kafka_metadata_topic **sel;
    size_t n;
    if (matched(ctx, &sel, &n) != 0) {
        free(sel);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        if (topics_is_internal(sel[i]->topic)) {
            printf(TOPICS_ERROR "Topic %s is a kafka internal topic and is not allowed to be "
                                "marked for deletion.\n", sel[i]->topic);
            free(sel);
            return 1;
        }
    int rc = 0;
    if (n > 0) {
        rd_kafka_DeleteTopic_t **dt = lode_xcalloc(n, sizeof *dt);
        for (size_t i = 0; i < n; i++)
            dt[i] = rd_kafka_DeleteTopic_new(sel[i]->topic);
        rd_kafka_queue_t *q = rd_kafka_queue_new(ctx->rk);
        rd_kafka_AdminOptions_t *ao =
            cli_admin_options(&ctx->conf, ctx->rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
        rd_kafka_DeleteTopics(ctx->rk, dt, n, ao, q);
        rc = topic_results(ctx, q, RD_KAFKA_RESP_ERR_NO_ERROR) != 0;
        rd_kafka_AdminOptions_destroy(ao);
        rd_kafka_queue_destroy(q);
        rd_kafka_DeleteTopic_destroy_array(dt, n);
        free(dt);
    }
    free(sel);
    return rc;
}

static int do_list(topics_ctx_t *ctx)
{
    const struct rd_kafka_metadata_topic **sel;
    ssize_t n = topics_select(ctx, cli_has(ctx->o, "exclude-internal"), &sel);
    if (n < 0)
        return 1;
    for (ssize_t i = 0; i < n; i++)
        printf("%s\n", sel[i]->topic);
    if (n == 0)
        printf("\n"); /* Kafka prints the empty joined list */
    free(sel);
    return 0;
}

/* ---- command line --------------------------------------------------------------------- */

/* Kafka's "Option "[x]" can't be used with option "[y]"" checks for one action. */
static int check_combinations(const cli_opts_t *o, const char *action)
{
    static const struct {
        const char *opt;
        const char *allowed[4]; /* actions it may go with */
    } rules[] = {
        {"config", {"create"}},
        {"partitions", {"create", "alter"}},
        {"replication-factor", {"create"}},
        {"replica-assignment", {"create", "alter"}},
        {"under-replicated-partitions", {"describe"}},
        {"unavailable-partitions", {"describe"}},
        {"under-min-isr-partitions", {"describe"}},
        {"at-min-isr-partitions", {"describe"}},
        {"topics-with-overrides", {"describe"}},
        {"if-exists", {"alter", "delete", "describe"}},
        {"if-not-exists", {"create"}},
        {"exclude-internal", {"list", "describe"}},
    };
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        if (!cli_has(o, rules[i].opt))
            continue;
        bool ok = false;
        for (size_t j = 0; j < 4 && rules[i].allowed[j]; j++)
            ok |= !strcmp(rules[i].allowed[j], action);
        if (!ok) {
            if (!strcmp(rules[i].opt, "config") && !strcmp(action, "alter"))
                return cli_usage_error(o, "Option \"[config]\" can't be used with option "
                                          "\"[alter]\" (To alter topic configurations, the "
                                          "kafka-configs tool can be used.)");
            return cli_usage_error(o, "Option \"[%s]\" can't be used with option \"[%s]\"",
                                   rules[i].opt, action);
        }
    }
    if (!strcmp(action, "create") && cli_has(o, "replica-assignment")) {
        if (cli_has(o, "partitions"))
            return cli_usage_error(o, "Option \"[partitions]\" can't be used with option "
                                      "\"[replica-assignment]\"");
        if (cli_has(o, "replication-factor"))
            return cli_usage_error(o, "Option \"[replication-factor]\" can't be used with "
                                      "option \"[replica-assignment]\"");
    }
    const char *filters[] = {"under-replicated-partitions", "unavailable-partitions",
                             "under-min-isr-partitions", "at-min-isr-partitions"};
    for (size_t i = 0; i < 4; i++)
        if (cli_has(o, filters[i]) && cli_has(o, "topics-with-overrides"))
            return cli_usage_error(o, "Option \"[topics-with-overrides]\" can't be used with "
                                      "option \"[%s]\"", filters[i]);
    return 0;
}

int lode_cli_topics(int argc, char **argv)
{
    cli_opts_t o;
    if (argc < 2) {
        cli_usage(stderr, &tool);
        return 1;
    }
    int rc = cli_opts_parse(&o, &tool, argc, argv);
    if (rc)
        return rc == 2 ? 0 : 1;
    if (o.npositional) {
        rc = cli_usage_error(&o, "Found non-option argument '%s'", o.positional[0]);
        goto out;
    }
    static const char *const actions[] = {"list", "describe", "create", "alter", "delete"};
    int act = cli_one_action(&o, actions, 5);
    if (act < 0) {
        rc = 1;
        goto out;
    }
    const char *action = actions[act];
    if (!cli_has(&o, "bootstrap-server")) {
        rc = cli_usage_error(&o, "Missing required argument \"[bootstrap-server]\"");
        goto out;
    }
    if (!cli_has(&o, "topic") &&
        (!strcmp(action, "create") || !strcmp(action, "alter") || !strcmp(action, "delete"))) {
        rc = cli_usage_error(&o, "Missing required argument \"[topic]\"");
        goto out;
    }
    if (!strcmp(action, "describe") && cli_has(&o, "if-exists") && !cli_has(&o, "topic")) {
        rc = cli_usage_error(&o, "--topic or --topic-id is required to describe a topic");
        goto out;
    }
    if (!strcmp(action, "alter") && !cli_has(&o, "partitions") && !cli_has(&o, "config")) {
        rc = cli_usage_error(&o, "Missing required argument \"[partitions]\"");
        goto out;
    }
    if ((rc = check_combinations(&o, action)) != 0)
        goto out;

    topics_ctx_t ctx = {.o = &o};
    const char *cfg = cli_get(&o, "command-config", NULL);
    if (cli_conf_init(&ctx.conf, tool.name, cli_get(&o, "bootstrap-server", NULL), &cfg, 1,
                      NULL, 0) != 0) {
        rc = 1;
        goto out;
    }
    /* the admin client's configuration is kept (topic ids need its security settings) */
    rd_kafka_conf_t *keep = rd_kafka_conf_dup(ctx.conf.conf);
    ctx.rk = cli_client_new(&ctx.conf, RD_KAFKA_PRODUCER);
    ctx.conf.conf = keep;
    if (!ctx.rk) {
        rc = 1;
        goto out_conf;
    }
    ctx.md = cli_metadata(&ctx.conf, ctx.rk);
    if (!ctx.md) {
        rc = 1;
        goto out_rk;
    }
    if (!strcmp(action, "create"))
        rc = do_create(&ctx);
    else if (!strcmp(action, "alter"))
        rc = do_alter(&ctx);
    else if (!strcmp(action, "delete"))
        rc = do_delete(&ctx);
    else if (!strcmp(action, "list"))
        rc = do_list(&ctx);
    else
        rc = topics_describe(&ctx);
    rd_kafka_metadata_destroy(ctx.md);
out_rk:
    rd_kafka_destroy(ctx.rk);
out_conf:
    cli_conf_destroy(&ctx.conf);
out:
    cli_opts_free(&o);
    return rc;
}
