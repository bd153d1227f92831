/*
 * lode — one binary, many tools: `lode <tool> [flags]`, or a tool under
 * Apache Kafka's name through argv[0] (build/bin/kafka-topics and
 * build/bin/kafka-topics.sh both run `lode topics`).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/version.h"

typedef struct tool {
    const char *name;  /* lode <name>; Kafka's name is kafka-<name> */
    const char *kafka; /* Kafka's script name when it is not kafka-<name> */
    int (*run)(int argc, char **argv);
    const char *help;
} tool_t;

static const tool_t tools[] = {
    {"server", "kafka-server-start", lode_cli_server,
     "run a node: [server.properties] [--override k=v]..."},
    {"storage", NULL, lode_cli_storage, "format data directories: random-uuid, format, info"},
    {"topics", NULL, lode_cli_topics, "create, list, describe, alter, delete topics"},
    {"configs", NULL, lode_cli_configs, "describe and alter topic and broker configs"},
    {"console-producer", NULL, lode_cli_console_producer,
     "send lines of standard input as records"},
    {"console-consumer", NULL, lode_cli_console_consumer,
     "print records of topics on standard output"},
    {"consumer-groups", NULL, lode_cli_consumer_groups,
     "list, describe, delete consumer groups; reset or delete their offsets"},
    {"get-offsets", NULL, lode_cli_get_offsets,
     "partition offsets at a time (latest, earliest, ...)"},
    {"delete-records", NULL, lode_cli_delete_records, "delete records below given offsets"},
    {"producer-perf-test", NULL, lode_cli_producer_perf_test, "measure producing: rate, latency"},
    {"consumer-perf-test", NULL, lode_cli_consumer_perf_test, "measure consuming: rate"},
};

/* The tool's Kafka script name (without ".sh"). */
static void kafka_name(const tool_t *t, char *out, size_t cap)
{
    if (t->kafka)
        snprintf(out, cap, "%s", t->kafka);
    else
        snprintf(out, cap, "kafka-%s", t->name);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lode <tool> [options]     (lode <tool> --help for its options)\n"
            "\n"
            "  %-20s %-26s %s\n",
            "tool", "Kafka's name", "");
    for (size_t i = 0; i < sizeof tools / sizeof *tools; i++) {
        char kafka[64];
        kafka_name(&tools[i], kafka, sizeof kafka);
        fprintf(out, "  %-20s %-26s %s\n", tools[i].name, kafka, tools[i].help);
    }
    fprintf(out, "  %-20s %-26s %s\n", "--version", "", "print the version and exit");
}

/* The tool a Kafka script name stands for: kafka-<name>[.sh] or its listed name. */
static const tool_t *by_kafka_name(const char *base)
{
    char name[128];
    snprintf(name, sizeof name, "%s", base);
    size_t len = strlen(name);
    if (len > 3 && strcmp(name + len - 3, ".sh") == 0)
        name[len - 3] = '\0';
    for (size_t i = 0; i < sizeof tools / sizeof *tools; i++) {
        char kafka[64];
        kafka_name(&tools[i], kafka, sizeof kafka);
        if (strcmp(kafka, name) == 0)
            return &tools[i];
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    const tool_t *t = by_kafka_name(base);
    if (t) {
        argv[0] = (char *)base;
        return t->run(argc, argv);
    }
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("lode %s (Kafka %s protocol)\n", LODE_VERSION, LODE_KAFKA_COMPAT);
        return 0;
    }
    if (!strcmp(argv[1], "--kafka-names")) { /* for the build: the links to make */
        for (size_t i = 0; i < sizeof tools / sizeof *tools; i++) {
            char kafka[64];
            kafka_name(&tools[i], kafka, sizeof kafka);
            printf("%s\n", kafka);
        }
        return 0;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof tools / sizeof *tools; i++)
        if (!strcmp(argv[1], tools[i].name))
            return tools[i].run(argc - 1, argv + 1);
    fprintf(stderr, "lode: unknown tool '%s'\n", argv[1]);
    usage(stderr);
    return 1;
}
