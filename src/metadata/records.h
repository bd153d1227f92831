/*
 * records.h — KRaft metadata records as stored in `__cluster_metadata`: each
 * record's value is
 *
 *   frame version (unsigned varint, 1) | record type (unsigned varint, the
 *   schema's apiKey) | version (unsigned varint) | the record, flexible-encoded
 *
 * and its key is null — the same framing Kafka's AbstractApiMessageSerde
 * writes, so `kafka-dump-log --cluster-metadata-decoder` reads our log.
 * lode_image_apply() turns decoded records into image changes.
 */
#ifndef LODE_METADATA_RECORDS_H
#define LODE_METADATA_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "metadata/image.h"

#define LODE_MREC_FRAME_VERSION 1

/* Record type ids (the schemas' apiKey). */
enum {
    LODE_MREC_REGISTER_BROKER = 0,
    LODE_MREC_UNREGISTER_BROKER = 1,
    LODE_MREC_TOPIC = 2,
    LODE_MREC_PARTITION = 3,
    LODE_MREC_CONFIG = 4,
    LODE_MREC_PARTITION_CHANGE = 5,
    LODE_MREC_FENCE_BROKER = 7,
    LODE_MREC_UNFENCE_BROKER = 8,
    LODE_MREC_REMOVE_TOPIC = 9,
    LODE_MREC_FEATURE_LEVEL = 12,
    LODE_MREC_PRODUCER_IDS = 15,
    LODE_MREC_BROKER_REGISTRATION_CHANGE = 17,
    LODE_MREC_NO_OP = 20,
    LODE_MREC_REGISTER_CONTROLLER = 27,
};

/* A list of framed metadata records (metadata/records.h). */
typedef struct lode_mrecs {
    lode_buf_t data;
    size_t *ends; /* end offset of each record in data */
    size_t n, cap;
} lode_mrecs_t;

void lode_mrecs_init(lode_mrecs_t *r);
void lode_mrecs_free(lode_mrecs_t *r);
/* Appends a record (a generated struct of `type`). */
int lode_mrecs_add(lode_mrecs_t *r, int16_t type, int16_t version, const void *msg);
/* Record i as bytes. */
const uint8_t *lode_mrecs_get(const lode_mrecs_t *r, size_t i, size_t *len);

/* Appends the framed value of record `msg` (a generated struct of `type`). */
int lode_mrec_encode(int16_t type, int16_t version, const void *msg, lode_buf_t *out);

/* Decodes a framed value: *msg (from arena a) is the generated struct of
 * *type. LODE_ECORRUPT on a bad frame, LODE_EUNSUPPORTED for an unknown type
 * or version. */
int lode_mrec_decode(const uint8_t *p, size_t len, lode_arena_t *a, int16_t *type, int16_t *version,
                     void **msg);

/*
 * Applies one decoded record to an image builder (Kafka's MetadataDelta).
 * Returns 0, or LODE_EINVAL when the record refers to something the image
 * lacks (a partition of an unknown topic): the caller logs it — a committed
 * log is never rejected. Record types lode does not use yet (ACLs, SCRAM
 * credentials, quotas, delegation tokens) are accepted and ignored.
 */
int lode_image_apply(lode_image_t *b, int16_t type, int16_t version, const void *msg);

#endif
