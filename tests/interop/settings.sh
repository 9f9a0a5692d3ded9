# Durations and sizes, full and quick (--quick); each can be set through the environment.
# Sourced by interop.sh after QUICK is known.

q() { if [ "$QUICK" = 1 ]; then echo "$2"; else echo "$1"; fi; }   # FULL QUICK

PG_SECONDS=${INTEROP_PG_SECONDS:-$(q 20 3)}          # pgbench -T
PG_CLIENTS=${INTEROP_PG_CLIENTS:-16}                 # pgbench -c
PG_SCALE=${INTEROP_PG_SCALE:-$(q 10 1)}              # pgbench -i -s
COPY_MB=${INTEROP_COPY_MB:-$(q 200 16)}              # size of the COPY in and out
REDIS_REQUESTS=${INTEROP_REDIS_REQUESTS:-$(q 200000 20000)}   # per redis-benchmark test (SET, GET)
REDIS_CLIENTS=${INTEROP_REDIS_CLIENTS:-50}
SSH_MB=${INTEROP_SSH_MB:-$(q 1024 32)}               # scp each way
TUNNEL_MB=${INTEROP_TUNNEL_MB:-$(q 256 16)}          # download through ssh -L
HTTP_REQUESTS=${INTEROP_HTTP_REQUESTS:-$(q 100000 5000)}      # h2load keep-alive and HTTP/2
HTTP_CLOSE_REQUESTS=${INTEROP_HTTP_CLOSE_REQUESTS:-$(q 20000 2000)}   # a connection each
HTTP_CLIENTS=${INTEROP_HTTP_CLIENTS:-16}
DOWNLOAD_MB=${INTEROP_DOWNLOAD_MB:-$(q 1024 32)}     # curl of one file from nginx
DNS_QUERIES=${INTEROP_DNS_QUERIES:-$(q 2000 200)}    # dig +tcp, one batch
IPERF_SECONDS=${INTEROP_IPERF_SECONDS:-$(q 10 2)}    # each way, and with -P 8

# command -> Debian package, for the one line that says what to install
declare -A TOOL_PACKAGE=(
  [pgbench]=postgresql-client [psql]=postgresql-client [initdb]=postgresql [postgres]=postgresql
  [redis-server]=redis-server [redis-benchmark]=redis-tools [redis-cli]=redis-tools
  [sshd]=openssh-server [ssh]=openssh-client [scp]=openssh-client [ssh-keygen]=openssh-client
  [nginx]=nginx-light [h2load]=nghttp2-client [curl]=curl
  [dnsmasq]=dnsmasq-base [dig]=bind9-dnsutils [iperf3]=iperf3 [python3]=python3
)
declare -A CASE_TOOLS=(
  [postgres]="initdb postgres pgbench psql" [redis]="redis-server redis-benchmark redis-cli"
  [ssh]="sshd ssh scp ssh-keygen python3" [nginx]="nginx h2load curl" [dns]="dnsmasq dig"
  [iperf3]="iperf3"
)

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PATH=$PATH:${PG_BIN:-/nonexistent}:/usr/sbin

check_tools() { # CASE...: exit 2 with the packages to install when a program is missing
  local c t missing=() pkgs=()
  for c in "$@"; do
    for t in ${CASE_TOOLS[$c]}; do
      command -v "$t" > /dev/null || { missing+=("$t"); pkgs+=("${TOOL_PACKAGE[$t]}"); }
    done
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "interop.sh: missing ${missing[*]}; install with: apt-get install $(printf '%s\n' "${pkgs[@]}" | sort -u | tr '\n' ' ')" >&2
  exit 2
}
