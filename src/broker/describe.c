/*
 * describe.c — DescribeConfigs, DescribeCluster, DescribeQuorum from the
 * image (see describe.h).
 */
#include "broker/describe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metadata/config_layers.h"
#include "proto/kerr.h"

typedef DescribeConfigsResponse_DescribeConfigsResourceResult entry_t;
typedef DescribeConfigsResponse_DescribeConfigsSynonym synonym_t;

static lode_str_t astr(lode_arena_t *a, const char *s)
{
    if (!s)
        return LODE_STR_NULL;
    size_t n = strlen(s);
    return (lode_str_t){lode_arena_strndup(a, s, n), (int32_t)n};
}

static bool wanted(const DescribeConfigsRequest_DescribeConfigsResource *r, const char *name)
{
    if (r->ConfigurationKeys_count < 0)
        return true;
    for (int32_t i = 0; i < r->ConfigurationKeys_count; i++)
        if (lode_str_eq_c(&r->ConfigurationKeys[i], name))
            return true;
    return false;
}

/* One result entry from the config layer's description. */
static void fill_entry(entry_t *e, const lode_config_entry_t *c, const DescribeConfigsRequest *req,
                       int16_t version, lode_arena_t *a)
{
    DescribeConfigsResponse_DescribeConfigsResourceResult_init(e);
    e->Name = astr(a, c->def->name);
    e->Value = astr(a, c->value);
    e->ReadOnly = c->read_only;
    e->IsDefault = version == 0 && c->source == LODE_CFG_SRC_DEFAULT; /* v0 only */
    if (version >= 1)
        e->ConfigSource = (int8_t)c->source;
    e->IsSensitive = c->sensitive;
    if (version >= 3) {
        e->ConfigType = (int8_t)c->def->type;
        e->Documentation = req->IncludeDocumentation ? astr(a, c->def->doc) : LODE_STR_NULL;
    }
    if (version >= 1 && req->IncludeSynonyms && c->nsynonyms > 0) {
        synonym_t *s = lode_arena_calloc(a, c->nsynonyms, sizeof *s);
        for (size_t i = 0; i < c->nsynonyms; i++) {
            DescribeConfigsResponse_DescribeConfigsSynonym_init(&s[i]);
            s[i].Name = astr(a, c->synonyms[i].name);
            s[i].Value = astr(a, c->synonyms[i].value);
            s[i].Source = (int8_t)c->synonyms[i].source;
        }
        e->Synonyms = s;
        e->Synonyms_count = (int32_t)c->nsynonyms;
    }
}

/* Every listed definition of a table described by `describe` (which may
 * decline one with LODE_ENOTFOUND, as the cluster-default resource does for
 * what is not set there). */
static void describe_all(lode_cfg_kind_t kind, const lode_config_t *cfg,
                         const lode_config_layers_t *layers, bool per_broker,
                         const DescribeConfigsRequest *req, int16_t version,
                         const DescribeConfigsRequest_DescribeConfigsResource *r,
                         DescribeConfigsResponse_DescribeConfigsResult *out, lode_arena_t *a)
{
    size_t n;
    const lode_config_def_t *defs = lode_config_defs(kind, &n);
    entry_t *e = lode_arena_calloc(a, n + 1, sizeof *e);
    int32_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if ((defs[i].flags & LODE_CFG_F_INTERNAL) || !wanted(r, defs[i].name))
            continue;
        lode_config_entry_t c;
        int rc = kind == LODE_CFG_KIND_TOPIC
                     ? lode_config_describe_topic(cfg, layers, defs[i].name, &c)
                     : lode_config_describe_broker(cfg, layers, defs[i].name, per_broker, &c);
        if (rc)
            continue;
        fill_entry(&e[k++], &c, req, version, a);
        lode_config_entry_free(&c);
    }
    out->Configs = e;
    out->Configs_count = k;
}

static void error(DescribeConfigsResponse_DescribeConfigsResult *out, int16_t code,
                  const char *msg, lode_arena_t *a)
{
    out->ErrorCode = code;
    out->ErrorMessage = astr(a, msg);
}

void lode_describe_configs(const lode_image_t *img, const lode_config_t *cfg, int32_t node_id,
                           const DescribeConfigsRequest *req, int16_t version,
                           DescribeConfigsResponse *resp, lode_arena_t *a)
{
    DescribeConfigsResponse_init(resp);
    int32_t n = req->Resources_count > 0 ? req->Resources_count : 0;
    resp->Results = lode_arena_calloc(a, (size_t)(n ? n : 1), sizeof *resp->Results);
    resp->Results_count = n;
    for (int32_t i = 0; i < n; i++) {
        const DescribeConfigsRequest_DescribeConfigsResource *r = &req->Resources[i];
        DescribeConfigsResponse_DescribeConfigsResult *out = &resp->Results[i];
        DescribeConfigsResponse_DescribeConfigsResult_init(out);
        out->ResourceType = r->ResourceType;
        out->ResourceName = r->ResourceName;
        out->Configs_count = 0;
        char name[256];
        snprintf(name, sizeof name, "%.*s", r->ResourceName.len > 0 ? r->ResourceName.len : 0,
                 r->ResourceName.ptr ? r->ResourceName.ptr : "");
        lode_image_layers_t l;
        if (r->ResourceType == LODE_CONFIG_RESOURCE_TOPIC) {
            if (!lode_image_topic(img, name)) {
                error(out, LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION, "The topic does not exist.", a);
                continue;
            }
            lode_image_config_layers(img, node_id, name, &l);
            describe_all(LODE_CFG_KIND_TOPIC, cfg, &l.layers, false, req, version, r, out, a);
        } else if (r->ResourceType == LODE_CONFIG_RESOURCE_BROKER) {
            char self[16], msg[400];
            snprintf(self, sizeof self, "%d", node_id);
            if (name[0] && strcmp(name, self)) {
                char *end;
                strtol(name, &end, 10);
                if (*end)
                    snprintf(msg, sizeof msg, "Broker id must be an integer, but it is: %s",
                             name);
                else
                    snprintf(msg, sizeof msg,
                             "Unexpected broker id, expected %d or empty string, but received %s",
                             node_id, name);
                error(out, LODE_KERR_INVALID_REQUEST, msg, a);
                continue;
            }
            lode_image_config_layers(img, node_id, NULL, &l);
            describe_all(LODE_CFG_KIND_BROKER, cfg, &l.layers, name[0] != 0, req, version, r, out,
                         a);
        } else {
            error(out, LODE_KERR_INVALID_REQUEST, "Unsupported resource type.", a);
        }
    }
}

void lode_describe_cluster(const lode_image_t *img, const char *cluster_id, int32_t controller_id,
                           const char *listener, DescribeClusterResponse *resp, lode_arena_t *a)
{
    DescribeClusterResponse_init(resp);
    resp->ClusterId = astr(a, cluster_id);
    resp->ControllerId = controller_id;
    size_t nb = lode_hmap_count(&img->brokers);
    resp->Brokers = lode_arena_calloc(a, nb ? nb : 1, sizeof *resp->Brokers);
    int32_t k = 0;
    size_t it = 0;
    lode_hmap_entry_t *e;
    while ((e = lode_hmap_next(&img->brokers, &it))) {
        const lode_broker_info_t *b = e->value;
        if (b->fenced)
            continue;
        for (int32_t i = 0; i < b->nendpoints; i++) {
            if (strcmp(b->endpoints[i].listener, listener))
                continue;
            DescribeClusterResponse_DescribeClusterBroker *o = &resp->Brokers[k++];
            DescribeClusterResponse_DescribeClusterBroker_init(o);
            o->BrokerId = b->id;
            o->Host = astr(a, b->endpoints[i].host);
            o->Port = b->endpoints[i].port;
            o->Rack = astr(a, b->rack);
            break;
        }
    }
    resp->Brokers_count = k;
}

void lode_describe_quorum(int32_t node_id, int32_t epoch, int64_t high_watermark,
                          int64_t log_end_offset, int64_t now_ms, DescribeQuorumResponse *resp,
                          lode_arena_t *a)
{
    DescribeQuorumResponse_init(resp);
    DescribeQuorumResponse_TopicData *t = lode_arena_calloc(a, 1, sizeof *t);
    DescribeQuorumResponse_TopicData_init(t);
    t->TopicName = lode_str_lit("__cluster_metadata");
    DescribeQuorumResponse_PartitionData *p = lode_arena_calloc(a, 1, sizeof *p);
    DescribeQuorumResponse_PartitionData_init(p);
    p->LeaderId = node_id;
    p->LeaderEpoch = epoch;
    p->HighWatermark = high_watermark;
    DescribeQuorumResponse_ReplicaState *v = lode_arena_calloc(a, 1, sizeof *v);
    DescribeQuorumResponse_ReplicaState_init(v);
    v->ReplicaId = node_id;
    v->LogEndOffset = log_end_offset;
    v->LastFetchTimestamp = now_ms;
    v->LastCaughtUpTimestamp = now_ms;
    p->CurrentVoters = v;
    p->CurrentVoters_count = 1;
    p->Observers_count = 0;
    t->Partitions = p;
    t->Partitions_count = 1;
    resp->Topics = t;
    resp->Topics_count = 1;
}
