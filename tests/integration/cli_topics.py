"""kafka-topics (lode topics) against a real server, run by Kafka's script name.

The command lines from our users' notes run verbatim (with the test server's address); create,
list, describe, alter and delete are checked through the tool's output and through
confluent-kafka's AdminClient; describe is checked field by field, including the topic id the
server reports; bad command lines exit 1 with a message; an unreachable server is reported.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from cli import kafka, ok, run  # noqa: E402
from lodeserver import Checks, LodeServer, free_port  # noqa: E402

from confluent_kafka.admin import AdminClient  # noqa: E402

ERR = "Error while executing topic command : "


def main():
    c = Checks("cli_topics")
    with LodeServer() as s:
        b = s.bootstrap
        admin = AdminClient({"bootstrap.servers": b})

        def topics_now():
            return admin.list_topics(timeout=30).topics

        def verbatim_create():
            out = ok(kafka("kafka-topics --create --bootstrap-server localhost:9092 --replication-factor 1 "
                           "--partitions 1 --topic test-topic".replace("localhost:9092", b)))
            assert out == "Created topic test-topic.\n", out
            t = topics_now()["test-topic"]
            assert len(t.partitions) == 1 and t.partitions[0].replicas == [1], t

        def verbatim_compacted():
            out = ok(kafka("kafka-topics --create --topic my-compacted-topic --partitions 3 --config "
                           "cleanup.policy=compact --bootstrap-server localhost:9092".replace("localhost:9092", b)))
            assert out == "Created topic my-compacted-topic.\n", out
            assert len(topics_now()["my-compacted-topic"].partitions) == 3
            from confluent_kafka.admin import ConfigResource
            res = ConfigResource("topic", "my-compacted-topic")
            cfg = admin.describe_configs([res])[res].result(30)
            assert cfg["cleanup.policy"].value == "compact", cfg["cleanup.policy"]

        def describe_field_by_field():
            out = ok(kafka("kafka-topics --describe --topic my-compacted-topic --bootstrap-server " + b))
            lines = out.split("\n")
            assert lines[-1] == "" and len(lines) == 5, lines
            head = lines[0].split("\t")
            assert head[0] == "Topic: my-compacted-topic", head
            assert re.fullmatch(r"TopicId: [A-Za-z0-9_-]{22}", head[1]), head
            assert head[2] == "PartitionCount: 3" and head[3] == "ReplicationFactor: 1", head
            assert head[4].startswith("Configs: ") and "cleanup.policy=compact" in head[4].split(": ", 1)[1].split(","), head
            for p in range(3):
                assert lines[1 + p] == ("\tTopic: my-compacted-topic\tPartition: %d\tLeader: 1\tReplicas: 1\tIsr: 1"
                                        "\tElr: N/A\tLastKnownElr: N/A" % p), lines[1 + p]
            # the id is the one the server gives every client (kafka-python asks Metadata v>=10 too)
            tid = head[1].split(": ")[1]
            again = ok(kafka("kafka-topics --describe --topic my-compacted-topic --bootstrap-server " + b))
            assert tid in again and tid not in ok(kafka("kafka-topics --describe --topic test-topic --bootstrap-server " + b))

        def list_one_per_line():
            out = ok(kafka("kafka-topics --list --bootstrap-server " + b))
            names = out.splitlines()
            assert names == sorted(names) and {"test-topic", "my-compacted-topic"} <= set(names), names
            # a consumer group makes __consumer_offsets; --exclude-internal hides it
            from confluent_kafka import Consumer
            cons = Consumer({"bootstrap.servers": b, "group.id": "g-internal"})
            cons.commit(offsets=[__import__("confluent_kafka").TopicPartition("test-topic", 0, 0)], asynchronous=False)
            cons.close()
            assert "__consumer_offsets" in ok(kafka("kafka-topics --list --bootstrap-server " + b)).splitlines()
            out = ok(kafka("kafka-topics --list --exclude-internal --bootstrap-server " + b))
            assert "__consumer_offsets" not in out.splitlines(), out
            out = ok(kafka("kafka-topics --list --topic 'my-.*' --bootstrap-server " + b))
            assert out == "my-compacted-topic\n", out

        def exists_and_if_not_exists():
            r = kafka("kafka-topics --create --topic test-topic --bootstrap-server " + b)
            assert r.returncode == 1 and r.stdout == ERR + "Topic 'test-topic' already exists.\n", r
            r = kafka("kafka-topics --create --topic test-topic --if-not-exists --bootstrap-server " + b)
            assert r.returncode == 0 and r.stdout == "", r

        def period_underscore_warning():
            out = ok(kafka("kafka-topics --create --topic a.b_c --bootstrap-server " + b))
            assert out.startswith("WARNING: Due to limitations in metric names, topics with a period ('.') or "
                                  "underscore ('_') could collide."), out
            assert out.endswith("Created topic a.b_c.\n"), out

        def alter_partitions():
            ok(kafka("kafka-topics --alter --topic test-topic --partitions 4 --bootstrap-server " + b))
            assert len(topics_now()["test-topic"].partitions) == 4
            r = kafka("kafka-topics --alter --topic test-topic --partitions 2 --bootstrap-server " + b)
            assert r.returncode == 1 and r.stdout.startswith(ERR) and "would not be an increase" in r.stdout, r
            r = kafka("kafka-topics --alter --topic missing --partitions 2 --bootstrap-server " + b)
            assert r.returncode == 1 and r.stdout == ERR + "Topic 'missing' does not exist as expected\n", r
            r = kafka("kafka-topics --alter --topic missing --partitions 2 --if-exists --bootstrap-server " + b)
            assert r.returncode == 0 and r.stdout == "", r

        def replica_assignment():
            ok(kafka("kafka-topics --create --topic assigned --replica-assignment 1,1,1 --bootstrap-server " + b))
            assert len(topics_now()["assigned"].partitions) == 3
            r = kafka("kafka-topics --create --topic dup --replica-assignment 1:1 --bootstrap-server " + b)
            assert r.returncode == 1 and "may not contain duplicate entries" in r.stdout, r
            r = kafka("kafka-topics --create --topic nobroker --replica-assignment 7 --bootstrap-server " + b)
            assert r.returncode == 1 and r.stdout.startswith(ERR), r
            assert "nobroker" not in topics_now()

        def describe_filters():
            out = ok(kafka("kafka-topics --describe --under-replicated-partitions --bootstrap-server " + b))
            assert out == "", out  # one node: every replica is in sync
            out = ok(kafka("kafka-topics --describe --unavailable-partitions --bootstrap-server " + b))
            assert out == "", out
            out = ok(kafka("kafka-topics --describe --at-min-isr-partitions --topic assigned --bootstrap-server " + b))
            assert out.count("\tTopic: assigned\tPartition:") == 3 and not out.startswith("Topic:"), out
            out = ok(kafka("kafka-topics --describe --topics-with-overrides --topic 'my-compacted-topic,test-topic' "
                           "--bootstrap-server " + b))
            assert out.startswith("Topic: my-compacted-topic\t") and "\tPartition:" not in out, out

        def delete():
            ok(kafka("kafka-topics --delete --topic assigned --bootstrap-server " + b))
            deadline = time.time() + 30
            while "assigned" in topics_now() and time.time() < deadline:
                time.sleep(0.1)
            assert "assigned" not in topics_now()
            r = kafka("kafka-topics --delete --topic assigned --bootstrap-server " + b)
            assert r.returncode == 1 and r.stdout == ERR + "Topic 'assigned' does not exist as expected\n", r
            assert kafka("kafka-topics --delete --topic assigned --if-exists --bootstrap-server " + b).returncode == 0
            r = kafka("kafka-topics --delete --topic __consumer_offsets --bootstrap-server " + b)
            assert r.returncode == 1 and "is a kafka internal topic" in r.stdout, r

        def bad_command_lines():
            cases = [
                ("kafka-topics --list --describe --bootstrap-server " + b, "exactly one action"),
                ("kafka-topics --create --bootstrap-server " + b, 'Missing required argument "[topic]"'),
                ("kafka-topics --list", 'Missing required argument "[bootstrap-server]"'),
                ("kafka-topics --list --bootstrap-server %s --no-such-flag" % b, "no-such-flag is not a recognized option"),
                ("kafka-topics --create --topic x --bootstrap-server %s --partitions" % b, "Option partitions requires an argument"),
                ("kafka-topics --list --if-not-exists --bootstrap-server " + b, '"[if-not-exists]" can\'t be used with option "[list]"'),
                ("kafka-topics --alter --topic x --config a=b --bootstrap-server " + b, "kafka-configs tool can be used"),
                ("kafka-topics --alter --topic x --bootstrap-server " + b, 'Missing required argument "[partitions]"'),
            ]
            for cmd, msg in cases:
                r = kafka(cmd)
                assert r.returncode == 1, (cmd, r)
                assert msg in r.stderr and "Option" in r.stderr, (cmd, r.stderr)
            r = kafka("kafka-topics --create --topic x --partitions 0 --bootstrap-server " + b)
            assert r.returncode == 1 and r.stdout == ERR + "The partitions must be greater than 0\n", r
            r = kafka("kafka-topics --create --topic bad/name --bootstrap-server " + b)
            assert r.returncode == 1 and r.stdout.startswith(ERR), r
            r = kafka("kafka-topics --help")
            assert r.returncode == 0 and "--bootstrap-server" in r.stdout, r
            r = kafka("kafka-topics --bootstrap " + b + " --lis")  # unique prefixes, as jopt-simple allows
            assert r.returncode == 0 and "test-topic" in r.stdout.splitlines(), r

        def unreachable_server():
            cfg = os.path.join(s.dir, "client.properties")
            with open(cfg, "w") as f:
                f.write("default.api.timeout.ms=3000\n")
            t0 = time.time()
            r = kafka("kafka-topics --list --bootstrap-server 127.0.0.1:%d --command-config %s" % (free_port(), cfg),
                      timeout=60)
            assert r.returncode == 1 and "could not reach the broker" in r.stderr, r
            assert time.time() - t0 < 30, time.time() - t0

        for name, fn in [("verbatim_create", verbatim_create), ("verbatim_compacted", verbatim_compacted),
                         ("describe_field_by_field", describe_field_by_field), ("list_one_per_line", list_one_per_line),
                         ("exists_and_if_not_exists", exists_and_if_not_exists),
                         ("period_underscore_warning", period_underscore_warning),
                         ("alter_partitions", alter_partitions), ("replica_assignment", replica_assignment),
                         ("describe_filters", describe_filters), ("delete", delete),
                         ("bad_command_lines", bad_command_lines), ("unreachable_server", unreachable_server)]:
            c.run(name, fn, s)
    c.exit()


if __name__ == "__main__":
    main()
