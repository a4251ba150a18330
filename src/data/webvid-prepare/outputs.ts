// The files a finished `prepare-webvid` leaves beside its shards, assembled from the per-shard
// records: `<name>.index` (video_id, shard file, byte offset; tab separated, docs/DATA.md §4.1;
// shard files are named relative to the folder, which the reader resolves, so the folder can
// move), the caption JSON the WebVid reader reads (a JSON array of {video_id, caption}, §3.5),
// and skipped.tsv listing every clip left out with the reason. Each is written whole or not at
// all; records are streamed shard by shard, so memory stays flat for millions of clips.
import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { once } from 'node:events';
import type { PrepareState, SkippedClip } from './state.js';

export const WEBVID_CAPTIONS_FILE = 'frozen_train.json';
export const SKIPPED_FILE = 'skipped.tsv';

class LineFile {
  private readonly out;
  constructor(readonly path: string) {
    this.out = createWriteStream(`${path}.tmp`);
  }
  async write(text: string): Promise<void> {
    if (!this.out.write(text)) await once(this.out, 'drain');
  }
  async commit(): Promise<void> {
    this.out.end();
    await once(this.out, 'finish');
    await rename(`${this.path}.tmp`, this.path);
  }
}

const tsvField = (s: string | number) => String(s).replace(/[\t\r\n]+/g, ' ');

export async function writeOutputs(
  state: PrepareState,
  numShards: number,
  trailing: readonly SkippedClip[],
  files: { indexFile: string; captionsFile: string; skippedFile: string },
): Promise<{ written: number; skipped: SkippedClip[] }> {
  const index = new LineFile(files.indexFile);
  const captions = new LineFile(files.captionsFile);
  const skipped: SkippedClip[] = [];
  let written = 0;
  await captions.write('[');
  for (let k = 0; k < numShards; k++) {
    const rec = await state.readShard(k);
    skipped.push(...rec.skipped);
    let idx = '';
    let cap = '';
    for (const [videoId, caption, offset] of rec.examples) {
      idx += `${videoId}\t${rec.file}\t${offset}\n`;
      cap += `${written++ ? ',' : ''}\n${JSON.stringify({ video_id: videoId, caption })}`;
    }
    await index.write(idx);
    await captions.write(cap);
  }
  await captions.write('\n]\n');
  skipped.push(...trailing);
  const list = new LineFile(files.skippedFile);
  await list.write('video_id\treason\tcsv\tline\tmessage\n');
  for (const c of skipped)
    await list.write(
      [c.videoId, c.reason, c.csv, c.line, c.message].map(tsvField).join('\t') + '\n',
    );
  await Promise.all([index.commit(), captions.commit(), list.commit()]);
  return { written, skipped };
}
