#!/usr/bin/env bash
# Builds the Native AOT executable: artifacts/bin/netns_tcp_bridge
set -euo pipefail
cd "$(dirname "$0")"
dotnet publish src/NetnsTcpBridge.Cli/NetnsTcpBridge.Cli.csproj -c Release -r linux-x64 \
  -o artifacts/publish --nologo -v quiet "$@"
mkdir -p artifacts/bin
# Copy, then rename: a running copy of the old executable keeps working ("Text file busy" otherwise).
cp artifacts/publish/netns_tcp_bridge artifacts/bin/.netns_tcp_bridge.new
mv -f artifacts/bin/.netns_tcp_bridge.new artifacts/bin/netns_tcp_bridge
echo "built $(pwd)/artifacts/bin/netns_tcp_bridge"
