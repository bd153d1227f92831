"""The `lode` binary as a multi-tool: dispatch by subcommand and by Kafka's script names.

Every Kafka name `lode --kafka-names` prints is linked beside the binary (both `kafka-x` and
`kafka-x.sh`) and runs that tool; an unknown tool or no tool is a usage error (exit 1).
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from cli import BIN_DIR, run  # noqa: E402
from lodeserver import Checks, free_port, wait_until  # noqa: E402

checks = Checks("cli_common")


def kafka_names():
    r = run(["lode", "--kafka-names"])
    assert r.returncode == 0, r.stderr
    names = r.stdout.split()
    assert "kafka-storage" in names and "kafka-server-start" in names, names
    return names


def every_kafka_name_is_linked():
    for n in kafka_names():
        for link in (n, n + ".sh"):
            p = os.path.join(BIN_DIR, link)
            assert os.path.islink(p) and os.readlink(p) == "lode", p
            r = run([link, "--help"])
            assert r.returncode == 0, (link, r.returncode, r.stderr)
            assert r.stdout.strip(), link


def help_lists_every_tool():
    r = run(["lode", "--help"])
    assert r.returncode == 0
    for n in kafka_names():
        tool = n[len("kafka-"):]
        assert tool in r.stdout or n in r.stdout, (n, r.stdout)


def version():
    r = run(["lode", "--version"])
    assert r.returncode == 0 and r.stdout.startswith("lode "), r.stdout


def unknown_tool_is_usage_error():
    r = run(["lode", "no-such-tool"])
    assert r.returncode == 1 and "unknown tool 'no-such-tool'" in r.stderr, r.stderr
    assert "usage:" in r.stderr
    r = run(["lode"])
    assert r.returncode == 1 and "usage:" in r.stderr


def storage_by_kafka_name():
    for name in ("kafka-storage", "kafka-storage.sh"):
        r = run([name, "random-uuid"])
        assert r.returncode == 0 and len(r.stdout.strip()) == 22, (name, r.stdout, r.stderr)


def server_start_by_kafka_name():
    d = tempfile.mkdtemp(prefix="lode-cli-")
    port, cport = free_port(), free_port()
    props = os.path.join(d, "server.properties")
    with open(props, "w") as f:
        f.write("\n".join([
            "process.roles=broker,controller", "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:%d" % cport,
            "listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d" % (port, cport),
            "controller.listener.names=CONTROLLER",
            "log.dirs=%s" % os.path.join(d, "data"), ""]))
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    log = open(os.path.join(d, "log"), "w")
    p = subprocess.Popen([os.path.join(BIN_DIR, "kafka-server-start.sh"), props,
                          "--override", "num.partitions=3"], stdout=log, stderr=log, env=env)
    try:
        def serving():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return False
        wait_until(serving, 60, "kafka-server-start to listen")
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(60)
        log.close()
    assert rc == 0, open(os.path.join(d, "log")).read()
    subprocess.run(["rm", "-rf", d])


for name, fn in [("every_kafka_name_is_linked", every_kafka_name_is_linked),
                 ("help_lists_every_tool", help_lists_every_tool),
                 ("version", version),
                 ("unknown_tool_is_usage_error", unknown_tool_is_usage_error),
                 ("storage_by_kafka_name", storage_by_kafka_name),
                 ("server_start_by_kafka_name", server_start_by_kafka_name)]:
    checks.run(name, fn)
checks.exit()
