/*
 * Replay equivalence (seeded): for random sequences of controller operations,
 * the image built from the whole record log equals the image built from a
 * snapshot taken at a random point plus the records after it.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "controller/topics.h"
#include "core/arena.h"
#include "core/err.h"
#include "metadata/snapshot.h"
#include "proto/gen/ConfigRecord.h"
#include "proto/gen/FenceBrokerRecord.h"
#include "proto/gen/PartitionChangeRecord.h"
#include "proto/gen/ProducerIdsRecord.h"
#include "proto/gen/RegisterBrokerRecord.h"
#include "proto/gen/UnfenceBrokerRecord.h"
#include "test.h"

static void apply_range(lode_image_t *b, const lode_mrecs_t *recs, size_t from, size_t to)
{
    lode_arena_t a;
    lode_arena_init(&a, 0);
    for (size_t i = from; i < to; i++) {
        size_t len;
        const uint8_t *p = lode_mrecs_get(recs, i, &len);
        int16_t type, version;
        void *msg;
        REQUIRE(lode_mrec_decode(p, len, &a, &type, &version, &msg) == 0);
        lode_image_apply(b, type, version, msg);
        lode_arena_reset(&a);
    }
    lode_arena_free(&a);
}

static lode_image_t *image_of(const lode_mrecs_t *recs, size_t n)
{
    lode_image_t *b = lode_image_builder(NULL);
    apply_range(b, recs, 0, n);
    return b;
}

/* Generates `ops` random operations as records, each validated against the
 * image so far (as the controller would). */
static void generate(lode_mrecs_t *recs, uint64_t *rng, int ops)
{
    for (int i = 1; i <= 3; i++) {
        RegisterBrokerRecord r;
        RegisterBrokerRecord_init(&r);
        r.BrokerId = i;
        r.BrokerEpoch = i;
        r.Fenced = false;
        r.Rack = i == 2 ? lode_str_lit("rack-b") : LODE_STR_NULL;
        RegisterBrokerRecord_BrokerEndpoint ep;
        RegisterBrokerRecord_BrokerEndpoint_init(&ep);
        ep.Name = lode_str_lit("PLAINTEXT");
        ep.Host = lode_str_lit("h");
        ep.Port = (uint16_t)(9000 + i);
        r.EndPoints = &ep;
        r.EndPoints_count = 1;
        REQUIRE(lode_mrecs_add(recs, LODE_MREC_REGISTER_BROKER, 3, &r) == 0);
    }
    lode_topic_defaults_t defs = {2, 1, 0};
    for (int op = 0; op < ops; op++) {
        lode_image_t *img = image_of(recs, recs->n);
        char name[16];
        snprintf(name, sizeof name, "t%d", (int)(lode_test_rand(rng) % 8));
        lode_ctl_error_t err;
        uint8_t id[16];
        defs.placement_seed = (uint32_t)lode_test_rand(rng);
        switch (lode_test_rand(rng) % 7) {
        case 0: {
            const char *k[] = {"retention.ms"}, *v[] = {"1234"};
            lode_new_topic_t req = {.name = name,
                                    .partitions = 1 + (int32_t)(lode_test_rand(rng) % 4),
                                    .replication = 1 + (int16_t)(lode_test_rand(rng) % 3),
                                    .config_keys = k,
                                    .config_values = v,
                                    .nconfigs = lode_test_rand(rng) % 2};
            lode_ctl_create_topic(img, &req, &defs, false, id, recs, &err);
            break;
        }
        case 1:
            lode_ctl_delete_topic(img, name, NULL, recs, &err);
            break;
        case 2: {
            const lode_topic_info_t *t = lode_image_topic(img, name);
            if (t)
                lode_ctl_create_partitions(img, name, t->npartitions + 1, NULL, 0, 0, &defs, false,
                                           recs, &err);
            break;
        }
        case 3: {
            ConfigRecord c;
            ConfigRecord_init(&c);
            c.ResourceType = (int8_t)(lode_test_rand(rng) % 2 ? 2 : 4);
            c.ResourceName = c.ResourceType == 2 ? lode_str_c(name) : lode_str_lit("");
            c.Name = lode_str_lit("segment.bytes");
            c.Value = lode_test_rand(rng) % 3 ? lode_str_lit("1048576") : LODE_STR_NULL;
            lode_mrecs_add(recs, LODE_MREC_CONFIG, 0, &c);
            break;
        }
        case 4: {
            int32_t b = 1 + (int32_t)(lode_test_rand(rng) % 3);
            if (lode_test_rand(rng) % 2) {
                FenceBrokerRecord f;
                FenceBrokerRecord_init(&f);
                f.Id = b;
                lode_mrecs_add(recs, LODE_MREC_FENCE_BROKER, 0, &f);
            } else {
                UnfenceBrokerRecord u;
                UnfenceBrokerRecord_init(&u);
                u.Id = b;
                lode_mrecs_add(recs, LODE_MREC_UNFENCE_BROKER, 0, &u);
            }
            break;
        }
        case 5: {
            const lode_topic_info_t *t = lode_image_topic(img, name);
            if (t && t->npartitions) {
                PartitionChangeRecord pc;
                PartitionChangeRecord_init(&pc);
                memcpy(pc.TopicId.b, t->id, 16);
                pc.PartitionId = (int32_t)(lode_test_rand(rng) % (uint64_t)t->npartitions);
                int32_t isr[1] = {1};
                if (lode_test_rand(rng) % 2) {
                    pc.Isr = isr;
                    pc.Isr_count = 1;
                }
                if (lode_test_rand(rng) % 2)
                    pc.Leader = lode_test_rand(rng) % 2 ? 1 : -1;
                lode_mrecs_add(recs, LODE_MREC_PARTITION_CHANGE, 0, &pc);
            }
            break;
        }
        default: {
            ProducerIdsRecord p;
            ProducerIdsRecord_init(&p);
            p.BrokerId = 1;
            p.NextProducerId = (int64_t)recs->n * 1000;
            lode_mrecs_add(recs, LODE_MREC_PRODUCER_IDS, 0, &p);
            break;
        }
        }
        lode_image_builder_free(img);
    }
}

TEST(snapshot_plus_tail_equals_full_replay)
{
    uint64_t rng = lode_test_seed();
    for (int round = 0; round < 20; round++) {
        lode_mrecs_t recs;
        lode_mrecs_init(&recs);
        generate(&recs, &rng, 60);
        lode_image_t *full = image_of(&recs, recs.n);
        size_t cut = (size_t)(lode_test_rand(&rng) % (recs.n + 1));
        lode_image_t *head = image_of(&recs, cut);
        char dir[512];
        snprintf(dir, sizeof dir, "%s/meta-%d", lode_test_tmpdir(), round);
        mkdir(dir, 0755);
        REQUIRE(lode_snapshot_write(dir, head, (int64_t)cut, 7, 1000) == 0);
        int64_t end = -1;
        int32_t epoch = -1;
        REQUIRE(lode_snapshot_latest(dir, &end, &epoch) == 0);
        REQUIRE(end == (int64_t)cut && epoch == 7);
        lode_image_t *loaded;
        REQUIRE(lode_snapshot_load(dir, end, epoch, &loaded) == 0);
        REQUIRE(lode_image_equal(head, loaded));
        apply_range(loaded, &recs, cut, recs.n);
        if (!lode_image_equal(full, loaded))
            fprintf(stderr, "  round %d: %zu records, cut at %zu\n", round, recs.n, cut);
        REQUIRE(lode_image_equal(full, loaded));
        lode_image_builder_free(full);
        lode_image_builder_free(head);
        lode_image_builder_free(loaded);
        lode_mrecs_free(&recs);
    }
}

TEST(snapshot_damage_is_detected)
{
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    uint64_t rng = lode_test_seed();
    generate(&recs, &rng, 20);
    lode_image_t *img = image_of(&recs, recs.n);
    REQUIRE(lode_snapshot_write(lode_test_tmpdir(), img, 99, 3, 0) == 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/00000000000000000099-0000000003.checkpoint",
             lode_test_tmpdir());
    FILE *f = fopen(path, "r+");
    REQUIRE(f);
    fseek(f, -5, SEEK_END); /* inside the footer batch */
    fputc('!', f);
    fclose(f);
    lode_image_t *loaded;
    CHECK_EQ(lode_snapshot_load(lode_test_tmpdir(), 99, 3, &loaded), LODE_ECORRUPT);
    lode_image_builder_free(img);
    lode_mrecs_free(&recs);
}
