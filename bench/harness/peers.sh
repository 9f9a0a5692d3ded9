# Built-in forwarders ("peers") of the harness.  Sourced by bench.sh; `--peers-file FILE` adds
# more in the same format.
#
#   peer NAME NEEDS DESCRIPTION TEMPLATE [CLEANUP]
#   peer_udp NAME TEMPLATE [CLEANUP]      (optional: how NAME forwards UDP)
#
# NEEDS is a space-separated list of requirements checked before the peer is started: a command
# name, "env:VAR" (variable must be set) or "veth" (the veth link between the two namespaces must
# exist).  A peer whose needs are not met is reported under "Problems seen" and skipped.
#
# TEMPLATE is run with `bash -c` in the initial network namespace, after these placeholders are
# replaced (the same values are also exported as NB_<NAME>):
#   {UDP}               "udp:" when the template is started for the UDP tests, else empty
#   {LISTEN}            127.0.0.1:PORT the forwarder must listen on
#   {LISTEN_HOST} {LISTEN_PORT}
#   {LISTEN_NETNS}      /run/netns/<name> of the listen (client) namespace
#   {LISTEN_NETNS_NAME} its `ip netns` name
#   {LISTEN_NETNS_PID}  PID of a process living in it (/proc/PID/ns/net)
#   {CONNECT}           127.0.0.1:PORT of the backend in the connect namespace
#   {CONNECT_HOST} {CONNECT_PORT}
#   {CONNECT_NETNS} {CONNECT_NETNS_NAME} {CONNECT_NETNS_PID}
#   {WORKDIR}           private scratch directory (sockets, config files)
#   {NBTOOL}            path of the compiled helper (nbtool/)
#   {VETH_LISTEN_IF} {VETH_LISTEN_ADDR} {VETH_CONNECT_IF} {VETH_CONNECT_ADDR}
#                       the veth link (empty when it could not be set up)
# The forwarder may stay in the foreground or daemonize: it runs under a child subreaper, so every
# descendant is tracked either way.  End with `exec` so that no idle shell is left behind.
# CLEANUP (optional) runs after the forwarder was stopped.
#
# UDP: the UDP tests start a peer from its UDP template, given by peer_udp, or, when there is none,
# from TEMPLATE if it contains {UDP} (then {LISTEN} and {CONNECT} are UDP addresses).  A peer with
# neither does not forward UDP, and its UDP columns show "-".

# shellcheck disable=SC2016  # templates are expanded later, on purpose

# This project.  bench/run.sh sets BRIDGE_BIN to a copy of the build it just made; BRIDGE_ARGS adds
# options (e.g. "--copy buffered").  Another build is compared with a NAME=TEMPLATE peer.  The
# same template forwards UDP, with udp: before both addresses.
peer bridge "env:BRIDGE_BIN" \
  "netns_tcp_bridge: \$BRIDGE_BIN \$BRIDGE_ARGS -l LISTEN -f LISTEN_NETNS -c CONNECT -t CONNECT_NETNS" \
  'exec $BRIDGE_BIN ${BRIDGE_ARGS:-} -l {UDP}{LISTEN} -f {LISTEN_NETNS} -c {UDP}{CONNECT} -t {CONNECT_NETNS}'

peer socat-pair "socat" \
  "two socat processes (fork per connection), one per namespace, joined by a UNIX socket" \
  'ip netns exec {CONNECT_NETNS_NAME} socat UNIX-LISTEN:{WORKDIR}/socat-pair.sock,fork,unlink-early,backlog=4096 TCP:{CONNECT} &
   for i in $(seq 50); do [ -S {WORKDIR}/socat-pair.sock ] && break; sleep 0.1; done
   exec ip netns exec {LISTEN_NETNS_NAME} socat TCP-LISTEN:{LISTEN_PORT},bind={LISTEN_HOST},fork,reuseaddr,backlog=4096 UNIX-CONNECT:{WORKDIR}/socat-pair.sock' \
  'rm -f {WORKDIR}/socat-pair.sock'
# UDP, the same pair: per client (UDP4-LISTEN,fork) a child in the listen netns and one in the
# connect netns, joined by a SOCK_SEQPACKET UNIX connection (socktype=5), which keeps datagram
# boundaries where a stream would run datagrams together.  socat 1.7 cannot open an address in
# another namespace, so one socat process cannot do it; udp-recvfrom,fork would also fork a
# process per datagram.
peer_udp socat-pair \
  'ip netns exec {CONNECT_NETNS_NAME} socat UNIX-LISTEN:{WORKDIR}/socat-pair-udp.sock,fork,unlink-early,socktype=5 UDP4:{CONNECT} &
   for i in $(seq 50); do [ -S {WORKDIR}/socat-pair-udp.sock ] && break; sleep 0.1; done
   exec ip netns exec {LISTEN_NETNS_NAME} socat UDP4-LISTEN:{LISTEN_PORT},bind={LISTEN_HOST},fork,reuseaddr UNIX-CONNECT:{WORKDIR}/socat-pair-udp.sock,socktype=5' \
  'rm -f {WORKDIR}/socat-pair-udp.sock'

# Not in the default set (one more socat variant, slower still); name it to include it.
peer socat-nsenter "socat nsenter" \
  "one socat listening in the listen netns; per connection its forked child execs nsenter+socat in the connect netns (EXEC nofork: socket is stdio)" \
  'exec ip netns exec {LISTEN_NETNS_NAME} socat TCP-LISTEN:{LISTEN_PORT},bind={LISTEN_HOST},fork,reuseaddr,backlog=4096 "EXEC:nsenter --net={CONNECT_NETNS} socat STDIO TCP\:{CONNECT_HOST}\:{CONNECT_PORT},nofork"'

peer haproxy "haproxy" \
  "haproxy 'mode tcp', bind and server lines with the 'namespace' keyword (default threads, no splice)" \
  'cat > {WORKDIR}/haproxy.cfg <<EOF
global
    maxconn 8000
defaults
    mode tcp
    timeout connect 5s
    timeout client 300s
    timeout server 300s
frontend fe
    bind {LISTEN} namespace {LISTEN_NETNS_NAME}
    default_backend be
backend be
    server s1 {CONNECT} namespace {CONNECT_NETNS_NAME}
EOF
   exec haproxy -db -f {WORKDIR}/haproxy.cfg'

# proxyd cannot enter a namespace itself: the listening socket is made in the listen netns and
# handed over as fd 3 (socket activation), then proxyd runs in the connect netns.
peer proxyd "/lib/systemd/systemd-socket-proxyd nsenter" \
  "systemd-socket-proxyd in the connect netns, given a listening socket made in the listen netns (socket activation, LISTEN_FDS=1)" \
  'exec ip netns exec {LISTEN_NETNS_NAME} {NBTOOL} listen-exec {LISTEN} -- nsenter --net={CONNECT_NETNS} /lib/systemd/systemd-socket-proxyd --connections-max=4096 {CONNECT}'

# pasta refuses to start without a "template" interface with an IPv4 address, a default gateway
# and a MAC, and rejects loopback gateways given with -g: the veth gets a default route in the
# listen netns for the time the peer runs.  Its tap device in the connect netns stays down.
peer pasta "pasta veth" \
  "pasta attached to the connect netns, forwarding a port from the listen netns (-t, spliced loopback path)" \
  'ip -n {LISTEN_NETNS_NAME} route replace default via {VETH_CONNECT_ADDR} dev {VETH_LISTEN_IF}
   exec ip netns exec {LISTEN_NETNS_NAME} pasta -f -q -e -4 --runas 0:0 -I nbtap0 -D none -S none --no-dhcp --no-ndp --no-dhcpv6 --no-ra --no-icmp -u none -T none -U none -t {LISTEN_HOST}/{LISTEN_PORT}:{CONNECT_PORT} --netns {CONNECT_NETNS}' \
  'ip -n {LISTEN_NETNS_NAME} route del default via {VETH_CONNECT_ADDR} dev {VETH_LISTEN_IF} 2>/dev/null || true'
peer_udp pasta \
  'ip -n {LISTEN_NETNS_NAME} route replace default via {VETH_CONNECT_ADDR} dev {VETH_LISTEN_IF}
   exec ip netns exec {LISTEN_NETNS_NAME} pasta -f -q -e -4 --runas 0:0 -I nbtap0 -D none -S none --no-dhcp --no-ndp --no-dhcpv6 --no-ra --no-icmp -t none -T none -U none -u {LISTEN_HOST}/{LISTEN_PORT}:{CONNECT_PORT} --netns {CONNECT_NETNS}' \
  'ip -n {LISTEN_NETNS_NAME} route del default via {VETH_CONNECT_ADDR} dev {VETH_LISTEN_IF} 2>/dev/null || true'

# haproxy and systemd-socket-proxyd forward TCP only: no UDP template.

# Measured when no peer is named on the command line.
DEFAULT_PEERS=(bridge socat-pair haproxy proxyd pasta)
