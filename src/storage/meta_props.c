#include "storage/meta_props.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/err.h"
#include "core/props.h"
#include "core/uuid.h"
#include "storage/checkpoint.h"

int lode_meta_props_read(const char *dir, lode_meta_props_t *out, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/meta.properties", dir);
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? LODE_ENOTFOUND : LODE_EIO;
    lode_props_t p;
    lode_props_init(&p);
    char perr[256];
    int rc = lode_props_load_file(&p, path, LODE_PROPS_LATIN1, perr, sizeof perr);
    if (rc) {
        snprintf(err, errlen, "%s", perr);
        lode_props_free(&p);
        return LODE_EINVAL;
    }
    memset(out, 0, sizeof *out);
    rc = LODE_EINVAL;
    int32_t version, node_id;
    const char *cid = lode_props_get(&p, "cluster.id");
    const char *did = lode_props_get(&p, "directory.id");
    if (lode_props_get_int32(&p, "version", -1, &version) != 0 || version != 1) {
        snprintf(err, errlen,
                 "%s: version must be 1 (KRaft); this directory was formatted for ZooKeeper mode "
                 "or by an unknown tool",
                 path);
    } else if (!cid || !cid[0] || strlen(cid) >= sizeof out->cluster_id) {
        snprintf(err, errlen, "%s: cluster.id is missing or invalid", path);
    } else if (lode_props_get_int32(&p, "node.id", -1, &node_id) != 0 || node_id < 0) {
        snprintf(err, errlen, "%s: node.id is missing or invalid", path);
    } else if (did && !lode_uuid_parse(did, out->directory_id)) {
        snprintf(err, errlen, "%s: directory.id '%s' is not a valid uuid", path, did);
    } else {
        snprintf(out->cluster_id, sizeof out->cluster_id, "%s", cid);
        out->node_id = node_id;
        out->has_directory_id = did != NULL;
        rc = 0;
    }
    lode_props_free(&p);
    return rc;
}

int lode_meta_props_write(const char *dir, const lode_meta_props_t *mp)
{
    mkdir(dir, 0755);
    char when[64], did[LODE_UUID_STR_LEN + 1] = "", text[512];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%a %b %d %H:%M:%S UTC %Y", &tm);
    if (mp->has_directory_id)
        lode_uuid_to_string(mp->directory_id, did);
    int n = snprintf(text, sizeof text, "#\n#%s\ncluster.id=%s\n%s%s%snode.id=%d\nversion=1\n",
                     when, mp->cluster_id, mp->has_directory_id ? "directory.id=" : "", did,
                     mp->has_directory_id ? "\n" : "", mp->node_id);
    char path[4096];
    snprintf(path, sizeof path, "%s/meta.properties", dir);
    return lode_write_file_atomic(path, text, (size_t)n);
}

int lode_meta_props_ensure(const char *const *dirs, int n, int32_t node_id, bool auto_format,
                           char *cluster_id, bool *formatted, char *err, size_t errlen)
{
    *formatted = false;
    cluster_id[0] = 0;
    int unformatted = 0;
    for (int i = 0; i < n; i++) {
        lode_meta_props_t mp;
        int rc = lode_meta_props_read(dirs[i], &mp, err, errlen);
        if (rc == LODE_ENOTFOUND) {
            unformatted++;
            continue;
        }
        if (rc)
            return rc;
        if (mp.node_id != node_id) {
            snprintf(err, errlen,
                     "%s/meta.properties: node.id %d does not match node.id %d in the "
                     "configuration",
                     dirs[i], mp.node_id, node_id);
            return LODE_EINVAL;
        }
        if (cluster_id[0] && strcmp(cluster_id, mp.cluster_id)) {
            snprintf(err, errlen, "%s belongs to cluster %s, other log dirs to %s", dirs[i],
                     mp.cluster_id, cluster_id);
            return LODE_EINVAL;
        }
        snprintf(cluster_id, 64, "%s", mp.cluster_id);
    }
    if (unformatted == 0)
        return 0;
    if (!auto_format || unformatted != n) {
        snprintf(err, errlen,
                 "%d of %d log directories are not formatted: run `lode storage format` first",
                 unformatted, n);
        return LODE_EINVAL;
    }
    uint8_t id[16];
    lode_uuid_random(id);
    lode_uuid_to_string(id, cluster_id);
    for (int i = 0; i < n; i++) {
        lode_meta_props_t mp = {.node_id = node_id, .has_directory_id = true};
        snprintf(mp.cluster_id, sizeof mp.cluster_id, "%s", cluster_id);
        lode_uuid_random(mp.directory_id);
        if (lode_meta_props_write(dirs[i], &mp) != 0) {
            snprintf(err, errlen, "cannot write %s/meta.properties: %s", dirs[i], strerror(errno));
            return LODE_EIO;
        }
    }
    *formatted = true;
    return 0;
}
