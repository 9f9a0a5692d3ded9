#!/usr/bin/env bash
# Quick connection-rate check: direct (same-netns loopback, nb like direct-lo) and bridged.
# usage: connrate.sh BIN [rounds]   (prints conn/s for c1 and c32)
set -u
BIN=$1; ROUNDS=${2:-3}
NB=${NBTOOL:-$("$(dirname "$0")/../harness/build-nbtool.sh")}
c=ntbperf-c-$$; s=ntbperf-s-$$
pids=()
cleanup(){ for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; ip netns del $c 2>/dev/null; ip netns del $s 2>/dev/null; }
trap cleanup EXIT
for n in $c $s; do ip netns add $n; ip -n $n link set lo up; ip netns exec $n sysctl -qw net.ipv4.ip_local_port_range="20000 65535" net.ipv4.tcp_tw_reuse=1; done
ip netns exec $s $NB echo-server 0.0.0.0 7000 >/dev/null 2>&1 & pids+=($!)
"$BIN" -l 127.0.0.1:7001 -f /run/netns/$c -c 127.0.0.1:7000 -t /run/netns/$s -q ${EXTRA:-} & pids+=($!)
sleep 0.5
for r in $(seq $ROUNDS); do
  for k in 1 32; do
    echo "c$k direct-lo $(ip netns exec $s $NB connrate 127.0.0.1 7000 5000 $k 64 5 | tr '\n' ' ')"
    echo "c$k bridge    $(ip netns exec $c $NB connrate 127.0.0.1 7001 5000 $k 64 5 | tr '\n' ' ')"
  done
done
