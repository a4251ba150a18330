/**
 * `t2vlp eval --task qa` (docs/EVAL.md "Captioning and QA evaluation"): answers every question of
 * the split, prints the accuracy overall and per answer type beside the untrained baseline and
 * chance (most frequent training answer, uniform over the answers), and writes the predictions JSON.
 */
import { ClipTokenizer } from '../data/index.js';
import { evaluateQa, qaChance, type QAScore } from '../eval/index.js';
import { countProgress } from '../inference/index.js';
import { writeFileAtomic } from '../torch/io/index.js';
import { commandDevice } from './device.js';
import { answerChoice, baselineModel, baselineOf, loadTaskModel, predictionsPath, readQaEvalSplit, taskVideoReader, type TaskRun } from './eval-task-data.js';

const pct = (x: number | undefined) => (x === undefined ? '—' : (x * 100).toFixed(1));

export async function runQaEval(r: TaskRun): Promise<number> {
  const { args, fps, checkpoint, data, videoDir, split } = r;
  const baseline = baselineOf(args.baseline);
  const { dataset, trainAnswers, folder } = await readQaEvalSplit(args.dataset, data, split, videoDir);
  const out = predictionsPath(args.predictions, checkpoint, 'qa', split);
  let model = await loadTaskModel('qa', checkpoint, args.dtype, commandDevice(args.device, args.dtype));
  try {
    const tokenizer = await ClipTokenizer.load();
    const answers = await answerChoice(args.answers, checkpoint, tokenizer);
    const quiet = args.quiet === true;
    const t0 = Date.now();
    const evalWith = (label: string) =>
      evaluateQa(model, dataset.samples, {
        tokenizer,
        vocabulary: answers.vocabulary,
        batchSize: args.batch,
        maxWords: args.maxWords,
        videoReader: taskVideoReader(model, { frames: args.frames, fps, concurrency: args.concurrency }),
        onProgress: countProgress(label, 'questions', { quiet }),
        onWarning: label === 'eval' ? (m) => console.error(`warning: ${m}`) : undefined,
      });
    const res = await evalWith('eval');
    const seconds = (Date.now() - t0) / 1000;
    const answerSet = { source: answers.source, size: answers.vocabulary?.size ?? model.config.vocabSize };
    const { predictions, ...score } = res;
    await writeFileAtomic(out, JSON.stringify({ task: 'qa', dataset: dataset.name, split, checkpoint, answers: answerSet, ...score, predictions }, null, 1) + '\n');
    const chance = qaChance(
      dataset.samples.map((s) => s.qa!.answer),
      { vocabularySize: answerSet.size, vocabulary: answers.vocabulary, trainAnswers },
    );
    let base: { accuracy: number; perType: Record<string, QAScore> } | null = null;
    if (baseline.kind !== 'none') {
      model = await baselineModel(baseline, model, args.dtype, commandDevice(args.device, args.dtype));
      const b = await evalWith('baseline');
      base = { accuracy: b.accuracy, perType: b.perType };
    }
    if (args.json) {
      console.log(
        JSON.stringify({
          task: 'qa',
          dataset: dataset.name,
          split,
          data: folder,
          checkpoint,
          answers: answerSet,
          numQuestions: res.total,
          accuracy: res.accuracy,
          perType: res.perType,
          outOfVocabulary: res.outOfVocabulary,
          truncatedQuestions: res.truncatedQuestions,
          baseline: base ? { kind: baseline.kind, checkpoint: baseline.kind === 'checkpoint' ? baseline.checkpoint : null, ...base } : null,
          chance,
          predictions: out,
          seconds,
        }),
      );
      return 0;
    }
    const types = Object.keys(res.perType);
    console.log(`${dataset.name} ${split}: ${res.total} questions, ${checkpoint}, answers: ${answers.source} (${answerSet.size}) (${seconds.toFixed(1)} s)`);
    const labels = {
      model: 'model',
      base: baseline.kind === 'checkpoint' ? `baseline (${baseline.checkpoint})` : 'untrained (fresh head)',
      freq: `chance: always '${chance.mostFrequent.answer}'`,
      uniform: `chance: uniform 1/${answerSet.size}`,
    };
    const width = Math.max(...Object.values(labels).map((l) => l.length));
    const cols = ['all', ...types];
    const w = cols.map((c) => Math.max(c.length, 5));
    const line = (label: string, cells: string[]) => [label.padEnd(width), ...cells.map((c, i) => c.padStart(w[i]!))].join('  ').trimEnd();
    console.log(line('', cols));
    console.log(line(labels.model, [pct(res.accuracy), ...types.map((t) => pct(res.perType[t]!.accuracy))]));
    if (base) console.log(line(labels.base, [pct(base.accuracy), ...types.map((t) => pct(base.perType[t]?.accuracy))]));
    console.log(line(labels.freq, [pct(chance.mostFrequent.accuracy), ...types.map(() => '')]));
    console.log(line(labels.uniform, [pct(chance.uniform), ...types.map(() => '')]));
    if (res.outOfVocabulary) console.log(`(${res.outOfVocabulary} questions have an answer outside the vocabulary: counted wrong)`);
    console.log(`predictions: ${out}`);
    return 0;
  } finally {
    model.dispose();
  }
}
