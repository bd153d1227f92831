/*
 * list_offsets_raw.h — one ListOffsets request per partition leader, over
 * plain TCP with lode's own protocol codecs, for the special timestamps
 * librdkafka 2.0.2 cannot ask for: max-timestamp (-3, ListOffsets v7),
 * earliest-local (-4, v8) and latest-tiered (-5, v9). Brokers answer those
 * only at these versions, and librdkafka sends older ones.
 */
#ifndef LODE_CLI_LIST_OFFSETS_RAW_H
#define LODE_CLI_LIST_OFFSETS_RAW_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

/*
 * Sets offset (or err) of every element of l to the broker's answer for
 * timestamp ts, asking each partition's leader from md. Only PLAINTEXT
 * listeners are reachable this way. Returns 0, or 1 after printing why
 * on stderr (unreachable leader, malformed answer, timeout).
 */
int list_offsets_raw(const struct rd_kafka_metadata *md, rd_kafka_topic_partition_list_t *l,
                     int64_t ts, int timeout_ms);

#endif
