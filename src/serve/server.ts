/**
 * The running service: opens (or creates) the index of a library for a model, starts indexing
 * in the background, and serves the API and page at once. One model serves every request
 * (query-queue.ts) and the indexer; the indexer waits while queries are queued, so searching
 * stays responsive during indexing. `close()` shuts down gracefully: no new connections, the
 * indexer stops after the batch being written, the ANN graph is saved, the database closed.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { ClipTokenizer } from '../data/index.js';
import { indexLibrary, MomentIndex, type IndexerOptions, type IndexProgress, type VectorStoreOptions, type WindowOptions } from '../library/index.js';
import type { T2VLP } from '../model/index.js';
import { noGrad, scope } from '../torch/index.js';
import { createApp, type Capabilities } from './app.js';
import { checkBind } from './auth.js';
import { encodeQueries } from './encode-queries.js';
import { ServeError } from './errors.js';
import { QueryQueue, type QueryQueueOptions } from './query-queue.js';
import { Thumbnails } from './thumbnails.js';

export interface ServiceOptions {
  model: T2VLP;
  tokenizer: ClipTokenizer;
  /** The checkpoint's path (shown, and recorded in the index) and content hash (the index's identity). */
  modelName: string;
  modelHash: string;
  library: string;
  indexDir?: string;
  /** Default 127.0.0.1; any other address needs `token`. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  token?: string;
  windows?: WindowOptions;
  /** Frames per second sampled within a window (default 2). */
  fps?: number;
  /** Index in the background (default true). */
  indexing?: boolean;
  indexer?: Pick<IndexerOptions, 'batchSize' | 'concurrency' | 'decodeAhead' | 'saveEverySec'>;
  queue?: QueryQueueOptions;
  /** Exact-search threshold and HNSW parameters. */
  vectors?: VectorStoreOptions;
  maxK?: number;
  maxWords?: number;
  onProgress?: (p: IndexProgress) => void;
  /** Called when background indexing fails (it stops; searching goes on). */
  onIndexError?: (e: unknown) => void;
}

export interface RunningService {
  url: string;
  port: number;
  index: MomentIndex;
  queue: QueryQueue;
  /** Resolves when background indexing ends (done or stopped by close). */
  indexing: Promise<IndexProgress | undefined>;
  close(): Promise<void>;
}

/** Heads beyond retrieval, by duck typing so this compiles before they exist. */
export function modelCapabilities(model: object): Capabilities {
  const has = (k: string) => k in model && Boolean((model as Record<string, unknown>)[k]);
  return { rerank: has('hasFusion'), caption: has('hasCaptioner'), qa: has('hasQa') };
}

export async function startService(o: ServiceOptions): Promise<RunningService> {
  const host = o.host ?? '127.0.0.1';
  checkBind(host, o.token);
  const { model, tokenizer } = o;
  const fps = o.fps ?? 2;
  const index = MomentIndex.open({
    ...o.vectors,
    root: o.library,
    indexDir: o.indexDir,
    identity: { modelHash: o.modelHash, modelName: o.modelName, dim: model.config.embedDim, fps, frames: model.config.numFrames, windows: o.windows ?? {} },
  });
  const queue = new QueryQueue((texts) => encodeQueries(model, tokenizer, texts, o.maxWords ?? 32), o.queue);
  const scale = noGrad(() => scope(() => (model.clip.logit_scale.exp().to('float32').toArray() as Float32Array)[0]!));
  let progress: IndexProgress | undefined;
  const stop = new AbortController();
  const app = createApp({
    index,
    queue,
    thumbnails: new Thumbnails(index.thumbsDir),
    scale,
    checkQuery: (q) => {
      if (tokenizer.encode(q).length === 0) throw new ServeError('BAD_REQUEST', `the query ${JSON.stringify(q)} has no words the model knows after cleaning`);
    },
    progress: () => progress,
    capabilities: modelCapabilities(model),
    model: o.modelName,
    token: o.token,
    maxK: o.maxK,
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  // The thread is busy for seconds during a forward pass: timers must not close a kept-alive
  // connection whose next request is already waiting to be read.
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 40_000;
  server.requestTimeout = 60_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 8080, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await index.close();
    throw new ServeError('UNSAFE_BIND', `cannot listen on ${host}:${o.port ?? 8080}: ${(e as Error).message}`, { cause: e });
  }
  const port = (server.address() as AddressInfo).port;

  const indexing: Promise<IndexProgress | undefined> =
    o.indexing === false
      ? Promise.resolve(undefined)
      : indexLibrary(index, {
          model,
          fps,
          ...o.indexer,
          signal: stop.signal,
          beforeBatch: () => queue.idle(),
          onProgress: (p) => {
            progress = p;
            o.onProgress?.(p);
          },
        }).catch((e: unknown) => {
          if (progress) progress = { ...progress, phase: 'stopped' };
          o.onIndexError?.(e);
          return progress;
        });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stop.abort();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      await indexing;
      const grace = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(grace);
      await index.close();
    })());
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}`, port, index, queue, indexing, close };
}
