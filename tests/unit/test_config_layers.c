/* The image's dynamic configs as config layers: precedence through the
 * image (topic → this broker → cluster default → server.properties →
 * default), storage settings, and what the controller lets be stored. */
#include <stdlib.h>

#include "config/config.h"
#include "controller/configs.h"
#include "core/props.h"
#include "metadata/config_layers.h"
#include "test.h"

static lode_config_t *load(lode_props_t *p)
{
    lode_props_set(p, "process.roles", "broker,controller");
    lode_props_set(p, "node.id", "1");
    lode_props_set(p, "controller.quorum.voters", "1@localhost:9093");
    lode_props_set(p, "controller.listener.names", "CONTROLLER");
    lode_props_set(p, "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093");
    lode_config_t *cfg;
    char err[256];
    REQUIRE(lode_config_load(p, &cfg, err, sizeof err) == 0);
    return cfg;
}

static const char *value(const lode_image_t *img, const lode_config_t *cfg, int32_t node,
                         const char *topic, const char *name, char *buf, size_t cap)
{
    lode_image_layers_t l;
    lode_image_config_layers(img, node, topic, &l);
    lode_config_value_t v;
    REQUIRE(lode_config_topic_value(cfg, &l.layers, name, &v, NULL) == 0);
    lode_config_render(&v, buf, cap);
    lode_config_value_free(&v);
    return buf;
}

TEST(precedence_through_the_image)
{
    lode_image_t *img = lode_image_builder(NULL);
    lode_props_t props;
    lode_props_init(&props);
    lode_props_set(&props, "log.retention.hours", "2");
    lode_props_set(&props, "log.segment.bytes", "2097152");
    lode_config_t *cfg = load(&props);
    char buf[64];
    CHECK_STREQ(value(img, cfg, 1, "t", "retention.ms", buf, sizeof buf), "7200000");
    /* dynamic cluster default beats static; per-broker beats default; topic beats all */
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_BROKER, "", "log.retention.ms", "5000");
    CHECK_STREQ(value(img, cfg, 1, "t", "retention.ms", buf, sizeof buf), "5000");
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_BROKER, "1", "log.retention.ms", "6000");
    CHECK_STREQ(value(img, cfg, 1, "t", "retention.ms", buf, sizeof buf), "6000");
    CHECK_STREQ(value(img, cfg, 2, "t", "retention.ms", buf, sizeof buf), "5000");
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_TOPIC, "t", "retention.ms", "100");
    CHECK_STREQ(value(img, cfg, 1, "t", "retention.ms", buf, sizeof buf), "100");
    CHECK_STREQ(value(img, cfg, 1, "other", "retention.ms", buf, sizeof buf), "6000");
    /* storage settings follow */
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_TOPIC, "t", "cleanup.policy", "compact,delete");
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_TOPIC, "t", "message.timestamp.type",
                          "LogAppendTime");
    lode_log_config_t lc;
    lode_image_topic_log_config(img, cfg, 1, "t", &lc);
    CHECK_EQ(lc.retention_ms, 100);
    CHECK(lc.cleanup_compact && lc.cleanup_delete);
    CHECK_EQ(lc.segment_bytes, 2097152);
    CHECK_EQ(lc.timestamp_type, LODE_TIMESTAMP_LOG_APPEND_TIME);
    CHECK_EQ(lc.max_message_bytes, 1048588);
    lode_config_free(cfg);
    lode_props_free(&props);
    lode_image_builder_free(img);
}

TEST(what_the_controller_lets_be_stored)
{
    char buf[512];
    int T = LODE_CONFIG_RESOURCE_TOPIC, B = LODE_CONFIG_RESOURCE_BROKER;
    CHECK(lode_ctl_config_check(T, "retention.ms", "1000", buf, sizeof buf) == NULL);
    CHECK(lode_ctl_config_check(T, "retention.ms", "-1", buf, sizeof buf) == NULL);
    CHECK_STREQ(lode_ctl_config_check(T, "retention.ms", "-5", buf, sizeof buf),
                "Invalid value -5 for configuration retention.ms: Value must be at least -1");
    CHECK_STREQ(lode_ctl_config_check(T, "no.such.config", "1", buf, sizeof buf),
                "Unknown topic config name: no.such.config");
    CHECK_STREQ(lode_ctl_config_check(T, "retention.ms", NULL, buf, sizeof buf),
                "Null value not supported for topic configs: retention.ms");
    CHECK(lode_ctl_config_check(T, "cleanup.policy", "compact,delete", buf, sizeof buf) == NULL);
    CHECK(lode_ctl_config_check(T, "cleanup.policy", "compact,shred", buf, sizeof buf) != NULL);
    CHECK(lode_ctl_config_check(T, "segment.bytes", "1000", buf, sizeof buf) != NULL);
    CHECK(lode_ctl_config_check(T, "min.cleanable.dirty.ratio", "1.5", buf, sizeof buf) != NULL);
    /* brokers: dynamic configs only, validated */
    CHECK(lode_ctl_config_check(B, "log.retention.ms", "5000", buf, sizeof buf) == NULL);
    CHECK(lode_ctl_config_check(B, "log.retention.ms", "soon", buf, sizeof buf) != NULL);
    CHECK_STREQ(lode_ctl_config_check(B, "log.dirs", "/x", buf, sizeof buf),
                "Cannot update these configs dynamically: [log.dirs]");
    CHECK_STREQ(lode_ctl_config_check(B, "no.such.thing", "1", buf, sizeof buf),
                "Cannot update these configs dynamically: [no.such.thing]");
}
