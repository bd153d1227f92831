/*
 * records.h — the records of `__consumer_offsets`, byte for byte as Kafka
 * writes them, so that tools reading that topic understand lode's:
 *
 *   offset commit   key = int16 1 + OffsetCommitKey (group, topic, partition)
 *                   value = int16 3 + OffsetCommitValue; null = deleted
 *   group metadata  key = int16 2 + GroupMetadataKey (group)
 *                   value = int16 3 + GroupMetadataValue; null = deleted
 *
 * Key versions 0 and 1 are both offset commits (Kafka reads both); other
 * key versions (KIP-848's consumer-group records) are reported as OTHER
 * and skipped by the classic coordinator.
 */
#ifndef LODE_GROUP_RECORDS_H
#define LODE_GROUP_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "proto/gen/GroupMetadataValue.h"
#include "proto/gen/OffsetCommitValue.h"

typedef enum lode_grec_kind {
    LODE_GREC_OFFSET,
    LODE_GREC_GROUP,
    LODE_GREC_OTHER,
} lode_grec_kind_t;

/* A decoded record; strings point into the record or the arena. */
typedef struct lode_grec {
    lode_grec_kind_t kind;
    bool tombstone; /* null value */
    lode_str_t group;
    lode_str_t topic; /* offsets */
    int32_t partition;
    int16_t value_version;
    OffsetCommitValue offset;  /* kind OFFSET, not a tombstone */
    GroupMetadataValue value;  /* kind GROUP, not a tombstone */
} lode_grec_t;

/* Decodes one record (key_len/value_len -1 = null). LODE_ECORRUPT when the
 * key or value does not decode. */
int lode_grec_decode(const uint8_t *key, int32_t key_len, const uint8_t *value, int32_t value_len,
                     lode_arena_t *a, lode_grec_t *out);

/* Record parts, appended to b. */
void lode_grec_offset_key(lode_buf_t *b, const char *group, const char *topic, int32_t partition);
void lode_grec_offset_value(lode_buf_t *b, int64_t offset, int32_t leader_epoch,
                            const char *metadata, int64_t commit_ms);
void lode_grec_group_key(lode_buf_t *b, const char *group);
void lode_grec_group_value(lode_buf_t *b, const GroupMetadataValue *v);

#endif
