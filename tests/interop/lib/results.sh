# Recording results. Every measurement is one line of $RESULTS (tab-separated):
#   case  test  mode  value  unit  check  note
# where check is 'ok' or 'FAIL' and value is a rate (higher is better), so that the report's
# ratio to 'direct' reads the same way for every test. Sourced by interop.sh.

log() { printf '[interop %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
per_second() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.1f", n / s; else print 0 }'; }

FAILURES=0
record() { # TEST VALUE UNIT CHECK NOTE   (case and mode come from CASE and VIA_MODE)
  local test=$1 value=$2 unit=$3 check=$4 note=${5:-}
  [ "$check" = ok ] || FAILURES=$((FAILURES + 1))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$CASE" "$test" "$VIA_MODE" "${value:-0}" "$unit" "$check" "$note" >> "$RESULTS"
  log "$CASE/$test [$VIA_MODE]: $value $unit, check $check${note:+ ($note)}"
}

# the same file on both sides: sha256 of each, compared
same_file() { [ "$(sha256sum < "$1")" = "$(sha256sum < "$2")" ]; }

make_file() { # PATH MIB: random content, so that nothing on the way can compress it
  head -c "$(($2 * 1048576))" /dev/urandom > "$1"
}
