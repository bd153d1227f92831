"""kafka-console-producer and kafka-console-consumer by Kafka's names against a real lode server:
the verbatim command lines, keys (placed by murmur2 like the Java client), headers, null markers,
every DefaultMessageFormatter field, --partition/--offset, --max-messages, --timeout-ms, group
commits seen by confluent_kafka, every compression codec, --sync, and bad command lines."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from cli import BIN_DIR, kafka, ok, run  # noqa: E402
from lodeserver import Checks, LodeServer, free_port  # noqa: E402
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402


def murmur2(data):
    """The Java client's Utils.murmur2."""
    m, h = 0x5BD1E995, (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    n4 = len(data) // 4
    for i in range(n4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    rest = data[4 * n4:]
    if len(rest) == 3:
        h ^= rest[2] << 16
    if len(rest) >= 2:
        h ^= rest[1] << 8
    if len(rest) >= 1:
        h ^= rest[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def java_partition(key, n):
    return (murmur2(key) & 0x7FFFFFFF) % n


def main():
    c = Checks("cli_console")
    with LodeServer() as s:
        b = s.bootstrap
        admin = AdminClient({"bootstrap.servers": b})

        def create(name, parts):
            admin.create_topics([NewTopic(name, parts, 1)])[name].result(30)

        def produce(topic, text, extra=""):
            # a short linger keeps the file quick; the verbatim test runs with Kafka's 1000 ms
            if "--timeout" not in extra:
                extra += " --timeout 50"
            return ok(kafka("kafka-console-producer --bootstrap-server %s --topic %s %s" % (b, topic, extra),
                            input=text))

        def consume(topic, extra, expect_rc=0):
            r = kafka("kafka-console-consumer --bootstrap-server %s --topic %s %s" % (b, topic, extra))
            assert r.returncode == expect_rc, (r.returncode, r.stderr)
            return r

        def verbatim():
            lines = ["hello", "world", "", "with spaces and\ttab", "last"]
            cmd = "kafka-console-producer --bootstrap-server localhost:9092 --topic test-topic"
            r = kafka(cmd.replace("localhost:9092", b), input="\n".join(lines) + "\n")
            assert r.returncode == 0 and r.stdout == "", (r.returncode, r.stdout, r.stderr)
            cmd = "kafka-console-consumer --bootstrap-server localhost:9092 --topic test-topic --from-beginning"
            r = kafka(cmd.replace("localhost:9092", b) + " --max-messages 5")
            assert r.returncode == 0, r.stderr
            assert r.stdout == "\n".join(lines) + "\n", repr(r.stdout)
            assert "Processed a total of 5 messages" in r.stderr, r.stderr

        def line_endings():
            # Java's readLine ends a line at \n, \r\n or \r; the last line needs no terminator
            produce("endings", "a\r\nb\rc\nd")
            r = consume("endings", "--partition 0 --offset earliest --max-messages 4")
            assert r.stdout == "a\nb\nc\nd\n", repr(r.stdout)

        def keys_murmur2():
            create("keyed", 6)
            keys = ["user-%d" % i for i in range(30)]
            produce("keyed", "".join("%s:v-%s\n" % (k, k) for k in keys),
                    "--property parse.key=true --property key.separator=:")
            seen = {}
            r = consume("keyed", "--from-beginning --max-messages 30 --property print.key=true "
                        "--property print.partition=true")
            for line in r.stdout.splitlines():
                part, key, value = line.split("\t")
                assert value == "v-" + key, line
                seen[key] = int(part[len("Partition:"):])
            assert sorted(seen) == sorted(keys), seen
            for k in keys:
                assert seen[k] == java_partition(k.encode(), 6), (k, seen[k])

        def headers_and_nulls():
            text = ("h1:v1,h2:v2\tk1\tval1\n"
                    "NULL\tk2\tval2\n"
                    "h3:NULL\tNULL\tval3\n"
                    "h4:x\tk4\tNULL\n")
            produce("hdrs", text, "--property parse.headers=true --property parse.key=true "
                    "--property null.marker=NULL")
            r = consume("hdrs", "--partition 0 --offset earliest --max-messages 4 --property print.headers=true "
                        "--property print.key=true --property null.literal=<nil>")
            assert r.stdout.splitlines() == [
                "h1:v1,h2:v2\tk1\tval1", "NO_HEADERS\tk2\tval2", "h3:<nil>\t<nil>\tval3", "h4:x\tk4\t<nil>",
            ], r.stdout
            # custom header separators: headers.separator is a regex, as in Kafka
            produce("hdrs2", "a=1|b=2#k#v\n", "--property parse.headers=true --property parse.key=true "
                    "--property headers.delimiter=# --property key.separator=# --property 'headers.separator=[|]' "
                    "--property headers.key.separator==")
            r = consume("hdrs2", "--partition 0 --offset earliest --max-messages 1 --property print.headers=true "
                        "--property print.key=true --property headers.separator=; --property key.separator=/")
            assert r.stdout == "a:1;b:2/k/v\n", repr(r.stdout)

        def print_fields():
            produce("fields", "k\tv\n", "--property parse.key=true")
            cons = Consumer({"bootstrap.servers": b, "group.id": "ts-reader", "auto.offset.reset": "earliest"})
            cons.assign([TopicPartition("fields", 0, 0)])
            m = cons.poll(20)
            cons.close()
            assert m is not None and not m.error(), m
            ts_type, ts = m.timestamp()
            assert ts_type == 1, ts_type  # CreateTime
            props = ["print.timestamp", "print.partition", "print.offset", "print.headers", "print.key"]
            allp = " ".join("--property %s=true" % p for p in props)
            r = consume("fields", "--partition 0 --offset earliest --max-messages 1 " + allp)
            assert r.stdout == "CreateTime:%d\tPartition:0\tOffset:0\tNO_HEADERS\tk\tv\n" % ts, repr(r.stdout)
            # each field alone; print.value=false ends the line after the last field
            for prop, text in (("print.timestamp", "CreateTime:%d" % ts), ("print.partition", "Partition:0"),
                               ("print.offset", "Offset:0"), ("print.headers", "NO_HEADERS"), ("print.key", "k"),
                               ("print.epoch", "Epoch:NOT_PRESENT")):
                r = consume("fields", "--partition 0 --offset earliest --max-messages 1 --property %s=true "
                            "--property print.value=false" % prop)
                assert r.stdout == text + "\n", (prop, r.stdout)
                r = consume("fields", "--partition 0 --offset earliest --max-messages 1 --property %s=TRUE "
                            "--property key.separator=| --property line.separator=$" % prop)
                assert r.stdout == text + "|v$", (prop, r.stdout)
            r = consume("fields", "--partition 0 --offset earliest --max-messages 1 --property print.key=false "
                        "--formatter org.apache.kafka.tools.consumer.DefaultMessageFormatter")
            assert r.stdout == "v\n", r.stdout
            r = consume("fields", "--partition 0 --offset earliest --max-messages 1 "
                        "--formatter kafka.tools.DefaultMessageFormatter "
                        "--key-deserializer org.apache.kafka.common.serialization.StringDeserializer "
                        "--property print.key=true")
            assert r.stdout == "k\tv\n", r.stdout

        def partition_offset():
            produce("po", "".join("m%d\n" % i for i in range(6)))
            r = consume("po", "--partition 0 --offset 2 --max-messages 3 --property print.offset=true")
            assert r.stdout.splitlines() == ["Offset:2\tm2", "Offset:3\tm3", "Offset:4\tm4"], r.stdout
            assert "Processed a total of 3 messages" in r.stderr, r.stderr
            r = consume("po", "--partition 0 --from-beginning --max-messages 1")
            assert r.stdout == "m0\n", r.stdout
            r = consume("po", "--partition 0 --offset EARLIEST --max-messages 6")
            assert r.stdout.splitlines() == ["m%d" % i for i in range(6)], r.stdout
            # latest: nothing arrives, --timeout-ms ends it with Kafka's message and exit 0
            r = consume("po", "--partition 0 --offset latest --timeout-ms 1000")
            assert r.stdout == "", r.stdout
            assert "Error processing message, terminating consumer process" in r.stderr, r.stderr
            assert "TimeoutException" in r.stderr and "Processed a total of 0 messages" in r.stderr, r.stderr

        def max_messages_and_timeout():
            r = consume("po", "--from-beginning --max-messages 2")
            assert r.stdout == "m0\nm1\n", r.stdout
            # the count ends it long before the timeout, which only counts time without a record
            r = consume("po", "--from-beginning --max-messages 6 --timeout-ms 60000")
            assert r.stdout.splitlines() == ["m%d" % i for i in range(6)], r.stdout
            assert "Processed a total of 6 messages" in r.stderr and "ERROR" not in r.stderr, r.stderr

        def group_commits():
            create("grp", 1)
            produce("grp", "".join("g%d\n" % i for i in range(5)))
            r = consume("grp", "--group cg1 --from-beginning --max-messages 3")
            assert r.stdout == "g0\ng1\ng2\n", r.stdout
            cons = Consumer({"bootstrap.servers": b, "group.id": "cg1"})
            got = cons.committed([TopicPartition("grp", 0)], timeout=20)
            cons.close()
            assert got[0].offset == 3, got
            # the same group goes on where it stopped (--from-beginning only applies without offsets)
            r = consume("grp", "--group cg1 --from-beginning --max-messages 2")
            assert r.stdout == "g3\ng4\n", r.stdout
            # --group given through --consumer-property too: the same id is fine
            r = consume("grp", "--group cg1 --consumer-property group.id=cg1 --timeout-ms 1000")
            assert r.stdout == "", r.stdout

        def generated_group_commits_nothing():
            r = consume("grp", "--from-beginning --max-messages 5")
            assert r.stdout.splitlines() == ["g%d" % i for i in range(5)], r.stdout
            ids = [g.id for g in admin.list_groups(timeout=30)]
            gen = [g for g in ids if re.fullmatch(r"console-consumer-\d{1,5}", g)]
            assert gen, ids
            for g in gen:
                cons = Consumer({"bootstrap.servers": b, "group.id": g})
                got = cons.committed([TopicPartition("grp", 0)], timeout=20)
                cons.close()
                assert got[0].offset < 0, (g, got)

        def consumer_before_topic_exists():
            # as the Java consumer, subscribing creates the missing topic, so a consumer started
            # first (at 'latest') reads what a producer sends later: produce until it has read one
            proc = subprocess.Popen([os.path.join(BIN_DIR, "kafka-console-consumer"), "--bootstrap-server", b,
                                     "--topic", "early", "--max-messages", "1", "--timeout-ms", "60000"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                p = Producer({"bootstrap.servers": b, "linger.ms": 0})
                deadline = time.time() + 60
                while proc.poll() is None and time.time() < deadline:
                    p.produce("early", value=b"ping")
                    p.flush(10)
                    time.sleep(0.2)
                out, err = proc.communicate(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
            assert proc.returncode == 0 and out == "ping\n", (proc.returncode, out, err)
            assert "Processed a total of 1 messages" in err, err

        def include_regex():
            produce("inc-a", "from-a\n")
            produce("inc-b", "from-b\n")
            r = kafka("kafka-console-consumer --bootstrap-server %s --include 'inc-.*' --from-beginning "
                      "--max-messages 2" % b)
            assert r.returncode == 0 and sorted(r.stdout.splitlines()) == ["from-a", "from-b"], (r.stdout, r.stderr)
            # internal topics never match, as with the Java consumer (exclude.internal.topics)
            # (asked for 2 records, it gets the only one there is and then times out)
            r = kafka("kafka-console-consumer --bootstrap-server %s --include 'inc-a|__consumer_offsets' "
                      "--from-beginning --max-messages 2 --timeout-ms 6000 "
                      "--consumer-property partition.assignment.strategy=cooperative-sticky" % b)
            assert r.returncode == 0 and r.stdout == "from-a\n", (r.stdout, r.stderr)

        def first_batch_codec(topic):
            """The compression bits of the first record batch in the partition's log on disk."""
            with open(os.path.join(s.dir, "data", topic + "-0", "%020d.log" % 0), "rb") as f:
                head = f.read(23)
            return int.from_bytes(head[21:23], "big") & 7

        def codecs():
            for codec, bits in (("gzip", 1), ("snappy", 2), ("lz4", 3), ("zstd", 4), ("none", 0)):
                topic = "codec-" + codec
                lines = ["%s record %d %s" % (codec, i, "x" * 200) for i in range(20)]
                produce(topic, "\n".join(lines) + "\n", "--compression-codec " + codec)
                r = consume(topic, "--partition 0 --offset earliest --max-messages 20")
                assert r.stdout.splitlines() == lines, (codec, r.stdout[:200])
                assert first_batch_codec(topic) == bits, (codec, first_batch_codec(topic))
            # a bare --compression-codec means gzip, as in Kafka (librdkafka sends a batch
            # uncompressed when compressing would not shrink it: these lines compress well)
            bare = ["bare " + "y" * 300, "bare2 " + "z" * 300]
            produce("codec-bare", bare[0] + "\n", "--compression-codec --sync")
            produce("codec-bare", bare[1] + "\n", "--sync --compression-codec")
            r = consume("codec-bare", "--partition 0 --offset earliest --max-messages 2")
            assert r.stdout.splitlines() == bare, r.stdout
            assert first_batch_codec("codec-bare") == 1

        def sync_and_producer_flags():
            produce("sync", "".join("s%d\n" % i for i in range(10)),
                    "--sync --request-required-acks 1 --batch-size 1000 --timeout 10 "
                    "--message-send-max-retries 2 --request-timeout-ms 5000 --max-block-ms 5000 "
                    "--producer-property linger.ms=5 --producer-property client.id=mine")
            cfg = os.path.join(s.dir, "producer.properties")
            with open(cfg, "w") as f:
                f.write("acks=all\nmax.block.ms=1000\nbuffer.memory=1048576\n")
            produce("sync", "s10\n", "--producer.config %s --request-required-acks all" % cfg)
            r = consume("sync", "--partition 0 --offset earliest --max-messages 11")
            assert r.stdout.splitlines() == ["s%d" % i for i in range(11)], r.stdout

        def delivery_failure_exits_1():
            dead = "127.0.0.1:%d" % free_port()
            r = kafka("kafka-console-producer --bootstrap-server %s --topic t "
                      "--timeout 10 --producer-property message.timeout.ms=1000" % dead, input="a\nb\n")
            assert r.returncode == 1, (r.returncode, r.stderr)
            assert "Error when sending message to topic t with key: null, value: 1 bytes with error:" in r.stderr, r.stderr
            # --sync stops at the first failure (Kafka's send().get() throws)
            r = kafka("kafka-console-producer --bootstrap-server %s --topic t --sync --timeout 10 "
                      "--producer-property message.timeout.ms=1000" % dead, input="a\nbb\n")
            assert r.returncode == 1, (r.returncode, r.stderr)
            assert r.stderr.count("Error when sending message") == 1, r.stderr

        def reader_errors():
            r = kafka("kafka-console-producer --bootstrap-server %s --topic rerr --property parse.key=true" % b,
                      input="no separator here\n")
            assert r.returncode == 1, r.returncode
            assert "No key separator found on line number 1: 'no separator here'" in r.stderr, r.stderr
            r = kafka("kafka-console-producer --bootstrap-server %s --topic rerr --property parse.key=true "
                      "--property ignore.error=true" % b, input="whole line\n")
            assert r.returncode == 0, r.stderr
            r = consume("rerr", "--partition 0 --offset earliest --max-messages 1 --property print.key=true")
            assert r.stdout == "null\twhole line\n", r.stdout
            r = kafka("kafka-console-producer --bootstrap-server %s --topic rerr --property parse.headers=true" % b,
                      input="h1\tv\n")
            assert r.returncode == 1 and "No header key separator found in pair 'h1' on line number 1" in r.stderr, r.stderr
            r = kafka("kafka-console-producer --bootstrap-server %s --topic rerr --property null.marker=: "
                      "--property parse.key=true --property key.separator=:" % b, input="")
            assert r.returncode == 1 and "null.marker and key.separator may not be equal" in r.stderr, r.stderr

        def bad_flags():
            P = "kafka-console-producer --bootstrap-server %s " % b
            C = "kafka-console-consumer --bootstrap-server %s " % b
            cases = [
                (P + "--topic t --no-such-flag", "no-such-flag is not a recognized option"),
                (P, 'Missing required argument "[topic]"'),
                (P + "--topic t --compression-codec brotli", "Invalid value brotli for configuration compression.type"),
                (P + "--topic t --line-reader com.example.Reader", "--line-reader com.example.Reader is not supported"),
                (P + "--topic t --batch-size many", "Cannot parse argument 'many' of option batch-size"),
                (P + "--topic t --producer-property =x", "invalid property '=x'"),
                (C, "Exactly one of --include/--topic is required. "),
                (C + "--topic t --include x", "Exactly one of --include/--topic is required. "),
                (C + "--include x --partition 0", "The topic is required when partition is specified."),
                (C + "--topic t --partition 0 --offset 1 --from-beginning",
                 "Options from-beginning and offset cannot be specified together."),
                (C + "--topic t --offset 3", "The partition is required when offset is specified."),
                (C + "--topic t --partition 0 --offset -5",
                 "The provided offset value '-5' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."),
                (C + "--topic t --partition 0 --group g", "Options group and partition cannot be specified together."),
                (C + "--topic t --group a --consumer-property group.id=b",
                 "Detected group ids: 'a', 'b'"),
                (C + "--topic t --from-beginning --consumer-property auto.offset.reset=latest",
                 "Can't simultaneously specify --from-beginning and 'auto.offset.reset=latest', please remove one option"),
                (C + "--topic t --formatter kafka.tools.LoggingMessageFormatter",
                 "--formatter kafka.tools.LoggingMessageFormatter is not supported"),
                (C + "--topic t --isolation-level dirty", "Invalid value dirty for configuration isolation.level"),
                (C + "--topic t --max-messages lots", "Cannot parse argument 'lots' of option max-messages"),
                (C + "--topic t --property value.deserializer=com.example.Avro", "is not supported"),
                ("kafka-console-consumer --topic t", 'Missing required argument "[bootstrap-server]"'),
            ]
            for cmd, msg in cases:
                r = kafka(cmd, input="")
                assert r.returncode == 1, (cmd, r.returncode, r.stderr)
                assert msg in r.stderr, (cmd, r.stderr)
            for name in ("kafka-console-producer", "kafka-console-consumer.sh"):
                r = run([name, "--help"])
                assert r.returncode == 0 and "--bootstrap-server" in r.stdout, r.stdout

        c.run("verbatim_command_lines", verbatim, s)
        c.run("line_endings", line_endings, s)
        c.run("keys_placed_by_murmur2", keys_murmur2, s)
        c.run("headers_and_null_markers", headers_and_nulls, s)
        c.run("print_properties_field_by_field", print_fields, s)
        c.run("partition_and_offset", partition_offset, s)
        c.run("max_messages_and_timeout", max_messages_and_timeout, s)
        c.run("group_commits", group_commits, s)
        c.run("generated_group_commits_nothing", generated_group_commits_nothing, s)
        c.run("consumer_before_topic_exists", consumer_before_topic_exists, s)
        c.run("include_regex", include_regex, s)
        c.run("compression_codecs_round_trip", codecs, s)
        c.run("sync_and_producer_flags", sync_and_producer_flags, s)
        c.run("delivery_failure_exits_1", delivery_failure_exits_1, s)
        c.run("reader_errors", reader_errors, s)
        c.run("bad_flags_exit_1", bad_flags, s)
    c.exit()


main()
