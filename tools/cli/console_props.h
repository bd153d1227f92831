/*
 * console_props.h — client properties for the console tools, gathered the
 * way Kafka's ConsoleProducer/ConsoleConsumer do (config file, then repeated
 * --xxx-property k=v), so a tool can ask which keys the user set (Kafka's
 * flag defaults apply only to keys nobody set) and take out the Java-only
 * keys it implements itself before librdkafka sees the rest.
 */
#ifndef LODE_CLI_CONSOLE_PROPS_H
#define LODE_CLI_CONSOLE_PROPS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/props.h"
#include "opts.h"

/*
 * Loads every file (NULL entries skipped) then every "k=v" ("k" alone is
 * k="", as Kafka's parseKeyValueArgs reads it) into p, later ones winning.
 * Returns 0, or 1 after printing why on stderr.
 */
int console_props_load(lode_props_t *p, const char *tool, const char *const *files, size_t nfiles,
                       char *const *props, size_t nprops);

/* "k=v" strings for every key of p except those listed in skip (NULL-ended).
 * Free with console_props_free_kv. */
char **console_props_kv(const lode_props_t *p, const char *const *skip, size_t *n);
void console_props_free_kv(char **kv, size_t n);

/*
 * A class-name flag (--formatter, --line-reader) may only name Kafka's own
 * class, under its current or its pre-3.5 name: anything else would need a
 * JVM. Returns 0, or 1 after the usage error.
 */
int console_check_class(const cli_opts_t *o, const char *flag, const char *cls,
                        const char *old_cls);

#endif
