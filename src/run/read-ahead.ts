// A run's LDAP read and, beside it, what of Pocket ID's state it can read
// meanwhile (docs/incremental.md, "How a run works"): no lock is taken and no
// transaction stays open while LDAP is read; write() checks the rows its plan
// touches (StateRead, src/db/expectation-check.ts).
import type { PocketIdDatabase, StateParts, StateRead, StateScope } from '../db/database.js';
import type { Logger } from '../log/logger.js';
import { failsAs } from './fails-as.js';
import { readForRun, type ReadOptions, type ReadSettings, type RunRead } from './directory-read.js';

/** Picks the users to read, handed a reader of rows by key (StateParts.users). */
type ChooseUsers = NonNullable<StateParts['users']>;

/**
 * Pocket ID's state for a plan over the touched users (touched-state.ts),
 * started while LDAP is read: the groups, the count of LDAP rows, the admins'
 * rows and the claims do not depend on what changed, so the server reads them
 * meanwhile (state-reader.ts asks for them first); the rows by key wait for
 * read(). Only on PostgreSQL: SQLite reads on this thread, in the middle of
 * the LDAP read's own work.
 */
export class LeanStateAhead {
  private settle: (choose: ChooseUsers | null) => void = () => undefined;
  private readonly reading: Promise<StateRead>;

  constructor(db: PocketIdDatabase, scope: StateScope) {
    const chosen = new Promise<ChooseUsers | null>((resolve) => {
      this.settle = resolve;
    });
    const users: ChooseUsers = async (read) => {
      const choose = await chosen;
      return choose ? choose(read) : [];
    };
    this.reading = failsAs('database', () => db.readState(scope, { memberships: false, users }));
    // Settled now: a run that fails first fails with its own error (drop() awaits this one).
    this.reading.catch(() => undefined);
  }

  /** The state, with the user rows `choose` settles on. */
  read(choose: ChooseUsers): Promise<StateRead> {
    this.settle(choose);
    return this.reading;
  }

  /** When the run did not need it (no change, a full read after all, a failure): ends the read without users. */
  async drop(): Promise<void> {
    this.settle(null);
    await this.reading.catch(() => undefined);
  }
}

/** The read, the whole state read ahead (full runs, and incremental ones that plan every user), or the lean one. */
export interface ReadAndState {
  read: RunRead;
  ahead: StateRead | undefined;
  lean: LeanStateAhead | undefined;
}

/**
 * The directory, and for a full read Pocket ID's state read meanwhile instead
 * of after. An incremental run reads the state only once it found entries to
 * read; one planning only its touched users then starts the lean read above
 * (PostgreSQL), or reads their rows once it knows them (touched-state.ts).
 */
export async function readDirectoryAndState(
  config: ReadSettings,
  db: PocketIdDatabase,
  scope: StateScope,
  log: Logger,
  options: Omit<ReadOptions, 'onFullRead'>,
): Promise<ReadAndState> {
  const state: { reading?: Promise<StateRead>; lean?: LeanStateAhead } = {};
  // An incremental run that can plan from the memberships it needs reads none here (touched-state.ts).
  const parts = { memberships: false };
  const onFullRead = (mode: 'full' | 'incremental') => {
    if (mode === 'incremental' && options.memory?.plannedMembers && options.memory.userBook) {
      if (db.kind === 'postgres') state.lean ??= new LeanStateAhead(db, scope);
      return;
    }
    state.reading ??= failsAs('database', () => db.readState(scope, mode === 'incremental' && options.memory?.plannedMembers ? parts : {}));
  };
  try {
    const read = await failsAs('ldap_search', () => readForRun(config, log, { ...options, onFullRead }));
    return { read, ahead: await state.reading, lean: state.lean };
  } catch (error) {
    // The run fails with the first error; no state read is ever left running on its own.
    await state.reading?.catch(() => undefined);
    await state.lean?.drop();
    throw error;
  }
}
