#!/usr/bin/env bash
# Installs the npm dependencies when node_modules is missing or older than
# package-lock.json (npm records what it installed in node_modules/.package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages (npm ci; better-sqlite3 compiles from source, a minute or two)"
  npm ci --no-audit --no-fund --loglevel=error
fi
