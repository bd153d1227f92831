/*
 * json_mini.c — recursive-descent JSON reader (see json_mini.h). Nesting is
 * bounded so a hostile file cannot exhaust the stack.
 */
#include "json_mini.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "opts.h"

#define JSON_MAX_DEPTH 64

typedef struct parser {
    const char *s;
    size_t len, pos;
} parser_t;

static void ws(parser_t *p)
{
    while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
        p->pos++;
}

static json_t *node(json_type_t t)
{
    json_t *j = lode_xcalloc(1, sizeof *j);
    j->type = t;
    return j;
}

static bool lit(parser_t *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n))
        return false;
    p->pos += n;
    return true;
}

static int hex4(parser_t *p)
{
    if (p->len - p->pos < 4)
        return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string after its opening quote; NULL when malformed. */
static char *string(parser_t *p)
{
    char *out = lode_xmalloc(p->len - p->pos + 1);
    size_t n = 0;
    while (p->pos < p->len) {
        unsigned char c = (unsigned char)p->s[p->pos++];
        if (c == '"') {
            out[n] = '\0';
            return out;
        }
        if (c < 0x20)
            break;
        if (c != '\\') {
            out[n++] = (char)c;
            continue;
        }
        if (p->pos >= p->len)
            break;
        char e = p->s[p->pos++];
        const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
        const char *hit = e ? strchr(from, e) : NULL;
        if (hit) {
            out[n++] = to[hit - from];
            continue;
        }
        if (e != 'u')
            break;
        int cp = hex4(p);
        if (cp < 0)
            break;
        if (cp >= 0xD800 && cp < 0xDC00) { /* a surrogate pair */
            if (!lit(p, "\\u"))
                break;
            int lo = hex4(p);
            if (lo < 0xDC00 || lo > 0xDFFF)
                break;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
            break;
        }
        n += utf8(out + n, (unsigned)cp); /* never longer than the 6-byte escape */
    }
    free(out);
    return NULL;
}

static bool digits(parser_t *p)
{
    size_t start = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        p->pos++;
    return p->pos > start;
}

static json_t *number(parser_t *p)
{
    size_t start = p->pos;
    if (p->pos < p->len && p->s[p->pos] == '-')
        p->pos++;
    if (p->pos < p->len && p->s[p->pos] == '0')
        p->pos++;
    else if (!digits(p))
        return NULL;
    if (p->pos < p->len && p->s[p->pos] == '.' && (p->pos++, !digits(p)))
        return NULL;
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (!digits(p))
            return NULL;
    }
    json_t *j = node(JSON_NUMBER);
    j->str = lode_xmalloc(p->pos - start + 1);
    memcpy(j->str, p->s + start, p->pos - start);
    j->str[p->pos - start] = '\0';
    return j;
}

static json_t *value(parser_t *p, int depth);

/* An array or object after its opening bracket. */
static json_t *container(parser_t *p, bool object, int depth)
{
    json_t *j = node(object ? JSON_OBJECT : JSON_ARRAY);
    char close = object ? '}' : ']';
    ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return j;
    }
    for (;;) {
        char *key = NULL;
        if (object) {
            ws(p);
            if (p->pos >= p->len || p->s[p->pos] != '"')
                goto bad;
            p->pos++;
            if (!(key = string(p)))
                goto bad;
            ws(p);
            if (p->pos >= p->len || p->s[p->pos++] != ':') {
                free(key);
                goto bad;
            }
        }
        json_t *item = value(p, depth + 1);
        if (!item) {
            free(key);
            goto bad;
        }
        item->key = key;
        j->items = lode_xrealloc(j->items, (j->n + 1) * sizeof *j->items);
        j->items[j->n++] = item;
        ws(p);
        if (p->pos >= p->len)
            goto bad;
        char c = p->s[p->pos++];
        if (c == close)
            return j;
        if (c != ',')
            goto bad;
    }
bad:
    json_free(j);
    return NULL;
}

static json_t *value(parser_t *p, int depth)
{
    if (depth > JSON_MAX_DEPTH)
        return NULL;
    ws(p);
    if (p->pos >= p->len)
        return NULL;
    char c = p->s[p->pos];
    if (c == '{' || c == '[') {
        p->pos++;
        return container(p, c == '{', depth);
    }
    if (c == '"') {
        p->pos++;
        char *s = string(p);
        if (!s)
            return NULL;
        json_t *j = node(JSON_STRING);
        j->str = s;
        return j;
    }
    if (lit(p, "null"))
        return node(JSON_NULL);
    if (lit(p, "true") || lit(p, "false")) {
        json_t *j = node(JSON_BOOL);
        j->boolean = p->s[p->pos - 1] == 'e' && p->s[p->pos - 2] == 'u';
        return j;
    }
    return number(p);
}

json_t *json_parse(const char *text, size_t len)
{
    parser_t p = {text, len, 0};
    json_t *j = value(&p, 0);
    ws(&p);
    if (j && p.pos != len) {
        json_free(j);
        return NULL;
    }
    return j;
}

void json_free(json_t *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++)
        json_free(j->items[i]);
    free(j->items);
    free(j->str);
    free(j->key);
    free(j);
}

const json_t *json_get(const json_t *obj, const char *key)
{
    const json_t *hit = NULL;
    for (size_t i = 0; obj && obj->type == JSON_OBJECT && i < obj->n; i++)
        if (!strcmp(obj->items[i]->key, key))
            hit = obj->items[i];
    return hit;
}

bool json_int64(const json_t *j, int64_t *out)
{
    return j && j->type == JSON_NUMBER && cli_parse_i64(j->str, out);
}
