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
# A test file renamed or split leaves its compiled copy in dist/test, which node --test would still
# run: drop every compiled file whose source is gone.
find dist/test -name '*.js' | while read -r js; do
  src="${js#dist/}"
  [ -e "${src%.js}.ts" ] || rm -f "$js" "$js.map"
done
# Only the *.test.js files: given the folder, node --test (Node 20) would also run every module under
# dist/test/support as a "test" of its own that cannot fail, and count it.
if [ "$#" -eq 0 ]; then
  mapfile -t files < <(find dist/test -name '*.test.js' | sort)
  set -- "${files[@]}"
fi
# No --test-force-exit: with it (Node 20.20) a CI run reported ten tests fewer,
# the last of one file's, without a failure; a test that times out and keeps
# its sockets open must close them itself (see the Samba range-cut test).
exec bash scripts/with-test-servers.sh node --test --test-concurrency=1 "$@"
