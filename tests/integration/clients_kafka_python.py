"""kafka-python (a pure-Python client, not librdkafka) against a real lode
server: producer, consumer without a group, admin client."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from lodeserver import Checks, LodeServer  # noqa: E402
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import NewTopic  # noqa: E402


def main():
    c = Checks("clients_kafka_python")
    with LodeServer() as s:
        def produce_consume():
            p = KafkaProducer(bootstrap_servers=s.bootstrap, acks="all", compression_type="gzip")
            futs = [p.send("kp", key=b"k%d" % i, value=b"value-%d" % i, headers=[("h", b"x")]) for i in range(300)]
            offs = [f.get(timeout=30).offset for f in futs]
            p.close()
            assert offs == list(range(300)), offs[:5]
            cons = KafkaConsumer(bootstrap_servers=s.bootstrap, consumer_timeout_ms=5000, enable_auto_commit=False)
            tp = TopicPartition("kp", 0)
            cons.assign([tp])
            cons.seek_to_beginning(tp)
            got = [(m.offset, m.key, m.value, m.headers) for m in cons]
            assert cons.end_offsets([tp])[tp] == 300
            cons.close()
            assert got == [(i, b"k%d" % i, b"value-%d" % i, [("h", b"x")]) for i in range(300)], got[:3]

        def admin():
            a = KafkaAdminClient(bootstrap_servers=s.bootstrap)
            a.create_topics([NewTopic("kpa", 3, 1)])
            assert "kpa" in a.list_topics()
            a.delete_topics(["kpa"])
            a.close()
            a2 = KafkaAdminClient(bootstrap_servers=s.bootstrap)
            assert "kpa" not in a2.list_topics()
            a2.close()

        c.run("producer_and_groupless_consumer", produce_consume, s)
        c.run("admin_create_list_delete", admin, s)
    c.exit()


main()
