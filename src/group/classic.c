/*
 * classic.c — the classic group protocol's state machine: JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, member liveness and rebalances, with
 * the semantics of Kafka's GroupCoordinator (see coordinator.h). Names of
 * the steps follow Kafka's (prepareRebalance, onCompleteJoin, ...) so the
 * two can be read side by side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/uuid.h"
#include "group/group_int.h"
#include "group/records.h"
#include "proto/gen/ConsumerProtocolSubscription.h"

/* ---- members -------------------------------------------------------------------- */

static void gprotocols_free(gprotocol_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].meta);
    }
    free(p);
}

static void protocols_free(gmember_t *m)
{
    gprotocols_free(m->protocols, m->nprotocols);
    m->protocols = NULL;
    m->nprotocols = 0;
}

void gc_member_free(gmember_t *m)
{
    if (!m)
        return;
    protocols_free(m);
    free(m->id);
    free(m->instance_id);
    free(m->client_id);
    free(m->client_host);
    free(m->protocol_type);
    free(m->assignment);
    free(m);
}

static void set_protocols(gmember_t *m, const lode_gc_protocol_t *p, size_t n)
{
    protocols_free(m);
    m->protocols = lode_xcalloc(n ? n : 1, sizeof *m->protocols);
    m->nprotocols = n;
    for (size_t i = 0; i < n; i++) {
        m->protocols[i].name = lode_xstrdup(p[i].name ? p[i].name : "");
        int32_t len = p[i].metadata_len > 0 ? p[i].metadata_len : 0;
        m->protocols[i].meta = lode_xmalloc((size_t)len + 1);
        if (len)
            memcpy(m->protocols[i].meta, p[i].metadata, (size_t)len);
        m->protocols[i].meta_len = len;
    }
}

static void set_assignment(gmember_t *m, const uint8_t *data, int32_t len)
{
    free(m->assignment);
    len = len > 0 ? len : 0;
    m->assignment = lode_xmalloc((size_t)len + 1);
    if (len)
        memcpy(m->assignment, data, (size_t)len);
    m->assignment_len = len;
}

static gmember_t *find_member(const group_t *g, const char *id)
{
    for (size_t i = 0; i < g->nmembers; i++)
        if (strcmp(g->members[i]->id, id) == 0)
            return g->members[i];
    return NULL;
}

static gmember_t *find_static(const group_t *g, const char *instance_id)
{
    if (!instance_id)
        return NULL;
    for (size_t i = 0; i < g->nmembers; i++)
        if (g->members[i]->instance_id && strcmp(g->members[i]->instance_id, instance_id) == 0)
            return g->members[i];
    return NULL;
}

/* Kafka's isStaticMemberFenced: the instance id belongs to another member. */
static bool static_fenced(const group_t *g, const char *instance_id, const char *member_id)
{
    gmember_t *m = find_static(g, instance_id);
    return m && strcmp(m->id, member_id) != 0;
}

int16_t gc_validate_member(const group_t *g, const char *member_id, const char *instance_id,
                           gmember_t **out)
{
    const char *mid = member_id ? member_id : "";
    gmember_t *m;
    if (instance_id) {
        m = find_static(g, instance_id);
        if (!m)
            return LODE_KERR_UNKNOWN_MEMBER_ID;
        if (strcmp(m->id, mid) != 0)
            return LODE_KERR_FENCED_INSTANCE_ID;
    } else if (!(m = find_member(g, mid))) {
        return LODE_KERR_UNKNOWN_MEMBER_ID;
    }
    if (out)
        *out = m;
    return 0;
}

static ssize_t find_pending(const group_t *g, const char *id)
{
    for (size_t i = 0; i < g->npending; i++)
        if (strcmp(g->pending[i].id, id) == 0)
            return (ssize_t)i;
    return -1;
}

static void remove_pending(group_t *g, size_t i)
{
    free(g->pending[i].id);
    g->pending[i] = g->pending[--g->npending];
}

static const gprotocol_t *member_protocol(const gmember_t *m, const char *name)
{
    for (size_t i = 0; i < m->nprotocols; i++)
        if (name && strcmp(m->protocols[i].name, name) == 0)
            return &m->protocols[i];
    return NULL;
}

/* Kafka's MemberMetadata.matches: the same protocols, in the same order,
 * with the same metadata. */
static bool member_matches(const gmember_t *m, const lode_gc_protocol_t *p, size_t n)
{
    if (m->nprotocols != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int32_t len = p[i].metadata_len > 0 ? p[i].metadata_len : 0;
        if (strcmp(m->protocols[i].name, p[i].name ? p[i].name : "") != 0 ||
            m->protocols[i].meta_len != len ||
            (len && memcmp(m->protocols[i].meta, p[i].metadata, (size_t)len) != 0))
            return false;
    }
    return true;
}

static bool awaiting_join(const gmember_t *m)
{
    return m->join_fn != NULL;
}

static void schedule_heartbeat(lode_gc_t *gc, gmember_t *m)
{
    m->hb_deadline = gc_mono(gc) + m->session_timeout_ms;
}

/* ---- answers ------------------------------------------------------------------------ */

static void join_error(lode_gc_join_fn fn, void *arg, const char *member_id, int16_t err)
{
    lode_gc_join_result_t r = {.error = err,
                               .member_id = member_id ? member_id : "",
                               .generation = -1,
                               .leader = ""};
    fn(arg, &r);
}

static void sync_error(lode_gc_sync_fn fn, void *arg, int16_t err)
{
    lode_gc_sync_result_t r = {.error = err, .assignment = (const uint8_t *)""};
    fn(arg, &r);
}

/* Kafka's maybeInvokeJoinCallback. */
static void invoke_join(group_t *g, gmember_t *m, const lode_gc_join_result_t *r)
{
    if (!m->join_fn)
        return;
    lode_gc_join_fn fn = m->join_fn;
    void *arg = m->join_arg;
    m->join_fn = NULL;
    m->join_arg = NULL;
    g->num_awaiting_join--;
    fn(arg, r);
}

static void invoke_sync(gmember_t *m, const lode_gc_sync_result_t *r)
{
    if (!m->sync_fn)
        return;
    lode_gc_sync_fn fn = m->sync_fn;
    void *arg = m->sync_arg;
    m->sync_fn = NULL;
    m->sync_arg = NULL;
    fn(arg, r);
}

/* Answers a JoinGroup / SyncGroup the member waits in with an error. */
static void abort_join(group_t *g, gmember_t *m, const char *member_id, int16_t err)
{
    if (!m->join_fn)
        return;
    lode_gc_join_fn fn = m->join_fn;
    void *arg = m->join_arg;
    m->join_fn = NULL;
    m->join_arg = NULL;
    g->num_awaiting_join--;
    join_error(fn, arg, member_id, err);
}

static void abort_sync(gmember_t *m, int16_t err)
{
    if (!m->sync_fn)
        return;
    lode_gc_sync_fn fn = m->sync_fn;
    m->sync_fn = NULL;
    sync_error(fn, m->sync_arg, err);
}

void gc_member_abort(group_t *g, gmember_t *m, int16_t err)
{
    abort_join(g, m, "", err);
    abort_sync(m, err);
}

/* The current generation as a JoinGroup answer (the member list for the
 * leader only). */
static void answer_join(group_t *g, gmember_t *m, lode_gc_join_fn fn, void *arg,
                        const char *leader)
{
    lode_gc_member_meta_t *mm = NULL;
    size_t n = 0;
    bool is_leader = g->leader && strcmp(g->leader, m->id) == 0 && (!leader || leader == g->leader);
    if (is_leader) {
        mm = lode_xcalloc(g->nmembers + 1, sizeof *mm);
        for (size_t i = 0; i < g->nmembers; i++) {
            const gmember_t *x = g->members[i];
            const gprotocol_t *p = member_protocol(x, g->protocol_name);
            mm[n++] = (lode_gc_member_meta_t){x->id, x->instance_id,
                                              p ? p->meta : (const uint8_t *)"",
                                              p ? p->meta_len : 0};
        }
    }
    lode_gc_join_result_t r = {.error = 0,
                               .member_id = m->id,
                               .generation = g->generation,
                               .protocol_type = g->protocol_type,
                               .protocol_name = g->protocol_name,
                               .leader = leader ? leader : (g->leader ? g->leader : ""),
                               .members = mm,
                               .nmembers = n};
    if (fn) {
        fn(arg, &r);
    } else {
        invoke_join(g, m, &r);
    }
    free(mm);
}

/* ---- group bookkeeping ----------------------------------------------------------------- */

static int32_t rebalance_timeout(const group_t *g)
{
    int32_t t = 0;
    for (size_t i = 0; i < g->nmembers; i++)
        if (g->members[i]->rebalance_timeout_ms > t)
            t = g->members[i]->rebalance_timeout_ms;
    return t;
}

/* Kafka's supportsProtocols: an Empty group takes any non-empty protocol
 * type and list; otherwise the type must match and one protocol must be
 * supported by every member. */
static bool supports_protocols(const group_t *g, const char *type, const lode_gc_protocol_t *p,
                               size_t n)
{
    if (g->state == GS_EMPTY)
        return type && type[0] && n > 0;
    if (!type || !g->protocol_type || strcmp(type, g->protocol_type) != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t count = 0;
        for (size_t j = 0; j < g->nmembers; j++)
            if (member_protocol(g->members[j], p[i].name))
                count++;
        if (count == g->nmembers)
            return true;
    }
    return false;
}

/* Kafka's selectProtocol: among the protocols every member supports, the
 * one most members list first (ties: the earliest in the first member's
 * preference order). */
static const char *select_protocol(const group_t *g)
{
    const gmember_t *first = g->members[0];
    const char *best = NULL;
    size_t best_votes = 0;
    for (size_t i = 0; i < first->nprotocols; i++) {
        const char *cand = first->protocols[i].name;
        bool everyone = true;
        for (size_t j = 1; j < g->nmembers && everyone; j++)
            everyone = member_protocol(g->members[j], cand) != NULL;
        if (!everyone)
            continue;
        size_t votes = 0;
        for (size_t j = 0; j < g->nmembers; j++) {
            const gmember_t *m = g->members[j];
            /* m's vote: its first protocol that every member supports */
            for (size_t k = 0; k < m->nprotocols; k++) {
                bool all = true;
                for (size_t x = 0; x < g->nmembers && all; x++)
                    all = member_protocol(g->members[x], m->protocols[k].name) != NULL;
                if (all) {
                    if (strcmp(m->protocols[k].name, cand) == 0)
                        votes++;
                    break;
                }
            }
        }
        if (!best || votes > best_votes) {
            best = cand;
            best_votes = votes;
        }
    }
    return best;
}

static void group_add(group_t *g, gmember_t *m, lode_gc_join_fn fn, void *arg)
{
    if (g->nmembers == 0) {
        free(g->protocol_type);
        g->protocol_type = lode_xstrdup(m->protocol_type);
    }
    if (!g->leader)
        g->leader = lode_xstrdup(m->id);
    if (g->nmembers == g->members_cap)
        g->members =
            lode_xrealloc(g->members, (g->members_cap = g->members_cap * 2 + 4) * sizeof *g->members);
    g->members[g->nmembers++] = m;
    if (fn) {
        m->join_fn = fn;
        m->join_arg = arg;
        g->num_awaiting_join++;
    }
    ssize_t p = find_pending(g, m->id);
    if (p >= 0)
        remove_pending(g, (size_t)p);
}

/* Kafka's GroupMetadata.remove: the member is gone (callbacks answered by
 * the caller); a new leader is any remaining member. */
static void group_remove(group_t *g, gmember_t *m)
{
    size_t i = 0;
    while (i < g->nmembers && g->members[i] != m)
        i++;
    if (i == g->nmembers)
        return;
    memmove(&g->members[i], &g->members[i + 1], (g->nmembers - i - 1) * sizeof *g->members);
    g->nmembers--;
    if (m->join_fn)
        g->num_awaiting_join--;
    if (g->leader && strcmp(g->leader, m->id) == 0) {
        free(g->leader);
        g->leader = g->nmembers ? lode_xstrdup(g->members[0]->id) : NULL;
    }
    gc_member_free(m);
}

/* Sets every member's assignment and answers the SyncGroups waiting. */
static void propagate_assignment(lode_gc_t *gc, group_t *g, int16_t err)
{
    for (size_t i = 0; i < g->nmembers; i++) {
        gmember_t *m = g->members[i];
        if (!m->sync_fn)
            continue;
        lode_gc_sync_result_t r = {.error = err,
                                   .protocol_type = g->protocol_type,
                                   .protocol_name = g->protocol_name,
                                   .assignment = err ? (const uint8_t *)"" : m->assignment,
                                   .assignment_len = err ? 0 : m->assignment_len};
        invoke_sync(m, &r);
        /* The member's next heartbeat is due a session from now. */
        schedule_heartbeat(gc, m);
    }
}

static void reset_and_propagate_error(lode_gc_t *gc, group_t *g, int16_t err)
{
    for (size_t i = 0; i < g->nmembers; i++)
        set_assignment(g->members[i], NULL, 0);
    propagate_assignment(gc, g, err);
}

static void try_complete_join(lode_gc_t *gc, group_t *g);

/* Kafka's prepareRebalance. */
static void prepare_rebalance(lode_gc_t *gc, group_t *g, const char *why)
{
    if (g->state == GS_COMPLETING)
        reset_and_propagate_error(gc, g, LODE_KERR_REBALANCE_IN_PROGRESS);
    g->sync_deadline = LODE_GC_NEVER;
    int64_t now = gc_mono(gc);
    if (g->state == GS_EMPTY) {
        int64_t delay = gc->cfg.initial_rebalance_delay_ms;
        int64_t rest = rebalance_timeout(g) - delay;
        g->join_initial = true;
        g->join_remaining_ms = rest > 0 ? rest : 0;
        g->join_deadline = now + delay;
    } else {
        g->join_initial = false;
        g->join_deadline = now + rebalance_timeout(g);
    }
    LODE_LOG_INFO("group", "preparing to rebalance group %s in state %s with old generation %d: %s",
                  g->id, gc_state_name(g->state), g->generation, why);
    gc_set_state(gc, g, GS_PREPARING);
    try_complete_join(gc, g);
}

static void maybe_prepare_rebalance(lode_gc_t *gc, group_t *g, const char *why)
{
    if (g->state == GS_STABLE || g->state == GS_COMPLETING || g->state == GS_EMPTY)
        prepare_rebalance(gc, g, why);
}

static void store_group_done(lode_gc_t *gc, void *arg, int status)
{
    (void)gc;
    char *id = arg;
    if (status)
        LODE_LOG_WARN("group", "writing the metadata of group %s failed (status %d)", id, status);
    free(id);
}

/* Kafka's initNextGeneration. */
static void init_next_generation(lode_gc_t *gc, group_t *g)
{
    g->generation++;
    free(g->protocol_name);
    g->protocol_name = NULL;
    if (g->nmembers) {
        g->protocol_name = lode_xstrdup(select_protocol(g));
        gc_set_state(gc, g, GS_COMPLETING);
    } else {
        gc_set_state(gc, g, GS_EMPTY);
    }
    for (size_t i = 0; i < g->nmembers; i++)
        g->members[i]->pending_sync = false;
}

/* Kafka's maybeElectNewJoinedLeader. */
static bool elect_joined_leader(group_t *g)
{
    if (!g->leader)
        return false;
    gmember_t *l = find_member(g, g->leader);
    if (l && awaiting_join(l))
        return true;
    for (size_t i = 0; i < g->nmembers; i++) {
        if (awaiting_join(g->members[i])) {
            free(g->leader);
            g->leader = lode_xstrdup(g->members[i]->id);
            return true;
        }
    }
    return false;
}

/* Kafka's onCompleteJoin. */
static void complete_join(lode_gc_t *gc, group_t *g)
{
    g->join_deadline = LODE_GC_NEVER;
    g->join_initial = false;
    /* dynamic members that did not rejoin are gone */
    for (size_t i = g->nmembers; i-- > 0;) {
        gmember_t *m = g->members[i];
        if (!awaiting_join(m) && !m->instance_id) {
            LODE_LOG_INFO("group", "group %s removed member %s, which did not rejoin", g->id, m->id);
            gc_member_abort(g, m, LODE_KERR_UNKNOWN_MEMBER_ID);
            group_remove(g, m);
        }
    }
    if (g->state == GS_DEAD)
        return;
    if (!elect_joined_leader(g) && g->nmembers > 0) {
        /* nobody rejoined: wait another rebalance timeout for the session
         * timeouts to remove the silent members */
        LODE_LOG_WARN("group", "group %s could not complete rebalance because no members rejoined",
                      g->id);
        g->join_deadline = gc_mono(gc) + rebalance_timeout(g);
        return;
    }
    init_next_generation(gc, g);
    if (g->state == GS_EMPTY) {
        LODE_LOG_INFO("group", "group %s with generation %d is now empty (%s-%d)", g->id,
                      g->generation, LODE_OFFSETS_TOPIC, g->partition);
        gc_store_group(gc, g, NULL, NULL, store_group_done, lode_xstrdup(g->id));
        return;
    }
    LODE_LOG_INFO("group", "stabilized group %s generation %d (%s-%d) with %zu members", g->id,
                  g->generation, LODE_OFFSETS_TOPIC, g->partition, g->nmembers);
    for (size_t i = 0; i < g->nmembers; i++) {
        gmember_t *m = g->members[i];
        answer_join(g, m, NULL, NULL, NULL);
        schedule_heartbeat(gc, m);
        m->is_new = false;
        m->pending_sync = true;
    }
    g->sync_deadline = gc_mono(gc) + rebalance_timeout(g);
}

static void try_complete_join(lode_gc_t *gc, group_t *g)
{
    if (g->state == GS_PREPARING && !g->join_initial &&
        (size_t)g->num_awaiting_join == g->nmembers && g->npending == 0)
        complete_join(gc, g);
}

/* Kafka's removeMemberAndUpdateGroup. */
static void remove_member_and_update(lode_gc_t *gc, group_t *g, gmember_t *m, const char *why)
{
    gc_member_abort(g, m, LODE_KERR_UNKNOWN_MEMBER_ID);
    group_remove(g, m);
    switch (g->state) {
    case GS_STABLE:
    case GS_COMPLETING:
        maybe_prepare_rebalance(gc, g, why);
        break;
    case GS_PREPARING:
        try_complete_join(gc, g);
        break;
    default:
        break;
    }
}

/* ---- the timer's work ---------------------------------------------------------------- */

int64_t gc_group_deadline(const group_t *g)
{
    int64_t d = g->join_deadline < g->sync_deadline ? g->join_deadline : g->sync_deadline;
    for (size_t i = 0; i < g->nmembers; i++)
        if (g->members[i]->hb_deadline < d)
            d = g->members[i]->hb_deadline;
    for (size_t i = 0; i < g->npending; i++)
        if (g->pending[i].deadline < d)
            d = g->pending[i].deadline;
    return d;
}

/* Kafka's hasSatisfiedHeartbeat at the deadline: a member waiting in a join
 * or a sync is alive, unless it is new (not yet through a join). */
static bool heartbeat_satisfied(const gmember_t *m)
{
    return !m->is_new && (m->join_fn || m->sync_fn);
}

static void on_join_deadline(lode_gc_t *gc, group_t *g, int64_t now)
{
    if (g->join_initial && g->new_member_added && g->join_remaining_ms > 0) {
        /* more members arrived during the delay: wait for more (Kafka's
         * InitialDelayedJoin) */
        int64_t delay = gc->cfg.initial_rebalance_delay_ms;
        if (delay > g->join_remaining_ms)
            delay = g->join_remaining_ms;
        g->new_member_added = false;
        g->join_remaining_ms -= delay;
        g->join_deadline = now + delay;
        return;
    }
    complete_join(gc, g);
}

static void on_sync_deadline(lode_gc_t *gc, group_t *g)
{
    g->sync_deadline = LODE_GC_NEVER;
    if (g->state != GS_COMPLETING && g->state != GS_STABLE)
        return;
    bool removed = false;
    for (size_t i = g->nmembers; i-- > 0;) {
        gmember_t *m = g->members[i];
        if (m->pending_sync) {
            LODE_LOG_INFO("group", "group %s removed member %s, which did not sync in time", g->id,
                          m->id);
            gc_member_abort(g, m, LODE_KERR_UNKNOWN_MEMBER_ID);
            group_remove(g, m);
            removed = true;
        }
    }
    if (removed)
        prepare_rebalance(gc, g, "removing members on pending sync request expiration");
}

void gc_group_tick(lode_gc_t *gc, group_t *g, int64_t now)
{
    for (size_t i = g->npending; i-- > 0;) {
        if (g->pending[i].deadline <= now) {
            remove_pending(g, i);
            try_complete_join(gc, g);
        }
    }
    for (size_t i = 0; i < g->nmembers;) {
        gmember_t *m = g->members[i];
        if (m->hb_deadline > now) {
            i++;
            continue;
        }
        if (heartbeat_satisfied(m)) {
            m->hb_deadline = LODE_GC_NEVER;
            i++;
            continue;
        }
        LODE_LOG_INFO("group", "member %s in group %s has failed, removing it from the group",
                      m->id, g->id);
        remove_member_and_update(gc, g, m, "removing member on heartbeat expiration");
        i = 0; /* the member list changed under us */
    }
    if (g->join_deadline <= now)
        on_join_deadline(gc, g, now);
    if (g->sync_deadline <= now)
        on_sync_deadline(gc, g);
    gc_touch(gc, g);
}

/* ---- persistence ---------------------------------------------------------------------- */

void gc_store_group(lode_gc_t *gc, group_t *g, const uint8_t *const *assign,
                    const int32_t *assign_len, void (*done)(lode_gc_t *gc, void *arg, int status),
                    void *arg)
{
    GroupMetadataValue v;
    GroupMetadataValue_init(&v);
    v.protocolType = lode_str_c(g->protocol_type ? g->protocol_type : "");
    v.generation = g->generation;
    v.protocol = lode_str_c(g->protocol_name);
    v.leader = lode_str_c(g->nmembers ? g->leader : NULL);
    v.currentStateTimestamp = g->state_ms;
    GroupMetadataValue_MemberMetadata *mm = lode_xcalloc(g->nmembers + 1, sizeof *mm);
    for (size_t i = 0; i < g->nmembers; i++) {
        const gmember_t *m = g->members[i];
        const gprotocol_t *p = member_protocol(m, g->protocol_name);
        GroupMetadataValue_MemberMetadata_init(&mm[i]);
        mm[i].memberId = lode_str_c(m->id);
        mm[i].groupInstanceId = lode_str_c(m->instance_id);
        mm[i].clientId = lode_str_c(m->client_id);
        mm[i].clientHost = lode_str_c(m->client_host);
        mm[i].rebalanceTimeout = m->rebalance_timeout_ms;
        mm[i].sessionTimeout = m->session_timeout_ms;
        mm[i].subscription = (lode_bytes_t){p ? p->meta : (const uint8_t *)"", p ? p->meta_len : 0};
        mm[i].assignment = assign ? (lode_bytes_t){assign[i], assign_len[i]}
                                  : (lode_bytes_t){m->assignment, m->assignment_len};
    }
    v.members = mm;
    v.members_count = (int32_t)g->nmembers;
    lode_buf_t key, val;
    lode_buf_init(&key);
    lode_buf_init(&val);
    lode_grec_group_key(&key, g->id);
    lode_grec_group_value(&val, &v);
    free(mm);
    gc_batch_t *b = gc_batch_new(gc);
    gc_batch_add(b, &key, &val);
    lode_buf_free(&key);
    lode_buf_free(&val);
    gc_batch_write(gc, g->partition, b, done, arg);
}

/* ---- JoinGroup ---------------------------------------------------------------------- */

static char *new_member_id(const char *prefix)
{
    uint8_t u[16];
    lode_uuid_random(u);
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* java.util.UUID.randomUUID: version 4 */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    char s[37];
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s[k++] = '-';
        s[k++] = hex[u[i] >> 4];
        s[k++] = hex[u[i] & 15];
    }
    s[k] = 0;
    size_t n = strlen(prefix) + 1 + k + 1;
    char *id = lode_xmalloc(n);
    snprintf(id, n, "%s-%s", prefix, s);
    return id;
}

static gmember_t *member_new(const lode_gc_join_req_t *req, const char *id)
{
    gmember_t *m = lode_xcalloc(1, sizeof *m);
    m->id = lode_xstrdup(id);
    m->instance_id = req->instance_id ? lode_xstrdup(req->instance_id) : NULL;
    m->client_id = lode_xstrdup(req->client_id ? req->client_id : "");
    m->client_host = lode_xstrdup(req->client_host ? req->client_host : "");
    m->protocol_type = lode_xstrdup(req->protocol_type ? req->protocol_type : "");
    m->rebalance_timeout_ms = req->rebalance_timeout_ms;
    m->session_timeout_ms = req->session_timeout_ms;
    set_protocols(m, req->protocols, req->nprotocols);
    set_assignment(m, NULL, 0);
    m->hb_deadline = LODE_GC_NEVER;
    return m;
}

/* Kafka's addMemberAndRebalance. */
static void add_member_and_rebalance(lode_gc_t *gc, group_t *g, const lode_gc_join_req_t *req,
                                     const char *id, lode_gc_join_fn done, void *arg)
{
    gmember_t *m = member_new(req, id);
    m->is_new = true;
    if (g->state == GS_PREPARING && g->generation == 0)
        g->new_member_added = true;
    group_add(g, m, done, arg);
    /* New members cannot heartbeat before their first join answer; a join
     * abandoned by a client that went away is dropped after 5 minutes. */
    m->hb_deadline = gc_mono(gc) + LODE_GC_NEW_MEMBER_JOIN_TIMEOUT_MS;
    maybe_prepare_rebalance(gc, g, "adding new member");
}

/* Kafka's updateMember: new protocols and timeouts, and the JoinGroup to
 * answer (a previous one still waiting is answered: the client gave up on
 * it). */
static void update_member(group_t *g, gmember_t *m, const lode_gc_join_req_t *req,
                          lode_gc_join_fn done, void *arg)
{
    set_protocols(m, req->protocols, req->nprotocols);
    m->rebalance_timeout_ms = req->rebalance_timeout_ms;
    m->session_timeout_ms = req->session_timeout_ms;
    abort_join(g, m, m->id, LODE_KERR_REBALANCE_IN_PROGRESS);
    m->join_fn = done;
    m->join_arg = arg;
    g->num_awaiting_join++;
}

static void update_member_and_rebalance(lode_gc_t *gc, group_t *g, gmember_t *m,
                                        const lode_gc_join_req_t *req, lode_gc_join_fn done,
                                        void *arg, const char *why)
{
    update_member(g, m, req, done, arg);
    maybe_prepare_rebalance(gc, g, why);
}

typedef struct static_ctx {
    char *group, *old_id, *new_id;
    int32_t generation;
    char *leader; /* what the member is told (the old leader's id) */
    gprotocol_t *old_protocols;
    size_t old_nprotocols;
} static_ctx_t;

static void static_ctx_free(static_ctx_t *c)
{
    gprotocols_free(c->old_protocols, c->old_nprotocols);
    free(c->group);
    free(c->old_id);
    free(c->new_id);
    free(c->leader);
    free(c);
}

/* The replaced static member's metadata is durable (or not). */
static void static_stored(lode_gc_t *gc, void *arg, int status)
{
    static_ctx_t *c = arg;
    group_t *g = gc_group(gc, c->group);
    gmember_t *m = g ? find_member(g, c->new_id) : NULL;
    if (m && m->join_fn) {
        if (status) {
            /* put the old member id and protocols back, and fail the join */
            free(m->id);
            m->id = lode_xstrdup(c->old_id);
            if (g->leader && strcmp(g->leader, c->new_id) == 0) {
                free(g->leader);
                g->leader = lode_xstrdup(c->old_id);
            }
            protocols_free(m);
            m->protocols = c->old_protocols;
            m->nprotocols = c->old_nprotocols;
            c->old_protocols = NULL;
            c->old_nprotocols = 0;
            abort_join(g, m, "", LODE_KERR_COORDINATOR_NOT_AVAILABLE);
        } else {
            answer_join(g, m, NULL, NULL, c->leader);
        }
    }
    static_ctx_free(c);
}

/* Kafka's updateStaticMemberAndRebalance: a restarted static member takes
 * the place (and the assignment) of its previous incarnation. */
static void replace_static_member(lode_gc_t *gc, group_t *g, gmember_t *old,
                                  const lode_gc_join_req_t *req, const char *new_id,
                                  lode_gc_join_fn done, void *arg)
{
    char *current_leader = lode_xstrdup(g->leader ? g->leader : "");
    char *old_id = old->id;
    /* fence whatever the old incarnation still waits for */
    abort_join(g, old, old_id, LODE_KERR_FENCED_INSTANCE_ID);
    abort_sync(old, LODE_KERR_FENCED_INSTANCE_ID);
    old->id = lode_xstrdup(new_id);
    if (g->leader && strcmp(g->leader, old_id) == 0) {
        free(g->leader);
        g->leader = lode_xstrdup(new_id);
    }
    schedule_heartbeat(gc, old);
    static_ctx_t *c = lode_xcalloc(1, sizeof *c);
    c->old_protocols = old->protocols;
    c->old_nprotocols = old->nprotocols;
    old->protocols = NULL;
    old->nprotocols = 0;
    update_member(g, old, req, done, arg);

    switch (g->state) {
    case GS_STABLE: {
        const char *next = select_protocol(g);
        if (g->protocol_name && next && strcmp(next, g->protocol_name) == 0) {
            LODE_LOG_INFO("group",
                          "static member %s of group %s rejoined as %s without changing the "
                          "protocol: no rebalance",
                          req->instance_id, g->id, new_id);
            c->group = lode_xstrdup(g->id);
            c->old_id = old_id;
            c->new_id = lode_xstrdup(new_id);
            c->generation = g->generation;
            /* the old leader id: the new incarnation must not act as
             * leader of a Stable group (its assignment would go nowhere) */
            c->leader = current_leader;
            gc_store_group(gc, g, NULL, NULL, static_stored, c);
            return;
        }
        maybe_prepare_rebalance(gc, g, "static member joined with a change of protocol");
        break;
    }
    case GS_COMPLETING:
        /* the leader may already be assigning with the old member id */
        prepare_rebalance(gc, g, "updating metadata for a static member");
        break;
    default:
        break; /* PreparingRebalance: it waits in the join like everyone */
    }
    static_ctx_free(c);
    free(old_id);
    free(current_leader);
}

static bool accept_joining_member(const lode_gc_t *gc, const group_t *g, const char *member_id)
{
    gmember_t *m = member_id[0] ? find_member(g, member_id) : NULL;
    switch (g->state) {
    case GS_PREPARING:
        return (m && awaiting_join(m)) || g->num_awaiting_join < gc->cfg.max_size;
    case GS_COMPLETING:
    case GS_STABLE:
        return m || g->nmembers < (size_t)gc->cfg.max_size;
    default:
        return true;
    }
}

static void join_new_member(lode_gc_t *gc, group_t *g, const lode_gc_join_req_t *req,
                            lode_gc_join_fn done, void *arg)
{
    if (g->state == GS_DEAD) {
        join_error(done, arg, "", LODE_KERR_COORDINATOR_NOT_AVAILABLE);
        return;
    }
    if (!supports_protocols(g, req->protocol_type, req->protocols, req->nprotocols)) {
        join_error(done, arg, "", LODE_KERR_INCONSISTENT_GROUP_PROTOCOL);
        return;
    }
    char *id = new_member_id(req->instance_id ? req->instance_id
                                              : (req->client_id ? req->client_id : ""));
    if (req->instance_id) {
        gmember_t *old = find_static(g, req->instance_id);
        if (old)
            replace_static_member(gc, g, old, req, id, done, arg);
        else
            add_member_and_rebalance(gc, g, req, id, done, arg);
    } else if (req->require_known_member_id) {
        /* the client must come back with this id (KIP-394) */
        g->pending = lode_xrealloc(g->pending, (g->npending + 1) * sizeof *g->pending);
        g->pending[g->npending++] =
            (gpending_t){lode_xstrdup(id), gc_mono(gc) + req->session_timeout_ms};
        join_error(done, arg, id, LODE_KERR_MEMBER_ID_REQUIRED);
    } else {
        add_member_and_rebalance(gc, g, req, id, done, arg);
    }
    free(id);
}

static void join_known_member(lode_gc_t *gc, group_t *g, const lode_gc_join_req_t *req,
                              lode_gc_join_fn done, void *arg)
{
    const char *id = req->member_id;
    if (g->state == GS_DEAD) {
        join_error(done, arg, id, LODE_KERR_COORDINATOR_NOT_AVAILABLE);
        return;
    }
    if (!supports_protocols(g, req->protocol_type, req->protocols, req->nprotocols)) {
        join_error(done, arg, id, LODE_KERR_INCONSISTENT_GROUP_PROTOCOL);
        return;
    }
    if (find_pending(g, id) >= 0) {
        add_member_and_rebalance(gc, g, req, id, done, arg);
        return;
    }
    gmember_t *m = find_member(g, id);
    if (static_fenced(g, req->instance_id, id)) {
        join_error(done, arg, id, LODE_KERR_FENCED_INSTANCE_ID);
        return;
    }
    if (!m || (req->instance_id && !find_static(g, req->instance_id))) {
        join_error(done, arg, id, LODE_KERR_UNKNOWN_MEMBER_ID);
        return;
    }
    bool is_leader = g->leader && strcmp(g->leader, id) == 0;
    bool same = member_matches(m, req->protocols, req->nprotocols);
    switch (g->state) {
    case GS_PREPARING:
        update_member_and_rebalance(gc, g, m, req, done, arg, "member rejoining during rebalance");
        break;
    case GS_COMPLETING:
        if (same)
            answer_join(g, m, done, arg, NULL); /* a lost JoinGroup answer, asked again */
        else
            update_member_and_rebalance(gc, g, m, req, done, arg,
                                        "member changed its metadata during CompletingRebalance");
        break;
    case GS_STABLE:
        if (is_leader || !same) {
            update_member_and_rebalance(gc, g, m, req, done, arg,
                                        is_leader ? "leader rejoining a Stable group"
                                                  : "member changed its metadata");
        } else {
            /* a follower with nothing new: the current generation */
            lode_gc_join_result_t r = {.error = 0,
                                       .member_id = m->id,
                                       .generation = g->generation,
                                       .protocol_type = g->protocol_type,
                                       .protocol_name = g->protocol_name,
                                       .leader = g->leader ? g->leader : ""};
            done(arg, &r);
        }
        break;
    default:
        join_error(done, arg, id, LODE_KERR_UNKNOWN_MEMBER_ID);
        break;
    }
}

void lode_gc_join(lode_gc_t *gc, const lode_gc_join_req_t *req, lode_gc_join_fn done, void *arg)
{
    pthread_mutex_lock(&gc->lock);
    const char *mid = req->member_id ? req->member_id : "";
    int16_t err = gc_check_locked(gc, req->group_id);
    if (!err && !req->group_id[0])
        err = LODE_KERR_INVALID_GROUP_ID;
    if (!err && (req->session_timeout_ms < gc->cfg.min_session_timeout_ms ||
                 req->session_timeout_ms > gc->cfg.max_session_timeout_ms))
        err = LODE_KERR_INVALID_SESSION_TIMEOUT;
    group_t *g = err ? NULL : gc_group(gc, req->group_id);
    if (!err && !g) {
        if (mid[0])
            err = LODE_KERR_UNKNOWN_MEMBER_ID;
        else
            g = gc_group_create(gc, &gc->groups, req->group_id);
    }
    if (err) {
        join_error(done, arg, mid, err);
        pthread_mutex_unlock(&gc->lock);
        return;
    }
    if (!accept_joining_member(gc, g, mid)) {
        gmember_t *m = mid[0] ? find_member(g, mid) : NULL;
        if (m)
            remove_member_and_update(gc, g, m, "the group is over capacity");
        join_error(done, arg, "", LODE_KERR_GROUP_MAX_SIZE_REACHED);
    } else if (!mid[0]) {
        join_new_member(gc, g, req, done, arg);
    } else {
        join_known_member(gc, g, req, done, arg);
    }
    try_complete_join(gc, g);
    gc_touch(gc, g);
    pthread_mutex_unlock(&gc->lock);
}

/* ---- SyncGroup --------------------------------------------------------------------- */

typedef struct sync_ctx {
    char *group;
    int32_t generation;
    size_t n;
    char **ids;
    uint8_t **data;
    int32_t *len;
} sync_ctx_t;

static void sync_ctx_free(sync_ctx_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->ids[i]);
        free(c->data[i]);
    }
    free(c->ids);
    free(c->data);
    free(c->len);
    free(c->group);
    free(c);
}

/* The leader's assignment is durable (or not): Kafka's storeGroup callback
 * in doSyncGroup. */
static void assignment_stored(lode_gc_t *gc, void *arg, int status)
{
    sync_ctx_t *c = arg;
    group_t *g = gc_group(gc, c->group);
    if (g && g->state == GS_COMPLETING && g->generation == c->generation) {
        if (status) {
            reset_and_propagate_error(gc, g, LODE_KERR_COORDINATOR_NOT_AVAILABLE);
            maybe_prepare_rebalance(gc, g, "error storing the group assignment");
        } else {
            for (size_t i = 0; i < c->n; i++) {
                gmember_t *m = find_member(g, c->ids[i]);
                if (m)
                    set_assignment(m, c->data[i], c->len[i]);
            }
            propagate_assignment(gc, g, 0);
            gc_set_state(gc, g, GS_STABLE);
        }
        gc_touch(gc, g);
    }
    sync_ctx_free(c);
}

static void sync_locked(lode_gc_t *gc, const lode_gc_sync_req_t *req, lode_gc_sync_fn done,
                        void *arg)
{
    int16_t err = gc_check_locked(gc, req->group_id);
    if (!err && !req->group_id[0])
        err = LODE_KERR_INVALID_GROUP_ID;
    group_t *g = err ? NULL : gc_group(gc, req->group_id);
    if (!err && !g)
        err = LODE_KERR_UNKNOWN_MEMBER_ID;
    else if (!err && g->state == GS_DEAD)
        err = LODE_KERR_COORDINATOR_NOT_AVAILABLE;
    gmember_t *m = NULL;
    if (!err)
        err = gc_validate_member(g, req->member_id, req->instance_id, &m);
    if (!err && req->generation != g->generation)
        err = LODE_KERR_ILLEGAL_GENERATION;
    else if (!err && ((req->protocol_type &&
                       (!g->protocol_type || strcmp(req->protocol_type, g->protocol_type) != 0)) ||
                      (req->protocol_name &&
                       (!g->protocol_name || strcmp(req->protocol_name, g->protocol_name) != 0))))
        err = LODE_KERR_INCONSISTENT_GROUP_PROTOCOL;
    else if (!err && g->state == GS_EMPTY)
        err = LODE_KERR_UNKNOWN_MEMBER_ID;
    else if (!err && g->state == GS_PREPARING)
        err = LODE_KERR_REBALANCE_IN_PROGRESS;
    if (err) {
        sync_error(done, arg, err);
        return;
    }
    m->pending_sync = false;
    if (g->state == GS_STABLE) {
        lode_gc_sync_result_t r = {.protocol_type = g->protocol_type,
                                   .protocol_name = g->protocol_name,
                                   .assignment = m->assignment,
                                   .assignment_len = m->assignment_len};
        done(arg, &r);
        schedule_heartbeat(gc, m);
        return;
    }
    /* CompletingRebalance: wait for the leader's assignment */
    abort_sync(m, LODE_KERR_REBALANCE_IN_PROGRESS);
    m->sync_fn = done;
    m->sync_arg = arg;
    if (!g->leader || strcmp(g->leader, m->id) != 0)
        return;
    LODE_LOG_INFO("group", "assignment received from leader %s for group %s generation %d", m->id,
                  g->id, g->generation);
    /* members the leader left out get an empty assignment */
    sync_ctx_t *c = lode_xcalloc(1, sizeof *c);
    c->group = lode_xstrdup(g->id);
    c->generation = g->generation;
    c->n = g->nmembers;
    c->ids = lode_xcalloc(c->n + 1, sizeof *c->ids);
    c->data = lode_xcalloc(c->n + 1, sizeof *c->data);
    c->len = lode_xcalloc(c->n + 1, sizeof *c->len);
    for (size_t i = 0; i < g->nmembers; i++) {
        c->ids[i] = lode_xstrdup(g->members[i]->id);
        const lode_gc_assignment_t *a = NULL;
        for (size_t j = 0; j < req->nassignments && !a; j++)
            if (req->assignments[j].member_id &&
                strcmp(req->assignments[j].member_id, c->ids[i]) == 0)
                a = &req->assignments[j];
        c->len[i] = a && a->len > 0 ? a->len : 0;
        c->data[i] = lode_xmalloc((size_t)c->len[i] + 1);
        if (c->len[i])
            memcpy(c->data[i], a->data, (size_t)c->len[i]);
    }
    gc_store_group(gc, g, (const uint8_t *const *)c->data, c->len, assignment_stored, c);
}

void lode_gc_sync(lode_gc_t *gc, const lode_gc_sync_req_t *req, lode_gc_sync_fn done, void *arg)
{
    pthread_mutex_lock(&gc->lock);
    /* the group first: once answered, req (the caller's) may be gone */
    group_t *g = req->group_id && !gc_check_locked(gc, req->group_id) ? gc_group(gc, req->group_id)
                                                                     : NULL;
    sync_locked(gc, req, done, arg);
    if (g)
        gc_touch(gc, g);
    pthread_mutex_unlock(&gc->lock);
}

/* ---- Heartbeat, LeaveGroup ---------------------------------------------------------- */

int16_t lode_gc_heartbeat(lode_gc_t *gc, const char *group_id, const char *member_id,
                          const char *instance_id, int32_t generation)
{
    pthread_mutex_lock(&gc->lock);
    int16_t err = gc_check_locked(gc, group_id);
    if (!err && !group_id[0])
        err = LODE_KERR_INVALID_GROUP_ID;
    group_t *g = err ? NULL : gc_group(gc, group_id);
    gmember_t *m = NULL;
    if (!err && !g)
        err = LODE_KERR_UNKNOWN_MEMBER_ID;
    else if (!err && g->state == GS_DEAD)
        err = LODE_KERR_COORDINATOR_NOT_AVAILABLE;
    else if (!err)
        err = gc_validate_member(g, member_id, instance_id, &m);
    if (!err && generation != g->generation)
        err = LODE_KERR_ILLEGAL_GENERATION;
    else if (!err && g->state == GS_EMPTY)
        err = LODE_KERR_UNKNOWN_MEMBER_ID;
    if (!err) {
        schedule_heartbeat(gc, m);
        if (g->state == GS_PREPARING)
            err = LODE_KERR_REBALANCE_IN_PROGRESS;
    }
    pthread_mutex_unlock(&gc->lock);
    return err;
}

int16_t lode_gc_leave(lode_gc_t *gc, const char *group_id, lode_gc_leaver_t *lv, size_t n)
{
    pthread_mutex_lock(&gc->lock);
    int16_t err = gc_check_locked(gc, group_id);
    if (!err && !group_id[0])
        err = LODE_KERR_INVALID_GROUP_ID;
    group_t *g = err ? NULL : gc_group(gc, group_id);
    if (!err && g && g->state == GS_DEAD)
        err = LODE_KERR_COORDINATOR_NOT_AVAILABLE;
    for (size_t i = 0; i < n && !err; i++) {
        const char *mid = lv[i].member_id ? lv[i].member_id : "";
        char why[160];
        snprintf(why, sizeof why, "member left the group%s%.120s", lv[i].reason ? ": " : "",
                 lv[i].reason ? lv[i].reason : "");
        ssize_t p;
        gmember_t *m;
        if (!g) {
            lv[i].error = LODE_KERR_UNKNOWN_MEMBER_ID;
        } else if (!mid[0]) {
            /* an administrator removing a static member by instance id */
            m = find_static(g, lv[i].instance_id);
            lv[i].error = m ? 0 : LODE_KERR_UNKNOWN_MEMBER_ID;
            if (m)
                remove_member_and_update(gc, g, m, why);
        } else if ((p = find_pending(g, mid)) >= 0) {
            remove_pending(g, (size_t)p);
            try_complete_join(gc, g);
            lv[i].error = 0;
        } else if (!(lv[i].error = gc_validate_member(g, mid, lv[i].instance_id, &m))) {
            LODE_LOG_INFO("group", "member %s is leaving group %s", mid, g->id);
            remove_member_and_update(gc, g, m, why);
        }
    }
    if (g)
        gc_touch(gc, g);
    pthread_mutex_unlock(&gc->lock);
    return err;
}

/* ---- subscriptions ------------------------------------------------------------------ */

bool gc_subscribed_topics(const group_t *g, lode_hmap_t *out)
{
    if (!g->protocol_type || strcmp(g->protocol_type, "consumer") != 0)
        return false;
    lode_arena_t a;
    lode_arena_init(&a, 1024);
    bool ok = true;
    for (size_t i = 0; i < g->nmembers && ok; i++) {
        const gmember_t *m = g->members[i];
        const gprotocol_t *p = member_protocol(m, g->protocol_name);
        if (!p && m->nprotocols)
            p = &m->protocols[0];
        if (!p || p->meta_len < 2) {
            ok = false;
            break;
        }
        lode_reader_t r;
        lode_reader_init(&r, p->meta, (size_t)p->meta_len);
        int16_t v = lode_read_i16(&r);
        /* ConsumerProtocol: newer versions than we know are read as the
         * newest (their added fields come after) */
        if (v > CONSUMERPROTOCOLSUBSCRIPTION_MAX_VERSION)
            v = CONSUMERPROTOCOLSUBSCRIPTION_MAX_VERSION;
        ConsumerProtocolSubscription s;
        lode_arena_reset(&a);
        if (v < 0 || ConsumerProtocolSubscription_decode(&s, v, &r, &a) != 0) {
            ok = false;
            break;
        }
        for (int32_t t = 0; t < s.Topics_count; t++)
            if (s.Topics[t].len >= 0)
                lode_hmap_put(out, s.Topics[t].ptr, (size_t)s.Topics[t].len, (void *)1, NULL);
    }
    lode_arena_free(&a);
    return ok;
}
