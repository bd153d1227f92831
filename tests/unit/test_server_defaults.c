/*
 * test_server_defaults.c — the configuration `lode server` embeds is the one
 * config/server.properties documents, key for key, and it loads.
 */
#include <stdlib.h>

#include "config/config.h"
#include "core/props.h"
#include "server/server.h"
#include "test.h"

TEST(embedded_default_equals_config_file)
{
    const char *root = getenv("LODE_ROOT");
    char path[4096];
    snprintf(path, sizeof path, "%s/config/server.properties", root ? root : ".");
    lode_props_t file, embedded;
    lode_props_init(&file);
    lode_props_init(&embedded);
    char err[512];
    REQUIRE(lode_props_load_file(&file, path, LODE_PROPS_LATIN1, err, sizeof err) == 0);
    REQUIRE(lode_props_load_buf(&embedded, lode_server_default_properties,
                                strlen(lode_server_default_properties), 0, err, sizeof err) == 0);
    CHECK_EQ(lode_props_count(&file), lode_props_count(&embedded));
    size_t it = 0;
    const char *k, *v;
    while (lode_props_next(&file, &it, &k, &v)) {
        const char *e = lode_props_get(&embedded, k);
        if (!e || strcmp(e, v))
            lode_test_fail_at(__FILE__, __LINE__, "%s: file '%s', embedded '%s'", k, v,
                              e ? e : "(absent)");
    }
    lode_config_t *cfg;
    REQUIRE(lode_config_load(&embedded, &cfg, err, sizeof err) == 0);
    CHECK_EQ(lode_config_unknown_count(cfg), 0);
    CHECK(lode_config_has_broker_role(cfg) && lode_config_has_controller_role(cfg));
    lode_config_free(cfg);
    lode_props_free(&file);
    lode_props_free(&embedded);
}
