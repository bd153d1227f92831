/*
 * consumer_groups_delete_offsets.c — kafka-consumer-groups --delete-offsets:
 * one group's committed offsets of the --topic partitions deleted
 * (DeleteConsumerGroupOffsets), reported as Kafka does: a verdict line, then
 * a TOPIC PARTITION STATUS row per partition.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer_groups.h"

/* The top line of --delete-offsets for the request's error, as Kafka words it. */
static void delete_offsets_verdict(rd_kafka_resp_err_t err, const char *group, char *const *topics,
                                   size_t ntopics)
{
    switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
        printf("Request succeed for deleting offsets with topic ");
        for (size_t i = 0; i < ntopics; i++)
            printf("%s%s", i ? ", " : "", topics[i]);
        printf(" group %s\n", group);
        break;
    case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
        cg_error("'%s' is not valid.", group);
        break;
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
        cg_error("'%s' does not exist.", group);
        break;
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        cg_error("Access to '%s' is not authorized.", group);
        break;
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
        cg_error("Deleting offsets of a consumer group '%s' is forbidden if the group is not "
                 "empty.",
                 group);
        break;
    case RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        cg_error("Encounter some partition level error, see the follow-up details:");
        break;
    default:
        cg_error("Encounter some unknown error: %s", rd_kafka_err2name(err));
    }
}

/* Kafka sorts the status rows by the string topic + partition. */
static int cmp_status(const void *a, const void *b)
{
    const rd_kafka_topic_partition_t *x = a, *y = b;
    char kx[600], ky[600];
    snprintf(kx, sizeof kx, "%s%d", x->topic, x->partition);
    snprintf(ky, sizeof ky, "%s%d", y->topic, y->partition);
    return strcmp(kx, ky);
}

int cg_delete_offsets(cg_t *g)
{
    const char *group = cli_get(&g->o, "group", NULL);
    size_t ntopics;
    char *const *topics = cli_list(&g->o, "topic", &ntopics);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(0);
    rd_kafka_topic_partition_list_t *status = rd_kafka_topic_partition_list_new(0);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ntopics; i++) {
        bool unknown;
        rc = cg_topic_arg(g, topics[i], parts, &unknown);
        if (unknown) /* described as partition -1: "Not Provided" */
            rd_kafka_topic_partition_list_add(status, topics[i], -1)->err =
                RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    }
    rd_kafka_resp_err_t top = RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_event_t *ev = NULL;
    if (rc == 0 && parts->cnt > 0) {
        rd_kafka_DeleteConsumerGroupOffsets_t *req =
            rd_kafka_DeleteConsumerGroupOffsets_new(group, parts);
        rd_kafka_AdminOptions_t *ao =
            cli_admin_options(&g->conf, g->rk, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS);
        rd_kafka_DeleteConsumerGroupOffsets(g->rk, &req, 1, ao, g->q);
        rd_kafka_AdminOptions_destroy(ao);
        rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
        ev = cli_admin_wait(&g->conf, g->q);
        if (!ev) {
            rc = 1;
        } else if (rd_kafka_event_error(ev)) {
            top = rd_kafka_event_error(ev);
            for (int i = 0; i < parts->cnt; i++)
                rd_kafka_topic_partition_list_add(status, parts->elems[i].topic,
                                                  parts->elems[i].partition)
                    ->err = top;
        } else {
            size_t n = 0;
            const rd_kafka_group_result_t **gr = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
                rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
            const rd_kafka_error_t *e = n ? rd_kafka_group_result_error(gr[0]) : NULL;
            const rd_kafka_topic_partition_list_t *res =
                n ? rd_kafka_group_result_partitions(gr[0]) : NULL;
            if (e)
                top = rd_kafka_error_code(e);
            for (int i = 0; i < parts->cnt; i++) {
                const rd_kafka_topic_partition_t *r =
                    res ? rd_kafka_topic_partition_list_find(res, parts->elems[i].topic,
                                                             parts->elems[i].partition)
                        : NULL;
                rd_kafka_resp_err_t perr = e ? top : r ? r->err : RD_KAFKA_RESP_ERR_NO_ERROR;
                if (!top && perr)
                    top = perr; /* Kafka's all() fails with the first partition's error */
                rd_kafka_topic_partition_list_add(status, parts->elems[i].topic,
                                                  parts->elems[i].partition)
                    ->err = perr;
            }
        }
    }
    if (rc == 0) {
        delete_offsets_verdict(top, group, topics, ntopics);
        if (status->cnt > 1)
            qsort(status->elems, (size_t)status->cnt, sizeof *status->elems, cmp_status);
        printf("\n%-30s %-15s %-15s", "TOPIC", "PARTITION", "STATUS");
        for (int i = 0; i < status->cnt; i++) {
            const rd_kafka_topic_partition_t *tp = &status->elems[i];
            char part[16], st[600] = "Successful", why[512];
            if (tp->partition >= 0)
                snprintf(part, sizeof part, "%d", tp->partition);
            else
                snprintf(part, sizeof part, "Not Provided");
            if (tp->err)
                snprintf(st, sizeof st, "Error: :%s", cg_exception(tp->err, why, sizeof why));
            printf("\n%-30s %-15s %-15s", tp->topic, part, st);
        }
        printf("\n");
        rc = top ? 1 : 0;
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_topic_partition_list_destroy(status);
    return rc;
}
