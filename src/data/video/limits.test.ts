/**
 * Resource limits on probed videos: frames claiming 60000x60000 pixels or a duration of days are
 * refused before decoding with a TOO_LARGE error naming the file; a real small video passes the
 * defaults and is refused when readVideoClip's limits are set below it (so the check is wired in).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { VideoDecodeError } from '../errors.js';
import { readVideoClip } from './decode-video.js';
import { checkVideoLimits } from './limits.js';
import type { VideoProbe } from './probe.js';
import { writeIndexVideo } from './test-videos.js';

const probe = (p: Partial<VideoProbe>): VideoProbe => ({ path: 'clip.mp4', width: 320, height: 240, fps: 30, frameCount: 300, durationSec: 10, streamOffsetSec: 0, codec: 'h264', ...p });
const tooLarge = (re: RegExp) => (e: unknown) => e instanceof VideoDecodeError && e.code === 'TOO_LARGE' && re.test(e.message);

test('probe claims of enormous frames or a duration of days are refused with the file named', () => {
  checkVideoLimits(probe({}), 'here');
  checkVideoLimits(probe({ width: 7680, height: 4320 }), 'here'); // 8K passes
  assert.throws(() => checkVideoLimits(probe({ width: 60000, height: 60000 }), 'readVideoClip'), tooLarge(/^readVideoClip: 'clip.mp4' has 60000x60000 frames .*over the limit of 67108864; downscale/));
  // nb_frames of a header that lies: 10^12 frames at 30 fps, though the container says 10 s
  assert.throws(() => checkVideoLimits(probe({ frameCount: 1e12 }), 'here'), tooLarge(/claims 1000000000000 frames at 30.000 fps \(9259259.3 hours\), over the limit of 48.0 hours/));
  assert.throws(() => checkVideoLimits(probe({ frameCount: 30 * 3 * 86400, durationSec: 3 * 86400 }), 'here'), tooLarge(/72.0 hours/));
  checkVideoLimits(probe({ frameCount: 1e12 }), 'here', { maxDurationSec: Infinity }); // a limit can be lifted
});

test('readVideoClip checks the limits before decoding', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 't2vlp-limits-')), 'v.mp4');
  await writeIndexVideo(path, 8, 4, { width: 64, height: 32 });
  const clip = await readVideoClip(path, { maxFrames: 2, imageSize: 32 });
  assert.ok(clip.numFrames > 0);
  await assert.rejects(readVideoClip(path, { maxFrames: 2, imageSize: 32, limits: { maxPixels: 1000 } }), tooLarge(/v\.mp4' has 64x32 frames \(2048 pixels\), over the limit of 1000/));
  await assert.rejects(readVideoClip(path, { maxFrames: 2, imageSize: 32, limits: { maxDurationSec: 1 } }), tooLarge(/claims 8 frames at 4.000 fps \(0.0 hours\), over the limit of 0.0 hours/));
});
