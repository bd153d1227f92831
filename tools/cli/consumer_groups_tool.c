/*
 * `lode consumer-groups` — Kafka's kafka-consumer-groups (ConsumerGroupCommand
 * in Kafka 4.0): list, describe, delete consumer groups, delete their
 * offsets, reset their offsets. Flags, checks, messages and tables follow
 * Kafka's so scripts written against Kafka read the same text:
 *
 *   kafka-consumer-groups --bootstrap-server localhost:9092 --group g --describe
 *
 * This file: the flags and their checks, --list, --delete.
 * consumer_groups_describe.c: --describe.
 * consumer_groups_reset.c, consumer_groups_time.c: --reset-offsets.
 * consumer_groups_delete_offsets.c: --delete-offsets.
 * consumer_groups_admin.c: the broker look-ups they share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "consumer_groups.h"
#include "core/mem.h"

static const cli_optdef_t defs[] = {
    {"all-groups", CLI_FLAG, NULL, "Apply to all consumer groups."},
    {"all-topics", CLI_FLAG, NULL,
     "Consider all topics assigned to a group in the `reset-offsets` process."},
    {"bootstrap-server", CLI_VALUE, "String: server to connect to",
     "REQUIRED: The server(s) to connect to."},
    {"by-duration", CLI_VALUE, "String: duration",
     "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'"},
    {"command-config", CLI_VALUE, "String: command config property file",
     "Property file containing configs to be passed to Admin Client and Consumer."},
    {"delete", CLI_FLAG, NULL,
     "Pass in groups to delete topic partition offsets and ownership "
     "information over the entire consumer group."},
    {"delete-offsets", CLI_FLAG, NULL,
     "Delete offsets of consumer group. Supports one consumer "
     "group at the time, and multiple topics."},
    {"describe", CLI_FLAG, NULL,
     "Describe consumer group and list offset lag (number of "
     "messages not yet processed) related to given group."},
    {"dry-run", CLI_FLAG, NULL,
     "Only show results without executing changes on Consumer "
     "Groups. Supported operations: reset-offsets."},
    {"execute", CLI_FLAG, NULL, "Execute operation. Supported operations: reset-offsets."},
    {"export", CLI_FLAG, NULL,
     "Export operation execution to a CSV file. Supported "
     "operations: reset-offsets."},
    {"from-file", CLI_VALUE, "String: path to CSV file",
     "Reset offsets to values defined in CSV file."},
    {"group", CLI_LIST, "String: consumer group", "The consumer group we wish to act on."},
    {"list", CLI_FLAG, NULL, "List all consumer groups."},
    {"members", CLI_FLAG, NULL,
     "Describe members of the group. This option may be used with "
     "'--describe' and '--bootstrap-server' options only."},
    {"offsets", CLI_FLAG, NULL,
     "Describe the group and list all topic partitions in the group "
     "along with their offset lag. This is the default sub-action."},
    {"reset-offsets", CLI_FLAG, NULL,
     "Reset offsets of consumer group. Supports one consumer group at the time, and instances "
     "should be inactive. Has 2 execution options: --dry-run (the default) and --execute."},
    {"shift-by", CLI_VALUE, "Long: number-of-offsets",
     "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative."},
    {"state", CLI_VALUE, "String",
     "When specified with '--describe', includes the state of the group. When specified with "
     "'--list', it displays the state of all groups. It can also be used to list groups with "
     "specific states (comma-separated, e.g. 'Stable,Empty')."},
    {"timeout", CLI_VALUE, "Long: timeout (ms)",
     "The timeout for the calls to the cluster (default: default.api.timeout.ms, 60000)."},
    {"to-current", CLI_FLAG, NULL, "Reset offsets to current offset."},
    {"to-datetime", CLI_VALUE, "String: datetime",
     "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'"},
    {"to-earliest", CLI_FLAG, NULL, "Reset offsets to earliest offset."},
    {"to-latest", CLI_FLAG, NULL, "Reset offsets to latest offset."},
    {"to-offset", CLI_VALUE, "Long: offset", "Reset offsets to a specific offset."},
    {"topic", CLI_LIST, "String: topic",
     "The topic whose consumer group information should be deleted or topic whose should be "
     "included in the reset offset process. In `reset-offsets` case, partitions can be "
     "specified using this format: `topic1:0,1,2`."},
    {"verbose", CLI_FLAG, NULL,
     "Provide additional information, if any, when describing the "
     "group. This option may be used with '--offsets'/'--members'/"
     "'--state' and '--bootstrap-server' options only."},
    CLI_OPT_END,
};

static const cli_tool_t tool = {
    "kafka-consumer-groups",
    "This tool helps to list all consumer groups, describe a consumer group, delete consumer "
    "group info, or reset consumer group offsets.",
    defs,
};

static const char *const actions[] = {"list", "describe", "delete", "reset-offsets",
                                      "delete-offsets"};
static const char *const scenarios[] = {"to-offset",   "shift-by",  "to-datetime", "by-duration",
                                        "to-earliest", "to-latest", "to-current",  "from-file"};
#define NSCENARIOS (sizeof scenarios / sizeof *scenarios)

/* Kafka's CommandLineUtils.checkInvalidArgs: `used` excludes each of `others`. */
static int exclusive(const cli_opts_t *o, const char *used, const char *const *others, size_t n)
{
    if (!cli_has(o, used))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(others[i], used) != 0 && cli_has(o, others[i]))
            return cli_usage_error(o, "Option \"[%s]\" can't be used with option \"[%s]\"", used,
                                   others[i]);
    return 0;
}

/* jopt's availableIf: the option is only accepted next to one of `with`. */
static int available_if(const cli_opts_t *o, const char *name, const char *const *with, size_t n)
{
    if (!cli_has(o, name))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (cli_has(o, with[i]))
            return 0;
    return cli_usage_error(
        o, "Option(s) [%s] are unavailable given other options on the command line", name);
}

/* ConsumerGroupCommandOptions.checkArgs, then main's one-action check. */
static int check_args(const cli_opts_t *o)
{
    if (o->npositional > 0)
        return cli_usage_error(o, "Found non-option argument '%s'", o->positional[0]);
    static const char *const describe[] = {"describe"};
    static const char *const describe_list[] = {"describe", "list"};
    static const char *const reset[] = {"reset-offsets"};
    int rc = available_if(o, "members", describe, 1) || available_if(o, "verbose", describe, 1) ||
             available_if(o, "offsets", describe, 1) || available_if(o, "state", describe_list, 2);
    /* Kafka ignores the reset flags elsewhere; lode refuses what it would not use */
    static const char *const reset_only[] = {"all-topics", "dry-run", "execute", "export"};
    for (size_t i = 0; !rc && i < 4; i++)
        rc = available_if(o, reset_only[i], reset, 1);
    for (size_t i = 0; !rc && i < NSCENARIOS; i++)
        rc = available_if(o, scenarios[i], reset, 1);
    if (rc)
        return 1;
    /* jopt converts Long options while parsing */
    static const char *const longs[] = {"to-offset", "shift-by", "timeout"};
    for (size_t i = 0; i < 3; i++) {
        int64_t v;
        const char *s = cli_get(o, longs[i], NULL);
        if (s && !cli_parse_i64(s, &v))
            return cli_usage_error(o, "Cannot parse argument '%s' of option %s", s, longs[i]);
    }
    if (!cli_has(o, "bootstrap-server"))
        return cli_usage_error(o, "Missing required argument \"[bootstrap-server]\"");
    bool scope = cli_has(o, "group") || cli_has(o, "all-groups");
    if (cli_has(o, "describe")) {
        if (!scope)
            return cli_usage_error(
                o, "Option [describe] takes one of these options: [group], [all-groups]");
        int subs = cli_has(o, "members") + cli_has(o, "offsets") + cli_has(o, "state");
        if (subs > 1)
            return cli_usage_error(o, "Option [describe] takes at most one of these options: "
                                      "[members], [offsets], [state]");
        if (cli_has(o, "state") && *cli_get(o, "state", ""))
            return cli_usage_error(o, "Option [describe] does not take a value for [state]");
    }
    if (cli_has(o, "delete")) {
        if (!scope)
            return cli_usage_error(
                o, "Option [delete] takes one of these options: [group], [all-groups]");
        if (cli_has(o, "topic"))
            return cli_usage_error(o, "The consumer does not support topic-specific offset "
                                      "deletion from a consumer group.");
    }
    if (cli_has(o, "delete-offsets") && (!cli_has(o, "group") || !cli_has(o, "topic")))
        return cli_usage_error(
            o, "Option [delete-offsets] takes the following options: [group], [topic]");
    if (cli_has(o, "reset-offsets")) {
        if (cli_has(o, "dry-run") && cli_has(o, "execute"))
            return cli_usage_error(o, "Option [reset-offsets] only accepts one of [execute] "
                                      "and [dry-run]");
        if (!cli_has(o, "dry-run") && !cli_has(o, "execute"))
            fprintf(stderr,
                    "WARN: No action will be performed as the --execute option is missing.In a "
                    "future major release, the default behavior of this command will be to "
                    "prompt the user before executing the reset rather than doing a dry run. You "
                    "should add the --dry-run option explicitly if you are scripting this "
                    "command and want to keep the current default behavior without prompting.\n");
        if (!scope)
            return cli_usage_error(
                o, "Option [reset-offsets] takes one of these options: [group], [all-groups]");
        for (size_t i = 0; i < NSCENARIOS; i++)
            if (exclusive(o, scenarios[i], scenarios, NSCENARIOS))
                return 1;
    }
    static const char *const all_groups[] = {"all-groups"};
    static const char *const not_group[] = {"list"};
    static const char *const not_topic[] = {"list", "describe"};
    if (exclusive(o, "group", all_groups, 1) || exclusive(o, "group", not_group, 1) ||
        exclusive(o, "topic", not_topic, 2))
        return 1;
    if (cli_one_action(o, actions, sizeof actions / sizeof *actions) < 0)
        return 1;
    if (cli_has(o, "reset-offsets")) {
        size_t n = 0;
        for (size_t i = 0; i < NSCENARIOS; i++)
            n += cli_has(o, scenarios[i]);
        if (n == 0)
            return cli_usage_error(
                o, "Option '[reset-offsets]' requires one of the following scenarios: "
                   "[[to-offset], [shift-by], [to-datetime], [by-duration], [to-earliest], "
                   "[to-latest], [to-current], [from-file]]");
        if (!cli_has(o, "all-topics") && !cli_has(o, "topic") && !cli_has(o, "from-file"))
            return cli_usage_error(
                o, "One of the reset scopes should be defined: --all-topics, --topic.");
        if (cli_has(o, "all-topics") && cli_has(o, "topic"))
            return cli_usage_error(o, "Option \"[all-topics]\" can't be used with option "
                                      "\"[topic]\"");
    }
    return 0;
}

/* The states a --list --state filter names, as a bit set; -1 after the usage error. */
static int state_filter(const cli_opts_t *o, const char *csv)
{
    int set = 0;
    char *copy = lode_xstrdup(csv), *save = NULL;
    for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
        while (*s == ' ')
            s++;
        size_t len = strlen(s);
        while (len && s[len - 1] == ' ')
            s[--len] = '\0';
        int bit = -1;
        for (int st = 1; st < RD_KAFKA_CONSUMER_GROUP_STATE__CNT; st++)
            if (!strcasecmp(s, cg_state_name(st)))
                bit = st;
        /* states of the new consumer protocol: valid, though classic groups never have them */
        if (!strcasecmp(s, "Assigning") || !strcasecmp(s, "Reconciling"))
            bit = RD_KAFKA_CONSUMER_GROUP_STATE__CNT;
        if (bit < 0) {
            free(copy);
            cli_usage_error(o,
                            "Invalid state list '%s'. Valid states are: PreparingRebalance, "
                            "CompletingRebalance, Stable, Dead, Empty, Assigning, Reconciling",
                            csv);
            return -1;
        }
        set |= 1 << bit;
    }
    free(copy);
    return set;
}

static int list_groups(cg_t *g)
{
    int filter = 0;
    bool with_state = cli_has(&g->o, "state");
    const char *csv = cli_get(&g->o, "state", "");
    if (with_state && *csv && (filter = state_filter(&g->o, csv)) < 0)
        return 1;
    cg_strs_t ids = {0};
    rd_kafka_consumer_group_state_t *states = NULL;
    if (cg_list(g, &ids, &states) != 0)
        return 1;
    if (!with_state) {
        for (size_t i = 0; i < ids.n; i++)
            printf("%s\n", ids.v[i]);
    } else {
        int w = 15;
        for (size_t i = 0; i < ids.n; i++)
            if ((!filter || filter & (1 << states[i])) && (int)strlen(ids.v[i]) > w)
                w = (int)strlen(ids.v[i]);
        w += 10;
        printf("%-*s %-20s\n", w, "GROUP", "STATE");
        for (size_t i = 0; i < ids.n; i++)
            if (!filter || filter & (1 << states[i]))
                printf("%-*s %-20s\n", w, ids.v[i], cg_state_name(states[i]));
    }
    free(states);
    cg_strs_free(&ids);
    return 0;
}

static int delete_groups(cg_t *g)
{
    cg_strs_t ids = {0};
    if (cg_selected_groups(g, &ids) != 0)
        return 1;
    if (ids.n == 0) { /* --all-groups of none: Kafka reports an empty success */
        printf("Deletion of requested consumer groups ('') was successful.\n");
        return 0;
    }
    rd_kafka_DeleteGroup_t **del = lode_xcalloc(ids.n + 1, sizeof *del);
    for (size_t i = 0; i < ids.n; i++)
        del[i] = rd_kafka_DeleteGroup_new(ids.v[i]);
    rd_kafka_AdminOptions_t *ao =
        cli_admin_options(&g->conf, g->rk, RD_KAFKA_ADMIN_OP_DELETEGROUPS);
    rd_kafka_DeleteGroups(g->rk, del, ids.n, ao, g->q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_DeleteGroup_destroy_array(del, ids.n);
    free(del);
    rd_kafka_event_t *ev = cli_admin_wait(&g->conf, g->q);
    int rc = 1;
    if (!ev)
        goto out;
    if (rd_kafka_event_error(ev)) {
        cg_failed(rd_kafka_event_error_string(ev));
        goto out;
    }
    size_t n = 0;
    const rd_kafka_group_result_t **res =
        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
    cg_strs_t ok = {0};
    size_t nfailed = 0;
    for (size_t i = 0; i < n; i++) {
        if (rd_kafka_group_result_error(res[i]))
            nfailed++;
        else
            cg_strs_add(&ok, rd_kafka_group_result_name(res[i]));
    }
    if (nfailed == 0) {
        printf("Deletion of requested consumer groups ('");
        for (size_t i = 0; i < ok.n; i++)
            printf("%s%s", i ? ", " : "", ok.v[i]);
        printf("') was successful.\n");
        rc = 0;
    } else {
        cg_error("Deletion of some consumer groups failed:");
        for (size_t i = 0; i < n; i++) {
            const rd_kafka_error_t *e = rd_kafka_group_result_error(res[i]);
            if (!e)
                continue;
            char why[512];
            printf("* Group '%s' could not be deleted due to: "
                   "java.util.concurrent.ExecutionException: %s\n",
                   rd_kafka_group_result_name(res[i]),
                   cg_exception(rd_kafka_error_code(e), why, sizeof why));
        }
        if (ok.n) {
            /* Kafka's own punctuation, quirks included */
            printf("\nThese consumer groups were deleted successfully: '");
            for (size_t i = 0; i < ok.n; i++)
                printf("%s%s", i ? "'" : "", ok.v[i]);
            printf("', '\n");
        }
    }
    cg_strs_free(&ok);
out:
    if (ev)
        rd_kafka_event_destroy(ev);
    cg_strs_free(&ids);
    return rc;
}

/*
 * --state takes an optional value (jopt's withOptionalArg): "--state" alone,
 * or followed by another flag, is the flag without a value. The shared parser
 * only knows required values, so such a bare --state becomes "--state=".
 */
static char **optional_state_value(int argc, char **argv)
{
    char **out = lode_xcalloc((size_t)argc + 1, sizeof *out);
    for (int a = 0; a < argc; a++) {
        out[a] = argv[a];
        const char *s = argv[a];
        size_t len = strlen(s);
        bool is_state = a > 0 && len >= 4 && len <= 7 && !strncmp(s, "--", 2) &&
                        !strncmp(s + 2, "state", len - 2);
        if (is_state && (a + 1 >= argc || !strncmp(argv[a + 1], "--", 2)))
            out[a] = "--state=";
    }
    return out;
}

static int run(cg_t *g)
{
    const char *timeout = cli_get(&g->o, "timeout", NULL);
    int32_t t;
    if (timeout && (!cli_parse_i32(timeout, &t) || t <= 0))
        return cli_usage_error(&g->o, "--timeout must be a positive number of milliseconds");
    const char *files[] = {cli_get(&g->o, "command-config", NULL)};
    if (cli_conf_init(&g->conf, tool.name, cli_get(&g->o, "bootstrap-server", NULL), files, 1, NULL,
                      0) != 0)
        return 1;
    if (timeout)
        g->conf.timeout_ms = t;
    /* log-end offsets are high watermarks, as Kafka's admin client reads them */
    if (cli_conf_set(&g->conf, "isolation.level", "read_uncommitted") != 0 ||
        !(g->rk = cli_client_new(&g->conf, RD_KAFKA_CONSUMER)))
        return 1;
    g->q = rd_kafka_queue_new(g->rk);
    int rc;
    if (cli_has(&g->o, "list"))
        rc = list_groups(g);
    else if (cli_has(&g->o, "describe"))
        rc = cg_describe_groups(g);
    else if (cli_has(&g->o, "delete"))
        rc = delete_groups(g);
    else if (cli_has(&g->o, "reset-offsets"))
        rc = cg_reset_offsets(g);
    else
        rc = cg_delete_offsets(g);
    fflush(stdout);
    if (g->md)
        rd_kafka_metadata_destroy(g->md);
    rd_kafka_queue_destroy(g->q);
    rd_kafka_destroy(g->rk);
    return rc;
}

int lode_cli_consumer_groups(int argc, char **argv)
{
    cg_t g;
    memset(&g, 0, sizeof g);
    char **args = optional_state_value(argc, argv);
    int rc = cli_opts_parse(&g.o, &tool, argc, args);
    if (rc == 0 && argc < 2) {
        cli_usage(stderr, &tool); /* Kafka: the synopsis and the options, exit 1 */
        rc = 1;
    } else if (rc == 0)
        rc = check_args(&g.o);
    if (rc == 0)
        rc = run(&g);
    else
        rc = rc == 2 ? 0 : 1;
    cli_opts_free(&g.o);
    free(args);
    return rc;
}
