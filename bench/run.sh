#!/usr/bin/env bash
# Compares netns_tcp_bridge with its peers (socat, haproxy, systemd-socket-proxyd, pasta) and with
# a direct connection, over TCP and UDP, in one run of the harness in bench/harness/, and keeps the
# results in bench/results/.  Needs root and these Debian packages:
#   apt-get install -y iperf3 socat haproxy passt iproute2 util-linux gcc python3
#
#   sudo bench/run.sh                              # bridge socat-pair haproxy proxyd pasta
#   sudo bench/run.sh bridge socat-pair            # chosen peers
#   sudo bench/run.sh -q bridge socat-pair         # smoke test: 1 round, short runs
#   sudo bench/run.sh -t udp                       # UDP only (tput,lat,conn,mem,udp)
#   sudo BRIDGE_ARGS="--copy buffered" bench/run.sh -t tput,lat,conn,mem bridge   # TCP-only options
#   sudo bench/run.sh bridge 'bridge-old=/path/to/other/netns_tcp_bridge -l {UDP}{LISTEN} -f {LISTEN_NETNS} -c {UDP}{CONNECT} -t {CONNECT_NETNS}'
#   bench/run.sh --help                            # every option of the harness
#
# BRIDGE_BIN=/path/to/netns_tcp_bridge measures that executable instead of building this tree.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
harness="$repo/bench/harness/bench.sh"

for a in "$@"; do
  case $a in -h|--help|-l|--list) exec bash "$harness" "$@" ;; esac
done
if [ "$(id -u)" != 0 ]; then echo "bench: must run as root (it creates network namespaces)" >&2; exit 2; fi

if [ -z "${BRIDGE_BIN:-}" ]; then
  "$repo/build.sh" >/dev/null
  BRIDGE_BIN="$repo/artifacts/bin/netns_tcp_bridge"
  # which build was measured, in the report (commit, and "dirty" for uncommitted changes)
  BRIDGE_VERSION=$(git -C "$repo" describe --always --dirty 2>/dev/null || true)
fi
# The harness copies BRIDGE_BIN into its scratch directory before measuring it, and cleans up
# (processes, namespaces, scratch) itself on every exit, Ctrl-C included; exec leaves it alone
# in charge of that.
export BRIDGE_BIN BRIDGE_ARGS="${BRIDGE_ARGS:-}" BRIDGE_VERSION="${BRIDGE_VERSION:-}" OUT_DIR="${OUT_DIR:-$repo/bench/results}"
exec bash "$harness" "$@"
