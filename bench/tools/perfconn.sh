#!/usr/bin/env bash
# perf profile of the connector during connrate c32 (20000 conns). usage: perfconn.sh BIN OUTDIR
set -u
BIN=$1; OUT=$2; mkdir -p $OUT
NB=${NBTOOL:-$("$(dirname "$0")/../harness/build-nbtool.sh")}
c=ntbperf-c-$$; s=ntbperf-s-$$
pids=()
cleanup(){ for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; ip netns del $c 2>/dev/null; ip netns del $s 2>/dev/null; }
trap cleanup EXIT
for n in $c $s; do ip netns add $n; ip -n $n link set lo up; ip netns exec $n sysctl -qw net.ipv4.ip_local_port_range="20000 65535" net.ipv4.tcp_tw_reuse=1; done
ip netns exec $s $NB echo-server 0.0.0.0 7000 >/dev/null 2>&1 & pids+=($!)
"$BIN" -l 127.0.0.1:7001 -f /run/netns/$c -c 127.0.0.1:7000 -t /run/netns/$s -q ${EXTRA:-} & L=$!; pids+=($L)
sleep 0.5
C=$(pgrep -P $L | head -1)
perf record -q -e cpu-clock -g -p $C,$L -o $OUT/perf.data 2>/dev/null & P=$!
sleep 0.3
ip netns exec $c $NB connrate 127.0.0.1 7001 20000 ${K:-32} 64 20 | sed 's/.*"rate":\([0-9.]*\).*/rate \1/'
kill -INT $P; wait $P 2>/dev/null
perf report -i $OUT/perf.data --no-children --sort comm,sym -q 2>/dev/null | grep -v '^$' | head -60 > $OUT/top.txt
