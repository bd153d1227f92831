/*
 * records.c — metadata record framing and application to the image.
 */
#include "metadata/records.h"

#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "proto/gen/BrokerRegistrationChangeRecord.h"
#include "proto/gen/ConfigRecord.h"
#include "proto/gen/FeatureLevelRecord.h"
#include "proto/gen/FenceBrokerRecord.h"
#include "proto/gen/PartitionChangeRecord.h"
#include "proto/gen/PartitionRecord.h"
#include "proto/gen/ProducerIdsRecord.h"
#include "proto/gen/RegisterBrokerRecord.h"
#include "proto/gen/RemoveTopicRecord.h"
#include "proto/gen/TopicRecord.h"
#include "proto/gen/UnfenceBrokerRecord.h"
#include "proto/gen/UnregisterBrokerRecord.h"
#include "proto/gen/api_table.h"

int lode_mrec_encode(int16_t type, int16_t version, const void *msg, lode_buf_t *out)
{
    const lode_msg_type_t *t = lode_metadata_record_type(type);
    if (!t)
        return LODE_EUNSUPPORTED;
    size_t start = out->len;
    lode_buf_put_uvarint(out, LODE_MREC_FRAME_VERSION);
    lode_buf_put_uvarint(out, (uint32_t)type);
    lode_buf_put_uvarint(out, (uint32_t)version);
    int rc = t->encode(msg, version, out);
    if (rc)
        out->len = start;
    return rc;
}

int lode_mrec_decode(const uint8_t *p, size_t len, lode_arena_t *a, int16_t *type, int16_t *version,
                     void **msg)
{
    lode_reader_t r;
    lode_reader_init(&r, p, len);
    uint32_t frame = lode_read_uvarint(&r);
    uint32_t t = lode_read_uvarint(&r);
    uint32_t v = lode_read_uvarint(&r);
    if (r.err || frame != LODE_MREC_FRAME_VERSION || t > INT16_MAX || v > INT16_MAX)
        return LODE_ECORRUPT;
    const lode_msg_type_t *mt = lode_metadata_record_type((int16_t)t);
    if (!mt)
        return LODE_EUNSUPPORTED;
    void *m = lode_arena_calloc(a, 1, mt->size);
    int rc = mt->decode(m, (int16_t)v, &r, a);
    if (rc)
        return rc;
    if (lode_reader_remaining(&r) != 0)
        return LODE_ECORRUPT;
    *type = (int16_t)t;
    *version = (int16_t)v;
    *msg = m;
    return 0;
}

void lode_mrecs_init(lode_mrecs_t *r)
{
    memset(r, 0, sizeof *r);
}

void lode_mrecs_free(lode_mrecs_t *r)
{
    lode_buf_free(&r->data);
    free(r->ends);
    memset(r, 0, sizeof *r);
}

int lode_mrecs_add(lode_mrecs_t *r, int16_t type, int16_t version, const void *msg)
{
    int rc = lode_mrec_encode(type, version, msg, &r->data);
    if (rc)
        return rc;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->ends = lode_xrealloc(r->ends, r->cap * sizeof *r->ends);
    }
    r->ends[r->n++] = r->data.len;
    return 0;
}

const uint8_t *lode_mrecs_get(const lode_mrecs_t *r, size_t i, size_t *len)
{
    size_t start = i ? r->ends[i - 1] : 0;
    *len = r->ends[i] - start;
    return r->data.data + start;
}

static char *dup_str(const lode_str_t *s)
{
    return s->len >= 0 ? lode_xstrndup(s->ptr, (size_t)s->len) : NULL;
}

/* A NUL-terminated copy in a small buffer (names are bounded by Kafka). */
static const char *cstr(const lode_str_t *s, char *buf, size_t cap)
{
    size_t n = s->len > 0 ? (size_t)s->len : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, s->ptr ? s->ptr : "", n);
    buf[n] = 0;
    return buf;
}

static int apply_partition(lode_image_t *b, const PartitionRecord *r)
{
    lode_partition_info_t *p = lode_image_mut_partition(b, r->TopicId.b, r->PartitionId);
    if (!p)
        return LODE_EINVAL;
    lode_image_set_ids(&p->replicas, &p->nreplicas, r->Replicas, r->Replicas_count);
    lode_image_set_ids(&p->isr, &p->nisr, r->Isr, r->Isr_count);
    p->leader = r->Leader;
    p->leader_epoch = r->LeaderEpoch;
    p->partition_epoch = r->PartitionEpoch;
    return 0;
}

/* PartitionChangeRecord: only what it carries changes; a leader change bumps
 * the leader epoch, every change bumps the partition epoch (Kafka's
 * PartitionRegistration.merge). */
static int apply_partition_change(lode_image_t *b, const PartitionChangeRecord *r)
{
    const lode_topic_info_t *t = lode_image_topic_by_id(b, r->TopicId.b);
    if (!t || r->PartitionId < 0 || r->PartitionId >= t->npartitions)
        return LODE_EINVAL;
    lode_partition_info_t *p = lode_image_mut_partition(b, r->TopicId.b, r->PartitionId);
    if (r->Isr_count >= 0)
        lode_image_set_ids(&p->isr, &p->nisr, r->Isr, r->Isr_count);
    if (r->Replicas_count >= 0)
        lode_image_set_ids(&p->replicas, &p->nreplicas, r->Replicas, r->Replicas_count);
    if (r->Leader != -2) {
        p->leader = r->Leader;
        p->leader_epoch++;
    }
    p->partition_epoch++;
    return 0;
}

static int apply_register_broker(lode_image_t *b, const RegisterBrokerRecord *r)
{
    lode_broker_info_t info;
    memset(&info, 0, sizeof info);
    info.id = r->BrokerId;
    info.epoch = r->BrokerEpoch;
    memcpy(info.incarnation_id, r->IncarnationId.b, 16);
    info.rack = dup_str(&r->Rack);
    info.fenced = r->Fenced;
    info.in_controlled_shutdown = r->InControlledShutdown;
    info.nendpoints = r->EndPoints_count > 0 ? r->EndPoints_count : 0;
    info.endpoints =
        lode_xcalloc((size_t)(info.nendpoints ? info.nendpoints : 1), sizeof *info.endpoints);
    for (int32_t i = 0; i < info.nendpoints; i++) {
        const RegisterBrokerRecord_BrokerEndpoint *e = &r->EndPoints[i];
        info.endpoints[i].listener = dup_str(&e->Name);
        info.endpoints[i].host = dup_str(&e->Host);
        info.endpoints[i].port = e->Port;
        info.endpoints[i].security_protocol = e->SecurityProtocol;
        if (!info.endpoints[i].listener)
            info.endpoints[i].listener = lode_xstrdup("");
        if (!info.endpoints[i].host)
            info.endpoints[i].host = lode_xstrdup("");
    }
    lode_image_put_broker(b, &info);
    return 0;
}

static int set_fenced(lode_image_t *b, int32_t id, int fenced, int shutdown)
{
    lode_broker_info_t *br = lode_image_mut_broker(b, id);
    if (!br)
        return LODE_EINVAL;
    if (fenced >= 0)
        br->fenced = fenced;
    if (shutdown >= 0)
        br->in_controlled_shutdown = shutdown;
    return 0;
}

int lode_image_apply(lode_image_t *b, int16_t type, int16_t version, const void *msg)
{
    (void)version;
    char name[512], res[512];
    switch (type) {
    case LODE_MREC_TOPIC: {
        const TopicRecord *r = msg;
        lode_image_put_topic(b, cstr(&r->Name, name, sizeof name), r->TopicId.b);
        return 0;
    }
    case LODE_MREC_PARTITION:
        return apply_partition(b, msg);
    case LODE_MREC_PARTITION_CHANGE:
        return apply_partition_change(b, msg);
    case LODE_MREC_REMOVE_TOPIC: {
        const RemoveTopicRecord *r = msg;
        const lode_topic_info_t *t = lode_image_topic_by_id(b, r->TopicId.b);
        if (!t)
            return LODE_EINVAL;
        lode_image_clear_configs(b, LODE_CONFIG_RESOURCE_TOPIC, t->name);
        lode_image_remove_topic(b, r->TopicId.b);
        return 0;
    }
    case LODE_MREC_CONFIG: {
        const ConfigRecord *r = msg;
        char value[4096];
        lode_image_set_config(b, r->ResourceType, cstr(&r->ResourceName, res, sizeof res),
                              cstr(&r->Name, name, sizeof name),
                              r->Value.len >= 0 ? cstr(&r->Value, value, sizeof value) : NULL);
        return 0;
    }
    case LODE_MREC_REGISTER_BROKER:
        return apply_register_broker(b, msg);
    case LODE_MREC_UNREGISTER_BROKER:
        return lode_image_remove_broker(b, ((const UnregisterBrokerRecord *)msg)->BrokerId)
                   ? 0
                   : LODE_EINVAL;
    case LODE_MREC_FENCE_BROKER:
        return set_fenced(b, ((const FenceBrokerRecord *)msg)->Id, 1, -1);
    case LODE_MREC_UNFENCE_BROKER:
        return set_fenced(b, ((const UnfenceBrokerRecord *)msg)->Id, 0, -1);
    case LODE_MREC_BROKER_REGISTRATION_CHANGE: {
        /* Fenced: 1 fence, -1 unfence, 0 no change; InControlledShutdown: 1 yes. */
        const BrokerRegistrationChangeRecord *r = msg;
        int fenced = r->Fenced == 1 ? 1 : r->Fenced == -1 ? 0 : -1;
        return set_fenced(b, r->BrokerId, fenced, r->InControlledShutdown == 1 ? 1 : -1);
    }
    case LODE_MREC_PRODUCER_IDS: {
        const ProducerIdsRecord *r = msg;
        if (r->NextProducerId > b->next_producer_id)
            b->next_producer_id = r->NextProducerId;
        return 0;
    }
    case LODE_MREC_FEATURE_LEVEL: {
        const FeatureLevelRecord *r = msg;
        lode_image_set_feature(b, cstr(&r->Name, name, sizeof name), r->FeatureLevel);
        return 0;
    }
    default:
        return 0;
    }
}
