#!/usr/bin/env bash
# Installs what the tests need (Debian/Ubuntu, root): OpenLDAP slapd + ldap-utils, PostgreSQL, openssl, systemd (for systemd-analyze).
# Idempotent and quiet when everything is present; `apt-get update` runs only when something must be installed.
# No system slapd database is configured (debconf preseed) and no service is started: the tests run their own
# throwaway slapd instances and PostgreSQL clusters (test/support/slapd.ts, test/support/postgres.ts).
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

pkgs=()
if ! have slapd || ! have slapadd || ! have ldapsearch; then
  pkgs+=(slapd ldap-utils)
fi
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  pkgs+=(postgresql)
fi
if ! have openssl; then
  pkgs+=(openssl)
fi
# systemd-analyze verifies deploy/systemd's unit (test/unit/deploy-files.test.ts); nothing is started.
if ! have systemd-analyze; then
  pkgs+=(systemd)
fi

[ ${#pkgs[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: missing packages (${pkgs[*]}); run this script as root" >&2
  exit 1
fi

echo "install-test-deps: installing ${pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
# slapd: no dc=nodomain database, no /etc/ldap/slapd.d (and so no system slapd on port 389).
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq "${pkgs[@]}"
