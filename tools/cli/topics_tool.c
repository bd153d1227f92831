/*
 * topics_tool.c — `lode topics`, Apache Kafka's kafka-topics: create, list,
 * describe, alter (partitions) and delete topics, with Kafka 4.0's flags,
 * checks, output lines and error messages (TopicCommand.java).
 *
 * --topic is a regex for everything but --create (Kafka's IncludeList:
 * commas mean '|', spaces and surrounding quotes dropped, whole-name match).
 * Topic ids are not in librdkafka 2.0.2's metadata; topic_ids.c asks a
 * bootstrap broker for them directly (PLAINTEXT only, else TopicId is left
 * out as Kafka does for an unknown id).
 */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "core/mem.h"
#include "opts.h"
#include "topics_int.h"

static const cli_optdef_t defs[] = {
    {"alter", CLI_FLAG, NULL,
     "Alter the number of partitions and replica assignment. (To alter topic configurations, "
     "the kafka-configs tool can be used.)"},
    {"at-min-isr-partitions", CLI_FLAG, NULL,
     "if set when describing topics, only show partitions whose isr count is equal to the "
     "configured minimum."},
    {"bootstrap-server", CLI_VALUE, "String: server to connect to",
     "REQUIRED: The Kafka server to connect to."},
    {"command-config", CLI_VALUE, "String: command config property file",
     "Property file containing configs to be passed to Admin Client."},
    {"config", CLI_LIST, "String: name=value",
     "A topic configuration override for the topic being created."},
    {"create", CLI_FLAG, NULL, "Create a new topic."},
    {"delete", CLI_FLAG, NULL, "Delete a topic"},
    {"describe", CLI_FLAG, NULL, "List details for the given topics."},
    {"exclude-internal", CLI_FLAG, NULL,
     "exclude internal topics when running list or describe command."},
    {"if-exists", CLI_FLAG, NULL,
     "if set when altering, deleting or describing topics, the action will only execute if "
     "the topic exists."},
    {"if-not-exists", CLI_FLAG, NULL,
     "if set when creating topics, the action will only execute if the topic does not "
     "already exist."},
    {"list", CLI_FLAG, NULL, "List all available topics."},
    {"partitions", CLI_VALUE, "Integer: # of partitions",
     "The number of partitions for the topic being created or altered."},
    {"replica-assignment", CLI_VALUE,
     "String: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , "
     "broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...",
     "A list of manual partition-to-broker assignments for the topic being created or altered."},
    {"replication-factor", CLI_VALUE, "Integer: replication factor",
     "The replication factor for each partition in the topic being created."},
    {"topic", CLI_VALUE, "String: topic",
     "The topic to create, alter, describe or delete. It also accepts a regular expression, "
     "except for --create option."},
    {"topics-with-overrides", CLI_FLAG, NULL,
     "if set when describing topics, only show topics that have overridden configs"},
    {"unavailable-partitions", CLI_FLAG, NULL,
     "if set when describing topics, only show partitions whose leader is not available"},
    {"under-min-isr-partitions", CLI_FLAG, NULL,
     "if set when describing topics, only show partitions whose isr count is less than the "
     "configured minimum."},
    {"under-replicated-partitions", CLI_FLAG, NULL,
     "if set when describing topics, only show under replicated partitions"},
    CLI_OPT_END,
};

static const cli_tool_t tool = {
    "kafka-topics",
    "This tool helps to create, delete, describe, or change a topic.",
    defs,
};

static const char *const action_names[] = {"create", "list", "describe", "alter", "delete"};

/* Kafka's allTopicLevelOpts order, for "can't be used with option" checks. */
static const struct {
    const char *name;
    int action;
} level_opts[] = {{"alter", A_ALTER},
                  {"create", A_CREATE},
                  {"describe", A_DESCRIBE},
                  {"list", A_LIST},
                  {"delete", A_DELETE}};

/* An operation failed: Kafka prints the cause on stdout, exit 1. */
int topics_fail(const char *fmt, ...)
{
    printf("Error while executing topic command : ");
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    return 1;
}

/* --- command-line checks ------------------------------------------------- */

/* `used` may only appear with the actions in `allowed`. */
static bool only_with(const cli_opts_t *o, int action, const char *used, int allowed)
{
    if (!cli_has(o, used) || (action & allowed))
        return true;
    for (size_t i = 0; i < sizeof level_opts / sizeof *level_opts; i++)
        if (level_opts[i].action == action) {
            cli_usage_error(o, "Option \"[%s]\" can't be used with option \"[%s]\"", used,
                            level_opts[i].name);
            break;
        }
    return false;
}

static bool not_together(const cli_opts_t *o, const char *used, const char *other)
{
    if (cli_has(o, used) && cli_has(o, other)) {
        cli_usage_error(o, "Option \"[%s]\" can't be used with option \"[%s]\"", used, other);
        return false;
    }
    return true;
}

static bool check_combinations(const cli_opts_t *o, int a)
{
    if (!only_with(o, a, "config", A_ALTER | A_CREATE) ||
        !only_with(o, a, "partitions", A_ALTER | A_CREATE) ||
        !only_with(o, a, "replication-factor", A_CREATE) ||
        !only_with(o, a, "replica-assignment", A_ALTER | A_CREATE))
        return false;
    if (a == A_CREATE && (!not_together(o, "replica-assignment", "partitions") ||
                          !not_together(o, "replica-assignment", "replication-factor")))
        return false;
    for (size_t i = 0; i < TOPICS_NREPORTS; i++)
        if (!only_with(o, a, topics_reports[i], A_DESCRIBE) ||
            !not_together(o, topics_reports[i], "topics-with-overrides"))
            return false;
    return only_with(o, a, "topics-with-overrides", A_DESCRIBE) &&
           only_with(o, a, "if-exists", A_ALTER | A_DELETE | A_DESCRIBE) &&
           only_with(o, a, "if-not-exists", A_CREATE) &&
           only_with(o, a, "exclude-internal", A_LIST | A_DESCRIBE);
}

/* The one action given, or 0 after the usage error. */
static int check_args(const cli_opts_t *o)
{
    int a = 0, n = 0;
    for (size_t i = 0; i < sizeof action_names / sizeof *action_names; i++)
        if (cli_has(o, action_names[i])) {
            a = 1 << i;
            n++;
        }
    if (n != 1) {
        cli_usage_error(o, "Command must include exactly one action: --list, --describe, "
                           "--create, --alter or --delete");
        return 0;
    }
    if (o->npositional) {
        cli_usage_error(o, "Unexpected argument '%s'", o->positional[0]);
        return 0;
    }
    if (!cli_has(o, "bootstrap-server")) {
        fprintf(stderr, "--bootstrap-server must be specified\n");
        return 0;
    }
    if (a == A_DESCRIBE && cli_has(o, "if-exists") && !cli_has(o, "topic")) {
        cli_usage_error(o, "--topic or --topic-id is required to describe a topic");
        return 0;
    }
    if (a != A_LIST && a != A_DESCRIBE && !cli_has(o, "topic")) {
        cli_usage_error(o, "Missing required argument \"[topic]\"");
        return 0;
    }
    if (a == A_ALTER && cli_has(o, "config")) {
        cli_usage_error(o, "Option combination \"[[bootstrap-server], [config]]\" can't be used "
                           "with option \"[alter]\" (To alter topic configurations, the "
                           "kafka-configs tool can be used.)");
        return 0;
    }
    if (a == A_ALTER && !cli_has(o, "partitions")) {
        cli_usage_error(o, "Missing required argument \"[partitions]\"");
        return 0;
    }
    return check_combinations(o, a) ? a : 0;
}

static bool int_opt(const cli_opts_t *o, const char *name, int32_t *out)
{
    *out = -1;
    const char *v = cli_get(o, name, NULL);
    if (!v)
        return true;
    if (!cli_parse_i32(v, out)) {
        cli_usage_error(o, "Cannot parse argument '%s' of option %s", v, name);
        return false;
    }
    return true;
}

static void assignment_free(assignment_t *ra)
{
    for (size_t i = 0; i < ra->n; i++)
        free(ra->replicas[i]);
    free(ra->replicas);
    free(ra->count);
    memset(ra, 0, sizeof *ra);
}

/* Kafka's parseReplicaAssignment: "0:1,1:2" → partition 0 on 0,1; 1 on 1,2. */
static bool parse_assignment(const char *s, assignment_t *ra)
{
    char *copy = lode_xstrdup(s), *save = NULL;
    bool ok = true;
    for (char *part = strtok_r(copy, ",", &save); part && ok; part = strtok_r(NULL, ",", &save)) {
        ra->replicas = lode_xrealloc(ra->replicas, (ra->n + 1) * sizeof *ra->replicas);
        ra->count = lode_xrealloc(ra->count, (ra->n + 1) * sizeof *ra->count);
        int32_t *ids = NULL;
        size_t n = 0;
        char *save2 = NULL;
        for (char *b = strtok_r(part, ":", &save2); b; b = strtok_r(NULL, ":", &save2)) {
            while (*b == ' ')
                b++;
            char *end = b + strlen(b);
            while (end > b && end[-1] == ' ')
                *--end = '\0';
            int32_t id;
            if (!cli_parse_i32(b, &id)) {
                fprintf(stderr, "For input string: \"%s\"\n", b);
                ok = false;
                break;
            }
            for (size_t k = 0; k < n && ok; k++)
                if (ids[k] == id) {
                    fprintf(stderr,
                            "Partition replica lists may not contain duplicate entries: "
                            "%d\n",
                            id);
                    ok = false;
                }
            ids = lode_xrealloc(ids, (n + 1) * sizeof *ids);
            ids[n++] = id;
        }
        ra->replicas[ra->n] = ids;
        ra->count[ra->n++] = n;
        if (ok && ra->count[ra->n - 1] != ra->count[0]) {
            fprintf(stderr, "Partition %zu has different replication factor: [", ra->n - 1);
            for (size_t k = 0; k < n; k++)
                fprintf(stderr, "%s%d", k ? ", " : "", ids[k]);
            fprintf(stderr, "]\n");
            ok = false;
        }
    }
    free(copy);
    return ok;
}

/* --topic as Kafka's IncludeList regex, matched against whole names. */
static int compile_filter(run_t *r)
{
    const char *t = cli_get(&r->o, "topic", NULL);
    if (!t || r->action == A_CREATE)
        return 0;
    size_t len = strlen(t);
    char *p = lode_xmalloc(len + 5), *w = p;
    *w++ = '^';
    *w++ = '(';
    const char *s = t, *e = t + len;
    while (s < e && (*s == '"' || *s == '\'' || *s == ' '))
        s++;
    while (e > s && (e[-1] == '"' || e[-1] == '\'' || e[-1] == ' '))
        e--;
    for (; s < e; s++)
        if (*s != ' ')
            *w++ = *s == ',' ? '|' : *s;
    *w++ = ')';
    *w++ = '$';
    *w = '\0';
    int rc = regcomp(&r->re, p, REG_EXTENDED | REG_NOSUB);
    free(p);
    if (rc != 0)
        return topics_fail("Invalid regular expression '%s'", t);
    r->have_re = true;
    return 0;
}

/* --- the operations ------------------------------------------------------- */

static bool is_internal(const char *name)
{
    return !strcmp(name, "__consumer_offsets") || !strcmp(name, "__transaction_state") ||
           !strcmp(name, "__share_group_state");
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted names of the topics --topic selects (all without it); *out borrows md's strings. */
size_t topics_select(const run_t *r, const struct rd_kafka_metadata *md, const char ***out)
{
    const char **names = lode_xcalloc((size_t)md->topic_cnt + 1, sizeof *names);
    size_t n = 0;
    bool exclude = cli_has(&r->o, "exclude-internal");
    for (int i = 0; i < md->topic_cnt; i++) {
        const char *t = md->topics[i].topic;
        if (md->topics[i].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            continue;
        if (exclude && is_internal(t))
            continue;
        if (r->have_re && regexec(&r->re, t, 0, NULL, 0) != 0)
            continue;
        names[n++] = t;
    }
    qsort(names, n, sizeof *names, by_name);
    *out = names;
    return n;
}

/* Kafka's ensureTopicExists: a --topic that matched nothing is an error without --if-exists. */
bool topics_ensure_exists(const run_t *r, size_t found)
{
    if (found == 0 && cli_has(&r->o, "topic") && !cli_has(&r->o, "if-exists")) {
        topics_fail("Topic '%s' does not exist as expected", cli_get(&r->o, "topic", ""));
        return false;
    }
    return true;
}

/* The first failed topic result (an event-level error first); 0 when all succeeded. */
static int check_results(const run_t *r, rd_kafka_event_t *ev, const rd_kafka_topic_result_t **res,
                         size_t n)
{
    if (rd_kafka_event_error(ev))
        return topics_fail("%s", rd_kafka_event_error_string(ev));
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t err = rd_kafka_topic_result_error(res[i]);
        if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && cli_has(&r->o, "if-not-exists"))
            continue;
        if (err) {
            const char *msg = rd_kafka_topic_result_error_string(res[i]);
            return topics_fail("%s", msg && *msg ? msg : rd_kafka_err2str(err));
        }
    }
    return 0;
}

static int parse_topic_config(const char *kv, char *key, size_t cap, const char **value)
{
    /* Kafka splits on \s*=\s* and wants exactly two non-empty-tailed parts */
    const char *eq = strchr(kv, '=');
    if (!eq || strchr(eq + 1, '=') || eq[1] == '\0' || eq == kv) {
        fprintf(stderr, "requirement failed: Invalid topic config: all configs to be added must "
                        "be in the format \"key=val\".\n");
        return 1;
    }
    const char *ks = kv, *ke = eq;
    while (*ks == ' ' || *ks == '\t')
        ks++;
    while (ke > ks && (ke[-1] == ' ' || ke[-1] == '\t'))
        ke--;
    snprintf(key, cap, "%.*s", (int)(ke - ks), ks);
    const char *v = eq + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    *value = v;
    return 0;
}

static int do_create(run_t *r)
{
    const char *name = cli_get(&r->o, "topic", "");
    if (strchr(name, '.') || strchr(name, '_'))
        printf("WARNING: Due to limitations in metric names, topics with a period ('.') or "
               "underscore ('_') could collide. To avoid issues it is best to use either, but "
               "not both.\n");
    if (r->rf != -1 && (r->rf > 32767 || r->rf < 1))
        return topics_fail("The replication factor must be between 1 and 32767 inclusive");
    if (cli_has(&r->o, "partitions") && r->partitions < 1)
        return topics_fail("The partitions must be greater than 0");
    char err[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(name, r->ra.n ? (int)r->ra.n : r->partitions,
                                                    r->ra.n ? -1 : r->rf, err, sizeof err);
    if (!nt)
        return topics_fail("%s", err);
    for (size_t p = 0; p < r->ra.n; p++)
        if (rd_kafka_NewTopic_set_replica_assignment(nt, (int32_t)p, r->ra.replicas[p],
                                                     r->ra.count[p], err, sizeof err)) {
            rd_kafka_NewTopic_destroy(nt);
            return topics_fail("%s", err);
        }
    size_t nc;
    char *const *cfg = cli_list(&r->o, "config", &nc);
    for (size_t i = 0; i < nc; i++) {
        char key[256];
        const char *v;
        if (parse_topic_config(cfg[i], key, sizeof key, &v) != 0) {
            rd_kafka_NewTopic_destroy(nt);
            return 1;
        }
        rd_kafka_NewTopic_set_config(nt, key, v);
    }
    rd_kafka_AdminOptions_t *ao = cli_admin_options(&r->c, r->rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_CreateTopics(r->rk, &nt, 1, ao, r->q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_event_t *ev = cli_admin_wait(&r->c, r->q);
    if (!ev)
        return 1;
    size_t n;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    int rc = check_results(r, ev, res, n);
    bool existed =
        n && rd_kafka_topic_result_error(res[0]) == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
    rd_kafka_event_destroy(ev);
    if (rc == 0 && !existed)
        printf("Created topic %s.\n", name);
    return rc;
}

static int do_list(run_t *r, const struct rd_kafka_metadata *md)
{
    const char **names;
    size_t n = topics_select(r, md, &names);
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? "\n" : "", names[i]);
    printf("\n");
    free(names);
    return 0;
}

/* The topics --alter/--delete act on; NULL (with *rc the exit code) when none. */
static const char **targets(const run_t *r, const struct rd_kafka_metadata *md, size_t *n, int *rc)
{
    const char **names;
    *n = topics_select(r, md, &names);
    if (topics_ensure_exists(r, *n) && *n > 0)
        return names;
    free(names);
    *rc = *n == 0 && cli_has(&r->o, "if-exists") ? 0 : 1;
    return NULL;
}

static const rd_kafka_topic_result_t **partitions_results(rd_kafka_event_t *ev, size_t *n)
{
    return rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), n);
}

static const rd_kafka_topic_result_t **delete_results(rd_kafka_event_t *ev, size_t *n)
{
    return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), n);
}

/* Waits for the request's answer and reports its first failure. */
static int wait_results(const run_t *r,
                        const rd_kafka_topic_result_t **(*results)(rd_kafka_event_t *, size_t *))
{
    rd_kafka_event_t *ev = cli_admin_wait(&r->c, r->q);
    if (!ev)
        return 1;
    size_t n;
    const rd_kafka_topic_result_t **res = results(ev, &n);
    int rc = check_results(r, ev, res, n);
    rd_kafka_event_destroy(ev);
    return rc;
}

static int do_alter(run_t *r, const struct rd_kafka_metadata *md)
{
    size_t n;
    int rc = 0;
    const char **names = targets(r, md, &n, &rc);
    if (!names)
        return rc;
    rd_kafka_NewPartitions_t **np = lode_xcalloc(n, sizeof *np);
    char err[512];
    for (size_t i = 0; i < n && rc == 0; i++) {
        np[i] = rd_kafka_NewPartitions_new(names[i], (size_t)r->partitions, err, sizeof err);
        if (!np[i]) {
            rc = topics_fail("%s", err);
            break;
        }
        /* Kafka skips the assignment's entries for the partitions that already exist */
        size_t have = (size_t)topics_find(md, names[i])->partition_cnt;
        for (size_t p = have; p < r->ra.n && rc == 0; p++)
            if (rd_kafka_NewPartitions_set_replica_assignment(
                    np[i], (int32_t)(p - have), r->ra.replicas[p], r->ra.count[p], err, sizeof err))
                rc = topics_fail("%s", err);
    }
    if (rc == 0) {
        rd_kafka_AdminOptions_t *ao =
            cli_admin_options(&r->c, r->rk, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
        rd_kafka_CreatePartitions(r->rk, np, n, ao, r->q);
        rd_kafka_AdminOptions_destroy(ao);
        rc = wait_results(r, partitions_results);
    }
    for (size_t i = 0; i < n; i++)
        if (np[i])
            rd_kafka_NewPartitions_destroy(np[i]);
    free(np);
    free(names);
    return rc;
}

static int do_delete(run_t *r, const struct rd_kafka_metadata *md)
{
    size_t n;
    int rc = 0;
    const char **names = targets(r, md, &n, &rc);
    if (!names)
        return rc;
    rd_kafka_DeleteTopic_t **dt = lode_xcalloc(n, sizeof *dt);
    for (size_t i = 0; i < n; i++)
        dt[i] = rd_kafka_DeleteTopic_new(names[i]);
    rd_kafka_AdminOptions_t *ao = cli_admin_options(&r->c, r->rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_DeleteTopics(r->rk, dt, n, ao, r->q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_DeleteTopic_destroy_array(dt, n);
    free(dt);
    free(names);
    return wait_results(r, delete_results);
}

static int execute(run_t *r)
{
    const char *cfgfile = cli_get(&r->o, "command-config", NULL);
    const char *files[] = {cfgfile};
    if (cli_conf_init(&r->c, tool.name, cli_get(&r->o, "bootstrap-server", NULL), files, 1, NULL,
                      0) != 0)
        return 1;
    r->rk = cli_client_new(&r->c, RD_KAFKA_PRODUCER);
    if (!r->rk)
        return 1;
    r->q = rd_kafka_queue_new(r->rk);
    if (r->action == A_CREATE)
        return do_create(r);
    const struct rd_kafka_metadata *md = cli_metadata(&r->c, r->rk);
    if (!md)
        return 1;
    int rc;
    switch (r->action) {
    case A_LIST:
        rc = do_list(r, md);
        break;
    case A_DESCRIBE:
        rc = topics_describe(r, md);
        break;
    case A_ALTER:
        rc = do_alter(r, md);
        break;
    default:
        rc = do_delete(r, md);
        break;
    }
    rd_kafka_metadata_destroy(md);
    return rc;
}

int lode_cli_topics(int argc, char **argv)
{
    run_t r;
    memset(&r, 0, sizeof r);
    if (argc < 2) {
        fprintf(stderr, "Create, delete, describe, or change a topic.\n");
        cli_usage(stderr, &tool);
        return 1;
    }
    int prc = cli_opts_parse(&r.o, &tool, argc, argv);
    if (prc != 0)
        return prc == 2 ? 0 : 1;
    int rc = 1;
    r.action = check_args(&r.o);
    if (r.action && int_opt(&r.o, "partitions", &r.partitions) &&
        int_opt(&r.o, "replication-factor", &r.rf) &&
        (!cli_get(&r.o, "replica-assignment", NULL) || !*cli_get(&r.o, "replica-assignment", "") ||
         parse_assignment(cli_get(&r.o, "replica-assignment", ""), &r.ra)) &&
        compile_filter(&r) == 0)
        rc = execute(&r);
    if (r.q)
        rd_kafka_queue_destroy(r.q);
    if (r.rk)
        rd_kafka_destroy(r.rk);
    cli_conf_destroy(&r.c);
    if (r.have_re)
        regfree(&r.re);
    assignment_free(&r.ra);
    cli_opts_free(&r.o);
    return rc;
}
