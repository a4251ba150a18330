/**
 * The subcommands: name → one-line summary (for `t2vlp --help` and each command's `--help`) and
 * the module that implements it, loaded only when that command runs.
 */
import type { Command } from '../command.js';

export interface CommandEntry {
  summary: string;
  load: () => Promise<{ default: Command<any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export const COMMANDS: Record<string, CommandEntry> = {
  demo: {
    summary: 'synthetic dataset → stage 1 → stage 2 (fusion) → retrieval fine-tuning → evaluation, loose and re-ranked → a query → caption and QA fine-tuning',
    load: () => import('./demo.js'),
  },
  train: {
    summary: 'stage-1 or stage-2 (fusion) pre-training; retrieval, captioning or QA fine-tuning (presets per dataset; --nproc N processes)',
    load: () => import('./train.js'),
  },
  eval: { summary: 'evaluate a checkpoint on a dataset split: text-video retrieval, captioning (--task caption) or QA (--task qa)', load: () => import('./eval.js') },
  encode: { summary: 'encode videos or texts into an embeddings file', load: () => import('./encode.js') },
  search: { summary: 'rank encoded videos for a text query', load: () => import('./search.js') },
  index: { summary: 'index a video library into moments (incremental, resumable)', load: () => import('./index-library.js') },
  serve: {
    summary: 'search a video library by text in the browser (indexes it in the background)',
    load: () => import('./serve.js'),
  },
  caption: {
    summary: 'generate captions for video files with a caption checkpoint (greedy or --beam N)',
    load: () => import('./caption.js'),
  },
  ask: { summary: 'answer a question about a video with a QA checkpoint', load: () => import('./ask.js') },
  'generate-data': {
    summary: 'write the synthetic video-text dataset (MSR-VTT formats: videos/, MSRVTT_data.json, CSVs, qa/)',
    load: () => import('./generate-data.js'),
  },
  'prepare-webvid': {
    summary: 'WebVid CSVs + clips → TFRecord shards of 12 frames per clip, index and caption JSON',
    load: () => import('./prepare-webvid.js'),
  },
};
