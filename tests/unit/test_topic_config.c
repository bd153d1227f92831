/* Topic configs: Kafka's validation messages, precedence and synonyms, and
 * the storage settings derived from them. */
#include <stdlib.h>

#include "metadata/topic_config.h"
#include "test.h"

TEST(topic_config_validation_messages)
{
    char buf[512];
    CHECK(lode_topic_config_check("retention.ms", "1000", buf, sizeof buf) == NULL);
    CHECK(lode_topic_config_check("retention.ms", "-1", buf, sizeof buf) == NULL);
    CHECK_STREQ(lode_topic_config_check("retention.ms", "-5", buf, sizeof buf),
                "Invalid value -5 for configuration retention.ms: Value must be at least -1");
    CHECK_STREQ(lode_topic_config_check("retention.ms", "soon", buf, sizeof buf),
                "Invalid value soon for configuration retention.ms: Not a number of type LONG");
    CHECK_STREQ(lode_topic_config_check("no.such.config", "1", buf, sizeof buf),
                "Unknown topic config name: no.such.config");
    CHECK(lode_topic_config_check("cleanup.policy", "compact,delete", buf, sizeof buf) == NULL);
    CHECK(strstr(lode_topic_config_check("cleanup.policy", "compact,shred", buf, sizeof buf),
                 "Invalid value shred") != NULL);
    CHECK(strstr(lode_topic_config_check("compression.type", "brotli", buf, sizeof buf),
                 "String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer") != NULL);
    CHECK(lode_topic_config_check("segment.bytes", "1000", buf, sizeof buf) != NULL);
    CHECK(lode_topic_config_check("min.cleanable.dirty.ratio", "0.1", buf, sizeof buf) == NULL);
    CHECK(lode_topic_config_check("min.cleanable.dirty.ratio", "1.5", buf, sizeof buf) != NULL);
    CHECK(lode_topic_config_check("preallocate", "yes", buf, sizeof buf) != NULL);
    CHECK(lode_topic_config_check("compression.gzip.level", "0", buf, sizeof buf) != NULL);
    CHECK(lode_topic_config_check("compression.gzip.level", "-1", buf, sizeof buf) == NULL);
    size_t n;
    const lode_topic_config_def_t *d = lode_topic_config_defs(&n);
    for (size_t i = 0; i < n; i++) /* every default passes its own validator */
        CHECK(lode_topic_config_check(d[i].name, d[i].dflt, buf, sizeof buf) == NULL);
}

TEST(topic_config_precedence_and_synonyms)
{
    lode_image_t *img = lode_image_builder(NULL);
    lode_props_t props;
    lode_props_init(&props);
    const lode_topic_config_def_t *d = lode_topic_config_def("retention.ms");
    lode_config_synonym_t chain[16];
    char buf[64];
    /* nothing set: Kafka's default */
    size_t n = lode_topic_config_resolve(img, &props, 1, "t", d, chain);
    CHECK_EQ(n, 1);
    CHECK_EQ(chain[0].source, LODE_CONFIG_SOURCE_DEFAULT);
    CHECK_STREQ(lode_topic_config_value(img, &props, 1, "t", d, buf, sizeof buf), "604800000");
    /* static hours < static minutes < static ms */
    lode_props_set(&props, "log.retention.hours", "2");
    CHECK_STREQ(lode_topic_config_value(img, &props, 1, "t", d, buf, sizeof buf), "7200000");
    lode_props_set(&props, "log.retention.minutes", "3");
    CHECK_STREQ(lode_topic_config_value(img, &props, 1, "t", d, buf, sizeof buf), "180000");
    /* dynamic cluster default beats static; per-broker beats default; topic beats all */
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_BROKER, "", "log.retention.ms", "5000");
    CHECK_STREQ(lode_topic_config_value(img, &props, 1, "t", d, buf, sizeof buf), "5000");
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_BROKER, "1", "log.retention.ms", "6000");
    CHECK_STREQ(lode_topic_config_value(img, &props, 1, "t", d, buf, sizeof buf), "6000");
    CHECK_STREQ(lode_topic_config_value(img, &props, 2, "t", d, buf, sizeof buf), "5000");
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_TOPIC, "t", "retention.ms", "100");
    CHECK_STREQ(lode_topic_config_value(img, &props, 1, "t", d, buf, sizeof buf), "100");
    CHECK_STREQ(lode_topic_config_value(img, &props, 1, "other", d, buf, sizeof buf), "6000");
    n = lode_topic_config_resolve(img, &props, 1, "t", d, chain);
    /* topic, broker ms, default ms, static minutes, static hours, default */
    REQUIRE(n == 6);
    CHECK(chain[0].source == LODE_CONFIG_SOURCE_DYNAMIC_TOPIC &&
          !strcmp(chain[0].name, "retention.ms"));
    CHECK(chain[1].source == LODE_CONFIG_SOURCE_DYNAMIC_BROKER &&
          !strcmp(chain[1].name, "log.retention.ms"));
    CHECK(chain[2].source == LODE_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER);
    CHECK(chain[3].source == LODE_CONFIG_SOURCE_STATIC_BROKER &&
          !strcmp(chain[3].name, "log.retention.minutes"));
    CHECK(!strcmp(chain[4].name, "log.retention.hours"));
    CHECK(chain[5].source == LODE_CONFIG_SOURCE_DEFAULT);
    /* storage settings follow */
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_TOPIC, "t", "cleanup.policy", "compact,delete");
    lode_image_set_config(img, LODE_CONFIG_RESOURCE_TOPIC, "t", "message.timestamp.type",
                          "LogAppendTime");
    lode_props_set(&props, "log.segment.bytes", "2097152");
    lode_log_config_t lc;
    lode_topic_log_config(img, &props, 1, "t", &lc);
    CHECK_EQ(lc.retention_ms, 100);
    CHECK(lc.cleanup_compact && lc.cleanup_delete);
    CHECK_EQ(lc.segment_bytes, 2097152);
    CHECK_EQ(lc.timestamp_type, LODE_TIMESTAMP_LOG_APPEND_TIME);
    CHECK_EQ(lc.max_message_bytes, 1048588);
    lode_props_free(&props);
    lode_image_builder_free(img);
}
