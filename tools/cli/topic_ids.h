/*
 * topic_ids.h — topic ids, which librdkafka 2.0.2's metadata does not carry:
 * one Metadata v12 request sent with cli_raw_call (raw.h).
 */
#ifndef LODE_CLI_TOPIC_IDS_H
#define LODE_CLI_TOPIC_IDS_H

#include <stddef.h>

#include "client.h"
#include "core/uuid.h"

/*
 * Looks up the ids of names[0..n) on the first bootstrap server; ids[i] gets
 * the id as Kafka prints it (22 characters), or "" when the broker does not
 * know the topic or cannot be asked (not PLAINTEXT). Returns 0, or -1 after
 * printing why on stderr.
 */
int cli_topic_ids(const cli_conf_t *c, const char *const *names, size_t n,
                  char (*ids)[LODE_UUID_STR_LEN + 1]);

#endif
