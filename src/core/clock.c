/* clock.c — the real clock and the manual clock (see clock.h). */
#include "core/clock.h"

#include <time.h>

static int64_t real_now_ms(lode_clock_t *clock)
{
    (void)clock;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_monotonic_ns(lode_clock_t *clock)
{
    (void)clock;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const lode_clock_ops_t real_ops = {real_now_ms, real_monotonic_ns};
static lode_clock_t real_clock = {&real_ops};

lode_clock_t *lode_clock_real(void)
{
    return &real_clock;
}

int64_t lode_clock_now_ms_cb(void *clock)
{
    return lode_clock_now_ms(clock);
}

/* ---- manual clock ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t manual_now_ms(lode_clock_t *clock)
{
    lode_manual_clock_t *mc = (lode_manual_clock_t *)clock;
    return floor_div(atomic_load(&mc->wall_ns), 1000000);
}

static int64_t manual_monotonic_ns(lode_clock_t *clock)
{
    lode_manual_clock_t *mc = (lode_manual_clock_t *)clock;
    int64_t tick = atomic_load(&mc->auto_tick_ns);
    if (tick <= 0)
        return atomic_load(&mc->mono_ns);
    int64_t now = atomic_fetch_add(&mc->mono_ns, tick);
    atomic_fetch_add(&mc->wall_ns, tick);
    return now;
}

static const lode_clock_ops_t manual_ops = {manual_now_ms, manual_monotonic_ns};

void lode_manual_clock_init(lode_manual_clock_t *mc, int64_t wall_ms, int64_t mono_ns)
{
    mc->clock.ops = &manual_ops;
    atomic_init(&mc->wall_ns, wall_ms * 1000000);
    atomic_init(&mc->mono_ns, mono_ns);
    atomic_init(&mc->auto_tick_ns, 0);
}

void lode_manual_clock_advance_ns(lode_manual_clock_t *mc, int64_t delta_ns)
{
    if (delta_ns <= 0)
        return;
    atomic_fetch_add(&mc->mono_ns, delta_ns);
    atomic_fetch_add(&mc->wall_ns, delta_ns);
}

void lode_manual_clock_advance_ms(lode_manual_clock_t *mc, int64_t delta_ms)
{
    lode_manual_clock_advance_ns(mc, delta_ms * 1000000);
}

void lode_manual_clock_set_wall_ms(lode_manual_clock_t *mc, int64_t wall_ms)
{
    atomic_store(&mc->wall_ns, wall_ms * 1000000);
}

void lode_manual_clock_set_auto_tick_ns(lode_manual_clock_t *mc, int64_t tick_ns)
{
    atomic_store(&mc->auto_tick_ns, tick_ns);
}
