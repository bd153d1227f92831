/*
 * configs.c — config changes as records (see configs.h).
 */
#include "controller/configs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/props.h"
#include "config/config_def.h"
#include "proto/gen/ConfigRecord.h"
#include "proto/kerr.h"

__attribute__((format(printf, 3, 4))) static int fail(lode_ctl_error_t *e, int16_t code,
                                                      const char *fmt, ...)
{
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return LODE_EINVAL;
}

/* The definition a resource's key names (topic configs for topics, broker
 * configs for brokers), or NULL. */
static const lode_config_def_t *def_of(int type, const char *name)
{
    return lode_config_def_find(
        type == LODE_CONFIG_RESOURCE_TOPIC ? LODE_CFG_KIND_TOPIC : LODE_CFG_KIND_BROKER, name);
}

const char *lode_ctl_config_check(int type, const char *name, const char *value, char *buf,
                                  size_t cap)
{
    const lode_config_def_t *d = def_of(type, name);
    if (type == LODE_CONFIG_RESOURCE_TOPIC) {
        if (!d) {
            snprintf(buf, cap, "Unknown topic config name: %s", name);
            return buf;
        }
        if (!value) {
            snprintf(buf, cap, "Null value not supported for topic configs: %s", name);
            return buf;
        }
    } else if (!d || d->mode == LODE_CFG_MODE_READ_ONLY || (d->flags & LODE_CFG_F_INTERNAL)) {
        snprintf(buf, cap, "Cannot update these configs dynamically: [%s]", name);
        return buf;
    }
    lode_config_value_t v;
    if (lode_config_parse(d, value ? value : "", value ? strlen(value) : 0, &v, buf, cap) != 0)
        return buf;
    lode_config_value_free(&v);
    return NULL;
}

/* LIST append/subtract on the current value. */
static char *list_edit(const char *current, const char *value, bool append)
{
    lode_strlist_t cur, add;
    lode_parse_kafka_list(current ? current : "", current ? strlen(current) : 0, &cur);
    lode_parse_kafka_list(value, strlen(value), &add);
    lode_buf_t out = LODE_BUF_INIT;
    size_t written = 0;
    for (size_t i = 0; i < cur.count; i++) {
        bool drop = false;
        for (size_t k = 0; !append && k < add.count; k++)
            drop |= !strcmp(cur.items[i], add.items[k]);
        if (drop || !cur.items[i][0])
            continue;
        if (written++)
            lode_buf_put_u8(&out, ',');
        lode_buf_put(&out, cur.items[i], strlen(cur.items[i]));
    }
    for (size_t k = 0; append && k < add.count; k++) {
        bool have = false;
        for (size_t i = 0; i < cur.count; i++)
            have |= !strcmp(cur.items[i], add.items[k]);
        if (have || !add.items[k][0])
            continue;
        if (written++)
            lode_buf_put_u8(&out, ',');
        lode_buf_put(&out, add.items[k], strlen(add.items[k]));
    }
    lode_buf_put_u8(&out, 0);
    lode_strlist_free(&cur);
    lode_strlist_free(&add);
    return (char *)lode_buf_steal(&out, NULL);
}

static int add_record(lode_mrecs_t *out, int type, const char *resource, const char *name,
                      const char *value)
{
    ConfigRecord r;
    ConfigRecord_init(&r);
    r.ResourceType = (int8_t)type;
    r.ResourceName = lode_str_c(resource);
    r.Name = lode_str_c(name);
    r.Value = lode_str_c(value);
    return lode_mrecs_add(out, LODE_MREC_CONFIG, 0, &r);
}

int lode_ctl_alter_configs(const lode_image_t *img, int type, const char *resource, int32_t node_id,
                           const lode_config_op_t *ops, size_t nops, bool incremental,
                           bool validate_only, lode_mrecs_t *out, lode_ctl_error_t *err)
{
    memset(err, 0, sizeof *err);
    char buf[512];
    if (type == LODE_CONFIG_RESOURCE_TOPIC) {
        if (!lode_image_topic(img, resource))
            return fail(err, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION, "The topic '%s' does not exist.",
                        resource);
    } else if (type == LODE_CONFIG_RESOURCE_BROKER) {
        char node[16];
        snprintf(node, sizeof node, "%d", node_id);
        if (resource[0] && strcmp(resource, node) && !lode_image_broker(img, atoi(resource)))
            return fail(err, LODE_KERR_INVALID_REQUEST, "Unknown broker %s.", resource);
    } else {
        return fail(err, LODE_KERR_INVALID_REQUEST, "Unsupported resource type %d.", type);
    }
    for (size_t i = 0; i < nops; i++) {
        for (size_t k = 0; k < i; k++)
            if (!strcmp(ops[k].name, ops[i].name))
                return fail(err, LODE_KERR_INVALID_REQUEST,
                            "Error due to duplicate config keys: %s", ops[i].name);
        int op = incremental ? ops[i].op : LODE_CFG_SET;
        if (op < LODE_CFG_SET || op > LODE_CFG_SUBTRACT)
            return fail(err, LODE_KERR_INVALID_REQUEST, "Unknown operation type %d.", op);
        if (op == LODE_CFG_DELETE) {
            if (type == LODE_CONFIG_RESOURCE_TOPIC && !def_of(type, ops[i].name))
                return fail(err, LODE_KERR_INVALID_CONFIG, "Unknown topic config name: %s",
                            ops[i].name);
            continue;
        }
        if (!ops[i].value)
            return fail(err, LODE_KERR_INVALID_REQUEST, "Null value not supported for : %s",
                        ops[i].name);
        if (op == LODE_CFG_APPEND || op == LODE_CFG_SUBTRACT) {
            const lode_config_def_t *d = def_of(type, ops[i].name);
            if (!d || d->type != LODE_CFG_TYPE_LIST)
                return fail(err, LODE_KERR_INVALID_CONFIG,
                            "Config value append is not allowed for config key: %s", ops[i].name);
        }
        const char *why = lode_ctl_config_check(type, ops[i].name, ops[i].value, buf, sizeof buf);
        if (why)
            return fail(err, LODE_KERR_INVALID_CONFIG, "%s", why);
    }
    if (validate_only)
        return 0;
    int rc = 0;
    if (!incremental) {
        /* AlterConfigs replaces the resource's dynamic set. */
        const lode_hmap_t *cur = lode_image_configs(img, type, resource);
        size_t it = 0;
        lode_hmap_entry_t *e;
        while (cur && rc == 0 && (e = lode_hmap_next(cur, &it))) {
            bool kept = false;
            for (size_t i = 0; i < nops; i++)
                kept |= !strcmp(ops[i].name, e->key);
            if (!kept)
                rc = add_record(out, type, resource, e->key, NULL);
        }
    }
    for (size_t i = 0; i < nops && rc == 0; i++) {
        int op = incremental ? ops[i].op : LODE_CFG_SET;
        if (op == LODE_CFG_SET)
            rc = add_record(out, type, resource, ops[i].name, ops[i].value);
        else if (op == LODE_CFG_DELETE)
            rc = add_record(out, type, resource, ops[i].name, NULL);
        else {
            const char *curv = lode_image_config(img, type, resource, ops[i].name);
            char *nv = list_edit(curv, ops[i].value, op == LODE_CFG_APPEND);
            rc = add_record(out, type, resource, ops[i].name, nv[0] ? nv : NULL);
            free(nv);
        }
    }
    return rc;
}
