// The help texts of the command line (`--help` and usage errors).

export const USAGE = `Usage: pocket-id-ldap-sync <command> [options]

Commands:
  run      The daemon: sync at start and then on LDAP_SYNC_SCHEDULE, serve
           /healthz, /readyz and /metrics, stop cleanly on SIGTERM or SIGINT.
  sync     Run one synchronisation and exit with its result (--dry-run: print
           the plan and write nothing).
  check    Check the configuration, the LDAP bind and both searches, and the
           database; one line per check, non-zero exit status on a failure.
  healthcheck
           Ask the running daemon's /readyz whether it is ready (for Docker's
           HEALTHCHECK); exit status 0 ready, 1 not.

Options:
  -h, --help     Show this help; "<command> --help" shows a command's help.
  -V, --version  Print the version.

Configuration comes from environment variables; see config/example.env.
`;

export const RUN_USAGE = `Usage: pocket-id-ldap-sync run

Runs a sync at start and then on LDAP_SYNC_SCHEDULE (default "@every 1h",
counted from start; or a cron expression). Runs never overlap; a failed run is
retried after LDAP_SYNC_RETRY_DELAY seconds, doubling up to
LDAP_SYNC_RETRY_MAX_DELAY, never past the next scheduled run. Each run logs
Pocket ID's gocron lines:
  INF Starting job name=SyncLdap jobID=<uuid>
  INF Job run successfully name=SyncLdap jobID=<uuid> duration=1.2s ...
  ERR Job failed name=SyncLdap jobID=<uuid> duration=... error="..."

HTTP on LDAP_SYNC_HTTP_PORT (default 9474, 0 = off): /healthz, /readyz, /metrics.
On PostgreSQL each run takes an advisory lock; when another instance holds it
the run is skipped ("Job skipped"), not failed.

SIGTERM or SIGINT: no new runs; a running sync may finish for up to
LDAP_SYNC_SHUTDOWN_TIMEOUT seconds (else its transaction is rolled back); exit 0.

Options:
  -h, --help  Show this help.

Exit status: 0 stopped by a signal, 1 could not start (HTTP port), 2 invalid configuration.
`;

export const SYNC_USAGE = `Usage: pocket-id-ldap-sync sync [--dry-run [--json]] [--allow-mass-delete] [--allow-mass-reenable]

Reads the whole directory, then writes users, groups, memberships and admin
flags into Pocket ID's database in one transaction, logging the same lines as
the daemon ("Starting job", "Job run successfully" or "Job failed").

Options:
  --dry-run            Print what would change and write nothing: the database
                       is only read, no write transaction is ever opened. A
                       large plan is summarised per section (--json has it all).
  --json               With --dry-run: print the plan as JSON instead of a table.
  --allow-mass-delete  For this run only, let the deletion guard pass
                       (LDAP_SYNC_DELETE_THRESHOLD).
  --allow-mass-reenable
                       For this run only, let the re-enable guard pass
                       (LDAP_SYNC_REENABLE_THRESHOLD, and a disabled flag or
                       admin group that no entry seems to carry).
  -h, --help           Show this help.

Exit status: 0 success (also when skipped because another instance holds the
PostgreSQL sync lock), 1 the sync failed (a guard's refusal included), 2
invalid configuration, 6 a dry run whose real run a guard would refuse (the
plan is printed; --allow-mass-delete and --allow-mass-reenable count).
`;

export const CHECK_USAGE = `Usage: pocket-id-ldap-sync check

Checks, one line each ("ok" or "fail"):
  configuration          every setting valid, LDAP_ENABLED=true
  LDAP connect and bind  connects (TLS as configured) and binds as LDAP_BIND_DN
  LDAP user search       the user search with a size limit of 1 finds an entry
                         that has the unique-id and username attributes
  LDAP group search      the group search with a size limit of 1 (no match is ok)
  LDAP page size         the first page of the user search at LDAP_SYNC_PAGE_SIZE
                         is not refused by the server's size limit
  LDAP attributes the sync trusts
                         with LDAP_SYNC_DISABLED_ACCOUNTS or an admin group: the
                         bind account may read the disabled flag and the member
                         attribute (389-ds: get-effective-rights; AD: a read)
  database               connects; a Pocket ID database of a known schema
Writes nothing.

Options:
  -h, --help  Show this help.

Exit status: 0 all ok, 2 invalid configuration (nothing else checked),
3 an LDAP check failed, 4 the database check failed, 5 both failed.
`;

export const HEALTHCHECK_USAGE = `Usage: pocket-id-ldap-sync healthcheck

Asks the daemon running next to it whether it is ready: GET /readyz on
LDAP_SYNC_HTTP_PORT (default 9474) at LDAP_SYNC_HTTP_ADDRESS (empty or a
wildcard address means the loopback address). Prints one line. Meant for
Docker's HEALTHCHECK; reads no other setting and touches neither LDAP nor the
database.

Options:
  -h, --help  Show this help.

Exit status: 0 ready (or idle with LDAP_ENABLED=false); 1 anything else: not
ready (503), no answer within 5 s, the HTTP server is off
(LDAP_SYNC_HTTP_PORT=0), an invalid setting or option. (Docker reserves 2.)
`;
