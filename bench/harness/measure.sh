# The measurements.  Each takes PEER CLIENT_NS HOST PORT ROUND, runs its client inside CLIENT_NS
# against HOST:PORT (the forwarder's listening address, or the backend for the baselines) and
# records the result.  Sourced by bench.sh.

measure_tput() { # iperf3 up, down and 4 streams up; forwarder CPU time around each run
  local peer=$1 ns=$2 host=$3 port=$4 rep=$5 mode out rec c0 c1 cpu args
  out="$WORK/iperf.json"
  # warm-up and end-to-end check, not recorded (also absorbs a JIT's first calls)
  if ! timeout 16 ip netns exec "$ns" "${TP_CPIN[@]}" iperf3 -c "$host" -p "$port" -t 1 -J > "$out" 2>&1; then
    rec_error "$peer" "tput #$rep" "warm-up iperf3 failed: $(head -c 400 "$out")"
    return 1
  fi
  for mode in up down p4; do
    case $mode in up) args=() ;; down) args=(-R) ;; p4) args=(-P 4) ;; esac
    c0=$(json_num cpu_s "$(treestat)")
    timeout $((TPUT_SECS + 15)) ip netns exec "$ns" "${TP_CPIN[@]}" iperf3 -c "$host" -p "$port" -t "$TPUT_SECS" -J "${args[@]}" > "$out" 2> "$WORK/iperf.err"
    c1=$(json_num cpu_s "$(treestat)")
    rec=$("${REPORT[@]}" iperf "$out")
    cpu=null
    if [ -n "$c0" ] && [ -n "$c1" ]; then cpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", b-a}'); fi
    check_fwd "$peer" "tput $mode #$rep" || return 1
    record "{\"peer\":\"$peer\",\"test\":\"tput\",\"mode\":\"$mode\",\"rep\":$rep,\"cpu_s\":$cpu,\"data\":$rec}"
    log "$peer tput $mode #$rep: $(printf '%.2f' "$(json_num gbps "$rec")" 2>/dev/null) Gb/s cpu=${cpu}s"
  done
}

measure_lat() { # LAT_RUNS ping-pong runs: latency is bimodal on a small VM, one run can mislead
  local peer=$1 ns=$2 host=$3 port=$4 round=$5 k rep out
  for k in $(seq "$LAT_RUNS"); do
    rep=$(( (round - 1) * LAT_RUNS + k ))
    out=$(ip netns exec "$ns" "${RR_CPIN[@]}" "$NBTOOL" pingpong "$host" "$port" "$LAT_SIZE" "$LAT_COUNT" "$LAT_WARMUP" "$LAT_MAXSECS")
    [ -n "$out" ] || out='{"error":"no output"}'
    record "{\"peer\":\"$peer\",\"test\":\"lat\",\"rep\":$rep,\"data\":$out}"
    log "$peer rr #$rep: p50=$(json_num p50_us "$out")us p99=$(json_num p99_us "$out")us"
    check_fwd "$peer" "rr #$rep" || return 1
  done
}

measure_conn() { # new connections per second at each concurrency of CONN_CONCS
  local peer=$1 ns=$2 host=$3 port=$4 rep=$5 c out
  for c in $CONN_CONCS; do
    out=$(ip netns exec "$ns" "${RR_CPIN[@]}" "$NBTOOL" connrate "$host" "$port" "$CONN_COUNT" "$c" "$CONN_SIZE" "$CONN_MAXSECS")
    [ -n "$out" ] || out="{\"conc\":$c,\"error\":\"no output\"}"
    record "{\"peer\":\"$peer\",\"test\":\"conn\",\"conc\":$c,\"rep\":$rep,\"data\":$out}"
    log "$peer conn c=$c #$rep: $(json_num rate "$out")/s ok=$(json_num ok "$out") err=$(json_num err "$out")"
    check_fwd "$peer" "conn c=$c #$rep" || return 1
    sleep 0.3
  done
}

measure_udp() { # replies/s with UDP_WINDOW datagrams in flight at each size, then latency one at a time
  local peer=$1 ns=$2 host=$3 port=$4 round=$5 size out k rep
  for size in $UDP_SIZES; do
    out=$(ip netns exec "$ns" "${RR_CPIN[@]}" "$NBTOOL" udp-flood "$host" "$port" "$size" "$UDP_WINDOW" "$UDP_SECS" "$UDP_WARMUP")
    [ -n "$out" ] || out="{\"size\":$size,\"error\":\"no output\"}"
    record "{\"peer\":\"$peer\",\"test\":\"udp\",\"size\":$size,\"rep\":$round,\"data\":$out}"
    log "$peer udp $size B x$UDP_WINDOW #$round: $(json_num rate "$out")/s stalls=$(json_num stalls "$out")"
    check_fwd "$peer" "udp $size #$round" || return 1
  done
  for k in $(seq "$UDP_LAT_RUNS"); do
    rep=$(( (round - 1) * UDP_LAT_RUNS + k ))
    out=$(ip netns exec "$ns" "${RR_CPIN[@]}" "$NBTOOL" udp-pingpong "$host" "$port" "$UDP_LAT_SIZE" "$UDP_LAT_COUNT" "$UDP_LAT_WARMUP" "$UDP_LAT_MAXSECS")
    [ -n "$out" ] || out='{"error":"no output"}'
    record "{\"peer\":\"$peer\",\"test\":\"udplat\",\"rep\":$rep,\"data\":$out}"
    log "$peer udp rr #$rep: p50=$(json_num p50_us "$out")us p99=$(json_num p99_us "$out")us lost=$(json_num lost "$out")"
    check_fwd "$peer" "udp rr #$rep" || return 1
  done
}

mem_record() { # PEER STATE: PSS and RSS of the forwarder's process tree (idle, hold, after)
  local s; s=$(treestat)
  record "{\"peer\":\"$1\",\"test\":\"mem\",\"state\":\"$2\",\"data\":$s}"
  log "$1 mem $2: pss=$(json_num pss_kb "$s")kB rss_sum=$(json_num rss_kb "$s")kB nproc=$(json_num nproc "$s")"
}

measure_hold() { # PEER HOST PORT: memory with HOLD_CONNS idle connections open (forwarders only)
  local peer=$1 host=$2 port=$3 hp out res
  out="$WORK/hold.out"; : > "$out"
  ip netns exec "$NS_CLI" "${RR_CPIN[@]}" "$NBTOOL" hold "$host" "$port" "$HOLD_CONNS" "$HOLD_MAXSECS" > "$out" 2>&1 &
  hp=$!; BG_PIDS+=("$hp")
  # hold prints its line once every connection is open (or failed)
  for _ in $(seq $((HOLD_MAXSECS * 10))); do
    [ -s "$out" ] && break
    kill -0 "$hp" 2>/dev/null || break
    sleep 0.1
  done
  res=$(head -n1 "$out")
  [[ $res == \{* ]] || res="{\"error\":$(jstr "$res")}"
  record "{\"peer\":\"$peer\",\"test\":\"hold\",\"data\":$res}"
  log "$peer hold: $res"
  sleep 1
  mem_record "$peer" hold
  stop_bg "$hp"
  sleep 1
  check_fwd "$peer" "hold"
}
