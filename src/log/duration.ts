/**
 * Go's time.Duration.String() for the durations we log ("850ms", "1.2s",
 * "2m3.5s"), so log lines read like Pocket ID's gocron lines.
 */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${trim(ms.toFixed(3))}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${trim(seconds.toFixed(3))}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds - minutes * 60;
  if (minutes < 60) return `${minutes}m${trim(rest.toFixed(3))}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m${trim(rest.toFixed(3))}s`;
}

function trim(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}
