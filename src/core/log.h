/*
 * log.h — lode's leveled logger (the diagnostic log, not the partition log of
 * storage/log.h, hence the lode_logger_ prefix).
 *
 * Lines look like Kafka's default log4j layout ("[%d] %p %m (%c)%n"):
 *
 *     [2026-11-22 10:00:00,123] INFO Started listener on :9092 (lode.net.Acceptor)
 *
 * with the local time zone's date, the level name, the message and, when
 * given, the component in parentheses.
 *
 * Levels, most to least severe: ERROR, WARN, INFO, DEBUG, TRACE. The level is
 * process-wide and may be changed at any time from any thread; a line is
 * written when its level is at or above the current one. The macros below
 * test the level before evaluating their arguments, so a disabled TRACE line
 * costs one relaxed atomic load.
 *
 * Output goes to stderr by default, or to a file opened in append mode.
 * Thread-safety: every function may be called from any thread. Each line is
 * formatted in memory and handed to the kernel in a single write(2), so lines
 * from different threads (and processes sharing an O_APPEND file) never
 * interleave. Logging never allocates for lines under 1 KiB and never fails
 * visibly: a line that cannot be written is dropped.
 */
#ifndef LODE_CORE_LOG_H
#define LODE_CORE_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"

typedef enum lode_loglevel {
    LODE_LOGLEVEL_OFF = -1, /* as a threshold only: nothing is written */
    LODE_LOGLEVEL_ERROR = 0,
    LODE_LOGLEVEL_WARN = 1,
    LODE_LOGLEVEL_INFO = 2,
    LODE_LOGLEVEL_DEBUG = 3,
    LODE_LOGLEVEL_TRACE = 4,
} lode_loglevel_t;

/* Private: the current threshold (read through lode_logger_enabled). */
extern _Atomic int lode_logger__threshold;

/* Sets the threshold: lines at `level` or more severe are written. Default INFO. */
void lode_logger_set_level(lode_loglevel_t level);
lode_loglevel_t lode_logger_level(void);

static inline bool lode_logger_enabled(lode_loglevel_t level)
{
    return (int)level <= atomic_load_explicit(&lode_logger__threshold, memory_order_relaxed);
}

/* "ERROR", "WARN", "INFO", "DEBUG", "TRACE" ("OFF" for LODE_LOGLEVEL_OFF). */
const char *lode_loglevel_name(lode_loglevel_t level);

/* Parses a level name in any letter case; also log4j's "FATAL" (= ERROR),
 * "ALL" (= TRACE) and "OFF". Returns 0, or LODE_EINVAL for anything else. */
int lode_loglevel_parse(const char *name, lode_loglevel_t *out);

/*
 * Sends output to `path` (created with mode 0644 if missing, appended to).
 * Returns 0, or LODE_EIO with errno set (output is then unchanged). A file
 * opened earlier by the logger is closed once no line is being written to it.
 */
int lode_logger_open_file(const char *path);

/* Sends output to fd, which the caller keeps owning (and must keep open while
 * it is in use). 2 restores stderr. A file the logger opened is closed. */
void lode_logger_set_fd(int fd);

/* The clock for timestamps (NULL: the real clock). The clock must outlive its
 * use; tests pass a manual clock for reproducible lines. */
void lode_logger_set_clock(lode_clock_t *clock);

/*
 * Writes one line at `level` if enabled. component may be NULL (no
 * parenthesised suffix). A message longer than 64 KiB is truncated. Prefer
 * the LODE_LOG_* macros, which skip argument evaluation when disabled.
 */
void lode_logger_write(lode_loglevel_t level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Formats one line exactly as lode_logger_write would emit it (with the
 * trailing newline) into buf, for tests and for tools that print in the same
 * format elsewhere. Returns the full line length, as snprintf does.
 */
int lode_logger_format(char *buf, size_t size, int64_t now_ms, lode_loglevel_t level,
                       const char *component, const char *msg);

#define LODE_LOG_AT(level, component, ...)                                                         \
    do {                                                                                           \
        if (lode_logger_enabled(level))                                                            \
            lode_logger_write((level), (component), __VA_ARGS__);                                  \
    } while (0)

#define LODE_LOG_ERROR(component, ...) LODE_LOG_AT(LODE_LOGLEVEL_ERROR, component, __VA_ARGS__)
#define LODE_LOG_WARN(component, ...) LODE_LOG_AT(LODE_LOGLEVEL_WARN, component, __VA_ARGS__)
#define LODE_LOG_INFO(component, ...) LODE_LOG_AT(LODE_LOGLEVEL_INFO, component, __VA_ARGS__)
#define LODE_LOG_DEBUG(component, ...) LODE_LOG_AT(LODE_LOGLEVEL_DEBUG, component, __VA_ARGS__)
#define LODE_LOG_TRACE(component, ...) LODE_LOG_AT(LODE_LOGLEVEL_TRACE, component, __VA_ARGS__)

#endif
