/*
 * configs.h — IncrementalAlterConfigs and AlterConfigs as record producers:
 * validate against Kafka's rules and emit ConfigRecords (value null =
 * delete) for one resource, applied atomically.
 *
 * Resources: topics (any topic config), brokers — a node id or "" for the
 * cluster-wide default — with every broker config whose update mode is not
 * read-only (config/config_def.h). Read-only ones are refused ("Cannot update
 * these configs dynamically").
 */
#ifndef LODE_CONTROLLER_CONFIGS_H
#define LODE_CONTROLLER_CONFIGS_H

#include <stdbool.h>
#include <stddef.h>

#include "controller/topics.h"

/* IncrementalAlterConfigs operation types. */
enum { LODE_CFG_SET = 0, LODE_CFG_DELETE = 1, LODE_CFG_APPEND = 2, LODE_CFG_SUBTRACT = 3 };

typedef struct lode_config_op {
    const char *name;
    const char *value; /* NULL for DELETE */
    int op;            /* LODE_CFG_*; AlterConfigs uses SET only */
} lode_config_op_t;

/*
 * Whether name=value may be stored for a resource of this type: a known
 * topic config with a valid value, or a broker config that can change while
 * running (not read-only) with a valid value. NULL when fine, else Kafka's
 * message (written into buf).
 */
const char *lode_ctl_config_check(int resource_type, const char *name, const char *value,
                                  char *buf, size_t cap);

/*
 * incremental: IncrementalAlterConfigs semantics (each op applies to its
 * key); otherwise AlterConfigs (the ops are the complete new set: every other
 * dynamic key of the resource is deleted). resource_type is
 * LODE_CONFIG_RESOURCE_TOPIC or _BROKER.
 */
int lode_ctl_alter_configs(const lode_image_t *img, int resource_type, const char *resource,
                           int32_t node_id, const lode_config_op_t *ops, size_t nops,
                           bool incremental, bool validate_only, lode_mrecs_t *out,
                           lode_ctl_error_t *err);

#endif
