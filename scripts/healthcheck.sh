#!/usr/bin/env bash
# The image's HEALTHCHECK: GET /readyz on the daemon's HTTP port; exit 0 on 200, 1 otherwise (never 2:
# Docker reserves it). Docker runs it every 30 s, so it is bash alone (its /dev/tcp, no curl in the
# image), not Node: Node by itself takes about 43 MB of memory per start, this about 4 MB
# (docs/verification.md has the measurements). It prints the same one line as
# `pocket-id-ldap-sync healthcheck` (src/cli/healthcheck.ts), which stays for humans and `helm test`,
# and reads the same two settings with the daemon's default and rules, with one difference:
# LDAP_SYNC_HTTP_PORT must be written in decimal digits here (the daemon also takes forms such as
# 1e3 or 0x10; this script says it cannot tell for those).
# test/integration/package-healthcheck.test.ts runs both against the same servers.
set -u

readonly DEFAULT_HTTP_PORT=9474 TIMEOUT_SECONDS=5
say() { printf '%s\n' "$1"; }
trim() {
  local s=$1
  s=${s#"${s%%[![:space:]]*}"}
  printf '%s' "${s%"${s##*[![:space:]]}"}"
}

if [ $# -gt 0 ]; then
  if [ $# -eq 1 ] && { [ "$1" = -h ] || [ "$1" = --help ]; }; then
    say "Usage: healthcheck.sh   (the image's HEALTHCHECK; pocket-id-ldap-sync healthcheck --help tells more)"
    say "GET /readyz on LDAP_SYNC_HTTP_ADDRESS:LDAP_SYNC_HTTP_PORT (default $DEFAULT_HTTP_PORT). Exit status: 0 ready, 1 not ready."
    exit 0
  fi
  printf "Unknown option '%s'\n" "$1" >&2
  exit 1
fi

raw_port=${LDAP_SYNC_HTTP_PORT-}
port=$(trim "$raw_port")
if [ -z "$raw_port" ]; then
  port=$DEFAULT_HTTP_PORT
elif [ -z "$port" ]; then
  port=0 # as the daemon reads it: only spaces make Number() 0
elif [[ $port =~ ^0*([0-9]{1,5})$ ]] && [ $((10#${BASH_REMATCH[1]})) -le 65535 ]; then
  port=$((10#${BASH_REMATCH[1]}))
else
  say "not ready: cannot tell: LDAP_SYNC_HTTP_PORT: \"$raw_port\" is not a whole number from 0 to 65535 (in decimal digits)"
  exit 1
fi
if [ "$port" -eq 0 ]; then
  say 'not ready: cannot tell: the HTTP server is off (LDAP_SYNC_HTTP_PORT=0); set a port or turn the container health check off'
  exit 1
fi

# The daemon listens on all interfaces unless told otherwise: reach it over loopback then.
host=$(trim "${LDAP_SYNC_HTTP_ADDRESS-}")
[[ $host =~ ^\[(.*)\]$ ]] && host=${BASH_REMATCH[1]}
case $host in
  '' | 0.0.0.0) host=127.0.0.1 ;;
  ::) host=::1 ;;
esac
if [[ $host == *:* ]]; then authority="[$host]:$port"; else authority="$host:$port"; fi
url="http://$authority/readyz"

now_us() { local t=${EPOCHREALTIME/[.,]/}; printf '%s' "$((10#$t))"; }
deadline=$(($(now_us) + TIMEOUT_SECONDS * 1000000))
# What is left of the time-out, in seconds with microseconds, for read -t.
left() {
  local us=$((deadline - $(now_us)))
  [ "$us" -lt 1 ] && us=1
  printf '%d.%06d' $((us / 1000000)) $((us % 1000000))
}
no_answer() {
  say "not ready: cannot reach $url: no answer within $TIMEOUT_SECONDS s"
  exit 1
}

if ! { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null; then
  # bash says why only on stderr ("bash: /dev/tcp/127.0.0.1/9474: Connection refused"): ask again for the words.
  reason=$({ exec 3<>"/dev/tcp/$host/$port"; } 2>&1)
  say "not ready: cannot reach $url: ${reason##*: }"
  exit 1
fi
# HTTP/1.0: the server closes the connection after the body, so the body is everything until then.
printf 'GET /readyz HTTP/1.0\r\nHost: %s\r\nAccept: application/json\r\nConnection: close\r\n\r\n' "$authority" >&3 2>/dev/null

IFS= read -r -t "$(left)" -u 3 status_line
rc=$?
if [ $rc -gt 128 ]; then no_answer; fi
if ! [[ $status_line =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]]; then
  say "not ready: cannot reach $url: not an HTTP answer"
  exit 1
fi
status=${BASH_REMATCH[1]}
while :; do
  IFS= read -r -t "$(left)" -u 3 header
  rc=$?
  [ $rc -gt 128 ] && no_answer
  [ $rc -ne 0 ] || [ -z "${header%$'\r'}" ] && break
done
body=
IFS= read -r -d '' -t "$(left)" -u 3 body
[ $? -gt 128 ] && no_answer
exec 3<&-

# The daemon's JSON: {"status":"...","reason":"..."}; a JSON string without escapes is enough for the line.
json_string() {
  [[ $body =~ \"$1\"[[:space:]]*:[[:space:]]*\"(([^\"\\]|\\.)*)\" ]] && printf '%s' "${BASH_REMATCH[1]}"
}
state=$(json_string status)
reason=$(json_string reason)
[ -n "$reason" ] && reason=": $reason"
if [ "$status" = 200 ]; then
  detail=
  [ -n "$state" ] && [ "$state" != ready ] && detail=" ($state$reason)"
  say "ready: $url answered 200$detail"
  exit 0
fi
if [ -z "$reason" ]; then
  trimmed=$(trim "$body")
  reason=" ${trimmed:0:200}"
fi
say "not ready: $url answered $status$reason"
exit 1
