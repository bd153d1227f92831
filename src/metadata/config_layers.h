/*
 * config_layers.h — the metadata image's dynamic configs as the config
 * layer's lookup maps (config/config.h): a topic's overrides, this broker's
 * dynamic configs and the cluster-wide dynamic defaults, read in place (no
 * copy) for as long as the image is held.
 */
#ifndef LODE_METADATA_CONFIG_LAYERS_H
#define LODE_METADATA_CONFIG_LAYERS_H

#include "config/config.h"
#include "metadata/image.h"
#include "storage/log_config.h"

typedef struct lode_image_layer {
    const lode_image_t *img;
    int type;
    const char *resource;
} lode_image_layer_t;

/* The layers and the storage they point into (keep it alive while used). */
typedef struct lode_image_layers {
    lode_config_layers_t layers;
    lode_image_layer_t parts[3];
    char node[16];
} lode_image_layers_t;

/* Fills out for node_id and, when topic is not NULL, that topic's
 * overrides. */
void lode_image_config_layers(const lode_image_t *img, int32_t node_id, const char *topic,
                              lode_image_layers_t *out);

/* The storage settings of a topic's logs from its effective configs. */
void lode_image_topic_log_config(const lode_image_t *img, const lode_config_t *cfg,
                                 int32_t node_id, const char *topic, lode_log_config_t *out);

#endif
