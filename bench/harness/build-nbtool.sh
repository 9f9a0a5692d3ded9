#!/usr/bin/env bash
# Compiles the helper (nbtool/*.c) when it is missing or its sources changed, and prints its path.
# It is built outside the repository (NB_BUILD_DIR) so that a checkout can stay read-only and a
# build never ends up in a commit. Used by the harness and by bench/tools/*.sh.
set -euo pipefail
src="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)/nbtool"
dir=${NB_BUILD_DIR:-/tmp/netns-tcp-bridge-bench}
bin="$dir/nbtool"
mkdir -p "$dir"
sum=$(cat "$src"/*.c "$src"/*.h | sha256sum | cut -c1-16)
if [ ! -x "$bin" ] || [ "$(cat "$bin.sum" 2>/dev/null)" != "$sum" ]; then
  echo "building helper -> $bin" >&2
  # Build under a private name, then rename: two runs starting together never see half a file.
  gcc -O2 -Wall -o "$bin.$$" "$src"/*.c
  mv -f "$bin.$$" "$bin"
  echo "$sum" > "$bin.sum"
fi
printf '%s\n' "$bin"
