/**
 * The process's resident memory, now and at its peak (the CPU counterpart of
 * `cuda.memoryStats`): what benchmarks report as peak RSS. On Linux the peak can be restarted
 * (/proc/self/clear_refs), so that one process can measure several configurations in turn.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface HostMemory {
  /** Resident set size now. */
  rssBytes: number;
  /** The largest resident set size since the process started or since `resetPeakHostMemory()`. */
  peakRssBytes: number;
}

function statusKiB(field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function hostMemory(): HostMemory {
  const rssBytes = process.memoryUsage.rss();
  const hwm = statusKiB('VmHWM');
  const peakRssBytes = hwm !== null ? hwm * 1024 : process.resourceUsage().maxRSS * 1024;
  return { rssBytes, peakRssBytes: Math.max(peakRssBytes, rssBytes) };
}

/** Restarts the peak from the current RSS; false where the system cannot (not Linux). */
export function resetPeakHostMemory(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
