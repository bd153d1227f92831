/*
 * describe.h — the read APIs answered from the metadata image:
 * DescribeConfigs (topics and brokers, with synonyms and documentation when
 * asked), DescribeCluster and DescribeQuorum. They fill generated response
 * structs (memory from the request's arena); the request handlers encode.
 */
#ifndef LODE_BROKER_DESCRIBE_H
#define LODE_BROKER_DESCRIBE_H

#include "core/arena.h"
#include "config/config.h"
#include "metadata/image.h"
#include "proto/gen/DescribeClusterResponse.h"
#include "proto/gen/DescribeConfigsRequest.h"
#include "proto/gen/DescribeConfigsResponse.h"
#include "proto/gen/DescribeQuorumResponse.h"

/* cfg: the static configuration (server.properties); the image supplies the
 * dynamic layers. */
void lode_describe_configs(const lode_image_t *img, const lode_config_t *cfg, int32_t node_id, const DescribeConfigsRequest *req, int16_t version,
                           DescribeConfigsResponse *resp, lode_arena_t *a);

/* listener: the listener the request came in on (brokers are described by
 * their endpoint of that name). */
void lode_describe_cluster(const lode_image_t *img, const char *cluster_id, int32_t controller_id,
                           const char *listener, DescribeClusterResponse *resp, lode_arena_t *a);

void lode_describe_quorum(int32_t node_id, int32_t epoch, int64_t high_watermark,
                          int64_t log_end_offset, int64_t now_ms, DescribeQuorumResponse *resp,
                          lode_arena_t *a);

#endif
