/*
 * server.h — `lode server`: a node started from its configuration, and its
 * orderly stop.
 *
 * Start order: data directories checked (or, for the embedded default,
 * formatted), the group-commit flusher, the partition logs (crash recovery
 * unless the last stop was clean), the broker's request path, the
 * controller (metadata log replay, bootstrap, this node's registration),
 * then the listeners. Stop is the reverse: stop accepting and reading,
 * answer what is in flight, complete delayed operations, stop the
 * controller, flush and close the logs (clean-shutdown marker).
 */
#ifndef LODE_SERVER_SERVER_H
#define LODE_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

typedef struct lode_server lode_server_t;

typedef struct lode_server_options {
    /* Format unformatted data directories with a fresh cluster id (the
     * embedded single-node default); otherwise they must have been formatted
     * with `lode storage format`. */
    bool auto_format;
} lode_server_options_t;

/* Starts a node; on failure returns an error with a message in err. cfg
 * must outlive the server. */
int lode_server_start(const lode_config_t *cfg, const lode_server_options_t *opts,
                      lode_server_t **out, char *err, size_t errlen);

/* The port listener `name` is bound to (for port 0 in tests), or -1. */
int lode_server_port(lode_server_t *s, const char *listener);

/* The embedded single-node configuration (config/server.properties
 * without comments), in properties syntax. */
extern const char lode_server_default_properties[];

/* Orderly stop (see above) and free. */
void lode_server_stop(lode_server_t *s);

#endif
