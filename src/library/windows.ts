/**
 * Cutting a video into moments: windows of `windowSec` seconds that start every `strideSec`
 * seconds (the overlap is windowSec - strideSec), in whole seconds because the reference's
 * frame sampling takes a whole-second range (docs/DATA.md: RawVideoExtractor's
 * start_time/end_time): a window [start, end) samples seconds start..ceil(end)-1 (indexer.ts
 * `referenceRange`). A video no longer than one window is one window [0, duration], sampled
 * exactly as a whole video. The last window is pulled back so it is
 * never shorter than half a window (it then overlaps its neighbour more).
 */
import { LibraryError } from './errors.js';

export interface WindowOptions {
  /** Window length in seconds (default 10). */
  windowSec?: number;
  /** Seconds between window starts (default 7: 3 s of overlap). */
  strideSec?: number;
}

export interface TimeWindow {
  /** Seconds from the start of the video. */
  start: number;
  end: number;
}

export const DEFAULT_WINDOWS: Required<WindowOptions> = { windowSec: 10, strideSec: 7 };

export function validateWindows(o: WindowOptions): Required<WindowOptions> {
  const w = { ...DEFAULT_WINDOWS, ...o };
  if (!(Number.isInteger(w.windowSec) && w.windowSec >= 1))
    throw new LibraryError('BAD_OPTION', `windowSec must be a whole number of seconds >= 1; got ${w.windowSec}`);
  if (!(Number.isInteger(w.strideSec) && w.strideSec >= 1 && w.strideSec <= w.windowSec))
    throw new LibraryError(
      'BAD_OPTION',
      `strideSec must be a whole number of seconds from 1 to windowSec (${w.windowSec}); got ${w.strideSec}`,
    );
  return w;
}

/** The windows of a video of `durationSec` seconds, in time order. */
export function planWindows(durationSec: number, o: WindowOptions = {}): TimeWindow[] {
  const { windowSec, strideSec } = validateWindows(o);
  if (!(durationSec > 0)) return [];
  if (durationSec <= windowSec) return [{ start: 0, end: durationSec }];
  const out: TimeWindow[] = [];
  for (let start = 0; ; start += strideSec) {
    if (start + windowSec >= durationSec) {
      // The tail: a full window ending at the video's end, unless that repeats the previous one.
      const s = Math.max(0, Math.min(start, Math.floor(durationSec - windowSec / 2)));
      const prev = out.at(-1);
      if (!prev || s > prev.start) out.push({ start: s, end: durationSec });
      else prev.end = durationSec;
      return out;
    }
    out.push({ start, end: start + windowSec });
  }
}
