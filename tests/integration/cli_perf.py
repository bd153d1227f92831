"""kafka-producer-perf-test and kafka-consumer-perf-test against a real lode server, run by
Kafka's script names: the summary lines field by field (counts, Kafka's number formats,
ordered percentiles), what reached the topic, the throttle, the consumer's header and columns,
its --timeout warning, and bad command lines (exit 1 with a message)."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from cli import kafka, ok  # noqa: E402
from lodeserver import Checks, LodeServer  # noqa: E402

from confluent_kafka import Consumer, TopicPartition  # noqa: E402

NUM = r"(\d+\.\d{%d})"
# Kafka's final line: "%d records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency,
# %.2f ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th."
TOTAL = re.compile(r"^(\d+) records sent, %s records/sec \(%s MB/sec\), %s ms avg latency, "
                   r"%s ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, "
                   r"(\d+) ms 99\.9th\.$" % (NUM % 1, NUM % 2, NUM % 2, NUM % 2))
HEADER = ("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
          "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
DETAILED_HEADER = ("time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, "
                   "nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
DATE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}"
F4 = r"\d+\.\d{4}"
ROW = re.compile(r"^(%s), (%s), (%s), (%s), (\d+), (%s), (\d+), (-?\d+), (%s|Infinity|NaN), "
                 r"(%s|Infinity|NaN)$" % (DATE, DATE, F4, F4, F4, F4, F4))
DETAILED_ROW = re.compile(r"^%s, 0, %s, %s, \d+, %s, \d+, -?\d+, %s, %s$" % (DATE, F4, F4, F4, F4,
                                                                           F4))
WARNING = ("WARNING: Exiting before consuming the expected number of messages: timeout (%d ms) "
           "exceeded. You can use the --timeout option to increase the timeout.")


def high_watermark(s, topic):
    c = Consumer({"bootstrap.servers": s.bootstrap, "group.id": "perf-check"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=30)[1]
    finally:
        c.close()


def read_all(s, topic, n):
    c = Consumer({"bootstrap.servers": s.bootstrap, "group.id": "perf-read-" + topic,
                  "auto.offset.reset": "earliest"})
    c.subscribe([topic])
    got, deadline = [], time.time() + 30
    while len(got) < n and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got.append(m.value())
    c.close()
    return got


def produce(s, topic, extra):
    return kafka("kafka-producer-perf-test --topic %s --producer-props bootstrap.servers=%s acks=1 %s"
                 % (topic, s.bootstrap, extra))


def total_line(out):
    lines = out.splitlines()
    assert lines, out
    m = TOTAL.match(lines[-1])
    assert m, lines[-1]
    return m


def main():
    c = Checks("cli_perf")
    with LodeServer() as s:
        def producer_summary_and_topic():
            r = produce(s, "perf-a", "--num-records 2000 --record-size 100 --throughput -1")
            m = total_line(ok(r))
            assert int(m.group(1)) == 2000, m.group(0)
            assert float(m.group(2)) > 0 and float(m.group(3)) >= 0, m.group(0)
            avg, mx = float(m.group(4)), float(m.group(5))
            p50, p95, p99, p999 = (int(m.group(i)) for i in range(6, 10))
            assert p50 <= p95 <= p99 <= p999 <= mx, m.group(0)
            assert avg <= mx and mx == int(mx), m.group(0)
            assert high_watermark(s, "perf-a") == 2000
            values = read_all(s, "perf-a", 2000)
            assert len(values) == 2000 and all(len(v) == 100 for v in values), len(values)
            assert all(re.fullmatch(rb"[A-Z]{100}", v) for v in values[:50]), values[0]

        def producer_throttled():
            t0 = time.time()
            r = produce(s, "perf-slow", "--num-records 2000 --record-size 100 --throughput 1000")
            elapsed = time.time() - t0
            assert int(total_line(ok(r)).group(1)) == 2000
            assert elapsed >= 1.5, elapsed  # 2000 records at 1000/s: about 2 s, never much less
            assert high_watermark(s, "perf-slow") == 2000

        def producer_payloads():
            r = kafka("kafka-producer-perf-test --topic perf-mono --num-records 5 "
                      "--payload-monotonic --throughput -1 --bootstrap-server " + s.bootstrap)
            assert int(total_line(ok(r)).group(1)) == 5
            assert read_all(s, "perf-mono", 5) == [b"0", b"1", b"2", b"3", b"4"]
            path = os.path.join(s.dir, "payloads.txt")
            with open(path, "w") as f:
                f.write("red;green;;blue;")
            cfg = os.path.join(s.dir, "producer.properties")
            with open(cfg, "w") as f:
                f.write("bootstrap.servers=%s\n" % s.bootstrap)
            r = kafka("kafka-producer-perf-test --topic perf-file --num-records 40 --payload-file %s "
                      "--payload-delimiter ';' --throughput -1 --producer.config %s" % (path, cfg))
            lines = ok(r).splitlines()
            assert lines[0] == "Reading payloads from: " + os.path.abspath(path), lines
            assert lines[1] == "Number of messages read: 4", lines  # Java's split keeps "", drops the last
            assert int(total_line(r.stdout).group(1)) == 40
            assert set(read_all(s, "perf-file", 40)) <= {b"red", b"green", b"", b"blue"}

        def consumer_reads_all():
            r = kafka("kafka-consumer-perf-test --bootstrap-server %s --topic perf-a --messages 2000"
                      % s.bootstrap)
            lines = ok(r).splitlines()
            assert len(lines) == 2 and lines[0] == HEADER, lines
            m = ROW.match(lines[1])
            assert m, lines[1]
            assert m.group(3) == "%.4f" % (2000 * 100 / 1048576.0), m.group(3)  # 0.1907
            assert int(m.group(5)) == 2000, lines[1]
            assert m.group(1) <= m.group(2), lines[1]

        def consumer_timeout():
            t0 = time.time()
            r = kafka("kafka-consumer-perf-test --bootstrap-server %s --topic perf-a --messages 2500 "
                      "--timeout 1000 --group perf-timeout" % s.bootstrap)
            lines = ok(r).splitlines()  # Kafka exits 0 after the warning
            assert time.time() - t0 < 60
            assert lines[0] == HEADER and lines[1] == WARNING % 1000, lines
            m = ROW.match(lines[2])
            assert m and int(m.group(5)) == 2000, lines

        def consumer_detailed_and_formats():
            r = kafka("kafka-consumer-perf-test --bootstrap-server %s --topic perf-a --messages 2000 "
                      "--show-detailed-stats --reporting-interval 1" % s.bootstrap)
            lines = ok(r).splitlines()
            assert lines[0] == DETAILED_HEADER, lines
            for line in lines[1:]:  # progress lines only; no summary with detailed stats
                assert DETAILED_ROW.match(line), line
            r = kafka("kafka-consumer-perf-test --bootstrap-server %s --topic perf-a --messages 10 "
                      "--hide-header --date-format \"yyyy'T'HH\"" % s.bootstrap)
            lines = ok(r).splitlines()
            assert len(lines) == 1, lines
            assert re.match(r"^\d{4}T\d\d, \d{4}T\d\d, 0\.0010, ", lines[0]), lines

        def transactions_rejected():
            # transactions need acks=all (as Kafka's producer says too); a short wait
            r = kafka("kafka-producer-perf-test --topic perf-tx --producer-props bootstrap.servers=%s "
                      "default.api.timeout.ms=2000 --num-records 10 --record-size 10 --throughput -1 "
                      "--transactional-id perf-tx" % s.bootstrap)
            assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
            assert "does not support transactions" in r.stderr, r.stderr

        def bad_command_lines():
            b = s.bootstrap
            cases = [
                ("kafka-producer-perf-test --num-records 1 --record-size 1 --throughput -1 "
                 "--producer-props bootstrap.servers=" + b, "argument --topic is required"),
                ("kafka-producer-perf-test --topic t --num-records 1 --throughput -1 "
                 "--producer-props bootstrap.servers=" + b,
                 "one of the arguments --record-size --payload-file --payload-monotonic is required"),
                ("kafka-producer-perf-test --topic t --num-records 0 --record-size 1 --throughput -1 "
                 "--producer-props bootstrap.servers=" + b, "--num-records should be greater than zero"),
                ("kafka-producer-perf-test --topic t --num-records 1 --record-size 1 --throughput -1",
                 "Either --producer-props or --producer.config must be specified."),
                ("kafka-producer-perf-test --topic t --num-records 1 --record-size 1 --throughput -1 "
                 "--producer-props acks", "Invalid property: acks"),
                ("kafka-producer-perf-test --topic t --num-records 1 --record-size 1 --throughput x "
                 "--producer-props bootstrap.servers=" + b, "--throughput"),
                ("kafka-producer-perf-test --topic t --num-records 1 --record-size 1 --throughput -1 "
                 "--payload-monotonic --producer-props bootstrap.servers=" + b,
                 "argument --payload-monotonic: not allowed with argument --record-size"),
                ("kafka-producer-perf-test --topic t --num-records 1 --payload-file /nonexistent "
                 "--throughput -1 --producer-props bootstrap.servers=" + b,
                 "File does not exist or empty file provided."),
                ("kafka-producer-perf-test --topic t --num-records 1 --record-size 1 --throughput -1 "
                 "--transaction-duration-ms 0 --producer-props bootstrap.servers=" + b,
                 "--transaction-duration-ms should be greater than zero"),
                ("kafka-consumer-perf-test --bootstrap-server %s --messages 1" % b,
                 'Missing required argument "[topic]"'),
                ("kafka-consumer-perf-test --bootstrap-server %s --topic t" % b,
                 'Missing required argument "[messages]"'),
                ("kafka-consumer-perf-test --bootstrap-server %s --topic t --messages 1 --threads 2" % b,
                 "threads is not a recognized option"),
                ("kafka-consumer-perf-test --bootstrap-server %s --topic t --messages x" % b,
                 "Cannot parse argument 'x' of option messages"),
                ("kafka-consumer-perf-test --bootstrap-server %s --topic t --messages 1 "
                 "--reporting-interval 0" % b, "Reporting interval must be greater than 0."),
                ("kafka-consumer-perf-test --bootstrap-server %s --topic t --messages 1 "
                 "--date-format qq" % b, "Illegal pattern character 'q'"),
            ]
            for cmd, msg in cases:
                r = kafka(cmd)
                assert r.returncode == 1, (cmd, r.returncode, r.stdout, r.stderr)
                assert msg in r.stderr, (cmd, r.stderr)
            r = kafka("kafka-consumer-perf-test")  # Kafka: purpose and usage, exit 1
            assert r.returncode == 1 and "verify the consumer performance" in r.stderr, r.stderr
            r = kafka("kafka-producer-perf-test")  # argparse4j: help on stdout, exit 0
            assert r.returncode == 0 and "verify the producer performance" in r.stdout, r.stdout
            for name in ("kafka-producer-perf-test", "kafka-consumer-perf-test"):
                r = kafka(name + " --help")
                assert r.returncode == 0 and "--topic" in r.stdout, (name, r.stdout)

        c.run("producer_summary_line_and_2000_records_in_topic", producer_summary_and_topic, s)
        c.run("producer_throughput_1000_takes_about_2s", producer_throttled, s)
        c.run("producer_monotonic_and_file_payloads", producer_payloads, s)
        c.run("consumer_header_and_row_2000_messages", consumer_reads_all, s)
        c.run("consumer_timeout_warning_exit_0", consumer_timeout, s)
        c.run("consumer_detailed_stats_hide_header_date_format", consumer_detailed_and_formats, s)
        c.run("producer_transactions_rejected_clearly", transactions_rejected, s)
        c.run("bad_command_lines_exit_1", bad_command_lines, s)
    c.exit()


main()
