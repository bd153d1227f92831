/*
 * client.c — librdkafka configuration, admin waits and metadata for the
 * tools (see client.h).
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/props.h"

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    const char *lvl = level <= 3 ? "ERROR" : level <= 4 ? "WARN" : "INFO";
    fprintf(stderr, "[%s] %s (librdkafka %s)\n", lvl, buf, fac);
}

bool cli_split_kv(const char *kv, char *key, size_t keycap, const char **value)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv || (size_t)(eq - kv) >= keycap)
        return false;
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    *value = eq + 1;
    return true;
}

int cli_conf_set(cli_conf_t *c, const char *key, const char *value)
{
    if (strcmp(key, "default.api.timeout.ms") == 0) {
        char *end;
        long v = strtol(value, &end, 10);
        if (*end || v <= 0 || v > 24L * 3600 * 1000) {
            fprintf(stderr, "%s: invalid default.api.timeout.ms '%s'\n", c->tool, value);
            return 1;
        }
        c->timeout_ms = (int)v;
        return 0;
    }
    char err[512];
    rd_kafka_conf_res_t r = rd_kafka_conf_set(c->conf, key, value, err, sizeof err);
    if (r == RD_KAFKA_CONF_OK)
        return 0;
    if (r == RD_KAFKA_CONF_UNKNOWN) {
        /* a Java client setting (serializers, interceptors…): harmless to leave out */
        fprintf(stderr, "[WARN] %s: ignoring property %s, which librdkafka does not support\n",
                c->tool, key);
        return 0;
    }
    fprintf(stderr, "%s: invalid value for %s: %s\n", c->tool, key, err);
    return 1;
}

int cli_conf_init(cli_conf_t *c, const char *tool, const char *bootstrap, const char *const *files,
                  size_t nfiles, char *const *props, size_t nprops)
{
    memset(c, 0, sizeof *c);
    c->tool = tool;
    c->timeout_ms = CLI_DEFAULT_TIMEOUT_MS;
    c->conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(c->conf, log_cb);
    char err[512];
    if (rd_kafka_conf_set(c->conf, "client.id", tool, err, sizeof err) != RD_KAFKA_CONF_OK)
        goto fail_msg;
    for (size_t f = 0; f < nfiles; f++) {
        if (!files[f])
            continue;
        lode_props_t p;
        lode_props_init(&p);
        if (lode_props_load_file(&p, files[f], LODE_PROPS_LATIN1, err, sizeof err) != 0) {
            fprintf(stderr, "%s: cannot read %s: %s\n", tool, files[f], err);
            lode_props_free(&p);
            goto fail;
        }
        size_t it = 0;
        const char *k, *v;
        while (lode_props_next(&p, &it, &k, &v))
            if (cli_conf_set(c, k, v) != 0) {
                lode_props_free(&p);
                goto fail;
            }
        lode_props_free(&p);
    }
    for (size_t i = 0; i < nprops; i++) {
        char key[256];
        const char *v;
        if (!cli_split_kv(props[i], key, sizeof key, &v)) {
            fprintf(stderr, "%s: invalid property '%s': expected key=value\n", tool, props[i]);
            goto fail;
        }
        if (cli_conf_set(c, key, v) != 0)
            goto fail;
    }
    if (bootstrap && cli_conf_set(c, "bootstrap.servers", bootstrap) != 0)
        goto fail;
    size_t len = sizeof err;
    if (rd_kafka_conf_get(c->conf, "bootstrap.servers", err, &len) != RD_KAFKA_CONF_OK || !err[0]) {
        fprintf(stderr, "%s: no bootstrap server: give --bootstrap-server HOST:PORT\n", tool);
        goto fail;
    }
    return 0;
fail_msg:
    fprintf(stderr, "%s: %s\n", tool, err);
fail:
    cli_conf_destroy(c);
    return 1;
}

void cli_conf_destroy(cli_conf_t *c)
{
    if (c->conf)
        rd_kafka_conf_destroy(c->conf);
    c->conf = NULL;
}

rd_kafka_t *cli_client_new(cli_conf_t *c, rd_kafka_type_t type)
{
    char err[512];
    rd_kafka_t *rk = rd_kafka_new(type, c->conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "%s: cannot create the client: %s\n", c->tool, err);
        cli_conf_destroy(c);
        return NULL;
    }
    c->conf = NULL; /* the client owns it now */
    return rk;
}

rd_kafka_AdminOptions_t *cli_admin_options(const cli_conf_t *c, rd_kafka_t *rk,
                                           rd_kafka_admin_op_t op)
{
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
    char err[256];
    rd_kafka_AdminOptions_set_request_timeout(o, c->timeout_ms, err, sizeof err);
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
        op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS || op == RD_KAFKA_ADMIN_OP_DELETERECORDS)
        rd_kafka_AdminOptions_set_operation_timeout(o, c->timeout_ms, err, sizeof err);
    return o;
}

rd_kafka_event_t *cli_admin_wait(const cli_conf_t *c, rd_kafka_queue_t *q)
{
    /* librdkafka answers with a timed-out result itself; the margin only guards a stall */
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, c->timeout_ms + 5000);
    if (!ev)
        fprintf(stderr, "%s: timed out after %d ms waiting for the broker\n", c->tool,
                c->timeout_ms);
    return ev;
}

const struct rd_kafka_metadata *cli_metadata(const cli_conf_t *c, rd_kafka_t *rk)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, c->timeout_ms);
    if (err) {
        if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__TIMED_OUT)
            fprintf(stderr, "%s: could not reach the broker(s) within %d ms: %s\n", c->tool,
                    c->timeout_ms, rd_kafka_err2str(err));
        else
            fprintf(stderr, "%s: cannot fetch metadata: %s\n", c->tool, rd_kafka_err2str(err));
        return NULL;
    }
    return md;
}
