/*
 * configs_tool.c — `lode configs`, Apache Kafka's kafka-configs for topics
 * and brokers: --describe prints the dynamic (or, with --all, every) config
 * with its synonyms; --alter adds and deletes dynamic configs. Flags, checks
 * and output lines follow Kafka 4.0's ConfigCommand.
 *
 * Kafka alters topic configs with IncrementalAlterConfigs, which librdkafka
 * 2.0.2 lacks. This tool reads the current dynamic configs (DescribeConfigs),
 * applies the additions and deletions and writes the whole set back with
 * AlterConfigs — Kafka's own way for brokers. Two such tools altering the
 * same entity at once can lose one another's change (read, then replace).
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "config_describe.h"
#include "core/mem.h"
#include "core/props.h"
#include "opts.h"

static const cli_optdef_t defs[] = {
    {"add-config", CLI_VALUE, "String",
     "Key Value pairs of configs to add. Square brackets can be used to group values which "
     "contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'."},
    {"add-config-file", CLI_VALUE, "String",
     "Path to a properties file with configs to add. See add-config for a list of valid "
     "configurations."},
    {"all", CLI_FLAG, NULL,
     "List all configs for the given entity, including static "
     "configs if available."},
    {"alter", CLI_FLAG, NULL, "Alter the configuration for the entity."},
    {"bootstrap-server", CLI_VALUE, "String: server to connect to",
     "The Kafka servers to connect to."},
    {"broker", CLI_VALUE, "String", "The broker's ID."},
    {"broker-defaults", CLI_FLAG, NULL, "The config defaults for all brokers."},
    {"command-config", CLI_VALUE, "String: command config property file",
     "Property file containing configs to be passed to Admin Client."},
    {"delete-config", CLI_LIST, "String", "config keys to remove 'k1,k2'"},
    {"describe", CLI_FLAG, NULL, "List configs for the given entity."},
    {"entity-default", CLI_FLAG, NULL,
     "Default entity name for clients/users/brokers/ips (applies to corresponding entity "
     "type)"},
    {"entity-name", CLI_VALUE, "String", "Name of entity (topic name/broker id)"},
    {"entity-type", CLI_LIST, "String",
     "Type of entity (topics/clients/users/brokers/broker-loggers/ips/client-metrics/groups)"},
    {"topic", CLI_VALUE, "String", "The topic's name."},
    CLI_OPT_END,
};

static const cli_tool_t tool = {
    "kafka-configs",
    "This tool helps to manipulate and describe entity config for a topic, client, user, "
    "broker, ip, client-metrics or group",
    defs,
};

/* A config set being edited: name → value (NULL: sensitive, value unknown). */
typedef struct kvset {
    char **keys;
    char **vals;
    size_t n;
} kvset_t;

static void kv_put(kvset_t *s, const char *k, const char *v)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->keys[i], k)) {
            free(s->vals[i]);
            s->vals[i] = v ? lode_xstrdup(v) : NULL;
            return;
        }
    s->keys = lode_xrealloc(s->keys, (s->n + 1) * sizeof *s->keys);
    s->vals = lode_xrealloc(s->vals, (s->n + 1) * sizeof *s->vals);
    s->keys[s->n] = lode_xstrdup(k);
    s->vals[s->n++] = v ? lode_xstrdup(v) : NULL;
}

static bool kv_has(const kvset_t *s, const char *k)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->keys[i], k))
            return true;
    return false;
}

static void kv_del(kvset_t *s, const char *k)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->keys[i], k)) {
            free(s->keys[i]);
            free(s->vals[i]);
            s->keys[i] = s->keys[--s->n];
            s->vals[i] = s->vals[s->n];
            return;
        }
}

static void kv_free(kvset_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->keys[i]);
        free(s->vals[i]);
    }
    free(s->keys);
    free(s->vals);
    memset(s, 0, sizeof *s);
}

typedef struct run {
    cli_opts_t o;
    cli_conf_t c;
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
    bool brokers;     /* else topics */
    const char *name; /* the entity name; "" = the brokers' default; NULL = every entity */
    kvset_t add;
    char **del;
    size_t ndel;
    int argc;
    char **argv;
} run_t;

/* Kafka's IllegalArgumentException path: the message alone on stderr, exit 1. */
static int bad(const char *msg)
{
    fprintf(stderr, "%s\n", msg);
    return 1;
}

/* Any other failure: Kafka names the command line, then (here) the cause. */
static int failed(const run_t *r, const char *why)
{
    fprintf(stderr, "Error while executing config command with args '");
    for (int i = 1; i < r->argc; i++)
        fprintf(stderr, "%s%s", i > 1 ? " " : "", r->argv[i]);
    fprintf(stderr, "'\n%s\n", why);
    return 1;
}

/* --- command line -------------------------------------------------------- */

static int entity_from_flags(run_t *r)
{
    const cli_opts_t *o = &r->o;
    bool generic =
        cli_has(o, "entity-name") || cli_has(o, "entity-type") || cli_has(o, "entity-default");
    bool specific = cli_has(o, "topic") || cli_has(o, "broker") || cli_has(o, "broker-defaults");
    if (generic && specific)
        return bad("--entity-{type,name,default} should not be used in conjunction with "
                   "specific entity flags");
    const char *type;
    if (specific) {
        if (cli_has(o, "topic") + cli_has(o, "broker") + cli_has(o, "broker-defaults") > 1)
            return bad("Only 'users' and 'clients' entity types may be specified together");
        type = cli_has(o, "topic") ? "topics" : "brokers";
        r->name =
            cli_has(o, "broker-defaults") ? "" : cli_get(o, "topic", cli_get(o, "broker", NULL));
    } else {
        size_t nt;
        char *const *types = cli_list(o, "entity-type", &nt);
        if (nt == 0)
            return bad("At least one entity type must be specified");
        for (size_t i = 0; i < nt; i++)
            for (size_t j = 0; j < i; j++)
                if (!strcmp(types[i], types[j])) {
                    fprintf(stderr, "Duplicate entity type(s) specified: %s\n", types[i]);
                    return 1;
                }
        type = types[0];
        static const char *const known[] = {"topics", "clients",        "users",          "brokers",
                                            "ips",    "broker-loggers", "client-metrics", "groups"};
        bool valid = false;
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            valid |= !strcmp(type, known[i]);
        if (!valid) {
            fprintf(stderr,
                    "Invalid entity type %s, the entity type must be one of topics, "
                    "clients, users, brokers, ips, broker-loggers, client-metrics, "
                    "groups with a --bootstrap-server or --bootstrap-controller "
                    "argument\n",
                    type);
            return 1;
        }
        if (nt > 1)
            return bad("Only 'users' and 'clients' entity types may be specified together");
        r->name = cli_has(o, "entity-default") ? "" : cli_get(o, "entity-name", NULL);
    }
    if (strcmp(type, "topics") != 0 && strcmp(type, "brokers") != 0) {
        fprintf(stderr,
                "kafka-configs: entity type %s is not supported by lode's kafka-configs "
                "(supported: topics, brokers)\n",
                type);
        return 1;
    }
    r->brokers = !strcmp(type, "brokers");
    return 0;
}

static int check_args(run_t *r)
{
    const cli_opts_t *o = &r->o;
    if (cli_has(o, "describe") == cli_has(o, "alter"))
        return cli_usage_error(o, "Command must include exactly one action: --describe, --alter");
    if (o->npositional)
        return cli_usage_error(o, "Unexpected argument '%s'", o->positional[0]);
    static const char *const alter_only[] = {"add-config", "delete-config", "add-config-file"};
    for (size_t i = 0; i < 3 && cli_has(o, "describe"); i++)
        if (cli_has(o, alter_only[i]))
            return cli_usage_error(o, "Option \"[describe]\" can't be used with option \"[%s]\"",
                                   alter_only[i]);
    if (cli_has(o, "all") && cli_has(o, "alter"))
        return cli_usage_error(o, "Option \"[all]\" can't be used with option \"[alter]\"");
    if (entity_from_flags(r) != 0)
        return 1;
    if (!cli_has(o, "bootstrap-server"))
        return bad("One of the required --bootstrap-server or --bootstrap-controller arguments "
                   "must be specified");
    if (r->brokers && r->name && *r->name) {
        int32_t id;
        if (!cli_parse_i32(r->name, &id)) {
            fprintf(stderr,
                    "The entity name for brokers must be a valid integer broker id, but it "
                    "is: %s\n",
                    r->name);
            return 1;
        }
    }
    if (cli_has(o, "describe")) {
        if (!r->brokers && cli_has(o, "entity-default"))
            return bad("--entity-default must not be specified with --describe of topics");
        return 0;
    }
    if (r->brokers && !r->name)
        return bad("An entity-name or default entity must be specified with --alter of users, "
                   "clients, brokers or ips");
    if (!r->brokers && (!r->name || !*r->name))
        return bad("An entity name must be specified with --alter of topics");
    if (cli_has(o, "add-config") && cli_has(o, "add-config-file"))
        return bad("Only one of --add-config or --add-config-file must be specified");
    if (!cli_has(o, "add-config") && !cli_has(o, "add-config-file") && !cli_has(o, "delete-config"))
        return bad("At least one of --add-config, --add-config-file, or --delete-config must be "
                   "specified with --alter");
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

/* Kafka's --add-config: "k1=v1,k2=[a,b]" — commas inside [] belong to the value, the
 * brackets are dropped; every item must be exactly key=value. */
static int parse_add_config(run_t *r, const char *spec)
{
    char *copy = lode_xstrdup(spec);
    int rc = 0, depth = 0;
    char *item = copy;
    for (char *p = copy;; p++) {
        if (*p == '[')
            depth++;
        else if (*p == ']' && depth > 0)
            depth--;
        if (*p != '\0' && (*p != ',' || depth > 0))
            continue;
        bool end = *p == '\0';
        *p = '\0';
        char *eq = strchr(item, '=');
        char *v = eq ? eq + 1 : NULL;
        if (!eq || strchr(v, '=') || eq == item) {
            rc = bad("requirement failed: Invalid entity config: all configs to be added must be "
                     "in the format \"key=val\".");
            break;
        }
        *eq = '\0';
        char *w = v;
        for (char *s = v; *s; s++) /* Kafka: value.replaceAll("\\[?\\]?", "") */
            if (*s != '[' && *s != ']')
                *w++ = *s;
        *w = '\0';
        kv_put(&r->add, trim(item), trim(v));
        if (end)
            break;
        item = p + 1;
    }
    free(copy);
    return rc;
}

static int parse_changes(run_t *r)
{
    const char *file = cli_get(&r->o, "add-config-file", NULL);
    if (file) {
        lode_props_t p;
        char err[512];
        lode_props_init(&p);
        if (lode_props_load_file(&p, file, LODE_PROPS_LATIN1, err, sizeof err) != 0) {
            fprintf(stderr, "%s: cannot read %s: %s\n", tool.name, file, err);
            lode_props_free(&p);
            return 1;
        }
        size_t it = 0;
        const char *k, *v;
        while (lode_props_next(&p, &it, &k, &v))
            kv_put(&r->add, k, v);
        lode_props_free(&p);
    }
    const char *spec = cli_get(&r->o, "add-config", NULL);
    if (spec && parse_add_config(r, spec) != 0)
        return 1;
    regex_t re;
    regcomp(&re, "^[a-zA-Z0-9._-]*$", REG_EXTENDED | REG_NOSUB);
    int rc = 0;
    for (size_t i = 0; i < r->add.n && rc == 0; i++)
        if (regexec(&re, r->add.keys[i], 0, NULL, 0) != 0) {
            fprintf(stderr, "Invalid character found for config key: %s\n", r->add.keys[i]);
            rc = 1;
        }
    regfree(&re);
    /* --delete-config values are comma-separated lists (jopt withValuesSeparatedBy(',')) */
    size_t nd;
    char *const *dl = cli_list(&r->o, "delete-config", &nd);
    for (size_t i = 0; i < nd; i++) {
        char *copy = lode_xstrdup(dl[i]), *save = NULL;
        for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
            r->del = lode_xrealloc(r->del, (r->ndel + 1) * sizeof *r->del);
            r->del[r->ndel++] = lode_xstrdup(trim(k));
        }
        free(copy);
    }
    return rc;
}

/* --- the operations ------------------------------------------------------- */

/* The source a config of this entity has when set dynamically on it. */
static int dynamic_source(const run_t *r, const char *name)
{
    if (!r->brokers)
        return CLI_SRC_DYNAMIC_TOPIC;
    return *name ? CLI_SRC_DYNAMIC_BROKER : CLI_SRC_DYNAMIC_DEFAULT_BROKER;
}

static int by_entry_name(const void *a, const void *b)
{
    return strcmp((*(const cli_cfg_entry_t *const *)a)->name,
                  (*(const cli_cfg_entry_t *const *)b)->name);
}

/*
 * The entity's entries (dynamic ones only unless all), sorted by name, into
 * *out (an array the caller frees; entries live in cfgs, which the caller
 * frees too). Returns the count, or -1 after reporting the failure.
 */
static long entity_configs(const run_t *r, const char *name, bool all, cli_configs_t *cfgs,
                           const cli_cfg_entry_t ***out)
{
    char err[512];
    const char *names[] = {name};
    rd_kafka_ResourceType_t type = r->brokers ? RD_KAFKA_RESOURCE_BROKER : RD_KAFKA_RESOURCE_TOPIC;
    if (cli_configs_describe(&r->c, r->rk, r->q, type, names, 1, cfgs, err, sizeof err) != 0) {
        failed(r, err);
        return -1;
    }
    const cli_cfg_resource_t *res = cfgs->n ? &cfgs->res[0] : NULL;
    if (!res || res->error) {
        failed(r, res ? res->error : "the broker returned no configs");
        return -1;
    }
    const cli_cfg_entry_t **sel = lode_xcalloc(res->n + 1, sizeof *sel);
    long k = 0;
    for (size_t i = 0; i < res->n; i++)
        if (all || res->e[i].source == dynamic_source(r, name))
            sel[k++] = &res->e[i];
    qsort(sel, (size_t)k, sizeof *sel, by_entry_name);
    *out = sel;
    return k;
}

static const char *or_null(const char *s)
{
    return s ? s : "null";
}

static int describe_entity(const run_t *r, const char *name)
{
    bool all = cli_has(&r->o, "all");
    if (!*name)
        printf("Default configs for brokers in the cluster are:\n");
    else
        printf("%s configs for %s %s are:\n", all ? "All" : "Dynamic",
               r->brokers ? "broker" : "topic", name);
    cli_configs_t cfgs;
    const cli_cfg_entry_t **sel;
    long n = entity_configs(r, name, all, &cfgs, &sel);
    if (n < 0) {
        cli_configs_free(&cfgs);
        return 1;
    }
    for (long i = 0; i < n; i++) {
        const cli_cfg_entry_t *e = sel[i];
        printf("  %s=%s sensitive=%s synonyms={", e->name, or_null(e->value),
               e->sensitive ? "true" : "false");
        for (size_t j = 0; j < e->nsyn; j++)
            printf("%s%s:%s=%s", j ? ", " : "", cli_cfg_source_name(e->syn[j].source),
                   e->syn[j].name, or_null(e->syn[j].value));
        printf("}\n");
    }
    free(sel);
    cli_configs_free(&cfgs);
    return 0;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int do_describe(run_t *r)
{
    if (r->name)
        return describe_entity(r, r->name);
    /* every topic (internal ones included), or every broker and then their default */
    const struct rd_kafka_metadata *md = cli_metadata(&r->c, r->rk);
    if (!md)
        return 1;
    size_t n = r->brokers ? (size_t)md->broker_cnt + 1 : (size_t)md->topic_cnt;
    char **names = lode_xcalloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++) {
        char id[16] = "";
        if (r->brokers && i < (size_t)md->broker_cnt)
            snprintf(id, sizeof id, "%d", md->brokers[i].id);
        names[i] = lode_xstrdup(r->brokers ? id : md->topics[i].topic);
    }
    rd_kafka_metadata_destroy(md);
    if (!r->brokers)
        qsort(names, n, sizeof *names, by_str);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = describe_entity(r, names[i]);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Replaces the entity's dynamic configs with `set` (AlterConfigs). */
static int alter_rdkafka(const run_t *r, const kvset_t *set)
{
    rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(
        r->brokers ? RD_KAFKA_RESOURCE_BROKER : RD_KAFKA_RESOURCE_TOPIC, r->name);
    for (size_t i = 0; i < set->n; i++)
        rd_kafka_ConfigResource_set_config(res, set->keys[i], set->vals[i]);
    rd_kafka_AdminOptions_t *ao = cli_admin_options(&r->c, r->rk, RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
    rd_kafka_AlterConfigs(r->rk, &res, 1, ao, r->q);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_ConfigResource_destroy(res);
    rd_kafka_event_t *ev = cli_admin_wait(&r->c, r->q);
    if (!ev)
        return 1;
    int rc = 0;
    size_t nres;
    const rd_kafka_ConfigResource_t **out =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &nres);
    if (rd_kafka_event_error(ev))
        rc = failed(r, rd_kafka_event_error_string(ev));
    for (size_t i = 0; i < nres && rc == 0; i++) {
        rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(out[i]);
        const char *msg = rd_kafka_ConfigResource_error_string(out[i]);
        if (err)
            rc = failed(r, msg && *msg ? msg : rd_kafka_err2str(err));
    }
    rd_kafka_event_destroy(ev);
    return rc;
}

static int do_alter(run_t *r)
{
    if (parse_changes(r) != 0)
        return 1;
    cli_configs_t cfgs;
    const cli_cfg_entry_t **sel;
    long n = entity_configs(r, r->name, false, &cfgs, &sel);
    if (n < 0) {
        cli_configs_free(&cfgs);
        return 1;
    }
    kvset_t next = {0};
    for (long i = 0; i < n; i++)
        kv_put(&next, sel[i]->name, sel[i]->value);
    free(sel);
    cli_configs_free(&cfgs);
    int rc = 0;
    const char *sep = "";
    for (size_t i = 0; i < r->ndel; i++)
        if (!kv_has(&next, r->del[i])) {
            if (!*sep)
                fprintf(stderr, "Invalid config(s): ");
            fprintf(stderr, "%s%s", sep, r->del[i]);
            sep = ",";
            rc = 1;
        }
    if (rc) {
        fprintf(stderr, "\n");
        kv_free(&next);
        return 1;
    }
    for (size_t i = 0; i < r->add.n; i++)
        kv_put(&next, r->add.keys[i], r->add.vals[i]);
    for (size_t i = 0; i < r->ndel; i++)
        kv_del(&next, r->del[i]);
    /* the whole set is written back: a sensitive value we cannot read would be lost */
    sep = "";
    for (size_t i = 0; i < next.n; i++)
        if (!next.vals[i]) {
            if (!*sep)
                fprintf(stderr, "All sensitive broker config entries must be specified for "
                                "--alter, missing entries: Set(");
            fprintf(stderr, "%s%s", sep, next.keys[i]);
            sep = ", ";
            rc = 1;
        }
    if (rc) {
        fprintf(stderr, ")\n");
        kv_free(&next);
        return 1;
    }
    if (!*r->name) {
        char err[512];
        if (cli_configs_alter_broker_default(&r->c, r->rk, next.keys, next.vals, next.n, err,
                                             sizeof err) != 0)
            rc = failed(r, err);
    } else {
        rc = alter_rdkafka(r, &next);
    }
    kv_free(&next);
    if (rc == 0 && *r->name)
        printf("Completed updating config for %s %s.\n", r->brokers ? "broker" : "topic", r->name);
    else if (rc == 0)
        printf("Completed updating default config for brokers in the cluster.\n");
    return rc;
}

int lode_cli_configs(int argc, char **argv)
{
    run_t r;
    memset(&r, 0, sizeof r);
    r.argc = argc;
    r.argv = argv;
    if (argc < 2) {
        fprintf(stderr, "%s\n", tool.synopsis);
        cli_usage(stderr, &tool);
        return 1;
    }
    int prc = cli_opts_parse(&r.o, &tool, argc, argv);
    if (prc != 0)
        return prc == 2 ? 0 : 1;
    int rc = check_args(&r);
    if (rc == 0) {
        const char *files[] = {cli_get(&r.o, "command-config", NULL)};
        rc = cli_conf_init(&r.c, tool.name, cli_get(&r.o, "bootstrap-server", NULL), files, 1, NULL,
                           0);
    }
    if (rc == 0) {
        r.rk = cli_client_new(&r.c, RD_KAFKA_PRODUCER);
        rc = r.rk ? 0 : 1;
    }
    if (rc == 0) {
        r.q = rd_kafka_queue_new(r.rk);
        rc = cli_has(&r.o, "describe") ? do_describe(&r) : do_alter(&r);
    }
    if (r.q)
        rd_kafka_queue_destroy(r.q);
    if (r.rk)
        rd_kafka_destroy(r.rk);
    cli_conf_destroy(&r.c);
    kv_free(&r.add);
    for (size_t i = 0; i < r.ndel; i++)
        free(r.del[i]);
    free(r.del);
    cli_opts_free(&r.o);
    return rc;
}
