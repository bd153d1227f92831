"""confluent-kafka (librdkafka) against a real lode server: idempotent
acks=all producing, every compression codec, the Java partitioner's
placement of keys, and the AdminClient on topics and configs."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from lodeserver import Checks, LodeServer  # noqa: E402
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic  # noqa: E402


def murmur2(data):
    """Kafka's Utils.murmur2 (the Java client's key partitioner)."""
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    n4 = len(data) // 4
    for i in range(n4):
        k = data[4 * i] | data[4 * i + 1] << 8 | data[4 * i + 2] << 16 | data[4 * i + 3] << 24
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    rest, i = len(data) % 4, n4 * 4
    if rest == 3:
        h ^= data[i + 2] << 16
    if rest >= 2:
        h ^= data[i + 1] << 8
    if rest >= 1:
        h ^= data[i]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def java_partition(key, n):
    return (murmur2(key) & 0x7FFFFFFF) % n


def produce(s, topic, msgs, **conf):
    errors, offsets = [], []

    def dr(err, msg):
        if err:
            errors.append(err)
        else:
            offsets.append((msg.partition(), msg.offset()))

    p = Producer({"bootstrap.servers": s.bootstrap, **conf})
    for m in msgs:
        p.produce(topic, on_delivery=dr, **m)
    assert p.flush(60) == 0, "messages left unflushed"
    assert not errors, errors[:3]
    return offsets


def consume_all(s, topic, partition, expect, timeout=30):
    c = Consumer({"bootstrap.servers": s.bootstrap, "group.id": "itest", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, partition, 0)])
    got = []
    import time
    deadline = time.time() + timeout
    while len(got) < expect and time.time() < deadline:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            raise AssertionError(str(m.error()))
        got.append(m)
    c.close()
    return got


def main():
    c = Checks("clients_confluent")
    with LodeServer() as s:
        admin = AdminClient({"bootstrap.servers": s.bootstrap})

        def idempotent_acks_all():
            msgs = [{"key": b"k%d" % i, "value": b"v%d" % i} for i in range(2000)]
            offs = produce(s, "idem", msgs, acks="all", **{"enable.idempotence": True})
            assert sorted(o for _, o in offs) == list(range(2000))
            got = consume_all(s, "idem", 0, 2000)
            assert [m.value() for m in got] == [b"v%d" % i for i in range(2000)]

        def every_codec():
            for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
                topic = "codec-" + codec
                msgs = [{"key": b"k%d" % i, "value": (b"%d-" % i) * 40, "headers": [("h", b"%d" % i)]} for i in range(500)]
                produce(s, topic, msgs, **{"compression.type": codec, "linger.ms": 20})
                got = consume_all(s, topic, 0, 500)
                assert len(got) == 500, (codec, len(got))
                for i, m in enumerate(got):
                    assert m.offset() == i and m.key() == b"k%d" % i and m.value() == (b"%d-" % i) * 40, (codec, i)
                    assert m.headers() == [("h", b"%d" % i)], (codec, m.headers())

        def keyed_partitioning():
            admin.create_topics([NewTopic("parts6", 6, 1)])["parts6"].result()
            keys = [b"key-%d" % i for i in range(300)] + [b"", b"a", b"ab", b"abc"]
            produce(s, "parts6", [{"key": k, "value": k} for k in keys], partitioner="murmur2_random")
            seen = {}
            c2 = Consumer({"bootstrap.servers": s.bootstrap, "group.id": "itest", "enable.auto.commit": False})
            c2.assign([TopicPartition("parts6", p, 0) for p in range(6)])
            import time
            end = time.time() + 30
            while len(seen) < len(keys) and time.time() < end:
                m = c2.poll(0.5)
                if m is not None and not m.error():
                    seen[m.key()] = m.partition()
            c2.close()
            for k in keys:
                assert seen.get(k) == java_partition(k, 6), (k, seen.get(k), java_partition(k, 6))

        def admin_topics_and_configs():
            fs = admin.create_topics([NewTopic("adm", 2, 1, config={"retention.ms": "3600000"})])
            fs["adm"].result()
            md = admin.list_topics(timeout=10)
            assert "adm" in md.topics and len(md.topics["adm"].partitions) == 2
            r = ConfigResource("topic", "adm")
            d = admin.describe_configs([r])[r].result()
            assert d["retention.ms"].value == "3600000" and d["cleanup.policy"].value == "delete"
            r2 = ConfigResource("topic", "adm", set_config={"retention.ms": "7200000", "cleanup.policy": "compact"})
            admin.alter_configs([r2])[r2].result()
            d = admin.describe_configs([r])[r].result()
            assert d["retention.ms"].value == "7200000" and d["cleanup.policy"].value == "compact"
            bad = ConfigResource("topic", "adm", set_config={"retention.ms": "-5"})
            try:
                admin.alter_configs([bad])[bad].result()
                raise AssertionError("an invalid value was accepted")
            except KafkaException as e:
                assert "retention.ms" in str(e), e
            admin.create_partitions([NewPartitions("adm", 4)])["adm"].result()
            assert len(admin.list_topics(timeout=10).topics["adm"].partitions) == 4
            try:
                admin.create_topics([NewTopic("adm", 1, 1)])["adm"].result()
                raise AssertionError("a duplicate topic was created")
            except KafkaException as e:
                assert "TOPIC_ALREADY_EXISTS" in str(e), e
            admin.delete_topics(["adm"])["adm"].result()
            assert "adm" not in admin.list_topics(timeout=10).topics
            b = ConfigResource("broker", "1")
            d = admin.describe_configs([b])[b].result()
            assert d["num.partitions"].value == "1", d["num.partitions"].value

        c.run("idempotent_acks_all", idempotent_acks_all, s)
        c.run("every_compression_codec", every_codec, s)
        c.run("keys_on_java_partitioner_partitions", keyed_partitioning, s)
        c.run("admin_topics_and_configs", admin_topics_and_configs, s)
    c.exit()


main()
