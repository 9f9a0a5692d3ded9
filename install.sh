#!/usr/bin/env bash
# Installs netns_tcp_bridge and its manual page:
#   ${DESTDIR}${PREFIX:-/usr/local}/bin/netns_tcp_bridge              (mode 755)
#   ${DESTDIR}${PREFIX:-/usr/local}/share/man/man1/netns_tcp_bridge.1 (mode 644)
#   ${DESTDIR}${PREFIX:-/usr/local}/share/doc/netns_tcp_bridge/       (example config and systemd units)
# Builds first (./build.sh) if artifacts/bin/netns_tcp_bridge is missing.
# Usage: sudo ./install.sh
#        PREFIX=$HOME/.local ./install.sh
#        DESTDIR=/tmp/stage ./install.sh      (staged install, e.g. for a package)
set -euo pipefail

me=install.sh
fail() {
  echo "$me: $*" >&2
  exit 1
}

prefix=${PREFIX:-/usr/local}
destdir=${DESTDIR:-}
case $prefix in
  /*) ;;
  *) fail "PREFIX must be an absolute path, got '$prefix'" ;;
esac
# A relative DESTDIR means relative to where the script was called from, not to the repository.
case $destdir in
  '' | /*) ;;
  *) destdir=$PWD/$destdir ;;
esac
destdir=${destdir%/}

cd "$(dirname "$0")"
binary=artifacts/bin/netns_tcp_bridge
manpage=docs/netns_tcp_bridge.1
bin_dir=$destdir$prefix/bin
man_dir=$destdir$prefix/share/man/man1
doc_dir=$destdir$prefix/share/doc/netns_tcp_bridge

[[ -f $manpage ]] || fail "$PWD/$manpage is missing: run this script from a complete checkout"

if [[ ! -x $binary ]]; then
  command -v dotnet >/dev/null 2>&1 \
    || fail "$PWD/$binary is missing and dotnet is not in PATH: run ./build.sh (as your user) first"
  echo "$me: $binary is missing; building it with ./build.sh"
  ./build.sh
  [[ -x $binary ]] || fail "./build.sh did not produce $PWD/$binary"
fi

# Check before touching anything: the nearest existing parent of each target directory must be writable.
for dir in "$bin_dir" "$man_dir" "$doc_dir"; do
  existing=$dir
  while [[ ! -e $existing ]]; do
    existing=$(dirname "$existing")
  done
  [[ -d $existing ]] || fail "cannot install into $dir: $existing is not a directory"
  [[ -w $existing ]] || fail "cannot write to $existing: run as root (sudo ./install.sh), or choose another PREFIX or DESTDIR"
done

install -d -m 755 "$bin_dir" "$man_dir" "$doc_dir"
# install(1) replaces the file rather than writing into it, so a running bridge keeps working.
install -m 755 "$binary" "$bin_dir/netns_tcp_bridge"
install -m 644 "$manpage" "$man_dir/netns_tcp_bridge.1"
install -m 644 contrib/netns_tcp_bridge.conf contrib/systemd/netns-bridge-web.socket contrib/systemd/netns-bridge-web.service "$doc_dir"

echo "installed $bin_dir/netns_tcp_bridge"
echo "installed $man_dir/netns_tcp_bridge.1"
echo "installed $doc_dir/ (netns_tcp_bridge.conf, systemd units: examples)"
if [[ -z $destdir ]]; then
  echo "try: netns_tcp_bridge --help; man netns_tcp_bridge"
fi
