/*
 * perf_common.c — Java-style numbers and dates, the clock and the
 * --print-metrics statistics shared by the perf tools (see perf_common.h).
 */
#include "perf_common.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *perf_fmt(char *out, size_t cap, double v, int decimals)
{
    if (isnan(v)) {
        snprintf(out, cap, "NaN");
        return out;
    }
    if (isinf(v)) {
        snprintf(out, cap, v < 0 ? "-Infinity" : "Infinity");
        return out;
    }
    /* the shortest digits that read back as v, as Java's Double.toString finds them */
    char sci[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, v);
        if (strtod(sci, NULL) == v)
            break;
    }
    bool neg = sci[0] == '-';
    char digits[48];
    size_t nd = 0;
    const char *p = sci + neg;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    int point = v == 0 ? 1 : atoi(p + 1) + 1; /* digits before the decimal point */
    /* a[0] takes a carry; then the integer digits, then `decimals` fraction digits */
    int intdigits = point > 1 ? point : 1;
    int total = intdigits + decimals;
    char a[400];
    if (total + 1 > (int)sizeof a)
        total = (int)sizeof a - 1;
    a[0] = '0';
    for (int k = 0; k < total; k++) {
        int j = point - intdigits + k; /* index into digits of the digit at this place */
        a[1 + k] = j >= 0 && j < (int)nd ? digits[j] : '0';
    }
    int guard = point + decimals; /* the first digit dropped decides: half-up */
    if (guard >= 0 && guard < (int)nd && digits[guard] >= '5') {
        int i = total;
        while (a[i] == '9')
            a[i--] = '0';
        a[i]++;
    }
    size_t o = 0;
    if (neg && o + 1 < cap) /* Java keeps the sign of what rounds to zero: "-0.00" */
        out[o++] = '-';
    int start = 0;
    while (start < intdigits && a[start] == '0')
        start++;
    for (int i = start; i <= intdigits && o + 1 < cap; i++)
        out[o++] = a[i];
    if (decimals > 0 && o + 1 < cap)
        out[o++] = '.';
    for (int i = intdigits + 1; i <= total && o + 1 < cap; i++)
        out[o++] = a[i];
    out[o] = '\0';
    return out;
}

int64_t perf_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const months[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};
static const char *const days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                   "Thursday", "Friday", "Saturday"};

/* One pattern field: letter c repeated n times. Returns false for a letter not handled. */
static bool date_field(char *buf, size_t cap, char c, int n, const struct tm *tm, int millis)
{
    int num = -1;
    switch (c) {
    case 'G':
        snprintf(buf, cap, "AD");
        return true;
    case 'y':
    case 'Y':
        if (n == 2)
            num = (tm->tm_year + 1900) % 100;
        else
            num = tm->tm_year + 1900;
        break;
    case 'M':
    case 'L':
        if (n >= 3) {
            snprintf(buf, cap, "%.*s", n == 3 ? 3 : 20, months[tm->tm_mon]);
            return true;
        }
        num = tm->tm_mon + 1;
        break;
    case 'd':
        num = tm->tm_mday;
        break;
    case 'D':
        num = tm->tm_yday + 1;
        break;
    case 'E':
        snprintf(buf, cap, "%.*s", n >= 4 ? 20 : 3, days[tm->tm_wday]);
        return true;
    case 'u':
        num = tm->tm_wday == 0 ? 7 : tm->tm_wday;
        break;
    case 'a':
        snprintf(buf, cap, tm->tm_hour < 12 ? "AM" : "PM");
        return true;
    case 'H':
        num = tm->tm_hour;
        break;
    case 'k':
        num = tm->tm_hour == 0 ? 24 : tm->tm_hour;
        break;
    case 'K':
        num = tm->tm_hour % 12;
        break;
    case 'h':
        num = tm->tm_hour % 12 == 0 ? 12 : tm->tm_hour % 12;
        break;
    case 'm':
        num = tm->tm_min;
        break;
    case 's':
        num = tm->tm_sec;
        break;
    case 'S':
        num = millis;
        break;
    case 'z':
        snprintf(buf, cap, "%s", tm->tm_zone ? tm->tm_zone : "");
        return true;
    case 'Z':
    case 'X': {
        long off = tm->tm_gmtoff / 60;
        if (c == 'X' && off == 0) {
            snprintf(buf, cap, "Z");
            return true;
        }
        char sign = off < 0 ? '-' : '+';
        off = labs(off);
        if (c == 'X' && n == 1)
            snprintf(buf, cap, "%c%02ld", sign, off / 60);
        else if (c == 'X' && n >= 3)
            snprintf(buf, cap, "%c%02ld:%02ld", sign, off / 60, off % 60);
        else
            snprintf(buf, cap, "%c%02ld%02ld", sign, off / 60, off % 60);
        return true;
    }
    default:
        return false;
    }
    snprintf(buf, cap, "%0*d", n, num);
    return true;
}

int perf_fmt_date(char *out, size_t cap, const char *pattern, int64_t ms, char *bad)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&secs, &tm);
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = pattern; *p;) {
        char piece[64];
        if (*p == '\'') {
            if (p[1] == '\'') { /* '' is a quote */
                snprintf(piece, sizeof piece, "'");
                p += 2;
            } else {
                const char *end = strchr(p + 1, '\'');
                size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);
                snprintf(piece, sizeof piece, "%.*s", (int)n, p + 1);
                p += n + 1 + (end ? 1 : 0);
            }
        } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
            int n = 1;
            while (p[n] == *p)
                n++;
            if (!date_field(piece, sizeof piece, *p, n, &tm, (int)(ms % 1000))) {
                *bad = *p;
                return -1;
            }
            p += n;
        } else {
            piece[0] = *p++;
            piece[1] = '\0';
        }
        o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "%s", piece);
        if (o >= cap)
            o = cap - 1;
    }
    return 0;
}

static pthread_mutex_t metrics_lock = PTHREAD_MUTEX_INITIALIZER;
static char *metrics_json;
static uint64_t metrics_seq;

void perf_metrics_store(const char *json)
{
    char *copy = strdup(json);
    pthread_mutex_lock(&metrics_lock);
    free(metrics_json);
    metrics_json = copy;
    metrics_seq++;
    pthread_mutex_unlock(&metrics_lock);
}

uint64_t perf_metrics_seq(void)
{
    pthread_mutex_lock(&metrics_lock);
    uint64_t seq = metrics_seq;
    pthread_mutex_unlock(&metrics_lock);
    return seq;
}

static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    (void)rk, (void)len, (void)opaque;
    perf_metrics_store(json);
    return 0; /* librdkafka frees json */
}

int perf_metrics_enable(rd_kafka_conf_t *conf, const char *tool)
{
    char err[256];
    if (rd_kafka_conf_set(conf, "statistics.interval.ms", "500", err, sizeof err) !=
        RD_KAFKA_CONF_OK) {
        fprintf(stderr, "%s: %s\n", tool, err);
        return 1;
    }
    rd_kafka_conf_set_stats_cb(conf, stats_cb);
    return 0;
}

void perf_metrics_print(void)
{
    pthread_mutex_lock(&metrics_lock);
    printf("\nlibrdkafka statistics (JSON, see librdkafka's STATISTICS.md)\n%s\n",
           metrics_json ? metrics_json : "{}");
    pthread_mutex_unlock(&metrics_lock);
}

void perf_metrics_free(void)
{
    pthread_mutex_lock(&metrics_lock);
    free(metrics_json);
    metrics_json = NULL;
    pthread_mutex_unlock(&metrics_lock);
}
