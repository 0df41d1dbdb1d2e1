import { errorMessage } from '../log/error-message.js';
import { SyncFailure, type FailureReason } from '../sync/failure.js';

/**
 * Runs one step of a run whose errors, unless they already say why, are
 * failures of `reason`: a driver's "connection refused" inside the database
 * step is a database failure. The message (as errorMessage() gives it) and the
 * cause are kept.
 */
export async function failsAs<T>(reason: FailureReason, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof SyncFailure) throw error;
    throw new SyncFailure(reason, errorMessage(error), { cause: error });
  }
}
