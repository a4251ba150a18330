// Pixel-level parity of the CLIP transform with Pillow + torchvision + torch on synthetic
// images (fixture test/fixtures/data/pil-resize.json, see gen-pil-resize.py there): the uint8
// resize/crop must equal Pillow's bit for bit, and the normalised float32 tensor torch's
// bit for bit (tolerance 0).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { centerCropOffsets, pyRound, resizedSize } from './pil-resize.js';
import { normalizeToChw, resizeCenterCrop } from './preprocess.js';
import { patternImage } from './test-images.js';

interface Case {
  width: number;
  height: number;
  crop_uint8_sha256: string;
  crop_uint8_gz_b64?: string;
  normalized_f32_sha256: string;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/data/pil-resize.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

const sha = (a: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');

for (const c of fixture.cases) {
  test(`resize+crop+normalise ${c.width}x${c.height} equals Pillow/torch exactly`, () => {
    const crop = resizeCenterCrop(patternImage(c.width, c.height), 224);
    assert.equal(crop.width, 224);
    assert.equal(crop.height, 224);
    if (c.crop_uint8_gz_b64) {
      const want = gunzipSync(Buffer.from(c.crop_uint8_gz_b64, 'base64'));
      let diffs = 0;
      for (let i = 0; i < want.length; i++) if (want[i] !== crop.data[i]) diffs++;
      assert.equal(diffs, 0, `${diffs} bytes differ from Pillow`);
    }
    assert.equal(sha(crop.data), c.crop_uint8_sha256, 'uint8 crop differs from Pillow');
    const chw = new Float32Array(3 * 224 * 224);
    normalizeToChw(crop, chw);
    assert.equal(sha(chw), c.normalized_f32_sha256, 'normalised floats differ from torch');
  });
}

test('output size and crop offsets follow torchvision (Python rounding)', () => {
  assert.deepEqual(resizedSize(640, 360, 224), { width: 398, height: 224 });
  assert.deepEqual(resizedSize(360, 640, 224), { width: 224, height: 398 });
  assert.deepEqual(centerCropOffsets(225, 224, 224), { left: 0, top: 0 }); // round(0.5) = 0
  assert.deepEqual(centerCropOffsets(227, 224, 224), { left: 2, top: 0 }); // round(1.5) = 2
  assert.equal(pyRound(2.5), 2);
  assert.equal(pyRound(-0.5), -0);
});
