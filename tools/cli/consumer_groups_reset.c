/*
 * consumer_groups_reset.c — kafka-consumer-groups --reset-offsets, as Kafka
 * 4.0's ConsumerGroupCommand does it.
 *
 * A reset plans a new offset per partition from one scenario (--to-earliest,
 * --to-latest, --to-current, --to-offset, --shift-by, --to-datetime,
 * --by-duration, --from-file), prints the plan (or exports it as CSV), and
 * with --execute commits it — only for groups without active members.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consumer_groups.h"
#include "core/mem.h"

/* Kafka's checkOffsetsRange: a requested offset kept within [log start, log end]. */
static int64_t clamp(cg_t *g, const char *topic, int32_t p, int64_t want)
{
    int64_t lo, hi;
    if (!cg_log_offsets(g, topic, p, &lo, &hi))
        return want;
    if (want > hi) {
        fprintf(stderr,
                "[WARN] New offset (%lld) is higher than latest offset for topic partition "
                "%s-%d. Value will be set to %lld\n",
                (long long)want, topic, p, (long long)hi);
        return hi;
    }
    if (want < lo) {
        fprintf(stderr,
                "[WARN] New offset (%lld) is lower than earliest offset for topic partition "
                "%s-%d. Value will be set to %lld\n",
                (long long)want, topic, p, (long long)lo);
        return lo;
    }
    return want;
}

/* Log start (earliest) or end (latest) offsets into plan; 1 after the usage error. */
static int log_edge(cg_t *g, rd_kafka_topic_partition_list_t *plan, bool latest)
{
    for (int i = 0; i < plan->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &plan->elems[i];
        int64_t lo, hi;
        if (!cg_log_offsets(g, tp->topic, tp->partition, &lo, &hi))
            return cli_usage_error(&g->o, "Error getting %s offset of topic partition: %s-%d",
                                   latest ? "ending" : "starting", tp->topic, tp->partition);
        tp->offset = latest ? hi : lo;
    }
    return 0;
}

/* Offsets for a timestamp; an empty answer falls back to the log end, as Kafka warns. */
static int by_time(cg_t *g, rd_kafka_topic_partition_list_t *plan, int64_t ts)
{
    rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_copy(plan);
    for (int i = 0; i < q->cnt; i++)
        q->elems[i].offset = ts;
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(g->rk, q, g->conf.timeout_ms);
    if (err) {
        rd_kafka_topic_partition_list_destroy(q);
        return cg_failed(rd_kafka_err2str(err));
    }
    for (int i = 0; i < plan->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &plan->elems[i];
        const rd_kafka_topic_partition_t *r =
            rd_kafka_topic_partition_list_find(q, tp->topic, tp->partition);
        if (r && !r->err && r->offset >= 0) {
            tp->offset = r->offset;
            continue;
        }
        printf("\nWarn: Partition %d from topic %s is empty. Falling back to latest known "
               "offset.\n",
               tp->partition, tp->topic);
        int64_t lo, hi;
        if (!cg_log_offsets(g, tp->topic, tp->partition, &lo, &hi)) {
            rd_kafka_topic_partition_list_destroy(q);
            return cli_usage_error(&g->o,
                                   "Error getting offset by timestamp of topic partition: %s-%d",
                                   tp->topic, tp->partition);
        }
        tp->offset = hi;
    }
    rd_kafka_topic_partition_list_destroy(q);
    return 0;
}

/* --from-file: topic,partition,offset lines (one --group) or group,topic,partition,offset. */
static int read_plan_file(cg_t *g, const char *group, rd_kafka_topic_partition_list_t *plan,
                          bool *found)
{
    const char *path = cli_get(&g->o, "from-file", NULL);
    FILE *f = fopen(path, "r");
    if (!f) {
        char why[600];
        snprintf(why, sizeof why, "java.nio.file.NoSuchFileException: %s", path);
        return cg_failed(why);
    }
    size_t ngroups;
    cli_list(&g->o, "group", &ngroups);
    char line[4096];
    bool first = true, three = false;
    *found = false;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        char *field[5] = {0};
        int n = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, ",", &save); t && n < 5; t = strtok_r(NULL, ",", &save))
            field[n++] = t;
        if (first)
            three = n == 3 && ngroups == 1;
        first = false;
        int32_t p;
        int64_t off;
        int base = three ? 0 : 1;
        if (n != (three ? 3 : 4) || !cli_parse_i32(field[base + 1], &p) ||
            !cli_parse_i64(field[base + 2], &off)) {
            char why[600];
            snprintf(why, sizeof why, "invalid reset plan line in %s", path);
            rc = cg_failed(why);
            break;
        }
        if (!three && strcmp(field[0], group) != 0)
            continue;
        *found = true;
        rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(plan, field[base], p);
        if (!tp)
            tp = rd_kafka_topic_partition_list_add(plan, field[base], p);
        tp->offset = off;
    }
    fclose(f);
    return rc;
}

/* The partitions a reset covers: --all-topics (what the group committed) or the --topic args. */
static int scope(cg_t *g, const rd_kafka_topic_partition_list_t *committed,
                 rd_kafka_topic_partition_list_t *plan)
{
    if (cli_has(&g->o, "all-topics")) {
        for (int i = 0; i < committed->cnt; i++)
            rd_kafka_topic_partition_list_add(plan, committed->elems[i].topic,
                                              committed->elems[i].partition);
        return 0;
    }
    size_t n;
    char *const *topics = cli_list(&g->o, "topic", &n);
    for (size_t i = 0; i < n; i++) {
        bool unknown;
        if (cg_topic_arg(g, topics[i], plan, &unknown) != 0)
            return 1;
        if (unknown) {
            char why[600];
            snprintf(why, sizeof why,
                     "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This "
                     "server does not host this topic-partition.");
            return cg_failed(why);
        }
    }
    return 0;
}

/* prepareOffsetsToReset: the new offset of every partition in plan. */
static int plan_offsets(cg_t *g, const char *group,
                        const rd_kafka_topic_partition_list_t *committed,
                        rd_kafka_topic_partition_list_t *plan, bool *skip)
{
    if (cli_has(&g->o, "from-file")) {
        bool found;
        if (read_plan_file(g, group, plan, &found) != 0)
            return 1;
        if (!found) {
            cg_error("No reset plan for group %s found", group);
            *skip = true;
            return 0;
        }
        for (int i = 0; i < plan->cnt; i++)
            plan->elems[i].offset =
                clamp(g, plan->elems[i].topic, plan->elems[i].partition, plan->elems[i].offset);
        return 0;
    }
    if (scope(g, committed, plan) != 0)
        return 1;
    if (cli_has(&g->o, "to-earliest"))
        return log_edge(g, plan, false);
    if (cli_has(&g->o, "to-latest"))
        return log_edge(g, plan, true);
    if (cli_has(&g->o, "to-offset") || cli_has(&g->o, "shift-by")) {
        bool shift = cli_has(&g->o, "shift-by");
        const char *v = cli_get(&g->o, shift ? "shift-by" : "to-offset", NULL);
        int64_t n = 0;
        cli_parse_i64(v, &n); /* checked with the other flags */
        for (int i = 0; i < plan->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &plan->elems[i];
            int64_t want = n;
            if (shift) {
                int64_t cur = cg_offset_of(committed, tp->topic, tp->partition);
                if (cur < 0)
                    return cli_usage_error(&g->o,
                                           "Cannot shift offset for partition %s-%d since there "
                                           "is no current committed offset",
                                           tp->topic, tp->partition);
                want = cur + n;
            }
            tp->offset = clamp(g, tp->topic, tp->partition, want);
        }
        return 0;
    }
    if (cli_has(&g->o, "to-datetime")) {
        const char *v = cli_get(&g->o, "to-datetime", NULL);
        char buf[128];
        /* Kafka appends Z when the time has no zone */
        const char *t = strchr(v, 'T');
        if (t && !strpbrk(t, "+-Z") && strlen(v) < sizeof buf - 2) {
            snprintf(buf, sizeof buf, "%sZ", v);
            v = buf;
        }
        int64_t ts;
        if (!cg_parse_datetime(v, &ts)) {
            char why[300];
            snprintf(why, sizeof why, "java.text.ParseException: Unparseable date: \"%s\"", v);
            return cg_failed(why);
        }
        return by_time(g, plan, ts);
    }
    if (cli_has(&g->o, "by-duration")) {
        int64_t d;
        if (!cg_parse_duration(cli_get(&g->o, "by-duration", ""), &d))
            return cg_failed("Text cannot be parsed to a Duration");
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        return by_time(g, plan, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 - d);
    }
    /* --to-current: the committed offset, else the log end */
    for (int i = 0; i < plan->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &plan->elems[i];
        tp->offset = cg_offset_of(committed, tp->topic, tp->partition);
        int64_t lo, hi;
        if (tp->offset >= 0)
            continue;
        if (!cg_log_offsets(g, tp->topic, tp->partition, &lo, &hi))
            return cli_usage_error(&g->o, "Error getting ending offset of topic partition: %s-%d",
                                   tp->topic, tp->partition);
        tp->offset = hi;
    }
    return 0;
}

/* AlterConsumerGroupOffsets with the plan; 0 or 1 after printing why. */
static int commit_plan(cg_t *g, const char *group, const rd_kafka_topic_partition_list_t *plan)
{
    rd_kafka_AlterConsumerGroupOffsets_t *req = rd_kafka_AlterConsumerGroupOffsets_new(group, plan);
    rd_kafka_AdminOptions_t *ao =
        cli_admin_options(&g->conf, g->rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
    rd_kafka_AlterConsumerGroupOffsets(g->rk, &req, 1, ao, g->q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    rd_kafka_event_t *ev = cli_admin_wait(&g->conf, g->q);
    if (!ev)
        return 1;
    char why[512] = "";
    if (rd_kafka_event_error(ev)) {
        snprintf(why, sizeof why, "%s", rd_kafka_event_error_string(ev));
    } else {
        size_t n = 0;
        const rd_kafka_group_result_t **gr = rd_kafka_AlterConsumerGroupOffsets_result_groups(
            rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
        const rd_kafka_error_t *e = n ? rd_kafka_group_result_error(gr[0]) : NULL;
        const rd_kafka_topic_partition_list_t *parts =
            n ? rd_kafka_group_result_partitions(gr[0]) : NULL;
        if (e)
            cg_exception(rd_kafka_error_code(e), why, sizeof why);
        for (int i = 0; !why[0] && parts && i < parts->cnt; i++)
            if (parts->elems[i].err)
                cg_exception(parts->elems[i].err, why, sizeof why);
    }
    rd_kafka_event_destroy(ev);
    return why[0] ? cg_failed(why) : 0;
}

int cg_reset_offsets(cg_t *g)
{
    cg_strs_t ids = {0};
    if (cg_selected_groups(g, &ids) != 0)
        return 1;
    cg_strs_sort_unique(&ids); /* a group named twice is reset once */
    const rd_kafka_ConsumerGroupDescription_t **descs = NULL;
    size_t nd = 0;
    rd_kafka_event_t *ev = ids.n ? cg_describe(g, ids.v, ids.n, &descs, &nd) : NULL;
    if (ids.n && !ev) {
        cg_strs_free(&ids);
        return 1;
    }
    bool execute = cli_has(&g->o, "execute");
    size_t nplans = 0;
    rd_kafka_topic_partition_list_t **plans = lode_xcalloc(ids.n + 1, sizeof *plans);
    int hard = 0, refused = 0; /* a failure stops; a refused group only counts */
    for (size_t k = 0; !hard && k < ids.n; k++) {
        const rd_kafka_ConsumerGroupDescription_t *d = NULL;
        for (size_t i = 0; i < nd; i++)
            if (!strcmp(rd_kafka_ConsumerGroupDescription_group_id(descs[i]), ids.v[k]))
                d = descs[i];
        rd_kafka_consumer_group_state_t st = d ? cg_state(d) : RD_KAFKA_CONSUMER_GROUP_STATE_DEAD;
        plans[k] = rd_kafka_topic_partition_list_new(0);
        nplans = k + 1;
        if (st != RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY && st != RD_KAFKA_CONSUMER_GROUP_STATE_DEAD) {
            cg_error("Assignments can only be reset if the group '%s' is inactive, but the "
                     "current state is %s.",
                     ids.v[k], cg_state_name(st));
            refused = 1;
            continue;
        }
        rd_kafka_topic_partition_list_t *committed = cg_committed(g, ids.v[k]);
        if (!committed) {
            hard = 1;
            break;
        }
        bool skip = false;
        hard = plan_offsets(g, ids.v[k], committed, plans[k], &skip);
        rd_kafka_topic_partition_list_destroy(committed);
        rd_kafka_topic_partition_list_sort(plans[k], NULL, NULL);
        if (!hard && !skip && execute && plans[k]->cnt > 0)
            hard = commit_plan(g, ids.v[k], plans[k]);
        refused |= skip;
    }
    /* Kafka prints the plan table even when every group was refused */
    bool planned = !hard;
    size_t ngroups;
    cli_list(&g->o, "group", &ngroups);
    if (planned && cli_has(&g->o, "export")) {
        for (size_t k = 0; k < nplans; k++)
            for (int i = 0; i < plans[k]->cnt; i++) {
                const rd_kafka_topic_partition_t *tp = &plans[k]->elems[i];
                if (ngroups == 1)
                    printf("%s,%d,%lld\n", tp->topic, tp->partition, (long long)tp->offset);
                else
                    printf("%s,%s,%d,%lld\n", ids.v[k], tp->topic, tp->partition,
                           (long long)tp->offset);
            }
        printf("\n");
    } else if (planned && nplans > 0) {
        printf("\n%-30s %-30s %-10s %-15s", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
        for (size_t k = 0; k < nplans; k++)
            for (int i = 0; i < plans[k]->cnt; i++)
                printf("\n%-30s %-30s %-10d %-15lld", ids.v[k], plans[k]->elems[i].topic,
                       plans[k]->elems[i].partition, (long long)plans[k]->elems[i].offset);
        printf("\n");
    }
    for (size_t k = 0; k < nplans; k++)
        rd_kafka_topic_partition_list_destroy(plans[k]);
    free(plans);
    if (ev)
        rd_kafka_event_destroy(ev);
    cg_strs_free(&ids);
    return hard || refused;
}
