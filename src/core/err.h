/*
 * err.h — lode's internal error codes.
 *
 * Functions return int: 0 on success, a negative LODE_E* code otherwise.
 * Kafka's int16 protocol error codes are a separate type (proto/kerr.h).
 */
#ifndef LODE_CORE_ERR_H
#define LODE_CORE_ERR_H

enum {
    LODE_OK = 0,
    LODE_ENOMEM = -1,       /* allocation failed */
    LODE_EINVAL = -2,       /* invalid argument or value */
    LODE_ETRUNC = -3,       /* input ended before the structure did */
    LODE_ECORRUPT = -4,     /* input is structurally wrong (bad CRC, bad length) */
    LODE_EUNSUPPORTED = -5, /* unsupported version, magic or feature */
    LODE_EAGAIN = -6,       /* non-blocking operation would block; try later */
    LODE_EIO = -7,          /* I/O error; errno holds the detail */
    LODE_ETOOBIG = -8,      /* value exceeds a configured or protocol bound */
    LODE_ENOTFOUND = -9,    /* no such item */
    LODE_EEXIST = -10,      /* item already exists */
    LODE_ECOMPRESS = -11,   /* compression or decompression failed */
    LODE_ERANGE = -12,      /* value out of the allowed range */
    LODE_EDUPLICATE = -13,  /* idempotent write already applied (not an error to the client) */
    LODE_ESEQUENCE = -14,   /* producer sequence out of order */
    LODE_EFENCED = -15,     /* producer epoch older than the current one */
};

/* A static, human-readable description of a LODE_E* code. Never NULL. */
const char *lode_strerror(int err);

#endif
