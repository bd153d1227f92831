#!/usr/bin/env bash
# deps.sh — install the Debian packages lode needs to build and test it, and
# with `bench` also what the benchmark suite needs (the peers it compares
# with, and matplotlib for the report's charts). Idempotent and quiet when
# everything is present.
# Usage: scripts/deps.sh [bench]
set -eu
pkgs=(
    build-essential pkg-config clang libclang-rt-14-dev
    zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev libssl-dev
    librdkafka-dev kcat
    python3 python3-confluent-kafka python3-kafka
)
if [ "${1:-}" = bench ]; then
    pkgs+=(iperf3 fio redis-server nats-server libhiredis-dev libnats-dev python3-matplotlib)
fi
missing=()
for p in "${pkgs[@]}"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# redis-server and nats-server are only peers for bench/bench_peers, which
# starts its own instances on free ports: their packages' system services must
# not start (on 6379 and 4222) during the install (a policy-rc.d that denies
# every start, unless the machine has one) nor at boot (systemd).
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e $policy ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee $policy >/dev/null
    $sudo chmod 755 $policy
    own_policy=1
fi
status=0
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
[ $own_policy -eq 0 ] || $sudo rm -f $policy
if [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now redis-server nats-server >/dev/null 2>&1 || true
fi
[ $status -eq 0 ] || exit $status
echo "deps: done"
