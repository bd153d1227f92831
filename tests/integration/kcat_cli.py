"""kcat against a real lode server: metadata, produce from a file, consume
from the beginning to the end, keys and headers."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from lodeserver import Checks, LodeServer  # noqa: E402

KCAT = "kcat"


def kcat(s, *args, data=None, timeout=60):
    r = subprocess.run([KCAT, "-b", s.bootstrap, *args], input=data, capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError("kcat %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr.decode(errors="replace")))
    return r.stdout.decode()


def main():
    c = Checks("kcat_cli")
    with LodeServer() as s:
        def metadata():
            out = kcat(s, "-L")
            assert "1 brokers:" in out and "broker 1 at 127.0.0.1:%d" % s.port in out, out

        def produce_file_consume():
            path = os.path.join(s.dir, "lines.txt")
            lines = ["line %d %s" % (i, "x" * (i % 50)) for i in range(500)]
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            kcat(s, "-P", "-t", "from-file", "-l", path)
            out = kcat(s, "-C", "-t", "from-file", "-o", "beginning", "-e", "-f", "%o %s\n")
            got = out.splitlines()
            assert got == ["%d %s" % (i, l) for i, l in enumerate(lines)], got[:5]

        def keys_and_headers():
            kcat(s, "-P", "-t", "keyed", "-K:", "-H", "trace=abc", "-H", "n=1", data=b"k1:v1\nk2:v2\n")
            out = kcat(s, "-C", "-t", "keyed", "-o", "beginning", "-e", "-f", "%k|%s|%h\n")
            assert out.splitlines() == ["k1|v1|trace=abc,n=1", "k2|v2|trace=abc,n=1"], out

        def metadata_of_created_topic():
            out = kcat(s, "-L", "-t", "keyed")
            assert 'topic "keyed" with 1 partitions' in out and "leader 1" in out, out

        c.run("metadata", metadata, s)
        c.run("produce_file_consume_to_end", produce_file_consume, s)
        c.run("keys_and_headers", keys_and_headers, s)
        c.run("auto_created_topic_metadata", metadata_of_created_topic, s)
    c.exit()


main()
