/*
 * broker.h — the request path of a node with the `broker` role: Kafka
 * requests from the network layer are decoded, dispatched to one handler
 * per API family (one file each in src/broker/), and answered in order.
 *
 * The broker owns nothing it is given: the server starts the storage, the
 * metadata image holder, the controller and the network layer, wires them
 * together, and stops them in the reverse order.
 *
 * Partitions: every partition of the metadata image whose replicas include
 * this node has a log in the log manager. lode_broker_on_image() keeps that
 * true (creating logs for new partitions, deleting those of removed topics)
 * and runs on the controller's thread after each image is published.
 */
#ifndef LODE_BROKER_BROKER_H
#define LODE_BROKER_BROKER_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "controller/controller.h"
#include "core/clock.h"
#include "metadata/image.h"
#include "net/net.h"
#include "storage/flusher.h"
#include "storage/logmgr.h"

typedef struct lode_broker lode_broker_t;

typedef struct lode_broker_deps {
    const lode_config_t *cfg; /* static configuration (server.properties) */
    lode_logmgr_t *logs;
    lode_flusher_t *flusher;
    lode_image_holder_t *images;
    lode_clock_t *clock; /* NULL → real */
    const char *cluster_id;
} lode_broker_deps_t;

int lode_broker_new(const lode_broker_deps_t *deps, lode_broker_t **out);
/* The controller this broker forwards admin operations to (set once it has
 * started; until then admin requests get NOT_CONTROLLER). */
void lode_broker_set_controller(lode_broker_t *b, lode_controller_t *c);
/* Completes every delayed operation (their requests are answered) and
 * frees the broker: call after the network layer stopped reading. */
void lode_broker_free(lode_broker_t *b);

/* lode_net_config_t.on_request / on_close. */
void lode_broker_handle(void *broker, lode_req_t *req);
void lode_broker_conn_closed(void *broker, lode_conn_t *c);

/* lode_controller_config_t.on_image: brings the logs in line with img. */
void lode_broker_on_image(void *broker, const lode_image_t *img);

/* Removes logs of partitions the image no longer assigns to this node (a
 * topic deleted while the node was down); call once after the controller
 * has replayed the metadata log. */
void lode_broker_remove_stale_logs(lode_broker_t *b);

#endif
