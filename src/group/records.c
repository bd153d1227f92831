/*
 * records.c — encoding and decoding __consumer_offsets records (records.h).
 */
#include "group/records.h"

#include <string.h>

#include "core/err.h"
#include "proto/gen/GroupMetadataKey.h"
#include "proto/gen/OffsetCommitKey.h"

#define OFFSET_KEY_VERSION 1
#define GROUP_KEY_VERSION 2
#define OFFSET_VALUE_VERSION 3
#define GROUP_VALUE_VERSION 3

int lode_grec_decode(const uint8_t *key, int32_t key_len, const uint8_t *value, int32_t value_len,
                     lode_arena_t *a, lode_grec_t *out)
{
    memset(out, 0, sizeof *out);
    out->kind = LODE_GREC_OTHER;
    out->tombstone = value_len < 0;
    if (key_len < 2)
        return LODE_ECORRUPT;
    lode_reader_t r;
    lode_reader_init(&r, key, (size_t)key_len);
    int16_t kv = lode_read_i16(&r);
    if (kv == 0 || kv == 1) {
        OffsetCommitKey k;
        if (OffsetCommitKey_decode(&k, kv, &r, a) != 0 || k.group.len < 0 || k.topic.len < 0)
            return LODE_ECORRUPT;
        out->kind = LODE_GREC_OFFSET;
        out->group = k.group;
        out->topic = k.topic;
        out->partition = k.partition;
    } else if (kv == GROUP_KEY_VERSION) {
        GroupMetadataKey k;
        if (GroupMetadataKey_decode(&k, GROUP_KEY_VERSION, &r, a) != 0 || k.group.len < 0)
            return LODE_ECORRUPT;
        out->kind = LODE_GREC_GROUP;
        out->group = k.group;
    } else {
        return 0;
    }
    if (out->tombstone)
        return 0;
    if (value_len < 2)
        return LODE_ECORRUPT;
    lode_reader_init(&r, value, (size_t)value_len);
    out->value_version = lode_read_i16(&r);
    if (out->kind == LODE_GREC_OFFSET) {
        if (out->value_version < 0 || out->value_version > OFFSETCOMMITVALUE_MAX_VERSION ||
            OffsetCommitValue_decode(&out->offset, out->value_version, &r, a) != 0)
            return LODE_ECORRUPT;
        if (out->value_version < 3)
            out->offset.leaderEpoch = -1;
    } else {
        if (out->value_version < 0 || out->value_version > GROUPMETADATAVALUE_MAX_VERSION ||
            GroupMetadataValue_decode(&out->value, out->value_version, &r, a) != 0)
            return LODE_ECORRUPT;
        if (out->value_version < 2)
            out->value.currentStateTimestamp = -1;
    }
    return 0;
}

void lode_grec_offset_key(lode_buf_t *b, const char *group, const char *topic, int32_t partition)
{
    OffsetCommitKey k;
    OffsetCommitKey_init(&k);
    k.group = lode_str_c(group);
    k.topic = lode_str_c(topic);
    k.partition = partition;
    lode_buf_put_i16(b, OFFSET_KEY_VERSION);
    OffsetCommitKey_encode(&k, OFFSET_KEY_VERSION, b);
}

void lode_grec_offset_value(lode_buf_t *b, int64_t offset, int32_t leader_epoch,
                            const char *metadata, int64_t commit_ms)
{
    OffsetCommitValue v;
    OffsetCommitValue_init(&v);
    v.offset = offset;
    v.leaderEpoch = leader_epoch;
    v.metadata = lode_str_c(metadata ? metadata : "");
    v.commitTimestamp = commit_ms;
    lode_buf_put_i16(b, OFFSET_VALUE_VERSION);
    OffsetCommitValue_encode(&v, OFFSET_VALUE_VERSION, b);
}

void lode_grec_group_key(lode_buf_t *b, const char *group)
{
    GroupMetadataKey k;
    GroupMetadataKey_init(&k);
    k.group = lode_str_c(group);
    lode_buf_put_i16(b, GROUP_KEY_VERSION);
    GroupMetadataKey_encode(&k, GROUP_KEY_VERSION, b);
}

void lode_grec_group_value(lode_buf_t *b, const GroupMetadataValue *v)
{
    lode_buf_put_i16(b, GROUP_VALUE_VERSION);
    GroupMetadataValue_encode(v, GROUP_VALUE_VERSION, b);
}
