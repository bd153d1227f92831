/*
 * opts.h — command-line flags the way Apache Kafka's tools take them.
 *
 * Kafka's tools parse with jopt-simple: long options only (`--topic x` or
 * `--topic=x`), any unambiguous prefix of a long option is accepted
 * (`--bootstrap localhost:9092`), an option given twice keeps every value
 * (`--config a=1 --config b=2`), and a bad command line prints what is wrong
 * followed by the usage, exit code 1. A tool declares its options in a table
 * and reads the parsed values by name.
 */
#ifndef LODE_CLI_OPTS_H
#define LODE_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cli_arg {
    CLI_FLAG,  /* no value: --describe */
    CLI_VALUE, /* one value; given twice, the last wins */
    CLI_LIST,  /* a value that may repeat: --config k=v --config k2=v2 */
} cli_arg_t;

typedef struct cli_optdef {
    const char *name; /* the long name without "--" */
    cli_arg_t arg;
    const char *argname; /* shown in the usage: "<String: topic>" */
    const char *help;
} cli_optdef_t;

/* The end of an option table. */
#define CLI_OPT_END                                                                                \
    {                                                                                              \
        NULL, CLI_FLAG, NULL, NULL                                                                 \
    }

typedef struct cli_tool {
    const char *name;     /* "kafka-topics": in messages and the usage */
    const char *synopsis; /* one paragraph printed above the options */
    const cli_optdef_t *defs;
} cli_tool_t;

typedef struct cli_opts {
    const cli_tool_t *tool;
    size_t ndefs;
    size_t *count;  /* per def: how many times given */
    char ***values; /* per def: its values in order (pointers into argv) */
    char **positional;
    size_t npositional;
} cli_opts_t;

/*
 * Parses argv[1..argc) against tool->defs. "--help" is always understood:
 * prints the usage on stdout and returns 2 (the caller exits 0). On a bad
 * command line prints "<what is wrong>" and the usage on stderr and returns 1.
 * Returns 0 when parsed; then cli_opts_free releases the lists (not argv).
 * Arguments that do not start with "--" are kept as positional.
 */
int cli_opts_parse(cli_opts_t *o, const cli_tool_t *tool, int argc, char **argv);
void cli_opts_free(cli_opts_t *o);

/* Whether the option was given (at least once). */
bool cli_has(const cli_opts_t *o, const char *name);
/* Its last value, or dflt when not given (or a flag). */
const char *cli_get(const cli_opts_t *o, const char *name, const char *dflt);
/* All values of a CLI_LIST option; *n receives the count (0 if not given). */
char *const *cli_list(const cli_opts_t *o, const char *name, size_t *n);

/*
 * Prints "<msg>" (when msg is not NULL) and then the tool's usage on stderr;
 * returns 1 so a tool can `return cli_usage_error(o, "...")`.
 */
int cli_usage_error(const cli_opts_t *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_usage(FILE *out, const cli_tool_t *tool);

/*
 * Checks that exactly one of the named flags is present (Kafka's "Command
 * must include exactly one action: --list, --describe, ..."). Returns the
 * index of the present one, or -1 after printing the error and usage.
 */
int cli_one_action(const cli_opts_t *o, const char *const *names, size_t n);

/* Whole-string integer parse (decimal, optional sign); false when not one. */
bool cli_parse_i64(const char *s, int64_t *out);
bool cli_parse_i32(const char *s, int32_t *out);

#endif
