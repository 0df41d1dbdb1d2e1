// A run's LDAP side (docs/incremental.md): a full read, or with
// LDAP_SYNC_INCREMENTAL and a good full run kept, the changes merged into the
// kept snapshot. Either way the result is the snapshot plan() reads; what the
// next run starts from is stored only once the run has committed (commit()).
import type { Client } from 'ldapts';
import type { Config } from '../config/config.js';
import { verifyAttributesReadable } from '../ldap/attribute-visibility.js';
import { changedSince, MarkerWatch, nextWatermark, readMarkerState, type MarkerState } from '../ldap/change-markers.js';
import { readChanges } from '../ldap/change-reader.js';
import { closeLdapConnection, openLdapConnection } from '../ldap/connection.js';
import { readDirectory } from '../ldap/directory-reader.js';
import { resolveKeptGroups } from '../ldap/group-resolution.js';
import { FullReadTracker } from '../ldap/kept-read.js';
import { KnownUsers, updateKnownUsers } from '../ldap/known-users.js';
import { usersWaitingWithPictures, withPictures } from '../ldap/waiting-pictures.js';
import type { Logger } from '../log/logger.js';
import { entryKey, mergeChanges, snapshotOfKept } from '../sync/kept-directory.js';
import type { UserChanges } from '../sync/touched-users.js';
import { bookToKeep } from '../sync/user-book.js';
import { checkUsn, chooseMode, type FullRunReason, type RunMode } from '../sync/run-mode.js';
import type { DirectorySnapshot, DirectoryUser } from '../sync/snapshot.js';
import type { SyncPlan } from '../sync/types.js';
import { planEcho, scheduleDue, settingsHash, type SyncMemory } from './sync-memory.js';

export type ReadSettings = Pick<Config, 'ldap' | 'rules' | 'incremental'>;

/** An incremental run reads up to this many changed entries one by one, or a tenth of the directory if more; beyond, a full read. */
const MIN_READS_BEFORE_FULL = 1000;

export interface ReadOptions {
  dryRun?: boolean;
  memory?: SyncMemory;
  /** 'auto': on LDAP_SYNC_DELETION_SCHEDULE. */
  deletionScan?: 'auto' | 'always' | 'never';
  forceFull?: boolean;
  /**
   * Called as a full read starts, and when an incremental run with exact versions (entryCSN, uSNChanged) finds
   * entries to read: runSync reads Pocket ID's state meanwhile. A run that finds nothing to read never reads it.
   */
  onFullRead?: (mode: 'full' | 'incremental') => void;
  /** Called as a full read starts, also one an incremental run turns into: the daemon gives V8 its startup heap growth back (src/service/idle-collect.ts). */
  beforeFullRead?: () => void;
}

export interface RunRead {
  snapshot: DirectorySnapshot;
  mode: 'full' | 'incremental';
  fullReason?: FullRunReason;
  /** An incremental run that found nothing changed: nothing to plan or write. */
  unchanged: boolean;
  /** Entries the searches returned (incremental: changed entries read, plus the scans in `total`). */
  entriesRead: { users: number; groups: number; total: number };
  /** Incremental runs: the users read changed or new; the picture step looks at these only. */
  pictureUsers?: DirectoryUser[];
  /** Whether an incremental run scanned every id. */
  deletionScan?: boolean;
  /** Incremental runs: the users read changed or new and those removed, and every DN whose meaning changed (touched-users.ts). */
  userChanges?: UserChanges & { dns: ReadonlySet<string> };
  /** Stores what the next run starts from; call once the run has committed (never after a dry run). */
  commit(plan: SyncPlan | null): void;
}

function firstMode(config: ReadSettings, options: ReadOptions, now: Date): RunMode {
  const memory = options.memory;
  return chooseMode({
    incrementalEnabled: config.incremental.enabled,
    dryRun: options.dryRun ?? false,
    forceFull: options.forceFull ?? false,
    // Without a memory (the CLI's one-shot `sync`) nothing is kept: as a daemon's first run.
    hasKept: memory?.kept != null && memory.watermark !== null,
    lastRunFailed: memory?.lastRunFailed ?? false,
    settingsChanged: memory !== undefined && memory.kept !== null && memory.settingsHash !== settingsHash(config),
    markerProblem: memory?.markerProblem,
    fullScheduleDue: memory !== undefined && scheduleDue(memory, config.incremental.fullSchedule, memory.lastFullAt, now),
  });
}

/** After the root DSE: the kept watermark must still mean something on this server. */
function secondMode(memory: SyncMemory, state: MarkerState): FullRunReason | undefined {
  const watermark = memory.watermark;
  if (!watermark || watermark.kind !== state.marker.kind) return 'marker-unavailable';
  if (watermark.kind !== 'usn') return undefined;
  return checkUsn({ kept: watermark, now: { dsServiceName: state.dsServiceName, highestCommittedUsn: state.highestCommittedUsn } });
}

async function fullRead(client: Client, config: ReadSettings, log: Logger, reason: FullRunReason, options: ReadOptions): Promise<RunRead> {
  options.beforeFullRead?.();
  const memory = options.dryRun ? undefined : options.memory;
  const tracking = memory && config.incremental.enabled ? await readMarkerState(client) : undefined;
  const tracker = tracking ? new FullReadTracker(tracking.marker, new MarkerWatch(tracking.marker)) : undefined;
  if (reason !== 'incremental-off') log.info('Full run', { reason });
  options.onFullRead?.('full');
  const snapshot = await readDirectory(client, config.ldap, log, tracker);
  // Before an absent disabled flag or admin member is trusted: may the bind account read it at all?
  await verifyAttributesReadable(client, config.ldap, snapshot.vendor, config.rules.adminGroupName, log);
  const commit = (plan: SyncPlan | null) => {
    if (!memory || !tracking || !tracker) return;
    const now = new Date();
    const kept = tracker.keep(snapshot);
    const watermark = nextWatermark(tracking, tracker.watch, snapshot.stats.readMs, undefined);
    memory.lastRunFailed = false;
    memory.lastFullAt = now;
    memory.lastScanAt = now;
    memory.settingsHash = settingsHash(config);
    memory.lastPlan = plan ? planEcho(plan) : null;
    memory.plannedMembers = plan?.groupMembers ?? null;
    memory.userBook = plan?.userBook ? bookToKeep(plan.userBook) : null;
    memory.normalized.clear();
    memory.kept = kept;
    memory.knownUsers = kept ? (tracker.knownUsers ?? null) : null;
    memory.watermark = 'problem' in watermark ? null : watermark;
    memory.markerProblem = kept === null ? 'ids-not-unique' : 'problem' in watermark ? 'marker-unavailable' : undefined;
    if ('problem' in watermark) log.warn('Incremental runs unavailable: the next run is full again', { marker: tracking.marker.attribute, reason: watermark.problem });
    if (kept === null) log.warn('Incremental runs unavailable: entries share a unique id, so changes cannot be merged by it; the next run is full again');
  };
  return { snapshot, mode: 'full', fullReason: reason, unchanged: false, entriesRead: { users: snapshot.users.length, groups: snapshot.groups.length, total: snapshot.users.length + snapshot.groups.length }, commit };
}

function deletionScanDue(config: ReadSettings, options: ReadOptions, memory: SyncMemory, now: Date): boolean {
  if (options.deletionScan === 'always') return true;
  if (options.deletionScan === 'never') return false;
  return scheduleDue(memory, config.incremental.deletionSchedule, memory.lastScanAt, now);
}

async function incrementalRead(client: Client, config: ReadSettings, log: Logger, memory: SyncMemory, state: MarkerState, options: ReadOptions): Promise<RunRead> {
  const kept = memory.kept;
  const watermark = memory.watermark;
  if (!kept || !watermark) throw new Error('incremental read without a kept directory');
  const started = performance.now();
  const now = new Date();
  const scan = deletionScanDue(config, options, memory, now);
  const context = { client, settings: config.ldap, log };
  // Reading a tenth of the directory one entry at a time costs about what a full read does.
  const maxReads = Math.max(MIN_READS_BEFORE_FULL, Math.ceil((kept.users.size + kept.groups.size) / 10));
  // Without exact versions every entry in the overlap is read again, mostly unchanged: the state waits for a real change.
  const onFullRead = options.onFullRead;
  const onReads = state.marker.version && onFullRead ? () => onFullRead('incremental') : undefined;
  const users = memory.knownUsers ?? KnownUsers.of(kept.users.values());
  // The run warned about the transport when it opened its first connection.
  const openAnother = () => openLdapConnection(config.ldap, log, { warn: false });
  const input = { kept, state, watermark, deletionScan: scan, maxReads, users, openAnother, ...(onReads ? { onReads } : {}) };
  const read = await readChanges(context, input);
  if (read.tooMany !== undefined) {
    log.info('Many entries changed: reading the whole directory instead', { changed: read.tooMany, limit: maxReads });
    return fullRead(client, config, log, 'many-changes', options);
  }
  const merged = mergeChanges(kept, read.changes);
  memory.knownUsers = updateKnownUsers(users, kept.users, merged.touchedDns);
  // Built anew: the users the read found are numbered in the old table.
  if (memory.knownUsers !== users) merged.memberUsers.clear();
  const resolution = await resolveKeptGroups(context, { ...input, users: memory.knownUsers }, merged, memory.normalized);
  kept.others = read.others;
  const { added, changed, removed } = merged;
  const changes = added.users + added.groups + changed.users + changed.groups + removed.users + removed.groups + resolution.changed;
  log.debug('Incremental read', {
    since: changedSince(state.marker, watermark), deletionScan: scan, entriesRead: read.entriesRead,
    usersAdded: added.users, usersChanged: changed.users, usersRemoved: removed.users,
    groupsAdded: added.groups, groupsChanged: changed.groups, groupsRemoved: removed.groups,
    groupsResolved: resolution.resolved, groupsResolvedChanged: resolution.changed, ms: Math.round(performance.now() - started),
  });
  if (changes > 0) await verifyAttributesReadable(client, config.ldap, state.vendor, config.rules.adminGroupName, log);
  // A plan may now create users skipped before without reading their entry: their pictures are read too.
  const waiting = changes > 0 ? usersWaitingWithPictures(kept, memory.lastPlan?.skips ?? [], merged.changedUsers) : [];
  const pictureUsers = waiting.length > 0 ? [...merged.changedUsers, ...(await withPictures(context, waiting))] : merged.changedUsers;
  const stats = { pages: read.pages, memberLookups: resolution.lookups, readMs: performance.now() - started };
  const commit = (plan: SyncPlan | null) => {
    const next = nextWatermark(state, read.watch, stats.readMs, watermark);
    memory.watermark = 'problem' in next ? null : next;
    if ('problem' in next) memory.markerProblem = 'marker-unavailable';
    if (scan) memory.lastScanAt = now;
    if (plan) memory.lastPlan = planEcho(plan);
    if (plan) memory.plannedMembers = plan.groupMembers ?? null;
    if (plan) memory.userBook = plan.userBook ?? null;
    memory.lastRunFailed = false;
  };
  return {
    // Unchanged: nothing is planned, so the snapshot is not even assembled.
    snapshot: changes > 0 ? snapshotOfKept(kept, stats, config.ldap.syncDisabledAccounts) : { users: [], groups: [], unresolvedMembers: [], stats },
    mode: 'incremental',
    unchanged: changes === 0,
    entriesRead: { users: read.changes.users.length, groups: read.changes.groups.length + resolution.entriesRead, total: read.entriesRead + resolution.entriesRead },
    pictureUsers,
    deletionScan: scan,
    userChanges: { changed: merged.changedUsers.map((u) => entryKey(u.ldapId, u.dn)), removed: merged.removedUsers, dns: merged.touchedDns },
    commit,
  };
}

/** The LDAP side of one run: full or incremental, decided here (docs/incremental.md). */
export async function readForRun(config: ReadSettings, log: Logger, options: ReadOptions): Promise<RunRead> {
  const memory = options.memory;
  const mode = firstMode(config, options, new Date());
  const client = await openLdapConnection(config.ldap, log);
  try {
    if (mode.mode === 'full' || !memory) return await fullRead(client, config, log, mode.mode === 'full' ? mode.reason : 'first-run', options);
    const state = await readMarkerState(client);
    const reason = secondMode(memory, state);
    if (reason) return await fullRead(client, config, log, reason, options);
    return await incrementalRead(client, config, log, memory, state, options);
  } finally {
    await closeLdapConnection(client);
  }
}
