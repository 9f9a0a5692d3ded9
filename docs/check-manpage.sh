#!/usr/bin/env bash
# Checks that the manual page documents every option the program knows, and no other.
#
# Reads the option lines of `netns_tcp_bridge --help` ("  -l, --listen ADDR   ...") and the item
# tags of the OPTIONS section of docs/netns_tcp_bridge.1 (the line after each .TP). Each option
# must have a tag that carries its --long spelling, its -s spelling if it has one, and its value
# name (such as ADDR, or USER[:GROUP]); each --long spelling in those tags must be an option of --help.
#
# Usage: docs/check-manpage.sh [BINARY [MANPAGE]]
#   defaults: artifacts/bin/netns_tcp_bridge (build it with ./build.sh) and docs/netns_tcp_bridge.1
# Exit status: 0 all documented, 1 something missing or stale (named on stderr), 2 cannot check.
set -euo pipefail

me=check-manpage.sh
# Paths given as arguments are relative to where the script is called from; the defaults to the repository.
binary=${1:-}
manpage=${2:-}
[[ -z $binary || $binary == /* ]] || binary=$PWD/$binary
[[ -z $manpage || $manpage == /* ]] || manpage=$PWD/$manpage
cd "$(dirname "$0")/.."
binary=${binary:-artifacts/bin/netns_tcp_bridge}
manpage=${manpage:-docs/netns_tcp_bridge.1}

[[ -x $binary ]] || { echo "$me: $binary is missing or not executable: run ./build.sh first" >&2; exit 2; }
[[ -f $manpage ]] || { echo "$me: $manpage is missing" >&2; exit 2; }

help=$("$binary" --help) || { echo "$me: '$binary --help' failed" >&2; exit 2; }

# One line per option of --help: "LONG SHORT VALUE", with "-" for an absent short spelling or value.
# An option line starts with "  -x, --long" or "      --long"; the left column ends at the first
# run of two spaces (the column is padded), e.g. "  -l, --listen ADDR          Socket address...".
options=$(awk '
  /^  (-[A-Za-z], |    )--[a-z0-9]/ {
    left = $0
    sub(/^ +/, "", left)
    sub(/  .*/, "", left)
    n = split(left, word, /[ ,]+/)
    short = "-"; long = ""; value = "-"
    for (i = 1; i <= n; i++) {
      if (word[i] ~ /^--[a-z0-9][a-z0-9-]*$/) long = word[i]
      else if (word[i] ~ /^-[A-Za-z]$/) short = word[i]
      else if (word[i] ~ /^[A-Z][A-Z0-9_]*(\[:[A-Z][A-Z0-9_]*\])?$/) value = word[i]
    }
    if (long != "") print long, short, value
  }' <<<"$help")
[[ -n $options ]] || { echo "$me: found no options in '$binary --help': has its layout changed?" >&2; exit 2; }

# The item tags of the OPTIONS section, as plain text: macro name, quotes and font escapes
# removed, "\-" turned into "-", e.g. ".BR \-l \", \" \-\-listen \" \fIADDR\fP\"" -> "-l , --listen ADDR".
tags=$(awk '
  /^\.SH / { in_options = ($0 ~ /^\.SH "?OPTIONS"?$/); next }
  in_options && /^\.TP/ { want = 1; next }
  in_options && want && /^\./ && !/^\.(B|I|BR|BI|IB|IR|RB|RI)( |$)/ { next }
  in_options && want {
    want = 0
    line = $0
    sub(/^\.[A-Z]+ */, "", line)
    gsub(/\\f[BIRP]/, "", line)
    gsub(/\\-/, "-", line)
    gsub(/"/, " ", line)
    gsub(/,/, " , ", line)
    print " " line " "
  }' "$manpage")
[[ -n $tags ]] || { echo "$me: found no option items (.TP) in the OPTIONS section of $manpage" >&2; exit 2; }

missing=()
while read -r long short value; do
  pattern=" $long "
  if ! grep -qF -- "$pattern" <<<"$tags"; then
    missing+=("$long")
    continue
  fi
  tag=$(grep -F -- "$pattern" <<<"$tags" | head -n 1)
  if [[ $short != - && $tag != *" $short "* ]]; then
    missing+=("$long (its item lacks the short spelling $short)")
  fi
  if [[ $value != - && $tag != *" $value "* ]]; then
    missing+=("$long (its item lacks the value name $value)")
  fi
done <<<"$options"

stale=()
for long in $(tr -s ' ' '\n' <<<"$tags" | grep -E -- '^--[a-z0-9][a-z0-9-]*$' | sort -u); do
  grep -qE -- "^$long " <<<"$options" || stale+=("$long")
done

status=0
if ((${#missing[@]} > 0)); then
  echo "$me: $manpage does not document, in its OPTIONS section:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  status=1
fi
if ((${#stale[@]} > 0)); then
  echo "$me: $manpage documents options that '$binary --help' does not list:" >&2
  printf '  %s\n' "${stale[@]}" >&2
  status=1
fi
if ((status == 0)); then
  echo "$me: all $(wc -l <<<"$options") options of '$binary --help' are documented in $manpage"
fi
exit "$status"
