// Which sample positions one process reads in one epoch: a deterministic shuffle seeded by
// (seed, epoch) with the data layer's own PRNG, then a shard for this rank as torch's
// DistributedSampler makes it: pad the order with its own head to a multiple of the world
// size (default; every rank gets the same number of samples, which lock-step training needs),
// or drop the tail, or leave the shards uneven; rank r takes positions r, r+W, r+2W, ...
import { DataOptionError } from '../errors.js';
import { Rng } from '../random.js';

export interface ShardOptions {
  /** Shuffle per epoch (training) or keep file order (evaluation). */
  shuffle?: boolean;
  seed?: number;
  rank?: number;
  worldSize?: number;
  /** 'pad' (default, as DistributedSampler), 'drop' (truncate to a multiple), 'uneven'. */
  evenShards?: 'pad' | 'drop' | 'uneven';
}

export function validateShard(o: ShardOptions, what: string): { rank: number; worldSize: number } {
  const worldSize = o.worldSize ?? 1;
  const rank = o.rank ?? 0;
  if (!(Number.isInteger(worldSize) && worldSize >= 1))
    throw new DataOptionError(
      'BAD_OPTION',
      `${what}: worldSize must be an integer >= 1, got ${worldSize}`,
    );
  if (!(Number.isInteger(rank) && rank >= 0 && rank < worldSize))
    throw new DataOptionError(
      'BAD_OPTION',
      `${what}: rank must be an integer in [0, ${worldSize}), got ${rank}`,
    );
  return { rank, worldSize };
}

/** Sample indices this rank reads in `epoch`, in order. */
export function shardOrder(numSamples: number, epoch: number, o: ShardOptions = {}): number[] {
  const { rank, worldSize } = validateShard(o, 'shardOrder');
  let order = Array.from({ length: numSamples }, (_, i) => i);
  if (o.shuffle) new Rng([o.seed ?? 0, epoch]).shuffle(order);
  const mode = o.evenShards ?? 'pad';
  if (mode === 'pad' && numSamples > 0 && numSamples % worldSize !== 0) {
    const total = Math.ceil(numSamples / worldSize) * worldSize;
    const extra: number[] = [];
    while (extra.length < total - numSamples)
      extra.push(...order.slice(0, total - numSamples - extra.length));
    order = order.concat(extra);
  } else if (mode === 'drop')
    order = order.slice(0, Math.floor(numSamples / worldSize) * worldSize);
  return order.filter((_, i) => i % worldSize === rank);
}
