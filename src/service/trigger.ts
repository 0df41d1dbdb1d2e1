import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { JOB_NAME } from './job.js';
import type { SyncScheduler, TriggerOutcome } from './scheduler.js';

export type TriggerSource = 'SIGUSR1' | 'POST /sync';

/** A run now: started or queued, or refused with the reason (sync disabled, shutting down). */
export type RunRequestResult = ({ accepted: true } & TriggerOutcome) | { accepted: false; reason: string };

/** Asks the scheduler for a run now (it logs the request); a refusal is logged here, with its reason. */
export function runRequester(scheduler: () => SyncScheduler | undefined, log: Logger): (source: TriggerSource) => RunRequestResult {
  return (source) => {
    const current = scheduler();
    const outcome = current?.trigger(source);
    if (!outcome) {
      const reason = current ? 'the daemon is shutting down' : 'LDAP sync is disabled (LDAP_ENABLED is not true)';
      log.warn('Sync request refused', { name: JOB_NAME, source, reason });
      return { accepted: false, reason };
    }
    return { accepted: true, ...outcome };
  };
}

/**
 * SIGUSR1 asks for a run. Listening for it also keeps Node from doing what it
 * does by default on SIGUSR1: opening the inspector (a debugger) on port 9229.
 * Returns the function that stops listening.
 */
export function onSigusr1(request: (source: TriggerSource) => RunRequestResult): () => void {
  const handler = () => void request('SIGUSR1');
  process.on('SIGUSR1', handler);
  return () => process.off('SIGUSR1', handler);
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Is this Authorization header "Bearer <token>"? Compared in constant time:
 * both sides are hashed to equal-length digests first, so neither the token's
 * length nor its first differing byte shows in the time taken.
 */
export function bearerTokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  const given = match?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token)) && match !== null;
}
