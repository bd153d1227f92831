"""kafka-python's KafkaConsumer in a group beside a confluent-kafka consumer
against a real lode server: both get partitions (their protocols meet on
"range"), together they read everything, and each one's commits are
visible to the other client's committed()."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from lodeserver import Checks, LodeServer, wait_until  # noqa: E402
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402
from kafka import KafkaConsumer  # noqa: E402
from kafka import TopicPartition as KTP  # noqa: E402
from kafka.errors import CommitFailedError  # noqa: E402


def main():
    c = Checks("groups_kafka_python")
    with LodeServer({"group.min.session.timeout.ms": 1000}) as s:

        def mixed_group():
            admin = AdminClient({"bootstrap.servers": s.bootstrap})
            admin.create_topics([NewTopic("mix", 4, 1)])["mix"].result()
            kp = KafkaConsumer("mix", bootstrap_servers=s.bootstrap, group_id="mix",
                               auto_offset_reset="earliest", enable_auto_commit=False,
                               session_timeout_ms=6000, heartbeat_interval_ms=300,
                               api_version_auto_timeout_ms=10000)
            ck = Consumer({"bootstrap.servers": s.bootstrap, "group.id": "mix",
                           "auto.offset.reset": "earliest", "enable.auto.commit": False,
                           "session.timeout.ms": 6000, "heartbeat.interval.ms": 300,
                           "partition.assignment.strategy": "range"})
            ck.subscribe(["mix"])
            got_k, got_c = set(), set()
            stop = threading.Event()

            def run_confluent():
                while not stop.is_set():
                    m = ck.poll(0.1)
                    if m is not None and not m.error():
                        got_c.add((m.partition(), m.offset()))
                        try:
                            ck.commit(m, asynchronous=False)
                        except KafkaException:
                            pass  # mid-rebalance: redelivered later

            t = threading.Thread(target=run_confluent, daemon=True)
            t.start()
            # both members first, then the records
            deadline = time.time() + 60
            while time.time() < deadline and not (kp.assignment() and ck.assignment()):
                kp.poll(timeout_ms=100)
            assert kp.assignment() and ck.assignment(), "both consumers assigned"
            p = Producer({"bootstrap.servers": s.bootstrap})
            for i in range(400):
                p.produce("mix", value=b"%d" % i, partition=i % 4)
            assert p.flush(30) == 0

            deadline = time.time() + 90
            while time.time() < deadline and len(got_k | got_c) < 400:
                for recs in kp.poll(timeout_ms=100).values():
                    for r in recs:
                        got_k.add((r.partition, r.offset))
                try:
                    kp.commit()
                except CommitFailedError:
                    pass  # mid-rebalance: redelivered later
            stop.set()
            t.join(30)
            assert got_k | got_c == {(i % 4, i // 4) for i in range(400)}, len(got_k | got_c)
            kp_parts = {tp.partition for tp in kp.assignment()}
            ck_parts = {tp.partition for tp in ck.assignment()}
            assert kp_parts and ck_parts and not kp_parts & ck_parts, (kp_parts, ck_parts)
            assert kp_parts | ck_parts == {0, 1, 2, 3}
            # each client sees the other's commits
            for part in kp_parts:
                tp = ck.committed([TopicPartition("mix", part)], timeout=10)[0]
                assert tp.offset == 100, (part, tp.offset)
            for part in ck_parts:
                wait_until(lambda: kp.committed(KTP("mix", part)) == 100, 20,
                           "kafka-python reading confluent-kafka's commit")
            kp.close()
            ck.close()

        c.run("kafka_python_and_confluent_in_one_group", mixed_group, s)
    c.exit()


main()
