#!/usr/bin/env bash
# syscall counts per part during connrate (K concurrency, N conns). usage: strace-conn.sh BIN
set -u
BIN=$1; N=${N:-3000}; K=${K:-32}
NB=${NBTOOL:-$("$(dirname "$0")/../harness/build-nbtool.sh")}
c=ntbperf-c-$$; s=ntbperf-s-$$
pids=()
cleanup(){ for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; ip netns del $c 2>/dev/null; ip netns del $s 2>/dev/null; }
trap cleanup EXIT
for n in $c $s; do ip netns add $n; ip -n $n link set lo up; ip netns exec $n sysctl -qw net.ipv4.ip_local_port_range="20000 65535" net.ipv4.tcp_tw_reuse=1; done
ip netns exec $s $NB echo-server 0.0.0.0 7000 >/dev/null 2>&1 & pids+=($!)
"$BIN" -l 127.0.0.1:7001 -f /run/netns/$c -c 127.0.0.1:7000 -t /run/netns/$s -q & L=$!; pids+=($L)
sleep 0.5
C=$(pgrep -P $L | head -1)
strace -c -f -p $L -o /tmp/strace-l.txt & S1=$!
strace -c -f -p $C -o /tmp/strace-c.txt & S2=$!
sleep 0.5
ip netns exec $c $NB connrate 127.0.0.1 7001 $N $K 64 30 | sed 's/.*"rate":\([0-9.]*\).*/rate \1/'
kill -INT $S1 $S2; wait $S1 $S2 2>/dev/null
echo "listener per conn:"; awk -v n=$N '$4 ~ /^[0-9]+$/ && NF>=5 {printf "  %-14s %.2f\n", $NF, $4/n}' /tmp/strace-l.txt | sort -k2 -nr | head -8
echo "connector per conn:"; awk -v n=$N '$4 ~ /^[0-9]+$/ && NF>=5 {printf "  %-14s %.2f\n", $NF, $4/n}' /tmp/strace-c.txt | sort -k2 -nr | head -16
