/**
 * CLIP weights in the Hugging Face and OpenCLIP layouts load into t2vlp's towers and reproduce
 * the features the real libraries compute (test/fixtures/clip-variants/, made by
 * scripts/fixtures/make-clip-variants.py with transformers and open_clip_torch). Tolerance:
 * max|diff| ≤ 1e-5·max|ref| + 1e-6 per tensor, as for the reference fixtures. Images are compared
 * one by one: with `numFrames: 1` the joint blocks see a single frame, so the visual tower is
 * plain CLIP. Bad inputs get errors that name the file and the problem.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CheckpointError,
  readCheckpointFile,
  readSafetensors,
  writeSafetensors,
  type RawTensor,
} from '../torch/io/index.js';
import { loadSafetensors, nn, scope, type Tensor } from '../torch/index.js';
import { ConfigError, T2VLP } from './index.js';
import { assertClose } from './testing/parity.js';

const DIR = fileURLToPath(new URL('../../test/fixtures/clip-variants/', import.meta.url));
const HF = join(DIR, 'hf-clip');
const OPENCLIP = join(DIR, 'openclip.bin');
const tmp = mkdtempSync(join(tmpdir(), 't2vlp-clip-layouts-'));
const features = (await loadSafetensors(join(DIR, 'features.safetensors'))).tensors;
after(() => {
  rmSync(tmp, { recursive: true, force: true });
  for (const t of features.values()) t.dispose();
});

const PER_IMAGE = { config: { numFrames: 1 } };

/** Loads `path` and checks its image and text features against the stored `<name>.*` ones. */
async function checkFeatures(path: string, name: 'hf' | 'openclip'): Promise<T2VLP> {
  const model = await T2VLP.load(path, PER_IMAGE);
  const f = (k: string): Tensor => features.get(`${name}.${k}`)!;
  scope(() => {
    const image = model.clip.encodeImage(f('pixel_values')).hidden.select(1, 0); // class token: [N, E]
    assertClose(image, f('image_features'), `${name} image features`);
    assertClose(model.encodeText(f('input_ids')).eot, f('text_features'), `${name} text features`);
    assertClose(model.clip.logit_scale, f('logit_scale'), `${name} logit_scale`, 0, 0);
  });
  return model;
}

function writeRaw(path: string, tensors: Map<string, RawTensor>): Promise<void> {
  return writeSafetensors(path, tensors);
}

/** A copy of the HF fixture folder in tmp with config.json edited by `edit`. */
function hfCopy(name: string, edit: (c: Record<string, Record<string, unknown>>) => void): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  cpSync(join(HF, 'model.safetensors'), join(dir, 'model.safetensors'));
  const config = JSON.parse(readFileSync(join(HF, 'config.json'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  edit(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

describe('CLIP layouts: features match the libraries that wrote the weights', () => {
  test('a Hugging Face CLIPModel folder (config.json + model.safetensors)', async () => {
    const model = await checkFeatures(HF, 'hf');
    try {
      const c = model.config;
      assert.deepEqual(
        [
          c.visionLayers,
          c.visionWidth,
          c.imageResolution,
          c.visionPatchSize,
          c.textLayers,
          c.textWidth,
          c.contextLength,
          c.vocabSize,
          c.embedDim,
        ],
        [3, 64, 32, 8, 2, 48, 16, 100, 32],
      );
      assert.equal(c.eotTokenId, 99, "config.json's eos_token_id");
      // The tube encoder starts as the visual tower's last blocks, as for OpenAI's archive.
      const sd = model.stateDict();
      for (const [tube, visual] of [
        [0, 1],
        [1, 2],
      ])
        assert.ok(
          sd
            .get(`clip.local_visual.transformer.resblocks.${tube}.attn.in_proj_weight`)!
            .equal(sd.get(`clip.visual.transformer.resblocks.${visual}.attn.in_proj_weight`)!),
          `local block ${tube} = visual block ${visual}`,
        );
    } finally {
      model.dispose();
    }
  });

  test('the model.safetensors file itself, config.json read beside it', async () => {
    const model = await checkFeatures(join(HF, 'model.safetensors'), 'hf');
    assert.equal(model.config.eotTokenId, 99);
    model.dispose();
  });

  test('an OpenCLIP CLIP state dict (torch.save)', async () => {
    const model = await checkFeatures(OPENCLIP, 'openclip');
    assert.deepEqual(
      [
        model.config.visionLayers,
        model.config.imageResolution,
        model.config.textWidth,
        model.config.eotTokenId,
      ],
      [2, 24, 48, 89],
    );
    model.dispose();
  });

  test("an OpenCLIP CustomTextCLIP state dict (text tower under 'text.'), as safetensors", async () => {
    // Key names from the real CustomTextCLIP; the script checked these weights give identical features.
    const names = JSON.parse(
      readFileSync(join(DIR, 'openclip-custom-text-keys.json'), 'utf8'),
    ) as string[];
    assert.ok(names.some((k) => k.startsWith('text.transformer.resblocks.')));
    const plain = await readCheckpointFile(OPENCLIP);
    const custom = new Map<string, RawTensor>();
    for (const k of names) {
      const v = plain.get(k.startsWith('text.') ? k.slice(5) : k);
      assert.ok(v, `${k} has a counterpart in openclip.bin`);
      custom.set(k, v);
    }
    assert.equal(custom.size, plain.size);
    const path = join(tmp, 'open_clip_model.safetensors');
    await writeRaw(path, custom);
    (await checkFeatures(path, 'openclip')).dispose();
  });
});

describe('CLIP layouts: bad inputs', () => {
  test('a folder without model.safetensors lists what it holds', async () => {
    const dir = join(tmp, 'empty-hf');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), '{}');
    await assert.rejects(T2VLP.load(dir), (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.equal(e.code, 'NOT_FOUND');
      assert.match(
        e.message,
        /has no model\.safetensors or pytorch_model\.bin; .*Found: config\.json\./,
      );
      return true;
    });
  });

  test('a config.json whose activation is not QuickGELU is refused', async () => {
    const dir = hfCopy('gelu', (c) => {
      c.vision_config!.hidden_act = 'gelu';
    });
    await assert.rejects(T2VLP.load(dir), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(
        e.message,
        /config\.json: vision_config\.hidden_act is 'gelu'; t2vlp's CLIP towers use QuickGELU/,
      );
      return true;
    });
  });

  test('a config.json whose heads are not width / 64 is refused', async () => {
    const dir = hfCopy('heads', (c) => {
      c.text_config!.num_attention_heads = 4;
    });
    await assert.rejects(
      T2VLP.load(dir),
      /text_config\.num_attention_heads is 4 for width 48; t2vlp's CLIP towers use width \/ 64 = 1 heads/,
    );
  });

  test('q, k and v of different shapes name the offending tensor', async () => {
    const raw = (await readSafetensors(join(HF, 'model.safetensors'))).tensors;
    const key = 'vision_model.encoder.layers.1.self_attn.k_proj.weight';
    raw.set(key, { dtype: 'float32', shape: [64, 32], data: new Uint8Array(64 * 32 * 4) });
    const path = join(tmp, 'bad-k.safetensors');
    await writeRaw(path, raw);
    await assert.rejects(T2VLP.load(path), (e: unknown) => {
      assert.ok(e instanceof nn.StateDictError);
      assert.match(
        e.message,
        /cannot fuse q\/k\/v into 'visual\.transformer\.resblocks\.1\.attn\.in_proj_weight' in .*bad-k\.safetensors: 'vision_model\.encoder\.layers\.1\.self_attn\.k_proj\.weight' is float32 \[64,32\] but '.*q_proj\.weight' is float32 \[64,64\]/,
      );
      assert.deepEqual(e.report.mismatched, [{ key, expected: [64, 64], got: [64, 32] }]);
      return true;
    });
  });

  test('a mis-shaped projection is reported under its t2vlp name', async () => {
    const raw = (await readSafetensors(join(HF, 'model.safetensors'))).tensors;
    raw.set('visual_projection.weight', {
      dtype: 'float32',
      shape: [16, 64],
      data: new Uint8Array(16 * 64 * 4),
    });
    const path = join(tmp, 'bad-proj.safetensors');
    await writeRaw(path, raw);
    await assert.rejects(
      T2VLP.load(path),
      /'clip\.visual\.proj' is \[64,16\] in bad-proj\.safetensors; model expects \[64,32\]/,
    );
  });

  test('an unknown key layout is refused with a summary of what was found', async () => {
    const r: RawTensor = { dtype: 'float32', shape: [2], data: new Uint8Array(8) };
    const path = join(tmp, 'bert.safetensors');
    await writeRaw(
      path,
      new Map([
        ['encoder.layer.0.attention.self.query.weight', r],
        ['encoder.layer.1.output.dense.bias', r],
        ['pooler.dense.weight', r],
      ]),
    );
    await assert.rejects(T2VLP.load(path), (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.equal(e.code, 'UNSUPPORTED');
      assert.match(
        e.message,
        /bert\.safetensors' is not in a CLIP layout t2vlp knows\. t2vlp reads t2vlp checkpoints .*Hugging Face CLIPModel weights .*Found 3 tensors: encoder\. \(2\), pooler\. \(1\)$/,
      );
      return true;
    });
  });

  test('only one tower of a Hugging Face CLIP model is refused', async () => {
    const raw = (await readSafetensors(join(HF, 'model.safetensors'))).tensors;
    for (const k of [...raw.keys()]) if (k.startsWith('text_model.')) raw.delete(k);
    const path = join(tmp, 'vision-only.safetensors');
    await writeRaw(path, raw);
    await assert.rejects(
      T2VLP.load(path),
      /holds only the vision tower of a Hugging Face CLIP model/,
    );
  });

  test('OpenCLIP options t2vlp does not compute are named', async () => {
    const raw = await readCheckpointFile(OPENCLIP);
    raw.set('visual.transformer.resblocks.0.ls_1.gamma', {
      dtype: 'float32',
      shape: [64],
      data: new Uint8Array(256),
    });
    const path = join(tmp, 'layer-scale.safetensors');
    await writeRaw(path, raw);
    await assert.rejects(T2VLP.load(path), (e: unknown) => {
      assert.ok(e instanceof CheckpointError && e.code === 'UNSUPPORTED');
      assert.match(
        e.message,
        /do not implement: layer scale \(OpenCLIP 'ls_init_value'\): 'visual\.transformer\.resblocks\.0\.ls_1\.gamma'/,
      );
      return true;
    });
  });
});
