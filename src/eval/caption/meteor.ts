/**
 * METEOR 1.5 through the official Java implementation, as the COCO caption toolkit runs it
 * (docs/EVAL.md): one `java -Xmx2G -jar meteor-1.5.jar - - -stdio -l en -norm` process per call;
 * for each caption a line `SCORE ||| ref 1 ||| … ||| ref n ||| candidate` answers with a line of
 * statistics, then one line `EVAL ||| stats 1 ||| … ||| stats N` answers with N per-caption
 * scores and the set's score. There is no METEOR in TypeScript: its paraphrase tables and
 * stemmer are the metric.
 *
 * The jar comes from the pycocoevalcap wheel (`pycocoevalcap/meteor/meteor-1.5.jar`) or the
 * official METEOR 1.5 release, with `data/paraphrase-en.gz` beside it (METEOR reads it from
 * there). `T2VLP_METEOR_JAR` names the jar; otherwise `.t2vlp-cache/meteor/meteor-1.5.jar` in the
 * project, where `scripts/setup.sh` puts it.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptionMetricsError } from './errors.js';

/** Where the Java side lives; every field may be left out to use the defaults. */
export interface MeteorSetup {
  /** The meteor-1.5.jar (default: `T2VLP_METEOR_JAR`, else `.t2vlp-cache/meteor/meteor-1.5.jar`). */
  jarPath?: string;
  /** The java executable (default: `java` on PATH). */
  javaPath?: string;
  /** Give up on one set after this long (default 10 minutes). */
  timeoutMs?: number;
}

/** The project root: this file is src/eval/caption/meteor.ts (or dist/eval/caption/meteor.js). */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The default jar location that `scripts/setup.sh` fills. */
export const DEFAULT_METEOR_JAR = join(PROJECT_ROOT, '.t2vlp-cache', 'meteor', 'meteor-1.5.jar');

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The java and jar to run, or why METEOR cannot run here. */
export function locateMeteor(
  setup: MeteorSetup = {},
): { java: string; jar: string } | { reason: string } {
  const java = setup.javaPath ?? findOnPath('java');
  if (!java) {
    return {
      reason:
        "METEOR needs Java: no 'java' on PATH (install a JRE, e.g. 'apt-get install default-jre-headless', or run scripts/setup.sh)",
    };
  }
  const fromEnv = process.env.T2VLP_METEOR_JAR;
  const jar = setup.jarPath ?? (fromEnv ? resolve(fromEnv) : DEFAULT_METEOR_JAR);
  const where = setup.jarPath ? 'jarPath' : fromEnv ? 'T2VLP_METEOR_JAR' : 'the default location';
  if (!existsSync(jar)) {
    return {
      reason: `METEOR jar not found at ${jar} (${where}); run scripts/setup.sh, or set T2VLP_METEOR_JAR to meteor-1.5.jar from the pycocoevalcap 1.2 wheel or the METEOR 1.5 release`,
    };
  }
  const paraphrase = join(dirname(jar), 'data', 'paraphrase-en.gz');
  if (!existsSync(paraphrase)) {
    return {
      reason: `METEOR paraphrase table not found at ${paraphrase}: copy data/paraphrase-en.gz from the same wheel or release next to the jar`,
    };
  }
  return { java, jar };
}

/** The toolkit's SCORE line: references as given, '|||' removed from the candidate, then double spaces halved once. */
function scoreLine(candidate: string, references: readonly string[]): string {
  const oneLine = (s: string): string => s.replace(/\r\n|[\r\n]/g, ' ');
  const hyp = oneLine(candidate).split('|||').join('').split('  ').join(' ');
  return ['SCORE', references.map(oneLine).join(' ||| '), hyp].join(' ||| ');
}

/** One running METEOR process; score several sets with it, then close it. */
export interface MeteorSession {
  /** METEOR of aligned lists: `candidates[i]` against `references[i]`. */
  score(
    candidates: readonly string[],
    references: readonly (readonly string[])[],
  ): Promise<{ score: number; perCaption: number[] }>;
  /** Ends the Java process. */
  close(): void;
}

/**
 * Starts METEOR (the JVM loads its paraphrase table once, which takes seconds). Throws a
 * {@link CaptionMetricsError}: 'METEOR_UNAVAILABLE' when java or the jar is missing; scoring
 * throws 'METEOR_FAILED' when the process dies or answers nonsense. Line breaks inside a caption
 * become spaces (the line protocol would break on them).
 */
export function openMeteor(setup: MeteorSetup = {}): MeteorSession {
  const found = locateMeteor(setup);
  if ('reason' in found)
    throw new CaptionMetricsError('METEOR_UNAVAILABLE', `captionMetrics: ${found.reason}`);
  const timeoutMs = setup.timeoutMs ?? 600_000;
  const child = spawn(
    found.java,
    ['-Xmx2G', '-jar', found.jar, '-', '-', '-stdio', '-l', 'en', '-norm'],
    {
      cwd: dirname(found.jar),
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));

  const lines: string[] = [];
  let pending = '';
  let waiter: (() => void) | undefined;
  let failure: Error | undefined;
  let closed = false;
  const wake = (): void => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const fail = (why: string): void => {
    failure ??= new CaptionMetricsError(
      'METEOR_FAILED',
      `captionMetrics: METEOR (${found.jar}) ${why}${stderr ? `; its stderr ends: ${stderr.trim().slice(-600)}` : ''}`,
    );
    wake();
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    pending += d;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const p of parts) lines.push(p.trim());
    wake();
  });
  child.on('error', (e) => fail(`could not start: ${e.message}`));
  child.on('exit', (code, signal) => {
    if (!closed) fail(`exited early (code ${code}, signal ${signal})`);
  });
  child.stdin.on('error', () => undefined); // a dead process is reported by 'exit'

  let read = 0;
  const nextLine = async (): Promise<string> => {
    while (read >= lines.length) {
      if (failure) throw failure;
      await new Promise<void>((r) => (waiter = r));
    }
    return lines[read++]!;
  };
  const toScore = (line: string, what: string): number => {
    const v = Number(line);
    if (line === '' || !Number.isFinite(v))
      fail(`answered ${JSON.stringify(line)} where ${what} was expected`);
    if (failure) throw failure;
    return v;
  };

  return {
    async score(candidates, references) {
      const timer = setTimeout(() => fail(`gave no answer within ${timeoutMs} ms`), timeoutMs);
      try {
        // Every SCORE line goes out at once; METEOR answers them in order.
        child.stdin.write(candidates.map((c, i) => scoreLine(c, references[i]!) + '\n').join(''));
        const stats: string[] = [];
        for (let i = 0; i < candidates.length; i++) stats.push(await nextLine());
        child.stdin.write(['EVAL', ...stats].join(' ||| ') + '\n');
        const perCaption: number[] = [];
        for (let i = 0; i < candidates.length; i++)
          perCaption.push(toScore(await nextLine(), `caption ${i}'s score`));
        const score = toScore(await nextLine(), 'the set score');
        return { score, perCaption };
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      closed = true;
      child.stdin.end();
      child.kill();
    },
  };
}

/** METEOR of one set in its own Java process (see {@link openMeteor}). */
export async function meteor(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
  setup: MeteorSetup = {},
): Promise<{ score: number; perCaption: number[] }> {
  const session = openMeteor(setup);
  try {
    return await session.score(candidates, references);
  } finally {
    session.close();
  }
}
