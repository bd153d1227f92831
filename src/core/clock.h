/*
 * clock.h — the time source, as an interface (DESIGN.md §2.5: cores without
 * I/O take their clock from outside, so tests drive them with virtual time).
 *
 * Two readings, as Kafka's Time has:
 *  - now_ms: wall-clock milliseconds since the Unix epoch (record timestamps,
 *    retention.ms, log lines). It may jump, backwards too (NTP, an operator).
 *  - monotonic_ns: nanoseconds from an arbitrary origin that never goes
 *    backwards (timeouts, session expiry, rates, durations).
 * Code that measures an interval uses monotonic_ns; code that stamps or
 * compares with timestamps from elsewhere uses now_ms.
 *
 * Implementations: lode_clock_real() (the system clocks) and
 * lode_manual_clock_t (moves only when told; for deterministic tests and
 * simulations). Both are thread-safe.
 */
#ifndef LODE_CORE_CLOCK_H
#define LODE_CORE_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct lode_clock lode_clock_t;

typedef struct lode_clock_ops {
    int64_t (*now_ms)(lode_clock_t *clock);
    int64_t (*monotonic_ns)(lode_clock_t *clock);
} lode_clock_ops_t;

/* Embed as the first member of an implementation's struct. */
struct lode_clock {
    const lode_clock_ops_t *ops;
};

/* Wall-clock milliseconds since the epoch. */
static inline int64_t lode_clock_now_ms(lode_clock_t *clock)
{
    return clock->ops->now_ms(clock);
}

/* Monotonic nanoseconds; never decreases for a given clock. */
static inline int64_t lode_clock_monotonic_ns(lode_clock_t *clock)
{
    return clock->ops->monotonic_ns(clock);
}

/* Monotonic milliseconds (monotonic_ns / 10^6). */
static inline int64_t lode_clock_monotonic_ms(lode_clock_t *clock)
{
    return lode_clock_monotonic_ns(clock) / 1000000;
}

/* Adapter for APIs that take `int64_t (*now_ms)(void *arg)` plus an argument
 * (e.g. storage/logmgr.h): pass lode_clock_now_ms_cb and the clock. */
int64_t lode_clock_now_ms_cb(void *clock);

/* The process's real clock (CLOCK_REALTIME, CLOCK_MONOTONIC): a static
 * object, never freed, usable from any thread. */
lode_clock_t *lode_clock_real(void);

/*
 * A manual clock: time stands still until advanced. Both readings advance
 * together with lode_manual_clock_advance_*; the wall clock alone can be set
 * (to simulate a jump, backwards included) with lode_manual_clock_set_wall_ms.
 * Readings and updates are atomic, so a test thread may advance the clock
 * while others read it. Internally wall time is kept in nanoseconds, so many
 * sub-millisecond advances add up.
 *
 * auto_tick_ns (default 0): every monotonic_ns reading advances both clocks by
 * this much after being taken, like Kafka's MockTime(autoTickMs), so code
 * that polls the clock in a loop still makes progress.
 */
typedef struct lode_manual_clock {
    lode_clock_t clock; /* pass &mc.clock where a lode_clock_t * is wanted */
    _Atomic int64_t wall_ns;
    _Atomic int64_t mono_ns;
    _Atomic int64_t auto_tick_ns;
} lode_manual_clock_t;

/* Starts at the given readings (wall in ms since the epoch, monotonic in ns). */
void lode_manual_clock_init(lode_manual_clock_t *mc, int64_t wall_ms, int64_t mono_ns);
/* Advances both readings; delta must be >= 0 (negative values are ignored). */
void lode_manual_clock_advance_ns(lode_manual_clock_t *mc, int64_t delta_ns);
void lode_manual_clock_advance_ms(lode_manual_clock_t *mc, int64_t delta_ms);
/* Sets the wall clock only (monotonic time is unaffected). */
void lode_manual_clock_set_wall_ms(lode_manual_clock_t *mc, int64_t wall_ms);
void lode_manual_clock_set_auto_tick_ns(lode_manual_clock_t *mc, int64_t tick_ns);

#endif
