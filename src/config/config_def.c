/*
 * config_def.c — parsing, validation and rendering of config values with
 * Kafka's ConfigDef rules and messages (see config_def.h).
 */
#include "config/config_def.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"
#include "core/err.h"
#include "core/mem.h"

/* ---- lookup -------------------------------------------------------------- */

/* Per table, definition indexes sorted by name, for bsearch. */
static const lode_config_def_t **sorted[2];
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int cmp_def(const void *a, const void *b)
{
    const lode_config_def_t *x = *(const lode_config_def_t *const *)a;
    const lode_config_def_t *y = *(const lode_config_def_t *const *)b;
    return strcmp(x->name, y->name);
}

static void build_index(void)
{
    for (int k = 0; k < 2; k++) {
        size_t n;
        const lode_config_def_t *defs = lode_config_defs((lode_cfg_kind_t)k, &n);
        sorted[k] = lode_xmalloc(n * sizeof *sorted[k]);
        for (size_t i = 0; i < n; i++)
            sorted[k][i] = &defs[i];
        qsort(sorted[k], n, sizeof *sorted[k], cmp_def);
    }
}

const lode_config_def_t *lode_config_defs(lode_cfg_kind_t kind, size_t *n)
{
    if (kind == LODE_CFG_KIND_TOPIC) {
        *n = lode__config_topic_ndefs;
        return lode__config_topic_defs;
    }
    *n = lode__config_broker_ndefs;
    return lode__config_broker_defs;
}

static int cmp_key(const void *key, const void *elem)
{
    return strcmp((const char *)key, (*(const lode_config_def_t *const *)elem)->name);
}

const lode_config_def_t *lode_config_def_find(lode_cfg_kind_t kind, const char *name)
{
    if (!name || (kind != LODE_CFG_KIND_BROKER && kind != LODE_CFG_KIND_TOPIC))
        return NULL;
    pthread_once(&sorted_once, build_index);
    size_t n;
    lode_config_defs(kind, &n);
    const lode_config_def_t **hit = bsearch(name, sorted[kind], n, sizeof *sorted[kind], cmp_key);
    return hit ? *hit : NULL;
}

_Noreturn void lode__config_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lode: config: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* ---- names --------------------------------------------------------------- */

const char *lode_config_type_name(lode_cfg_type_t type)
{
    static const char *const names[] = {"UNKNOWN", "BOOLEAN", "STRING", "INT",   "SHORT",
                                        "LONG",    "DOUBLE",  "LIST",   "CLASS", "PASSWORD"};
    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "UNKNOWN";
}

const char *lode_config_type_doc_name(lode_cfg_type_t type)
{
    static const char *const names[] = {"unknown", "boolean", "string", "int",   "short",
                                        "long",    "double",  "list",   "class", "password"};
    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

const char *lode_config_source_name(lode_cfg_source_t src)
{
    switch (src) {
    case LODE_CFG_SRC_DYNAMIC_TOPIC:
        return "DYNAMIC_TOPIC_CONFIG";
    case LODE_CFG_SRC_DYNAMIC_BROKER:
        return "DYNAMIC_BROKER_CONFIG";
    case LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER:
        return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case LODE_CFG_SRC_STATIC_BROKER:
        return "STATIC_BROKER_CONFIG";
    case LODE_CFG_SRC_DEFAULT:
        return "DEFAULT_CONFIG";
    default:
        return "UNKNOWN";
    }
}

const char *lode_config_importance_name(lode_cfg_importance_t imp)
{
    return imp == LODE_CFG_IMP_HIGH ? "high" : imp == LODE_CFG_IMP_MEDIUM ? "medium" : "low";
}

const char *lode_config_mode_name(lode_cfg_mode_t mode)
{
    switch (mode) {
    case LODE_CFG_MODE_READ_ONLY:
        return "read-only";
    case LODE_CFG_MODE_PER_BROKER:
        return "per-broker";
    case LODE_CFG_MODE_CLUSTER_WIDE:
        return "cluster-wide";
    default:
        return "";
    }
}

/* Appends the NULL-terminated set joined by sep into buf at *o. */
static void join_set(char *buf, size_t cap, size_t *o, const char *const *set, const char *sep,
                     bool upper)
{
    for (size_t i = 0; set && set[i]; i++) {
        int w = snprintf(buf + *o, *o < cap ? cap - *o : 0, "%s%s", i ? sep : "", set[i]);
        if (upper && *o < cap)
            for (size_t k = *o; k < cap && buf[k]; k++)
                if (buf[k] >= 'a' && buf[k] <= 'z')
                    buf[k] = (char)(buf[k] - 'a' + 'A');
        *o += (size_t)w;
    }
}

const char *lode_config_valid_text(const lode_config_def_t *def, char *buf, size_t cap)
{
    size_t o = 0;
    const lode_config_validator_t *v = &def->valid;
    if (cap)
        buf[0] = '\0';
    switch (v->kind) {
    case LODE_CFG_V_RANGE:
        if (v->has_min && v->has_max)
            snprintf(buf, cap, "[%" PRId64 ",...,%" PRId64 "]", v->min, v->max);
        else if (v->has_min)
            snprintf(buf, cap, "[%" PRId64 ",...]", v->min);
        else if (v->has_max)
            snprintf(buf, cap, "[...,%" PRId64 "]", v->max);
        else
            snprintf(buf, cap, "[...]");
        break;
    case LODE_CFG_V_IN:
    case LODE_CFG_V_LIST_IN:
    case LODE_CFG_V_IN_ICASE:
        if (v->kind == LODE_CFG_V_IN_ICASE)
            o += (size_t)snprintf(buf, cap, "(case insensitive) ");
        o += (size_t)snprintf(buf + (o < cap ? o : cap), o < cap ? cap - o : 0, "[");
        join_set(buf, cap, &o, v->values, ", ", v->kind == LODE_CFG_V_IN_ICASE);
        snprintf(buf + (o < cap ? o : cap), o < cap ? cap - o : 0, "]");
        break;
    case LODE_CFG_V_NON_EMPTY:
        snprintf(buf, cap, "non-empty string");
        break;
    case LODE_CFG_V_CUSTOM:
        snprintf(buf, cap, "%s", v->valid_text ? v->valid_text : "");
        break;
    default:
        break;
    }
    return buf;
}

/* ---- values -------------------------------------------------------------- */

void lode_config_value_free(lode_config_value_t *v)
{
    free(v->s);
    lode_strlist_free(&v->list);
    memset(v, 0, sizeof *v);
}

void lode_config_value_copy(lode_config_value_t *dst, const lode_config_value_t *src)
{
    *dst = *src;
    dst->s = src->s ? lode_xstrdup(src->s) : NULL;
    dst->list.items = NULL;
    dst->list.count = 0;
    if (src->list.count) {
        dst->list.items = lode_xcalloc(src->list.count, sizeof *dst->list.items);
        for (size_t i = 0; i < src->list.count; i++)
            dst->list.items[i] = lode_xstrdup(src->list.items[i]);
        dst->list.count = src->list.count;
    }
}

int lode_config_invalid(char *err, size_t errlen, const char *name, const char *value,
                        const char *reason)
{
    if (err && errlen)
        snprintf(err, errlen, "Invalid value %s for configuration %s%s%s", value, name,
                 reason ? ": " : "", reason ? reason : "");
    return LODE_EINVAL;
}

/* The same with a value given as len bytes (Kafka shows the raw string). */
static int invalid_raw(char *err, size_t errlen, const char *name, const char *s, size_t len,
                       const char *reason)
{
    char *raw = lode_xstrndup(s, len);
    lode_config_invalid(err, errlen, name, raw, reason);
    free(raw);
    return LODE_EINVAL;
}

/* Java String.trim() on bytes: drops bytes <= 0x20 at both ends. */
static void java_trim(const char **s, size_t *len)
{
    while (*len && (unsigned char)(*s)[0] <= 0x20) {
        (*s)++;
        (*len)--;
    }
    while (*len && (unsigned char)(*s)[*len - 1] <= 0x20)
        (*len)--;
}

int lode_config_parse_type(const lode_config_def_t *def, const char *s, size_t len,
                           lode_config_value_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->type = def->type;
    const char *t = s;
    size_t tlen = len;
    java_trim(&t, &tlen);
    char reason[96];
    int rc = 0;
    switch (def->type) {
    case LODE_CFG_TYPE_BOOLEAN:
        if (lode_parse_java_bool(s, len, &out->b) != 0)
            return invalid_raw(err, errlen, def->name, s, len,
                               "Expected value to be either true or false");
        return 0;
    case LODE_CFG_TYPE_STRING:
    case LODE_CFG_TYPE_PASSWORD:
        out->s = lode_xstrndup(t, tlen);
        return 0;
    case LODE_CFG_TYPE_CLASS:
        /* lode loads no classes: any non-empty name is taken as given. */
        if (tlen == 0) {
            char *raw = lode_xstrndup(s, len);
            snprintf(reason, sizeof reason, "Class %.40s could not be found.", raw);
            lode_config_invalid(err, errlen, def->name, raw, reason);
            free(raw);
            return LODE_EINVAL;
        }
        out->s = lode_xstrndup(t, tlen);
        return 0;
    case LODE_CFG_TYPE_INT: {
        int32_t v;
        rc = lode_parse_java_int32(s, len, &v);
        out->i = v;
        break;
    }
    case LODE_CFG_TYPE_SHORT:
        rc = lode_parse_java_int64(s, len, &out->i);
        if (rc == 0 && (out->i < INT16_MIN || out->i > INT16_MAX))
            rc = LODE_ERANGE;
        break;
    case LODE_CFG_TYPE_LONG:
        rc = lode_parse_java_int64(s, len, &out->i);
        break;
    case LODE_CFG_TYPE_DOUBLE:
        rc = lode_parse_java_double(s, len, &out->d);
        break;
    case LODE_CFG_TYPE_LIST:
        lode_parse_kafka_list(s, len, &out->list);
        return 0;
    default:
        lode__config_die("%s: definition without a type", def->name);
    }
    if (rc != 0) {
        snprintf(reason, sizeof reason, "Not a number of type %s",
                 lode_config_type_name(def->type));
        memset(out, 0, sizeof *out);
        return invalid_raw(err, errlen, def->name, s, len, reason);
    }
    return 0;
}

static bool in_set(const char *const *set, const char *s, bool icase)
{
    for (size_t i = 0; set && set[i]; i++)
        if (icase ? strcasecmp(set[i], s) == 0 : strcmp(set[i], s) == 0)
            return true;
    return false;
}

/* Java's Number.toString of a range bound or a parsed number. */
static void render_number(const lode_config_value_t *v, char *buf, size_t cap)
{
    if (v->type == LODE_CFG_TYPE_DOUBLE)
        lode_java_double_to_string(v->d, buf, cap);
    else
        snprintf(buf, cap, "%" PRId64, v->i);
}

static int check_range(const lode_config_def_t *def, const lode_config_value_t *v, char *err,
                       size_t errlen)
{
    const lode_config_validator_t *r = &def->valid;
    /* Kafka compares Number.doubleValue()s. */
    double x = v->type == LODE_CFG_TYPE_DOUBLE ? v->d : (double)v->i;
    char val[64], reason[96];
    if (r->has_min && x < (double)r->min) {
        render_number(v, val, sizeof val);
        snprintf(reason, sizeof reason, "Value must be at least %" PRId64, r->min);
        return lode_config_invalid(err, errlen, def->name, val, reason);
    }
    if (r->has_max && x > (double)r->max) {
        render_number(v, val, sizeof val);
        snprintf(reason, sizeof reason, "Value must be no more than %" PRId64, r->max);
        return lode_config_invalid(err, errlen, def->name, val, reason);
    }
    return 0;
}

/* "String must be one of: a, b" (upper-cased for the case-insensitive set). */
static int not_in_set(const lode_config_def_t *def, const char *value, bool icase, char *err,
                      size_t errlen)
{
    char reason[512];
    size_t o = (size_t)snprintf(reason, sizeof reason,
                                "String must be one of%s: ", icase ? " (case insensitive)" : "");
    join_set(reason, sizeof reason, &o, def->valid.values, ", ", icase);
    return lode_config_invalid(err, errlen, def->name, value, reason);
}

int lode_config_validate(const lode_config_def_t *def, const lode_config_value_t *v, char *err,
                         size_t errlen)
{
    if (v->is_null)
        return 0;
    switch (def->valid.kind) {
    case LODE_CFG_V_NONE:
        return 0;
    case LODE_CFG_V_RANGE:
        return check_range(def, v, err, errlen);
    case LODE_CFG_V_IN:
    case LODE_CFG_V_IN_ICASE: {
        bool icase = def->valid.kind == LODE_CFG_V_IN_ICASE;
        if (v->s && in_set(def->valid.values, v->s, icase))
            return 0;
        return not_in_set(def, v->s ? v->s : "null", icase, err, errlen);
    }
    case LODE_CFG_V_LIST_IN:
        for (size_t i = 0; i < v->list.count; i++)
            if (!in_set(def->valid.values, v->list.items[i], false))
                return not_in_set(def, v->list.items[i], false, err, errlen);
        return 0;
    case LODE_CFG_V_NON_EMPTY:
        if (v->s && v->s[0])
            return 0;
        return lode_config_invalid(err, errlen, def->name, v->s ? v->s : "null",
                                   "String must be non-empty");
    case LODE_CFG_V_CUSTOM:
        return def->valid.custom ? def->valid.custom(def, v, err, errlen) : 0;
    }
    return 0;
}

int lode_config_parse(const lode_config_def_t *def, const char *s, size_t len,
                      lode_config_value_t *out, char *err, size_t errlen)
{
    int rc = lode_config_parse_type(def, s, len, out, err, errlen);
    if (rc == 0 && (rc = lode_config_validate(def, out, err, errlen)) != 0)
        lode_config_value_free(out);
    return rc;
}

int lode_config_default(const lode_config_def_t *def, lode_config_value_t *out)
{
    if (!def->dflt || (def->flags & LODE_CFG_F_REQUIRED)) {
        memset(out, 0, sizeof *out);
        out->type = def->type;
        out->is_null = true;
        return 0;
    }
    char err[256];
    if (lode_config_parse_type(def, def->dflt, strlen(def->dflt), out, err, sizeof err) != 0)
        lode__config_die("default of %s does not parse: %s", def->name, err);
    return 0;
}

/* ---- rendering ----------------------------------------------------------- */

size_t lode_java_double_to_string(double d, char *buf, size_t cap)
{
    if (isnan(d))
        return (size_t)snprintf(buf, cap, "NaN");
    if (isinf(d))
        return (size_t)snprintf(buf, cap, d < 0 ? "-Infinity" : "Infinity");
    if (d == 0)
        return (size_t)snprintf(buf, cap, signbit(d) ? "-0.0" : "0.0");
    /* The shortest digit string that reads back as d (what Java's
     * Double.toString gives since JDK 19). */
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        double back;
        if (lode_parse_java_double(tmp, strlen(tmp), &back) == 0 && back == d)
            break;
    }
    /* tmp is [-]D[<point>DDD]e[+-]XX in any locale: take the digits and the
     * exponent without relying on the decimal point character. */
    const char *p = tmp;
    bool neg = *p == '-';
    if (neg)
        p++;
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e' && *p != 'E'; p++)
        if (*p >= '0' && *p <= '9' && nd < sizeof digits - 1)
            digits[nd++] = *p;
    int exp10 = *p ? atoi(p + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    char out[64];
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (exp10 >= -3 && exp10 < 7) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++)
                out[o++] = (size_t)i < nd ? digits[i] : '0';
            out[o++] = '.';
            if ((size_t)exp10 + 1 < nd)
                for (size_t i = (size_t)exp10 + 1; i < nd; i++)
                    out[o++] = digits[i];
            else
                out[o++] = '0';
        } else {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -exp10 - 1; i++)
                out[o++] = '0';
            for (size_t i = 0; i < nd; i++)
                out[o++] = digits[i];
        }
        out[o] = '\0';
    } else {
        if (nd == 1) {
            /* Java prints at least d.d here: the 2-digit decimal nearest
             * to d (4.9E-324 for Double.MIN_VALUE, where 5.0E-324 would
             * also read back) */
            snprintf(tmp, sizeof tmp, "%.1e", d);
            const char *q = tmp + (tmp[0] == '-');
            digits[0] = q[0];
            digits[1] = q[2];
            nd = digits[1] == '0' ? 1 : 2;
            exp10 = atoi(strpbrk(q, "eE") + 1);
        }
        out[o++] = digits[0];
        out[o++] = '.';
        if (nd > 1)
            for (size_t i = 1; i < nd; i++)
                out[o++] = digits[i];
        else
            out[o++] = '0';
        snprintf(out + o, sizeof out - o, "E%d", exp10);
    }
    return (size_t)snprintf(buf, cap, "%s", out);
}

size_t lode_config_render(const lode_config_value_t *v, char *buf, size_t cap)
{
    if (v->is_null)
        return (size_t)snprintf(buf, cap, "null");
    switch (v->type) {
    case LODE_CFG_TYPE_BOOLEAN:
        return (size_t)snprintf(buf, cap, "%s", v->b ? "true" : "false");
    case LODE_CFG_TYPE_INT:
    case LODE_CFG_TYPE_SHORT:
    case LODE_CFG_TYPE_LONG:
        return (size_t)snprintf(buf, cap, "%" PRId64, v->i);
    case LODE_CFG_TYPE_DOUBLE:
        return lode_java_double_to_string(v->d, buf, cap);
    case LODE_CFG_TYPE_PASSWORD:
        return (size_t)snprintf(buf, cap, "[hidden]");
    case LODE_CFG_TYPE_LIST: {
        size_t o = 0;
        if (cap)
            buf[0] = '\0';
        for (size_t i = 0; i < v->list.count; i++)
            o += (size_t)snprintf(buf + (o < cap ? o : cap), o < cap ? cap - o : 0, "%s%s",
                                  i ? "," : "", v->list.items[i]);
        return o;
    }
    default:
        return (size_t)snprintf(buf, cap, "%s", v->s ? v->s : "");
    }
}

char *lode_config_render_dup(const lode_config_value_t *v)
{
    size_t n = lode_config_render(v, NULL, 0);
    char *s = lode_xmalloc(n + 1);
    lode_config_render(v, s, n + 1);
    return s;
}
