#!/usr/bin/env bash
# `npm run demo`: one LDAP sync into an empty Pocket ID SQLite database, start to finish, on this machine.
#
# 1. Installs what is missing (slapd via scripts/install-test-deps.sh, as root; `npm ci` when node_modules
#    is missing) and builds (tsc -p demo/tsconfig.json: the daemon plus the demo's helpers in demo/).
# 2. Starts a throwaway slapd on 127.0.0.1 loaded with demo/directory.ldif (Example Corp: 15 people,
#    4 groups; one person is skipped on purpose) through dist/demo/start-directory.js.
# 3. Creates an empty Pocket ID database from test/fixtures/pocket-id-schema.sqlite.sql in a temp directory.
# 4. Shows the dry-run plan (`sync --dry-run`), runs the sync (`sync`), prints users, groups and admins.
# 5. Always cleans up (also on error or Ctrl-C): slapd stopped, temp directory removed.
#
# Everything lives in one temp directory ($TMPDIR or /tmp, pocket-id-demo.XXXXXX), slapd's included.
# DEMO_KEEP=1 leaves that directory (the database) in place for a look with sqlite3; slapd is stopped anyway.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=$EPOCHREALTIME
heading() { printf '\n== %s ==\n\n' "$1"; }
elapsed() { awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'; }

heading "Preparing: system packages, npm packages, build"
bash scripts/install-test-deps.sh
bash scripts/ensure-node-modules.sh
node node_modules/typescript/bin/tsc -p demo/tsconfig.json
echo "slapd, node_modules and dist/ are ready ($(elapsed))."

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pocket-id-demo.XXXXXX")
DIRECTORY_PID=''
SLAPD_PID=''

# /proc/PID/stat's third field is the state; Z is a zombie (exited, not yet reaped by us).
alive() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# Removes $1, retrying while a process that is still stopping (slapd) writes into it: under load
# one `rm -rf` could meet a file created after it emptied a directory and fail the whole demo.
remove_tree() {
  for _ in $(seq 50); do
    rm -rf "$1" 2>/dev/null
    [ -e "$1" ] || return 0
    sleep 0.1
  done
  rm -rf "$1"
}

cleanup() {
  local status=$?
  set +e # every step of the cleanup runs, whatever an earlier one returned
  trap - EXIT
  trap '' INT TERM HUP # a second Ctrl-C must not cut the cleanup short; it takes well under a second
  if alive "$DIRECTORY_PID"; then
    kill -TERM "$DIRECTORY_PID" 2>/dev/null || true
    for _ in $(seq 50); do alive "$DIRECTORY_PID" || break; sleep 0.1; done
    alive "$DIRECTORY_PID" && kill -KILL "$DIRECTORY_PID" 2>/dev/null
  fi
  [ -n "$DIRECTORY_PID" ] && { wait "$DIRECTORY_PID" 2>/dev/null || true; }
  # start-directory.js stops slapd itself; this only matters if it died without doing so.
  if alive "$SLAPD_PID" && [ "$(cat "/proc/$SLAPD_PID/comm" 2>/dev/null)" = slapd ]; then
    kill -KILL "$SLAPD_PID" 2>/dev/null || true
    for _ in $(seq 50); do alive "$SLAPD_PID" || break; sleep 0.1; done
  fi
  if [ -n "${DEMO_KEEP:-}" ]; then
    remove_tree "${SLAPD_DIR:-$WORK/none}"
    heading "Cleanup"
    echo "Stopped slapd (pid ${SLAPD_PID:-none}); kept $WORK (DEMO_KEEP is set)."
  else
    heading "Cleanup"
    if remove_tree "$WORK"; then
      echo "Stopped slapd (pid ${SLAPD_PID:-none}) and removed $WORK."
    else
      echo "Stopped slapd (pid ${SLAPD_PID:-none}); could not remove $WORK (see the error above)." >&2
      [ "$status" -eq 0 ] && status=1
    fi
  fi
  if [ "$status" -eq 0 ]; then
    echo "Demo finished in $(elapsed)."
  else
    echo "Demo FAILED (exit status $status) after $(elapsed)." >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

heading "Starting a throwaway LDAP directory (slapd) with Example Corp"
# TMPDIR: slapd's own temp directory goes inside $WORK, so one rm -rf removes everything.
TMPDIR="$WORK" node dist/demo/start-directory.js demo/directory.ldif >"$WORK/directory.env" 2>"$WORK/directory.log" &
DIRECTORY_PID=$!
for _ in $(seq 300); do
  grep -qx 'READY=1' "$WORK/directory.env" && break
  if ! alive "$DIRECTORY_PID"; then
    echo "slapd did not start:" >&2
    cat "$WORK/directory.log" >&2
    exit 1
  fi
  sleep 0.1
done
grep -qx 'READY=1' "$WORK/directory.env" || { echo "slapd did not start within 30 s" >&2; exit 1; }
while IFS= read -r line; do
  case "${line%%=*}" in
    LDAP_URL) LDAP_URL=${line#*=} ;;
    LDAP_BASE) LDAP_BASE=${line#*=} ;;
    LDAP_BIND_DN) LDAP_BIND_DN=${line#*=} ;;
    LDAP_BIND_PASSWORD) LDAP_BIND_PASSWORD=${line#*=} ;;
    SLAPD_PID) SLAPD_PID=${line#*=} ;;
    SLAPD_DIR) SLAPD_DIR=${line#*=} ;;
  esac
done <"$WORK/directory.env"
people=$(grep -c '^objectClass: inetOrgPerson$' demo/directory.ldif)
groups=$(grep -c '^objectClass: groupOfNames$' demo/directory.ldif)
echo "slapd (pid $SLAPD_PID) serves $LDAP_BASE on $LDAP_URL: $people people and $groups groups from demo/directory.ldif."
echo "Working directory: $WORK"

heading "Creating an empty Pocket ID database (SQLite, Pocket ID's default)"
DB="$WORK/data/pocket-id.db"
node dist/demo/create-database.js "$DB" test/fixtures/pocket-id-schema.sqlite.sql

# The same variables Pocket ID reads; see config/example.env. Settings from the
# caller's environment are dropped first, so the demo runs the same everywhere.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(LDAP_|DB_CONNECTION_STRING|REQUIRE_USER_EMAIL|UI_CONFIG_DISABLED|LOG_)')
export LDAP_ENABLED=true LDAP_URL LDAP_BASE LDAP_BIND_DN LDAP_BIND_PASSWORD
export LDAP_USER_SEARCH_FILTER='(objectClass=inetOrgPerson)'
export LDAP_USER_GROUP_SEARCH_FILTER='(objectClass=groupOfNames)'
export LDAP_ATTRIBUTE_USER_UNIQUE_IDENTIFIER=entryUUID
export LDAP_ATTRIBUTE_USER_USERNAME=uid
export LDAP_ATTRIBUTE_USER_EMAIL=mail
export LDAP_ATTRIBUTE_USER_FIRST_NAME=givenName
export LDAP_ATTRIBUTE_USER_LAST_NAME=sn
export LDAP_ATTRIBUTE_USER_DISPLAY_NAME=displayName
export LDAP_ATTRIBUTE_GROUP_MEMBER=member
export LDAP_ATTRIBUTE_GROUP_UNIQUE_IDENTIFIER=entryUUID
export LDAP_ATTRIBUTE_GROUP_NAME=cn
export LDAP_ADMIN_GROUP_NAME=admins
export LDAP_SOFT_DELETE_USERS=true
export REQUIRE_USER_EMAIL=true
export UI_CONFIG_DISABLED=true
export DB_CONNECTION_STRING="$DB"
export LOG_JSON=false
echo "Configuration (environment variables, the same names Pocket ID uses):"
env | grep -E '^(LDAP_|DB_CONNECTION_STRING|REQUIRE_USER_EMAIL|UI_CONFIG_DISABLED)' | sort |
  sed -e 's/^\(LDAP_BIND_PASSWORD=\).*/\1********/' -e 's/^/  /'

heading "Dry run: what the sync would change (nothing is written)"
# The report lists the skipped entry itself, so the log stays at error level here.
LOG_LEVEL=error node dist/src/cli/main.js sync --dry-run

heading "Sync"
# The log lines an operator would see: one WRN per skipped entry and the INF summary.
LOG_LEVEL=info node dist/src/cli/main.js sync

heading "Pocket ID's database after the sync"
node dist/demo/show-database.js "$DB"
