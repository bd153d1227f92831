/*
 * cli.h — the `lode` tools. Each takes argv with argv[0] = the tool's name
 * and returns the process exit code (0 ok, 1 usage or operation error).
 */
#ifndef LODE_CLI_H
#define LODE_CLI_H

int lode_cli_storage(int argc, char **argv);
int lode_cli_server(int argc, char **argv);
int lode_cli_producer_perf_test(int argc, char **argv);
int lode_cli_consumer_perf_test(int argc, char **argv);
int lode_cli_topics(int argc, char **argv);
int lode_cli_configs(int argc, char **argv);
int lode_cli_consumer_groups(int argc, char **argv);
int lode_cli_console_producer(int argc, char **argv);
int lode_cli_console_consumer(int argc, char **argv);
int lode_cli_get_offsets(int argc, char **argv);
int lode_cli_delete_records(int argc, char **argv);

#endif
