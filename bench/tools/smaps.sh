#!/usr/bin/env bash
BIN=$1
c=ntbmem-c-$$; s=ntbmem-s-$$
ip netns add $c; ip netns add $s; ip -n $c link set lo up; ip -n $s link set lo up
"$BIN" -l 127.0.0.1:7001 -f /run/netns/$c -c 127.0.0.1:7000 -t /run/netns/$s -q & L=$!
sleep 1
C=$(pgrep -P $L | head -1)
for p in $L $C; do echo "== pid $p"; awk '/^[0-9a-f]+-[0-9a-f]+ /{name=$6; range=$1} /^Pss:/{if ($2>20) printf "%6d kB %s %s\n", $2, range, name}' /proc/$p/smaps | sort -rn | head -12; done
kill $L; wait $L 2>/dev/null; ip netns del $c; ip netns del $s
