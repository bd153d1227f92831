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
static int server_port;

bool bench_tempdir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/lode-bench-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return false;
    }
    return true;
}

/* bench_proc_start waiting up to wait_ms for the port. */
static pid_t proc_start(char *const argv[], const char *log, int port, int wait_ms)
{
    fflush(NULL); /* the child's freopen would write our buffered output again */
    pid_t pid = fork();
    if (pid == 0) {
        freopen(log, "a", stderr);
        freopen(log, "a", stdout);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    for (int i = 0; i < wait_ms / 50 && !bench_port_open(port); i++)
        usleep(50000);
    if (!bench_port_open(port)) {
        fprintf(stderr, "bench: %s did not start (see %s)\n", argv[0], log);
        bench_proc_stop(pid, NULL);
        return -1;
    }
    return pid;
}

pid_t bench_proc_start(char *const argv[], const char *log, int port)
{
    return proc_start(argv, log, port, 10000);
}

void bench_proc_stop(pid_t pid, const char *dir)
{
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    if (!dir)
        return;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: cannot remove %s\n", dir);
}

void bench_server_start(const char *lode, const char *extra)
{
    if (!bench_tempdir(bench_server_dir, sizeof bench_server_dir))
        exit(1);
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
    server_port = p;
    bench_server_restart(lode, 10);
}

void bench_server_restart(const char *lode, int wait_s)
{
    char props[512], log[512];
    snprintf(props, sizeof props, "%s/server.properties", bench_server_dir);
    snprintf(log, sizeof log, "%s/server.log", bench_server_dir);
    char *argv[] = {(char *)lode, "server", props, NULL};
    bench_server_pid = proc_start(argv, log, server_port, wait_s * 1000);
    if (bench_server_pid < 0)
        exit(1);
}

double bench_server_kill(void)
{
    int64_t t0 = bench_now_ns();
    bench_proc_stop(bench_server_pid, NULL);
    return (double)(bench_now_ns() - t0) / 1e9;
}

void bench_server_stop(void)
{
    bench_proc_stop(bench_server_pid, bench_server_dir);
}

double bench_server_cpu(void)
{
    return bench_proc_cpu(bench_server_pid);
}

/* A process's user+system CPU seconds so far, from /proc/<pid>/stat. */
double bench_proc_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
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

/* ---- iperf3 ---------------------------------------------------------------- */

double bench_iperf3_gbytes(int seconds)
{
    int port = bench_free_port();
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    fflush(NULL);
    pid_t srv = fork();
    if (srv == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execlp("iperf3", "iperf3", "-s", "-p", portstr, (char *)NULL);
        _exit(127);
    }
    double gbytes = 0;
    static char out[1 << 20];
    /* the server needs a moment to listen: retry the client until it connects */
    for (int attempt = 0; attempt < 50 && gbytes == 0; attempt++) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "iperf3 -c 127.0.0.1 -p %d -t %d -J 2>/dev/null", port, seconds);
        FILE *p = popen(cmd, "r");
        if (!p)
            break;
        size_t n = fread(out, 1, sizeof out - 1, p);
        pclose(p);
        out[n] = 0;
        const char *s = strstr(out, "\"sum_received\"");
        s = s ? strstr(s, "\"bits_per_second\"") : NULL;
        if (s)
            gbytes = strtod(strchr(s, ':') + 1, NULL) / 8 / 1e9;
        else
            usleep(100000);
    }
    kill(srv, SIGTERM);
    waitpid(srv, NULL, 0);
    return gbytes;
}
