/*
 * logmgr.c — the broker's set of partition logs (see logmgr.h).
 */
#include "storage/logmgr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/hmap.h"
#include "core/mem.h"
#include "core/uuid.h"
#include "storage/checkpoint.h"
#include "storage/cleaner.h"

#define CLEAN_SHUTDOWN_FILE ".kafka_cleanshutdown"
#define RECOVERY_POINT_FILE "recovery-point-offset-checkpoint"
#define LOG_START_FILE "log-start-offset-checkpoint"
#define CLEANER_FILE "cleaner-offset-checkpoint"
#define HW_FILE "replication-offset-checkpoint"
#define METADATA_LOG_DIR "__cluster_metadata-0"

typedef struct entry {
    char *topic;
    int32_t partition;
    int dir;
    lode_log_t *log;
    int64_t first_dirty; /* compaction progress (cleaner-offset-checkpoint) */
} entry_t;

typedef struct pending_dir {
    char *path;
    int64_t deadline_ms;
} pending_dir_t;

struct lode_logmgr {
    lode_logmgr_config_t cfg;
    char **dirs;
    int *dir_fds; /* open since startup: syncfs reports writeback errors since */
    int ndirs;
    pthread_mutex_t lock; /* map, pending dirs, per-dir counts */
    /* Creating and renaming log directories, one at a time, taken before
     * lock: the disk work (files, fsyncs) happens under this one only, so
     * lookups by produce and fetch never wait for it. */
    pthread_mutex_t dirs_lock;
    lode_hmap_t logs;     /* "topic-partition" → entry_t* */
    int *dir_counts;
    pending_dir_t *pending;
    int npending;
    int64_t next_retention_ms, next_flush_ms, next_rp_checkpoint_ms, next_lso_checkpoint_ms;
    pthread_t thread;
    bool thread_running;
    pthread_t cleaner;
    bool cleaner_running;
    pthread_mutex_t clean_lock; /* one cleaning pass at a time */
    bool stopping;
    bool load_failed; /* never claim a clean shutdown for logs not loaded */
    pthread_cond_t cond;
};

void lode_logmgr_config_defaults(lode_logmgr_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->recovery_threads_per_dir = 2;
    c->retention_check_interval_ms = 300000;
    c->flush_scheduler_interval_ms = INT64_MAX;
    c->flush_offset_checkpoint_interval_ms = 60000;
    c->flush_start_offset_checkpoint_interval_ms = 60000;
    c->cleaner_enable = true;
    c->cleaner_backoff_ms = 15000;
    c->cleaner_dedupe_buffer_bytes = 134217728;
    lode_log_config_defaults(&c->defaults);
}

static int64_t now(lode_logmgr_t *m)
{
    return m->cfg.now_ms(m->cfg.clock_arg);
}

static void topic_cfg(lode_logmgr_t *m, const char *topic, lode_log_config_t *out)
{
    *out = m->cfg.defaults;
    if (m->cfg.topic_config)
        m->cfg.topic_config(m->cfg.topic_config_arg, topic, out);
}

static int key_of(char *buf, size_t len, const char *topic, int32_t partition)
{
    return snprintf(buf, len, "%s-%" PRId32, topic, partition);
}

/* "<topic>-<digits>" → topic, partition. False for anything else (deleted,
 * future and stray dirs, the metadata log, files). */
static bool parse_log_dir_name(const char *name, char *topic, size_t topic_len, int32_t *partition)
{
    const char *dash = strrchr(name, '-');
    if (!dash || dash == name || !dash[1])
        return false;
    int64_t p = 0;
    for (const char *c = dash + 1; *c; c++) {
        if (*c < '0' || *c > '9' || p > INT32_MAX / 10)
            return false;
        p = p * 10 + (*c - '0');
    }
    size_t tl = (size_t)(dash - name);
    if (tl >= topic_len || tl > 249)
        return false;
    for (size_t i = 0; i < tl; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    memcpy(topic, name, tl);
    topic[tl] = 0;
    *partition = (int32_t)p;
    return true;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* ---- loading ----------------------------------------------------------- */

typedef struct load_job {
    char topic[256];
    int32_t partition;
    char path[4096];
    int64_t recovery_point;
    int64_t log_start;
    int64_t first_dirty;
    int64_t hw;
    lode_log_t *log;
    int rc;
    int os_errno; /* errno when rc is LODE_EIO (EMFILE, ENOSPC, ...), else 0 */
} load_job_t;

typedef struct load_pool {
    lode_logmgr_t *m;
    load_job_t *jobs;
    int njobs;
    bool clean;
} load_pool_t;

/* ---- a pool of threads over n jobs (loading and closing logs) ---------- */

typedef struct pool_run {
    void (*fn)(void *ctx, int i);
    void *ctx;
    int n;
    int next; /* atomic */
} pool_run_t;

static void *pool_worker(void *arg)
{
    pool_run_t *r = arg;
    for (int i; (i = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED)) < r->n;)
        r->fn(r->ctx, i);
    return NULL;
}

/* Runs fn(ctx, 0 … n-1) on up to nthreads threads (on this one if none
 * starts) and returns when all are done. Kafka loads and closes logs with
 * num.recovery.threads.per.data.dir threads per directory: both are mostly
 * waiting for the disk, which serves several requests at once. */
static void parallel_for(int nthreads, int n, void (*fn)(void *ctx, int i), void *ctx)
{
    pool_run_t r = {fn, ctx, n, 0};
    if (nthreads > n)
        nthreads = n;
    pthread_t *th = lode_xcalloc((size_t)(nthreads > 0 ? nthreads : 1), sizeof *th);
    int started = 0;
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&th[i], NULL, pool_worker, &r) == 0)
            started++;
    if (started == 0)
        pool_worker(&r);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
}

static int pool_threads(const lode_logmgr_t *m)
{
    return m->cfg.recovery_threads_per_dir > 0 ? m->cfg.recovery_threads_per_dir : 1;
}

static void load_one(void *ctx, int i)
{
    load_pool_t *p = ctx;
    load_job_t *j = &p->jobs[i];
    lode_log_config_t c;
    topic_cfg(p->m, j->topic, &c);
    errno = 0;
    j->rc = lode_log_open(j->path, &c, j->recovery_point, j->log_start, p->clean,
                          &p->m->cfg.hooks, now(p->m), &j->log);
    j->os_errno = j->rc == LODE_EIO ? errno : 0;
}

static int64_t find_offset(const lode_tp_offset_t *e, size_t n, const char *topic, int32_t part,
                           int64_t dflt)
{
    for (size_t i = 0; i < n; i++)
        if (e[i].partition == part && !strcmp(e[i].topic, topic))
            return e[i].offset;
    return dflt;
}

static int load_dir(lode_logmgr_t *m, int d)
{
    const char *dir = m->dirs[d];
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, CLEAN_SHUTDOWN_FILE);
    bool clean = access(path, F_OK) == 0;
    lode_tp_offset_t *rps = NULL, *lsos = NULL, *dirt = NULL, *hws = NULL;
    size_t nrp = 0, nlso = 0, ndirt = 0, nhw = 0;
    snprintf(path, sizeof path, "%s/%s", dir, RECOVERY_POINT_FILE);
    if (lode_checkpoint_read_offsets(path, &rps, &nrp) != 0) {
        /* A corrupt checkpoint means recover everything (Kafka does too). */
        rps = NULL;
        nrp = 0;
        clean = false;
    }
    snprintf(path, sizeof path, "%s/%s", dir, LOG_START_FILE);
    if (lode_checkpoint_read_offsets(path, &lsos, &nlso) != 0) {
        lsos = NULL;
        nlso = 0;
    }
    snprintf(path, sizeof path, "%s/%s", dir, HW_FILE);
    if (lode_checkpoint_read_offsets(path, &hws, &nhw) != 0) {
        hws = NULL; /* high watermarks restart at the log start */
        nhw = 0;
    }
    snprintf(path, sizeof path, "%s/%s", dir, CLEANER_FILE);
    if (lode_checkpoint_read_offsets(path, &dirt, &ndirt) != 0) {
        dirt = NULL; /* restart compaction from the log start */
        ndirt = 0;
    }
    DIR *dh = opendir(dir);
    if (!dh) {
        lode_tp_offsets_free(rps, nrp);
        lode_tp_offsets_free(lsos, nlso);
        lode_tp_offsets_free(dirt, ndirt);
        lode_tp_offsets_free(hws, nhw);
        return LODE_EIO;
    }
    load_pool_t pool = {m, NULL, 0, clean};
    int cap = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (has_suffix(e->d_name, "-delete")) {
            rm_rf(path);
            continue;
        }
        if (!strcmp(e->d_name, METADATA_LOG_DIR))
            continue;
        char topic[256];
        int32_t part;
        struct stat st;
        if (!parse_log_dir_name(e->d_name, topic, sizeof topic, &part) || stat(path, &st) != 0 ||
            !S_ISDIR(st.st_mode))
            continue;
        if (pool.njobs == cap) {
            cap = cap ? cap * 2 : 64;
            pool.jobs = lode_xrealloc(pool.jobs, (size_t)cap * sizeof *pool.jobs);
        }
        load_job_t *j = &pool.jobs[pool.njobs++];
        memset(j, 0, sizeof *j);
        snprintf(j->topic, sizeof j->topic, "%s", topic);
        j->partition = part;
        snprintf(j->path, sizeof j->path, "%s", path);
        j->recovery_point = find_offset(rps, nrp, topic, part, 0);
        j->log_start = find_offset(lsos, nlso, topic, part, -1);
        j->first_dirty = find_offset(dirt, ndirt, topic, part, 0);
        j->hw = find_offset(hws, nhw, topic, part, 0);
    }
    closedir(dh);
    lode_tp_offsets_free(hws, nhw);
    lode_tp_offsets_free(rps, nrp);
    lode_tp_offsets_free(lsos, nlso);
    lode_tp_offsets_free(dirt, ndirt);
    parallel_for(pool_threads(m), pool.njobs, load_one, &pool);
    int rc = 0;
    for (int i = 0; i < pool.njobs; i++) {
        load_job_t *j = &pool.jobs[i];
        if (j->rc) {
            /* "I/O error" alone hides e.g. EMFILE (too many open files): name the cause */
            if (j->os_errno)
                fprintf(stderr, "lode: failed to load log %s: %s (%s)\n", j->path,
                        lode_strerror(j->rc), strerror(j->os_errno));
            else
                fprintf(stderr, "lode: failed to load log %s: %s\n", j->path,
                        lode_strerror(j->rc));
            if (!rc)
                rc = j->rc;
            continue;
        }
        entry_t *en = lode_xcalloc(1, sizeof *en);
        en->topic = lode_xstrdup(j->topic);
        en->partition = j->partition;
        en->dir = d;
        en->log = j->log;
        en->first_dirty = j->first_dirty;
        lode_log_set_high_watermark(j->log, j->hw); /* clamped to the log */
        char key[300];
        int kl = key_of(key, sizeof key, j->topic, j->partition);
        if (lode_hmap_insert(&m->logs, key, (size_t)kl, en) != 0) {
            /* The same partition in two log dirs: keep the first, as the
             * second is a configuration error Kafka also refuses. */
            fprintf(stderr, "lode: duplicate log for %s in %s ignored\n", key, dir);
            lode_log_release(j->log);
            free(en->topic);
            free(en);
            continue;
        }
        m->dir_counts[d]++;
    }
    free(pool.jobs);
    /* Loading is done: from now on a crash is unclean. */
    snprintf(path, sizeof path, "%s/%s", dir, CLEAN_SHUTDOWN_FILE);
    unlink(path);
    return rc;
}

static void *bg_main(void *arg);
static void *cleaner_main(void *arg);

static int mkdir_one(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        mkdir(tmp, 0755);
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return LODE_EIO;
    return 0;
}

int lode_logmgr_open(const lode_logmgr_config_t *cfg, lode_logmgr_t **out)
{
    if (cfg->n_log_dirs < 1)
        return LODE_EINVAL;
    lode_logmgr_t *m = lode_xcalloc(1, sizeof *m);
    m->cfg = *cfg;
    if (!m->cfg.now_ms) {
        m->cfg.now_ms = lode_clock_now_ms_cb;
        m->cfg.clock_arg = lode_clock_real();
    }
    m->ndirs = cfg->n_log_dirs;
    m->dirs = lode_xcalloc((size_t)m->ndirs, sizeof *m->dirs);
    m->dir_counts = lode_xcalloc((size_t)m->ndirs, sizeof *m->dir_counts);
    m->dir_fds = lode_xcalloc((size_t)m->ndirs, sizeof *m->dir_fds);
    for (int i = 0; i < m->ndirs; i++) {
        m->dirs[i] = lode_xstrdup(cfg->log_dirs[i]);
        m->dir_fds[i] = -1;
    }
    m->cfg.log_dirs = NULL;
    pthread_mutex_init(&m->lock, NULL);
    pthread_mutex_init(&m->clean_lock, NULL);
    pthread_mutex_init(&m->dirs_lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    lode_hmap_init(&m->logs);
    int rc = 0;
    for (int i = 0; i < m->ndirs && !rc; i++) {
        rc = mkdir_one(m->dirs[i]);
        if (!rc)
            m->dir_fds[i] = open(m->dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (!rc)
            rc = load_dir(m, i);
    }
    if (rc) {
        m->load_failed = true;
        lode_logmgr_close(m);
        return rc;
    }
    int64_t t = now(m);
    m->next_retention_ms = t + m->cfg.retention_check_interval_ms;
    m->next_flush_ms = t;
    m->next_rp_checkpoint_ms = t + m->cfg.flush_offset_checkpoint_interval_ms;
    m->next_lso_checkpoint_ms = t + m->cfg.flush_start_offset_checkpoint_interval_ms;
    if (cfg->background && pthread_create(&m->thread, NULL, bg_main, m) == 0)
        m->thread_running = true;
    if (cfg->background && cfg->cleaner_enable &&
        pthread_create(&m->cleaner, NULL, cleaner_main, m) == 0)
        m->cleaner_running = true;
    *out = m;
    return 0;
}

/* ---- lookups, creation, deletion --------------------------------------- */

lode_log_t *lode_logmgr_get(lode_logmgr_t *m, const char *topic, int32_t partition)
{
    char key[300];
    int kl = key_of(key, sizeof key, topic, partition);
    pthread_mutex_lock(&m->lock);
    entry_t *e = lode_hmap_get(&m->logs, key, (size_t)kl);
    lode_log_t *log = e ? lode_log_keep(e->log) : NULL;
    pthread_mutex_unlock(&m->lock);
    return log;
}

int lode_logmgr_get_or_create(lode_logmgr_t *m, const char *topic, int32_t partition,
                              const uint8_t *topic_id, lode_log_t **out)
{
    char key[300];
    int kl = key_of(key, sizeof key, topic, partition);
    if (kl <= 0 || (size_t)kl >= sizeof key)
        return LODE_EINVAL;
    pthread_mutex_lock(&m->dirs_lock);
    pthread_mutex_lock(&m->lock);
    entry_t *e = lode_hmap_get(&m->logs, key, (size_t)kl);
    if (e) {
        *out = lode_log_keep(e->log);
        pthread_mutex_unlock(&m->lock);
        pthread_mutex_unlock(&m->dirs_lock);
        return 0;
    }
    /* The dir with the fewest logs (Kafka's choice for new partitions). */
    int d = 0;
    for (int i = 1; i < m->ndirs; i++)
        if (m->dir_counts[i] < m->dir_counts[d])
            d = i;
    pthread_mutex_unlock(&m->lock);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", m->dirs[d], key);
    lode_log_config_t c;
    topic_cfg(m, topic, &c);
    lode_log_t *log;
    int rc = lode_log_open(path, &c, 0, -1, false, &m->cfg.hooks, now(m), &log);
    if (rc) {
        pthread_mutex_unlock(&m->dirs_lock);
        return rc;
    }
    if (topic_id) {
        char b64[LODE_UUID_STR_LEN + 1], text[64], mpath[4200];
        lode_uuid_to_string(topic_id, b64);
        int n = snprintf(text, sizeof text, "version: 0\ntopic_id: %s\n", b64);
        snprintf(mpath, sizeof mpath, "%s/partition.metadata", path);
        lode_write_file_atomic(mpath, text, (size_t)n); /* fsyncs the log's directory */
    } else {
        lode_fsync_dir(path); /* its segments' entries (lode_log_open made the dir's own) */
    }
    e = lode_xcalloc(1, sizeof *e);
    e->topic = lode_xstrdup(topic);
    e->partition = partition;
    e->dir = d;
    e->log = log;
    pthread_mutex_lock(&m->lock);
    lode_hmap_insert(&m->logs, key, (size_t)kl, e);
    m->dir_counts[d]++;
    *out = lode_log_keep(log);
    pthread_mutex_unlock(&m->lock);
    pthread_mutex_unlock(&m->dirs_lock);
    return 0;
}

int lode_logmgr_delete(lode_logmgr_t *m, const char *topic, int32_t partition)
{
    char key[300];
    int kl = key_of(key, sizeof key, topic, partition);
    pthread_mutex_lock(&m->dirs_lock);
    pthread_mutex_lock(&m->lock);
    void *v;
    if (!lode_hmap_remove(&m->logs, key, (size_t)kl, &v)) {
        pthread_mutex_unlock(&m->lock);
        pthread_mutex_unlock(&m->dirs_lock);
        return LODE_ENOTFOUND;
    }
    entry_t *e = v;
    m->dir_counts[e->dir]--;
    pthread_mutex_unlock(&m->lock);
    char from[4096], to[4200];
    snprintf(from, sizeof from, "%s/%s", m->dirs[e->dir], key);
    uint64_t id = (uint64_t)now(m) * 6364136223846793005ull ^ (uint64_t)(uintptr_t)e;
    snprintf(to, sizeof to, "%s.%016" PRIx64 "%016" PRIx64 "-delete", from, id,
             (uint64_t)(id * 0x9e3779b97f4a7c15ull));
    int rc = rename(from, to) == 0 ? 0 : LODE_EIO;
    if (!rc) {
        lode_fsync_parent_dir(to);
        lode_log_config_t c;
        lode_log_get_config(e->log, &c);
        pthread_mutex_lock(&m->lock);
        m->pending = lode_xrealloc(m->pending, (size_t)(m->npending + 1) * sizeof *m->pending);
        m->pending[m->npending].path = lode_xstrdup(to);
        m->pending[m->npending].deadline_ms = now(m) + c.file_delete_delay_ms;
        m->npending++;
        pthread_mutex_unlock(&m->lock);
    }
    pthread_mutex_unlock(&m->dirs_lock);
    lode_log_release(e->log);
    free(e->topic);
    free(e);
    return rc;
}

void lode_logmgr_topic_config_changed(lode_logmgr_t *m, const char *topic)
{
    lode_log_config_t c;
    topic_cfg(m, topic, &c);
    pthread_mutex_lock(&m->lock);
    size_t it = 0;
    lode_hmap_entry_t *he;
    while ((he = lode_hmap_next(&m->logs, &it))) {
        entry_t *e = he->value;
        if (!strcmp(e->topic, topic))
            lode_log_set_config(e->log, &c);
    }
    pthread_mutex_unlock(&m->lock);
}

void lode_logmgr_foreach(lode_logmgr_t *m,
                         void (*fn)(void *arg, const char *topic, int32_t partition,
                                    lode_log_t *log),
                         void *arg)
{
    pthread_mutex_lock(&m->lock);
    size_t it = 0;
    lode_hmap_entry_t *he;
    while ((he = lode_hmap_next(&m->logs, &it))) {
        entry_t *e = he->value;
        fn(arg, e->topic, e->partition, e->log);
    }
    pthread_mutex_unlock(&m->lock);
}

int lode_logmgr_count(lode_logmgr_t *m)
{
    pthread_mutex_lock(&m->lock);
    int n = (int)lode_hmap_count(&m->logs);
    pthread_mutex_unlock(&m->lock);
    return n;
}

/* ---- periodic work ----------------------------------------------------- */

/* A snapshot of the logs (references held) so periodic work runs without the
 * manager's lock. */
static entry_t *snapshot(lode_logmgr_t *m, int *n)
{
    pthread_mutex_lock(&m->lock);
    *n = (int)lode_hmap_count(&m->logs);
    entry_t *s = lode_xcalloc((size_t)(*n ? *n : 1), sizeof *s);
    size_t it = 0;
    int i = 0;
    lode_hmap_entry_t *he;
    while ((he = lode_hmap_next(&m->logs, &it))) {
        entry_t *e = he->value;
        s[i] = *e;
        s[i].topic = lode_xstrdup(e->topic);
        s[i].log = lode_log_keep(e->log);
        i++;
    }
    pthread_mutex_unlock(&m->lock);
    return s;
}

static void snapshot_free(entry_t *s, int n)
{
    for (int i = 0; i < n; i++) {
        lode_log_release(s[i].log);
        free(s[i].topic);
    }
    free(s);
}

static int write_checkpoints(lode_logmgr_t *m, bool recovery, bool start, bool cleaner)
{
    int n;
    entry_t *s = snapshot(m, &n);
    int rc = 0;
    lode_tp_offset_t *e = lode_xcalloc((size_t)(n ? n : 1), sizeof *e);
    static const char *const files[4] = {RECOVERY_POINT_FILE, LOG_START_FILE, CLEANER_FILE,
                                         HW_FILE};
    /* The high watermark travels with the recovery point (Kafka writes the
     * replication-offset-checkpoint on its own, similar schedule). */
    bool which[4] = {recovery, start, cleaner, recovery};
    for (int d = 0; d < m->ndirs; d++) {
        for (int pass = 0; pass < 4; pass++) {
            if (!which[pass])
                continue;
            size_t k = 0;
            for (int i = 0; i < n; i++) {
                if (s[i].dir != d)
                    continue;
                if (pass == 2) {
                    lode_log_config_t c;
                    lode_log_get_config(s[i].log, &c);
                    if (!c.cleanup_compact)
                        continue;
                }
                e[k].topic = s[i].topic;
                e[k].partition = s[i].partition;
                e[k].offset = pass == 0   ? lode_log_recovery_point(s[i].log)
                              : pass == 1 ? lode_log_start_offset(s[i].log)
                              : pass == 2 ? s[i].first_dirty
                                          : lode_log_high_watermark(s[i].log);
                k++;
            }
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", m->dirs[d], files[pass]);
            if (lode_checkpoint_write_offsets(path, e, k))
                rc = LODE_EIO;
        }
    }
    free(e);
    snapshot_free(s, n);
    return rc;
}

int lode_logmgr_checkpoint(lode_logmgr_t *m)
{
    return write_checkpoints(m, true, true, true);
}

int lode_logmgr_clean_once(lode_logmgr_t *m, int64_t now_ms)
{
    pthread_mutex_lock(&m->clean_lock);
    int n;
    entry_t *s = snapshot(m, &n);
    /* The filthiest log first (Kafka's grabFilthiestCompactedLog). */
    int best = -1;
    double best_ratio = -1;
    for (int i = 0; i < n; i++) {
        if (!lode_log_needs_cleaning(s[i].log, s[i].first_dirty, now_ms))
            continue;
        lode_cleanable_t c;
        lode_log_cleanable(s[i].log, s[i].first_dirty, now_ms, &c);
        double ratio = c.max_lag_exceeded
                           ? 2.0
                           : (double)c.dirty_bytes / (double)(c.dirty_bytes + c.clean_bytes);
        if (ratio > best_ratio) {
            best_ratio = ratio;
            best = i;
        }
    }
    int rc = 0;
    if (best >= 0) {
        lode_clean_stats_t st;
        rc = lode_log_clean(s[best].log, s[best].first_dirty, now_ms,
                            (size_t)m->cfg.cleaner_dedupe_buffer_bytes, &st);
        if (rc == 0) {
            char key[300];
            int kl = key_of(key, sizeof key, s[best].topic, s[best].partition);
            pthread_mutex_lock(&m->lock);
            entry_t *e = lode_hmap_get(&m->logs, key, (size_t)kl);
            if (e && e->log == s[best].log)
                e->first_dirty = st.next_dirty;
            pthread_mutex_unlock(&m->lock);
            write_checkpoints(m, false, false, true);
            rc = 1;
        }
    }
    snapshot_free(s, n);
    pthread_mutex_unlock(&m->clean_lock);
    return rc;
}

void lode_logmgr_tick(lode_logmgr_t *m, int64_t t)
{
    int n;
    entry_t *s = snapshot(m, &n);
    bool retention = t >= m->next_retention_ms;
    if (retention)
        m->next_retention_ms = t + m->cfg.retention_check_interval_ms;
    for (int i = 0; i < n; i++) {
        lode_log_t *log = s[i].log;
        lode_log_maybe_roll(log, t);
        lode_log_maybe_flush(log, t);
        if (retention) {
            lode_log_apply_retention(log, t);
            lode_log_expire_producers(log, t);
        }
        lode_log_delete_expired_files(log, t, false);
    }
    snapshot_free(s, n);
    bool rp = t >= m->next_rp_checkpoint_ms, lso = t >= m->next_lso_checkpoint_ms;
    if (rp)
        m->next_rp_checkpoint_ms = t + m->cfg.flush_offset_checkpoint_interval_ms;
    if (lso)
        m->next_lso_checkpoint_ms = t + m->cfg.flush_start_offset_checkpoint_interval_ms;
    if (rp || lso)
        write_checkpoints(m, rp, lso, false);
    /* Due directories leave the list under the lock and the disk outside it
     * (removing a large topic takes long; lookups must not wait). */
    pthread_mutex_lock(&m->lock);
    int keep = 0, ndue = 0;
    char **due = lode_xmalloc((size_t)(m->npending + 1) * sizeof *due);
    for (int i = 0; i < m->npending; i++) {
        if (m->pending[i].deadline_ms <= t)
            due[ndue++] = m->pending[i].path;
        else
            m->pending[keep++] = m->pending[i];
    }
    m->npending = keep;
    pthread_mutex_unlock(&m->lock);
    for (int i = 0; i < ndue; i++) {
        rm_rf(due[i]);
        free(due[i]);
    }
    free(due);
}

static void *bg_main(void *arg)
{
    lode_logmgr_t *m = arg;
    pthread_mutex_lock(&m->lock);
    while (!m->stopping) {
        pthread_mutex_unlock(&m->lock);
        lode_logmgr_tick(m, now(m));
        pthread_mutex_lock(&m->lock);
        if (m->stopping)
            break;
        /* A second's granularity is enough for every interval here (Kafka's
         * scheduler checks segment.ms and flush.ms at similar rates). */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&m->cond, &m->lock, &ts);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

static void *cleaner_main(void *arg)
{
    lode_logmgr_t *m = arg;
    pthread_mutex_lock(&m->lock);
    while (!m->stopping) {
        pthread_mutex_unlock(&m->lock);
        int rc;
        /* Clean while something needs it; then back off. */
        do
            rc = lode_logmgr_clean_once(m, now(m));
        while (rc == 1 && !__atomic_load_n(&m->stopping, __ATOMIC_ACQUIRE));
        pthread_mutex_lock(&m->lock);
        if (m->stopping)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (m->cfg.cleaner_backoff_ms % 1000) * 1000000;
        ts.tv_sec += (time_t)(m->cfg.cleaner_backoff_ms / 1000 + ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        pthread_cond_timedwait(&m->cond, &m->lock, &ts);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

/* syncfs on every directory (a directory that could not be opened at startup
 * makes it false: the caller then fsyncs file by file). */
static bool sync_dirs(lode_logmgr_t *m)
{
    for (int d = 0; d < m->ndirs; d++)
        if (m->dir_fds[d] < 0 || syncfs(m->dir_fds[d]) != 0)
            return false;
    return true;
}

typedef struct close_job {
    entry_t *logs;
    int rc; /* atomic: LODE_EIO once any failed */
} close_job_t;

static void flush_one(void *ctx, int i)
{
    close_job_t *j = ctx;
    if (lode_log_flush(j->logs[i].log))
        __atomic_store_n(&j->rc, LODE_EIO, __ATOMIC_RELAXED);
}

static void release_one(void *ctx, int i)
{
    close_job_t *j = ctx;
    lode_log_release(j->logs[i].log);
}

int lode_logmgr_close(lode_logmgr_t *m)
{
    if (m->thread_running || m->cleaner_running) {
        pthread_mutex_lock(&m->lock);
        __atomic_store_n(&m->stopping, true, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&m->cond);
        pthread_mutex_unlock(&m->lock);
        if (m->thread_running)
            pthread_join(m->thread, NULL);
        if (m->cleaner_running)
            pthread_join(m->cleaner, NULL);
    }
    /* As Kafka's shutdown: every log made durable, the checkpoints written,
     * every log closed (producer snapshots, trimmed indexes), then each
     * directory marked clean. lode makes the files durable with one syncfs
     * per directory instead of fsyncs per file (10,000 partitions: ~20,000
     * fsyncs, seconds); where that is not possible, by flushing each log. */
    close_job_t job = {.rc = 0};
    int n;
    job.logs = snapshot(m, &n);
    int64_t *leo = lode_xcalloc((size_t)(n ? n : 1), sizeof *leo);
    for (int i = 0; i < n; i++)
        leo[i] = lode_log_end_offset(job.logs[i].log);
    bool synced = sync_dirs(m);
    if (synced)
        for (int i = 0; i < n; i++)
            lode_log_synced_by_owner(job.logs[i].log, leo[i]);
    else
        parallel_for(pool_threads(m) * m->ndirs, n, flush_one, &job);
    free(leo);
    snapshot_free(job.logs, n);
    if (write_checkpoints(m, true, true, true))
        job.rc = LODE_EIO;
    job.logs = lode_xcalloc((size_t)(lode_hmap_count(&m->logs) + 1), sizeof *job.logs);
    n = 0;
    size_t it = 0;
    lode_hmap_entry_t *he;
    while ((he = lode_hmap_next(&m->logs, &it))) {
        entry_t *e = he->value;
        job.logs[n++].log = e->log;
        if (synced)
            lode_log_close_unsynced(e->log);
        free(e->topic);
        free(e);
    }
    lode_hmap_free(&m->logs);
    parallel_for(pool_threads(m) * m->ndirs, n, release_one, &job);
    free(job.logs);
    if (synced && !sync_dirs(m))
        job.rc = LODE_EIO;
    int rc = job.rc;
    for (int i = 0; i < m->npending; i++) {
        rm_rf(m->pending[i].path);
        free(m->pending[i].path);
    }
    free(m->pending);
    for (int d = 0; d < m->ndirs; d++) {
        if (rc == 0 && !m->load_failed) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", m->dirs[d], CLEAN_SHUTDOWN_FILE);
            lode_write_file_atomic(path, "", 0);
        }
        free(m->dirs[d]);
        if (m->dir_fds[d] >= 0)
            close(m->dir_fds[d]);
    }
    free(m->dirs);
    free(m->dir_fds);
    free(m->dir_counts);
    pthread_mutex_destroy(&m->lock);
    pthread_mutex_destroy(&m->clean_lock);
    pthread_mutex_destroy(&m->dirs_lock);
    pthread_cond_destroy(&m->cond);
    free(m);
    return rc;
}
