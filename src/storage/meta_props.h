/*
 * meta_props.h — <log.dir>/meta.properties, which ties a data directory to a
 * cluster and a node (KRaft's version 1 format, as `kafka-storage format`
 * writes it):
 *
 *   cluster.id=<22-char uuid text>   node.id=<int>   version=1
 *   directory.id=<22-char uuid text> (per directory, KIP-858)
 *
 * A directory without the file is unformatted; a file with version 0 belongs
 * to a ZooKeeper-era broker, which lode refuses (Kafka 4 does too).
 */
#ifndef LODE_STORAGE_META_PROPS_H
#define LODE_STORAGE_META_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lode_meta_props {
    char cluster_id[64];
    int32_t node_id;
    uint8_t directory_id[16];
    bool has_directory_id;
} lode_meta_props_t;

/*
 * Reads <dir>/meta.properties. LODE_ENOTFOUND when absent (unformatted);
 * LODE_EINVAL with a message in err for a file lode cannot use (version 0,
 * missing or bad cluster.id / node.id, bad directory.id).
 */
int lode_meta_props_read(const char *dir, lode_meta_props_t *out, char *err, size_t errlen);

/* Writes <dir>/meta.properties atomically (creating dir). */
int lode_meta_props_write(const char *dir, const lode_meta_props_t *mp);

/*
 * Checks that dirs[0..n) belong to one cluster and this node. When none is
 * formatted and `auto_format` is set (the embedded single-node default), all
 * are formatted with a fresh cluster id (*formatted set). Returns 0 with the
 * cluster id in cluster_id (cap ≥ 64); LODE_EINVAL with a message in err for
 * unformatted dirs without auto_format, mixed clusters or a node.id mismatch.
 */
int lode_meta_props_ensure(const char *const *dirs, int n, int32_t node_id, bool auto_format,
                           char *cluster_id, bool *formatted, char *err, size_t errlen);

#endif
