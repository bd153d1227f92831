/*
 * validators.c — Kafka's custom config validators used by both tables, and
 * the value sets they share.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "core/err.h"
#include "core/mem.h"

/* BrokerCompressionType, in Kafka's enum order (the order its message lists). */
const char *const lode__config_codecs[] = {"uncompressed", "zstd",     "lz4", "snappy",
                                           "gzip",         "producer", NULL};
const char *const lode__config_cleanup[] = {"compact", "delete", NULL};
const char *const lode__config_ts_types[] = {"CreateTime", "LogAppendTime", NULL};

/* Deflater levels: 1 (BEST_SPEED) .. 9 (BEST_COMPRESSION), or -1 (DEFAULT). */
int lode__config_check_gzip_level(const lode_config_def_t *def, const lode_config_value_t *v,
                                  char *err, size_t errlen)
{
    if (v->i > 9 || (v->i < 1 && v->i != -1)) {
        char val[24];
        snprintf(val, sizeof val, "%" PRId64, v->i);
        return lode_config_invalid(err, errlen, def->name, val,
                                   "Value must be between 1 and 9 or equal to -1");
    }
    return 0;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* One item of a throttled-replica list, trimmed: empty or
 * <partition>:<broker> with decimal digits on both sides. */
static void trim(const char **s, size_t *n)
{
    while (*n && (unsigned char)(*s)[*n - 1] <= 0x20)
        (*n)--;
    while (*n && (unsigned char)(*s)[0] <= 0x20)
        (*s)++, (*n)--;
}

static bool replica_item_ok(const char *s)
{
    size_t n = strlen(s);
    trim(&s, &n);
    if (n == 0)
        return true;
    const char *c = memchr(s, ':', n);
    return c && all_digits(s, (size_t)(c - s)) && all_digits(c + 1, n - (size_t)(c - s) - 1);
}

/*
 * ThrottledReplicaListValidator: every item is "<partition>:<broker>" (or
 * empty), or the items joined make exactly "*". Kafka prints the value as a
 * Java List ("[a, b]").
 */
int lode__config_check_throttled(const lode_config_def_t *def, const lode_config_value_t *v,
                                 char *err, size_t errlen)
{
    bool ok = true;
    for (size_t i = 0; i < v->list.count && ok; i++)
        ok = replica_item_ok(v->list.items[i]);
    if (!ok) { /* the trimmed items joined must then be exactly "*" */
        size_t stars = 0, other = 0;
        for (size_t i = 0; i < v->list.count; i++) {
            const char *t = v->list.items[i];
            size_t n = strlen(t);
            trim(&t, &n);
            if (n == 1 && t[0] == '*')
                stars++;
            else if (n)
                other++;
        }
        ok = stars == 1 && other == 0;
    }
    if (ok)
        return 0;
    size_t need = 3;
    for (size_t i = 0; i < v->list.count; i++)
        need += strlen(v->list.items[i]) + 2;
    char *shown = lode_xmalloc(need);
    size_t o = 0;
    shown[o++] = '[';
    for (size_t i = 0; i < v->list.count; i++)
        o += (size_t)sprintf(shown + o, "%s%s", i ? ", " : "", v->list.items[i]);
    shown[o++] = ']';
    shown[o] = '\0';
    char reason[256];
    snprintf(reason, sizeof reason,
             "%s must be the literal '*' or a list of replicas in the following format: "
             "[partitionId]:[brokerId],[partitionId]:[brokerId],...",
             def->name);
    lode_config_invalid(err, errlen, def->name, shown, reason);
    free(shown);
    return LODE_EINVAL;
}
