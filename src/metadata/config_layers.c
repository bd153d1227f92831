/*
 * config_layers.c — the image's config records as config-layer maps.
 */
#include "metadata/config_layers.h"

#include <stdio.h>

static const char *layer_get(const void *ctx, const char *key)
{
    const lode_image_layer_t *l = ctx;
    return lode_image_config(l->img, l->type, l->resource, key);
}

void lode_image_config_layers(const lode_image_t *img, int32_t node_id, const char *topic,
                              lode_image_layers_t *out)
{
    snprintf(out->node, sizeof out->node, "%d", node_id);
    out->parts[0] = (lode_image_layer_t){img, LODE_CONFIG_RESOURCE_TOPIC, topic};
    out->parts[1] = (lode_image_layer_t){img, LODE_CONFIG_RESOURCE_BROKER, out->node};
    out->parts[2] = (lode_image_layer_t){img, LODE_CONFIG_RESOURCE_BROKER, ""};
    out->layers.topic = topic ? (lode_config_map_t){layer_get, &out->parts[0]}
                              : (lode_config_map_t){NULL, NULL};
    out->layers.dynamic_broker = (lode_config_map_t){layer_get, &out->parts[1]};
    out->layers.dynamic_default = (lode_config_map_t){layer_get, &out->parts[2]};
}

void lode_image_topic_log_config(const lode_image_t *img, const lode_config_t *cfg,
                                 int32_t node_id, const char *topic, lode_log_config_t *out)
{
    lode_image_layers_t l;
    lode_image_config_layers(img, node_id, topic, &l);
    lode_config_fill_log_config(cfg, &l.layers, out);
}
