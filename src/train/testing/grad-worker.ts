/**
 * One rank of the data-parallel gradient test (distributed-grad.test.ts spawns one process per rank):
 *   node --import tsx src/train/testing/grad-worker.ts <rank> <worldSize> <port> <out.safetensors>
 * Builds the seeded tiny model and global batch of `globalBatch()`, takes this rank's slice,
 * computes the stage-1 loss over the global batch (gathered with gradient), back-propagates,
 * averages gradients across ranks as the trainer does, and rank 0 writes every gradient.
 */
import { T2VLP } from '../../model/index.js';
import { dist, saveTensors, scope, setNumThreads, type Tensor } from '../../torch/index.js';
import { globalBatch, GRAD_TEST_MODEL } from './grad-batch.js';

const [rank, world, port] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const out = process.argv[5]!;
setNumThreads(1);
dist.initProcessGroup({ rank, worldSize: world, port, timeoutMs: 20_000 });
const full = globalBatch();
const model = new T2VLP(GRAD_TEST_MODEL);
model.train();
const per = full.video.shape[0]! / world;
scope(() => {
  const part = Object.fromEntries(Object.entries(full).map(([k, t]) => [k, t.narrow(0, rank * per, per)])) as typeof full;
  const r = model.stage1Loss(part, { worldSize: world, allGather: dist.allGatherWithGrad });
  r.loss.backward();
});
dist.averageGradients(model.parameters());
if (rank === 0) {
  const grads = new Map<string, Tensor>();
  for (const [k, p] of model.namedParameters()) {
    const g = p.grad;
    if (g) grads.set(k, g);
  }
  await saveTensors(out, grads);
}
dist.barrier();
dist.destroyProcessGroup();
process.stdout.write(JSON.stringify({ rank, ok: true }) + '\n');
