# Every process the harness starts is remembered by PID and stopped by PID: the machine may run
# other forwarders, iperf3 servers or benchmark runs that must not be touched.  cleanup runs on
# every exit (normal end, failure, Ctrl-C, SIGTERM) and also deletes the namespaces.
# Sourced by bench.sh.

BG_PIDS=()          # plain background processes we started
FWD_PID=""          # root of the running forwarder tree (nbtool spawn)
PENDING_CLEANUP=""  # CLEANUP command of the running forwarder
NS_MADE=()          # namespaces we created

kill_tree() { # ROOTPID: SIGTERM the descendants (by PID), then the root; SIGKILL what is left
  local root=$1 p pids
  [ -n "$root" ] || return 0
  pids=$("$NBTOOL" treepids "$root" 2>/dev/null)
  for p in $pids; do kill -TERM "$p" 2>/dev/null; done
  for _ in $(seq 50); do
    kill -0 "$root" 2>/dev/null || break
    [ -z "$("$NBTOOL" treepids "$root" 2>/dev/null)" ] && break
    sleep 0.1
  done
  pids=$("$NBTOOL" treepids "$root" 2>/dev/null)
  for p in $pids; do kill -KILL "$p" 2>/dev/null; done
  kill -TERM "$root" 2>/dev/null
  for _ in $(seq 20); do kill -0 "$root" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$root" 2>/dev/null
  wait "$root" 2>/dev/null
  return 0
}

stop_bg() { # PID...: stop them (TERM, then KILL after 3 s) and forget them
  local p b x keep=()
  for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
  for p in "$@"; do
    for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  for b in "${BG_PIDS[@]}"; do
    x=0; for p in "$@"; do [ "$b" = "$p" ] && x=1; done
    [ $x = 0 ] && keep+=("$b")
  done
  BG_PIDS=("${keep[@]}")
}

cleanup() {
  trap - EXIT INT TERM HUP
  [ -n "$FWD_PID" ] && kill_tree "$FWD_PID"
  if [ -n "$PENDING_CLEANUP" ]; then bash -c "$PENDING_CLEANUP" >/dev/null 2>&1; fi
  [ ${#BG_PIDS[@]} -gt 0 ] && stop_bg "${BG_PIDS[@]}"
  local n
  for n in "${NS_MADE[@]}"; do ip netns del "$n" 2>/dev/null; done
  if [ "$KEEP" = 1 ]; then log "scratch kept: $WORK"; else rm -rf "$WORK"; fi
}
