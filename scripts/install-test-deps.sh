#!/usr/bin/env bash
# Installs what the tests need (Debian/Ubuntu, root): OpenLDAP slapd + ldap-utils, PostgreSQL, openssl, systemd (for systemd-analyze),
# 389 Directory Server (389-ds-base: dscreate, ns-slapd, dsidm; no instance is created and nothing is started),
# promtool (Debian's prometheus package) for the alert rules, the Samba AD DC (samba-ad-dc) for the AD tests.
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
# better-sqlite3 compiles from source where its prebuilt binary cannot be downloaded (npm ci, and the production
# artifact of test/integration/package.test.ts); python3 also unpacks helm when unzip is absent (scripts/fetch-helm.sh).
if ! have python3 || ! have make || ! have g++; then
  pkgs+=(python3 make g++)
fi
# systemd-analyze verifies deploy/systemd's unit (test/unit/deploy-files.test.ts); nothing is started.
if ! have systemd-analyze; then
  pkgs+=(systemd)
fi
# Installed without recommends: 389-ds-base's dependencies (systemd among them) recommend packages ns-slapd does
# not need; prometheus recommends the node exporter. Only promtool of that package is used: it checks and
# unit-tests the alert rules (test/unit/alert-rules.test.ts); its server is not used.
lean=()
if ! have dscreate || ! have ns-slapd || ! have dsidm; then
  lean+=(389-ds-base)
fi
if ! have promtool; then
  lean+=(prometheus)
fi
# The Samba AD DC tests (test/integration/samba-ad.test.ts via scripts/samba-ad.sh, which provisions its own
# throwaway domain); the packages' system DC stays unconfigured, so nothing starts on 389.
if ! have samba || ! have samba-tool || ! have ldbadd; then
  lean+=(samba-ad-dc samba-ad-provision ldb-tools)
fi

[ ${#pkgs[@]} -eq 0 ] && [ ${#lean[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: missing packages (${pkgs[*]} ${lean[*]}); run this script as root" >&2
  exit 1
fi

echo "install-test-deps: installing ${pkgs[*]} ${lean[*]}"
export DEBIAN_FRONTEND=noninteractive
# slapd: no dc=nodomain database, no /etc/ldap/slapd.d (and so no system slapd on port 389).
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
apt-get update -qq
[ ${#pkgs[@]} -eq 0 ] || apt-get install -y -qq "${pkgs[@]}"
[ ${#lean[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${lean[@]}"
