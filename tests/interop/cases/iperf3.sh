# iperf3: 10 s each way and 8 parallel streams. Check: the receiver got what the sender wrote, but
# for what may still be in flight when the test's end is called (up to 32 MiB per stream: the
# sockets' buffers on both legs and the bridge's pipe; a share of 2% of a short --quick run with 8
# streams is less than that), and the test reported no error.

iperf_once() { # TEST IPERF3-OPTION...
  local test=$1; shift
  local json="$WORK/iperf3-$test-$VIA_MODE.json" verdict
  in_cli iperf3 -c "$HOST" -p 5201 -t "$IPERF_SECONDS" -J "$@" > "$json" 2>&1
  verdict=$(python3 - "$json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except ValueError:
    print("0 FAIL iperf3 printed no result"); sys.exit()
end = r.get("end", {})
sent, recv = end.get("sum_sent", {}).get("bytes", 0), end.get("sum_received", {}).get("bytes", 0)
gbit = end.get("sum_received", {}).get("bits_per_second", 0) / 1e9
streams = max(1, r.get("start", {}).get("test_start", {}).get("num_streams", 1))
ok = not r.get("error") and recv > 0 and recv >= min(0.98 * sent, sent - streams * (32 << 20))
print(f"{gbit:.2f} {'ok' if ok else 'FAIL'} received {recv / sent if sent else 0:.4f} of sent{' ' + r['error'] if r.get('error') else ''}")
PY
)
  record "$test" "${verdict%% *}" Gbit/s "$(cut -d' ' -f2 <<< "$verdict")" "$(cut -d' ' -f3- <<< "$verdict")"
}

case_iperf3() {
  srv_start iperf3 5201 iperf3 -s -p 5201 || return 1
  local mode
  for mode in "${MODES[@]}"; do
    via "$mode" 5201 || { record bridge 0 - FAIL "the bridge did not start"; continue; }
    iperf_once upload
    iperf_once download -R
    iperf_once upload-P8 -P 8
    unvia || record bridge 0 - FAIL "the bridge exited during the case"
  done
}
