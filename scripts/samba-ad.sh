#!/usr/bin/env bash
# Throwaway Samba Active Directory domain controller for the AD integration tests.
#
#   bash scripts/samba-ad.sh up DIR [DATA.ldif]   provision into DIR, load DATA.ldif offline, start, wait
#   bash scripts/samba-ad.sh down DIR             stop the DC started in DIR (by its PID file) and delete DIR
#
# `up` installs samba-ad-dc (Debian/Ubuntu, as root) when it is missing, provisions the domain
# AD.EXAMPLE.TEST into DIR (nothing in /etc), loads DATA.ldif with ldbadd while samba is stopped (offline,
# ~2x faster than over LDAP; Samba's dsdb modules still run, so objectGUID, objectSid and memberOf are
# generated), puts its own certificate in place, starts `samba` bound to loopback and waits until LDAP
# answers. On success it writes DIR/env (shell syntax) and prints the same lines:
#   SAMBA_LDAP_URL=ldap://127.0.0.1   SAMBA_LDAPS_URL=ldaps://127.0.0.1   SAMBA_CA_FILE=DIR/tls/ca.crt
#   SAMBA_BASE_DN=DC=ad,DC=example,DC=test   SAMBA_BIND_DN=Administrator@ad.example.test
#   SAMBA_BIND_PASSWORD=...   SAMBA_DOMAIN_SID=S-1-5-21-...   SAMBA_PID=...   SAMBA_TIMINGS="install=..s ..."
#
# Samba's LDAP ports are fixed (389, 636, 3268, 3269): only one DC per network namespace, and nothing else
# may listen on them. Exit status: 0 up; 3 samba is not installed and cannot be installed; 4 port 389 or
# 636 is taken; 1 any other failure (the log is printed). The tests skip on 3 and 4.
set -uo pipefail

REALM=AD.EXAMPLE.TEST
DOMAIN=EXAMPLE
BASE_DN=DC=ad,DC=example,DC=test
ADMIN_PASSWORD='Passw0rd!2024'

die() { echo "samba-ad: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

have_samba() { command -v samba >/dev/null 2>&1 && command -v samba-tool >/dev/null 2>&1 && command -v ldbadd >/dev/null 2>&1; }

install_samba() {
  have_samba && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "samba-ad: samba-ad-dc is not installed and cannot be installed here (needs root and apt-get)" >&2
    exit 3
  fi
  echo "samba-ad: installing samba-ad-dc samba-ad-provision ldb-tools" >&2
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d or not: the packages' own system DC stays unconfigured, so nothing starts on 389.
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends samba-ad-dc samba-ad-provision ldb-tools; } >&2; then
    echo "samba-ad: apt-get could not install samba-ad-dc" >&2
    exit 3
  fi
  have_samba || { echo "samba-ad: samba still missing after apt-get" >&2; exit 3; }
}

port_taken() {
  # Anything answering a TCP connect on loopback (bash's /dev/tcp; no extra tools needed).
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

make_certs() {
  local dir=$1
  mkdir -p "$dir" && chmod 700 "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -days 3650 -subj '/CN=Test Samba CA' -addext 'basicConstraints=critical,CA:TRUE' \
    -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null || return 1
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/server.key" -out "$dir/server.csr" \
    -subj '/CN=localhost' 2>/dev/null || return 1
  printf '%s\n' 'basicConstraints=CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost,DNS:dc1.ad.example.test,IP:127.0.0.1' >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -out "$dir/server.crt" \
    -days 825 -sha256 -extfile "$dir/server.ext" 2>/dev/null || return 1
  chmod 600 "$dir/server.key"
}

# Sets our keys in [global], replacing provision's values (a later duplicate would win; provision's
# --option does not reliably land there). Only the LDAP server runs: no smbd, kdc, dns, nbt, replication.
configure() {
  local dir=$1 conf=$1/etc/smb.conf
  local settings
  settings=$(printf '%s\n' \
    'interfaces = lo' \
    'bind interfaces only = yes' \
    'server services = ldap' \
    'ldap server require strong auth = no' \
    "log file = $dir/log/log.%m" \
    'log level = 1' \
    "pid directory = $dir/run" \
    'tls enabled = yes' \
    "tls keyfile = $dir/tls/server.key" \
    "tls certfile = $dir/tls/server.crt" \
    "tls cafile = $dir/tls/ca.crt")
  awk -v settings="$settings" '
    BEGIN { n = split(settings, lines, "\n"); for (i = 1; i <= n; i++) { k = lines[i]; sub(/[ \t]*=.*/, "", k); keys[k] = 1 } }
    /^\[/ { in_global = ($0 ~ /^\[global\]/) }
    { k = $0; sub(/^[ \t]+/, "", k); sub(/[ \t]*=.*/, "", k); if (in_global && (k in keys)) next; print }
    /^\[global\]/ { for (i = 1; i <= n; i++) if (lines[i] != "") print "\t" lines[i] }
  ' "$conf" >"$conf.new" && mv "$conf.new" "$conf"
}

up() {
  local dir=$1 data=${2:-}
  [ -n "$dir" ] || die "usage: $0 up DIR [DATA.ldif]"
  [ -z "$data" ] || [ -f "$data" ] || die "no such LDIF: $data"
  local t0 t
  t0=$(now)
  t=$(now)
  install_samba
  local t_install; t_install=$(since "$t")
  if [ "$(id -u)" -ne 0 ]; then
    echo "samba-ad: the Samba AD DC must run as root (it binds ports 389 and 636)" >&2
    exit 3
  fi
  for port in 389 636; do
    if port_taken "$port"; then
      echo "samba-ad: port $port on 127.0.0.1 is already in use (another LDAP server or Samba DC); the Samba AD DC needs 389 and 636" >&2
      exit 4
    fi
  done
  mkdir -p "$dir" || die "cannot create $dir"
  dir=$(cd "$dir" && pwd)
  [ -e "$dir/etc/smb.conf" ] && die "$dir already holds a domain (run down first)"
  mkdir -p "$dir/log" "$dir/run"

  t=$(now)
  local out
  if ! out=$(samba-tool domain provision --targetdir="$dir" --realm="$REALM" --domain="$DOMAIN" --server-role=dc \
    --dns-backend=NONE --adminpass="$ADMIN_PASSWORD" --use-rfc2307 --host-name=dc1 --host-ip=127.0.0.1 2>&1); then
    echo "$out" >&2
    die "provision failed"
  fi
  local t_provision; t_provision=$(since "$t")
  local sid
  sid=$(printf '%s\n' "$out" | sed -n 's/^.*DOMAIN SID:[[:space:]]*\(S-1-5-21-[0-9-]*\).*$/\1/p' | head -n 1)
  [ -n "$sid" ] || die "provision did not print the domain SID"
  make_certs "$dir/tls" || die "openssl failed"
  configure "$dir"

  local t_load=0
  if [ -n "$data" ]; then
    t=$(now)
    if ! out=$(ldbmodify --nosync -H "$dir/private/sam.ldb" "$data" 2>&1); then
      echo "$out" | tail -n 20 >&2
      die "ldbadd of $data failed"
    fi
    t_load=$(since "$t")
  fi

  t=$(now)
  samba -s "$dir/etc/smb.conf" -D >"$dir/log/start.log" 2>&1 || { cat "$dir/log/start.log" >&2; die "samba did not start"; }
  local pid=''
  for _ in $(seq 1 300); do
    [ -z "$pid" ] && [ -s "$dir/run/samba.pid" ] && pid=$(tr -dc 0-9 <"$dir/run/samba.pid")
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$dir"/log/log.* >&2 2>/dev/null
      die "samba (pid $pid) exited during start-up"
    fi
    if [ -n "$pid" ] && ldapsearch -x -H ldap://127.0.0.1 -D "Administrator@ad.example.test" -w "$ADMIN_PASSWORD" \
      -b '' -s base -LLL dnsHostName >/dev/null 2>&1; then
      break
    fi
    sleep 0.1
  done
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || die "samba did not write its PID file"
  ldapsearch -x -H ldap://127.0.0.1 -D "Administrator@ad.example.test" -w "$ADMIN_PASSWORD" -b '' -s base -LLL dnsHostName >/dev/null 2>&1 ||
    { tail -n 40 "$dir"/log/log.* >&2 2>/dev/null; die "samba did not answer on ldap://127.0.0.1 within 30 s"; }
  local t_start; t_start=$(since "$t")

  {
    echo "SAMBA_LDAP_URL=ldap://127.0.0.1"
    echo "SAMBA_LDAPS_URL=ldaps://127.0.0.1"
    echo "SAMBA_CA_FILE=$dir/tls/ca.crt"
    echo "SAMBA_BASE_DN=$BASE_DN"
    echo "SAMBA_BIND_DN=Administrator@ad.example.test"
    echo "SAMBA_BIND_PASSWORD='$ADMIN_PASSWORD'"
    echo "SAMBA_DOMAIN_SID=$sid"
    echo "SAMBA_PID=$pid"
    echo "SAMBA_TIMINGS='install=${t_install}s provision=${t_provision}s load=${t_load}s start=${t_start}s total=$(since "$t0")s'"
  } | tee "$dir/env"
}

down() {
  local dir=$1
  [ -n "$dir" ] || die "usage: $0 down DIR"
  [ -d "$dir" ] || exit 0
  local pid=''
  [ -s "$dir/run/samba.pid" ] && pid=$(tr -dc 0-9 <"$dir/run/samba.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # Only the DC started in DIR: its master process, which takes its children with it.
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    for _ in $(seq 1 50); do port_taken 389 || break; sleep 0.1; done
  fi
  if [ -n "${TEST_KEEP_TMP:-}" ]; then
    echo "samba-ad: kept $dir" >&2
  else
    rm -rf "$dir"
  fi
}

case "${1:-}" in
  up) shift; up "${1:-}" "${2:-}" ;;
  down) shift; down "${1:-}" ;;
  *) echo "usage: $0 up DIR [DATA.ldif] | down DIR" >&2; exit 2 ;;
esac
