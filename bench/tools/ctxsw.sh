#!/usr/bin/env bash
# Context switches and CPU per connection of both bridge parts at c1 and c32.
set -u
BIN=$1
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
snap(){ for p in $L $C; do t=0; for task in /proc/$p/task/*; do v=$(awk '/ctxt_switches/{s+=$2} END{print s}' $task/status); t=$((t+v)); done; cpu=$(awk '{print $14+$15}' /proc/$p/stat); echo -n "$t $cpu "; done; echo; }
for k in 1 32; do
  a=($(snap)); out=$(ip netns exec $c $NB connrate 127.0.0.1 7001 5000 $k 64 5); b=($(snap))
  echo "c$k rate=$(sed 's/.*"rate":\([0-9.]*\).*/\1/' <<<"$out") listener ctxsw/conn=$(echo "scale=2;(${b[0]}-${a[0]})/5000"|bc) cpu_ticks=$((b[1]-a[1])) connector ctxsw/conn=$(echo "scale=2;(${b[2]}-${a[2]})/5000"|bc) cpu_ticks=$((b[3]-a[3]))"
done
