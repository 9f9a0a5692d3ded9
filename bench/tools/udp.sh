#!/usr/bin/env bash
# UDP round trips/s at 64 and 1400 bytes, one datagram and 32 in flight: direct (client and echo
# server in one netns), the bridge across two namespaces, the bridge as a plain forwarder in one,
# socat udp-recvfrom,fork (a process per datagram), socat udp-listen,fork (one per client) and
# pasta -u (run in the listen netns, attached to the connect one; it needs a template interface
# with a default route, so the two namespaces get a veth pair on 127.100.9.0/24 that carries none
# of the measured traffic). usage: udp.sh BIN [SECONDS]
set -u
BIN=$1; SECS=${2:-3}
dir=$(mktemp -d); tool=$dir/udpbench
gcc -O2 -o "$tool" "$(dirname "$0")/udpbench.c" || exit 1
l=ntbperf-ul-$$; c=ntbperf-uc-$$
pids=()
cleanup(){ for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done;  # socat forks: its children first
  wait 2>/dev/null; ip netns del $l 2>/dev/null; ip netns del $c 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
for n in $l $c; do ip netns add $n; ip -n $n link set lo up; ip netns exec $n sysctl -qw net.ipv4.conf.all.route_localnet=1; done
ip link add ntbu-l-$$ netns $l type veth peer name ntbu-c-$$ netns $c
ip -n $l addr add 127.100.9.1/24 dev ntbu-l-$$; ip -n $c addr add 127.100.9.2/24 dev ntbu-c-$$
ip -n $l link set ntbu-l-$$ up; ip -n $c link set ntbu-c-$$ up
ip -n $l route add default via 127.100.9.2 dev ntbu-l-$$
ip netns exec $c "$tool" server 9053 & pids+=($!)
ip netns exec $l "$tool" server 9053 & pids+=($!)
"$BIN" -q -l udp:127.0.0.1:5300 --listen-netns $l -c udp:127.0.0.1:9053 --connect-netns $c & pids+=($!)
ip netns exec $l "$BIN" -q -l udp:127.0.0.1:5301 -c udp:127.0.0.1:9053 2>/dev/null & pids+=($!)
ip netns exec $l socat UDP4-RECVFROM:5302,bind=127.0.0.1,fork UDP4:127.0.0.1:9053 2>/dev/null & pids+=($!)
ip netns exec $l socat UDP4-LISTEN:5303,bind=127.0.0.1,fork,reuseaddr UDP4:127.0.0.1:9053 2>/dev/null & pids+=($!)
ip netns exec $l pasta -f -q -e -4 --runas 0:0 -I ntbutap0 -D none -S none --no-dhcp --no-ndp --no-dhcpv6 --no-ra --no-icmp \
  -t none -T none -U none -u 127.0.0.1/5304:9053 --netns /run/netns/$c 2>/dev/null & pids+=($!)
sleep 1
printf '%-6s %-6s %10s %12s %12s %14s %14s %10s\n' size window direct bridge-2ns bridge-1ns socat-recvfrom socat-listen pasta
for size in 64 1400; do
  for w in 1 32; do
    run(){ ip netns exec $l "$tool" client 127.0.0.1 "$1" $size $w "$SECS" 2>/dev/null; }
    printf '%-6s %-6s %10s %12s %12s %14s %14s %10s\n' $size $w "$(run 9053)" "$(run 5300)" "$(run 5301)" "$(run 5302)" "$(run 5303)" "$(run 5304)"
  done
done
