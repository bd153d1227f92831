#!/usr/bin/env python3
"""protogen — lode's generator of Kafka protocol codecs.

Reads Apache Kafka's message schemas (JSON with // comments) and writes C:
one header and one source per message with types and init / decode / size /
encode functions for every valid version, an API table with lookups (API
keys, KRaft metadata record types, coordinator record types), and, for the
tests, random-instance and equality functions. Only the structure of the
schemas is used (names, types, versions, defaults); none of their prose is
carried over.

Usage: protogen.py --schemas DIR --out DIR --test-out DIR

Wire rules follow Kafka's own generator:
  * flexible versions use compact lengths (unsigned varint of length + 1,
    0 = null) and end every struct with a tagged-field section; a field may
    override the message's flexibleVersions (the request header's client id);
  * tagged fields are written only when they differ from their default, in
    increasing tag order; unknown tags (and known tags at a version where
    their field is not tagged) are skipped on decode;
  * a nullable struct carries a presence marker: int8 -1/1 when untagged,
    unsigned varint 0/1 when tagged; without a "null" default its default
    is the empty struct (absent on the wire), and null is written;
  * a field a version lacks must hold its default when encoding that
    version, unless it is ignorable (then it is dropped).
Output is deterministic: the same schemas always give the same bytes.
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


VMAX = 0x7fff


class Versions:
    """A version range: "N+", "N-M", "N" or "none"."""

    def __init__(self, spec):
        spec = (spec or 'none').strip()
        if spec == 'none':
            self.lo, self.hi = 1, 0
        elif spec.endswith('+'):
            self.lo, self.hi = int(spec[:-1]), VMAX
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


def as_bool(x):
    """Kafka's schemas spell booleans as JSON booleans or strings."""
    return x is True or (isinstance(x, str) and x.lower() == 'true')


class Field:
    def __init__(self, spec, msg, parent_versions):
        self.name = spec['name']
        self.cname = c_ident(self.name)
        self.type = spec['type']
        self.tagged = Versions(spec.get('taggedVersions'))
        # Like Kafka: a tagged field without "versions" exists in its tagged
        # versions.
        vspec = spec.get('versions')
        if vspec is None and not self.tagged.empty():
            vspec = spec.get('taggedVersions')
        if vspec is None:
            raise SystemExit('%s: field %s has no versions' % (msg.path, self.name))
        self.versions = Versions(vspec).intersect(parent_versions)
        self.nullable = Versions(spec.get('nullableVersions'))
        self.tag = int(spec['tag']) if spec.get('tag') is not None else None
        self.flex = Versions(spec['flexibleVersions']) if 'flexibleVersions' in spec else None
        # A JSON null default is no default (Kafka reads it as ""), unlike the
        # string "null".
        self.default = spec.get('default')
        self.ignorable = as_bool(spec.get('ignorable', False))
        self.is_array = self.type.startswith('[]')
        self.elem = self.type[2:] if self.is_array else self.type
        self.struct = None
        if self.elem not in PRIMS and self.elem not in VARLEN:
            self.struct = msg.struct_for(self.elem, spec.get('fields'))
        if self.elem == 'uuid' and self.default not in (None, '', 'null'):
            raise SystemExit('%s: uuid defaults are not supported (%s)' % (msg.path, self.name))
        if not self.tagged.empty() and self.tag is None:
            raise SystemExit('%s: %s has tagged versions but no tag' % (msg.path, self.name))

    @property
    def kind(self):
        """array | struct (by value) | sptr (nullable struct, a pointer) |
        prim | string | bytes (bytes and records)."""
        if self.is_array:
            return 'array'
        if self.struct is not None:
            return 'sptr' if not self.nullable.empty() else 'struct'
        if self.elem in PRIMS:
            return 'prim'
        if self.elem == 'string':
            return 'string'
        return 'bytes'

    def null_default(self):
        """Whether the schema default is null."""
        return self.default == 'null'


class Struct:
    def __init__(self, name, cname, fields_spec, msg):
        self.name = name
        self.cname = cname
        self.msg = msg
        self.fields_spec = fields_spec
        self.fields = None

    def resolve(self):
        if self.fields is None:
            self.fields = []
            for fs in self.fields_spec:
                self.fields.append(Field(fs, self.msg, self.msg.valid))
        return self.fields


class Message:
    def __init__(self, spec, path, folder):
        self.path = path
        self.folder = folder
        self.name = spec['name']
        self.cname = c_ident(self.name)
        self.kind = spec['type']
        self.api_key = spec.get('apiKey')
        self.valid = Versions(spec['validVersions'])
        self.flexible = Versions(spec.get('flexibleVersions', 'none'))
        self.listeners = spec.get('listeners', [])
        self.structs = {}
        self.common = {cs['name']: cs for cs in spec.get('commonStructs', [])}
        self.allv = list(range(self.valid.lo, self.valid.hi + 1))
        self.flexset = frozenset(v for v in self.allv if self.flexible.contains(v))
        self.root = Struct(self.name, self.cname, spec.get('fields', []), self)
        self.root.resolve()

    def struct_for(self, name, fields_spec):
        if name in self.structs:
            return self.structs[name]
        if fields_spec is None:
            if name not in self.common:
                raise SystemExit('%s: unknown type %s' % (self.path, name))
            fields_spec = self.common[name]['fields']
        s = Struct(name, '%s_%s' % (self.cname, c_ident(name)), fields_spec, self)
        self.structs[name] = s
        s.resolve()
        return s

    def all_structs(self):
        """Every struct, dependencies first, the message itself last."""
        seen, out = set(), []

        def visit(s):
            if s.cname in seen:
                return
            seen.add(s.cname)
            for f in s.fields:
                if f.struct is not None:
                    visit(f.struct)
            out.append(s)
        visit(self.root)
        return out

    def nversions(self):
        return len(self.allv)


# ---------------------------------------------------------------------------
# Version sets and the C conditions that select them


def vset(msg, pred):
    return frozenset(v for v in msg.allv if pred(v))


def present(msg, f):
    return vset(msg, f.versions.contains)


def tagged_set(msg, f):
    """Versions where f is present and travels as a tagged field."""
    return vset(msg, lambda v: f.versions.contains(v) and f.tagged.contains(v)
                and v in msg.flexset)


def untagged_set(msg, f):
    return present(msg, f) - tagged_set(msg, f)


def flex_set(msg, f):
    """Versions where f uses compact encodings."""
    return vset(msg, lambda v: v in msg.flexset and (f.flex is None or f.flex.contains(v)))


def null_set(msg, f):
    return vset(msg, f.nullable.contains)


def range_cond(vs, allv):
    """C condition on v selecting exactly vs among allv (sorted ints)."""
    vs = sorted(vs)
    if not vs:
        return '0'
    if vs == allv:
        return '1'
    ranges = []
    start = prev = vs[0]
    for x in vs[1:]:
        if x != prev + 1:
            ranges.append((start, prev))
            start = x
        prev = x
    ranges.append((start, prev))
    lo_all, hi_all = allv[0], allv[-1]
    conds = []
    for a, b in ranges:
        if a == b and a > lo_all and b < hi_all:
            conds.append('v == %d' % a)
            continue
        p = []
        if a > lo_all:
            p.append('v >= %d' % a)
        if b < hi_all:
            p.append('v <= %d' % b)
        conds.append(' && '.join(p))
    if len(conds) == 1:
        return conds[0]
    return ' || '.join('(%s)' % x for x in conds)


def vexpr(msg, true_set, ctx, use_flex=True):
    """A C expression that is true for the versions of true_set and false
    for the other versions of ctx (versions outside ctx do not matter).
    'flex' names the local holding "v is a flexible version"."""
    ctx = frozenset(ctx)
    t = frozenset(true_set) & ctx
    if t == ctx:
        return '1'
    if not t:
        return '0'
    if use_flex and msg.flexset & ctx == t:
        return 'flex'
    outside = frozenset(msg.allv) - ctx
    cands = [range_cond(t, msg.allv), range_cond(t | outside, msg.allv)]
    return min(cands, key=len)


def guard(c, cond):
    """Opens `if (cond) {` unless cond is always true; returns whether a block
    was opened (close it with c.end())."""
    if cond == '1':
        return False
    c.block('if (%s)' % cond)
    return True


def paren(e):
    return e if re.fullmatch(r'[A-Za-z0-9_]+', e) else '(%s)' % e


def and_(*conds):
    parts = [x for x in conds if x != '1']
    if '0' in parts:
        return '0'
    if not parts:
        return '1'
    if len(parts) == 1:
        return parts[0]
    return ' && '.join(paren(p) for p in parts)


def vrange_text(vs, allv):
    """Human-readable version set for header comments: "v3+", "v0-4"."""
    vs = sorted(vs)
    if not vs:
        return 'never'
    ranges = []
    start = prev = vs[0]
    for x in vs[1:]:
        if x != prev + 1:
            ranges.append((start, prev))
            start = x
        prev = x
    ranges.append((start, prev))
    out = []
    for a, b in ranges:
        if b == allv[-1] and a != b:
            out.append('v%d+' % a)
        elif a == b:
            out.append('v%d' % a)
        else:
            out.append('v%d-%d' % (a, b))
    return ','.join(out)


# ---------------------------------------------------------------------------
# Defaults


def int_default(f):
    d = f.default
    if d is None or d == '':
        return 0
    return int(str(d), 0)


def default_literal(f):
    """C expression for a scalar field's default."""
    t = f.elem
    if t == 'bool':
        return 'true' if as_bool(f.default) else 'false'
    if t in ('int8', 'int16', 'uint16', 'int32', 'uint32', 'int64'):
        v = int_default(f)
        if t == 'int64':
            return '(int64_t)INT64_MIN' if v == -(2 ** 63) else '(int64_t)%dLL' % v
        if t == 'uint32':
            return '%du' % v
        return '%d' % v
    if t == 'float64':
        return repr(float(f.default)) if f.default not in (None, '') else '0.0'
    raise AssertionError(t)


def str_default(f):
    """(is_null, text) of a string field's default."""
    if f.default == 'null':
        return True, None
    if f.default is None:
        return False, ''
    return False, str(f.default)


def cstr(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def bytes_init_null(msg, f):
    """Whether a bytes/records field starts null: a null default, or records
    that are nullable (Kafka's records default is null)."""
    return f.null_default() or (f.elem == 'records' and not f.nullable.empty())


def struct_ptr_empty_default(f):
    """A nullable struct whose schema default is the empty struct, not null
    (Kafka's default when none is given): absent on the wire means an empty
    struct, and null is written explicitly."""
    return f.kind == 'sptr' and not f.null_default()


def nondefault(msg, f, m, need):
    """C condition: field f of struct pointer m differs from its default.
    need collects the structs whose is-default function is used."""
    x = '%s->%s' % (m, f.cname)
    k = f.kind
    if k == 'array':
        return '%s_count >= 0' % x if f.null_default() else '%s_count != 0' % x
    if k == 'struct':
        need.add(f.struct.cname)
        return '!%s__is_default(&%s)' % (f.struct.cname, x)
    if k == 'sptr':
        if f.null_default():
            return '%s != NULL' % x
        need.add(f.struct.cname)
        return '(%s == NULL || !%s__is_default(%s))' % (x, f.struct.cname, x)
    if k == 'string':
        is_null, text = str_default(f)
        if is_null:
            return '%s.len >= 0' % x
        if text == '':
            return '%s.len != 0' % x
        return '!lode_str_eq_c(&%s, %s)' % (x, cstr(text))
    if k == 'bytes':
        return '%s.len >= 0' % x if bytes_init_null(msg, f) else '%s.len != 0' % x
    if f.elem == 'uuid':
        return '!lode_uuid_is_zero_t(&%s)' % x
    if f.elem == 'bool':
        return '!%s' % x if as_bool(f.default) else x
    return '%s != %s' % (x, default_literal(f))


# ---------------------------------------------------------------------------
# Emitting C


class Emitter:
    def __init__(self):
        self.lines = []
        self.ind = 0

    def __call__(self, line=''):
        self.lines.append('    ' * self.ind + line if line else '')

    def block(self, head):
        self(head + ' {')
        self.ind += 1

    def end(self, tail=''):
        self.ind -= 1
        self('}' + tail)

    def extend(self, other):
        for line in other.lines:
            self.lines.append(('    ' * self.ind + line) if line else '')

    def text(self):
        return '\n'.join(self.lines) + '\n'


def func(c, head, body, flex_decl=None):
    """Writes a function: head, then body (an Emitter); declares the local
    `flex` first when the body uses it."""
    c(head)
    c('{')
    c.ind += 1
    if flex_decl and any(re.search(r'\bflex\b', x) for x in body.lines):
        c('const int flex = %s;' % flex_decl)
    c.extend(body)
    c.ind -= 1
    c('}')
    c('')


def elem_ctype(f):
    if f.struct is not None:
        return f.struct.cname
    if f.elem in PRIMS:
        return PRIMS[f.elem][0]
    if f.elem == 'string':
        return 'lode_str_t'
    return 'lode_bytes_t'


def field_comment(msg, f):
    parts = []
    pres = present(msg, f)
    if sorted(pres) != msg.allv:
        parts.append(vrange_text(pres, msg.allv))
    nul = null_set(msg, f) & pres
    if nul and f.kind != 'sptr':
        parts.append('nullable %s' % vrange_text(nul, msg.allv) if nul != pres else 'nullable')
    tg = tagged_set(msg, f)
    if tg:
        parts.append('tag %d %s' % (f.tag, vrange_text(tg, msg.allv)))
    if f.ignorable and pres != frozenset(msg.allv):
        parts.append('ignorable')
    if f.kind == 'sptr':
        if struct_ptr_empty_default(f):
            parts.append('NULL: null; absent: empty struct')
        else:
            parts.append('NULL: null')
    return parts


def field_decls(msg, f):
    n = f.cname
    notes = field_comment(msg, f)
    note = ' /* %s */' % '; '.join(notes) if notes else ''
    if f.is_array:
        return ['%s *%s;%s' % (elem_ctype(f), n, note),
                'int32_t %s_count; /* -1: null */' % n]
    if f.kind == 'sptr':
        return ['%s *%s;%s' % (f.struct.cname, n, note)]
    return ['%s %s;%s' % (elem_ctype(f), n, note)]


READ = {
    'bool': 'lode_read_bool', 'int8': 'lode_read_i8', 'int16': 'lode_read_i16',
    'uint16': 'lode_read_u16', 'int32': 'lode_read_i32', 'uint32': 'lode_read_u32',
    'int64': 'lode_read_i64', 'float64': 'lode_read_f64', 'uuid': 'lode_read_uuid',
}
WRITE = {
    'bool': 'lode_buf_put_bool(out, %s);', 'int8': 'lode_buf_put_i8(out, %s);',
    'int16': 'lode_buf_put_i16(out, %s);', 'uint16': 'lode_buf_put_u16(out, %s);',
    'int32': 'lode_buf_put_i32(out, %s);', 'uint32': 'lode_buf_put_u32(out, %s);',
    'int64': 'lode_buf_put_i64(out, %s);', 'float64': 'lode_buf_put_f64(out, %s);',
    'uuid': 'lode_buf_put(out, %s.b, 16);',
}


class Gen:
    """Generates one message's codec."""

    def __init__(self, msg):
        self.msg = msg
        self.structs = msg.all_structs()
        self.min_cache = {}
        self.check_cache = {}
        self.isdef = set()  # structs whose __is_default is needed
        # Versions in which each struct can be reached from the message: a
        # nested struct's functions are only called for those, so conditions
        # need only be right there.
        self.reach = {msg.cname: frozenset(msg.allv)}
        for s in reversed(self.structs):
            for f in s.fields:
                if f.struct is not None:
                    got = present(msg, f) & self.reach.get(s.cname, frozenset())
                    self.reach[f.struct.cname] = self.reach.get(f.struct.cname, frozenset()) | got

    # ---- sizes used to bound array counts

    def min_size(self, s, v):
        """The fewest bytes struct s can take at version v."""
        key = (s.cname, v)
        if key in self.min_cache:
            return self.min_cache[key]
        msg = self.msg
        total = 1 if v in msg.flexset else 0
        for f in s.fields:
            if not f.versions.contains(v) or v in tagged_set(msg, f):
                continue
            flex = v in flex_set(msg, f)
            k = f.kind
            if k == 'array':
                total += 1 if flex else 4
            elif k == 'struct':
                total += self.min_size(f.struct, v)
            elif k == 'sptr':
                total += 1 if f.nullable.contains(v) else self.min_size(f.struct, v)
            elif k == 'prim':
                total += PRIMS[f.elem][1]
            elif k == 'string':
                total += 1 if flex else 2
            else:
                total += 1 if flex else 4
        self.min_cache[key] = total
        return total

    def min_elem(self, f, vs):
        """Bytes an element of array f takes at least, over versions vs."""
        best = None
        for v in vs:
            flex = v in flex_set(self.msg, f)
            if f.struct is not None:
                n = self.min_size(f.struct, v)
            elif f.elem in PRIMS:
                n = PRIMS[f.elem][1]
            elif f.elem == 'string':
                n = 1 if flex else 2
            else:
                n = 1 if flex else 4
            best = n if best is None else min(best, n)
        return max(1, best or 1)

    # ---- init

    def gen_init(self, c, s):
        b = Emitter()
        b('memset(m, 0, sizeof *m);')
        for f in s.fields:
            x = 'm->' + f.cname
            k = f.kind
            if k == 'array':
                if f.null_default():
                    b('%s_count = -1;' % x)
            elif k == 'struct':
                if any(True for _ in self.init_lines(f.struct)):
                    b('%s_init(&%s);' % (f.struct.cname, x))
            elif k == 'sptr':
                pass  # NULL
            elif k == 'prim':
                if f.elem != 'uuid':
                    lit = default_literal(f)
                    if lit not in ('0', 'false', '0.0', '0u', '(int64_t)0LL'):
                        b('%s = %s;' % (x, lit))
            elif k == 'string':
                is_null, text = str_default(f)
                b('%s = %s;' % (x, 'LODE_STR_NULL' if is_null else 'lode_str_lit(%s)' % cstr(text)))
            else:
                b('%s = %s;' % (x, 'LODE_BYTES_NULL' if bytes_init_null(self.msg, f)
                                else 'LODE_BYTES_EMPTY'))
        func(c, 'void %s_init(%s *m)' % (s.cname, s.cname), b)

    def init_lines(self, s):
        """Whether struct s's init does more than zero it (for callers)."""
        for f in s.fields:
            k = f.kind
            if k == 'array' and f.null_default():
                yield f
            elif k == 'struct' and any(True for _ in self.init_lines(f.struct)):
                yield f
            elif k == 'prim' and f.elem != 'uuid' and default_literal(f) not in (
                    '0', 'false', '0.0', '0u', '(int64_t)0LL'):
                yield f
            elif k in ('string', 'bytes'):
                yield f

    # ---- decode

    def read_value(self, b, f, x, rd, flex_e, null_e, tagged, vs):
        """Decodes one field value from reader rd into x (vs: the versions
        this code runs for)."""
        k = f.kind
        if k == 'array':
            b('%s = lode_read_array(%s, a, %s, %s, %d, sizeof *%s, &%s_count);' % (
                x, rd, flex_e, null_e, self.min_elem(f, vs), x, x))
            loop = 'for (int32_t i = 0; i < %s_count && !%s->err; i++)' % (x, rd)
            el = '%s[i]' % x
            if f.struct is not None:
                b.block(loop)
                b('%s_init(&%s);' % (f.struct.cname, el))
                b('%s__decode(&%s, v, %s, a);' % (f.struct.cname, el, rd))
                b.end()
            elif f.elem in PRIMS:
                b(loop)
                b('    %s = %s(%s);' % (el, READ[f.elem], rd))
            elif f.elem == 'string':
                b(loop)
                b('    lode_read_string(%s, &%s, %s, 0);' % (rd, el, flex_e))
            else:
                b(loop)
                b('    lode_read_bytes(%s, &%s, %s, 0);' % (rd, el, flex_e))
        elif k == 'struct':
            b('%s__decode(&%s, v, %s, a);' % (f.struct.cname, x, rd))
        elif k == 'sptr':
            marker = ('lode_read_uvarint(%s) > 0' % rd) if tagged else ('lode_read_i8(%s) >= 0' % rd)
            if null_e == '0':
                cond = '1'
            elif null_e == '1':
                cond = marker
            else:
                cond = '!%s || %s' % (paren(null_e), marker)
            b.block('if (%s)' % cond)
            if tagged and struct_ptr_empty_default(f):
                # reuse the empty struct allocated for "absent"
                b('if (!%s)' % x)
                b('    %s = lode_arena_alloc(a, sizeof *%s);' % (x, x))
            else:
                b('%s = lode_arena_alloc(a, sizeof *%s);' % (x, x))
            b('%s_init(%s);' % (f.struct.cname, x))
            b('%s__decode(%s, v, %s, a);' % (f.struct.cname, x, rd))
            if tagged:
                b.end(' else {')
                b.ind += 1
                b('%s = NULL;' % x)
            b.end()
        elif k == 'prim':
            b('%s = %s(%s);' % (x, READ[f.elem], rd))
        elif k == 'string':
            b('lode_read_string(%s, &%s, %s, %s);' % (rd, x, flex_e, null_e))
        else:
            b('lode_read_bytes(%s, &%s, %s, %s);' % (rd, x, flex_e, null_e))

    def gen_decode(self, c, s):
        msg = self.msg
        b = Emitter()
        allv = self.reach[s.cname]
        tagged = []
        for f in s.fields:
            u = untagged_set(msg, f) & allv
            if tagged_set(msg, f) & allv:
                tagged.append(f)
            if not u:
                continue
            opened = guard(b, vexpr(msg, u, allv, use_flex=False))
            self.read_value(b, f, 'm->' + f.cname, 'r', vexpr(msg, flex_set(msg, f), u),
                            vexpr(msg, null_set(msg, f), u), False, u)
            if opened:
                b.end()
        if msg.flexset:
            fl = vexpr(msg, msg.flexset, allv)
            if not tagged:
                if fl == '1':
                    b('lode_skip_tags(r);')
                else:
                    b('if (%s)' % fl)
                    b('    lode_skip_tags(r);')
            else:
                opened = guard(b, fl)
                for f in tagged:
                    if struct_ptr_empty_default(f):
                        # absent means the empty struct (Kafka's default)
                        t_opened = guard(b, vexpr(msg, tagged_set(msg, f) & allv, msg.flexset & allv,
                                                  use_flex=False))
                        b('m->%s = lode_arena_alloc(a, sizeof *m->%s);' % (f.cname, f.cname))
                        b('%s_init(m->%s);' % (f.struct.cname, f.cname))
                        if t_opened:
                            b.end()
                b('uint32_t ntags = lode_read_uvarint(r);')
                b.block('for (uint32_t k = 0; k < ntags && !r->err; k++)')
                b('lode_reader_t sub, *t = &sub;')
                b('switch (lode_read_tag(r, t)) {')
                by_tag = {}
                for f in tagged:
                    by_tag.setdefault(f.tag, []).append(f)
                for tag in sorted(by_tag):
                    b('case %d:' % tag)
                    b.ind += 1
                    for f in by_tag[tag]:
                        ts = tagged_set(msg, f) & allv
                        t_opened = guard(b, vexpr(msg, ts, msg.flexset & allv, use_flex=False))
                        self.read_value(b, f, 'm->' + f.cname, 't', vexpr(msg, flex_set(msg, f), ts),
                                        vexpr(msg, null_set(msg, f), ts), True, ts)
                        b('lode_tag_end(r, t);')
                        if t_opened:
                            b.end()
                    b('break;')
                    b.ind -= 1
                b('default:')
                b('    break; /* unknown tags are skipped */')
                b('}')
                b.end()
                if opened:
                    b.end()
        func(c, 'static void %s__decode(%s *m, int16_t v, lode_reader_t *r, lode_arena_t *a)' % (
            s.cname, s.cname), b, self.flex_decl())

    def flex_decl(self):
        msg = self.msg
        if not msg.flexset:
            return None
        return vexpr(msg, msg.flexset, frozenset(msg.allv), use_flex=False)

    # ---- size

    def size_value(self, b, f, x, acc, flex_e, null_e, tagged):
        """Adds the encoded size of one field value to acc; returns a constant
        instead when the size is fixed."""
        k = f.kind
        if k == 'prim':
            return PRIMS[f.elem][1]
        if k == 'array':
            b('%s += lode_array_len_size(%s_count, %s);' % (acc, x, flex_e))
            if f.struct is not None:
                b('for (int32_t i = 0; i < %s_count; i++)' % x)
                b('    %s += %s__size(&%s[i], v);' % (acc, f.struct.cname, x))
            elif f.elem in PRIMS:
                b('if (%s_count > 0)' % x)
                b('    %s += (size_t)%s_count * %d;' % (acc, x, PRIMS[f.elem][1]))
            else:
                fn = 'lode_string_size' if f.elem == 'string' else 'lode_bytes_size'
                b('for (int32_t i = 0; i < %s_count; i++)' % x)
                b('    %s += %s(&%s[i], %s);' % (acc, fn, x, flex_e))
        elif k == 'struct':
            b('%s += %s__size(&%s, v);' % (acc, f.struct.cname, x))
        elif k == 'sptr':
            marker = {'0': '', '1': '1 + '}.get(null_e, '%s + ' % paren(null_e))
            b('%s += %s(%s ? %s__size(%s, v) : 0);' % (acc, marker, x, f.struct.cname, x))
        elif k == 'string':
            b('%s += lode_string_size(&%s, %s);' % (acc, x, flex_e))
        else:
            b('%s += lode_bytes_size(&%s, %s);' % (acc, x, flex_e))
        return 0

    def gen_size(self, c, s):
        msg = self.msg
        b = Emitter()
        allv = self.reach[s.cname]
        const = 0
        tagged = []
        for f in s.fields:
            u = untagged_set(msg, f) & allv
            if tagged_set(msg, f) & allv:
                tagged.append(f)
            if not u:
                continue
            cond = vexpr(msg, u, allv, use_flex=False)
            inner = Emitter()
            k = self.size_value(inner, f, 'm->' + f.cname, 'n', vexpr(msg, flex_set(msg, f), u),
                                vexpr(msg, null_set(msg, f), u), False)
            if k and cond == '1':
                const += k
                continue
            if k:
                inner('n += %d;' % k)
            if cond == '1':
                b.extend(inner)
            elif len(inner.lines) == 1:
                b('if (%s)' % cond)
                b('    ' + inner.lines[0])
            else:
                b.block('if (%s)' % cond)
                b.extend(inner)
                b.end()
        if msg.flexset:
            fl = vexpr(msg, msg.flexset, allv)
            if not tagged:
                if fl == '1':
                    const += 1
                else:
                    b('n += (size_t)%s;' % paren(fl))
            else:
                opened = guard(b, fl)
                b('uint32_t ntags = 0;')
                for f in tagged:
                    ts = tagged_set(msg, f) & allv
                    b.block('if (%s)' % and_(vexpr(msg, ts, msg.flexset & allv, use_flex=False),
                                             nondefault(msg, f, 'm', self.isdef)))
                    b('size_t t = 0;')
                    k = self.size_value(b, f, 'm->' + f.cname, 't', vexpr(msg, flex_set(msg, f), ts),
                                        vexpr(msg, null_set(msg, f), ts), True)
                    if k:
                        b('t = %d;' % k)
                    b('n += lode_tag_size(%d, t);' % f.tag)
                    b('ntags++;')
                    b.end()
                b('n += lode_uvarint_size(ntags);')
                if opened:
                    b.end()
        body = Emitter()
        body('size_t n = %d;' % const)
        body.extend(b)
        body('return n;')
        func(c, 'static size_t %s__size(const %s *m, int16_t v)' % (s.cname, s.cname), body,
             self.flex_decl())

    # ---- write

    def write_value(self, b, f, x, flex_e, null_e, tagged):
        k = f.kind
        if k == 'array':
            b('lode_write_array_len(out, %s_count, %s);' % (x, flex_e))
            loop = 'for (int32_t i = 0; i < %s_count; i++)' % x
            el = '%s[i]' % x
            b(loop)
            if f.struct is not None:
                b('    %s__write(&%s, v, out);' % (f.struct.cname, el))
            elif f.elem in PRIMS:
                b('    ' + WRITE[f.elem] % el)
            elif f.elem == 'string':
                b('    lode_write_string(out, &%s, %s);' % (el, flex_e))
            else:
                b('    lode_write_bytes(out, &%s, %s);' % (el, flex_e))
        elif k == 'struct':
            b('%s__write(&%s, v, out);' % (f.struct.cname, x))
        elif k == 'sptr':
            if tagged:
                marker = 'lode_buf_put_u8(out, %s ? 1 : 0);' % x
            else:
                marker = 'lode_buf_put_i8(out, %s ? 1 : -1);' % x
            if null_e == '1':
                b(marker)
            elif null_e != '0':
                b('if (%s)' % null_e)
                b('    ' + marker)
            b('if (%s)' % x)
            b('    %s__write(%s, v, out);' % (f.struct.cname, x))
        elif k == 'prim':
            b(WRITE[f.elem] % x)
        elif k == 'string':
            b('lode_write_string(out, &%s, %s);' % (x, flex_e))
        else:
            b('lode_write_bytes(out, &%s, %s);' % (x, flex_e))

    def gen_write(self, c, s):
        msg = self.msg
        b = Emitter()
        allv = self.reach[s.cname]
        tagged = []
        for f in s.fields:
            u = untagged_set(msg, f) & allv
            if tagged_set(msg, f) & allv:
                tagged.append(f)
            if not u:
                continue
            cond = vexpr(msg, u, allv, use_flex=False)
            inner = Emitter()
            self.write_value(inner, f, 'm->' + f.cname, vexpr(msg, flex_set(msg, f), u),
                             vexpr(msg, null_set(msg, f), u), False)
            if cond == '1':
                b.extend(inner)
            elif len(inner.lines) == 1:
                b('if (%s)' % cond)
                b('    ' + inner.lines[0])
            else:
                b.block('if (%s)' % cond)
                b.extend(inner)
                b.end()
        if msg.flexset:
            fl = vexpr(msg, msg.flexset, allv)
            if not tagged:
                if fl == '1':
                    b('lode_buf_put_u8(out, 0); /* no tagged fields */')
                else:
                    b('if (%s)' % fl)
                    b('    lode_buf_put_u8(out, 0); /* no tagged fields */')
            else:
                opened = guard(b, fl)
                conds = []
                for f in sorted(tagged, key=lambda x: x.tag):
                    ts = tagged_set(msg, f) & allv
                    conds.append((f, ts, and_(vexpr(msg, ts, msg.flexset & allv, use_flex=False),
                                              nondefault(msg, f, 'm', self.isdef))))
                b('uint32_t ntags = 0;')
                for f, ts, cond in conds:
                    b('ntags += %s;' % (cond if cond in ('0', '1') else '(%s) ? 1 : 0' % cond))
                b('lode_buf_put_uvarint(out, ntags);')
                for f, ts, cond in conds:
                    b.block('if (%s)' % cond)
                    b('size_t t = 0;')
                    fe, ne = vexpr(msg, flex_set(msg, f), ts), vexpr(msg, null_set(msg, f), ts)
                    k = self.size_value(b, f, 'm->' + f.cname, 't', fe, ne, True)
                    if k:
                        b('t = %d;' % k)
                    b('lode_write_tag(out, %d, t);' % f.tag)
                    self.write_value(b, f, 'm->' + f.cname, fe, ne, True)
                    b.end()
                if opened:
                    b.end()
        func(c, 'static void %s__write(const %s *m, int16_t v, lode_buf_t *out)' % (
            s.cname, s.cname), b, self.flex_decl())

    # ---- check

    def check_body(self, s):
        """Lines of struct s's check (empty when nothing can be wrong)."""
        if s.cname in self.check_cache:
            return self.check_cache[s.cname]
        msg = self.msg
        b = Emitter()
        allv = self.reach[s.cname]
        for f in s.fields:
            x = 'm->' + f.cname
            pres = present(msg, f) & allv
            absent = allv - pres
            if absent and not f.ignorable:
                b('if (%s)' % and_(vexpr(msg, absent, allv, use_flex=False),
                                   nondefault(msg, f, 'm', self.isdef)))
                b('    return LODE_EUNSUPPORTED;')
            if not pres:
                continue
            pc = vexpr(msg, pres, allv, use_flex=False)
            ne = vexpr(msg, null_set(msg, f), pres, use_flex=False)
            k = f.kind
            if k == 'array':
                b('if (%s)' % and_(pc, 'lode_check_count(%s_count, %s, %s)' % (x, x, ne)))
                b('    return LODE_EINVAL;')
                if f.struct is not None:
                    if self.check_body(f.struct).lines:
                        opened = guard(b, pc)
                        b.block('for (int32_t i = 0; i < %s_count; i++)' % x)
                        b('int rc = %s__check(&%s[i], v);' % (f.struct.cname, x))
                        b('if (rc)')
                        b('    return rc;')
                        b.end()
                        if opened:
                            b.end()
                elif f.elem in VARLEN:
                    fn = 'lode_check_str' if f.elem == 'string' else 'lode_check_bytes'
                    opened = guard(b, pc)
                    b('for (int32_t i = 0; i < %s_count; i++)' % x)
                    b('    if (%s(&%s[i], 0))' % (fn, x))
                    b('        return LODE_EINVAL;')
                    if opened:
                        b.end()
            elif k == 'struct':
                if self.check_body(f.struct).lines:
                    b.block('if (%s)' % pc)
                    b('int rc = %s__check(&%s, v);' % (f.struct.cname, x))
                    b('if (rc)')
                    b('    return rc;')
                    b.end()
            elif k == 'sptr':
                if ne != '1':
                    b('if (%s)' % (and_(pc, '!' + x) if ne == '0' else
                                   and_(pc, '!' + paren(ne), '!' + x)))
                    b('    return LODE_EINVAL;')
                if self.check_body(f.struct).lines:
                    b.block('if (%s)' % and_(pc, x))
                    b('int rc = %s__check(%s, v);' % (f.struct.cname, x))
                    b('if (rc)')
                    b('    return rc;')
                    b.end()
            elif k == 'string':
                b('if (%s)' % and_(pc, 'lode_check_str(&%s, %s)' % (x, ne)))
                b('    return LODE_EINVAL;')
            elif k == 'bytes':
                b('if (%s)' % and_(pc, 'lode_check_bytes(&%s, %s)' % (x, ne)))
                b('    return LODE_EINVAL;')
        self.check_cache[s.cname] = b
        return b

    def gen_check(self, c, s):
        b = Emitter()
        b.extend(self.check_body(s))
        b('return 0;')
        func(c, 'static int %s__check(const %s *m, int16_t v)' % (s.cname, s.cname), b)

    # ---- is-default (tagged structs and version checks)

    def gen_is_default(self, c, s):
        b = Emitter()
        for f in s.fields:
            b('if (%s)' % nondefault(self.msg, f, 'm', self.isdef))
            b('    return false;')
        b('return true;')
        func(c, 'static bool %s__is_default(const %s *m)' % (s.cname, s.cname), b)

    # ---- the whole message

    def header(self):
        msg = self.msg
        h = Emitter()
        up = msg.cname.upper()
        guard_name = 'LODE_PROTO_GEN_%s_H' % up
        h('/* Generated by tools/protogen from Kafka\'s %s schema. Do not edit. */' % msg.name)
        h('#ifndef ' + guard_name)
        h('#define ' + guard_name)
        h('')
        h('#include "proto/codec_rt.h"')
        h('')
        h('#define %s_MIN_VERSION %d' % (up, msg.valid.lo))
        h('#define %s_MAX_VERSION %d' % (up, msg.valid.hi))
        h('#define %s_FIRST_FLEXIBLE_VERSION %s' % (
            up, '(-1)' if not msg.flexset else str(min(msg.flexset))))
        if msg.api_key is not None:
            h('#define %s_API_KEY %d' % (up, msg.api_key))
        h('')
        h('/* Field comments give the versions a field exists in when not all, where')
        h(' * it may be null, and its tag when it travels as a tagged field. */')
        for s in self.structs:
            h('typedef struct %s {' % s.cname)
            h.ind += 1
            if not s.fields:
                h('char unused_; /* no fields */')
            for f in s.fields:
                for line in field_decls(msg, f):
                    h(line)
            h.ind -= 1
            h('} %s;' % s.cname)
            h('')
        n = msg.cname
        h('/* Sets every field to its schema default. Nested structs have their own')
        h(' * init for callers that build arrays of them. */')
        for s in self.structs:
            h('void %s_init(%s *m);' % (s.cname, s.cname))
        h('')
        h('/* Decodes version v from r into m (which is initialized first). Arrays')
        h(' * and nullable structs come from arena a; strings and bytes point into')
        h(' * r\'s buffer, which must outlive m. Returns 0, LODE_ETRUNC, LODE_ECORRUPT,')
        h(' * or LODE_EUNSUPPORTED for a version outside %d-%d. Never reads past r\'s' % (
            msg.valid.lo, msg.valid.hi))
        h(' * end; array counts are checked against the bytes left before allocating. */')
        h('int %s_decode(%s *m, int16_t v, lode_reader_t *r, lode_arena_t *a);' % (n, n))
        h('/* The exact number of bytes %s_encode writes for version v (0 for a' % n)
        h(' * version out of range). */')
        h('size_t %s_size(const %s *m, int16_t v);' % (n, n))
        h('/* Appends version v of m to out, reserving its size once. Returns')
        h(' * LODE_EUNSUPPORTED when v is out of range or a field the version lacks')
        h(' * holds a non-default value and is not ignorable (ignorable ones are')
        h(' * dropped), LODE_EINVAL when a value cannot be written (a null where the')
        h(' * version forbids it, a string over 32767 bytes). Writes nothing on error. */')
        h('int %s_encode(const %s *m, int16_t v, lode_buf_t *out);' % (n, n))
        h('')
        h('#endif')
        return h.text()

    def source(self):
        msg = self.msg
        n = msg.cname
        body = Emitter()
        for s in self.structs:
            self.gen_init(body, s)
        for s in self.structs:
            self.gen_decode(body, s)
            self.gen_size(body, s)
            self.gen_write(body, s)
        checked = [s for s in self.structs if self.check_body(s).lines]
        for s in checked:
            self.gen_check(body, s)
        # is-default functions, including those they call
        done = set()
        isdef = Emitter()
        while self.isdef - done:
            for s in self.structs:
                if s.cname in self.isdef and s.cname not in done:
                    done.add(s.cname)
                    self.gen_is_default(isdef, s)
        c = Emitter()
        c('/* Generated by tools/protogen from Kafka\'s %s schema. Do not edit. */' % msg.name)
        c('#include "proto/gen/%s.h"' % n)
        c('')
        for s in self.structs:
            sig = (s.cname, s.cname)
            c('static void %s__decode(%s *m, int16_t v, lode_reader_t *r, lode_arena_t *a);' % sig)
            c('static size_t %s__size(const %s *m, int16_t v);' % sig)
            c('static void %s__write(const %s *m, int16_t v, lode_buf_t *out);' % sig)
            if s in checked:
                c('static int %s__check(const %s *m, int16_t v);' % sig)
            if s.cname in self.isdef:
                c('static bool %s__is_default(const %s *m);' % sig)
        c('')
        c.lines.extend(body.lines)
        c.lines.extend(isdef.lines)
        rng = 'v < %d || v > %d' % (msg.valid.lo, msg.valid.hi)
        c('int %s_decode(%s *m, int16_t v, lode_reader_t *r, lode_arena_t *a)' % (n, n))
        c('{')
        c('    %s_init(m);' % n)
        c('    if (%s)' % rng)
        c('        return LODE_EUNSUPPORTED;')
        c('    %s__decode(m, v, r, a);' % n)
        c('    return r->err;')
        c('}')
        c('')
        c('size_t %s_size(const %s *m, int16_t v)' % (n, n))
        c('{')
        c('    return %s ? 0 : %s__size(m, v);' % (rng, n))
        c('}')
        c('')
        c('int %s_encode(const %s *m, int16_t v, lode_buf_t *out)' % (n, n))
        c('{')
        c('    if (%s)' % rng)
        c('        return LODE_EUNSUPPORTED;')
        if msg.root in checked:
            c('    int rc = %s__check(m, v);' % n)
            c('    if (rc)')
            c('        return rc;')
        c('    size_t size = %s__size(m, v);' % n)
        c('    lode_buf_reserve(out, size);')
        c('    size_t start = out->len;')
        c('    %s__write(m, v, out);' % n)
        c('    LODE_PROTO_ASSERT(out->len - start == size);')
        c('    (void)start;')
        c('    return 0;')
        c('}')
        return c.text()

    # ---- test support: random instances and equality

    def rand_value(self, t, f, x, null_e, elem=False):
        k = 'elem' if elem else f.kind
        if elem and f.struct is not None:
            t('%s_init(&%s);' % (f.struct.cname, x))
            t('%s__random(&%s, v, rng, a, depth + 1);' % (f.struct.cname, x))
            return
        if k == 'array':
            if null_e != '0':
                t.block('if (%s)' % and_(null_e, 'gen_rand(rng) % 4 == 0'))
                t('%s_count = -1;' % x)
                t.end(' else {')
                t.ind += 1
            t('%s_count = depth > 3 ? 0 : (int32_t)(gen_rand(rng) %% 4);' % x)
            t('%s = lode_arena_calloc(a, (size_t)%s_count + 1, sizeof *%s);' % (x, x, x))
            t.block('for (int32_t i = 0; i < %s_count; i++)' % x)
            self.rand_value(t, f, '%s[i]' % x, '0', elem=True)
            t.end()
            if null_e != '0':
                t.end()
        elif k == 'struct':
            t('%s__random(&%s, v, rng, a, depth + 1);' % (f.struct.cname, x))
        elif k == 'sptr':
            if null_e != '0':
                t.block('if (%s)' % and_(null_e, 'gen_rand(rng) % 3 == 0'))
                t('%s = NULL;' % x)
                t.end(' else {')
                t.ind += 1
            t('%s = lode_arena_alloc(a, sizeof *%s);' % (x, x))
            t('%s_init(%s);' % (f.struct.cname, x))
            t('if (gen_rand(rng) % 4 != 0)')
            t('    %s__random(%s, v, rng, a, depth + 1);' % (f.struct.cname, x))
            if null_e != '0':
                t.end()
        elif f.elem == 'bool':
            t('%s = gen_rand(rng) & 1;' % x)
        elif f.elem in ('int8', 'int16', 'uint16', 'int32', 'uint32', 'int64'):
            t('%s = (%s)gen_rand(rng);' % (x, PRIMS[f.elem][0]))
        elif f.elem == 'float64':
            t('%s = gen_double(rng);' % x)
        elif f.elem == 'uuid':
            t('gen_uuid(&%s, rng);' % x)
        elif f.elem == 'string':
            t('gen_string(&%s, rng, a, %s);' % (x, null_e))
        else:
            t('gen_bytes(&%s, rng, a, %s);' % (x, null_e))

    def gen_random(self, t, s):
        msg = self.msg
        b = Emitter()
        allv = self.reach[s.cname]
        for f in s.fields:
            pres = present(msg, f) & allv
            if not pres:
                continue
            cond = vexpr(msg, pres, allv, use_flex=False)
            ts = tagged_set(msg, f) & allv
            if ts:
                # tagged: sometimes left at the default (then not written)
                cond = and_(cond, '!(%s)' % and_(vexpr(msg, ts, pres, use_flex=False),
                                                 'gen_rand(rng) % 3 == 0'))
            opened = guard(b, cond)
            self.rand_value(b, f, 'm->' + f.cname, vexpr(msg, null_set(msg, f), pres,
                                                          use_flex=False))
            if opened:
                b.end()
        func(t, 'static void %s__random(%s *m, int16_t v, uint64_t *rng, lode_arena_t *a, int depth)'
             % (s.cname, s.cname), b)

    def eq_value(self, t, f, x, y, elem=False):
        if f.struct is not None:
            if f.kind == 'sptr' and not elem:
                t('if ((%s == NULL) != (%s == NULL) || (%s && !%s__equal(%s, %s, v)))' % (
                    x, y, x, f.struct.cname, x, y))
            else:
                t('if (!%s__equal(&%s, &%s, v))' % (f.struct.cname, x, y))
        elif f.elem == 'uuid':
            t('if (memcmp(%s.b, %s.b, 16) != 0)' % (x, y))
        elif f.elem == 'float64':
            t('if (memcmp(&%s, &%s, sizeof(double)) != 0)' % (x, y))
        elif f.elem == 'string':
            t('if (!lode_str_eq(&%s, &%s))' % (x, y))
        elif f.elem in ('bytes', 'records'):
            t('if (!gen_bytes_equal(&%s, &%s))' % (x, y))
        elif f.elem == 'bool':
            t('if (!%s != !%s)' % (x, y))
        else:
            t('if (%s != %s)' % (x, y))
        t('    return false;')

    def gen_equal(self, t, s):
        msg = self.msg
        b = Emitter()
        allv = self.reach[s.cname]
        for f in s.fields:
            pres = present(msg, f) & allv
            if not pres:
                continue
            opened = guard(b, vexpr(msg, pres, allv, use_flex=False))
            if f.is_array:
                b('if (x->%s_count != y->%s_count)' % (f.cname, f.cname))
                b('    return false;')
                b.block('for (int32_t i = 0; i < x->%s_count; i++)' % f.cname)
                self.eq_value(b, f, 'x->%s[i]' % f.cname, 'y->%s[i]' % f.cname, elem=True)
                b.end()
            else:
                self.eq_value(b, f, 'x->' + f.cname, 'y->' + f.cname)
            if opened:
                b.end()
        b('return true;')
        func(t, 'static bool %s__equal(const %s *x, const %s *y, int16_t v)' % (
            s.cname, s.cname, s.cname), b)

    def test_source(self):
        msg = self.msg
        n = msg.cname
        t = Emitter()
        t('/* Generated by tools/protogen for tests. Do not edit. */')
        t('#include "gen_tests.h"')
        t('')
        for s in self.structs:
            t('static void %s__random(%s *m, int16_t v, uint64_t *rng, lode_arena_t *a, int depth);'
              % (s.cname, s.cname))
            t('static bool %s__equal(const %s *x, const %s *y, int16_t v);' % (
                s.cname, s.cname, s.cname))
        t('')
        for s in self.structs:
            self.gen_random(t, s)
            self.gen_equal(t, s)
        t('void %s_random(%s *m, int16_t v, uint64_t *rng, lode_arena_t *a)' % (n, n))
        t('{')
        t('    %s_init(m);' % n)
        t('    %s__random(m, v, rng, a, 0);' % n)
        t('}')
        t('')
        t('bool %s_equal(const %s *x, const %s *y, int16_t v)' % (n, n, n))
        t('{')
        t('    return %s__equal(x, y, v);' % n)
        t('}')
        return t.text()


# ---------------------------------------------------------------------------
# Tables

COORDINATORS = (
    # (C enumerator, schema folder)
    ('LODE_COORD_GROUP', 'group-coordinator-message'),
    ('LODE_COORD_TRANSACTION', 'transaction-coordinator-message'),
    ('LODE_COORD_SHARE', 'share-coordinator-message'),
)


def api_macro(name):
    return 'LODE_API_%s' % re.sub(r'(?<!^)(?=[A-Z])', '_', name).upper()


def coordinator_records(msgs):
    """{folder: [(key version, key msg, value msg)]} for the coordinators'
    record schemas: a key's version is its record type."""
    out = {}
    for enum, folder in COORDINATORS:
        in_folder = {m.name: m for m in msgs if m.folder == folder}
        rows = []
        for name in sorted(in_folder):
            if not name.endswith('Key'):
                continue
            value = in_folder.get(name[:-3] + 'Value')
            if value is None:
                raise SystemExit('%s: no value schema for %s' % (folder, name))
            key = in_folder[name]
            for v in key.allv:
                rows.append((v, key, value))
        rows.sort(key=lambda r: r[0])
        seen = set()
        for v, key, _ in rows:
            if v in seen:
                raise SystemExit('%s: record type %d used twice' % (folder, v))
            seen.add(v)
        out[enum] = rows
    return out


def gen_tables(msgs):
    reqs = {m.api_key: m for m in msgs if m.kind == 'request'}
    resps = {m.api_key: m for m in msgs if m.kind == 'response'}
    maxkey = max(reqs) if reqs else 0
    coords = coordinator_records(msgs)

    h = Emitter()
    h('/* Generated by tools/protogen. Do not edit. */')
    h('#ifndef LODE_PROTO_GEN_API_TABLE_H')
    h('#define LODE_PROTO_GEN_API_TABLE_H')
    h('')
    h('#include "proto/codec_rt.h"')
    h('')
    h('/* Generic entry points of one generated message type, for code that picks')
    h(' * the type at run time (dispatch, record framing, fuzzers, tests). The')
    h(' * function pointers take the message as void * and behave exactly like')
    h(' * Foo_init / Foo_decode / Foo_size / Foo_encode. */')
    h('typedef struct lode_msg_type {')
    h('    const char *name;')
    h('    size_t size; /* sizeof the C struct */')
    h('    int16_t min_version, max_version;')
    h('    int16_t first_flexible; /* -1: never flexible */')
    h('    void (*init)(void *m);')
    h('    int (*decode)(void *m, int16_t v, lode_reader_t *r, lode_arena_t *a);')
    h('    size_t (*size_of)(const void *m, int16_t v);')
    h('    int (*encode)(const void *m, int16_t v, lode_buf_t *out);')
    h('} lode_msg_type_t;')
    h('')
    h('/* One API: its key, name, request and response types, and the listeners')
    h(' * Kafka serves it on. */')
    h('typedef struct lode_api_info {')
    h('    int16_t key;')
    h('    const char *name;')
    h('    const lode_msg_type_t *request;')
    h('    const lode_msg_type_t *response;')
    h('    bool broker_listener;     /* served on broker listeners */')
    h('    bool controller_listener; /* served on controller listeners */')
    h('} lode_api_info_t;')
    h('')
    h('#define LODE_API_KEY_MAX %d' % maxkey)
    h('')
    h('/* The API with this key, or NULL (constant time). */')
    h('const lode_api_info_t *lode_api_info(int16_t key);')
    h('/* Every API, by increasing key. */')
    h('extern const lode_api_info_t lode_apis[];')
    h('extern const size_t lode_apis_count;')
    h('')
    h('/* Every message type (requests, responses, headers, records, data). */')
    h('extern const lode_msg_type_t *const lode_msg_types[];')
    h('extern const size_t lode_msg_types_count;')
    h('')
    h('/* KRaft metadata record types by their record type id (the schema\'s')
    h(' * apiKey), or NULL. */')
    h('const lode_msg_type_t *lode_metadata_record_type(int16_t type);')
    h('')
    h('/* Coordinators whose internal topics hold key/value records. */')
    h('typedef enum lode_coord {')
    for enum, folder in COORDINATORS:
        h('    %s, /* %s */' % (enum, {'LODE_COORD_GROUP': '__consumer_offsets',
                                     'LODE_COORD_TRANSACTION': '__transaction_state',
                                     'LODE_COORD_SHARE': '__share_group_state'}[enum]))
    h('} lode_coord_t;')
    h('')
    h('/* A coordinator record: the version a key starts with names the record')
    h(' * type, which fixes the key and value schemas. */')
    h('typedef struct lode_coord_record_type {')
    h('    int16_t key_version;')
    h('    const lode_msg_type_t *key;')
    h('    const lode_msg_type_t *value;')
    h('} lode_coord_record_type_t;')
    h('')
    h('/* The record type of a coordinator\'s key version, or NULL. */')
    h('const lode_coord_record_type_t *lode_coord_record_type(lode_coord_t coord, int16_t key_version);')
    h('')
    for m in msgs:
        h('extern const lode_msg_type_t lode_msg_%s;' % m.cname)
    h('')
    h('/* API keys. */')
    for k in sorted(reqs):
        h('#define %s %d' % (api_macro(reqs[k].name[:-len('Request')]), k))
    h('')
    h('#endif')

    c = Emitter()
    c('/* Generated by tools/protogen. Do not edit. */')
    c('#include "proto/gen/api_table.h"')
    c('')
    for m in msgs:
        c('#include "proto/gen/%s.h"' % m.cname)
    c('')
    c('/* Generic wrappers and the descriptor of message type T. */')
    c('#define LODE_MSG_TYPE(T, lo, hi, flex)                                                     \\')
    c('    static void T##_init_g(void *m) { T##_init(m); }                                        \\')
    c('    static int T##_decode_g(void *m, int16_t v, lode_reader_t *r, lode_arena_t *a)          \\')
    c('    {                                                                                       \\')
    c('        return T##_decode(m, v, r, a);                                                      \\')
    c('    }                                                                                       \\')
    c('    static size_t T##_size_g(const void *m, int16_t v) { return T##_size(m, v); }           \\')
    c('    static int T##_encode_g(const void *m, int16_t v, lode_buf_t *out)                      \\')
    c('    {                                                                                       \\')
    c('        return T##_encode(m, v, out);                                                       \\')
    c('    }                                                                                       \\')
    c('    const lode_msg_type_t lode_msg_##T = {                                                  \\')
    c('        #T, sizeof(T), lo, hi, flex, T##_init_g, T##_decode_g, T##_size_g, T##_encode_g}')
    c('')
    for m in msgs:
        c('LODE_MSG_TYPE(%s, %d, %d, %d);' % (m.cname, m.valid.lo, m.valid.hi,
                                              min(m.flexset) if m.flexset else -1))
    c('')
    c('const lode_msg_type_t *const lode_msg_types[] = {')
    for m in msgs:
        c('    &lode_msg_%s,' % m.cname)
    c('};')
    c('const size_t lode_msg_types_count = sizeof lode_msg_types / sizeof lode_msg_types[0];')
    c('')
    c('const lode_api_info_t lode_apis[] = {')
    index = {}
    for i, k in enumerate(sorted(reqs)):
        rq, rs = reqs[k], resps.get(k)
        index[k] = i
        lst = rq.listeners
        c('    {%d, "%s", &lode_msg_%s, %s, %s, %s},' % (
            k, rq.name[:-len('Request')], rq.cname, ('&lode_msg_%s' % rs.cname) if rs else 'NULL',
            'true' if ('broker' in lst or 'zkBroker' in lst) else 'false',
            'true' if 'controller' in lst else 'false'))
    c('};')
    c('const size_t lode_apis_count = sizeof lode_apis / sizeof lode_apis[0];')
    c('')
    c('static const lode_api_info_t *const apis_by_key[LODE_API_KEY_MAX + 1] = {')
    for k in sorted(reqs):
        c('    [%d] = &lode_apis[%d],' % (k, index[k]))
    c('};')
    c('')
    c('const lode_api_info_t *lode_api_info(int16_t key)')
    c('{')
    c('    return key >= 0 && key <= LODE_API_KEY_MAX ? apis_by_key[key] : NULL;')
    c('}')
    c('')
    c('const lode_msg_type_t *lode_metadata_record_type(int16_t type)')
    c('{')
    c('    switch (type) {')
    for m in sorted((m for m in msgs if m.kind == 'metadata' and m.api_key is not None),
                    key=lambda m: m.api_key):
        c('    case %d:' % m.api_key)
        c('        return &lode_msg_%s;' % m.cname)
    c('    default:')
    c('        return NULL;')
    c('    }')
    c('}')
    c('')
    for enum, folder in COORDINATORS:
        c('static const lode_coord_record_type_t %s_records[] = {' % enum.lower())
        for v, key, value in coords[enum]:
            c('    {%d, &lode_msg_%s, &lode_msg_%s},' % (v, key.cname, value.cname))
        c('};')
    c('')
    c('const lode_coord_record_type_t *lode_coord_record_type(lode_coord_t coord, int16_t key_version)')
    c('{')
    c('    const lode_coord_record_type_t *t;')
    c('    size_t n;')
    c('    switch (coord) {')
    for enum, folder in COORDINATORS:
        c('    case %s:' % enum)
        c('        t = %s_records;' % enum.lower())
        c('        n = sizeof %s_records / sizeof %s_records[0];' % (enum.lower(), enum.lower()))
        c('        break;')
    c('    default:')
    c('        return NULL;')
    c('    }')
    c('    for (size_t i = 0; i < n; i++)')
    c('        if (t[i].key_version == key_version)')
    c('            return &t[i];')
    c('    return NULL;')
    c('}')

    # test support table and typed prototypes
    th = Emitter()
    th('/* Generated by tools/protogen for tests. Do not edit. */')
    th('#ifndef LODE_TEST_GEN_TESTS_H')
    th('#define LODE_TEST_GEN_TESTS_H')
    th('')
    th('#include "gen_test_rt.h"')
    th('')
    for m in msgs:
        th('#include "proto/gen/%s.h"' % m.cname)
    th('')
    th('/* Foo_random fills m (after Foo_init) with a random instance of version v:')
    th(' * only fields the version has, nulls only where it allows them, arrays of')
    th(' * 0-3 elements, tagged fields sometimes left at their default; memory from')
    th(' * a. Foo_equal compares the fields version v has. */')
    for m in msgs:
        n = m.cname
        th('void %s_random(%s *m, int16_t v, uint64_t *rng, lode_arena_t *a);' % (n, n))
        th('bool %s_equal(const %s *x, const %s *y, int16_t v);' % (n, n, n))
    th('')
    th('#endif')

    t = Emitter()
    t('/* Generated by tools/protogen for tests. Do not edit. */')
    t('#include "gen_tests.h"')
    t('')
    t('/* Generic wrappers of message type T\'s test functions. */')
    t('#define LODE_MSG_TEST(T)                                                                   \\')
    t('    static void T##_random_g(void *m, int16_t v, uint64_t *rng, lode_arena_t *a)           \\')
    t('    {                                                                                       \\')
    t('        T##_random(m, v, rng, a);                                                           \\')
    t('    }                                                                                       \\')
    t('    static bool T##_equal_g(const void *x, const void *y, int16_t v)                        \\')
    t('    {                                                                                       \\')
    t('        return T##_equal(x, y, v);                                                          \\')
    t('    }')
    t('')
    for m in msgs:
        t('LODE_MSG_TEST(%s)' % m.cname)
    t('')
    t('const lode_msg_test_t lode_msg_tests[] = {')
    for m in msgs:
        t('    {&lode_msg_%s, %s_random_g, %s_equal_g},' % (m.cname, m.cname, m.cname))
    t('};')
    t('const size_t lode_msg_tests_count = sizeof lode_msg_tests / sizeof lode_msg_tests[0];')
    return h.text(), c.text(), th.text(), t.text()


TEST_RT_H = '''/* Generated by tools/protogen for tests. Do not edit. */
#ifndef LODE_TEST_GEN_TEST_RT_H
#define LODE_TEST_GEN_TEST_RT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "proto/gen/api_table.h"

/* Random instance and equality of one message type, for generic tests. */
typedef struct lode_msg_test {
    const lode_msg_type_t *type;
    /* Foo_random: initializes m, then fills it for version v. */
    void (*random)(void *m, int16_t v, uint64_t *rng, lode_arena_t *a);
    /* Foo_equal: compares the fields version v has. */
    bool (*equal)(const void *x, const void *y, int16_t v);
} lode_msg_test_t;

/* Every generated message type. */
extern const lode_msg_test_t lode_msg_tests[];
extern const size_t lode_msg_tests_count;

/* xorshift64* */
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
    if (a % 8 == 0) /* sometimes the zero uuid (a default) */
        a = b = 0;
    memcpy(u->b, &a, 8);
    memcpy(u->b + 8, &b, 8);
}

/* A string of 0-11 letters, or null (1 in 5) when nullable. */
static inline void gen_string(lode_str_t *s, uint64_t *rng, lode_arena_t *a, int nullable)
{
    uint64_t r = gen_rand(rng);
    if (nullable && r % 5 == 0) {
        *s = LODE_STR_NULL;
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

/* 0-19 random bytes, or null (1 in 5) when nullable. */
static inline void gen_bytes(lode_bytes_t *s, uint64_t *rng, lode_arena_t *a, int nullable)
{
    uint64_t r = gen_rand(rng);
    if (nullable && r % 5 == 0) {
        *s = LODE_BYTES_NULL;
        return;
    }
    int32_t n = (int32_t)((r >> 8) % 20);
    uint8_t *p = lode_arena_alloc(a, (size_t)n + 1);
    for (int32_t i = 0; i < n; i++)
        p[i] = (uint8_t)gen_rand(rng);
    s->ptr = p;
    s->len = n;
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
        with open(path, encoding='utf-8') as fh:
            if fh.read() == text:
                return
    with open(path, 'w', encoding='utf-8') as fh:
        fh.write(text)


def load(schemas):
    msgs = []
    for sub in sorted(os.listdir(schemas)):
        d = os.path.join(schemas, sub)
        if not os.path.isdir(d):
            continue
        for fname in sorted(os.listdir(d)):
            if not fname.endswith('.json'):
                continue
            path = os.path.join(d, fname)
            with open(path, encoding='utf-8') as fh:
                spec = json.loads(strip_comments(fh.read()))
            msgs.append(Message(spec, path, sub))
    names = set()
    for m in msgs:
        if m.cname in names:
            raise SystemExit('duplicate message name ' + m.name)
        names.add(m.cname)
    msgs.sort(key=lambda m: m.cname)
    return msgs


def main():
    ap = argparse.ArgumentParser(description='Generate lode\'s Kafka protocol codecs.')
    ap.add_argument('--schemas', required=True, help='folder of schema folders')
    ap.add_argument('--out', required=True, help='folder for the codecs (src/proto/gen)')
    ap.add_argument('--test-out', required=True, help='folder for test support')
    args = ap.parse_args()
    msgs = load(args.schemas)
    if not msgs:
        raise SystemExit('protogen: no schemas under ' + args.schemas)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.test_out, exist_ok=True)
    expected, texpected = set(), set()
    for m in msgs:
        g = Gen(m)
        src = g.source()  # before the header: fills caches
        write_if_changed(os.path.join(args.out, m.cname + '.h'), g.header())
        write_if_changed(os.path.join(args.out, m.cname + '.c'), src)
        write_if_changed(os.path.join(args.test_out, m.cname + '_test.c'), g.test_source())
        expected |= {m.cname + '.h', m.cname + '.c'}
        texpected.add(m.cname + '_test.c')
    h, c, th, t = gen_tables(msgs)
    write_if_changed(os.path.join(args.out, 'api_table.h'), h)
    write_if_changed(os.path.join(args.out, 'api_table.c'), c)
    write_if_changed(os.path.join(args.test_out, 'gen_test_rt.h'), TEST_RT_H)
    write_if_changed(os.path.join(args.test_out, 'gen_tests.h'), th)
    write_if_changed(os.path.join(args.test_out, 'gen_tests.c'), t)
    expected |= {'api_table.h', 'api_table.c'}
    texpected |= {'gen_test_rt.h', 'gen_tests.h', 'gen_tests.c'}
    for d, exp in ((args.out, expected), (args.test_out, texpected)):
        for fname in sorted(os.listdir(d)):
            if fname not in exp:
                os.remove(os.path.join(d, fname))
    print('protogen: %d messages, %d message-versions' % (
        len(msgs), sum(m.nversions() for m in msgs)))


if __name__ == '__main__':
    sys.exit(main())
