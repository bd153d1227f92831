/*
 * uuid.h — Kafka's Uuid: 16 random bytes, written as URL-safe base64 without
 * padding (22 characters), as Uuid.toString() does. Used for cluster ids,
 * topic ids, directory ids.
 */
#ifndef LODE_CORE_UUID_H
#define LODE_CORE_UUID_H

#include <stdbool.h>
#include <stdint.h>

#define LODE_UUID_STR_LEN 22

/* A random uuid (getrandom(2)); never all zeros (Kafka's ZERO_UUID means
 * "none") and, like Kafka's randomUuid, never one whose text starts with '-'
 * (it would read as a command-line flag). */
void lode_uuid_random(uint8_t out[16]);
/* out gets 22 characters and a NUL. */
void lode_uuid_to_string(const uint8_t id[16], char out[LODE_UUID_STR_LEN + 1]);
/* Parses the 22-character form; false when malformed. */
bool lode_uuid_parse(const char *s, uint8_t out[16]);
bool lode_uuid_is_zero(const uint8_t id[16]);

#endif
