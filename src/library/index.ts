/**
 * The moment index of a video library: a library folder cut into time windows, each encoded by
 * the model and kept in an index folder (SQLite catalog + usearch ANN graph), updated
 * incrementally and safely resumable, and searched for moments.
 *
 * Why a folder of its own (not src/inference or src/serve): the index is used by two front ends,
 * `t2vlp index` (scripting, large libraries) and the HTTP service (`t2vlp serve`), and it owns
 * persistent state (files, locks, crash recovery) that neither the stateless inference helpers
 * nor the HTTP layer should know about. It sits beside src/inference (model → vectors) and below
 * src/serve and src/cli.
 */
export { LibraryError, type LibraryErrorCode } from './errors.js';
export { planWindows, validateWindows, DEFAULT_WINDOWS, type TimeWindow, type WindowOptions } from './windows.js';
export { scanLibrary, type LibraryFile } from './scan.js';
export { isInside, checkRelativePath, resolveLibraryFile } from './paths.js';
export { contentHash } from './content-hash.js';
export { Catalog, CATALOG_VERSION, type VideoRow, type VideoState, type WindowDetail } from './catalog.js';
export { VectorStore, type VectorMatch, type VectorStoreOptions } from './vector-store.js';
export { MomentIndex, DEFAULT_INDEX_DIRNAME, type IndexIdentity, type OpenIndexOptions } from './moment-index.js';
export { encodeWindows, type EncodedWindow } from './encode-windows.js';
export { indexLibrary, type IndexerOptions, type IndexProgress } from './indexer.js';
export { searchMoments, bestFrameTime, type Moment, type MomentQuery } from './search-moments.js';
