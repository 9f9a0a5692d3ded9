# Peers: their registry, filling in a command template, and starting, watching and stopping one
# forwarder at a time.  Sourced by bench.sh.

declare -A PEER_NEEDS PEER_DESC PEER_CMD PEER_CLEANUP PEER_UDP_CMD PEER_UDP_CLEANUP
PEER_ORDER=()
peer() { # NAME NEEDS DESCRIPTION TEMPLATE [CLEANUP]  (the format of peers.sh)
  PEER_NEEDS[$1]=$2; PEER_DESC[$1]=$3; PEER_CMD[$1]=$4; PEER_CLEANUP[$1]=${5:-}
  PEER_ORDER+=("$1")
  # a template that spells the protocol with {UDP} serves the UDP tests as it stands
  if [[ $4 == *"{UDP}"* ]]; then PEER_UDP_CMD[$1]=$4; PEER_UDP_CLEANUP[$1]=${5:-}; fi
}
peer_udp() { # NAME TEMPLATE [CLEANUP]: how peer NAME forwards UDP, when its TCP template cannot
  PEER_UDP_CMD[$1]=$2; PEER_UDP_CLEANUP[$1]=${3:-}
}
has_udp() { [ -n "${PEER_UDP_CMD[$1]:-}" ]; }

fill() { # TEMPLATE -> stdout, with the current phase's values (set_phase_vars)
  local t=$1 k
  for k in UDP LISTEN LISTEN_HOST LISTEN_PORT LISTEN_NETNS LISTEN_NETNS_NAME LISTEN_NETNS_PID \
           CONNECT CONNECT_HOST CONNECT_PORT CONNECT_NETNS CONNECT_NETNS_NAME CONNECT_NETNS_PID \
           WORKDIR NBTOOL VETH_LISTEN_IF VETH_LISTEN_ADDR VETH_CONNECT_IF VETH_CONNECT_ADDR; do
    local v="NB_$k"
    t=${t//"{$k}"/${!v}}
  done
  printf '%s' "$t"
}

set_phase_vars() { # LISTEN_PORT CONNECT_PORT [PROTO]; exported too, for templates that prefer variables
  NB_UDP=""; [ "${3:-tcp}" = udp ] && NB_UDP="udp:"
  export NB_UDP NB_LISTEN_HOST=127.0.0.1 NB_LISTEN_PORT=$1
  export NB_LISTEN="$NB_LISTEN_HOST:$NB_LISTEN_PORT"
  export NB_LISTEN_NETNS="/run/netns/$NS_CLI" NB_LISTEN_NETNS_NAME=$NS_CLI NB_LISTEN_NETNS_PID=$CLI_NS_PID
  export NB_CONNECT_HOST=127.0.0.1 NB_CONNECT_PORT=$2
  export NB_CONNECT="$NB_CONNECT_HOST:$NB_CONNECT_PORT"
  export NB_CONNECT_NETNS="/run/netns/$NS_SRV" NB_CONNECT_NETNS_NAME=$NS_SRV NB_CONNECT_NETNS_PID=$SRV_NS_PID
  export NB_WORKDIR=$WORK NB_NBTOOL=$NBTOOL
  if [ "$VETH_OK" = 1 ]; then
    export NB_VETH_LISTEN_IF=$VETH_CLI NB_VETH_LISTEN_ADDR=$VETH_NET.1 NB_VETH_CONNECT_IF=$VETH_SRV NB_VETH_CONNECT_ADDR=$VETH_NET.2
  else
    export NB_VETH_LISTEN_IF="" NB_VETH_LISTEN_ADDR="" NB_VETH_CONNECT_IF="" NB_VETH_CONNECT_ADDR=""
  fi
}

FWD_LOG=""
fwd_start() { # NAME PHASE LISTEN_PORT CONNECT_PORT [PROTO] -> sets FWD_PID, or returns 1 (error recorded)
  local name=$1 phase=$2 proto=${5:-tcp} cmd logf why
  set_phase_vars "$3" "$4" "$proto"
  if [ "$proto" = udp ]; then
    cmd=$(fill "${PEER_UDP_CMD[$name]}")
    PENDING_CLEANUP=$(fill "${PEER_UDP_CLEANUP[$name]}")
  else
    cmd=$(fill "${PEER_CMD[$name]}")
    PENDING_CLEANUP=$(fill "${PEER_CLEANUP[$name]}")
  fi
  logf="$WORK/$name.$phase.log"
  FWD_LOG=$logf
  printf '%s\n----\n' "$cmd" > "$logf"
  # under a child subreaper, so that whatever the forwarder forks stays in one tree
  "$NBTOOL" spawn -- bash -c "$cmd" >> "$logf" 2>&1 < /dev/null &
  FWD_PID=$!
  if ! wait_listen "$NS_CLI" "$NB_LISTEN_PORT" "$READY_SECS" "$FWD_PID" "$proto"; then
    why="did not listen on $NB_UDP$NB_LISTEN in $NS_CLI within ${READY_SECS}s"
    kill -0 "$FWD_PID" 2>/dev/null || why="exited before listening on $NB_UDP$NB_LISTEN"
    rec_error "$name" "$phase" "forwarder $why; log: $(tail -c 600 "$logf")"
    fwd_stop
    return 1
  fi
  # a listening socket may come before the forwarder is ready to relay (e.g. the connecting part)
  sleep 0.5
  if ! kill -0 "$FWD_PID" 2>/dev/null; then
    rec_error "$name" "$phase" "forwarder exited; log: $(tail -c 600 "$logf")"
    fwd_stop; return 1
  fi
  return 0
}

fwd_stop() {
  [ -n "$FWD_PID" ] && kill_tree "$FWD_PID"
  FWD_PID=""
  if [ -n "$PENDING_CLEANUP" ]; then bash -c "$PENDING_CLEANUP" >/dev/null 2>&1; fi
  PENDING_CLEANUP=""
}

fwd_alive() { # true when no forwarder is in use, or when its tree still has processes
  [ -z "$FWD_PID" ] && return 0
  kill -0 "$FWD_PID" 2>/dev/null && [ -n "$("$NBTOOL" treepids "$FWD_PID" 2>/dev/null)" ]
}

check_fwd() { # PEER WHAT -> 1 (and an error record) when the forwarder died
  fwd_alive && return 0
  rec_error "$1" "$2" "forwarder died; log: $(tail -c 400 "$FWD_LOG" 2>/dev/null)"
  return 1
}

treestat() { if [ -n "$FWD_PID" ]; then "$NBTOOL" treestat "$FWD_PID"; else echo '{}'; fi; }
