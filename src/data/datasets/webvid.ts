// WebVid pre-training annotations (docs/DATA.md §3.5, §4): a JSON array of {video_id,
// caption} (frozen_train.json) and the TFRecord directory with path.index; one sample per
// array element whose video is in the index (others are reported: strict throws, else skipped).
import { join } from 'node:path';
import { AnnotationError } from '../errors.js';
import { readWebvidIndex } from '../tfrecord/webvid-shards.js';
import { readJson } from './files.js';
import { IssueSink, stringField, type Dataset, type ReaderOptions, type Sample } from './types.js';

export async function readWebvidCaptions(
  path: string,
  opts: ReaderOptions = {},
  sink: IssueSink = new IssueSink(opts.strict ?? true),
): Promise<{ videoId: string; caption: string }[]> {
  const what = 'readWebvidCaptions';
  const json = await readJson(path, what);
  if (!Array.isArray(json))
    throw new AnnotationError(
      'BAD_FORMAT',
      `${what}: '${path}' is not a JSON array of {video_id, caption}`,
    );
  const out: { videoId: string; caption: string }[] = [];
  json.forEach((r, i) => {
    const videoId = stringField(r, 'video_id', sink, what, path, `element ${i}`);
    const caption = stringField(r, 'caption', sink, what, path, `element ${i}`);
    if (videoId !== undefined && caption !== undefined) out.push({ videoId, caption });
  });
  return out;
}

export interface WebvidOptions extends ReaderOptions {
  /** The caption json (frozen_train.json). */
  captionsJson: string;
  /** Folder with path.index and the shards (WebVid_TFRecord). */
  tfrecordDir: string;
  indexName?: string;
}

export async function loadWebvid(o: WebvidOptions): Promise<Dataset> {
  const sink = new IssueSink(o.strict ?? true);
  const [caps, index] = await Promise.all([
    readWebvidCaptions(o.captionsJson, o, sink),
    readWebvidIndex(o.tfrecordDir, o.indexName),
  ]);
  const samples: Sample[] = [];
  for (const c of caps) {
    const loc = index.get(c.videoId);
    if (!loc) {
      sink.report(
        new AnnotationError(
          'ENOENT',
          `loadWebvid: video '${c.videoId}' of '${o.captionsJson}' is not in '${join(o.tfrecordDir, `${o.indexName ?? 'path'}.index`)}'`,
        ),
      );
      continue;
    }
    samples.push({
      videoId: c.videoId,
      video: { kind: 'tfrecord', ...loc },
      split: 'train',
      caption: c.caption,
    });
  }
  return { name: 'webvid', split: 'train', samples, issues: sink.issues };
}
