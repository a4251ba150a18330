/**
 * The model and global batch of the data-parallel gradient test: seeded, so that every process
 * (and the single-process reference) builds exactly the same ones.
 */
import type { T2VLPConfig } from '../../model/index.js';
import { manualSeed, randint, randn, tensor, type Tensor } from '../../torch/index.js';
import { TINY_MODEL } from './tiny.js';

export const GRAD_TEST_MODEL: Partial<T2VLPConfig> = { ...TINY_MODEL, vocabSize: 1000, eotTokenId: 999 };

/** Seeds the generator, then draws 4 videos and captions (the model must be built after this). */
export function globalBatch(): { video: Tensor; videoMask: Tensor; inputIds: Tensor; attentionMask: Tensor } {
  manualSeed(11);
  return {
    video: randn([4, 4, 3, 32, 32]),
    videoMask: tensor([[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 0, 0]], undefined, 'int64'),
    inputIds: randint(1, 998, [4, 8]),
    attentionMask: tensor(
      [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 0]],
      undefined,
      'int64',
    ),
  };
}
