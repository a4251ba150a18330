/**
 * Reading a Hugging Face CLIP config.json: the end-of-text id follows HF's pooling rule, absent
 * fields take HF's defaults, and models t2vlp's towers would compute differently are refused
 * with the offending field named.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from './config.js';
import { hfClipConfig } from './hf-clip-config.js';

const B16 = { visionWidth: 768, textWidth: 512 };

describe('hfClipConfig', () => {
  test("eos_token_id gives the end-of-text id; the legacy 2 (argmax pooling) leaves t2vlp's default", () => {
    assert.deepEqual(hfClipConfig({ text_config: { eos_token_id: 49407 } }, B16, 'c.json'), {
      eotTokenId: 49407,
    });
    assert.deepEqual(hfClipConfig({ text_config: { eos_token_id: 2 } }, B16, 'c.json'), {});
    assert.deepEqual(
      hfClipConfig({}, B16, 'c.json'),
      {},
      'absent fields take HF defaults (8 and 12 heads)',
    );
  });

  test('refuses other model types, activations, LayerNorm eps and head counts', () => {
    const refused = (json: Record<string, unknown>, re: RegExp) =>
      assert.throws(
        () => hfClipConfig(json, B16, 'c.json'),
        (e: unknown) => e instanceof ConfigError && re.test(e.message),
      );
    refused(
      { model_type: 'siglip' },
      /c\.json: model_type is 'siglip'; t2vlp loads Hugging Face CLIP models/,
    );
    refused({ text_config: { hidden_act: 'gelu' } }, /text_config\.hidden_act is 'gelu'/);
    refused(
      { vision_config: { layer_norm_eps: 1e-6 } },
      /vision_config\.layer_norm_eps is 0\.000001; t2vlp's LayerNorms use 1e-5/,
    );
    refused(
      { vision_config: { num_attention_heads: 16 } },
      /num_attention_heads is 16 for width 768; .* = 12 heads/,
    );
    refused(
      { text_config: { eos_token_id: [1, 2] } },
      /text_config\.eos_token_id is \[1,2\], expected a token id/,
    );
  });
});
