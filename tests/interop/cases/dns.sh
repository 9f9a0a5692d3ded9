# DNS over TCP: dig +tcp against dnsmasq, a batch of queries with a connection each. Check: every
# query got the one address the server holds. (Not +keepopen: dnsmasq ends a TCP connection after
# some queries and dig then loses one, with or without the bridge.)

DNS_PORT=53

dig_once() { # TEST DIG-OPTION...
  local test=$1; shift
  local out="$WORK/dig-$test-$VIA_MODE.txt" t0 secs answers
  t0=$(now)
  in_cli dig +tcp +tries=1 +time=5 +short -p $DNS_PORT @"$HOST" "$@" -f "$WORK/queries" > "$out" 2>&1
  secs=$(elapsed "$t0")
  answers=$(grep -cx '10.20.30.40' "$out")
  if [ "$answers" = "$DNS_QUERIES" ]; then
    record "$test" "$(per_second "$DNS_QUERIES" "$secs")" queries/s ok "$answers answers, all right"
  else
    record "$test" "$(per_second "$answers" "$secs")" queries/s FAIL "$answers right answers of $DNS_QUERIES: $(grep -vx '10.20.30.40' "$out" | head -n 2 | tr '\n' ' ')"
  fi
}

case_dns() {
  local mode
  # the answer comes from dnsmasq itself: no upstream, no hosts file of the machine
  srv_start dnsmasq $DNS_PORT dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --user=root --pid-file="$WORK/dnsmasq.pid" --port=$DNS_PORT --listen-address=127.0.0.1,$DIRECT_SRV_ADDR \
    --bind-interfaces --host-record=service.interop.test,10.20.30.40 || return 1
  yes 'service.interop.test A' | head -n "$DNS_QUERIES" > "$WORK/queries"
  for mode in "${MODES[@]}"; do
    via "$mode" $DNS_PORT || { record bridge 0 - FAIL "the bridge did not start"; continue; }
    dig_once connection-each
    unvia || record bridge 0 - FAIL "the bridge exited during the case"
  done
}
