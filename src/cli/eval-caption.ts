/**
 * `t2vlp eval --task caption` (docs/EVAL.md "Captioning and QA evaluation"): captions every video
 * of the split, scores the captions against all of each video's references (BLEU-4, METEOR,
 * ROUGE-L, CIDEr, printed × 100) beside the untrained baseline, and writes the predictions JSON.
 */
import { ClipTokenizer } from '../data/index.js';
import { evaluateCaptioning, type CaptionEvalResult, type CaptionScores } from '../eval/index.js';
import { countProgress } from '../inference/index.js';
import { writeFileAtomic } from '../torch/io/index.js';
import { UsageError } from './args.js';
import { commandDevice } from './device.js';
import { baselineModel, baselineOf, loadTaskModel, predictionsPath, readCaptionEvalSplit, taskVideoReader, type TaskRun } from './eval-task-data.js';

const COLUMNS: [string, keyof CaptionScores][] = [
  ['BLEU-4', 'Bleu_4'],
  ['METEOR', 'METEOR'],
  ['ROUGE-L', 'ROUGE_L'],
  ['CIDEr', 'CIDEr'],
];

function row(label: string, m: CaptionScores | null, width: number): string {
  const cells = COLUMNS.map(([h, k]) => (m && m[k] !== undefined ? (m[k]! * 100).toFixed(1) : '—').padStart(Math.max(h.length, 6)));
  return [label.padEnd(width), ...cells].join('  ');
}

export async function runCaptionEval(r: TaskRun): Promise<number> {
  const { args, fps, checkpoint, data, videoDir, split } = r;
  if (args.beam < 1) throw new UsageError(`--beam must be at least 1, got ${args.beam}`);
  const baseline = baselineOf(args.baseline);
  const dataset = await readCaptionEvalSplit(args.dataset, data, split, videoDir);
  const out = predictionsPath(args.predictions, checkpoint, 'caption', split);
  let model = await loadTaskModel('caption', checkpoint, args.dtype, commandDevice(args.device, args.dtype));
  try {
    const tokenizer = await ClipTokenizer.load();
    const quiet = args.quiet === true;
    const settings = { tokenizer, beam: args.beam, lengthPenalty: args.lengthPenalty, batchSize: args.batch, tokenize: args.tokenize };
    const t0 = Date.now();
    const evalWith = (label: string) =>
      evaluateCaptioning(model, dataset.samples, {
        ...settings,
        videoReader: taskVideoReader(model, { frames: args.frames, fps, concurrency: args.concurrency }),
        onProgress: countProgress(label, 'videos', { quiet }),
      });
    const res = await evalWith('eval');
    const seconds = (Date.now() - t0) / 1000;
    const decoder = args.beam > 1 ? `beam ${args.beam}` : 'greedy';
    await writeFileAtomic(
      out,
      JSON.stringify({ task: 'caption', dataset: dataset.name, split, checkpoint, decoder, tokenize: args.tokenize, metrics: res.metrics, predictions: res.predictions }, null, 1) + '\n',
    );
    let base: CaptionEvalResult | null = null;
    if (baseline.kind !== 'none') {
      model = await baselineModel(baseline, model, args.dtype, commandDevice(args.device, args.dtype));
      base = await evalWith('baseline');
    }
    const numVideos = res.predictions.length;
    const numReferences = res.predictions.reduce((n, p) => n + p.references.length, 0);
    if (args.json) {
      console.log(
        JSON.stringify({
          task: 'caption',
          dataset: dataset.name,
          split,
          data,
          checkpoint,
          decoder,
          tokenize: args.tokenize,
          numVideos,
          numReferences,
          metrics: res.metrics,
          baseline: base ? { kind: baseline.kind, checkpoint: baseline.kind === 'checkpoint' ? baseline.checkpoint : null, metrics: base.metrics } : null,
          predictions: out,
          seconds,
        }),
      );
      return 0;
    }
    console.log(`${dataset.name} ${split} captioning: ${numVideos} videos, ${numReferences} references, ${checkpoint} (${decoder}, ${seconds.toFixed(1)} s)`);
    const untrained = baseline.kind === 'checkpoint' ? `baseline (${baseline.checkpoint})` : 'untrained (fresh head)';
    const width = Math.max(5, untrained.length);
    console.log([''.padEnd(width), ...COLUMNS.map(([h]) => h.padStart(Math.max(h.length, 6)))].join('  '));
    console.log(row('model', res.metrics, width));
    if (base) console.log(row(untrained, base.metrics, width));
    if (res.metrics.METEOR === undefined) console.log('(no METEOR: java or meteor-1.5.jar not found; set T2VLP_METEOR_JAR)');
    console.log(`predictions: ${out}`);
    return 0;
  } finally {
    model.dispose();
  }
}
