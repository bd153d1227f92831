/* `lode server` configuration: the shipped default, Kafka's rules and
 * messages for bad values, unknown keys. */
#include <stdlib.h>

#include "core/err.h"
#include "server/server_config.h"
#include "test.h"

static int load_text(const char *text, lode_server_config_t *cfg, char *err, size_t errlen)
{
    lode_props_t p;
    lode_props_init(&p);
    REQUIRE(lode_props_load_buf(&p, text, strlen(text), LODE_PROPS_LATIN1, NULL, 0) == 0);
    int rc = lode_server_config_load(&p, cfg, err, errlen);
    lode_props_free(&p);
    return rc;
}

TEST(shipped_default_config_loads)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/config/server.properties",
             getenv("LODE_ROOT") ? getenv("LODE_ROOT") : ".");
    lode_props_t p;
    lode_props_init(&p);
    if (lode_props_load_file(&p, path, LODE_PROPS_LATIN1, err, sizeof err) != 0)
        REQUIRE(lode_props_load_file(&p, "config/server.properties", LODE_PROPS_LATIN1, err,
                                     sizeof err) == 0);
    lode_server_config_t cfg;
    REQUIRE(lode_server_config_load(&p, &cfg, err, sizeof err) == 0);
    CHECK(cfg.broker_role && cfg.controller_role);
    CHECK_EQ(cfg.node_id, 1);
    REQUIRE(cfg.nlisteners == 2);
    CHECK_STREQ(cfg.listeners[0].name, "PLAINTEXT");
    CHECK_STREQ(cfg.listeners[0].host, "localhost");
    CHECK_EQ(cfg.listeners[0].port, 9092);
    CHECK(lode_server_is_controller_listener(&cfg, "CONTROLLER"));
    CHECK_EQ(cfg.nadvertised, 1);
    CHECK_STREQ(cfg.log_dirs[0], "data");
    CHECK_STREQ(cfg.metadata_log_dir, "data");
    CHECK_EQ(cfg.nunknown, 0);
    lode_server_config_free(&cfg);
    lode_props_free(&p);
}

TEST(server_config_rules_and_messages)
{
    lode_server_config_t cfg;
    char err[512];
    CHECK_EQ(load_text("node.id=1\n", &cfg, err, sizeof err), LODE_EINVAL);
    CHECK(strstr(err, "process.roles") != NULL);
    lode_server_config_free(&cfg);
    CHECK_EQ(load_text("process.roles=broker,wizard\nnode.id=1\n", &cfg, err, sizeof err),
             LODE_EINVAL);
    CHECK(strstr(err, "Unknown process role 'wizard'") != NULL);
    lode_server_config_free(&cfg);
    CHECK_EQ(load_text("process.roles=broker\n", &cfg, err, sizeof err), LODE_EINVAL);
    CHECK(strstr(err, "node.id") != NULL);
    lode_server_config_free(&cfg);
    CHECK_EQ(load_text("process.roles=controller\nnode.id=1\nlisteners=PLAINTEXT://:9092\n", &cfg,
                       err, sizeof err),
             LODE_EINVAL);
    CHECK(strstr(err, "controller.listener.names") != NULL);
    lode_server_config_free(&cfg);
    CHECK_EQ(load_text("process.roles=broker\nnode.id=1\nlisteners=PLAINTEXT//:9092\n", &cfg, err,
                       sizeof err),
             LODE_EINVAL);
    CHECK(strstr(err, "Unable to parse") != NULL);
    lode_server_config_free(&cfg);
    CHECK_EQ(load_text("process.roles=broker\nnode.id=1\nlisteners=FOO://:9092\n", &cfg, err,
                       sizeof err),
             LODE_EINVAL);
    CHECK(strstr(err, "No security protocol defined for listener FOO") != NULL);
    lode_server_config_free(&cfg);
    CHECK_EQ(
        load_text("process.roles=broker\nnode.id=1\nnum.partitions=zero\n", &cfg, err, sizeof err),
        LODE_EINVAL);
    CHECK_STREQ(err,
                "Invalid value zero for configuration num.partitions: Not a number of type INT");
    lode_server_config_free(&cfg);
    CHECK_EQ(
        load_text("process.roles=broker\nnode.id=1\nlog.retention.ms=-9\n", &cfg, err, sizeof err),
        LODE_EINVAL);
    lode_server_config_free(&cfg);
    /* a valid broker-only config with an unknown key and ipv6 listener */
    REQUIRE(load_text("process.roles=broker\nnode.id=4\nlisteners=PLAINTEXT://[::1]:19092\n"
                      "log.dirs=/a,/b\nmetadata.log.dir=/m\nbroker.rack=r1\nfancy.thing=1\n",
                      &cfg, err, sizeof err) == 0);
    CHECK_STREQ(cfg.listeners[0].host, "::1");
    CHECK_EQ(cfg.listeners[0].port, 19092);
    CHECK(cfg.nlog_dirs == 2 && !strcmp(cfg.metadata_log_dir, "/m"));
    CHECK_STREQ(cfg.rack, "r1");
    REQUIRE(cfg.nunknown == 1);
    CHECK_STREQ(cfg.unknown[0], "fancy.thing");
    lode_server_config_free(&cfg);
}
