"""kafka-get-offsets and kafka-delete-records by Kafka's names against a real lode server: latest,
earliest, max-timestamp and by-timestamp offsets after producing records with known timestamps,
partition filters and Kafka's sort order, records deleted below an offset (and to the high
watermark) seen by get-offsets, and bad input (JSON, flags) exiting 1 with a message."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from cli import kafka, ok  # noqa: E402
from lodeserver import Checks, LodeServer, free_port  # noqa: E402
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

BASE = 1700000000000


def main():
    c = Checks("cli_offsets")
    with LodeServer() as s:
        b = s.bootstrap
        admin = AdminClient({"bootstrap.servers": b})

        def get(extra):
            return ok(kafka("kafka-get-offsets --bootstrap-server %s %s" % (b, extra))).splitlines()

        def setup():
            admin.create_topics([NewTopic("ts", 2, 1), NewTopic("many", 12, 1)])["ts"].result(30)
            p = Producer({"bootstrap.servers": b, "linger.ms": 0})
            # partition 0: timestamps rising; partition 1: its newest timestamp in the middle
            for i in range(5):
                p.produce("ts", value=b"p0-%d" % i, partition=0, timestamp=BASE + i * 1000)
            # one batch: max-timestamp must name the record holding it (offset 1), not the
            # batch's last offset (Kafka 4, KAFKA-16310)
            batched = Producer({"bootstrap.servers": b, "linger.ms": 500})
            for i, ts in enumerate((BASE, BASE + 9000, BASE + 1000, BASE + 2000)):
                batched.produce("ts", value=b"p1-%d" % i, partition=1, timestamp=ts)
            assert batched.flush(30) == 0
            for part in range(12):
                for _ in range(part % 3):
                    p.produce("many", value=b"x", partition=part)
            assert p.flush(30) == 0
            # a committed group makes __consumer_offsets exist for the internal-topic checks
            cons = Consumer({"bootstrap.servers": b, "group.id": "offsets-test"})
            cons.commit(offsets=[TopicPartition("ts", 0, 1)], asynchronous=False)
            cons.close()

        def latest_earliest():
            assert get("--topic ts") == ["ts:0:5", "ts:1:4"]
            assert get("--topic ts --time -1") == ["ts:0:5", "ts:1:4"]
            assert get("--topic ts --time latest") == ["ts:0:5", "ts:1:4"]
            assert get("--topic ts --time earliest") == ["ts:0:0", "ts:1:0"]
            assert get("--topic ts --time -2") == ["ts:0:0", "ts:1:0"]

        def by_timestamp():
            assert get("--topic ts --time %d" % (BASE + 2000)) == ["ts:0:2", "ts:1:1"]
            assert get("--topic ts --time %d" % (BASE + 2500)) == ["ts:0:3", "ts:1:1"]
            assert get("--topic ts --time %d" % (BASE + 4500)) == ["ts:1:1"]  # none in partition 0: left out
            assert get("--topic ts --time %d" % (BASE + 10000)) == []

        def max_timestamp():
            assert get("--topic ts --time -3") == ["ts:0:4", "ts:1:1"]
            assert get("--topic ts --time max-timestamp") == ["ts:0:4", "ts:1:1"]

        def filters_and_order():
            assert get("--topic ts --partitions 1") == ["ts:1:4"]
            assert get("--topic-partitions ts:1") == ["ts:1:4"]
            assert get("--topic-partitions ts:0-1") == ["ts:0:5"]
            assert get("--topic-partitions ts:1-,many:11") == ["many:11:2", "ts:1:4"]
            # Kafka sorts by "topic-partition" as text: many-10 before many-2
            names = ["many-%d" % p for p in range(12)]
            want = ["many:%d:%d" % (p, p % 3) for p in sorted(range(12), key=lambda p: "many-%d" % p)]
            assert sorted(names) != names
            assert get("--topic many") == want, get("--topic many")
            assert get("--topic 'man.*' --partitions 0,10") == ["many:0:0", "many:10:1"]
            everything = get("")
            assert any(l.startswith("__consumer_offsets:") for l in everything), everything
            assert "ts:0:5" in everything
            trimmed = get("--exclude-internal-topics")
            assert not any(l.startswith("__") for l in trimmed) and "ts:0:5" in trimmed, trimmed

        def delete_records():
            path = os.path.join(s.dir, "offsets.json")
            with open(path, "w") as f:
                f.write('{"partitions": [{"topic": "ts", "partition": 0, "offset": 3}], "version": 1}')
            out = ok(kafka("kafka-delete-records --bootstrap-server %s --offset-json-file %s" % (b, path)))
            assert out == ("Executing records delete operation\n"
                           "Records delete operation completed:\n"
                           "partition: ts-0\tlow_watermark: 3\n"), repr(out)
            assert get("--topic ts --time earliest") == ["ts:0:3", "ts:1:0"]
            # -1: everything up to the high watermark; no version field means version 1
            with open(path, "w") as f:
                f.write(' {\n\t"partitions" : [ {"topic" : "t\\u0073", "partition" : 1, "offset" : -1} ] }\n')
            out = ok(kafka("kafka-delete-records --bootstrap-server %s --offset-json-file %s" % (b, path)))
            assert out.splitlines()[2] == "partition: ts-1\tlow_watermark: 4", out
            assert get("--topic ts --time earliest") == ["ts:0:3", "ts:1:4"]
            assert get("--topic ts --time latest") == ["ts:0:5", "ts:1:4"]
            # beyond the high watermark: a per-partition error, as Kafka reports it (exit 0)
            with open(path, "w") as f:
                f.write('{"partitions":[{"topic":"ts","partition":0,"offset":99}],"version":1}')
            out = ok(kafka("kafka-delete-records --bootstrap-server %s --offset-json-file %s" % (b, path)))
            assert out.splitlines()[2] == ("partition: ts-0\terror: org.apache.kafka.common.errors."
                                           "OffsetOutOfRangeException: The requested offset is not within "
                                           "the range of offsets maintained by the server."), out
            assert get("--topic ts --time earliest") == ["ts:0:3", "ts:1:4"]

        def bad_json():
            path = os.path.join(s.dir, "bad.json")
            cases = [
                ('{"partitions": [', "The input string is not a valid JSON"),
                ("", "The input string is not a valid JSON"),
                ('{"partitions": []} trailing', "The input string is not a valid JSON"),
                ('{"version": 1}', "Missing partitions field"),
                ('{"partitions": [], "version": 2}', "Not supported version field value 2"),
                ('{"partitions": [{"topic": "ts", "offset": 1}]}', "No such field exists: `partition`"),
                ('{"partitions": [{"topic": "ts", "partition": "0", "offset": 1}]}', "Expected `partition` to be an int"),
                ('{"partitions": [{"topic": "ts", "partition": 0, "offset": 1},'
                 ' {"topic": "ts", "partition": 0, "offset": 2}]}',
                 "Offset json file contains duplicate topic partitions: ts-0"),
            ]
            for text, msg in cases:
                with open(path, "w") as f:
                    f.write(text)
                r = kafka("kafka-delete-records --bootstrap-server %s --offset-json-file %s" % (b, path))
                assert r.returncode == 1 and msg in r.stderr, (text, r.returncode, r.stderr)
                assert r.stdout == "", r.stdout
            assert get("--topic ts --time earliest") == ["ts:0:3", "ts:1:4"]

        def bad_flags():
            G = "kafka-get-offsets --bootstrap-server %s " % b
            D = "kafka-delete-records --bootstrap-server %s " % b
            cases = [
                (G + "--time yesterday", "Error occurred: Malformed time argument yesterday. Please use -1 or latest / "
                 "-2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified "
                 "long format timestamp"),
                (G + "--topic nope", "Error occurred: Could not match any topic-partitions with the specified filters"),
                (G + "--topic ts --partitions 0,x", "Error occurred: --partitions expects a comma separated list of "
                 "numeric partition ids, but received: 0,x"),
                (G + "--topic-partitions ts:1 --topic ts",
                 "Error occurred: --topic-partitions cannot be used with --topic or --partitions"),
                (G + "--topic-partitions ts:x", "Error occurred: Invalid rule specification: ts:x"),
                (G + "--bogus", "bogus is not a recognized option"),
                ("kafka-get-offsets --topic ts", "Error while validating the bootstrap address"),
                (D, 'Missing required argument "[offset-json-file]"'),
                (D + "--offset-json-file /nonexistent/file.json", "/nonexistent/file.json"),
                ("kafka-delete-records --offset-json-file x", 'Missing required argument "[bootstrap-server]"'),
            ]
            for cmd, msg in cases:
                r = kafka(cmd)
                assert r.returncode == 1, (cmd, r.returncode, r.stderr)
                assert msg in r.stderr, (cmd, r.stderr)

        def unreachable_server_exits_1():
            dead = "127.0.0.1:%d" % free_port()
            cfg = os.path.join(s.dir, "short.properties")
            with open(cfg, "w") as f:
                f.write("default.api.timeout.ms=1500\n")
            path = os.path.join(s.dir, "one.json")
            with open(path, "w") as f:
                f.write('{"partitions":[{"topic":"ts","partition":0,"offset":1}],"version":1}')
            r = kafka("kafka-delete-records --bootstrap-server %s --offset-json-file %s --command-config %s"
                      % (dead, path, cfg))
            assert r.returncode == 1, (r.returncode, r.stderr)
            assert r.stdout.splitlines()[2] == ("partition: ts-0\terror: org.apache.kafka.common.errors."
                                                "TimeoutException: The request timed out."), r.stdout
            r = kafka("kafka-get-offsets --bootstrap-server %s --command-config %s" % (dead, cfg))
            assert r.returncode == 1 and "could not reach the broker" in r.stderr, (r.returncode, r.stderr)

        c.run("setup", setup, s)
        c.run("latest_and_earliest", latest_earliest, s)
        c.run("by_timestamp", by_timestamp, s)
        c.run("max_timestamp", max_timestamp, s)
        c.run("partition_filters_and_kafka_order", filters_and_order, s)
        c.run("delete_records_moves_earliest", delete_records, s)
        c.run("bad_json_exits_1", bad_json, s)
        c.run("bad_flags_exit_1", bad_flags, s)
        c.run("unreachable_server_exits_1", unreachable_server_exits_1, s)
    c.exit()


main()
