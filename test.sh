#!/usr/bin/env bash
# Runs every test: builds the native executable, checks that the manual page documents every
# option, then runs the unit and integration tests.
# The integration tests create network namespaces, so they need root (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")"
./build.sh
export NETNS_TCP_BRIDGE_BIN="$(pwd)/artifacts/bin/netns_tcp_bridge"
docs/check-manpage.sh "$NETNS_TCP_BRIDGE_BIN"
dotnet test NetnsTcpBridge.slnx --nologo "$@"
