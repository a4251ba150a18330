/**
 * Multi-process launch on one machine (`--nproc N`): starts N copies of the current command with
 * their rank in the environment (T2VLP_RANK, T2VLP_WORLD_SIZE, T2VLP_LOCAL_RANK (the process's
 * index on this machine, which picks its GPU), T2VLP_LOCAL_WORLD_SIZE, T2VLP_MASTER_ADDR,
 * T2VLP_MASTER_PORT). When a worker dies, the others are stopped and the launcher fails with a
 * message naming the worker, instead of leaving them waiting in a collective. Several machines
 * run one launcher each with --rank-offset / --world-size / --master-addr instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface WorkerEnv {
  rank: number;
  worldSize: number;
  /** Index among this machine's processes (its GPU on CUDA). */
  localRank: number;
  localWorldSize: number;
  masterAddr: string;
  masterPort: number;
}

/** This process's place in a multi-process run, from the environment the launcher set. */
export function workerEnv(): WorkerEnv | null {
  const w = Number(process.env.T2VLP_WORLD_SIZE ?? 1);
  if (!(w > 1)) return null;
  const rank = Number(process.env.T2VLP_RANK ?? 0);
  return {
    rank,
    worldSize: w,
    localRank: Number(process.env.T2VLP_LOCAL_RANK ?? rank),
    localWorldSize: Number(process.env.T2VLP_LOCAL_WORLD_SIZE ?? w),
    masterAddr: process.env.T2VLP_MASTER_ADDR ?? '127.0.0.1',
    masterPort: Number(process.env.T2VLP_MASTER_PORT ?? 29500),
  };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface LaunchOptions {
  nproc: number;
  /** Arguments of the command to repeat (without --nproc). */
  argv: string[];
  masterAddr?: string;
  masterPort?: number;
  /** Ranks of this machine start here (multi-machine runs). */
  rankOffset?: number;
  worldSize?: number;
}

export async function launchWorkers(o: LaunchOptions): Promise<number> {
  const port = o.masterPort ?? (await freePort());
  const world = o.worldSize ?? o.nproc;
  const children: ChildProcess[] = [];
  return new Promise<number>((resolve) => {
    let finished = 0;
    let failed = false;
    for (let i = 0; i < o.nproc; i++) {
      const rank = (o.rankOffset ?? 0) + i;
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...o.argv], {
        stdio: 'inherit',
        env: {
          ...process.env,
          T2VLP_RANK: String(rank),
          T2VLP_WORLD_SIZE: String(world),
          T2VLP_LOCAL_RANK: String(i),
          T2VLP_LOCAL_WORLD_SIZE: String(o.nproc),
          T2VLP_MASTER_ADDR: o.masterAddr ?? '127.0.0.1',
          T2VLP_MASTER_PORT: String(port),
        },
      });
      children.push(child);
      child.on('exit', (code, signal) => {
        finished++;
        if ((code !== 0 || signal) && !failed) {
          failed = true;
          console.error(`t2vlp: worker rank ${rank} exited with ${signal ? `signal ${signal}` : `code ${code}`}; stopping the other workers`);
          for (const c of children) if (c !== child && c.exitCode === null) c.kill('SIGTERM');
        }
        if (finished === o.nproc) resolve(failed ? 1 : 0);
      });
    }
  });
}
