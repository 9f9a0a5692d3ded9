#!/usr/bin/env bash
# Compares netns_tcp_bridge with its peers in one run of the shared benchmark harness and keeps
# the results in bench/results/. Needs root, and the harness's Debian packages:
#   apt-get install -y iperf3 socat haproxy passt iproute2 util-linux gcc python3
#
#   sudo bench/run.sh                              # bridge socat-pair haproxy proxyd pasta
#   sudo bench/run.sh bridge socat-pair            # chosen peers
#   sudo BRIDGE_ARGS="--copy buffered" bench/run.sh bridge   # extra options for our bridge
#   sudo bench/run.sh -q bridge                    # smoke test: 1 round, short runs
#
# HARNESS may point at another copy of the harness (default: ../shared/bench/run next to the repo).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
harness="${HARNESS:-$repo/../shared/bench/run}"
[ -f "$harness" ] || { echo "bench: harness not found at $harness; set HARNESS=/path/to/bench/run" >&2; exit 1; }

"$repo/build.sh" >/dev/null
# The harness runs the binary from its own namespaces; give it a copy that later builds cannot change.
binary="$(mktemp -d)/netns_tcp_bridge"
cp "$repo/artifacts/bin/netns_tcp_bridge" "$binary"
trap 'rm -rf "$(dirname "$binary")"' EXIT

peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(bridge socat-pair haproxy proxyd pasta)
out="$repo/bench/results"
mkdir -p "$out"
BRIDGE_BIN="$binary ${BRIDGE_ARGS:-}" OUT_DIR="$out" bash "$harness" "${peers[@]}"
echo "results kept in $out"
