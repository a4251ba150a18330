/**
 * Activation checkpointing (docs/TRAINING.md "Activation checkpointing"): a chain of segments runs
 * without recording autograd, keeping only the tensor between each pair of segments; `backward`
 * recomputes each segment, last first, and back-propagates through it. Peak memory then holds one
 * segment's activations instead of all of them, for one more forward pass of the chain.
 *
 * libtorch's custom autograd Functions are not reachable from JavaScript, so the classic
 * algorithm runs here in TypeScript:
 * - forward: the chain's input becomes a leaf (its graph is kept aside); each segment runs under
 *   noGrad and its output becomes a leaf that requires grad when anything upstream does; the
 *   caller gets views of those leaves and builds the rest of the loss on them.
 * - backward(loss): `loss.backward()` leaves a gradient on every boundary leaf the loss used;
 *   then each segment, last first, is recomputed from its input leaf with grad on, and
 *   back-propagated with its output leaf's gradient. That accumulates into the parameters and
 *   into the input leaf's gradient (on top of what the loss put there directly), which is the next
 *   segment's incoming gradient; finally the chain input's own graph receives the first leaf's.
 * Stochastic segments (dropout) replay the CPU generator's state of their forward pass with
 * `preserveRng` (CUDA generators are not covered: such segments must be deterministic there).
 * The recomputation runs under the autocast state of the forward pass (as PyTorch's checkpoint
 * does), so a chain run inside `autocast` is recomputed in the same precision even though the
 * backward, as recommended, runs outside it.
 */
import { enableGrad, noGrad } from './autograd.js';
import { autocast, autocastState } from './precision/autocast.js';
import { keep, scope } from './scope.js';
import { getRngState, setRngState } from './system.js';
import type { Tensor } from './tensor.js';

/** One step of a checkpointed chain: a pure function of its input and `parameters`. */
export interface CheckpointSegment {
  run(x: Tensor): Tensor;
  /** What the segment trains; a segment whose input and parameters need no grad is not recomputed. */
  parameters: readonly Tensor[];
}

export interface CheckpointRunOptions {
  /** Replay the CPU generator's state of the forward pass when recomputing (segments with dropout). */
  preserveRng?: boolean;
}

interface Chain {
  /** A view of the chain's input, still attached to the graph that produced it. */
  input: Tensor;
  /** leaves[0] is the detached input; leaves[i + 1] the output of segment i. */
  leaves: Tensor[];
  needsGrad: boolean[];
  segments: readonly CheckpointSegment[];
  rng: (Tensor | null)[];
  /** The autocast state of the forward pass, on the input's device type. */
  autocast: { enabled: boolean; dtype: string; device: string };
}

export class ActivationCheckpoints {
  #chains: Chain[] = [];

  /** Chains run since the last `backward` or `clear`. */
  get pending(): number {
    return this.#chains.length;
  }

  /**
   * Runs `segments` in order on `input`; returns views of the chain's boundaries, owned by the
   * caller: [0] the input again (use it, not `input`, wherever the loss also uses the input
   * directly, so that its graph is back-propagated once), [i + 1] segment i's output. The
   * activations inside the segments are not kept: call `backward(loss)` instead of `loss.backward()`.
   */
  run(input: Tensor, segments: readonly CheckpointSegment[], o: CheckpointRunOptions = {}): Tensor[] {
    const device = input.device;
    const chain: Chain = {
      input: keep(input.view(input.shape)),
      leaves: [],
      needsGrad: [],
      segments,
      rng: [],
      autocast: { ...autocastState(device), device },
    };
    let needs = input.requiresGrad;
    let x = keep(input.detach().requiresGrad_(needs));
    chain.leaves.push(x);
    chain.needsGrad.push(needs);
    try {
      for (const seg of segments) {
        chain.rng.push(o.preserveRng ? keep(getRngState()) : null);
        const y = scope(() => noGrad(() => seg.run(x).detach()));
        needs = needs || seg.parameters.some((p) => p.requiresGrad);
        x = keep(y.requiresGrad_(needs));
        chain.leaves.push(x);
        chain.needsGrad.push(needs);
      }
    } catch (e) {
      release(chain);
      throw e;
    }
    this.#chains.push(chain);
    return chain.leaves.map((l) => l.view(l.shape));
  }

  /**
   * Back-propagates `loss` (with `gradient`, as Tensor.backward) through everything, including
   * the checkpointed chains, which are recomputed and then freed.
   */
  backward(loss: Tensor, gradient?: Tensor): void {
    loss.backward(gradient);
    const chains = this.#chains;
    this.#chains = [];
    try {
      for (let c = chains.length - 1; c >= 0; c--) backChain(chains[c]!);
    } finally {
      for (const chain of chains) release(chain);
    }
  }

  /** Frees the kept boundaries of chains that will not be back-propagated. */
  clear(): void {
    for (const chain of this.#chains) release(chain);
    this.#chains = [];
  }
}

function backChain(chain: Chain): void {
  const { leaves, needsGrad, segments } = chain;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (!needsGrad[i + 1]) break; // nothing before this point needs grad either
    scope(() => {
      const g = leaves[i + 1]!.grad;
      if (!g) return; // the loss did not use this output
      const state = chain.rng[i];
      const saved = state ? getRngState() : null;
      if (state) setRngState(state);
      try {
        const out = enableGrad(() => underForwardAutocast(chain, () => segments[i]!.run(leaves[i]!)));
        if (out.requiresGrad) out.backward(g);
      } finally {
        if (saved) setRngState(saved);
      }
    });
  }
  if (needsGrad[0])
    scope(() => {
      const g = leaves[0]!.grad;
      if (g) chain.input.backward(g);
    });
}

/** `fn` under the chain's forward autocast state: as it is when that is the current state already. */
function underForwardAutocast<T>(chain: Chain, fn: () => T): T {
  const want = chain.autocast;
  const now = autocastState(want.device);
  if (now.enabled === want.enabled && (!want.enabled || now.dtype === want.dtype)) return fn();
  const dtype = (want.enabled ? want.dtype : now.dtype) as 'bfloat16' | 'float16';
  return autocast(fn, { dtype, device: want.device, enabled: want.enabled });
}

function release(chain: Chain): void {
  chain.input.dispose();
  for (const l of chain.leaves) l.dispose();
  for (const r of chain.rng) r?.dispose();
  chain.leaves = [];
  chain.rng = [];
}
