#!/usr/bin/env bash
# The connector during round trips of a 64-byte request and its response on one connection:
# a perf profile by binary and by user-space symbol (MODE=perf, default, 30,000 round trips), or
# its system calls per round trip (MODE=strace, 20,000; strace slows everything down).
# usage: perfrr.sh BIN [BRIDGE_OPTIONS...]
set -u
BIN=$1; shift
MODE=${MODE:-perf}
N=${N:-$([[ $MODE == strace ]] && echo 20000 || echo 30000)}
NB=${NBTOOL:-$("$(dirname "$0")/../harness/build-nbtool.sh")}
c=ntbperf-c-$$; s=ntbperf-s-$$; out=/tmp/perfrr-$$
pids=()
cleanup(){ for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; ip netns del $c 2>/dev/null; ip netns del $s 2>/dev/null; rm -f $out; }
trap cleanup EXIT
for n in $c $s; do ip netns add $n; ip -n $n link set lo up; done
ip netns exec $s $NB echo-server 0.0.0.0 7000 >/dev/null 2>&1 & pids+=($!)
"$BIN" -l 127.0.0.1:7001 -f /run/netns/$c -c 127.0.0.1:7000 -t /run/netns/$s -q "$@" & L=$!; pids+=($L)
sleep 0.5
C=$(pgrep -P $L | head -1)
if [[ $MODE == strace ]]; then strace -c -f -p $C -o $out 2>/dev/null & P=$!; else perf record -q -e cpu-clock -g -p $C -o $out 2>/dev/null & P=$!; fi
sleep 0.3
ip netns exec $c $NB pingpong 127.0.0.1 7001 64 $N 100 30 | sed 's/.*"p50_us":\([0-9.]*\).*"p99_us":\([0-9.]*\).*/p50 \1 us, p99 \2 us/'
kill -INT $P; wait $P 2>/dev/null
if [[ $MODE == strace ]]; then
  echo "connector per round trip:"
  awk -v n=$N '$4 ~ /^[0-9]+$/ && NF>=5 && $4/n >= 0.01 {printf "  %-14s %.2f\n", $NF, $4/n}' $out | sort -k2 -nr
else
  perf report -i $out --no-children --sort dso -g none -q 2>/dev/null | grep -v '^$' | head -6
  perf report -i $out --no-children --sort sym -g none -q 2>/dev/null | grep -v '^$' | grep '\[\.\]' | head -10
fi
