/*
 * describe.c — DescribeConfigs, DescribeCluster, DescribeQuorum from the
 * image (see describe.h).
 */
#include "broker/describe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metadata/topic_config.h"
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

static void fill_entry(entry_t *e, const char *name, const char *value, int source, int type,
                       bool read_only, const char *doc, const lode_config_synonym_t *chain,
                       size_t nchain, const DescribeConfigsRequest *req, int16_t version,
                       lode_arena_t *a)
{
    DescribeConfigsResponse_DescribeConfigsResourceResult_init(e);
    e->Name = astr(a, name);
    e->Value = astr(a, value);
    e->ReadOnly = read_only;
    e->ConfigSource = (int8_t)source;
    e->IsDefault = source == LODE_CONFIG_SOURCE_DEFAULT && version == 0; /* v0 only */
    e->ConfigType = (int8_t)type;
    e->Documentation = req->IncludeDocumentation ? astr(a, doc) : LODE_STR_NULL;
    if (req->IncludeSynonyms && nchain > 0) {
        synonym_t *s = lode_arena_calloc(a, nchain, sizeof *s);
        for (size_t i = 0; i < nchain; i++) {
            DescribeConfigsResponse_DescribeConfigsSynonym_init(&s[i]);
            s[i].Name = astr(a, chain[i].name);
            s[i].Value = astr(a, chain[i].value);
            s[i].Source = (int8_t)chain[i].source;
        }
        e->Synonyms = s;
        e->Synonyms_count = (int32_t)nchain;
    }
}

static void describe_topic(const lode_image_t *img, const lode_props_t *props, int32_t node,
                           const DescribeConfigsRequest *req, int16_t version,
                           const DescribeConfigsRequest_DescribeConfigsResource *r,
                           DescribeConfigsResponse_DescribeConfigsResult *out, lode_arena_t *a)
{
    char topic[256];
    snprintf(topic, sizeof topic, "%.*s", r->ResourceName.len > 0 ? r->ResourceName.len : 0,
             r->ResourceName.ptr ? r->ResourceName.ptr : "");
    if (!lode_image_topic(img, topic)) {
        out->ErrorCode = LODE_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        out->ErrorMessage = astr(a, "The topic does not exist.");
        return;
    }
    size_t n;
    const lode_topic_config_def_t *defs = lode_topic_config_defs(&n);
    entry_t *e = lode_arena_calloc(a, n, sizeof *e);
    int32_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!wanted(r, defs[i].name))
            continue;
        lode_config_synonym_t chain[16];
        size_t nc = lode_topic_config_resolve(img, props, node, topic, &defs[i], chain);
        char buf[64];
        const char *v = lode_topic_config_value(img, props, node, topic, &defs[i], buf, sizeof buf);
        fill_entry(&e[k++], defs[i].name, v, chain[0].source, defs[i].type, false, defs[i].doc,
                   chain, nc, req, version, a);
    }
    out->Configs = e;
    out->Configs_count = k;
}

/* Brokers: every broker config that stands in for a topic config, with its
 * chain, then the other keys of server.properties (read-only statics). */
static void describe_broker(const lode_image_t *img, const lode_props_t *props, int32_t node,
                            const DescribeConfigsRequest *req, int16_t version,
                            const DescribeConfigsRequest_DescribeConfigsResource *r,
                            DescribeConfigsResponse_DescribeConfigsResult *out, lode_arena_t *a)
{
    char res[32];
    snprintf(res, sizeof res, "%.*s", r->ResourceName.len > 0 ? r->ResourceName.len : 0,
             r->ResourceName.ptr ? r->ResourceName.ptr : "");
    bool cluster_default = res[0] == 0;
    char node_str[16];
    snprintf(node_str, sizeof node_str, "%d", node);
    if (!cluster_default && strcmp(res, node_str) && !lode_image_broker(img, atoi(res))) {
        out->ErrorCode = LODE_KERR_INVALID_REQUEST;
        out->ErrorMessage = astr(a, "Unknown broker.");
        return;
    }
    size_t n;
    const lode_topic_config_def_t *defs = lode_topic_config_defs(&n);
    size_t cap = n * 4 + lode_props_count(props) + 1;
    entry_t *e = lode_arena_calloc(a, cap, sizeof *e);
    int32_t k = 0;
    for (size_t i = 0; i < n; i++) {
        for (int s = 0; s < 4 && defs[i].synonyms[s]; s++) {
            const char *name = defs[i].synonyms[s];
            if (!wanted(r, name))
                continue;
            lode_config_synonym_t chain[4];
            size_t nc = 0;
            const char *v;
            if (!cluster_default &&
                (v = lode_image_config(img, LODE_CONFIG_RESOURCE_BROKER, res, name)))
                chain[nc++] = (lode_config_synonym_t){name, v, LODE_CONFIG_SOURCE_DYNAMIC_BROKER};
            if ((v = lode_image_config(img, LODE_CONFIG_RESOURCE_BROKER, "", name)))
                chain[nc++] =
                    (lode_config_synonym_t){name, v, LODE_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER};
            if (!cluster_default && (v = lode_props_get(props, name)))
                chain[nc++] = (lode_config_synonym_t){name, v, LODE_CONFIG_SOURCE_STATIC_BROKER};
            if (cluster_default && nc == 0)
                continue; /* the default resource lists only what is set */
            if (nc == 0) {
                if (s > 0)
                    continue; /* unset scaled synonyms (…minutes, …hours) are not listed */
                chain[nc++] =
                    (lode_config_synonym_t){name, defs[i].dflt, LODE_CONFIG_SOURCE_DEFAULT};
            }
            fill_entry(&e[k++], name, chain[0].value, chain[0].source, defs[i].type, false,
                       defs[i].doc, chain, nc, req, version, a);
        }
    }
    if (!cluster_default) {
        size_t it = 0;
        const char *key, *val;
        while (lode_props_next(props, &it, &key, &val) && (size_t)k < cap) {
            bool known = false;
            for (size_t i = 0; i < n && !known; i++)
                for (int s = 0; s < 4 && defs[i].synonyms[s]; s++)
                    known |= !strcmp(defs[i].synonyms[s], key);
            if (known || !wanted(r, key))
                continue;
            lode_config_synonym_t chain = {key, val, LODE_CONFIG_SOURCE_STATIC_BROKER};
            fill_entry(&e[k++], key, val, LODE_CONFIG_SOURCE_STATIC_BROKER, LODE_CONFIG_TYPE_STRING,
                       true, NULL, &chain, 1, req, version, a);
        }
    }
    out->Configs = e;
    out->Configs_count = k;
}

void lode_describe_configs(const lode_image_t *img, const lode_props_t *static_props,
                           int32_t node_id, const DescribeConfigsRequest *req, int16_t version,
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
        if (r->ResourceType == LODE_CONFIG_RESOURCE_TOPIC)
            describe_topic(img, static_props, node_id, req, version, r, out, a);
        else if (r->ResourceType == LODE_CONFIG_RESOURCE_BROKER)
            describe_broker(img, static_props, node_id, req, version, r, out, a);
        else {
            out->ErrorCode = LODE_KERR_INVALID_REQUEST;
            out->ErrorMessage = astr(a, "Unsupported resource type.");
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
