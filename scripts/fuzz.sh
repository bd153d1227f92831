#!/usr/bin/env bash
# fuzz.sh — run libFuzzer targets for a fixed time each and report.
#
#   scripts/fuzz.sh SECONDS FUZZER_BINARY...
#
# Each fuzzer <dir>/fuzz/<name> runs for SECONDS (-max_total_time) on the
# corpus <dir>/fuzz-corpus/<name> (created if missing, kept between runs so
# coverage accumulates; with the default build dir that is
# build/fuzz-corpus/<name>). tests/fuzz/corpus/<name>/, when it exists, is
# read as extra seeds. Crash, leak, timeout and OOM inputs are written to
# <dir>/fuzz-artifacts/<name>/; the full log to <dir>/fuzz-logs/<name>.log.
#
# Prints one line per fuzzer — how long it ran, executions, corpus size, and
# whether it found anything — and exits non-zero if any fuzzer found
# something (or could not run). Reproduce a finding with
#   <binary> <artifact>
set -u
cd "$(dirname "$0")/.."

if [ $# -lt 2 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 SECONDS FUZZER_BINARY..." >&2
    exit 2
fi
seconds=$1
shift

status=0
for bin in "$@"; do
    name=$(basename "$bin")
    if [ ! -x "$bin" ]; then
        echo "FUZZ $name: ERROR: $bin is not an executable (run make fuzz)"
        status=1
        continue
    fi
    root=$(dirname "$(dirname "$bin")") # build dir holding fuzz/<name>
    corpus=$root/fuzz-corpus/$name
    artifacts=$root/fuzz-artifacts/$name
    logdir=$root/fuzz-logs
    mkdir -p "$corpus" "$artifacts" "$logdir"
    log=$logdir/$name.log
    seeds=()
    [ -d "tests/fuzz/corpus/$name" ] && seeds+=("tests/fuzz/corpus/$name")
    before=$(find "$artifacts" -type f | wc -l)

    start=$(date +%s)
    "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus" "${seeds[@]}" >"$log" 2>&1
    rc=$?
    elapsed=$(($(date +%s) - start))

    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    files=$(find "$corpus" -type f | wc -l)
    after=$(find "$artifacts" -type f | wc -l)
    if [ "$rc" -eq 0 ] && [ "$after" -eq "$before" ]; then
        echo "FUZZ $name: ok, ran ${elapsed}s, ${execs:-?} executions, corpus $files inputs, no findings"
    else
        newest=$(ls -t "$artifacts" 2>/dev/null | head -1)
        echo "FUZZ $name: FOUND a problem after ${elapsed}s (exit $rc)${newest:+: $artifacts/$newest}"
        grep -m1 -E 'ERROR: |runtime error|deadly signal|Timeout|out-of-memory' "$log" | sed 's/^/    /'
        echo "    log: $log"
        status=1
    fi
done
exit $status
