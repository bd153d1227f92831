/*
 * record_batch.h — Kafka record batches (magic v2): parse, validate, iterate,
 * rewrite in place, build.
 *
 * A batch on the wire and on disk (Kafka's DefaultRecordBatch), big-endian:
 *
 *   offset  field                 type    notes
 *    0      baseOffset            int64   rewritten by the leader on append
 *    8      batchLength           int32   bytes after this field
 *   12      partitionLeaderEpoch  int32   rewritten by the leader on append
 *   16      magic                 int8    2 (0 and 1 are the legacy formats)
 *   17      crc                   uint32  CRC-32C of bytes 21..end
 *   21      attributes            int16   bits 0-2 codec, 3 LogAppendTime,
 *                                         4 transactional, 5 control,
 *                                         6 hasDeleteHorizonMs
 *   23      lastOffsetDelta       int32
 *   27      baseTimestamp         int64   (the delete horizon when bit 6 set)
 *   35      maxTimestamp          int64
 *   43      producerId            int64   -1 when not idempotent
 *   51      producerEpoch         int16   -1 when not idempotent
 *   53      baseSequence          int32   -1 when not idempotent
 *   57      recordsCount          int32
 *   61      records               (compressed as one stream when codec != 0)
 *
 * A record (Kafka's DefaultRecord): length varint (bytes after it),
 * attributes int8 (unused), timestampDelta varlong, offsetDelta varint,
 * keyLength varint (-1 = null), key, valueLength varint (-1 = null), value,
 * headersCount varint, then per header: keyLength varint (>= 0), key (a
 * string), valueLength varint (-1 = null), value.
 *
 * The CRC covers attributes to the end, so baseOffset, batchLength,
 * partitionLeaderEpoch and magic can be rewritten without recomputing it —
 * which is how a leader assigns offsets to a produced batch and then stores
 * it byte for byte.
 *
 * Everything here reads through bounded pointers into the caller's buffer:
 * no allocation per record, no copy of keys or values. Decompression, when
 * needed, goes into a caller-supplied scratch buffer under a size bound.
 *
 * Errors (negative LODE_E* codes) and the Kafka error a broker should
 * answer with:
 *
 *   LODE_ETRUNC       fewer bytes than the structure needs (a partial batch)
 *   LODE_ECORRUPT     structurally wrong: CRC mismatch, lengths, varints,
 *                     counts, unknown codec                → CORRUPT_MESSAGE (2)
 *   LODE_EUNSUPPORTED magic 0 or 1 (message format v0/v1)
 *                                          → UNSUPPORTED_FOR_MESSAGE_FORMAT (43)
 *   LODE_EINVAL       well-formed but breaks Kafka's rules for what a client
 *                     may write (offset range vs count, control batch from a
 *                     client, sequence < 0 with a producer id, missing key on
 *                     a compacted topic)                   → INVALID_RECORD (87)
 *   LODE_ERANGE       record timestamp outside the allowed window, or
 *                     LogAppendTime set by a producer      → INVALID_TIMESTAMP (32)
 *   LODE_ETOOBIG      batch larger than allowed            → MESSAGE_TOO_LARGE (10)
 *                     (also: records expand past the decompression bound)
 *   LODE_ECOMPRESS    the compressed records do not decompress
 *                                                          → CORRUPT_MESSAGE (2)
 *
 * Threads: all functions are reentrant; a builder, an iterator or a
 * lode_codec_ctx_t belongs to one thread at a time.
 */
#ifndef LODE_PROTO_RECORD_BATCH_H
#define LODE_PROTO_RECORD_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "proto/compress.h"

/* ---- layout ------------------------------------------------------------ */

#define LODE_BATCH_BASE_OFFSET_OFFSET 0
#define LODE_BATCH_LENGTH_OFFSET 8
#define LODE_BATCH_LEADER_EPOCH_OFFSET 12
#define LODE_BATCH_MAGIC_OFFSET 16
#define LODE_BATCH_CRC_OFFSET 17
#define LODE_BATCH_ATTRIBUTES_OFFSET 21
#define LODE_BATCH_LAST_OFFSET_DELTA_OFFSET 23
#define LODE_BATCH_BASE_TIMESTAMP_OFFSET 27
#define LODE_BATCH_MAX_TIMESTAMP_OFFSET 35
#define LODE_BATCH_PRODUCER_ID_OFFSET 43
#define LODE_BATCH_PRODUCER_EPOCH_OFFSET 51
#define LODE_BATCH_BASE_SEQUENCE_OFFSET 53
#define LODE_BATCH_RECORDS_COUNT_OFFSET 57
#define LODE_BATCH_RECORDS_OFFSET 61

/* Bytes before the first record (Kafka's RECORD_BATCH_OVERHEAD). */
#define LODE_BATCH_HEADER_BYTES 61
/* baseOffset + batchLength, which batchLength does not count (LOG_OVERHEAD). */
#define LODE_BATCH_LOG_OVERHEAD 12
/* Bytes needed to read the magic byte of any format (HEADER_SIZE_UP_TO_MAGIC). */
#define LODE_BATCH_BYTES_TO_MAGIC 17
/* The largest total size a batch can have: 12 + INT32_MAX. */
#define LODE_BATCH_MAX_BYTES ((size_t)LODE_BATCH_LOG_OVERHEAD + INT32_MAX)
#define LODE_BATCH_MAGIC_V2 2

/* Attribute bits. */
#define LODE_BATCH_ATTR_COMPRESSION_MASK 0x07
#define LODE_BATCH_ATTR_LOG_APPEND_TIME 0x08
#define LODE_BATCH_ATTR_TRANSACTIONAL 0x10
#define LODE_BATCH_ATTR_CONTROL 0x20
#define LODE_BATCH_ATTR_DELETE_HORIZON 0x40

/* Kafka's "absent" values (RecordBatch.NO_*). */
#define LODE_NO_TIMESTAMP (-1LL)
#define LODE_NO_PRODUCER_ID (-1LL)
#define LODE_NO_PRODUCER_EPOCH (-1)
#define LODE_NO_SEQUENCE (-1)
#define LODE_NO_PARTITION_LEADER_EPOCH (-1)

typedef enum lode_timestamp_type {
    LODE_TIMESTAMP_CREATE_TIME = 0,
    LODE_TIMESTAMP_LOG_APPEND_TIME = 1,
} lode_timestamp_type_t;

/* ---- header view ------------------------------------------------------- */

/*
 * A parsed batch header: the fixed fields decoded, plus pointers into the
 * buffer it was parsed from (which must outlive it). Rewriting the batch in
 * place (lode_batch_set_*) makes the decoded copies stale; parse again.
 */
typedef struct lode_batch_hdr {
    const uint8_t *data; /* first byte of the batch (baseOffset) */
    size_t size;         /* whole batch: LODE_BATCH_LOG_OVERHEAD + batch_length */
    int64_t base_offset;
    int32_t batch_length;
    int32_t partition_leader_epoch;
    int8_t magic;
    uint32_t crc;
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t base_timestamp;
    int64_t max_timestamp;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t records_count;
    const uint8_t *records; /* data + 61: the (possibly compressed) records */
    size_t records_bytes;   /* size - 61 */
    const char *why;        /* after a failed parse: static description, else NULL */
} lode_batch_hdr_t;

/*
 * Parses the batch starting at p (len bytes available, possibly more than
 * one batch). Checks only what the header alone can tell: enough bytes, the
 * magic, batchLength >= 49. It does not check the CRC or the records (see
 * lode_batch_validate).
 *
 * Returns 0 and fills *out; otherwise out->why holds a static message for the
 * client and:
 *   LODE_ETRUNC       len is less than the batch: out->size is the batch's
 *                     full size when at least 12 bytes were there (else 0),
 *                     so a reader knows how much to fetch;
 *   LODE_EUNSUPPORTED magic 0 or 1 (legacy message sets, which lode does not
 *                     store; Kafka answers UNSUPPORTED_FOR_MESSAGE_FORMAT);
 *   LODE_ECORRUPT     magic other than 0..2, or an impossible batchLength.
 */
int lode_batch_parse_header(const uint8_t *p, size_t len, lode_batch_hdr_t *out);

static inline int lode_batch_compression(const lode_batch_hdr_t *h)
{
    return h->attributes & LODE_BATCH_ATTR_COMPRESSION_MASK;
}
static inline lode_timestamp_type_t lode_batch_timestamp_type(const lode_batch_hdr_t *h)
{
    return (h->attributes & LODE_BATCH_ATTR_LOG_APPEND_TIME) ? LODE_TIMESTAMP_LOG_APPEND_TIME
                                                             : LODE_TIMESTAMP_CREATE_TIME;
}
static inline bool lode_batch_is_transactional(const lode_batch_hdr_t *h)
{
    return (h->attributes & LODE_BATCH_ATTR_TRANSACTIONAL) != 0;
}
static inline bool lode_batch_is_control(const lode_batch_hdr_t *h)
{
    return (h->attributes & LODE_BATCH_ATTR_CONTROL) != 0;
}
static inline bool lode_batch_has_delete_horizon(const lode_batch_hdr_t *h)
{
    return (h->attributes & LODE_BATCH_ATTR_DELETE_HORIZON) != 0;
}
/* Kafka's hasProducerId(): producerId > -1. */
static inline bool lode_batch_has_producer_id(const lode_batch_hdr_t *h)
{
    return h->producer_id > LODE_NO_PRODUCER_ID;
}
/* baseOffset + lastOffsetDelta (validate first: unchecked for overflow). */
static inline int64_t lode_batch_last_offset(const lode_batch_hdr_t *h)
{
    return (int64_t)((uint64_t)h->base_offset + (uint64_t)(int64_t)h->last_offset_delta);
}

/* ---- CRC and in-place rewrites ----------------------------------------- */

/* CRC-32C of a whole batch's covered bytes (attributes to the end).
 * size >= LODE_BATCH_HEADER_BYTES. */
uint32_t lode_batch_compute_crc(const uint8_t *batch, size_t size);

/* True when the stored CRC matches the batch's bytes. */
bool lode_batch_verify_crc(const lode_batch_hdr_t *h);

/* Recomputes and stores the CRC of a batch of `size` bytes. */
void lode_batch_update_crc(uint8_t *batch, size_t size);

/* Sets baseOffset (not covered by the CRC: nothing else changes). */
void lode_batch_set_base_offset(uint8_t *batch, int64_t base_offset);

/* Sets partitionLeaderEpoch (not covered by the CRC). */
void lode_batch_set_partition_leader_epoch(uint8_t *batch, int32_t epoch);

/*
 * Sets the timestamp type bit and maxTimestamp, as Kafka's
 * DefaultRecordBatch.setMaxTimestamp: when either changes, the CRC is
 * recomputed (it covers both); when neither does, nothing is written. Used
 * for LogAppendTime topics (type LOG_APPEND_TIME, broker's now) and to store
 * the true max of CreateTime records. `batch` is a whole batch of `size`
 * bytes (a valid header: size >= 61).
 */
void lode_batch_set_max_timestamp(uint8_t *batch, size_t size, lode_timestamp_type_t type,
                                  int64_t max_timestamp);

/* ---- many batches ------------------------------------------------------ */

/*
 * Walks concatenated batches: a Produce request's `records`, a log segment
 * slice, a Fetch response partition. Usage:
 *
 *   lode_batch_iter_t it;
 *   lode_batch_hdr_t h;
 *   lode_batch_iter_init(&it, data, len);
 *   while (lode_batch_iter_next(&it, &h)) { ... }
 *   if (it.err) ... it.why ...;            (a bad batch header stopped us)
 *   if (it.partial_bytes) ...;             (an incomplete batch ends the data)
 *
 * Only headers are parsed (lode_batch_parse_header); validate each batch
 * before trusting its records. An incomplete trailing batch is not an error
 * (Fetch responses may end with one, and Kafka's reader drops it silently);
 * it is reported in partial_bytes, starting at data + pos. A Produce handler
 * should reject it (CORRUPT_MESSAGE).
 */
typedef struct lode_batch_iter {
    const uint8_t *data;
    size_t len;
    size_t pos;           /* offset of the next batch */
    int err;              /* 0, or the LODE_E* that stopped the walk (sticky) */
    const char *why;      /* static description of err, else NULL */
    size_t partial_bytes; /* bytes of an incomplete trailing batch, 0 if none */
} lode_batch_iter_t;

void lode_batch_iter_init(lode_batch_iter_t *it, const uint8_t *data, size_t len);

/* Parses the next batch into *h and returns true, or returns false at the
 * end, at a partial trailing batch, or on an error (it->err). */
bool lode_batch_iter_next(lode_batch_iter_t *it, lode_batch_hdr_t *h);

/* ---- records ----------------------------------------------------------- */

/* A record header's key and value. key is never null (key_len >= 0);
 * a null value has value == NULL and value_len == -1. */
typedef struct lode_header {
    const uint8_t *key;
    int32_t key_len;
    const uint8_t *value;
    int32_t value_len;
} lode_header_t;

/*
 * One record, decoded in place: pointers into the records buffer, valid as
 * long as it is. A null key or value has pointer NULL and length -1.
 */
typedef struct lode_record {
    int64_t offset;    /* base_offset + offset_delta */
    int64_t timestamp; /* base_timestamp + timestamp_delta; under
                          LogAppendTime, the batch's maxTimestamp */
    int64_t timestamp_delta;
    int32_t offset_delta;
    int8_t attributes; /* unused by Kafka so far */
    const uint8_t *key;
    int32_t key_len;
    const uint8_t *value;
    int32_t value_len;
    int32_t header_count;
    const uint8_t *headers; /* encoded headers, after headersCount */
    size_t headers_bytes;
    const uint8_t *raw; /* the whole record, from its length varint */
    size_t raw_bytes;
} lode_record_t;

/*
 * Iterates the records of one batch. `records` is the batch's records area:
 * h->records when uncompressed, else the output of lode_batch_records(). The
 * iterator checks every length against the bytes present and the record's
 * own length, and at the end that exactly recordsCount records filled the
 * area (no trailing bytes). Usage:
 *
 *   lode_record_iter_init(&it, &h, records, records_bytes);
 *   while (lode_record_iter_next(&it, &rec)) { ... }
 *   if (it.err) ... it.why ...;
 */
typedef struct lode_record_iter {
    lode_reader_t r;
    int64_t base_offset;
    int64_t base_timestamp;
    int64_t log_append_time; /* the batch's maxTimestamp under LogAppendTime */
    bool log_append;
    int32_t count;   /* recordsCount from the header */
    int32_t index;   /* records returned so far */
    int err;         /* 0 or LODE_ECORRUPT (sticky) */
    const char *why; /* static description of err */
} lode_record_iter_t;

void lode_record_iter_init(lode_record_iter_t *it, const lode_batch_hdr_t *h,
                           const uint8_t *records, size_t records_bytes);

/* Decodes the next record into *rec and returns true; false at the end or
 * on corruption (it->err set; the end is clean only when it->err == 0). */
bool lode_record_iter_next(lode_record_iter_t *it, lode_record_t *rec);

/* Iterates a record's headers (already checked by lode_record_iter_next). */
typedef struct lode_header_iter {
    lode_reader_t r;
    int32_t left;
} lode_header_iter_t;

void lode_header_iter_init(lode_header_iter_t *it, const lode_record_t *rec);
bool lode_header_iter_next(lode_header_iter_t *it, lode_header_t *out);

/*
 * Gives the batch's uncompressed records area: h->records itself when the
 * batch is uncompressed, else the records decompressed into `scratch`
 * (reset first; at most max_bytes, see lode_decompress). *records points into
 * h's buffer or into scratch; it stays valid until scratch changes. ctx may
 * be NULL. Returns 0, LODE_ECORRUPT (unknown codec), LODE_ETOOBIG or
 * LODE_ECOMPRESS.
 */
int lode_batch_records(const lode_batch_hdr_t *h, lode_codec_ctx_t *ctx, size_t max_bytes,
                       lode_buf_t *scratch, const uint8_t **records, size_t *records_bytes);

/* ---- validation -------------------------------------------------------- */

/* lode_batch_validate flags. */
enum {
    /*
     * The batch comes from a producer (Produce request), so Kafka's client
     * rules apply (LogValidator.validateBatch and friends): at least one
     * record; lastOffsetDelta == recordsCount - 1 and the records' offset
     * deltas are exactly 0, 1, 2, …; no control batch; no LogAppendTime
     * (LODE_ERANGE); no delete horizon; producerId >= -1; with a producer id,
     * baseSequence >= 0 and producerEpoch >= 0; a transactional batch has a
     * producer id. baseOffset is not checked (the leader overwrites it).
     * Without this flag (replication, log recovery, compaction output),
     * offset deltas need only increase within 0..lastOffsetDelta, empty
     * batches are fine and baseOffset must be >= 0.
     */
    LODE_BATCH_V_CLIENT = 1 << 0,
    /* Every record needs a key (compacted topics; Kafka: INVALID_RECORD). */
    LODE_BATCH_V_REQUIRE_KEYS = 1 << 1,
    /*
     * CreateTime record timestamps must lie in [min_timestamp, max_timestamp]
     * (the caller derives them from now and message.timestamp.before/after.
     * max.ms); -1 (no timestamp) is exempt, as in Kafka. LODE_ERANGE.
     */
    LODE_BATCH_V_TIMESTAMPS = 1 << 2,
    /* A CreateTime batch's maxTimestamp must equal its records' max (Kafka
     * rewrites instead: use info->max_timestamp with lode_batch_set_max_
     * timestamp). LODE_ECORRUPT. */
    LODE_BATCH_V_STRICT_MAX_TIMESTAMP = 1 << 3,
    /* Skip the CRC check (the caller verified it already). */
    LODE_BATCH_V_SKIP_CRC = 1 << 4,
};

/* When max_uncompressed_bytes is 0. */
#define LODE_BATCH_MAX_UNCOMPRESSED_DEFAULT ((size_t)64 << 20)

typedef struct lode_batch_validate_opts {
    unsigned flags;                /* LODE_BATCH_V_* */
    size_t max_batch_bytes;        /* h->size above this: LODE_ETOOBIG; 0 = no limit */
    size_t max_uncompressed_bytes; /* decompression bound; 0 = the default above */
    int64_t min_timestamp;         /* with LODE_BATCH_V_TIMESTAMPS */
    int64_t max_timestamp;
    lode_codec_ctx_t *codec; /* cached codec contexts; NULL = temporary */
    lode_buf_t *scratch;     /* decompression buffer; NULL = temporary */
} lode_batch_validate_opts_t;

/* What validation learned, for the caller's bookkeeping. */
typedef struct lode_batch_info {
    int32_t record_count;        /* records present (== recordsCount) */
    int64_t max_timestamp;       /* max record timestamp (CreateTime), the
                                    batch's maxTimestamp under
                                    LogAppendTime; -1 if no record has one */
    int32_t max_timestamp_delta; /* offset delta of the first record with it */
    size_t uncompressed_bytes;   /* size of the records area, decompressed */
    const uint8_t *records;      /* that area: in the batch, or in opts->scratch
                                    (NULL when a temporary scratch was used) */
} lode_batch_info_t;

/*
 * Fully checks one parsed batch (h from lode_batch_parse_header): size
 * limit, the CRC-32C over attributes..end, attributes (known codec; control
 * and transactional combinations), offsets (lastOffsetDelta vs count and the
 * records' deltas), producer fields, then every record — decompressing
 * into opts->scratch under opts->max_uncompressed_bytes first — checking each
 * length, varint, key/value/header bound and that exactly recordsCount
 * records fill the area; for control batches the control record keys (and
 * transaction marker values). Flags add the rules above.
 *
 * No allocation per record; the only allocation is the scratch buffer's
 * growth for compressed batches (none when opts->scratch is warm).
 *
 * Returns 0 (and fills *info if not NULL), or an error of the table at the
 * top of this file with a message for the client in why (NUL-terminated,
 * truncated to why_len; why may be NULL). opts may be NULL (no flags,
 * default bound, temporary scratch).
 */
int lode_batch_validate(const lode_batch_hdr_t *h, const lode_batch_validate_opts_t *opts,
                        lode_batch_info_t *info, char *why, size_t why_len);

/*
 * Recovery check of a stored batch (lode_log_hooks_t.validate): the header
 * and the full validation above without client rules. Returns 0 or an
 * error; arg is unused.
 */
int lode_batch_validate_stored(const uint8_t *batch, size_t len, void *arg);

/* ---- control records ---------------------------------------------------- */

/* Control record types (the key's type field; Kafka's ControlRecordType). */
typedef enum lode_control_type {
    LODE_CONTROL_ABORT = 0,
    LODE_CONTROL_COMMIT = 1,
    LODE_CONTROL_LEADER_CHANGE = 2,
    LODE_CONTROL_SNAPSHOT_HEADER = 3,
    LODE_CONTROL_SNAPSHOT_FOOTER = 4,
    LODE_CONTROL_KRAFT_VERSION = 5,
    LODE_CONTROL_KRAFT_VOTERS = 6,
} lode_control_type_t;

/* Bytes of a control record key (version int16 + type int16) and of a
 * transaction marker value (version int16 + coordinatorEpoch int32). */
#define LODE_CONTROL_KEY_BYTES 4
#define LODE_TXN_MARKER_VALUE_BYTES 6

/*
 * Reads a control record's key: version (>= 0) and type. Returns 0, or
 * LODE_ECORRUPT (null or short key, negative version). Trailing key bytes are
 * allowed (newer key versions may add fields, as Kafka allows).
 */
int lode_control_key_parse(const lode_record_t *rec, int16_t *version, int16_t *type);

/*
 * Reads a transaction marker (ABORT/COMMIT control record): *commit and the
 * coordinator epoch from the value. Returns 0, or LODE_ECORRUPT (not a
 * marker key, null/short value, negative value version).
 */
int lode_txn_marker_parse(const lode_record_t *rec, bool *commit, int32_t *coordinator_epoch);

/* ---- building ----------------------------------------------------------- */

/*
 * Builds one batch. Records are encoded uncompressed into an internal buffer
 * as they are added; finish compresses them (if a codec is set), writes the
 * header and CRC, and appends the whole batch to the caller's buffer.
 *
 *   lode_batch_builder_t b;
 *   lode_batch_builder_init(&b, LODE_COMPRESSION_LZ4, LODE_COMPRESSION_LEVEL_DEFAULT);
 *   lode_batch_builder_add(&b, ts, "k", 1, "v", 1, NULL, 0);
 *   lode_batch_builder_finish(&b, &out);
 *   lode_batch_builder_free(&b);
 *
 * Defaults: baseOffset 0, partitionLeaderEpoch -1, CreateTime, no producer
 * id (-1/-1/-1), not transactional, not control. The public fields below
 * may be set directly before finish.
 */
typedef struct lode_batch_builder {
    int codec;
    int level;
    int64_t base_offset;
    int32_t partition_leader_epoch;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    bool transactional;
    bool control;
    /* private */
    lode_buf_t records;
    lode_codec_ctx_t *ctx;
    int32_t count;
    int32_t last_offset_delta;
    int64_t base_timestamp;
    int64_t max_timestamp;
    bool log_append;
    int64_t log_append_time;
    bool delete_horizon;
} lode_batch_builder_t;

/* Starts an empty builder for `codec` at `level` (checked at finish). */
void lode_batch_builder_init(lode_batch_builder_t *b, int codec, int level);
/* Releases the builder's memory. */
void lode_batch_builder_free(lode_batch_builder_t *b);
/* Forgets the records and per-batch settings but keeps memory, codec, level. */
void lode_batch_builder_reset(lode_batch_builder_t *b);
/* Marks the batch idempotent: producer id, epoch and first sequence. */
void lode_batch_builder_set_producer(lode_batch_builder_t *b, int64_t producer_id,
                                     int16_t producer_epoch, int32_t base_sequence);
/* LogAppendTime: maxTimestamp = log_append_time_ms, attribute bit 3. */
void lode_batch_builder_set_log_append_time(lode_batch_builder_t *b, int64_t log_append_time_ms);
/*
 * Sets the delete horizon (attribute bit 6; baseTimestamp holds it and record
 * timestamps are stored relative to it). Must be called before the first
 * record is added (LODE_EINVAL otherwise).
 */
int lode_batch_builder_set_delete_horizon(lode_batch_builder_t *b, int64_t delete_horizon_ms);

/*
 * Adds a record with the next offset delta. key_len / value_len -1 mean
 * null (the pointer is then ignored); headers[0..header_count) are copied.
 * Returns 0, LODE_EINVAL (negative lengths other than -1, negative header
 * key length, header_count < 0), or LODE_ETOOBIG (the batch would exceed
 * int32 sizes or counts).
 */
int lode_batch_builder_add(lode_batch_builder_t *b, int64_t timestamp, const void *key,
                           int32_t key_len, const void *value, int32_t value_len,
                           const lode_header_t *headers, int32_t header_count);

/* Same with an explicit offset delta, which must exceed the previous one
 * (compaction keeps original offsets). LODE_EINVAL otherwise. */
int lode_batch_builder_add_at(lode_batch_builder_t *b, int32_t offset_delta, int64_t timestamp,
                              const void *key, int32_t key_len, const void *value,
                              int32_t value_len, const lode_header_t *headers,
                              int32_t header_count);

/* Records added so far. */
static inline int32_t lode_batch_builder_count(const lode_batch_builder_t *b)
{
    return b->count;
}
/* Uncompressed record bytes so far (to decide when a batch is full). */
static inline size_t lode_batch_builder_bytes(const lode_batch_builder_t *b)
{
    return b->records.len;
}

/*
 * Appends the finished batch to `out`. The builder keeps its records (call
 * reset to start another batch). Returns 0, LODE_EINVAL (bad codec or level),
 * LODE_ETOOBIG (the batch would exceed LODE_BATCH_MAX_BYTES) or
 * LODE_ECOMPRESS; on failure out is unchanged.
 */
int lode_batch_builder_finish(lode_batch_builder_t *b, lode_buf_t *out);

/*
 * Appends a transaction marker batch (one control record; transactional,
 * control, uncompressed, baseSequence -1), as the transaction coordinator's
 * WriteTxnMarkers asks partition leaders to write. Returns 0.
 */
int lode_batch_build_txn_marker(lode_buf_t *out, int64_t base_offset,
                                int32_t partition_leader_epoch, int64_t producer_id,
                                int16_t producer_epoch, bool commit, int32_t coordinator_epoch,
                                int64_t timestamp_ms);

#endif
