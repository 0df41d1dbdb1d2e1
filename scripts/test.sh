#!/usr/bin/env bash
# `npm test`: everything the test suite needs on a fresh Debian/Ubuntu machine
# with only Node.js and npm: system packages (slapd, PostgreSQL, as root), npm
# dependencies, a build, a throwaway PostgreSQL cluster; then node's test runner.
# slapd instances are started per test file by test/support/slapd.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
bash scripts/ensure-node-modules.sh
npx tsc -p tsconfig.json
# --test-force-exit: a test that hit its timeout leaves its awaits pending and
# their sockets open; without it that file's process (and the run) never ends.
exec bash scripts/with-test-servers.sh node --test --test-concurrency=1 --test-force-exit "${@:-dist/test/}"
