/*
 * consumer_groups_admin.c — the broker look-ups kafka-consumer-groups'
 * actions share (see consumer_groups.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer_groups.h"
#include "core/mem.h"

void cg_strs_add(cg_strs_t *s, const char *v)
{
    s->v = lode_xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    s->v[s->n++] = lode_xstrdup(v);
}

void cg_strs_free(cg_strs_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cg_strs_sort_unique(cg_strs_t *s)
{
    if (s->n == 0)
        return;
    qsort(s->v, s->n, sizeof *s->v, cmp_str);
    size_t w = 1;
    for (size_t r = 1; r < s->n; r++) {
        if (strcmp(s->v[r], s->v[w - 1]) == 0)
            free(s->v[r]);
        else
            s->v[w++] = s->v[r];
    }
    s->n = w;
}

void cg_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("\nError: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
}

int cg_failed(const char *why)
{
    cg_error("Executing consumer group command failed due to %s", why);
    return 1;
}

/* The event's top-level error, reported as Kafka's catch-all; 0 when none. */
static int event_failed(rd_kafka_event_t *ev)
{
    if (!rd_kafka_event_error(ev))
        return 0;
    char why[512];
    snprintf(why, sizeof why, "%s", rd_kafka_event_error_string(ev));
    return cg_failed(why);
}

int cg_list(cg_t *g, cg_strs_t *ids, rd_kafka_consumer_group_state_t **states)
{
    rd_kafka_AdminOptions_t *ao =
        cli_admin_options(&g->conf, g->rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    rd_kafka_ListConsumerGroups(g->rk, ao, g->q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_event_t *ev = cli_admin_wait(&g->conf, g->q);
    if (!ev || event_failed(ev)) {
        if (ev)
            rd_kafka_event_destroy(ev);
        return 1;
    }
    const rd_kafka_ListConsumerGroups_result_t *res = rd_kafka_event_ListConsumerGroups_result(ev);
    size_t nerr = 0, n = 0;
    const rd_kafka_error_t **errs = rd_kafka_ListConsumerGroups_result_errors(res, &nerr);
    const rd_kafka_ConsumerGroupListing_t **l = rd_kafka_ListConsumerGroups_result_valid(res, &n);
    if (nerr > 0) {
        /* Kafka's listConsumerGroups().all() fails on any broker's error */
        char why[512];
        snprintf(why, sizeof why, "%s", rd_kafka_error_string(errs[0]));
        rd_kafka_event_destroy(ev);
        return cg_failed(why);
    }
    if (states)
        *states = lode_xcalloc(n + 1, sizeof **states);
    for (size_t i = 0; i < n; i++) {
        cg_strs_add(ids, rd_kafka_ConsumerGroupListing_group_id(l[i]));
        if (states)
            (*states)[i] = rd_kafka_ConsumerGroupListing_state(l[i]);
    }
    rd_kafka_event_destroy(ev);
    return 0;
}

int cg_selected_groups(cg_t *g, cg_strs_t *ids)
{
    if (cli_has(&g->o, "all-groups"))
        return cg_list(g, ids, NULL);
    size_t n;
    char *const *v = cli_list(&g->o, "group", &n);
    for (size_t i = 0; i < n; i++)
        cg_strs_add(ids, v[i]);
    return 0;
}

rd_kafka_event_t *cg_describe(cg_t *g, char *const *ids, size_t nids,
                              const rd_kafka_ConsumerGroupDescription_t ***descs, size_t *n)
{
    rd_kafka_AdminOptions_t *ao =
        cli_admin_options(&g->conf, g->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
    rd_kafka_DescribeConsumerGroups(g->rk, (const char **)ids, nids, ao, g->q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_event_t *ev = cli_admin_wait(&g->conf, g->q);
    if (!ev || event_failed(ev)) {
        if (ev)
            rd_kafka_event_destroy(ev);
        return NULL;
    }
    const rd_kafka_DescribeConsumerGroups_result_t *res =
        rd_kafka_event_DescribeConsumerGroups_result(ev);
    *descs =
        (const rd_kafka_ConsumerGroupDescription_t **)rd_kafka_DescribeConsumerGroups_result_groups(
            res, n);
    for (size_t i = 0; i < *n; i++) {
        const rd_kafka_error_t *e = rd_kafka_ConsumerGroupDescription_error((*descs)[i]);
        if (e && rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
            char why[512];
            snprintf(why, sizeof why, "%s", rd_kafka_error_string(e));
            rd_kafka_event_destroy(ev);
            cg_failed(why);
            return NULL;
        }
    }
    return ev;
}

rd_kafka_consumer_group_state_t cg_state(const rd_kafka_ConsumerGroupDescription_t *d)
{
    if (rd_kafka_ConsumerGroupDescription_error(d))
        return RD_KAFKA_CONSUMER_GROUP_STATE_DEAD; /* GROUP_ID_NOT_FOUND */
    return rd_kafka_ConsumerGroupDescription_state(d);
}

const char *cg_state_name(rd_kafka_consumer_group_state_t s)
{
    return rd_kafka_consumer_group_state_name(s);
}

rd_kafka_topic_partition_list_t *cg_committed(cg_t *g, const char *group)
{
    rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
    rd_kafka_AdminOptions_t *ao =
        cli_admin_options(&g->conf, g->rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_ListConsumerGroupOffsets(g->rk, &req, 1, ao, g->q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    rd_kafka_event_t *ev = cli_admin_wait(&g->conf, g->q);
    if (!ev || event_failed(ev)) {
        if (ev)
            rd_kafka_event_destroy(ev);
        return NULL;
    }
    size_t n = 0;
    const rd_kafka_group_result_t **gr = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
    rd_kafka_topic_partition_list_t *out = NULL;
    if (n == 1 && !rd_kafka_group_result_error(gr[0])) {
        const rd_kafka_topic_partition_list_t *p = rd_kafka_group_result_partitions(gr[0]);
        out = p ? rd_kafka_topic_partition_list_copy(p) : rd_kafka_topic_partition_list_new(0);
    } else if (n == 1 && rd_kafka_error_code(rd_kafka_group_result_error(gr[0])) ==
                             RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
        out = rd_kafka_topic_partition_list_new(0); /* no group: nothing committed */
    } else {
        char why[512];
        snprintf(why, sizeof why, "%s",
                 n == 1 ? rd_kafka_error_string(rd_kafka_group_result_error(gr[0]))
                        : "no result for the group");
        cg_failed(why);
    }
    rd_kafka_event_destroy(ev);
    if (out) {
        /* a partition without a commit comes back as an invalid offset */
        rd_kafka_topic_partition_list_t *kept = rd_kafka_topic_partition_list_new(out->cnt);
        for (int i = 0; i < out->cnt; i++)
            if (out->elems[i].offset >= 0 && !out->elems[i].err)
                rd_kafka_topic_partition_list_add(kept, out->elems[i].topic,
                                                  out->elems[i].partition)
                    ->offset = out->elems[i].offset;
        rd_kafka_topic_partition_list_destroy(out);
        out = kept;
    }
    return out;
}

int64_t cg_offset_of(const rd_kafka_topic_partition_list_t *l, const char *topic, int32_t p)
{
    for (int i = 0; l && i < l->cnt; i++)
        if (l->elems[i].partition == p && strcmp(l->elems[i].topic, topic) == 0)
            return l->elems[i].offset;
    return -1;
}

bool cg_log_offsets(cg_t *g, const char *topic, int32_t p, int64_t *start, int64_t *end)
{
    return rd_kafka_query_watermark_offsets(g->rk, topic, p, start, end, g->conf.timeout_ms) ==
           RD_KAFKA_RESP_ERR_NO_ERROR;
}

int cg_topic_arg(cg_t *g, const char *arg, rd_kafka_topic_partition_list_t *out, bool *unknown)
{
    *unknown = false;
    const char *colon = strchr(arg, ':');
    if (colon) {
        /* Kafka splits on ':' and wants exactly two parts */
        if (strchr(colon + 1, ':') || colon == arg || !colon[1])
            return cli_usage_error(
                &g->o, "Invalid topic arg '%s', expected topic name and partitions", arg);
        char topic[512];
        snprintf(topic, sizeof topic, "%.*s", (int)(colon - arg), arg);
        char *parts = lode_xstrdup(colon + 1), *save = NULL;
        for (char *p = strtok_r(parts, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
            int32_t n;
            if (!cli_parse_i32(p, &n)) {
                int rc = cli_usage_error(
                    &g->o, "Invalid partition '%s' specified in topic arg '%s''", p, arg);
                free(parts);
                return rc;
            }
            if (!rd_kafka_topic_partition_list_find(out, topic, n))
                rd_kafka_topic_partition_list_add(out, topic, n);
        }
        free(parts);
        return 0;
    }
    if (!g->md && !(g->md = cli_metadata(&g->conf, g->rk)))
        return 1;
    for (int t = 0; t < g->md->topic_cnt; t++) {
        const rd_kafka_metadata_topic_t *mt = &g->md->topics[t];
        if (strcmp(mt->topic, arg) != 0 || mt->err)
            continue;
        for (int p = 0; p < mt->partition_cnt; p++)
            if (!rd_kafka_topic_partition_list_find(out, arg, mt->partitions[p].id))
                rd_kafka_topic_partition_list_add(out, arg, mt->partitions[p].id);
        return 0;
    }
    *unknown = true;
    return 0;
}

const char *cg_exception(rd_kafka_resp_err_t err, char *buf, size_t cap)
{
    /* the Java client's exception class and message for the errors these commands meet */
    static const struct {
        rd_kafka_resp_err_t err;
        const char *cls, *msg;
    } known[] = {
        {RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP, "GroupNotEmptyException", "The group is not empty."},
        {RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND, "GroupIdNotFoundException",
         "The group id does not exist."},
        {RD_KAFKA_RESP_ERR_INVALID_GROUP_ID, "InvalidGroupIdException",
         "The configured groupId is invalid."},
        {RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, "GroupAuthorizationException",
         "Group authorization failed."},
        {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "TopicAuthorizationException",
         "Topic authorization failed."},
        {RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC, "GroupSubscribedToTopicException",
         "Deleting offsets of a topic is forbidden while the consumer group is actively "
         "subscribed to it."},
        {RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "UnknownTopicOrPartitionException",
         "This server does not host this topic-partition."},
        {RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, "CoordinatorNotAvailableException",
         "The coordinator is not available."},
        {RD_KAFKA_RESP_ERR_NOT_COORDINATOR, "NotCoordinatorException",
         "This is not the correct coordinator."},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (known[i].err == err) {
            snprintf(buf, cap, "org.apache.kafka.common.errors.%s: %s", known[i].cls, known[i].msg);
            return buf;
        }
    snprintf(buf, cap, "org.apache.kafka.common.KafkaException: %s", rd_kafka_err2str(err));
    return buf;
}
