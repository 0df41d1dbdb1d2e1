#!/usr/bin/env bash
# The production build. The Dockerfile's build stage runs exactly this script, and so does
# scripts/production-artifact.sh, which CI uses to test the same artifact without a Docker engine
# (test/integration/package.test.ts). Run it in a directory holding the files the Dockerfile copies:
#
#   bash scripts/build-production.sh deps
#       needs package.json and package-lock.json. Installs every dependency as locked (dev ones
#       too: TypeScript builds the code), then runs the dependencies' install scripts
#       (better-sqlite3: its prebuilt binary, else a native compile with python3, make and g++).
#       Runs no script of this package: `npm ci` alone would run our `prepare` (tsc) before the
#       sources are there.
#   bash scripts/build-production.sh app
#       then, with tsconfig.json and src/ added: `npm run build` (tsc; only src/ is present, so
#       only dist/src/ is built), `npm prune --omit=dev`, the native compile's leftovers
#       removed, and a smoke test of the result.
#
# The artifact is package.json + dist/ + node_modules/ (production dependencies only); the runtime
# stage copies those three and compiles nothing. Two steps so Docker can cache the slow first one
# (the native compile) while package*.json are unchanged.
set -euo pipefail

npm_quiet=(--no-audit --no-fund --loglevel=error)

case "${1:-}" in
  deps)
    [ -f package.json ] && [ -f package-lock.json ] || {
      echo "build-production: run in a directory with package.json and package-lock.json" >&2
      exit 2
    }
    npm ci --ignore-scripts "${npm_quiet[@]}"
    npm rebuild "${npm_quiet[@]}"
    ;;
  app)
    [ -d node_modules ] && [ -f tsconfig.json ] && [ -d src ] || {
      echo "build-production: run 'deps' first, with tsconfig.json and src/ present" >&2
      exit 2
    }
    npm run build --silent
    npm prune --omit=dev "${npm_quiet[@]}"
    # A native compile leaves object files and SQLite's sources (~30 MB); run time needs only the module.
    sqlite=node_modules/better-sqlite3
    if [ -f "$sqlite/build/Release/better_sqlite3.node" ]; then
      module=$(mktemp)
      cp "$sqlite/build/Release/better_sqlite3.node" "$module"
      rm -rf "$sqlite/build" "$sqlite/deps" "$sqlite/src"
      mkdir -p "$sqlite/build/Release"
      mv "$module" "$sqlite/build/Release/better_sqlite3.node"
      chmod 755 "$sqlite/build/Release/better_sqlite3.node"
    fi
    # The artifact must start with production dependencies alone, and load the native module.
    node dist/src/cli/main.js --version
    node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
    ;;
  *)
    echo "usage: bash scripts/build-production.sh deps|app" >&2
    exit 2
    ;;
esac
