/* Config changes as records: IncrementalAlterConfigs (set, delete, append,
 * subtract), AlterConfigs (replace), broker defaults, Kafka's errors. */
#include <stdlib.h>

#include "controller/configs.h"
#include "core/arena.h"
#include "core/err.h"
#include "metadata/records.h"
#include "proto/kerr.h"
#include "test.h"

static void apply(lode_image_t *b, const lode_mrecs_t *recs)
{
    lode_arena_t a;
    lode_arena_init(&a, 0);
    for (size_t i = 0; i < recs->n; i++) {
        size_t len;
        const uint8_t *p = lode_mrecs_get(recs, i, &len);
        int16_t type, version;
        void *msg;
        REQUIRE(lode_mrec_decode(p, len, &a, &type, &version, &msg) == 0);
        lode_image_apply(b, type, version, msg);
    }
    lode_arena_free(&a);
}

static int16_t alter(lode_image_t *img, int type, const char *res, const lode_config_op_t *ops,
                     size_t n, bool incremental)
{
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    lode_ctl_error_t err;
    lode_ctl_alter_configs(img, type, res, 1, ops, n, incremental, false, &recs, &err);
    if (err.code == 0)
        apply(img, &recs);
    lode_mrecs_free(&recs);
    return err.code;
}

TEST(alter_configs_semantics)
{
    lode_image_t *img = lode_image_builder(NULL);
    uint8_t id[16] = {1};
    lode_image_put_topic(img, "t", id);
    const int T = LODE_CONFIG_RESOURCE_TOPIC, B = LODE_CONFIG_RESOURCE_BROKER;
    lode_config_op_t set[] = {{"retention.ms", "1000", LODE_CFG_SET},
                              {"cleanup.policy", "delete", LODE_CFG_SET}};
    CHECK_EQ(alter(img, T, "t", set, 2, true), 0);
    CHECK_STREQ(lode_image_config(img, T, "t", "retention.ms"), "1000");
    lode_config_op_t app[] = {{"cleanup.policy", "compact", LODE_CFG_APPEND}};
    CHECK_EQ(alter(img, T, "t", app, 1, true), 0);
    CHECK_STREQ(lode_image_config(img, T, "t", "cleanup.policy"), "delete,compact");
    lode_config_op_t sub[] = {{"cleanup.policy", "delete", LODE_CFG_SUBTRACT}};
    CHECK_EQ(alter(img, T, "t", sub, 1, true), 0);
    CHECK_STREQ(lode_image_config(img, T, "t", "cleanup.policy"), "compact");
    lode_config_op_t del[] = {{"retention.ms", NULL, LODE_CFG_DELETE}};
    CHECK_EQ(alter(img, T, "t", del, 1, true), 0);
    CHECK(lode_image_config(img, T, "t", "retention.ms") == NULL);
    /* AlterConfigs replaces the whole dynamic set */
    lode_config_op_t repl[] = {{"segment.ms", "60000", LODE_CFG_SET}};
    CHECK_EQ(alter(img, T, "t", repl, 1, false), 0);
    CHECK(lode_image_config(img, T, "t", "cleanup.policy") == NULL);
    CHECK_STREQ(lode_image_config(img, T, "t", "segment.ms"), "60000");
    /* errors */
    lode_config_op_t bad[] = {{"retention.ms", "-7", LODE_CFG_SET}};
    CHECK_EQ(alter(img, T, "t", bad, 1, true), LODE_KERR_INVALID_CONFIG);
    lode_config_op_t unknown[] = {{"bogus", "1", LODE_CFG_SET}};
    CHECK_EQ(alter(img, T, "t", unknown, 1, true), LODE_KERR_INVALID_CONFIG);
    CHECK_EQ(alter(img, T, "nope", set, 1, true), LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    lode_config_op_t dup[] = {{"retention.ms", "1", LODE_CFG_SET},
                              {"retention.ms", "2", LODE_CFG_SET}};
    CHECK_EQ(alter(img, T, "t", dup, 2, true), LODE_KERR_INVALID_REQUEST);
    lode_config_op_t notlist[] = {{"retention.ms", "5", LODE_CFG_APPEND}};
    CHECK_EQ(alter(img, T, "t", notlist, 1, true), LODE_KERR_INVALID_CONFIG);
    /* broker defaults: the topic configs' broker synonyms */
    lode_config_op_t bdef[] = {{"log.retention.ms", "99", LODE_CFG_SET}};
    CHECK_EQ(alter(img, B, "", bdef, 1, true), 0);
    CHECK_STREQ(lode_image_config(img, B, "", "log.retention.ms"), "99");
    lode_config_op_t bbad[] = {{"log.retention.ms", "x", LODE_CFG_SET}};
    CHECK_EQ(alter(img, B, "", bbad, 1, true), LODE_KERR_INVALID_CONFIG);
    lode_config_op_t ro[] = {{"node.id", "5", LODE_CFG_SET}};
    CHECK_EQ(alter(img, B, "1", ro, 1, true), LODE_KERR_INVALID_CONFIG);
    lode_image_builder_free(img);
}
