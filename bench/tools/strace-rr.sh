#!/usr/bin/env bash
# System calls of the connector per round trip of a small request and its response on one
# connection (strace -c; slows everything down). usage: strace-rr.sh BIN [BRIDGE_OPTIONS...]
set -u
BIN=$1; shift
N=${N:-20000}; SIZE=${SIZE:-64}
NB=${NBTOOL:-$("$(dirname "$0")/../harness/build-nbtool.sh")}
c=ntbperf-c-$$; s=ntbperf-s-$$
pids=()
cleanup(){ for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; ip netns del $c 2>/dev/null; ip netns del $s 2>/dev/null; }
trap cleanup EXIT
for n in $c $s; do ip netns add $n; ip -n $n link set lo up; done
ip netns exec $s $NB echo-server 0.0.0.0 7000 >/dev/null 2>&1 & pids+=($!)
"$BIN" -l 127.0.0.1:7001 -f /run/netns/$c -c 127.0.0.1:7000 -t /run/netns/$s -q "$@" & L=$!; pids+=($L)
sleep 0.5
C=$(pgrep -P $L | head -1)
strace -c -f -p $C -o /tmp/strace-rr-$$.txt 2>/dev/null & S=$!
sleep 0.5
ip netns exec $c $NB pingpong 127.0.0.1 7001 $SIZE $N 100 30 > /dev/null
kill -INT $S; wait $S 2>/dev/null
echo "connector per round trip ($SIZE bytes each way):"
awk -v n=$N '$4 ~ /^[0-9]+$/ && NF>=5 && $4/n >= 0.01 {printf "  %-14s %.2f\n", $NF, $4/n}' /tmp/strace-rr-$$.txt | sort -k2 -nr
rm -f /tmp/strace-rr-$$.txt
