/**
 * `t2vlp caption VIDEO...`: generates a caption for each video with a caption checkpoint (the
 * fusion encoder's caption head, docs/FUSION.md "Captioning"): greedy as the reference, or beam
 * search with --beam N. Prints one line per video, or one JSON object with --json.
 */
import { ClipTokenizer } from '../../data/index.js';
import { captionVideos, loadModelForInference, requireFusionHead, videoReaderFor } from '../../inference/index.js';
import { UsageError, type Args, type CommandSpec } from '../args.js';
import { defineCommand } from '../command.js';
import { DEVICE_OPTION, DTYPE_OPTION, VIDEO_INPUT_OPTIONS } from '../options.js';
import { commandDevice } from '../device.js';

const spec = {
  name: 'caption',
  usage: 't2vlp caption --checkpoint CKPT VIDEO... [--beam N] [--json]',
  options: {
    checkpoint: { type: 'string', help: 'a caption checkpoint (fusion encoder fine-tuned for captioning)' },
    beam: { type: 'int', help: 'beam width (1 = greedy, the reference decoder)', default: 1 },
    'length-penalty': { type: 'number', help: 'beam search: rank by logp / length^P', default: 0 },
    json: { type: 'boolean', help: 'print one JSON object instead of lines' },
    dtype: DTYPE_OPTION,
    device: DEVICE_OPTION,
    ...VIDEO_INPUT_OPTIONS,
  },
} as const satisfies CommandSpec;
type Options = Args<typeof spec.options>;

async function run(args: Options): Promise<number> {
  const videos = args._;
  if (!args.checkpoint) throw new UsageError("--checkpoint is required (see 't2vlp caption --help')");
  if (videos.length === 0) throw new UsageError('give at least one video file to caption');
  if (args.beam < 1) throw new UsageError(`--beam must be at least 1, got ${args.beam}`);
  const [model, tokenizer] = await Promise.all([loadModelForInference(args.checkpoint, { dtype: args.dtype, device: commandDevice(args.device, args.dtype) }), ClipTokenizer.load()]);
  try {
    requireFusionHead(model, args.checkpoint, 'caption');
    const reader = videoReaderFor(model, { frames: args.frames, fps: args.fps, concurrency: args.concurrency });
    const captions = await captionVideos(model, tokenizer, reader, videos, {
      beam: args.beam,
      lengthPenalty: args.lengthPenalty,
      onCaption: (c) => {
        if (!args.json) console.log(`${c.video}\t${c.caption}`);
      },
    });
    if (args.json)
      console.log(JSON.stringify({ checkpoint: args.checkpoint, beam: args.beam, captions: captions.map((c) => ({ video: c.video, caption: c.caption, ids: c.ids })) }));
    return 0;
  } finally {
    model.dispose();
  }
}

export default defineCommand(spec, run);
