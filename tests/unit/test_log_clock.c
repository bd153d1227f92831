/* Tests for core/clock.h and core/log.h. Log output goes to a file in the
 * test's temporary directory and is read back; time comes from a manual
 * clock and TZ is UTC, so every line is exact. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "test.h"

/* 2026-11-22 10:00:00.123 UTC */
#define T0_MS 1795341600123LL

/* ---- clock ---- */

TEST(clock_real_is_sane)
{
    lode_clock_t *c = lode_clock_real();
    int64_t now = lode_clock_now_ms(c);
    CHECK(now > 1577836800000LL); /* after 2020-01-01 */
    CHECK(now < 4102444800000LL); /* before 2100-01-01 */
    CHECK(llabs(now - (int64_t)time(NULL) * 1000) < 5000);
    int64_t a = lode_clock_monotonic_ns(c);
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
    int64_t b = lode_clock_monotonic_ns(c);
    CHECK(b - a >= 2000000);
    CHECK(lode_clock_monotonic_ms(c) >= b / 1000000);
    CHECK(lode_clock_now_ms_cb(c) >= now);
}

TEST(clock_manual)
{
    lode_manual_clock_t mc;
    lode_manual_clock_init(&mc, T0_MS, 5);
    lode_clock_t *c = &mc.clock;
    CHECK_EQ(lode_clock_now_ms(c), T0_MS);
    CHECK_EQ(lode_clock_monotonic_ns(c), 5);
    CHECK_EQ(lode_clock_now_ms(c), T0_MS); /* stands still */

    lode_manual_clock_advance_ms(&mc, 1500);
    CHECK_EQ(lode_clock_now_ms(c), T0_MS + 1500);
    CHECK_EQ(lode_clock_monotonic_ns(c), 5 + 1500000000LL);

    /* sub-millisecond steps add up on the wall clock */
    for (int i = 0; i < 4; i++)
        lode_manual_clock_advance_ns(&mc, 250000);
    CHECK_EQ(lode_clock_now_ms(c), T0_MS + 1501);
    lode_manual_clock_advance_ns(&mc, -1000); /* ignored */
    CHECK_EQ(lode_clock_monotonic_ns(c), 5 + 1501000000LL);

    /* the wall clock can jump back; monotonic time cannot */
    lode_manual_clock_set_wall_ms(&mc, T0_MS - 60000);
    CHECK_EQ(lode_clock_now_ms(c), T0_MS - 60000);
    CHECK_EQ(lode_clock_monotonic_ns(c), 5 + 1501000000LL);
    CHECK_EQ(lode_clock_now_ms_cb(c), T0_MS - 60000);

    /* negative wall times round toward minus infinity */
    lode_manual_clock_set_wall_ms(&mc, -1);
    CHECK_EQ(lode_clock_now_ms(c), -1);
}

TEST(clock_manual_auto_tick)
{
    lode_manual_clock_t mc;
    lode_manual_clock_init(&mc, 1000, 0);
    lode_manual_clock_set_auto_tick_ns(&mc, 1000000);
    CHECK_EQ(lode_clock_monotonic_ns(&mc.clock), 0);
    CHECK_EQ(lode_clock_monotonic_ns(&mc.clock), 1000000);
    CHECK_EQ(lode_clock_now_ms(&mc.clock), 1002); /* wall time moved along */
    lode_manual_clock_set_auto_tick_ns(&mc, 0);
    CHECK_EQ(lode_clock_monotonic_ns(&mc.clock), 2000000);
    CHECK_EQ(lode_clock_monotonic_ns(&mc.clock), 2000000);
}

static void *advance_thread(void *arg)
{
    lode_manual_clock_t *mc = arg;
    for (int i = 0; i < 100000; i++)
        lode_manual_clock_advance_ns(mc, 3);
    return NULL;
}

TEST(clock_manual_concurrent_advance)
{
    lode_manual_clock_t mc;
    lode_manual_clock_init(&mc, 0, 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        REQUIRE(pthread_create(&t[i], NULL, advance_thread, &mc) == 0);
    int64_t last = 0;
    for (int i = 0; i < 10000; i++) {
        int64_t now = lode_clock_monotonic_ns(&mc.clock);
        REQUIRE(now >= last);
        last = now;
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(lode_clock_monotonic_ns(&mc.clock), 4 * 100000 * 3);
}

/* ---- logger ---- */

static lode_manual_clock_t log_mc;

static const char *log_to_tmp(void)
{
    static char path[512];
    setenv("TZ", "UTC", 1);
    tzset();
    snprintf(path, sizeof path, "%s/lode.log", lode_test_tmpdir());
    REQUIRE(lode_logger_open_file(path) == 0);
    lode_manual_clock_init(&log_mc, T0_MS, 0);
    lode_logger_set_clock(&log_mc.clock);
    return path;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

TEST(log_line_format_like_kafka)
{
    const char *path = log_to_tmp();
    LODE_LOG_INFO("lode.server.Server", "started %s on port %d", "broker", 9092);
    lode_manual_clock_advance_ms(&log_mc, 1877);
    LODE_LOG_WARN(NULL, "no component");
    LODE_LOG_ERROR("lode.core", "boom");
    char *s = slurp(path);
    REQUIRE(s);
    CHECK_STREQ(s,
                "[2026-11-22 10:00:00,123] INFO started broker on port 9092 (lode.server.Server)\n"
                "[2026-11-22 10:00:02,000] WARN no component\n"
                "[2026-11-22 10:00:02,000] ERROR boom (lode.core)\n");
    free(s);

    char buf[128];
    int n = lode_logger_format(buf, sizeof buf, 0, LODE_LOGLEVEL_DEBUG, "c", "m");
    CHECK_STREQ(buf, "[1970-01-01 00:00:00,000] DEBUG m (c)\n");
    CHECK_EQ(n, (int)strlen(buf));
    lode_logger_format(buf, sizeof buf, -1, LODE_LOGLEVEL_TRACE, NULL, "m");
    CHECK_STREQ(buf, "[1969-12-31 23:59:59,999] TRACE m\n");
}

static int evaluated;
static int count_eval(void)
{
    return ++evaluated;
}

TEST(log_levels_filter_and_skip_arguments)
{
    const char *path = log_to_tmp();
    CHECK_EQ(lode_logger_level(), LODE_LOGLEVEL_INFO); /* default */
    evaluated = 0;
    LODE_LOG_DEBUG("t", "debug %d", count_eval());
    LODE_LOG_TRACE("t", "trace %d", count_eval());
    CHECK_EQ(evaluated, 0); /* disabled lines do not evaluate arguments */
    LODE_LOG_INFO("t", "info %d", count_eval());
    CHECK_EQ(evaluated, 1);

    lode_logger_set_level(LODE_LOGLEVEL_TRACE);
    LODE_LOG_TRACE("t", "trace on");
    lode_logger_set_level(LODE_LOGLEVEL_ERROR);
    LODE_LOG_WARN("t", "warn off");
    LODE_LOG_ERROR("t", "error on");
    lode_logger_set_level(LODE_LOGLEVEL_OFF);
    LODE_LOG_ERROR("t", "nothing");
    CHECK(!lode_logger_enabled(LODE_LOGLEVEL_ERROR));
    char *s = slurp(path);
    REQUIRE(s);
    CHECK_STREQ(s, "[2026-11-22 10:00:00,123] INFO info 1 (t)\n"
                   "[2026-11-22 10:00:00,123] TRACE trace on (t)\n"
                   "[2026-11-22 10:00:00,123] ERROR error on (t)\n");
    free(s);
}

TEST(log_level_names)
{
    lode_loglevel_t l;
    CHECK_EQ(lode_loglevel_parse("debug", &l), 0);
    CHECK_EQ(l, LODE_LOGLEVEL_DEBUG);
    CHECK_EQ(lode_loglevel_parse("WARN", &l), 0);
    CHECK_EQ(l, LODE_LOGLEVEL_WARN);
    CHECK_EQ(lode_loglevel_parse("Fatal", &l), 0);
    CHECK_EQ(l, LODE_LOGLEVEL_ERROR);
    CHECK_EQ(lode_loglevel_parse("all", &l), 0);
    CHECK_EQ(l, LODE_LOGLEVEL_TRACE);
    CHECK_EQ(lode_loglevel_parse("off", &l), 0);
    CHECK_EQ(l, LODE_LOGLEVEL_OFF);
    CHECK_EQ(lode_loglevel_parse("verbose", &l), LODE_EINVAL);
    CHECK_STREQ(lode_loglevel_name(LODE_LOGLEVEL_INFO), "INFO");
    CHECK_STREQ(lode_loglevel_name(LODE_LOGLEVEL_OFF), "OFF");
}

TEST(log_long_lines_and_errno)
{
    const char *path = log_to_tmp();
    char *big = malloc(5000);
    memset(big, 'x', 4999);
    big[4999] = '\0';
    errno = ENOENT;
    LODE_LOG_INFO("big.component", "%s", big);
    CHECK_EQ(errno, ENOENT); /* logging preserves errno */
    char *s = slurp(path);
    REQUIRE(s);
    const char *prefix = "[2026-11-22 10:00:00,123] INFO ";
    CHECK_EQ(strlen(s), strlen(prefix) + 4999 + strlen(" (big.component)\n"));
    CHECK(strncmp(s, prefix, strlen(prefix)) == 0);
    CHECK(strcmp(s + strlen(s) - 17, " (big.component)\n") == 0);
    free(s);
    free(big);

    CHECK_EQ(lode_logger_open_file("/nonexistent/dir/x.log"), LODE_EIO);
    LODE_LOG_INFO(NULL, "still to the old file");
    s = slurp(path);
    REQUIRE(s);
    CHECK(strstr(s, "still to the old file") != NULL);
    free(s);
}

struct writer_arg {
    int id;
};

static void *log_writer(void *arg)
{
    int id = ((struct writer_arg *)arg)->id;
    char pad[300];
    memset(pad, 'a' + id, sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    for (int i = 0; i < 500; i++)
        LODE_LOG_INFO("w", "t%d n%d %s", id, i, pad);
    return NULL;
}

/* Lines from many threads never interleave: every line is whole. */
TEST(log_threads_write_whole_lines)
{
    const char *path = log_to_tmp();
    enum { T = 6 };
    pthread_t t[T];
    struct writer_arg args[T];
    for (int i = 0; i < T; i++) {
        args[i].id = i;
        REQUIRE(pthread_create(&t[i], NULL, log_writer, &args[i]) == 0);
    }
    /* switch files under load: the old fd must not be closed mid-write */
    char path2[512];
    snprintf(path2, sizeof path2, "%s/lode2.log", lode_test_tmpdir());
    REQUIRE(lode_logger_open_file(path2) == 0);
    for (int i = 0; i < T; i++)
        pthread_join(t[i], NULL);
    lode_logger_set_fd(2);

    int seen[T] = {0};
    const char *paths[2] = {path, path2};
    for (int f = 0; f < 2; f++) {
        char *s = slurp(paths[f]);
        REQUIRE(s);
        char *save = NULL;
        for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            int id = -1, n = -1, off = 0;
            if (sscanf(line, "[2026-11-22 10:00:00,123] INFO t%d n%d %n", &id, &n, &off) != 2 ||
                id < 0 || id >= T) {
                lode_test_fail_at(__FILE__, __LINE__, "bad line: %.80s", line);
                break;
            }
            const char *pad = line + off;
            size_t k = 0;
            while (pad[k] == 'a' + id)
                k++;
            if (k != 299 || strcmp(pad + k, " (w)") != 0) {
                lode_test_fail_at(__FILE__, __LINE__, "torn line: %.80s", line);
                break;
            }
            seen[id]++;
        }
        free(s);
    }
    for (int i = 0; i < T; i++)
        CHECK_EQ(seen[i], 500);
}
