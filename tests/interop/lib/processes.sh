# Every process the suite starts is remembered by PID and stopped by PID (the machine may run
# other servers of the same programs that must not be touched); cleanup runs on every exit,
# failure, Ctrl-C or SIGTERM, and deletes the namespaces and the scratch directory.
# Sourced by interop.sh.

BG_PIDS=()   # servers and bridges we started, in start order
NS_MADE=()   # namespaces we created

descendants() { # PID -> the PIDs of its children, grandchildren, ... (from /proc, by parent PID)
  local parent=$1 child
  for child in $(ps -o pid= --ppid "$parent" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

stop_pids() { # PID...: TERM each with its descendants, KILL what is left after 5 s, forget them
  local p d all=() keep=() b x
  for p in "$@"; do
    [ -n "$p" ] || continue
    all+=("$p")
    for d in $(descendants "$p"); do all+=("$d"); done
  done
  [ ${#all[@]} -gt 0 ] || return 0
  for p in "${all[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${all[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null || true
  done
  for b in "${BG_PIDS[@]}"; do
    x=0; for p in "$@"; do [ "$b" = "$p" ] && x=1; done
    [ $x = 0 ] && keep+=("$b")
  done
  BG_PIDS=("${keep[@]}")
  return 0
}

cleanup() {
  local status=$? n i
  set +e
  trap - EXIT INT TERM HUP
  # newest first: bridges before the servers they lead to
  for ((i = ${#BG_PIDS[@]} - 1; i >= 0; i--)); do stop_pids "${BG_PIDS[i]}"; done
  for n in "${NS_MADE[@]}"; do ip netns del "$n" 2>/dev/null; done
  if [ "$KEEP" = 1 ]; then log "scratch kept: $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}

wait_listen() { # NS PORT SECS [PID that must stay alive]: until something listens on TCP PORT in NS
  local ns=$1 port=$2 secs=$3 pid=${4:-}
  for _ in $(seq $((secs * 20))); do
    if [ -n "$(ip netns exec "$ns" ss -Hltn "sport = :$port" 2>/dev/null)" ]; then return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.05
  done
  return 1
}

srv_start() { # NAME PORT CMD...: run CMD in the server netns (it must not fork away), wait for PORT
  local name=$1 port=$2; shift 2
  ip netns exec "$NS_SRV" "$@" > "$WORK/$name.log" 2>&1 < /dev/null &
  local pid=$!
  BG_PIDS+=("$pid")
  if ! wait_listen "$NS_SRV" "$port" 30 "$pid"; then
    log "$name did not listen on port $port: $(tail -c 800 "$WORK/$name.log")"
    return 1
  fi
  SRV_PID=$pid
}
