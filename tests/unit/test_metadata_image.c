/* Metadata image: copy-on-write isolation, publish/acquire, equality. */
#include <stdlib.h>

#include "core/mem.h"
#include "metadata/image.h"
#include "test.h"

static void make_id(uint8_t id[16], int n)
{
    memset(id, 0, 16);
    id[0] = (uint8_t)n;
    id[15] = 1;
}

TEST(image_copy_on_write_and_publish)
{
    lode_image_holder_t *h = lode_image_holder_new();
    lode_image_t *empty = lode_image_acquire(h);
    CHECK(lode_image_topic(empty, "t") == NULL);
    lode_image_t *b = lode_image_builder(empty);
    uint8_t id[16];
    make_id(id, 1);
    lode_image_put_topic(b, "orders", id);
    for (int p = 0; p < 3; p++) {
        lode_partition_info_t *pi = lode_image_mut_partition(b, id, p);
        REQUIRE(pi);
        int32_t reps[1] = {1};
        lode_image_set_ids(&pi->replicas, &pi->nreplicas, reps, 1);
        lode_image_set_ids(&pi->isr, &pi->nisr, reps, 1);
        pi->leader = 1;
    }
    lode_image_set_config(b, LODE_CONFIG_RESOURCE_TOPIC, "orders", "retention.ms", "1000");
    lode_broker_info_t br = {.id = 1, .epoch = 5};
    br.endpoints = lode_xcalloc(1, sizeof *br.endpoints);
    br.nendpoints = 1;
    br.endpoints[0] =
        (lode_endpoint_t){lode_xstrdup("PLAINTEXT"), lode_xstrdup("localhost"), 9092, 0};
    lode_image_put_broker(b, &br);
    lode_image_set_feature(b, "metadata.version", 25);
    lode_image_publish(h, b);
    lode_image_t *v1 = lode_image_acquire(h);
    CHECK(empty != v1);
    CHECK(lode_image_topic(empty, "orders") == NULL); /* old readers unaffected */
    const lode_topic_info_t *t = lode_image_topic(v1, "orders");
    REQUIRE(t && t->npartitions == 3);
    CHECK(lode_image_topic_by_id(v1, id) == t);
    CHECK_STREQ(lode_image_config(v1, LODE_CONFIG_RESOURCE_TOPIC, "orders", "retention.ms"),
                "1000");
    CHECK_EQ(lode_image_broker(v1, 1)->endpoints[0].port, 9092);
    CHECK_EQ(lode_image_feature(v1, "metadata.version"), 25);
    /* change partition 0's leader and the config in v2: v1 keeps its view */
    lode_image_t *b2 = lode_image_builder(v1);
    lode_partition_info_t *p0 = lode_image_mut_partition(b2, id, 0);
    p0->leader = -1;
    p0->leader_epoch = 1;
    lode_image_set_config(b2, LODE_CONFIG_RESOURCE_TOPIC, "orders", "retention.ms", NULL);
    lode_image_mut_broker(b2, 1)->fenced = true;
    CHECK(!lode_image_equal(v1, b2));
    lode_image_publish(h, b2);
    lode_image_t *v2 = lode_image_acquire(h);
    CHECK_EQ(lode_image_topic(v1, "orders")->partitions[0].leader, 1);
    CHECK_EQ(lode_image_topic(v2, "orders")->partitions[0].leader, -1);
    CHECK_STREQ(lode_image_config(v1, LODE_CONFIG_RESOURCE_TOPIC, "orders", "retention.ms"),
                "1000");
    CHECK(lode_image_config(v2, LODE_CONFIG_RESOURCE_TOPIC, "orders", "retention.ms") == NULL);
    CHECK(!lode_image_broker(v1, 1)->fenced && lode_image_broker(v2, 1)->fenced);
    /* equality: rebuilding v2 from scratch matches */
    lode_image_t *copy = lode_image_builder(v2);
    CHECK(lode_image_equal(copy, v2));
    CHECK(lode_image_remove_topic(copy, id));
    CHECK(!lode_image_remove_topic(copy, id));
    CHECK(!lode_image_equal(copy, v2));
    CHECK(lode_image_topic(v2, "orders") != NULL);
    lode_image_builder_free(copy);
    lode_image_release(empty);
    lode_image_release(v1);
    lode_image_release(v2);
    lode_image_holder_free(h);
}
