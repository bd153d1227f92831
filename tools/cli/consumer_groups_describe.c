/*
 * consumer_groups_describe.c — kafka-consumer-groups --describe: the offsets
 * view (committed offset, log-end offset and lag per partition, with the
 * member that owns it), --members [--verbose] and --state, each group after
 * Kafka's notice for its state, in Kafka's widths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer_groups.h"
#include "core/mem.h"

/*
 * Kafka's shouldPrintMemberState: the notice for the group's state; whether
 * its table follows (not for a dead group, nor without rows).
 */
static bool print_state_notice(const char *group, rd_kafka_consumer_group_state_t st, size_t rows)
{
    switch (st) {
    case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD:
        cg_error("Consumer group '%s' does not exist.", group);
        return false;
    case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY:
        fflush(stdout);
        fprintf(stderr, "\nConsumer group '%s' has no active members.\n", group);
        break;
    case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE:
    case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE:
        fflush(stdout);
        fprintf(stderr, "\nWarning: Consumer group '%s' is rebalancing.\n", group);
        break;
    default:
        break;
    }
    return rows > 0;
}

/* One row of the offsets table. */
typedef struct offset_row {
    char *topic; /* owned */
    int32_t partition;
    int64_t offset, end; /* -1: none / unknown */
    const char *consumer, *host, *client;
} offset_row_t;

/* Members by number of assigned partitions, most first (Kafka sorts them so; stable). */
static void sort_members(const rd_kafka_MemberDescription_t **m, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            const rd_kafka_topic_partition_list_t *a = rd_kafka_MemberAssignment_partitions(
                rd_kafka_MemberDescription_assignment(m[j - 1]));
            const rd_kafka_topic_partition_list_t *b =
                rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m[j]));
            if ((a ? a->cnt : 0) >= (b ? b->cnt : 0))
                break;
            const rd_kafka_MemberDescription_t *t = m[j - 1];
            m[j - 1] = m[j];
            m[j] = t;
        }
}

static void add_rows(cg_t *g, offset_row_t **rows, size_t *n, rd_kafka_topic_partition_list_t *tps,
                     const rd_kafka_topic_partition_list_t *committed, const char *consumer,
                     const char *host, const char *client)
{
    rd_kafka_topic_partition_list_sort(tps, NULL, NULL);
    for (int i = 0; i < tps->cnt; i++) {
        offset_row_t r = {lode_xstrdup(tps->elems[i].topic),
                          tps->elems[i].partition,
                          -1,
                          -1,
                          consumer,
                          host,
                          client};
        r.offset = cg_offset_of(committed, r.topic, r.partition);
        int64_t start;
        if (!cg_log_offsets(g, r.topic, r.partition, &start, &r.end))
            r.end = -1;
        *rows = lode_xrealloc(*rows, (*n + 1) * sizeof **rows);
        (*rows)[(*n)++] = r;
    }
}

static int maxw(int w, const char *s)
{
    int l = (int)strlen(s);
    return l > w ? l : w;
}

static void print_offsets(const char *group, const offset_row_t *rows, size_t n)
{
    int gw = maxw(15, group), tw = 15, cw = 15, hw = 15;
    for (size_t i = 0; i < n; i++) {
        tw = maxw(tw, rows[i].topic);
        cw = maxw(cw, rows[i].consumer);
        hw = maxw(hw, rows[i].host);
    }
    printf("\n%-*s %-*s %-10s %-15s %-15s %-15s %-*s %-*s %s", gw, "GROUP", tw, "TOPIC",
           "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", cw, "CONSUMER-ID", hw, "HOST",
           "CLIENT-ID");
    for (size_t i = 0; i < n; i++) {
        const offset_row_t *r = &rows[i];
        char off[24] = CG_MISSING, end[24] = CG_MISSING, lag[24] = CG_MISSING;
        if (r->offset >= 0)
            snprintf(off, sizeof off, "%lld", (long long)r->offset);
        if (r->end >= 0)
            snprintf(end, sizeof end, "%lld", (long long)r->end);
        if (r->offset >= 0 && r->end >= 0)
            snprintf(lag, sizeof lag, "%lld", (long long)(r->end - r->offset));
        printf("\n%-*s %-*s %-10d %-15s %-15s %-15s %-*s %-*s %s", gw, group, tw, r->topic,
               r->partition, off, end, lag, cw, r->consumer, hw, r->host, r->client);
    }
    printf("\n");
}

/* --describe [--offsets]: a row per assigned partition, then committed ones nobody owns. */
static int describe_offsets(cg_t *g, const rd_kafka_ConsumerGroupDescription_t *d)
{
    const char *group = rd_kafka_ConsumerGroupDescription_group_id(d);
    rd_kafka_consumer_group_state_t st = cg_state(d);
    rd_kafka_topic_partition_list_t *committed = cg_committed(g, group);
    if (!committed)
        return 1;
    size_t nm = st == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD
                    ? 0
                    : rd_kafka_ConsumerGroupDescription_member_count(d);
    const rd_kafka_MemberDescription_t **m = lode_xcalloc(nm + 1, sizeof *m);
    for (size_t i = 0; i < nm; i++)
        m[i] = rd_kafka_ConsumerGroupDescription_member(d, i);
    sort_members(m, nm);
    offset_row_t *rows = NULL;
    size_t n = 0;
    rd_kafka_topic_partition_list_t *owned = rd_kafka_topic_partition_list_new(0);
    for (size_t i = 0; i < nm; i++) {
        const rd_kafka_topic_partition_list_t *a =
            rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m[i]));
        if (!a || a->cnt == 0)
            continue; /* Kafka shows members without partitions only in --members */
        rd_kafka_topic_partition_list_t *tps = rd_kafka_topic_partition_list_copy(a);
        for (int k = 0; k < tps->cnt; k++)
            rd_kafka_topic_partition_list_add(owned, tps->elems[k].topic, tps->elems[k].partition);
        add_rows(g, &rows, &n, tps, committed, rd_kafka_MemberDescription_consumer_id(m[i]),
                 rd_kafka_MemberDescription_host(m[i]), rd_kafka_MemberDescription_client_id(m[i]));
        rd_kafka_topic_partition_list_destroy(tps);
    }
    rd_kafka_topic_partition_list_t *unowned = rd_kafka_topic_partition_list_new(0);
    for (int i = 0; i < committed->cnt; i++)
        if (!rd_kafka_topic_partition_list_find(owned, committed->elems[i].topic,
                                                committed->elems[i].partition))
            rd_kafka_topic_partition_list_add(unowned, committed->elems[i].topic,
                                              committed->elems[i].partition);
    add_rows(g, &rows, &n, unowned, committed, CG_MISSING, CG_MISSING, CG_MISSING);
    if (print_state_notice(group, st, n))
        print_offsets(group, rows, n);
    for (size_t i = 0; i < n; i++)
        free(rows[i].topic);
    free(rows);
    rd_kafka_topic_partition_list_destroy(owned);
    rd_kafka_topic_partition_list_destroy(unowned);
    rd_kafka_topic_partition_list_destroy(committed);
    free(m);
    return st == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Kafka's verbose ASSIGNMENT: per topic "(p,p)" with partitions sorted as strings, the
 * topics' groups sorted as strings and joined by ", " (topic names are not shown). */
static void print_assignment(const rd_kafka_topic_partition_list_t *a)
{
    if (!a || a->cnt == 0) {
        printf("%s", CG_MISSING);
        return;
    }
    cg_strs_t topics = {0}, groups = {0};
    for (int i = 0; i < a->cnt; i++)
        cg_strs_add(&topics, a->elems[i].topic);
    cg_strs_sort_unique(&topics);
    for (size_t t = 0; t < topics.n; t++) {
        cg_strs_t parts = {0};
        for (int i = 0; i < a->cnt; i++)
            if (!strcmp(a->elems[i].topic, topics.v[t])) {
                char p[16];
                snprintf(p, sizeof p, "%d", a->elems[i].partition);
                cg_strs_add(&parts, p);
            }
        qsort(parts.v, parts.n, sizeof *parts.v, cmp_str);
        size_t len = 3;
        for (size_t i = 0; i < parts.n; i++)
            len += strlen(parts.v[i]) + 1;
        char *s = lode_xcalloc(1, len);
        strcat(s, "(");
        for (size_t i = 0; i < parts.n; i++) {
            if (i)
                strcat(s, ",");
            strcat(s, parts.v[i]);
        }
        strcat(s, ")");
        cg_strs_add(&groups, s);
        free(s);
        cg_strs_free(&parts);
    }
    qsort(groups.v, groups.n, sizeof *groups.v, cmp_str);
    for (size_t i = 0; i < groups.n; i++)
        printf("%s%s", i ? ", " : "", groups.v[i]);
    cg_strs_free(&groups);
    cg_strs_free(&topics);
}

static int describe_members(const rd_kafka_ConsumerGroupDescription_t *d, bool verbose)
{
    const char *group = rd_kafka_ConsumerGroupDescription_group_id(d);
    rd_kafka_consumer_group_state_t st = cg_state(d);
    size_t n = st == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD
                   ? 0
                   : rd_kafka_ConsumerGroupDescription_member_count(d);
    int gw = 15, cw = 15, iw = 17, hw = 15, lw = 15;
    bool instance = false;
    if (print_state_notice(group, st, n)) {
        for (size_t i = 0; i < n; i++) {
            const rd_kafka_MemberDescription_t *m = rd_kafka_ConsumerGroupDescription_member(d, i);
            const char *gi = rd_kafka_MemberDescription_group_instance_id(m);
            gw = maxw(gw, group);
            cw = maxw(cw, rd_kafka_MemberDescription_consumer_id(m));
            iw = maxw(iw, gi ? gi : "");
            hw = maxw(hw, rd_kafka_MemberDescription_host(m));
            lw = maxw(lw, rd_kafka_MemberDescription_client_id(m));
            instance |= gi && *gi;
        }
    }
    /* as Kafka, the header comes even when the notice said there is nothing to show */
    if (instance)
        printf("\n%-*s %-*s %-*s %-*s %-*s %-15s ", gw, "GROUP", cw, "CONSUMER-ID", iw,
               "GROUP-INSTANCE-ID", hw, "HOST", lw, "CLIENT-ID", "#PARTITIONS");
    else
        printf("\n%-*s %-*s %-*s %-*s %-15s ", gw, "GROUP", cw, "CONSUMER-ID", hw, "HOST", lw,
               "CLIENT-ID", "#PARTITIONS");
    if (verbose)
        printf("ASSIGNMENT");
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        const rd_kafka_MemberDescription_t *m = rd_kafka_ConsumerGroupDescription_member(d, i);
        const rd_kafka_topic_partition_list_t *a =
            rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m));
        const char *gi = rd_kafka_MemberDescription_group_instance_id(m);
        if (instance)
            printf("%-*s %-*s %-*s %-*s %-*s %-15d ", gw, group, cw,
                   rd_kafka_MemberDescription_consumer_id(m), iw, gi ? gi : "", hw,
                   rd_kafka_MemberDescription_host(m), lw, rd_kafka_MemberDescription_client_id(m),
                   a ? a->cnt : 0);
        else
            printf("%-*s %-*s %-*s %-*s %-15d ", gw, group, cw,
                   rd_kafka_MemberDescription_consumer_id(m), hw,
                   rd_kafka_MemberDescription_host(m), lw, rd_kafka_MemberDescription_client_id(m),
                   a ? a->cnt : 0);
        if (verbose)
            print_assignment(a);
        printf("\n");
    }
    return st == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD;
}

static int describe_state(const rd_kafka_ConsumerGroupDescription_t *d)
{
    const char *group = rd_kafka_ConsumerGroupDescription_group_id(d);
    rd_kafka_consumer_group_state_t st = cg_state(d);
    if (!print_state_notice(group, st, 1) || st == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD)
        return 1;
    const rd_kafka_Node_t *node = rd_kafka_ConsumerGroupDescription_coordinator(d);
    char coord[300];
    snprintf(coord, sizeof coord, "%s:%u  (%d)", node ? rd_kafka_Node_host(node) : "",
             node ? rd_kafka_Node_port(node) : 0, node ? rd_kafka_Node_id(node) : -1);
    int w = maxw(25, coord);
    const char *assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(d);
    printf("\n%-*s %-25s %-20s %-15s %s", w, "GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY",
           "STATE", "#MEMBERS");
    printf("\n%-*s %-25s %-20s %-15s %zu\n", w, group, coord, assignor ? assignor : "",
           cg_state_name(st), rd_kafka_ConsumerGroupDescription_member_count(d));
    return 0;
}

int cg_describe_groups(cg_t *g)
{
    cg_strs_t ids = {0};
    if (cg_selected_groups(g, &ids) != 0)
        return 1;
    cg_strs_sort_unique(&ids);
    if (ids.n == 0) {
        cg_strs_free(&ids);
        return 0;
    }
    const rd_kafka_ConsumerGroupDescription_t **descs;
    size_t n;
    rd_kafka_event_t *ev = cg_describe(g, ids.v, ids.n, &descs, &n);
    int rc = ev ? 0 : 1;
    for (size_t k = 0; ev && k < ids.n; k++) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(rd_kafka_ConsumerGroupDescription_group_id(descs[i]), ids.v[k]) != 0)
                continue;
            int r;
            if (cli_has(&g->o, "members"))
                r = describe_members(descs[i], cli_has(&g->o, "verbose"));
            else if (cli_has(&g->o, "state"))
                r = describe_state(descs[i]);
            else
                r = describe_offsets(g, descs[i]);
            rc |= r;
            break;
        }
    }
    fflush(stdout);
    if (ev)
        rd_kafka_event_destroy(ev);
    cg_strs_free(&ids);
    return rc;
}
