"""kafka-consumer-groups against a real lode server, run by Kafka's script
name: a live confluent-kafka member with known committed offsets is
described field by field (offsets, log-end offsets, lag, its consumer id,
host and client id; --members --verbose; --state); --list with and without
--state; the member leaves and the group is described as having no active
members; every reset scenario plans with --dry-run (nothing committed,
checked with committed()) and commits exactly with --execute; offsets and
groups are deleted; bad command lines exit 1 with Kafka's message."""
import os
import re
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from lodeserver import Checks, LodeServer, wait_until  # noqa: E402
from cli import kafka  # noqa: E402
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

TOOL = "kafka-consumer-groups --bootstrap-server %s "
COUNTS = {0: 5, 1: 10, 2: 15}           # records produced per partition of t
COMMITTED = {0: 2, 1: 7, 2: 15}         # what the live member commits
BASE_TS = 1704067200000                 # 2024-01-01T00:00:00Z; record i of t at +i minutes
OFFSETS_HEADER = ("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                  "CONSUMER-ID", "HOST", "CLIENT-ID")


def offsets_table(group, rows):
    """The text Kafka prints for the offsets view: its width rules, leading blank line."""
    gw = max(15, len(group))
    tw = max([15] + [len(r[0]) for r in rows])
    cw = max([15] + [len(r[5]) for r in rows])
    hw = max([15] + [len(r[6]) for r in rows])
    fmt = "\n%%-%ds %%-%ds %%-10s %%-15s %%-15s %%-15s %%-%ds %%-%ds %%s" % (gw, tw, cw, hw)
    out = fmt % OFFSETS_HEADER
    for r in rows:
        out += fmt % ((group,) + tuple(str(x) for x in r))
    return out + "\n"


def plan_table(group, plan):
    fmt = "\n%-30s %-30s %-10s %-15s"
    out = fmt % ("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")
    for (topic, p), off in sorted(plan.items()):
        out += fmt % (group, topic, p, off)
    return out + "\n"


def raw_join(port, group, session_ms=60000):
    """A member that joins by hand (JoinGroup v0) and never syncs: the group
    stays in CompletingRebalance until its session expires. Returns the socket
    and the member id once the join answered without error."""
    def string(v):
        b = v.encode()
        return struct.pack(">h", len(b)) + b
    meta = struct.pack(">h", 0) + struct.pack(">i", 1) + string("t") + struct.pack(">i", -1)
    body = (string(group) + struct.pack(">i", session_ms) + string("") + string("consumer") +
            struct.pack(">i", 1) + string("range") + struct.pack(">i", len(meta)) + meta)
    deadline = time.time() + 30
    while True:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        hdr = struct.pack(">hhi", 11, 0, 1) + string("raw-joiner")
        sock.sendall(struct.pack(">i", len(hdr) + len(body)) + hdr + body)
        size = struct.unpack(">i", sock.recv(4, socket.MSG_WAITALL))[0]
        resp = sock.recv(size, socket.MSG_WAITALL)
        err = struct.unpack(">h", resp[4:6])[0]
        if err == 0:
            at = 10  # after correlation id, error, generation
            for _ in range(2):  # protocol name, leader
                at += 2 + struct.unpack(">h", resp[at:at + 2])[0]
            n = struct.unpack(">h", resp[at:at + 2])[0]
            return sock, resp[at + 2:at + 2 + n].decode()
        sock.close()
        assert time.time() < deadline, "JoinGroup error %d" % err
        time.sleep(0.2)


def raw_leave(sock, group, member_id):
    """LeaveGroup v0 for the hand-made member."""
    def string(v):
        b = v.encode()
        return struct.pack(">h", len(b)) + b
    body = string(group) + string(member_id)
    hdr = struct.pack(">hhi", 13, 0, 2) + string("raw-joiner")
    sock.sendall(struct.pack(">i", len(hdr) + len(body)) + hdr + body)
    size = struct.unpack(">i", sock.recv(4, socket.MSG_WAITALL))[0]
    resp = sock.recv(size, socket.MSG_WAITALL)
    assert struct.unpack(">h", resp[4:6])[0] == 0, resp
    sock.close()


def main():
    c = Checks("cli_groups")
    with LodeServer() as s:
        b = s.bootstrap
        tool = TOOL % b
        admin = AdminClient({"bootstrap.servers": b})
        for f in admin.create_topics([NewTopic("t", 3, 1), NewTopic("d", 1, 1)]).values():
            f.result(30)
        p = Producer({"bootstrap.servers": b})
        for part, n in COUNTS.items():
            for i in range(n):
                p.produce("t", value=b"v", partition=part, timestamp=BASE_TS + i * 60000)
        now = int(time.time() * 1000)
        for h in range(10, 0, -1):  # d: records at now-10h .. now-1h
            p.produce("d", value=b"v", partition=0, timestamp=now - h * 3600000)
        p.flush(30)
        member = Consumer({"bootstrap.servers": b, "group.id": "g", "client.id": "cli-groups-member",
                           "auto.offset.reset": "earliest", "enable.auto.commit": False})
        member.subscribe(["t", "d"])
        wait_until(lambda: member.poll(0.1) is not None and len(member.assignment()) == 4
                   or len(member.assignment()) == 4, 60, "the member's assignment")
        member.commit(offsets=[TopicPartition("t", q, o) for q, o in COMMITTED.items()],
                      asynchronous=False)
        checker = Consumer({"bootstrap.servers": b, "group.id": "g", "enable.auto.commit": False})

        def committed(topic="t", parts=(0, 1, 2)):
            got = checker.committed([TopicPartition(topic, q) for q in parts], timeout=20)
            return {tp.partition: tp.offset for tp in got}

        def run(args, rc=0):
            r = kafka(tool + args)
            assert r.returncode == rc, (args, r.returncode, r.stdout, r.stderr)
            return r

        def live_member():
            """The member's id and host as the group coordinator reports them to librdkafka."""
            [grp] = admin.list_groups("g", timeout=20)
            [m] = grp.members
            assert m.client_id == "cli-groups-member" and m.client_host == "/127.0.0.1", \
                (m.client_id, m.client_host)
            return m.id

        def describe_live_member():
            mid = live_member()
            r = run("--group g --describe")
            rows = []
            for q in range(3):
                rows.append(("t", q, COMMITTED[q], COUNTS[q], COUNTS[q] - COMMITTED[q], mid,
                             "/127.0.0.1", "cli-groups-member"))
            # the member also owns d-0, with nothing committed there
            rows.insert(0, ("d", 0, "-", 10, "-", mid, "/127.0.0.1", "cli-groups-member"))
            assert r.stdout == offsets_table("g", rows), r.stdout
            assert r.stderr == "", r.stderr
            # field by field, as a script would read it
            lines = r.stdout.strip("\n").split("\n")
            assert lines[0].split() == list(OFFSETS_HEADER), lines[0]
            fields = {(ln.split()[1], int(ln.split()[2])): ln.split() for ln in lines[1:]}
            for q in range(3):
                f = fields[("t", q)]
                assert f[3:6] == [str(COMMITTED[q]), str(COUNTS[q]),
                                  str(COUNTS[q] - COMMITTED[q])], f
                assert f[6:] == [mid, "/127.0.0.1", "cli-groups-member"], f
            # --offsets is the default view; the verbatim Kafka command line
            assert run("--group g --describe --offsets").stdout == r.stdout
            r2 = kafka("kafka-consumer-groups --bootstrap-server %s --group g --describe" % b)
            assert r2.stdout == r.stdout

        def members_and_state():
            mid = live_member()
            r = run("--group g --describe --members --verbose")
            cw = max(15, len(mid))
            head = "\n%-15s %-*s %-15s %-17s %-15s ASSIGNMENT\n" % (
                "GROUP", cw, "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS")
            row = "%-15s %-*s %-15s %-17s %-15s (0), (0,1,2)\n" % (
                "g", cw, mid, "/127.0.0.1", "cli-groups-member", 4)
            assert r.stdout == head + row, repr(r.stdout)
            r = run("--group g --describe --members")
            assert r.stdout.split("\n")[2].split() == ["g", mid, "/127.0.0.1",
                                                       "cli-groups-member", "4"], r.stdout
            r = run("--group g --describe --state")
            lines = r.stdout.split("\n")
            assert lines[0] == "" and lines[1].split() == [
                "GROUP", "COORDINATOR", "(ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"], lines
            m = re.match(r"^g +(\S+):(\d+)  \((\d+)\) +range +Stable +1$", lines[2])
            assert m and m.group(2) == str(s.port), lines[2]

        def list_groups():
            assert run("--list").stdout.split("\n") == ["g", ""]
            r = run("--list --state")
            assert r.stdout == "%-25s %-20s\n%-25s %-20s\n" % ("GROUP", "STATE", "g", "Stable"), \
                repr(r.stdout)
            assert run("--list --state stable,empty").stdout.split("\n")[1].split() == \
                ["g", "Stable"]
            assert run("--list --state Empty").stdout == "%-25s %-20s\n" % ("GROUP", "STATE")
            r = run("--list --state bogus", rc=1)
            assert r.stderr.startswith("Invalid state list 'bogus'. Valid states are: "
                                       "PreparingRebalance, CompletingRebalance, Stable, Dead, "
                                       "Empty, Assigning, Reconciling\n"), r.stderr

        def active_group_refuses_reset_and_delete():
            r = run("--group g --reset-offsets --to-earliest --topic t --execute", rc=1)
            assert r.stdout.startswith(
                "\nError: Assignments can only be reset if the group 'g' is inactive, but the "
                "current state is Stable.\n"), r.stdout
            r = run("--group g --delete", rc=1)
            assert r.stdout == (
                "\nError: Deletion of some consumer groups failed:\n* Group 'g' could not be "
                "deleted due to: java.util.concurrent.ExecutionException: org.apache.kafka.common."
                "errors.GroupNotEmptyException: The group is not empty.\n"), r.stdout
            # the member is subscribed to t: its offsets there may not be deleted
            r = run("--group g --delete-offsets --topic t:1", rc=1)
            assert r.stdout == (
                "\nError: Encounter some partition level error, see the follow-up details:\n"
                "\n%-30s %-15s %-15s\n%-30s %-15s %-15s\n" % (
                    "TOPIC", "PARTITION", "STATUS", "t", "1",
                    "Error: :org.apache.kafka.common.errors.GroupSubscribedToTopicException: "
                    "Deleting offsets of a topic is forbidden while the consumer group is "
                    "actively subscribed to it.")), r.stdout
            assert committed() == COMMITTED

        def member_leaves():
            member.close()
            wait_until(lambda: "Empty" in run("--list --state").stdout, 30, "the group empty")
            r = run("--group g --describe")
            assert r.stderr == "\nConsumer group 'g' has no active members.\n", r.stderr
            rows = [("t", q, COMMITTED[q], COUNTS[q], COUNTS[q] - COMMITTED[q], "-", "-", "-")
                    for q in range(3)]
            assert r.stdout == offsets_table("g", rows), r.stdout
            r = run("--group g --describe --members")
            assert r.stdout == "\n%-15s %-15s %-15s %-15s %-15s \n" % (
                "GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"), repr(r.stdout)
            assert run("--group g --describe --state").stdout.split("\n")[2].split()[-2:] == \
                ["Empty", "0"]

        def reset(scenario, expect, scope="--topic t", topic="t"):
            """--dry-run prints the plan and commits nothing; --execute commits it exactly."""
            before = committed(topic, sorted({q for (_, q) in expect}))
            r = run("--group g --reset-offsets %s %s --dry-run" % (scenario, scope))
            assert r.stdout.endswith(plan_table("g", expect)), (scenario, r.stdout)
            assert committed(topic, sorted(before)) == before, scenario
            r = run("--group g --reset-offsets %s %s --execute" % (scenario, scope))
            assert r.stdout.endswith(plan_table("g", expect)), (scenario, r.stdout)
            got = committed(topic, sorted(before))
            assert got == {q: o for (_, q), o in expect.items()}, (scenario, got)

        def reset_scenarios():
            reset("--to-earliest", {("t", 0): 0, ("t", 1): 0, ("t", 2): 0})
            reset("--to-latest", {("t", 0): 5, ("t", 1): 10, ("t", 2): 15})
            reset("--to-offset 3", {("t", 0): 3, ("t", 1): 3, ("t", 2): 3})
            reset("--shift-by 4", {("t", 0): 5, ("t", 1): 7, ("t", 2): 7})  # 7 clamps to 5
            reset("--shift-by -6", {("t", 0): 0, ("t", 1): 1, ("t", 2): 1})  # -1 clamps to 0
            reset("--to-offset 12", {("t", 0): 5, ("t", 1): 10, ("t", 2): 12})
            reset("--to-current", {("t", 0): 5, ("t", 1): 10, ("t", 2): 12}, "--all-topics")
            # record i of t has timestamp BASE + i minutes
            reset("--to-datetime 2024-01-01T00:03:00.000", {("t", 0): 3, ("t", 1): 3, ("t", 2): 3})
            reset("--to-datetime 2024-01-01T01:07:30.000+01:00", {("t", 1): 8, ("t", 2): 8},
                  "--topic t:1,2")
            # d's records are 10h .. 1h old: 5h30m back the first is the 5h-old one (offset 5)
            reset("--by-duration PT5H30M", {("d", 0): 5}, "--topic d", "d")
            reset("--by-duration P1D", {("d", 0): 0}, "--topic d", "d")
            r = run("--group g --reset-offsets --to-datetime 2030-01-01T00:00:00.000Z --topic "
                    "t:0 --dry-run")
            assert r.stdout == ("\nWarn: Partition 0 from topic t is empty. Falling back to "
                                "latest known offset.\n" + plan_table("g", {("t", 0): 5})), \
                r.stdout

        def reset_defaults_export_and_file():
            before = committed()
            r = run("--group g --reset-offsets --to-earliest --all-topics")
            assert r.stderr.startswith("WARN: No action will be performed as the --execute "
                                       "option is missing.In a future major release"), r.stderr
            assert committed() == before
            r = run("--group g --reset-offsets --to-offset 4 --topic t --dry-run --export")
            assert r.stdout == "t,0,4\nt,1,4\nt,2,4\n\n", repr(r.stdout)
            with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
                f.write(r.stdout)
            try:
                reset("--from-file " + f.name, {("t", 0): 4, ("t", 1): 4, ("t", 2): 4}, "")
            finally:
                os.unlink(f.name)

        def rebalancing_group():
            sock, mid = raw_join(s.port, "r")
            try:
                r = run("--group r --describe")
                assert (r.stdout, r.stderr) == ("", "\nWarning: Consumer group 'r' is "
                                                "rebalancing.\n"), (r.stdout, r.stderr)
                r = run("--group r --describe --state")
                # as Kafka, the protocol is only told once the group is stable
                assert re.match(r"^r +\S+:\d+  \(1\) {6,}CompletingRebalance 1$",
                                r.stdout.split("\n")[2]), r.stdout
                r = run("--group r --reset-offsets --to-earliest --topic t --execute", rc=1)
                assert r.stdout.startswith(
                    "\nError: Assignments can only be reset if the group 'r' is inactive, but "
                    "the current state is CompletingRebalance.\n"), r.stdout
                r = run("--group r --describe --members")
                assert r.stdout.split("\n")[2].split() == [
                    "r", mid, "/127.0.0.1", "raw-joiner", "0"], r.stdout
            finally:
                raw_leave(sock, "r", mid)
            r = run("--group r --delete")
            assert r.stdout == "Deletion of requested consumer groups ('r') was successful.\n"

        def unknown_group_reset_creates_it():
            # a group nobody has used is Dead to the tool: its offsets may be set
            r = run("--group fresh --group fresh --reset-offsets --to-latest --topic t:0,2 "
                    "--execute")
            assert r.stdout == plan_table("fresh", {("t", 0): 5, ("t", 2): 15}), r.stdout
            fresh = Consumer({"bootstrap.servers": b, "group.id": "fresh"})
            got = fresh.committed([TopicPartition("t", 0), TopicPartition("t", 2)], timeout=20)
            fresh.close()
            assert [tp.offset for tp in got] == [5, 15], got
            # several groups: described one after the other, sorted by id
            r = run("--group g --group fresh --describe")
            g_rows = [("t", q, 4, COUNTS[q], COUNTS[q] - 4, "-", "-", "-") for q in range(3)]
            assert r.stdout == offsets_table("fresh", [("t", 0, 5, 5, 0, "-", "-", "-"),
                                                       ("t", 2, 15, 15, 0, "-", "-", "-")]) + \
                offsets_table("g", [("d", 0, 0, 10, 10, "-", "-", "-")] + g_rows), r.stdout
            assert r.stderr == ("\nConsumer group 'fresh' has no active members.\n"
                                "\nConsumer group 'g' has no active members.\n"), r.stderr
            r = run("--group fresh --delete")
            assert r.stdout == "Deletion of requested consumer groups ('fresh') was successful.\n"

        def delete_offsets_then_group():
            r = run("--group g --delete-offsets --topic t:0 --topic nosuch")
            assert r.stdout == (
                "Request succeed for deleting offsets with topic t:0, nosuch group g\n"
                "\n%-30s %-15s %-15s\n%-30s %-15s %-15s\n%-30s %-15s %-15s\n" % (
                    "TOPIC", "PARTITION", "STATUS", "nosuch", "Not Provided",
                    "Error: :org.apache.kafka.common.errors.UnknownTopicOrPartitionException: "
                    "This server does not host this topic-partition.", "t", "0", "Successful")
            ), repr(r.stdout)
            assert committed() == {0: -1001, 1: 4, 2: 4}, committed()
            r = run("--group g --delete")
            assert r.stdout == "Deletion of requested consumer groups ('g') was successful.\n"
            r = run("--group g --delete", rc=1)
            assert r.stdout == (
                "\nError: Deletion of some consumer groups failed:\n* Group 'g' could not be "
                "deleted due to: java.util.concurrent.ExecutionException: org.apache.kafka.common."
                "errors.GroupIdNotFoundException: The group id does not exist.\n"), r.stdout
            r = run("--group g --describe", rc=1)
            assert r.stdout == "\nError: Consumer group 'g' does not exist.\n", r.stdout
            assert run("--list").stdout == ""
            r = run("--all-groups --delete")
            assert r.stdout == "Deletion of requested consumer groups ('') was successful.\n"

        def bad_command_lines():
            cases = [
                ("--describe --delete --group g", "Command must include exactly one action: "
                 "--list, --describe, --delete, --reset-offsets, --delete-offsets"),
                ("--group g", "Command must include exactly one action"),
                ("--describe", "Option [describe] takes one of these options: "),
                ("--members --group g --list", "Option(s) [members] are unavailable given other "
                 "options on the command line"),
                ("--describe --group g --members --state", "Option [describe] takes at most one "
                 "of these options: [members], [offsets], [state]"),
                ("--describe --group g --state Stable", "Option [describe] does not take a value "
                 "for [state]"),
                ("--reset-offsets --group g --to-earliest", "One of the reset scopes should be "
                 "defined: --all-topics, --topic."),
                ("--reset-offsets --group g --topic t", "Option '[reset-offsets]' requires one of "
                 "the following scenarios: "),
                ("--reset-offsets --group g --topic t --to-earliest --to-latest",
                 "Option \"[to-earliest]\" can't be used with option \"[to-latest]\""),
                ("--reset-offsets --group g --topic t --to-earliest --dry-run --execute",
                 "Option [reset-offsets] only accepts one of [execute] and [dry-run]"),
                ("--reset-offsets --topic t --to-earliest", "Option [reset-offsets] takes one of "
                 "these options: "),
                ("--delete --group g --topic t", "The consumer does not support topic-specific "
                 "offset deletion from a consumer group."),
                ("--delete-offsets --group g", "Option [delete-offsets] takes the following "
                 "options: [group], [topic]"),
                ("--list --group g", "Option \"[group]\" can't be used with option \"[list]\""),
                ("--describe --group g --all-groups", "Option \"[group]\" can't be used with "
                 "option \"[all-groups]\""),
                ("--describe --group g --topic t", "Option \"[topic]\" can't be used with option "
                 "\"[describe]\""),
                ("--describe --group g --to-earliest", "Option(s) [to-earliest] are unavailable"),
                ("--list --frobnicate", "frobnicate is not a recognized option"),
                ("--reset-offsets --group g --topic t:x --to-earliest --dry-run",
                 "Invalid partition 'x' specified in topic arg 't:x''"),
                ("--reset-offsets --group g --topic t:0:1 --to-earliest --dry-run",
                 "Invalid topic arg 't:0:1', expected topic name and partitions"),
                ("--describe --group g --timeout soon",
                 "Cannot parse argument 'soon' of option timeout"),
                ("--reset-offsets --group g --topic t --to-offset ten --dry-run",
                 "Cannot parse argument 'ten' of option to-offset"),
            ]
            for args, msg in cases:
                r = run(args, rc=1)
                assert msg in r.stderr, (args, r.stderr)
                assert "Option" in r.stderr and "Description" in r.stderr, (args, "no usage")
            r = kafka("kafka-consumer-groups --list")
            assert r.returncode == 1 and 'Missing required argument "[bootstrap-server]"' in \
                r.stderr, r.stderr
            r = kafka("kafka-consumer-groups")
            assert r.returncode == 1 and r.stderr.startswith("This tool helps to list all "
                                                             "consumer groups"), r.stderr
            r = kafka("kafka-consumer-groups --help")
            assert r.returncode == 0 and "--reset-offsets" in r.stdout
            # malformed dates and durations are Kafka's generic failure
            r = run("--group g --reset-offsets --to-datetime 2024-01-01T00:00:00 --topic t "
                    "--dry-run", rc=1)
            assert r.stdout == ("\nError: Executing consumer group command failed due to "
                                "java.text.ParseException: Unparseable date: "
                                "\"2024-01-01T00:00:00Z\"\n"), r.stdout
            r = run("--group g --reset-offsets --by-duration 5H --topic t --dry-run", rc=1)
            assert r.stdout.endswith("failed due to Text cannot be parsed to a Duration\n")
            r = run("--group g --reset-offsets --shift-by 1 --topic t --dry-run", rc=1)
            assert "Cannot shift offset for partition t-0 since there is no current committed " \
                "offset" in r.stderr, r.stderr

        def unreachable_server():
            r = kafka("kafka-consumer-groups --bootstrap-server 127.0.0.1:1 --list --timeout 2000",
                      timeout=60)
            assert r.returncode == 1 and r.stdout + r.stderr, (r.stdout, r.stderr)
            with tempfile.NamedTemporaryFile("w", suffix=".properties", delete=False) as f:
                f.write("default.api.timeout.ms=2000\nclient.id=cg-test\n")
            try:
                r = kafka("kafka-consumer-groups --bootstrap-server 127.0.0.1:1 --describe "
                          "--group g --command-config " + f.name, timeout=60)
            finally:
                os.unlink(f.name)
            assert r.returncode == 1 and "Error: Executing consumer group command failed due "\
                "to Local: Timed out" in r.stdout, (r.stdout, r.stderr)

        c.run("describe_live_member", describe_live_member, s)
        c.run("members_verbose_and_state", members_and_state, s)
        c.run("list_and_list_state", list_groups, s)
        c.run("active_group_refuses_reset_and_delete", active_group_refuses_reset_and_delete, s)
        c.run("member_leaves_no_active_members", member_leaves, s)
        c.run("reset_scenarios_dry_run_then_execute", reset_scenarios, s)
        c.run("reset_default_dry_run_export_from_file", reset_defaults_export_and_file, s)
        c.run("rebalancing_group_warning", rebalancing_group, s)
        c.run("unknown_group_reset_creates_it", unknown_group_reset_creates_it, s)
        c.run("delete_offsets_then_delete_group", delete_offsets_then_group, s)
        c.run("bad_command_lines_exit_1", bad_command_lines, s)
        c.run("unreachable_server_exit_1", unreachable_server)
        checker.close()
    c.exit()


main()
