// How close a run came to the memory it may use. A container's limit is enforced by the kernel
// (the OOM killer: no error, no log line), and Node's heap limit by V8 ("JavaScript heap out of
// memory"); both end the daemon mid-run. So after each run the daemon compares the run's peak with
// both limits and warns, once per run, before the next, larger directory gets it killed.
import os from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from '../log/logger.js';

/** Warn when a run's peak reaches this share of a limit. */
export const WARN_FRACTION = 0.8;
const SAMPLE_MS = 200;
const MIB = 1024 * 1024;

export interface MemoryPeak {
  rssBytes: number;
  heapUsedBytes: number;
}

export interface MemoryLimits {
  /** The cgroup (v1 or v2) memory limit of the container; null when there is none. */
  containerBytes: number | null;
  /** V8's heap limit (heap_size_limit). */
  heapBytes: number;
}

export interface MemoryWarning {
  message: string;
  fields: { peak: string; limit: string; raise: string };
}

/**
 * The process's limits. process.constrainedMemory() is libuv's reading of cgroup v1
 * memory.limit_in_bytes or v2 memory.max; "no limit" comes back as 0 or as a huge number.
 */
export function currentLimits(): MemoryLimits {
  const constrained = process.constrainedMemory();
  return {
    containerBytes: constrained > 0 && constrained < os.totalmem() ? constrained : null,
    heapBytes: getHeapStatistics().heap_size_limit,
  };
}

const mib = (bytes: number) => `${Math.round(bytes / MIB)} MiB`;

/** A limit that keeps the peak at 60% of it, rounded up to 64 MiB. */
function suggestedLimit(peakBytes: number): number {
  const step = 64 * MIB;
  return Math.ceil(peakBytes / 0.6 / step) * step;
}

/** Pure: one warning for the run's peak against the nearer of the two limits, or null below WARN_FRACTION of both. */
export function memoryWarning(peak: MemoryPeak, limits: MemoryLimits, fraction = WARN_FRACTION): MemoryWarning | null {
  const container = limits.containerBytes === null ? 0 : peak.rssBytes / limits.containerBytes;
  const heap = peak.heapUsedBytes / limits.heapBytes;
  if (Math.max(container, heap) < fraction) return null;
  if (container >= heap && limits.containerBytes !== null) {
    return {
      message: 'Memory peak of the run is near the container\'s memory limit',
      fields: {
        peak: `${mib(peak.rssBytes)} resident`,
        limit: `${mib(limits.containerBytes)} (cgroup memory limit)`,
        raise: `the container's memory limit (Helm: daemon.resources.limits.memory) to ${mib(suggestedLimit(peak.rssBytes))} or more; docs/sizing.md`,
      },
    };
  }
  return {
    message: 'Memory peak of the run is near Node\'s heap limit',
    fields: {
      peak: `${mib(peak.heapUsedBytes)} heap`,
      limit: `${mib(limits.heapBytes)} (V8 heap limit)`,
      raise: `the heap limit: the image sets --max-old-space-size-percentage=75 of the container's limit, so raise that limit; elsewhere NODE_OPTIONS=--max-old-space-size=${Math.ceil(suggestedLimit(peak.heapUsedBytes) / MIB)}; docs/sizing.md`,
    },
  };
}

/** Samples resident memory and heap until stop(), which returns the peak seen. */
export function watchMemory(): { stop(): MemoryPeak } {
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  const peak: MemoryPeak = { rssBytes: 0, heapUsedBytes: 0 };
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    peak.rssBytes = Math.max(peak.rssBytes, rss);
    peak.heapUsedBytes = Math.max(peak.heapUsedBytes, heapUsed);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      // The kernel's high-water mark is exact, but for the whole process: it is this run's peak
      // only when the run raised it.
      const maxRssAfter = process.resourceUsage().maxRSS * 1024;
      if (maxRssAfter > maxRssBefore) peak.rssBytes = Math.max(peak.rssBytes, maxRssAfter);
      return peak;
    },
  };
}

/** The warning, when the run's peak is near a limit. */
export function logMemoryPeak(log: Logger, peak: MemoryPeak, limits: MemoryLimits = currentLimits()): void {
  const warning = memoryWarning(peak, limits);
  if (warning !== null) log.warn(warning.message, warning.fields);
}
