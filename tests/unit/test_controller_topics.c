/* Controller topic operations: Kafka's validation and messages, records that
 * rebuild the expected image when applied. */
#include <stdlib.h>

#include "controller/topics.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/mem.h"
#include "metadata/records.h"
#include "proto/gen/RegisterBrokerRecord.h"
#include "proto/kerr.h"
#include "test.h"

/* Applies every record of `recs` to a builder of `img` and returns it. */
static lode_image_t *apply_all(const lode_image_t *img, const lode_mrecs_t *recs)
{
    lode_image_t *b = lode_image_builder(img);
    lode_arena_t a;
    lode_arena_init(&a, 0);
    for (size_t i = 0; i < recs->n; i++) {
        size_t len;
        const uint8_t *p = lode_mrecs_get(recs, i, &len);
        int16_t type, version;
        void *msg;
        REQUIRE(lode_mrec_decode(p, len, &a, &type, &version, &msg) == 0);
        REQUIRE(lode_image_apply(b, type, version, msg) == 0);
    }
    lode_arena_free(&a);
    return b;
}

static lode_image_t *with_brokers(int n)
{
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    for (int i = 1; i <= n; i++) {
        RegisterBrokerRecord r;
        RegisterBrokerRecord_init(&r);
        r.BrokerId = i;
        r.BrokerEpoch = 100 + i;
        r.Fenced = false; /* registered brokers start fenced until they heartbeat */
        RegisterBrokerRecord_BrokerEndpoint ep;
        RegisterBrokerRecord_BrokerEndpoint_init(&ep);
        ep.Name = lode_str_lit("PLAINTEXT");
        ep.Host = lode_str_lit("localhost");
        ep.Port = (uint16_t)(9091 + i);
        r.EndPoints = &ep;
        r.EndPoints_count = 1;
        REQUIRE(lode_mrecs_add(&recs, LODE_MREC_REGISTER_BROKER, 3, &r) == 0);
    }
    lode_image_t *img = apply_all(NULL, &recs);
    lode_mrecs_free(&recs);
    return img;
}

static const lode_topic_defaults_t defs = {3, 1, 0};

TEST(create_topic_records_build_the_topic)
{
    lode_image_t *img = with_brokers(3);
    CHECK_EQ(lode_image_broker(img, 2)->endpoints[0].port, 9093);
    const char *keys[] = {"cleanup.policy", "retention.ms"};
    const char *vals[] = {"compact", "1000"};
    lode_new_topic_t req = {"orders", 6, 3, NULL, 0, 0, keys, vals, 2};
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    uint8_t id[16];
    lode_ctl_error_t err;
    REQUIRE(lode_ctl_create_topic(img, &req, &defs, false, id, &recs, &err) == 0);
    CHECK_EQ(recs.n, 1 + 6 + 2);
    lode_image_t *b = apply_all(img, &recs);
    const lode_topic_info_t *t = lode_image_topic(b, "orders");
    REQUIRE(t && t->npartitions == 6);
    CHECK_MEMEQ(t->id, id, 16);
    int leaders[4] = {0};
    for (int p = 0; p < 6; p++) {
        const lode_partition_info_t *pi = &t->partitions[p];
        REQUIRE(pi->nreplicas == 3 && pi->nisr == 3);
        CHECK_EQ(pi->leader, pi->replicas[0]);
        CHECK(pi->replicas[0] != pi->replicas[1] && pi->replicas[1] != pi->replicas[2] &&
              pi->replicas[0] != pi->replicas[2]);
        leaders[pi->leader]++;
    }
    CHECK(leaders[1] == 2 && leaders[2] == 2 && leaders[3] == 2); /* leaders spread evenly */
    CHECK_STREQ(lode_image_config(b, LODE_CONFIG_RESOURCE_TOPIC, "orders", "cleanup.policy"),
                "compact");
    /* defaults: -1 partitions and replication */
    lode_mrecs_t r2;
    lode_mrecs_init(&r2);
    lode_new_topic_t dflt = {"events", -1, -1, NULL, 0, 0, NULL, NULL, 0};
    REQUIRE(lode_ctl_create_topic(b, &dflt, &defs, false, id, &r2, &err) == 0);
    CHECK_EQ(r2.n, 1 + 3);
    /* validate_only writes nothing */
    lode_mrecs_t r3;
    lode_mrecs_init(&r3);
    lode_new_topic_t other = {"other", 2, 1, NULL, 0, 0, NULL, NULL, 0};
    REQUIRE(lode_ctl_create_topic(b, &other, &defs, true, id, &r3, &err) == 0);
    CHECK_EQ(r3.n, 0);
    lode_mrecs_free(&recs);
    lode_mrecs_free(&r2);
    lode_mrecs_free(&r3);
    lode_image_builder_free(b);
    lode_image_builder_free(img);
}

static lode_new_topic_t topic(const char *name, int32_t parts, int16_t rf)
{
    return (lode_new_topic_t){.name = name, .partitions = parts, .replication = rf};
}

static lode_new_topic_t assigned(const char *name, int32_t parts, int16_t rf, const int32_t *a,
                                 int32_t ap, int32_t ar)
{
    return (lode_new_topic_t){.name = name,
                              .partitions = parts,
                              .replication = rf,
                              .assignment = a,
                              .assignment_partitions = ap,
                              .assignment_replicas = ar};
}

static int16_t create_err(lode_image_t *img, lode_new_topic_t req, char *msg, size_t cap)
{
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    uint8_t id[16];
    lode_ctl_error_t err;
    int rc = lode_ctl_create_topic(img, &req, &defs, false, id, &recs, &err);
    snprintf(msg, cap, "%s", err.message);
    CHECK(rc == 0 ? recs.n > 0 : recs.n == 0);
    lode_mrecs_free(&recs);
    return err.code;
}

TEST(create_topic_validation_matches_kafka)
{
    lode_image_t *img = with_brokers(1);
    char msg[512];
    char longname[300];
    memset(longname, 'a', 250);
    longname[250] = 0;
    CHECK_EQ(create_err(img, topic("", 1, 1), msg, sizeof msg), LODE_KERR_INVALID_TOPIC_EXCEPTION);
    CHECK_STREQ(msg, "Topic name is illegal, it can't be empty");
    CHECK_EQ(create_err(img, topic("..", 1, 1), msg, sizeof msg),
             LODE_KERR_INVALID_TOPIC_EXCEPTION);
    CHECK_EQ(create_err(img, topic(longname, 1, 1), msg, sizeof msg),
             LODE_KERR_INVALID_TOPIC_EXCEPTION);
    CHECK(strstr(msg, "longer than 249 characters") != NULL);
    CHECK_EQ(create_err(img, topic("bad name", 1, 1), msg, sizeof msg),
             LODE_KERR_INVALID_TOPIC_EXCEPTION);
    CHECK(strstr(msg, "contains a character other than ASCII alphanumerics") != NULL);
    CHECK_EQ(create_err(img, topic("t", 0, 1), msg, sizeof msg), LODE_KERR_INVALID_PARTITIONS);
    CHECK_EQ(create_err(img, topic("t", 1, 0), msg, sizeof msg),
             LODE_KERR_INVALID_REPLICATION_FACTOR);
    CHECK_EQ(create_err(img, topic("t", 1, 3), msg, sizeof msg),
             LODE_KERR_INVALID_REPLICATION_FACTOR);
    CHECK_STREQ(msg, "Unable to replicate the partition 3 time(s): The target replication factor "
                     "of 3 cannot be reached because only 1 broker(s) are registered.");
    /* existing and colliding names */
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    uint8_t id[16];
    lode_ctl_error_t err;
    lode_new_topic_t req = {"my.topic", 1, 1, NULL, 0, 0, NULL, NULL, 0};
    REQUIRE(lode_ctl_create_topic(img, &req, &defs, false, id, &recs, &err) == 0);
    lode_image_t *b = apply_all(img, &recs);
    CHECK_EQ(create_err(b, topic("my.topic", 1, 1), msg, sizeof msg),
             LODE_KERR_TOPIC_ALREADY_EXISTS);
    CHECK_STREQ(msg, "Topic 'my.topic' already exists.");
    CHECK_EQ(create_err(b, topic("my_topic", 1, 1), msg, sizeof msg),
             LODE_KERR_INVALID_TOPIC_EXCEPTION);
    CHECK(strstr(msg, "collides") != NULL);
    /* explicit assignments */
    int32_t bad_broker[] = {7};
    CHECK_EQ(create_err(b, assigned("x", -1, -1, bad_broker, 1, 1), msg, sizeof msg),
             LODE_KERR_INVALID_REPLICA_ASSIGNMENT);
    int32_t dup[] = {1, 1};
    CHECK_EQ(create_err(b, assigned("x", -1, -1, dup, 1, 2), msg, sizeof msg),
             LODE_KERR_INVALID_REPLICA_ASSIGNMENT);
    int32_t good[] = {1, 1, 1};
    CHECK_EQ(create_err(b, assigned("x", -1, -1, good, 3, 1), msg, sizeof msg), 0);
    CHECK_EQ(create_err(b, assigned("x", 3, -1, good, 3, 1), msg, sizeof msg),
             LODE_KERR_INVALID_REQUEST);
    lode_mrecs_free(&recs);
    lode_image_builder_free(b);
    lode_image_builder_free(img);
}

TEST(delete_topic_and_create_partitions)
{
    lode_image_t *img = with_brokers(2);
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    uint8_t id[16];
    lode_ctl_error_t err;
    const char *k[] = {"retention.ms"}, *v[] = {"5"};
    lode_new_topic_t req = {"t", 2, 2, NULL, 0, 0, k, v, 1};
    REQUIRE(lode_ctl_create_topic(img, &req, &defs, false, id, &recs, &err) == 0);
    lode_image_t *b = apply_all(img, &recs);
    lode_mrecs_t grow;
    lode_mrecs_init(&grow);
    CHECK_EQ(lode_ctl_create_partitions(b, "t", 2, NULL, 0, 0, &defs, false, &grow, &err),
             LODE_EINVAL);
    CHECK_EQ(err.code, LODE_KERR_INVALID_PARTITIONS);
    CHECK_EQ(lode_ctl_create_partitions(b, "t", 1, NULL, 0, 0, &defs, false, &grow, &err),
             LODE_EINVAL);
    CHECK_EQ(lode_ctl_create_partitions(b, "nope", 5, NULL, 0, 0, &defs, false, &grow, &err),
             LODE_ENOTFOUND);
    CHECK_EQ(err.code, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    int32_t wrong[] = {1};
    CHECK_EQ(lode_ctl_create_partitions(b, "t", 3, wrong, 1, 1, &defs, false, &grow, &err),
             LODE_EINVAL); /* replica count differs from the topic's */
    REQUIRE(lode_ctl_create_partitions(b, "t", 5, NULL, 0, 0, &defs, false, &grow, &err) == 0);
    CHECK_EQ(grow.n, 3);
    lode_image_t *c = apply_all(b, &grow);
    CHECK_EQ(lode_image_topic(c, "t")->npartitions, 5);
    CHECK_EQ(lode_image_topic(c, "t")->partitions[4].nreplicas, 2);
    /* delete by id; configs go with the topic */
    lode_mrecs_t del;
    lode_mrecs_init(&del);
    uint8_t unknown[16] = {9};
    CHECK_EQ(lode_ctl_delete_topic(c, NULL, unknown, &del, &err), LODE_ENOTFOUND);
    CHECK_EQ(err.code, LODE_KERR_UNKNOWN_TOPIC_ID);
    CHECK_EQ(lode_ctl_delete_topic(c, "nope", NULL, &del, &err), LODE_ENOTFOUND);
    CHECK_EQ(err.code, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    REQUIRE(lode_ctl_delete_topic(c, NULL, id, &del, &err) == 0);
    lode_image_t *d = apply_all(c, &del);
    CHECK(lode_image_topic(d, "t") == NULL);
    CHECK(lode_image_config(d, LODE_CONFIG_RESOURCE_TOPIC, "t", "retention.ms") == NULL);
    CHECK(lode_image_config(c, LODE_CONFIG_RESOURCE_TOPIC, "t", "retention.ms") != NULL);
    lode_mrecs_free(&recs);
    lode_mrecs_free(&grow);
    lode_mrecs_free(&del);
    lode_image_builder_free(b);
    lode_image_builder_free(c);
    lode_image_builder_free(d);
    lode_image_builder_free(img);
}

TEST(rack_aware_placement_spreads_replicas_across_racks)
{
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    const char *racks[] = {"r1", "r1", "r2", "r2", "r3"};
    for (int i = 1; i <= 5; i++) {
        RegisterBrokerRecord r;
        RegisterBrokerRecord_init(&r);
        r.BrokerId = i;
        r.Fenced = false;
        r.Rack = lode_str_c(racks[i - 1]);
        REQUIRE(lode_mrecs_add(&recs, LODE_MREC_REGISTER_BROKER, 3, &r) == 0);
    }
    lode_image_t *img = apply_all(NULL, &recs);
    lode_mrecs_free(&recs);
    for (uint32_t seed = 0; seed < 20; seed++) {
        lode_topic_defaults_t d = {1, 1, seed * 7919};
        lode_new_topic_t req = {.name = "racked", .partitions = 10, .replication = 3};
        lode_mrecs_t out;
        lode_mrecs_init(&out);
        uint8_t id[16];
        lode_ctl_error_t err;
        REQUIRE(lode_ctl_create_topic(img, &req, &d, false, id, &out, &err) == 0);
        lode_image_t *b = apply_all(img, &out);
        const lode_topic_info_t *t = lode_image_topic(b, "racked");
        int leaders[6] = {0};
        for (int p = 0; p < 10; p++) {
            const int32_t *rep = t->partitions[p].replicas;
            const char *r0 = racks[rep[0] - 1], *r1 = racks[rep[1] - 1], *r2 = racks[rep[2] - 1];
            REQUIRE(strcmp(r0, r1) && strcmp(r0, r2) && strcmp(r1, r2)); /* 3 racks, 3 replicas */
            leaders[t->partitions[p].leader]++;
        }
        for (int k = 1; k <= 5; k++)
            CHECK_EQ(leaders[k], 2); /* leadership spread evenly */
        lode_image_builder_free(b);
        lode_mrecs_free(&out);
    }
    lode_image_builder_free(img);
}
