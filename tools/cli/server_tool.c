/*
 * server_tool.c — `lode server [server.properties] [--override key=value]...`,
 * Kafka's kafka-server-start.sh: runs a node in the foreground until SIGTERM
 * or SIGINT, then stops it in order (exit 0). Invalid configuration: a
 * message and exit code 2. Without a file, the embedded single-node default
 * (the same settings as config/server.properties) is used.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "config/config.h"
#include "core/log.h"
#include "core/props.h"
#include "server/server.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: lode server [server.properties] [--override property=value]...\n"
                 "\n"
                 "Runs a lode node in the foreground until SIGTERM or SIGINT. Without a\n"
                 "properties file, the single-node default of config/server.properties is used.\n");
}

/* A single combined node that is the only voter formats its directories on
 * first start (Kafka's embedded-default convenience); anything else must be
 * formatted with `lode storage format`. */
static bool single_node(const lode_config_t *cfg)
{
    const lode_config_voters_t *v = lode_config_quorum_voters(cfg);
    return lode_config_has_broker_role(cfg) && lode_config_has_controller_role(cfg) &&
           v->count == 1 && v->items[0].id == lode_config_node_id(cfg);
}

int lode_cli_server(int argc, char **argv)
{
    lode_props_t props;
    lode_props_init(&props);
    char err[1024];
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            lode_props_free(&props);
            return 0;
        }
        if (!strcmp(argv[i], "--override")) {
            if (i + 1 >= argc || !strchr(argv[i + 1], '=')) {
                fprintf(stderr, "lode server: --override needs property=value\n");
                usage(stderr);
                lode_props_free(&props);
                return 1;
            }
            i++;
            continue;
        }
        if (argv[i][0] == '-' || file) {
            fprintf(stderr, "lode server: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            lode_props_free(&props);
            return 1;
        }
        file = argv[i];
    }
    int rc = file ? lode_props_load_file(&props, file, LODE_PROPS_LATIN1, err, sizeof err)
                  : lode_props_load_buf(&props, lode_server_default_properties,
                                        strlen(lode_server_default_properties), 0, err, sizeof err);
    if (rc) {
        fprintf(stderr, "lode server: cannot read %s: %s\n", file ? file : "the default", err);
        lode_props_free(&props);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--override"))
            lode_props_set_override(&props, argv[++i]);

    lode_config_t *cfg = NULL;
    rc = lode_config_load(&props, &cfg, err, sizeof err);
    lode_props_free(&props);
    if (rc) {
        fprintf(stderr, "lode server: invalid configuration: %s\n", err);
        return 2;
    }
    for (size_t i = 0; i < lode_config_unknown_count(cfg); i++)
        LODE_LOG_WARN("server", "ignoring unknown configuration '%s'", lode_config_unknown(cfg, i));

    /* Signals are taken by sigwait below; every thread inherits the mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Every connection and segment is a descriptor: use all the hard limit
     * allows (Kafka's docs ask operators to raise it; we do what we can). */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }

    lode_server_options_t opts = {.auto_format = single_node(cfg)};
    lode_server_t *srv;
    rc = lode_server_start(cfg, &opts, &srv, err, sizeof err);
    if (rc) {
        fprintf(stderr, "lode server: %s\n", err);
        lode_config_free(cfg);
        return 2;
    }
    int sig = 0;
    sigwait(&stop, &sig);
    LODE_LOG_INFO("server", "%s received: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    lode_server_stop(srv);
    LODE_LOG_INFO("server", "shut down cleanly");
    lode_config_free(cfg);
    return 0;
}
