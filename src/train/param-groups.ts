/**
 * The reference's optimizer parameter groups (docs/TRAINING.md "Parameter groups"): no weight
 * decay for names containing 'bias', 'LayerNorm.bias' or 'LayerNorm.weight' (CLIP's `ln_*`
 * weights are therefore decayed, as in the reference); CLIP parameters train at lr × coefLr;
 * new modules inside `clip.` (stage 1: names containing 'fusion' or 'local') at a fixed lr;
 * anything outside `clip.` at lr. `freezeLayerNum` freezes the CLIP layers below that index.
 */
import type { nn } from '../torch/index.js';
import type { ParamGroupInput } from '../torch/optim/index.js';

export interface GroupOptions {
  lr: number;
  coefLr: number;
  /** Learning rate of new modules inside `clip.`; null trains them at lr × coefLr like CLIP's own. */
  newModuleLr: number | null;
  weightDecay: number;
  /** Name patterns of new modules inside `clip.` (stage 1: fusion, local). */
  newModulePatterns?: string[];
  freezeLayerNum?: number;
}

const NO_DECAY = ['bias', 'LayerNorm.bias', 'LayerNorm.weight'];

function frozen(name: string, n: number): boolean {
  if (n <= 0) return false;
  if (/^clip\.(visual\.)?(conv1|class_embedding|positional_embedding|ln_pre|token_embedding)/.test(name)) return true;
  const m = /^clip\.(?:visual\.)?transformer\.resblocks\.(\d+)\./.exec(name);
  return !!m && Number(m[1]) < n;
}

export function parameterGroups(named: [string, nn.Parameter][], o: GroupOptions): ParamGroupInput[] {
  const patterns = o.newModulePatterns ?? ['fusion', 'local'];
  const buckets = new Map<string, ParamGroupInput>();
  for (const [name, p] of named) {
    if (frozen(name, o.freezeLayerNum ?? 0)) {
      p.requiresGrad_(false);
      continue;
    }
    const decay = !NO_DECAY.some((s) => name.includes(s));
    const isClip = name.startsWith('clip.');
    const isNew = isClip && patterns.some((s) => name.includes(s));
    const lr = !isClip ? o.lr : isNew && o.newModuleLr !== null ? o.newModuleLr : o.lr * o.coefLr;
    const kind = `${!isClip ? 'other' : isNew ? 'new' : 'clip'}-${decay ? 'decay' : 'no_decay'}`;
    let g = buckets.get(kind);
    if (!g) buckets.set(kind, (g = { params: [], lr, weightDecay: decay ? o.weightDecay : 0, name: kind }));
    g.params.push(p);
  }
  return [...buckets.values()];
}
