#!/usr/bin/env bash
# Connector CPU per GB during a 3 s iperf3 upload, with a perf profile (MODE=perf, default), strace counts (MODE=strace) or neither (MODE=cpu). usage: perfbulk.sh BIN OUTDIR [BRIDGE_OPTIONS...]
set -u
BIN=$1; OUT=$2; shift 2; mkdir -p $OUT
c=ntbperf-c-$$; s=ntbperf-s-$$
pids=()
cleanup(){ for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; ip netns del $c 2>/dev/null; ip netns del $s 2>/dev/null; }
trap cleanup EXIT
for n in $c $s; do ip netns add $n; ip -n $n link set lo up; done
ip netns exec $s iperf3 -s -p 5201 >/dev/null 2>&1 & pids+=($!)
"$BIN" -l 127.0.0.1:7001 -f /run/netns/$c -c 127.0.0.1:5201 -t /run/netns/$s -q "$@" & L=$!; pids+=($L)
sleep 0.5
C=$(pgrep -P $L | head -1)
t0=$(awk '{print $14+$15}' /proc/$C/stat)
case ${MODE:-perf} in
  perf) perf record -q -e cpu-clock -g -p $C -o $OUT/perf.data 2>/dev/null & P=$! ;;
  strace) strace -c -f -p $C -o $OUT/strace.txt 2>/dev/null & P=$! ;;
  *) P= ;;  # MODE=cpu: no profiler, CPU and throughput only
esac
sleep 0.3
ip netns exec $c iperf3 -c 127.0.0.1 -p 7001 -t 3 -J > $OUT/iperf.json
if [[ -n $P ]]; then kill -INT $P; wait $P 2>/dev/null; fi
t1=$(awk '{print $14+$15}' /proc/$C/stat)
python3 -c "import json;d=json.load(open('$OUT/iperf.json'));b=d['end']['sum_received']['bytes'];print('Gbit/s %.2f bytes %d connector cpu s/GB %.3f'%(d['end']['sum_received']['bits_per_second']/1e9,b,($t1-$t0)/100/(b/1e9)))"
if [[ ${MODE:-perf} == cpu ]]; then :; elif [[ ${MODE:-perf} == perf ]]; then perf report -i $OUT/perf.data --no-children --sort sym -g none -q 2>/dev/null | grep -v '^$' | head -30; else cat $OUT/strace.txt | head -20; fi
