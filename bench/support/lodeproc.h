/*
 * lodeproc.h — a real `lode server` process for benchmarks: started in a
 * temporary directory on free loopback ports, measured through /proc, and
 * stopped with SIGTERM (the directory is removed).
 */
#ifndef LODE_BENCH_LODEPROC_H
#define LODE_BENCH_LODEPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

extern pid_t bench_server_pid;
extern char bench_server_dir[256];
extern char bench_bootstrap[64]; /* "127.0.0.1:PORT" of the running server */

/* The benchmarks' common flags: --quick, --lode PATH (returned; default
 * build/bin/lode). */
const char *bench_args(int argc, char **argv, bool *quick);

int64_t bench_now_ns(void);
int bench_free_port(void);
bool bench_port_open(int port);
/* Starts `lode server` (binary at lode) with the single-node settings plus
 * extra (server.properties lines, or NULL); exits the process on failure. */
void bench_server_start(const char *lode, const char *extra);
void bench_server_stop(void);
/* Stops the server with SIGTERM and waits for it to exit, keeping its
 * directory; returns the seconds that took (a clean shutdown). */
double bench_server_kill(void);
/* Starts the server again in its directory with its settings (after
 * bench_server_kill), waiting up to wait_s for it to listen; exits the
 * process on failure. */
void bench_server_restart(const char *lode, int wait_s);
/* Any server process (the peers of bench_peers too): a fresh directory
 * /tmp/lode-bench-XXXXXX in dir (false, with a message, on failure); argv run
 * with stdout and stderr to log, returned once it listens on port (-1 if it
 * does not within 10 s; it is then stopped); stopped with SIGTERM and waited
 * for, and dir (if not NULL) removed; its user+system CPU seconds so far. */
bool bench_tempdir(char *dir, size_t size);
pid_t bench_proc_start(char *const argv[], const char *log, int port);
void bench_proc_stop(pid_t pid, const char *dir);
double bench_proc_cpu(pid_t pid);
/* iperf3's loopback TCP bandwidth in GB/s over a run of `seconds` (0 if
 * iperf3 fails). */
double bench_iperf3_gbytes(int seconds);
/* The server's user+system CPU seconds so far, and its resident KiB. */
double bench_server_cpu(void);
long bench_server_rss_kb(void);

#endif
