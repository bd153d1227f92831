/*
 * consumer_groups_time.c — the two time formats --reset-offsets takes:
 * Kafka's --to-datetime (Utils.getDateTime) and --by-duration
 * (java.time.Duration.parse).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consumer_groups.h"

/* Kafka's Utils.getDateTime: "yyyy-MM-ddTHH:mm:ss.SSS" then Z, ±hh:mm, ±hhmm or ±hh
 * (none means UTC). Milliseconds since the epoch, or false. */
bool cg_parse_datetime(const char *s, int64_t *ms)
{
    const char *t = strchr(s, 'T');
    if (!t)
        return false;
    int Y, M, D, h, m, sec, frac, used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%n", &Y, &M, &D, &h, &m, &sec, &frac, &used) != 7 ||
        used != 23)
        return false;
    for (int i = 0; i < 23; i++) /* fixed-width fields, digits only */
        if ((i == 4 || i == 7)     ? s[i] != '-'
            : i == 10              ? s[i] != 'T'
            : (i == 13 || i == 16) ? s[i] != ':'
            : i == 19              ? s[i] != '.'
                                   : !isdigit((unsigned char)s[i]))
            return false;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 59)
        return false;
    const char *z = s + 23;
    long off = 0;
    if (*z == 'Z' && !z[1]) {
        off = 0;
    } else if (*z == '+' || *z == '-') {
        int oh = 0, om = 0;
        size_t len = strlen(z + 1);
        bool ok = false;
        if (len == 2)
            ok = sscanf(z + 1, "%2d", &oh) == 1;
        else if (len == 4)
            ok = sscanf(z + 1, "%2d%2d", &oh, &om) == 2;
        else if (len == 5 && z[3] == ':')
            ok = sscanf(z + 1, "%2d:%2d", &oh, &om) == 2;
        for (size_t i = 1; ok && i <= len; i++)
            ok = isdigit((unsigned char)z[i]) || (len == 5 && i == 3);
        if (!ok || oh > 18 || om > 59)
            return false;
        off = (*z == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    } else if (*z) {
        return false;
    }
    struct tm tm = {.tm_year = Y - 1900,
                    .tm_mon = M - 1,
                    .tm_mday = D,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = sec};
    time_t secs = timegm(&tm);
    *ms = ((int64_t)secs - off) * 1000 + frac;
    return true;
}

/* One signed number of a duration part: digits, with a fraction only for seconds. */
static bool duration_part(const char **p, bool fraction, double *v)
{
    const char *s = *p;
    char *end;
    if (*s == '+' || *s == '-')
        s++;
    if (!isdigit((unsigned char)*s))
        return false;
    while (isdigit((unsigned char)*s))
        s++;
    if (*s == '.' && fraction) {
        s++;
        if (!isdigit((unsigned char)*s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
    }
    *v = strtod(*p, &end);
    if (end != s)
        return false;
    *p = s;
    return true;
}

/* java.time.Duration.parse: [±]PnDTnHnMn.nS, letters in either case. Milliseconds. */
bool cg_parse_duration(const char *s, int64_t *ms)
{
    int sign = 1;
    if (*s == '-' || *s == '+')
        sign = *s++ == '-' ? -1 : 1;
    if (toupper((unsigned char)*s++) != 'P')
        return false;
    double total = 0, v;
    bool any = false;
    const char *p = s;
    if (*p && toupper((unsigned char)*p) != 'T') {
        if (!duration_part(&p, false, &v) || toupper((unsigned char)*p) != 'D')
            return false;
        total += v * 86400e3;
        p++;
        any = true;
    }
    if (toupper((unsigned char)*p) == 'T') {
        p++;
        static const char units[] = "HMS";
        static const double scale[] = {3600e3, 60e3, 1e3};
        bool in_t = false;
        for (int u = 0; u < 3 && *p; u++) {
            const char *q = p;
            if (!duration_part(&q, u == 2, &v))
                return false;
            if (toupper((unsigned char)*q) != units[u]) {
                continue; /* this unit is absent: try the next with the same text */
            }
            total += v * scale[u];
            p = q + 1;
            in_t = any = true;
        }
        if (!in_t)
            return false;
    }
    if (*p || !any)
        return false;
    *ms = (int64_t)(sign * total);
    return true;
}
