/**
 * The video search service (`t2vlp serve`): a JSON API over a library's moment index
 * (src/library) with text and similar-moment search, video streaming with byte ranges, cached
 * thumbnails, indexing in the background, and a web page (public/, plain HTML/JS/CSS).
 */
export { ServeError, type ServeErrorCode } from './errors.js';
export { createApp, type Capabilities, type Hit, type ServiceContext } from './app.js';
export { startService, modelCapabilities, type RunningService, type ServiceOptions } from './server.js';
export { QueryQueue, type QueryQueueOptions } from './query-queue.js';
export { Thumbnails } from './thumbnails.js';
export { checkBind, isLoopback } from './auth.js';
export { parseRange, fileResponse } from './video-stream.js';
