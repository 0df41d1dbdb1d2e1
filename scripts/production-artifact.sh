#!/usr/bin/env bash
# Usage: bash scripts/production-artifact.sh OUT_DIR
#
# Builds in OUT_DIR what the Docker image holds in /opt/pocket-id-ldap-sync, without a Docker engine,
# so CI can test the shipped artifact (test/integration/package.test.ts):
#   1. Node.js at the version the Dockerfile names (ARG NODE_VERSION), taken from the npm package
#      node-linux-<arch>@<version> (the official build's bin/node and include/node, fetched with
#      `npm pack`, which checks the registry's integrity hash), so the native module is built and
#      tested for the image's Node ABI, not this machine's;
#   2. OUT_DIR/build/ gets exactly the files the Dockerfile's build stage copies (BUILD_CONTEXT below;
#      the test checks the Dockerfile against this list);
#   3. `scripts/build-production.sh deps` there, with that Node first on PATH and its headers as
#      nodedir; the result is cached, as Docker caches that layer, under a key made of everything
#      the step reads: package.json, package-lock.json, build-production.sh, the Node version, the
#      CPU. A hit copies the cached node_modules/ (saves the ~60-100 s native compile);
#   4. `scripts/build-production.sh app` (tsc, npm prune --omit=dev, smoke test), never cached.
# Prints two lines at the end: "node=<path of that node binary>" and "app=<OUT_DIR/build>".
# Cache: $POCKET_ID_LDAP_SYNC_CACHE, default ${XDG_CACHE_HOME:-~/.cache}/pocket-id-ldap-sync;
# NO_BUILD_CACHE=1 skips reading it.
set -euo pipefail

# Keep in step with the build stage's COPY lines in the Dockerfile (checked by the test).
BUILD_CONTEXT=(package.json package-lock.json scripts/build-production.sh scripts/healthcheck.sh tsconfig.json src)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:?usage: bash scripts/production-artifact.sh OUT_DIR}
CACHE=${POCKET_ID_LDAP_SYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pocket-id-ldap-sync}
log() { echo "production-artifact: $*" >&2; }

NODE_VERSION=$(sed -n 's/^ARG NODE_VERSION=\([0-9.]*\)$/\1/p' "$ROOT/Dockerfile" | head -n 1)
[ -n "$NODE_VERSION" ] || { log "no 'ARG NODE_VERSION=x.y.z' in the Dockerfile"; exit 1; }
case "$(uname -m)" in
  x86_64) ARCH=x64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) log "unsupported CPU $(uname -m)"; exit 1 ;;
esac

# 1. The image's Node.js.
NODE_HOME="$CACHE/node-v$NODE_VERSION-linux-$ARCH"
if [ ! -x "$NODE_HOME/bin/node" ] || [ ! -f "$NODE_HOME/include/node/node.h" ]; then
  log "fetching Node.js $NODE_VERSION (npm package node-linux-$ARCH@$NODE_VERSION)"
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/node-fetch.XXXXXX")
  (cd "$tmp" && npm pack "node-linux-$ARCH@$NODE_VERSION" --silent >/dev/null)
  mkdir -p "$tmp/x"
  tar -xzf "$tmp"/node-linux-"$ARCH"-*.tgz -C "$tmp/x"
  mkdir -p "$CACHE"
  rm -rf "$NODE_HOME"
  mv "$tmp/x/package" "$NODE_HOME"
  rm -rf "$tmp"
fi
"$NODE_HOME/bin/node" --version >/dev/null
NPM_CLI="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
[ -f "$NPM_CLI" ] || { log "cannot find npm-cli.js"; exit 1; }
# npm (this machine's, run by the image's Node) and everything it starts use the image's Node and headers.
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SHIM="$OUT/.bin"
mkdir -p "$SHIM"
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$NODE_HOME/bin/node" "$NPM_CLI" >"$SHIM/npm"
chmod +x "$SHIM/npm"
export PATH="$SHIM:$NODE_HOME/bin:$PATH"
export npm_config_nodedir="$NODE_HOME"

# 2. The build context.
BUILD="$OUT/build"
rm -rf "$BUILD"
mkdir -p "$BUILD"
for item in "${BUILD_CONTEXT[@]}"; do
  mkdir -p "$BUILD/$(dirname "$item")"
  cp -R "$ROOT/$item" "$BUILD/$item"
done

# 3. Dependencies (cached by what they are built from).
KEY=$(cat "$BUILD/package.json" "$BUILD/package-lock.json" "$BUILD/scripts/build-production.sh" |
  { sha256sum; echo "node $NODE_VERSION linux-$ARCH"; } | sha256sum | cut -c1-24)
DEPS_CACHE="$CACHE/production-deps/$KEY"
start=$(date +%s)
if [ -z "${NO_BUILD_CACHE:-}" ] && [ -f "$DEPS_CACHE/.complete" ]; then
  log "deps: cached ($DEPS_CACHE)"
  cp -R "$DEPS_CACHE/node_modules" "$BUILD/node_modules"
else
  log "deps: bash scripts/build-production.sh deps (Node $NODE_VERSION)"
  (cd "$BUILD" && bash scripts/build-production.sh deps)
  rm -rf "$DEPS_CACHE"
  mkdir -p "$DEPS_CACHE"
  cp -R "$BUILD/node_modules" "$DEPS_CACHE/node_modules"
  touch "$DEPS_CACHE/.complete"
  # Keep the three newest entries.
  ls -1dt "$CACHE"/production-deps/*/ 2>/dev/null | tail -n +4 | xargs -r rm -rf
fi
log "deps: $(($(date +%s) - start)) s"

# 4. The app.
start=$(date +%s)
(cd "$BUILD" && bash scripts/build-production.sh app) >&2
log "app: $(($(date +%s) - start)) s"
echo "node=$NODE_HOME/bin/node"
echo "app=$BUILD"
