#!/usr/bin/env bash
# deps.sh — install the Debian packages lode needs to build, test and
# benchmark. Idempotent and quiet when everything is present.
set -eu
pkgs=(
    build-essential pkg-config clang libclang-rt-14-dev
    zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev libssl-dev
    librdkafka-dev kcat
    python3 python3-confluent-kafka python3-kafka
    iperf3 fio
)
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
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
