"""kafka-configs against a real lode server: --alter then --describe shows the value (Kafka's
line format, field by field), Kafka's --add-config syntax with [a,b] lists, --add-config-file,
--delete-config, a numbered broker and the brokers' default, the Configs: field of
kafka-topics --describe, bad command lines and an unreachable server."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from cli import kafka, ok  # noqa: E402
from lodeserver import Checks, LodeServer, free_port  # noqa: E402


def configs(s, args):
    return kafka("kafka-configs --bootstrap-server %s %s" % (s.bootstrap, args))


def entry_lines(out):
    """{name: (value, sensitive, synonyms list)} from the indented lines of --describe."""
    got = {}
    for line in out.splitlines()[1:]:
        assert line.startswith("  "), line
        head, syn = line[2:].split(" synonyms={", 1)
        kv, sensitive = head.rsplit(" sensitive=", 1)
        name, value = kv.split("=", 1)
        assert syn.endswith("}"), line
        got[name] = (value, sensitive, syn[:-1].split(", ") if syn[:-1] else [])
    return got


def main():
    c = Checks("cli_configs")
    with LodeServer() as s:
        ok(kafka("kafka-topics --create --topic cfg --partitions 1 --bootstrap-server " + s.bootstrap))

        def alter_then_describe():
            out = ok(configs(s, "--describe --entity-type topics --entity-name cfg"))
            assert out == "Dynamic configs for topic cfg are:\n", out
            out = ok(configs(s, "--alter --entity-type topics --entity-name cfg "
                                "--add-config retention.ms=1000,cleanup.policy=[compact,delete]"))
            assert out == "Completed updating config for topic cfg.\n", out
            out = ok(configs(s, "--describe --topic cfg"))
            assert out.splitlines()[0] == "Dynamic configs for topic cfg are:", out
            got = entry_lines(out)
            assert sorted(got) == ["cleanup.policy", "retention.ms"], out
            value, sensitive, syn = got["cleanup.policy"]
            assert value == "compact,delete" and sensitive == "false", out
            assert syn[0] == "DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete", out
            assert got["retention.ms"][0] == "1000", out
            assert got["retention.ms"][2][0] == "DYNAMIC_TOPIC_CONFIG:retention.ms=1000", out
            line = ok(kafka("kafka-topics --describe --topic cfg --bootstrap-server " + s.bootstrap))
            configs_field = line.split("\n")[0].split("\t")[-1]
            assert configs_field.startswith("Configs: "), line
            assert set(configs_field[len("Configs: "):].split(",")) >= \
                {"cleanup.policy=compact", "delete", "retention.ms=1000"}, line

        def add_config_file():
            with tempfile.NamedTemporaryFile("w", suffix=".properties") as f:
                f.write("segment.ms=3600000\n")
                f.flush()
                out = ok(configs(s, "--alter --topic cfg --add-config-file " + f.name))
            assert out == "Completed updating config for topic cfg.\n", out
            got = entry_lines(ok(configs(s, "--describe --topic cfg")))
            assert got["segment.ms"][0] == "3600000" and "retention.ms" in got, got

        def delete_config():
            out = ok(configs(s, "--alter --topic cfg --delete-config retention.ms,segment.ms"))
            assert out == "Completed updating config for topic cfg.\n", out
            got = entry_lines(ok(configs(s, "--describe --topic cfg")))
            assert sorted(got) == ["cleanup.policy"], got
            r = configs(s, "--alter --topic cfg --delete-config retention.ms,nope")
            assert r.returncode == 1 and r.stderr == "Invalid config(s): retention.ms,nope\n", r

        def all_configs():
            out = ok(configs(s, "--describe --topic cfg --all"))
            assert out.splitlines()[0] == "All configs for topic cfg are:", out
            got = entry_lines(out)
            assert got["cleanup.policy"][0] == "compact,delete", out
            assert got["retention.bytes"][2][0] == "DEFAULT_CONFIG:log.retention.bytes=-1", out
            names = [l.split("=", 1)[0] for l in out.splitlines()[1:]]
            assert names == sorted(names), names

        def broker_and_default():
            out = ok(configs(s, "--alter --broker 1 --add-config log.cleaner.threads=2"))
            assert out == "Completed updating config for broker 1.\n", out
            out = ok(configs(s, "--describe --broker 1"))
            assert out.splitlines()[0] == "Dynamic configs for broker 1 are:", out
            value, _, syn = entry_lines(out)["log.cleaner.threads"]
            assert value == "2" and syn[0] == "DYNAMIC_BROKER_CONFIG:log.cleaner.threads=2", out
            out = ok(configs(s, "--alter --entity-type brokers --entity-default "
                                "--add-config log.retention.ms=604800001"))
            assert out == "Completed updating default config for brokers in the cluster.\n", out
            out = ok(configs(s, "--describe --entity-type brokers --entity-default"))
            assert out == "Default configs for brokers in the cluster are:\n  log.retention.ms=" \
                "604800001 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:" \
                "log.retention.ms=604800001}\n", out
            out = ok(configs(s, "--describe --entity-type brokers"))
            heads = [l for l in out.splitlines() if not l.startswith("  ")]
            assert heads == ["Dynamic configs for broker 1 are:",
                             "Default configs for brokers in the cluster are:"], out
            out = ok(configs(s, "--alter --broker-defaults --delete-config log.retention.ms"))
            assert out == "Completed updating default config for brokers in the cluster.\n", out
            out = ok(configs(s, "--describe --broker-defaults"))
            assert out == "Default configs for brokers in the cluster are:\n", out

        def missing_topic():
            r = configs(s, "--alter --topic no-such-topic --add-config retention.ms=1")
            assert r.returncode == 1 and r.stderr.startswith(
                "Error while executing config command with args '"), r

        def bad_command_lines():
            cases = [
                ("--topic cfg", "Command must include exactly one action: --describe, --alter"),
                ("--describe --alter --topic cfg", "Command must include exactly one action"),
                ("--describe --bogus", "bogus is not a recognized option"),
                ("--alter --entity-type topics --add-config a=b",
                 "An entity name must be specified with --alter of topics"),
                ("--alter --entity-type brokers --add-config a=b",
                 "An entity-name or default entity must be specified with --alter of users, clients, brokers or ips"),
                ("--alter --topic cfg", "At least one of --add-config, --add-config-file, or "
                                        "--delete-config must be specified with --alter"),
                ("--alter --topic cfg --add-config a=b --add-config-file /nonexistent",
                 "Only one of --add-config or --add-config-file must be specified"),
                ("--describe --broker x", "The entity name for brokers must be a valid integer broker id, but it is: x"),
                ("--describe --entity-type topics --entity-default",
                 "--entity-default must not be specified with --describe of topics"),
                ("--describe --topic cfg --entity-type topics",
                 "--entity-{type,name,default} should not be used in conjunction with specific entity flags"),
                ("--describe --entity-type bogus", "Invalid entity type bogus"),
                ("--describe --entity-type users", "not supported"),
                ("--describe", "At least one entity type must be specified"),
                ("--alter --topic cfg --add-config novalue", "Invalid entity config: all configs to be added"),
                ("--alter --topic cfg --add-config 'bad key=1'", "Invalid character found for config key: bad key"),
                ("--describe --topic cfg --add-config a=b", 'Option "[describe]" can\'t be used with option "[add-config]"'),
            ]
            for args, msg in cases:
                r = configs(s, args)
                assert r.returncode == 1 and msg in r.stderr, (args, r.returncode, r.stderr)
            r = kafka("kafka-configs --describe --topic cfg")
            assert r.returncode == 1 and "--bootstrap-server" in r.stderr, r

        def unreachable():
            port = free_port()
            with tempfile.NamedTemporaryFile("w", suffix=".properties") as f:
                f.write("default.api.timeout.ms=3000\n")
                f.flush()
                for action in ("--describe --topic t", "--alter --topic t --add-config a=b",
                               "--describe --entity-type brokers"):
                    r = kafka("kafka-configs %s --bootstrap-server 127.0.0.1:%d --command-config %s"
                              % (action, port, f.name), timeout=30)
                    assert r.returncode == 1 and r.stderr.strip(), (action, r)

        c.run("alter_then_describe", alter_then_describe, s)
        c.run("add_config_file", add_config_file, s)
        c.run("delete_config", delete_config, s)
        c.run("describe_all", all_configs, s)
        c.run("broker_and_broker_default", broker_and_default, s)
        c.run("missing_topic", missing_topic, s)
        c.run("bad_command_lines", bad_command_lines)
        c.run("unreachable_server", unreachable)
    c.exit()


main()
