/*
 * topics_describe.c — `kafka-topics --describe`: a summary line per topic
 * (name, id, partition count, replication factor, non-default configs) and a
 * line per partition, in Kafka's tab-separated format, optionally filtered
 * to the partitions that are under-replicated, unavailable, or under/at the
 * topic's min.insync.replicas.
 *
 * Elr and LastKnownElr print N/A: Kafka's tool reads them from
 * DescribeTopicPartitions, which lode does not serve, and prints N/A when the
 * broker does not supply them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "topic_ids.h"
#include "topics.h"

typedef struct topic_configs {
    char *overrides; /* "k=v,k=v" of the non-default entries */
    int min_isr;
} topic_configs_t;

/* DescribeConfigs for every selected topic. Returns 0, or 1 after printing why. */
static int describe_configs(topics_ctx_t *ctx, const struct rd_kafka_metadata_topic **sel,
                            size_t n, topic_configs_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (topic_configs_t){lode_xstrdup(""), 1};
    if (n == 0)
        return 0;
    rd_kafka_ConfigResource_t **res = lode_xcalloc(n, sizeof *res);
    for (size_t i = 0; i < n; i++)
        res[i] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, sel[i]->topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(ctx->rk);
    rd_kafka_AdminOptions_t *ao =
        cli_admin_options(&ctx->conf, ctx->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(ctx->rk, res, n, ao, q);
    rd_kafka_event_t *ev = cli_admin_wait(&ctx->conf, q);
    int rc = 0;
    if (!ev) {
        rc = 1;
    } else if (rd_kafka_event_error(ev)) {
        printf(TOPICS_ERROR "%s\n", rd_kafka_event_error_string(ev));
        rc = 1;
    } else {
        size_t nr;
        const rd_kafka_ConfigResource_t **rr =
            rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev),
                                                      &nr);
        for (size_t r = 0; r < nr; r++) {
            size_t i = 0;
            while (i < n && strcmp(sel[i]->topic, rd_kafka_ConfigResource_name(rr[r])) != 0)
                i++;
            if (i == n)
                continue;
            if (rd_kafka_ConfigResource_error(rr[r])) {
                printf(TOPICS_ERROR "%s\n", rd_kafka_ConfigResource_error_string(rr[r]));
                rc = 1;
                continue;
            }
            size_t ne;
            const rd_kafka_ConfigEntry_t **e = rd_kafka_ConfigResource_configs(rr[r], &ne);
            size_t len = 0;
            for (size_t k = 0; k < ne; k++) {
                const char *name = rd_kafka_ConfigEntry_name(e[k]);
                const char *value = rd_kafka_ConfigEntry_value(e[k]);
                if (!strcmp(name, "min.insync.replicas") && value)
                    out[i].min_isr = atoi(value);
                if (rd_kafka_ConfigEntry_source(e[k]) == RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG)
                    continue;
                size_t add = strlen(name) + (value ? strlen(value) : 4) + 3;
                out[i].overrides = lode_xrealloc(out[i].overrides, len + add);
                len += (size_t)snprintf(out[i].overrides + len, add, "%s%s=%s", len ? "," : "",
                                        name, value ? value : "null");
            }
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy_array(res, n);
    free(res);
    return rc;
}

static void print_ids(const int32_t *ids, int n)
{
    for (int i = 0; i < n; i++)
        printf("%s%d", i ? "," : "", ids[i]);
}

static int cmp_partition(const void *a, const void *b)
{
    const struct rd_kafka_metadata_partition *const *x = a, *const *y = b;
    return ((*x)->id > (*y)->id) - ((*x)->id < (*y)->id);
}

static bool broker_alive(const struct rd_kafka_metadata *md, int32_t id)
{
    for (int i = 0; i < md->broker_cnt; i++)
        if (md->brokers[i].id == id)
            return true;
    return false;
}

/* Whether the partition passes the describe filter flags (all pass without one). */
static bool partition_shown(const topics_ctx_t *ctx, const struct rd_kafka_metadata_partition *p,
                            int min_isr)
{
    const cli_opts_t *o = ctx->o;
    bool no_leader = p->leader < 0 || !broker_alive(ctx->md, p->leader);
    if (cli_has(o, "under-replicated-partitions"))
        return p->isr_cnt < p->replica_cnt;
    if (cli_has(o, "unavailable-partitions"))
        return no_leader;
    if (cli_has(o, "under-min-isr-partitions"))
        return no_leader || p->isr_cnt < min_isr;
    if (cli_has(o, "at-min-isr-partitions"))
        return p->isr_cnt == min_isr;
    return true;
}

static void describe_topic(const topics_ctx_t *ctx, const struct rd_kafka_metadata_topic *t,
                           const char *id, const topic_configs_t *cfg)
{
    const cli_opts_t *o = ctx->o;
    const struct rd_kafka_metadata_partition **parts =
        lode_xcalloc((size_t)t->partition_cnt + 1, sizeof *parts);
    for (int i = 0; i < t->partition_cnt; i++)
        parts[i] = &t->partitions[i];
    qsort(parts, (size_t)t->partition_cnt, sizeof *parts, cmp_partition);
    bool filtered = cli_has(o, "under-replicated-partitions") ||
                    cli_has(o, "unavailable-partitions") ||
                    cli_has(o, "under-min-isr-partitions") || cli_has(o, "at-min-isr-partitions");
    bool overrides_only = cli_has(o, "topics-with-overrides");
    if (!filtered && (!overrides_only || cfg->overrides[0])) {
        printf("Topic: %s", t->topic);
        if (id[0])
            printf("\tTopicId: %s", id);
        printf("\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s\n", t->partition_cnt,
               t->partition_cnt ? parts[0]->replica_cnt : 0, cfg->overrides);
    }
    for (int i = 0; i < t->partition_cnt && !overrides_only; i++) {
        const struct rd_kafka_metadata_partition *p = parts[i];
        if (!partition_shown(ctx, p, cfg->min_isr))
            continue;
        printf("\tTopic: %s\tPartition: %d\tLeader: ", t->topic, p->id);
        if (p->leader < 0)
            printf("none");
        else
            printf("%d", p->leader);
        printf("\tReplicas: ");
        print_ids(p->replicas, p->replica_cnt);
        printf("\tIsr: ");
        print_ids(p->isrs, p->isr_cnt);
        printf("\tElr: N/A\tLastKnownElr: N/A\n");
    }
    free(parts);
}

int topics_describe(topics_ctx_t *ctx)
{
    const struct rd_kafka_metadata_topic **sel;
    ssize_t k = topics_select(ctx, cli_has(ctx->o, "exclude-internal"), &sel);
    if (k < 0)
        return 1;
    size_t n = (size_t)k;
    if (n == 0 && cli_has(ctx->o, "topic") && !cli_has(ctx->o, "if-exists")) {
        printf(TOPICS_ERROR "Topic '%s' does not exist as expected\n",
               cli_get(ctx->o, "topic", ""));
        free(sel);
        return 1;
    }
    topic_configs_t *cfg = lode_xcalloc(n + 1, sizeof *cfg);
    char(*ids)[LODE_UUID_STR_LEN + 1] = lode_xcalloc(n + 1, sizeof *ids);
    const char **names = lode_xcalloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++)
        names[i] = sel[i]->topic;
    int rc = describe_configs(ctx, sel, n, cfg);
    if (!rc && cli_topic_ids(&ctx->conf, names, n, ids) != 0)
        rc = 1;
    for (size_t i = 0; i < n && !rc; i++)
        describe_topic(ctx, sel[i], ids[i], &cfg[i]);
    for (size_t i = 0; i < n; i++)
        free(cfg[i].overrides);
    free(cfg);
    free(ids);
    free(names);
    free(sel);
    return rc;
}
