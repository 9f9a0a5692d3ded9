# The two namespaces (clients in one, servers in the other) and the veth link of the 'direct'
# baseline, built as bench/harness/netns.sh builds them. Sourced by interop.sh.

in_cli() { ip netns exec "$NS_CLI" "$@"; }
in_srv() { ip netns exec "$NS_SRV" "$@"; }

setup_namespaces() {
  local ns
  for ns in "$NS_CLI" "$NS_SRV"; do
    ip netns add "$ns" || { echo "interop.sh: ip netns add $ns failed" >&2; exit 2; }
    NS_MADE+=("$ns")
    ip -n "$ns" link set lo up
    # -C and -k 0 runs open a connection per request: without these the ports run out (TIME_WAIT)
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="20000 65535" net.ipv4.tcp_tw_reuse=1
  done
  # 'direct' is the same client reaching the same server over a veth pair carrying
  # 127.100.0.1 <-> 127.100.0.2 (loopback range with route_localnet, MTU 65535): a real crossing
  # between the namespaces with no forwarder, and no packet that can leave the two namespaces.
  ip -n "$NS_CLI" link add "$VETH_CLI" type veth peer name "$VETH_SRV" netns "$NS_SRV"
  in_cli sysctl -qw "net.ipv6.conf.$VETH_CLI.disable_ipv6=1" net.ipv4.conf.all.route_localnet=1 "net.ipv4.conf.$VETH_CLI.route_localnet=1"
  in_srv sysctl -qw "net.ipv6.conf.$VETH_SRV.disable_ipv6=1" net.ipv4.conf.all.route_localnet=1 "net.ipv4.conf.$VETH_SRV.route_localnet=1"
  ip -n "$NS_CLI" link set "$VETH_CLI" mtu 65535 up
  ip -n "$NS_SRV" link set "$VETH_SRV" mtu 65535 up
  ip -n "$NS_CLI" addr add "$DIRECT_CLI_ADDR/32" dev "$VETH_CLI"
  ip -n "$NS_SRV" addr add "$DIRECT_SRV_ADDR/32" dev "$VETH_SRV"
  ip -n "$NS_CLI" route add "$DIRECT_SRV_ADDR/32" dev "$VETH_CLI" table local src "$DIRECT_CLI_ADDR"
  ip -n "$NS_SRV" route add "$DIRECT_CLI_ADDR/32" dev "$VETH_SRV" table local src "$DIRECT_SRV_ADDR"
}
