/**
 * Caption metrics equal to the COCO caption toolkit (`pycocoevalcap` 1.2, docs/EVAL.md): BLEU-1..4,
 * METEOR 1.5 (through Java, when present), ROUGE-L and CIDEr-D, as fractions (the papers report
 * them ×100). Only the videos that have a candidate are scored; their references also give CIDEr's
 * document frequencies, so extra entries in `references` change nothing.
 */
import { bleu } from './bleu.js';
import { ciderD } from './cider.js';
import { CaptionMetricsError } from './errors.js';
import { locateMeteor, meteor } from './meteor.js';
import { ptbTokenize } from './ptb-tokenize.js';
import { rougeL } from './rouge.js';

/** The toolkit's scores, as fractions; METEOR is absent when Java or the jar is missing. */
export interface CaptionScores {
  Bleu_1: number;
  Bleu_2: number;
  Bleu_3: number;
  Bleu_4: number;
  METEOR?: number;
  ROUGE_L: number;
  CIDEr: number;
}

export interface CaptionMetricsOptions {
  /**
   * 'ptb' (default): the toolkit's protocol, PTB tokenization, lower case, punctuation removed
   * ({@link ptbTokenize}), as published captioning results use. 'none': the strings as given,
   * cut at whitespace, as the reference's `cap_scores` scores CLIP-decoded text.
   */
  tokenize?: 'ptb' | 'none';
  /**
   * 'auto' (default): METEOR when java and the jar are found, else none (with one process
   * warning saying why). 'require': throw when they are missing. 'off': never run it.
   */
  meteor?: 'auto' | 'require' | 'off';
  /** The meteor-1.5.jar (default: `T2VLP_METEOR_JAR`, else `.t2vlp-cache/meteor/meteor-1.5.jar`). */
  meteorJar?: string;
  /** The java executable (default: `java` on PATH). */
  javaPath?: string;
}

let warnedNoMeteor = false;

function validate(
  references: Record<string, readonly string[]>,
  candidates: Record<string, string>,
  options: CaptionMetricsOptions,
): string[] {
  const tokenize = options.tokenize ?? 'ptb';
  if (tokenize !== 'ptb' && tokenize !== 'none') {
    throw new CaptionMetricsError(
      'BAD_OPTION',
      `captionMetrics: tokenize must be 'ptb' or 'none', got ${JSON.stringify(tokenize)}`,
    );
  }
  const meteorMode = options.meteor ?? 'auto';
  if (!['auto', 'require', 'off'].includes(meteorMode)) {
    throw new CaptionMetricsError(
      'BAD_OPTION',
      `captionMetrics: meteor must be 'auto', 'require' or 'off', got ${JSON.stringify(meteorMode)}`,
    );
  }
  if (candidates === null || typeof candidates !== 'object') {
    throw new CaptionMetricsError(
      'NO_CANDIDATES',
      `captionMetrics: candidates must be an object {videoId: caption}, got ${candidates === null ? 'null' : typeof candidates}`,
    );
  }
  const ids = Object.keys(candidates);
  if (ids.length === 0) {
    throw new CaptionMetricsError(
      'NO_CANDIDATES',
      'captionMetrics: no candidates to score (candidates is {}); pass {videoId: caption} for at least one video',
    );
  }
  const missing = ids.filter(
    (id) => !Array.isArray(references?.[id]) || references[id]!.length === 0,
  );
  if (missing.length > 0) {
    const shown = missing
      .slice(0, 5)
      .map((id) => JSON.stringify(id))
      .join(', ');
    throw new CaptionMetricsError(
      'MISSING_REFERENCES',
      `captionMetrics: every candidate's video needs at least one reference caption; ${missing.length} of ${ids.length} have none (${shown}${missing.length > 5 ? ', …' : ''}). Drop those candidates or add their references`,
    );
  }
  for (const id of ids) {
    if (typeof candidates[id] !== 'string') {
      throw new CaptionMetricsError(
        'BAD_CAPTION',
        `captionMetrics: candidate of video ${JSON.stringify(id)} must be a string, got ${typeof candidates[id]}`,
      );
    }
    const bad = references[id]!.findIndex((r) => typeof r !== 'string');
    if (bad >= 0) {
      throw new CaptionMetricsError(
        'BAD_CAPTION',
        `captionMetrics: reference ${bad} of video ${JSON.stringify(id)} must be a string, got ${typeof references[id]![bad]}`,
      );
    }
  }
  return ids;
}

/**
 * Scores `candidates` (one caption per video id) against `references` (one or more per video id).
 * Throws {@link CaptionMetricsError}: 'NO_CANDIDATES' for an empty candidate set,
 * 'MISSING_REFERENCES' for a candidate whose video has no references, 'BAD_CAPTION' for a
 * non-string, 'BAD_OPTION', and 'METEOR_UNAVAILABLE' / 'METEOR_FAILED' as the `meteor` option says.
 */
export async function captionMetrics(
  references: Record<string, readonly string[]>,
  candidates: Record<string, string>,
  options: CaptionMetricsOptions = {},
): Promise<CaptionScores> {
  const ids = validate(references, candidates, options);
  const prepare = options.tokenize === 'none' ? (s: string): string => s : ptbTokenize;
  const cands = ids.map((id) => prepare(candidates[id]!));
  const refs = ids.map((id) => references[id]!.map(prepare));

  const [b1, b2, b3, b4] = bleu(cands, refs).scores;
  const meteorScore = await runMeteor(cands, refs, options);
  return {
    Bleu_1: b1,
    Bleu_2: b2,
    Bleu_3: b3,
    Bleu_4: b4,
    ...(meteorScore === undefined ? {} : { METEOR: meteorScore }),
    ROUGE_L: rougeL(cands, refs).score,
    CIDEr: ciderD(cands, refs).score,
  };
}

/** METEOR as the `meteor` option says; undefined (after one warning per process) when unavailable in 'auto'. */
async function runMeteor(
  cands: string[],
  refs: string[][],
  options: CaptionMetricsOptions,
): Promise<number | undefined> {
  const mode = options.meteor ?? 'auto';
  if (mode === 'off') return undefined;
  const setup = { jarPath: options.meteorJar, javaPath: options.javaPath };
  const found = locateMeteor(setup);
  if ('reason' in found && mode === 'auto') {
    if (!warnedNoMeteor) {
      warnedNoMeteor = true;
      process.emitWarning(`captionMetrics: no METEOR in the results: ${found.reason}`, {
        code: 'T2VLP_NO_METEOR',
      });
    }
    return undefined;
  }
  return (await meteor(cands, refs, setup)).score;
}
