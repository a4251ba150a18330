/**
 * One rank of the distributed tests (distributed.test.ts spawns one process per rank):
 *   node --import tsx src/torch/testing/dist-worker.ts <scenario> <rank> <worldSize> <port>
 * It prints one JSON line `{"rank", "ok", ...results}` (or `{"rank", "ok": false, "error",
 * "elapsedMs"}`) and exits; the test checks the numbers. Scenarios:
 *   collectives  allReduce (sum, max), broadcast, allGather, allGatherWithGrad, averageGradients, barrier
 *   peer-dies    rank 1 exits right after initialisation; rank 0 then attempts an allReduce
 *   peer-stalls  rank 1 stays alive but idle for 3 × the time-out; rank 0 attempts an allReduce
 *   no-peer      only rank 0 is started; initialisation must time out
 * T2VLP_DIST_BACKEND=nccl runs them with NCCL on CUDA tensors, rank r on GPU r.
 */
import { arange, tensor } from '../creation.js';
import { withDevice } from '../device.js';
import * as dist from '../distributed.js';
import { Parameter } from '../nn/parameter.js';
import { scope } from '../scope.js';
import { values } from './assert-close.js';

const [scenario, rankArg, worldArg, portArg] = process.argv.slice(2);
const rank = Number(rankArg);
const worldSize = Number(worldArg);
const port = Number(portArg);
const timeoutMs = Number(process.env.T2VLP_DIST_TIMEOUT_MS ?? 5000);
const backend = (process.env.T2VLP_DIST_BACKEND ?? 'gloo') as dist.DistributedBackend;
const device = backend === 'nccl' ? (`cuda:${rank}` as const) : 'cpu';

function report(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ rank, ...o }) + '\n');
}

function collectives(): Record<string, unknown> {
  return withDevice(device, () => scope(() => {
    // allReduce in place: rank r holds [r+1, 10(r+1)]
    const s = tensor([rank + 1, 10 * (rank + 1)]);
    dist.allReduce(s, 'sum');
    const m = tensor([rank, -rank]);
    dist.allReduce(m, 'max');
    // broadcast from the last rank
    const b = tensor([rank, rank, rank]);
    dist.broadcast(b, worldSize - 1);
    // allGather: rank r contributes a [2, 2] block of r's
    const g = dist.allGather(tensor([rank, rank, rank, rank], [2, 2]));
    // allGatherWithGrad: loss = Σ w ⊙ gathered with the same w everywhere; the local slice's
    // gradient must be w's rows for this rank, times worldSize.
    const local = arange(rank * 6, rank * 6 + 6)
      .to('float32')
      .reshape(2, 3)
      .requiresGrad_(true);
    const all = dist.allGatherWithGrad(local);
    const w = arange(worldSize * 6)
      .to('float32')
      .reshape(worldSize * 2, 3)
      .add(1);
    all.mul(w).sum().backward();
    // averageGradients: rank r's gradient is r+1 everywhere
    const p = new Parameter(tensor([0, 0]));
    p.grad = tensor([rank + 1, 2 * (rank + 1)]);
    dist.averageGradients([p]);
    const avg = values(p.grad!);
    p.dispose();
    dist.barrier();
    return {
      sum: values(s),
      max: values(m),
      broadcast: values(b),
      gathered: values(g),
      gatheredShape: g.shape,
      gatheredWithGrad: values(all),
      localGrad: values(local.grad!),
      averaged: avg,
      device: s.device,
    };
  }));
}

const t0 = performance.now();
try {
  dist.initProcessGroup({ rank, worldSize, host: '127.0.0.1', port, timeoutMs, backend });
  if (scenario === 'collectives') {
    report({ ok: true, world: dist.getWorldSize(), ...collectives() });
  } else if (scenario === 'peer-dies' || scenario === 'peer-stalls') {
    dist.barrier();
    if (rank === 1) {
      if (scenario === 'peer-stalls') await new Promise((r) => setTimeout(r, 3 * timeoutMs));
      report({ ok: true, exiting: true });
      process.exit(0);
    }
    await new Promise((r) => setTimeout(r, 300));
    const t1 = performance.now();
    try {
      scope(() => dist.allReduce(tensor([1, 2, 3]), 'sum'));
      report({ ok: true, unexpected: 'allReduce succeeded without a peer' });
    } catch (e) {
      const err = e as dist.DistributedError;
      report({ ok: false, error: err.message, code: err.code, elapsedMs: performance.now() - t1 });
    }
  } else {
    report({ ok: true, unexpected: `initialised in scenario ${scenario}` });
  }
  dist.destroyProcessGroup();
} catch (e) {
  const err = e as Error & { code?: string };
  report({ ok: false, error: err.message, code: err.code, elapsedMs: performance.now() - t0 });
}
process.exit(0);
