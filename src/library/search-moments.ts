/**
 * Moments for a query vector: the best windows from the vector store, merged into one hit per
 * video (its best window), each with the time of the window's frame closest to the query. The
 * store is asked for more windows than hits (a video has many windows), doubling until `k`
 * videos are found or every window was seen.
 */
import type { MomentIndex } from './moment-index.js';

export interface Moment {
  /** Relative to the library root. */
  video: string;
  videoId: number;
  windowId: number;
  start: number;
  end: number;
  /** Seconds: the best frame of the window. */
  time: number;
  /** Inner product of the query with the window embedding (cosine). */
  cosine: number;
}

export interface MomentQuery {
  k: number;
  /** Windows never returned (the query moment itself). */
  excludeWindows?: ReadonlySet<number>;
  /** A video never returned. */
  excludeVideo?: number;
  exact?: boolean;
}

export function searchMoments(index: MomentIndex, query: Float32Array, q: MomentQuery): Moment[] {
  const { vectors, catalog } = index;
  const n = vectors.size;
  if (!n || q.k < 1) return [];
  let want = Math.min(n, Math.max(q.k * 8, 64));
  for (;;) {
    const best = new Map<number, Moment>();
    for (const m of vectors.search(query, want, { exact: q.exact })) {
      if (q.excludeWindows?.has(m.key)) continue;
      if (best.size >= q.k) break; // matches come best first: the rest cannot enter the top k
      const w = catalog.windowDetail(m.key);
      if (!w || w.video_id === q.excludeVideo || best.has(w.video_id)) continue;
      best.set(w.video_id, {
        video: w.path,
        videoId: w.video_id,
        windowId: w.id,
        start: w.start,
        end: w.end,
        time: bestFrameTime(query, w.frames, w.frameTimes, w.start, w.end),
        cosine: m.dot,
      });
    }
    if (best.size >= q.k || want >= n) return [...best.values()].sort((a, b) => b.cosine - a.cosine || a.windowId - b.windowId);
    want = Math.min(n, want * 2);
  }
}

/** The time of the frame most similar to the query (the window's middle if it has no frame). */
export function bestFrameTime(query: Float32Array, frames: Float32Array, times: readonly number[], start: number, end: number): number {
  const E = query.length;
  let bestT = (start + end) / 2;
  let best = -Infinity;
  times.forEach((t, i) => {
    let s = 0;
    for (let e = 0; e < E; e++) s += query[e]! * frames[i * E + e]!;
    if (s > best) {
      best = s;
      bestT = t;
    }
  });
  return bestT;
}
