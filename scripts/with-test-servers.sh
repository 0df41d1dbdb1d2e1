#!/usr/bin/env bash
# Usage: bash scripts/with-test-servers.sh COMMAND [ARGS...]
#   e.g. bash scripts/with-test-servers.sh node --test --test-concurrency=1 dist/test/
#
# Installs the test dependencies if missing, starts ONE throwaway PostgreSQL cluster (temp dir, 127.0.0.1,
# free port, trust auth, fsync off), exports
#   TEST_PG_ADMIN_URL=postgres://postgres@127.0.0.1:PORT/postgres
#   TEST_PG_DATA_DIR=<data directory>            (lets tests restart it: sharedPostgres().restart())
# runs the command, then always stops the cluster and deletes the temp dir, and exits with the command's status.
# It compiles nothing. slapd is not started here: each test file starts its own via startSlapd() (~0.1 s).
# TEST_KEEP_TMP=1 keeps the temp dir (server.log) for debugging.
set -uo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bash "$HERE/install-test-deps.sh" || exit $?

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "with-test-servers: PostgreSQL binaries not found" >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

DIR=$(mktemp -d "${TMPDIR:-/tmp}/test-servers.XXXXXX")
DATA="$DIR/data"
LOG="$DIR/server.log"
started=0

cleanup() {
  if [ "$started" -eq 1 ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 ||
      as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "${TEST_KEEP_TMP:-}" ]; then
    echo "with-test-servers: kept $DIR" >&2
  else
    rm -rf "$DIR"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

chmod 755 "$DIR"
install -d -m 700 "$DATA"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$DIR" "$DATA"
fi

if ! out=$(as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync 2>&1); then
  echo "with-test-servers: initdb failed:" >&2
  echo "$out" >&2
  exit 1
fi

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

for attempt in 1 2 3 4 5; do
  PORT=$(free_port)
  if as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null 2>&1; then
    started=1
    break
  fi
  if [ "$attempt" -eq 5 ] || ! grep -qE 'could not bind|Address already in use' "$LOG" 2>/dev/null; then
    echo "with-test-servers: PostgreSQL did not start:" >&2
    cat "$LOG" >&2 2>/dev/null
    exit 1
  fi
done

export TEST_PG_ADMIN_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
export TEST_PG_DATA_DIR="$DATA"

"$@"
status=$?
exit "$status"
