# Results are appended as one JSON object per line to $RAW while the run goes on, so that an
# interrupted or partly failed run still has everything measured so far; report.py summarizes them.
# Sourced by bench.sh.

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

jstr() { # TEXT -> JSON string literal
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}; s=${s//$'\r'/}
  printf '"%s"' "$s"
}

record() { printf '%s\n' "$1" >> "$RAW"; }

rec_error() { # PEER PHASE MESSAGE: shown under "Problems seen" in the report
  record "{\"peer\":$(jstr "$1"),\"test\":\"error\",\"phase\":$(jstr "$2"),\"msg\":$(jstr "$3")}"
  log "$1: $2: $3"
}

json_num() { # KEY JSON -> the number stored under KEY (nothing when absent or not a number)
  [[ $2 =~ \"$1\":(-?[0-9.]+) ]] && printf '%s' "${BASH_REMATCH[1]}"
}
