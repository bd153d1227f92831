/*
 * config_describe.c — DescribeConfigs (and the default-broker AlterConfigs)
 * for the tools (see config_describe.h).
 */
#include "config_describe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/mem.h"
#include "proto/gen/AlterConfigsRequest.h"
#include "proto/gen/AlterConfigsResponse.h"
#include "proto/gen/DescribeConfigsRequest.h"
#include "proto/gen/DescribeConfigsResponse.h"
#include "proto/kerr.h"
#include "raw_request.h"

#define RES_BROKER 4 /* Kafka's ConfigResource.Type.BROKER id */
#define DESCRIBE_VERSION 4
#define ALTER_VERSION 2

const char *cli_cfg_source_name(int source)
{
    static const char *const names[] = {
        "UNKNOWN",
        "DYNAMIC_TOPIC_CONFIG",
        "DYNAMIC_BROKER_CONFIG",
        "DYNAMIC_DEFAULT_BROKER_CONFIG",
        "STATIC_BROKER_CONFIG",
        "DEFAULT_CONFIG",
        "DYNAMIC_BROKER_LOGGER_CONFIG",
        "DYNAMIC_CLIENT_METRICS_CONFIG",
        "DYNAMIC_GROUP_CONFIG",
    };
    return source >= 0 && (size_t)source < sizeof names / sizeof *names ? names[source] : "UNKNOWN";
}

static char *dup_or_null(const char *s)
{
    return s ? lode_xstrdup(s) : NULL;
}

static char *dup_str(lode_str_t s)
{
    if (s.len < 0)
        return NULL;
    char *p = lode_xmalloc((size_t)s.len + 1);
    memcpy(p, s.ptr, (size_t)s.len);
    p[s.len] = '\0';
    return p;
}

/* Copies one librdkafka resource result. */
static void from_rdkafka(cli_cfg_resource_t *out, const rd_kafka_ConfigResource_t *res)
{
    out->name = lode_xstrdup(rd_kafka_ConfigResource_name(res));
    rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(res);
    if (err) {
        const char *msg = rd_kafka_ConfigResource_error_string(res);
        out->error = lode_xstrdup(msg && *msg ? msg : rd_kafka_err2str(err));
        return;
    }
    const rd_kafka_ConfigEntry_t **entries = rd_kafka_ConfigResource_configs(res, &out->n);
    out->e = lode_xcalloc(out->n + 1, sizeof *out->e);
    for (size_t i = 0; i < out->n; i++) {
        cli_cfg_entry_t *e = &out->e[i];
        e->name = lode_xstrdup(rd_kafka_ConfigEntry_name(entries[i]));
        e->value = dup_or_null(rd_kafka_ConfigEntry_value(entries[i]));
        e->sensitive = rd_kafka_ConfigEntry_is_sensitive(entries[i]);
        e->source = (int)rd_kafka_ConfigEntry_source(entries[i]);
        const rd_kafka_ConfigEntry_t **syn = rd_kafka_ConfigEntry_synonyms(entries[i], &e->nsyn);
        e->syn = lode_xcalloc(e->nsyn + 1, sizeof *e->syn);
        for (size_t j = 0; j < e->nsyn; j++) {
            e->syn[j].name = lode_xstrdup(rd_kafka_ConfigEntry_name(syn[j]));
            e->syn[j].value = dup_or_null(rd_kafka_ConfigEntry_value(syn[j]));
            e->syn[j].source = (int)rd_kafka_ConfigEntry_source(syn[j]);
        }
    }
}

static int describe_rdkafka(const cli_conf_t *c, rd_kafka_t *rk, rd_kafka_queue_t *q,
                            rd_kafka_ResourceType_t type, const char *const *names, size_t n,
                            cli_configs_t *out, char *err, size_t errcap)
{
    rd_kafka_ConfigResource_t **res = lode_xcalloc(n + 1, sizeof *res);
    for (size_t i = 0; i < n; i++)
        res[i] = rd_kafka_ConfigResource_new(type, names[i]);
    rd_kafka_AdminOptions_t *o = cli_admin_options(c, rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(rk, res, n, o, q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy_array(res, n);
    free(res);
    rd_kafka_event_t *ev = cli_admin_wait(c, q);
    if (!ev) {
        snprintf(err, errcap, "timed out after %d ms waiting for the broker", c->timeout_ms);
        return 1;
    }
    if (rd_kafka_event_error(ev)) {
        snprintf(err, errcap, "%s", rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return 1;
    }
    size_t nres;
    const rd_kafka_ConfigResource_t **rr =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &nres);
    out->res = lode_xcalloc(nres + 1, sizeof *out->res);
    for (out->n = 0; out->n < nres; out->n++)
        from_rdkafka(&out->res[out->n], rr[out->n]);
    rd_kafka_event_destroy(ev);
    return 0;
}

/* Copies one raw DescribeConfigs result. */
static void from_wire(cli_cfg_resource_t *out,
                      const DescribeConfigsResponse_DescribeConfigsResult *r)
{
    out->name = dup_str(r->ResourceName);
    if (r->ErrorCode) {
        out->error = r->ErrorMessage.len > 0 ? dup_str(r->ErrorMessage)
                                             : lode_xstrdup(lode_kerr_name(r->ErrorCode));
        return;
    }
    out->n = r->Configs_count > 0 ? (size_t)r->Configs_count : 0;
    out->e = lode_xcalloc(out->n + 1, sizeof *out->e);
    for (size_t i = 0; i < out->n; i++) {
        const DescribeConfigsResponse_DescribeConfigsResourceResult *w = &r->Configs[i];
        cli_cfg_entry_t *e = &out->e[i];
        e->name = dup_str(w->Name);
        e->value = dup_str(w->Value);
        e->sensitive = w->IsSensitive;
        e->source = w->ConfigSource;
        e->nsyn = w->Synonyms_count > 0 ? (size_t)w->Synonyms_count : 0;
        e->syn = lode_xcalloc(e->nsyn + 1, sizeof *e->syn);
        for (size_t j = 0; j < e->nsyn; j++) {
            e->syn[j].name = dup_str(w->Synonyms[j].Name);
            e->syn[j].value = dup_str(w->Synonyms[j].Value);
            e->syn[j].source = w->Synonyms[j].Source;
        }
    }
}

/* The brokers' default resource is reached by a raw request: plain TCP only. */
static bool default_reachable(rd_kafka_t *rk, char *boot, size_t cap, char *err, size_t errcap)
{
    if (cli_raw_possible(rk, boot, cap))
        return true;
    snprintf(err, errcap,
             "the brokers' default configs need security.protocol=PLAINTEXT "
             "(librdkafka 2.0.2 cannot address that resource)");
    return false;
}

static int describe_default_broker(const cli_conf_t *c, rd_kafka_t *rk, cli_configs_t *out,
                                   char *err, size_t errcap)
{
    char boot[2048];
    if (!default_reachable(rk, boot, sizeof boot, err, errcap))
        return 1;
    DescribeConfigsRequest_DescribeConfigsResource res;
    DescribeConfigsRequest_DescribeConfigsResource_init(&res);
    res.ResourceType = RES_BROKER;
    res.ResourceName = lode_str_lit("");
    res.ConfigurationKeys_count = -1;
    DescribeConfigsRequest req;
    DescribeConfigsRequest_init(&req);
    req.Resources = &res;
    req.Resources_count = 1;
    req.IncludeSynonyms = true;
    lode_buf_t body = LODE_BUF_INIT;
    uint8_t *frame = NULL;
    lode_reader_t r;
    int rc = 1;
    snprintf(err, errcap, "could not reach the broker(s) within %d ms", c->timeout_ms);
    if (DescribeConfigsRequest_encode(&req, DESCRIBE_VERSION, &body) == 0 &&
        cli_raw_request(boot, c->timeout_ms, DESCRIBECONFIGSREQUEST_API_KEY, DESCRIBE_VERSION,
                        &body, &frame, &r) == 0) {
        lode_arena_t a;
        lode_arena_init(&a, 16384);
        DescribeConfigsResponse resp;
        if (DescribeConfigsResponse_decode(&resp, DESCRIBE_VERSION, &r, &a) == 0 &&
            resp.Results_count == 1) {
            out->res = lode_xcalloc(1, sizeof *out->res);
            out->n = 1;
            from_wire(&out->res[0], &resp.Results[0]);
            rc = 0;
        } else {
            snprintf(err, errcap, "malformed DescribeConfigs response");
        }
        lode_arena_free(&a);
        free(frame);
    }
    lode_buf_free(&body);
    return rc;
}

int cli_configs_describe(const cli_conf_t *c, rd_kafka_t *rk, rd_kafka_queue_t *q,
                         rd_kafka_ResourceType_t type, const char *const *names, size_t n,
                         cli_configs_t *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    if (type == RD_KAFKA_RESOURCE_BROKER && n == 1 && !*names[0])
        return describe_default_broker(c, rk, out, err, errcap);
    return describe_rdkafka(c, rk, q, type, names, n, out, err, errcap);
}

int cli_configs_alter_broker_default(const cli_conf_t *c, rd_kafka_t *rk, char *const *names,
                                     char *const *values, size_t n, char *err, size_t errcap)
{
    char boot[2048];
    if (!default_reachable(rk, boot, sizeof boot, err, errcap))
        return 1;
    AlterConfigsRequest_AlterableConfig *cfg = lode_xcalloc(n + 1, sizeof *cfg);
    for (size_t i = 0; i < n; i++) {
        cfg[i].Name = lode_str_c(names[i]);
        cfg[i].Value = lode_str_c(values[i]);
    }
    AlterConfigsRequest_AlterConfigsResource res;
    AlterConfigsRequest_AlterConfigsResource_init(&res);
    res.ResourceType = RES_BROKER;
    res.ResourceName = lode_str_lit("");
    res.Configs = cfg;
    res.Configs_count = (int32_t)n;
    AlterConfigsRequest req;
    AlterConfigsRequest_init(&req);
    req.Resources = &res;
    req.Resources_count = 1;
    lode_buf_t body = LODE_BUF_INIT;
    uint8_t *frame = NULL;
    lode_reader_t r;
    int rc = 1;
    snprintf(err, errcap, "could not reach the broker(s) within %d ms", c->timeout_ms);
    if (AlterConfigsRequest_encode(&req, ALTER_VERSION, &body) == 0 &&
        cli_raw_request(boot, c->timeout_ms, ALTERCONFIGSREQUEST_API_KEY, ALTER_VERSION, &body,
                        &frame, &r) == 0) {
        lode_arena_t a;
        lode_arena_init(&a, 4096);
        AlterConfigsResponse resp;
        if (AlterConfigsResponse_decode(&resp, ALTER_VERSION, &r, &a) != 0 ||
            resp.Responses_count != 1) {
            snprintf(err, errcap, "malformed AlterConfigs response");
        } else if (resp.Responses[0].ErrorCode) {
            const lode_str_t *m = &resp.Responses[0].ErrorMessage;
            if (m->len > 0)
                snprintf(err, errcap, "%.*s", (int)m->len, m->ptr);
            else
                snprintf(err, errcap, "%s", lode_kerr_name(resp.Responses[0].ErrorCode));
        } else {
            rc = 0;
        }
        lode_arena_free(&a);
        free(frame);
    }
    lode_buf_free(&body);
    free(cfg);
    return rc;
}

const cli_cfg_resource_t *cli_configs_find(const cli_configs_t *cfgs, const char *name)
{
    for (size_t i = 0; i < cfgs->n; i++)
        if (cfgs->res[i].name && strcmp(cfgs->res[i].name, name) == 0)
            return &cfgs->res[i];
    return NULL;
}

void cli_configs_free(cli_configs_t *cfgs)
{
    for (size_t i = 0; i < cfgs->n; i++) {
        cli_cfg_resource_t *r = &cfgs->res[i];
        for (size_t j = 0; j < r->n; j++) {
            for (size_t k = 0; k < r->e[j].nsyn; k++) {
                free(r->e[j].syn[k].name);
                free(r->e[j].syn[k].value);
            }
            free(r->e[j].syn);
            free(r->e[j].name);
            free(r->e[j].value);
        }
        free(r->e);
        free(r->name);
        free(r->error);
    }
    free(cfgs->res);
    memset(cfgs, 0, sizeof *cfgs);
}
