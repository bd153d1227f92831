/*
 * listeners.c — listener lists, listener.security.protocol.map and the
 * controller quorum's voter / bootstrap lists, parsed with Kafka's rules and
 * messages (see config.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "config/config_int.h"
#include "core/err.h"
#include "core/mem.h"

static const char *const PROTO_NAMES[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};

const char *lode_config_proto_name(lode_cfg_proto_t proto)
{
    return (unsigned)proto < 4 ? PROTO_NAMES[proto] : NULL;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static char *upper_dup(const char *s, size_t n)
{
    char *u = lode_xstrndup(s, n);
    for (char *p = u; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return u;
}

/*
 * Kafka's Csv.parseCsvList: split at commas with surrounding whitespace,
 * dropping empty items (the value itself is not trimmed first, but Kafka
 * trims STRING configs when parsing them, so callers pass trimmed text).
 */
static void csv_list(const char *s, lode_strlist_t *out)
{
    lode_parse_kafka_list(s, strlen(s), out);
    size_t k = 0;
    for (size_t i = 0; i < out->count; i++) {
        if (out->items[i][0])
            out->items[k++] = out->items[i];
        else
            free(out->items[i]);
    }
    out->count = k;
}

/* ---- protocol map --------------------------------------------------------- */

void lode_config_protomap_free(lode_config_protomap_t *m)
{
    for (size_t i = 0; i < m->count; i++)
        free(m->names[i]);
    free(m->names);
    free(m->protos);
    memset(m, 0, sizeof *m);
}

int lode_config_protomap_find(const lode_config_protomap_t *m, const char *name)
{
    /* The last entry of a name wins, as it does in Kafka's HashMap. */
    for (size_t i = m->count; i-- > 0;)
        if (strcasecmp(m->names[i], name) == 0)
            return (int)m->protos[i];
    return -1;
}

static int proto_by_name(const char *s, size_t n)
{
    for (int p = 0; p < 4; p++)
        if (strlen(PROTO_NAMES[p]) == n && strncasecmp(PROTO_NAMES[p], s, n) == 0)
            return p;
    return -1;
}

int lode_config_parse_protocol_map(const char *value, lode_config_protomap_t *out, char *err,
                                   size_t errlen)
{
    memset(out, 0, sizeof *out);
    lode_strlist_t items;
    lode_parse_kafka_list(value, strlen(value), &items);
    out->names = lode_xcalloc(items.count ? items.count : 1, sizeof *out->names);
    out->protos = lode_xcalloc(items.count ? items.count : 1, sizeof *out->protos);
    int rc = 0;
    for (size_t i = 0; i < items.count && rc == 0; i++) {
        const char *e = items.items[i];
        const char *colon = strrchr(e, ':');
        if (!colon) {
            set_err(err, errlen,
                    "Error parsing configuration property 'listener.security.protocol.map': "
                    "entry '%s' is not of the form NAME:PROTOCOL",
                    e);
            rc = LODE_EINVAL;
            break;
        }
        const char *k = e, *v = colon + 1;
        size_t kn = (size_t)(colon - e), vn = strlen(v);
        while (kn && (unsigned char)k[kn - 1] <= 0x20)
            kn--;
        while (kn && (unsigned char)k[0] <= 0x20)
            k++, kn--;
        while (vn && (unsigned char)v[vn - 1] <= 0x20)
            vn--;
        while (vn && (unsigned char)v[0] <= 0x20)
            v++, vn--;
        int p = proto_by_name(v, vn);
        if (p < 0) {
            set_err(err, errlen,
                    "Invalid security protocol `%.*s` defined in listener.security.protocol.map",
                    (int)vn, v);
            rc = LODE_EINVAL;
            break;
        }
        out->names[out->count] = upper_dup(k, kn);
        out->protos[out->count++] = (lode_cfg_proto_t)p;
    }
    lode_strlist_free(&items);
    return rc;
}

/* ---- host:port ------------------------------------------------------------ */

/* Kafka's host character class [0-9a-zA-Z\-%._:]. */
static bool host_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '%' || c == '.' || c == '_' || c == ':';
}

/*
 * Kafka's Utils.getHost / getPort (HOST_PORT_PATTERN, whole-string match)
 * plus validHostPattern: [scheme://][\[]host[\]]:port. *host is a new
 * string. Returns 0, -1 when no host could be taken, -2 when no port.
 */
static int host_port(const char *s, char **host, int32_t *port)
{
    const char *p = strstr(s, "://");
    if (p) {
        for (const char *q = s; q < p; q++)
            if (!(isalnum((unsigned char)*q) || *q == '-' || *q == '%' || *q == '.' || *q == '_'))
                return -1;
        s = p + 3;
    }
    const char *colon = strrchr(s, ':');
    if (!colon)
        return -1;
    const char *digits = colon + 1;
    size_t nd = strlen(digits);
    int64_t v = 0;
    bool port_ok = nd > 0 && nd <= 10;
    for (size_t i = 0; i < nd && port_ok; i++) {
        port_ok = digits[i] >= '0' && digits[i] <= '9';
        v = v * 10 + (digits[i] - '0');
    }
    const char *h = s, *he = colon;
    if (h < he && *h == '[')
        h++;
    if (he > h && he[-1] == ']')
        he--;
    for (const char *q = h; q < he; q++)
        if (!host_char(*q))
            return -1;
    /* lode refuses an empty host (Kafka would take "" as a host name). */
    if (h == he)
        return -1;
    if (!port_ok || v > INT32_MAX)
        return -2;
    *host = lode_xstrndup(h, (size_t)(he - h));
    *port = (int32_t)v;
    return 0;
}

/* ---- voters and bootstrap servers ------------------------------------------ */

void lode_config_voters_free(lode_config_voters_t *v)
{
    for (size_t i = 0; i < v->count; i++)
        free(v->items[i].host);
    free(v->items);
    memset(v, 0, sizeof *v);
}

int lode_config_parse_voters(const lode_strlist_t *entries, bool require_routable,
                             lode_config_voters_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->items = lode_xcalloc(entries->count ? entries->count : 1, sizeof *out->items);
    for (size_t i = 0; i < entries->count; i++) {
        const char *e = entries->items[i];
        const char *at = strchr(e, '@');
        if (!at || strchr(at + 1, '@') || !at[1]) {
            set_err(err, errlen,
                    "Invalid configuration value for controller.quorum.voters. Each entry "
                    "should be in the form `{id}@{host}:{port}`.");
            return LODE_EINVAL;
        }
        int32_t id;
        if (lode_parse_java_int32(e, (size_t)(at - e), &id) != 0 ||
            (at > e && (unsigned char)e[0] <= 0x20) || (at > e && (unsigned char)at[-1] <= 0x20)) {
            set_err(err, errlen, "Failed to parse voter ID as an integer from %.*s", (int)(at - e),
                    e);
            return LODE_EINVAL;
        }
        char *host = NULL;
        int32_t port = 0;
        int hp = host_port(at + 1, &host, &port);
        if (hp != 0) {
            set_err(err, errlen,
                    "Failed to parse host %s from entry %s for the configuration "
                    "controller.quorum.voters. Each entry should be in the form "
                    "`{id}@{host}:{port}`.",
                    hp == -1 ? "name" : "port", e);
            return LODE_EINVAL;
        }
        if (require_routable && strcmp(host, "0.0.0.0") == 0) {
            free(host);
            set_err(err, errlen, "Host string (0.0.0.0) is not routeable");
            return LODE_EINVAL;
        }
        for (size_t k = 0; k < out->count; k++)
            if (out->items[k].id == id) {
                free(host);
                set_err(err, errlen,
                        "Voter id %d appears more than once in controller.quorum.voters", id);
                return LODE_EINVAL;
            }
        out->items[out->count++] = (lode_config_voter_t){id, host, port};
    }
    return 0;
}

int lode_config_parse_bootstrap(const lode_strlist_t *entries, lode_config_voters_t *out, char *err,
                                size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->items = lode_xcalloc(entries->count ? entries->count : 1, sizeof *out->items);
    for (size_t i = 0; i < entries->count; i++) {
        char *host = NULL;
        int32_t port = 0;
        int hp = host_port(entries->items[i], &host, &port);
        if (hp != 0) {
            set_err(err, errlen,
                    "Failed to parse host %s from %s for the configuration "
                    "controller.quorum.bootstrap.servers. Each entry should be in the form "
                    "\"{host}:{port}\"",
                    hp == -1 ? "name" : "port", entries->items[i]);
            return LODE_EINVAL;
        }
        out->items[out->count++] = (lode_config_voter_t){-1, host, port};
    }
    return 0;
}

int lode__config_check_voters(const lode_config_def_t *def, const lode_config_value_t *v, char *err,
                              size_t errlen)
{
    (void)def;
    lode_config_voters_t voters;
    int rc = lode_config_parse_voters(&v->list, false, &voters, err, errlen);
    lode_config_voters_free(&voters);
    return rc;
}

int lode__config_check_bootstrap(const lode_config_def_t *def, const lode_config_value_t *v,
                                 char *err, size_t errlen)
{
    (void)def;
    lode_config_voters_t servers;
    int rc = lode_config_parse_bootstrap(&v->list, &servers, err, errlen);
    lode_config_voters_free(&servers);
    return rc;
}

/* ---- listeners ------------------------------------------------------------ */

void lode_config_listeners_free(lode_config_listeners_t *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].name);
        free(l->items[i].host);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

const lode_config_listener_t *lode_config_listeners_find(const lode_config_listeners_t *l,
                                                         const char *name)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}

/* One "NAME://host:port" entry (Kafka's URI_PARSE_REGEXP, whole match):
 * 0, or -1 when it does not parse. */
static int parse_endpoint(const char *e, lode_config_listener_t *out, int64_t *port_out)
{
    const char *sep = NULL;
    for (const char *p = strstr(e, "://"); p; p = strstr(p + 1, "://"))
        sep = p; /* (.*) is greedy: the last "://" */
    if (!sep)
        return -1;
    const char *rest = sep + 3;
    const char *colon = strrchr(rest, ':');
    if (!colon)
        return -1;
    const char *d = colon + 1;
    bool neg = *d == '-';
    if (neg)
        d++;
    size_t nd = strlen(d);
    if (nd == 0 || nd > 10)
        return -1;
    int64_t port = 0;
    for (size_t i = 0; i < nd; i++) {
        if (d[i] < '0' || d[i] > '9')
            return -1;
        port = port * 10 + (d[i] - '0');
    }
    const char *h = rest, *he = colon;
    if (h < he && *h == '[')
        h++;
    if (he > h && he[-1] == ']')
        he--;
    for (const char *q = h; q < he; q++)
        if (!host_char(*q))
            return -1;
    out->name = upper_dup(e, (size_t)(sep - e));
    out->host = he > h ? lode_xstrndup(h, (size_t)(he - h)) : NULL;
    *port_out = neg ? -port : port;
    return 0;
}

static bool is_ipv4(const char *h)
{
    struct in_addr a;
    return h && inet_pton(AF_INET, h, &a) == 1;
}

static bool is_ipv6(const char *h)
{
    struct in6_addr a;
    return h && inet_pton(AF_INET6, h, &a) == 1;
}

/* CoreUtils.listenerListToEndPoints' checks on the parsed list. */
static int check_listeners(const char *value, const lode_config_listeners_t *l,
                           bool require_distinct_ports, char *err, size_t errlen)
{
    for (size_t i = 0; i < l->count; i++)
        for (size_t k = i + 1; k < l->count; k++)
            if (strcmp(l->items[i].name, l->items[k].name) == 0) {
                set_err(err, errlen, "Each listener must have a different name, listeners: %s",
                        value);
                return LODE_EINVAL;
            }
    if (!require_distinct_ports)
        return 0;
    for (size_t i = 0; i < l->count; i++) {
        int32_t port = l->items[i].port;
        if (port == 0)
            continue;
        size_t same = 0, with_ip = 0, first = i;
        bool seen_before = false;
        for (size_t k = 0; k < l->count; k++) {
            if (l->items[k].port != port)
                continue;
            if (k < i)
                seen_before = true;
            same++;
            with_ip += is_ipv4(l->items[k].host) || is_ipv6(l->items[k].host);
        }
        if (seen_before || same < 2)
            continue;
        if (with_ip < same) {
            set_err(err, errlen, "Each listener must have a different port, listeners: %s", value);
            return LODE_EINVAL;
        }
        if (same > 2) {
            set_err(err, errlen,
                    "Each listener must have a different port unless exactly one listener has "
                    "an IPv4 address and the other IPv6 address, listeners: %s, port: %d",
                    value, port);
            return LODE_EINVAL;
        }
        const char *a = l->items[first].host, *b = NULL;
        for (size_t k = first + 1; k < l->count && !b; k++)
            if (l->items[k].port == port)
                b = l->items[k].host;
        if (!((is_ipv4(a) && is_ipv6(b)) || (is_ipv6(a) && is_ipv4(b)))) {
            set_err(err, errlen,
                    "If you have two listeners on the same port then one needs to be IPv4 and "
                    "the other IPv6, listeners: %s, port: %d",
                    value, port);
            return LODE_EINVAL;
        }
    }
    return 0;
}

int lode_config_parse_listeners(const char *value, const lode_config_protomap_t *map,
                                bool require_distinct_ports, lode_config_listeners_t *out,
                                char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    lode_strlist_t items;
    csv_list(value, &items);
    out->items = lode_xcalloc(items.count ? items.count : 1, sizeof *out->items);
    int rc = 0;
    for (size_t i = 0; i < items.count && rc == 0; i++) {
        lode_config_listener_t *li = &out->items[out->count];
        int64_t port;
        if (parse_endpoint(items.items[i], li, &port) != 0) {
            set_err(err, errlen,
                    "Error creating broker listeners from '%s': Unable to parse %s to a broker "
                    "endpoint",
                    value, items.items[i]);
            rc = LODE_EINVAL;
            break;
        }
        out->count++;
        /* Stricter than Kafka: a port must be one a socket can have. */
        if (port < 0 || port > 65535) {
            set_err(err, errlen,
                    "Error creating broker listeners from '%s': port %lld of listener %s is "
                    "not in 0..65535",
                    value, (long long)port, li->name);
            rc = LODE_EINVAL;
            break;
        }
        li->port = (int32_t)port;
        int p = lode_config_protomap_find(map, li->name);
        if (p < 0) {
            set_err(err, errlen,
                    "Error creating broker listeners from '%s': No security protocol defined "
                    "for listener %s",
                    value, li->name);
            rc = LODE_EINVAL;
            break;
        }
        li->proto = (lode_cfg_proto_t)p;
    }
    lode_strlist_free(&items);
    if (rc == 0)
        rc = check_listeners(value, out, require_distinct_ports, err, errlen);
    return rc;
}

char *lode__config_listener_name_of(const char *entry)
{
    const char *c = strchr(entry, ':');
    return c ? upper_dup(entry, (size_t)(c - entry)) : NULL;
}

void lode__config_csv_list(const char *s, lode_strlist_t *out)
{
    csv_list(s, out);
}
