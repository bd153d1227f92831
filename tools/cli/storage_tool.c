/*
 * `lode storage` — Kafka's kafka-storage tool: random-uuid, format, info.
 *
 *   lode storage random-uuid
 *   lode storage format -t CLUSTER_ID -c server.properties [--ignore-formatted]
 *   lode storage info -c server.properties
 *
 * format writes meta.properties (KRaft version 1: cluster.id, node.id,
 * directory.id) into every log dir and the metadata log dir, and
 * bootstrap.checkpoint (the initial metadata.version) into the metadata log
 * dir, as kafka-storage format does.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/props.h"
#include "core/uuid.h"
#include "metadata/snapshot.h"
#include "storage/meta_props.h"

/* Kafka 4.0's newest metadata.version (4.0-IV3). */
#define METADATA_VERSION_LEVEL 25
#define METADATA_VERSION_NAME "4.0-IV3"

static void usage(FILE *out)
{
    fprintf(out, "usage: lode storage random-uuid\n"
                 "       lode storage format -t CLUSTER_ID -c CONFIG [--ignore-formatted]\n"
                 "       lode storage info -c CONFIG\n"
                 "\n"
                 "  -t, --cluster-id ID       the cluster id (from random-uuid)\n"
                 "  -c, --config FILE         the server.properties of this node\n"
                 "  -g, --ignore-formatted    skip directories that are already formatted\n");
}

/* log.dirs (or log.dir) then metadata.log.dir, without duplicates. */
static int storage_dirs(const lode_props_t *p, char ***dirs, int *n, const char **meta_dir)
{
    lode_strlist_t l;
    const char *src = lode_props_get(p, "log.dirs") ? "log.dirs" : "log.dir";
    lode_props_get_list(p, src, "/tmp/kafka-logs", &l);
    *dirs = calloc(l.count + 2, sizeof **dirs);
    *n = 0;
    for (size_t i = 0; i < l.count; i++)
        if (l.items[i][0])
            (*dirs)[(*n)++] = strdup(l.items[i]);
    lode_strlist_free(&l);
    if (*n == 0)
        return LODE_EINVAL;
    *meta_dir = lode_props_get(p, "metadata.log.dir");
    if (!*meta_dir || !**meta_dir)
        *meta_dir = (*dirs)[0];
    bool seen = false;
    for (int i = 0; i < *n; i++)
        seen |= !strcmp((*dirs)[i], *meta_dir);
    if (!seen)
        (*dirs)[(*n)++] = strdup(*meta_dir);
    return 0;
}

static int load_config(const char *path, lode_props_t *p)
{
    char err[512];
    lode_props_init(p);
    if (lode_props_load_file(p, path, LODE_PROPS_LATIN1, err, sizeof err) != 0) {
        fprintf(stderr, "lode storage: cannot read %s: %s\n", path, err);
        return 1;
    }
    return 0;
}

static int mkdirs(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *q = tmp + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = 0;
        mkdir(tmp, 0755);
        *q = '/';
    }
    return mkdir(tmp, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

static int do_format(const char *cluster_id, const char *config, bool ignore_formatted)
{
    uint8_t id[16];
    if (!lode_uuid_parse(cluster_id, id)) {
        fprintf(stderr, "lode storage: Cluster ID string %s does not appear to be a valid UUID\n",
                cluster_id);
        return 1;
    }
    lode_props_t p;
    if (load_config(config, &p))
        return 1;
    int32_t node_id;
    if (lode_props_get_int32(&p, "node.id", -1, &node_id) != 0 || node_id < 0) {
        fprintf(stderr, "lode storage: %s must set node.id to a non-negative integer\n", config);
        lode_props_free(&p);
        return 1;
    }
    char **dirs;
    int n;
    const char *meta_dir;
    if (storage_dirs(&p, &dirs, &n, &meta_dir) != 0) {
        fprintf(stderr, "lode storage: no log directories configured (log.dirs)\n");
        lode_props_free(&p);
        return 1;
    }
    int rc = 0, formatted = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        lode_meta_props_t mp;
        char err[512];
        int r = lode_meta_props_read(dirs[i], &mp, err, sizeof err);
        if (r != LODE_ENOTFOUND) {
            if (ignore_formatted)
                continue;
            fprintf(stderr,
                    "lode storage: Log directory %s is already formatted. Use --ignore-formatted "
                    "to ignore this directory and format the others.\n",
                    dirs[i]);
            rc = 1;
            break;
        }
    }
    int64_t now = lode_clock_now_ms(lode_clock_real());
    for (int i = 0; i < n && rc == 0; i++) {
        lode_meta_props_t mp = {.node_id = node_id, .has_directory_id = true};
        char err[512];
        lode_meta_props_t old;
        if (lode_meta_props_read(dirs[i], &old, err, sizeof err) != LODE_ENOTFOUND)
            continue; /* --ignore-formatted */
        snprintf(mp.cluster_id, sizeof mp.cluster_id, "%s", cluster_id);
        lode_uuid_random(mp.directory_id);
        if (mkdirs(dirs[i]) != 0 || lode_meta_props_write(dirs[i], &mp) != 0) {
            fprintf(stderr, "lode storage: cannot write %s/meta.properties: %s\n", dirs[i],
                    strerror(errno));
            rc = 1;
            break;
        }
        if (!strcmp(dirs[i], meta_dir)) {
            /* The initial metadata.version, read by the controller at first
             * start (Kafka's bootstrap.checkpoint). */
            lode_image_t *img = lode_image_builder(NULL);
            lode_image_set_feature(img, "metadata.version", METADATA_VERSION_LEVEL);
            char path[4200];
            snprintf(path, sizeof path, "%s/bootstrap.checkpoint", dirs[i]);
            rc = lode_snapshot_write_path(path, img, 0, now) ? 1 : 0;
            lode_image_builder_free(img);
        }
        printf("Formatting %s directory %s with metadata.version %s.\n",
               strcmp(dirs[i], meta_dir) ? "data" : "metadata", dirs[i], METADATA_VERSION_NAME);
        formatted++;
    }
    if (rc == 0 && formatted == 0 && ignore_formatted)
        printf("All of the log directories are already formatted.\n");
    for (int i = 0; i < n; i++)
        free(dirs[i]);
    free(dirs);
    lode_props_free(&p);
    return rc;
}

static int do_info(const char *config)
{
    lode_props_t p;
    if (load_config(config, &p))
        return 1;
    char **dirs;
    int n;
    const char *meta_dir;
    if (storage_dirs(&p, &dirs, &n, &meta_dir) != 0) {
        lode_props_free(&p);
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        lode_meta_props_t mp;
        char err[512];
        int r = lode_meta_props_read(dirs[i], &mp, err, sizeof err);
        if (r == LODE_ENOTFOUND) {
            printf("%s: not formatted\n", dirs[i]);
            rc = 1;
        } else if (r != 0) {
            printf("%s: %s\n", dirs[i], err);
            rc = 1;
        } else {
            char did[LODE_UUID_STR_LEN + 1] = "";
            if (mp.has_directory_id)
                lode_uuid_to_string(mp.directory_id, did);
            printf("%s: cluster.id=%s node.id=%d directory.id=%s%s\n", dirs[i], mp.cluster_id,
                   mp.node_id, did, !strcmp(dirs[i], meta_dir) ? " (metadata)" : "");
        }
        free(dirs[i]);
    }
    free(dirs);
    lode_props_free(&p);
    return rc;
}

int lode_cli_storage(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "random-uuid")) {
        uint8_t id[16];
        char s[LODE_UUID_STR_LEN + 1];
        lode_uuid_random(id);
        lode_uuid_to_string(id, s);
        printf("%s\n", s);
        return 0;
    }
    static const struct option opts[] = {{"cluster-id", required_argument, NULL, 't'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"ignore-formatted", no_argument, NULL, 'g'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cluster_id = NULL, *config = NULL;
    bool ignore = false;
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "t:c:gh", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            cluster_id = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'g':
            ignore = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    if (!strcmp(cmd, "format")) {
        if (!cluster_id || !config) {
            fprintf(stderr, "lode storage format: --cluster-id and --config are required\n");
            usage(stderr);
            return 1;
        }
        return do_format(cluster_id, config, ignore);
    }
    if (!strcmp(cmd, "info")) {
        if (!config) {
            fprintf(stderr, "lode storage info: --config is required\n");
            usage(stderr);
            return 1;
        }
        return do_info(config);
    }
    fprintf(stderr, "lode storage: unknown subcommand '%s'\n", cmd);
    usage(stderr);
    return 1;
}
