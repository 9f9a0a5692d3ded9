#!/usr/bin/env bash
# PSS of both parts idle and with N idle UDP flows (one client port each, one datagram echoed),
# for the memory of flows. usage: udpflows.sh BIN [N]
set -u
BIN=$1; N=${2:-10000}
l=ntbmem-ul-$$; c=ntbmem-uc-$$
NB=${NBTOOL:-$("$(dirname "$0")/../harness/build-nbtool.sh")} || exit 1
pids=()
cleanup(){ for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; ip netns del $l 2>/dev/null; ip netns del $c 2>/dev/null; }
trap cleanup EXIT
for n in $l $c; do ip netns add $n; ip -n $n link set lo up; done
ip netns exec $c "$NB" udp-echo 127.0.0.1 9053 & pids+=($!)
"$BIN" -q -l udp:127.0.0.1:5300 --listen-netns $l -c udp:127.0.0.1:9053 --connect-netns $c --max-udp-flows $((N + 100)) & L=$!; pids+=($L)
sleep 1
C=$(pgrep -P $L | head -1)
pss(){ t=0; for p in $L $C; do v=$(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup); t=$((t+v)); done; echo $t; }
echo "idle PSS kB: $(pss)"
# N sockets, each sends one datagram and waits for its echo; they stay open (not needed for the
# bridge's flows to stay, which live until --udp-idle-timeout) while PSS is read.
ip netns exec $l python3 - "$N" <<'PY' &
import socket, sys, time, resource
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 100, n + 100))
socks, echoed = [], 0
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.connect(("127.0.0.1", 5300)); s.send(b"x" * 64)
    try:
        s.recv(100); echoed += 1
    except OSError:
        pass
    socks.append(s)
print(f"{echoed} of {n} flows echoed", flush=True)
time.sleep(30)
PY
pids+=($!)
for i in $(seq 120); do sleep 0.5; [ "$(ls /proc/$C/fd | wc -l)" -ge "$N" ] && break; done
sleep 1
echo "with $N flows PSS kB: $(pss)  (connector descriptors: $(ls /proc/$C/fd | wc -l))"
