/*
 * json_mini.h — a small strict JSON (RFC 8259) reader for the tools' input
 * files (kafka-delete-records --offset-json-file). Parses a whole document
 * into a tree; numbers keep their text so integers are read exactly.
 */
#ifndef LODE_CLI_JSON_MINI_H
#define LODE_CLI_JSON_MINI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type_t;

typedef struct json {
    json_type_t type;
    bool boolean;
    char *str;           /* JSON_STRING: the decoded text (UTF-8); JSON_NUMBER: its text */
    char *key;           /* the member name when inside an object */
    struct json **items; /* JSON_ARRAY elements or JSON_OBJECT members, in order */
    size_t n;
} json_t;

/* Parses text[0..len). Returns the tree, or NULL when it is not one valid JSON value. */
json_t *json_parse(const char *text, size_t len);
void json_free(json_t *j);

/* The last member named key of an object (as Jackson keeps the last), or NULL. */
const json_t *json_get(const json_t *obj, const char *key);
/* An integral JSON number in range; false otherwise. */
bool json_int64(const json_t *j, int64_t *out);

#endif
