# nginx: HTTP/1.1 with keep-alive and with a connection per request, HTTP/2 (h2c) with h2load,
# a large download with curl, and --proxy-protocol v2 into a listener with proxy_protocol on.
# Checks: h2load saw every request succeed (2xx); the download's sha256 is the file's; nginx's
# $proxy_protocol_addr:port is the client's own address and port (a client address distinct from
# the bridge's own 127.0.0.1).

H1_PORT=8080 H2_PORT=8081 PP_PORT=8082

nginx_conf() {
  cat <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  sendfile on;
  keepalive_requests 1000000;
  root $WORK/www;
  server { listen $H1_PORT; }
  server { listen $H2_PORT http2; }
  server {
    listen $PP_PORT proxy_protocol;
    location = /whoami { return 200 "\$proxy_protocol_addr:\$proxy_protocol_port\n"; }
  }
}
CONF
}

h2load_once() { # TEST REQUESTS URL H2LOAD-OPTION...
  local test=$1 n=$2 url=$3; shift 3
  local out="$WORK/h2load-$test-$VIA_MODE.txt" rate ok
  in_cli h2load -n "$n" -c "$HTTP_CLIENTS" "$@" "$url" > "$out" 2>&1
  rate=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' "$out")
  ok=$(grep -c "^requests: $n total, $n started, $n done, $n succeeded, 0 failed, 0 errored" "$out")
  if [ "$ok" = 1 ] && grep -q "^status codes: $n 2xx" "$out"; then
    record "$test" "$rate" req/s ok "$n requests, all 2xx"
  else
    record "$test" "${rate:-0}" req/s FAIL "$(grep -E '^(requests|status codes):' "$out" | tr '\n' ' ')$(tail -n 1 "$out")"
  fi
}

download_once() {
  local speed
  # to a file, checked afterwards: a checksum in the pipe would be slower than the transfer
  speed=$(in_cli curl -sS -o "$WORK/download" -w '%{speed_download}' "http://$HOST:$H1_PORT/big" 2> "$WORK/curl.err")
  if same_file "$WORK/download" "$WORK/www/big"; then
    record download "$(awk -v b="$speed" 'BEGIN { printf "%.1f", b / 1048576 }')" MB/s ok "$DOWNLOAD_MB MiB, sha256 equal"
  else
    record download 0 MB/s FAIL "sha256 differs: $(head -c 300 "$WORK/curl.err")"
  fi
  rm -f "$WORK/download"
}

proxy_v2_once() {
  local out
  # 127.0.0.42: an address that only the client has, so that nginx cannot have seen it any other way
  out=$(in_cli curl -sS --interface 127.0.0.42 -w ' %{local_ip}:%{local_port}' "http://$HOST:$PP_PORT/whoami" 2>&1 | tr -d '\n')
  if [ "${out%% *}" = "${out##* }" ] && [ "${out%%:*}" = 127.0.0.42 ]; then
    record proxy-v2-address 1 - ok "nginx saw ${out%% *}"
  else
    record proxy-v2-address 0 - FAIL "nginx saw / client was: $out"
  fi
}

case_nginx() {
  local mode
  mkdir -p "$WORK/www" "$WORK/nginx"
  head -c 1024 /dev/urandom | base64 -w 0 > "$WORK/www/small.html"
  make_file "$WORK/www/big" "$DOWNLOAD_MB"
  nginx_conf > "$WORK/nginx.conf"
  srv_start nginx $H1_PORT nginx -p "$WORK" -e "$WORK/nginx-error.log" -c "$WORK/nginx.conf" || return 1
  for mode in "${MODES[@]}"; do
    via "$mode" $H1_PORT || { record bridge 0 - FAIL "the bridge did not start"; continue; }
    h2load_once h1-keepalive "$HTTP_REQUESTS" "http://$HOST:$H1_PORT/small.html" --h1
    h2load_once h1-close "$HTTP_CLOSE_REQUESTS" "http://$HOST:$H1_PORT/small.html" --h1 -H 'Connection: close'
    download_once
    unvia || record bridge 0 - FAIL "the bridge exited during the case"
    via "$mode" $H2_PORT || { record bridge 0 - FAIL "the bridge did not start"; continue; }
    h2load_once h2 "$HTTP_REQUESTS" "http://$HOST:$H2_PORT/small.html" -m 10
    unvia || record bridge 0 - FAIL "the bridge exited during the case"
    [ "$mode" = direct ] && continue   # nothing sends the direct client's address in a header
    via "$mode" $PP_PORT --proxy-protocol v2 || { record bridge 0 - FAIL "the bridge did not start"; continue; }
    proxy_v2_once
    unvia || record bridge 0 - FAIL "the bridge exited during the case"
  done
  rm -f "$WORK/www/big"
}
