/**
 * Runs `cleanup` (synchronously) when the process exits, and on SIGINT,
 * SIGTERM or SIGHUP; after a signal the process then dies of it as it would
 * have without us, unless someone else handles it. Throwaway servers use it
 * so that no slapd or PostgreSQL outlives the test process.
 */
export function onProcessExit(cleanup: () => void): void {
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}
