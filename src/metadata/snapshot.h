/*
 * snapshot.h — metadata snapshots (KIP-630): the image written as the
 * records that rebuild it, in `<metadata log dir>/<end offset, 20 digits>-
 * <epoch, 10 digits>.checkpoint`, a file of record batches:
 *
 *   control batch: SnapshotHeaderRecord (control type 3)
 *   data batches:  FeatureLevel, RegisterBroker, Topic, Partition, Config,
 *                  ProducerIds records
 *   control batch: SnapshotFooterRecord (control type 4)
 *
 * The end offset is exclusive: the snapshot holds everything below it, and a
 * loader continues with the log from there. Written to a .checkpoint.part
 * file, fsynced and renamed, so a snapshot is complete or absent.
 */
#ifndef LODE_METADATA_SNAPSHOT_H
#define LODE_METADATA_SNAPSHOT_H

#include <stdint.h>

#include "metadata/image.h"
#include "metadata/records.h"

/* The records that rebuild img from an empty image. */
int lode_image_to_records(const lode_image_t *img, lode_mrecs_t *out);

int lode_snapshot_write(const char *dir, const lode_image_t *img, int64_t end_offset, int32_t epoch,
                        int64_t now_ms);

/* The same content at an explicit path (bootstrap.checkpoint). */
int lode_snapshot_write_path(const char *path, const lode_image_t *img, int32_t epoch,
                             int64_t now_ms);

/* The newest complete snapshot in dir: 0 and its id, or LODE_ENOTFOUND. */
int lode_snapshot_latest(const char *dir, int64_t *end_offset, int32_t *epoch);

/* Loads a snapshot into a new image (offset = end_offset - 1). LODE_ECORRUPT
 * when the file is not a complete snapshot. */
int lode_snapshot_load(const char *dir, int64_t end_offset, int32_t epoch, lode_image_t **out);

/* Loads a file in the snapshot format from an explicit path
 * (bootstrap.checkpoint); the image's offset is left unset. */
int lode_snapshot_load_path(const char *path, lode_image_t **out);

#endif
