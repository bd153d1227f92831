/*
 * lode — one binary, many tools: `lode <tool> [flags]`, or a tool's Kafka
 * name through argv[0] (build/bin/kafka-topics → `lode topics`).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/version.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lode <command> [options]\n"
            "\n"
            "commands:\n"
            "  server      run a node (kafka-server-start): [server.properties] [--override k=v]\n"
            "  storage     format data directories (kafka-storage): random-uuid, format, info\n"
            "  --version   print the version and exit\n"
            "  --help      print this help and exit\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("lode %s (Kafka %s protocol)\n", LODE_VERSION, LODE_KAFKA_COMPAT);
        return 0;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "server"))
        return lode_cli_server(argc - 1, argv + 1);
    if (!strcmp(argv[1], "storage"))
        return lode_cli_storage(argc - 1, argv + 1);
    fprintf(stderr, "lode: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 1;
}
