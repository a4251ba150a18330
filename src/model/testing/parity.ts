/**
 * Helpers for parity tests against the reference fixtures (test/fixtures/reference/, copied from
 * the shared fixtures; see test/fixtures/README.md). The acceptance rule is the fixtures'
 * recommended one: max|impl − ref| ≤ rel · max|ref| + abs, the scale being the tensor's largest
 * magnitude, with rel = 1e-5 and abs = 1e-6 for float32 tensors.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadSafetensors, type Tensor } from '../../torch/index.js';

export const REFERENCE_DIR = fileURLToPath(new URL('../../../test/fixtures/reference/', import.meta.url));

export async function fixture(name: string): Promise<Map<string, Tensor>> {
  return (await loadSafetensors(REFERENCE_DIR + name)).tensors;
}

export interface Diff {
  maxAbs: number;
  scale: number;
}

export function diff(actual: Tensor, expected: Tensor): Diff {
  assert.deepEqual(actual.shape, expected.shape, 'shape');
  const a = actual.to('float64').toArray() as Float64Array;
  const e = expected.to('float64').toArray() as Float64Array;
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i]! - e[i]!));
    scale = Math.max(scale, Math.abs(e[i]!));
  }
  return { maxAbs, scale };
}

export function assertClose(actual: Tensor, expected: Tensor, what: string, rel = 1e-5, abs = 1e-6): Diff {
  const d = diff(actual, expected);
  const bound = rel * d.scale + abs;
  assert.ok(
    d.maxAbs <= bound,
    `${what}: max |diff| ${d.maxAbs.toExponential(3)} exceeds ${bound.toExponential(3)} (scale ${d.scale.toExponential(3)})`,
  );
  return d;
}

/** The tiny configuration the fixtures were produced with, as T2VLP options. */
export const TINY = {
  embedDim: 128,
  imageResolution: 32,
  visionLayers: 12,
  visionWidth: 64,
  visionPatchSize: 8,
  contextLength: 77,
  vocabSize: 1000,
  textWidth: 128,
  textHeads: 2,
  textLayers: 6,
  eotTokenId: 999,
} as const;

/**
 * A named tensor of a fixture map, failing the test with the name when it is missing. `fixture`
 * is read at call time, so a map assigned in `before()` works.
 */
export function fixtureTensor(fixture: () => Map<string, Tensor>): (name: string) => Tensor {
  return (name) => {
    const t = fixture().get(name);
    assert.ok(t, `fixture has ${name}`);
    return t;
  };
}

/** The values of an int64 tensor as numbers, flattened. */
export const intValues = (t: Tensor): number[] => Array.from(t.reshape(-1).toArray() as BigInt64Array, Number);
