/* DescribeConfigs / DescribeCluster / DescribeQuorum from an image: content,
 * and every version of each response encodes. */
#include <stdlib.h>

#include "broker/describe.h"
#include "core/mem.h"
#include "config/config.h"
#include "core/props.h"
#include "proto/gen/api_table.h"
#include "proto/kerr.h"
#include "test.h"

static lode_image_t *sample(void)
{
    lode_image_t *img = lode_image_builder(NULL);
    uint8_t id[16] = {3};
    lode_image_put_topic(img, "orders", id);
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_TOPIC, "orders", "retention.ms", "1000");
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_BROKER, "", "log.segment.bytes", "2097152");
    lode_broker_info_t b = {.id = 1, .epoch = 3};
    b.endpoints = lode_xcalloc(2, sizeof *b.endpoints);
    b.nendpoints = 2;
    b.endpoints[0] =
        (lode_endpoint_t){lode_xstrdup("PLAINTEXT"), lode_xstrdup("localhost"), 9092, 0};
    b.endpoints[1] = (lode_endpoint_t){lode_xstrdup("INTERNAL"), lode_xstrdup("10.0.0.1"), 9094, 0};
    lode_image_put_broker(img, &b);
    return img;
}

static void encode_all(const lode_msg_type_t *t, const void *m)
{
    for (int v = t->min_version; v <= t->max_version; v++) {
        lode_buf_t out = LODE_BUF_INIT;
        int rc = t->encode(m, (int16_t)v, &out);
        if (rc)
            fprintf(stderr, "  %s v%d: %d\n", t->name, v, rc);
        CHECK_EQ(rc, 0);
        lode_buf_free(&out);
    }
}

static const DescribeConfigsResponse_DescribeConfigsResourceResult *
find(const DescribeConfigsResponse_DescribeConfigsResult *r, const char *name)
{
    for (int32_t i = 0; i < r->Configs_count; i++)
        if (lode_str_eq_c(&r->Configs[i].Name, name))
            return &r->Configs[i];
    return NULL;
}

TEST(describe_configs_topics_and_brokers)
{
    lode_image_t *img = sample();
    lode_props_t props;
    lode_props_init(&props);
    lode_props_set(&props, "process.roles", "broker,controller");
    lode_props_set(&props, "node.id", "1");
    lode_props_set(&props, "controller.quorum.voters", "1@localhost:9093");
    lode_props_set(&props, "controller.listener.names", "CONTROLLER");
    lode_props_set(&props, "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093");
    lode_props_set(&props, "log.retention.hours", "24");
    lode_config_t *cfg;
    char err[256];
    REQUIRE(lode_config_load(&props, &cfg, err, sizeof err) == 0);
    lode_arena_t a;
    lode_arena_init(&a, 0);
    DescribeConfigsRequest_DescribeConfigsResource res[4];
    for (int i = 0; i < 4; i++)
        DescribeConfigsRequest_DescribeConfigsResource_init(&res[i]);
    res[0].ResourceType = LODE_CONFIG_RESOURCE_TOPIC;
    res[0].ResourceName = lode_str_lit("orders");
    res[0].ConfigurationKeys_count = -1;
    res[1].ResourceType = LODE_CONFIG_RESOURCE_TOPIC;
    res[1].ResourceName = lode_str_lit("missing");
    res[1].ConfigurationKeys_count = -1;
    res[2].ResourceType = LODE_CONFIG_RESOURCE_BROKER;
    res[2].ResourceName = lode_str_lit("1");
    res[2].ConfigurationKeys_count = -1;
    lode_str_t only = lode_str_lit("log.segment.bytes");
    res[3].ResourceType = LODE_CONFIG_RESOURCE_BROKER;
    res[3].ResourceName = lode_str_lit("");
    res[3].ConfigurationKeys = &only;
    res[3].ConfigurationKeys_count = 1;
    DescribeConfigsRequest req;
    DescribeConfigsRequest_init(&req);
    req.Resources = res;
    req.Resources_count = 4;
    req.IncludeSynonyms = true;
    req.IncludeDocumentation = true;
    DescribeConfigsResponse resp;
    lode_describe_configs(img, cfg, 1, &req, 0, &resp, &a);
    CHECK(find(&resp.Results[0], "flush.ms")->IsDefault); /* v0 carries IsDefault */
    lode_buf_t v0 = LODE_BUF_INIT;
    CHECK_EQ(DescribeConfigsResponse_encode(&resp, 0, &v0), 0);
    lode_buf_free(&v0);
    lode_describe_configs(img, cfg, 1, &req, 4, &resp, &a);
    REQUIRE(resp.Results_count == 4);
    size_t ndefs, listed = 0;
    const lode_config_def_t *defs = lode_config_defs(LODE_CFG_KIND_TOPIC, &ndefs);
    for (size_t i = 0; i < ndefs; i++)
        listed += !(defs[i].flags & LODE_CFG_F_INTERNAL);
    CHECK_EQ(resp.Results[0].Configs_count, (int32_t)listed);
    const DescribeConfigsResponse_DescribeConfigsResourceResult *e =
        find(&resp.Results[0], "retention.ms");
    REQUIRE(e);
    CHECK(lode_str_eq_c(&e->Value, "1000"));
    CHECK_EQ(e->ConfigSource, LODE_CFG_SRC_DYNAMIC_TOPIC);
    CHECK(!e->IsDefault);
    REQUIRE(e->Synonyms_count >= 1); /* the override first */
    CHECK(lode_str_eq_c(&e->Synonyms[0].Name, "retention.ms") &&
          e->Synonyms[0].Source == LODE_CFG_SRC_DYNAMIC_TOPIC);
    CHECK(e->Documentation.len > 0);
    e = find(&resp.Results[0], "segment.bytes");
    REQUIRE(e);
    CHECK(lode_str_eq_c(&e->Value, "2097152"));
    CHECK_EQ(e->ConfigSource, LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER);
    CHECK_EQ(resp.Results[1].ErrorCode, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    e = find(&resp.Results[2], "log.retention.hours");
    REQUIRE(e);
    CHECK(lode_str_eq_c(&e->Value, "24") && e->ConfigSource == LODE_CFG_SRC_STATIC_BROKER);
    e = find(&resp.Results[2], "log.dirs");
    REQUIRE(e);
    CHECK(e->ReadOnly);
    CHECK_EQ(resp.Results[3].Configs_count, 1);
    for (int v = 1; v <= 4; v++) {
        lode_buf_t out = LODE_BUF_INIT;
        CHECK_EQ(DescribeConfigsResponse_encode(&resp, (int16_t)v, &out), 0);
        lode_buf_free(&out);
    }
    lode_config_free(cfg);
    lode_props_free(&props);
    lode_arena_free(&a);
    lode_image_builder_free(img);
}

TEST(describe_cluster_and_quorum)
{
    lode_image_t *img = sample();
    lode_arena_t a;
    lode_arena_init(&a, 0);
    DescribeClusterResponse c;
    lode_describe_cluster(img, "abc", 1, "PLAINTEXT", &c, &a);
    CHECK(lode_str_eq_c(&c.ClusterId, "abc") && c.ControllerId == 1);
    REQUIRE(c.Brokers_count == 1);
    CHECK(lode_str_eq_c(&c.Brokers[0].Host, "localhost") && c.Brokers[0].Port == 9092);
    lode_describe_cluster(img, "abc", 1, "INTERNAL", &c, &a);
    CHECK_EQ(c.Brokers[0].Port, 9094);
    encode_all(&lode_msg_DescribeClusterResponse, &c);
    DescribeQuorumResponse q;
    lode_describe_quorum(1, 7, 100, 101, 5, &q, &a);
    CHECK(q.Topics[0].Partitions[0].LeaderEpoch == 7 &&
          q.Topics[0].Partitions[0].HighWatermark == 100);
    encode_all(&lode_msg_DescribeQuorumResponse, &q);
    lode_arena_free(&a);
    lode_image_builder_free(img);
}
