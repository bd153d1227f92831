"""Durability across restarts: an orderly stop keeps everything, and after
kill -9 every record acknowledged with acks=all is there."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from lodeserver import Checks, LodeServer, wait_until  # noqa: E402
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402


def read_all(s, topic, timeout=30):
    c = Consumer({"bootstrap.servers": s.bootstrap, "group.id": "itest", "enable.auto.commit": False,
                  "enable.partition.eof": True})
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                break
            raise AssertionError(str(m.error()))
        got.append(m.value())
    c.close()
    return got


def main():
    c = Checks("restart_crash")
    with LodeServer() as s:
        def sigterm_restart():
            p = Producer({"bootstrap.servers": s.bootstrap, "acks": "1", "linger.ms": 5})
            for i in range(5000):
                p.produce("rs", value=b"r%d" % i)
            assert p.flush(60) == 0
            s.restart()
            got = read_all(s, "rs")
            assert got == [b"r%d" % i for i in range(5000)], (len(got), got[:3])

        def kill9_keeps_acked():
            acked = []
            lock = threading.Lock()

            def dr(err, msg):
                if not err:
                    with lock:
                        acked.append(msg.value())

            p = Producer({"bootstrap.servers": s.bootstrap, "acks": "all", "linger.ms": 2,
                          "message.timeout.ms": 5000, "enable.idempotence": True})
            stop = threading.Event()

            def pump():
                i = 0
                while not stop.is_set():
                    try:
                        p.produce("crash", value=b"c%d" % i, on_delivery=dr)
                        i += 1
                    except BufferError:
                        pass
                    p.poll(0)

            t = threading.Thread(target=pump)
            t.start()
            wait_until(lambda: len(acked) > 20000, 120, "20000 acknowledged records")
            s.kill9()
            stop.set()
            t.join()
            p.flush(10)  # the rest fail: the server is gone
            with lock:
                sure = list(acked)
            s.start()
            got = set(read_all(s, "crash", 60))
            missing = [v for v in sure if v not in got]
            assert not missing, "%d acknowledged records lost, e.g. %r" % (len(missing), missing[:3])

        c.run("sigterm_restart_keeps_everything", sigterm_restart, s)
        c.run("kill9_keeps_every_acks_all_record", kill9_keeps_acked, s)
    c.exit()


main()
