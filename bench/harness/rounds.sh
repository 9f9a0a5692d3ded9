# One round measures the baselines and then every peer once; the run repeats rounds (REPS), so a
# change in the machine's background load during the run hits all peers alike.  Sourced by bench.sh.

declare -A PEER_IDX PEER_DEAD
prepare_peer() { # NAME IDX -> 0 when its needs are met (otherwise an error is recorded)
  local name=$1 need v ok=1
  PEER_IDX[$name]=$2
  local udp=false udp_cmd=""
  has_udp "$name" && { udp=true; udp_cmd=${PEER_UDP_CMD[$name]}; }
  record "{\"peer\":\"$name\",\"test\":\"info\",\"kind\":\"forwarder\",\"desc\":$(jstr "${PEER_DESC[$name]}"),\"cmd\":$(jstr "${PEER_CMD[$name]}"),\"udp\":$udp,\"udp_cmd\":$(jstr "$udp_cmd")}"
  for need in ${PEER_NEEDS[$name]}; do
    case $need in
      env:*) v=${need#env:}; [ -n "${!v:-}" ] || { rec_error "$name" setup "needs environment variable $v"; ok=0; } ;;
      veth) [ "$VETH_OK" = 1 ] || { rec_error "$name" setup "needs the veth link, which could not be set up"; ok=0; } ;;
      *) [ -x "$need" ] || command -v "$need" >/dev/null || { rec_error "$name" setup "needs '$need' (not installed)"; ok=0; } ;;
    esac
  done
  [ $ok = 1 ]
}

run_direct() { # NAME CLIENT_NS HOST ROUND: a baseline, the client talking to the backends itself
  local name=$1 ns=$2 host=$3 round=$4
  log "=== $name, round $round/$REPS"
  start_backends || { rec_error "$name" "setup #$round" "backend servers did not start"; stop_backends; return; }
  has_test tput && measure_tput "$name" "$ns" "$host" $IPERF_PORT "$round"
  has_test lat && measure_lat "$name" "$ns" "$host" $ECHO_PORT "$round"
  has_test conn && measure_conn "$name" "$ns" "$host" $ECHO_PORT "$round"
  has_test udp && measure_udp "$name" "$ns" "$host" $UDP_ECHO_PORT "$round"
  stop_backends
}

has_tcp_tests() { has_test tput || has_test lat || has_test conn || has_test mem; }

run_peer() { # NAME ROUND
  local name=$1 round=$2 lp udp_lp started=0 alive
  # a peer without a UDP template has nothing to do in a UDP-only run
  has_tcp_tests || { has_test udp && has_udp "$name"; } || return 0
  log "=== $name, round $round/$REPS: ${PEER_DESC[$name]}"
  start_backends || { rec_error "$name" "setup #$round" "backend servers did not start"; stop_backends; return; }
  # a fresh listen port for every start, so that TIME_WAIT leftovers never block a bind; UDP has
  # ports of its own and takes the number of the first TCP one
  lp=$((PORT_BASE + 200 * round + 2 * PEER_IDX[$name]))
  udp_lp=$lp
  # started once towards iperf3 ...
  if has_test tput && fwd_start "$name" "tput$round" "$lp" $IPERF_PORT; then
    started=1
    measure_tput "$name" "$NS_CLI" 127.0.0.1 "$lp" "$round"
    fwd_stop
  fi
  # ... and once towards the echo server; memory is taken in the first round only
  if has_test lat || has_test conn || { has_test mem && [ "$round" = 1 ]; }; then
    lp=$((lp + 1))
    if fwd_start "$name" "rr$round" "$lp" $ECHO_PORT; then
      started=1
      alive=1
      if has_test mem && [ "$round" = 1 ]; then
        sleep 0.5; mem_record "$name" idle
        measure_hold "$name" 127.0.0.1 "$lp" || alive=0
      fi
      [ $alive = 1 ] && has_test lat && { measure_lat "$name" "$NS_CLI" 127.0.0.1 "$lp" "$round" || alive=0; }
      [ $alive = 1 ] && has_test conn && { measure_conn "$name" "$NS_CLI" 127.0.0.1 "$lp" "$round" || alive=0; }
      if [ $alive = 1 ] && has_test mem && [ "$round" = 1 ]; then sleep 1; mem_record "$name" after; fi
      fwd_stop
    fi
  fi
  # ... and, for a peer that forwards UDP, once towards the UDP echo server
  if has_test udp && has_udp "$name" && fwd_start "$name" "udp$round" "$udp_lp" $UDP_ECHO_PORT udp; then
    started=1
    measure_udp "$name" "$NS_CLI" 127.0.0.1 "$udp_lp" "$round"
    fwd_stop
  fi
  # a peer that never started is not tried again in later rounds
  [ $started = 0 ] && PEER_DEAD[$name]=1
  stop_backends
}
