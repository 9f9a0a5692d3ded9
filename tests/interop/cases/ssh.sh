# OpenSSH: scp of a file each way and a download through ssh -L inside the bridged SSH connection (from
# a web server that only listens on the server netns's loopback). Checks: sha256 of what
# arrived equals the original's.

SSH_PORT=22 TUNNEL_PORT=9000 TUNNEL_TARGET_PORT=8000

ssh_opts() {
  echo -i "$WORK/ssh/id" -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o BatchMode=yes
}

scp_once() { # TEST FROM TO
  local test=$1 from=$2 to=$3 t0 secs
  rm -f "$WORK/ssh/received"
  t0=$(now)
  # -P: scp spells the port option differently
  in_cli scp -q -i "$WORK/ssh/id" -P "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o BatchMode=yes "$from" "$to" > "$WORK/scp.log" 2>&1
  secs=$(elapsed "$t0")
  if same_file "$WORK/ssh/file" "$WORK/ssh/received"; then
    record "$test" "$(per_second "$SSH_MB" "$secs")" MB/s ok "$SSH_MB MiB, sha256 equal"
  else
    record "$test" 0 MB/s FAIL "sha256 differs: $(tail -c 300 "$WORK/scp.log")"
  fi
}

tunnel_once() {
  local tunnel speed
  # shellcheck disable=SC2046
  in_cli ssh $(ssh_opts) -N -o ExitOnForwardFailure=yes -L "127.0.0.1:$TUNNEL_PORT:127.0.0.1:$TUNNEL_TARGET_PORT" \
    "root@$HOST" > "$WORK/tunnel.log" 2>&1 < /dev/null &
  tunnel=$!; BG_PIDS+=("$tunnel")
  if ! wait_listen "$NS_CLI" $TUNNEL_PORT 20 "$tunnel"; then
    record tunnel-download 0 MB/s FAIL "ssh -L did not listen: $(tail -c 300 "$WORK/tunnel.log")"
    stop_pids "$tunnel"; return
  fi
  speed=$(in_cli curl -sS -o "$WORK/ssh/received" -w '%{speed_download}' "http://127.0.0.1:$TUNNEL_PORT/tunnel" 2> "$WORK/curl.err")
  if same_file "$WORK/ssh/received" "$WORK/www-ssh/tunnel"; then
    record tunnel-download "$(awk -v b="$speed" 'BEGIN { printf "%.1f", b / 1048576 }')" MB/s ok "$TUNNEL_MB MiB, sha256 equal"
  else
    record tunnel-download 0 MB/s FAIL "sha256 differs: $(head -c 300 "$WORK/curl.err")"
  fi
  stop_pids "$tunnel"
}

case_ssh() {
  local mode d=$WORK/ssh
  mkdir -p "$d" "$WORK/www-ssh"
  ssh-keygen -q -t ed25519 -N '' -f "$d/host" && ssh-keygen -q -t ed25519 -N '' -f "$d/id" || return 1
  cp "$d/id.pub" "$d/authorized_keys"
  mkdir -p /run/sshd   # sshd's privilege separation directory; it refuses to start without it
  cat > "$d/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 0.0.0.0
HostKey $d/host
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
PidFile $d/sshd.pid
Subsystem sftp /usr/lib/openssh/sftp-server
CONF
  # -D: stays in the foreground, so its PID is the one we stop; -e: log to stderr (our log file)
  srv_start sshd $SSH_PORT "$(command -v sshd)" -D -e -f "$d/sshd_config" || return 1
  make_file "$d/file" "$SSH_MB"
  make_file "$WORK/www-ssh/tunnel" "$TUNNEL_MB"
  # the tunnel's target: a web server on the server netns's loopback only
  srv_start http $TUNNEL_TARGET_PORT /usr/bin/python3 -m http.server -b 127.0.0.1 -d "$WORK/www-ssh" $TUNNEL_TARGET_PORT || return 1
  for mode in "${MODES[@]}"; do
    via "$mode" $SSH_PORT || { record bridge 0 - FAIL "the bridge did not start"; continue; }
    scp_once scp-upload "$d/file" "root@$HOST:$d/received"
    scp_once scp-download "root@$HOST:$d/file" "$d/received"
    tunnel_once
    unvia || record bridge 0 - FAIL "the bridge exited during the case"
  done
  rm -f "$d/file" "$d/received"
}
