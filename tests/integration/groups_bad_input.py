"""Consumer-group APIs spoken byte by byte to a real lode server, for the
answers clients rarely provoke: INCONSISTENT_GROUP_PROTOCOL, ILLEGAL_GENERATION,
UNKNOWN_MEMBER_ID, MEMBER_ID_REQUIRED (and the member id it hands out),
INVALID_SESSION_TIMEOUT at both bounds, FENCED_INSTANCE_ID, OffsetCommit to an
unknown group (ILLEGAL_GENERATION before v9, GROUP_ID_NOT_FOUND from v9), a
simple group's commit with its metadata read back by OffsetFetch,
OFFSET_METADATA_TOO_LARGE just past offset.metadata.max.bytes, LeaveGroup,
INVALID_GROUP_ID, DeleteGroups (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND), a
hand-driven two-member rebalance and session expiry,
FindCoordinator naming this node, and malformed group frames closing only
their own connection.

Requests are struct-packed here from Kafka's message schemas (non-flexible
versions unless a case needs a flexible one), so a wrong answer is lode's,
not a client library's. Expected codes follow Kafka 4.0's group coordinator
(group-coordinator/.../GroupMetadataManager.java, OffsetMetadataManager.java,
classic/ClassicGroup.java, GroupCoordinatorService.java)."""
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from lodeserver import Checks, LodeServer  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

# API keys
OFFSET_COMMIT, OFFSET_FETCH, FIND_COORDINATOR, JOIN_GROUP = 8, 9, 10, 11
HEARTBEAT, LEAVE_GROUP, SYNC_GROUP, DESCRIBE_GROUPS, LIST_GROUPS = 12, 13, 14, 15, 16
API_VERSIONS, DELETE_GROUPS, OFFSET_DELETE = 18, 42, 47
GROUP_APIS = (OFFSET_COMMIT, OFFSET_FETCH, FIND_COORDINATOR, JOIN_GROUP, HEARTBEAT,
              LEAVE_GROUP, SYNC_GROUP, DESCRIBE_GROUPS, LIST_GROUPS, DELETE_GROUPS, OFFSET_DELETE)

# error codes
NONE, OFFSET_METADATA_TOO_LARGE, COORDINATOR_NOT_AVAILABLE = 0, 12, 15
ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL, INVALID_GROUP_ID, UNKNOWN_MEMBER_ID = 22, 23, 24, 25
INVALID_SESSION_TIMEOUT, REBALANCE_IN_PROGRESS = 26, 27
NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, MEMBER_ID_REQUIRED = 68, 69, 79
FENCED_INSTANCE_ID = 82

MIN_SESSION, MAX_SESSION = 1000, 60000
SESSION = 30000  # long enough that nothing here expires a member by accident
TOPIC = "bi-t"
META = b"\x00\x00\x00\x00\x00\x01\x00\x04bi-t\xff\xff\xff\xff"  # ConsumerProtocolSubscription v0: [bi-t]


# -- encoding ------------------------------------------------------------

def i8(v): return struct.pack(">b", v)
def i16(v): return struct.pack(">h", v)
def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)


def string(s):
    if s is None:
        return i16(-1)
    b = s.encode() if isinstance(s, str) else s
    return i16(len(b)) + b


def byts(b):
    return i32(-1) if b is None else i32(len(b)) + b


def array(items, enc):
    if items is None:
        return i32(-1)
    return i32(len(items)) + b"".join(enc(x) for x in items)


def uvarint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def cstring(s):
    if s is None:
        return uvarint(0)
    b = s.encode() if isinstance(s, str) else s
    return uvarint(len(b) + 1) + b


def carray(items, enc):
    if items is None:
        return uvarint(0)
    return uvarint(len(items) + 1) + b"".join(enc(x) for x in items)


TAGS = b"\x00"  # no tagged fields


class Reader:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, n):
        if self.p + n > len(self.b):
            raise AssertionError("response too short: want %d bytes at %d of %d" % (n, self.p, len(self.b)))
        v = self.b[self.p:self.p + n]
        self.p += n
        return v

    def i8(self): return struct.unpack(">b", self.take(1))[0]
    def i16(self): return struct.unpack(">h", self.take(2))[0]
    def i32(self): return struct.unpack(">i", self.take(4))[0]
    def i64(self): return struct.unpack(">q", self.take(8))[0]

    def string(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def byts(self):
        n = self.i32()
        return None if n < 0 else self.take(n)

    def array(self, dec):
        n = self.i32()
        return None if n < 0 else [dec(self) for _ in range(n)]

    def uvarint(self):
        shift = v = 0
        while True:
            b = self.take(1)[0]
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v
            shift += 7

    def cstring(self):
        n = self.uvarint()
        return None if n == 0 else self.take(n - 1).decode()

    def carray(self, dec):
        n = self.uvarint()
        return None if n == 0 else [dec(self) for _ in range(n - 1)]

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())

    def end(self):
        assert self.p == len(self.b), "%d trailing bytes in the response" % (len(self.b) - self.p)


# -- connection ------------------------------------------------------------

class Conn:
    def __init__(self, s, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", s.port), timeout=timeout)
        self.corr = 0

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise EOFError("connection closed after %d of %d bytes" % (len(out), n))
            out += chunk
        return out

    def frame(self, api, ver, body, flexible=False):
        self.corr += 1
        hdr = i16(api) + i16(ver) + i32(self.corr) + string("groups_bad_input")
        if flexible:
            hdr += TAGS
        msg = hdr + body
        return i32(len(msg)) + msg

    def call(self, api, ver, body, flexible=False):
        """Sends one request and returns a Reader over the response body."""
        self.send_raw(self.frame(api, ver, body, flexible))
        size = struct.unpack(">i", self.recv_exact(4))[0]
        r = Reader(self.recv_exact(size))
        corr = r.i32()
        assert corr == self.corr, "correlation id %d, want %d" % (corr, self.corr)
        if flexible and api != API_VERSIONS:  # ApiVersions answers with header v0 always
            r.tags()
        return r

    def closed_by_peer(self, timeout=20):
        """True once the server closes this connection (EOF or reset)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


# -- requests --------------------------------------------------------------

def api_versions(c):
    r = c.call(API_VERSIONS, 0, b"")
    err = r.i16()
    keys = r.array(lambda r: (r.i16(), r.i16(), r.i16()))
    r.end()
    assert err == NONE, err
    return {k: (lo, hi) for k, lo, hi in keys}


def find_coordinator_v1(c, key, key_type=0):
    r = c.call(FIND_COORDINATOR, 1, string(key) + i8(key_type))
    out = dict(throttle=r.i32(), error=r.i16(), message=r.string(), node=r.i32(), host=r.string(), port=r.i32())
    r.end()
    return out


def find_coordinator_v4(c, keys, key_type=0):
    r = c.call(FIND_COORDINATOR, 4, i8(key_type) + carray(keys, cstring) + TAGS, flexible=True)
    r.i32()

    def coord(r):
        d = dict(key=r.cstring(), node=r.i32(), host=r.cstring(), port=r.i32(), error=r.i16(), message=r.cstring())
        r.tags()
        return d
    out = r.carray(coord)
    r.tags()
    r.end()
    return out


def join(c, group, member="", ver=5, instance=None, ptype="consumer", protocols=(("range", META),),
         session=SESSION, rebalance=SESSION):
    body = string(group) + i32(session)
    if ver >= 1:
        body += i32(rebalance)
    body += string(member)
    if ver >= 5:
        body += string(instance)
    body += string(ptype) + array(list(protocols), lambda p: string(p[0]) + byts(p[1]))
    assert ver < 6, "flexible JoinGroup not encoded here"
    r = c.call(JOIN_GROUP, ver, body)
    out = {}
    if ver >= 2:
        out["throttle"] = r.i32()
    out.update(error=r.i16(), generation=r.i32(), protocol=r.string(), leader=r.string(), member=r.string())

    def mem(r):
        m = {"member": r.string()}
        if ver >= 5:
            m["instance"] = r.string()
        m["metadata"] = r.byts()
        return m
    out["members"] = r.array(mem)
    r.end()
    return out


def sync(c, group, generation, member, assignments=(), instance=None, ver=3):
    body = string(group) + i32(generation) + string(member)
    if ver >= 3:
        body += string(instance)
    body += array(list(assignments), lambda a: string(a[0]) + byts(a[1]))
    r = c.call(SYNC_GROUP, ver, body)
    if ver >= 1:
        r.i32()
    out = dict(error=r.i16(), assignment=r.byts())
    r.end()
    return out


def heartbeat(c, group, generation, member, instance=None, ver=3):
    body = string(group) + i32(generation) + string(member)
    if ver >= 3:
        body += string(instance)
    r = c.call(HEARTBEAT, ver, body)
    if ver >= 1:
        r.i32()
    err = r.i16()
    r.end()
    return err


def leave_v3(c, group, members):
    r = c.call(LEAVE_GROUP, 3, string(group) + array(members, lambda m: string(m[0]) + string(m[1])))
    r.i32()
    err = r.i16()
    ms = r.array(lambda r: (r.string(), r.string(), r.i16()))
    r.end()
    return err, ms


def offset_commit_v7(c, group, generation, member, parts, instance=None, topic=TOPIC):
    """parts: [(partition, offset, leader_epoch, metadata)] → {partition: error}."""
    body = (string(group) + i32(generation) + string(member) + string(instance) +
            array([topic], lambda t: string(t) + array(
                parts, lambda p: i32(p[0]) + i64(p[1]) + i32(p[2]) + string(p[3]))))
    r = c.call(OFFSET_COMMIT, 7, body)
    r.i32()
    topics = r.array(lambda r: (r.string(), r.array(lambda r: (r.i32(), r.i16()))))
    r.end()
    assert [t for t, _ in topics] == [topic], topics
    return dict(topics[0][1])


def offset_commit_v9(c, group, generation, member, parts, topic=TOPIC):
    body = (cstring(group) + i32(generation) + cstring(member) + cstring(None) +
            carray([topic], lambda t: cstring(t) + carray(
                parts, lambda p: i32(p[0]) + i64(p[1]) + i32(p[2]) + cstring(p[3]) + TAGS) + TAGS) + TAGS)
    r = c.call(OFFSET_COMMIT, 9, body, flexible=True)
    r.i32()

    def part(r):
        v = (r.i32(), r.i16())
        r.tags()
        return v

    def top(r):
        v = (r.cstring(), r.carray(part))
        r.tags()
        return v
    topics = r.carray(top)
    r.tags()
    r.end()
    return dict(topics[0][1])


def offset_fetch_v5(c, group, topics):
    """topics: {name: [partitions]} or None for all → (top error, {(topic, p): (offset, epoch, meta, err)})."""
    body = string(group) + array(None if topics is None else sorted(topics.items()),
                                 lambda t: string(t[0]) + array(t[1], i32))
    r = c.call(OFFSET_FETCH, 5, body)
    r.i32()
    out = {}
    for name, parts in r.array(lambda r: (r.string(), r.array(
            lambda r: (r.i32(), r.i64(), r.i32(), r.string(), r.i16())))):
        for p, off, epoch, meta, err in parts:
            out[(name, p)] = (off, epoch, meta, err)
    err = r.i16()
    r.end()
    return err, out


def delete_groups_v1(c, groups):
    r = c.call(DELETE_GROUPS, 1, array(groups, string))
    r.i32()
    out = dict(r.array(lambda r: (r.string(), r.i16())))
    r.end()
    return out


def describe_group_v0(c, group):
    r = c.call(DESCRIBE_GROUPS, 0, array([group], string))
    groups = r.array(lambda r: dict(
        error=r.i16(), group=r.string(), state=r.string(), ptype=r.string(), protocol=r.string(),
        members=r.array(lambda r: dict(member=r.string(), client=r.string(), host=r.string(),
                                       metadata=r.byts(), assignment=r.byts()))))
    r.end()
    assert len(groups) == 1, groups
    return groups[0]


def eq(got, want, what):
    assert got == want, "%s: got %r, want %r" % (what, got, want)


def wait_coordinator(s):
    """FindCoordinator until this node answers (the first call may create
    __consumer_offsets and answer COORDINATOR_NOT_AVAILABLE meanwhile)."""
    c = Conn(s)
    deadline = time.time() + 60
    while True:
        r = find_coordinator_v1(c, "bi-any")
        if r["error"] == NONE:
            c.close()
            return r
        assert r["error"] == COORDINATOR_NOT_AVAILABLE, r
        assert time.time() < deadline, "no coordinator in 60 s: %r" % r
        time.sleep(0.1)


def stable_member(c, group, instance=None):
    """Joins group as its only member (MEMBER_ID_REQUIRED first when
    dynamic), syncs as leader, returns (member id, generation, assignment)."""
    j = join(c, group, instance=instance)
    if instance is None:
        eq(j["error"], MEMBER_ID_REQUIRED, "first v5 join of a dynamic member")
        j = join(c, group, member=j["member"])
    eq(j["error"], NONE, "join")
    me, gen = j["member"], j["generation"]
    assignment = b"\x00\x00\x00\x00\x00\x01\x00\x04bi-t\x00\x00\x00\x01\x00\x00\x00\x00\xff\xff\xff\xff"
    r = sync(c, group, gen, me, [(me, assignment)], instance=instance)
    eq(r["error"], NONE, "leader's sync")
    eq(r["assignment"], assignment, "assignment handed back")
    return me, gen, assignment


def main():
    checks = Checks("groups_bad_input")
    extra = {"group.min.session.timeout.ms": MIN_SESSION, "group.max.session.timeout.ms": MAX_SESSION}
    with LodeServer(extra) as s:
        c0 = Conn(s)
        versions = api_versions(c0)
        c0.close()
        missing = [k for k in GROUP_APIS if k not in versions]
        if missing:
            checks.skip("all", "the server does not advertise group APIs %s" % missing)
            checks.exit()
        admin = AdminClient({"bootstrap.servers": s.bootstrap})
        admin.create_topics([NewTopic(TOPIC, 3, 1)])[TOPIC].result(30)

        def find_coordinator_names_this_node():
            r = wait_coordinator(s)
            eq((r["node"], r["host"], r["port"]), (1, "127.0.0.1", s.port), "coordinator v1")
            c = Conn(s)
            got = find_coordinator_v4(c, ["bi-a", "bi-b"])
            c.close()
            eq([(x["key"], x["node"], x["host"], x["port"], x["error"]) for x in got],
               [("bi-a", 1, "127.0.0.1", s.port, NONE), ("bi-b", 1, "127.0.0.1", s.port, NONE)],
               "batched coordinators v4")

        def member_id_required_then_join():
            c = Conn(s)
            j = join(c, "bi-req", ver=4)
            eq(j["error"], MEMBER_ID_REQUIRED, "v4 join without a member id")
            assert j["member"], "MEMBER_ID_REQUIRED carries the member id to use: %r" % j
            eq(j["generation"], -1, "generation with MEMBER_ID_REQUIRED")
            first = j["member"]
            j = join(c, "bi-req", member=first, ver=4)
            eq((j["error"], j["member"], j["leader"], j["protocol"]), (NONE, first, first, "range"),
               "join with the handed-out member id")
            eq(j["generation"], 1, "first generation")
            eq([(m["member"], m["metadata"]) for m in j["members"]], [(first, META)], "leader sees members")
            # before v4 a member joins at once, without MEMBER_ID_REQUIRED
            j = join(c, "bi-v3", ver=3)
            eq(j["error"], NONE, "v3 join without a member id")
            assert j["member"] and j["generation"] == 1, j
            c.close()

        def invalid_session_timeout():
            c = Conn(s)
            for t in (MIN_SESSION - 1, MAX_SESSION + 1, 0, -1):
                eq(join(c, "bi-sess", session=t)["error"], INVALID_SESSION_TIMEOUT, "session.timeout.ms %d" % t)
            eq(join(c, "bi-sess", session=MIN_SESSION)["error"], MEMBER_ID_REQUIRED, "the minimum itself")
            eq(join(c, "bi-sess", session=MAX_SESSION)["error"], MEMBER_ID_REQUIRED, "the maximum itself")
            c.close()

        def wrong_protocol_generation_member():
            c = Conn(s)
            me, gen, assignment = stable_member(c, "bi-g")
            eq(gen, 1, "generation")
            d = describe_group_v0(c, "bi-g")
            eq((d["error"], d["state"], d["ptype"], d["protocol"]), (NONE, "Stable", "consumer", "range"), "describe")
            eq([(m["member"], m["metadata"], m["assignment"]) for m in d["members"]],
               [(me, META, assignment)], "described member")
            # a newcomer speaking another protocol type, or no common protocol
            other = Conn(s)
            eq(join(other, "bi-g", ptype="connect")["error"], INCONSISTENT_GROUP_PROTOCOL,
               "join with protocol type connect into a consumer group")
            eq(join(other, "bi-g", protocols=[("roundrobin", META)])["error"], INCONSISTENT_GROUP_PROTOCOL,
               "join with no protocol in common")
            eq(join(other, "bi-g", ptype="connect", ver=3)["error"], INCONSISTENT_GROUP_PROTOCOL,
               "v3 join with another protocol type")
            # an existing member switching protocol type is refused too
            eq(join(other, "bi-g", member=me, ptype="connect")["error"], INCONSISTENT_GROUP_PROTOCOL,
               "the member rejoining with another protocol type")
            other.close()
            # generation and membership checks
            eq(sync(c, "bi-g", gen + 7, me)["error"], ILLEGAL_GENERATION, "sync, wrong generation")
            eq(sync(c, "bi-g", gen, "nobody")["error"], UNKNOWN_MEMBER_ID, "sync, unknown member")
            eq(heartbeat(c, "bi-g", gen + 7, me), ILLEGAL_GENERATION, "heartbeat, wrong generation")
            eq(heartbeat(c, "bi-g", gen - 1, me), ILLEGAL_GENERATION, "heartbeat, older generation")
            eq(heartbeat(c, "bi-g", gen, "nobody"), UNKNOWN_MEMBER_ID, "heartbeat, unknown member")
            eq(heartbeat(c, "bi-g", gen, ""), UNKNOWN_MEMBER_ID, "heartbeat, empty member")
            eq(heartbeat(c, "bi-nosuchgroup", 1, "nobody"), UNKNOWN_MEMBER_ID, "heartbeat, unknown group")
            eq(heartbeat(c, "bi-g", gen, me, ver=0), NONE, "heartbeat v0 of the member")
            eq(heartbeat(c, "bi-g", gen, me), NONE, "heartbeat v3 of the member (nothing above disturbed it)")
            # commits into a group with a live member
            eq(offset_commit_v7(c, "bi-g", gen, me, [(0, 5, -1, None)]), {0: NONE}, "member's commit")
            eq(offset_commit_v7(c, "bi-g", gen + 1, me, [(0, 6, -1, None)]), {0: ILLEGAL_GENERATION},
               "commit, wrong generation")
            eq(offset_commit_v7(c, "bi-g", gen, "nobody", [(0, 6, -1, None)]), {0: UNKNOWN_MEMBER_ID},
               "commit, unknown member")
            eq(offset_commit_v7(c, "bi-g", -1, "", [(0, 6, -1, None)]), {0: UNKNOWN_MEMBER_ID},
               "commit with generation -1 into a group that has members")
            eq(offset_fetch_v5(c, "bi-g", {TOPIC: [0]})[1][(TOPIC, 0)][0], 5, "only the member's commit counted")
            # leaving: an unknown member is answered per member, the member leaves
            err, ms = leave_v3(c, "bi-g", [("nobody", None)])
            eq((err, ms), (NONE, [("nobody", None, UNKNOWN_MEMBER_ID)]), "leave of an unknown member")
            err, ms = leave_v3(c, "bi-g", [(me, None)])
            eq((err, ms), (NONE, [(me, None, NONE)]), "leave")
            deadline = time.time() + 20
            while describe_group_v0(c, "bi-g")["state"] != "Empty":
                assert time.time() < deadline, "not Empty after the only member left: %r" % describe_group_v0(c, "bi-g")
                time.sleep(0.05)
            eq(heartbeat(c, "bi-g", gen, me), UNKNOWN_MEMBER_ID, "heartbeat after leaving")
            c.close()

        def static_member_fenced():
            c = Conn(s)
            old, gen, assignment = stable_member(c, "bi-static", instance="inst-1")
            # the same instance comes back with no member id: it replaces the old
            # member id without a rebalance (same generation, same assignment)
            j = join(c, "bi-static", instance="inst-1")
            eq(j["error"], NONE, "static rejoin")
            new = j["member"]
            assert new and new != old, (old, new)
            eq(j["generation"], gen, "static rejoin keeps the generation")
            r = sync(c, "bi-static", gen, new, instance="inst-1")
            eq((r["error"], r["assignment"]), (NONE, assignment), "the rejoined member's assignment")
            eq(heartbeat(c, "bi-static", gen, old, instance="inst-1"), FENCED_INSTANCE_ID, "the old member id")
            eq(sync(c, "bi-static", gen, old, instance="inst-1")["error"], FENCED_INSTANCE_ID,
               "the old member id's sync")
            eq(offset_commit_v7(c, "bi-static", gen, old, [(0, 1, -1, None)], instance="inst-1"),
               {0: FENCED_INSTANCE_ID}, "the old member id's commit")
            eq(heartbeat(c, "bi-static", gen, new, instance="inst-1"), NONE, "the new member id")
            eq(describe_group_v0(c, "bi-static")["state"], "Stable", "no rebalance")
            c.close()

        def unknown_instance_id_is_unknown_member():
            # ClassicGroup.validateMember: a group.instance.id the group does not
            # know is UNKNOWN_MEMBER_ID even when the member id is a member's
            c = Conn(s)
            me, gen, _ = stable_member(c, "bi-inst", instance="inst-a")
            got = {
                "commit": offset_commit_v7(c, "bi-inst", gen, me, [(0, 1, -1, None)], instance="inst-b")[0],
                "heartbeat": heartbeat(c, "bi-inst", gen, me, instance="inst-b"),
                "sync": sync(c, "bi-inst", gen, me, instance="inst-b")["error"],
                "leave": leave_v3(c, "bi-inst", [(me, "inst-b")])[1][0][2],  # last: it may succeed
            }
            c.close()
            eq(got, dict.fromkeys(got, UNKNOWN_MEMBER_ID), "errors with an unknown group.instance.id")

        def offset_commit_unknown_group():
            c = Conn(s)
            eq(offset_commit_v7(c, "bi-none", 1, "m", [(0, 1, -1, None)]), {0: ILLEGAL_GENERATION},
               "v7 commit with a generation to a group that does not exist")
            eq(offset_commit_v7(c, "bi-none", 0, "", [(0, 1, -1, None)]), {0: ILLEGAL_GENERATION},
               "v7 commit with generation 0 to a group that does not exist")
            err, got = offset_fetch_v5(c, "bi-none", {TOPIC: [0]})
            eq((err, got), (NONE, {(TOPIC, 0): (-1, -1, "", NONE)}), "nothing was committed")
            c.close()

        def offset_commit_v9_unknown_group_not_found():
            # OffsetMetadataManager.validateOffsetCommit: from v9 a commit with a
            # generation to a group that does not exist is GROUP_ID_NOT_FOUND
            c = Conn(s)
            eq(offset_commit_v9(c, "bi-none9", 1, "m", [(0, 1, -1, None)]), {0: GROUP_ID_NOT_FOUND},
               "v9 commit with a generation to a group that does not exist")
            eq(offset_commit_v9(c, "bi-simple9", -1, "", [(0, 1, -1, "x")]), {0: NONE},
               "v9 commit of a simple group")
            eq(offset_fetch_v5(c, "bi-simple9", {TOPIC: [0]})[1][(TOPIC, 0)], (1, -1, "x", NONE), "v9 commit read")
            c.close()

        def simple_group_commit_and_fetch():
            c = Conn(s)
            got = offset_commit_v7(c, "bi-simple", -1, "", [(0, 42, 3, "hello, lode"), (1, 7, -1, None)])
            eq(got, {0: NONE, 1: NONE}, "simple group commit")
            err, got = offset_fetch_v5(c, "bi-simple", {TOPIC: [0, 1, 2]})
            eq(err, NONE, "fetch error")
            eq(got[(TOPIC, 0)], (42, 3, "hello, lode", NONE), "partition 0 offset, epoch, metadata")
            eq(got[(TOPIC, 1)][:2] + got[(TOPIC, 1)][3:], (7, -1, NONE), "partition 1")
            eq(got[(TOPIC, 1)][2], "", "null metadata is stored as \"\" (OffsetAndMetadata.NO_METADATA)")
            eq(got[(TOPIC, 2)], (-1, -1, "", NONE), "a partition never committed")
            err, got = offset_fetch_v5(c, "bi-simple", None)
            eq((err, sorted(got)), (NONE, [(TOPIC, 0), (TOPIC, 1)]), "all topics (null) → the committed ones")
            eq(got[(TOPIC, 0)], (42, 3, "hello, lode", NONE), "partition 0 through the all-topics fetch")
            # metadata at the limit is kept; one byte over is refused for that
            # partition only
            at, over = "m" * 4096, "m" * 4097
            got = offset_commit_v7(c, "bi-simple", -1, "", [(0, 43, -1, at), (1, 8, -1, over)])
            eq(got, {0: NONE, 1: OFFSET_METADATA_TOO_LARGE}, "metadata of 4096 and 4097 bytes")
            err, got = offset_fetch_v5(c, "bi-simple", {TOPIC: [0, 1]})
            eq(got[(TOPIC, 0)], (43, -1, at, NONE), "the 4096-byte metadata committed")
            eq(got[(TOPIC, 1)][0], 7, "the refused commit left the old offset")
            c.close()

        def invalid_group_id():
            c = Conn(s)
            got = {
                "join": join(c, "")["error"],
                "sync": sync(c, "", 1, "m")["error"],
                "heartbeat": heartbeat(c, "", 1, "m"),
                "leave": leave_v3(c, "", [("m", None)])[0],
            }
            c.close()
            eq(got, dict.fromkeys(got, INVALID_GROUP_ID), "an empty group id")

        def delete_groups():
            c = Conn(s)
            stable_member(c, "bi-del-live")
            eq(offset_commit_v7(c, "bi-del-simple", -1, "", [(0, 9, -1, "d")]), {0: NONE}, "commit")
            got = delete_groups_v1(c, ["bi-del-live", "bi-del-simple", "bi-del-none"])
            eq(got, {"bi-del-live": NON_EMPTY_GROUP, "bi-del-simple": NONE, "bi-del-none": GROUP_ID_NOT_FOUND},
               "DeleteGroups of a live, an empty and an unknown group")
            eq(offset_fetch_v5(c, "bi-del-simple", {TOPIC: [0]})[1][(TOPIC, 0)], (-1, -1, "", NONE),
               "a deleted group's offsets are gone")
            eq(delete_groups_v1(c, ["bi-del-simple"]), {"bi-del-simple": GROUP_ID_NOT_FOUND}, "deleted twice")
            c.close()

        def rebalance_and_session_expiry():
            """Two members by hand: the newcomer's join puts the group in
            PreparingRebalance (REBALANCE_IN_PROGRESS to the old member's
            heartbeat), both rejoin into generation 2, the follower's sync waits
            for the leader's assignment; then the newcomer stops heartbeating
            and after its session timeout the old member is told to rebalance
            again and ends alone in generation 3."""
            ca, cb = Conn(s), Conn(s)
            a, gen, _ = stable_member(ca, "bi-reb")
            j = join(cb, "bi-reb", session=2000)
            eq(j["error"], MEMBER_ID_REQUIRED, "the newcomer's first join")
            b = j["member"]
            out = {}

            def bg(key, fn, *args, **kw):
                def run():
                    try:
                        out[key] = fn(*args, **kw)
                    except Exception as e:  # noqa: BLE001 — reported by the main thread
                        out[key] = e
                t = threading.Thread(target=run, daemon=True)
                t.start()
                return t
            tb = bg("join_b", join, cb, "bi-reb", member=b, session=2000)
            deadline = time.time() + 30
            while True:
                err = heartbeat(ca, "bi-reb", gen, a)
                if err == REBALANCE_IN_PROGRESS:
                    break
                eq(err, NONE, "the old member's heartbeat while the newcomer joins")
                assert time.time() < deadline, "no REBALANCE_IN_PROGRESS in 30 s"
                time.sleep(0.05)
            ja = join(ca, "bi-reb", member=a)
            tb.join(30)
            jb = out.get("join_b")
            assert isinstance(jb, dict), "the newcomer's join: %r" % jb
            eq((ja["error"], jb["error"]), (NONE, NONE), "both joins")
            eq((ja["generation"], jb["generation"]), (gen + 1, gen + 1), "generation 2 for both")
            eq((ja["member"], jb["member"]), (a, b), "member ids kept")
            eq(ja["leader"], jb["leader"], "one leader")
            leader, lc, follower, fc, fj = ((a, ca, b, cb, jb) if ja["leader"] == a else (b, cb, a, ca, ja))
            lj = ja if leader == a else jb
            eq(sorted((m["member"], m["metadata"]) for m in lj["members"]), sorted([(a, META), (b, META)]),
               "the leader sees both members")
            eq(fj["members"], [], "the follower sees no members")
            tf = bg("sync_f", sync, fc, "bi-reb", gen + 1, follower)
            time.sleep(0.2)  # not needed for correctness: gives the follower's sync a chance to wait
            sl = sync(lc, "bi-reb", gen + 1, leader, [(leader, b"for-leader"), (follower, b"for-follower")])
            tf.join(30)
            eq((sl["error"], sl["assignment"]), (NONE, b"for-leader"), "the leader's sync")
            sf = out.get("sync_f")
            assert isinstance(sf, dict), "the follower's sync: %r" % sf
            eq((sf["error"], sf["assignment"]), (NONE, b"for-follower"), "the follower's sync")
            eq(heartbeat(ca, "bi-reb", gen + 1, a), NONE, "heartbeat in generation 2")
            eq(heartbeat(ca, "bi-reb", gen, a), ILLEGAL_GENERATION, "heartbeat with generation 1")
            d = describe_group_v0(ca, "bi-reb")
            eq((d["state"], sorted(m["member"] for m in d["members"])), ("Stable", sorted([a, b])), "described")
            # b goes quiet; a keeps heartbeating until told to rebalance
            cb.close()
            deadline = time.time() + 30
            while True:
                err = heartbeat(ca, "bi-reb", gen + 1, a)
                if err == REBALANCE_IN_PROGRESS:
                    break
                eq(err, NONE, "the remaining member's heartbeat")
                assert time.time() < deadline, "the silent member did not expire in 30 s"
                time.sleep(0.1)
            j = join(ca, "bi-reb", member=a)
            eq((j["error"], j["generation"], j["leader"], [m["member"] for m in j["members"]]),
               (NONE, gen + 2, a, [a]), "alone in generation 3")
            eq(sync(ca, "bi-reb", gen + 2, a, [(a, b"alone")]), {"error": NONE, "assignment": b"alone"}, "sync")
            cb = Conn(s)
            eq(heartbeat(cb, "bi-reb", gen + 1, b), UNKNOWN_MEMBER_ID, "the expired member's heartbeat")
            cb.close()
            ca.close()

        def malformed_frames_close_only_their_connection():
            bystander = Conn(s)
            me, gen, _ = stable_member(bystander, "bi-by")
            cases = []
            c = Conn(s)
            # JoinGroup v5 whose body stops after the group id
            cases.append(("truncated JoinGroup", c.frame(JOIN_GROUP, 5, string("bi-x"))))
            # a group id string longer than the frame
            cases.append(("overlong group id", c.frame(JOIN_GROUP, 5, i16(30000) + b"bi-x")))
            # a protocol array claiming 2^31-1 entries
            body = (string("bi-x") + i32(SESSION) + i32(SESSION) + string("") + string(None) +
                    string("consumer") + i32(0x7FFFFFFF) + string("range"))
            cases.append(("huge protocol count", c.frame(JOIN_GROUP, 5, body)))
            # SyncGroup whose assignment bytes claim more than the frame holds
            body = string("bi-by") + i32(gen) + string(me) + string(None) + i32(1) + string(me) + i32(1 << 30)
            cases.append(("overlong assignment", c.frame(SYNC_GROUP, 3, body)))
            # OffsetCommit with a negative topic array length other than -1
            cases.append(("negative array", c.frame(OFFSET_COMMIT, 7, string("bi-x") + i32(-1) + string("") +
                                                     string(None) + i32(-5))))
            # a frame of negative size
            cases.append(("negative frame size", i32(-7) + b"\x00" * 8))
            c.close()
            for what, data in cases:
                c = Conn(s)
                c.send_raw(data)
                assert c.closed_by_peer(), "%s: the connection stays open" % what
                c.close()
                # the server still answers on a new connection
                c = Conn(s)
                eq(find_coordinator_v1(c, "bi-x")["error"], NONE, "FindCoordinator after " + what)
                c.close()
            # and the group on the other connection was not disturbed
            eq(heartbeat(bystander, "bi-by", gen, me), NONE, "the bystander's heartbeat")
            eq(describe_group_v0(bystander, "bi-by")["state"], "Stable", "bystander group state")
            eq(join(bystander, "bi-x2", ver=5)["error"], MEMBER_ID_REQUIRED, "a real join still works")
            bystander.close()

        checks.run("find_coordinator_names_this_node", find_coordinator_names_this_node, s)
        checks.run("member_id_required_then_join", member_id_required_then_join, s)
        checks.run("invalid_session_timeout", invalid_session_timeout, s)
        checks.run("wrong_protocol_generation_member", wrong_protocol_generation_member, s)
        checks.run("static_member_fenced", static_member_fenced, s)
        checks.run("unknown_instance_id_is_unknown_member", unknown_instance_id_is_unknown_member, s)
        checks.run("offset_commit_unknown_group", offset_commit_unknown_group, s)
        checks.run("offset_commit_v9_unknown_group_not_found", offset_commit_v9_unknown_group_not_found, s)
        checks.run("simple_group_commit_and_fetch", simple_group_commit_and_fetch, s)
        checks.run("invalid_group_id", invalid_group_id, s)
        checks.run("delete_groups", delete_groups, s)
        checks.run("rebalance_and_session_expiry", rebalance_and_session_expiry, s)
        checks.run("malformed_frames_close_only_their_connection", malformed_frames_close_only_their_connection, s)
    checks.exit()


main()
