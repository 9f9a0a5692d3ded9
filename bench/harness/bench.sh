#!/usr/bin/env bash
# Measures TCP and UDP forwarders whose listening part lives in one network namespace and whose
# connecting part lives in another, side by side with a no-forwarder baseline, in one run.
# bench/run.sh is the usual way in (it builds the bridge first); see bench/README.md for the method.
set -uo pipefail
# "&" in a ${var//pattern/replacement} replacement must stay a literal "&" (bash 5.2)
shopt -u patsub_replacement 2>/dev/null || true

HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"

# ------------------------------------------------------------------ settings
REPS=${REPS:-3}                     # rounds; every measurement is repeated once per round (median reported)
TPUT_SECS=${TPUT_SECS:-3}           # iperf3 -t
LAT_SIZE=${LAT_SIZE:-64}            # request/response message size, bytes
LAT_COUNT=${LAT_COUNT:-20000}       # measured round trips per run
LAT_WARMUP=${LAT_WARMUP:-1000}      # unmeasured round trips first
LAT_MAXSECS=${LAT_MAXSECS:-20}
LAT_RUNS=${LAT_RUNS:-2}             # latency runs per round
CONN_COUNT=${CONN_COUNT:-5000}      # connections per run
CONN_CONCS=${CONN_CONCS:-"1 32"}    # concurrency levels
CONN_SIZE=${CONN_SIZE:-64}
CONN_MAXSECS=${CONN_MAXSECS:-5}     # time bound per run (rate = completed / elapsed)
HOLD_CONNS=${HOLD_CONNS:-1000}      # idle connections held open for the memory figure
HOLD_MAXSECS=${HOLD_MAXSECS:-60}
UDP_SIZES=${UDP_SIZES:-"64 1400"}  # datagram sizes of the UDP rate test (the report has columns for these two)
UDP_WINDOW=${UDP_WINDOW:-32}        # datagrams kept in flight
UDP_SECS=${UDP_SECS:-2}             # measured seconds per size ...
UDP_WARMUP=${UDP_WARMUP:-0.5}       # ... after these unmeasured ones
UDP_LAT_SIZE=${UDP_LAT_SIZE:-80}    # UDP request/response: a DNS-sized datagram, one at a time
UDP_LAT_COUNT=${UDP_LAT_COUNT:-5000}
UDP_LAT_WARMUP=${UDP_LAT_WARMUP:-500}
UDP_LAT_MAXSECS=${UDP_LAT_MAXSECS:-5}
UDP_LAT_RUNS=${UDP_LAT_RUNS:-2}
READY_SECS=${READY_SECS:-20}        # how long a forwarder may take to start listening
TESTS=${TESTS:-tput,lat,conn,mem,udp}
OUT_DIR=${OUT_DIR:-/tmp/netns-tcp-bridge-bench-results}
DIRECT_LO=${DIRECT_LO:-1}           # also measure client+server in one netns over loopback
KEEP=${KEEP:-0}
QUICK=0
# taskset CPU lists ("" = not pinned, the default); forwarders are never pinned
RR_CLIENT_CPUS=${RR_CLIENT_CPUS-}
RR_SERVER_CPUS=${RR_SERVER_CPUS-}
TPUT_CLIENT_CPUS=${TPUT_CLIENT_CPUS-}
TPUT_SERVER_CPUS=${TPUT_SERVER_CPUS-}
PORT_BASE=${PORT_BASE:-10000}       # forwarder listen ports: PORT_BASE + 200*round + 2*peer + phase
IPERF_PORT=5201
ECHO_PORT=7000
VETH_NET=127.100.0                  # veth addresses stay in 127.0.0.0/8

usage() {
  cat <<USAGE
usage: $0 [options] [PEER ...]

PEER is the name of a built-in forwarder (see --list) or NAME=TEMPLATE, a command template for
any forwarder (placeholders: see peers.sh), e.g.
  'bridge-old=/path/to/netns_tcp_bridge -l {UDP}{LISTEN} -f {LISTEN_NETNS} -c {UDP}{CONNECT} -t {CONNECT_NETNS}'
({UDP} is "udp:" in the UDP tests; a template without it is not run for them).
Without any PEER: ${DEFAULT_PEERS[*]}.
The no-forwarder baselines 'direct' (and 'direct-lo') are always measured.

options:
  -r, --reps N        rounds; each round measures every peer once (default $REPS)
  -t, --tests LIST    subset of tput,lat,conn,mem,udp (default $TESTS)
  -o, --out DIR       where result files go (default $OUT_DIR)
  -q, --quick         smoke test: 1 round, shorter runs (result files named *-quick.*)
      --no-direct-lo  skip the same-namespace loopback baseline
      --pin-rr        pin the request/response client to CPU 0 and the echo server to CPU 1
      --peers-file F  source more peer definitions (format: peers.sh)
      --keep          keep the scratch directory with all logs
  -l, --list          list built-in peers and exit
  -h, --help
Environment: BRIDGE_BIN (the 'bridge' peer's executable, copied before use), BRIDGE_ARGS,
BRIDGE_VERSION (shown in the report), and
the settings at the top of this file (REPS LAT_RUNS TPUT_SECS LAT_COUNT CONN_COUNT CONN_CONCS
CONN_MAXSECS HOLD_CONNS UDP_WINDOW UDP_SECS UDP_LAT_SIZE UDP_LAT_COUNT UDP_LAT_RUNS READY_SECS
OUT_DIR NB_BUILD_DIR ...).
USAGE
}

# shellcheck source=records.sh
source "$HERE/records.sh"
# shellcheck source=procs.sh
source "$HERE/procs.sh"
# shellcheck source=netns.sh
source "$HERE/netns.sh"
# shellcheck source=forwarders.sh
source "$HERE/forwarders.sh"
# shellcheck source=measure.sh
source "$HERE/measure.sh"
# shellcheck source=rounds.sh
source "$HERE/rounds.sh"
# shellcheck source=peers.sh
source "$HERE/peers.sh"

# ------------------------------------------------------------------ options
SELECTED=()
EXTRA_FILES=()
LIST_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    -r|--reps) REPS=$2; shift 2 ;;
    -t|--tests) TESTS=$2; shift 2 ;;
    -o|--out) OUT_DIR=$2; shift 2 ;;
    -q|--quick) QUICK=1; REPS=1; LAT_RUNS=1; TPUT_SECS=2; LAT_COUNT=5000; CONN_COUNT=1000; HOLD_CONNS=200
                UDP_SECS=1; UDP_LAT_COUNT=2000; UDP_LAT_RUNS=1; shift ;;
    --no-direct-lo) DIRECT_LO=0; shift ;;
    --pin-rr) RR_CLIENT_CPUS=0; RR_SERVER_CPUS=1; shift ;;
    --peers-file) EXTRA_FILES+=("$2"); shift 2 ;;
    --keep) KEEP=1; shift ;;
    -l|--list) LIST_ONLY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
    *) SELECTED+=("$1"); shift ;;
  esac
done
for f in "${EXTRA_FILES[@]}"; do
  # shellcheck disable=SC1090
  source "$f"
done

if [ "$LIST_ONLY" = 1 ]; then
  for n in "${PEER_ORDER[@]}"; do
    u=no; has_udp "$n" && u=yes
    printf '%-14s %s\n    needs: %s; forwards UDP: %s\n' "$n" "${PEER_DESC[$n]}" "${PEER_NEEDS[$n]}" "$u"
  done
  exit 0
fi

RUN_PEERS=()
for s in "${SELECTED[@]}"; do
  if [[ $s == *=* ]]; then  # ad-hoc peer NAME=TEMPLATE
    n=${s%%=*}
    peer "$n" "" "ad-hoc command" "${s#*=}"
    RUN_PEERS+=("$n")
  else
    RUN_PEERS+=("$s")
  fi
done
[ ${#RUN_PEERS[@]} -gt 0 ] || RUN_PEERS=("${DEFAULT_PEERS[@]}")
for n in "${RUN_PEERS[@]}"; do
  if ! [[ $n =~ ^[A-Za-z0-9._-]+$ ]] || [[ $n == direct || $n == direct-lo ]]; then
    echo "bad peer name '$n' (letters, digits, . _ - only; 'direct' is reserved)" >&2; exit 2
  fi
  if [ -z "${PEER_CMD[$n]+x}" ]; then echo "unknown peer '$n' (see --list)" >&2; exit 2; fi
done

# Above every forwarder listen port: Debian 12's pasta forwards UDP only to a port not below the
# one it listens on.
UDP_ECHO_PORT=$((PORT_BASE + 200 * (REPS + 1)))

has_test() { [[ ,$TESTS, == *,$1,* ]]; }
for t in ${TESTS//,/ }; do
  case $t in tput|lat|conn|mem|udp) ;; *) echo "unknown test '$t' (tput,lat,conn,mem,udp)" >&2; exit 2 ;; esac
done

# ------------------------------------------------------------------ prerequisites
if [ "$(id -u)" != 0 ]; then echo "must run as root (creates network namespaces)" >&2; exit 2; fi
missing=()
for c in ip ss gcc python3 nsenter timeout taskset; do command -v "$c" >/dev/null || missing+=("$c"); done
has_test tput && { command -v iperf3 >/dev/null || missing+=(iperf3); }
if [ ${#missing[@]} -gt 0 ]; then
  echo "missing commands: ${missing[*]}  (Debian: apt-get install -y iperf3 iproute2 util-linux gcc python3)" >&2
  exit 2
fi

NBTOOL=$("$HERE/build-nbtool.sh") || { echo "helper build failed" >&2; exit 2; }
REPORT=(python3 "$HERE/report.py")

# Pinning steadies the latency baseline (no flipping between same-CPU and cross-CPU wake-ups) but
# hurts when other load shares the machine, so it is off unless asked for.
if [ "$(nproc)" -lt 2 ]; then RR_CLIENT_CPUS=""; RR_SERVER_CPUS=""; fi
pin() { [ -n "$1" ] && printf '%s\n' taskset -c "$1"; }
mapfile -t RR_CPIN < <(pin "$RR_CLIENT_CPUS")
mapfile -t RR_SPIN < <(pin "$RR_SERVER_CPUS")
mapfile -t TP_CPIN < <(pin "$TPUT_CLIENT_CPUS")
mapfile -t TP_SPIN < <(pin "$TPUT_SERVER_CPUS")

# enough descriptors for 1000+ relayed connections (inherited by everything started below)
hard=$(ulimit -Hn); [ "$hard" = unlimited ] && hard=1048576; [ "$hard" -gt 1048576 ] && hard=1048576
ulimit -Sn "$hard"

# ------------------------------------------------------------------ scratch, namespaces
WORK=$(mktemp -d /tmp/netns-tcp-bridge-bench.XXXXXX)
RAW="$WORK/raw.jsonl"
: > "$RAW"
# $$ in every name: runs started side by side (or left over from a killed run) never collide
NS_CLI="ntbb-cli-$$"
NS_SRV="ntbb-srv-$$"
VETH_CLI="ntbbc$$"; VETH_SRV="ntbbs$$"
VETH_OK=0
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

# which bridge was measured, for the report (before BRIDGE_BIN points at the copy)
BRIDGE_INFO=""
[[ " ${RUN_PEERS[*]} " == *" bridge "* ]] && BRIDGE_INFO="${BRIDGE_BIN:-}${BRIDGE_ARGS:+ $BRIDGE_ARGS}${BRIDGE_VERSION:+ (build of $BRIDGE_VERSION)}"
# The bridge is measured from a private copy: a build made while the run goes on changes nothing.
if [ -n "${BRIDGE_BIN:-}" ] && [ -f "$BRIDGE_BIN" ] && [ -x "$BRIDGE_BIN" ]; then
  cp "$BRIDGE_BIN" "$WORK/netns_tcp_bridge"
  export BRIDGE_BIN="$WORK/netns_tcp_bridge"
fi
export BRIDGE_ARGS=${BRIDGE_ARGS:-}

setup_namespaces
check_veth

# ------------------------------------------------------------------ run
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
direct_desc="client in $NS_CLI -> server in $NS_SRV over a veth pair ($VETH_NET.1 -> $VETH_NET.2, MTU 65535), no forwarder"
direct_path="veth between the two namespaces"
[ "$VETH_OK" = 1 ] || direct_path="same netns loopback (veth unavailable)"
quick_json=false; [ "$QUICK" = 1 ] && quick_json=true
meta=$(printf '{"started":"%s","host":%s,"kernel":%s,"cpus":%s,"reps":%s,"quick":%s,"lat_runs":%s,"tput_secs":%s,"lat_size":%s,"lat_count":%s,"conn_count":%s,"conn_concs":%s,"hold_conns":%s,"udp_sizes":%s,"udp_window":%s,"udp_secs":%s,"udp_lat_size":%s,"udp_lat_count":%s,"udp_lat_runs":%s,"direct_path":%s,"iperf3":%s,"tests":%s,"pinning":%s,"bridge":%s}' \
  "$STAMP" "$(jstr "$(hostname)")" "$(jstr "$(uname -r)")" "$(nproc)" "$REPS" "$quick_json" "$LAT_RUNS" "$TPUT_SECS" "$LAT_SIZE" "$LAT_COUNT" "$CONN_COUNT" \
  "$(jstr "$CONN_CONCS")" "$HOLD_CONNS" "$(jstr "$UDP_SIZES")" "$UDP_WINDOW" "$UDP_SECS" "$UDP_LAT_SIZE" "$UDP_LAT_COUNT" "$UDP_LAT_RUNS" "$(jstr "$direct_path")" "$(jstr "$(iperf3 --version 2>/dev/null | head -n1)")" "$(jstr "$TESTS")" \
  "$(jstr "rr client=${RR_CLIENT_CPUS:-any} server=${RR_SERVER_CPUS:-any}; tput client=${TPUT_CLIENT_CPUS:-any} server=${TPUT_SERVER_CPUS:-any}")" "$(jstr "$BRIDGE_INFO")")
record "{\"test\":\"meta\",\"data\":$meta}"

if [ "$VETH_OK" = 1 ]; then
  DIRECT_NS=$NS_CLI; DIRECT_HOST=$VETH_NET.2
else
  DIRECT_NS=$NS_SRV; DIRECT_HOST=127.0.0.1
  direct_desc="client and server in $NS_SRV over loopback, no forwarder (veth unavailable)"
  DIRECT_LO=0
fi
record "{\"peer\":\"direct\",\"test\":\"info\",\"kind\":\"direct\",\"desc\":$(jstr "$direct_desc"),\"cmd\":\"\"}"
[ "$DIRECT_LO" = 1 ] && record "{\"peer\":\"direct-lo\",\"test\":\"info\",\"kind\":\"direct\",\"desc\":$(jstr "client and server in $NS_SRV over loopback, no forwarder"),\"cmd\":\"\"}"

ACTIVE=()
idx=0
for n in "${RUN_PEERS[@]}"; do
  idx=$((idx + 1))
  prepare_peer "$n" "$idx" && ACTIVE+=("$n")
done

for round in $(seq "$REPS"); do
  run_direct direct "$DIRECT_NS" "$DIRECT_HOST" "$round"
  [ "$DIRECT_LO" = 1 ] && run_direct direct-lo "$NS_SRV" 127.0.0.1 "$round"
  for n in "${ACTIVE[@]}"; do
    [ -n "${PEER_DEAD[$n]:-}" ] && continue
    run_peer "$n" "$round"
  done
done

mkdir -p "$OUT_DIR"
prefix="$OUT_DIR/netns-bench-$STAMP"
[ "$QUICK" = 1 ] && prefix="$prefix-quick"
cp "$RAW" "$prefix.raw.jsonl"
echo
"${REPORT[@]}" summarize "$RAW" "$prefix"
echo
log "results: $prefix.{txt,json,tsv,raw.jsonl}"
