#!/usr/bin/env bash
# The reliability suite: load, faults and hostile input against the built executable, in real
# network namespaces made for each scenario (see docs/reliability.md). Needs root.
#
#   ./reliability.sh          full run (about 15 minutes)
#   ./reliability.sh --ci     bounded run for CI (under 6 minutes on 2 cores)
#
# Further arguments go to 'dotnet test', e.g. ./reliability.sh --ci --filter FaultTests.
# Figures of the run are printed at the end and kept in artifacts/reliability/.
set -euo pipefail
cd "$(dirname "$0")"

profile=full
if [[ "${1:-}" == "--ci" ]]; then
  profile=ci
  shift
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "reliability.sh: needs root (it creates network namespaces with 'ip netns add'); run it as root or with sudo" >&2
  exit 2
fi

if [[ -z "${NETNS_TCP_BRIDGE_BIN:-}" ]]; then
  ./build.sh
  export NETNS_TCP_BRIDGE_BIN="$PWD/artifacts/bin/netns_tcp_bridge"
fi

# A filter given on the command line is combined with the CI one.
filter=""
passthrough=()
while [[ $# -gt 0 ]]; do
  if [[ "$1" == "--filter" && $# -ge 2 ]]; then
    filter="$2"
    shift 2
  else
    passthrough+=("$1")
    shift
  fi
done

mkdir -p artifacts/reliability
results="$PWD/artifacts/reliability/results-$profile-$(date -u +%Y%m%dT%H%M%SZ).txt"
: > "$results"
export NTB_RELIABILITY="$profile" NTB_RELIABILITY_RESULTS="$results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Every scenario bounds itself; this is the last resort against a hang (it signals the whole
# process group, bridges included).
budget=$([[ "$profile" == ci ]] && echo 540 || echo 1800)
started=$(date +%s)
status=0
log="${results%.txt}.log"
timeout --kill-after=30 "$budget" \
  dotnet test tests/NetnsTcpBridge.Reliability/NetnsTcpBridge.Reliability.csproj --nologo \
  --logger "console;verbosity=normal" ${filter:+--filter "$filter"} ${passthrough[@]+"${passthrough[@]}"} 2>&1 | tee "$log" \
  || status=$?
elapsed=$(( $(date +%s) - started ))

echo
echo "== reliability figures ($profile run, ${elapsed} s) =="
sed 's/^/  /' "$results"
echo "  (kept in ${results#"$PWD"/})"

# A failure scrolls far above the figures: say again which scenarios failed, and why, last.
failures=$(awk '/^ *Failed [A-Za-z]/ { show = 1 } /^ *Stack Trace:/ { show = 0 } show' "$log")
if [[ -n "$failures" ]]; then
  echo
  echo "== failed scenarios =="
  echo "$failures"
fi

# Test namespaces are named ntb-PID-N (TestNamespace.Prefix); a test process that was killed cannot delete its own.
leftovers=()
for name in $(ip netns list | awk '{print $1}' | grep -E '^ntb-[0-9]+-[0-9]+$' || true); do
  pid="${name#ntb-}"
  pid="${pid%%-*}"
  if [[ ! -d "/proc/$pid" ]]; then
    leftovers+=("$name")
    ip netns delete "$name" || true
  fi
done
if [[ ${#leftovers[@]} -gt 0 ]]; then
  echo "reliability.sh: deleted namespaces left behind by a killed run: ${leftovers[*]}" >&2
  status=1
fi

if [[ "$status" -eq 124 || "$status" -eq 137 ]]; then
  echo "reliability.sh: the suite did not finish within $budget s" >&2
fi
exit "$status"
