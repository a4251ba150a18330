/**
 * Embeddings files: round trip of video and text files, and the errors for files that are not
 * embeddings files (a model checkpoint, a JSON file, a missing path) and for inconsistent arrays.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VIT_B_16 } from '../model/config.js';
import { readSafetensorsHeader, writeSafetensors } from '../torch/io/index.js';
import { readEmbeddings, writeEmbeddings, type EmbeddingsData } from './embeddings.js';
import { InferenceError } from './errors.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2vlp-emb-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = { ...VIT_B_16, embedDim: 3, numFrames: 2 };

function videoData(): EmbeddingsData {
  return {
    kind: 'video',
    ids: ['a.mp4', 'b.mp4'],
    embeddings: Float32Array.from([1, 0, 0, 0, 0.6, 0.8]),
    dim: 3,
    frames: Float32Array.from({ length: 12 }, (_, i) => i / 10),
    videoMask: Uint8Array.from([1, 1, 1, 0]),
    numFrames: 2,
    skipped: [{ id: 'c.mp4', reason: 'probeVideo: cannot open' }],
    checkpoint: '/models/x.safetensors',
    modelConfig: config,
    options: { fps: 2, frames: 2 },
  };
}

describe('writeEmbeddings / readEmbeddings', () => {
  test('a video file round-trips with its tensors and metadata', async () => {
    const p = join(dir, 'videos.safetensors');
    const d = videoData();
    await writeEmbeddings(p, d);
    const h = await readSafetensorsHeader(p);
    const shapes = Object.fromEntries(h.entries.map((e) => [e.name, [e.dtype, e.shape]]));
    assert.deepEqual(shapes, {
      embeddings: ['float32', [2, 3]],
      frames: ['float32', [2, 2, 3]],
      video_mask: ['int64', [2, 2]],
    });
    assert.equal(h.metadata.format, 't2vlp-embeddings');
    assert.equal(h.metadata.kind, 'video');
    assert.deepEqual(JSON.parse(h.metadata.ids!), ['a.mp4', 'b.mp4']);
    const r = await readEmbeddings(p);
    assert.deepEqual(r, d);
  });

  test('a text file round-trips without frames', async () => {
    const p = join(dir, 'texts.safetensors');
    const d: EmbeddingsData = {
      kind: 'text',
      ids: ['a dog', 'a cat, "quoted"'],
      embeddings: Float32Array.from([1, 0, 0, 0, 1, 0]),
      dim: 3,
      skipped: [],
      checkpoint: 'ck.safetensors',
      modelConfig: config,
      options: { maxWords: 32 },
    };
    await writeEmbeddings(p, d);
    assert.deepEqual(
      (await readSafetensorsHeader(p)).entries.map((e) => e.name),
      ['embeddings'],
    );
    assert.deepEqual(await readEmbeddings(p), d);
  });

  test('arrays that disagree with the ids are refused before writing', async () => {
    const d = { ...videoData(), ids: ['only-one.mp4'] };
    await assert.rejects(writeEmbeddings(join(dir, 'bad.safetensors'), d), {
      name: 'InferenceError',
      code: 'BAD_EMBEDDINGS',
      message: /embeddings has 6 values; 1 ids × dim 3 needs 3/,
    });
  });

  test('a model checkpoint is not an embeddings file', async () => {
    const p = join(dir, 'model.safetensors');
    const w = { dtype: 'float32' as const, shape: [1], data: new Uint8Array(4) };
    await writeSafetensors(p, { 'clip.logit_scale': w }, { format: 't2vlp' });
    await assert.rejects(readEmbeddings(p), (e: unknown) => {
      assert.ok(e instanceof InferenceError);
      assert.equal(e.code, 'NOT_EMBEDDINGS');
      assert.match(e.message, /is not an embeddings file: it is a T2VLP model checkpoint/);
      return true;
    });
  });

  test('a file that is not safetensors, and a missing file', async () => {
    const p = join(dir, 'notes.json');
    await writeFile(p, '{"hello": 1}\n');
    await assert.rejects(readEmbeddings(p), {
      code: 'NOT_EMBEDDINGS',
      message:
        /notes\.json' is not an embeddings file from 't2vlp encode': .*not a safetensors file/,
    });
    await assert.rejects(readEmbeddings(join(dir, 'missing.safetensors')), {
      code: 'NOT_FOUND',
      message: /embeddings file '.*missing\.safetensors' does not exist/,
    });
  });

  test('a file whose ids disagree with its tensors', async () => {
    const p = join(dir, 'short-ids.safetensors');
    const w = { dtype: 'float32' as const, shape: [2, 3], data: new Uint8Array(24) };
    await writeSafetensors(
      p,
      { embeddings: w },
      { format: 't2vlp-embeddings', kind: 'text', ids: '["x"]' },
    );
    await assert.rejects(readEmbeddings(p), {
      code: 'BAD_EMBEDDINGS',
      message: /'embeddings' of '.*' is float32 \[2, 3\]; expected float32 \[1, E\] for its 1 ids/,
    });
  });
});
