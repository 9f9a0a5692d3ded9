# The two namespaces, the veth link of the 'direct' baseline, and the backend servers.
# Sourced by bench.sh.

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

setup_namespaces() {
  local ns
  for ns in "$NS_CLI" "$NS_SRV"; do
    ip netns add "$ns" || { echo "ip netns add $ns failed" >&2; exit 2; }
    NS_MADE+=("$ns")
    ip -n "$ns" link set lo up
    # the connection-rate tests open thousands of connections a second: without these the
    # ephemeral ports run out (TIME_WAIT)
    in_ns "$ns" sysctl -qw net.ipv4.ip_local_port_range="20000 65535" net.ipv4.tcp_tw_reuse=1 2>/dev/null
  done
  # A veth link carrying 127.100.0.1 <-> 127.100.0.2 gives the 'direct' baseline a real crossing
  # between the namespaces, as a forwarder has.  Loopback-range addresses (route_localnet) keep
  # every packet inside the two namespaces; without the link, 'direct' falls back to loopback.
  if ip -n "$NS_CLI" link add "$VETH_CLI" type veth peer name "$VETH_SRV" netns "$NS_SRV" 2>/dev/null; then
    in_ns "$NS_CLI" sysctl -qw "net.ipv6.conf.$VETH_CLI.disable_ipv6=1" net.ipv4.conf.all.route_localnet=1 "net.ipv4.conf.$VETH_CLI.route_localnet=1" 2>/dev/null
    in_ns "$NS_SRV" sysctl -qw "net.ipv6.conf.$VETH_SRV.disable_ipv6=1" net.ipv4.conf.all.route_localnet=1 "net.ipv4.conf.$VETH_SRV.route_localnet=1" 2>/dev/null
    ip -n "$NS_CLI" link set "$VETH_CLI" mtu 65535 up 2>/dev/null || ip -n "$NS_CLI" link set "$VETH_CLI" up
    ip -n "$NS_SRV" link set "$VETH_SRV" mtu 65535 up 2>/dev/null || ip -n "$NS_SRV" link set "$VETH_SRV" up
    ip -n "$NS_CLI" addr add "$VETH_NET.1/32" dev "$VETH_CLI"
    ip -n "$NS_SRV" addr add "$VETH_NET.2/32" dev "$VETH_SRV"
    ip -n "$NS_CLI" route add "$VETH_NET.2/32" dev "$VETH_CLI" table local src "$VETH_NET.1"
    ip -n "$NS_SRV" route add "$VETH_NET.1/32" dev "$VETH_SRV" table local src "$VETH_NET.2"
    VETH_OK=1
  fi
  # One process living in each namespace, for templates that want /proc/PID/ns/net.  Started as
  # plain commands so that $! is the real PID.
  ip netns exec "$NS_CLI" sleep 1000000 & BG_PIDS+=($!); CLI_NS_PID=$!
  ip netns exec "$NS_SRV" sleep 1000000 & BG_PIDS+=($!); SRV_NS_PID=$!
}

check_veth() { # the link may exist and still not carry TCP (kernel settings): try it once
  [ "$VETH_OK" = 1 ] || return 0
  local probe
  ip netns exec "$NS_SRV" "$NBTOOL" echo-server 0.0.0.0 $ECHO_PORT > /dev/null 2>&1 & probe=$!; BG_PIDS+=("$probe")
  wait_listen "$NS_SRV" $ECHO_PORT 5 "$probe"
  if ! in_ns "$NS_CLI" "$NBTOOL" pingpong "$VETH_NET.2" $ECHO_PORT 1 10 0 3 > /dev/null 2>&1; then
    log "veth path does not carry TCP here; 'direct' falls back to same-netns loopback"
    VETH_OK=0
  fi
  stop_bg "$probe"
}

wait_listen() { # NS PORT SECS [PID that must stay alive] [tcp|udp]: until something listens on PORT in NS
  local ns=$1 port=$2 secs=$3 pid=${4:-} kind=-Hltn
  [ "${5:-tcp}" = udp ] && kind=-Hlun   # a bound, unconnected UDP socket
  for _ in $(seq $((secs * 20))); do
    if [ -n "$(in_ns "$ns" ss $kind "sport = :$port" 2>/dev/null)" ]; then return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.05
  done
  return 1
}

# Fresh backends for every peer and round, only those the selected tests use: a server that a
# forwarder left in a bad state (half-open connections, a stuck iperf3 test) cannot spoil the next
# measurement.
BACK_PIDS=()
start_backends() {
  local p
  BACK_PIDS=()
  if has_test tput; then
    ip netns exec "$NS_SRV" "${TP_SPIN[@]}" iperf3 -s -p $IPERF_PORT > "$WORK/iperf3-server.log" 2>&1 & p=$!; BACK_PIDS+=("$p"); BG_PIDS+=("$p")
    wait_listen "$NS_SRV" $IPERF_PORT 10 "$p" || return 1
  fi
  if has_test lat || has_test conn || has_test mem; then
    ip netns exec "$NS_SRV" "${RR_SPIN[@]}" "$NBTOOL" echo-server 0.0.0.0 $ECHO_PORT > "$WORK/echo-server.log" 2>&1 & p=$!; BACK_PIDS+=("$p"); BG_PIDS+=("$p")
    wait_listen "$NS_SRV" $ECHO_PORT 10 "$p" || return 1
  fi
  if has_test udp; then
    ip netns exec "$NS_SRV" "${RR_SPIN[@]}" "$NBTOOL" udp-echo 0.0.0.0 $UDP_ECHO_PORT > "$WORK/udp-echo.log" 2>&1 & p=$!; BACK_PIDS+=("$p"); BG_PIDS+=("$p")
    wait_listen "$NS_SRV" $UDP_ECHO_PORT 10 "$p" udp || return 1
  fi
  return 0
}
stop_backends() { stop_bg "${BACK_PIDS[@]}"; BACK_PIDS=(); }
