#!/usr/bin/env bash
# Real servers in one network namespace, their real clients in another, through the bridge:
# PostgreSQL (pgbench, COPY), Redis (redis-benchmark), OpenSSH (scp, ssh -L), nginx (HTTP/1.1,
# HTTP/2, a large download, PROXY protocol v2), DNS over TCP (dig) and iperf3. Every case runs
# with --copy splice and --copy buffered and 'direct' (the same client over a veth, no bridge),
# checks what came out (row counts, checksums, answers, the server's counters), and reports each
# rate as a ratio to direct. See docs/reliability.md, "Real clients". Needs root.
#
#   ./interop.sh                  full run (about 15 minutes on 2 cores)
#   ./interop.sh --quick          a few seconds per case, small files (about 2 minutes)
#   ./interop.sh nginx dns        only these cases (postgres redis ssh nginx dns iperf3)
#   ./interop.sh --modes splice   only these paths (direct splice buffered; ratios need direct)
#   ./interop.sh --keep           keep the scratch directory (server logs) for a look afterwards
#
# Durations and sizes can be set one by one through the environment (INTEROP_PG_SECONDS, ...:
# see tests/interop/settings.sh). The executable is artifacts/bin/netns_tcp_bridge (built by
# ./build.sh when missing) or NETNS_TCP_BRIDGE_BIN. Results: artifacts/interop/.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

QUICK=0 KEEP=0 CASES=() MODES=(direct splice buffered)
ALL_CASES=(postgres redis ssh nginx dns iperf3)
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --keep) KEEP=1 ;;
    --modes) [ $# -ge 2 ] || { echo "interop.sh: --modes needs a list, e.g. 'direct splice'" >&2; exit 2; }
             read -r -a MODES <<< "${2//,/ }"; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "interop.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -f "tests/interop/cases/$1.sh" ] || { echo "interop.sh: no case named $1 (cases: ${ALL_CASES[*]})" >&2; exit 2; }
       CASES+=("$1") ;;
  esac
  shift
done
[ ${#CASES[@]} -gt 0 ] || CASES=("${ALL_CASES[@]}")
for m in "${MODES[@]}"; do
  case $m in direct|splice|buffered) ;; *) echo "interop.sh: unknown mode $m (direct, splice, buffered)" >&2; exit 2 ;; esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "interop.sh: needs root (it creates network namespaces with 'ip netns add'); run it as root or with sudo" >&2
  exit 2
fi

BRIDGE_BIN=${NETNS_TCP_BRIDGE_BIN:-$ROOT/artifacts/bin/netns_tcp_bridge}
if [ -z "${NETNS_TCP_BRIDGE_BIN:-}" ] && [ ! -x "$BRIDGE_BIN" ]; then ./build.sh; fi
[ -x "$BRIDGE_BIN" ] || { echo "interop.sh: no executable at $BRIDGE_BIN (run ./build.sh)" >&2; exit 2; }

for f in tests/interop/lib/*.sh tests/interop/settings.sh; do source "$f"; done
for c in "${CASES[@]}"; do source "tests/interop/cases/$c.sh"; done
check_tools "${CASES[@]}"

# Unique per run (PID), so that two runs side by side never meet; interface names stay under 15.
NS_CLI="ntbi-cli-$$" NS_SRV="ntbi-srv-$$" VETH_CLI="ntbi$$c" VETH_SRV="ntbi$$s"
DIRECT_CLI_ADDR=127.100.0.1 DIRECT_SRV_ADDR=127.100.0.2
# world-readable, so that servers running as their own user (postgres) can reach their files
WORK=$(mktemp -d /tmp/ntbi-XXXXXX); chmod 755 "$WORK"
RESULTS=$WORK/results.tsv; : > "$RESULTS"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

setup_namespaces
# from here on every case checks what it runs and records failures itself
set +e
STARTED=$(date -u +%Y-%m-%dT%H:%MZ)
log "namespaces $NS_CLI (clients) and $NS_SRV (servers); modes: ${MODES[*]}; $([ $QUICK = 1 ] && echo quick || echo full) run"
for CASE in "${CASES[@]}"; do
  log "== $CASE"
  VIA_MODE=-
  if ! "case_$CASE"; then
    record setup 0 - FAIL "the case stopped early: see the lines above"
  fi
  stop_pids "${BG_PIDS[@]}"   # whatever the case left running
done

OUT_DIR=$ROOT/artifacts/interop; mkdir -p "$OUT_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
cp "$RESULTS" "$OUT_DIR/interop-$stamp.tsv"
python3 tests/interop/report.py "$RESULTS" --started "$STARTED" \
  --profile "$([ $QUICK = 1 ] && echo quick || echo full)" | tee "$OUT_DIR/interop-$stamp.md"
log "results: $OUT_DIR/interop-$stamp.md"
if [ "$FAILURES" -gt 0 ]; then
  log "$FAILURES check(s) failed"
  exit 1
fi
