/*
 * topic_ids.h — topic ids for kafka-topics --describe. librdkafka 2.0.2's
 * metadata has no topic ids, so one raw Metadata request (v12, all topics)
 * goes to a bootstrap broker over a plain TCP socket. Only for
 * security.protocol=PLAINTEXT; otherwise the ids stay unknown and the
 * describe line leaves TopicId out, as Kafka does for a zero id.
 */
#ifndef LODE_CLI_TOPIC_IDS_H
#define LODE_CLI_TOPIC_IDS_H

#include <stddef.h>

#include "core/uuid.h"

typedef struct cli_topic_id {
    char *name;
    char id[LODE_UUID_STR_LEN + 1]; /* "" when zero */
} cli_topic_id_t;

/*
 * Asks the first reachable broker of `bootstrap` ("h:p,h2:p2", optionally
 * "PLAINTEXT://h:p", "[::1]:p") for every topic's id, waiting at most
 * timeout_ms per step. Returns the count (ids in *out, free with
 * cli_topic_ids_free), or -1 when no broker answered.
 */
long cli_topic_ids_fetch(const char *bootstrap, int timeout_ms, cli_topic_id_t **out);
/* The id of `name` in ids, or "" when unknown. */
const char *cli_topic_id_of(const cli_topic_id_t *ids, long n, const char *name);
void cli_topic_ids_free(cli_topic_id_t *ids, long n);

#endif
