"""A real `lode server` process for integration tests.

    with LodeServer() as s:          # temp dir, free ports, waits until it serves
        s.bootstrap                  # "127.0.0.1:PORT"
        s.restart()                  # SIGTERM (exit 0 asserted) and start again
        s.kill9(); s.start()         # crash and recover

The binary is $LODE_BIN (tests/run sets it to the ASan build), else
build/asan/bin/lode. The server's log is printed when a check fails.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("LODE_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..")))
BIN = os.environ.get("LODE_BIN", os.path.join(ROOT, os.environ.get("LODE_BUILD", "build"), "asan", "bin", "lode"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LodeServer:
    def __init__(self, extra=None):
        self.dir = tempfile.mkdtemp(prefix="lode-itest-")
        self.port, self.cport = free_port(), free_port()
        self.bootstrap = "127.0.0.1:%d" % self.port
        self.props = os.path.join(self.dir, "server.properties")
        lines = [
            "process.roles=broker,controller", "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:%d" % self.cport,
            "listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d" % (self.port, self.cport),
            "advertised.listeners=PLAINTEXT://127.0.0.1:%d" % self.port,
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs=%s" % os.path.join(self.dir, "data"), "num.partitions=1",
            "offsets.topic.replication.factor=1", "offsets.topic.num.partitions=5",
            "group.initial.rebalance.delay.ms=0",
        ]
        for k, v in (extra or {}).items():
            lines.append("%s=%s" % (k, v))
        with open(self.props, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log = os.path.join(self.dir, "server.log")
        self.proc = None
        self.starts = 0

    def start(self, timeout=60):
        logf = open(self.log, "a")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        self.proc = subprocess.Popen([BIN, "server", self.props], stdout=logf, stderr=logf, env=env)
        self.starts += 1
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("lode server exited with %d:\n%s" % (self.proc.returncode, self.log_text()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("lode server did not listen in %ds:\n%s" % (timeout, self.log_text()))

    def stop(self, timeout=60):
        """SIGTERM; the exit status must be 0 (an orderly stop)."""
        if not self.proc:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout)
        self.proc = None
        if rc != 0:
            raise RuntimeError("lode server exited with %d after SIGTERM:\n%s" % (rc, self.log_text()))
        return rc

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()[-20000:]
        except OSError:
            return "(no log)"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            if self.proc:
                self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
        return False


class Checks:
    """PASS/FAIL lines in tests/run's format; a failing check prints the log."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.failed = 0

    def run(self, name, fn, server=None):
        try:
            fn()
            print("PASS %s:%s" % (self.prefix, name), flush=True)
        except Exception as e:  # noqa: BLE001 — every failure is reported
            self.failed += 1
            print("FAIL %s:%s: %r" % (self.prefix, name, e), flush=True)
            if server is not None:
                print(server.log_text(), file=sys.stderr)

    def skip(self, name, why):
        print("SKIP %s:%s: %s" % (self.prefix, name, why), flush=True)

    def exit(self):
        sys.exit(1 if self.failed else 0)


def wait_until(cond, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)
