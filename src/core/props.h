/*
 * props.h — Java .properties files, read exactly as java.util.Properties.load
 * reads them, and typed access with Kafka's config parsing rules.
 *
 * Syntax (JDK 9+ Properties.load, which this follows rule for rule):
 *  - Lines end at \n, \r or \r\n. Leading ' ', '\t', '\f' of a line are
 *    skipped; blank lines are ignored.
 *  - A line whose first non-blank character is '#' or '!' is a comment (a
 *    backslash at its end does not continue it).
 *  - A line ending in an odd number of backslashes continues on the next line;
 *    the backslash and the line break are dropped, and so is the next line's
 *    leading whitespace. A blank continuation line ends the logical line.
 *  - The key runs to the first unescaped '=', ':' or whitespace. Whitespace
 *    after the key is skipped, then at most one '=' or ':', then whitespace
 *    again; the rest of the line (trailing whitespace included) is the value.
 *    "key" alone has the value "".
 *  - In keys and values: \t \n \r \f are control characters, \uXXXX (exactly
 *    four hex digits) is a UTF-16 code unit, and any other \x is x (so "\=",
 *    "\:", "\ ", "\#", "\\" are literal). A malformed \uXXXX is an error.
 *  - A key given twice keeps the last value. ${...} is not expanded.
 *
 * Text encoding: the store holds UTF-8. Escaped UTF-16 units are converted to
 * UTF-8, a surrogate pair becoming one 4-byte character; an unpaired surrogate
 * becomes '?' (what Java's String.getBytes(UTF_8) writes for one). Raw bytes
 * are read according to the load flags:
 *  - LODE_PROPS_UTF8: bytes are UTF-8 text, as Properties.load(Reader) reads
 *    them through a UTF-8 InputStreamReader; malformed sequences become
 *    U+FFFD by the JDK's rules (core/hash.h; they differ from a JDK Reader
 *    only for a truncated F5..F7 lead byte at the very end of the input);
 *  - LODE_PROPS_LATIN1: each byte is one ISO-8859-1 character, which is what
 *    Properties.load(InputStream) does — and so what Kafka's own
 *    Utils.loadProps does with server.properties. Non-ASCII bytes of a UTF-8
 *    file then become two characters each, exactly as in Kafka.
 * Files that Kafka reads correctly (ASCII, with \u escapes for anything else)
 * read identically in both modes.
 *
 * Entries keep the order in which their keys first appeared (a later
 * duplicate replaces the value in place); java.util.Properties has no order.
 *
 * Thread-safety: none; concurrent readers are fine while nobody writes.
 * Allocation failure aborts (core/mem.h).
 */
#ifndef LODE_CORE_PROPS_H
#define LODE_CORE_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hmap.h"

typedef struct lode_props {
    lode_hmap_t map; /* key -> lode_props__value (private) */
} lode_props_t;

enum {
    LODE_PROPS_UTF8 = 0,   /* raw bytes are UTF-8 (Properties.load(Reader)) */
    LODE_PROPS_LATIN1 = 1, /* raw bytes are ISO-8859-1 (Properties.load(InputStream)) */
};

/* Upper bound on a file that lode_props_load_file accepts. */
#define LODE_PROPS_MAX_FILE_BYTES (64u << 20)

void lode_props_init(lode_props_t *p);
/* Frees every key and value; p is left empty and reusable. */
void lode_props_free(lode_props_t *p);

/*
 * Parses `len` bytes of .properties text and merges the entries into p (a key
 * already in p gets the new value). All or nothing: on error p is unchanged.
 * Returns 0, or LODE_EINVAL for a malformed \uXXXX escape; then, if errbuf is
 * not NULL, errbuf receives "line N: ..." (N counts natural lines from 1, the
 * line where the logical line starts), truncated to errlen.
 */
int lode_props_load_buf(lode_props_t *p, const void *data, size_t len, unsigned flags, char *errbuf,
                        size_t errlen);

/*
 * Reads a whole file and parses it as lode_props_load_buf does. Errors as
 * there, plus LODE_EIO (could not open or read; errno kept, errbuf names the
 * path and reason) and LODE_ETOOBIG (larger than LODE_PROPS_MAX_FILE_BYTES).
 */
int lode_props_load_file(lode_props_t *p, const char *path, unsigned flags, char *errbuf,
                         size_t errlen);

/* Sets key = value (C strings), replacing any value. */
void lode_props_set(lode_props_t *p, const char *key, const char *value);
/* The same with explicit lengths (keys and values may contain NUL). */
void lode_props_set_len(lode_props_t *p, const char *key, size_t key_len, const char *value,
                        size_t value_len);

/*
 * Applies a command-line override "key=value" (`lode server props --override
 * k=v`), as Kafka's CommandLineUtils.parseKeyValueArgs does: split at the
 * first '='; no '=' at all (or nothing after it) sets the value "". The text
 * is taken literally (no escapes). Never fails.
 */
void lode_props_set_override(lode_props_t *p, const char *key_eq_value);

/* Removes key; true if it was there. */
bool lode_props_remove(lode_props_t *p, const char *key);

static inline size_t lode_props_count(const lode_props_t *p)
{
    return lode_hmap_count(&p->map);
}

/* The value (NUL-terminated, owned by p, valid until the key is set again or
 * removed), or NULL if absent. */
const char *lode_props_get(const lode_props_t *p, const char *key);
/* The same, with the value's length in *value_len (values may contain NUL). */
const char *lode_props_get_len(const lode_props_t *p, const char *key, size_t key_len,
                               size_t *value_len);
/* The value, or dflt if absent. */
const char *lode_props_get_or(const lode_props_t *p, const char *key, const char *dflt);

/*
 * Typed getters, with Kafka's ConfigDef parsing rules (the value is trimmed
 * like Java's String.trim(), i.e. of every byte <= 0x20, then parsed). An
 * absent key yields dflt and 0. A present value that does not parse yields
 * LODE_EINVAL, one out of the type's range LODE_ERANGE; *out is then not
 * written. Sign rules as Integer.parseInt / Long.parseLong: an optional '+'
 * or '-', then one or more ASCII digits, nothing else (Java also accepts
 * non-ASCII Unicode digits; lode does not).
 */
int lode_props_get_int32(const lode_props_t *p, const char *key, int32_t dflt, int32_t *out);
int lode_props_get_int64(const lode_props_t *p, const char *key, int64_t dflt, int64_t *out);
/* "true" / "false" in any letter case, and nothing else. */
int lode_props_get_bool(const lode_props_t *p, const char *key, bool dflt, bool *out);
/* Double.parseDouble's grammar: [+-] then NaN, Infinity, a decimal with
 * optional exponent, or a hex float with a binary exponent (0x1.8p3); an
 * optional f/F/d/D suffix. Overflow gives ±infinity, as in Java. */
int lode_props_get_double(const lode_props_t *p, const char *key, double dflt, double *out);

/* A list of strings, owned by the list. */
typedef struct lode_strlist {
    char **items;
    size_t count;
} lode_strlist_t;

void lode_strlist_free(lode_strlist_t *l);

/*
 * Kafka LIST type: the trimmed value split at commas with any surrounding
 * whitespace (regex \s*,\s*); an empty value is the empty list; empty items
 * are kept ("a,,b" has three items, "a," two). When key is absent, dflt is
 * parsed the same way (NULL: empty list). Always 0; *out must be freed with
 * lode_strlist_free.
 */
int lode_props_get_list(const lode_props_t *p, const char *key, const char *dflt,
                        lode_strlist_t *out);

/* The parsers behind the getters, for values from elsewhere (AlterConfigs,
 * overrides): s is `len` bytes, need not be NUL-terminated. Same results. */
int lode_parse_java_int32(const char *s, size_t len, int32_t *out);
int lode_parse_java_int64(const char *s, size_t len, int64_t *out);
int lode_parse_java_bool(const char *s, size_t len, bool *out);
int lode_parse_java_double(const char *s, size_t len, double *out);
void lode_parse_kafka_list(const char *s, size_t len, lode_strlist_t *out);

/*
 * Iteration in key order of first appearance:
 *
 *     size_t it = 0;
 *     const char *k, *v;
 *     while (lode_props_next(p, &it, &k, &v))
 *         ...
 *
 * key_len / value_len variants via lode_props_next_len. Do not modify p
 * during iteration, except lode_props_remove of the current key.
 */
bool lode_props_next(const lode_props_t *p, size_t *it, const char **key, const char **value);
bool lode_props_next_len(const lode_props_t *p, size_t *it, const char **key, size_t *key_len,
                         const char **value, size_t *value_len);

#endif
