"""kafka-topics against a real lode server: Kafka's documented command lines verbatim, the
--describe lines field by field (TopicId checked against the server's own Metadata v10
answer, read here by an independent decoder), --list, --alter --partitions, --delete,
--if-exists / --if-not-exists, regex --topic, the report filters, bad command lines and an
unreachable server."""
import base64
import os
import socket
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from cli import kafka, ok  # noqa: E402
from lodeserver import Checks, LodeServer, free_port, wait_until  # noqa: E402


class Reader:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, n):
        v = self.b[self.p:self.p + n]
        self.p += n
        return v

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def uvarint(self):
        shift = v = 0
        while True:
            c = self.take(1)[0]
            v |= (c & 0x7F) << shift
            shift += 7
            if not c & 0x80:
                return v

    def cstr(self):  # compact nullable string
        n = self.uvarint() - 1
        return None if n < 0 else self.take(n).decode()

    def tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())

    def carray(self, item):
        n = self.uvarint() - 1
        return [] if n < 0 else [item() for _ in range(n)]


def metadata_v10(port):
    """{topic: (base64url id, [(partition, leader, replicas, isr)])} from a raw Metadata v10."""
    client = b"cli-topics-test"
    body = struct.pack(">hhih", 3, 10, 7, len(client)) + client + b"\x00"  # header v2
    body += b"\x00" + b"\x00" + b"\x00" + b"\x00" + b"\x00"  # null topics, 3 bools, no tags
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(struct.pack(">i", len(body)) + body)
        size = b""
        while len(size) < 4:
            size += s.recv(4 - len(size))
        n = struct.unpack(">i", size)[0]
        data = b""
        while len(data) < n:
            data += s.recv(n - len(data))
    r = Reader(data)
    assert r.i32() == 7
    r.tags()
    r.i32()  # throttle

    def broker():
        r.i32(), r.cstr(), r.i32(), r.cstr(), r.tags()

    r.carray(broker)
    r.cstr(), r.i32()
    out = {}

    def partition():
        r.i16()
        p, leader = r.i32(), r.i32()
        r.i32()
        replicas, isr = r.carray(r.i32), r.carray(r.i32)
        r.carray(r.i32), r.tags()
        return (p, leader, replicas, isr)

    def topic():
        r.i16()
        name = r.cstr()
        tid = base64.urlsafe_b64encode(r.take(16)).rstrip(b"=").decode()
        r.i8()
        parts = r.carray(partition)
        r.i32(), r.tags()
        out[name] = (tid, sorted(parts))

    r.carray(topic)
    return out


def topics(s, args):
    return kafka("kafka-topics %s --bootstrap-server %s" % (args, s.bootstrap))


def fails(r, stream_text, what):
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert what in stream_text, (what, r.stdout, r.stderr)


def main():
    c = Checks("cli_topics")
    with LodeServer() as s:
        b = s.bootstrap

        def create_verbatim():
            out = ok(kafka("kafka-topics --create --bootstrap-server %s --replication-factor 1 "
                           "--partitions 1 --topic test-topic" % b))
            assert out == "Created topic test-topic.\n", out
            out = ok(kafka("kafka-topics --create --topic my-compacted-topic --partitions 3 "
                           "--config cleanup.policy=compact --bootstrap-server %s" % b))
            assert out == "Created topic my-compacted-topic.\n", out

        def describe_fields():
            md = metadata_v10(s.port)
            out = ok(topics(s, "--describe --topic my-compacted-topic"))
            lines = out.split("\n")
            assert lines[-1] == "" and len(lines) == 5, out
            tid, parts = md["my-compacted-topic"]
            assert lines[0].split("\t") == [
                "Topic: my-compacted-topic", "TopicId: " + tid, "PartitionCount: 3",
                "ReplicationFactor: 1", "Configs: cleanup.policy=compact"], lines[0]
            for line, (p, leader, replicas, isr) in zip(lines[1:4], parts):
                assert line.split("\t") == [
                    "", "Topic: my-compacted-topic", "Partition: %d" % p, "Leader: %d" % leader,
                    "Replicas: " + ",".join(map(str, replicas)), "Isr: " + ",".join(map(str, isr)),
                    "Elr: N/A", "LastKnownElr: N/A"], line
            out = ok(topics(s, "--describe --topic test-topic"))
            assert out.split("\n")[0] == "Topic: test-topic\tTopicId: %s\tPartitionCount: 1\t" \
                "ReplicationFactor: 1\tConfigs: " % md["test-topic"][0], out

        def list_one_per_line():
            out = ok(topics(s, "--list --exclude-internal"))
            assert out == "my-compacted-topic\ntest-topic\n", out
            assert ok(topics(s, "--list --topic my-.*")) == "my-compacted-topic\n"
            assert ok(topics(s, "--list --topic test-topic,my-compacted-topic --exclude-internal")) \
                == "my-compacted-topic\ntest-topic\n"
            assert ok(topics(s, "--list --topic nothing-matches")) == "\n"

        def alter_partitions():
            assert ok(topics(s, "--alter --topic test-topic --partitions 3")) == ""
            wait_until(lambda: len(metadata_v10(s.port)["test-topic"][1]) == 3, what="3 partitions")
            out = ok(topics(s, "--describe --topic test-topic"))
            assert "\tPartitionCount: 3\t" in out.split("\n")[0], out
            assert [l.split("\t")[2] for l in out.split("\n")[1:4]] == \
                ["Partition: 0", "Partition: 1", "Partition: 2"], out
            r = topics(s, "--alter --topic test-topic --partitions 2")
            fails(r, r.stdout, "Error while executing topic command : ")

        def exists_checks():
            r = topics(s, "--create --topic test-topic")
            assert r.returncode == 1 and r.stdout == \
                "Error while executing topic command : Topic 'test-topic' already exists.\n", r
            assert ok(topics(s, "--create --topic test-topic --if-not-exists")) == ""
            for action in ("--describe", "--delete", "--alter --partitions 5"):
                r = topics(s, action + " --topic missing-topic")
                assert r.returncode == 1 and r.stdout == "Error while executing topic command : " \
                    "Topic 'missing-topic' does not exist as expected\n", (action, r)
                assert ok(topics(s, action + " --topic missing-topic --if-exists")) == ""

        def collision_warning():
            out = ok(topics(s, "--create --topic dotted.name_x --partitions 1"))
            assert out == "WARNING: Due to limitations in metric names, topics with a period ('.') " \
                "or underscore ('_') could collide. To avoid issues it is best to use either, " \
                "but not both.\nCreated topic dotted.name_x.\n", out

        def replica_assignment_and_reports():
            assert ok(topics(s, "--create --topic assigned --replica-assignment 1,1")) == \
                "Created topic assigned.\n"
            out = ok(topics(s, "--describe --topic assigned"))
            assert "\tPartitionCount: 2\tReplicationFactor: 1\t" in out, out
            assert ok(topics(s, "--describe --topic assigned --under-replicated-partitions")) == ""
            assert ok(topics(s, "--describe --topic assigned --unavailable-partitions")) == ""
            out = ok(topics(s, "--describe --topic assigned --at-min-isr-partitions"))
            assert [l.split("\t")[1:3] for l in out.splitlines()] == \
                [["Topic: assigned", "Partition: 0"], ["Topic: assigned", "Partition: 1"]], out
            out = ok(topics(s, "--describe --topics-with-overrides"))
            assert out.startswith("Topic: my-compacted-topic\t") and len(out.splitlines()) == 1, out

        def delete_topic():
            assert ok(topics(s, "--delete --topic dotted.name_x")) == ""
            wait_until(lambda: "dotted.name_x" not in ok(topics(s, "--list")), what="deletion")
            assert "dotted.name_x" not in metadata_v10(s.port)

        def bad_command_lines():
            cases = [
                ("--topic x", "Command must include exactly one action: --list, --describe, "
                              "--create, --alter or --delete"),
                ("--list --create --topic x", "Command must include exactly one action"),
                ("--list --bogus", "bogus is not a recognized option"),
                ("--create", 'Missing required argument "[topic]"'),
                ("--create --topic x --partitions abc", "Cannot parse argument 'abc' of option partitions"),
                ("--alter --topic x --partitions 2 --config a=b", "can't be used with option \"[alter]\""),
                ("--alter --topic x", 'Missing required argument "[partitions]"'),
                ("--delete --topic x --if-not-exists", 'Option "[if-not-exists]" can\'t be used with option "[delete]"'),
                ("--list --partitions 3", 'Option "[partitions]" can\'t be used with option "[list]"'),
                ("--create --topic x --replica-assignment 1 --partitions 1",
                 'Option "[replica-assignment]" can\'t be used with option "[partitions]"'),
                ("--create --topic x --replica-assignment 1:1", "Partition replica lists may not contain duplicate entries: 1"),
                ("--create --topic x --config nokey", "Invalid topic config: all configs to be added must be in the format"),
                ("--describe --if-exists", "--topic or --topic-id is required to describe a topic"),
            ]
            for args, msg in cases:
                r = topics(s, args)
                fails(r, r.stderr, msg)
            r = kafka("kafka-topics --list")
            fails(r, r.stderr, "--bootstrap-server must be specified")
            for args, msg in [("--create --topic x --replication-factor 0",
                               "The replication factor must be between 1 and 32767 inclusive"),
                              ("--create --topic x --partitions 0", "The partitions must be greater than 0")]:
                r = topics(s, args)
                assert r.returncode == 1 and r.stdout.endswith(
                    "Error while executing topic command : %s\n" % msg), r

        def unreachable():
            port = free_port()
            with tempfile.NamedTemporaryFile("w", suffix=".properties") as f:
                f.write("default.api.timeout.ms=3000\n")
                f.flush()
                for action in ("--list", "--describe --topic t", "--create --topic t"):
                    r = kafka("kafka-topics %s --bootstrap-server 127.0.0.1:%d --command-config %s"
                              % (action, port, f.name), timeout=30)
                    assert r.returncode == 1, (action, r)
                    assert (r.stdout + r.stderr).strip(), action

        c.run("create_verbatim", create_verbatim, s)
        c.run("describe_fields_and_topic_id", describe_fields, s)
        c.run("list_one_per_line_and_regex", list_one_per_line, s)
        c.run("alter_partitions", alter_partitions, s)
        c.run("if_exists_if_not_exists", exists_checks, s)
        c.run("collision_warning", collision_warning, s)
        c.run("replica_assignment_and_reports", replica_assignment_and_reports, s)
        c.run("delete", delete_topic, s)
        c.run("bad_command_lines", bad_command_lines)
        c.run("unreachable_server", unreachable)
    c.exit()


main()
