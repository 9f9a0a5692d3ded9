#!/usr/bin/env bash
# PSS of both parts with N idle connections held through the bridge. usage: held.sh BIN [N]
BIN=$1; N=${2:-1000}
NB=${NBTOOL:-$("$(dirname "$0")/../harness/build-nbtool.sh")}
c=ntbmem-c-$$; s=ntbmem-s-$$
ip netns add $c; ip netns add $s; ip -n $c link set lo up; ip -n $s link set lo up
ip netns exec $s $NB echo-server 0.0.0.0 7000 >/dev/null 2>&1 & E=$!
"$BIN" -l 127.0.0.1:7001 -f /run/netns/$c -c 127.0.0.1:7000 -t /run/netns/$s -q & L=$!
sleep 0.5
C=$(pgrep -P $L | head -1)
pss(){ t=0; for p in $L $C; do v=$(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup); t=$((t+v)); done; echo $t; }
echo "idle PSS kB: $(pss)"
ip netns exec $c $NB hold 127.0.0.1 7001 $N 30 > /tmp/hold.out 2>&1 & H=$!
for i in $(seq 60); do sleep 0.5; grep -q . /tmp/hold.out && break; done
sleep 1
echo "held PSS kB: $(pss)  ($(head -c 200 /tmp/hold.out))"
kill $H $L $E 2>/dev/null; wait 2>/dev/null; ip netns del $c; ip netns del $s
