/*
 * quorum_single.h — the one-voter quorum: this node is the only controller,
 * so it leads every epoch and a record is committed once it is fsynced.
 *
 * On open it reads `quorum-state` from the metadata log directory, starts the
 * next epoch (persisting it first), and writes a LeaderChange control record
 * in that epoch; committing it commits everything before it (Raft's rule that
 * a leader commits earlier entries only through one of its own epoch), after
 * which the whole log is delivered to the listener in order.
 */
#ifndef LODE_RAFT_QUORUM_SINGLE_H
#define LODE_RAFT_QUORUM_SINGLE_H

#include "raft/quorum.h"
#include "storage/flusher.h"
#include "storage/log_config.h"

/*
 * Opens the metadata log at <dir>/__cluster_metadata-0 for node `node_id`.
 * The flusher (shared with the data logs) makes appends durable. The
 * listener's callbacks run on the quorum's thread; delivery starts at
 * `deliver_from` (the end offset of the snapshot the caller loaded, or 0).
 */
int lode_quorum_single_open(const char *dir, int32_t node_id, const lode_log_config_t *cfg,
                            lode_flusher_t *flusher, const lode_quorum_listener_t *listener,
                            int64_t deliver_from, lode_quorum_t **out);

#endif
