#!/usr/bin/env bash
# End-to-end demo: two throwaway network namespaces, a web server in one, the bridge between
# them, and curl fetching the page through it. Cleans up everything it made, even on failure.
# Needs root (it creates network namespaces), iproute2, curl and python3.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: needs root to create network namespaces; run: sudo $0" >&2
  exit 1
fi
for tool in ip curl python3; do
  command -v "$tool" >/dev/null || { echo "demo: '$tool' is missing; on Debian: apt-get install -y iproute2 curl python3" >&2; exit 1; }
done
[ -x artifacts/bin/netns_tcp_bridge ] || ./build.sh
bridge="$(pwd)/artifacts/bin/netns_tcp_bridge"

client_ns="demo-client-$$"
server_ns="demo-server-$$"
work="$(mktemp -d)"
server_pid=""
bridge_pid=""
cleanup() {
  [ -n "$bridge_pid" ] && kill "$bridge_pid" 2>/dev/null && wait "$bridge_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  ip netns del "$client_ns" 2>/dev/null || true
  ip netns del "$server_ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

step "1. Two fresh network namespaces, each with only a loopback interface"
ip netns add "$client_ns"
ip netns add "$server_ns"
ip -n "$client_ns" link set lo up
ip -n "$server_ns" link set lo up
echo "client side: $client_ns    server side: $server_ns"

step "2. A web server on 127.0.0.1:8080 inside $server_ns"
mkdir -p "$work/site"
echo "Hello from the web server in $server_ns" > "$work/site/index.html"
ip netns exec "$server_ns" python3 -m http.server 8080 --bind 127.0.0.1 --directory "$work/site" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do ip netns exec "$server_ns" curl -s -o /dev/null http://127.0.0.1:8080/ && break; sleep 0.1; done

step "3. Without the bridge, $client_ns cannot reach it (its 127.0.0.1 is another world)"
ip netns exec "$client_ns" curl -sS --max-time 2 http://127.0.0.1:8080/ 2>&1 || true

step "4. The bridge: listen on 127.0.0.1:80 in $client_ns, connect to 127.0.0.1:8080 from $server_ns"
echo "\$ netns_tcp_bridge -v -l 127.0.0.1:80 -f /run/netns/$client_ns -c 127.0.0.1:8080 -t /run/netns/$server_ns"
"$bridge" -v -l 127.0.0.1:80 -f "/run/netns/$client_ns" -c 127.0.0.1:8080 -t "/run/netns/$server_ns" 2>"$work/bridge.log" &
bridge_pid=$!
for _ in $(seq 50); do [ -n "$(ip netns exec "$client_ns" ss -Hltn 'sport = :80')" ] && break; sleep 0.1; done

step "5. curl inside $client_ns fetches http://127.0.0.1/ through the bridge"
ip netns exec "$client_ns" curl -sS --max-time 5 http://127.0.0.1/

step "6. What the bridge logged"
sleep 0.2
cat "$work/bridge.log"

step "Done: cleaning up the namespaces, the server and the bridge"
