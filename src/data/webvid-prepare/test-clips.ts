// A tiny WebVid-like download for tests: a metadata CSV in the published column order with
// awkward captions (commas, quotes, a line break), clips under <page_dir>/ and flat, and the
// clips that must be skipped: one corrupt, one missing, one too short, one row without an id.
// Good clips show their frame index as a binary pattern (video/test-videos.ts), so tests can
// check which frames were extracted; one is solid red, to check the BGR byte order.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeRgbVideo } from '../video/encode.js';
import { writeIndexVideo } from '../video/test-videos.js';

export interface TestClip {
  videoId: string;
  caption: string;
  /** Frames in the clip file; 0 = no file; -1 = a corrupt file. */
  frames: number;
  pageDir: string;
  /** Written flat under the clips folder instead of under page_dir. */
  flat?: boolean;
  red?: boolean;
}

export const TEST_CLIPS: TestClip[] = [
  {
    videoId: '1001',
    caption: 'Aerial shot of a city, at night',
    frames: 30,
    pageDir: '000001_000050',
  },
  { videoId: '1002', caption: 'A "red" square', frames: 20, pageDir: '000001_000050', red: true },
  { videoId: '1003', caption: 'Corrupt download', frames: -1, pageDir: '000001_000050' },
  { videoId: '1004', caption: 'Two\nlines', frames: 13, pageDir: '000051_000100', flat: true },
  { videoId: '1005', caption: 'Never downloaded', frames: 0, pageDir: '000051_000100' },
  { videoId: '1006', caption: 'Too short', frames: 5, pageDir: '000051_000100' },
  { videoId: '1007', caption: 'Woman, walking; slow motion', frames: 45, pageDir: '000051_000100' },
  { videoId: '', caption: 'a row without an id', frames: 0, pageDir: '000051_000100' },
  { videoId: '1008', caption: 'Last clip', frames: 24, pageDir: '000101_000150' },
];

const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Writes `<dir>/clips/...` and `<dir>/results_2M_train.csv`; returns their paths. */
export async function writeTestDownload(dir: string): Promise<{ csv: string; clips: string }> {
  const clips = join(dir, 'clips');
  const lines = ['videoid,contentUrl,duration,page_dir,name'];
  for (const c of TEST_CLIPS) {
    lines.push(
      [
        c.videoId,
        `https://example.com/${c.videoId}.mp4`,
        'PT00H00M03S',
        c.pageDir,
        quote(c.caption),
      ].join(','),
    );
    if (c.frames === 0) continue;
    const folder = c.flat ? clips : join(clips, c.pageDir);
    await mkdir(folder, { recursive: true });
    const path = join(folder, `${c.videoId}.mp4`);
    if (c.frames < 0)
      await writeFile(path, Buffer.from('this is not an mp4 file, just bytes'.repeat(20)));
    else if (c.red) {
      const rgb = new Uint8Array(c.frames * 48 * 32 * 3);
      for (let i = 0; i < rgb.length; i += 3) rgb[i] = 255;
      await encodeRgbVideo(rgb, path, { width: 48, height: 32, fps: 10 });
    } else await writeIndexVideo(path, c.frames, 10, { width: 64, height: 32 });
  }
  const csv = join(dir, 'results_2M_train.csv');
  await writeFile(csv, lines.join('\r\n') + '\r\n');
  return { csv, clips };
}
