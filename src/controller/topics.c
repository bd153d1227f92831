/*
 * topics.c — CreateTopics, DeleteTopics and CreatePartitions as record
 * producers (see topics.h).
 */
#include "controller/topics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/uuid.h"
#include "metadata/records.h"
#include "controller/configs.h"
#include "proto/gen/ConfigRecord.h"
#include "proto/gen/PartitionRecord.h"
#include "proto/gen/RemoveTopicRecord.h"
#include "proto/gen/TopicRecord.h"
#include "proto/kerr.h"

#define MAX_TOPIC_NAME 249

__attribute__((format(printf, 3, 4))) static void set_err(lode_ctl_error_t *e, int16_t code,
                                                          const char *fmt, ...)
{
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

const char *lode_topic_name_error(const char *name, char *buf, size_t cap)
{
    size_t n = strlen(name);
    if (n == 0)
        return "Topic name is illegal, it can't be empty";
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return "Topic name cannot be \".\" or \"..\"";
    if (n > MAX_TOPIC_NAME) {
        snprintf(buf, cap,
                 "Topic name is illegal, it can't be longer than %d characters, topic name: %s",
                 MAX_TOPIC_NAME, name);
        return buf;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) {
            snprintf(buf, cap,
                     "Topic name \"%s\" is illegal, it contains a character other than ASCII "
                     "alphanumerics, '.', '_' and '-'",
                     name);
            return buf;
        }
    }
    return NULL;
}

bool lode_topic_names_collide(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b) || !strcmp(a, b))
        return false;
    for (size_t i = 0; i < n; i++) {
        char x = a[i] == '.' ? '_' : a[i], y = b[i] == '.' ? '_' : b[i];
        if (x != y)
            return false;
    }
    return true;
}

/* The brokers that can host replicas now: registered and not fenced, by id. */
static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/*
 * The brokers that can host replicas now (registered, not fenced), in
 * placement order: by id, or — when brokers declare racks — alternating
 * racks (Kafka's rack-alternated list: rack A's first, rack B's first, …,
 * rack A's second, …). *racks (same order) is set when racks are in use.
 */
static int32_t *usable_brokers(const lode_image_t *img, int *n, const char ***racks)
{
    int cap = (int)lode_hmap_count(&img->brokers);
    const lode_broker_info_t **bs = lode_xcalloc((size_t)(cap ? cap : 1), sizeof *bs);
    int32_t *ids = lode_xcalloc((size_t)(cap ? cap : 1), sizeof *ids);
    *n = 0;
    bool any_rack = false;
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&img->brokers, &it))) {
        const lode_broker_info_t *b = e->value;
        if (!b->fenced) {
            bs[(*n)++] = b;
            any_rack |= b->rack != NULL;
        }
    }
    /* by (rack, id) */
    for (int i = 1; i < *n; i++)
        for (int j = i; j > 0; j--) {
            int c = any_rack ? cmp_str(bs[j - 1]->rack, bs[j]->rack) : 0;
            if (c < 0 || (c == 0 && bs[j - 1]->id < bs[j]->id))
                break;
            const lode_broker_info_t *t = bs[j];
            bs[j] = bs[j - 1];
            bs[j - 1] = t;
        }
    if (racks)
        *racks = NULL;
    if (!any_rack) {
        for (int i = 0; i < *n; i++)
            ids[i] = bs[i]->id;
        free(bs);
        return ids;
    }
    /* Interleave the rack groups. */
    const char **r = lode_xcalloc((size_t)(*n ? *n : 1), sizeof *r);
    bool *taken = lode_xcalloc((size_t)(*n ? *n : 1), sizeof *taken);
    int k = 0;
    while (k < *n) {
        const char *last = NULL;
        bool first_in_round = true;
        for (int i = 0; i < *n; i++) {
            if (taken[i])
                continue;
            if (!first_in_round && last && !cmp_str(bs[i]->rack, last))
                continue; /* one broker per rack per round */
            if (!first_in_round && !last && !bs[i]->rack)
                continue;
            ids[k] = bs[i]->id;
            r[k] = bs[i]->rack;
            k++;
            taken[i] = true;
            last = bs[i]->rack;
            first_in_round = false;
        }
    }
    free(taken);
    free(bs);
    if (racks)
        *racks = r;
    else
        free(r);
    return ids;
}

/* Round-robin placement (Kafka's classic assignment): partition p's first
 * replica is broker (start + p) % n, followers follow with a shift so that
 * leaders and followers spread evenly. With racks, a follower is skipped
 * while its rack already holds a replica of the partition and unused racks
 * remain (Kafka's rack-aware assignment). */
static void place(const int32_t *brokers, const char *const *racks, int n, int32_t first_partition,
                  int32_t count, int16_t rf, uint32_t seed, int32_t *out)
{
    uint32_t start = seed % (uint32_t)n;
    uint32_t shift = n > 1 ? (seed / (uint32_t)n) % (uint32_t)(n - 1) : 0;
    int nracks = 0;
    for (int i = 0; racks && i < n; i++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = !cmp_str(racks[i], racks[j]);
        nracks += !seen;
    }
    for (int32_t i = 0; i < count; i++) {
        int32_t p = first_partition + i;
        if (p > 0 && p % n == 0)
            shift++;
        uint32_t first = (start + (uint32_t)p) % (uint32_t)n;
        int32_t *row = out + (size_t)i * (size_t)rf;
        row[0] = brokers[first];
        int used = 1;
        uint32_t k = 0;
        for (int16_t r = 1; r < rf; r++) {
            for (;; k++) {
                uint32_t s = 1 + (shift + k) % (uint32_t)(n - 1);
                uint32_t pos = (first + s) % (uint32_t)n;
                bool dup = false, same_rack = false;
                for (int16_t q = 0; q < r; q++) {
                    dup |= row[q] == brokers[pos];
                    if (racks)
                        for (int b = 0; b < n; b++)
                            if (brokers[b] == row[q])
                                same_rack |= !cmp_str(racks[b], racks[pos]);
                }
                if (dup || (same_rack && used < nracks))
                    continue;
                row[r] = brokers[pos];
                if (!same_rack)
                    used++;
                k++;
                break;
            }
        }
    }
}

static bool contains(const int32_t *v, int n, int32_t x)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

/* Checks an explicit assignment: every replica a registered broker, no
 * duplicates within a partition. */
static bool assignment_ok(const lode_image_t *img, const int32_t *a, int32_t parts, int32_t reps,
                          lode_ctl_error_t *err)
{
    for (int32_t p = 0; p < parts; p++) {
        const int32_t *row = a + (size_t)p * (size_t)reps;
        for (int32_t r = 0; r < reps; r++) {
            if (!lode_image_broker(img, row[r])) {
                set_err(err, LODE_KERR_INVALID_REPLICA_ASSIGNMENT,
                        "The manual partition assignment includes broker %d, but no broker with "
                        "that ID was found.",
                        row[r]);
                return false;
            }
            if (contains(row, r, row[r])) {
                set_err(err, LODE_KERR_INVALID_REPLICA_ASSIGNMENT,
                        "The manual partition assignment includes the broker %d more than once.",
                        row[r]);
                return false;
            }
        }
    }
    return true;
}

static int add_partition_records(lode_mrecs_t *out, const uint8_t topic_id[16], int32_t first,
                                 int32_t count, int32_t rf, const int32_t *replicas,
                                 const lode_image_t *img)
{
    int rc = 0;
    int32_t *isr = lode_xcalloc((size_t)(rf ? rf : 1), sizeof *isr);
    for (int32_t i = 0; i < count && rc == 0; i++) {
        const int32_t *row = replicas + (size_t)i * (size_t)rf;
        /* The ISR starts as the replicas that are up; the first of them leads. */
        int32_t nisr = 0;
        for (int32_t r = 0; r < rf; r++) {
            const lode_broker_info_t *b = lode_image_broker(img, row[r]);
            if (b && !b->fenced)
                isr[nisr++] = row[r];
        }
        PartitionRecord pr;
        PartitionRecord_init(&pr);
        pr.PartitionId = first + i;
        memcpy(pr.TopicId.b, topic_id, 16);
        pr.Replicas = (int32_t *)row;
        pr.Replicas_count = rf;
        pr.Isr = isr;
        pr.Isr_count = nisr;
        pr.Leader = nisr ? isr[0] : -1;
        pr.LeaderEpoch = 0;
        pr.PartitionEpoch = 0;
        rc = lode_mrecs_add(out, LODE_MREC_PARTITION, 0, &pr);
    }
    free(isr);
    return rc;
}

int lode_ctl_create_topic(const lode_image_t *img, const lode_new_topic_t *req,
                          const lode_topic_defaults_t *defs, bool validate_only,
                          uint8_t topic_id[16], lode_mrecs_t *out, lode_ctl_error_t *err)
{
    memset(err, 0, sizeof *err);
    char buf[512];
    const char *bad = lode_topic_name_error(req->name, buf, sizeof buf);
    if (bad) {
        set_err(err, LODE_KERR_INVALID_TOPIC_EXCEPTION, "%s", bad);
        return LODE_EINVAL;
    }
    if (lode_image_topic(img, req->name)) {
        set_err(err, LODE_KERR_TOPIC_ALREADY_EXISTS, "Topic '%s' already exists.", req->name);
        return LODE_EEXIST;
    }
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&img->topics_by_name, &it))) {
        if (lode_topic_names_collide(req->name, e->key)) {
            set_err(err, LODE_KERR_INVALID_TOPIC_EXCEPTION,
                    "Topic '%s' collides with existing topic: %s", req->name, (const char *)e->key);
            return LODE_EINVAL;
        }
    }
    int32_t parts = req->partitions, rf = req->replication;
    if (req->assignment) {
        if (parts != -1 || rf != -1) {
            set_err(err, LODE_KERR_INVALID_REQUEST,
                    "A manual partition assignment was specified, but numPartitions or "
                    "replicationFactor was not set to -1.");
            return LODE_EINVAL;
        }
        parts = req->assignment_partitions;
        rf = req->assignment_replicas;
        if (parts <= 0 || rf <= 0) {
            set_err(err, LODE_KERR_INVALID_REPLICA_ASSIGNMENT,
                    "The manual partition assignment must give at least one replica to every "
                    "partition.");
            return LODE_EINVAL;
        }
        if (!assignment_ok(img, req->assignment, parts, rf, err))
            return LODE_EINVAL;
    } else {
        if (parts == -1)
            parts = defs->num_partitions;
        if (rf == -1)
            rf = defs->default_replication_factor;
        if (parts <= 0) {
            set_err(err, LODE_KERR_INVALID_PARTITIONS,
                    "Number of partitions was set to an invalid non-positive value.");
            return LODE_EINVAL;
        }
        if (rf <= 0) {
            set_err(err, LODE_KERR_INVALID_REPLICATION_FACTOR,
                    "Replication factor must be larger than 0, or -1 to use the default value.");
            return LODE_EINVAL;
        }
    }
    for (size_t i = 0; i < req->nconfigs; i++) {
        const char *why = lode_ctl_config_check(LODE_CONFIG_RESOURCE_TOPIC, req->config_keys[i],
                                                req->config_values[i], buf, sizeof buf);
        if (why) {
            set_err(err, LODE_KERR_INVALID_CONFIG, "%s", why);
            return LODE_EINVAL;
        }
    }
    int nb;
    const char **racks;
    int32_t *brokers = usable_brokers(img, &nb, &racks);
    if (!req->assignment && rf > nb) {
        set_err(err, LODE_KERR_INVALID_REPLICATION_FACTOR,
                "Unable to replicate the partition %d time(s): The target replication factor of "
                "%d cannot be reached because only %d broker(s) are registered.",
                rf, rf, nb);
        free(brokers);
        free(racks);
        return LODE_EINVAL;
    }
    if (validate_only) {
        free(brokers);
        free(racks);
        return 0;
    }
    int32_t *replicas;
    if (req->assignment) {
        replicas = (int32_t *)req->assignment;
    } else {
        replicas = lode_xcalloc((size_t)parts * (size_t)rf, sizeof *replicas);
        place(brokers, racks, nb, 0, parts, (int16_t)rf, defs->placement_seed, replicas);
    }
    lode_uuid_random(topic_id);
    TopicRecord tr;
    TopicRecord_init(&tr);
    tr.Name = lode_str_c(req->name);
    memcpy(tr.TopicId.b, topic_id, 16);
    int rc = lode_mrecs_add(out, LODE_MREC_TOPIC, 0, &tr);
    if (!rc)
        rc = add_partition_records(out, topic_id, 0, parts, rf, replicas, img);
    for (size_t i = 0; i < req->nconfigs && !rc; i++) {
        ConfigRecord cr;
        ConfigRecord_init(&cr);
        cr.ResourceType = LODE_CONFIG_RESOURCE_TOPIC;
        cr.ResourceName = lode_str_c(req->name);
        cr.Name = lode_str_c(req->config_keys[i]);
        cr.Value = lode_str_c(req->config_values[i]);
        rc = lode_mrecs_add(out, LODE_MREC_CONFIG, 0, &cr);
    }
    if (!req->assignment)
        free(replicas);
    free(brokers);
    free(racks);
    return rc;
}

int lode_ctl_delete_topic(const lode_image_t *img, const char *name, const uint8_t *id,
                          lode_mrecs_t *out, lode_ctl_error_t *err)
{
    memset(err, 0, sizeof *err);
    const lode_topic_info_t *t =
        name ? lode_image_topic(img, name) : lode_image_topic_by_id(img, id);
    if (!t) {
        if (name)
            set_err(err, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION,
                    "This server does not host this topic-partition.");
        else
            set_err(err, LODE_KERR_UNKNOWN_TOPIC_ID, "This server does not host this topic ID.");
        return LODE_ENOTFOUND;
    }
    RemoveTopicRecord r;
    RemoveTopicRecord_init(&r);
    memcpy(r.TopicId.b, t->id, 16);
    return lode_mrecs_add(out, LODE_MREC_REMOVE_TOPIC, 0, &r);
}

int lode_ctl_create_partitions(const lode_image_t *img, const char *name, int32_t count,
                               const int32_t *assignment, int32_t assignment_partitions,
                               int32_t assignment_replicas, const lode_topic_defaults_t *defs,
                               bool validate_only, lode_mrecs_t *out, lode_ctl_error_t *err)
{
    memset(err, 0, sizeof *err);
    const lode_topic_info_t *t = lode_image_topic(img, name);
    if (!t) {
        set_err(err, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION,
                "This server does not host this topic-partition.");
        return LODE_ENOTFOUND;
    }
    if (count == t->npartitions) {
        set_err(err, LODE_KERR_INVALID_PARTITIONS, "Topic already has %d partition(s).",
                t->npartitions);
        return LODE_EINVAL;
    }
    if (count < t->npartitions) {
        set_err(err, LODE_KERR_INVALID_PARTITIONS,
                "The topic %s currently has %d partition(s); %d would not be an increase.", name,
                t->npartitions, count);
        return LODE_EINVAL;
    }
    int32_t add = count - t->npartitions;
    int32_t rf = t->npartitions ? t->partitions[0].nreplicas : 1;
    if (assignment) {
        if (assignment_partitions != add) {
            set_err(err, LODE_KERR_INVALID_REPLICA_ASSIGNMENT,
                    "Attempted to add %d additional partition(s), but only %d assignment(s) were "
                    "specified.",
                    add, assignment_partitions);
            return LODE_EINVAL;
        }
        if (assignment_replicas != rf) {
            set_err(err, LODE_KERR_INVALID_REPLICA_ASSIGNMENT,
                    "The manual partition assignment includes a partition with %d replica(s), "
                    "but this is not consistent with previous partitions, which have %d "
                    "replica(s).",
                    assignment_replicas, rf);
            return LODE_EINVAL;
        }
        if (!assignment_ok(img, assignment, add, rf, err))
            return LODE_EINVAL;
    }
    int nb;
    const char **racks;
    int32_t *brokers = usable_brokers(img, &nb, &racks);
    if (!assignment && rf > nb) {
        set_err(err, LODE_KERR_INVALID_REPLICATION_FACTOR,
                "Unable to replicate the partition %d time(s): The target replication factor of "
                "%d cannot be reached because only %d broker(s) are registered.",
                rf, rf, nb);
        free(brokers);
        free(racks);
        return LODE_EINVAL;
    }
    int rc = 0;
    if (!validate_only) {
        int32_t *replicas = (int32_t *)assignment;
        if (!assignment) {
            replicas = lode_xcalloc((size_t)add * (size_t)rf, sizeof *replicas);
            place(brokers, racks, nb, t->npartitions, add, (int16_t)rf, defs->placement_seed,
                  replicas);
        }
        rc = add_partition_records(out, t->id, t->npartitions, add, rf, replicas, img);
        if (!assignment)
            free(replicas);
    }
    free(brokers);
    free(racks);
    return rc;
}
