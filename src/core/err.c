#include "core/err.h"

const char *lode_strerror(int err)
{
    switch (err) {
    case LODE_OK:
        return "success";
    case LODE_ENOMEM:
        return "out of memory";
    case LODE_EINVAL:
        return "invalid argument";
    case LODE_ETRUNC:
        return "truncated input";
    case LODE_ECORRUPT:
        return "corrupt input";
    case LODE_EUNSUPPORTED:
        return "unsupported version or feature";
    case LODE_EAGAIN:
        return "try again";
    case LODE_EIO:
        return "I/O error";
    case LODE_ETOOBIG:
        return "value too large";
    case LODE_ENOTFOUND:
        return "not found";
    case LODE_EEXIST:
        return "already exists";
    case LODE_ECOMPRESS:
        return "compression error";
    case LODE_ERANGE:
        return "value out of range";
    case LODE_EDUPLICATE:
        return "duplicate of an earlier write";
    case LODE_ESEQUENCE:
        return "sequence number out of order";
    case LODE_EFENCED:
        return "fenced by a newer epoch";
    }
    return "unknown error";
}
