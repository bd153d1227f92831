/*
 * snapshot.c — metadata snapshots (see snapshot.h).
 */
#include "metadata/snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"
#include "proto/gen/ConfigRecord.h"
#include "proto/gen/FeatureLevelRecord.h"
#include "proto/gen/PartitionRecord.h"
#include "proto/gen/ProducerIdsRecord.h"
#include "proto/gen/RegisterBrokerRecord.h"
#include "proto/gen/SnapshotFooterRecord.h"
#include "proto/gen/SnapshotHeaderRecord.h"
#include "proto/gen/TopicRecord.h"
#include "proto/gen/api_table.h"
#include "proto/record_batch.h"
#include "storage/checkpoint.h"

#define CONTROL_SNAPSHOT_HEADER 3
#define CONTROL_SNAPSHOT_FOOTER 4
#define RECORDS_PER_BATCH 1000

static int add_brokers(const lode_image_t *img, lode_mrecs_t *out)
{
    size_t it = 0;
    lode_hmap_entry_t *e;
    int rc = 0;
    while (rc == 0 && (e = lode_hmap_next(&img->brokers, &it))) {
        const lode_broker_info_t *b = e->value;
        RegisterBrokerRecord r;
        RegisterBrokerRecord_init(&r);
        r.BrokerId = b->id;
        r.BrokerEpoch = b->epoch;
        memcpy(r.IncarnationId.b, b->incarnation_id, 16);
        r.Rack = lode_str_c(b->rack);
        r.Fenced = b->fenced;
        r.InControlledShutdown = b->in_controlled_shutdown;
        RegisterBrokerRecord_BrokerEndpoint *eps =
            lode_xcalloc((size_t)(b->nendpoints ? b->nendpoints : 1), sizeof *eps);
        for (int32_t i = 0; i < b->nendpoints; i++) {
            RegisterBrokerRecord_BrokerEndpoint_init(&eps[i]);
            eps[i].Name = lode_str_c(b->endpoints[i].listener);
            eps[i].Host = lode_str_c(b->endpoints[i].host);
            eps[i].Port = (uint16_t)b->endpoints[i].port;
            eps[i].SecurityProtocol = b->endpoints[i].security_protocol;
        }
        r.EndPoints = eps;
        r.EndPoints_count = b->nendpoints;
        rc = lode_mrecs_add(out, LODE_MREC_REGISTER_BROKER, 3, &r);
        free(eps);
    }
    return rc;
}

static int add_topics(const lode_image_t *img, lode_mrecs_t *out)
{
    size_t it = 0;
    lode_hmap_entry_t *e;
    int rc = 0;
    while (rc == 0 && (e = lode_hmap_next(&img->topics_by_name, &it))) {
        const lode_topic_info_t *t = e->value;
        TopicRecord tr;
        TopicRecord_init(&tr);
        tr.Name = lode_str_c(t->name);
        memcpy(tr.TopicId.b, t->id, 16);
        rc = lode_mrecs_add(out, LODE_MREC_TOPIC, 0, &tr);
        for (int32_t p = 0; p < t->npartitions && rc == 0; p++) {
            const lode_partition_info_t *pi = &t->partitions[p];
            PartitionRecord pr;
            PartitionRecord_init(&pr);
            pr.PartitionId = p;
            memcpy(pr.TopicId.b, t->id, 16);
            pr.Replicas = pi->replicas;
            pr.Replicas_count = pi->nreplicas;
            pr.Isr = pi->isr;
            pr.Isr_count = pi->nisr;
            pr.Leader = pi->leader;
            pr.LeaderEpoch = pi->leader_epoch;
            pr.PartitionEpoch = pi->partition_epoch;
            rc = lode_mrecs_add(out, LODE_MREC_PARTITION, 0, &pr);
        }
    }
    return rc;
}

static int add_configs(const lode_image_t *img, lode_mrecs_t *out)
{
    size_t it = 0;
    lode_hmap_entry_t *e;
    int rc = 0;
    while (rc == 0 && (e = lode_hmap_next(&img->configs, &it))) {
        /* key: type byte + resource name */
        const lode_hmap_t *kv = lode_image_configs(img, (uint8_t)e->key[0], e->key + 1);
        size_t it2 = 0;
        lode_hmap_entry_t *c;
        while (kv && rc == 0 && (c = lode_hmap_next(kv, &it2))) {
            ConfigRecord cr;
            ConfigRecord_init(&cr);
            cr.ResourceType = (int8_t)e->key[0];
            cr.ResourceName = (lode_str_t){e->key + 1, (int32_t)e->key_len - 1};
            cr.Name = (lode_str_t){c->key, (int32_t)c->key_len};
            cr.Value = lode_str_c(c->value);
            rc = lode_mrecs_add(out, LODE_MREC_CONFIG, 0, &cr);
        }
    }
    return rc;
}

int lode_image_to_records(const lode_image_t *img, lode_mrecs_t *out)
{
    size_t it = 0;
    lode_hmap_entry_t *e;
    int rc = 0;
    while (rc == 0 && (e = lode_hmap_next(&img->features, &it))) {
        FeatureLevelRecord fr;
        FeatureLevelRecord_init(&fr);
        fr.Name = (lode_str_t){e->key, (int32_t)e->key_len};
        fr.FeatureLevel = (int16_t)(intptr_t)e->value;
        rc = lode_mrecs_add(out, LODE_MREC_FEATURE_LEVEL, 0, &fr);
    }
    if (!rc)
        rc = add_brokers(img, out);
    if (!rc)
        rc = add_topics(img, out);
    if (!rc)
        rc = add_configs(img, out);
    if (!rc && img->next_producer_id > 0) {
        ProducerIdsRecord pr;
        ProducerIdsRecord_init(&pr);
        pr.BrokerId = -1;
        pr.NextProducerId = img->next_producer_id;
        rc = lode_mrecs_add(out, LODE_MREC_PRODUCER_IDS, 0, &pr);
    }
    return rc;
}

static int put_control(lode_buf_t *out, int16_t type, const lode_msg_type_t *t, const void *msg,
                       int64_t base, int32_t epoch, int64_t now)
{
    lode_buf_t value = LODE_BUF_INIT;
    int rc = t->encode(msg, 0, &value);
    uint8_t key[4];
    lode_be16_store(key, 0);
    lode_be16_store(key + 2, (uint16_t)type);
    lode_batch_builder_t b;
    lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
    b.control = true;
    b.base_offset = base;
    b.partition_leader_epoch = epoch;
    if (!rc)
        rc = lode_batch_builder_add(&b, now, key, 4, value.data, (int32_t)value.len, NULL, 0);
    if (!rc)
        rc = lode_batch_builder_finish(&b, out);
    lode_batch_builder_free(&b);
    lode_buf_free(&value);
    return rc;
}

static void snapshot_name(char *out, size_t cap, const char *dir, int64_t end, int32_t epoch,
                          const char *suffix)
{
    snprintf(out, cap, "%s/%020" PRId64 "-%010" PRId32 ".checkpoint%s", dir, end, epoch, suffix);
}

int lode_snapshot_write(const char *dir, const lode_image_t *img, int64_t end_offset, int32_t epoch,
                        int64_t now_ms)
{
    char path[4096];
    snapshot_name(path, sizeof path, dir, end_offset, epoch, "");
    return lode_snapshot_write_path(path, img, epoch, now_ms);
}

int lode_snapshot_write_path(const char *path, const lode_image_t *img, int32_t epoch,
                             int64_t now_ms)
{
    lode_mrecs_t recs;
    lode_mrecs_init(&recs);
    int rc = lode_image_to_records(img, &recs);
    lode_buf_t file = LODE_BUF_INIT;
    SnapshotHeaderRecord h;
    SnapshotHeaderRecord_init(&h);
    h.LastContainedLogTimestamp = now_ms;
    if (!rc)
        rc = put_control(&file, CONTROL_SNAPSHOT_HEADER, &lode_msg_SnapshotHeaderRecord, &h, 0,
                         epoch, now_ms);
    /* Data batches: offsets count from 1 within the file. */
    int64_t off = 1;
    for (size_t i = 0; i < recs.n && !rc; i += RECORDS_PER_BATCH) {
        lode_batch_builder_t b;
        lode_batch_builder_init(&b, LODE_COMPRESSION_NONE, LODE_COMPRESSION_LEVEL_DEFAULT);
        b.base_offset = off;
        b.partition_leader_epoch = epoch;
        for (size_t k = i; k < recs.n && k < i + RECORDS_PER_BATCH && !rc; k++) {
            size_t len;
            const uint8_t *p = lode_mrecs_get(&recs, k, &len);
            rc = lode_batch_builder_add(&b, now_ms, NULL, -1, p, (int32_t)len, NULL, 0);
            off++;
        }
        if (!rc)
            rc = lode_batch_builder_finish(&b, &file);
        lode_batch_builder_free(&b);
    }
    SnapshotFooterRecord f;
    SnapshotFooterRecord_init(&f);
    if (!rc)
        rc = put_control(&file, CONTROL_SNAPSHOT_FOOTER, &lode_msg_SnapshotFooterRecord, &f, off,
                         epoch, now_ms);
    if (!rc)
        rc = lode_write_file_atomic(path, file.data, file.len);
    lode_buf_free(&file);
    lode_mrecs_free(&recs);
    return rc;
}

int lode_snapshot_latest(const char *dir, int64_t *end_offset, int32_t *epoch)
{
    DIR *d = opendir(dir);
    if (!d)
        return LODE_ENOTFOUND;
    int rc = LODE_ENOTFOUND;
    struct dirent *e;
    while ((e = readdir(d))) {
        long long off;
        int ep;
        char rest[32];
        if (strlen(e->d_name) != 20 + 1 + 10 + 11 ||
            sscanf(e->d_name, "%20lld-%10d%31s", &off, &ep, rest) != 3 ||
            strcmp(rest, ".checkpoint"))
            continue;
        if (rc != 0 || off > *end_offset || (off == *end_offset && ep > *epoch)) {
            *end_offset = off;
            *epoch = ep;
            rc = 0;
        }
    }
    closedir(d);
    return rc;
}

int lode_snapshot_load(const char *dir, int64_t end_offset, int32_t epoch, lode_image_t **out)
{
    char path[4096];
    snapshot_name(path, sizeof path, dir, end_offset, epoch, "");
    lode_image_t *img;
    int rc = lode_snapshot_load_path(path, &img);
    if (rc)
        return rc;
    img->offset = end_offset - 1;
    img->epoch = epoch;
    *out = img;
    return 0;
}

int lode_snapshot_load_path(const char *path, lode_image_t **out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? LODE_ENOTFOUND : LODE_EIO;
    lode_buf_t file = LODE_BUF_INIT;
    uint8_t chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        lode_buf_put(&file, chunk, (size_t)n);
    close(fd);
    lode_image_t *b = lode_image_builder(NULL);
    lode_arena_t a;
    lode_arena_init(&a, 0);
    int rc = 0;
    bool header = false, footer = false;
    lode_batch_iter_t it;
    lode_batch_hdr_t h;
    lode_batch_iter_init(&it, file.data, file.len);
    while (rc == 0 && !footer && lode_batch_iter_next(&it, &h)) {
        if (lode_batch_validate(&h, NULL, NULL, NULL, 0) != 0) {
            rc = LODE_ECORRUPT;
            break;
        }
        lode_record_iter_t ri;
        lode_record_t r;
        lode_record_iter_init(&ri, &h, h.records, h.records_bytes);
        while (rc == 0 && lode_record_iter_next(&ri, &r)) {
            if (lode_batch_is_control(&h)) {
                int16_t ver, type;
                if (lode_control_key_parse(&r, &ver, &type) != 0)
                    rc = LODE_ECORRUPT;
                else if (type == CONTROL_SNAPSHOT_HEADER)
                    header = true;
                else if (type == CONTROL_SNAPSHOT_FOOTER)
                    footer = true;
                continue;
            }
            if (!header) {
                rc = LODE_ECORRUPT;
                break;
            }
            int16_t type, version;
            void *msg;
            rc = lode_mrec_decode(r.value, (size_t)r.value_len, &a, &type, &version, &msg);
            if (rc == 0)
                lode_image_apply(b, type, version, msg);
            lode_arena_reset(&a);
        }
    }
    if (rc == 0 && (!header || !footer))
        rc = LODE_ECORRUPT;
    lode_arena_free(&a);
    lode_buf_free(&file);
    if (rc) {
        lode_image_builder_free(b);
        return rc;
    }
    *out = b;
    return 0;
}
