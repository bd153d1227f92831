/* The config registry (src/config): definitions, parsing and validation with
 * Kafka's messages, rendering, broker configuration loading with Kafka's
 * derived rules, listeners and voters, effective topic configs with sources
 * and synonyms, storage settings. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/err.h"
#include "test.h"

/* ---- helpers -------------------------------------------------------------- */

static const lode_config_def_t *topic_def(const char *name)
{
    const lode_config_def_t *d = lode_config_def_find(LODE_CFG_KIND_TOPIC, name);
    REQUIRE(d != NULL);
    return d;
}

static const lode_config_def_t *broker_def(const char *name)
{
    const lode_config_def_t *d = lode_config_def_find(LODE_CFG_KIND_BROKER, name);
    REQUIRE(d != NULL);
    return d;
}

/* Parses s for def; returns the error text ("" when it parsed). */
static const char *parse_err(const lode_config_def_t *d, const char *s)
{
    static char err[512];
    err[0] = '\0';
    lode_config_value_t v;
    if (lode_config_parse(d, s, strlen(s), &v, err, sizeof err) == 0) {
        lode_config_value_free(&v);
        return "";
    }
    return err;
}

/* Parses and renders back. */
static const char *roundtrip(const lode_config_def_t *d, const char *s)
{
    static char out[512];
    static char err[256];
    lode_config_value_t v;
    if (lode_config_parse(d, s, strlen(s), &v, err, sizeof err) != 0)
        return err;
    lode_config_render(&v, out, sizeof out);
    lode_config_value_free(&v);
    return out;
}

static const char *dbl(double d)
{
    static char buf[64];
    lode_java_double_to_string(d, buf, sizeof buf);
    return buf;
}

/* The minimal valid combined-mode node, plus extra lines. */
#define BASE                                                                                       \
    "process.roles=broker,controller\n"                                                            \
    "node.id=1\n"                                                                                  \
    "controller.quorum.voters=1@localhost:9093\n"                                                  \
    "listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093\n"                           \
    "controller.listener.names=CONTROLLER\n"

static void props_of(const char *text, lode_props_t *p)
{
    lode_props_init(p);
    REQUIRE(lode_props_load_buf(p, text, strlen(text), LODE_PROPS_LATIN1, NULL, 0) == 0);
}

static int load(const char *text, lode_config_t **cfg, char *err, size_t errlen)
{
    lode_props_t p;
    props_of(text, &p);
    int rc = lode_config_load(&p, cfg, err, errlen);
    lode_props_free(&p);
    return rc;
}

static lode_config_t *load_ok(const char *text)
{
    char err[1024] = "";
    lode_config_t *cfg = NULL;
    int rc = load(text, &cfg, err, sizeof err);
    if (rc != 0)
        lode_test_fail_at(__FILE__, __LINE__, "load failed: %s", err);
    REQUIRE(rc == 0 && cfg != NULL);
    return cfg;
}

/* The message loading fails with. */
static const char *load_err(const char *text)
{
    static char err[1024];
    err[0] = '\0';
    lode_config_t *cfg = NULL;
    if (load(text, &cfg, err, sizeof err) == 0) {
        lode_config_free(cfg);
        return "(loaded)";
    }
    CHECK(cfg == NULL);
    return err;
}

/* ---- definitions ---------------------------------------------------------- */

TEST(tables_defaults_parse_and_validate)
{
    for (int k = 0; k < 2; k++) {
        size_t n;
        const lode_config_def_t *defs = lode_config_defs((lode_cfg_kind_t)k, &n);
        REQUIRE(n > 30);
        for (size_t i = 0; i < n; i++) {
            const lode_config_def_t *d = &defs[i];
            CHECK(d->doc && d->doc[0]);
            CHECK(lode_config_def_find((lode_cfg_kind_t)k, d->name) == d);
            if (!d->dflt || (d->flags & LODE_CFG_F_REQUIRED))
                continue;
            char err[256] = "";
            lode_config_value_t v;
            int rc = lode_config_parse(d, d->dflt, strlen(d->dflt), &v, err, sizeof err);
            if (rc != 0)
                lode_test_fail_at(__FILE__, __LINE__, "default of %s: %s", d->name, err);
            /* Defaults are already in Kafka's string form. */
            char out[256];
            lode_config_render(&v, out, sizeof out);
            if (d->type != LODE_CFG_TYPE_PASSWORD && strcmp(out, d->dflt) != 0)
                lode_test_fail_at(__FILE__, __LINE__, "default of %s renders as %s, not %s",
                                  d->name, out, d->dflt);
            lode_config_value_free(&v);
        }
    }
    CHECK(lode_config_def_find(LODE_CFG_KIND_TOPIC, "no.such.config") == NULL);
    CHECK(lode_config_def_find(LODE_CFG_KIND_BROKER, "retention.ms") == NULL);
    CHECK(lode_config_def_find(LODE_CFG_KIND_TOPIC, "log.retention.ms") == NULL);
}

TEST(topic_synonyms_are_broker_configs_of_the_same_kind)
{
    size_t n;
    const lode_config_def_t *defs = lode_config_defs(LODE_CFG_KIND_TOPIC, &n);
    CHECK_EQ(n, 34);
    for (size_t i = 0; i < n; i++)
        for (int s = 0; s < LODE_CONFIG_MAX_SYNONYMS && defs[i].synonyms[s]; s++) {
            const lode_config_def_t *b =
                lode_config_def_find(LODE_CFG_KIND_BROKER, defs[i].synonyms[s]);
            if (!b) {
                lode_test_fail_at(__FILE__, __LINE__, "%s: synonym %s unknown", defs[i].name,
                                  defs[i].synonyms[s]);
                continue;
            }
            /* the first synonym of each topic config is cluster-wide dynamic */
            if (s == 0)
                CHECK_EQ(b->mode, LODE_CFG_MODE_CLUSTER_WIDE);
            bool numeric = b->type == LODE_CFG_TYPE_INT || b->type == LODE_CFG_TYPE_LONG;
            if (defs[i].synonym_scale[s] > 1)
                CHECK(numeric);
            else
                CHECK_EQ(b->type, defs[i].type);
        }
}

TEST(kafka_4_0_values)
{
    /* KIP-1030 */
    CHECK_STREQ(broker_def("num.recovery.threads.per.data.dir")->dflt, "2");
    CHECK_STREQ(topic_def("message.timestamp.after.max.ms")->dflt, "3600000");
    CHECK_STREQ(broker_def("log.message.timestamp.after.max.ms")->dflt, "3600000");
    CHECK_EQ(topic_def("segment.bytes")->valid.min, 1048576);
    CHECK_EQ(broker_def("log.segment.bytes")->valid.min, 1048576);
    /* removed in 4.0 */
    CHECK(lode_config_def_find(LODE_CFG_KIND_TOPIC, "message.format.version") == NULL);
    CHECK(lode_config_def_find(LODE_CFG_KIND_TOPIC, "message.timestamp.difference.max.ms") == NULL);
    CHECK(lode_config_def_find(LODE_CFG_KIND_BROKER, "zookeeper.connect") == NULL);
    /* deprecated no-op */
    CHECK(topic_def("message.downconversion.enable")->flags & LODE_CFG_F_DEPRECATED);
    /* a few defaults */
    CHECK_STREQ(topic_def("max.message.bytes")->dflt, "1048588");
    CHECK_STREQ(topic_def("retention.ms")->dflt, "604800000");
    CHECK_STREQ(broker_def("log.retention.hours")->dflt, "168");
    CHECK(broker_def("log.retention.ms")->dflt == NULL);
    CHECK_STREQ(broker_def("offsets.topic.num.partitions")->dflt, "50");
    CHECK_EQ(broker_def("offsets.topic.replication.factor")->type, LODE_CFG_TYPE_SHORT);
    CHECK(broker_def("node.id")->flags & LODE_CFG_F_REQUIRED);
}

TEST(describe_metadata)
{
    CHECK(lode_config_def_sensitive(broker_def("ssl.keystore.password")));
    CHECK(!lode_config_def_sensitive(broker_def("ssl.keystore.location")));
    CHECK(lode_config_def_read_only(broker_def("log.retention.hours")));
    CHECK(!lode_config_def_read_only(broker_def("log.retention.ms")));
    CHECK(!lode_config_def_read_only(topic_def("retention.ms")));
    CHECK_EQ(broker_def("listeners")->mode, LODE_CFG_MODE_PER_BROKER);
    CHECK_EQ(broker_def("num.network.threads")->mode, LODE_CFG_MODE_CLUSTER_WIDE);
    CHECK_EQ(broker_def("message.max.bytes")->mode, LODE_CFG_MODE_CLUSTER_WIDE);
    CHECK_EQ(broker_def("log.cleaner.enable")->mode, LODE_CFG_MODE_READ_ONLY);
    CHECK_STREQ(lode_config_mode_name(LODE_CFG_MODE_PER_BROKER), "per-broker");
    CHECK_STREQ(lode_config_source_name(LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER),
                "DYNAMIC_DEFAULT_BROKER_CONFIG");
    CHECK_STREQ(lode_config_type_name(LODE_CFG_TYPE_PASSWORD), "PASSWORD");
    CHECK_STREQ(lode_config_importance_name(topic_def("retention.ms")->importance), "medium");
    char buf[256];
    CHECK_STREQ(lode_config_valid_text(topic_def("retention.ms"), buf, sizeof buf), "[-1,...]");
    CHECK_STREQ(lode_config_valid_text(topic_def("min.cleanable.dirty.ratio"), buf, sizeof buf),
                "[0,...,1]");
    CHECK_STREQ(lode_config_valid_text(topic_def("cleanup.policy"), buf, sizeof buf),
                "[compact, delete]");
    CHECK_STREQ(lode_config_valid_text(topic_def("compression.gzip.level"), buf, sizeof buf),
                "[1,...,9] or -1");
    CHECK_STREQ(lode_config_valid_text(topic_def("retention.bytes"), buf, sizeof buf), "");
}

/* ---- parsing and validation ---------------------------------------------- */

TEST(range_validator_messages)
{
    CHECK_STREQ(parse_err(topic_def("retention.ms"), "-5"),
                "Invalid value -5 for configuration retention.ms: Value must be at least -1");
    CHECK_STREQ(parse_err(topic_def("retention.ms"), "-1"), "");
    CHECK_STREQ(parse_err(topic_def("compression.lz4.level"), "18"),
                "Invalid value 18 for configuration compression.lz4.level: Value must be no more "
                "than 17");
    CHECK_STREQ(parse_err(topic_def("segment.bytes"), "1048575"),
                "Invalid value 1048575 for configuration segment.bytes: Value must be at least "
                "1048576");
    /* doubles show Java's Double.toString, integer bounds stay integers */
    CHECK_STREQ(parse_err(topic_def("min.cleanable.dirty.ratio"), "1.5"),
                "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no "
                "more than 1");
    CHECK_STREQ(parse_err(topic_def("min.cleanable.dirty.ratio"), "-2e-5"),
                "Invalid value -2.0E-5 for configuration min.cleanable.dirty.ratio: Value must be "
                "at least 0");
    /* the parsed value is shown, trimmed and normalised */
    CHECK_STREQ(parse_err(topic_def("retention.ms"), " -0005 "),
                "Invalid value -5 for configuration retention.ms: Value must be at least -1");
}

TEST(type_parse_messages)
{
    CHECK_STREQ(parse_err(broker_def("num.partitions"), "abc"),
                "Invalid value abc for configuration num.partitions: Not a number of type INT");
    CHECK_STREQ(parse_err(broker_def("num.partitions"), "2147483648"),
                "Invalid value 2147483648 for configuration num.partitions: Not a number of type "
                "INT");
    CHECK_STREQ(parse_err(topic_def("retention.ms"), "1.5"),
                "Invalid value 1.5 for configuration retention.ms: Not a number of type LONG");
    CHECK_STREQ(parse_err(broker_def("offsets.topic.replication.factor"), "40000"),
                "Invalid value 40000 for configuration offsets.topic.replication.factor: Not a "
                "number of type SHORT");
    CHECK_STREQ(parse_err(topic_def("min.cleanable.dirty.ratio"), "half"),
                "Invalid value half for configuration min.cleanable.dirty.ratio: Not a number of "
                "type DOUBLE");
    CHECK_STREQ(parse_err(topic_def("preallocate"), "yes"),
                "Invalid value yes for configuration preallocate: Expected value to be either "
                "true or false");
    /* parse errors show the raw text */
    CHECK_STREQ(parse_err(broker_def("num.io.threads"), " x "),
                "Invalid value  x  for configuration num.io.threads: Not a number of type INT");
    CHECK_STREQ(parse_err(broker_def("create.topic.policy.class.name"), " "),
                "Invalid value   for configuration create.topic.policy.class.name: Class   "
                "could not be found.");
}

TEST(string_set_and_list_validators)
{
    CHECK_STREQ(parse_err(topic_def("compression.type"), "zip"),
                "Invalid value zip for configuration compression.type: String must be one of: "
                "uncompressed, zstd, lz4, snappy, gzip, producer");
    CHECK_STREQ(parse_err(topic_def("compression.type"), " zstd "), "");
    /* ValidString is case-sensitive */
    CHECK(strstr(parse_err(topic_def("message.timestamp.type"), "createtime"),
                 "String must be one of: CreateTime, LogAppendTime") != NULL);
    /* ValidList reports the offending item */
    CHECK_STREQ(parse_err(topic_def("cleanup.policy"), "compact, shred"),
                "Invalid value shred for configuration cleanup.policy: String must be one of: "
                "compact, delete");
    CHECK_STREQ(parse_err(topic_def("cleanup.policy"), "compact,delete"), "");
    CHECK_STREQ(parse_err(topic_def("cleanup.policy"), ""), "");
    CHECK_STREQ(parse_err(broker_def("process.roles"), "broker,zookeeper"),
                "Invalid value zookeeper for configuration process.roles: String must be one of: "
                "broker, controller");
}

static const char *const MODES[] = {"disabled", "upgrade", NULL};

TEST(case_insensitive_non_empty_and_custom_validators)
{
    lode_config_def_t icase = {.name = "x.mode",
                               .type = LODE_CFG_TYPE_STRING,
                               .dflt = "disabled",
                               .valid = {.kind = LODE_CFG_V_IN_ICASE, .values = MODES}};
    CHECK_STREQ(parse_err(&icase, "UpGrade"), "");
    CHECK_STREQ(parse_err(&icase, "sideways"),
                "Invalid value sideways for configuration x.mode: String must be one of (case "
                "insensitive): DISABLED, UPGRADE");
    char buf[128];
    CHECK_STREQ(lode_config_valid_text(&icase, buf, sizeof buf),
                "(case insensitive) [DISABLED, UPGRADE]");
    lode_config_def_t nonempty = {
        .name = "x.name", .type = LODE_CFG_TYPE_STRING, .valid = {.kind = LODE_CFG_V_NON_EMPTY}};
    CHECK_STREQ(parse_err(&nonempty, "  "),
                "Invalid value  for configuration x.name: String must be non-empty");
    CHECK_STREQ(parse_err(&nonempty, "a"), "");
    /* custom: gzip levels */
    CHECK_STREQ(parse_err(topic_def("compression.gzip.level"), "0"),
                "Invalid value 0 for configuration compression.gzip.level: Value must be between "
                "1 and 9 or equal to -1");
    CHECK_STREQ(parse_err(topic_def("compression.gzip.level"), "-1"), "");
    CHECK_STREQ(parse_err(topic_def("compression.gzip.level"), "9"), "");
    CHECK_STREQ(parse_err(topic_def("compression.gzip.level"), "10"),
                "Invalid value 10 for configuration compression.gzip.level: Value must be between "
                "1 and 9 or equal to -1");
    /* custom: throttled replicas */
    const lode_config_def_t *thr = topic_def("leader.replication.throttled.replicas");
    CHECK_STREQ(parse_err(thr, "0:1, 1:2"), "");
    CHECK_STREQ(parse_err(thr, "*"), "");
    CHECK_STREQ(parse_err(thr, ""), "");
    CHECK_STREQ(parse_err(thr, "0:1,x"),
                "Invalid value [0:1, x] for configuration leader.replication.throttled.replicas: "
                "leader.replication.throttled.replicas must be the literal '*' or a list of "
                "replicas in the following format: [partitionId]:[brokerId],[partitionId]:"
                "[brokerId],...");
    /* custom: voters */
    CHECK_STREQ(parse_err(broker_def("controller.quorum.voters"), "1@host:9093,2@[::1]:9093"), "");
    CHECK_STREQ(parse_err(broker_def("controller.quorum.voters"), "host:9093"),
                "Invalid configuration value for controller.quorum.voters. Each entry should be "
                "in the form `{id}@{host}:{port}`.");
    CHECK_STREQ(parse_err(broker_def("controller.quorum.voters"), "x@host:9093"),
                "Failed to parse voter ID as an integer from x");
    CHECK_STREQ(parse_err(broker_def("controller.quorum.voters"), "1@host"),
                "Failed to parse host name from entry 1@host for the configuration "
                "controller.quorum.voters. Each entry should be in the form `{id}@{host}:{port}`.");
    CHECK_STREQ(parse_err(broker_def("controller.quorum.voters"), "1@host:port"),
                "Failed to parse host port from entry 1@host:port for the configuration "
                "controller.quorum.voters. Each entry should be in the form `{id}@{host}:{port}`.");
    CHECK_STREQ(parse_err(broker_def("controller.quorum.bootstrap.servers"), "a:1,b"),
                "Failed to parse host name from b for the configuration "
                "controller.quorum.bootstrap.servers. Each entry should be in the form "
                "\"{host}:{port}\"");
}

TEST(render_kafka_string_forms)
{
    CHECK_STREQ(roundtrip(topic_def("preallocate"), " TRUE "), "true");
    CHECK_STREQ(roundtrip(topic_def("unclean.leader.election.enable"), "False"), "false");
    CHECK_STREQ(roundtrip(topic_def("retention.ms"), "+0042"), "42");
    CHECK_STREQ(roundtrip(topic_def("cleanup.policy"), " compact ,  delete "), "compact,delete");
    CHECK_STREQ(roundtrip(topic_def("min.cleanable.dirty.ratio"), "0.50"), "0.5");
    CHECK_STREQ(roundtrip(topic_def("min.cleanable.dirty.ratio"), "1"), "1.0");
    CHECK_STREQ(roundtrip(broker_def("ssl.keystore.password"), "s3cret"), "[hidden]");
    CHECK_STREQ(roundtrip(broker_def("broker.rack"), "  r1 "), "r1");
    lode_config_value_t v;
    lode_config_default(broker_def("log.retention.ms"), &v);
    CHECK(v.is_null);
    char buf[16];
    lode_config_render(&v, buf, sizeof buf);
    CHECK_STREQ(buf, "null");
    /* snprintf contract */
    lode_config_default(topic_def("cleanup.policy"), &v);
    CHECK_EQ(lode_config_render(&v, NULL, 0), 6);
    lode_config_value_free(&v);
}

TEST(java_double_to_string)
{
    CHECK_STREQ(dbl(0.5), "0.5");
    CHECK_STREQ(dbl(100), "100.0");
    CHECK_STREQ(dbl(0.9), "0.9");
    CHECK_STREQ(dbl(1e7), "1.0E7");
    CHECK_STREQ(dbl(9999999.0), "9999999.0");
    CHECK_STREQ(dbl(0.001), "0.001");
    CHECK_STREQ(dbl(0.0001), "1.0E-4");
    CHECK_STREQ(dbl(1.7976931348623157e308), "1.7976931348623157E308");
    CHECK_STREQ(dbl(4.9e-324), "4.9E-324");
    CHECK_STREQ(dbl(0.1 + 0.2), "0.30000000000000004");
    CHECK_STREQ(dbl(-2.5), "-2.5");
    CHECK_STREQ(dbl(123456.789), "123456.789");
    CHECK_STREQ(dbl(0.0), "0.0");
    CHECK_STREQ(dbl(-0.0), "-0.0");
    CHECK_STREQ(dbl(NAN), "NaN");
    CHECK_STREQ(dbl(-INFINITY), "-Infinity");
    CHECK_STREQ(dbl(1e21), "1.0E21");
    CHECK_STREQ(dbl(12345678.0), "1.2345678E7");
}

/* ---- loading a broker configuration -------------------------------------- */

TEST(shipped_server_properties_load)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/config/server.properties",
             getenv("LODE_ROOT") ? getenv("LODE_ROOT") : ".");
    lode_props_t p;
    lode_props_init(&p);
    if (lode_props_load_file(&p, path, LODE_PROPS_LATIN1, err, sizeof err) != 0)
        SKIP("config/server.properties not found");
    lode_config_t *cfg = NULL;
    int rc = lode_config_load(&p, &cfg, err, sizeof err);
    lode_props_free(&p);
    if (rc)
        lode_test_fail_at(__FILE__, __LINE__, "%s", err);
    REQUIRE(rc == 0);
    CHECK(lode_config_has_broker_role(cfg) && lode_config_has_controller_role(cfg));
    CHECK_EQ(lode_config_node_id(cfg), 1);
    CHECK_EQ(lode_config_unknown_count(cfg), 0);
    lode_config_free(cfg);
}

TEST(minimal_config_defaults_and_accessors)
{
    lode_config_t *cfg = load_ok(BASE);
    CHECK_EQ(lode_config_node_id(cfg), 1);
    CHECK_EQ(lode_config_get_int(cfg, "broker.id"), 1);
    CHECK_EQ(lode_config_get_int64(cfg, "log.segment.bytes"), 1073741824);
    CHECK_EQ(lode_config_get_int(cfg, "num.partitions"), 1);
    CHECK_EQ(lode_config_get_int(cfg, "offsets.topic.replication.factor"), 3);
    CHECK_EQ(lode_config_get_int(cfg, "num.recovery.threads.per.data.dir"), 2);
    CHECK(lode_config_get_bool(cfg, "auto.create.topics.enable"));
    CHECK(lode_config_get_double(cfg, "log.cleaner.min.cleanable.ratio") == 0.5);
    CHECK_STREQ(lode_config_get_string(cfg, "compression.type"), "producer");
    CHECK(lode_config_get_string(cfg, "broker.rack") == NULL);
    CHECK_EQ(lode_config_get_list(cfg, "log.cleanup.policy")->count, 1);
    /* derived */
    CHECK_EQ(lode_config_get_int64(cfg, "log.retention.ms"), 604800000);
    CHECK_EQ(lode_config_get_int64(cfg, "log.roll.ms"), 604800000);
    CHECK_EQ(lode_config_get_int64(cfg, "log.roll.jitter.ms"), 0);
    CHECK_EQ(lode_config_get_int64(cfg, "log.flush.interval.ms"), INT64_MAX);
    CHECK(lode_config_get(cfg, "log.retention.ms")->is_null); /* as Kafka holds it */
    REQUIRE(lode_config_log_dirs(cfg)->count == 1);
    CHECK_STREQ(lode_config_log_dirs(cfg)->items[0], "/tmp/kafka-logs");
    CHECK_STREQ(lode_config_get_string(cfg, "log.dirs"), "/tmp/kafka-logs");
    CHECK_STREQ(lode_config_metadata_log_dir(cfg), "/tmp/kafka-logs");
    CHECK_STREQ(lode_config_inter_broker_listener(cfg), "PLAINTEXT");
    CHECK_EQ(lode_config_inter_broker_protocol(cfg), LODE_CFG_PROTO_PLAINTEXT);
    REQUIRE(lode_config_quorum_voters(cfg)->count == 1);
    CHECK_EQ(lode_config_quorum_voters(cfg)->items[0].id, 1);
    CHECK_STREQ(lode_config_quorum_voters(cfg)->items[0].host, "localhost");
    CHECK_EQ(lode_config_quorum_voters(cfg)->items[0].port, 9093);
    CHECK(lode_config_is_set(cfg, "node.id"));
    CHECK(!lode_config_is_set(cfg, "broker.id"));
    lode_config_free(cfg);
}

TEST(required_and_invalid_values_stop_loading)
{
    CHECK_STREQ(load_err("node.id=1\n"),
                "Missing required configuration \"process.roles\" which has no default value.");
    CHECK_STREQ(load_err("process.roles=broker\n"),
                "Missing required configuration \"node.id\" which has no default value.");
    CHECK_STREQ(load_err(BASE "num.partitions=0\n"),
                "Invalid value 0 for configuration num.partitions: Value must be at least 1");
    CHECK_STREQ(load_err(BASE "log.segment.bytes=1000\n"),
                "Invalid value 1000 for configuration log.segment.bytes: Value must be at least "
                "1048576");
    CHECK_STREQ(load_err(BASE "log.cleanup.policy=delete,archive\n"),
                "Invalid value archive for configuration log.cleanup.policy: String must be one "
                "of: compact, delete");
    /* the first invalid value in definition order is the one reported */
    CHECK_STREQ(load_err(BASE "num.partitions=x\nmessage.max.bytes=-1\n"),
                "Invalid value -1 for configuration message.max.bytes: Value must be at least 0");
    CHECK_STREQ(load_err("process.roles=broker,broker\nnode.id=1\n"),
                "Duplicate role names found in `process.roles`: broker,broker");
    CHECK(strstr(load_err("process.roles=\nnode.id=1\n"), "process.roles") != NULL);
}

TEST(node_id_and_broker_id_alias)
{
    lode_config_t *cfg = load_ok("process.roles=broker,controller\n"
                                 "broker.id=3\n"
                                 "controller.quorum.voters=3@localhost:9093\n"
                                 "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\n"
                                 "controller.listener.names=CONTROLLER\n");
    CHECK_EQ(lode_config_node_id(cfg), 3);
    CHECK_EQ(lode_config_get_int(cfg, "node.id"), 3);
    lode_config_free(cfg);
    CHECK_STREQ(load_err(BASE "broker.id=2\n"),
                "You must set `node.id` to the same value as `broker.id`.");
    cfg = load_ok(BASE "broker.id=1\n");
    lode_config_free(cfg);
    CHECK_STREQ(load_err("process.roles=broker,controller\nnode.id=-1\n"),
                "Missing configuration `node.id` which is required when `process.roles` is "
                "defined (i.e. when running in KRaft mode).");
}

TEST(retention_precedence_ms_minutes_hours)
{
    lode_config_t *cfg = load_ok(BASE "log.retention.hours=2\n");
    CHECK_EQ(lode_config_get_int64(cfg, "log.retention.ms"), 2 * 3600000LL);
    lode_config_free(cfg);
    cfg = load_ok(BASE "log.retention.hours=2\nlog.retention.minutes=3\n");
    CHECK_EQ(lode_config_get_int64(cfg, "log.retention.ms"), 3 * 60000LL);
    lode_config_free(cfg);
    cfg = load_ok(BASE "log.retention.hours=2\nlog.retention.minutes=3\nlog.retention.ms=1234\n");
    CHECK_EQ(lode_config_get_int64(cfg, "log.retention.ms"), 1234);
    lode_config_free(cfg);
    /* negative means unlimited */
    cfg = load_ok(BASE "log.retention.hours=-5\n");
    CHECK_EQ(lode_config_get_int64(cfg, "log.retention.ms"), -1);
    lode_config_free(cfg);
    CHECK_STREQ(load_err(BASE "log.retention.ms=0\n"),
                "log.retention.ms must be unlimited (-1) or, greater than or equal to 1");
    /* roll and jitter */
    cfg = load_ok(BASE "log.roll.hours=1\nlog.roll.jitter.hours=1\n");
    CHECK_EQ(lode_config_get_int64(cfg, "log.roll.ms"), 3600000);
    CHECK_EQ(lode_config_get_int64(cfg, "log.roll.jitter.ms"), 3600000);
    lode_config_free(cfg);
    cfg = load_ok(BASE "log.roll.hours=1\nlog.roll.ms=5000\n");
    CHECK_EQ(lode_config_get_int64(cfg, "log.roll.ms"), 5000);
    lode_config_free(cfg);
    CHECK_STREQ(load_err(BASE "log.roll.ms=0\n"), "log.roll.ms must be greater than or equal to 1");
    cfg = load_ok(BASE "log.flush.scheduler.interval.ms=1000\n");
    CHECK_EQ(lode_config_get_int64(cfg, "log.flush.interval.ms"), 1000);
    lode_config_free(cfg);
}

TEST(log_dirs_fall_back_to_log_dir)
{
    lode_config_t *cfg = load_ok(BASE "log.dir=/data/one\n");
    CHECK_STREQ(lode_config_log_dirs(cfg)->items[0], "/data/one");
    lode_config_free(cfg);
    cfg = load_ok(BASE "log.dir=/data/one\nlog.dirs=/a, /b,,\nmetadata.log.dir=/meta\n");
    REQUIRE(lode_config_log_dirs(cfg)->count == 2);
    CHECK_STREQ(lode_config_log_dirs(cfg)->items[1], "/b");
    CHECK_STREQ(lode_config_get_string(cfg, "log.dirs"), "/a,/b");
    CHECK_STREQ(lode_config_metadata_log_dir(cfg), "/meta");
    lode_config_free(cfg);
    CHECK_STREQ(load_err(BASE "log.dirs= , \n"),
                "At least one log directory must be defined via log.dirs or log.dir.");
}

TEST(listeners_and_protocol_map)
{
    lode_config_t *cfg = load_ok("process.roles=broker,controller\nnode.id=1\n"
                                 "controller.quorum.voters=1@localhost:9093\n"
                                 "listeners=plaintext://:9092,CONTROLLER://[::1]:9093,"
                                 "INTERNAL://10.0.0.1:9094\n"
                                 "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,"
                                 "CONTROLLER:PLAINTEXT,INTERNAL:sasl_ssl\n"
                                 "controller.listener.names=CONTROLLER\n"
                                 "advertised.listeners=PLAINTEXT://kafka.example:9092,"
                                 "INTERNAL://10.0.0.1:9094\n"
                                 "sasl.enabled.mechanisms=GSSAPI\n");
    const lode_config_listeners_t *l = lode_config_listeners(cfg);
    REQUIRE(l->count == 3);
    CHECK_STREQ(l->items[0].name, "PLAINTEXT");
    CHECK(l->items[0].host == NULL);
    CHECK_EQ(l->items[0].port, 9092);
    CHECK_STREQ(l->items[1].host, "::1");
    CHECK_EQ(l->items[2].proto, LODE_CFG_PROTO_SASL_SSL);
    const lode_config_listeners_t *adv = lode_config_advertised_listeners(cfg);
    REQUIRE(adv->count == 2);
    CHECK_STREQ(adv->items[0].host, "kafka.example");
    REQUIRE(lode_config_controller_listeners(cfg)->count == 1);
    CHECK_EQ(lode_config_controller_listeners(cfg)->items[0].port, 9093);
    CHECK(lode_config_is_controller_listener(cfg, "CONTROLLER"));
    lode_config_free(cfg);

    /* the default map gains CONTROLLER:PLAINTEXT when nothing is SSL/SASL */
    cfg = load_ok(BASE);
    CHECK_EQ(lode_config_protomap_find(lode_config_protocol_map(cfg), "CONTROLLER"),
             LODE_CFG_PROTO_PLAINTEXT);
    CHECK_EQ(lode_config_protomap_find(lode_config_protocol_map(cfg), "SASL_SSL"),
             LODE_CFG_PROTO_SASL_SSL);
    lode_config_free(cfg);
}

TEST(bad_listeners)
{
    CHECK_STREQ(load_err("process.roles=broker,controller\nnode.id=1\n"
                         "controller.quorum.voters=1@localhost:9093\n"
                         "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\n"
                         "controller.listener.names=CONTROLLER\n"
                         "listener.security.protocol.map=PLAINTEXT:PLAINTEXT\n"),
                "Error creating broker listeners from 'PLAINTEXT://:9092,CONTROLLER://:9093': No "
                "security protocol defined for listener CONTROLLER");
    CHECK_STREQ(load_err(BASE "listeners=PLAINTEXT:9092,CONTROLLER://:9093\n"),
                "Error creating broker listeners from 'PLAINTEXT:9092,CONTROLLER://:9093': Unable "
                "to parse PLAINTEXT:9092 to a broker endpoint");
    CHECK_STREQ(load_err(BASE "listeners=PLAINTEXT://:9092,plaintext://:9094,CONTROLLER://:9093\n"),
                "Each listener must have a different name, listeners: "
                "PLAINTEXT://:9092,plaintext://:9094,CONTROLLER://:9093");
    CHECK_STREQ(load_err(BASE "listeners=PLAINTEXT://:9092,CONTROLLER://:9092\n"),
                "Each listener must have a different port, listeners: "
                "PLAINTEXT://:9092,CONTROLLER://:9092");
    /* one IPv4 and one IPv6 literal may share a port */
    lode_config_t *cfg = load_ok(BASE "listeners=PLAINTEXT://127.0.0.1:9092,"
                                      "CONTROLLER://[::1]:9092\n");
    lode_config_free(cfg);
    CHECK(strstr(load_err(BASE "listeners=PLAINTEXT://:70000,CONTROLLER://:9093\n"),
                 "not in 0..65535") != NULL);
    CHECK_STREQ(
        load_err(BASE "listener.security.protocol.map=PLAINTEXT:TLS,CONTROLLER:PLAINTEXT\n"),
        "Invalid security protocol `TLS` defined in listener.security.protocol.map");
    CHECK_STREQ(load_err(BASE "advertised.listeners=PLAINTEXT://0.0.0.0:9092\n"),
                "advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a "
                "routable IP address.");
    CHECK_STREQ(load_err(BASE "advertised.listeners=OTHER://h:1\n"
                              "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,"
                              "CONTROLLER:PLAINTEXT,OTHER:PLAINTEXT\n"),
                "inter.broker.listener.name must be a listener name defined in "
                "advertised.listeners. The valid options based on currently configured listeners "
                "are OTHER");
    CHECK_STREQ(load_err(BASE "inter.broker.listener.name=INTERNAL\n"),
                "Listener with name INTERNAL defined in inter.broker.listener.name not found in "
                "listener.security.protocol.map.");
    CHECK_STREQ(load_err(BASE "inter.broker.listener.name=PLAINTEXT\n"
                              "security.inter.broker.protocol=PLAINTEXT\n"),
                "Only one of inter.broker.listener.name and security.inter.broker.protocol should "
                "be set.");
}

TEST(controller_and_quorum_rules)
{
    CHECK_STREQ(load_err("process.roles=broker,controller\nnode.id=1\n"
                         "controller.quorum.voters=1@localhost:9093\n"
                         "listeners=PLAINTEXT://:9092\n"),
                "controller.listener.names must contain at least one value appearing in the "
                "'listeners' configuration when running the KRaft controller role");
    CHECK_STREQ(load_err("process.roles=broker,controller\nnode.id=1\n"
                         "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\n"
                         "controller.listener.names=CONTROLLER\n"),
                "If using process.roles, either controller.quorum.bootstrap.servers must contain "
                "the set of bootstrap controllers or controller.quorum.voters must contain a "
                "parseable set of controllers.");
    CHECK_STREQ(load_err("process.roles=broker,controller\nnode.id=2\n"
                         "controller.quorum.voters=1@localhost:9093\n"
                         "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\n"
                         "controller.listener.names=CONTROLLER\n"),
                "If process.roles contains the 'controller' role, the node id 2 must be included "
                "in the set of voters controller.quorum.voters=Set(1)");
    CHECK_STREQ(load_err(BASE "controller.listener.names=CONTROLLER,OTHER\n"),
                "controller.listener.names must only contain values appearing in the 'listeners' "
                "configuration when running the KRaft controller role");
    CHECK_STREQ(load_err("process.roles=controller\nnode.id=1\n"
                         "controller.quorum.voters=1@localhost:9093\n"
                         "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\n"
                         "controller.listener.names=CONTROLLER\n"),
                "The listeners config must only contain KRaft controller listeners from "
                "controller.listener.names when process.roles=controller");
    CHECK_STREQ(load_err(BASE "controller.quorum.voters=1@0.0.0.0:9093\n"),
                "Host string (0.0.0.0) is not routeable");
    CHECK_STREQ(load_err(BASE "controller.quorum.voters=1@a:9093,1@b:9093\n"),
                "Voter id 1 appears more than once in controller.quorum.voters");

    /* broker-only nodes */
    lode_config_t *cfg = load_ok("process.roles=broker\nnode.id=4\n"
                                 "controller.quorum.bootstrap.servers=ctl1:9093,ctl2:9093\n"
                                 "controller.listener.names=CONTROLLER\n");
    CHECK(lode_config_has_broker_role(cfg) && !lode_config_has_controller_role(cfg));
    REQUIRE(lode_config_quorum_bootstrap(cfg)->count == 2);
    CHECK_STREQ(lode_config_quorum_bootstrap(cfg)->items[1].host, "ctl2");
    CHECK_EQ(lode_config_protomap_find(lode_config_protocol_map(cfg), "CONTROLLER"),
             LODE_CFG_PROTO_PLAINTEXT);
    lode_config_free(cfg);
    CHECK_STREQ(load_err("process.roles=broker\nnode.id=1\n"
                         "controller.quorum.voters=1@localhost:9093\n"
                         "controller.listener.names=CONTROLLER\n"),
                "If process.roles contains just the 'broker' role, the node id 1 must not be "
                "included in the set of voters controller.quorum.voters=Set(1)");
    CHECK_STREQ(load_err("process.roles=broker\nnode.id=4\n"
                         "controller.quorum.voters=1@localhost:9093\n"),
                "controller.listener.names must contain at least one value when running KRaft "
                "with just the broker role");
    CHECK_STREQ(load_err("process.roles=broker\nnode.id=4\n"
                         "controller.quorum.voters=1@localhost:9093\n"
                         "listeners=PLAINTEXT://:9092,CONTROLLER://:9093\n"
                         "controller.listener.names=CONTROLLER\n"),
                "controller.listener.names must not contain a value appearing in the 'listeners' "
                "configuration when running KRaft with just the broker role");
    CHECK(strstr(load_err("process.roles=broker\nnode.id=4\n"
                          "controller.quorum.voters=1@localhost:9093\n"
                          "listener.security.protocol.map=PLAINTEXT:PLAINTEXT\n"
                          "controller.listener.names=CONTROLLER\n"),
                 "Controller listener with name CONTROLLER defined in controller.listener.names "
                 "not found in listener.security.protocol.map") != NULL);
}

TEST(cross_config_checks)
{
    CHECK_STREQ(load_err(BASE "replica.fetch.wait.max.ms=40000\n"),
                "replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to "
                "prevent unnecessary socket timeouts");
    CHECK_STREQ(load_err(BASE "log.cleaner.threads=200\n"),
                "log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.");
    CHECK_STREQ(load_err(BASE "queued.max.request.bytes=100\n"),
                "queued.max.request.bytes must be larger or equal to socket.request.max.bytes");
    CHECK_STREQ(load_err(BASE "max.connections.per.ip=0\n"),
                "max.connections.per.ip can be set to zero only if "
                "max.connections.per.ip.overrides property is set.");
    lode_config_t *cfg = load_ok(BASE "max.connections.per.ip=0\n"
                                      "max.connections.per.ip.overrides=127.0.0.1:10\n");
    lode_config_free(cfg);
    CHECK_STREQ(load_err(BASE "connection.failed.authentication.delay.ms=700000\n"),
                "connection.failed.authentication.delay.ms=700000 should always be less than "
                "connections.max.idle.ms=600000 to prevent failed authentication responses from "
                "timing out");
}

TEST(unknown_keys_are_collected_not_fatal)
{
    lode_config_t *cfg = load_ok(BASE "zookeeper.connect=localhost:2181\n"
                                      "retention.ms=5\n"
                                      "listener.name.plaintext.ssl.keystore.location=/k\n"
                                      "listener.name.sasl.plain.sasl.jaas.config=x\n"
                                      "listener.name.x.no.such.thing=1\n"
                                      "my.custom.key=1\n");
    REQUIRE(lode_config_unknown_count(cfg) == 4);
    CHECK_STREQ(lode_config_unknown(cfg, 0), "zookeeper.connect");
    CHECK_STREQ(lode_config_unknown(cfg, 1), "retention.ms");
    CHECK_STREQ(lode_config_unknown(cfg, 2), "listener.name.x.no.such.thing");
    CHECK_STREQ(lode_config_unknown(cfg, 3), "my.custom.key");
    CHECK(lode_config_unknown(cfg, 4) == NULL);
    lode_config_free(cfg);
}

/* ---- effective topic configs, sources, synonyms -------------------------- */

static lode_config_layers_t layers_of(const lode_props_t *topic, const lode_props_t *dyn_broker,
                                      const lode_props_t *dyn_default)
{
    return (lode_config_layers_t){lode_config_map_props(topic), lode_config_map_props(dyn_broker),
                                  lode_config_map_props(dyn_default)};
}

static int64_t topic_i64(const lode_config_t *cfg, const lode_config_layers_t *l, const char *name,
                         lode_cfg_source_t *src)
{
    lode_config_value_t v;
    REQUIRE(lode_config_topic_value(cfg, l, name, &v, src) == 0);
    int64_t x = v.i;
    lode_config_value_free(&v);
    return x;
}

TEST(topic_value_precedence_and_units)
{
    lode_config_t *cfg = load_ok(BASE "log.retention.hours=24\n");
    lode_props_t topic, dynb, dynd;
    props_of("", &topic);
    props_of("", &dynb);
    props_of("", &dynd);
    lode_config_layers_t l = layers_of(&topic, &dynb, &dynd);
    lode_cfg_source_t src;
    CHECK_EQ(topic_i64(cfg, &l, "retention.ms", &src), 86400000);
    CHECK_EQ(src, LODE_CFG_SRC_STATIC_BROKER);
    /* a dynamic default in minutes beats the static hours */
    lode_props_set(&dynd, "log.retention.minutes", "10");
    CHECK_EQ(topic_i64(cfg, &l, "retention.ms", &src), 600000);
    CHECK_EQ(src, LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER);
    /* per-broker beats the default */
    lode_props_set(&dynb, "log.retention.ms", "5000");
    CHECK_EQ(topic_i64(cfg, &l, "retention.ms", &src), 5000);
    CHECK_EQ(src, LODE_CFG_SRC_DYNAMIC_BROKER);
    /* the topic's own value beats everything */
    lode_props_set(&topic, "retention.ms", "-1");
    CHECK_EQ(topic_i64(cfg, &l, "retention.ms", &src), -1);
    CHECK_EQ(src, LODE_CFG_SRC_DYNAMIC_TOPIC);
    /* invalid layer values are skipped */
    lode_props_set(&topic, "retention.ms", "-7");
    lode_props_set(&dynb, "log.retention.ms", "soon");
    CHECK_EQ(topic_i64(cfg, &l, "retention.ms", &src), 600000);
    CHECK_EQ(src, LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER);
    /* no config, no layers: Kafka's default */
    CHECK_EQ(topic_i64(NULL, NULL, "retention.ms", &src), 604800000);
    CHECK_EQ(src, LODE_CFG_SRC_DEFAULT);
    CHECK_EQ(topic_i64(cfg, NULL, "segment.ms", &src), 604800000);
    CHECK_EQ(src, LODE_CFG_SRC_DEFAULT);
    /* flush.ms falls back to log.flush.scheduler.interval.ms */
    lode_props_set(&dynd, "log.flush.interval.ms", "250");
    CHECK_EQ(topic_i64(cfg, &l, "flush.ms", &src), 250);
    /* configs without a broker synonym */
    lode_config_value_t v;
    REQUIRE(lode_config_topic_value(cfg, &l, "remote.storage.enable", &v, &src) == 0);
    CHECK(!v.b);
    CHECK_EQ(src, LODE_CFG_SRC_DEFAULT);
    CHECK_EQ(lode_config_topic_value(cfg, &l, "log.retention.ms", &v, &src), LODE_ENOTFOUND);
    lode_props_free(&topic);
    lode_props_free(&dynb);
    lode_props_free(&dynd);
    lode_config_free(cfg);
}

TEST(broker_effective_values)
{
    lode_config_t *cfg = load_ok(BASE "message.max.bytes=2000000\nlog.retention.hours=1\n");
    lode_props_t dynd;
    props_of("message.max.bytes=3000000\n", &dynd);
    lode_config_layers_t l = {.dynamic_default = lode_config_map_props(&dynd)};
    lode_config_value_t v;
    lode_cfg_source_t src;
    REQUIRE(lode_config_broker_value(cfg, &l, "message.max.bytes", &v, &src) == 0);
    CHECK_EQ(v.i, 3000000);
    CHECK_EQ(src, LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER);
    REQUIRE(lode_config_broker_value(cfg, NULL, "message.max.bytes", &v, &src) == 0);
    CHECK_EQ(v.i, 2000000);
    CHECK_EQ(src, LODE_CFG_SRC_STATIC_BROKER);
    REQUIRE(lode_config_broker_value(cfg, &l, "log.retention.ms", &v, &src) == 0);
    CHECK_EQ(v.i, 3600000);
    CHECK_EQ(src, LODE_CFG_SRC_STATIC_BROKER);
    REQUIRE(lode_config_broker_value(cfg, &l, "log.retention.hours", &v, &src) == 0);
    CHECK_EQ(v.i, 1);
    CHECK_EQ(lode_config_broker_value(cfg, &l, "retention.ms", &v, &src), LODE_ENOTFOUND);
    lode_props_free(&dynd);
    lode_config_free(cfg);
}

static void check_syn(const lode_config_entry_t *e, size_t i, const char *name, const char *value,
                      lode_cfg_source_t src)
{
    if (i >= e->nsynonyms) {
        lode_test_fail_at(__FILE__, __LINE__, "no synonym %zu (%s)", i, name);
        return;
    }
    CHECK_STREQ(e->synonyms[i].name, name);
    if (value)
        CHECK_STREQ(e->synonyms[i].value, value);
    else
        CHECK(e->synonyms[i].value == NULL);
    CHECK_EQ(e->synonyms[i].source, src);
}

TEST(describe_topic_sources_and_synonyms)
{
    lode_config_t *cfg = load_ok(BASE "log.segment.bytes=2097152\n");
    lode_props_t topic, dynb, dynd;
    props_of("", &topic);
    props_of("", &dynb);
    props_of("", &dynd);
    lode_config_layers_t l = layers_of(&topic, &dynb, &dynd);
    lode_config_entry_t e;

    REQUIRE(lode_config_describe_topic(cfg, &l, "segment.bytes", &e) == 0);
    CHECK_STREQ(e.value, "2097152");
    CHECK_EQ(e.source, LODE_CFG_SRC_STATIC_BROKER);
    CHECK(!e.read_only && !e.sensitive);
    REQUIRE(e.nsynonyms == 2);
    check_syn(&e, 0, "log.segment.bytes", "2097152", LODE_CFG_SRC_STATIC_BROKER);
    check_syn(&e, 1, "log.segment.bytes", "1073741824", LODE_CFG_SRC_DEFAULT);
    lode_config_entry_free(&e);

    /* grouped by source, every synonym name within a source */
    lode_props_set(&topic, "retention.ms", "1000");
    lode_props_set(&dynb, "log.retention.minutes", "5");
    lode_props_set(&dynd, "log.retention.ms", "7000");
    lode_props_set(&dynd, "log.retention.hours", "3");
    REQUIRE(lode_config_describe_topic(cfg, &l, "retention.ms", &e) == 0);
    CHECK_STREQ(e.value, "1000");
    CHECK_EQ(e.source, LODE_CFG_SRC_DYNAMIC_TOPIC);
    CHECK_EQ(e.nsynonyms, 4);
    check_syn(&e, 0, "retention.ms", "1000", LODE_CFG_SRC_DYNAMIC_TOPIC);
    /* the per-broker minutes come before log.retention.ms and are dropped,
     * as Kafka's dropWhile does */
    check_syn(&e, 1, "log.retention.ms", "7000", LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER);
    check_syn(&e, 2, "log.retention.hours", "3", LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER);
    check_syn(&e, 3, "log.retention.hours", "168", LODE_CFG_SRC_DEFAULT);
    lode_config_entry_free(&e);

    /* without the override: the per-broker minutes win the value */
    lode_props_remove(&topic, "retention.ms");
    REQUIRE(lode_config_describe_topic(cfg, &l, "retention.ms", &e) == 0);
    CHECK_STREQ(e.value, "300000");
    CHECK_EQ(e.source, LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER);
    lode_config_entry_free(&e);

    /* Kafka's quirk, kept: only log.retention.hours set → no synonyms,
     * DEFAULT_CONFIG, yet the value follows the hours */
    lode_config_t *hours = load_ok(BASE "log.retention.hours=24\n");
    REQUIRE(lode_config_describe_topic(hours, NULL, "retention.ms", &e) == 0);
    CHECK_STREQ(e.value, "86400000");
    CHECK_EQ(e.source, LODE_CFG_SRC_DEFAULT);
    CHECK_EQ(e.nsynonyms, 0);
    lode_config_entry_free(&e);
    lode_config_free(hours);

    /* lists render comma-joined; defaults from the broker default */
    lode_props_set(&topic, "cleanup.policy", "compact , delete");
    REQUIRE(lode_config_describe_topic(cfg, &l, "cleanup.policy", &e) == 0);
    CHECK_STREQ(e.value, "compact,delete");
    check_syn(&e, 0, "cleanup.policy", "compact,delete", LODE_CFG_SRC_DYNAMIC_TOPIC);
    check_syn(&e, 1, "log.cleanup.policy", "delete", LODE_CFG_SRC_DEFAULT);
    lode_config_entry_free(&e);

    /* no server synonym */
    REQUIRE(lode_config_describe_topic(cfg, &l, "remote.storage.enable", &e) == 0);
    CHECK_STREQ(e.value, "false");
    CHECK_EQ(e.source, LODE_CFG_SRC_DEFAULT);
    CHECK_EQ(e.nsynonyms, 0);
    lode_config_entry_free(&e);
    CHECK_EQ(lode_config_describe_topic(cfg, &l, "nope", &e), LODE_ENOTFOUND);

    lode_props_free(&topic);
    lode_props_free(&dynb);
    lode_props_free(&dynd);
    lode_config_free(cfg);
}

TEST(describe_broker_entries)
{
    lode_config_t *cfg =
        load_ok(BASE "log.retention.hours=2\nssl.keystore.password=secret\nnum.io.threads= 4 \n");
    lode_props_t dynb, dynd;
    props_of("log.retention.ms=1000\n", &dynb);
    props_of("num.io.threads=16\nmessage.max.bytes=99999\n", &dynd);
    lode_config_layers_t l = {.dynamic_broker = lode_config_map_props(&dynb),
                              .dynamic_default = lode_config_map_props(&dynd)};
    lode_config_entry_t e;

    REQUIRE(lode_config_describe_broker(cfg, &l, "num.io.threads", true, &e) == 0);
    CHECK_STREQ(e.value, "16");
    CHECK_EQ(e.source, LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER);
    CHECK(!e.read_only);
    REQUIRE(e.nsynonyms == 3);
    check_syn(&e, 0, "num.io.threads", "16", LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER);
    /* static values are shown as given (Properties.load keeps trailing blanks) */
    check_syn(&e, 1, "num.io.threads", "4 ", LODE_CFG_SRC_STATIC_BROKER);
    check_syn(&e, 2, "num.io.threads", "8", LODE_CFG_SRC_DEFAULT);
    lode_config_entry_free(&e);

    /* the cluster-default resource: only what the default layer holds */
    REQUIRE(lode_config_describe_broker(cfg, &l, "num.io.threads", false, &e) == 0);
    CHECK_STREQ(e.value, "16");
    REQUIRE(e.nsynonyms == 1);
    check_syn(&e, 0, "num.io.threads", "16", LODE_CFG_SRC_DYNAMIC_DEFAULT_BROKER);
    lode_config_entry_free(&e);
    CHECK_EQ(lode_config_describe_broker(cfg, &l, "log.retention.ms", false, &e), LODE_ENOTFOUND);

    /* synonyms of a grouped config, cut before the described name */
    REQUIRE(lode_config_describe_broker(cfg, &l, "log.retention.hours", true, &e) == 0);
    CHECK(e.read_only);
    /* a dynamic log.retention.ms hides the static hours (overrideProps) */
    CHECK_STREQ(e.value, "168");
    REQUIRE(e.nsynonyms == 2);
    check_syn(&e, 0, "log.retention.hours", "2", LODE_CFG_SRC_STATIC_BROKER);
    check_syn(&e, 1, "log.retention.hours", "168", LODE_CFG_SRC_DEFAULT);
    CHECK_EQ(e.source, LODE_CFG_SRC_STATIC_BROKER);
    lode_config_entry_free(&e);
    REQUIRE(lode_config_describe_broker(cfg, &l, "log.retention.ms", true, &e) == 0);
    CHECK_STREQ(e.value, "1000");
    CHECK_EQ(e.source, LODE_CFG_SRC_DYNAMIC_BROKER);
    check_syn(&e, 0, "log.retention.ms", "1000", LODE_CFG_SRC_DYNAMIC_BROKER);
    check_syn(&e, 1, "log.retention.hours", "2", LODE_CFG_SRC_STATIC_BROKER);
    lode_config_entry_free(&e);

    /* unset, no default */
    REQUIRE(lode_config_describe_broker(cfg, NULL, "log.retention.ms", true, &e) == 0);
    CHECK(e.value == NULL);
    CHECK_EQ(e.source, LODE_CFG_SRC_DEFAULT);
    CHECK_EQ(e.nsynonyms, 0);
    lode_config_entry_free(&e);

    /* sensitive values are never shown */
    REQUIRE(lode_config_describe_broker(cfg, &l, "ssl.keystore.password", true, &e) == 0);
    CHECK(e.sensitive);
    CHECK(e.value == NULL);
    REQUIRE(e.nsynonyms == 1);
    CHECK(e.synonyms[0].value == NULL);
    CHECK_EQ(e.synonyms[0].source, LODE_CFG_SRC_STATIC_BROKER);
    lode_config_entry_free(&e);

    /* node.id stands in for broker.id */
    REQUIRE(lode_config_describe_broker(cfg, NULL, "broker.id", true, &e) == 0);
    CHECK_STREQ(e.value, "1");
    lode_config_entry_free(&e);

    lode_props_free(&dynb);
    lode_props_free(&dynd);
    lode_config_free(cfg);
}

/* ---- storage settings ----------------------------------------------------- */

TEST(fill_log_config_from_effective_configs)
{
    lode_log_config_t lc, dflt;
    lode_log_config_defaults(&dflt);
    memset(&lc, 0x5a, sizeof lc);
    lode_config_fill_log_config(NULL, NULL, &lc);
    /* storage's defaults are Kafka's */
    CHECK_EQ(lc.segment_bytes, dflt.segment_bytes);
    CHECK_EQ(lc.segment_ms, dflt.segment_ms);
    CHECK_EQ(lc.segment_jitter_ms, dflt.segment_jitter_ms);
    CHECK_EQ(lc.segment_index_bytes, dflt.segment_index_bytes);
    CHECK_EQ(lc.index_interval_bytes, dflt.index_interval_bytes);
    CHECK_EQ(lc.max_message_bytes, dflt.max_message_bytes);
    CHECK_EQ(lc.flush_messages, dflt.flush_messages);
    CHECK_EQ(lc.flush_ms, dflt.flush_ms);
    CHECK_EQ(lc.retention_ms, dflt.retention_ms);
    CHECK_EQ(lc.retention_bytes, dflt.retention_bytes);
    CHECK_EQ(lc.cleanup_delete, dflt.cleanup_delete);
    CHECK_EQ(lc.cleanup_compact, dflt.cleanup_compact);
    CHECK_EQ(lc.delete_retention_ms, dflt.delete_retention_ms);
    CHECK(lc.min_cleanable_dirty_ratio == dflt.min_cleanable_dirty_ratio);
    CHECK_EQ(lc.min_compaction_lag_ms, dflt.min_compaction_lag_ms);
    CHECK_EQ(lc.max_compaction_lag_ms, dflt.max_compaction_lag_ms);
    CHECK_EQ(lc.file_delete_delay_ms, dflt.file_delete_delay_ms);
    CHECK_EQ(lc.timestamp_type, dflt.timestamp_type);
    CHECK_EQ(lc.preallocate, dflt.preallocate);
    CHECK_EQ(lc.producer_id_expiration_ms, dflt.producer_id_expiration_ms);

    lode_config_t *cfg = load_ok(BASE "log.retention.hours=48\nlog.roll.hours=2\n"
                                      "log.cleanup.policy=compact\nmessage.max.bytes=500000\n"
                                      "log.message.timestamp.type=LogAppendTime\n"
                                      "log.preallocate=true\nproducer.id.expiration.ms=1000\n");
    lode_props_t topic, dynd;
    props_of("segment.bytes=2097152\ncleanup.policy=delete,compact\n"
             "min.cleanable.dirty.ratio=0.25\nflush.messages=1\n",
             &topic);
    props_of("log.segment.delete.delay.ms=5\nlog.roll.jitter.ms=7\n", &dynd);
    lode_config_layers_t l = {.topic = lode_config_map_props(&topic),
                              .dynamic_default = lode_config_map_props(&dynd)};
    lode_config_fill_log_config(cfg, &l, &lc);
    CHECK_EQ(lc.segment_bytes, 2097152);
    CHECK_EQ(lc.segment_ms, 2 * 3600000LL);
    CHECK_EQ(lc.segment_jitter_ms, 7);
    CHECK_EQ(lc.retention_ms, 48 * 3600000LL);
    CHECK_EQ(lc.retention_bytes, -1);
    CHECK_EQ(lc.max_message_bytes, 500000);
    CHECK_EQ(lc.flush_messages, 1);
    CHECK_EQ(lc.flush_ms, INT64_MAX);
    CHECK(lc.cleanup_delete && lc.cleanup_compact);
    CHECK(lc.min_cleanable_dirty_ratio == 0.25);
    CHECK_EQ(lc.file_delete_delay_ms, 5);
    CHECK_EQ(lc.timestamp_type, LODE_TIMESTAMP_LOG_APPEND_TIME);
    CHECK(lc.preallocate);
    CHECK_EQ(lc.producer_id_expiration_ms, 1000);
    CHECK_EQ(lc.segment_index_bytes, 10485760);
    CHECK_EQ(lc.index_interval_bytes, 4096);

    /* the broker's compact policy alone */
    lode_config_fill_log_config(cfg, NULL, &lc);
    CHECK(!lc.cleanup_delete && lc.cleanup_compact);
    lode_props_free(&topic);
    lode_props_free(&dynd);
    lode_config_free(cfg);
}
