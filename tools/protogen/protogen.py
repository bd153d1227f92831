#!/usr/bin/env python3
"""protogen — lode's generator of Kafka protocol codecs.

Reads Apache Kafka's message schemas (JSON with // comments) and writes C:
one header and one source per message with types and init / decode / size /
encode functions for every valid version, an API table, and (for tests)
random-instance and equality functions. Only the structure of the schemas is
used (names, types, versions, defaults); none of their prose is copied.

Usage: protogen.py --schemas DIR --out DIR --test-out DIR
"""
import argparse
import json
import os
import re
import sys

# ---------------------------------------------------------------------------
# Schema reading

def strip_comments(text):
    """Removes // and /* */ comments outside JSON strings."""
    out = []
    i, n = 0, len(text)
    in_str = False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == '\\' and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_str = False
            i += 1
            continue
        if c == '"':
            in_str = True
            out.append(c)
            i += 1
            continue
        if c == '/' and i + 1 < n and text[i + 1] == '/':
            while i < n and text[i] != '\n':
                i += 1
            continue
        if c == '/' and i + 1 < n and text[i + 1] == '*':
            end = text.find('*/', i + 2)
            i = n if end < 0 else end + 2
            continue
        out.append(c)
        i += 1
    return ''.join(out)


class Versions:
    """A version range: "N+", "N-M", "N", "none"."""

    def __init__(self, spec, hi_default=0x7fff):
        spec = (spec or 'none').strip()
        if spec == 'none':
            self.lo, self.hi = 1, 0
        elif spec.endswith('+'):
            self.lo, self.hi = int(spec[:-1]), hi_default
        elif '-' in spec:
            a, b = spec.split('-')
            self.lo, self.hi = int(a), int(b)
        else:
            self.lo = self.hi = int(spec)

    def empty(self):
        return self.lo > self.hi

    def contains(self, v):
        return self.lo <= v <= self.hi

    def intersect(self, other):
        r = Versions('none')
        r.lo, r.hi = max(self.lo, other.lo), min(self.hi, other.hi)
        return r

    def cond(self, var='v'):
        """A C condition for `var in this range`, or None if always true
        within [0, 0x7fff]; 'false' if empty."""
        if self.empty():
            return '0'
        parts = []
        if self.lo > 0:
            parts.append('%s >= %d' % (var, self.lo))
        if self.hi < 0x7fff:
            parts.append('%s <= %d' % (var, self.hi))
        return ' && '.join(parts) if parts else None


PRIMS = {
    'bool': ('bool', 1),
    'int8': ('int8_t', 1),
    'int16': ('int16_t', 2),
    'uint16': ('uint16_t', 2),
    'int32': ('int32_t', 4),
    'uint32': ('uint32_t', 4),
    'int64': ('int64_t', 8),
    'float64': ('double', 8),
    'uuid': ('lode_uuid_t', 16),
}
VARLEN = ('string', 'bytes', 'records')


def c_ident(name):
    return re.sub(r'[^A-Za-z0-9_]', '_', name)


class Field:
    def __init__(self, spec, msg, parent_versions):
        self.name = spec['name']
        self.cname = c_ident(self.name)
        self.type = spec['type']
        self.versions = Versions(spec.get('versions')).intersect(parent_versions)
        self.nullable = Versions(spec.get('nullableVersions'))
        self.tagged = Versions(spec.get('taggedVersions'))
        self.tag = int(spec['tag']) if spec.get('tag') is not None else None
        self.flex = Versions(spec['flexibleVersions']) if 'flexibleVersions' in spec else None
        self.default = spec.get('default')
        self.ignorable = bool(spec.get('ignorable', False)) and str(spec.get('ignorable')) != 'false'
        self.is_array = self.type.startswith('[]')
        self.elem = self.type[2:] if self.is_array else self.type
        self.struct = None
        if self.elem not in PRIMS and self.elem not in VARLEN:
            # A struct: inline fields or a common struct.
            self.struct = msg.struct_for(self.elem, spec.get('fields'), self.versions)

    @property
    def is_struct(self):
        return self.struct is not None


class Struct:
    def __init__(self, name, cname, fields_spec, versions, msg):
        self.name = name
        self.cname = cname
        self.versions = versions
        self.msg = msg
        self.fields_spec = fields_spec
        self.fields = None

    def resolve(self):
        if self.fields is None:
            self.fields = []
            for fs in self.fields_spec:
                self.fields.append(Field(fs, self.msg, self.versions))
        return self.fields


class Message:
    def __init__(self, spec, path):
        self.path = path
        self.name = spec['name']
        self.cname = c_ident(self.name)
        self.kind = spec['type']
        self.api_key = spec.get('apiKey')
        self.valid = Versions(spec['validVersions'])
        self.flexible = Versions(spec.get('flexibleVersions', 'none'))
        self.listeners = spec.get('listeners', [])
        self.structs = {}  # name → Struct
        self.order = []
        self.common = {cs['name']: cs for cs in spec.get('commonStructs', [])}
        self.root = Struct(self.name, self.cname, spec.get('fields', []), self.valid, self)
        self.walk(self.root)

    def struct_for(self, name, fields_spec, versions):
        if name in self.structs:
            return self.structs[name]
        if fields_spec is None:
            if name not in self.common:
                raise SystemExit('%s: unknown type %s' % (self.path, name))
            cs = self.common[name]
            fields_spec = cs['fields']
            versions = Versions(cs.get('versions', '0+')).intersect(self.valid)
        s = Struct(name, '%s_%s' % (self.cname, c_ident(name)), fields_spec, self.valid, self)
        self.structs[name] = s
        self.walk(s)
        return s

    def walk(self, s):
        for f in s.resolve():
            pass
        if s is not self.root:
            self.order.append(s)

    def all_structs(self):
        """Nested structs in definition order (dependencies first), then the
        root."""
        seen, out = set(), []

        def visit(s):
            if s.cname in seen:
                return
            seen.add(s.cname)
            for f in s.fields:
                if f.is_struct:
                    visit(f.struct)
            out.append(s)
        visit(self.root)
        return out

    def versions(self):
        return range(self.valid.lo, self.valid.hi + 1)


# ---------------------------------------------------------------------------
# Code generation helpers

def flex_of(msg, f, v):
    """Whether field f uses compact/flexible encodings at version v."""
    if not msg.flexible.contains(v):
        return False
    if f.flex is not None and not f.flex.contains(v):
        return False
    return True


def default_literal(f):
    """C expression for the field's default (scalars only)."""
    d = f.default
    t = f.elem
    if t == 'bool':
        return 'true' if str(d).lower() == 'true' else 'false'
    if t in ('int8', 'int16', 'uint16', 'int32', 'uint32', 'int64'):
        if d is None or d == '':
            return '0'
        v = int(str(d), 0)
        if t == 'int64':
            return '(int64_t)%dLL' % v if v >= -(2**63) + 1 else '(int64_t)INT64_MIN'
        if t == 'uint32':
            return '%du' % v
        return '%d' % v
    if t == 'float64':
        return repr(float(d)) if d not in (None, '') else '0.0'
    raise AssertionError(t)


def str_default(f):
    """(is_null, c_string) for string defaults."""
    d = f.default
    if d == 'null':
        return True, None
    if d is None:
        return False, ''
    return False, str(d)


def cstr(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


class Emitter:
    def __init__(self):
        self.lines = []
        self.ind = 0

    def __call__(self, line=''):
        if line == '':
            self.lines.append('')
        else:
            self.lines.append('    ' * self.ind + line)

    def block(self, head):
        self(head + ' {')
        self.ind += 1

    def end(self, tail=''):
        self.ind -= 1
        self('}' + tail)

    def text(self):
        return '\n'.join(self.lines) + '\n'


def field_type_decl(f):
    """C declaration lines for a field inside its struct."""
    n = f.cname
    if f.is_array:
        if f.is_struct:
            et = f.struct.cname
        elif f.elem in PRIMS:
            et = PRIMS[f.elem][0]
        elif f.elem == 'string':
            et = 'lode_str_t'
        else:
            et = 'lode_bytes_t'
        return ['%s *%s;' % (et, n), 'int32_t %s_count; /* -1: null */' % n]
    if f.is_struct:
        if not f.nullable.empty():
            return ['%s *%s; /* NULL: null */' % (f.struct.cname, n)]
        return ['%s %s;' % (f.struct.cname, n)]
    if f.elem in PRIMS:
        return ['%s %s;' % (PRIMS[f.elem][0], n)]
    if f.elem == 'string':
        return ['lode_str_t %s;' % n]
    return ['lode_bytes_t %s;' % n]


# Per-version static analysis -------------------------------------------------

def present(f, v):
    return f.versions.contains(v)


def is_tagged(f, v):
    return f.tagged.contains(v) and f.tag is not None


def min_size(msg, s, v):
    """Smallest encoding of struct s at version v (bounds array counts)."""
    total = 0
    for f in s.fields:
        if not present(f, v) or is_tagged(f, v):
            continue
        flex = flex_of(msg, f, v)
        if f.is_array:
            total += 1 if flex else 4
        elif f.is_struct:
            total += (1 if not f.nullable.empty() and f.nullable.contains(v) else 0)
        elif f.elem in PRIMS:
            total += PRIMS[f.elem][1]
        elif f.elem == 'string':
            total += 1 if flex else 2
        else:
            total += 1 if flex else 4
    if msg.flexible.contains(v):
        total += 1
    return total


# ---------------------------------------------------------------------------
# Generating one message

def gen_message(msg):
    structs = msg.all_structs()
    h = Emitter()
    guard = 'LODE_PROTO_GEN_%s_H' % msg.cname.upper()
    h('/* Generated by tools/protogen from Kafka\'s %s schema. Do not edit. */' % msg.name)
    h('#ifndef ' + guard)
    h('#define ' + guard)
    h('')
    h('#include "proto/codec_rt.h"')
    h('')
    h('#define %s_MIN_VERSION %d' % (msg.cname.upper(), msg.valid.lo))
    h('#define %s_MAX_VERSION %d' % (msg.cname.upper(), msg.valid.hi))
    if msg.flexible.empty():
        h('#define %s_FIRST_FLEXIBLE_VERSION (-1)' % msg.cname.upper())
    else:
        h('#define %s_FIRST_FLEXIBLE_VERSION %d' % (msg.cname.upper(), msg.flexible.lo))
    if msg.api_key is not None:
        h('#define %s_API_KEY %d' % (msg.cname.upper(), msg.api_key))
    h('')
    for s in structs:
        h('typedef struct %s {' % s.cname)
        h.ind += 1
        if not s.fields:
            h('char _unused; /* no fields */')
        for f in s.fields:
            for line in field_type_decl(f):
                h(line)
        h.ind -= 1
        h('} %s;' % s.cname)
        h('')
    n = msg.cname
    h('/* Set every field to its schema default (the message and each nested')
    h(' * struct, for building elements of arrays). */')
    for s in structs:
        h('void %s_init(%s *m);' % (s.cname, s.cname))
    h('/* Decodes version v from r; arrays come from arena a, strings and bytes')
    h(' * point into r\'s buffer. 0, LODE_ETRUNC, LODE_ECORRUPT or LODE_EUNSUPPORTED. */')
    h('int %s_decode(%s *m, int16_t v, lode_reader_t *r, lode_arena_t *a);' % (n, n))
    h('/* The exact encoded size at version v (after a successful check). */')
    h('size_t %s_size(const %s *m, int16_t v);' % (n, n))
    h('/* Appends version v to out. LODE_EUNSUPPORTED when v is out of range or a')
    h(' * field the version lacks holds a non-default value that is not')
    h(' * ignorable; LODE_EINVAL when a non-nullable field is null. Nothing is')
    h(' * written on error. */')
    h('int %s_encode(const %s *m, int16_t v, lode_buf_t *out);' % (n, n))
    h('')
    h('#endif')

    c = Emitter()
    c('/* Generated by tools/protogen from Kafka\'s %s schema. Do not edit. */' % msg.name)
    c('#include "proto/gen/%s.h"' % msg.cname)
    c('')
    # forward declarations
    for s in structs:
        if s is msg.root:
            continue
        c('static void %s_decode(%s *m, int16_t v, lode_reader_t *r, lode_arena_t *a);' % (s.cname, s.cname))
        c('static size_t %s_size(const %s *m, int16_t v);' % (s.cname, s.cname))
        c('static void %s_write(const %s *m, int16_t v, lode_buf_t *out);' % (s.cname, s.cname))
        c('static int %s_check(const %s *m, int16_t v);' % (s.cname, s.cname))
        c('static bool %s_is_default(const %s *m) __attribute__((unused));' % (s.cname, s.cname))
    c('static void %s_decode_body(%s *m, int16_t v, lode_reader_t *r, lode_arena_t *a);' % (n, n))
    c('static size_t %s_size_body(const %s *m, int16_t v);' % (n, n))
    c('static void %s_write_body(const %s *m, int16_t v, lode_buf_t *out);' % (n, n))
    c('static int %s_check_body(const %s *m, int16_t v);' % (n, n))
    c('')
    for s in structs:
        gen_struct_funcs(c, msg, s)
    # public wrappers: the full range check (field conditions assume it)
    rng = 'v >= %d && v <= %d' % (msg.valid.lo, msg.valid.hi)
    c('int %s_decode(%s *m, int16_t v, lode_reader_t *r, lode_arena_t *a)' % (n, n))
    c.block('')
    c.lines[-1] = '{'
    c('%s_init(m);' % n)
    c('if (!(%s))' % (rng or '1'))
    c('    return LODE_EUNSUPPORTED;')
    c('%s_decode_body(m, v, r, a);' % n)
    c('return r->err;')
    c.end()
    c('')
    c('size_t %s_size(const %s *m, int16_t v) { return %s_size_body(m, v); }' % (n, n, n))
    c('')
    c('int %s_encode(const %s *m, int16_t v, lode_buf_t *out)' % (n, n))
    c('{')
    c.ind += 1
    c('if (!(%s))' % (rng or '1'))
    c('    return LODE_EUNSUPPORTED;')
    c('int rc = %s_check_body(m, v);' % n)
    c('if (rc)')
    c('    return rc;')
    c('size_t size = %s_size_body(m, v);' % n)
    c('lode_buf_reserve(out, size);')
    c('size_t start = out->len;')
    c('%s_write_body(m, v, out);' % n)
    c('LODE_PROTO_ASSERT(out->len - start == size);')
    c('return 0;')
    c.end()
    return h.text(), c.text()


def fn(s, msg, what):
    """Name of the internal function for struct s."""
    if s is msg.root:
        return '%s_%s_body' % (s.cname, what) if what != 'init' else '%s_init' % s.cname
    return '%s_%s' % (s.cname, 'write' if what == 'write' else what)


def versions_of_struct(msg, s):
    return [v for v in msg.versions()]


def elem_ctype(f):
    if f.is_struct:
        return f.struct.cname
    if f.elem in PRIMS:
        return PRIMS[f.elem][0]
    if f.elem == 'string':
        return 'lode_str_t'
    return 'lode_bytes_t'


def gen_struct_funcs(c, msg, s):
    cn = s.cname
    root = s is msg.root
    # ---- init (public for every struct: callers building messages need it)
    c('void %s(%s *m)' % (fn(s, msg, 'init'), cn))
    c('{')
    c.ind += 1
    c('memset(m, 0, sizeof *m);')
    for f in s.fields:
        gen_init_field(c, msg, f)
    c.end()
    c('')
    # Group versions with identical behaviour would be an optimisation; the
    # generated code switches on version conditions per field instead.
    gen_decode(c, msg, s)
    gen_size(c, msg, s)
    gen_write(c, msg, s)
    gen_check(c, msg, s)
    if not root:
        gen_is_default(c, msg, s)


def gen_is_default(c, msg, s):
    """True when every field holds its default (Kafka writes a tagged struct
    field only when it differs from a fresh struct)."""
    c('static bool %s_is_default(const %s *m)' % (s.cname, s.cname))
    c('{')
    c.ind += 1
    c('(void)m;')
    for f in s.fields:
        c('if (%s)' % tagged_nondefault_cond(f))
        c('    return false;')
    c('return true;')
    c.end()
    c('')


def gen_init_field(c, msg, f):
    m = 'm->' + f.cname
    if f.is_array:
        c('%s_count = %s;' % (m, '-1' if f.default == 'null' else '0'))
        return
    if f.is_struct:
        if not f.nullable.empty():
            if f.default not in (None, 'null'):
                pass
            c('%s = NULL;' % m)
        else:
            c('%s_init(&%s);' % (f.struct.cname, m))
        return
    if f.elem in ('bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64'):
        lit = default_literal(f)
        if lit not in ('0', 'false', '0.0'):
            c('%s = %s;' % (m, lit))
        return
    if f.elem == 'uuid':
        return
    if f.elem == 'string':
        is_null, s = str_default(f)
        if is_null:
            c('%s = LODE_STR_NULL;' % m)
        else:
            c('%s = lode_str_lit(%s);' % (m, cstr(s)))
        return
    # bytes / records
    if f.default == 'null' or (f.elem == 'records' and not f.nullable.empty()):
        c('%s = LODE_BYTES_NULL;' % m)
    else:
        c('%s = LODE_BYTES_EMPTY;' % m)


def cond_join(*conds):
    parts = [x for x in conds if x and x != '1']
    if '0' in parts:
        return '0'
    return ' && '.join('(%s)' % p for p in parts) if parts else '1'


def version_set_cond(vs, allv):
    """C condition for v being in the set vs (a list of ints) given the
    message's versions allv; simplified to ranges."""
    vs = sorted(set(vs))
    if not vs:
        return '0'
    if vs == sorted(allv):
        return '1'
    ranges = []
    start = prev = vs[0]
    for x in vs[1:]:
        if x == prev + 1:
            prev = x
            continue
        ranges.append((start, prev))
        start = prev = x
    ranges.append((start, prev))
    lo_all, hi_all = min(allv), max(allv)
    conds = []
    for a, b in ranges:
        p = []
        if a > lo_all:
            p.append('v >= %d' % a)
        if b < hi_all:
            p.append('v <= %d' % b)
        if a == b and a > lo_all and b < hi_all:
            p = ['v == %d' % a]
        conds.append(' && '.join(p) if p else '1')
    if len(conds) == 1:
        return conds[0]
    return ' || '.join('(%s)' % x for x in conds)


def field_mode_conds(msg, f):
    """Returns dict mode → condition over versions, where mode is one of
    (regular|tagged, flexible bool, nullable bool)."""
    allv = list(msg.versions())
    modes = {}
    for v in allv:
        if not present(f, v):
            continue
        key = ('tagged' if is_tagged(f, v) else 'regular', flex_of(msg, f, v),
               f.nullable.contains(v))
        modes.setdefault(key, []).append(v)
    return {k: version_set_cond(vs, allv) for k, vs in modes.items()}


def read_scalar_expr(t):
    return {
        'bool': 'lode_read_bool(r)',
        'int8': 'lode_read_i8(r)',
        'int16': 'lode_read_i16(r)',
        'uint16': 'lode_read_u16(r)',
        'int32': 'lode_read_i32(r)',
        'uint32': 'lode_read_u32(r)',
        'int64': 'lode_read_i64(r)',
        'float64': 'lode_read_f64(r)',
        'uuid': 'lode_read_uuid(r)',
    }[t]


def gen_read_value(c, msg, f, target, flex, nullable, elem=False):
    """Emit code decoding one value (field or array element) into target."""
    t = f.elem
    if f.is_struct and (elem or not f.is_array):
        if not elem and not f.nullable.empty():
            # nullable struct field: pointer
            if nullable:
                c('if (lode_read_i8(r) >= 0) {')
                c.ind += 1
            c('%s = lode_arena_alloc(a, sizeof *%s);' % (target, target))
            c('%s_init(%s);' % (f.struct.cname, target))
            c('%s_decode(%s, v, r, a);' % (f.struct.cname, target))
            if nullable:
                c.end()
            return
        c('%s_decode(&%s, v, r, a);' % (f.struct.cname, target))
        return
    if t in PRIMS:
        c('%s = %s;' % (target, read_scalar_expr(t)))
    elif t == 'string':
        c('lode_read_string(r, &%s, %d, %d);' % (target, int(flex), int(nullable)))
    else:
        c('lode_read_bytes(r, &%s, %d, %d);' % (target, int(flex), int(nullable)))


def gen_read_field(c, msg, f, flex, nullable):
    m = 'm->' + f.cname
    if f.is_array:
        minsz = 1
        if f.is_struct:
            minsz = 1  # computed at run time below would need version; use 1
        elif f.elem in PRIMS:
            minsz = PRIMS[f.elem][1]
        c('{')
        c.ind += 1
        c('int32_t n = lode_read_array_len(r, %d, %d, %d);' % (int(flex), int(nullable), minsz))
        c('%s_count = n;' % m)
        c('if (n > 0) {')
        c.ind += 1
        c('%s = lode_arena_calloc(a, (size_t)n, sizeof *%s);' % (m, m))
        c('for (int32_t i = 0; i < n && !r->err; i++) {')
        c.ind += 1
        if f.is_struct:
            c('%s_init(&%s[i]);' % (f.struct.cname, m))
        gen_read_value(c, msg, f, '%s[i]' % m, flex, False, elem=True)
        c.end()
        c.end()
        c.end()
        return
    gen_read_value(c, msg, f, m, flex, nullable)


def gen_decode(c, msg, s):
    cn = s.cname
    static = 'static ' if True else ''
    c('%svoid %s(%s *m, int16_t v, lode_reader_t *r, lode_arena_t *a)' % (static, fn(s, msg, 'decode'), cn))
    c('{')
    c.ind += 1
    c('(void)a;')
    tagged_fields = []
    for f in s.fields:
        modes = field_mode_conds(msg, f)
        for (kind, flex, nullable), cond in sorted(modes.items()):
            if kind == 'tagged':
                tagged_fields.append((f, flex, nullable, cond))
                continue
            if cond == '1':
                gen_read_field(c, msg, f, flex, nullable)
            else:
                c('if (%s) {' % cond)
                c.ind += 1
                gen_read_field(c, msg, f, flex, nullable)
                c.end()
    fcond = msg.flexible.cond()
    if not msg.flexible.empty():
        c('if (%s) {' % (fcond or '1'))
        c.ind += 1
        c('uint32_t ntags = lode_read_uvarint(r);')
        c('for (uint32_t t = 0; t < ntags && !r->err; t++) {')
        c.ind += 1
        c('uint32_t tag = lode_read_uvarint(r);')
        c('uint32_t size = lode_read_uvarint(r);')
        c('const uint8_t *p = lode_read_raw(r, size);')
        c('if (!p)')
        c('    break;')
        c('lode_reader_t sub;')
        c('lode_reader_init(&sub, p, size);')
        c('(void)sub;')
        c('switch (tag) {')
        tags = {}
        for (f, flex, nullable, cond) in tagged_fields:
            tags.setdefault(f.tag, []).append((f, flex, nullable, cond))
        for tag in sorted(tags):
            c('case %d:' % tag)
            c.ind += 1
            for (f, flex, nullable, cond) in tags[tag]:
                c('if (%s) {' % cond)
                c.ind += 1
                c('lode_reader_t *outer = r;')
                c('r = &sub;')
                gen_read_field(c, msg, f, flex, nullable)
                c('r = outer;')
                c('if (sub.err)')
                c('    lode_reader_fail(r, sub.err);')
                c.end()
            c('break;')
            c.ind -= 1
        c('default:')
        c('    break; /* unknown tags are skipped */')
        c('}')
        c.end()
        c.end()
    c.end()
    c('')


def size_value_expr(f, target, flex, nullable):
    t = f.elem
    if t in PRIMS:
        return str(PRIMS[t][1])
    if t == 'string':
        return 'lode_string_size(&%s, %d)' % (target, int(flex))
    return 'lode_bytes_size(&%s, %d)' % (target, int(flex))


def gen_size_field(c, msg, f, flex, nullable, acc='n'):
    m = 'm->' + f.cname
    if f.is_array:
        c('%s += lode_array_len_size(%s_count, %d);' % (acc, m, int(flex)))
        if f.is_struct:
            c('for (int32_t i = 0; i < %s_count; i++)' % m)
            c('    %s += %s_size(&%s[i], v);' % (acc, f.struct.cname, m))
        elif f.elem in PRIMS:
            c('if (%s_count > 0)' % m)
            c('    %s += (size_t)%s_count * %d;' % (acc, m, PRIMS[f.elem][1]))
        else:
            c('for (int32_t i = 0; i < %s_count; i++)' % m)
            c('    %s += %s;' % (acc, size_value_expr(f, '%s[i]' % m, flex, False)))
        return
    if f.is_struct:
        if not f.nullable.empty():
            if nullable:
                c('%s += 1;' % acc)
            c('if (%s)' % m)
            c('    %s += %s_size(%s, v);' % (acc, f.struct.cname, m))
        else:
            c('%s += %s_size(&%s, v);' % (acc, f.struct.cname, m))
        return
    c('%s += %s;' % (acc, size_value_expr(f, m, flex, nullable)))


def tagged_nondefault_cond(f):
    """C condition: the tagged field holds a non-default value (so it is
    written)."""
    m = 'm->' + f.cname
    if f.is_array:
        if f.default == 'null':
            return '%s_count >= 0' % m
        return '%s_count != 0' % m
    if f.is_struct:
        if not f.nullable.empty():
            return '%s != NULL' % m
        return '!%s_is_default(&%s)' % (f.struct.cname, m)
    if f.elem == 'uuid':
        return '!lode_uuid_is_zero_t(&%s)' % m
    if f.elem == 'string':
        is_null, sv = str_default(f)
        if is_null:
            return '%s.len >= 0' % m
        return '!lode_str_eq_lit(&%s, %s)' % (m, cstr(sv))
    if f.elem in ('bytes', 'records'):
        if f.default == 'null':
            return '%s.len >= 0' % m
        return '%s.len != 0' % m
    return '%s != %s' % (m, default_literal(f))


def gen_size(c, msg, s):
    cn = s.cname
    c('static size_t %s(const %s *m, int16_t v)' % (fn(s, msg, 'size'), cn))
    c('{')
    c.ind += 1
    c('(void)m;')
    c('(void)v;')
    c('size_t n = 0;')
    tagged = []
    for f in s.fields:
        modes = field_mode_conds(msg, f)
        for (kind, flex, nullable), cond in sorted(modes.items()):
            if kind == 'tagged':
                tagged.append((f, flex, nullable, cond))
                continue
            if cond == '1':
                gen_size_field(c, msg, f, flex, nullable)
            else:
                c('if (%s) {' % cond)
                c.ind += 1
                gen_size_field(c, msg, f, flex, nullable)
                c.end()
    if not msg.flexible.empty():
        fcond = msg.flexible.cond() or '1'
        c('if (%s) {' % fcond)
        c.ind += 1
        c('uint32_t ntags = 0;')
        for (f, flex, nullable, cond) in tagged:
            c('if ((%s) && %s) {' % (cond, tagged_nondefault_cond(f)))
            c.ind += 1
            c('size_t t = 0;')
            gen_size_field(c, msg, f, flex, nullable, acc='t')
            c('n += lode_uvarint_size(%d) + lode_uvarint_size((uint32_t)t) + t;' % f.tag)
            c('ntags++;')
            c.end()
        c('n += lode_uvarint_size(ntags);')
        c.end()
    c('return n;')
    c.end()
    c('')


def write_scalar(t, expr):
    return {
        'bool': 'lode_buf_put_bool(out, %s);',
        'int8': 'lode_buf_put_i8(out, %s);',
        'int16': 'lode_buf_put_i16(out, %s);',
        'uint16': 'lode_buf_put_u16(out, %s);',
        'int32': 'lode_buf_put_i32(out, %s);',
        'uint32': 'lode_buf_put_u32(out, %s);',
        'int64': 'lode_buf_put_i64(out, %s);',
        'float64': 'lode_buf_put_f64(out, %s);',
        'uuid': 'lode_buf_put(out, %s.b, 16);',
    }[t] % expr


def gen_write_value(c, msg, f, target, flex, nullable, elem=False):
    t = f.elem
    if f.is_struct:
        if not elem and not f.nullable.empty():
            if nullable:
                c('if (!%s) {' % target)
                c('    lode_buf_put_i8(out, -1);')
                c('} else {')
                c.ind += 1
                c('lode_buf_put_i8(out, 1);')
                c('%s_write(%s, v, out);' % (f.struct.cname, target))
                c.end()
            else:
                c('%s_write(%s, v, out);' % (f.struct.cname, target))
            return
        c('%s_write(&%s, v, out);' % (f.struct.cname, target))
        return
    if t in PRIMS:
        c(write_scalar(t, target))
    elif t == 'string':
        c('lode_write_string(out, &%s, %d);' % (target, int(flex)))
    else:
        c('lode_write_bytes(out, &%s, %d);' % (target, int(flex)))


def gen_write_field(c, msg, f, flex, nullable):
    m = 'm->' + f.cname
    if f.is_array:
        c('lode_write_array_len(out, %s_count, %d);' % (m, int(flex)))
        c('for (int32_t i = 0; i < %s_count; i++) {' % m)
        c.ind += 1
        gen_write_value(c, msg, f, '%s[i]' % m, flex, False, elem=True)
        c.end()
        return
    gen_write_value(c, msg, f, m, flex, nullable)


def gen_write(c, msg, s):
    cn = s.cname
    c('static void %s(const %s *m, int16_t v, lode_buf_t *out)' % (fn(s, msg, 'write'), cn))
    c('{')
    c.ind += 1
    c('(void)m;')
    c('(void)v;')
    c('(void)out;')
    tagged = []
    for f in s.fields:
        modes = field_mode_conds(msg, f)
        for (kind, flex, nullable), cond in sorted(modes.items()):
            if kind == 'tagged':
                tagged.append((f, flex, nullable, cond))
                continue
            if cond == '1':
                gen_write_field(c, msg, f, flex, nullable)
            else:
                c('if (%s) {' % cond)
                c.ind += 1
                gen_write_field(c, msg, f, flex, nullable)
                c.end()
    if not msg.flexible.empty():
        fcond = msg.flexible.cond() or '1'
        c('if (%s) {' % fcond)
        c.ind += 1
        c('uint32_t ntags = 0;')
        for (f, flex, nullable, cond) in tagged:
            c('if ((%s) && %s)' % (cond, tagged_nondefault_cond(f)))
            c('    ntags++;')
        c('lode_buf_put_uvarint(out, ntags);')
        # tags in increasing order
        for (f, flex, nullable, cond) in sorted(tagged, key=lambda x: x[0].tag):
            c('if ((%s) && %s) {' % (cond, tagged_nondefault_cond(f)))
            c.ind += 1
            c('size_t t = 0;')
            gen_size_field(c, msg, f, flex, nullable, acc='t')
            c('lode_buf_put_uvarint(out, %d);' % f.tag)
            c('lode_buf_put_uvarint(out, (uint32_t)t);')
            gen_write_field(c, msg, f, flex, nullable)
            c.end()
        c.end()
    c.end()
    c('')


def nondefault_cond(f):
    """C condition: field differs from its default (for version checks)."""
    return tagged_nondefault_cond(f)


def gen_check(c, msg, s):
    cn = s.cname
    c('static int %s(const %s *m, int16_t v)' % (fn(s, msg, 'check'), cn))
    c('{')
    c.ind += 1
    c('(void)m;')
    c('(void)v;')
    allv = list(msg.versions())
    for f in s.fields:
        m = 'm->' + f.cname
        absent = [v for v in allv if not present(f, v)]
        if absent and not f.ignorable:
            cond = version_set_cond(absent, allv)
            c('if ((%s) && %s)' % (cond, nondefault_cond(f)))
            c('    return LODE_EUNSUPPORTED;')
        pres = [v for v in allv if present(f, v)]
        if not pres:
            continue
        # non-nullable versions must not hold null
        nonnull = [v for v in pres if not f.nullable.contains(v)]
        if nonnull:
            ncond = version_set_cond(nonnull, allv)
            if f.is_array:
                c('if ((%s) && %s_count < 0)' % (ncond, m))
                c('    return LODE_EINVAL;')
            elif f.is_struct and not f.nullable.empty():
                c('if ((%s) && %s == NULL)' % (ncond, m))
                c('    return LODE_EINVAL;')
            elif f.elem == 'string' or f.elem in ('bytes', 'records'):
                c('if ((%s) && %s.len < 0)' % (ncond, m))
                c('    return LODE_EINVAL;')
        pcond = version_set_cond(pres, allv)
        if f.is_struct:
            if f.is_array:
                c('if (%s) {' % pcond)
                c.ind += 1
                c('for (int32_t i = 0; i < %s_count; i++) {' % m)
                c('    int rc = %s_check(&%s[i], v);' % (f.struct.cname, m))
                c('    if (rc)')
                c('        return rc;')
                c('}')
                c.end()
            elif not f.nullable.empty():
                c('if ((%s) && %s) {' % (pcond, m))
                c('    int rc = %s_check(%s, v);' % (f.struct.cname, m))
                c('    if (rc)')
                c('        return rc;')
                c('}')
            else:
                c('if (%s) {' % pcond)
                c('    int rc = %s_check(&%s, v);' % (f.struct.cname, m))
                c('    if (rc)')
                c('        return rc;')
                c('}')
    c('return 0;')
    c.end()
    c('')
    # struct default test for tagged non-nullable struct fields
    c('static inline bool %s_is_default(const %s *m)' % (cn, cn)) if False else None


# ---------------------------------------------------------------------------
# Test support: random instances and equality

def gen_test(msg):
    structs = msg.all_structs()
    t = Emitter()
    t('/* Generated by tools/protogen for tests. Do not edit. */')
    t('#include "gen_test_rt.h"')
    t('#include "proto/gen/%s.h"' % msg.cname)
    t('')
    for s in structs:
        if s is msg.root:
            continue
        t('static void %s_random(%s *m, int16_t v, uint64_t *rng, lode_arena_t *a, int depth);' % (s.cname, s.cname))
        t('static bool %s_equal(const %s *x, const %s *y, int16_t v);' % (s.cname, s.cname, s.cname))
    t('')
    for s in structs:
        gen_random(t, msg, s)
        gen_equal(t, msg, s)
    n = msg.cname
    t('void %s_random_public(void *m, int16_t v, uint64_t *rng, lode_arena_t *a)' % n)
    t('{')
    t('    %s_init(m);' % n)
    t('    %s_random_s(m, v, rng, a, 0);' % n)
    t('}')
    t('')
    t('bool %s_equal_public(const void *x, const void *y, int16_t v)' % n)
    t('{')
    t('    return %s_equal_s(x, y, v);' % n)
    t('}')
    return t.text()


def rfn(s, msg, what):
    if s is msg.root:
        return '%s_%s_s' % (s.cname, what)
    return '%s_%s' % (s.cname, what)


def gen_random_value(t, msg, f, target, nullable, elem=False):
    tp = f.elem
    if f.is_struct:
        if not elem and not f.nullable.empty():
            if nullable:
                t('if (gen_rand(rng) % 3 == 0) {')
                t('    %s = NULL;' % target)
                t('} else {')
                t.ind += 1
            t('%s = lode_arena_alloc(a, sizeof *%s);' % (target, target))
            t('%s_init(%s);' % (f.struct.cname, target))
            t('%s_random(%s, v, rng, a, depth + 1);' % (f.struct.cname, target))
            if nullable:
                t.end()
            return
        t('%s_init(&%s);' % (f.struct.cname, target))
        t('%s_random(&%s, v, rng, a, depth + 1);' % (f.struct.cname, target))
        return
    if tp == 'bool':
        t('%s = gen_rand(rng) & 1;' % target)
    elif tp in ('int8', 'int16', 'uint16', 'int32', 'uint32', 'int64'):
        t('%s = (%s)gen_rand(rng);' % (target, PRIMS[tp][0]))
    elif tp == 'float64':
        t('%s = gen_double(rng);' % target)
    elif tp == 'uuid':
        t('gen_uuid(&%s, rng);' % target)
    elif tp == 'string':
        t('gen_string(&%s, rng, a, %d);' % (target, int(nullable)))
    else:
        t('gen_bytes(&%s, rng, a, %d);' % (target, int(nullable)))


def gen_random(t, msg, s):
    cn = s.cname
    t('static void %s(%s *m, int16_t v, uint64_t *rng, lode_arena_t *a, int depth)' % (rfn(s, msg, 'random'), cn))
    t('{')
    t.ind += 1
    t('(void)m;')
    t('(void)v;')
    t('(void)rng;')
    t('(void)a;')
    t('(void)depth;')
    for f in s.fields:
        modes = field_mode_conds(msg, f)
        # group by nullability only
        bynull = {}
        allv = list(msg.versions())
        for v in allv:
            if present(f, v):
                bynull.setdefault(f.nullable.contains(v), []).append(v)
        for nullable, vs in sorted(bynull.items()):
            cond = version_set_cond(vs, allv)
            t('if (%s) {' % cond)
            t.ind += 1
            m = 'm->' + f.cname
            if f.is_array:
                if nullable:
                    t('if (gen_rand(rng) % 4 == 0) {')
                    t('    %s_count = -1;' % m)
                    t('} else {')
                    t.ind += 1
                t('%s_count = depth > 3 ? 0 : (int32_t)(gen_rand(rng) %% 4);' % m)
                t('%s = %s_count ? lode_arena_calloc(a, (size_t)%s_count, sizeof *%s) : NULL;' % (m, m, m, m))
                t('for (int32_t i = 0; i < %s_count; i++) {' % m)
                t.ind += 1
                gen_random_value(t, msg, f, '%s[i]' % m, False, elem=True)
                t.end()
                if nullable:
                    t.end()
            else:
                gen_random_value(t, msg, f, m, nullable)
            t.end()
    t.end()
    t('')


def gen_equal_value(t, msg, f, x, y, elem=False):
    tp = f.elem
    if f.is_struct:
        if not elem and not f.nullable.empty():
            t('if ((%s == NULL) != (%s == NULL))' % (x, y))
            t('    return false;')
            t('if (%s && !%s_equal(%s, %s, v))' % (x, f.struct.cname, x, y))
            t('    return false;')
            return
        t('if (!%s_equal(&%s, &%s, v))' % (f.struct.cname, x, y))
        t('    return false;')
        return
    if tp == 'uuid':
        t('if (memcmp(%s.b, %s.b, 16) != 0)' % (x, y))
    elif tp == 'float64':
        t('if (memcmp(&%s, &%s, sizeof(double)) != 0)' % (x, y))
    elif tp == 'string':
        t('if (!gen_str_equal(&%s, &%s))' % (x, y))
    elif tp in ('bytes', 'records'):
        t('if (!gen_bytes_equal(&%s, &%s))' % (x, y))
    elif tp == 'bool':
        t('if (!%s != !%s)' % (x, y))
    else:
        t('if (%s != %s)' % (x, y))
    t('    return false;')


def gen_equal(t, msg, s):
    cn = s.cname
    t('static bool %s(const %s *x, const %s *y, int16_t v)' % (rfn(s, msg, 'equal'), cn, cn))
    t('{')
    t.ind += 1
    t('(void)x;')
    t('(void)y;')
    t('(void)v;')
    allv = list(msg.versions())
    for f in s.fields:
        pres = [v for v in allv if present(f, v)]
        if not pres:
            continue
        t('if (%s) {' % version_set_cond(pres, allv))
        t.ind += 1
        if f.is_array:
            t('if (x->%s_count != y->%s_count)' % (f.cname, f.cname))
            t('    return false;')
            t('for (int32_t i = 0; i < x->%s_count; i++) {' % f.cname)
            t.ind += 1
            gen_equal_value(t, msg, f, 'x->%s[i]' % f.cname, 'y->%s[i]' % f.cname, elem=True)
            t.end()
        else:
            gen_equal_value(t, msg, f, 'x->' + f.cname, 'y->' + f.cname)
        t.end()
    t('return true;')
    t.end()
    t('')


# ---------------------------------------------------------------------------
# Tables

def gen_tables(msgs):
    reqs = {m.api_key: m for m in msgs if m.kind == 'request'}
    resps = {m.api_key: m for m in msgs if m.kind == 'response'}
    h = Emitter()
    h('/* Generated by tools/protogen. Do not edit. */')
    h('#ifndef LODE_PROTO_GEN_API_TABLE_H')
    h('#define LODE_PROTO_GEN_API_TABLE_H')
    h('')
    h('#include "proto/codec_rt.h"')
    h('')
    h('/* Generic entry points of one generated message type. */')
    h('typedef struct lode_msg_type {')
    h('    const char *name;')
    h('    size_t size;              /* sizeof the C struct */')
    h('    int16_t min_version, max_version;')
    h('    int16_t first_flexible;   /* -1: never flexible */')
    h('    void (*init)(void *m);')
    h('    int (*decode)(void *m, int16_t v, lode_reader_t *r, lode_arena_t *a);')
    h('    size_t (*size_of)(const void *m, int16_t v);')
    h('    int (*encode)(const void *m, int16_t v, lode_buf_t *out);')
    h('} lode_msg_type_t;')
    h('')
    h('/* One API: its key, name and request/response types. */')
    h('typedef struct lode_api_info {')
    h('    int16_t key;')
    h('    const char *name;')
    h('    const lode_msg_type_t *request;')
    h('    const lode_msg_type_t *response;')
    h('    bool broker_listener;     /* served on broker listeners */')
    h('    bool controller_listener; /* served on controller listeners */')
    h('} lode_api_info_t;')
    h('')
    maxkey = max(reqs) if reqs else 0
    h('#define LODE_API_KEY_MAX %d' % maxkey)
    h('')
    h('/* The API with this key, or NULL. */')
    h('const lode_api_info_t *lode_api_info(int16_t key);')
    h('/* Every message type (requests, responses, headers, records, data). */')
    h('extern const lode_msg_type_t *const lode_msg_types[];')
    h('extern const size_t lode_msg_types_count;')
    h('/* KRaft metadata record types by their record type id (apiKey), or NULL. */')
    h('const lode_msg_type_t *lode_metadata_record_type(int16_t type);')
    h('')
    for m in msgs:
        h('extern const lode_msg_type_t lode_msg_%s;' % m.cname)
    h('')
    h('/* API keys. */')
    for k in sorted(reqs):
        name = reqs[k].name[:-len('Request')]
        h('#define LODE_API_%s %d' % (re.sub(r'(?<!^)(?=[A-Z])', '_', name).upper(), k))
    h('')
    h('#endif')

    c = Emitter()
    c('/* Generated by tools/protogen. Do not edit. */')
    c('#include "proto/gen/api_table.h"')
    c('')
    for m in msgs:
        c('#include "proto/gen/%s.h"' % m.cname)
    c('')
    for m in msgs:
        n = m.cname
        c('static void %s_init_g(void *m) { %s_init(m); }' % (n, n))
        c('static int %s_decode_g(void *m, int16_t v, lode_reader_t *r, lode_arena_t *a)' % n)
        c('{')
        c('    return %s_decode(m, v, r, a);' % n)
        c('}')
        c('static size_t %s_size_g(const void *m, int16_t v) { return %s_size(m, v); }' % (n, n))
        c('static int %s_encode_g(const void *m, int16_t v, lode_buf_t *out)' % n)
        c('{')
        c('    return %s_encode(m, v, out);' % n)
        c('}')
        c('const lode_msg_type_t lode_msg_%s = {"%s", sizeof(%s), %d, %d, %d, %s_init_g, %s_decode_g, %s_size_g, %s_encode_g};' % (
            n, m.name, n, m.valid.lo, m.valid.hi, -1 if m.flexible.empty() else m.flexible.lo, n, n, n, n))
        c('')
    c('const lode_msg_type_t *const lode_msg_types[] = {')
    for m in msgs:
        c('    &lode_msg_%s,' % m.cname)
    c('};')
    c('const size_t lode_msg_types_count = sizeof lode_msg_types / sizeof lode_msg_types[0];')
    c('')
    c('static const lode_api_info_t apis[] = {')
    for k in sorted(reqs):
        rq = reqs[k]
        rs = resps.get(k)
        name = rq.name[:-len('Request')]
        lst = rq.listeners
        c('    {%d, "%s", &lode_msg_%s, %s, %s, %s},' % (
            k, name, rq.cname, ('&lode_msg_%s' % rs.cname) if rs else 'NULL',
            'true' if ('broker' in lst or 'zkBroker' in lst) else 'false',
            'true' if 'controller' in lst else 'false'))
    c('};')
    c('')
    c('const lode_api_info_t *lode_api_info(int16_t key)')
    c('{')
    c('    for (size_t i = 0; i < sizeof apis / sizeof apis[0]; i++)')
    c('        if (apis[i].key == key)')
    c('            return &apis[i];')
    c('    return NULL;')
    c('}')
    c('')
    c('const lode_msg_type_t *lode_metadata_record_type(int16_t type)')
    c('{')
    c('    switch (type) {')
    for m in msgs:
        if m.kind == 'metadata' and m.api_key is not None:
            c('    case %d:' % m.api_key)
            c('        return &lode_msg_%s;' % m.cname)
    c('    default:')
    c('        return NULL;')
    c('    }')
    c('}')

    t = Emitter()
    t('/* Generated by tools/protogen for tests. Do not edit. */')
    t('#include "gen_test_rt.h"')
    t('')
    for m in msgs:
        t('void %s_random_public(void *m, int16_t v, uint64_t *rng, lode_arena_t *a);' % m.cname)
        t('bool %s_equal_public(const void *x, const void *y, int16_t v);' % m.cname)
    t('')
    t('const lode_msg_test_t lode_msg_tests[] = {')
    for m in msgs:
        t('    {&lode_msg_%s, %s_random_public, %s_equal_public},' % (m.cname, m.cname, m.cname))
    t('};')
    t('const size_t lode_msg_tests_count = sizeof lode_msg_tests / sizeof lode_msg_tests[0];')
    return h.text(), c.text(), t.text()


TEST_RT_H = '''/* Generated by tools/protogen for tests. Do not edit. */
#ifndef LODE_TEST_GEN_TEST_RT_H
#define LODE_TEST_GEN_TEST_RT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "proto/gen/api_table.h"

/* Random instance and equality of one message type (for round-trip tests). */
typedef struct lode_msg_test {
    const lode_msg_type_t *type;
    void (*random)(void *m, int16_t v, uint64_t *rng, lode_arena_t *a);
    bool (*equal)(const void *x, const void *y, int16_t v);
} lode_msg_test_t;

extern const lode_msg_test_t lode_msg_tests[];
extern const size_t lode_msg_tests_count;

static inline uint64_t gen_rand(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static inline double gen_double(uint64_t *rng)
{
    return (double)(int64_t)gen_rand(rng) / 1024.0;
}

static inline void gen_uuid(lode_uuid_t *u, uint64_t *rng)
{
    uint64_t a = gen_rand(rng), b = gen_rand(rng);
    memcpy(u->b, &a, 8);
    memcpy(u->b + 8, &b, 8);
}

static inline void gen_string(lode_str_t *s, uint64_t *rng, lode_arena_t *a, int nullable)
{
    uint64_t r = gen_rand(rng);
    if (nullable && r % 5 == 0) {
        s->ptr = NULL;
        s->len = -1;
        return;
    }
    int32_t n = (int32_t)((r >> 8) % 12);
    char *p = lode_arena_alloc(a, (size_t)n + 1);
    for (int32_t i = 0; i < n; i++)
        p[i] = (char)('a' + gen_rand(rng) % 26);
    p[n] = 0;
    s->ptr = p;
    s->len = n;
}

static inline void gen_bytes(lode_bytes_t *s, uint64_t *rng, lode_arena_t *a, int nullable)
{
    uint64_t r = gen_rand(rng);
    if (nullable && r % 5 == 0) {
        s->ptr = NULL;
        s->len = -1;
        return;
    }
    int32_t n = (int32_t)((r >> 8) % 20);
    uint8_t *p = lode_arena_alloc(a, (size_t)n + 1);
    for (int32_t i = 0; i < n; i++)
        p[i] = (uint8_t)gen_rand(rng);
    s->ptr = p;
    s->len = n;
}

static inline bool gen_str_equal(const lode_str_t *x, const lode_str_t *y)
{
    if (x->len != y->len)
        return false;
    return x->len <= 0 || memcmp(x->ptr, y->ptr, (size_t)x->len) == 0;
}

static inline bool gen_bytes_equal(const lode_bytes_t *x, const lode_bytes_t *y)
{
    if (x->len != y->len)
        return false;
    return x->len <= 0 || memcmp(x->ptr, y->ptr, (size_t)x->len) == 0;
}

#endif
'''


def write_if_changed(path, text):
    if os.path.exists(path):
        with open(path) as fh:
            if fh.read() == text:
                return
    with open(path, 'w') as fh:
        fh.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--schemas', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--test-out', required=True)
    args = ap.parse_args()
    msgs = []
    for sub in sorted(os.listdir(args.schemas)):
        d = os.path.join(args.schemas, sub)
        if not os.path.isdir(d):
            continue
        for fname in sorted(os.listdir(d)):
            if not fname.endswith('.json'):
                continue
            path = os.path.join(d, fname)
            with open(path, encoding='utf-8') as fh:
                spec = json.loads(strip_comments(fh.read()))
            msgs.append(Message(spec, path))
    names = set()
    for m in msgs:
        if m.cname in names:
            raise SystemExit('duplicate message name ' + m.name)
        names.add(m.cname)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.test_out, exist_ok=True)
    expected = set()
    texpected = set()
    for m in msgs:
        htxt, ctxt = gen_message(m)
        write_if_changed(os.path.join(args.out, m.cname + '.h'), htxt)
        write_if_changed(os.path.join(args.out, m.cname + '.c'), ctxt)
        expected |= {m.cname + '.h', m.cname + '.c'}
        write_if_changed(os.path.join(args.test_out, m.cname + '_test.c'), gen_test(m))
        texpected.add(m.cname + '_test.c')
    h, c, t = gen_tables(msgs)
    write_if_changed(os.path.join(args.out, 'api_table.h'), h)
    write_if_changed(os.path.join(args.out, 'api_table.c'), c)
    write_if_changed(os.path.join(args.test_out, 'gen_test_rt.h'), TEST_RT_H)
    write_if_changed(os.path.join(args.test_out, 'gen_tests.c'), t)
    expected |= {'api_table.h', 'api_table.c'}
    texpected |= {'gen_test_rt.h', 'gen_tests.c'}
    for d, exp in ((args.out, expected), (args.test_out, texpected)):
        for fname in os.listdir(d):
            if fname not in exp:
                os.remove(os.path.join(d, fname))
    print('protogen: %d messages, %d message-versions' % (
        len(msgs), sum(m.valid.hi - m.valid.lo + 1 for m in msgs)))


if __name__ == '__main__':
    main()
