# PostgreSQL: pgbench with 16 clients on their connections, then with -C (a new connection, with
# its startup and authentication, per transaction); a COPY in and out. Checks: pgbench reports
# no failed transaction and pgbench_history grew by exactly the transactions it counted; the COPY
# in left as many rows (and the sum of their ids) as the file has, the COPY out is byte for byte
# the file.

PG_PORT=5432

pg_sql() { in_srv setpriv --reuid=postgres --regid=postgres --init-groups psql -qAtX -h "$WORK/pgsock" -p $PG_PORT -U postgres -d bench -c "$1"; }

pgbench_once() { # TEST PGBENCH-OPTION...
  local test=$1; shift
  local out="$WORK/pgbench-$test-$VIA_MODE.txt" before after done failed tps
  before=$(pg_sql "select count(*) from pgbench_history")
  in_cli pgbench -h "$HOST" -p $PG_PORT -U postgres -c "$PG_CLIENTS" -j 2 -T "$PG_SECONDS" -n "$@" bench > "$out" 2>&1
  after=$(pg_sql "select count(*) from pgbench_history")
  done=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out")
  if [ -n "$done" ] && [ "$done" -gt 0 ] && [ "${failed:-0}" = 0 ] && [ $((after - before)) = "$done" ]; then
    record "$test" "$tps" tps ok "$done transactions, all in pgbench_history"
  else
    record "$test" "${tps:-0}" tps FAIL "pgbench counted ${done:-none} (failed ${failed:-?}), history grew by $((after - before)): $(tail -n 2 "$out" | tr '\n' ' ')"
  fi
}

copy_once() {
  local rows=$1 t0 secs got
  pg_sql "truncate copytest" > /dev/null
  t0=$(now)
  in_cli psql -qAtX -h "$HOST" -p $PG_PORT -U postgres -d bench -c "\\copy copytest from '$WORK/copy.csv' csv" > "$WORK/copy-in.log" 2>&1
  secs=$(elapsed "$t0")
  got=$(pg_sql "select count(*) || ' ' || sum(id) from copytest")
  if [ "$got" = "$rows $((rows * (rows + 1) / 2))" ]; then
    record copy-in "$(per_second "$COPY_MB" "$secs")" MB/s ok "$rows rows, sum of ids right"
  else
    record copy-in 0 MB/s FAIL "expected $rows rows, table has: $got $(tail -c 300 "$WORK/copy-in.log")"
  fi
  t0=$(now)
  in_cli psql -qAtX -h "$HOST" -p $PG_PORT -U postgres -d bench \
    -c "\\copy (select * from copytest order by id) to '$WORK/copy-out.csv' csv" > "$WORK/copy-out.log" 2>&1
  secs=$(elapsed "$t0")
  if same_file "$WORK/copy.csv" "$WORK/copy-out.csv"; then
    record copy-out "$(per_second "$COPY_MB" "$secs")" MB/s ok "sha256 equal"
  else
    record copy-out 0 MB/s FAIL "the COPY out differs from the file: $(tail -c 300 "$WORK/copy-out.log")"
  fi
  rm -f "$WORK/copy-out.csv"
}

case_postgres() {
  local data=$WORK/pgdata rows mode
  mkdir -p "$data" "$WORK/pgsock"; chown postgres:postgres "$data" "$WORK/pgsock"
  setpriv --reuid=postgres --regid=postgres --init-groups initdb -D "$data" -U postgres --auth=trust -E UTF8 > "$WORK/initdb.log" 2>&1 \
    || { log "initdb failed: $(tail -c 500 "$WORK/initdb.log")"; return 1; }
  echo "host all all 127.0.0.0/8 trust" >> "$data/pg_hba.conf"
  # durability off: the figures are about the connection, not the disk
  srv_start postgres $PG_PORT setpriv --reuid=postgres --regid=postgres --init-groups \
    postgres -D "$data" -p $PG_PORT -k "$WORK/pgsock" -c listen_addresses='*' -c max_connections=100 \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off || return 1
  in_srv setpriv --reuid=postgres --regid=postgres --init-groups createdb -h "$WORK/pgsock" -p $PG_PORT -U postgres bench || return 1
  in_srv setpriv --reuid=postgres --regid=postgres --init-groups pgbench -i -q -s "$PG_SCALE" -h "$WORK/pgsock" -p $PG_PORT -U postgres bench > "$WORK/pgbench-init.log" 2>&1 \
    || { log "pgbench -i failed: $(tail -c 500 "$WORK/pgbench-init.log")"; return 1; }
  pg_sql "create table copytest (id bigint, payload text)" > /dev/null || return 1
  # rows of 100 bytes: id, a comma, filler, a newline
  rows=$((COPY_MB * 1048576 / 100))
  awk -v n="$rows" 'BEGIN { f = sprintf("%090d", 0); gsub("0", "x", f); for (i = 1; i <= n; i++) printf "%d,%.*s\n", i, 98 - length(i), f f }' > "$WORK/copy.csv"
  for mode in "${MODES[@]}"; do
    via "$mode" $PG_PORT || { record bridge 0 - FAIL "the bridge did not start"; continue; }
    pgbench_once "pgbench-c$PG_CLIENTS"
    pgbench_once "pgbench-c$PG_CLIENTS-C" -C
    copy_once "$rows"
    unvia || record bridge 0 - FAIL "the bridge exited during the case"
  done
}
