# The path a client takes to its server: 'direct' (over the veth, no forwarder) or through the
# bridge with one --copy method. Sourced by interop.sh.
#
#   via MODE PORT [BRIDGE OPTION...]   sets HOST: the address the client in the client netns
#                                      dials on PORT (the bridge listens on the same port number)
#   unvia                              stops the bridge; false if it had died meanwhile

BRIDGE_PID=""

via() {
  local mode=$1 port=$2; shift 2
  VIA_MODE=$mode
  if [ "$mode" = direct ]; then
    HOST=$DIRECT_SRV_ADDR
    return 0
  fi
  HOST=127.0.0.1
  local logf="$WORK/bridge-$port-$mode.log"
  "$BRIDGE_BIN" -l "127.0.0.1:$port" --listen-netns "$NS_CLI" \
                -c "127.0.0.1:$port" --connect-netns "$NS_SRV" \
                --copy "$mode" --drain-timeout 2 -q "$@" > "$logf" 2>&1 < /dev/null &
  BRIDGE_PID=$!
  BG_PIDS+=("$BRIDGE_PID")
  # the listening socket appears after the connector part has been handed it: ready to relay
  if ! wait_listen "$NS_CLI" "$port" 20 "$BRIDGE_PID"; then
    log "bridge --copy $mode on port $port did not start: $(tail -c 600 "$logf")"
    stop_pids "$BRIDGE_PID"; BRIDGE_PID=""
    return 1
  fi
}

unvia() {
  [ -n "$BRIDGE_PID" ] || return 0
  local alive=0
  kill -0 "$BRIDGE_PID" 2>/dev/null && alive=1
  stop_pids "$BRIDGE_PID"
  BRIDGE_PID=""
  if [ $alive = 0 ]; then
    log "the bridge had exited during the case"
    return 1
  fi
}
