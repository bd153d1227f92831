/*
 * topics_describe.c — kafka-topics --describe: Kafka 4.0's topic line (with
 * the topic id from a raw Metadata request and the non-default configs from
 * DescribeConfigs) and partition lines, and the report filters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_describe.h"
#include "core/mem.h"
#include "raw_request.h"
#include "topic_ids.h"
#include "topics_int.h"

const char *const topics_reports[TOPICS_NREPORTS] = {
    "under-replicated-partitions", "unavailable-partitions", "under-min-isr-partitions",
    "at-min-isr-partitions"};

const struct rd_kafka_metadata_topic *topics_find(const struct rd_kafka_metadata *md,
                                                  const char *name)
{
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, name) == 0)
            return &md->topics[i];
    return NULL;
}

static int by_partition(const void *a, const void *b)
{
    int32_t x = (*(const struct rd_kafka_metadata_partition *const *)a)->id;
    int32_t y = (*(const struct rd_kafka_metadata_partition *const *)b)->id;
    return (x > y) - (x < y);
}

static void print_ids(const char *label, const int32_t *ids, int n)
{
    printf("\t%s: ", label);
    for (int i = 0; i < n; i++)
        printf("%s%d", i ? "," : "", ids[i]);
}

static bool broker_live(const struct rd_kafka_metadata *md, int32_t id)
{
    for (int i = 0; i < md->broker_cnt; i++)
        if (md->brokers[i].id == id)
            return true;
    return false;
}

/* Whether a partition line is printed under the report flags (all lines without any). */
static bool report_partition(const run_t *r, const struct rd_kafka_metadata *md,
                             const struct rd_kafka_metadata_partition *p, int rf, long min_isr)
{
    bool any = false, hit = false, leader = p->leader >= 0;
    for (size_t i = 0; i < TOPICS_NREPORTS; i++)
        any |= cli_has(&r->o, topics_reports[i]);
    if (!any)
        return true;
    if (cli_has(&r->o, "under-replicated-partitions") && rf - p->isr_cnt > 0)
        hit = true;
    if (cli_has(&r->o, "unavailable-partitions") && (!leader || !broker_live(md, p->leader)))
        hit = true;
    if (cli_has(&r->o, "under-min-isr-partitions") && (!leader || p->isr_cnt < min_isr))
        hit = true;
    if (cli_has(&r->o, "at-min-isr-partitions") && p->isr_cnt == min_isr)
        hit = true;
    return hit;
}

static void describe_one(const run_t *r, const struct rd_kafka_metadata *md,
                         const struct rd_kafka_metadata_topic *t, const cli_cfg_resource_t *cfg,
                         const char *id)
{
    const struct rd_kafka_metadata_partition **parts =
        lode_xcalloc((size_t)t->partition_cnt + 1, sizeof *parts);
    for (int i = 0; i < t->partition_cnt; i++)
        parts[i] = &t->partitions[i];
    qsort(parts, (size_t)t->partition_cnt, sizeof *parts, by_partition);
    size_t ncfg = cfg ? cfg->n : 0;
    long min_isr = 1;
    bool overridden = false;
    for (size_t i = 0; i < ncfg; i++) {
        const cli_cfg_entry_t *e = &cfg->e[i];
        if (!strcmp(e->name, "min.insync.replicas") && e->value)
            min_isr = strtol(e->value, NULL, 10);
        overridden |= e->source != CLI_SRC_DEFAULT;
    }
    int rf = t->partition_cnt ? parts[0]->replica_cnt : 0;
    bool reports_given = false;
    for (size_t i = 0; i < TOPICS_NREPORTS; i++)
        reports_given |= cli_has(&r->o, topics_reports[i]);
    bool overrides_only = cli_has(&r->o, "topics-with-overrides");
    if (!reports_given && (!overrides_only || overridden)) {
        printf("Topic: %s", t->topic);
        if (*id)
            printf("\tTopicId: %s", id);
        printf("\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: ", t->partition_cnt, rf);
        const char *sep = "";
        for (size_t i = 0; i < ncfg; i++) {
            const cli_cfg_entry_t *e = &cfg->e[i];
            if (e->source == CLI_SRC_DEFAULT)
                continue;
            printf("%s%s=%s", sep, e->name, e->value ? e->value : "null");
            sep = ",";
        }
        printf("\n");
    }
    for (int i = 0; i < t->partition_cnt && !overrides_only; i++) {
        const struct rd_kafka_metadata_partition *p = parts[i];
        if (!report_partition(r, md, p, rf, min_isr))
            continue;
        printf("\tTopic: %s\tPartition: %d\tLeader: ", t->topic, p->id);
        if (p->leader >= 0)
            printf("%d", p->leader);
        else
            printf("none");
        print_ids("Replicas", p->replicas, p->replica_cnt);
        print_ids("Isr", p->isrs, p->isr_cnt);
        /* Kafka's admin client falls back to Metadata, which has no ELR, for a broker
         * without DescribeTopicPartitions (lode): it prints N/A */
        printf("\tElr: N/A\tLastKnownElr: N/A\n");
    }
    free(parts);
}

/* Topic ids over a raw socket when the connection is plain TCP; -1 otherwise. */
static long topic_ids(const run_t *r, cli_topic_id_t **ids)
{
    char boot[2048];
    if (!cli_raw_possible(r->rk, boot, sizeof boot))
        return -1;
    return cli_topic_ids_fetch(boot, r->c.timeout_ms, ids);
}

int topics_describe(run_t *r, const struct rd_kafka_metadata *md)
{
    const char **names;
    size_t n = topics_select(r, md, &names);
    int rc = 0;
    if (!topics_ensure_exists(r, n))
        rc = 1;
    cli_configs_t cfgs = {0};
    char err[512];
    if (rc == 0 && n > 0 &&
        cli_configs_describe(&r->c, r->rk, r->q, RD_KAFKA_RESOURCE_TOPIC, names, n, &cfgs, err,
                             sizeof err) != 0)
        rc = topics_fail("%s", err);
    if (rc == 0 && n > 0) {
        cli_topic_id_t *ids = NULL;
        long nids = topic_ids(r, &ids);
        for (size_t i = 0; i < n; i++) {
            const cli_cfg_resource_t *cfg = cli_configs_find(&cfgs, names[i]);
            if (cfg && cfg->error) {
                rc = topics_fail("%s", cfg->error);
                break;
            }
            describe_one(r, md, topics_find(md, names[i]), cfg,
                         nids > 0 ? cli_topic_id_of(ids, nids, names[i]) : "");
        }
        cli_topic_ids_free(ids, nids > 0 ? nids : 0);
    }
    cli_configs_free(&cfgs);
    free(names);
    return rc;
}
