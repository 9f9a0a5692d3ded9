# Redis: redis-benchmark SET and GET, plain, pipelined (-P 16) and with a new connection per
# request (-k 0). Check: the server's own count of commands (INFO, read beside the bridge) grew
# by at least the requests the benchmark claims, and a value SET through the path reads back.

REDIS_PORT=6379

redis_commands() { in_srv redis-cli -p $REDIS_PORT info stats | sed -n 's/^total_commands_processed:\([0-9]*\).*/\1/p'; }

redis_once() { # TEST REDIS-BENCHMARK-OPTION...
  local test=$1; shift
  local out="$WORK/redis-$test-$VIA_MODE.csv" before after set get n=$REDIS_REQUESTS
  [ "$test" = no-keepalive ] && n=$((REDIS_REQUESTS / 4))   # a connection each: slower
  before=$(redis_commands)
  in_cli redis-benchmark -h "$HOST" -p $REDIS_PORT -c "$REDIS_CLIENTS" -n "$n" -t set,get --csv "$@" > "$out" 2>&1
  after=$(redis_commands)
  set=$(awk -F'"' '$2 == "SET" { print $4 }' "$out"); get=$(awk -F'"' '$2 == "GET" { print $4 }' "$out")
  if [ -n "$set" ] && [ -n "$get" ] && [ $((after - before)) -ge $((2 * n)) ]; then
    record "$test-set" "$set" req/s ok "server counted $((after - before)) commands for $((2 * n)) requests"
    record "$test-get" "$get" req/s ok
  else
    record "$test-set" "${set:-0}" req/s FAIL "server counted $((after - before)) commands for $((2 * n)) requests: $(tail -c 300 "$out")"
    record "$test-get" "${get:-0}" req/s FAIL
  fi
}

case_redis() {
  local mode value
  srv_start redis-server $REDIS_PORT redis-server --port $REDIS_PORT --bind 0.0.0.0 --protected-mode no \
    --save '' --appendonly no --daemonize no --dir "$WORK" || return 1
  for mode in "${MODES[@]}"; do
    via "$mode" $REDIS_PORT || { record bridge 0 - FAIL "the bridge did not start"; continue; }
    value="v-$mode-$RANDOM"
    in_cli redis-cli -h "$HOST" -p $REDIS_PORT set interop-check "$value" > /dev/null
    if [ "$(in_srv redis-cli -p $REDIS_PORT get interop-check)" = "$value" ]; then
      record set-readback 1 - ok
    else
      record set-readback 0 - FAIL "the value SET through the path is not in the server"
    fi
    redis_once plain
    redis_once pipelined -P 16
    redis_once no-keepalive -k 0
    unvia || record bridge 0 - FAIL "the bridge exited during the case"
  done
}
