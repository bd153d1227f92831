#include "storage/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"

int lode_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return LODE_EIO;
    int rc = fsync(fd) == 0 ? 0 : LODE_EIO;
    close(fd);
    return rc;
}

int lode_fsync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir =
        slash ? lode_xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : lode_xstrdup(".");
    int rc = lode_fsync_dir(dir);
    free(dir);
    return rc;
}

static int write_atomic(const char *path, const void *data, size_t len, bool durable)
{
    size_t plen = strlen(path);
    char *tmp = lode_xmalloc(plen + 5);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        goto err;
    const uint8_t *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto err_after_open;
        }
        p += n;
        left -= (size_t)n;
    }
    if (durable && fsync(fd) != 0)
        goto err_after_open;
    if (close(fd) != 0)
        goto err_after_create;
    if (rename(tmp, path) != 0)
        goto err_after_create;
    free(tmp);
    return durable ? lode_fsync_parent_dir(path) : 0;

err_after_open:
    close(fd);
err_after_create : {
    int saved = errno;
    unlink(tmp);
    errno = saved;
}
err:
    free(tmp);
    return LODE_EIO;
}

int lode_write_file_atomic(const char *path, const void *data, size_t len)
{
    return write_atomic(path, data, len, true);
}

int lode_write_file_replace(const char *path, const void *data, size_t len)
{
    return write_atomic(path, data, len, false);
}

/* Reads a whole small file; *data is malloc'd and NUL-terminated.
 * LODE_ENOTFOUND when it does not exist. */
static int read_small_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? LODE_ENOTFOUND : LODE_EIO;
    lode_buf_t b = LODE_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        lode_buf_put(&b, chunk, n);
    int err = ferror(f);
    fclose(f);
    if (err) {
        lode_buf_free(&b);
        return LODE_EIO;
    }
    lode_buf_put_u8(&b, 0);
    *len = b.len - 1;
    *data = (char *)lode_buf_steal(&b, NULL);
    return 0;
}

/* Splits the next line off *cursor (modifies the buffer). NULL at the end. */
static char *next_line(char **cursor)
{
    char *s = *cursor;
    if (!s || !*s)
        return NULL;
    char *nl = strchr(s, '\n');
    if (nl) {
        *nl = 0;
        *cursor = nl + 1;
    } else {
        *cursor = s + strlen(s);
    }
    size_t l = strlen(s);
    if (l && s[l - 1] == '\r')
        s[l - 1] = 0;
    return s;
}

static int parse_i64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return LODE_ECORRUPT;
    *out = v;
    return 0;
}

/* Reads the "version\ncount\n" preamble; returns the count. */
static int read_preamble(char **cursor, size_t *count)
{
    char *l = next_line(cursor);
    int64_t v;
    if (!l || parse_i64(l, &v) || v != 0)
        return LODE_ECORRUPT;
    l = next_line(cursor);
    if (!l || parse_i64(l, &v) || v < 0 || v > 100000000)
        return LODE_ECORRUPT;
    *count = (size_t)v;
    return 0;
}

void lode_tp_offsets_free(lode_tp_offset_t *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(entries[i].topic);
    free(entries);
}

/* Parses one entry line into elem (modifying the line); 0 or LODE_ECORRUPT. */
typedef int (*parse_line_fn)(char *line, void *elem);

/*
 * Reads a checkpoint of "version\ncount\n" + count lines. Each line is at
 * least min_line bytes, which bounds the allocation before parsing. A missing
 * file reads as empty. On failure `cleanup(elems, parsed)` frees what was
 * parsed.
 */
static int read_entries(const char *path, size_t min_line, size_t elem_size, parse_line_fn parse,
                        void (*cleanup)(void *elems, size_t n), void **out, size_t *count)
{
    char *data;
    size_t len;
    *out = NULL;
    *count = 0;
    int rc = read_small_file(path, &data, &len);
    if (rc == LODE_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    char *cur = data;
    size_t n;
    rc = read_preamble(&cur, &n);
    if (rc == 0 && n > len / min_line + 1)
        rc = LODE_ECORRUPT;
    if (rc) {
        free(data);
        return rc;
    }
    uint8_t *e = lode_xcalloc(n ? n : 1, elem_size);
    size_t got = 0;
    for (; got < n; got++) {
        char *l = next_line(&cur);
        if (!l || parse(l, e + got * elem_size) != 0)
            break;
    }
    free(data);
    if (got != n) {
        cleanup(e, got);
        return LODE_ECORRUPT;
    }
    *out = e;
    *count = n;
    return 0;
}

/* "<topic> <partition> <offset>" (topic names have no spaces). */
static int parse_tp_line(char *l, void *elem)
{
    lode_tp_offset_t *e = elem;
    char *sp2 = strrchr(l, ' ');
    if (!sp2 || sp2 == l)
        return LODE_ECORRUPT;
    *sp2 = 0;
    char *sp1 = strrchr(l, ' ');
    if (!sp1 || sp1 == l)
        return LODE_ECORRUPT;
    *sp1 = 0;
    int64_t part, off;
    if (parse_i64(sp1 + 1, &part) || part < 0 || part > INT32_MAX || parse_i64(sp2 + 1, &off))
        return LODE_ECORRUPT;
    e->topic = lode_xstrdup(l);
    e->partition = (int32_t)part;
    e->offset = off;
    return 0;
}

static void free_tp(void *elems, size_t n)
{
    lode_tp_offsets_free(elems, n);
}

int lode_checkpoint_read_offsets(const char *path, lode_tp_offset_t **out, size_t *count)
{
    void *e;
    /* The shortest line is "t 0 0". */
    int rc = read_entries(path, 5, sizeof(lode_tp_offset_t), parse_tp_line, free_tp, &e, count);
    *out = e;
    return rc;
}

int lode_checkpoint_write_offsets(const char *path, const lode_tp_offset_t *entries, size_t count)
{
    lode_buf_t b = LODE_BUF_INIT;
    char line[64];
    int n = snprintf(line, sizeof line, "0\n%zu\n", count);
    lode_buf_put(&b, line, (size_t)n);
    for (size_t i = 0; i < count; i++) {
        lode_buf_put(&b, entries[i].topic, strlen(entries[i].topic));
        n = snprintf(line, sizeof line, " %" PRId32 " %" PRId64 "\n", entries[i].partition,
                     entries[i].offset);
        lode_buf_put(&b, line, (size_t)n);
    }
    int rc = lode_write_file_atomic(path, b.data, b.len);
    lode_buf_free(&b);
    return rc;
}

/* "<epoch> <start offset>" */
static int parse_epoch_line(char *l, void *elem)
{
    lode_epoch_entry_t *e = elem;
    char *sp = strchr(l, ' ');
    if (!sp)
        return LODE_ECORRUPT;
    *sp = 0;
    int64_t epoch, off;
    if (parse_i64(l, &epoch) || epoch < 0 || epoch > INT32_MAX || parse_i64(sp + 1, &off))
        return LODE_ECORRUPT;
    e->epoch = (int32_t)epoch;
    e->start_offset = off;
    return 0;
}

static void free_plain(void *elems, size_t n)
{
    (void)n;
    free(elems);
}

int lode_checkpoint_read_epochs(const char *path, lode_epoch_entry_t **out, size_t *count)
{
    void *e;
    int rc =
        read_entries(path, 3, sizeof(lode_epoch_entry_t), parse_epoch_line, free_plain, &e, count);
    *out = e;
    return rc;
}

int lode_checkpoint_write_epochs(const char *path, const lode_epoch_entry_t *entries, size_t count)
{
    lode_buf_t b = LODE_BUF_INIT;
    char line[64];
    int n = snprintf(line, sizeof line, "0\n%zu\n", count);
    lode_buf_put(&b, line, (size_t)n);
    for (size_t i = 0; i < count; i++) {
        n = snprintf(line, sizeof line, "%" PRId32 " %" PRId64 "\n", entries[i].epoch,
                     entries[i].start_offset);
        lode_buf_put(&b, line, (size_t)n);
    }
    int rc = lode_write_file_atomic(path, b.data, b.len);
    lode_buf_free(&b);
    return rc;
}
