/*
 * log.c — the leveled logger (see log.h).
 *
 * The output fd is guarded by a read-write lock: every line holds it shared
 * for its write(2), and switching output holds it exclusive, so an fd is
 * never closed (and its number reused) while a line is being written to it.
 */
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"

#define MAX_MESSAGE_BYTES (64 * 1024)

_Atomic int lode_logger__threshold = LODE_LOGLEVEL_INFO;

static pthread_rwlock_t out_lock = PTHREAD_RWLOCK_INITIALIZER;
static int out_fd = 2;
static bool out_owned; /* out_fd was opened by lode_logger_open_file */
static _Atomic(lode_clock_t *) log_clock;

void lode_logger_set_level(lode_loglevel_t level)
{
    if (level < LODE_LOGLEVEL_OFF)
        level = LODE_LOGLEVEL_OFF;
    if (level > LODE_LOGLEVEL_TRACE)
        level = LODE_LOGLEVEL_TRACE;
    atomic_store(&lode_logger__threshold, (int)level);
}

lode_loglevel_t lode_logger_level(void)
{
    return (lode_loglevel_t)atomic_load(&lode_logger__threshold);
}

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

const char *lode_loglevel_name(lode_loglevel_t level)
{
    if (level >= LODE_LOGLEVEL_ERROR && level <= LODE_LOGLEVEL_TRACE)
        return level_names[level];
    return "OFF";
}

int lode_loglevel_parse(const char *name, lode_loglevel_t *out)
{
    for (int i = 0; i <= LODE_LOGLEVEL_TRACE; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *out = (lode_loglevel_t)i;
            return 0;
        }
    }
    if (strcasecmp(name, "FATAL") == 0)
        *out = LODE_LOGLEVEL_ERROR;
    else if (strcasecmp(name, "ALL") == 0)
        *out = LODE_LOGLEVEL_TRACE;
    else if (strcasecmp(name, "OFF") == 0)
        *out = LODE_LOGLEVEL_OFF;
    else
        return LODE_EINVAL;
    return 0;
}

static void swap_output(int fd, bool owned)
{
    pthread_rwlock_wrlock(&out_lock);
    int old = out_fd;
    bool old_owned = out_owned;
    out_fd = fd;
    out_owned = owned;
    pthread_rwlock_unlock(&out_lock);
    if (old_owned && old != fd)
        close(old);
}

int lode_logger_open_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return LODE_EIO;
    swap_output(fd, true);
    return 0;
}

void lode_logger_set_fd(int fd)
{
    swap_output(fd, false);
}

void lode_logger_set_clock(lode_clock_t *clock)
{
    atomic_store(&log_clock, clock);
}

/* "[yyyy-MM-dd HH:mm:ss,SSS] LEVEL " — log4j's ISO8601 date with a comma. */
static int format_prefix(char *buf, size_t size, int64_t now_ms, lode_loglevel_t level)
{
    int64_t ms = now_ms % 1000;
    time_t secs = (time_t)(now_ms / 1000);
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    struct tm tm;
    if (!localtime_r(&secs, &tm))
        return snprintf(buf, size, "[?] %s ", lode_loglevel_name(level));
    return snprintf(buf, size, "[%04d-%02d-%02d %02d:%02d:%02d,%03d] %s ", tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms,
                    lode_loglevel_name(level));
}

int lode_logger_format(char *buf, size_t size, int64_t now_ms, lode_loglevel_t level,
                       const char *component, const char *msg)
{
    char prefix[64];
    format_prefix(prefix, sizeof prefix, now_ms, level);
    if (component)
        return snprintf(buf, size, "%s%s (%s)\n", prefix, msg, component);
    return snprintf(buf, size, "%s%s\n", prefix, msg);
}

static void write_all(const char *p, size_t n)
{
    pthread_rwlock_rdlock(&out_lock);
    while (n > 0) {
        ssize_t w = write(out_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* nowhere to report it: drop the line */
        p += w;
        n -= (size_t)w;
    }
    pthread_rwlock_unlock(&out_lock);
}

void lode_logger_write(lode_loglevel_t level, const char *component, const char *fmt, ...)
{
    if (!lode_logger_enabled(level) || level < LODE_LOGLEVEL_ERROR)
        return;
    int saved_errno = errno; /* callers log errno-based messages, then use errno */
    lode_clock_t *clock = atomic_load(&log_clock);
    int64_t now_ms = lode_clock_now_ms(clock ? clock : lode_clock_real());

    char stack[1024];
    char *line = stack;
    size_t cap = sizeof stack;
    int prefix_len = format_prefix(line, cap, now_ms, level);
    if (prefix_len < 0 || (size_t)prefix_len >= cap)
        goto out;

    va_list ap;
    va_start(ap, fmt);
    int msg_len = vsnprintf(line + prefix_len, cap - (size_t)prefix_len, fmt, ap);
    va_end(ap);
    if (msg_len < 0)
        goto out;
    if (msg_len > MAX_MESSAGE_BYTES)
        msg_len = MAX_MESSAGE_BYTES;
    size_t suffix_len = component ? strlen(component) + 3 : 0; /* " (" ")" */
    size_t need = (size_t)prefix_len + (size_t)msg_len + suffix_len + 2;
    if (need > cap) {
        char *heap = malloc(need);
        if (!heap)
            goto out; /* a logger must not abort the process */
        memcpy(heap, line, (size_t)prefix_len);
        line = heap;
        cap = need;
        va_start(ap, fmt);
        vsnprintf(line + prefix_len, (size_t)msg_len + 1, fmt, ap);
        va_end(ap);
    }
    size_t n = (size_t)prefix_len + (size_t)msg_len;
    if (component)
        n += (size_t)snprintf(line + n, cap - n, " (%s)", component);
    line[n++] = '\n';
    write_all(line, n);
    if (line != stack)
        free(line);
out:
    errno = saved_errno;
}
