// MSR-VTT for captioning evaluation (docs/DATA.md §3.1, docs/EVAL.md "Captioning"): the split's
// videos with every caption MSRVTT_data.json has for them, as references. Videos come from
// MSRVTT_train.9k.csv (train) or MSRVTT_JSFUSION_<split>.csv (val, test; the synthetic dataset
// writes both) in file order, each once; a video the json has no caption for keeps its CSV
// sentence. One sample per (video, caption), grouped by video, like MSVD's val/test.
import { join } from 'node:path';
import { readMsrvttData, readMsrvttTestCsv, readMsrvttTrainCsv, type MsrvttOptions } from './msrvtt.js';
import type { Dataset, Sample } from './types.js';

export async function loadMsrvttCaptions(o: MsrvttOptions): Promise<Dataset> {
  const ext = o.videoExt ?? '.mp4';
  const dataPath = join(o.dataDir, o.dataJson ?? 'MSRVTT_data.json');
  const listPath = join(
    o.dataDir,
    o.split === 'train'
      ? (o.trainCsv ?? 'MSRVTT_train.9k.csv')
      : o.split === 'test'
        ? (o.testCsv ?? 'MSRVTT_JSFUSION_test.csv')
        : (o.valCsv ?? 'MSRVTT_JSFUSION_val.csv'),
  );
  const [data, rows] = await Promise.all([
    readMsrvttData(dataPath, o),
    o.split === 'train'
      ? readMsrvttTrainCsv(listPath).then((ids) => ids.map((videoId) => ({ videoId, sentence: undefined })))
      : readMsrvttTestCsv(listPath),
  ]);
  const samples: Sample[] = [];
  const cutOffPoints: number[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.videoId)) continue;
    seen.add(r.videoId);
    const caps = data.captions.get(r.videoId) ?? (r.sentence !== undefined ? [r.sentence] : []);
    const video = { kind: 'file' as const, path: join(o.videoDir, r.videoId + ext) };
    for (const caption of caps) samples.push({ videoId: r.videoId, video, split: o.split, caption });
    if (caps.length === 0) samples.push({ videoId: r.videoId, video, split: o.split });
    cutOffPoints.push(samples.length);
  }
  return {
    name: 'msrvtt',
    split: o.split,
    samples,
    multiSentence: { cutOffPoints, sentenceNum: samples.length, videoNum: seen.size },
    issues: data.sink.issues,
  };
}
