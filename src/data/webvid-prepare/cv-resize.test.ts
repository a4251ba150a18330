// cvResizeLinear against OpenCV 4.10's cv2.resize(img, (256, 256)) (fixture
// test/fixtures/data/cv-resize.json, made by scripts/fixtures/gen-cv-resize.py): exact, every
// byte, for shrinking, enlarging, mixed, identity and the exact 2x case. Tolerance: none.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import type { RgbImage } from '../video/pil-resize.js';
import { cvResizeLinear } from './cv-resize.js';

interface Case {
  image: 'pattern' | 'noise';
  width: number;
  height: number;
  sha256: string;
  gz_b64?: string;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/data/cv-resize.json', import.meta.url), 'utf8'),
) as { size: number; cases: Case[] };

function pattern(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      data[o] = (x * 13 + y * 7) % 256;
      data[o + 1] = ((x ^ y) * 5) % 256;
      data[o + 2] = x < Math.floor(w / 2) ? (y * 9) % 256 : 255 - ((x * 3) % 256);
    }
  return { data, width: w, height: h };
}

function noise(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++)
        data[(y * w + x) * 3 + c] = ((x * 73856093) ^ (y * 19349663) ^ (c * 83492791)) & 255;
  return { data, width: w, height: h };
}

for (const c of fixture.cases) {
  test(`cv2.resize of ${c.image} ${c.width}x${c.height} -> ${fixture.size}x${fixture.size} bit-exact`, () => {
    const make = c.image === 'noise' ? noise : pattern;
    const out = cvResizeLinear(make(c.width, c.height), fixture.size, fixture.size);
    assert.equal(out.data.length, fixture.size * fixture.size * 3);
    if (c.gz_b64) {
      const ref = gunzipSync(Buffer.from(c.gz_b64, 'base64'));
      let diffs = 0;
      let first = -1;
      for (let i = 0; i < ref.length; i++)
        if (ref[i] !== out.data[i]) {
          diffs++;
          if (first < 0) first = i;
        }
      assert.equal(diffs, 0, `${diffs} bytes differ, first at byte ${first}`);
    }
    assert.equal(createHash('sha256').update(out.data).digest('hex'), c.sha256);
  });
}

test('the input is not modified', () => {
  const img = pattern(40, 30);
  const copy = img.data.slice();
  cvResizeLinear(img, 256, 256);
  assert.deepEqual(img.data, copy);
});
