"""lode's Kafka tools run the way users run them: by Kafka's script names.

    from cli import kafka, run
    r = kafka("kafka-topics --create --bootstrap-server %s --topic t" % s.bootstrap)
    r.returncode, r.stdout, r.stderr
    r = run(["kafka-console-producer", "--bootstrap-server", b, "--topic", "t"], input="a\\nb\\n")

The names resolve to the links `make` puts beside the binary under test
($LODE_BIN, the ASan build in `make test`), so the command lines are verbatim.
"""
import os
import shlex
import subprocess

from lodeserver import BIN

BIN_DIR = os.path.dirname(BIN)


def run(argv, input=None, timeout=120, env=None):
    """Runs a tool (argv[0] is a Kafka script name or "lode"); returns CompletedProcess (text)."""
    e = dict(os.environ)
    e["PATH"] = BIN_DIR + os.pathsep + e.get("PATH", "")
    e.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    if env:
        e.update(env)
    path = os.path.join(BIN_DIR, argv[0])
    if not os.path.exists(path):
        raise AssertionError("%s is not linked in %s (make creates the links)" % (argv[0], BIN_DIR))
    return subprocess.run([path] + list(argv[1:]), input=input, capture_output=True, text=True,
                          timeout=timeout, env=e)


def kafka(cmdline, input=None, timeout=120, env=None):
    """Runs a shell-style command line verbatim, e.g. "kafka-topics --list --bootstrap-server h:p"."""
    return run(shlex.split(cmdline), input=input, timeout=timeout, env=env)


def ok(r):
    """Asserts a tool exited 0 and returns its stdout."""
    if r.returncode != 0:
        raise AssertionError("exit %d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout, r.stderr))
    return r.stdout
