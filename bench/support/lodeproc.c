/*
 * lodeproc.c — the benchmarks' `lode server` process (see lodeproc.h).
 */
#include "lodeproc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *bench_args(int argc, char **argv, bool *quick)
{
    const char *lode = "build/bin/lode";
    *quick = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            *quick = true;
        else if (!strcmp(argv[i], "--lode") && i + 1 < argc)
            lode = argv[++i];
    }
    return lode;
}

int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int bench_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    int p = ntohs(a.sin_port);
    close(fd);
    return p;
}

bool bench_port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* ---- the server under test ------------------------------------------------ */

pid_t bench_server_pid;
char bench_server_dir[256];
char bench_bootstrap[64];

void bench_server_start(const char *lode, const char *extra)
{
    snprintf(bench_server_dir, sizeof bench_server_dir, "/tmp/lode-bench-XXXXXX");
    if (!mkdtemp(bench_server_dir)) {
        perror("mkdtemp");
        exit(1);
    }
    int p = bench_free_port(), q = bench_free_port();
    char props[512];
    snprintf(props, sizeof props, "%s/server.properties", bench_server_dir);
    FILE *f = fopen(props, "w");
    fprintf(f,
            "process.roles=broker,controller\nnode.id=1\n"
            "controller.quorum.voters=1@127.0.0.1:%d\n"
            "listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d\n"
            "advertised.listeners=PLAINTEXT://127.0.0.1:%d\n"
            "controller.listener.names=CONTROLLER\n"
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n"
            "log.dirs=%s/data\nnum.network.threads=2\n%s",
            q, p, q, p, bench_server_dir, extra ? extra : "");
    fclose(f);
    snprintf(bench_bootstrap, sizeof bench_bootstrap, "127.0.0.1:%d", p);
    bench_server_pid = fork();
    if (bench_server_pid == 0) {
        char log[512];
        snprintf(log, sizeof log, "%s/server.log", bench_server_dir);
        freopen(log, "w", stderr);
        execl(lode, lode, "server", props, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && !bench_port_open(p); i++)
        usleep(50000);
    if (!bench_port_open(p)) {
        fprintf(stderr, "bench_server: the server did not start (see %s/server.log)\n", bench_server_dir);
        exit(1);
    }
}

void bench_server_stop(void)
{
    kill(bench_server_pid, SIGTERM);
    int st;
    waitpid(bench_server_pid, &st, 0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", bench_server_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_server: cannot remove %s\n", bench_server_dir);
}

/* The server's user+system CPU seconds so far. */
double bench_server_cpu(void)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)bench_server_pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (p)
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The server's resident memory in KiB. */
long bench_server_rss_kb(void)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)bench_server_pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

