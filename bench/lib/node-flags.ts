/**
 * The V8 flag the daemon runs with wherever it is installed (the Dockerfile's ENTRYPOINT and
 * deploy/systemd/pocket-id-ldap-sync.service; test/unit/deploy-files.test.ts and
 * test/integration/package.test.ts check both). Every child the bench measures runs with it, so the
 * figures are the daemon's. Why the flag: docs/sizing.md, "Node's heap and the container's limit".
 */
export const DAEMON_HEAP_FLAG = '--heap-growing-percent=100';
