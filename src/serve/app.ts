/**
 * The HTTP API and the page (hono). Routes:
 *   GET /api/status                         indexing progress, counts, failures, model capabilities
 *   GET /api/search?q=TEXT&k=K              text → moments, one hit per video
 *   GET /api/similar?video=PATH[&t=SEC][&k=K] moment (or whole video) → similar moments
 *   GET /api/videos/PATH                    a library file, with byte ranges
 *   GET /api/thumbnail?video=PATH&t=SEC     a JPEG frame (cached)
 *   GET /                                   the page (public/)
 * A hit is { video, start, end, time, score, thumbnail }: `video` relative to the library, times
 * in seconds, `score` the model's retrieval similarity exp(logit_scale) · cos (as `t2vlp search`).
 * Errors answer { error: { code, message } } with the ServeError's status.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Hono, type Context } from 'hono';
import { VIDEO_EXTENSIONS } from '../inference/index.js';
import { LibraryError, resolveLibraryFile, searchMoments, type IndexProgress, type Moment, type MomentIndex } from '../library/index.js';
import { presentedToken, TOKEN_COOKIE, tokenMatches } from './auth.js';
import { ServeError } from './errors.js';
import { publicFile } from './public-files.js';
import type { QueryQueue } from './query-queue.js';
import type { Thumbnails } from './thumbnails.js';
import { fileResponse } from './video-stream.js';

/** Heads a checkpoint may have beyond retrieval; the page offers what is true. */
export interface Capabilities {
  /** Re-ranking with the fusion encoder's matching probability. */
  rerank: boolean;
  caption: boolean;
  qa: boolean;
}

export interface ServiceContext {
  index: MomentIndex;
  queue: QueryQueue;
  thumbnails: Thumbnails;
  /** exp(logit_scale): cosine → retrieval score. */
  scale: number;
  /** Throws ServeError BAD_REQUEST for a query the tokenizer reduces to nothing. */
  checkQuery: (q: string) => void;
  progress: () => IndexProgress | undefined;
  capabilities: Capabilities;
  model: string;
  token?: string;
  /** Largest k (default 100) and query length in characters (default 1000). */
  maxK?: number;
  maxQueryChars?: number;
}

export interface Hit {
  video: string;
  start: number;
  end: number;
  time: number;
  score: number;
  thumbnail: string;
}

const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

export function createApp(s: ServiceContext): Hono {
  const app = new Hono();
  const maxK = s.maxK ?? 100;
  const maxChars = s.maxQueryChars ?? 1000;

  app.onError((e, c) => {
    const err =
      e instanceof ServeError
        ? e
        : e instanceof LibraryError && (e.code === 'NOT_FOUND' || e.code === 'UNKNOWN_VIDEO')
          ? new ServeError('NOT_FOUND', e.message)
          : undefined;
    if (!err) {
      console.error(`serve: ${c.req.method} ${c.req.path}: ${(e as Error).stack ?? String(e)}`);
      return c.json({ error: { code: 'INTERNAL', message: (e as Error).message } }, 500);
    }
    if (err.retryAfterSec) c.header('Retry-After', String(err.retryAfterSec));
    return c.json({ error: { code: err.code, message: err.message } }, err.status as 400);
  });

  if (s.token) {
    const token = s.token;
    app.use('*', async (c, next) => {
      const got = presentedToken({ authorization: c.req.header('authorization'), queryToken: c.req.query('token'), cookie: c.req.header('cookie') });
      if (!tokenMatches(token, got?.token))
        throw new ServeError('UNAUTHORIZED', got ? 'the token is wrong' : "this server needs a token: send 'Authorization: Bearer TOKEN' or open /?token=TOKEN");
      if (got!.via === 'query') c.header('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
      await next();
    });
  }

  const intParam = (c: Context, name: string, dflt: number, min: number, max: number): number => {
    const raw = c.req.query(name);
    if (raw === undefined || raw === '') return dflt;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) throw new ServeError('BAD_REQUEST', `${name} must be an integer from ${min} to ${max}; got '${raw}'`);
    return v;
  };
  const timeParam = (c: Context, name: string): number | undefined => {
    const raw = c.req.query(name);
    if (raw === undefined || raw === '') return undefined;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) throw new ServeError('BAD_REQUEST', `${name} must be a time in seconds >= 0; got '${raw}'`);
    return v;
  };
  const hit = (m: Moment): Hit => ({
    video: m.video,
    start: m.start,
    end: m.end,
    time: m.time,
    score: Math.round(s.scale * m.cosine * 1e4) / 1e4,
    thumbnail: `/api/thumbnail?video=${encodeURIComponent(m.video)}&t=${m.time}`,
  });

  app.get('/api/status', (c) => {
    const counts = s.index.catalog.counts();
    const p = s.progress();
    const failed = s.index.catalog
      .videos()
      .filter((v) => v.state === 'failed')
      .map((v) => ({ video: v.path, reason: v.error ?? 'unknown error' }));
    return c.json({
      done: p ? p.phase === 'done' || p.phase === 'stopped' : true,
      videos: counts.done,
      windows: counts.windows,
      failed,
      progress: p
        ? {
            phase: p.phase,
            filesInLibrary: p.videos,
            toIndex: p.toIndex,
            indexed: p.indexed,
            windowsEncoded: p.windowsEncoded,
            removed: p.removed,
            current: p.current ?? null,
            elapsedSec: Math.round(p.elapsedSec * 10) / 10,
          }
        : null,
      model: s.model,
      capabilities: s.capabilities,
      queue: { pending: s.queue.pending, limit: s.queue.maxPending, ...s.queue.stats },
    });
  });

  app.get('/api/search', async (c) => {
    const q = (c.req.query('q') ?? '').trim();
    if (!q) throw new ServeError('BAD_REQUEST', "q is empty: give some words to search for (/api/search?q=a+dog+jumps)");
    if (q.length > maxChars) throw new ServeError('BAD_REQUEST', `q has ${q.length} characters; the limit is ${maxChars}`);
    const k = intParam(c, 'k', 10, 1, maxK);
    if (c.req.query('rerank'))
      throw new ServeError('NOT_AVAILABLE', s.capabilities.rerank ? 're-ranking with the fusion encoder is not served by this version yet' : 'this checkpoint has no fusion encoder: re-ranking is not available');
    s.checkQuery(q);
    const vec = await s.queue.submit(q);
    return c.json({ query: q, hits: searchMoments(s.index, vec, { k }).map(hit) });
  });

  app.get('/api/similar', (c) => {
    const video = c.req.query('video') ?? '';
    const row = video ? s.index.catalog.video(video) : undefined;
    if (!row || row.state === 'failed') throw new ServeError('NOT_FOUND', `video '${video}' is not in the index (yet)`);
    const k = intParam(c, 'k', 10, 1, maxK);
    const t = timeParam(c, 't');
    const windows = s.index.catalog.windowsOf(row.id);
    if (!windows.length) throw new ServeError('NOT_FOUND', `video '${video}' has no indexed moment yet`);
    const E = s.index.vectors.dim;
    const query = new Float32Array(E);
    const exclude = new Set<number>();
    let excludeVideo: number | undefined;
    if (t === undefined) {
      // The whole video: the normalised mean of its windows; other videos only.
      for (const w of windows) s.index.vectors.vector(w.id)?.forEach((v, i) => (query[i] += v));
      excludeVideo = row.id;
    } else {
      const mid = (w: { start: number; end: number }) => Math.abs((w.start + w.end) / 2 - t);
      const w = windows.reduce((a, b) => (mid(b) < mid(a) ? b : a));
      query.set(s.index.vectors.vector(w.id) ?? query);
      // Not the moment itself: windows of this video overlapping it.
      for (const o of windows) if (o.start < w.end && o.end > w.start) exclude.add(o.id);
    }
    const norm = Math.hypot(...query) || 1;
    query.forEach((v, i) => (query[i] = v / norm));
    return c.json({ video, t: t ?? null, hits: searchMoments(s.index, query, { k, excludeWindows: exclude, excludeVideo }).map(hit) });
  });

  app.get('/api/videos/*', async (c) => {
    const raw = new URL(c.req.url).pathname.slice('/api/videos/'.length);
    let rel: string;
    try {
      rel = raw.split('/').map(decodeURIComponent).join('/');
    } catch {
      throw new ServeError('BAD_REQUEST', 'the video path is not valid percent-encoding');
    }
    if (!VIDEO_EXTENSIONS.includes(extname(rel).toLowerCase())) throw new ServeError('NOT_FOUND', `'${rel}' is not a video of the library`);
    const abs = await resolveLibraryFile(s.index.root, rel);
    return fileResponse(abs, c.req.header('range'));
  });

  app.get('/api/thumbnail', async (c) => {
    const video = c.req.query('video') ?? '';
    const t = timeParam(c, 't') ?? 0;
    const abs = await resolveLibraryFile(s.index.root, video);
    const file = await s.thumbnails.get(abs, t);
    return fileResponse(file, undefined, { 'Cache-Control': 'private, max-age=3600' });
  });

  for (const what of ['caption', 'qa'] as const)
    app.get(`/api/${what}`, () => {
      throw new ServeError('NOT_AVAILABLE', s.capabilities[what] ? `${what} is not served by this version yet` : `this checkpoint has no ${what === 'qa' ? 'question-answering' : 'captioning'} head`);
    });

  app.get('/', async (c) => c.html(await readFile(publicFile('index.html'), 'utf8')));
  app.get('/:file{[a-z-]+\\.(js|css)}', async (c) => {
    const name = c.req.param('file');
    const body = await readFile(publicFile(name), 'utf8').catch(() => undefined);
    if (body === undefined) throw new ServeError('NOT_FOUND', `no file '${name}'`);
    return c.body(body, 200, { 'Content-Type': name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8' });
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  return app;
}

export { encodePath };
