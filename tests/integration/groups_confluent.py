"""Consumer groups with confluent-kafka (librdkafka) against a real lode
server: members share partitions, a SIGKILLed member's partitions move to
the others with nothing lost, cooperative-sticky rebalances incrementally,
a static member comes back without a rebalance, auto-commit, offset reset,
independent groups, committed offsets and groups across a restart, and a
consumer that keeps its assignment through a restart without a rebalance."""
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from lodeserver import Checks, LodeServer, wait_until  # noqa: E402
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

SESSION = {"session.timeout.ms": 4000, "heartbeat.interval.ms": 300}


class Member:
    """A group member polling on its own thread, recording its assignment
    events; with commit=True it commits each record synchronously after
    processing it."""

    def __init__(self, s, group, topic, commit=True, **extra):
        conf = {"bootstrap.servers": s.bootstrap, "group.id": group,
                "auto.offset.reset": "earliest", "enable.auto.commit": False}
        conf.update(SESSION)
        conf.update(extra)
        self.c = Consumer(conf)
        self.commit = commit
        self.held, self.events, self.processed = set(), [], []
        self.lock = threading.Lock()
        self.stopping = False
        self.c.subscribe([topic], on_assign=self._assign, on_revoke=self._revoke)
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _assign(self, c, parts):
        with self.lock:
            got = {p.partition for p in parts}
            self.held |= got
            self.events.append(("assign", got))

    def _revoke(self, c, parts):
        with self.lock:
            lost = {p.partition for p in parts}
            self.held -= lost
            self.events.append(("revoke", lost))

    def _run(self):
        while not self.stopping:
            m = self.c.poll(0.1)
            if m is None or m.error():
                continue
            with self.lock:
                self.processed.append((m.partition(), m.offset()))
            if self.commit:
                try:
                    self.c.commit(m, asynchronous=False)
                except KafkaException:
                    pass  # e.g. ILLEGAL_GENERATION mid-rebalance: redelivered, a duplicate

    def holding(self):
        with self.lock:
            return set(self.held)

    def close(self):
        self.stopping = True
        self.t.join(30)
        self.c.close()


CHILD = r"""
import sys
from confluent_kafka import Consumer, KafkaException
bootstrap, group, topic, out = sys.argv[1:5]
c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
              "enable.auto.commit": False, "session.timeout.ms": 4000, "heartbeat.interval.ms": 300})
c.subscribe([topic])
f = open(out, "a")
while True:
    m = c.poll(0.1)
    if m is None or m.error():
        continue
    f.write("%d %d\n" % (m.partition(), m.offset()))  # processed, then committed
    f.flush()
    try:
        c.commit(m, asynchronous=False)
    except KafkaException:
        pass  # redelivered to someone: a duplicate, never a loss
"""


def produce(s, topic, n, partitions):
    p = Producer({"bootstrap.servers": s.bootstrap, "linger.ms": 5})
    for i in range(n):
        p.produce(topic, value=b"v%d" % i, partition=i % partitions)
    assert p.flush(30) == 0


def create(s, topic, partitions):
    a = AdminClient({"bootstrap.servers": s.bootstrap})
    a.create_topics([NewTopic(topic, partitions, 1)])[topic].result()


def main():
    c = Checks("groups_confluent")
    with LodeServer({"group.min.session.timeout.ms": 1000}) as s:

        def share_and_survive_a_kill():
            create(s, "six", 6)
            out = os.path.join(s.dir, "child.txt")
            open(out, "w").close()
            child = subprocess.Popen(["/usr/bin/python3", "-c", CHILD, s.bootstrap, "g1", "six", out])
            try:
                a, b = Member(s, "g1", "six"), Member(s, "g1", "six")
                wait_until(lambda: len(a.holding()) == 2 and len(b.holding()) == 2, 60,
                           "two partitions each (the third member holding the other two)")
                produce(s, "six", 300, 6)
                wait_until(lambda: os.path.getsize(out) > 0, 60, "the third member processing")
            finally:
                child.send_signal(signal.SIGKILL)
                child.wait(30)
            produce(s, "six", 300, 6)
            # after the session timeout the others take the killed member's partitions
            wait_until(lambda: len(a.holding() | b.holding()) == 6, 60, "all six partitions")
            want = {(i % 6, i // 6) for i in range(600)}
            try:
                wait_until(lambda: set(a.processed) | set(b.processed) | child_done(out) >= want,
                           60, "every record processed")
            except AssertionError:
                missing = want - (set(a.processed) | set(b.processed) | child_done(out))
                raise AssertionError("not processed: %s; a holds %s, b holds %s" %
                                     (sorted(missing)[:20], a.holding(), b.holding()))
            assert set(a.processed) | set(b.processed) | child_done(out) == want
            a.close()
            b.close()

        def child_done(out):
            with open(out) as f:
                return {tuple(int(x) for x in line.split()) for line in f if line.strip()}

        def cooperative_incremental():
            create(s, "coop", 6)
            coop = {"partition.assignment.strategy": "cooperative-sticky"}
            a = Member(s, "g2", "coop", commit=False, **coop)
            b = Member(s, "g2", "coop", commit=False, **coop)
            wait_until(lambda: len(a.holding()) == 3 and len(b.holding()) == 3, 60, "3 + 3")
            before_a, before_b = a.holding(), b.holding()
            na, nb = len(a.events), len(b.events)
            m = Member(s, "g2", "coop", commit=False, **coop)
            wait_until(lambda: [len(x.holding()) for x in (a, b, m)] == [2, 2, 2], 60, "2 + 2 + 2")
            # the old members only gave up partitions, each keeping the rest
            for x, before, n in ((a, before_a, na), (b, before_b, nb)):
                revoked = set().union(*[p for e, p in x.events[n:] if e == "revoke"])
                assigned = set().union(*[p for e, p in x.events[n:] if e == "assign"])
                assert not assigned, ("an old member was given partitions", x.events[n:])
                assert revoked and revoked < before and x.holding() == before - revoked, x.events
            # the newcomer leaves: the others only gain, nothing is revoked
            na, nb = len(a.events), len(b.events)
            m.close()
            wait_until(lambda: len(a.holding()) == 3 and len(b.holding()) == 3, 60, "3 + 3 again")
            for x, n in ((a, na), (b, nb)):
                assert all(e == "assign" for e, _ in x.events[n:]), x.events[n:]
            a.close()
            b.close()

        def static_member_rejoins_without_rebalance():
            create(s, "stat", 4)
            conf = {"session.timeout.ms": 10000}
            a = Member(s, "g3", "stat", commit=False, **{"group.instance.id": "ia"}, **conf)
            b = Member(s, "g3", "stat", commit=False, **{"group.instance.id": "ib"}, **conf)
            wait_until(lambda: len(a.holding()) == 2 and len(b.holding()) == 2, 60, "2 + 2")
            held_b, na = b.holding(), len(a.events)
            b.close()  # a static member's close does not leave the group
            b2 = Member(s, "g3", "stat", commit=False, **{"group.instance.id": "ib"}, **conf)
            wait_until(lambda: len(b2.holding()) == 2, 30, "the restarted member's partitions")
            assert b2.holding() == held_b
            time.sleep(1.5)  # a rebalance of the others would show within a few heartbeats
            assert a.events[na:] == [], a.events[na:]
            a.close()
            b2.close()

        def auto_commit_and_offset_reset():
            create(s, "auto", 2)
            produce(s, "auto", 100, 2)
            m = Member(s, "g4", "auto", commit=False,
                       **{"enable.auto.commit": True, "auto.commit.interval.ms": 200})
            wait_until(lambda: len(m.processed) == 100, 60, "100 records")
            m.close()  # commits the final positions
            probe = Consumer({"bootstrap.servers": s.bootstrap, "group.id": "g4"})
            got = probe.committed([TopicPartition("auto", 0), TopicPartition("auto", 1)], timeout=10)
            assert [t.offset for t in got] == [50, 50], got
            probe.close()
            # a new group: earliest reads everything, latest only what comes next
            early = Member(s, "g5", "auto", commit=False)
            late = Member(s, "g6", "auto", commit=False, **{"auto.offset.reset": "latest"})
            wait_until(lambda: len(early.processed) == 100, 60, "earliest reads all")
            wait_until(lambda: len(late.holding()) == 2, 60, "latest assigned")
            # "latest" resolves its position some time after the assignment: keep
            # producing until it reads on both partitions, then it must have
            # started past the first 100 records while earliest read them all
            produced, deadline = 100, time.time() + 60
            while {p for p, _ in list(late.processed)} != {0, 1}:
                assert time.time() < deadline, "latest read nothing new: %r" % late.processed
                produce(s, "auto", 2, 2)
                produced += 2
                try:
                    wait_until(lambda: {p for p, _ in list(late.processed)} == {0, 1}, 1)
                except AssertionError:
                    pass  # not yet positioned; produce more
            assert all(off >= 50 for _, off in late.processed), sorted(late.processed)[:10]
            wait_until(lambda: len(early.processed) == produced, 60, "earliest reads everything")
            assert sorted(early.processed) == sorted((i % 2, i // 2) for i in range(produced))
            early.close()
            late.close()

        def survive_broker_restart():
            create(s, "rs", 3)
            produce(s, "rs", 90, 3)
            m = Member(s, "g7", "rs")
            wait_until(lambda: len(m.processed) == 90, 60, "90 records")
            m.close()
            s.restart()
            probe = Consumer({"bootstrap.servers": s.bootstrap, "group.id": "g7"})
            got = probe.committed([TopicPartition("rs", p) for p in range(3)], timeout=20)
            assert [t.offset for t in got] == [30, 30, 30], got
            probe.close()
            admin = AdminClient({"bootstrap.servers": s.bootstrap})
            groups = {g.id for g in admin.list_groups(timeout=10)}
            assert {"g1", "g4", "g7"} <= groups, groups
            # ListGroups + DescribeGroups (librdkafka's list_groups for one group)
            [g] = admin.list_groups("g7", timeout=10)
            assert (g.id, g.state, g.protocol_type, g.members) == ("g7", "Empty", "consumer", []), \
                (g.id, g.state, g.protocol_type, g.members)
            produce(s, "rs", 3, 3)
            again = Member(s, "g7", "rs")
            wait_until(lambda: len(again.processed) == 3, 60, "only the new records")
            assert sorted(again.processed) == [(0, 30), (1, 30), (2, 30)], again.processed
            again.close()

        def member_keeps_assignment_through_restart():
            # nice to have (docs/server.md): a consumer heartbeating through a
            # broker restart keeps its generation and assignment — no rebalance
            create(s, "live", 2)
            m = Member(s, "g8", "live", commit=False, **{"session.timeout.ms": 6000})
            wait_until(lambda: len(m.holding()) == 2, 60, "assigned")
            n = len(m.events)
            produce(s, "live", 10, 2)
            wait_until(lambda: len(m.processed) == 10, 60, "10 records")
            s.restart()
            produce(s, "live", 10, 2)
            wait_until(lambda: len(m.processed) == 20, 60, "10 more records after the restart")
            admin = AdminClient({"bootstrap.servers": s.bootstrap})
            [g] = admin.list_groups("g8", timeout=10)
            assert (g.state, len(g.members)) == ("Stable", 1), (g.state, g.members)
            assert m.events[n:] == [], ("a rebalance across the restart", m.events[n:])
            assert sorted(m.processed) == sorted((i % 2, i // 2) for i in range(20)), m.processed
            m.close()

        c.run("three_members_share_partitions_and_survive_sigkill", share_and_survive_a_kill, s)
        c.run("cooperative_sticky_rebalances_incrementally", cooperative_incremental, s)
        c.run("static_member_rejoins_without_rebalance", static_member_rejoins_without_rebalance, s)
        c.run("auto_commit_offset_reset_independent_groups", auto_commit_and_offset_reset, s)
        c.run("committed_offsets_and_groups_survive_restart", survive_broker_restart, s)
        c.run("member_keeps_assignment_through_restart", member_keeps_assignment_through_restart, s)
    c.exit()


main()
